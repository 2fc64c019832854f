"""The provider's graded queries: stock (LGS006), vehicle transport records (LGS011), delivery
orders (LGS014), inbound orders (LGS015), outbound orders (LGS016), transfer orders (LGS017) and
receivable details per supplier (LGS018).

Invariants:
- Each query sees only the actor's own provider's documents, warehouses and vehicles.
- Filters are parsed before the transaction (``lgs.bad_state``, ``lgs.bad_id``, ``lgs.bad_date``,
  ``lgs.bad_date_range``, ``input.*``). A date is a China-time day (UTC+8, ``sandbox.clock``), as
  every page shows times.
- Each query runs in one ``uow.write()`` that reads and records one ``lgs.query`` event (task
  code, ``screen``, ``filters``, ``returned_ids`` of the rows returned, ``returned_count``) —
  grading reads these events. At most ``MAX_ROWS`` rows are returned.

Screens → tasks and returned ids: stock LGS006 (stock level ids; also ``lines`` [warehouse,
owner, product, quantity]), transport LGS011 (dispatch order ids; ``vehicle_ids``), delivery
LGS014 (delivery order ids), inbound LGS015 (inbound order ids), outbound LGS016 (outbound order
ids), transfer LGS017 (transfer order ids), receivables LGS018 (fee ids; ``delivery_order_ids``).

Chart reads (plain reads, not logged, no task): :func:`stock_history` (stock per warehouse over
time, from the append-only stock moves in one query) and :func:`vehicle_utilisation` (trips,
units carried and share of capacity used per vehicle, one grouped query).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import and_, func, or_, select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b.models import Member, Product
from sandbox.clock import day_start
from sandbox.errors import DomainError
from sandbox.logistics import models as m
from sandbox.logistics.access import as_id, provider_of
from sandbox.logistics.dispatch import DispatchView, dispatch_views
from sandbox.logistics.models import (
    DeliveryFee,
    DeliveryOrder,
    DispatchOrder,
    InboundOrder,
    OutboundOrder,
    Provider,
    StockLevel,
    StockMove,
    TransferOrder,
    Vehicle,
    Warehouse,
    warehouse_location,
)
from sandbox.logistics.outbound import OutboundView, outbound_views
from sandbox.logistics.queries import (
    DeliveryOrderView,
    FeeView,
    InboundView,
    LevelView,
    TransferSummary,
    delivery_views,
    fee_views,
    inbound_views,
    transfer_summaries,
)
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

MAX_ROWS = 500

SCREENS: dict[str, str] = {
    "stock": "LGS006",
    "transport": "LGS011",
    "delivery": "LGS014",
    "inbound": "LGS015",
    "outbound": "LGS016",
    "transfer": "LGS017",
    "receivables": "LGS018",
}

STATES: dict[str, tuple[str, ...]] = {
    "delivery": (m.AWAITING, m.DO_ACCEPTED, m.VEHICLE_ALLOCATED, m.DISPATCHED, m.DO_DELIVERED),
    "inbound": (m.PENDING, m.RECEIVED),
    "outbound": (m.PENDING, m.ISSUED),
    "transfer": (m.TRANSFER_CREATED, m.TRANSFER_CONFIRMED),
    "receivables": (m.FEE_OPEN, m.FEE_PAID),
    "transport": (m.DISPATCH_CONFIRMED, m.DISPATCH_COMPLETED),
}


@dataclass(frozen=True)
class StockLine(LevelView):
    """One stock level in the provider's warehouses (LGS006)."""

    level_id: int
    warehouse_code: str


@dataclass(frozen=True)
class SupplierReceivable:
    """A supplier's delivery fees owed to the provider (应收款一览, plain read)."""

    supplier_id: int
    supplier_name: str
    open_fen: int
    open_count: int
    paid_fen: int
    paid_count: int


# ----------------------------------------------------------------------------- filters


def _state(screen: str, value: object) -> str | None:
    if value is None or value == "":
        return None
    if value not in STATES[screen]:
        raise DomainError("lgs.bad_state", field="lgs.state")
    return str(value)


def _optional_id(value: object, field: str) -> int | None:
    return None if value is None or value == "" else as_id(value, field)


def _number(value: object) -> str | None:
    text = clean_text(value, "lgs.number", max_len=24, required=False, fold=True)
    return text.upper() or None


def _date(value: object, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError("lgs.bad_date", field=field) from None


def _dates(date_from: object, date_to: object) -> tuple[date | None, date | None]:
    start, end = _date(date_from, "lgs.date_from"), _date(date_to, "lgs.date_to")
    if start is not None and end is not None and start > end:
        raise DomainError("lgs.bad_date_range", field="lgs.date_from")
    return start, end


def _log(session: Session, actor: Actor, provider: Provider, screen: str, ids: list[int], filters: dict[str, Any],
         **extra: Any) -> None:
    events.record(
        session, "lgs.query", actor=actor, subject=screen, task_code=SCREENS[screen], screen=screen,
        provider_id=provider.id, filters=filters, returned_ids=ids[:MAX_ROWS], returned_count=len(ids), **extra,
    )


# ----------------------------------------------------------------------------- LGS006


def query_stock(
    uow: UnitOfWork, actor: Actor, *, warehouse_id: object = None, owner_id: object = None, product_id: object = None,
) -> list[StockLine]:
    """LGS006: query stock (查询库存): the non-zero stock levels in the provider's warehouses,
    optionally of one warehouse, owner or product; logged.

    Raises lgs.bad_id, lgs.not_registered.
    """
    filters = {"warehouse_id": _optional_id(warehouse_id, "lgs.warehouse"),
               "owner_id": _optional_id(owner_id, "lgs.owner"),
               "product_id": _optional_id(product_id, "lgs.product")}
    with uow.write() as s:
        provider = provider_of(s, actor)
        query = (
            select(StockLevel.id, StockLevel.owner_id, Member.company_name, StockLevel.product_id, Product.sku,
                   Product.name_zh, Product.name_en, StockLevel.location, StockLevel.warehouse_id,
                   StockLevel.quantity, Warehouse.code)
            .join(Warehouse, Warehouse.id == StockLevel.warehouse_id)
            .join(Product, Product.id == StockLevel.product_id)
            .join(Member, Member.id == StockLevel.owner_id)
            .where(Warehouse.provider_id == provider.id, StockLevel.quantity > 0)
        )
        if filters["warehouse_id"] is not None:
            query = query.where(StockLevel.warehouse_id == filters["warehouse_id"])
        if filters["owner_id"] is not None:
            query = query.where(StockLevel.owner_id == filters["owner_id"])
        if filters["product_id"] is not None:
            query = query.where(StockLevel.product_id == filters["product_id"])
        rows = s.execute(query.order_by(Warehouse.code, Product.sku, StockLevel.owner_id).limit(MAX_ROWS)).all()
        out = [StockLine(o, name, p, sku, zh, en, loc, wh, int(q), lid, code)
               for lid, o, name, p, sku, zh, en, loc, wh, q, code in rows]
        _log(s, actor, provider, "stock", [x.level_id for x in out], filters,
             lines=[[x.warehouse_id, x.owner_id, x.product_id, x.quantity] for x in out[:MAX_ROWS]])
        return out


# ----------------------------------------------------------------------------- LGS011


def transport_records(
    uow: UnitOfWork, actor: Actor, *, vehicle_id: object = None, state: object = None, date_from: object = None,
    date_to: object = None,
) -> list[DispatchView]:
    """LGS011: query vehicle transport records (车辆运营状况): the provider's confirmed or completed
    dispatch orders, optionally of one vehicle, state or dispatch date range; logged.

    Raises lgs.bad_id, lgs.bad_state, lgs.bad_date, lgs.bad_date_range, lgs.not_registered.
    """
    vehicle = _optional_id(vehicle_id, "lgs.vehicle")
    wanted = _state("transport", state)
    start, end = _dates(date_from, date_to)
    filters = {"vehicle_id": vehicle, "state": wanted, "date_from": start.isoformat() if start else None,
               "date_to": end.isoformat() if end else None}
    with uow.write() as s:
        provider = provider_of(s, actor)
        query = (
            select(DispatchOrder)
            .join(Vehicle, Vehicle.id == DispatchOrder.vehicle_id)
            .where(Vehicle.provider_id == provider.id, DispatchOrder.provider_id == provider.id,
                   DispatchOrder.confirmed_at.is_not(None))
        )
        if vehicle is not None:
            query = query.where(DispatchOrder.vehicle_id == vehicle)
        if wanted is not None:
            query = query.where(DispatchOrder.state == wanted)
        if start is not None:
            query = query.where(DispatchOrder.confirmed_at >= day_start(start))
        if end is not None:
            query = query.where(DispatchOrder.confirmed_at < day_start(end + timedelta(days=1)))
        rows = list(s.scalars(query.order_by(DispatchOrder.confirmed_at.desc(), DispatchOrder.id.desc())
                              .limit(MAX_ROWS)))
        out = dispatch_views(s, rows)
        _log(s, actor, provider, "transport", [r.id for r in out], filters,
             vehicle_ids=sorted({r.vehicle_id for r in out if r.vehicle_id is not None}))
        return out


# ----------------------------------------------------------------------------- LGS014 – LGS017


def _documents(session: Session, model: Any, provider: Any, filters: dict[str, Any], extra: Any = None) -> list[Any]:
    """The provider's documents of ``model`` matching the state / number filters (and ``extra``),
    newest first, at most MAX_ROWS."""
    query = select(model).where(model.provider_id == provider.id)
    if filters["state"]:
        query = query.where(model.state == filters["state"])
    if filters["number"]:
        query = query.where(model.number.contains(filters["number"], autoescape=True))
    if extra is not None:
        query = query.where(extra)
    return list(session.scalars(query.order_by(model.created_at.desc(), model.id.desc()).limit(MAX_ROWS)))


def query_delivery_orders(
    uow: UnitOfWork, actor: Actor, *, state: object = None, number: object = None, supplier_id: object = None,
) -> list[DeliveryOrderView]:
    """LGS014: query delivery orders (配送单查询) addressed to the provider; logged.

    Raises lgs.bad_state, lgs.bad_id, input.too_long, input.bad_chars, lgs.not_registered.
    """
    filters = {"state": _state("delivery", state), "number": _number(number),
               "supplier_id": _optional_id(supplier_id, "lgs.supplier")}
    with uow.write() as s:
        provider = provider_of(s, actor)
        rows = _documents(s, DeliveryOrder, provider, filters, None if filters["supplier_id"] is None
                          else DeliveryOrder.supplier_id == filters["supplier_id"])
        out = delivery_views(s, rows)
        _log(s, actor, provider, "delivery", [r.id for r in out], filters)
        return out


def query_inbound_orders(
    uow: UnitOfWork, actor: Actor, *, state: object = None, number: object = None, warehouse_id: object = None,
) -> list[InboundView]:
    """LGS015: query inbound orders (入库单查询) at the provider's warehouses; logged.

    Raises lgs.bad_state, lgs.bad_id, input.too_long, input.bad_chars, lgs.not_registered.
    """
    filters = {"state": _state("inbound", state), "number": _number(number),
               "warehouse_id": _optional_id(warehouse_id, "lgs.warehouse")}
    with uow.write() as s:
        provider = provider_of(s, actor)
        rows = _documents(s, InboundOrder, provider, filters, None if filters["warehouse_id"] is None
                          else InboundOrder.warehouse_id == filters["warehouse_id"])
        out = inbound_views(s, rows)
        _log(s, actor, provider, "inbound", [r.id for r in out], filters)
        return out


def query_outbound_orders(
    uow: UnitOfWork, actor: Actor, *, state: object = None, number: object = None, warehouse_id: object = None,
) -> list[OutboundView]:
    """LGS016: query outbound orders (出库单查询) of the provider; logged.

    Raises lgs.bad_state, lgs.bad_id, input.too_long, input.bad_chars, lgs.not_registered.
    """
    filters = {"state": _state("outbound", state), "number": _number(number),
               "warehouse_id": _optional_id(warehouse_id, "lgs.warehouse")}
    with uow.write() as s:
        provider = provider_of(s, actor)
        rows = _documents(s, OutboundOrder, provider, filters, None if filters["warehouse_id"] is None
                          else OutboundOrder.warehouse_id == filters["warehouse_id"])
        out = outbound_views(s, rows)
        _log(s, actor, provider, "outbound", [r.id for r in out], filters)
        return out


def query_transfer_orders(
    uow: UnitOfWork, actor: Actor, *, state: object = None, number: object = None, warehouse_id: object = None,
) -> list[TransferSummary]:
    """LGS017: query transfer orders (调拨单查询) involving the provider's warehouses; logged.

    Raises lgs.bad_state, lgs.bad_id, input.too_long, input.bad_chars, lgs.not_registered.
    """
    filters = {"state": _state("transfer", state), "number": _number(number),
               "warehouse_id": _optional_id(warehouse_id, "lgs.warehouse")}
    with uow.write() as s:
        provider = provider_of(s, actor)
        rows = _documents(s, TransferOrder, provider, filters, None if filters["warehouse_id"] is None
                          else or_(TransferOrder.from_warehouse_id == filters["warehouse_id"],
                                   TransferOrder.to_warehouse_id == filters["warehouse_id"]))
        out = transfer_summaries(s, rows)
        _log(s, actor, provider, "transfer", [r.id for r in out], filters)
        return out


# ----------------------------------------------------------------------------- LGS018


def receivables_summary(session: Session, actor: Actor) -> list[SupplierReceivable]:
    """应收款一览: the provider's delivery fees per supplier (a plain read, not logged)."""
    provider = provider_of(session, actor)
    is_open = DeliveryFee.state == m.FEE_OPEN
    rows = session.execute(
        select(DeliveryFee.supplier_id, Member.company_name,
               func.sum(func.coalesce(DeliveryFee.amount_fen, 0)).filter(is_open), func.count().filter(is_open),
               func.sum(DeliveryFee.amount_fen).filter(~is_open), func.count().filter(~is_open))
        .join(Member, Member.id == DeliveryFee.supplier_id)
        .where(DeliveryFee.provider_id == provider.id)
        .group_by(DeliveryFee.supplier_id, Member.company_name)
        .order_by(Member.company_name, DeliveryFee.supplier_id)
    ).all()
    return [SupplierReceivable(int(sid), name, int(a or 0), int(b or 0), int(c or 0), int(d or 0))
            for sid, name, a, b, c, d in rows]


def receivable_details(
    uow: UnitOfWork, actor: Actor, *, supplier_id: object, state: object = None,
) -> list[FeeView]:
    """LGS018: open the receivable details (应收款明细) of one supplier: the delivery fees booked to
    the provider for that supplier's delivery orders (open first); logged.

    Raises input.required, lgs.bad_id, lgs.bad_state, lgs.not_registered.
    """
    supplier = as_id(supplier_id, "lgs.supplier")
    filters = {"supplier_id": supplier, "state": _state("receivables", state)}
    with uow.write() as s:
        provider = provider_of(s, actor)
        query = select(DeliveryFee).where(DeliveryFee.provider_id == provider.id, DeliveryFee.supplier_id == supplier)
        if filters["state"]:
            query = query.where(DeliveryFee.state == filters["state"])
        rows = list(s.scalars(query.order_by((DeliveryFee.state != m.FEE_OPEN), DeliveryFee.booked_at,
                                             DeliveryFee.id).limit(MAX_ROWS)))
        out = fee_views(s, rows)
        _log(s, actor, provider, "receivables", [f.id for f in out], filters,
             delivery_order_ids=[f.delivery_order_id for f in out], amount_fen=sum(f.amount_fen for f in out))
        return out


# ----------------------------------------------------------------------------- charts (plain reads)


@dataclass(frozen=True)
class StockPoint:
    """A warehouse's stock level right after one move (or at the start of the period)."""

    at: datetime
    quantity: int
    change: int
    move_id: int | None  # None: the opening level at the start of the period
    doc_kind: str


@dataclass(frozen=True)
class StockSeries:
    warehouse_id: int
    warehouse_code: str
    points: tuple[StockPoint, ...]

    @property
    def last(self) -> int:
        return self.points[-1].quantity if self.points else 0


@dataclass(frozen=True)
class MovedProduct:
    product_id: int
    sku: str
    name_zh: str
    name_en: str


@dataclass(frozen=True)
class StockHistory:
    """Stock per warehouse over time: one series per warehouse that had moves (by code), and the
    products that moved through the provider's warehouses (for a product filter)."""

    series: tuple[StockSeries, ...]
    products: tuple[MovedProduct, ...]


def stock_history(
    session: Session, actor: Actor, *, date_from: object = None, date_to: object = None, product_id: object = None,
) -> StockHistory:
    """仓库库存变化: for the actor's provider, each warehouse's stock (all owners; or of one
    product) after every move in or out of it, cumulative from the first move, within the dates
    (a series starts with its level at ``date_from`` when it held goods before). A transfer
    between two of its warehouses appears in both series. One query over the stock moves (plus
    one for warehouse codes and one for product names); not logged.

    Raises lgs.bad_date, lgs.bad_date_range, lgs.bad_id, lgs.not_registered.
    """
    start, end = _dates(date_from, date_to)
    wanted = _optional_id(product_id, "lgs.product")
    provider = provider_of(session, actor)
    codes = {warehouse_location(i): (i, c) for i, c in session.execute(
        select(Warehouse.id, Warehouse.code).where(Warehouse.provider_id == provider.id)).all()}
    if not codes:
        return StockHistory((), ())
    query = (
        select(StockMove.id, StockMove.at, StockMove.product_id, StockMove.quantity, StockMove.from_location,
               StockMove.to_location, StockMove.doc_kind)
        .where(StockMove.class_id == provider.class_id,
               or_(StockMove.from_location.in_(list(codes)), StockMove.to_location.in_(list(codes))))
    )
    if end is not None:
        query = query.where(StockMove.at < day_start(end + timedelta(days=1)))
    opening_at = day_start(start) if start is not None else None
    levels: dict[str, int] = {}
    points: dict[str, list[StockPoint]] = {}
    moved: set[int] = set()
    for move_id, at, pid, qty, source, target, kind in session.execute(query.order_by(StockMove.at, StockMove.id)):
        moved.add(int(pid))
        if wanted is not None and pid != wanted:
            continue
        for location, change in ((source, -int(qty)), (target, int(qty))):
            if location not in codes:
                continue
            before = levels.get(location, 0)
            levels[location] = before + change
            if opening_at is not None and at < opening_at:
                continue
            series = points.setdefault(location, [])
            if not series and opening_at is not None and before:
                series.append(StockPoint(opening_at, before, 0, None, "opening"))
            series.append(StockPoint(at, levels[location], change, int(move_id), str(kind)))
    if opening_at is not None:  # held goods before the period, nothing moved in it: a flat line
        for location, level in levels.items():
            if location not in points and level:
                points[location] = [StockPoint(opening_at, level, 0, None, "opening")]
    names = session.execute(
        select(Product.id, Product.sku, Product.name_zh, Product.name_en).where(Product.id.in_(sorted(moved)))
        .order_by(Product.sku, Product.id)
    ).all() if moved else []
    return StockHistory(
        tuple(StockSeries(codes[loc][0], codes[loc][1], tuple(pts))
              for loc, pts in sorted(points.items(), key=lambda item: codes[item[0]][1])),
        tuple(MovedProduct(int(i), sku, zh, en) for i, sku, zh, en in names),
    )


@dataclass(frozen=True)
class VehicleUse:
    """One vehicle's trips (confirmed dispatches, LGS010 on) and how full it drove."""

    vehicle_id: int
    code: str
    status: str
    active: bool
    capacity_units: int
    trips: int
    units_carried: int

    @property
    def load_percent(self) -> int:
        """Average share of the capacity used per trip (0 without trips)."""
        if not self.trips or self.capacity_units <= 0:
            return 0
        return round(100 * self.units_carried / (self.trips * self.capacity_units))


def vehicle_utilisation(session: Session, actor: Actor) -> list[VehicleUse]:
    """车辆利用率: per vehicle of the actor's provider, the trips made (dispatch confirmed or
    completed), the units carried and so the average load as a share of its capacity; by code.
    One grouped query; not logged. Raises lgs.not_registered."""
    provider = provider_of(session, actor)
    on_trip = DispatchOrder.confirmed_at.is_not(None)
    rows = session.execute(
        select(Vehicle.id, Vehicle.code, Vehicle.status, Vehicle.active, Vehicle.capacity_units,
               func.count(DispatchOrder.id).filter(on_trip),
               func.coalesce(func.sum(DispatchOrder.units).filter(on_trip), 0))
        .outerjoin(DispatchOrder, and_(DispatchOrder.vehicle_id == Vehicle.id,
                                       DispatchOrder.provider_id == provider.id))
        .where(Vehicle.provider_id == provider.id)
        .group_by(Vehicle.id, Vehicle.code, Vehicle.status, Vehicle.active, Vehicle.capacity_units)
        .order_by(Vehicle.code)
    ).all()
    return [VehicleUse(int(i), code, st, bool(active), int(cap), int(n or 0), int(u or 0))
            for i, code, st, active, cap, n, u in rows]
