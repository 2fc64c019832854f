"""Posting money: open accounts, post balanced entries, deposit, withdraw, transfer, reverse.

These functions run inside the caller's transaction (``uow.write()``), so an entry and the
business record and event that go with it commit together. The posting path uses Core
statements on the mapped tables (no ORM unit of work): it is the hottest code of the sandbox. See the package docstring for the
invariants. Error codes: ledger.unbalanced, ledger.bad_legs, ledger.unknown_account,
ledger.foreign_account, ledger.currency_mismatch, ledger.insufficient_funds,
ledger.key_reused, ledger.already_reversed, ledger.not_reversible, ledger.no_such_entry.
"""

from __future__ import annotations

import hashlib
import json
import uuid
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import bindparam, insert, or_, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.ledger.models import ENTRY_KINDS, JournalEntry, LedgerAccount, Posting
from sandbox.ledger.money import CURRENCY

#: System accounts every class may have: code -> (name, allow_overdraft).
SYSTEM_ACCOUNTS = {
    "cash": ("Bank vault cash (现金)", True),  # money from/to the world outside the bank
    "clearing": ("Payment clearing (清算)", True),
}
MAX_KEY = 80
# Core tables: the hot path (post) skips the ORM unit of work; the rows are the same.
_ACCOUNTS = LedgerAccount.__table__
_ENTRIES = JournalEntry.__table__
_POSTINGS = Posting.__table__


@dataclass(frozen=True)
class Leg:
    """One side of an entry: ``amount_fen`` > 0 credits ``account_id``, < 0 debits it."""

    account_id: int
    amount_fen: int


@dataclass(frozen=True)
class PostedLeg:
    posting_id: int
    account_id: int
    amount_fen: int
    balance_after_fen: int


@dataclass(frozen=True)
class Posted:
    """The entry an operation wrote (or, ``replayed``, the one an earlier identical call wrote)."""

    entry_id: int
    kind: str
    legs: tuple[PostedLeg, ...]
    replayed: bool

    def leg_of(self, account_id: int) -> PostedLeg:
        return next(leg for leg in self.legs if leg.account_id == account_id)


# ----------------------------------------------------------------------------- accounts


def open_account(
    session: Session, *, class_id: int, owner_id: int | None, name: str, allow_overdraft: bool = False
) -> LedgerAccount:
    """A new customer account (balance 0) of ``class_id``."""
    account = LedgerAccount(
        class_id=class_id, owner_id=owner_id, kind="customer", name=name[:100], currency=CURRENCY,
        allow_overdraft=allow_overdraft, balance_fen=0, created_at=utcnow(),
    )
    session.add(account)
    session.flush()
    return account


def system_account(session: Session, class_id: int, code: str) -> int:
    """The id of the class's system account ``code`` (``cash``, ``clearing``), created on first use."""
    if code not in SYSTEM_ACCOUNTS:
        raise ValueError(f"unknown system account {code!r}")
    query = select(LedgerAccount.id).where(LedgerAccount.class_id == class_id, LedgerAccount.system_code == code)
    found = session.scalar(query)
    if found is not None:
        return int(found)
    name, overdraft = SYSTEM_ACCOUNTS[code]
    try:
        with session.begin_nested():  # a concurrent first use (PostgreSQL) may create it too
            account = LedgerAccount(
                class_id=class_id, owner_id=None, kind="system", system_code=code, name=name, currency=CURRENCY,
                allow_overdraft=overdraft, balance_fen=0, created_at=utcnow(),
            )
            session.add(account)
            session.flush()
            return account.id
    except IntegrityError:
        return int(session.scalar(query))


# ----------------------------------------------------------------------------- entries


def request_hash(kind: str, legs: Sequence[Leg], memo: str, reference: str | None, actor_id: int | None) -> str:
    """The fingerprint of a posting request (what a retry with the same key must repeat)."""
    body = {
        "kind": kind,
        "legs": sorted([leg.account_id, leg.amount_fen] for leg in legs),
        "memo": memo,
        "reference": reference,
        "actor": actor_id,
    }
    return hashlib.sha256(json.dumps(body, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


def find_entry(session: Session, class_id: int, key: str) -> JournalEntry | None:
    """The entry posted under idempotency ``key`` in ``class_id``, if any."""
    return session.scalar(
        select(JournalEntry).where(JournalEntry.class_id == class_id, JournalEntry.idempotency_key == key)
    )


def _posted(session: Session, entry: JournalEntry, replayed: bool) -> Posted:
    return _posted_by_id(session, entry.id, entry.kind, replayed)


def _posted_by_id(session: Session, entry_id: int, kind: str, replayed: bool) -> Posted:
    rows = session.execute(
        select(_POSTINGS.c.id, _POSTINGS.c.account_id, _POSTINGS.c.amount_fen, _POSTINGS.c.balance_after_fen)
        .where(_POSTINGS.c.entry_id == entry_id)
        .order_by(_POSTINGS.c.id)
    ).all()
    return Posted(entry_id, kind, tuple(PostedLeg(*map(int, r)) for r in rows), replayed)


def _check_legs(legs: Sequence[Leg]) -> None:
    if len(legs) < 2:
        raise DomainError("ledger.bad_legs")
    seen: set[int] = set()
    for leg in legs:
        if type(leg.amount_fen) is not int or leg.amount_fen == 0 or leg.account_id in seen:
            raise DomainError("ledger.bad_legs")
        seen.add(leg.account_id)
    if sum(leg.amount_fen for leg in legs) != 0:
        raise DomainError("ledger.unbalanced")


def _check_account(session: Session, class_id: int, account_id: int) -> None:
    """Why an account cannot be booked here: ledger.unknown_account / foreign_account / currency_mismatch."""
    row = session.execute(
        select(_ACCOUNTS.c.class_id, _ACCOUNTS.c.currency).where(_ACCOUNTS.c.id == account_id)
    ).first()
    if row is None:
        raise DomainError("ledger.unknown_account")
    if row.class_id != class_id:
        raise DomainError("ledger.foreign_account")
    if row.currency != CURRENCY:
        raise DomainError("ledger.currency_mismatch")


# The posting path's statements, built once (SQLAlchemy then reuses their cache key and compiled
# form: building a statement per call cost more than running it). Run on the session's
# connection, in the caller's transaction, without the ORM's per-statement machinery.
_A = _ACCOUNTS.c
_LOCK = (
    select(_A.id).where(_A.id.in_(bindparam("ids", expanding=True))).order_by(_A.id).with_for_update()
)
_BOOK = update(_ACCOUNTS).where(_A.id == bindparam("account"), _A.class_id == bindparam("cls"), _A.currency == CURRENCY)
#: a credit; a debit only if funds (or overdraft) allow: no row back means refused
_CREDIT = _BOOK.values(balance_fen=_A.balance_fen + bindparam("amount")).returning(_A.balance_fen)
_DEBIT = (
    _BOOK.where(or_(_A.allow_overdraft.is_(True), _A.balance_fen >= -bindparam("amount")))
    .values(balance_fen=_A.balance_fen + bindparam("amount")).returning(_A.balance_fen)
)
_ENTRY_COLUMNS = ("class_id", "kind", "idempotency_key", "request_hash", "actor_id", "memo", "reference",
                  "reverses_id", "created_at")
_NEW_ENTRY = {
    name: dialect.insert(_ENTRIES).values({c: bindparam(c, type_=_ENTRIES.c[c].type) for c in _ENTRY_COLUMNS})
    .on_conflict_do_nothing(index_elements=["class_id", "idempotency_key"]).returning(_ENTRIES.c.id)
    for name, dialect in (("postgresql", postgresql), ("sqlite", sqlite))
}
_PRIOR = select(_ENTRIES.c.id, _ENTRIES.c.kind, _ENTRIES.c.request_hash).where(
    _ENTRIES.c.class_id == bindparam("cls"), _ENTRIES.c.idempotency_key == bindparam("key")
)
_NEW_POSTINGS = insert(_POSTINGS).returning(_POSTINGS.c.id, sort_by_parameter_order=True)


def _lock_accounts(conn: Connection, session: Session, class_id: int, ids: list[int]) -> None:
    """PostgreSQL: lock the rows in ascending id order (two transfers crossing the same accounts
    then queue instead of deadlocking) and check them. SQLite writers already hold the database
    (BEGIN IMMEDIATE), and :func:`_apply` checks each account as it books it."""
    if conn.dialect.name == "sqlite":
        return
    rows = conn.execute(_LOCK, {"ids": sorted(ids)}).all()
    if len(rows) != len(ids):
        for account_id in ids:
            _check_account(session, class_id, account_id)


def _apply(conn: Connection, session: Session, class_id: int, account_id: int, amount_fen: int) -> int:
    """Change one balance atomically; a debit only if funds (or overdraft) allow. The new balance."""
    stmt = _DEBIT if amount_fen < 0 else _CREDIT
    row = conn.execute(stmt, {"account": account_id, "cls": class_id, "amount": amount_fen}).first()
    if row is None:
        _check_account(session, class_id, account_id)
        raise DomainError("ledger.insufficient_funds")
    return int(row[0])


def _insert_entry(conn: Connection, values: dict[str, object]) -> int | None:
    """INSERT … ON CONFLICT (class, key) DO NOTHING RETURNING id: None when the key is taken
    (on PostgreSQL after waiting for a twin still in flight to commit or roll back)."""
    stmt = _NEW_ENTRY.get(conn.dialect.name)
    if stmt is None:
        raise RuntimeError(f"the ledger does not support {conn.dialect.name}")
    return conn.execute(stmt, values).scalar()


def post(
    session: Session,
    *,
    class_id: int,
    kind: str,
    legs: Sequence[Leg],
    key: str | None = None,
    actor_id: int | None = None,
    memo: str = "",
    reference: str | None = None,
    reverses_id: int | None = None,
) -> Posted:
    """Post one balanced entry. With a ``key`` already used: the first result if the request is
    the same, ``ledger.key_reused`` if it differs. Debits come first and cannot overdraw."""
    if kind not in ENTRY_KINDS:
        raise ValueError(f"unknown entry kind {kind!r}")
    _check_legs(legs)
    key = (key or uuid.uuid4().hex)[:MAX_KEY]
    memo = memo[:200]
    fingerprint = request_hash(kind, legs, memo, reference, actor_id)
    if session.autoflush:  # what session.execute would do first: pending ORM rows reach the database
        session.flush()
    conn = session.connection()  # the caller's transaction
    _lock_accounts(conn, session, class_id, [leg.account_id for leg in legs])
    now = utcnow()
    entry_id = _insert_entry(conn, {
        "class_id": class_id, "kind": kind, "idempotency_key": key, "request_hash": fingerprint,
        "actor_id": actor_id, "memo": memo, "reference": reference, "reverses_id": reverses_id, "created_at": now,
    })
    if entry_id is None:  # the key was used before: the same request replays, another is refused
        prior = conn.execute(_PRIOR, {"cls": class_id, "key": key}).one()
        if prior.request_hash != fingerprint:
            raise DomainError("ledger.key_reused")
        return _posted_by_id(session, prior.id, prior.kind, replayed=True)
    ordered = sorted(legs, key=lambda g: (g.amount_fen > 0, g.account_id))  # debits first
    afters = [_apply(conn, session, class_id, leg.account_id, leg.amount_fen) for leg in ordered]
    ids = conn.execute(
        _NEW_POSTINGS,
        [
            {"entry_id": entry_id, "account_id": leg.account_id, "amount_fen": leg.amount_fen, "currency": CURRENCY,
             "balance_after_fen": after, "created_at": now}
            for leg, after in zip(ordered, afters, strict=True)
        ],
    ).scalars().all()
    done = tuple(
        PostedLeg(int(pid), leg.account_id, leg.amount_fen, after)
        for pid, leg, after in zip(ids, ordered, afters, strict=True)
    )
    return Posted(entry_id, kind, done, replayed=False)


def transfer(
    session: Session,
    *,
    class_id: int,
    from_account: int,
    to_account: int,
    amount_fen: int,
    key: str | None = None,
    actor_id: int | None = None,
    memo: str = "",
    reference: str | None = None,
    kind: str = "transfer",
) -> Posted:
    """Move ``amount_fen`` from one account to another (``ledger.same_account`` if they are one)."""
    if from_account == to_account:
        raise DomainError("ledger.same_account")
    _positive(amount_fen)
    return post(
        session, class_id=class_id, kind=kind, key=key, actor_id=actor_id, memo=memo, reference=reference,
        legs=[Leg(from_account, -amount_fen), Leg(to_account, amount_fen)],
    )


def deposit(
    session: Session, *, class_id: int, account_id: int, amount_fen: int, key: str | None = None,
    actor_id: int | None = None, memo: str = "", reference: str | None = None,
) -> Posted:
    """Cash paid in: the vault (``cash``) pays ``account_id``."""
    _positive(amount_fen)
    cash = system_account(session, class_id, "cash")
    return post(
        session, class_id=class_id, kind="deposit", key=key, actor_id=actor_id, memo=memo, reference=reference,
        legs=[Leg(cash, -amount_fen), Leg(account_id, amount_fen)],
    )


def withdraw(
    session: Session, *, class_id: int, account_id: int, amount_fen: int, key: str | None = None,
    actor_id: int | None = None, memo: str = "", reference: str | None = None,
) -> Posted:
    """Cash paid out: ``account_id`` pays the vault (refused beyond the balance)."""
    _positive(amount_fen)
    cash = system_account(session, class_id, "cash")
    return post(
        session, class_id=class_id, kind="withdrawal", key=key, actor_id=actor_id, memo=memo, reference=reference,
        legs=[Leg(account_id, -amount_fen), Leg(cash, amount_fen)],
    )


def reverse(
    session: Session, *, class_id: int, entry_id: int, key: str | None = None, actor_id: int | None = None,
    memo: str = "",
) -> Posted:
    """Correct an entry by posting its mirror image (the original stays as it was).

    Refused for a reversal (``ledger.not_reversible``), a second time (``ledger.already_reversed``),
    and when the credited account no longer holds the money (``ledger.insufficient_funds``).
    """
    original = session.get(JournalEntry, entry_id)
    if original is None or original.class_id != class_id:
        raise DomainError("ledger.no_such_entry")
    if original.kind == "reversal":
        raise DomainError("ledger.not_reversible")
    legs = [
        Leg(int(a), -int(n))
        for a, n in session.execute(select(Posting.account_id, Posting.amount_fen).where(Posting.entry_id == entry_id))
    ]
    key = (key or f"reverse:{entry_id}")[:MAX_KEY]
    memo = (memo or f"reversal of entry {entry_id}")[:200]
    done = session.scalar(select(JournalEntry).where(JournalEntry.reverses_id == entry_id))
    if done is not None:  # the same request again is a replay; any other is a second reversal
        if done.idempotency_key == key and done.request_hash == request_hash(
            "reversal", legs, memo, original.reference, actor_id
        ):
            return _posted(session, done, replayed=True)
        raise DomainError("ledger.already_reversed")
    return post(
        session, class_id=class_id, kind="reversal", legs=legs, key=key, actor_id=actor_id, memo=memo,
        reference=original.reference, reverses_id=entry_id,
    )


def _positive(amount_fen: int) -> None:
    if type(amount_fen) is not int or amount_fen <= 0:
        raise DomainError("ledger.amount_not_positive", field="ebank.amount", value=str(amount_fen))
