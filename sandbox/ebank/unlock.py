"""Unlocking a locked e-bank payment password inside the caller's transaction.

Invariants: the e-bank locks an account's payment password after ``LOCK_AFTER`` wrong ones in a
row (``pay_failures`` counts them, ``pay_locked_at`` marks the lock; ``services._count_failure``).
Unlocking clears both and writes ``ebank.account_unlocked`` (which = "pay"), exactly like the bank
officer's ``services.unlock``, but in a session the caller already holds, so another service (an
instructor intervention) can commit the unlock together with its own event. The caller checks
that the actor may do it; this module only changes the bank's rows.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.ebank.models import BankAccount


def locked_payment_accounts(session: Session, class_id: int, owner_id: int) -> list[BankAccount]:
    """The accounts of ``owner_id`` in ``class_id`` whose payment password is locked or has failures."""
    return list(session.scalars(
        select(BankAccount)
        .where(BankAccount.class_id == class_id, BankAccount.owner_id == owner_id,
               (BankAccount.pay_locked_at.is_not(None)) | (BankAccount.pay_failures > 0))
        .order_by(BankAccount.id)
    ))


def unlock_payment_password(session: Session, actor: Actor, account: BankAccount) -> None:
    """Clear the payment-password lock and failure count of ``account``; event ebank.account_unlocked."""
    account.pay_failures = 0
    account.pay_locked_at = None
    events.record(
        session, "ebank.account_unlocked", actor=actor, class_id=account.class_id, subject=account.account_number,
        account_id=account.id, which="pay",
    )
