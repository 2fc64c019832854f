"""Check kinds of the B2B shipping and transfer tasks (importing this module registers them).

Each kind grades all ``ctx.students`` with one or two queries and credits only the student's
own recorded action: the event whose actor is the student, on a document of the supplier
member the student owns. Partners' and bots' actions never earn it; documents are read as the
action left them ("shipped", "created or confirmed"), never a stock level a later task changes.

Kinds:
- ``b2b.shipment_confirmed`` (B2B011): the student's supplier confirmed a shipment (their own
  ``b2b.shipment_confirmed`` event) that is shipped, has at least one line, a consignee and a
  receiving warehouse of that consignee, and a matching inbound order at that warehouse
  (pending or received).
- ``b2b.transfer_created`` (B2B013): the student's supplier created (their own
  ``b2b.transfer_created`` event) a transfer order between two different warehouses of the same
  provider, with at least one positive line, in state created or confirmed.
- ``b2b.transfer_query`` (screen: transfer_detail → B2B014 | transfer_search → B2B015): the
  student's own ``b2b.query`` event on that screen whose ``returned_ids`` include at least one
  transfer order of the student's own supplier member.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, cast, exists, select
from sqlalchemy.orm import aliased

from sandbox.b2b.models import SUPPLIER, Member
from sandbox.events import Event
from sandbox.logistics.models import (
    PENDING,
    RECEIVED,
    SHIPPED,
    TRANSFER_CONFIRMED,
    TRANSFER_CREATED,
    InboundOrder,
    Shipment,
    ShipmentLine,
    TransferLine,
    TransferOrder,
    Warehouse,
)
from sandbox.scenarios.checks import CheckContext, Outcome, check

#: task code -> (check kind, parameters) as the scenario files name them.
TASK_CHECKS: dict[str, tuple[str, dict[str, str]]] = {
    "B2B011": ("b2b.shipment_confirmed", {}),
    "B2B013": ("b2b.transfer_created", {}),
    "B2B014": ("b2b.transfer_query", {"screen": "transfer_detail"}),
    "B2B015": ("b2b.transfer_query", {"screen": "transfer_search"}),
}
SCREENS = {"transfer_detail": "B2B014", "transfer_search": "B2B015"}


def _own_supplier(ctx: CheckContext) -> Any:
    return and_(Member.class_id == ctx.class_id, Member.owner_id.in_(ctx.students), Member.member_type == SUPPLIER)


@check("b2b.shipment_confirmed")
def shipment_confirmed(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B011: a shipped shipment of the student's supplier, confirmed by the student, with a
    line, consignee, receiving warehouse of that consignee and its inbound order there."""
    has_line = exists().where(ShipmentLine.shipment_id == Shipment.id, ShipmentLine.quantity > 0)
    rows = ctx.session.execute(
        select(Member.owner_id, Shipment.id, Shipment.number, InboundOrder.id, InboundOrder.state,
               Shipment.provider_id, Shipment.warehouse_id, Event.id)
        .join(Shipment, Shipment.supplier_id == Member.id)
        .join(Warehouse, and_(Warehouse.id == Shipment.warehouse_id, Warehouse.provider_id == Shipment.provider_id))
        .join(InboundOrder, and_(InboundOrder.shipment_id == Shipment.id,
                                 InboundOrder.warehouse_id == Shipment.warehouse_id,
                                 InboundOrder.provider_id == Shipment.provider_id,
                                 InboundOrder.state.in_((PENDING, RECEIVED))))
        .join(Event, and_(Event.kind == "b2b.shipment_confirmed", Event.class_id == ctx.class_id,
                          Event.subject == cast(Shipment.id, String), Event.actor_id == Member.owner_id,
                          Event.task_code == "B2B011"))
        .where(_own_supplier(ctx), Shipment.class_id == ctx.class_id, Shipment.state == SHIPPED, has_line)
        .order_by(Member.owner_id, Shipment.id)
    ).all()
    out: dict[int, Outcome] = {}
    for owner, sid, number, iid, istate, pid, wid, eid in rows:
        if owner not in out:
            out[owner] = Outcome(True, {"shipment_id": sid, "number": number, "inbound_order_id": iid,
                                        "inbound_state": istate, "provider_id": pid, "warehouse_id": wid,
                                        "event_id": eid})
    return out


@check("b2b.transfer_created")
def transfer_created(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B013: a transfer order of the student's supplier, created by the student, between two
    different warehouses of one provider, with a positive line, created or confirmed."""
    source, target = aliased(Warehouse), aliased(Warehouse)
    has_line = exists().where(TransferLine.transfer_id == TransferOrder.id, TransferLine.quantity > 0)
    rows = ctx.session.execute(
        select(Member.owner_id, TransferOrder.id, TransferOrder.number, TransferOrder.state, Event.id)
        .join(TransferOrder, TransferOrder.supplier_id == Member.id)
        .join(source, and_(source.id == TransferOrder.from_warehouse_id, source.provider_id == TransferOrder.provider_id))
        .join(target, and_(target.id == TransferOrder.to_warehouse_id, target.provider_id == TransferOrder.provider_id))
        .join(Event, and_(Event.kind == "b2b.transfer_created", Event.class_id == ctx.class_id,
                          Event.subject == cast(TransferOrder.id, String), Event.actor_id == Member.owner_id,
                          Event.task_code == "B2B013"))
        .where(_own_supplier(ctx), TransferOrder.class_id == ctx.class_id, source.id != target.id,
               TransferOrder.state.in_((TRANSFER_CREATED, TRANSFER_CONFIRMED)), has_line)
        .order_by(Member.owner_id, TransferOrder.id)
    ).all()
    out: dict[int, Outcome] = {}
    for owner, tid, number, state, eid in rows:
        if owner not in out:
            out[owner] = Outcome(True, {"transfer_id": tid, "number": number, "state": state, "event_id": eid})
    return out


@check("b2b.transfer_query", params=("screen",))
def transfer_query(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B014 (screen transfer_detail) / B2B015 (screen transfer_search): the student's own
    ``b2b.query`` event on the screen that returned at least one of their supplier's transfers."""
    screen = str(params.get("screen", ""))
    if screen not in SCREENS:
        raise ValueError(f"unknown transfer screen {screen!r}")
    evs = ctx.session.execute(
        select(Event.id, Event.actor_id, Event.at, Event.data).where(
            Event.kind == "b2b.query", Event.subject == screen, Event.task_code == SCREENS[screen],
            Event.class_id == ctx.class_id, Event.actor_id.in_(ctx.students),
        ).order_by(Event.id)
    ).all()
    if not evs:
        return {}
    candidates = []
    for ev in evs:
        data = ev.data or {}
        if data.get("screen") != screen:
            continue
        ids = [i for i in (data.get("returned_ids") or []) if isinstance(i, int) and not isinstance(i, bool)]
        if ids:
            candidates.append((ev, ids))
    wanted = sorted({i for _, ids in candidates for i in ids})
    owners = dict(ctx.session.execute(
        select(TransferOrder.id, Member.owner_id)
        .join(Member, Member.id == TransferOrder.supplier_id)
        .where(TransferOrder.id.in_(wanted), TransferOrder.class_id == ctx.class_id, _own_supplier(ctx))
    ).all()) if wanted else {}
    out: dict[int, Outcome] = {}
    for ev, ids in candidates:
        mine = [i for i in ids if owners.get(i) == ev.actor_id]
        if mine and ev.actor_id not in out:
            out[ev.actor_id] = Outcome(True, {"event_id": ev.id, "at": ev.at.isoformat(), "screen": screen,
                                              "transfer_id": mine[0], "returned": len(ids)})
    return out
