"""Delivery fees paid through the e-bank (the payables of B2B031, the receivables of LGS018): the
provider links its corporate account, the supplier pays one fee or several of one provider with
its payment password, the bank's notice marks them paid exactly once; every refusal leaves the
fees open and the money where it was. Then the stock of each warehouse over time (inbound,
outbound, transfer, damage), vehicle utilisation, and the class's bot provider carrying a
student's order through to 送货完成."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select, update

from sandbox.b2b import accounts, cart, catalogue, orders
from sandbox.b2b import transfers as b2b_transfers
from sandbox.bots import BotWorld, b2b_partners
from sandbox.bots import ebank as bank_bots
from sandbox.bots.ebank import PAY_PASSWORD, WRONG_PAY_PASSWORD
from sandbox.clock import CHINA
from sandbox.db import Database, utcnow
from sandbox.ebank import gateway
from sandbox.ebank.models import CANCELLED, PAID, Payment
from sandbox.logistics import damage, dispatch, fees, outbound, providers, reports, vehicles
from sandbox.logistics import transfers as lgs_transfers
from sandbox.logistics.models import DO_DELIVERED, FEE_OPEN, FEE_PAID, DeliveryFee, DeliveryOrder
from sandbox.uow import UnitOfWork
from tests import factories
from tests.b2b_setup import Trader, trader
from tests.integration.helpers import changes_nothing, events_of, fetch, refused
from tests.integration.test_b2b_trade import balance_of, corporate_account, fund
from tests.integration.test_logistics_operations import Trip, buyer_of, trip
from tests.integration.test_logistics_services import World, new_provider, products, stock_in, world


@dataclass(frozen=True)
class Books:
    w: World
    buyer: Trader
    bank: BotWorld
    card: str  # the supplier owner's corporate account (funded)
    payee: str  # the provider owner's corporate account
    a: Trip
    b: Trip
    fee_a: int
    fee_b: int


def books(uow: UnitOfWork) -> Books:
    """Two accepted delivery orders of Ann's supplier at Pat's provider: fees 54 and 56 yuan."""
    w = world(uow)
    buyer = buyer_of(w)
    p1, p2 = products(uow, w.supplier.member_id)[:2]
    stock_in(w, {p1: 20, p2: 10})
    bank = BotWorld(uow=uow, class_id=w.room.id, student=w.supplier.actor)
    card = corporate_account(bank, w.supplier.actor)
    fund(bank, w.supplier.actor)
    payee = corporate_account(bank, w.carrier)
    a, b = trip(w, buyer, {p1: 2}), trip(w, buyer, {p2: 3})
    by_delivery = {f.delivery_order_id: f.id for f in fetch(uow, select(DeliveryFee))}
    return Books(w, buyer, bank, card, payee, a, b, by_delivery[a.delivery_id], by_delivery[b.delivery_id])


def pay(k: Books, fee_ids: object, **kw: object) -> fees.FeePayment:
    fields: dict[str, object] = dict(card_number=k.card, payment_password=PAY_PASSWORD)
    fields.update(kw)
    return fees.pay_fees(k.w.uow, k.w.supplier.actor, k.w.supplier.token, fee_ids, **fields)  # type: ignore[arg-type]


def money(k: Books) -> tuple[int, int]:
    return balance_of(k.w.uow, k.card), balance_of(k.w.uow, k.payee)


def fee_states(k: Books) -> list[tuple[int, str, bool]]:
    return [(f.id, f.state, f.paid_at is not None) for f in fetch(k.w.uow, select(DeliveryFee).order_by(DeliveryFee.id))]


def link(k: Books, number: str | None = None, **kw: object) -> providers.LinkedAccount:
    return providers.link_bank_account(k.w.uow, k.w.carrier, bank_account_number=number or k.payee, **kw)


@pytest.fixture
def k(uow) -> Books:
    return books(uow)


def test_the_supplier_pays_a_fee_through_the_bank_and_both_sides_see_it_paid(k):
    uow, w = k.w.uow, k.w
    with changes_nothing(uow), refused("lgs.provider_no_bank_account", provider="Swift Logistics"):
        pay(k, k.fee_a)
    for number, code in ((k.card, "lgs.not_your_bank_account"), ("12", "ebank.bad_account_number"),
                         ("", "input.required")):
        with changes_nothing(uow), refused(code, field="lgs.bank_account"):
            link(k, number) if number else providers.link_bank_account(uow, w.carrier, bank_account_number="")
    linked = link(k, request_id="link-1")
    assert linked.account_number == k.payee and link(k, request_id="link-1") == linked
    with uow.read() as s:
        assert providers.linked_account(s, w.carrier) == linked
    (ev,) = events_of(uow, "lgs.provider_updated")
    assert ev.task_code is None and ev.data["bank_account_id"] == linked.account_id

    before = money(k)
    done = pay(k, [k.fee_a], request_id="pay-a")
    assert done.paid and done.fee_ids == (k.fee_a,) and done.amount_fen == 5_400 and done.paid_at is not None
    assert money(k) == (before[0] - 5_400, before[1] + 5_400)
    assert fee_states(k) == [(k.fee_a, FEE_PAID, True), (k.fee_b, FEE_OPEN, False)]
    (paid,) = events_of(uow, "lgs.fee_paid")
    assert (paid.task_code, paid.subject, paid.actor_id) == (None, str(k.fee_a), w.supplier.actor.user_id)
    assert paid.data["payment_id"] == done.payment_id and paid.data["to_state"] == FEE_PAID
    # the handler ran once: the bank's repeated notice and a double click change nothing
    assert not gateway.deliver(uow, done.payment_id).first_time
    again = pay(k, [k.fee_a], request_id="pay-a")
    assert again.replayed and again.payment_id == done.payment_id
    assert money(k) == (before[0] - 5_400, before[1] + 5_400) and len(events_of(uow, "lgs.fee_paid")) == 1
    with changes_nothing(uow), refused("lgs.fee_already_paid"):
        pay(k, k.fee_a)
    with changes_nothing(uow), refused("lgs.fee_already_paid"):
        pay(k, [k.fee_b, k.fee_a])

    # B2B031 (supplier) and LGS018 (provider) show the paid fee with its time, the other open
    lines = accounts.logistics_payable_details(uow, w.supplier.actor, w.supplier.token, w.provider.id)
    assert [(x.fee_id, x.state, x.paid_at is not None) for x in lines] == [(k.fee_b, FEE_OPEN, False),
                                                                             (k.fee_a, FEE_PAID, True)]
    received = reports.receivable_details(uow, w.carrier, supplier_id=w.supplier.member_id)
    assert [(x.id, x.state) for x in received] == [(k.fee_b, FEE_OPEN), (k.fee_a, FEE_PAID)]
    with uow.read() as s:
        (row,) = reports.receivables_summary(s, w.carrier)
        assert (row.open_fen, row.open_count, row.paid_fen, row.paid_count) == (5_600, 1, 5_400, 1)
        shown = fees.payable_fees(s, w.supplier.actor, w.supplier.token, w.provider.id)
        assert [(x.fee_id, x.state, x.order_number != "") for x in shown] == [(k.fee_b, FEE_OPEN, True),
                                                                              (k.fee_a, FEE_PAID, True)]
    assert pay(k, k.fee_b).paid
    assert [s for _i, s, _p in fee_states(k)] == [FEE_PAID, FEE_PAID]


def test_bad_payments_leave_the_fees_open_and_the_money_where_it_was(k, uow):
    w = k.w
    link(k)
    before = money(k)
    # not logged in, or as a buyer
    for token, code in ((None, "b2b.login_required"), (k.buyer.token, "b2b.wrong_member_type")):
        who = k.buyer.actor if token else w.supplier.actor
        with changes_nothing(uow), refused(code):
            fees.pay_fees(uow, who, token, [k.fee_a], card_number=k.card, payment_password=PAY_PASSWORD)
    # a fee of another supplier
    cat = trader(uow, w.room, "cat", "supplier")
    cat_card = corporate_account(k.bank, cat.actor)
    with changes_nothing(uow), refused("lgs.fee_not_found", field="lgs.fees"):
        fees.pay_fees(uow, cat.actor, cat.token, [k.fee_a], card_number=cat_card, payment_password=PAY_PASSWORD)
    # nothing picked, a bad id, an empty password, a personal card
    for picked, code in (([], "lgs.no_fees"), (["x"], "lgs.bad_id"), ([k.fee_a, 10**12], "lgs.bad_id")):
        with changes_nothing(uow), refused(code, field="lgs.fees"):
            pay(k, picked)
    with changes_nothing(uow), refused("input.required", field="ebank.payment_password"):
        pay(k, k.fee_a, payment_password="")
    personal = bank_bots.ensure_personal(k.bank, w.supplier.actor)
    with changes_nothing(uow), refused("lgs.fee_corporate_account_required", field="ebank.card_number"):
        pay(k, k.fee_a, card_number=personal)
    # fees of two providers in one payment
    oli = factories.student(uow, w.room, "oli")
    other, _ = new_provider(uow, oli, "Other Freight")
    with uow.write() as s:
        s.execute(update(DeliveryFee).where(DeliveryFee.id == k.fee_b).values(provider_id=other.id))
    with changes_nothing(uow), refused("lgs.fees_of_one_provider", field="lgs.fees"):
        pay(k, [k.fee_a, k.fee_b])
    # the wrong payment password (the bank counts it), then an empty corporate account
    with refused("ebank.wrong_payment_password"):
        pay(k, k.fee_a, payment_password=WRONG_PAY_PASSWORD)
    empty = corporate_account(k.bank, w.supplier.actor, second=True)
    with refused("ledger.insufficient_funds"):
        pay(k, k.fee_a, card_number=empty)
    assert money(k) == before and {s for _i, s, _p in fee_states(k)} == {FEE_OPEN}
    assert not events_of(uow, "lgs.fee_paid")
    assert pay(k, k.fee_a).paid  # a right try afterwards pays it, once
    assert money(k) == (before[0] - 5_400, before[1] + 5_400)
    assert [p.status for p in fetch(uow, select(Payment).order_by(Payment.id))].count(PAID) == 1


def test_racing_payers_and_superseded_requests_move_the_money_once(k, uow):
    w = k.w
    linked = link(k)
    before = money(k)
    # two payers of fee a at once: both get the same request; the bank lets one pay it
    _provider, first = fees._payment_request(uow, w.supplier.actor, w.supplier.token, [k.fee_a], k.card)
    _provider, second = fees._payment_request(uow, w.supplier.actor, w.supplier.token, [k.fee_a], k.card)
    assert first == second
    assert pay(k, k.fee_a).payment_id == first
    with refused("ebank.payment_already_paid"):
        gateway.pay(uow, w.supplier.actor, payment_id=first, card_number=k.card, payment_password=PAY_PASSWORD)
    # a request for fee b alone, left unpaid, is withdrawn when b is paid together with a new fee
    _provider, stale = fees._payment_request(uow, w.supplier.actor, w.supplier.token, [k.fee_b], k.card)
    c = trip(w, k.buyer, {products(uow, w.supplier.member_id)[0]: 1})
    fee_c = fetch(uow, select(DeliveryFee.id).where(DeliveryFee.delivery_order_id == c.delivery_id))[0]
    both = pay(k, [fee_c, k.fee_b])
    assert both.paid and both.payment_id != stale and both.amount_fen == 5_600 + 5_200
    with refused("ebank.payment_cancelled"):
        gateway.pay(uow, w.supplier.actor, payment_id=stale, card_number=k.card, payment_password=PAY_PASSWORD)
    statuses = {p.id: p.status for p in fetch(uow, select(Payment))}
    assert statuses[stale] == CANCELLED and list(statuses.values()).count(PAID) == 2
    assert money(k) == (before[0] - 5_400 - 10_800, before[1] + 5_400 + 10_800)
    assert len(events_of(uow, "lgs.fee_paid")) == 3
    # a paid logistics payment that claims no fee (asked for outside the fee service) pays no fee
    with uow.write() as s:
        request = gateway.create_payment(
            s, class_id=w.room.id, payee_account_id=linked.account_id, out_trade_no="FREIGHT-1", amount_fen=5_400,
            subject="运费 Freight", purpose="logistics", reference="lgs-fees:0+1", actor=w.carrier,
        )
    gateway.pay(uow, w.supplier.actor, payment_id=request.payment_id, card_number=k.card,
                payment_password=PAY_PASSWORD)
    (ignored,) = events_of(uow, "lgs.fee_payment_ignored")
    assert ignored.data["reason"] == "no_fees" and len(events_of(uow, "lgs.fee_paid")) == 3


# ----------------------------------------------------------------------------- charts


def series_of(w: World, **kw: object) -> dict[str, list[int]]:
    with w.uow.read() as s:
        found = reports.stock_history(s, w.carrier, **kw)
    return {x.warehouse_code: [p.quantity for p in x.points] for x in found.series}


def china_today() -> date:
    """Today as the sandbox's date filters cut days: China time (UTC+8)."""
    return utcnow().astimezone(CHINA).date()


def test_stock_per_warehouse_over_time_and_vehicle_utilisation(uow):
    w = world(uow)
    p1, p2 = products(uow, w.supplier.member_id)[:2]
    stock_in(w, {p1: 10, p2: 4})  # inbound: WH01 +10, +4
    t = trip(w, buyer_of(w), {p1: 3})
    outbound.confirm_outbound(uow, w.carrier, t.outbound_id)  # outbound: WH01 −3
    tr = b2b_transfers.create_transfer(uow, w.supplier.actor, w.supplier.token, from_warehouse_id=w.wh1.id,
                                       to_warehouse_id=w.wh2.id, lines={p1: 5})
    lgs_transfers.confirm_transfer(uow, w.carrier, tr.id)  # transfer: WH01 −5, WH02 +5
    report = damage.create_damage_report(uow, w.carrier, owner_id=w.supplier.member_id, warehouse_id=w.wh2.id,
                                         lines={p1: 2}, reason="Crushed")
    damage.confirm_damage_report(uow, w.carrier, report.id)  # damage: WH02 −2
    assert series_of(w) == {"WH01": [10, 14, 11, 6], "WH02": [5, 3]}
    assert series_of(w, product_id=p2) == {"WH01": [4]}
    with uow.read() as s:
        found = reports.stock_history(s, w.carrier)
        assert {x.product_id for x in found.products} == {p1, p2}
        assert [p.change for p in found.series[0].points] == [10, 4, -3, -5]
        assert found.series[0].last == 6
    tomorrow = china_today() + timedelta(days=1)
    assert series_of(w, date_from=tomorrow) == {"WH01": [6], "WH02": [3]}  # the opening levels only
    assert series_of(w, date_to=china_today() - timedelta(days=1)) == {}
    with uow.read() as s, refused("lgs.bad_date_range", field="lgs.date_from"):
        reports.stock_history(s, w.carrier, date_from=tomorrow, date_to=china_today())
    with uow.read() as s, refused("lgs.bad_date", field="lgs.date_to"):
        reports.stock_history(s, w.carrier, date_to="yesterday")

    van = vehicles.add_vehicle(uow, w.carrier, code="VAN1", kind="Van", capacity_units=4)
    vehicles.add_vehicle(uow, w.carrier, code="VAN2", kind="Van", capacity_units=10)
    dispatch.allocate_vehicle(uow, w.carrier, t.dispatch_id, vehicle_id=van.id)
    dispatch.confirm_dispatch(uow, w.carrier, t.dispatch_id)
    with uow.read() as s:
        use = {v.code: (v.trips, v.units_carried, v.load_percent) for v in reports.vehicle_utilisation(s, w.carrier)}
    assert use == {"VAN1": (1, 3, 75), "VAN2": (0, 0, 0)}


# ----------------------------------------------------------------------------- the bot provider


def test_the_bot_provider_delivers_a_students_order_and_the_bot_supplier_pays_the_fee(sqlite_url):
    db = Database.connect(sqlite_url)
    uow = UnitOfWork(db)
    try:
        room = factories.classroom(uow, factories.instructor(uow))
        me = trader(uow, room, "ann", "buyer")
        bots = b2b_partners.ensure_partners(uow, room.id)
        with uow.read() as s:
            fleet = vehicles.vehicles_of(s, bots.provider_id)
            assert len(fleet) == 2 and providers.linked_account(s, bots.provider) is not None
        with uow.read() as s:
            goods = catalogue.browse(s, me.actor, me.token, supplier_id=bots.supplier_member_id)
        line = cart.add_to_cart(uow, me.actor, me.token, product_id=goods[0].id, quantity=3)
        (order,) = orders.create_orders(uow, me.actor, me.token, cart_line_ids=[line.id], payment_method="online",
                                        delivery_date=b2b_partners.delivery_day())
        assert f"accepted:{order.number}" in b2b_partners.react(uow, room.id)
        orders.confirm(uow, me.actor, me.token, order.id)
        done = b2b_partners.react(uow, room.id)
        steps = ("delivery_ordered:", "delivery_accepted:", "issued:", "vehicle_allocated:", "dispatched:",
                 "delivered:", "fees_paid:")
        assert all(any(x.startswith(step) for x in done) for step in steps), done
        with uow.read() as s:
            detail = orders.order_detail(s, me.actor, me.token, order.id)
        assert detail.order.state == "delivered" and detail.delivery is not None
        assert detail.delivery.state == DO_DELIVERED
        (fee,) = fetch(uow, select(DeliveryFee).join(DeliveryOrder).where(DeliveryOrder.order_id == order.id))
        assert fee.state == FEE_PAID
        assert b2b_partners.react(uow, room.id) == []
    finally:
        db.dispose()
