"""A provider's warehouses (仓库): add (LGS007), update (LGS008), list with the units they hold.

Invariants:
- Warehouse codes are unique per provider (upper-case letters, digits, "-" and "_").
- Capacity is a whole number of units > 0 and never set below what the warehouse holds now.
- Only the owning provider changes a warehouse; an update changes at least one field and its
  event lists each changed field with its old and new value (the audit trail LGS008 is graded on).
- An inactive warehouse keeps its stock (it can still issue) but receives no new shipments or
  transfers.

Events: lgs.warehouse_added (LGS007), lgs.warehouse_updated (LGS008); subject the warehouse id.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics.access import provider_of, require_own
from sandbox.logistics.models import Warehouse
from sandbox.logistics.queries import WarehouseView, units_held, warehouse_views
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

_CODE = re.compile(r"^[A-Z0-9][A-Z0-9_\-]{0,15}$")
MAX_CAPACITY = 10_000_000


def clean_code(value: object) -> str:
    code = unicodedata.normalize("NFKC", str(value or "")).strip().upper()
    if not code:
        raise DomainError("input.required", field="lgs.warehouse_code")
    if not _CODE.match(code):
        raise DomainError("lgs.bad_warehouse_code", field="lgs.warehouse_code")
    return code


def clean_capacity(value: object) -> int:
    if isinstance(value, bool) or isinstance(value, float):
        raise DomainError("lgs.bad_capacity", field="lgs.capacity", max=MAX_CAPACITY)
    text = str(value if value is not None else "").strip()
    if not isinstance(value, int) and (not text.isascii() or not text.lstrip("-").isdigit()):
        raise DomainError("lgs.bad_capacity", field="lgs.capacity", max=MAX_CAPACITY)
    number = int(value) if isinstance(value, int) else int(text)
    if number <= 0 or number > MAX_CAPACITY:
        raise DomainError("lgs.bad_capacity", field="lgs.capacity", max=MAX_CAPACITY)
    return number


def _view(session: Session, row: Warehouse) -> WarehouseView:
    return warehouse_views(session, [row])[0]


def add_warehouse(
    uow: UnitOfWork,
    actor: Actor,
    *,
    code: str,
    name: str,
    address: str,
    capacity: object,
    request_id: str | None = None,
) -> WarehouseView:
    """LGS007: add a warehouse (新增仓库) to the actor's provider.

    Raises input.* (lgs.warehouse_code, lgs.warehouse_name, lgs.warehouse_address),
    lgs.bad_warehouse_code, lgs.bad_capacity, lgs.duplicate_warehouse_code, lgs.not_registered,
    request.duplicate.
    """
    clean = clean_code(code)
    title = clean_text(name, "lgs.warehouse_name", max_len=100)
    addr = clean_text(address, "lgs.warehouse_address", max_len=200)
    cap = clean_capacity(capacity)
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.warehouse_added" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(Warehouse, int(done.subject or 0))
            assert earlier is not None
            return _view(s, earlier)
        if s.scalar(select(Warehouse.id).where(Warehouse.provider_id == provider.id, Warehouse.code == clean)):
            raise DomainError("lgs.duplicate_warehouse_code", field="lgs.warehouse_code", warehouse=clean)
        row = Warehouse(class_id=provider.class_id, provider_id=provider.id, code=clean, name=title, address=addr,
                        capacity=cap, active=True, created_at=utcnow())
        try:
            with s.begin_nested():
                s.add(row)
                s.flush()
        except IntegrityError:  # the same code added concurrently
            raise DomainError("lgs.duplicate_warehouse_code", field="lgs.warehouse_code", warehouse=clean) from None
        events.record(
            s, "lgs.warehouse_added", actor=actor, subject=str(row.id), task_code="LGS007", request_id=request_id,
            provider_id=provider.id, warehouse_id=row.id, code=clean, name=title, address=addr, capacity=cap,
        )
        return _view(s, row)


def update_warehouse(
    uow: UnitOfWork,
    actor: Actor,
    warehouse_id: int,
    *,
    name: str | None = None,
    address: str | None = None,
    capacity: object = None,
    active: bool | None = None,
    request_id: str | None = None,
) -> WarehouseView:
    """LGS008: change a warehouse's name, address, capacity or active flag (仓库明细 → 保存).

    Raises input.* (lgs.warehouse_name, lgs.warehouse_address), lgs.bad_capacity,
    lgs.warehouse_not_found, lgs.not_yours (another provider's warehouse),
    lgs.capacity_below_stock, lgs.nothing_changed, lgs.not_registered, request.duplicate.
    """
    wanted: dict[str, Any] = {}
    if name is not None:
        wanted["name"] = clean_text(name, "lgs.warehouse_name", max_len=100)
    if address is not None:
        wanted["address"] = clean_text(address, "lgs.warehouse_address", max_len=200)
    if capacity is not None and capacity != "":
        wanted["capacity"] = clean_capacity(capacity)
    if active is not None:
        wanted["active"] = bool(active)
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.warehouse_updated" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(Warehouse, int(done.subject or 0))
            assert earlier is not None
            return _view(s, earlier)
        row = lock(s, warehouse_id) if isinstance(warehouse_id, int) else None
        if row is None or row.class_id != provider.class_id:
            raise DomainError("lgs.warehouse_not_found")
        require_own(provider, row.provider_id)
        changes = {k: [getattr(row, k), v] for k, v in wanted.items() if getattr(row, k) != v}
        if not changes:
            raise DomainError("lgs.nothing_changed")
        if "capacity" in changes:
            held = units_held(s, [row.id]).get(row.id, 0)
            if changes["capacity"][1] < held:
                raise DomainError("lgs.capacity_below_stock", field="lgs.capacity", held=held)
        for key, (_old, new) in changes.items():
            setattr(row, key, new)
        row.updated_at = utcnow()
        s.flush()
        events.record(
            s, "lgs.warehouse_updated", actor=actor, subject=str(row.id), task_code="LGS008", request_id=request_id,
            provider_id=provider.id, warehouse_id=row.id, code=row.code, changes=changes, fields=sorted(changes),
        )
        return _view(s, row)


def warehouses_of(session: Session, provider_id: int) -> list[WarehouseView]:
    """A provider's warehouses with the units they hold, by code."""
    rows = list(session.scalars(select(Warehouse).where(Warehouse.provider_id == provider_id).order_by(Warehouse.code)))
    return warehouse_views(session, rows)


def my_warehouses(session: Session, actor: Actor) -> list[WarehouseView]:
    """The actor's own provider's warehouses. Raises lgs.not_registered."""
    return warehouses_of(session, provider_of(session, actor).id)


def lock(session: Session, warehouse_id: int) -> Warehouse | None:
    """The warehouse row, locked FOR UPDATE on PostgreSQL (SQLite writers are serialised anyway),
    so capacity checks of concurrent receipts and transfers into it do not both pass."""
    return session.scalar(
        select(Warehouse).where(Warehouse.id == warehouse_id).with_for_update().execution_options(populate_existing=True)
    )


def check_capacity(session: Session, warehouse_id: int, incoming: int) -> None:
    """``lgs.over_capacity`` unless the warehouse (locked) has room for ``incoming`` more units."""
    row = lock(session, warehouse_id)
    if row is None:
        raise DomainError("lgs.warehouse_not_found")
    held = units_held(session, [warehouse_id]).get(warehouse_id, 0)
    if held + incoming > row.capacity:
        raise DomainError("lgs.over_capacity", warehouse=row.code, capacity=row.capacity, held=held,
                          incoming=incoming)
