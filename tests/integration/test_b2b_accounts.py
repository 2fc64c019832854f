"""Receivables and payables (B2B030 supplier's receivables, B2B031 supplier's payables to its
logistics providers, B2B032 buyer's payables): each member sees only its own side, only
confirmed orders count, amounts are summed in fen, and opening one partner's details logs a
``b2b.query`` event with the ids it returned."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox.b2b import accounts, orders
from sandbox.b2b import models as m
from sandbox.logistics.models import DeliveryFee, DeliveryOrder
from sandbox.uow import UnitOfWork
from tests import factories
from tests.b2b_setup import trader
from tests.integration.helpers import changes_nothing, events_of, refused
from tests.integration.test_b2b_settlement import confirmed_order, settle
from tests.integration.test_b2b_trade import Market, approved_provider, market, order_to


@pytest.fixture
def mk(uow) -> Market:
    return market(uow)


def book_fee(uow: UnitOfWork, delivery_order_id: int, amount_fen: int) -> int:
    """The fee the provider books when it accepts the delivery order (LGS002), made directly."""
    with uow.write() as s:
        row = s.get(DeliveryOrder, delivery_order_id)
        fee = DeliveryFee(class_id=row.class_id, delivery_order_id=row.id, provider_id=row.provider_id,
                          supplier_id=row.supplier_id, amount_fen=amount_fen, basis="50 + 2 x units")
        s.add(fee)
        s.flush()
        return fee.id


def test_the_supplier_sees_receivables_per_buyer_and_the_details_are_logged(mk, uow):
    a = confirmed_order(mk, 1)
    b = confirmed_order(mk, 3)
    order_to(mk, [(mk.products()[1].id, 1)])  # created only: not a receivable yet
    eve = trader(uow, mk.room, "eve", "buyer")
    (c,) = order_to(mk, [(mk.products()[2].id, 2)], buyer=eve)
    orders.accept(uow, mk.supplier.actor, mk.supplier.token, c.id)
    orders.confirm(uow, eve.actor, eve.token, c.id)
    settle(mk, a.id)
    with uow.read() as s:
        summary = accounts.receivables_summary(s, mk.supplier.actor, mk.supplier.token)
    assert {(r.partner_id, r.open_count, r.open_total_fen, r.settled_count, r.settled_total_fen) for r in summary} == {
        (mk.buyer.member_id, 1, b.total_fen, 1, a.total_fen), (eve.member_id, 1, c.total_fen, 0, 0)}
    lines = accounts.receivable_details(uow, mk.supplier.actor, mk.supplier.token, mk.buyer.member_id)
    assert [(line.order_id, line.settlement_state) for line in lines] == [(b.id, m.OPEN), (a.id, m.SETTLED)]
    (ev,) = events_of(uow, "b2b.query")
    assert (ev.task_code, ev.actor_id, ev.subject) == ("B2B030", mk.supplier.actor.user_id, "receivables")
    assert ev.data["returned_ids"] == [b.id, a.id] and ev.data["buyer_id"] == mk.buyer.member_id
    assert ev.data["member_id"] == mk.supplier.member_id and ev.data["screen"] == "receivables"


def test_the_buyer_sees_its_payables_and_the_details_are_logged(mk, uow):
    a = confirmed_order(mk, 2)
    dan = trader(uow, mk.room, "dan", "supplier")
    (d,) = order_to(mk, [(mk.products(dan)[0].id, 1)])
    orders.accept(uow, dan.actor, dan.token, d.id)
    orders.confirm(uow, mk.buyer.actor, mk.buyer.token, d.id)
    with uow.read() as s:
        summary = accounts.payables_summary(s, mk.buyer.actor, mk.buyer.token)
    assert {(r.partner_id, r.open_total_fen) for r in summary} == {(mk.supplier.member_id, a.total_fen),
                                                                   (dan.member_id, d.total_fen)}
    lines = accounts.payable_details_query(uow, mk.buyer.actor, mk.buyer.token, dan.member_id)
    assert [line.order_id for line in lines] == [d.id] and lines[0].partner_name == f"{dan.login_name} Trading Co."
    (ev,) = events_of(uow, "b2b.query")
    assert (ev.task_code, ev.data["screen"], ev.data["returned_ids"], ev.data["supplier_id"]) == (
        "B2B032", "payables", [d.id], dan.member_id)


def test_a_partner_that_is_not_yours_returns_nothing_and_logs_that(mk, uow):
    confirmed_order(mk)
    eve = trader(uow, mk.room, "eve", "buyer")
    assert accounts.receivable_details(uow, mk.supplier.actor, mk.supplier.token, eve.member_id) == []
    assert accounts.payable_details_query(uow, eve.actor, eve.token, mk.supplier.member_id) == []
    assert [e.data["returned_ids"] for e in events_of(uow, "b2b.query")] == [[], []]
    with changes_nothing(uow), refused("b2b.wrong_member_type"):
        accounts.receivable_details(uow, mk.buyer.actor, mk.buyer.token, mk.buyer.member_id)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):
        accounts.payable_details_query(uow, mk.supplier.actor, mk.supplier.token, mk.supplier.member_id)
    with changes_nothing(uow), refused("b2b.no_such_partner"):
        accounts.payable_details_query(uow, mk.buyer.actor, mk.buyer.token, "someone")
    with changes_nothing(uow), refused("b2b.login_required"):
        accounts.logistics_payable_details(uow, mk.supplier.actor, None, mk.provider_id)


def test_the_supplier_sees_what_it_owes_its_logistics_providers(mk, uow):
    first = confirmed_order(mk, 1)
    second = confirmed_order(mk, 2)
    do1 = orders.create_delivery_order(uow, mk.supplier.actor, mk.supplier.token, first.id, provider_id=mk.provider_id)
    ivy = factories.student(uow, mk.room, "ivy")
    other = approved_provider(uow, mk.room.id, mk.supplier.member_id, ivy, name="Ivy Express")
    do2 = orders.create_delivery_order(uow, mk.supplier.actor, mk.supplier.token, second.id, provider_id=other)
    fee1 = book_fee(uow, do1.id, 5_200)
    fee2 = book_fee(uow, do2.id, 5_400)
    with uow.write() as s:
        s.get(DeliveryFee, fee2).state = "paid"
    with uow.read() as s:
        summary = accounts.logistics_payables_summary(s, mk.supplier.actor, mk.supplier.token)
    assert {(r.partner_id, r.open_total_fen, r.open_count, r.settled_total_fen) for r in summary} == {
        (mk.provider_id, 5_200, 1, 0), (other, 0, 0, 5_400)}
    lines = accounts.logistics_payable_details(uow, mk.supplier.actor, mk.supplier.token, mk.provider_id)
    assert [(f.fee_id, f.delivery_number, f.order_id, f.amount_fen) for f in lines] == [
        (fee1, do1.number, first.id, 5_200)]
    (ev,) = events_of(uow, "b2b.query")
    assert (ev.task_code, ev.data["screen"], ev.data["returned_ids"], ev.data["delivery_order_ids"]) == (
        "B2B031", "payables_logistics", [fee1], [do1.id])
    dan = trader(uow, mk.room, "dan", "supplier")  # another supplier sees none of it
    assert accounts.logistics_payable_details(uow, dan.actor, dan.token, mk.provider_id) == []
    with uow.read() as s:
        assert accounts.logistics_payables_summary(s, dan.actor, dan.token) == []
        assert s.scalar(select(DeliveryFee.id).where(DeliveryFee.supplier_id == dan.member_id)) is None
