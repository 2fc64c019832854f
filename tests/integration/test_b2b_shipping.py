"""Supplier side of the warehouse chain on a real database: shipping (B2B011) and transfer orders
(create B2B013, view B2B014, query B2B015), with bad input and other companies' documents."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from sandbox.b2b import shipping, transfers
from sandbox.clock import CHINA
from sandbox.db import utcnow
from sandbox.logistics import inbound, stock, warehouses
from sandbox.logistics import transfers as lgs_transfers
from sandbox.logistics.models import (
    DRAFT,
    PENDING,
    SHIPPED,
    SUPPLIER_PREMISES,
    TRANSFER_CONFIRMED,
    TRANSFER_CREATED,
    InboundOrder,
    Shipment,
    StockMove,
    TransferOrder,
)
from tests import factories
from tests.b2b_setup import trader
from tests.integration.helpers import changes_nothing, events_of, fetch, refused
from tests.integration.test_logistics_services import approve, level, new_provider, products, ship, stock_in, world

# ----------------------------------------------------------------------------- B2B011


def test_supplier_ships_goods_to_its_approved_providers_warehouse(uow):
    w = world(uow)
    ann = w.supplier
    p1, p2 = products(uow, ann.member_id)[:2]
    draft = shipping.new_shipment(uow, ann.actor, ann.token, lines={p1: 12, p2: 3}, note="Pallet A",
                                  request_id="s-1")
    assert (draft.state, draft.total_units, draft.provider_id, draft.inbound_order_id) == (DRAFT, 15, None, None)
    assert shipping.new_shipment(uow, ann.actor, ann.token, lines={p1: 1}, request_id="s-1").id == draft.id
    with uow.read() as s:
        (choice,) = shipping.consignees(s, ann.actor, ann.token)
    assert choice.provider_id == w.provider.id and [h.code for h in choice.warehouses] == ["WH01", "WH02"]
    done = shipping.confirm_shipment(uow, ann.actor, ann.token, draft.id, provider_id=w.provider.id,
                                     warehouse_id=w.wh2.id, request_id="c-1")
    assert (done.state, done.provider_id, done.warehouse_id, done.inbound_state) == (SHIPPED, w.provider.id,
                                                                                     w.wh2.id, PENDING)
    assert shipping.confirm_shipment(uow, ann.actor, ann.token, draft.id, provider_id=w.provider.id,
                                     warehouse_id=w.wh1.id, request_id="c-1").warehouse_id == w.wh2.id
    with changes_nothing(uow), refused("b2b.bad_transition"):
        shipping.confirm_shipment(uow, ann.actor, ann.token, draft.id, provider_id=w.provider.id,
                                  warehouse_id=w.wh1.id)
    (order,) = fetch(uow, select(InboundOrder))
    assert (order.shipment_id, order.warehouse_id, order.provider_id, order.supplier_id, order.state) == (
        draft.id, w.wh2.id, w.provider.id, ann.member_id, PENDING)
    assert level(w, p1, f"transit:{draft.id}") == 12 and level(w, p2, f"transit:{draft.id}") == 3
    moves = fetch(uow, select(StockMove).where(StockMove.doc_kind == "shipment"))
    assert {(m.from_location, m.quantity) for m in moves} == {(SUPPLIER_PREMISES, 12), (SUPPLIER_PREMISES, 3)}
    created, confirmed = events_of(uow, "b2b.shipment_created"), events_of(uow, "b2b.shipment_confirmed")
    assert [e.task_code for e in created + confirmed] == ["B2B011", "B2B011"]
    ev = confirmed[0]
    assert ev.actor_id == ann.actor.user_id and ev.data["inbound_order_id"] == order.id
    assert (ev.data["provider_id"], ev.data["warehouse_id"]) == (w.provider.id, w.wh2.id)
    assert ev.data["lines"] == sorted([[p1, 12], [p2, 3]])
    with uow.read() as s:
        assert [x.id for x in shipping.shipments_for(s, ann.actor, ann.token)] == [draft.id]
        assert shipping.shipment_detail(s, ann.actor, ann.token, draft.id).number == draft.number


@pytest.mark.parametrize("lines, code", [
    ({}, "lgs.no_lines"),
    ([1, 2], "lgs.no_lines"),
    ({"P": 1}, "lgs.bad_id"),
    (None, "lgs.no_lines"),
])
def test_bad_goods_lines_are_refused_before_anything(uow, lines, code):
    w = world(uow, approved=False)
    with changes_nothing(uow), refused(code):
        shipping.new_shipment(uow, w.supplier.actor, w.supplier.token, lines=lines)


def test_bad_quantities_and_foreign_products_are_refused(uow):
    w = world(uow)
    ann = w.supplier
    bob = trader(uow, w.room, "bob", "supplier")
    (p1,) = products(uow, ann.member_id)[:1]
    (b1,) = products(uow, bob.member_id)[:1]
    for bad in (0, -3, 100_001, 2.5, True, "many"):
        with changes_nothing(uow), refused("lgs.bad_quantity", field="lgs.quantity", max=100_000):
            shipping.new_shipment(uow, ann.actor, ann.token, lines={p1: bad})
    with changes_nothing(uow), refused("lgs.not_your_product", product_id=b1):
        shipping.new_shipment(uow, ann.actor, ann.token, lines={p1: 1, b1: 1})
    with changes_nothing(uow), refused("lgs.not_your_product"):
        shipping.new_shipment(uow, ann.actor, ann.token, lines={999_999: 1})
    buyer = trader(uow, w.room, "ann", "buyer", actor=ann.actor)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):
        shipping.new_shipment(uow, ann.actor, buyer.token, lines={p1: 1})
    with changes_nothing(uow), refused("b2b.login_required"):
        shipping.new_shipment(uow, ann.actor, None, lines={p1: 1})
    assert shipping.new_shipment(uow, ann.actor, ann.token, lines={str(p1): "100000"}).total_units == 100_000


def test_shipping_needs_an_approved_consignee_and_its_active_warehouse(uow):
    w = world(uow, approved=False)
    ann = w.supplier
    (p1,) = products(uow, ann.member_id)[:1]
    draft = shipping.new_shipment(uow, ann.actor, ann.token, lines={p1: 5})
    with changes_nothing(uow), refused("lgs.provider_not_approved", field="lgs.provider"):
        shipping.confirm_shipment(uow, ann.actor, ann.token, draft.id, provider_id=w.provider.id,
                                  warehouse_id=w.wh1.id)
    approve(uow, ann, w.carrier, w.provider.id)
    oli = factories.student(uow, w.room, "oli")
    other, (foreign,) = new_provider(uow, oli, "Other Freight", "WH01")
    with changes_nothing(uow), refused("lgs.warehouse_not_of_provider", field="lgs.warehouse"):
        shipping.confirm_shipment(uow, ann.actor, ann.token, draft.id, provider_id=w.provider.id,
                                  warehouse_id=foreign.id)
    with changes_nothing(uow), refused("lgs.provider_not_approved"):
        shipping.confirm_shipment(uow, ann.actor, ann.token, draft.id, provider_id=other.id, warehouse_id=foreign.id)
    with changes_nothing(uow), refused("lgs.provider_not_found"):
        shipping.confirm_shipment(uow, ann.actor, ann.token, draft.id, provider_id=99_999, warehouse_id=w.wh1.id)
    with changes_nothing(uow), refused("lgs.bad_id", field="lgs.warehouse"):
        shipping.confirm_shipment(uow, ann.actor, ann.token, draft.id, provider_id=w.provider.id, warehouse_id=-1)
    warehouses.update_warehouse(uow, w.carrier, w.wh1.id, active=False)
    with changes_nothing(uow), refused("lgs.warehouse_inactive", warehouse="WH01"):
        shipping.confirm_shipment(uow, ann.actor, ann.token, draft.id, provider_id=w.provider.id,
                                  warehouse_id=w.wh1.id)
    # another supplier cannot confirm (or see) ann's shipment
    bob = trader(uow, w.room, "bob", "supplier")
    approve(uow, bob, w.carrier, w.provider.id)
    with changes_nothing(uow), refused("b2b.not_yours"):
        shipping.confirm_shipment(uow, bob.actor, bob.token, draft.id, provider_id=w.provider.id,
                                  warehouse_id=w.wh2.id)
    with uow.read() as s, refused("b2b.not_yours"):
        shipping.shipment_detail(s, bob.actor, bob.token, draft.id)
    assert fetch(uow, select(Shipment.state)) == [DRAFT]
    assert shipping.confirm_shipment(uow, ann.actor, ann.token, draft.id, provider_id=w.provider.id,
                                     warehouse_id=w.wh2.id).state == SHIPPED


# ----------------------------------------------------------------------------- B2B013–B2B015


def test_transfer_orders_are_guarded_at_creation(uow):
    w = world(uow)
    ann = w.supplier
    p1, p2 = products(uow, ann.member_id)[:2]
    stock_in(w, {p1: 10})
    a, b = w.wh1.id, w.wh2.id
    with changes_nothing(uow), refused("lgs.not_enough_stock", held=10, wanted=11, location="WH01"):
        transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=a, to_warehouse_id=b, lines={p1: 11})
    with changes_nothing(uow), refused("lgs.not_enough_stock", held=0, wanted=1):
        transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=a, to_warehouse_id=b,
                                  lines={p1: 1, p2: 1})
    with changes_nothing(uow), refused("lgs.same_warehouse", field="lgs.to_warehouse"):
        transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=a, to_warehouse_id=a, lines={p1: 1})
    for bad in (0, -1):
        with changes_nothing(uow), refused("lgs.bad_quantity"):
            transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=a, to_warehouse_id=b,
                                      lines={p1: bad})
    oli = factories.student(uow, w.room, "oli")
    _, (foreign,) = new_provider(uow, oli, "Other Freight", "WH01")
    with changes_nothing(uow), refused("lgs.different_providers"):
        transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=a, to_warehouse_id=foreign.id,
                                  lines={p1: 1})
    o2 = warehouses.add_warehouse(uow, oli, code="WH02", name="WH02 store", address="2 Dock St", capacity=100)
    with changes_nothing(uow), refused("lgs.provider_not_approved"):
        transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=foreign.id, to_warehouse_id=o2.id,
                                  lines={p1: 1})
    with changes_nothing(uow), refused("lgs.warehouse_not_found"):
        transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=a, to_warehouse_id=99_999,
                                  lines={p1: 1})
    warehouses.update_warehouse(uow, w.carrier, b, active=False)
    with changes_nothing(uow), refused("lgs.warehouse_inactive", warehouse="WH02"):
        transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=a, to_warehouse_id=b, lines={p1: 1})
    warehouses.update_warehouse(uow, w.carrier, b, active=True)
    made = transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=a, to_warehouse_id=b,
                                     lines={p1: 10}, note="Rebalance", request_id="t-1")
    assert (made.state, made.from_code, made.to_code, made.total_units) == (TRANSFER_CREATED, "WH01", "WH02", 10)
    assert transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=a, to_warehouse_id=b,
                                     lines={p1: 1}, request_id="t-1").id == made.id
    (ev,) = events_of(uow, "b2b.transfer_created")
    assert ev.task_code == "B2B013" and ev.actor_id == ann.actor.user_id and ev.data["lines"] == [[p1, 10]]
    assert level(w, p1, f"wh:{a}") == 10  # creating moves nothing; LGS005 does


def test_view_and_search_transfer_orders_are_logged_and_private(uow):
    w = world(uow)
    ann = w.supplier
    p1, p2 = products(uow, ann.member_id)[:2]
    stock_in(w, {p1: 10, p2: 10})
    first = transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=w.wh1.id,
                                      to_warehouse_id=w.wh2.id, lines={p1: 4})
    second = transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=w.wh1.id,
                                       to_warehouse_id=w.wh2.id, lines={p2: 6})
    lgs_transfers.confirm_transfer(uow, w.carrier, second.id)
    detail = transfers.view_transfer(uow, ann.actor, ann.token, first.id)
    assert detail.id == first.id and [(x.product_id, x.quantity) for x in detail.lines] == [(p1, 4)]
    assert detail.provider_name == "Swift Logistics"
    (viewed,) = events_of(uow, "b2b.query")
    assert (viewed.task_code, viewed.subject, viewed.data["screen"]) == ("B2B014", "transfer_detail",
                                                                         "transfer_detail")
    assert viewed.data["returned_ids"] == [first.id] and viewed.actor_id == ann.actor.user_id

    def ids(**filters):
        return [t.id for t in transfers.search_transfers(uow, ann.actor, ann.token, **filters)]

    assert ids() == [second.id, first.id]
    assert ids(state=TRANSFER_CONFIRMED) == [second.id]
    assert ids(number=first.number[-6:].lower()) == [first.id]
    assert ids(number="%") == []
    assert ids(warehouse_id=w.wh2.id) == [second.id, first.id]
    today = utcnow().astimezone(CHINA).date()
    assert ids(date_from=today, date_to=today.isoformat()) == [second.id, first.id]
    assert ids(date_from=today + timedelta(days=1)) == []
    searches = [e for e in events_of(uow, "b2b.query") if e.task_code == "B2B015"]
    assert len(searches) == 7 and searches[0].data["returned_ids"] == [second.id, first.id]
    assert searches[1].data["filters"]["state"] == TRANSFER_CONFIRMED
    assert searches[-1].data["returned_ids"] == [] and searches[-1].data["screen"] == "transfer_search"
    with refused("lgs.bad_state", field="lgs.state"):
        ids(state="lost")
    with refused("lgs.bad_date", field="lgs.date_from"):
        ids(date_from="yesterday")
    with refused("lgs.bad_date_range"):
        ids(date_from=today, date_to=today - timedelta(days=1))
    # another supplier neither sees nor finds ann's transfers
    bob = trader(uow, w.room, "bob", "supplier")
    with changes_nothing(uow), refused("b2b.not_yours"):
        transfers.view_transfer(uow, bob.actor, bob.token, first.id)
    assert transfers.search_transfers(uow, bob.actor, bob.token) == []
    with changes_nothing(uow), refused("lgs.transfer_not_found"):
        transfers.view_transfer(uow, ann.actor, ann.token, 99_999)
    assert {t.state for t in fetch(uow, select(TransferOrder))} == {TRANSFER_CREATED, TRANSFER_CONFIRMED}


def test_shipped_goods_are_conserved_through_receipt_and_transfer(uow):
    w = world(uow)
    ann = w.supplier
    (p1,) = products(uow, ann.member_id)[:1]
    shipped = ship(w, {p1: 9})
    inbound.receive(uow, w.carrier, shipped.inbound_order_id)
    t = transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=w.wh1.id, to_warehouse_id=w.wh2.id,
                                  lines={p1: 4})
    lgs_transfers.confirm_transfer(uow, w.carrier, t.id)
    with uow.read() as s:
        total = sum(lv.quantity for lv in stock.levels(s, owner_id=ann.member_id))
        held = {lv.location: lv.quantity for lv in stock.levels(s, provider_id=w.provider.id)}
    assert total == 9 and held == {f"wh:{w.wh1.id}": 5, f"wh:{w.wh2.id}": 4}
