"""A provider's vehicles (车辆): add (LGS012), update (LGS013), list.

Invariants:
- Vehicle codes (plate numbers such as 沪A12345, or fleet codes) are unique per provider
  (``lgs.duplicate_vehicle_code``; the unique constraint backs it up for concurrent adds).
- Capacity is a whole number of units > 0. A new vehicle is idle and active.
- Only the owning provider changes a vehicle; an update changes at least one field and its
  event lists each changed field with its old and new value (the audit trail LGS013 is graded on).
- A vehicle on a trip (in_transit) cannot be deactivated nor shrunk below the load it carries;
  the status itself changes only by dispatch (LGS010) and delivery (LGS020).

Events: lgs.vehicle_added (LGS012), lgs.vehicle_updated (LGS013); subject the vehicle id.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics.access import provider_of
from sandbox.logistics.models import DISPATCH_CONFIRMED, VEHICLE_IDLE, VEHICLE_IN_TRANSIT, DispatchOrder, Vehicle
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

_CODE = re.compile(r"^[A-Z0-9\u4e00-\u9fff][A-Z0-9\u4e00-\u9fff_\-·]{0,15}$")
MAX_VEHICLE_CAPACITY = 1_000_000


@dataclass(frozen=True)
class VehicleView:
    id: int
    provider_id: int
    code: str
    kind: str
    capacity_units: int
    status: str
    active: bool
    note: str
    created_at: datetime
    updated_at: datetime | None

    @property
    def idle(self) -> bool:
        return self.status == VEHICLE_IDLE


def vehicle_view(row: Vehicle) -> VehicleView:
    return VehicleView(row.id, row.provider_id, row.code, row.kind, int(row.capacity_units), row.status,
                       bool(row.active), row.note, row.created_at, row.updated_at)


def clean_vehicle_code(value: object) -> str:
    """A plate number or fleet code: 1–16 capital letters, digits, Chinese characters, "-", "_" or "·"."""
    code = unicodedata.normalize("NFKC", str(value or "")).strip().upper().replace(" ", "")
    if not code:
        raise DomainError("input.required", field="lgs.vehicle_code")
    if not _CODE.match(code):
        raise DomainError("lgs.bad_vehicle_code", field="lgs.vehicle_code")
    return code


def clean_vehicle_capacity(value: object) -> int:
    if isinstance(value, bool) or isinstance(value, float):
        raise DomainError("lgs.bad_vehicle_capacity", field="lgs.vehicle_capacity", max=MAX_VEHICLE_CAPACITY)
    text = str(value if value is not None else "").strip()
    if not isinstance(value, int) and (not text.isascii() or not text.lstrip("-").isdigit()):
        raise DomainError("lgs.bad_vehicle_capacity", field="lgs.vehicle_capacity", max=MAX_VEHICLE_CAPACITY)
    number = int(value) if isinstance(value, int) else int(text)
    if number <= 0 or number > MAX_VEHICLE_CAPACITY:
        raise DomainError("lgs.bad_vehicle_capacity", field="lgs.vehicle_capacity", max=MAX_VEHICLE_CAPACITY)
    return number


def _duplicate(session: Session, provider_id: int, code: str, except_id: int | None = None) -> bool:
    query = select(Vehicle.id).where(Vehicle.provider_id == provider_id, Vehicle.code == code)
    if except_id is not None:
        query = query.where(Vehicle.id != except_id)
    return session.scalar(query) is not None


def add_vehicle(
    uow: UnitOfWork,
    actor: Actor,
    *,
    code: str,
    kind: str,
    capacity_units: object,
    note: str = "",
    request_id: str | None = None,
) -> VehicleView:
    """LGS012: add a vehicle (新增车辆) to the actor's provider; it starts idle and active.

    Raises input.* (lgs.vehicle_code, lgs.vehicle_kind, lgs.note), lgs.bad_vehicle_code,
    lgs.bad_vehicle_capacity, lgs.duplicate_vehicle_code, lgs.not_registered, request.duplicate.
    """
    clean = clean_vehicle_code(code)
    kind_text = clean_text(kind, "lgs.vehicle_kind", max_len=50)
    cap = clean_vehicle_capacity(capacity_units)
    note_text = clean_text(note, "lgs.note", max_len=500, required=False)
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.vehicle_added" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(Vehicle, int(done.subject or 0))
            assert earlier is not None
            return vehicle_view(earlier)
        if _duplicate(s, provider.id, clean):
            raise DomainError("lgs.duplicate_vehicle_code", field="lgs.vehicle_code", vehicle=clean)
        row = Vehicle(class_id=provider.class_id, provider_id=provider.id, code=clean, kind=kind_text,
                      capacity_units=cap, status=VEHICLE_IDLE, active=True, note=note_text, created_by=actor.user_id,
                      created_at=utcnow())
        try:
            with s.begin_nested():
                s.add(row)
                s.flush()
        except IntegrityError:  # the same code added concurrently
            raise DomainError("lgs.duplicate_vehicle_code", field="lgs.vehicle_code", vehicle=clean) from None
        events.record(
            s, "lgs.vehicle_added", actor=actor, subject=str(row.id), task_code="LGS012", request_id=request_id,
            provider_id=provider.id, vehicle_id=row.id, code=clean, vehicle_kind=kind_text, capacity_units=cap,
        )
        return vehicle_view(row)


def lock_vehicle(session: Session, vehicle_id: int) -> Vehicle | None:
    """The vehicle row, locked FOR UPDATE on PostgreSQL (SQLite serialises writers anyway)."""
    return session.scalar(
        select(Vehicle).where(Vehicle.id == vehicle_id).with_for_update().execution_options(populate_existing=True)
    )


def own_vehicle(session: Session, provider_id: int, class_id: int, vehicle_id: object) -> Vehicle:
    """A vehicle of the provider (locked). Raises lgs.vehicle_not_found, lgs.not_yours."""
    row = lock_vehicle(session, vehicle_id) if isinstance(vehicle_id, int) and not isinstance(vehicle_id, bool) else None
    if row is None or row.class_id != class_id:
        raise DomainError("lgs.vehicle_not_found", field="lgs.vehicle")
    if row.provider_id != provider_id:
        raise DomainError("lgs.not_yours")
    return row


def update_vehicle(
    uow: UnitOfWork,
    actor: Actor,
    vehicle_id: int,
    *,
    code: str | None = None,
    kind: str | None = None,
    capacity_units: object = None,
    active: bool | None = None,
    note: str | None = None,
    request_id: str | None = None,
) -> VehicleView:
    """LGS013: change a vehicle's code, kind, capacity, note or active flag (车辆信息 → 确定).

    Raises input.* (lgs.vehicle_code, lgs.vehicle_kind, lgs.note), lgs.bad_vehicle_code,
    lgs.bad_vehicle_capacity, lgs.duplicate_vehicle_code, lgs.vehicle_not_found, lgs.not_yours,
    lgs.vehicle_on_trip (deactivating or shrinking a vehicle on a trip), lgs.nothing_changed,
    lgs.not_registered, request.duplicate.
    """
    wanted: dict[str, Any] = {}
    if code is not None:
        wanted["code"] = clean_vehicle_code(code)
    if kind is not None:
        wanted["kind"] = clean_text(kind, "lgs.vehicle_kind", max_len=50)
    if capacity_units is not None and capacity_units != "":
        wanted["capacity_units"] = clean_vehicle_capacity(capacity_units)
    if active is not None:
        wanted["active"] = bool(active)
    if note is not None:
        wanted["note"] = clean_text(note, "lgs.note", max_len=500, required=False)
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.vehicle_updated" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(Vehicle, int(done.subject or 0))
            assert earlier is not None
            return vehicle_view(earlier)
        row = own_vehicle(s, provider.id, provider.class_id, vehicle_id)
        changes = {k: [getattr(row, k), v] for k, v in wanted.items() if getattr(row, k) != v}
        if not changes:
            raise DomainError("lgs.nothing_changed")
        if "code" in changes and _duplicate(s, provider.id, changes["code"][1], except_id=row.id):
            raise DomainError("lgs.duplicate_vehicle_code", field="lgs.vehicle_code", vehicle=changes["code"][1])
        if row.status == VEHICLE_IN_TRANSIT:
            load = int(s.scalar(select(DispatchOrder.units).where(
                DispatchOrder.vehicle_id == row.id, DispatchOrder.state == DISPATCH_CONFIRMED)) or 0)
            if changes.get("active", [True, True])[1] is False or changes.get("capacity_units", [0, load])[1] < load:
                raise DomainError("lgs.vehicle_on_trip", vehicle=row.code)
        for key, (_old, new) in changes.items():
            setattr(row, key, new)
        row.updated_at = utcnow()
        try:
            with s.begin_nested():
                s.flush()
        except IntegrityError:  # the same code taken concurrently
            raise DomainError("lgs.duplicate_vehicle_code", field="lgs.vehicle_code", vehicle=row.code) from None
        events.record(
            s, "lgs.vehicle_updated", actor=actor, subject=str(row.id), task_code="LGS013", request_id=request_id,
            provider_id=provider.id, vehicle_id=row.id, code=row.code, changes=changes, fields=sorted(changes),
        )
        return vehicle_view(row)


def vehicles_of(session: Session, provider_id: int, *, idle_only: bool = False) -> list[VehicleView]:
    """A provider's vehicles by code (optionally only the idle, active ones)."""
    query = select(Vehicle).where(Vehicle.provider_id == provider_id)
    if idle_only:
        query = query.where(Vehicle.status == VEHICLE_IDLE, Vehicle.active.is_(True))
    return [vehicle_view(v) for v in session.scalars(query.order_by(Vehicle.code))]


def my_vehicles(session: Session, actor: Actor, *, idle_only: bool = False) -> list[VehicleView]:
    """The actor's own provider's vehicles. Raises lgs.not_registered."""
    return vehicles_of(session, provider_of(session, actor).id, idle_only=idle_only)
