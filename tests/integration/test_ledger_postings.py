"""The ledger on a real database (SQLite and PostgreSQL): balanced entries, conditional debits,
idempotency keys with request comparison, reversals, append-only rows, tenant checks."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from sandbox import ledger
from sandbox.ledger import queries as lq
from sandbox.ledger.models import JournalEntry, LedgerAccount, Posting
from tests import factories
from tests.integration.helpers import refused


@pytest.fixture
def books(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    other = factories.classroom(uow, teacher, name="Other", seed=7)
    with uow.write() as s:
        a = ledger.open_account(s, class_id=room.id, owner_id=None, name="A").id
        b = ledger.open_account(s, class_id=room.id, owner_id=None, name="B").id
        c = ledger.open_account(s, class_id=other.id, owner_id=None, name="C").id
    return uow, room.id, a, b, c


def balances(uow, *ids):
    with uow.read() as s:
        return tuple(lq.balance(s, i) for i in ids)


def test_deposit_transfer_withdraw_and_the_books_balance(books):
    uow, cid, a, b, _ = books
    with uow.write() as s:
        ledger.deposit(s, class_id=cid, account_id=a, amount_fen=10_000, key="d1")
        posted = ledger.transfer(s, class_id=cid, from_account=a, to_account=b, amount_fen=2_500, key="t1", memo="rent")
        ledger.withdraw(s, class_id=cid, account_id=b, amount_fen=500, key="w1")
    assert balances(uow, a, b) == (7_500, 2_000)
    assert posted.leg_of(a).balance_after_fen == 7_500 and posted.leg_of(b).amount_fen == 2_500
    with uow.read() as s:
        assert lq.unbalanced_entries(s, cid) == [] and lq.drifted_accounts(s, cid) == []
        assert lq.total_balance(s, cid) == 0
        assert lq.balance(s, ledger.system_account(s, cid, "cash")) == -9_500
        assert [ln.kind for ln in lq.statement(s, b)] == ["withdrawal", "transfer"]


def test_a_debit_cannot_overdraw_and_changes_nothing(books):
    uow, cid, a, b, _ = books
    with uow.write() as s:
        ledger.deposit(s, class_id=cid, account_id=a, amount_fen=100)
    with refused("ledger.insufficient_funds"), uow.write() as s:
        ledger.transfer(s, class_id=cid, from_account=a, to_account=b, amount_fen=101)
    with refused("ledger.insufficient_funds"), uow.write() as s:
        ledger.withdraw(s, class_id=cid, account_id=b, amount_fen=1)
    assert balances(uow, a, b) == (100, 0)
    with uow.read() as s:
        assert s.scalar(select(func.count(JournalEntry.id)).where(JournalEntry.class_id == cid)) == 1


def test_the_same_key_replays_and_a_changed_request_is_refused(books):
    uow, cid, a, b, _ = books
    with uow.write() as s:
        ledger.deposit(s, class_id=cid, account_id=a, amount_fen=1_000, key="dep")
        first = ledger.transfer(s, class_id=cid, from_account=a, to_account=b, amount_fen=300, key="pay-1")
    with uow.write() as s:
        again = ledger.transfer(s, class_id=cid, from_account=a, to_account=b, amount_fen=300, key="pay-1")
    assert again.replayed and again.entry_id == first.entry_id and again.legs == first.legs
    with refused("ledger.key_reused"), uow.write() as s:
        ledger.transfer(s, class_id=cid, from_account=a, to_account=b, amount_fen=301, key="pay-1")
    with refused("ledger.same_account"), uow.write() as s:
        ledger.transfer(s, class_id=cid, from_account=a, to_account=a, amount_fen=300, key="pay-1")
    with refused("ledger.key_reused"), uow.write() as s:
        ledger.transfer(s, class_id=cid, from_account=b, to_account=a, amount_fen=300, key="pay-1")
    assert balances(uow, a, b) == (700, 300)


def test_a_reversal_mirrors_the_entry_once(books):
    uow, cid, a, b, _ = books
    with uow.write() as s:
        ledger.deposit(s, class_id=cid, account_id=a, amount_fen=1_000)
        wrong = ledger.transfer(s, class_id=cid, from_account=a, to_account=b, amount_fen=400)
    with uow.write() as s:
        fix = ledger.reverse(s, class_id=cid, entry_id=wrong.entry_id, memo="wrong payee")
    assert balances(uow, a, b) == (1_000, 0)
    assert {leg.account_id: leg.amount_fen for leg in fix.legs} == {a: 400, b: -400}
    with uow.write() as s:  # the same request again (a double click) replays
        assert ledger.reverse(s, class_id=cid, entry_id=wrong.entry_id, memo="wrong payee").replayed
    for key, memo in (("another try", "wrong payee"), (None, "")):
        with refused("ledger.already_reversed"), uow.write() as s:
            ledger.reverse(s, class_id=cid, entry_id=wrong.entry_id, key=key, memo=memo)
    with refused("ledger.not_reversible"), uow.write() as s:
        ledger.reverse(s, class_id=cid, entry_id=fix.entry_id)
    with uow.read() as s:  # the original stays as it was: 2 postings of the mistake + 2 of the fix
        assert s.scalar(select(func.count(Posting.id)).where(Posting.account_id == b)) == 2


def test_a_reversal_cannot_take_money_that_has_moved_on(books):
    uow, cid, a, b, _ = books
    with uow.write() as s:
        ledger.deposit(s, class_id=cid, account_id=a, amount_fen=500)
        t = ledger.transfer(s, class_id=cid, from_account=a, to_account=b, amount_fen=500)
        ledger.withdraw(s, class_id=cid, account_id=b, amount_fen=500)
    with refused("ledger.insufficient_funds"), uow.write() as s:
        ledger.reverse(s, class_id=cid, entry_id=t.entry_id)


def test_accounts_of_another_class_or_none_are_refused(books):
    uow, cid, a, _b, c = books
    with uow.write() as s:
        ledger.deposit(s, class_id=cid, account_id=a, amount_fen=500)
    with refused("ledger.foreign_account"), uow.write() as s:
        ledger.transfer(s, class_id=cid, from_account=a, to_account=c, amount_fen=1)
    with refused("ledger.unknown_account"), uow.write() as s:
        ledger.transfer(s, class_id=cid, from_account=a, to_account=999_999, amount_fen=1)
    with refused("ledger.amount_not_positive"), uow.write() as s:
        ledger.transfer(s, class_id=cid, from_account=a, to_account=c, amount_fen=0)


def test_postings_cannot_be_edited_in_the_database(books):
    uow, cid, a, _b, _c = books
    with uow.write() as s:
        ledger.deposit(s, class_id=cid, account_id=a, amount_fen=500)
    for table in ("ledger_postings", "ledger_entries"):
        with pytest.raises(DBAPIError, match="append-only"), uow.write() as s:
            s.execute(text(f"UPDATE {table} SET created_at = created_at"))  # noqa: S608
    with pytest.raises(DBAPIError), uow.write() as s:  # the CHECK constraint backs the conditional debit
        s.execute(text("UPDATE ledger_accounts SET balance_fen = -1 WHERE id = :a"), {"a": a})
    with uow.read() as s:
        assert s.get(LedgerAccount, a).balance_fen == 500


def test_system_accounts_are_made_once_per_class(books):
    uow, cid, *_ = books
    with uow.write() as s:
        first = ledger.system_account(s, cid, "cash")
        assert ledger.system_account(s, cid, "cash") == first
        assert ledger.system_account(s, cid, "clearing") != first
    with pytest.raises(ValueError), uow.write() as s:
        ledger.system_account(s, cid, "nonsense")


def test_deleting_a_user_keeps_their_bookings_anonymised(books):
    """``actor_id`` is the one column the database may change (ON DELETE SET NULL)."""
    from sandbox.identity.models import User

    uow, cid, a, _b, _ = books
    with uow.read() as s:
        teacher_id = s.scalar(select(User.id).order_by(User.id).limit(1))
    with uow.write() as s:
        ledger.deposit(s, class_id=cid, account_id=a, amount_fen=500, actor_id=teacher_id)
    with uow.write() as s:
        s.execute(text("UPDATE ledger_entries SET actor_id = NULL"))
    with uow.read() as s:
        assert s.scalar(select(func.count(JournalEntry.id)).where(JournalEntry.actor_id.is_(None))) >= 1
        assert lq.balance(s, a) == 500
