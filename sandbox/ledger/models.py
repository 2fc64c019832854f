"""Ledger tables: accounts, journal entries and their postings (amounts in integer fen).

Invariants:
- ``ledger_accounts.balance_fen`` equals the sum of the account's postings, and is never below
  zero unless ``allow_overdraft`` (CHECK ``no_overdraft``).
- A posting's ``amount_fen`` is a signed, non-zero integer: positive credits the account
  (its balance rises), negative debits it. The postings of one entry sum to zero.
- ``balance_after_fen`` is the account's balance right after the posting (statements, charts).
- ``(class_id, idempotency_key)`` is unique; ``request_hash`` is the SHA-256 of the request
  that first used the key. ``reverses_id`` is unique: an entry is reversed at most once.
- Entries and postings are append-only: triggers refuse any UPDATE of their money columns
  (see ``APPEND_ONLY_DDL``); rows go only with their class (a reset deletes the whole class).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    DDL,
    BigInteger,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    UniqueConstraint,
    event,
)
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.db import Base, UTCDateTime, utcnow

#: Entry kinds: how money moved.
ENTRY_KINDS = ("deposit", "withdrawal", "transfer", "payment", "reversal")
ACCOUNT_KINDS = ("customer", "system")


class LedgerAccount(Base):
    """One account of the bank's books: a customer's deposit account or a system account."""

    __tablename__ = "ledger_accounts"
    __table_args__ = (
        UniqueConstraint("class_id", "system_code"),
        CheckConstraint("allow_overdraft OR balance_fen >= 0", name="no_overdraft"),
        CheckConstraint("kind IN ('customer', 'system')", name="kind"),
        CheckConstraint("length(currency) = 3", name="currency"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    kind: Mapped[str] = mapped_column(String(16))
    system_code: Mapped[str | None] = mapped_column(String(32))
    name: Mapped[str] = mapped_column(String(100))
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    allow_overdraft: Mapped[bool] = mapped_column(Boolean, default=False)
    balance_fen: Mapped[int] = mapped_column(BigInteger, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class JournalEntry(Base):
    """One business event that moved money (记账凭证): its postings sum to zero."""

    __tablename__ = "ledger_entries"
    __table_args__ = (
        UniqueConstraint("class_id", "idempotency_key"),
        UniqueConstraint("reverses_id"),
        CheckConstraint("kind IN ('deposit', 'withdrawal', 'transfer', 'payment', 'reversal')", name="kind"),
        Index("ix_ledger_entries_class_at", "class_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(16))
    idempotency_key: Mapped[str] = mapped_column(String(80))
    request_hash: Mapped[str] = mapped_column(String(64))
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    memo: Mapped[str] = mapped_column(String(200), default="")
    reference: Mapped[str | None] = mapped_column(String(64))
    reverses_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id", ondelete="CASCADE"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Posting(Base):
    """One leg of an entry on one account (记账分录): signed fen, never edited."""

    __tablename__ = "ledger_postings"
    __table_args__ = (
        CheckConstraint("amount_fen <> 0", name="nonzero"),
        Index("ix_ledger_postings_account_id", "account_id", "id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    entry_id: Mapped[int] = mapped_column(ForeignKey("ledger_entries.id", ondelete="CASCADE"), index=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="CASCADE"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    balance_after_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


#: The columns no UPDATE may touch (all of them but ``ledger_entries.actor_id``, which the
#: database itself sets NULL when a user is deleted: anonymising is not rewriting the books).
FROZEN_COLUMNS = {
    "ledger_entries": ("class_id", "kind", "idempotency_key", "request_hash", "memo", "reference", "reverses_id",
                       "created_at", "id"),
    "ledger_postings": ("id", "entry_id", "account_id", "amount_fen", "currency", "balance_after_fen", "created_at"),
}

#: Triggers that make entries and postings append-only (the migration creates the same ones).
APPEND_ONLY_DDL = {
    "sqlite": [
        "CREATE TRIGGER IF NOT EXISTS {table}_append_only BEFORE UPDATE OF {columns} ON {table} "
        "BEGIN SELECT RAISE(ABORT, '{table} is append-only'); END",
    ],
    "postgresql": [
        "CREATE OR REPLACE FUNCTION ledger_append_only() RETURNS trigger LANGUAGE plpgsql AS "
        "$$ BEGIN RAISE EXCEPTION '%% is append-only', TG_TABLE_NAME; END $$",  # DDL() formats with %
        "CREATE TRIGGER {table}_append_only BEFORE UPDATE OF {columns} ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION ledger_append_only()",
    ],
}


def _attach_append_only(table_name: str, table: object) -> None:
    columns = ", ".join(FROZEN_COLUMNS[table_name])
    for dialect, statements in APPEND_ONLY_DDL.items():
        for sql in statements:
            ddl = DDL(sql.format(table=table_name, columns=columns))
            event.listen(table, "after_create", ddl.execute_if(dialect=dialect))


_attach_append_only("ledger_entries", JournalEntry.__table__)
_attach_append_only("ledger_postings", Posting.__table__)
