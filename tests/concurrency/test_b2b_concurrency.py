"""Simultaneous B2B clicks on SQLite (BEGIN IMMEDIATE) and PostgreSQL: two accepts or two
confirms of one order, racing settlements of one order, and many buyers ordering a supplier's
last units — exactly one winner per move, money moved once, availability never below zero."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

import pytest
from sqlalchemy import func, select

from sandbox.b2b import cart, catalogue, orders, settlement
from sandbox.b2b import models as m
from sandbox.b2b.models import Order, Product
from sandbox.bots.ebank import PAY_PASSWORD
from sandbox.db import Database
from sandbox.ebank.models import PAID, Payment
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.ledger.models import JournalEntry
from sandbox.uow import UnitOfWork
from tests.b2b_setup import trader
from tests.integration.test_b2b_trade import Market, balance_of, market, order_to, tomorrow

THREADS = 8
LOSING = {"b2b.state_changed", "b2b.bad_transition"}


@pytest.fixture
def mk(db_url):
    db = Database.connect(db_url)
    yield market(UnitOfWork(db))
    db.dispose()


def race(n: int, fn: Callable[[int], object]) -> list[str]:
    """Run ``fn(i)`` for i < n on THREADS threads; "ok" or the refusal code of each."""

    def one(i: int) -> str:
        try:
            fn(i)
        except DomainError as err:
            return err.code
        return "ok"

    with ThreadPoolExecutor(THREADS) as pool:
        return list(pool.map(one, range(n)))


def count_events(mk: Market, kind: str) -> int:
    with mk.uow.read() as s:
        return int(s.scalar(select(func.count(Event.id)).where(Event.kind == kind)) or 0)


def test_two_accepts_of_one_order_have_one_winner(mk):
    (order,) = order_to(mk, [(mk.products()[0].id, 1)])
    outcomes = race(2 * THREADS, lambda i: orders.accept(mk.uow, mk.supplier.actor, mk.supplier.token, order.id,
                                                         request_id=f"acc-{mk.room.id}-{i}"))
    assert outcomes.count("ok") == 1 and set(outcomes) - {"ok"} <= LOSING, outcomes
    assert count_events(mk, "b2b.order_accepted") == 1


def test_two_confirms_of_one_order_have_one_winner_and_book_one_payable(mk):
    (order,) = order_to(mk, [(mk.products()[0].id, 1)])
    orders.accept(mk.uow, mk.supplier.actor, mk.supplier.token, order.id)
    outcomes = race(2 * THREADS, lambda i: orders.confirm(mk.uow, mk.buyer.actor, mk.buyer.token, order.id))
    assert outcomes.count("ok") == 1 and set(outcomes) - {"ok"} <= LOSING, outcomes
    assert count_events(mk, "b2b.order_confirmed") == 1
    with mk.uow.read() as s:
        row = s.get(Order, order.id)
        assert (row.state, row.settlement_state) == (m.CONFIRMED, m.OPEN)


def test_accept_racing_reject_ends_in_one_legal_state(mk):
    product = mk.products()[0]
    (order,) = order_to(mk, [(product.id, 2)])

    def click(i: int) -> object:
        if i % 2:
            return orders.accept(mk.uow, mk.supplier.actor, mk.supplier.token, order.id)
        return orders.reject(mk.uow, mk.supplier.actor, mk.supplier.token, order.id, reason="no stock")

    outcomes = race(THREADS, click)
    assert outcomes.count("ok") == 1 and set(outcomes) - {"ok"} <= LOSING, outcomes
    with mk.uow.read() as s:
        state = s.get(Order, order.id).state
        units = s.get(Product, product.id).available
    assert (state, units) in {(m.ACCEPTED, product.available - 2), (m.REJECTED, product.available)}


def test_racing_settlements_pay_once(mk):
    (order,) = order_to(mk, [(mk.products()[0].id, 2)])
    orders.accept(mk.uow, mk.supplier.actor, mk.supplier.token, order.id)
    orders.confirm(mk.uow, mk.buyer.actor, mk.buyer.token, order.id)
    before = (balance_of(mk.uow, mk.buyer_card), balance_of(mk.uow, mk.supplier_account))
    outcomes = race(THREADS, lambda i: settlement.settle(
        mk.uow, mk.buyer.actor, mk.buyer.token, order.id, card_number=mk.buyer_card, payment_password=PAY_PASSWORD,
        request_id=f"settle-{mk.room.id}-{i}"))
    assert outcomes.count("ok") == 1, outcomes
    assert set(outcomes) - {"ok"} <= {"ebank.payment_already_paid", "b2b.already_settled"}, outcomes
    total = order.total_fen
    assert (balance_of(mk.uow, mk.buyer_card), balance_of(mk.uow, mk.supplier_account)) == (before[0] - total,
                                                                                           before[1] + total)
    with mk.uow.read() as s:
        assert s.scalar(select(func.count(Payment.id))) == 1
        assert s.scalar(select(func.count(Payment.id)).where(Payment.status == PAID)) == 1
        assert s.scalar(select(func.count(JournalEntry.id)).where(JournalEntry.kind == "payment")) == 1
        assert s.get(Order, order.id).settlement_state == m.SETTLED
    assert count_events(mk, "b2b.order_settled") == 1


def test_many_buyers_ordering_the_last_units_never_oversell(mk):
    uow = mk.uow
    product = catalogue.add_product(uow, mk.supplier.actor, mk.supplier.token, sku="LAST-1", name_zh="最后一批",
                                    name_en="Last lot", unit_zh="箱", unit_en="box", price="10", available=7)
    buyers = [mk.buyer] + [trader(uow, mk.room, f"buyer{i}", "buyer") for i in range(7)]
    lines = [cart.add_to_cart(uow, b.actor, b.token, product_id=product.id, quantity=2).id for b in buyers]
    outcomes = race(len(buyers), lambda i: orders.create_orders(
        uow, buyers[i].actor, buyers[i].token, cart_line_ids=[lines[i]], payment_method="online",
        delivery_date=tomorrow()))
    assert outcomes.count("ok") == 3 and set(outcomes) - {"ok"} == {"b2b.more_than_available"}, outcomes
    with uow.read() as s:
        assert s.get(Product, product.id).available == 1
        assert s.scalar(select(func.count(Order.id)).where(Order.supplier_id == mk.supplier.member_id)) == 3
        # the losers keep their cart lines open, to order less or elsewhere
        assert sum(len(cart.cart(s, b.actor, b.token)) for b in buyers) == len(buyers) - 3
