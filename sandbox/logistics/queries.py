"""Read models of the logistics documents: frozen views (pages never see ORM rows) and the
builders that load them in a few queries (lines are fetched in one query per list).

Nothing here writes; permission checks are the caller's (services and list functions of
providers.py, inbound.py, transfers.py, delivery.py and sandbox.b2b.shipping/transfers).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.b2b.models import Member, Order, OrderLine, Product
from sandbox.logistics.models import (
    DeliveryFee,
    DeliveryOrder,
    InboundOrder,
    OutboundOrder,
    Provider,
    ServiceApplication,
    Shipment,
    ShipmentLine,
    StockLevel,
    TransferLine,
    TransferOrder,
    Warehouse,
)


@dataclass(frozen=True)
class LineView:
    product_id: int
    sku: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    quantity: int


@dataclass(frozen=True)
class ProviderView:
    """A logistics provider as suppliers browse it (LGS021) and its owner sees it."""

    id: int
    name: str
    contact_name: str
    phone: str
    email: str | None
    address: str
    licence_number: str | None
    service_terms: str
    fee_base_fen: int
    fee_per_unit_fen: int
    warehouses: int
    owner_id: int
    created_at: datetime


@dataclass(frozen=True)
class WarehouseView:
    id: int
    provider_id: int
    code: str
    name: str
    address: str
    capacity: int
    active: bool
    units_held: int
    created_at: datetime
    updated_at: datetime | None

    @property
    def free(self) -> int:
        return max(0, self.capacity - self.units_held)


@dataclass(frozen=True)
class ApplicationView:
    id: int
    provider_id: int
    provider_name: str
    supplier_id: int
    supplier_name: str
    state: str
    certificate_id: int | None
    terms_accepted: bool
    note: str
    applied_at: datetime
    decided_at: datetime | None


@dataclass(frozen=True)
class LevelView:
    owner_id: int
    owner_name: str
    product_id: int
    sku: str
    name_zh: str
    name_en: str
    location: str
    warehouse_id: int | None
    quantity: int


@dataclass(frozen=True)
class ShipmentView:
    id: int
    number: str
    state: str
    supplier_id: int
    provider_id: int | None
    provider_name: str | None
    warehouse_id: int | None
    warehouse_code: str | None
    note: str
    lines: tuple[LineView, ...]
    created_at: datetime
    shipped_at: datetime | None
    inbound_order_id: int | None
    inbound_state: str | None

    @property
    def total_units(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class InboundView:
    id: int
    number: str
    state: str
    shipment_id: int
    shipment_number: str
    provider_id: int
    warehouse_id: int
    warehouse_code: str
    supplier_id: int
    supplier_name: str
    lines: tuple[LineView, ...]
    created_at: datetime
    received_at: datetime | None

    @property
    def total_units(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class TransferSummary:
    """One row of a transfer-order list (B2B015, LGS005's list)."""

    id: int
    number: str
    state: str
    supplier_id: int
    supplier_name: str
    provider_id: int
    from_warehouse_id: int
    from_code: str
    to_warehouse_id: int
    to_code: str
    line_count: int
    total_units: int
    created_at: datetime
    confirmed_at: datetime | None


@dataclass(frozen=True)
class TransferDetail(TransferSummary):
    """A transfer order with its lines (B2B014, LGS005's detail page)."""

    provider_name: str
    note: str
    lines: tuple[LineView, ...]


@dataclass(frozen=True)
class DeliveryOrderView:
    id: int
    number: str
    state: str
    order_id: int
    order_number: str
    supplier_id: int
    supplier_name: str
    provider_id: int
    warehouse_id: int | None
    warehouse_code: str | None
    consignee_name: str
    consignee_address: str
    delivery_date: datetime | None
    lines: tuple[LineView, ...]
    created_at: datetime
    accepted_at: datetime | None
    outbound_order_id: int | None
    outbound_state: str | None
    fee_id: int | None
    fee_fen: int | None

    @property
    def total_units(self) -> int:
        return sum(line.quantity for line in self.lines)


@dataclass(frozen=True)
class FeeView:
    id: int
    delivery_order_id: int
    delivery_number: str
    provider_id: int
    provider_name: str
    supplier_id: int
    supplier_name: str
    amount_fen: int
    basis: str
    state: str
    booked_at: datetime
    paid_at: datetime | None


# ----------------------------------------------------------------------------- helpers


def _names(session: Session, model: Any, ids: Iterable[int | None], column: Any) -> dict[int, Any]:
    wanted = sorted({i for i in ids if i is not None})
    if not wanted:
        return {}
    return dict(session.execute(select(model.id, column).where(model.id.in_(wanted))).all())


def _product_lines(session: Session, line_model: Any, parent_column: Any, parent_ids: Sequence[int]) -> dict[int, tuple[LineView, ...]]:
    """Lines of several documents (ShipmentLine/TransferLine) in one query, in line order."""
    if not parent_ids:
        return {}
    rows = session.execute(
        select(parent_column, line_model.product_id, Product.sku, Product.name_zh, Product.name_en, Product.unit_zh,
               Product.unit_en, line_model.quantity)
        .join(Product, Product.id == line_model.product_id)
        .where(parent_column.in_(list(parent_ids)))
        .order_by(parent_column, line_model.id)
    ).all()
    out: dict[int, list[LineView]] = {}
    for parent, pid, sku, zh, en, uzh, uen, qty in rows:
        out.setdefault(parent, []).append(LineView(pid, sku, zh, en, uzh, uen, int(qty)))
    return {k: tuple(v) for k, v in out.items()}


def order_lines(session: Session, order_ids: Sequence[int]) -> dict[int, tuple[LineView, ...]]:
    """The B2B order lines (a delivery order's goods) of several orders, by order id."""
    if not order_ids:
        return {}
    rows = session.execute(
        select(OrderLine.order_id, OrderLine.product_id, OrderLine.sku, OrderLine.name_zh, OrderLine.name_en,
               Product.unit_zh, Product.unit_en, OrderLine.quantity)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id.in_(list(order_ids)))
        .order_by(OrderLine.order_id, OrderLine.id)
    ).all()
    out: dict[int, list[LineView]] = {}
    for parent, pid, sku, zh, en, uzh, uen, qty in rows:
        out.setdefault(parent, []).append(LineView(pid, sku, zh, en, uzh, uen, int(qty)))
    return {k: tuple(v) for k, v in out.items()}


def units_held(session: Session, warehouse_ids: Sequence[int]) -> dict[int, int]:
    """Units of all owners held in each warehouse."""
    if not warehouse_ids:
        return {}
    rows = session.execute(
        select(StockLevel.warehouse_id, func.coalesce(func.sum(StockLevel.quantity), 0))
        .where(StockLevel.warehouse_id.in_(list(warehouse_ids)))
        .group_by(StockLevel.warehouse_id)
    ).all()
    return {int(w): int(q) for w, q in rows}


def location_label(session: Session, location: str) -> str:
    """A location for messages: ``wh:7`` -> the warehouse code (``WH01``), others as they are."""
    if location.startswith("wh:") and location[3:].isdigit():
        code = session.scalar(select(Warehouse.code).where(Warehouse.id == int(location[3:])))
        if code:
            return str(code)
    return location


# ----------------------------------------------------------------------------- builders


def provider_views(session: Session, rows: Sequence[Provider]) -> list[ProviderView]:
    ids = [p.id for p in rows]
    counts = dict(session.execute(
        select(Warehouse.provider_id, func.count()).where(Warehouse.provider_id.in_(ids)).group_by(Warehouse.provider_id)
    ).all()) if ids else {}
    return [
        ProviderView(p.id, p.name, p.contact_name, p.phone, p.email, p.address, p.licence_number, p.service_terms,
                     int(p.fee_base_fen), int(p.fee_per_unit_fen), int(counts.get(p.id, 0)), p.owner_id, p.created_at)
        for p in rows
    ]


def warehouse_views(session: Session, rows: Sequence[Warehouse]) -> list[WarehouseView]:
    held = units_held(session, [w.id for w in rows])
    return [
        WarehouseView(w.id, w.provider_id, w.code, w.name, w.address, w.capacity, bool(w.active), held.get(w.id, 0),
                      w.created_at, w.updated_at)
        for w in rows
    ]


def application_views(session: Session, rows: Sequence[ServiceApplication]) -> list[ApplicationView]:
    providers = _names(session, Provider, [a.provider_id for a in rows], Provider.name)
    suppliers = _names(session, Member, [a.supplier_id for a in rows], Member.company_name)
    return [
        ApplicationView(a.id, a.provider_id, providers.get(a.provider_id, ""), a.supplier_id,
                        suppliers.get(a.supplier_id, ""), a.state, a.certificate_id, bool(a.terms_accepted), a.note,
                        a.applied_at, a.decided_at)
        for a in rows
    ]


def shipment_views(session: Session, rows: Sequence[Shipment]) -> list[ShipmentView]:
    ids = [r.id for r in rows]
    lines = _product_lines(session, ShipmentLine, ShipmentLine.shipment_id, ids)
    providers = _names(session, Provider, [r.provider_id for r in rows], Provider.name)
    codes = _names(session, Warehouse, [r.warehouse_id for r in rows], Warehouse.code)
    inbound = {
        sid: (iid, state) for sid, iid, state in session.execute(
            select(InboundOrder.shipment_id, InboundOrder.id, InboundOrder.state).where(InboundOrder.shipment_id.in_(ids))
        ).all()
    } if ids else {}
    return [
        ShipmentView(
            r.id, r.number, r.state, r.supplier_id, r.provider_id, providers.get(r.provider_id or 0),
            r.warehouse_id, codes.get(r.warehouse_id or 0), r.note, lines.get(r.id, ()), r.created_at, r.shipped_at,
            inbound.get(r.id, (None, None))[0], inbound.get(r.id, (None, None))[1],
        )
        for r in rows
    ]


def inbound_views(session: Session, rows: Sequence[InboundOrder]) -> list[InboundView]:
    shipment_ids = [r.shipment_id for r in rows]
    lines = _product_lines(session, ShipmentLine, ShipmentLine.shipment_id, shipment_ids)
    numbers = _names(session, Shipment, shipment_ids, Shipment.number)
    codes = _names(session, Warehouse, [r.warehouse_id for r in rows], Warehouse.code)
    suppliers = _names(session, Member, [r.supplier_id for r in rows], Member.company_name)
    return [
        InboundView(r.id, r.number, r.state, r.shipment_id, numbers.get(r.shipment_id, ""), r.provider_id,
                    r.warehouse_id, codes.get(r.warehouse_id, ""), r.supplier_id, suppliers.get(r.supplier_id, ""),
                    lines.get(r.shipment_id, ()), r.created_at, r.received_at)
        for r in rows
    ]


def _transfer_parts(session: Session, rows: Sequence[TransferOrder]) -> tuple[dict[int, tuple[LineView, ...]], dict[int, Any], dict[int, Any]]:
    lines = _product_lines(session, TransferLine, TransferLine.transfer_id, [r.id for r in rows])
    codes = _names(session, Warehouse, [w for r in rows for w in (r.from_warehouse_id, r.to_warehouse_id)], Warehouse.code)
    suppliers = _names(session, Member, [r.supplier_id for r in rows], Member.company_name)
    return lines, codes, suppliers


def transfer_summaries(session: Session, rows: Sequence[TransferOrder]) -> list[TransferSummary]:
    lines, codes, suppliers = _transfer_parts(session, rows)
    return [
        TransferSummary(
            r.id, r.number, r.state, r.supplier_id, suppliers.get(r.supplier_id, ""), r.provider_id,
            r.from_warehouse_id, codes.get(r.from_warehouse_id, ""), r.to_warehouse_id, codes.get(r.to_warehouse_id, ""),
            len(lines.get(r.id, ())), sum(x.quantity for x in lines.get(r.id, ())), r.created_at, r.confirmed_at,
        )
        for r in rows
    ]


def transfer_detail(session: Session, row: TransferOrder) -> TransferDetail:
    lines, codes, suppliers = _transfer_parts(session, [row])
    mine = lines.get(row.id, ())
    provider_name = session.scalar(select(Provider.name).where(Provider.id == row.provider_id)) or ""
    return TransferDetail(
        row.id, row.number, row.state, row.supplier_id, suppliers.get(row.supplier_id, ""), row.provider_id,
        row.from_warehouse_id, codes.get(row.from_warehouse_id, ""), row.to_warehouse_id,
        codes.get(row.to_warehouse_id, ""), len(mine), sum(x.quantity for x in mine), row.created_at,
        row.confirmed_at, provider_name, row.note, mine,
    )


def delivery_views(session: Session, rows: Sequence[DeliveryOrder]) -> list[DeliveryOrderView]:
    ids = [r.id for r in rows]
    order_ids = [r.order_id for r in rows]
    lines = order_lines(session, order_ids)
    numbers = _names(session, Order, order_ids, Order.number)
    suppliers = _names(session, Member, [r.supplier_id for r in rows], Member.company_name)
    codes = _names(session, Warehouse, [r.warehouse_id for r in rows], Warehouse.code)
    outbound = {
        d: (o, s) for d, o, s in session.execute(
            select(OutboundOrder.delivery_order_id, OutboundOrder.id, OutboundOrder.state)
            .where(OutboundOrder.delivery_order_id.in_(ids))
        ).all()
    } if ids else {}
    fees = {
        d: (f, a) for d, f, a in session.execute(
            select(DeliveryFee.delivery_order_id, DeliveryFee.id, DeliveryFee.amount_fen)
            .where(DeliveryFee.delivery_order_id.in_(ids))
        ).all()
    } if ids else {}
    return [
        DeliveryOrderView(
            r.id, r.number, r.state, r.order_id, numbers.get(r.order_id, ""), r.supplier_id,
            suppliers.get(r.supplier_id, ""), r.provider_id, r.warehouse_id, codes.get(r.warehouse_id or 0),
            r.consignee_name, r.consignee_address, r.delivery_date, lines.get(r.order_id, ()), r.created_at,
            r.accepted_at, outbound.get(r.id, (None, None))[0], outbound.get(r.id, (None, None))[1],
            fees.get(r.id, (None, None))[0], (int(fees[r.id][1]) if r.id in fees else None),
        )
        for r in rows
    ]


def fee_views(session: Session, rows: Sequence[DeliveryFee]) -> list[FeeView]:
    numbers = _names(session, DeliveryOrder, [r.delivery_order_id for r in rows], DeliveryOrder.number)
    providers = _names(session, Provider, [r.provider_id for r in rows], Provider.name)
    suppliers = _names(session, Member, [r.supplier_id for r in rows], Member.company_name)
    return [
        FeeView(r.id, r.delivery_order_id, numbers.get(r.delivery_order_id, ""), r.provider_id,
                providers.get(r.provider_id, ""), r.supplier_id, suppliers.get(r.supplier_id, ""), int(r.amount_fen),
                r.basis, r.state, r.booked_at, r.paid_at)
        for r in rows
    ]


def json_date(value: date | None) -> str | None:
    return value.isoformat() if value is not None else None
