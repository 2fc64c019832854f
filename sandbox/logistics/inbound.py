"""Inbound processing (入库处理, LGS003): the provider confirms a pending inbound order; the
shipment's goods move from transit into the warehouse.

Invariants:
- Only the provider the inbound order names receives it (its own warehouse).
- pending → received once (conditional update); the stock moves ``transit:<shipment>`` →
  ``wh:<warehouse>`` of exactly the shipment's lines happen in the same transaction.
- The warehouse's units held plus the incoming units never exceed its capacity
  (``lgs.over_capacity``; the warehouse row is locked while checking on PostgreSQL).

Events: lgs.inbound_received (LGS003; subject inbound order id).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import states
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics import stock
from sandbox.logistics.access import json_lines, provider_of, require_own
from sandbox.logistics.models import (
    RECEIVED,
    InboundOrder,
    ShipmentLine,
    transit_location,
    warehouse_location,
)
from sandbox.logistics.queries import InboundView, inbound_views
from sandbox.logistics.states import INBOUND_ORDER
from sandbox.logistics.warehouses import check_capacity
from sandbox.uow import UnitOfWork


def receive(uow: UnitOfWork, actor: Actor, inbound_id: int, request_id: str | None = None) -> InboundView:
    """LGS003: confirm inbound (确认入库): the pending inbound order becomes received and the
    supplier's stock in the warehouse increases by the shipment's quantities.

    Raises lgs.not_registered, lgs.inbound_not_found, lgs.not_yours (another provider's
    document), b2b.bad_transition (already received), b2b.state_changed, lgs.over_capacity,
    lgs.not_enough_stock (goods not in transit), request.duplicate.
    """
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.inbound_received" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(InboundOrder, int(done.subject or 0))
            assert earlier is not None
            return inbound_views(s, [earlier])[0]
        row = s.get(InboundOrder, inbound_id) if isinstance(inbound_id, int) else None
        if row is None or row.class_id != provider.class_id:
            raise DomainError("lgs.inbound_not_found")
        require_own(provider, row.provider_id)
        lines = {
            pid: int(qty) for pid, qty in s.execute(
                select(ShipmentLine.product_id, ShipmentLine.quantity).where(ShipmentLine.shipment_id == row.shipment_id)
            ).all()
        }
        states.check(INBOUND_ORDER, row.state, RECEIVED, "LGS003")
        check_capacity(s, row.warehouse_id, sum(lines.values()))
        before = row.state
        states.move(s, INBOUND_ORDER, InboundOrder, row.id, before, RECEIVED, "LGS003",
                    received_by=actor.user_id, received_at=utcnow())
        source, target = transit_location(row.shipment_id), warehouse_location(row.warehouse_id)
        for pid, qty in sorted(lines.items()):
            stock.move(s, class_id=row.class_id, owner_id=row.supplier_id, product_id=pid, quantity=qty,
                       from_location=source, to_location=target, doc_kind="inbound", doc_id=row.id,
                       actor_id=actor.user_id)
        events.record(
            s, "lgs.inbound_received", actor=actor, subject=str(row.id), task_code="LGS003", request_id=request_id,
            inbound_order_id=row.id, shipment_id=row.shipment_id, provider_id=provider.id,
            warehouse_id=row.warehouse_id, supplier_id=row.supplier_id, lines=json_lines(lines),
            from_state=before, to_state=RECEIVED,
        )
        return inbound_views(s, [row])[0]


def inbound_for_provider(session: Session, actor: Actor, *, state: str | None = None) -> list[InboundView]:
    """The actor's provider's inbound orders (optionally of one state: pending 未入库 / received
    已入库), newest first."""
    provider = provider_of(session, actor)
    query = select(InboundOrder).where(InboundOrder.provider_id == provider.id)
    if state:
        query = query.where(InboundOrder.state == state)
    rows = list(session.scalars(query.order_by(InboundOrder.created_at.desc(), InboundOrder.id.desc())))
    return inbound_views(session, rows)


def inbound_detail(session: Session, actor: Actor, inbound_id: int) -> InboundView:
    """One inbound order of the actor's provider (入库单明细). Raises lgs.inbound_not_found, lgs.not_yours."""
    provider = provider_of(session, actor)
    row = session.get(InboundOrder, inbound_id) if isinstance(inbound_id, int) else None
    if row is None or row.class_id != provider.class_id:
        raise DomainError("lgs.inbound_not_found")
    require_own(provider, row.provider_id)
    return inbound_views(session, [row])[0]
