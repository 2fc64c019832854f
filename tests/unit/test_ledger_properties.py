"""Property tests of the ledger (hypothesis): over random sequences of deposits, withdrawals,
transfers, retries and reversals, money is conserved, no non-overdraft account goes below zero,
every entry balances, and each balance equals the sum of its postings.

The ledger runs on an in-memory SQLite database built with ``create_all`` (triggers included)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule
from sqlalchemy import create_engine, func, select, text
from sqlalchemy.orm import Session
from sqlalchemy.pool import StaticPool

import sandbox.models  # noqa: F401  (fills Base.metadata)
from sandbox import ledger
from sandbox.db import Base, utcnow
from sandbox.errors import DomainError
from sandbox.identity.models import Classroom, User
from sandbox.ledger import queries as lq
from sandbox.ledger.models import JournalEntry, LedgerAccount, Posting

ENGINE = create_engine("sqlite://", poolclass=StaticPool, connect_args={"check_same_thread": False})
Base.metadata.create_all(ENGINE)
with Session(ENGINE) as _s, _s.begin():
    _s.add(User(id=1, username="t", username_key="t", full_name="T", role="instructor", password_hash="x"))
    _s.flush()

ACCOUNTS = 4
amounts = st.integers(min_value=1, max_value=50_000)
who = st.integers(min_value=0, max_value=ACCOUNTS - 1)


def new_class(s: Session) -> int:
    room = Classroom(name="p", language="en", seed=1, enrollment_code=f"C{utcnow().timestamp()}{id(s)}"[:16],
                     owner_id=1)
    s.add(room)
    s.flush()
    return room.id


class LedgerMachine(RuleBasedStateMachine):
    """A class's books under random operations; the model is only the money that came in and out."""

    @initialize()
    def open_books(self) -> None:
        self.session = Session(ENGINE)
        self.session.begin()
        self.class_id = new_class(self.session)
        self.accounts = [
            ledger.open_account(self.session, class_id=self.class_id, owner_id=None, name=f"a{i}",
                                allow_overdraft=(i == ACCOUNTS - 1)).id
            for i in range(ACCOUNTS)
        ]
        self.deposited = 0
        self.withdrawn = 0
        self.keys: dict[str, tuple[int, int, int]] = {}
        self.entries: list[int] = []
        self.reversed: set[int] = set()

    def teardown(self) -> None:
        self.session.rollback()
        self.session.close()

    def _try(self, fn):
        nested = self.session.begin_nested()
        try:
            result = fn()
        except DomainError as err:
            nested.rollback()
            assert err.code in ("ledger.insufficient_funds", "ledger.same_account", "ledger.key_reused",
                                "ledger.already_reversed", "ledger.not_reversible"), err
            return None
        nested.commit()
        return result

    @rule(i=who, amount=amounts)
    def deposit(self, i: int, amount: int) -> None:
        done = self._try(lambda: ledger.deposit(self.session, class_id=self.class_id, account_id=self.accounts[i],
                                                amount_fen=amount))
        assert done is not None
        self.deposited += amount
        self.entries.append(done.entry_id)

    @rule(i=who, amount=amounts)
    def withdraw(self, i: int, amount: int) -> None:
        before = lq.balance(self.session, self.accounts[i])
        done = self._try(lambda: ledger.withdraw(self.session, class_id=self.class_id, account_id=self.accounts[i],
                                                 amount_fen=amount))
        overdraft = i == ACCOUNTS - 1
        assert (done is not None) == (overdraft or before >= amount)
        if done is not None:
            self.withdrawn += amount
            self.entries.append(done.entry_id)

    @rule(i=who, j=who, amount=amounts, key=st.sampled_from([None, "k1", "k2", "k3"]))
    def transfer(self, i: int, j: int, amount: int, key: str | None) -> None:
        before = lq.balance(self.session, self.accounts[i])
        done = self._try(lambda: ledger.transfer(self.session, class_id=self.class_id, from_account=self.accounts[i],
                                                 to_account=self.accounts[j], amount_fen=amount, key=key))
        if done is None:
            return
        if done.replayed:
            assert key is not None and self.keys[key] == (i, j, amount)  # only an identical request replays
            return
        assert i != j and (i == ACCOUNTS - 1 or before >= amount)
        if key is not None:
            assert key not in self.keys
            self.keys[key] = (i, j, amount)
        self.entries.append(done.entry_id)

    @precondition(lambda self: bool(self.entries))
    @rule(pick=st.integers(min_value=0), fresh_key=st.booleans())
    def reverse(self, pick: int, fresh_key: bool) -> None:
        entry_id = self.entries[pick % len(self.entries)]
        key = f"again:{entry_id}:{len(self.reversed)}" if fresh_key else None
        done = self._try(lambda: ledger.reverse(self.session, class_id=self.class_id, entry_id=entry_id, key=key))
        if done is None:
            return
        if done.replayed:  # the same reversal asked again (same default key): the first one, once
            assert entry_id in self.reversed
            return
        assert entry_id not in self.reversed
        self.reversed.add(entry_id)
        kind = self.session.get(JournalEntry, entry_id).kind
        posted = {leg.account_id: leg.amount_fen for leg in done.legs}
        cash = ledger.system_account(self.session, self.class_id, "cash")
        if kind == "deposit":  # the vault takes the money back
            self.deposited -= posted[cash]
        elif kind == "withdrawal":  # the vault pays it back in
            self.withdrawn += posted[cash]

    @invariant()
    def money_is_conserved(self) -> None:
        customers = sum(lq.balance(self.session, a) for a in self.accounts)
        assert customers == self.deposited - self.withdrawn
        assert lq.total_balance(self.session, self.class_id) == 0

    @invariant()
    def no_overdraft_and_every_entry_balances(self) -> None:
        assert lq.unbalanced_entries(self.session, self.class_id) == []
        assert lq.drifted_accounts(self.session, self.class_id) == []
        assert lq.overdrawn_accounts(self.session, self.class_id) == []
        for a in self.accounts[:-1]:
            assert lq.balance(self.session, a) >= 0


LedgerMachine.TestCase.settings = settings(
    max_examples=40, stateful_step_count=25, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)
TestLedgerProperties = LedgerMachine.TestCase


@pytest.fixture
def books() -> Iterator[tuple[Session, int, list[int]]]:
    s = Session(ENGINE)
    s.begin()
    class_id = new_class(s)
    accounts = [ledger.open_account(s, class_id=class_id, owner_id=None, name=f"a{i}").id for i in range(2)]
    yield s, class_id, accounts
    s.rollback()
    s.close()


def test_postings_and_entries_are_append_only(books):
    s, class_id, (a, _b) = books
    done = ledger.deposit(s, class_id=class_id, account_id=a, amount_fen=100)
    for table in ("ledger_postings", "ledger_entries"):
        nested = s.begin_nested()
        with pytest.raises(Exception, match="append-only"):
            s.execute(text(f"UPDATE {table} SET created_at = created_at WHERE id > 0"))  # noqa: S608
        nested.rollback()
    assert s.scalar(select(func.sum(Posting.amount_fen)).where(Posting.entry_id == done.entry_id)) == 0


def test_a_zero_or_one_sided_entry_is_refused(books):
    s, class_id, (a, b) = books
    for legs, code in (
        ([ledger.Leg(a, 5), ledger.Leg(b, -4)], "ledger.unbalanced"),
        ([ledger.Leg(a, 0), ledger.Leg(b, 0)], "ledger.bad_legs"),
        ([ledger.Leg(a, 5)], "ledger.bad_legs"),
        ([ledger.Leg(a, 5), ledger.Leg(a, -5)], "ledger.bad_legs"),
    ):
        with pytest.raises(DomainError) as caught:
            ledger.post(s, class_id=class_id, kind="transfer", legs=legs)
        assert caught.value.code == code
    assert s.scalar(select(func.count(JournalEntry.id)).where(JournalEntry.class_id == class_id)) == 0


def test_statement_lines_reconcile(books):
    """Opening balance + credits − debits = closing balance, line by line."""
    s, class_id, (a, b) = books
    steps = [(a, 1000), (b, 300)]
    for account, amount in steps:
        ledger.deposit(s, class_id=class_id, account_id=account, amount_fen=amount)
    ledger.transfer(s, class_id=class_id, from_account=a, to_account=b, amount_fen=250)
    lines = lq.statement(s, a, newest_first=False)
    running = 0
    for line in lines:
        running += line.amount_fen
        assert line.balance_after_fen == running
    assert running == lq.balance(s, a) == 750
    assert s.get(LedgerAccount, a).balance_fen == 750
