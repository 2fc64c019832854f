"""Shipping (发货处理, B2B011): the supplier composes a shipment of its own products (新建发货单 →
选择发货商品) and confirms it (确认发货) to an approved logistics provider's warehouse, which
creates the inbound order (入库单, 未入库) the provider receives in LGS003.

Invariants:
- Only the supplier member of the actor's live B2B session acts; shipments hold only its own
  products, whole quantities 1..100000.
- The consignee (收货方) is a provider that approved this supplier (LGS022); the receiving
  warehouse (收货仓库) is one of that provider's active warehouses.
- draft → shipped once (conditional update); in the same transaction: one inbound order
  (None → pending) and, per line, a stock move supplier premises → ``transit:<shipment id>``.

Events: b2b.shipment_created (B2B011, draft), b2b.shipment_confirmed (B2B011; shipment_id,
inbound_order_id, provider_id, warehouse_id, lines); subject the shipment id.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import states
from sandbox.b2b.access import member_of, new_number, require_party
from sandbox.b2b.models import SUPPLIER, Member, Product
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics import stock
from sandbox.logistics.access import as_id, clean_lines, json_lines
from sandbox.logistics.applications import approved_providers_of, is_approved
from sandbox.logistics.models import (
    DRAFT,
    PENDING,
    SHIPPED,
    SUPPLIER_PREMISES,
    InboundOrder,
    Provider,
    Shipment,
    ShipmentLine,
    Warehouse,
    transit_location,
)
from sandbox.logistics.queries import ShipmentView, WarehouseView, shipment_views, warehouse_views
from sandbox.logistics.states import INBOUND_ORDER, SHIPMENT
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text


@dataclass(frozen=True)
class Consignee:
    """An approved provider the supplier may ship to, with its active warehouses."""

    provider_id: int
    name: str
    warehouses: tuple[WarehouseView, ...]


def own_products(session: Session, member: Member, product_ids: list[int]) -> dict[int, Product]:
    """The member's products among ``product_ids``; ``lgs.not_your_product`` for any other id."""
    found = {
        p.id: p for p in session.scalars(select(Product).where(Product.id.in_(product_ids)))
    } if product_ids else {}
    for pid in product_ids:
        product = found.get(pid)
        if product is None or product.supplier_id != member.id:
            raise DomainError("lgs.not_your_product", field="lgs.lines", product_id=pid)
    return found


def _view(session: Session, row: Shipment) -> ShipmentView:
    return shipment_views(session, [row])[0]


def _replay(session: Session, actor: Actor, request_id: str | None, kind: str) -> ShipmentView | None:
    done = events.replayed(session, request_id)
    if done is None:
        return None
    if done.kind != kind or done.actor_id != actor.user_id:
        raise DomainError("request.duplicate")
    earlier = session.get(Shipment, int(done.subject or 0))
    assert earlier is not None
    return _view(session, earlier)


def new_shipment(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    *,
    lines: dict[int, int],
    note: str = "",
    request_id: str | None = None,
) -> ShipmentView:
    """B2B011 steps 1–3: a new shipment (新建发货单) of the supplier's chosen goods, in draft.

    Raises lgs.no_lines, lgs.too_many_lines, lgs.bad_id, lgs.bad_quantity, input.* (lgs.note),
    b2b.login_required, b2b.wrong_member_type, lgs.not_your_product, request.duplicate.
    """
    goods = clean_lines(lines)
    text = clean_text(note, "lgs.note", max_len=500, required=False, multiline=True)
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        earlier = _replay(s, actor, request_id, "b2b.shipment_created")
        if earlier is not None:
            return earlier
        own_products(s, member, sorted(goods))
        states.check(SHIPMENT, None, DRAFT, "B2B011")
        row = Shipment(class_id=member.class_id, number=new_number("SH"), supplier_id=member.id, state=DRAFT,
                       note=text, created_by=actor.user_id, created_at=utcnow())
        s.add(row)
        s.flush()
        for pid, qty in sorted(goods.items()):
            s.add(ShipmentLine(shipment_id=row.id, product_id=pid, quantity=qty))
        s.flush()
        events.record(
            s, "b2b.shipment_created", actor=actor, subject=str(row.id), task_code="B2B011", request_id=request_id,
            shipment_id=row.id, number=row.number, member_id=member.id, lines=json_lines(goods), from_state=None,
            to_state=DRAFT,
        )
        return _view(s, row)


def confirm_shipment(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    shipment_id: int,
    *,
    provider_id: int,
    warehouse_id: int,
    request_id: str | None = None,
) -> ShipmentView:
    """B2B011 step 4: choose the consignee and receiving warehouse and confirm the shipment
    (确认发货): draft → shipped, an inbound order (未入库) at that warehouse, goods in transit.

    Raises input.required / lgs.bad_id (lgs.provider, lgs.warehouse), b2b.login_required,
    b2b.wrong_member_type, lgs.shipment_not_found, b2b.not_yours, b2b.bad_transition (already
    shipped), b2b.state_changed, lgs.provider_not_found, lgs.provider_not_approved,
    lgs.warehouse_not_found, lgs.warehouse_not_of_provider, lgs.warehouse_inactive,
    request.duplicate.
    """
    pid = as_id(provider_id, "lgs.provider")
    wid = as_id(warehouse_id, "lgs.warehouse")
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        earlier = _replay(s, actor, request_id, "b2b.shipment_confirmed")
        if earlier is not None:
            return earlier
        row = s.get(Shipment, shipment_id) if isinstance(shipment_id, int) else None
        if row is None or row.class_id != member.class_id:
            raise DomainError("lgs.shipment_not_found")
        require_party(member, row.supplier_id)
        states.check(SHIPMENT, row.state, SHIPPED, "B2B011")
        provider = s.get(Provider, pid)
        if provider is None or provider.class_id != member.class_id:
            raise DomainError("lgs.provider_not_found", field="lgs.provider")
        if not is_approved(s, provider.id, member.id):
            raise DomainError("lgs.provider_not_approved", field="lgs.provider", provider=provider.name)
        warehouse = s.get(Warehouse, wid)
        if warehouse is None or warehouse.class_id != member.class_id:
            raise DomainError("lgs.warehouse_not_found", field="lgs.warehouse")
        if warehouse.provider_id != provider.id:
            raise DomainError("lgs.warehouse_not_of_provider", field="lgs.warehouse", provider=provider.name)
        if not warehouse.active:
            raise DomainError("lgs.warehouse_inactive", field="lgs.warehouse", warehouse=warehouse.code)
        goods = {
            p: int(q) for p, q in s.execute(
                select(ShipmentLine.product_id, ShipmentLine.quantity).where(ShipmentLine.shipment_id == row.id)
            ).all()
        }
        if not goods:
            raise DomainError("lgs.no_lines", field="lgs.lines")
        now = utcnow()
        states.move(s, SHIPMENT, Shipment, row.id, row.state, SHIPPED, "B2B011", provider_id=provider.id,
                    warehouse_id=warehouse.id, shipped_by=actor.user_id, shipped_at=now)
        states.check(INBOUND_ORDER, None, PENDING, "B2B011")
        inbound = InboundOrder(
            class_id=member.class_id, number=new_number("IN"), shipment_id=row.id, provider_id=provider.id,
            warehouse_id=warehouse.id, supplier_id=member.id, state=PENDING, created_at=now,
        )
        s.add(inbound)
        s.flush()
        for product_id, qty in sorted(goods.items()):
            stock.move(s, class_id=member.class_id, owner_id=member.id, product_id=product_id, quantity=qty,
                       from_location=SUPPLIER_PREMISES, to_location=transit_location(row.id), doc_kind="shipment",
                       doc_id=row.id, actor_id=actor.user_id)
        events.record(
            s, "b2b.shipment_confirmed", actor=actor, subject=str(row.id), task_code="B2B011", request_id=request_id,
            shipment_id=row.id, number=row.number, member_id=member.id, inbound_order_id=inbound.id,
            provider_id=provider.id, warehouse_id=warehouse.id, lines=json_lines(goods), from_state=DRAFT,
            to_state=SHIPPED,
        )
        return _view(s, row)


def shipments_for(session: Session, actor: Actor, token: str | None) -> list[ShipmentView]:
    """The logged-in supplier's shipments, newest first."""
    member = member_of(session, actor, token, SUPPLIER)
    rows = list(session.scalars(select(Shipment).where(Shipment.supplier_id == member.id)
                                .order_by(Shipment.created_at.desc(), Shipment.id.desc())))
    return shipment_views(session, rows)


def shipment_detail(session: Session, actor: Actor, token: str | None, shipment_id: int) -> ShipmentView:
    """One of the supplier's shipments. Raises lgs.shipment_not_found, b2b.not_yours."""
    member = member_of(session, actor, token, SUPPLIER)
    row = session.get(Shipment, shipment_id) if isinstance(shipment_id, int) else None
    if row is None or row.class_id != member.class_id:
        raise DomainError("lgs.shipment_not_found")
    require_party(member, row.supplier_id)
    return _view(session, row)


def consignees(session: Session, actor: Actor, token: str | None) -> list[Consignee]:
    """The providers that approved the logged-in supplier, with their active warehouses (收货方
    and 收货仓库 choices of B2B011 step 4)."""
    member = member_of(session, actor, token, SUPPLIER)
    out = []
    for provider in approved_providers_of(session, member.id):
        rows = list(session.scalars(select(Warehouse).where(Warehouse.provider_id == provider.id,
                                                           Warehouse.active.is_(True)).order_by(Warehouse.code)))
        out.append(Consignee(provider.id, provider.name, tuple(warehouse_views(session, rows))))
    return out
