"""Logistics services on a real database: provider registration (LGS001), warehouses (LGS007,
LGS008), service applications proven with the supplier's CA certificate (LGS021, LGS022),
inbound processing (LGS003), transfer confirmation (LGS005) and delivery acceptance (LGS002)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sandbox.actor import Actor
from sandbox.b2b import shipping
from sandbox.b2b import transfers as b2b_transfers
from sandbox.b2b.access import new_number
from sandbox.b2b.models import CONFIRMED, Order, OrderLine, Product
from sandbox.ca import services as ca
from sandbox.db import utcnow
from sandbox.identity.models import Classroom
from sandbox.logistics import applications, delivery, inbound, providers, stock, warehouses
from sandbox.logistics import transfers as lgs_transfers
from sandbox.logistics.models import (
    APPLIED,
    APPROVED,
    AWAITING,
    DO_ACCEPTED,
    FEE_OPEN,
    PENDING,
    RECEIVED,
    REJECTED,
    TRANSFER_CONFIRMED,
    DeliveryFee,
    DeliveryOrder,
    InboundOrder,
    OutboundOrder,
    StockMove,
    warehouse_location,
)
from sandbox.logistics.queries import ProviderView, WarehouseView
from sandbox.uow import UnitOfWork
from tests import factories
from tests.b2b_setup import Trader, trader
from tests.integration.helpers import changes_nothing, events_of, fetch, refused

# ----------------------------------------------------------------------------- shared set-up (also used by
# tests/integration/test_b2b_shipping.py and tests/scenarios/test_b2b_warehouse_checks.py)


@dataclass(frozen=True)
class World:
    uow: UnitOfWork
    room: Classroom
    teacher: Actor
    supplier: Trader
    carrier: Actor
    provider: ProviderView
    wh1: WarehouseView
    wh2: WarehouseView


def new_provider(uow: UnitOfWork, who: Actor, name: str, *codes: str, capacity: int = 1000,
                 **extra: object) -> tuple[ProviderView, list[WarehouseView]]:
    fields: dict[str, object] = dict(name=name, contact_name="Zhao Min", phone="021-66668888",
                                     address="8 Harbour Road, Shanghai", service_terms="Door to door within 3 days.")
    fields.update(extra)
    view = providers.register_provider(uow, who, **fields)  # type: ignore[arg-type]
    houses = [warehouses.add_warehouse(uow, who, code=c, name=f"{c} store", address=f"{c} Dock Street",
                                       capacity=capacity) for c in codes]
    return view, houses


def approve(uow: UnitOfWork, supplier: Trader, carrier: Actor, provider_id: int) -> int:
    challenge = applications.apply_challenge(uow, supplier.actor)
    app = applications.apply(uow, supplier.actor, supplier.token, provider_id=provider_id, accept_terms=True,
                             challenge_id=challenge.id, certificate_id=supplier.certificate_id)
    applications.decide(uow, carrier, app.id, approve=True)
    return app.id


def world(uow: UnitOfWork, *, approved: bool = True, capacity: int = 1000) -> World:
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    supplier = trader(uow, room, "ann", "supplier")
    carrier = factories.student(uow, room, "pat")
    view, (wh1, wh2) = new_provider(uow, carrier, "Swift Logistics", "WH01", "WH02", capacity=capacity)
    if approved:
        approve(uow, supplier, carrier, view.id)
    return World(uow, room, teacher, supplier, carrier, view, wh1, wh2)


def products(uow: UnitOfWork, member_id: int) -> list[int]:
    return [p.id for p in fetch(uow, select(Product).where(Product.supplier_id == member_id).order_by(Product.id))]


def ship(w: World, lines: dict[int, int], warehouse_id: int | None = None, supplier: Trader | None = None,
         provider_id: int | None = None) -> shipping.ShipmentView:
    who = supplier or w.supplier
    draft = shipping.new_shipment(w.uow, who.actor, who.token, lines=lines)
    return shipping.confirm_shipment(w.uow, who.actor, who.token, draft.id, provider_id=provider_id or w.provider.id,
                                     warehouse_id=warehouse_id or w.wh1.id)


def stock_in(w: World, lines: dict[int, int], warehouse_id: int | None = None) -> int:
    """Ship and receive ``lines`` into a warehouse (wh1 by default); returns the inbound order id."""
    shipped = ship(w, lines, warehouse_id)
    assert shipped.inbound_order_id is not None
    inbound.receive(w.uow, w.carrier, shipped.inbound_order_id)
    return shipped.inbound_order_id


def level(w: World, product_id: int, location: str, owner: int | None = None) -> int:
    with w.uow.read() as s:
        return stock.level(s, owner or w.supplier.member_id, product_id, location)


def delivery_order(w: World, buyer: Trader, lines: dict[int, int], provider_id: int | None = None) -> int:
    """A confirmed B2B order with a delivery order awaiting acceptance, inserted as B2B010 leaves it."""
    with w.uow.write() as s:
        goods = {p.id: p for p in s.scalars(select(Product).where(Product.id.in_(list(lines))))}
        total = sum(goods[pid].price_fen * qty for pid, qty in lines.items())
        order = Order(class_id=w.room.id, number=new_number("PO"), buyer_id=buyer.member_id,
                      supplier_id=w.supplier.member_id, state=CONFIRMED, payment_method="online",
                      delivery_date=date.today() + timedelta(days=7), delivery_address="9 Buyer Lane", total_fen=total)
        s.add(order)
        s.flush()
        for pid, qty in lines.items():
            p = goods[pid]
            s.add(OrderLine(order_id=order.id, product_id=pid, sku=p.sku, name_zh=p.name_zh, name_en=p.name_en,
                            quantity=qty, unit_price_fen=p.price_fen, amount_fen=p.price_fen * qty))
        row = DeliveryOrder(class_id=w.room.id, number=new_number("DO"), order_id=order.id,
                            supplier_id=w.supplier.member_id, provider_id=provider_id or w.provider.id,
                            consignee_name="Bea Trading", consignee_address="9 Buyer Lane", state=AWAITING,
                            created_at=utcnow())
        s.add(row)
        s.flush()
        return row.id


# ----------------------------------------------------------------------------- LGS001 / LGS007 / LGS008


def test_provider_registers_adds_warehouses_and_is_listed(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    pat = factories.student(uow, room, "pat")
    view = providers.register_provider(uow, pat, name="Swift Logistics", contact_name="Zhao Min",
                                       phone="021-66668888", address="8 Harbour Road", fee_base="12.50",
                                       fee_per_unit="0", service_terms="Door to door.\nInsured.", request_id="r-1")
    assert (view.fee_base_fen, view.fee_per_unit_fen, view.warehouses) == (1250, 0, 0)
    assert providers.register_provider(uow, pat, name="Other", contact_name="Z", phone="021-66668888",
                                       address="x", request_id="r-1").id == view.id  # double submit: no-op
    (ev,) = events_of(uow, "lgs.provider_registered")
    assert ev.task_code == "LGS001" and ev.actor_id == pat.user_id and ev.subject == str(view.id)
    wh = warehouses.add_warehouse(uow, pat, code="wh01", name="North", address="1 Dock St", capacity="500",
                                  request_id="w-1")
    assert (wh.code, wh.capacity, wh.active, wh.units_held) == ("WH01", 500, True, 0)
    assert warehouses.add_warehouse(uow, pat, code="WH09", name="N", address="a", capacity=5,
                                    request_id="w-1").id == wh.id
    with changes_nothing(uow), refused("lgs.duplicate_warehouse_code", field="lgs.warehouse_code") as err:
        warehouses.add_warehouse(uow, pat, code=" WH01 ", name="Again", address="2 Dock St", capacity=10)
    assert err.value.params["warehouse"] == "WH01"
    for bad in (0, -5, "ten", 1.5, True, 10_000_001):
        with changes_nothing(uow), refused("lgs.bad_capacity", field="lgs.capacity"):
            warehouses.add_warehouse(uow, pat, code="WH03", name="S", address="3 Dock St", capacity=bad)
    with changes_nothing(uow), refused("lgs.bad_warehouse_code"):
        warehouses.add_warehouse(uow, pat, code="仓库 1", name="S", address="3 Dock St", capacity=10)
    warehouses.add_warehouse(uow, pat, code="WH02", name="South", address="2 Dock St", capacity=800)
    (added, _) = events_of(uow, "lgs.warehouse_added")
    assert added.task_code == "LGS007" and added.data["code"] == "WH01"
    # a supplier browsing the front page sees the provider with its warehouses and terms
    sam = factories.student(uow, room, "sam")
    with uow.read() as s:
        (listed,) = providers.providers(s, sam)
    assert (listed.name, listed.warehouses, listed.service_terms) == ("Swift Logistics", 2, "Door to door.\nInsured.")


def test_bad_registrations_change_nothing(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    pat, sam = factories.student(uow, room, "pat"), factories.student(uow, room, "sam")
    base = dict(contact_name="Zhao", phone="021-66668888", address="8 Harbour Road")
    providers.register_provider(uow, pat, name="Swift Logistics", **base)
    with changes_nothing(uow), refused("lgs.already_registered"):
        providers.register_provider(uow, pat, name="Second Co", **base)
    with changes_nothing(uow), refused("lgs.name_taken", field="lgs.name"):
        providers.register_provider(uow, sam, name="SWIFT LOGISTICS", **base)
    with changes_nothing(uow), refused("lgs.free_service"):
        providers.register_provider(uow, sam, name="Free Co", fee_base="0", fee_per_unit="0.00", **base)
    with changes_nothing(uow), refused("ledger.amount_not_positive", field="lgs.fee_per_unit"):
        providers.register_provider(uow, sam, name="Neg Co", fee_per_unit="-1", **base)
    with changes_nothing(uow), refused("ledger.amount_too_precise", field="lgs.fee_base"):
        providers.register_provider(uow, sam, name="Neg Co", fee_base="1.234", **base)
    with changes_nothing(uow), refused("lgs.bad_phone"):
        providers.register_provider(uow, sam, name="Phone Co", **{**base, "phone": "call me"})
    with changes_nothing(uow), refused("input.required", field="lgs.name"):
        providers.register_provider(uow, sam, name="  ", **base)
    with changes_nothing(uow), refused("auth.forbidden"):
        providers.register_provider(uow, teacher, name="Teacher Co", **base)
    with changes_nothing(uow), refused("lgs.not_registered"):
        warehouses.add_warehouse(uow, sam, code="WH01", name="N", address="a", capacity=10)


def test_update_warehouse_records_the_changed_fields(uow):
    w = world(uow, approved=False)
    oli = factories.student(uow, w.room, "oli")
    new_provider(uow, oli, "Other Freight")
    view = warehouses.update_warehouse(uow, w.carrier, w.wh1.id, name="North Hub", capacity=1200, request_id="u-1")
    assert (view.name, view.capacity) == ("North Hub", 1200)
    assert warehouses.update_warehouse(uow, w.carrier, w.wh1.id, name="Again", request_id="u-1").name == "North Hub"
    (ev,) = events_of(uow, "lgs.warehouse_updated")
    assert ev.task_code == "LGS008" and ev.data["changes"] == {"name": ["WH01 store", "North Hub"],
                                                               "capacity": [1000, 1200]}
    with changes_nothing(uow), refused("lgs.nothing_changed"):
        warehouses.update_warehouse(uow, w.carrier, w.wh1.id, name="North Hub", capacity="1200")
    with changes_nothing(uow), refused("lgs.not_yours"):
        warehouses.update_warehouse(uow, oli, w.wh1.id, name="Mine now")
    with changes_nothing(uow), refused("lgs.warehouse_not_found"):
        warehouses.update_warehouse(uow, w.carrier, 99999, name="Ghost")
    with changes_nothing(uow), refused("lgs.bad_capacity"):
        warehouses.update_warehouse(uow, w.carrier, w.wh1.id, capacity=0)
    assert warehouses.update_warehouse(uow, w.carrier, w.wh1.id, active=False).active is False


# ----------------------------------------------------------------------------- LGS021 / LGS022


def test_supplier_applies_with_installed_certificate_and_provider_approves(uow):
    w = world(uow, approved=False)
    ann = w.supplier
    ch = applications.apply_challenge(uow, ann.actor)
    with changes_nothing(uow), refused("lgs.terms_not_accepted", field="lgs.accept_terms"):
        applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=False,
                           challenge_id=ch.id, certificate_id=ann.certificate_id)
    with changes_nothing(uow), refused("lgs.provider_not_found"):
        applications.apply(uow, ann.actor, ann.token, provider_id=99999, accept_terms=True, challenge_id=ch.id,
                           certificate_id=ann.certificate_id)
    app = applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=True,
                             challenge_id=ch.id, certificate_id=ann.certificate_id, note="Weekly pallets",
                             request_id="a-1")
    assert (app.state, app.certificate_id, app.supplier_id) == (APPLIED, ann.certificate_id, ann.member_id)
    assert applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=True,
                              challenge_id=ch.id, certificate_id=ann.certificate_id, request_id="a-1").id == app.id
    (ev,) = events_of(uow, "lgs.service_applied")
    assert ev.task_code == "LGS021" and ev.data["certificate_id"] == ann.certificate_id
    assert ev.data["method"] == "store" and ev.actor_id == ann.actor.user_id
    ch2 = applications.apply_challenge(uow, ann.actor)
    with changes_nothing(uow), refused("lgs.already_applied"):
        applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=True,
                           challenge_id=ch2.id, certificate_id=ann.certificate_id)
    # only the addressed provider decides
    oli = factories.student(uow, w.room, "oli")
    new_provider(uow, oli, "Other Freight")
    with changes_nothing(uow), refused("lgs.not_yours"):
        applications.decide(uow, oli, app.id, approve=True)
    with changes_nothing(uow), refused("b2b.login_required"):  # a provider is no B2B member
        applications.apply(uow, oli, None, provider_id=w.provider.id, accept_terms=True, challenge_id=ch2.id,
                           certificate_id=ann.certificate_id)
    with uow.read() as s:
        (pending,) = applications.applications_for_provider(s, w.carrier)
        assert pending.id == app.id and pending.supplier_name == "ann-supplier Trading Co."
    decided = applications.decide(uow, w.carrier, app.id, approve=True, request_id="d-1")
    assert decided.state == APPROVED
    assert applications.decide(uow, w.carrier, app.id, approve=False, request_id="d-1").state == APPROVED
    with changes_nothing(uow), refused("lgs.already_decided"):
        applications.decide(uow, w.carrier, app.id, approve=False)
    (dec,) = events_of(uow, "lgs.service_decided")
    assert dec.task_code == "LGS022" and dec.data["approved"] is True and dec.actor_id == w.carrier.user_id
    with uow.read() as s:
        assert [p.id for p in applications.approved_providers_of(s, ann.member_id)] == [w.provider.id]
        assert [a.state for a in applications.my_applications(s, ann.actor, ann.token)] == [APPROVED]


def test_rejected_supplier_reapplies_with_a_p12_file(uow):
    w = world(uow, approved=False)
    ann = w.supplier
    ch = applications.apply_challenge(uow, ann.actor)
    app = applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=True,
                             challenge_id=ch.id, certificate_id=ann.certificate_id)
    assert applications.decide(uow, w.carrier, app.id, approve=False).state == REJECTED
    p12 = ca.download(uow, ann.actor, certificate_id=ann.certificate_id, password=ann.download_password).data
    ch2 = applications.apply_challenge(uow, ann.actor)
    with changes_nothing(uow), refused("pki.bad_p12_password"):
        applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=True,
                           challenge_id=ch2.id, p12_bytes=p12, p12_password="wrong")
    again = applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=True,
                               challenge_id=ch2.id, p12_bytes=p12, p12_password=ann.download_password)
    assert (again.id, again.state, again.decided_at) == (app.id, APPLIED, None)
    second = events_of(uow, "lgs.service_applied")[-1]
    assert (second.data["method"], second.data["from_state"]) == ("p12", REJECTED)
    other, _ = new_provider(uow, factories.student(uow, w.room, "oli"), "Other Freight")
    with changes_nothing(uow), refused("pki.challenge_replayed"):  # the challenge is single-use
        applications.apply(uow, ann.actor, ann.token, provider_id=other.id, accept_terms=True,
                           challenge_id=ch2.id, p12_bytes=p12, p12_password=ann.download_password)
    assert applications.decide(uow, w.carrier, app.id, approve=True).state == APPROVED


def test_only_the_members_own_valid_certificate_proves_identity(uow):
    w = world(uow, approved=False)
    ann = w.supplier
    ann_buyer = trader(uow, w.room, "ann", "buyer", actor=ann.actor)  # the same student's other certificate
    bob = trader(uow, w.room, "bob", "supplier")
    ch = applications.apply_challenge(uow, ann.actor)
    with changes_nothing(uow), refused("lgs.wrong_certificate", number=ann_buyer.certificate_number):
        applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=True,
                           challenge_id=ch.id, certificate_id=ann_buyer.certificate_id)
    with changes_nothing(uow), refused("pki.not_installed"):  # a classmate's certificate
        applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=True,
                           challenge_id=ch.id, certificate_id=bob.certificate_id)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):  # a buyer session cannot apply
        applications.apply(uow, ann.actor, ann_buyer.token, provider_id=w.provider.id, accept_terms=True,
                           challenge_id=ch.id, certificate_id=ann_buyer.certificate_id)
    p12 = ca.download(uow, ann.actor, certificate_id=ann.certificate_id, password=ann.download_password).data
    ca.revoke(uow, w.teacher, class_id=w.room.id, certificate_id=ann.certificate_id, reason="key_compromise")
    with changes_nothing(uow), refused("lgs.certificate_revoked", number=ann.certificate_number):
        applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=True,
                           challenge_id=ch.id, certificate_id=ann.certificate_id)
    with changes_nothing(uow), refused("lgs.certificate_revoked"):
        applications.apply(uow, ann.actor, ann.token, provider_id=w.provider.id, accept_terms=True,
                           challenge_id=ch.id, p12_bytes=p12, p12_password=ann.download_password)
    assert events_of(uow, "lgs.service_applied") == []


# ----------------------------------------------------------------------------- LGS003


def test_provider_receives_a_shipment_into_its_warehouse(uow):
    w = world(uow)
    p1, p2 = products(uow, w.supplier.member_id)[:2]
    shipped = ship(w, {p1: 30, p2: 5})
    assert shipped.inbound_state == PENDING and level(w, p1, f"transit:{shipped.id}") == 30
    with uow.read() as s:
        (pending,) = inbound.inbound_for_provider(s, w.carrier, state=PENDING)
    assert pending.id == shipped.inbound_order_id and pending.total_units == 35
    # another provider may not receive it
    oli = factories.student(uow, w.room, "oli")
    new_provider(uow, oli, "Other Freight", "WH01")
    with changes_nothing(uow), refused("lgs.not_yours"):
        inbound.receive(uow, oli, pending.id)
    done = inbound.receive(uow, w.carrier, pending.id, request_id="in-1")
    assert done.state == RECEIVED and done.received_at is not None
    assert inbound.receive(uow, w.carrier, pending.id, request_id="in-1").id == pending.id  # double submit
    with changes_nothing(uow), refused("b2b.bad_transition"):
        inbound.receive(uow, w.carrier, pending.id)
    assert level(w, p1, warehouse_location(w.wh1.id)) == 30 and level(w, p1, f"transit:{shipped.id}") == 0
    assert level(w, p2, warehouse_location(w.wh1.id)) == 5
    (ev,) = events_of(uow, "lgs.inbound_received")
    assert ev.task_code == "LGS003" and ev.actor_id == w.carrier.user_id
    assert ev.data["lines"] == sorted([[p1, 30], [p2, 5]])
    moves = fetch(uow, select(StockMove).where(StockMove.doc_kind == "inbound", StockMove.doc_id == pending.id))
    assert sorted((m.product_id, m.quantity, m.to_location) for m in moves) == sorted(
        [(p1, 30, f"wh:{w.wh1.id}"), (p2, 5, f"wh:{w.wh1.id}")])
    with uow.read() as s:
        (house, _) = warehouses.warehouses_of(s, w.provider.id)
        levels = stock.levels(s, warehouse_id=w.wh1.id)
    assert house.units_held == 35 and {(lv.product_id, lv.quantity) for lv in levels} == {(p1, 30), (p2, 5)}
    # capacity cannot go below what is held
    with changes_nothing(uow), refused("lgs.capacity_below_stock", held=35):
        warehouses.update_warehouse(uow, w.carrier, w.wh1.id, capacity=34)
    assert warehouses.update_warehouse(uow, w.carrier, w.wh1.id, capacity=35).capacity == 35


def test_receiving_beyond_capacity_is_refused(uow):
    w = world(uow, capacity=20)
    (p1,) = products(uow, w.supplier.member_id)[:1]
    stock_in(w, {p1: 15})
    second = ship(w, {p1: 6})
    with changes_nothing(uow), refused("lgs.over_capacity", capacity=20, held=15, incoming=6):
        inbound.receive(uow, w.carrier, second.inbound_order_id)
    warehouses.update_warehouse(uow, w.carrier, w.wh1.id, capacity=21)
    assert inbound.receive(uow, w.carrier, second.inbound_order_id).state == RECEIVED
    assert level(w, p1, warehouse_location(w.wh1.id)) == 21


# ----------------------------------------------------------------------------- LGS005


def test_provider_confirms_a_transfer_and_the_stock_moves(uow):
    w = world(uow)
    p1, p2 = products(uow, w.supplier.member_id)[:2]
    stock_in(w, {p1: 40, p2: 10})
    ann = w.supplier
    t = b2b_transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=w.wh1.id, to_warehouse_id=w.wh2.id,
                                      lines={p1: 25, p2: 10})
    with uow.read() as s:
        (listed,) = lgs_transfers.transfers_for_provider(s, w.carrier)
    assert listed.id == t.id and listed.total_units == 35
    oli = factories.student(uow, w.room, "oli")
    new_provider(uow, oli, "Other Freight", "WH01")
    with changes_nothing(uow), refused("lgs.not_yours"):
        lgs_transfers.confirm_transfer(uow, oli, t.id)
    done = lgs_transfers.confirm_transfer(uow, w.carrier, t.id, request_id="t-1")
    assert done.state == TRANSFER_CONFIRMED and done.confirmed_at is not None
    assert lgs_transfers.confirm_transfer(uow, w.carrier, t.id, request_id="t-1").id == t.id
    with changes_nothing(uow), refused("b2b.bad_transition"):
        lgs_transfers.confirm_transfer(uow, w.carrier, t.id)
    a, b = warehouse_location(w.wh1.id), warehouse_location(w.wh2.id)
    assert (level(w, p1, a), level(w, p1, b), level(w, p2, a), level(w, p2, b)) == (15, 25, 0, 10)
    (ev,) = events_of(uow, "lgs.transfer_confirmed")
    assert ev.task_code == "LGS005" and ev.actor_id == w.carrier.user_id
    moves = fetch(uow, select(StockMove).where(StockMove.doc_kind == "transfer", StockMove.doc_id == t.id))
    assert sorted((m.product_id, m.quantity, m.from_location, m.to_location) for m in moves) == sorted(
        [(p1, 25, a, b), (p2, 10, a, b)])


def test_confirming_a_transfer_whose_stock_is_gone_moves_nothing(uow):
    w = world(uow)
    p1, p2 = products(uow, w.supplier.member_id)[:2]
    stock_in(w, {p1: 10, p2: 10})
    ann = w.supplier
    first = b2b_transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=w.wh1.id,
                                          to_warehouse_id=w.wh2.id, lines={p1: 8})
    second = b2b_transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=w.wh1.id,
                                           to_warehouse_id=w.wh2.id, lines={p2: 4, p1: 5})
    lgs_transfers.confirm_transfer(uow, w.carrier, first.id)
    with changes_nothing(uow), refused("lgs.not_enough_stock", held=2, wanted=5, location="WH01"):
        lgs_transfers.confirm_transfer(uow, w.carrier, second.id)
    assert level(w, p2, warehouse_location(w.wh1.id)) == 10  # p2's line did not move either
    warehouses.update_warehouse(uow, w.carrier, w.wh2.id, capacity=10)
    third = b2b_transfers.create_transfer(uow, ann.actor, ann.token, from_warehouse_id=w.wh1.id,
                                          to_warehouse_id=w.wh2.id, lines={p2: 3})
    with changes_nothing(uow), refused("lgs.over_capacity", held=8, incoming=3, capacity=10):
        lgs_transfers.confirm_transfer(uow, w.carrier, third.id)


# ----------------------------------------------------------------------------- LGS002


def test_provider_accepts_a_delivery_order_books_the_fee_and_makes_the_outbound_order(uow):
    w = world(uow)
    buyer = trader(uow, w.room, "bea", "buyer")
    p1, p2 = products(uow, w.supplier.member_id)[:2]
    stock_in(w, {p1: 3}, w.wh1.id)
    stock_in(w, {p1: 10, p2: 10}, w.wh2.id)
    do_id = delivery_order(w, buyer, {p1: 4, p2: 2})
    with uow.read() as s:
        (waiting,) = delivery.delivery_orders_for_provider(s, w.carrier, state=AWAITING)
    assert waiting.id == do_id and waiting.total_units == 6 and waiting.outbound_order_id is None
    oli = factories.student(uow, w.room, "oli")
    _, (foreign,) = new_provider(uow, oli, "Other Freight", "WH01")
    with changes_nothing(uow), refused("lgs.not_yours"):
        delivery.accept_delivery_order(uow, oli, do_id)
    with changes_nothing(uow), refused("lgs.not_yours"):  # issuing from another provider's warehouse
        delivery.accept_delivery_order(uow, w.carrier, do_id, warehouse_id=foreign.id)
    done = delivery.accept_delivery_order(uow, w.carrier, do_id, request_id="do-1")
    # default warehouse: the one holding every line (WH02; WH01 has too little of p1 and no p2)
    assert (done.state, done.warehouse_id, done.outbound_state) == (DO_ACCEPTED, w.wh2.id, PENDING)
    assert done.fee_fen == 5000 + 200 * 6  # the default rates: 50 yuan + 2 yuan per unit
    assert delivery.accept_delivery_order(uow, w.carrier, do_id, request_id="do-1").outbound_order_id == \
        done.outbound_order_id
    with changes_nothing(uow), refused("b2b.bad_transition"):
        delivery.accept_delivery_order(uow, w.carrier, do_id)
    (outbound,) = fetch(uow, select(OutboundOrder))
    assert (outbound.warehouse_id, outbound.supplier_id, outbound.state) == (w.wh2.id, w.supplier.member_id, PENDING)
    (fee,) = fetch(uow, select(DeliveryFee))
    assert (fee.amount_fen, fee.state, fee.provider_id, fee.supplier_id) == (6200, FEE_OPEN, w.provider.id,
                                                                             w.supplier.member_id)
    assert fee.basis == "50.00 + 6 × 2.00 = 62.00 CNY"
    (ev,) = events_of(uow, "lgs.delivery_accepted")
    assert ev.task_code == "LGS002" and ev.data["fee_id"] == fee.id and ev.data["amount_fen"] == 6200
    assert ev.data["outbound_order_id"] == outbound.id and ev.actor_id == w.carrier.user_id


def test_delivery_is_accepted_only_into_a_warehouse_holding_the_goods(uow):
    w = world(uow)
    buyer = trader(uow, w.room, "bea", "buyer")
    (p1,) = products(uow, w.supplier.member_id)[:1]
    do_id = delivery_order(w, buyer, {p1: 4})
    with changes_nothing(uow), refused("lgs.no_stock_warehouse"):
        delivery.accept_delivery_order(uow, w.carrier, do_id)
    with changes_nothing(uow), refused("lgs.warehouse_not_found"):
        delivery.accept_delivery_order(uow, w.carrier, do_id, warehouse_id=99999)
    with changes_nothing(uow), refused("lgs.goods_not_in_warehouse", field="lgs.warehouse"):
        delivery.accept_delivery_order(uow, w.carrier, do_id, warehouse_id=w.wh1.id)
    assert [o.state for o in fetch(uow, select(InboundOrder))] == []


@pytest.mark.parametrize("who", ["supplier", "stranger"])
def test_delivery_orders_are_hidden_from_others(uow, who):
    w = world(uow)
    buyer = trader(uow, w.room, "bea", "buyer")
    (p1,) = products(uow, w.supplier.member_id)[:1]
    delivery_order(w, buyer, {p1: 1})
    actor = w.supplier.actor if who == "supplier" else factories.student(uow, w.room, "zed")
    with uow.read() as s, refused("lgs.not_registered"):
        delivery.delivery_orders_for_provider(s, actor)
    with uow.read() as s:
        assert [a.state for a in applications.applications_for_provider(s, w.carrier)] == [APPROVED]
    assert fetch(uow, select(DeliveryOrder.state)) == [AWAITING]
