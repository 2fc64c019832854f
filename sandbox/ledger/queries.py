"""Read-only views of the ledger: balances, an account's postings (statement lines), invariants.

Nothing here writes. Times are UTC in the database; :data:`BANK_TZ` (China Standard Time)
is the bank's business day for "today" and for statements.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from sandbox.clock import CHINA, day_start
from sandbox.ledger.models import JournalEntry, LedgerAccount, Posting

#: The bank's clock: China Standard Time (UTC+8, no daylight saving).
BANK_TZ = CHINA  # the sandbox's one clock (sandbox.clock)
MAX_ROWS = 500


@dataclass(frozen=True)
class StatementLine:
    """One posting of an account, with the entry it belongs to and its other side(s)."""

    posting_id: int
    entry_id: int
    at: datetime
    kind: str
    amount_fen: int
    balance_after_fen: int
    memo: str
    reference: str | None
    counterparty_ids: tuple[int, ...]

    @property
    def is_credit(self) -> bool:
        return self.amount_fen > 0


def bank_day(at: datetime) -> date:
    """The bank's business date of a UTC instant."""
    return at.astimezone(BANK_TZ).date()


def day_bounds(first: date, last: date) -> tuple[datetime, datetime]:
    """UTC instants [start of ``first``, start of the day after ``last``) in bank time."""
    return day_start(first), day_start(last + timedelta(days=1))


def balance(session: Session, account_id: int) -> int:
    return int(session.scalar(select(LedgerAccount.balance_fen).where(LedgerAccount.id == account_id)) or 0)


def statement(
    session: Session,
    account_id: int,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    kinds: Iterable[str] | None = None,
    direction: str | None = None,
    limit: int = MAX_ROWS,
    newest_first: bool = True,
) -> list[StatementLine]:
    """The postings of one account (optionally within [since, until), of entry ``kinds``, only
    credits ``direction='in'`` or debits ``'out'``), newest first by default."""
    query = (
        select(
            Posting.id, Posting.entry_id, Posting.created_at, JournalEntry.kind, Posting.amount_fen,
            Posting.balance_after_fen, JournalEntry.memo, JournalEntry.reference,
        )
        .join(JournalEntry, JournalEntry.id == Posting.entry_id)
        .where(Posting.account_id == account_id)
    )
    if since is not None:
        query = query.where(Posting.created_at >= since)
    if until is not None:
        query = query.where(Posting.created_at < until)
    if kinds is not None:
        query = query.where(JournalEntry.kind.in_(list(kinds)))
    if direction == "in":
        query = query.where(Posting.amount_fen > 0)
    elif direction == "out":
        query = query.where(Posting.amount_fen < 0)
    query = query.order_by(Posting.id.desc() if newest_first else Posting.id).limit(limit)
    rows = session.execute(query).all()
    others = _counterparties(session, [r.entry_id for r in rows], account_id)
    return [
        StatementLine(
            posting_id=r.id, entry_id=r.entry_id, at=r.created_at, kind=r.kind, amount_fen=int(r.amount_fen),
            balance_after_fen=int(r.balance_after_fen), memo=r.memo or "", reference=r.reference,
            counterparty_ids=tuple(others.get(r.entry_id, ())),
        )
        for r in rows
    ]


def _counterparties(session: Session, entry_ids: list[int], account_id: int) -> dict[int, list[int]]:
    if not entry_ids:
        return {}
    out: dict[int, list[int]] = {}
    for entry_id, other in session.execute(
        select(Posting.entry_id, Posting.account_id)
        .where(Posting.entry_id.in_(entry_ids), Posting.account_id != account_id)
        .order_by(Posting.id)
    ):
        out.setdefault(int(entry_id), []).append(int(other))
    return out


def balance_series(session: Session, account_id: int, limit: int = 5000) -> list[tuple[datetime, int]]:
    """(time, balance after) of the account's postings, oldest first: the balance over time."""
    rows = session.execute(
        select(Posting.created_at, Posting.balance_after_fen)
        .where(Posting.account_id == account_id)
        .order_by(Posting.id.desc())
        .limit(limit)
    ).all()
    return [(r[0], int(r[1])) for r in reversed(rows)]


# ----------------------------------------------------------------------------- invariants


def unbalanced_entries(session: Session, class_id: int | None = None) -> list[int]:
    """Entries whose postings do not sum to zero (must always be empty)."""
    query = select(Posting.entry_id).group_by(Posting.entry_id).having(func.sum(Posting.amount_fen) != 0)
    if class_id is not None:
        query = query.join(JournalEntry, JournalEntry.id == Posting.entry_id).where(JournalEntry.class_id == class_id)
    return [int(x) for x in session.scalars(query)]


def drifted_accounts(session: Session, class_id: int | None = None) -> list[int]:
    """Accounts whose cached balance differs from the sum of their postings (must be empty)."""
    sums = (
        select(Posting.account_id, func.sum(Posting.amount_fen).label("total"))
        .group_by(Posting.account_id)
        .subquery()
    )
    query = (
        select(LedgerAccount.id)
        .outerjoin(sums, sums.c.account_id == LedgerAccount.id)
        .where(LedgerAccount.balance_fen != func.coalesce(sums.c.total, 0))
    )
    if class_id is not None:
        query = query.where(LedgerAccount.class_id == class_id)
    return [int(x) for x in session.scalars(query)]


def overdrawn_accounts(session: Session, class_id: int | None = None) -> list[int]:
    """Non-overdraft accounts below zero, now or after any posting (must be empty)."""
    account = aliased(LedgerAccount)
    query = (
        select(account.id)
        .join(Posting, Posting.account_id == account.id)
        .where(account.allow_overdraft.is_(False), Posting.balance_after_fen < 0)
        .distinct()
    )
    if class_id is not None:
        query = query.where(account.class_id == class_id)
    now = select(LedgerAccount.id).where(LedgerAccount.allow_overdraft.is_(False), LedgerAccount.balance_fen < 0)
    if class_id is not None:
        now = now.where(LedgerAccount.class_id == class_id)
    return sorted({int(x) for x in session.scalars(query)} | {int(x) for x in session.scalars(now)})


def total_balance(session: Session, class_id: int) -> int:
    """The sum of all balances of a class, system accounts included (always zero)."""
    return int(session.scalar(select(func.coalesce(func.sum(LedgerAccount.balance_fen), 0)).where(
        LedgerAccount.class_id == class_id)) or 0)
