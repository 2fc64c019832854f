"""Logistics operations on a real database: vehicles (LGS012, LGS013), outbound (LGS004), vehicle
dispatch (LGS009, LGS010), delivery completion (LGS020, the B2B order becomes delivered), damage
reports (LGS023) and the provider's logged queries (LGS006, LGS011, LGS014–LGS018) — the full
path from supplier shipment to delivered order, and every bad input of issue 6 refused with
nothing changed."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

from sqlalchemy import select

from sandbox.b2b import cart, orders
from sandbox.b2b import models as bm
from sandbox.b2b.models import Order
from sandbox.logistics import damage, delivery, dispatch, outbound, reports, stock, vehicles
from sandbox.logistics.models import (
    ALLOCATED,
    CUSTOMER,
    DAMAGE_CONFIRMED,
    DAMAGED,
    DISPATCH_COMPLETED,
    DISPATCH_CONFIRMED,
    DISPATCHED,
    DO_DELIVERED,
    DRAFT,
    ISSUED,
    UNALLOCATED,
    VEHICLE_ALLOCATED,
    VEHICLE_IDLE,
    VEHICLE_IN_TRANSIT,
    DeliveryOrder,
    DispatchOrder,
    OutboundOrder,
    StockLevel,
    StockMove,
    Vehicle,
    road_location,
    warehouse_location,
)
from tests import factories
from tests.b2b_setup import Trader, trader
from tests.integration.helpers import changes_nothing, events_of, fetch, refused
from tests.integration.test_logistics_services import World, new_provider, products, stock_in, world


@dataclass(frozen=True)
class Trip:
    w: World
    buyer: Trader
    order_id: int
    delivery_id: int
    outbound_id: int
    dispatch_id: int


def snapshot(w: World) -> tuple[object, ...]:
    """Everything the operations change: levels, moves, document and vehicle states, B2B order states."""
    with w.uow.read() as s:
        return (
            sorted(s.execute(select(StockLevel.owner_id, StockLevel.product_id, StockLevel.location,
                                    StockLevel.quantity)).all()),
            s.scalar(select(StockMove.id).order_by(StockMove.id.desc()).limit(1)),
            sorted(s.execute(select(DeliveryOrder.id, DeliveryOrder.state)).all()),
            sorted(s.execute(select(OutboundOrder.id, OutboundOrder.state)).all()),
            sorted(s.execute(select(DispatchOrder.id, DispatchOrder.state, DispatchOrder.vehicle_id)).all()),
            sorted(s.execute(select(Vehicle.id, Vehicle.code, Vehicle.status, Vehicle.capacity_units,
                                    Vehicle.active)).all()),
            sorted(s.execute(select(Order.id, Order.state)).all()),
        )


def ordered(w: World, buyer: Trader, lines: dict[int, int]) -> tuple[int, int]:
    """The buyer orders ``lines`` (B2B005/B2B006), the supplier accepts (B2B008), the buyer confirms
    (B2B009), the supplier makes the delivery order (B2B010); returns (order id, delivery order id)."""
    ids = [cart.add_to_cart(w.uow, buyer.actor, buyer.token, product_id=p, quantity=q).id for p, q in lines.items()]
    (order,) = orders.create_orders(w.uow, buyer.actor, buyer.token, cart_line_ids=ids, payment_method="transfer",
                                    delivery_date=date.today() + timedelta(days=5), delivery_address="5 Buyer Street")
    orders.accept(w.uow, w.supplier.actor, w.supplier.token, order.id)
    orders.confirm(w.uow, buyer.actor, buyer.token, order.id)
    info = orders.create_delivery_order(w.uow, w.supplier.actor, w.supplier.token, order.id,
                                        provider_id=w.provider.id)
    return order.id, info.id


def trip(w: World, buyer: Trader, lines: dict[int, int], warehouse_id: int | None = None) -> Trip:
    """An order delivered up to acceptance (LGS002): outbound pending, dispatch unallocated."""
    order_id, delivery_id = ordered(w, buyer, lines)
    view = delivery.accept_delivery_order(w.uow, w.carrier, delivery_id, warehouse_id=warehouse_id)
    assert view.outbound_order_id is not None
    (disp,) = fetch(w.uow, select(DispatchOrder).where(DispatchOrder.delivery_order_id == delivery_id))
    return Trip(w, buyer, order_id, delivery_id, view.outbound_order_id, disp.id)


def buyer_of(w: World) -> Trader:
    return trader(w.uow, w.room, "bea", "buyer")


def level(w: World, product_id: int, location: str) -> int:
    with w.uow.read() as s:
        return stock.level(s, w.supplier.member_id, product_id, location)


# ----------------------------------------------------------------------------- full path


def test_full_path_from_shipment_to_delivered_order(uow):
    w = world(uow)
    buyer = buyer_of(w)
    p1, p2 = products(uow, w.supplier.member_id)[:2]
    inbound_id = stock_in(w, {p1: 10, p2: 4})
    van = vehicles.add_vehicle(uow, w.carrier, code="沪a 12345", kind="Van", capacity_units=20, request_id="v-1")
    assert (van.code, van.status, van.active) == ("沪A12345", VEHICLE_IDLE, True)
    assert vehicles.add_vehicle(uow, w.carrier, code="x", kind="y", capacity_units=1, request_id="v-1").id == van.id
    van = vehicles.update_vehicle(uow, w.carrier, van.id, kind="Box van", capacity_units="25")
    (upd,) = events_of(uow, "lgs.vehicle_updated")
    assert upd.task_code == "LGS013" and upd.data["fields"] == ["capacity_units", "kind"]

    t = trip(w, buyer, {p1: 6, p2: 2})
    (disp,) = fetch(uow, select(DispatchOrder).where(DispatchOrder.id == t.dispatch_id))
    assert (disp.state, disp.units, disp.vehicle_id) == (UNALLOCATED, 8, None)

    issued = outbound.confirm_outbound(uow, w.carrier, t.outbound_id, request_id="ob-1")
    assert issued.state == ISSUED and issued.total_units == 8
    assert outbound.confirm_outbound(uow, w.carrier, t.outbound_id, request_id="ob-1").id == t.outbound_id
    wh = warehouse_location(w.wh1.id)
    assert (level(w, p1, wh), level(w, p2, wh)) == (4, 2)
    assert (level(w, p1, road_location(t.delivery_id)), level(w, p2, road_location(t.delivery_id))) == (6, 2)
    moves = fetch(uow, select(StockMove).where(StockMove.doc_kind == "outbound"))
    assert {(mv.product_id, mv.quantity, mv.doc_id) for mv in moves} == {(p1, 6, t.outbound_id), (p2, 2, t.outbound_id)}

    allocated = dispatch.allocate_vehicle(uow, w.carrier, t.dispatch_id, vehicle_id=van.id)
    assert (allocated.state, allocated.vehicle_code, allocated.delivery_state) == (ALLOCATED, "沪A12345",
                                                                                   VEHICLE_ALLOCATED)
    confirmed = dispatch.confirm_dispatch(uow, w.carrier, t.dispatch_id)
    assert (confirmed.state, confirmed.delivery_state) == (DISPATCH_CONFIRMED, DISPATCHED)
    assert confirmed.confirmed_at >= confirmed.allocated_at
    assert fetch(uow, select(Vehicle))[0].status == VEHICLE_IN_TRANSIT

    done = dispatch.deliver(uow, w.carrier, t.delivery_id, request_id="dl-1")
    assert done.state == DISPATCH_COMPLETED and done.delivery_state == DO_DELIVERED
    assert dispatch.deliver(uow, w.carrier, t.delivery_id, request_id="dl-1").id == t.dispatch_id
    assert fetch(uow, select(Vehicle))[0].status == VEHICLE_IDLE
    assert level(w, p1, road_location(t.delivery_id)) == 0 and level(w, p1, CUSTOMER) == 6
    with uow.read() as s:
        detail = orders.order_detail(s, buyer.actor, buyer.token, t.order_id)
        assert detail.order.state == bm.DELIVERED
    (ev,) = events_of(uow, "lgs.delivered")
    assert (ev.task_code, ev.actor_id, ev.subject) == ("LGS020", w.carrier.user_id, str(t.delivery_id))
    assert [e.task_code for e in events_of(uow, "b2b.order_delivered")] == ["LGS020"]

    # the provider's logged queries
    lines = reports.query_stock(uow, w.carrier)
    assert {(x.product_id, x.quantity, x.warehouse_code) for x in lines} == {(p1, 4, "WH01"), (p2, 2, "WH01")}
    records = reports.transport_records(uow, w.carrier, vehicle_id=van.id, date_from=date.today().isoformat())
    assert [r.id for r in records] == [t.dispatch_id]
    assert [d.id for d in reports.query_delivery_orders(uow, w.carrier, state=DO_DELIVERED)] == [t.delivery_id]
    assert [i.id for i in reports.query_inbound_orders(uow, w.carrier)] == [inbound_id]
    assert [o.id for o in reports.query_outbound_orders(uow, w.carrier, state=ISSUED)] == [t.outbound_id]
    assert reports.query_transfer_orders(uow, w.carrier) == []
    fees = reports.receivable_details(uow, w.carrier, supplier_id=w.supplier.member_id)
    assert len(fees) == 1 and fees[0].delivery_order_id == t.delivery_id and fees[0].amount_fen > 0
    with uow.read() as s:
        (summary,) = reports.receivables_summary(s, w.carrier)
        assert summary.open_fen == fees[0].amount_fen and summary.open_count == 1
    logged = {e.task_code: e for e in events_of(uow, "lgs.query")}
    assert set(logged) == {"LGS006", "LGS011", "LGS014", "LGS015", "LGS016", "LGS017", "LGS018"}
    assert logged["LGS011"].data["returned_ids"] == [t.dispatch_id]
    assert logged["LGS018"].data["delivery_order_ids"] == [t.delivery_id]
    assert logged["LGS006"].data["filters"] == {"warehouse_id": None, "owner_id": None, "product_id": None}
    assert all(e.actor_id == w.carrier.user_id for e in logged.values())


def test_damage_report_writes_off_stock(uow):
    w = world(uow)
    p1 = products(uow, w.supplier.member_id)[0]
    stock_in(w, {p1: 5})
    report = damage.create_damage_report(uow, w.carrier, owner_id=w.supplier.member_id, warehouse_id=w.wh1.id,
                                         lines={p1: 2}, reason="Crushed in handling")
    assert report.state == DRAFT and report.total_units == 2 and level(w, p1, warehouse_location(w.wh1.id)) == 5
    confirmed = damage.confirm_damage_report(uow, w.carrier, report.id)
    assert confirmed.state == DAMAGE_CONFIRMED
    assert level(w, p1, warehouse_location(w.wh1.id)) == 3 and level(w, p1, DAMAGED) == 2
    (mv,) = fetch(uow, select(StockMove).where(StockMove.doc_kind == "damage"))
    assert (mv.doc_id, mv.quantity, mv.to_location) == (report.id, 2, DAMAGED)
    with refused("b2b.bad_transition"), changes_nothing(uow):
        damage.confirm_damage_report(uow, w.carrier, report.id)


# ----------------------------------------------------------------------------- bad input


def test_outbound_of_more_than_in_stock_is_refused(uow):
    w = world(uow)
    buyer = buyer_of(w)
    p1 = products(uow, w.supplier.member_id)[0]
    stock_in(w, {p1: 5})
    first = trip(w, buyer, {p1: 4})
    second = trip(w, buyer, {p1: 3})  # accepted while 5 were held
    outbound.confirm_outbound(uow, w.carrier, first.outbound_id)
    before = snapshot(w)
    with refused("lgs.not_enough_stock", held=1, wanted=3), changes_nothing(uow):
        outbound.confirm_outbound(uow, w.carrier, second.outbound_id)
    assert snapshot(w) == before
    with refused("b2b.bad_transition"), changes_nothing(uow):
        outbound.confirm_outbound(uow, w.carrier, first.outbound_id)
    with refused("lgs.outbound_not_found"):
        outbound.confirm_outbound(uow, w.carrier, 999_999)


def test_vehicle_on_a_trip_or_too_small_is_refused(uow):
    w = world(uow)
    buyer = buyer_of(w)
    p1 = products(uow, w.supplier.member_id)[0]
    stock_in(w, {p1: 30})
    van = vehicles.add_vehicle(uow, w.carrier, code="V1", kind="Van", capacity_units=10)
    small = vehicles.add_vehicle(uow, w.carrier, code="V2", kind="Tricycle", capacity_units=2)
    idle = vehicles.add_vehicle(uow, w.carrier, code="V3", kind="Truck", capacity_units=50)
    a, b = trip(w, buyer, {p1: 5}), trip(w, buyer, {p1: 3})
    dispatch.allocate_vehicle(uow, w.carrier, a.dispatch_id, vehicle_id=van.id)
    dispatch.confirm_dispatch(uow, w.carrier, a.dispatch_id)
    before = snapshot(w)
    with refused("lgs.vehicle_busy", vehicle="V1"), changes_nothing(uow):
        dispatch.allocate_vehicle(uow, w.carrier, b.dispatch_id, vehicle_id=van.id)
    with refused("lgs.vehicle_too_small", capacity=2, units=3), changes_nothing(uow):
        dispatch.allocate_vehicle(uow, w.carrier, b.dispatch_id, vehicle_id=small.id)
    with refused("lgs.vehicle_on_trip"), changes_nothing(uow):
        vehicles.update_vehicle(uow, w.carrier, van.id, active=False)
    with refused("lgs.vehicle_on_trip"), changes_nothing(uow):
        vehicles.update_vehicle(uow, w.carrier, van.id, capacity_units=4)
    with refused("b2b.bad_transition"), changes_nothing(uow):
        dispatch.confirm_dispatch(uow, w.carrier, b.dispatch_id)  # no vehicle allocated yet
    vehicles.update_vehicle(uow, w.carrier, small.id, active=False)
    before = snapshot(w)
    with refused("lgs.vehicle_inactive"), changes_nothing(uow):
        dispatch.allocate_vehicle(uow, w.carrier, b.dispatch_id, vehicle_id=small.id)
    assert snapshot(w) == before
    assert dispatch.allocate_vehicle(uow, w.carrier, b.dispatch_id, vehicle_id=idle.id).state == ALLOCATED


def test_delivering_an_order_that_never_left_is_refused(uow):
    w = world(uow)
    buyer = buyer_of(w)
    p1 = products(uow, w.supplier.member_id)[0]
    stock_in(w, {p1: 5})
    van = vehicles.add_vehicle(uow, w.carrier, code="V1", kind="Van", capacity_units=10)
    t = trip(w, buyer, {p1: 2})
    before = snapshot(w)
    with refused("lgs.outbound_not_issued"), changes_nothing(uow):
        dispatch.deliver(uow, w.carrier, t.delivery_id)
    dispatch.allocate_vehicle(uow, w.carrier, t.dispatch_id, vehicle_id=van.id)
    dispatch.confirm_dispatch(uow, w.carrier, t.dispatch_id)  # the vehicle left, the goods did not
    before = snapshot(w)
    with refused("lgs.outbound_not_issued"), changes_nothing(uow):
        dispatch.deliver(uow, w.carrier, t.delivery_id)
    assert snapshot(w) == before
    with uow.read() as s:
        assert s.get(Order, t.order_id).state == bm.DELIVERY_ORDERED
    # issued but never dispatched
    u = trip(w, buyer, {p1: 1})
    outbound.confirm_outbound(uow, w.carrier, u.outbound_id)
    before = snapshot(w)
    with refused("lgs.not_dispatched"), changes_nothing(uow):
        dispatch.deliver(uow, w.carrier, u.delivery_id)
    assert snapshot(w) == before


def test_damage_of_more_than_held_is_refused(uow):
    w = world(uow)
    p1 = products(uow, w.supplier.member_id)[0]
    stock_in(w, {p1: 3})
    before = snapshot(w)
    with refused("lgs.not_enough_stock", held=3, wanted=4), changes_nothing(uow):
        damage.create_damage_report(uow, w.carrier, owner_id=w.supplier.member_id, warehouse_id=w.wh1.id,
                                    lines={p1: 4}, reason="Wet")
    with refused("lgs.not_enough_stock", held=0), changes_nothing(uow):
        damage.create_damage_report(uow, w.carrier, owner_id=w.supplier.member_id, warehouse_id=w.wh2.id,
                                    lines={p1: 1}, reason="Wet")
    with refused("lgs.bad_quantity"), changes_nothing(uow):
        damage.create_damage_report(uow, w.carrier, owner_id=w.supplier.member_id, warehouse_id=w.wh1.id,
                                    lines={p1: 0}, reason="Wet")
    with refused("input.required", field="lgs.reason"):
        damage.create_damage_report(uow, w.carrier, owner_id=w.supplier.member_id, warehouse_id=w.wh1.id,
                                    lines={p1: 1}, reason=" ")
    with refused("lgs.owner_not_found"), changes_nothing(uow):
        damage.create_damage_report(uow, w.carrier, owner_id=999_999, warehouse_id=w.wh1.id, lines={p1: 1},
                                    reason="Wet")
    # held when written, gone by confirmation: refused, nothing moves
    a = damage.create_damage_report(uow, w.carrier, owner_id=w.supplier.member_id, warehouse_id=w.wh1.id,
                                    lines={p1: 2}, reason="Torn")
    b = damage.create_damage_report(uow, w.carrier, owner_id=w.supplier.member_id, warehouse_id=w.wh1.id,
                                    lines={p1: 2}, reason="Torn")
    damage.confirm_damage_report(uow, w.carrier, a.id)
    before = snapshot(w)
    with refused("lgs.not_enough_stock", held=1, wanted=2), changes_nothing(uow):
        damage.confirm_damage_report(uow, w.carrier, b.id)
    assert snapshot(w) == before


def test_duplicate_and_bad_vehicles_are_refused(uow):
    w = world(uow)
    van = vehicles.add_vehicle(uow, w.carrier, code="SH-01", kind="Van", capacity_units=10)
    other = vehicles.add_vehicle(uow, w.carrier, code="SH-02", kind="Van", capacity_units=10)
    with refused("lgs.duplicate_vehicle_code", vehicle="SH-01"), changes_nothing(uow):
        vehicles.add_vehicle(uow, w.carrier, code="sh-01", kind="Truck", capacity_units=5)
    before = snapshot(w)
    with refused("lgs.duplicate_vehicle_code"), changes_nothing(uow):
        vehicles.update_vehicle(uow, w.carrier, other.id, code="SH-01")
    assert snapshot(w) == before
    for bad in (0, -3, 1.5, "ten", True):
        with refused("lgs.bad_vehicle_capacity"), changes_nothing(uow):
            vehicles.add_vehicle(uow, w.carrier, code="SH-09", kind="Van", capacity_units=bad)
    with refused("lgs.bad_vehicle_code"), changes_nothing(uow):
        vehicles.add_vehicle(uow, w.carrier, code="a b/c", kind="Van", capacity_units=5)
    with refused("input.required", field="lgs.vehicle_kind"), changes_nothing(uow):
        vehicles.add_vehicle(uow, w.carrier, code="SH-09", kind="", capacity_units=5)
    with refused("lgs.nothing_changed"), changes_nothing(uow):
        vehicles.update_vehicle(uow, w.carrier, van.id, kind="Van")
    # another provider may use the same code
    rival = factories.student(uow, w.room, "rex")
    new_provider(uow, rival, "Rival Freight", "R1")
    assert vehicles.add_vehicle(uow, rival, code="SH-01", kind="Van", capacity_units=3).code == "SH-01"
    with uow.read() as s:
        assert [v.code for v in vehicles.my_vehicles(s, w.carrier)] == ["SH-01", "SH-02"]


def test_another_providers_documents_are_refused(uow):
    w = world(uow)
    buyer = buyer_of(w)
    p1 = products(uow, w.supplier.member_id)[0]
    stock_in(w, {p1: 5})
    van = vehicles.add_vehicle(uow, w.carrier, code="V1", kind="Van", capacity_units=10)
    t = trip(w, buyer, {p1: 2})
    rival = factories.student(uow, w.room, "rex")
    new_provider(uow, rival, "Rival Freight", "R1")
    rival_van = vehicles.add_vehicle(uow, rival, code="R-V", kind="Van", capacity_units=10)
    before = snapshot(w)
    calls = [
        lambda: outbound.confirm_outbound(uow, rival, t.outbound_id),
        lambda: dispatch.allocate_vehicle(uow, rival, t.dispatch_id, vehicle_id=rival_van.id),
        lambda: dispatch.allocate_vehicle(uow, w.carrier, t.dispatch_id, vehicle_id=rival_van.id),
        lambda: dispatch.confirm_dispatch(uow, rival, t.dispatch_id),
        lambda: dispatch.deliver(uow, rival, t.delivery_id),
        lambda: vehicles.update_vehicle(uow, rival, van.id, kind="Stolen"),
        lambda: damage.create_damage_report(uow, rival, owner_id=w.supplier.member_id, warehouse_id=w.wh1.id,
                                            lines={p1: 1}, reason="Wet"),
    ]
    for call in calls:
        with refused("lgs.not_yours"), changes_nothing(uow):
            call()
    report = damage.create_damage_report(uow, w.carrier, owner_id=w.supplier.member_id, warehouse_id=w.wh1.id,
                                         lines={p1: 1}, reason="Wet")
    with refused("lgs.not_yours"), changes_nothing(uow):
        damage.confirm_damage_report(uow, rival, report.id)
    assert snapshot(w) == before
    # the rival's queries see nothing of the carrier's
    assert reports.query_stock(uow, rival) == []
    assert reports.query_delivery_orders(uow, rival) == []
    assert reports.query_outbound_orders(uow, rival) == []
    assert reports.receivable_details(uow, rival, supplier_id=w.supplier.member_id) == []
    with refused("lgs.not_registered"):
        reports.query_stock(uow, w.supplier.actor)


def test_query_filters_are_checked(uow):
    w = world(uow)
    with refused("lgs.bad_state", field="lgs.state"):
        reports.query_delivery_orders(uow, w.carrier, state="lost")
    with refused("lgs.bad_id"):
        reports.query_stock(uow, w.carrier, warehouse_id="abc")
    with refused("lgs.bad_date"):
        reports.transport_records(uow, w.carrier, date_from="2024-13-01")
    with refused("lgs.bad_date_range"):
        reports.transport_records(uow, w.carrier, date_from="2024-05-02", date_to="2024-05-01")
    with refused("input.required", field="lgs.supplier"):
        reports.receivable_details(uow, w.carrier, supplier_id="")
    assert events_of(uow, "lgs.query") == []
