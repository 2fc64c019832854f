"""Outbound processing (出库处理, LGS004): the provider confirms a pending outbound order (未出库);
the delivery order's goods leave the issuing warehouse and go on the road.

Invariants:
- Only the provider the outbound order names confirms it (its own warehouse).
- pending → dispatched (已出库) once (conditional update). In the same transaction each line of
  the delivery order's B2B order moves ``wh:<warehouse>`` → ``road:<delivery order id>`` with
  ``stock.move`` (doc_kind ``outbound``, doc_id the outbound order); if the supplier holds fewer
  units than a line needs there, ``lgs.not_enough_stock`` refuses it and nothing moves.

Events: lgs.outbound_issued (LGS004; subject outbound order id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import states
from sandbox.b2b.models import Member
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics import stock
from sandbox.logistics.access import json_lines, provider_of, require_own
from sandbox.logistics.models import (
    ISSUED,
    DeliveryOrder,
    OutboundOrder,
    Warehouse,
    road_location,
    warehouse_location,
)
from sandbox.logistics.queries import LineView, order_lines
from sandbox.logistics.states import OUTBOUND_ORDER
from sandbox.uow import UnitOfWork


@dataclass(frozen=True)
class OutboundView:
    id: int
    number: str
    state: str
    delivery_order_id: int
    delivery_number: str
    provider_id: int
    warehouse_id: int
    warehouse_code: str
    supplier_id: int
    supplier_name: str
    lines: tuple[LineView, ...]
    created_at: datetime
    issued_at: datetime | None

    @property
    def total_units(self) -> int:
        return sum(line.quantity for line in self.lines)


def outbound_views(session: Session, rows: list[OutboundOrder]) -> list[OutboundView]:
    """Views of outbound orders, their lines being their delivery orders' B2B order lines."""
    if not rows:
        return []
    deliveries = {
        d: (number, order_id) for d, number, order_id in session.execute(
            select(DeliveryOrder.id, DeliveryOrder.number, DeliveryOrder.order_id)
            .where(DeliveryOrder.id.in_([r.delivery_order_id for r in rows]))
        ).all()
    }
    lines = order_lines(session, [order_id for _n, order_id in deliveries.values()])
    codes = dict(session.execute(
        select(Warehouse.id, Warehouse.code).where(Warehouse.id.in_({r.warehouse_id for r in rows}))
    ).all())
    names = dict(session.execute(
        select(Member.id, Member.company_name).where(Member.id.in_({r.supplier_id for r in rows}))
    ).all())
    out = []
    for r in rows:
        number, order_id = deliveries.get(r.delivery_order_id, ("", 0))
        out.append(OutboundView(
            r.id, r.number, r.state, r.delivery_order_id, number, r.provider_id, r.warehouse_id,
            codes.get(r.warehouse_id, ""), r.supplier_id, names.get(r.supplier_id, ""), lines.get(order_id, ()),
            r.created_at, r.issued_at,
        ))
    return out


def outbound_needs(session: Session, delivery_order_id: int) -> dict[int, int]:
    """{product: units} of a delivery order (its B2B order's lines summed per product)."""
    order_id = session.scalar(select(DeliveryOrder.order_id).where(DeliveryOrder.id == delivery_order_id))
    needs: dict[int, int] = {}
    for line in order_lines(session, [order_id] if order_id is not None else []).get(order_id or 0, ()):
        needs[line.product_id] = needs.get(line.product_id, 0) + line.quantity
    return needs


def confirm_outbound(uow: UnitOfWork, actor: Actor, outbound_id: int, request_id: str | None = None) -> OutboundView:
    """LGS004: confirm outbound (确认出库): the pending outbound order becomes 已出库 and the
    supplier's stock in the issuing warehouse decreases by the order's quantities (on the road).

    Raises lgs.not_registered, lgs.outbound_not_found, lgs.not_yours (another provider's
    document), b2b.bad_transition (already issued), b2b.state_changed, lgs.not_enough_stock
    (nothing moved), request.duplicate.
    """
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.outbound_issued" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(OutboundOrder, int(done.subject or 0))
            assert earlier is not None
            return outbound_views(s, [earlier])[0]
        row = s.get(OutboundOrder, outbound_id) if isinstance(outbound_id, int) else None
        if row is None or row.class_id != provider.class_id:
            raise DomainError("lgs.outbound_not_found")
        require_own(provider, row.provider_id)
        states.check(OUTBOUND_ORDER, row.state, ISSUED, "LGS004")
        needs = outbound_needs(s, row.delivery_order_id)
        before = row.state
        states.move(s, OUTBOUND_ORDER, OutboundOrder, row.id, before, ISSUED, "LGS004",
                    issued_by=actor.user_id, issued_at=utcnow())
        source, target = warehouse_location(row.warehouse_id), road_location(row.delivery_order_id)
        moves = [
            stock.move(s, class_id=row.class_id, owner_id=row.supplier_id, product_id=pid, quantity=qty,
                       from_location=source, to_location=target, doc_kind="outbound", doc_id=row.id,
                       actor_id=actor.user_id).id
            for pid, qty in sorted(needs.items())
        ]
        events.record(
            s, "lgs.outbound_issued", actor=actor, subject=str(row.id), task_code="LGS004", request_id=request_id,
            outbound_order_id=row.id, delivery_order_id=row.delivery_order_id, provider_id=provider.id,
            warehouse_id=row.warehouse_id, supplier_id=row.supplier_id, lines=json_lines(needs), move_ids=moves,
            from_state=before, to_state=ISSUED,
        )
        s.refresh(row)
        return outbound_views(s, [row])[0]


def outbound_for_provider(session: Session, actor: Actor, *, state: str | None = None) -> list[OutboundView]:
    """The actor's provider's outbound orders (optionally of one state), newest first."""
    provider = provider_of(session, actor)
    query = select(OutboundOrder).where(OutboundOrder.provider_id == provider.id)
    if state:
        query = query.where(OutboundOrder.state == state)
    rows = list(session.scalars(query.order_by(OutboundOrder.created_at.desc(), OutboundOrder.id.desc())))
    return outbound_views(session, rows)


def outbound_detail(session: Session, actor: Actor, outbound_id: int) -> OutboundView:
    """One outbound order of the actor's provider (出库单明细). Raises lgs.outbound_not_found, lgs.not_yours."""
    provider = provider_of(session, actor)
    row = session.get(OutboundOrder, outbound_id) if isinstance(outbound_id, int) else None
    if row is None or row.class_id != provider.class_id:
        raise DomainError("lgs.outbound_not_found")
    require_own(provider, row.provider_id)
    return outbound_views(session, [row])[0]
