"""Delivery processing (配送处理, LGS002): the provider a delivery order is addressed to accepts
it (受理), picks the issuing warehouse, which generates the outbound order (出库单, 未出库), and
books its delivery fee — all in one transaction.

Invariants:
- Only the addressed provider accepts; awaiting_acceptance → accepted once (conditional update).
- The issuing warehouse is the provider's own: the one chosen, or by default its first
  warehouse (active ones first) holding the supplier's stock of every line of the order
  (``lgs.no_stock_warehouse`` if none does). LGS004 later issues from it.
- One outbound order (pending) and at most one fee per delivery order.

Events: lgs.delivery_accepted (LGS002; subject delivery order id; fee_id, amount_fen,
outbound_order_id, warehouse_id).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import states
from sandbox.b2b.access import new_number
from sandbox.b2b.models import OrderLine
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics import dispatch, fees, stock
from sandbox.logistics.access import provider_of, require_own
from sandbox.logistics.models import DO_ACCEPTED, PENDING, DeliveryOrder, OutboundOrder, Provider, Warehouse
from sandbox.logistics.queries import DeliveryOrderView, delivery_views
from sandbox.logistics.states import DELIVERY_ORDER, OUTBOUND_ORDER
from sandbox.uow import UnitOfWork


def _needs(session: Session, order_id: int) -> dict[int, int]:
    needs: dict[int, int] = {}
    for pid, qty in session.execute(
        select(OrderLine.product_id, OrderLine.quantity).where(OrderLine.order_id == order_id)
    ).all():
        needs[pid] = needs.get(pid, 0) + int(qty)
    return needs


def default_warehouse(session: Session, provider: Provider, supplier_id: int, needs: dict[int, int]) -> Warehouse | None:
    """The provider's first warehouse (active first, then by id) holding all of ``needs`` for the supplier."""
    rows = session.scalars(
        select(Warehouse).where(Warehouse.provider_id == provider.id).order_by(Warehouse.active.desc(), Warehouse.id)
    )
    for row in rows:
        if stock.held_in(session, supplier_id, row.id, needs):
            return row
    return None


def accept_delivery_order(
    uow: UnitOfWork,
    actor: Actor,
    delivery_order_id: int,
    *,
    warehouse_id: int | None = None,
    request_id: str | None = None,
) -> DeliveryOrderView:
    """LGS002: accept a delivery order (受理配送单 → 生成出库单): awaiting_acceptance → accepted, an
    outbound order (未出库) at the issuing warehouse, and the delivery fee booked.

    Raises lgs.not_registered, lgs.delivery_not_found, lgs.not_yours (addressed to another
    provider, or another provider's warehouse), lgs.warehouse_not_found, lgs.no_stock_warehouse,
    lgs.goods_not_in_warehouse (the chosen warehouse does not hold the order's goods),
    b2b.bad_transition (already accepted), b2b.state_changed, request.duplicate.
    """
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.delivery_accepted" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(DeliveryOrder, int(done.subject or 0))
            assert earlier is not None
            return delivery_views(s, [earlier])[0]
        row = s.get(DeliveryOrder, delivery_order_id) if isinstance(delivery_order_id, int) else None
        if row is None or row.class_id != provider.class_id:
            raise DomainError("lgs.delivery_not_found")
        require_own(provider, row.provider_id)
        states.check(DELIVERY_ORDER, row.state, DO_ACCEPTED, "LGS002")
        needs = _needs(s, row.order_id)
        if warehouse_id is not None:
            warehouse = s.get(Warehouse, warehouse_id) if isinstance(warehouse_id, int) else None
            if warehouse is None or warehouse.class_id != provider.class_id:
                raise DomainError("lgs.warehouse_not_found", field="lgs.warehouse")
            require_own(provider, warehouse.provider_id)
            if not stock.held_in(s, row.supplier_id, warehouse.id, needs):
                raise DomainError("lgs.goods_not_in_warehouse", field="lgs.warehouse", warehouse=warehouse.code)
        else:
            warehouse = default_warehouse(s, provider, row.supplier_id, needs)
            if warehouse is None:
                raise DomainError("lgs.no_stock_warehouse", field="lgs.warehouse")
        before = row.state
        now = utcnow()
        states.move(s, DELIVERY_ORDER, DeliveryOrder, row.id, before, DO_ACCEPTED, "LGS002",
                    warehouse_id=warehouse.id, accepted_by=actor.user_id, accepted_at=now)
        states.check(OUTBOUND_ORDER, None, PENDING, "LGS002")
        outbound = OutboundOrder(
            class_id=row.class_id, number=new_number("OB"), delivery_order_id=row.id, provider_id=provider.id,
            warehouse_id=warehouse.id, supplier_id=row.supplier_id, state=PENDING, created_at=now,
        )
        s.add(outbound)
        s.flush()
        units = sum(needs.values())
        dispatch.create_for(s, row, provider, units)
        fee = fees.book(s, row, provider, units)
        events.record(
            s, "lgs.delivery_accepted", actor=actor, subject=str(row.id), task_code="LGS002", request_id=request_id,
            delivery_order_id=row.id, order_id=row.order_id, provider_id=provider.id, supplier_id=row.supplier_id,
            warehouse_id=warehouse.id, outbound_order_id=outbound.id, units=units,
            fee_id=fee.id if fee is not None else None, amount_fen=fee.amount_fen if fee is not None else 0,
            from_state=before, to_state=DO_ACCEPTED,
        )
        return delivery_views(s, [row])[0]


def delivery_orders_for_provider(session: Session, actor: Actor, *, state: str | None = None) -> list[DeliveryOrderView]:
    """The delivery orders addressed to the actor's provider (optionally of one state), newest first."""
    provider = provider_of(session, actor)
    query = select(DeliveryOrder).where(DeliveryOrder.provider_id == provider.id)
    if state:
        query = query.where(DeliveryOrder.state == state)
    rows = list(session.scalars(query.order_by(DeliveryOrder.created_at.desc(), DeliveryOrder.id.desc())))
    return delivery_views(session, rows)


def delivery_order_for_provider(session: Session, actor: Actor, delivery_order_id: int) -> DeliveryOrderView:
    """One delivery order of the actor's provider (配送单明细). Raises lgs.delivery_not_found, lgs.not_yours."""
    provider = provider_of(session, actor)
    row = session.get(DeliveryOrder, delivery_order_id) if isinstance(delivery_order_id, int) else None
    if row is None or row.class_id != provider.class_id:
        raise DomainError("lgs.delivery_not_found")
    require_own(provider, row.provider_id)
    return delivery_views(session, [row])[0]
