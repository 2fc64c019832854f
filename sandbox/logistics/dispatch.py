"""Vehicle dispatch (车辆调度) and delivery completion: the dispatch order (调度单) created with an
accepted delivery order (LGS002), allocating a vehicle (LGS009), confirming the allocation
(确定分配, LGS010) and marking the delivery complete (送货完成, LGS020).

Invariants:
- One dispatch order per delivery order, created unallocated in the acceptance's transaction
  (:func:`create_for`); its units are the delivery order's units.
- Only the provider the documents name acts on them; a vehicle is allocated only if it is the
  provider's own, active, idle, not allocated to another unfinished dispatch order, and its
  capacity covers the units (``lgs.vehicle_busy``, ``lgs.vehicle_inactive``,
  ``lgs.vehicle_too_small``).
- Confirming moves dispatch allocated → confirmed, delivery order vehicle_allocated →
  dispatched and the vehicle idle → in_transit (conditional update: a vehicle makes one trip at
  a time), in one transaction.
- Delivering requires the outbound order 已出库 (LGS004: the goods left the warehouse) and the
  dispatch confirmed; it moves dispatch → completed, delivery order → delivered, the vehicle
  back to idle, the goods ``road:<delivery order>`` → ``customer``, and the B2B order to
  delivered (:func:`sandbox.b2b.orders.on_delivered`) — all in one transaction.

Events: lgs.vehicle_allocated (LGS009), lgs.dispatch_confirmed (LGS010), lgs.delivered (LGS020);
subject the dispatch order id (lgs.delivered: the delivery order id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import orders as b2b_orders
from sandbox.b2b import states
from sandbox.b2b.access import new_number
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics import stock
from sandbox.logistics.access import json_lines, provider_of, require_own
from sandbox.logistics.models import (
    ALLOCATED,
    CUSTOMER,
    DISPATCH_COMPLETED,
    DISPATCH_CONFIRMED,
    DISPATCHED,
    DO_DELIVERED,
    ISSUED,
    UNALLOCATED,
    VEHICLE_ALLOCATED,
    VEHICLE_IDLE,
    VEHICLE_IN_TRANSIT,
    DeliveryOrder,
    DispatchOrder,
    OutboundOrder,
    Provider,
    Vehicle,
    road_location,
)
from sandbox.logistics.outbound import outbound_needs
from sandbox.logistics.states import DELIVERY_ORDER, DISPATCH_ORDER
from sandbox.logistics.vehicles import own_vehicle
from sandbox.uow import UnitOfWork


@dataclass(frozen=True)
class DispatchView:
    id: int
    number: str
    state: str
    delivery_order_id: int
    delivery_number: str
    delivery_state: str
    provider_id: int
    vehicle_id: int | None
    vehicle_code: str | None
    units: int
    created_at: datetime
    allocated_at: datetime | None
    confirmed_at: datetime | None
    completed_at: datetime | None


def dispatch_views(session: Session, rows: list[DispatchOrder]) -> list[DispatchView]:
    if not rows:
        return []
    deliveries = {
        d: (n, st) for d, n, st in session.execute(
            select(DeliveryOrder.id, DeliveryOrder.number, DeliveryOrder.state)
            .where(DeliveryOrder.id.in_([r.delivery_order_id for r in rows]))
        ).all()
    }
    wanted = {r.vehicle_id for r in rows if r.vehicle_id is not None}
    codes = dict(session.execute(select(Vehicle.id, Vehicle.code).where(Vehicle.id.in_(wanted))).all()) if wanted else {}
    return [
        DispatchView(
            r.id, r.number, r.state, r.delivery_order_id, deliveries.get(r.delivery_order_id, ("", ""))[0],
            deliveries.get(r.delivery_order_id, ("", ""))[1], r.provider_id, r.vehicle_id,
            codes.get(r.vehicle_id or 0), int(r.units), r.created_at, r.allocated_at, r.confirmed_at, r.completed_at,
        )
        for r in rows
    ]


def create_for(session: Session, delivery_order: DeliveryOrder, provider: Provider, units: int) -> DispatchOrder:
    """LGS002 (in the acceptance's transaction): the delivery order's dispatch order, unallocated."""
    states.check(DISPATCH_ORDER, None, UNALLOCATED, "LGS002")
    row = DispatchOrder(
        class_id=delivery_order.class_id, number=new_number("DP"), delivery_order_id=delivery_order.id,
        provider_id=provider.id, units=max(1, int(units)), state=UNALLOCATED, created_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def _own_dispatch(session: Session, provider: Provider, dispatch_id: object) -> DispatchOrder:
    row = session.get(DispatchOrder, dispatch_id) if isinstance(dispatch_id, int) else None
    if row is None or row.class_id != provider.class_id:
        raise DomainError("lgs.dispatch_not_found")
    require_own(provider, row.provider_id)
    return row


def _replay(session: Session, request_id: str | None, kind: str, actor: Actor) -> DispatchView | None:
    done = events.replayed(session, request_id)
    if done is None:
        return None
    if done.kind != kind or done.actor_id != actor.user_id:
        raise DomainError("request.duplicate")
    earlier = session.get(DispatchOrder, int((done.data or {}).get("dispatch_order_id") or 0))
    assert earlier is not None
    return dispatch_views(session, [earlier])[0]


def allocate_vehicle(
    uow: UnitOfWork, actor: Actor, dispatch_id: int, *, vehicle_id: object, request_id: str | None = None
) -> DispatchView:
    """LGS009: allocate a vehicle (车辆分配 → 分配) to a dispatch order: unallocated → allocated,
    its delivery order accepted → vehicle_allocated.

    Raises lgs.not_registered, lgs.dispatch_not_found, lgs.not_yours (another provider's
    dispatch order or vehicle), lgs.vehicle_not_found, lgs.vehicle_inactive, lgs.vehicle_busy
    (on a trip or allocated to another dispatch order), lgs.vehicle_too_small, b2b.bad_transition,
    b2b.state_changed, request.duplicate.
    """
    with uow.write() as s:
        provider = provider_of(s, actor)
        earlier = _replay(s, request_id, "lgs.vehicle_allocated", actor)
        if earlier is not None:
            return earlier
        row = _own_dispatch(s, provider, dispatch_id)
        states.check(DISPATCH_ORDER, row.state, ALLOCATED, "LGS009")
        delivery = s.get(DeliveryOrder, row.delivery_order_id)
        assert delivery is not None
        states.check(DELIVERY_ORDER, delivery.state, VEHICLE_ALLOCATED, "LGS009")
        vehicle = own_vehicle(s, provider.id, provider.class_id, vehicle_id)
        if not vehicle.active:
            raise DomainError("lgs.vehicle_inactive", field="lgs.vehicle", vehicle=vehicle.code)
        taken = s.scalar(select(DispatchOrder.number).where(
            DispatchOrder.vehicle_id == vehicle.id, DispatchOrder.state.in_([ALLOCATED, DISPATCH_CONFIRMED])))
        if vehicle.status != VEHICLE_IDLE or taken is not None:
            raise DomainError("lgs.vehicle_busy", field="lgs.vehicle", vehicle=vehicle.code)
        if vehicle.capacity_units < row.units:
            raise DomainError("lgs.vehicle_too_small", field="lgs.vehicle", vehicle=vehicle.code,
                              capacity=vehicle.capacity_units, units=row.units)
        now = utcnow()
        before, delivery_before = row.state, delivery.state
        states.move(s, DISPATCH_ORDER, DispatchOrder, row.id, before, ALLOCATED, "LGS009", vehicle_id=vehicle.id,
                    allocated_by=actor.user_id, allocated_at=now)
        states.move(s, DELIVERY_ORDER, DeliveryOrder, delivery.id, delivery_before, VEHICLE_ALLOCATED, "LGS009")
        events.record(
            s, "lgs.vehicle_allocated", actor=actor, subject=str(row.id), task_code="LGS009", request_id=request_id,
            dispatch_order_id=row.id, delivery_order_id=delivery.id, provider_id=provider.id, vehicle_id=vehicle.id,
            vehicle_code=vehicle.code, units=row.units, capacity_units=vehicle.capacity_units,
            from_state=before, to_state=ALLOCATED, delivery_from_state=delivery_before,
            delivery_to_state=VEHICLE_ALLOCATED,
        )
        return dispatch_views(s, [row])[0]


def confirm_dispatch(uow: UnitOfWork, actor: Actor, dispatch_id: int, request_id: str | None = None) -> DispatchView:
    """LGS010: confirm the allocation (确定分配): dispatch allocated → confirmed, delivery order
    vehicle_allocated → dispatched, the vehicle idle → in_transit (a transport record, LGS011).

    Raises lgs.not_registered, lgs.dispatch_not_found, lgs.not_yours, lgs.vehicle_busy (the
    vehicle left on another trip meanwhile), b2b.bad_transition, b2b.state_changed, request.duplicate.
    """
    with uow.write() as s:
        provider = provider_of(s, actor)
        earlier = _replay(s, request_id, "lgs.dispatch_confirmed", actor)
        if earlier is not None:
            return earlier
        row = _own_dispatch(s, provider, dispatch_id)
        states.check(DISPATCH_ORDER, row.state, DISPATCH_CONFIRMED, "LGS010")
        delivery = s.get(DeliveryOrder, row.delivery_order_id)
        assert delivery is not None and row.vehicle_id is not None
        states.check(DELIVERY_ORDER, delivery.state, DISPATCHED, "LGS010")
        vehicle = own_vehicle(s, provider.id, provider.class_id, row.vehicle_id)
        left = s.execute(
            update(Vehicle).where(Vehicle.id == vehicle.id, Vehicle.status == VEHICLE_IDLE)
            .values(status=VEHICLE_IN_TRANSIT).execution_options(synchronize_session=False)
        ).rowcount
        if not left:
            raise DomainError("lgs.vehicle_busy", field="lgs.vehicle", vehicle=vehicle.code)
        now = utcnow()
        before, delivery_before = row.state, delivery.state
        states.move(s, DISPATCH_ORDER, DispatchOrder, row.id, before, DISPATCH_CONFIRMED, "LGS010",
                    confirmed_by=actor.user_id, confirmed_at=now)
        states.move(s, DELIVERY_ORDER, DeliveryOrder, delivery.id, delivery_before, DISPATCHED, "LGS010")
        s.refresh(vehicle)
        events.record(
            s, "lgs.dispatch_confirmed", actor=actor, subject=str(row.id), task_code="LGS010", request_id=request_id,
            dispatch_order_id=row.id, delivery_order_id=delivery.id, provider_id=provider.id, vehicle_id=vehicle.id,
            vehicle_code=vehicle.code, units=row.units, allocated_at=row.allocated_at.isoformat()
            if row.allocated_at else None, vehicle_from=VEHICLE_IDLE, vehicle_to=VEHICLE_IN_TRANSIT,
            from_state=before, to_state=DISPATCH_CONFIRMED, delivery_from_state=delivery_before,
            delivery_to_state=DISPATCHED,
        )
        return dispatch_views(s, [row])[0]


def deliver(uow: UnitOfWork, actor: Actor, delivery_order_id: int, request_id: str | None = None) -> DispatchView:
    """LGS020: mark the delivery complete (送货完成): delivery order dispatched → delivered,
    dispatch confirmed → completed, the vehicle idle again, the goods road → customer, and the
    B2B order delivered — in one transaction.

    Raises lgs.not_registered, lgs.delivery_not_found, lgs.not_yours, lgs.outbound_not_issued
    (the goods never left the warehouse, LGS004), lgs.not_dispatched (no confirmed dispatch,
    LGS010), b2b.bad_transition, b2b.state_changed, lgs.not_enough_stock, b2b.no_such_order,
    request.duplicate.
    """
    with uow.write() as s:
        provider = provider_of(s, actor)
        earlier = _replay(s, request_id, "lgs.delivered", actor)
        if earlier is not None:
            return earlier
        delivery = s.get(DeliveryOrder, delivery_order_id) if isinstance(delivery_order_id, int) else None
        if delivery is None or delivery.class_id != provider.class_id:
            raise DomainError("lgs.delivery_not_found")
        require_own(provider, delivery.provider_id)
        outbound = s.scalar(select(OutboundOrder).where(OutboundOrder.delivery_order_id == delivery.id))
        if outbound is None or outbound.state != ISSUED:
            raise DomainError("lgs.outbound_not_issued", delivery=delivery.number)
        row = s.scalar(select(DispatchOrder).where(DispatchOrder.delivery_order_id == delivery.id))
        if row is None or row.state != DISPATCH_CONFIRMED or row.vehicle_id is None:
            raise DomainError("lgs.not_dispatched", delivery=delivery.number)
        states.check(DELIVERY_ORDER, delivery.state, DO_DELIVERED, "LGS020")
        now = utcnow()
        before, delivery_before = row.state, delivery.state
        states.move(s, DISPATCH_ORDER, DispatchOrder, row.id, before, DISPATCH_COMPLETED, "LGS020",
                    completed_by=actor.user_id, completed_at=now)
        states.move(s, DELIVERY_ORDER, DeliveryOrder, delivery.id, delivery_before, DO_DELIVERED, "LGS020",
                    delivered_at=now)
        s.execute(
            update(Vehicle).where(Vehicle.id == row.vehicle_id, Vehicle.status == VEHICLE_IN_TRANSIT)
            .values(status=VEHICLE_IDLE).execution_options(synchronize_session=False)
        )
        needs = outbound_needs(s, delivery.id)
        moves = [
            stock.move(s, class_id=delivery.class_id, owner_id=delivery.supplier_id, product_id=pid, quantity=qty,
                       from_location=road_location(delivery.id), to_location=CUSTOMER, doc_kind="delivery",
                       doc_id=delivery.id, actor_id=actor.user_id).id
            for pid, qty in sorted(needs.items())
        ]
        b2b_orders.on_delivered(s, delivery.order_id, actor.user_id)
        events.record(
            s, "lgs.delivered", actor=actor, subject=str(delivery.id), task_code="LGS020", request_id=request_id,
            delivery_order_id=delivery.id, order_id=delivery.order_id, dispatch_order_id=row.id,
            outbound_order_id=outbound.id, provider_id=provider.id, supplier_id=delivery.supplier_id,
            vehicle_id=row.vehicle_id, lines=json_lines(needs), move_ids=moves,
            outbound_issued_at=outbound.issued_at.isoformat() if outbound.issued_at else None,
            dispatch_confirmed_at=row.confirmed_at.isoformat() if row.confirmed_at else None,
            from_state=delivery_before, to_state=DO_DELIVERED, dispatch_from_state=before,
            dispatch_to_state=DISPATCH_COMPLETED,
        )
        return dispatch_views(s, [row])[0]


def dispatches_for_provider(session: Session, actor: Actor, *, state: str | None = None) -> list[DispatchView]:
    """The actor's provider's dispatch orders (optionally of one state), newest first."""
    provider = provider_of(session, actor)
    query = select(DispatchOrder).where(DispatchOrder.provider_id == provider.id)
    if state:
        query = query.where(DispatchOrder.state == state)
    return dispatch_views(session, list(session.scalars(
        query.order_by(DispatchOrder.created_at.desc(), DispatchOrder.id.desc()))))


def dispatch_of_delivery(session: Session, actor: Actor, delivery_order_id: int) -> DispatchView:
    """The dispatch order of one of the provider's delivery orders (调度单明细).
    Raises lgs.dispatch_not_found, lgs.not_yours."""
    provider = provider_of(session, actor)
    row = session.scalar(select(DispatchOrder).where(DispatchOrder.delivery_order_id == delivery_order_id))
    if row is None or row.class_id != provider.class_id:
        raise DomainError("lgs.dispatch_not_found")
    require_own(provider, row.provider_id)
    return dispatch_views(session, [row])[0]
