"""B2B017 settlement through the e-bank payment gateway: the buyer's payables, one payment per
order to the supplier's corporate account, the bank's notice settling the order exactly once,
and every refusal (wrong password, paying twice, wrong payer, unconfirmed order, no payee
account, personal card) leaving the order open and the money where it was."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox.b2b import members, orders, settlement
from sandbox.b2b import models as m
from sandbox.b2b.models import Member, Order
from sandbox.bots import ebank as bank_bots
from sandbox.bots.ebank import PAY_PASSWORD, WRONG_PAY_PASSWORD
from sandbox.db import utcnow
from sandbox.ebank import gateway
from sandbox.ebank.models import PAID, Payment
from sandbox.ledger.models import JournalEntry
from tests.integration.helpers import changes_nothing, event_kinds, events_of, fetch, refused
from tests.integration.test_b2b_trade import Market, balance_of, market, order_to


@pytest.fixture
def mk(uow) -> Market:
    return market(uow)


def confirmed_order(mk: Market, quantity: int = 2) -> orders.OrderView:
    (order,) = order_to(mk, [(mk.products()[0].id, quantity)])
    orders.accept(mk.uow, mk.supplier.actor, mk.supplier.token, order.id)
    return orders.confirm(mk.uow, mk.buyer.actor, mk.buyer.token, order.id)


def settle(mk: Market, order_id: int, **kw) -> settlement.SettlementResult:
    fields = dict(card_number=mk.buyer_card, payment_password=PAY_PASSWORD)
    fields.update(kw)
    return settlement.settle(mk.uow, mk.buyer.actor, mk.buyer.token, order_id, **fields)


def money(mk: Market) -> tuple[int, int]:
    return balance_of(mk.uow, mk.buyer_card), balance_of(mk.uow, mk.supplier_account)


def state_of(mk: Market, order_id: int) -> tuple[str, str | None, int | None]:
    with mk.uow.read() as s:
        order = s.get(Order, order_id)
        return order.state, order.settlement_state, order.payment_id


def test_the_buyer_sees_payables_by_supplier_and_settles_one_order(mk):
    a = confirmed_order(mk, 1)
    b = confirmed_order(mk, 2)
    with mk.uow.read() as s:
        (row,) = settlement.payables(s, mk.buyer.actor, mk.buyer.token)
        assert (row.partner_id, row.open_count, row.open_total_fen) == (mk.supplier.member_id, 2,
                                                                        a.total_fen + b.total_fen)
        lines = settlement.payable_details(s, mk.buyer.actor, mk.buyer.token, mk.supplier.member_id)
        assert [line.order_id for line in lines] == [a.id, b.id]
    before = money(mk)
    result = settle(mk, a.id, request_id="pay-a")
    assert result.settled and result.settled_at is not None
    assert money(mk) == (before[0] - a.total_fen, before[1] + a.total_fen)
    assert state_of(mk, a.id) == (m.CONFIRMED, m.SETTLED, result.payment_id)
    assert state_of(mk, b.id)[1] == m.OPEN
    with mk.uow.read() as s:
        (row,) = settlement.payables(s, mk.buyer.actor, mk.buyer.token)
        assert (row.open_count, row.open_total_fen, row.settled_count, row.settled_total_fen) == (
            1, b.total_fen, 1, a.total_fen)
        order = s.get(Order, a.id)
        assert order.settled_by == mk.buyer.actor.user_id
    # a double click (same request id) returns the first result; nothing moves again
    again = settle(mk, a.id, request_id="pay-a")
    assert again.replayed and again.payment_id == result.payment_id and money(mk) == (
        before[0] - a.total_fen, before[1] + a.total_fen)


def test_paying_twice_is_refused_and_money_moves_once(mk):
    order = confirmed_order(mk)
    first = settle(mk, order.id)
    after = money(mk)
    with changes_nothing(mk.uow), refused("b2b.already_settled", number=order.number):
        settle(mk, order.id)
    with refused("ebank.payment_already_paid"):  # straight at the bank's cashier, too
        gateway.pay(mk.uow, mk.buyer.actor, payment_id=first.payment_id, card_number=mk.buyer_card,
                    payment_password=PAY_PASSWORD)
    assert not gateway.deliver(mk.uow, first.payment_id).first_time  # the bank re-sends its notice
    assert money(mk) == after
    assert event_kinds(mk.uow).count("b2b.order_settled") == 1
    with mk.uow.read() as s:
        assert len(s.scalars(select(JournalEntry).where(JournalEntry.kind == "payment")).all()) == 1


def test_a_wrong_payment_password_settles_nothing(mk):
    order = confirmed_order(mk)
    before = money(mk)
    with refused("ebank.wrong_payment_password"):
        settle(mk, order.id, payment_password=WRONG_PAY_PASSWORD)
    assert money(mk) == before and state_of(mk, order.id) == (m.CONFIRMED, m.OPEN, None)
    assert "b2b.order_settled" not in event_kinds(mk.uow)
    result = settle(mk, order.id)  # the same payment request is paid on the next try
    (payment,) = fetch(mk.uow, select(Payment))
    assert result.settled and payment.id == result.payment_id and payment.status == PAID


def test_only_the_orders_buyer_settles_a_confirmed_order_from_a_corporate_account(mk, uow):
    from tests.b2b_setup import trader

    (created,) = order_to(mk, [(mk.products()[0].id, 1)])
    with changes_nothing(uow), refused("b2b.not_confirmed", number=created.number):
        settle(mk, created.id)
    orders.accept(uow, mk.supplier.actor, mk.supplier.token, created.id)
    with changes_nothing(uow), refused("b2b.not_confirmed"):
        settle(mk, created.id)
    orders.confirm(uow, mk.buyer.actor, mk.buyer.token, created.id)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):
        settlement.settle(uow, mk.supplier.actor, mk.supplier.token, created.id, card_number=mk.supplier_account,
                          payment_password=PAY_PASSWORD)
    eve = trader(uow, mk.room, "eve", "buyer")
    with changes_nothing(uow), refused("b2b.not_yours"):
        settlement.settle(uow, eve.actor, eve.token, created.id, card_number=mk.buyer_card,
                          payment_password=PAY_PASSWORD)
    personal = bank_bots.ensure_personal(mk.world, mk.buyer.actor)
    with changes_nothing(uow), refused("b2b.corporate_account_required", field="ebank.card_number"):
        settle(mk, created.id, card_number=personal)
    with changes_nothing(uow), refused("ebank.bad_account_number"):
        settle(mk, created.id, card_number="1234")
    with refused("ebank.not_your_account"):  # the supplier's account is not the buyer's to pay from
        settle(mk, created.id, card_number=mk.supplier_account)
    with changes_nothing(uow), refused("input.required", field="ebank.payment_password"):
        settle(mk, created.id, payment_password="")
    assert state_of(mk, created.id) == (m.CONFIRMED, m.OPEN, None)


def test_a_supplier_without_a_bank_account_cannot_be_paid(mk, uow):
    order = confirmed_order(mk)
    with uow.write() as s:
        s.get(Member, mk.supplier.member_id).bank_account_id = None
    with changes_nothing(uow), refused("b2b.supplier_no_bank_account"):
        settle(mk, order.id)
    members.link_bank_account(uow, mk.supplier.actor, mk.supplier.token, bank_account_number=mk.supplier_account)
    assert settle(mk, order.id).settled


def test_not_enough_money_settles_nothing(mk, uow):
    order = confirmed_order(mk)
    with uow.write() as s:
        s.execute(Order.__table__.update().where(Order.id == order.id).values(total_fen=10**11))
    before = money(mk)
    with refused("ledger.insufficient_funds"):
        settle(mk, order.id)
    assert money(mk) == before and state_of(mk, order.id)[1] == m.OPEN


def test_settlement_works_after_delivery_and_before_it(mk, uow):
    early = confirmed_order(mk)
    assert settle(mk, early.id).settled  # B2B017 needs only B2B009
    late = confirmed_order(mk)
    orders.create_delivery_order(uow, mk.supplier.actor, mk.supplier.token, late.id, provider_id=mk.provider_id)
    with uow.write() as s:
        orders.on_delivered(s, late.id, None)
    assert settle(mk, late.id).settled
    assert state_of(mk, late.id)[:2] == (m.DELIVERED, m.SETTLED)


def test_an_expired_request_is_replaced_by_a_new_one(mk, uow):
    order = confirmed_order(mk)
    with refused("ebank.wrong_payment_password"):
        settle(mk, order.id, payment_password=WRONG_PAY_PASSWORD)
    with uow.write() as s:
        s.execute(Payment.__table__.update().values(expires_at=utcnow()))
    result = settle(mk, order.id)
    first, second = fetch(uow, select(Payment).order_by(Payment.id))
    assert result.payment_id == second.id and second.out_trade_no == f"{order.number}-2"
    assert first.status != PAID and second.status == PAID


def test_a_paid_notice_that_does_not_match_its_order_settles_nothing(mk, uow):
    order = confirmed_order(mk)
    with uow.write() as s:  # the supplier asks for a wrong amount under the order's reference
        supplier = s.get(Member, mk.supplier.member_id)
        request = gateway.create_payment(
            s, class_id=mk.room.id, payee_account_id=supplier.bank_account_id, out_trade_no="FAKE-1",
            amount_fen=order.total_fen + 1, subject="not the order", purpose="b2b",
            reference=settlement.reference(order.id), actor=mk.supplier.actor,
        )
    gateway.pay(uow, mk.buyer.actor, payment_id=request.payment_id, card_number=mk.buyer_card,
                payment_password=PAY_PASSWORD)
    assert state_of(mk, order.id)[1] == m.OPEN
    (ignored,) = events_of(uow, "b2b.settlement_ignored")
    assert ignored.data["reason"] == "mismatch"
    assert settle(mk, order.id).settled  # the real settlement still goes through, once
    assert event_kinds(uow).count("b2b.order_settled") == 1
