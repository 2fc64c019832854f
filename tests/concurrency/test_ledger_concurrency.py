"""Hundreds of simultaneous transfers on SQLite (BEGIN IMMEDIATE) and PostgreSQL (row locks in id
order): no lost update, no overdraft, no deadlock, every entry balanced, and a payment or a
double-clicked request is booked exactly once however many threads race for it."""

from __future__ import annotations

import random
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import pytest
from sqlalchemy import func, select

from sandbox import ledger
from sandbox.bots import BotWorld
from sandbox.bots import ebank as bank_bots
from sandbox.bots.ebank import PAY_PASSWORD
from sandbox.db import Database
from sandbox.ebank import gateway, services
from sandbox.ebank.models import PERSONAL, BankAccount
from sandbox.errors import DomainError
from sandbox.ledger import queries as lq
from sandbox.ledger.models import JournalEntry, Posting
from sandbox.uow import UnitOfWork
from tests import factories

TRANSFERS = 400
THREADS = 8
START_FEN = 100_000  # 1,000 yuan each


@dataclass(frozen=True)
class Done:
    sender: int
    receiver: int
    amount_fen: int


@pytest.fixture
def class_of_four(db_url):
    db = Database.connect(db_url)
    uow = UnitOfWork(db)
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    people = [factories.student(uow, room, f"student{i}", f"Student {i}") for i in range(4)]
    cards = []
    for actor in people:
        cards.append(bank_bots.ensure_personal(BotWorld(uow=uow, class_id=room.id, student=actor), actor))
        services.deposit(uow, actor, kind=PERSONAL, amount=f"{START_FEN / 100:.2f}", payment_password=PAY_PASSWORD)
    yield uow, room, people, cards
    db.dispose()


def ledger_ids(uow: UnitOfWork, cards: list[str]) -> list[int]:
    with uow.read() as s:
        rows = dict(s.execute(select(BankAccount.account_number, BankAccount.ledger_account_id)).all())
    return [rows[c] for c in cards]


def test_400_simultaneous_transfers_lose_nothing(class_of_four):
    uow, room, people, cards = class_of_four
    rng = random.Random(2026)
    plan = []
    for n in range(TRANSFERS):
        i = rng.randrange(4)
        j = rng.choice([k for k in range(4) if k != i])
        plan.append((n, i, j, rng.randint(1, 80_00)))  # up to 80 yuan: some will meet an empty account

    def one(step: tuple[int, int, int, int]) -> Done | str:
        n, i, j, fen = step
        try:
            services.transfer(uow, people[i], kind=PERSONAL, to_account=cards[j], amount=f"{fen / 100:.2f}",
                              payment_password=PAY_PASSWORD, request_id=f"c{room.id}-{n}")
        except DomainError as err:
            return err.code
        return Done(i, j, fen)

    with ThreadPoolExecutor(THREADS) as pool:
        results = list(pool.map(one, plan))
    done = [r for r in results if isinstance(r, Done)]
    refusals = {r for r in results if isinstance(r, str)}
    assert refusals <= {"ledger.insufficient_funds"}, refusals
    assert len(done) > TRANSFERS // 2
    expected = [START_FEN] * 4
    for d in done:
        expected[d.sender] -= d.amount_fen
        expected[d.receiver] += d.amount_fen
    ids = ledger_ids(uow, cards)
    with uow.read() as s:
        assert [lq.balance(s, a) for a in ids] == expected  # no lost update
        assert sum(lq.balance(s, a) for a in ids) == 4 * START_FEN
        transfers = s.scalar(select(func.count(JournalEntry.id)).where(
            JournalEntry.class_id == room.id, JournalEntry.kind == "transfer"))
        assert transfers == len(done)
        assert lq.unbalanced_entries(s, room.id) == [] and lq.drifted_accounts(s, room.id) == []
        assert lq.overdrawn_accounts(s, room.id) == []
        assert lq.total_balance(s, room.id) == 0
        for a in ids:  # the running balances of each account are a consistent chain
            running = 0
            for line in lq.statement(s, a, newest_first=False, limit=10_000):
                running += line.amount_fen
                assert line.balance_after_fen == running >= 0


def test_crossing_transfers_between_two_accounts_do_not_deadlock(class_of_four):
    """A→B and B→A at the same time, straight through the ledger (locks taken in id order)."""
    uow, room, _people, cards = class_of_four
    a, b = ledger_ids(uow, cards)[:2]

    def one(n: int) -> bool:
        src, dst = (a, b) if n % 2 else (b, a)
        try:
            with uow.write() as s:
                ledger.transfer(s, class_id=room.id, from_account=src, to_account=dst, amount_fen=1 + n % 7)
        except DomainError:
            return False
        return True

    with ThreadPoolExecutor(THREADS) as pool:
        ok = sum(pool.map(one, range(TRANSFERS)))
    assert ok == TRANSFERS
    with uow.read() as s:
        assert lq.balance(s, a) + lq.balance(s, b) == 2 * START_FEN
        assert lq.drifted_accounts(s, room.id) == [] and lq.unbalanced_entries(s, room.id) == []


def test_a_payment_raced_by_many_clicks_is_paid_once(class_of_four):
    uow, room, people, cards = class_of_four
    shop = people[3]
    bank_bots.ensure_merchant(BotWorld(uow=uow, class_id=room.id, student=shop), shop)
    request = gateway.request_payment(uow, shop, out_trade_no="RACE-1", amount="10.00", subject="race", purpose="b2c")

    def click(n: int) -> str:
        try:
            gateway.pay(uow, people[0], payment_id=request.payment_id, card_number=cards[0],
                        payment_password=PAY_PASSWORD, request_id=f"click-{room.id}-{n}")
        except DomainError as err:
            return err.code
        return "paid"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(click, range(16)))
    assert outcomes.count("paid") == 1, outcomes
    assert set(outcomes) == {"paid", "ebank.payment_already_paid"}
    with uow.read() as s:
        entries = s.scalar(select(func.count(JournalEntry.id)).where(JournalEntry.kind == "payment"))
        assert entries == 1
        assert s.scalar(select(func.count(Posting.id)).join(JournalEntry).where(JournalEntry.kind == "payment")) == 2


def test_one_request_id_submitted_by_racing_threads_books_once(class_of_four):
    uow, room, people, cards = class_of_four

    def submit(_n: int) -> str:
        try:
            done = services.transfer(uow, people[0], kind=PERSONAL, to_account=cards[1], amount="5.00",
                                     payment_password=PAY_PASSWORD, request_id=f"same-{room.id}")
        except DomainError as err:
            return err.code
        return "replayed" if done.replayed else "booked"

    with ThreadPoolExecutor(THREADS) as pool:
        outcomes = list(pool.map(submit, range(12)))
    assert outcomes.count("booked") == 1, outcomes
    a, b = ledger_ids(uow, cards)[:2]
    with uow.read() as s:
        assert (lq.balance(s, a), lq.balance(s, b)) == (START_FEN - 500, START_FEN + 500)
