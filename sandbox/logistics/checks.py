"""Check kinds of the 22 logistics tasks (LGS001–LGS018, LGS020–LGS023); importing this module
registers them, and ``lgs.world_ready`` (readiness of tasks waiting for another party).

Each kind grades all ``ctx.students`` with a few queries and credits only the student's own
recorded action: the event whose actor is the student, on a document of the provider the
student owns (``lgs_providers.owner_id``) — or, for LGS021, of the supplier member the student
owns. Documents are read as the action left them ("accepted or later"); stock effects are read
from the append-only ``lgs_stock_moves`` rows that reference the document, never a current level.

Kinds (task → kind, params):
- LGS001 ``lgs.provider_registered``; LGS007 ``lgs.warehouse_added``; LGS008
  ``lgs.warehouse_updated``; LGS012 ``lgs.vehicle_added``; LGS013 ``lgs.vehicle_updated``;
- LGS002 ``lgs.delivery_accepted``; LGS003 ``lgs.inbound_received``; LGS004
  ``lgs.outbound_issued``; LGS005 ``lgs.transfer_confirmed``; LGS023 ``lgs.damage_confirmed``;
- LGS009 ``lgs.vehicle_allocated``; LGS010 ``lgs.dispatch_confirmed``; LGS020 ``lgs.delivered``;
- LGS021 ``lgs.service_applied``; LGS022 ``lgs.service_approved``;
- LGS006/LGS011/LGS014–LGS018 ``lgs.query`` (screen: stock, transport, delivery, inbound,
  outbound, transfer, receivables): the student's own ``lgs.query`` event on that screen, made
  as their provider, whose returned rows include one of that provider's documents (a non-zero
  stock line in its warehouses; a transport record of its vehicles; a fee for a delivery order
  it accepted).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import String, and_, cast, or_, select
from sqlalchemy.orm import aliased

from sandbox.b2b.models import SUPPLIER, Member, OrderLine
from sandbox.events import Event
from sandbox.logistics import models as lm
from sandbox.logistics.models import (
    DamageLine,
    DamageReport,
    DeliveryFee,
    DeliveryOrder,
    DispatchOrder,
    InboundOrder,
    OutboundOrder,
    Provider,
    ServiceApplication,
    ShipmentLine,
    StockMove,
    TransferLine,
    TransferOrder,
    Vehicle,
    Warehouse,
)
from sandbox.pki.models import Certificate
from sandbox.scenarios.checks import CheckContext, Outcome, check

#: task code -> (check kind, parameters) as the scenario file names them.
TASK_CHECKS: dict[str, tuple[str, dict[str, str]]] = {
    "LGS001": ("lgs.provider_registered", {}),
    "LGS002": ("lgs.delivery_accepted", {}),
    "LGS003": ("lgs.inbound_received", {}),
    "LGS004": ("lgs.outbound_issued", {}),
    "LGS005": ("lgs.transfer_confirmed", {}),
    "LGS006": ("lgs.query", {"screen": "stock"}),
    "LGS007": ("lgs.warehouse_added", {}),
    "LGS008": ("lgs.warehouse_updated", {}),
    "LGS009": ("lgs.vehicle_allocated", {}),
    "LGS010": ("lgs.dispatch_confirmed", {}),
    "LGS011": ("lgs.query", {"screen": "transport"}),
    "LGS012": ("lgs.vehicle_added", {}),
    "LGS013": ("lgs.vehicle_updated", {}),
    "LGS014": ("lgs.query", {"screen": "delivery"}),
    "LGS015": ("lgs.query", {"screen": "inbound"}),
    "LGS016": ("lgs.query", {"screen": "outbound"}),
    "LGS017": ("lgs.query", {"screen": "transfer"}),
    "LGS018": ("lgs.query", {"screen": "receivables"}),
    "LGS020": ("lgs.delivered", {}),
    "LGS021": ("lgs.service_applied", {}),
    "LGS022": ("lgs.service_approved", {}),
    "LGS023": ("lgs.damage_confirmed", {}),
}
SCREENS = {"stock": "LGS006", "transport": "LGS011", "delivery": "LGS014", "inbound": "LGS015",
           "outbound": "LGS016", "transfer": "LGS017", "receivables": "LGS018"}
ACCEPTED_OR_LATER = (lm.DO_ACCEPTED, lm.VEHICLE_ALLOCATED, lm.DISPATCHED, lm.DO_DELIVERED)
ALLOCATED_OR_LATER = (lm.ALLOCATED, lm.DISPATCH_CONFIRMED, lm.DISPATCH_COMPLETED)
CONFIRMED_OR_LATER = (lm.DISPATCH_CONFIRMED, lm.DISPATCH_COMPLETED)


def _own_provider(ctx: CheckContext) -> Any:
    return and_(Provider.class_id == ctx.class_id, Provider.owner_id.in_(ctx.students))


def _event(ctx: CheckContext, kind: str, task_code: str, subject: Any) -> Any:
    """Join condition: the provider owner's own event ``kind`` on ``subject``."""
    return and_(Event.kind == kind, Event.class_id == ctx.class_id, Event.task_code == task_code,
                Event.subject == cast(subject, String), Event.actor_id == Provider.owner_id)


def _first(rows: Iterable[Any], evidence: Any) -> dict[int, Outcome]:
    out: dict[int, Outcome] = {}
    for row in rows:
        owner = int(row[0])
        if owner not in out:
            out[owner] = Outcome(True, evidence(row))
    return out


#: documents verified per round trip by :func:`_first_verified`
VERIFY_CHUNK = 50


def _first_verified(ctx: CheckContext, query: Any, verify: Callable[[list[Any]], list[Any]],
                    evidence: Any) -> dict[int, Outcome]:
    """:func:`_first` over the rows of ``query`` (ordered by owner, then document) that ``verify``
    accepts, read and verified a page of VERIFY_CHUNK rows at a time until every student is
    credited: a provider with 600 received inbound orders is graded from its first ones, not all
    600 and their stock moves (the sidebar tracker grades on every rerun)."""
    out: dict[int, Outcome] = {}
    wanted = set(ctx.students)
    offset = 0
    while True:
        rows = ctx.session.execute(query.limit(VERIFY_CHUNK).offset(offset)).all()
        batch = [r for r in rows if int(r[0]) not in out]
        if batch:
            out.update(_first(verify(batch), evidence))
        if len(rows) < VERIFY_CHUNK or wanted <= out.keys():
            return out
        offset += VERIFY_CHUNK


def _moves(ctx: CheckContext, doc_kind: str, doc_ids: list[int]) -> dict[int, list[Any]]:
    """The stock moves referencing each document (append-only audit of stock)."""
    if not doc_ids:
        return {}
    found: dict[int, list[Any]] = defaultdict(list)
    for row in ctx.session.execute(
        select(StockMove.doc_id, StockMove.owner_id, StockMove.product_id, StockMove.quantity,
               StockMove.from_location, StockMove.to_location)
        .where(StockMove.class_id == ctx.class_id, StockMove.doc_kind == doc_kind, StockMove.doc_id.in_(doc_ids))
    ).all():
        found[int(row.doc_id)].append(row)
    return found


def _per_product(moves: list[Any], *, owner: int, source: str | None = None, target: str | None = None) -> dict[int, int]:
    out: dict[int, int] = defaultdict(int)
    for mv in moves:
        if mv.owner_id != owner or (source is not None and mv.from_location != source):
            continue
        if target is not None and mv.to_location != target:
            continue
        out[int(mv.product_id)] += int(mv.quantity)
    return dict(out)


def _lines(ctx: CheckContext, model: Any, parent: Any, ids: list[int]) -> dict[int, dict[int, int]]:
    if not ids:
        return {}
    out: dict[int, dict[int, int]] = defaultdict(lambda: defaultdict(int))
    for pid, product, qty in ctx.session.execute(
        select(parent, model.product_id, model.quantity).where(parent.in_(ids))
    ).all():
        out[int(pid)][int(product)] += int(qty)
    return {k: dict(v) for k, v in out.items()}


# ----------------------------------------------------------------------------- master data


@check("lgs.provider_registered")
def provider_registered(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS001: a provider the student registered (their own ``lgs.provider_registered`` event)."""
    rows = ctx.session.execute(
        select(Provider.owner_id, Provider.id, Provider.name, Event.id)
        .join(Event, _event(ctx, "lgs.provider_registered", "LGS001", Provider.id))
        .where(_own_provider(ctx), Provider.name != "").order_by(Provider.owner_id, Provider.id)
    ).all()
    return _first(rows, lambda r: {"provider_id": r[1], "name": r[2], "event_id": r[3]})


@check("lgs.warehouse_added")
def warehouse_added(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS007: a warehouse of the student's provider they added, code, name and address filled in."""
    rows = ctx.session.execute(
        select(Provider.owner_id, Warehouse.id, Warehouse.code, Event.id)
        .join(Warehouse, Warehouse.provider_id == Provider.id)
        .join(Event, _event(ctx, "lgs.warehouse_added", "LGS007", Warehouse.id))
        .where(_own_provider(ctx), Warehouse.code != "", Warehouse.name != "", Warehouse.address != "",
               Warehouse.capacity > 0)
        .order_by(Provider.owner_id, Warehouse.id)
    ).all()
    return _first(rows, lambda r: {"warehouse_id": r[1], "code": r[2], "event_id": r[3]})


@check("lgs.vehicle_added")
def vehicle_added(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS012: a vehicle of the student's provider they added, code, kind and capacity filled in."""
    rows = ctx.session.execute(
        select(Provider.owner_id, Vehicle.id, Vehicle.code, Event.id)
        .join(Vehicle, Vehicle.provider_id == Provider.id)
        .join(Event, _event(ctx, "lgs.vehicle_added", "LGS012", Vehicle.id))
        .where(_own_provider(ctx), Vehicle.code != "", Vehicle.kind != "", Vehicle.capacity_units > 0)
        .order_by(Provider.owner_id, Vehicle.id)
    ).all()
    return _first(rows, lambda r: {"vehicle_id": r[1], "code": r[2], "event_id": r[3]})


def _updated(ctx: CheckContext, model: Any, kind: str, task_code: str, key: str) -> dict[int, Outcome]:
    evs = ctx.session.execute(
        select(Provider.owner_id, model.id, Event.id, Event.data)
        .join(model, model.provider_id == Provider.id)
        .join(Event, _event(ctx, kind, task_code, model.id))
        .where(_own_provider(ctx)).order_by(Provider.owner_id, Event.id)
    ).all()
    good = [r for r in evs if (r[3] or {}).get("fields") and (r[3] or {}).get("changes")]
    return _first(good, lambda r: {key: r[1], "event_id": r[2], "fields": list(r[3]["fields"])})


@check("lgs.warehouse_updated")
def warehouse_updated(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS008: the student's own update of their provider's warehouse, at least one field changed."""
    return _updated(ctx, Warehouse, "lgs.warehouse_updated", "LGS008", "warehouse_id")


@check("lgs.vehicle_updated")
def vehicle_updated(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS013: the student's own update of their provider's vehicle, at least one field changed."""
    return _updated(ctx, Vehicle, "lgs.vehicle_updated", "LGS013", "vehicle_id")


# ----------------------------------------------------------------------------- documents


@check("lgs.delivery_accepted")
def delivery_accepted(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS002: a delivery order to the student's provider, accepted or later, accepted by the
    student, with its outbound order (pending or dispatched) naming one of that provider's warehouses."""
    rows = ctx.session.execute(
        select(Provider.owner_id, DeliveryOrder.id, DeliveryOrder.number, OutboundOrder.id, Event.id)
        .join(DeliveryOrder, and_(DeliveryOrder.provider_id == Provider.id, DeliveryOrder.class_id == ctx.class_id))
        .join(OutboundOrder, and_(OutboundOrder.delivery_order_id == DeliveryOrder.id,
                                  OutboundOrder.provider_id == Provider.id,
                                  OutboundOrder.state.in_((lm.PENDING, lm.ISSUED))))
        .join(Warehouse, and_(Warehouse.id == OutboundOrder.warehouse_id, Warehouse.provider_id == Provider.id))
        .join(Event, _event(ctx, "lgs.delivery_accepted", "LGS002", DeliveryOrder.id))
        .where(_own_provider(ctx), DeliveryOrder.state.in_(ACCEPTED_OR_LATER),
               DeliveryOrder.accepted_by == Provider.owner_id)
        .order_by(Provider.owner_id, DeliveryOrder.id)
    ).all()
    return _first(rows, lambda r: {"delivery_order_id": r[1], "number": r[2], "outbound_order_id": r[3],
                                   "event_id": r[4]})


@check("lgs.inbound_received")
def inbound_received(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS003: an inbound order at the student's warehouse, received by the student, whose stock
    moves put exactly its shipment's quantities into that warehouse."""
    query = (
        select(Provider.owner_id, InboundOrder.id, InboundOrder.number, InboundOrder.shipment_id,
               InboundOrder.warehouse_id, InboundOrder.supplier_id, Event.id)
        .join(InboundOrder, and_(InboundOrder.provider_id == Provider.id, InboundOrder.class_id == ctx.class_id))
        .join(Warehouse, and_(Warehouse.id == InboundOrder.warehouse_id, Warehouse.provider_id == Provider.id))
        .join(Event, _event(ctx, "lgs.inbound_received", "LGS003", InboundOrder.id))
        .where(_own_provider(ctx), InboundOrder.state == lm.RECEIVED, InboundOrder.received_by == Provider.owner_id)
        .order_by(Provider.owner_id, InboundOrder.id)
    )

    def verify(batch: list[Any]) -> list[Any]:
        moves = _moves(ctx, "inbound", [r[1] for r in batch])
        wanted = _lines(ctx, ShipmentLine, ShipmentLine.shipment_id, [r[3] for r in batch])
        return [r for r in batch if wanted.get(r[3]) and _per_product(
            moves.get(r[1], []), owner=r[5], target=lm.warehouse_location(r[4])) == wanted[r[3]]]

    return _first_verified(ctx, query, verify, lambda r: {"inbound_order_id": r[1], "number": r[2],
                                                          "warehouse_id": r[4], "event_id": r[6]})


@check("lgs.outbound_issued")
def outbound_issued(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS004: an outbound order of the student's provider, dispatched by the student, whose stock
    moves took exactly its delivery order's quantities out of the named warehouse."""
    query = (
        select(Provider.owner_id, OutboundOrder.id, OutboundOrder.number, DeliveryOrder.order_id,
               OutboundOrder.warehouse_id, OutboundOrder.supplier_id, Event.id)
        .join(OutboundOrder, and_(OutboundOrder.provider_id == Provider.id, OutboundOrder.class_id == ctx.class_id))
        .join(DeliveryOrder, DeliveryOrder.id == OutboundOrder.delivery_order_id)
        .join(Warehouse, and_(Warehouse.id == OutboundOrder.warehouse_id, Warehouse.provider_id == Provider.id))
        .join(Event, _event(ctx, "lgs.outbound_issued", "LGS004", OutboundOrder.id))
        .where(_own_provider(ctx), OutboundOrder.state == lm.ISSUED, OutboundOrder.issued_by == Provider.owner_id)
        .order_by(Provider.owner_id, OutboundOrder.id)
    )

    def verify(batch: list[Any]) -> list[Any]:
        moves = _moves(ctx, "outbound", [r[1] for r in batch])
        wanted = _lines(ctx, OrderLine, OrderLine.order_id, [r[3] for r in batch])
        return [r for r in batch if wanted.get(r[3]) and _per_product(
            moves.get(r[1], []), owner=r[5], source=lm.warehouse_location(r[4])) == wanted[r[3]]]

    return _first_verified(ctx, query, verify, lambda r: {"outbound_order_id": r[1], "number": r[2],
                                                          "warehouse_id": r[4], "event_id": r[6]})


@check("lgs.transfer_confirmed")
def transfer_confirmed(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS005: a transfer order between two of the student's warehouses, confirmed by the student,
    whose stock moves took its quantities out of the source and into the target warehouse."""
    source, target = aliased(Warehouse), aliased(Warehouse)
    query = (
        select(Provider.owner_id, TransferOrder.id, TransferOrder.number, TransferOrder.from_warehouse_id,
               TransferOrder.to_warehouse_id, TransferOrder.supplier_id, Event.id)
        .join(TransferOrder, and_(TransferOrder.provider_id == Provider.id, TransferOrder.class_id == ctx.class_id))
        .join(source, and_(source.id == TransferOrder.from_warehouse_id, source.provider_id == Provider.id))
        .join(target, and_(target.id == TransferOrder.to_warehouse_id, target.provider_id == Provider.id))
        .join(Event, _event(ctx, "lgs.transfer_confirmed", "LGS005", TransferOrder.id))
        .where(_own_provider(ctx), TransferOrder.state == lm.TRANSFER_CONFIRMED,
               TransferOrder.confirmed_by == Provider.owner_id, source.id != target.id)
        .order_by(Provider.owner_id, TransferOrder.id)
    )

    def verify(batch: list[Any]) -> list[Any]:
        moves = _moves(ctx, "transfer", [r[1] for r in batch])
        wanted = _lines(ctx, TransferLine, TransferLine.transfer_id, [r[1] for r in batch])
        return [r for r in batch if wanted.get(r[1]) and _per_product(
            moves.get(r[1], []), owner=r[5], source=lm.warehouse_location(r[3]),
            target=lm.warehouse_location(r[4])) == wanted[r[1]]]

    return _first_verified(ctx, query, verify, lambda r: {"transfer_id": r[1], "number": r[2], "event_id": r[6]})


@check("lgs.damage_confirmed")
def damage_confirmed(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS023: a damage report at the student's warehouse, confirmed by the student, positive
    quantities, whose stock moves took exactly them from the owner's stock there to damaged."""
    query = (
        select(Provider.owner_id, DamageReport.id, DamageReport.number, DamageReport.warehouse_id,
               DamageReport.owner_id, Event.id)
        .join(DamageReport, and_(DamageReport.provider_id == Provider.id, DamageReport.class_id == ctx.class_id))
        .join(Warehouse, and_(Warehouse.id == DamageReport.warehouse_id, Warehouse.provider_id == Provider.id))
        .join(Event, _event(ctx, "lgs.damage_confirmed", "LGS023", DamageReport.id))
        .where(_own_provider(ctx), DamageReport.state == lm.DAMAGE_CONFIRMED,
               DamageReport.confirmed_by == Provider.owner_id)
        .order_by(Provider.owner_id, DamageReport.id)
    )
    units: dict[int, int] = {}

    def verify(batch: list[Any]) -> list[Any]:
        moves = _moves(ctx, "damage", [r[1] for r in batch])
        wanted = _lines(ctx, DamageLine, DamageLine.report_id, [r[1] for r in batch])
        units.update({k: sum(v.values()) for k, v in wanted.items()})
        return [r for r in batch if wanted.get(r[1]) and all(q > 0 for q in wanted[r[1]].values()) and _per_product(
            moves.get(r[1], []), owner=r[4], source=lm.warehouse_location(r[3]), target=lm.DAMAGED) == wanted[r[1]]]

    return _first_verified(ctx, query, verify, lambda r: {"damage_report_id": r[1], "number": r[2],
                                                          "units": units[r[1]], "event_id": r[5]})


# ----------------------------------------------------------------------------- dispatch


@check("lgs.vehicle_allocated")
def vehicle_allocated(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS009: a dispatch order of one of the student's accepted delivery orders with one of the
    student's vehicles allocated by the student (allocated or later)."""
    rows = ctx.session.execute(
        select(Provider.owner_id, DispatchOrder.id, DispatchOrder.number, Vehicle.code, Event.id)
        .join(DispatchOrder, and_(DispatchOrder.provider_id == Provider.id, DispatchOrder.class_id == ctx.class_id))
        .join(DeliveryOrder, and_(DeliveryOrder.id == DispatchOrder.delivery_order_id,
                                  DeliveryOrder.provider_id == Provider.id, DeliveryOrder.accepted_at.is_not(None)))
        .join(Vehicle, and_(Vehicle.id == DispatchOrder.vehicle_id, Vehicle.provider_id == Provider.id))
        .join(Event, _event(ctx, "lgs.vehicle_allocated", "LGS009", DispatchOrder.id))
        .where(_own_provider(ctx), DispatchOrder.state.in_(ALLOCATED_OR_LATER),
               DispatchOrder.allocated_by == Provider.owner_id)
        .order_by(Provider.owner_id, DispatchOrder.id)
    ).all()
    return _first(rows, lambda r: {"dispatch_order_id": r[1], "number": r[2], "vehicle": r[3], "event_id": r[4]})


@check("lgs.dispatch_confirmed")
def dispatch_confirmed(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS010: a dispatch order of the student confirmed by the student after its allocation, with
    one of their vehicles: the confirmed dispatch is that vehicle's transport record."""
    rows = ctx.session.execute(
        select(Provider.owner_id, DispatchOrder.id, DispatchOrder.number, Vehicle.code, Event.id,
               DispatchOrder.confirmed_at)
        .join(DispatchOrder, and_(DispatchOrder.provider_id == Provider.id, DispatchOrder.class_id == ctx.class_id))
        .join(Vehicle, and_(Vehicle.id == DispatchOrder.vehicle_id, Vehicle.provider_id == Provider.id))
        .join(Event, _event(ctx, "lgs.dispatch_confirmed", "LGS010", DispatchOrder.id))
        .where(_own_provider(ctx), DispatchOrder.state.in_(CONFIRMED_OR_LATER),
               DispatchOrder.confirmed_by == Provider.owner_id, DispatchOrder.allocated_at.is_not(None),
               DispatchOrder.confirmed_at > DispatchOrder.allocated_at)
        .order_by(Provider.owner_id, DispatchOrder.id)
    ).all()
    return _first(rows, lambda r: {"dispatch_order_id": r[1], "number": r[2], "vehicle": r[3], "event_id": r[4],
                                   "confirmed_at": r[5].isoformat()})


@check("lgs.delivered")
def delivered(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS020: a delivery order of the student's provider marked delivered by the student; its
    outbound order was dispatched and its dispatch confirmed before that, the dispatch completed."""
    rows = ctx.session.execute(
        select(Provider.owner_id, DeliveryOrder.id, DeliveryOrder.number, Event.id)
        .join(DeliveryOrder, and_(DeliveryOrder.provider_id == Provider.id, DeliveryOrder.class_id == ctx.class_id))
        .join(OutboundOrder, and_(OutboundOrder.delivery_order_id == DeliveryOrder.id, OutboundOrder.state == lm.ISSUED,
                                  OutboundOrder.issued_at <= DeliveryOrder.delivered_at))
        .join(DispatchOrder, and_(DispatchOrder.delivery_order_id == DeliveryOrder.id,
                                  DispatchOrder.state == lm.DISPATCH_COMPLETED,
                                  DispatchOrder.confirmed_at <= DeliveryOrder.delivered_at,
                                  DispatchOrder.completed_by == Provider.owner_id))
        .join(Event, _event(ctx, "lgs.delivered", "LGS020", DeliveryOrder.id))
        .where(_own_provider(ctx), DeliveryOrder.state == lm.DO_DELIVERED)
        .order_by(Provider.owner_id, DeliveryOrder.id)
    ).all()
    return _first(rows, lambda r: {"delivery_order_id": r[1], "number": r[2], "event_id": r[3]})


# ----------------------------------------------------------------------------- service applications


@check("lgs.service_applied")
def service_applied(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS021: a service application of the student's supplier, made by the student with that
    supplier's own downloaded certificate and the terms accepted, pending approval or approved."""
    rows = ctx.session.execute(
        select(Member.owner_id, ServiceApplication.id, ServiceApplication.provider_id, ServiceApplication.state,
               Event.id)
        .join(ServiceApplication, and_(ServiceApplication.supplier_id == Member.id,
                                       ServiceApplication.class_id == ctx.class_id))
        .join(Certificate, and_(Certificate.id == ServiceApplication.certificate_id,
                                Certificate.id == Member.certificate_id, Certificate.downloaded_at.is_not(None)))
        .join(Event, and_(Event.kind == "lgs.service_applied", Event.class_id == ctx.class_id,
                          Event.task_code == "LGS021", Event.subject == cast(ServiceApplication.id, String),
                          Event.actor_id == Member.owner_id))
        .where(Member.class_id == ctx.class_id, Member.owner_id.in_(ctx.students), Member.member_type == SUPPLIER,
               ServiceApplication.state.in_((lm.APPLIED, lm.APPROVED)), ServiceApplication.terms_accepted.is_(True))
        .order_by(Member.owner_id, ServiceApplication.id)
    ).all()
    return _first(rows, lambda r: {"application_id": r[1], "provider_id": r[2], "state": r[3], "event_id": r[4]})


@check("lgs.service_approved")
def service_approved(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS022: a service application to the student's provider approved by the student."""
    rows = ctx.session.execute(
        select(Provider.owner_id, ServiceApplication.id, ServiceApplication.supplier_id, Event.id, Event.data)
        .join(ServiceApplication, and_(ServiceApplication.provider_id == Provider.id,
                                       ServiceApplication.class_id == ctx.class_id))
        .join(Event, _event(ctx, "lgs.service_decided", "LGS022", ServiceApplication.id))
        .where(_own_provider(ctx), ServiceApplication.state == lm.APPROVED,
               ServiceApplication.decided_by == Provider.owner_id)
        .order_by(Provider.owner_id, ServiceApplication.id)
    ).all()
    good = [r for r in rows if (r[4] or {}).get("approved") is True]
    return _first(good, lambda r: {"application_id": r[1], "supplier_id": r[2], "event_id": r[3]})


# ----------------------------------------------------------------------------- queries


def _ids(data: dict[str, Any], key: str = "returned_ids") -> list[int]:
    return [i for i in (data.get(key) or []) if isinstance(i, int) and not isinstance(i, bool)]


def _query_owned(ctx: CheckContext, screen: str, candidates: list[tuple[Any, int, list[Any]]]) -> dict[int, set[Any]]:
    """provider id -> the returned items of ``screen`` that belong to that provider (as graded)."""
    provider_ids = sorted({pid for _, pid, _ in candidates})
    if screen == "stock":
        rooms = dict(ctx.session.execute(
            select(Warehouse.id, Warehouse.provider_id).where(Warehouse.provider_id.in_(provider_ids))
        ).all())
        out: dict[int, set[Any]] = defaultdict(set)
        for _ev, pid, items in candidates:
            for line in items:
                if isinstance(line, list) and len(line) == 4 and isinstance(line[3], int) and line[3] > 0 \
                        and rooms.get(line[0]) == pid:
                    out[pid].add(tuple(line))
        return out
    wanted = sorted({i for _, _, items in candidates for i in items})
    if not wanted:
        return {}
    query: Any
    if screen == "transport":
        query = (select(DispatchOrder.provider_id, DispatchOrder.id)
                 .join(Vehicle, and_(Vehicle.id == DispatchOrder.vehicle_id, Vehicle.provider_id == DispatchOrder.provider_id))
                 .where(DispatchOrder.id.in_(wanted), DispatchOrder.confirmed_at.is_not(None)))
    elif screen == "delivery":
        query = select(DeliveryOrder.provider_id, DeliveryOrder.id).where(DeliveryOrder.id.in_(wanted))
    elif screen == "inbound":
        query = (select(Warehouse.provider_id, InboundOrder.id)
                 .join(Warehouse, Warehouse.id == InboundOrder.warehouse_id).where(InboundOrder.id.in_(wanted)))
    elif screen == "outbound":
        query = select(OutboundOrder.provider_id, OutboundOrder.id).where(OutboundOrder.id.in_(wanted))
    elif screen == "transfer":
        query = (select(Warehouse.provider_id, TransferOrder.id)
                 .join(Warehouse, or_(Warehouse.id == TransferOrder.from_warehouse_id,
                                      Warehouse.id == TransferOrder.to_warehouse_id))
                 .where(TransferOrder.id.in_(wanted)))
    else:  # receivables: a fee for a delivery order the same provider accepted
        query = (select(DeliveryFee.provider_id, DeliveryFee.id)
                 .join(DeliveryOrder, and_(DeliveryOrder.id == DeliveryFee.delivery_order_id,
                                           DeliveryOrder.provider_id == DeliveryFee.provider_id,
                                           DeliveryOrder.accepted_at.is_not(None)))
                 .where(DeliveryFee.id.in_(wanted), DeliveryFee.amount_fen > 0))
    owned: dict[int, set[Any]] = defaultdict(set)
    for pid, item in ctx.session.execute(query).all():
        owned[int(pid)].add(int(item))
    return owned


@check("lgs.query", params=("screen",))
def query(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """LGS006/LGS011/LGS014–LGS018 (``screen``): the student's own ``lgs.query`` event on the
    screen, made as their provider, that returned one of that provider's rows (see module doc)."""
    screen = str(params.get("screen", ""))
    if screen not in SCREENS:
        raise ValueError(f"unknown logistics screen {screen!r}; one of {', '.join(sorted(SCREENS))}")
    evs = ctx.session.execute(
        select(Event.id, Event.actor_id, Event.at, Event.data, Provider.id)
        .join(Provider, and_(Provider.owner_id == Event.actor_id, Provider.class_id == ctx.class_id))
        .where(Event.kind == "lgs.query", Event.subject == screen, Event.task_code == SCREENS[screen],
               Event.class_id == ctx.class_id, Event.actor_id.in_(ctx.students))
        .order_by(Event.id)
    ).all()
    candidates: list[tuple[Any, int, list[Any]]] = []
    for ev in evs:
        data = ev.data or {}
        if data.get("screen") != screen or data.get("provider_id") != ev[4]:
            continue
        items: list[Any] = list(data.get("lines") or []) if screen == "stock" else _ids(data)
        if items:
            candidates.append((ev, int(ev[4]), items))
    if not candidates:
        return {}
    owned = _query_owned(ctx, screen, candidates)
    out: dict[int, Outcome] = {}
    for ev, pid, items in candidates:
        mine = [i for i in items if (tuple(i) if isinstance(i, list) else i) in owned.get(pid, set())]
        if mine and ev.actor_id not in out:
            out[ev.actor_id] = Outcome(True, {"event_id": ev.id, "at": ev.at.isoformat(), "screen": screen,
                                              "returned": len(items), "matching": len(mine)})
    return out


# ----------------------------------------------------------------------------- readiness


def _ready_rows(ctx: CheckContext, need: str) -> Any:
    owned = _own_provider(ctx)
    if need == "provider_exists":  # a logistics provider in the class to apply to (anyone's)
        return (select(Member.owner_id, Provider.id)
                .join(Provider, Provider.class_id == ctx.class_id)
                .where(Member.class_id == ctx.class_id, Member.owner_id.in_(ctx.students),
                       Member.member_type == SUPPLIER))
    if need == "delivery_order_for_provider":
        return (select(Provider.owner_id, DeliveryOrder.id)
                .join(DeliveryOrder, DeliveryOrder.provider_id == Provider.id).where(owned))
    if need == "inbound_for_provider":
        return (select(Provider.owner_id, InboundOrder.id)
                .join(InboundOrder, InboundOrder.provider_id == Provider.id).where(owned))
    if need == "transfer_for_provider":
        return (select(Provider.owner_id, TransferOrder.id)
                .join(TransferOrder, TransferOrder.provider_id == Provider.id).where(owned))
    if need == "application_for_provider":
        return (select(Provider.owner_id, ServiceApplication.id)
                .join(ServiceApplication, ServiceApplication.provider_id == Provider.id).where(owned))
    return None


NEEDS = ("provider_exists", "delivery_order_for_provider", "inbound_for_provider", "transfer_for_provider",
         "application_for_provider")


@check("lgs.world_ready", params=("need",))
def world_ready(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """Readiness (not credit): the student's world has what ``need`` names, made by anyone —
    ``provider_exists`` (a provider in the class, for the student's supplier to apply to),
    ``delivery_order_for_provider`` / ``inbound_for_provider`` / ``transfer_for_provider`` /
    ``application_for_provider`` (such a document addressed to the student's provider).
    Raises ValueError for an unknown need."""
    need = str(params.get("need", ""))
    rows = _ready_rows(ctx, need)
    if rows is None:
        raise ValueError(f"unknown lgs.world_ready need {need!r}; one of {', '.join(NEEDS)}")
    out: dict[int, Outcome] = {}
    for owner, found in ctx.session.execute(rows.order_by(rows.selected_columns[0], rows.selected_columns[1])).all():
        if int(owner) not in out:
            out[int(owner)] = Outcome(True, {"need": need, "id": int(found)})
    return out
