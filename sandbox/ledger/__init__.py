"""Ledger (总账): double-entry bookkeeping in integer fen — the only code that moves money.

Invariants (enforced, not hoped for):
- Every journal entry's postings sum to zero (per currency; the sandbox books CNY only).
- Money is an integer number of fen; ``Decimal`` only at the edges (:mod:`sandbox.ledger.money`).
- An account's ``balance_fen`` always equals the sum of its postings: both change in the same
  statement sequence of one transaction, and a debit is a conditional ``UPDATE … WHERE
  allow_overdraft OR balance_fen >= :n`` whose row count decides "insufficient funds", so a
  non-overdraft account can never go below zero (a CHECK constraint backs this up).
- Postings and entries are append-only (database triggers refuse UPDATE); a mistake is
  corrected by a reversing entry, never by editing.
- Every entry carries an idempotency key, unique per class, with a hash of the request: the
  same key with the same request returns the first result; with a different request it is
  refused (``ledger.key_reused``).
- Rows are locked in ascending account id (``FOR UPDATE`` on PostgreSQL; SQLite writers hold
  BEGIN IMMEDIATE), so concurrent transfers neither lose updates nor deadlock.

Money enters and leaves the customer world only through system accounts (``cash``: the
bank's vault, which may go negative): the sum of all balances of a class is always zero.
"""

from sandbox.ledger.money import CURRENCY, format_fen, parse_amount
from sandbox.ledger.postings import (
    Leg,
    Posted,
    deposit,
    find_entry,
    open_account,
    post,
    reverse,
    system_account,
    transfer,
    withdraw,
)

__all__ = [
    "CURRENCY",
    "Leg",
    "Posted",
    "deposit",
    "find_entry",
    "format_fen",
    "open_account",
    "parse_amount",
    "post",
    "reverse",
    "system_account",
    "transfer",
    "withdraw",
]
