"""The e-bank's ties to other modules: the customer's sandbox mailbox (bank notices), and the
B2C shop a special merchant belongs to (a look-up the B2C module registers).

Invariant: nothing here moves money; it only reads other modules' rows through their own
query functions, or delivers a system notice inside the caller's transaction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.actor import Actor
from sandbox.i18n import t

#: (session, class_id, user_id) -> the user's B2C merchant reference, or None. Set by the B2C module.
B2CMerchantLookup = Callable[[Session, int, int], "str | None"]
_b2c_lookup: list[B2CMerchantLookup] = []


def register_b2c_merchant_lookup(fn: B2CMerchantLookup) -> B2CMerchantLookup:
    """The B2C module tells the bank how to find a user's shop (EBANK016 links it)."""
    _b2c_lookup[:] = [fn]
    return fn


def b2c_merchant_of(session: Session, class_id: int, user_id: int) -> str | None:
    if not _b2c_lookup:
        return None
    found = _b2c_lookup[0](session, class_id, user_id)
    return str(found)[:64] if found is not None else None


def mailbox_of(session: Session, actor: Actor) -> str | None:
    """The actor's sandbox mailbox address in their class (EMAIL001), if they have one."""
    from sandbox.email import queries

    box = queries.my_mailbox(session, actor)
    return box.address if box is not None else None


def is_class_mailbox(session: Session, class_id: int, address: str | None) -> bool:
    from sandbox.email.models import Mailbox

    if not address:
        return False
    return session.scalar(
        select(Mailbox.id).where(Mailbox.address == address, Mailbox.class_id == class_id, Mailbox.owner_id.is_not(None))
    ) is not None


def notify(
    session: Session, class_id: int, address: str, subject_key: str, body_key: str, *, actor: Actor | None = None,
    task_code: str | None = None, **params: Any,
) -> None:
    """A bilingual bank notice (sender bank@sandbox.test) to a mailbox of the class."""
    from sandbox.email.services import deliver_system_mail

    subject = f"{t(subject_key, 'zh_CN', **params)} / {t(subject_key, 'en', **params)}"
    body = f"{t(body_key, 'zh_CN', **params)}\n\n----\n\n{t(body_key, 'en', **params)}"
    deliver_system_mail(
        session, class_id, address, subject[:200], body, "ebank", sender="bank",
        sender_name="沙盒银行 Sandbox Bank", actor=actor, task_code=task_code,
    )
