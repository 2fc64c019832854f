"""Transfer orders (调拨单) of a supplier: create (B2B013), view (B2B014), query (B2B015). The
provider confirms them in ``sandbox.logistics.transfers`` (LGS005), which moves the stock.

Invariants:
- Only the supplier member of the actor's live B2B session acts, on its own transfer orders.
- Both warehouses belong to the same provider, which approved this supplier; they differ and
  are active. Each line is one of the supplier's products, quantity > 0 and at most what the
  supplier holds at the source warehouse now (guard at creation; LGS005 re-checks it).
- View and query are graded from the event log: each writes one ``b2b.query`` event (subject
  and ``screen`` = transfer_detail / transfer_search, the filters and ``returned_ids``).

Events: b2b.transfer_created (B2B013; subject transfer id), b2b.query (B2B014 screen
transfer_detail, B2B015 screen transfer_search).
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import states
from sandbox.b2b.access import member_of, new_number, require_party
from sandbox.b2b.models import SUPPLIER, Member
from sandbox.b2b.shipping import own_products
from sandbox.clock import day_start
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics import stock
from sandbox.logistics.access import as_id, clean_lines, json_lines
from sandbox.logistics.applications import is_approved
from sandbox.logistics.models import (
    TRANSFER_CONFIRMED,
    TRANSFER_CREATED,
    Provider,
    TransferLine,
    TransferOrder,
    Warehouse,
    warehouse_location,
)
from sandbox.logistics.queries import TransferDetail, TransferSummary, json_date, transfer_detail, transfer_summaries
from sandbox.logistics.states import TRANSFER_ORDER
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

MAX_ROWS = 500
DETAIL_SCREEN = "transfer_detail"
SEARCH_SCREEN = "transfer_search"


def _warehouse(session: Session, member: Member, warehouse_id: int, field: str) -> Warehouse:
    row = session.get(Warehouse, warehouse_id)
    if row is None or row.class_id != member.class_id:
        raise DomainError("lgs.warehouse_not_found", field=field)
    return row


def create_transfer(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    *,
    from_warehouse_id: int,
    to_warehouse_id: int,
    lines: dict[int, int],
    note: str = "",
    request_id: str | None = None,
) -> TransferDetail:
    """B2B013: create a transfer order (生成调拨单) moving the supplier's goods between two
    warehouses of its approved provider; it waits for the provider's confirmation (LGS005).

    Raises input.required / lgs.bad_id (lgs.from_warehouse, lgs.to_warehouse), lgs.same_warehouse,
    lgs.no_lines, lgs.too_many_lines, lgs.bad_quantity, input.* (lgs.note), b2b.login_required,
    b2b.wrong_member_type, lgs.warehouse_not_found, lgs.different_providers,
    lgs.provider_not_approved, lgs.warehouse_inactive, lgs.not_your_product,
    lgs.not_enough_stock, request.duplicate.
    """
    source_id = as_id(from_warehouse_id, "lgs.from_warehouse")
    target_id = as_id(to_warehouse_id, "lgs.to_warehouse")
    if source_id == target_id:
        raise DomainError("lgs.same_warehouse", field="lgs.to_warehouse")
    goods = clean_lines(lines)
    text = clean_text(note, "lgs.note", max_len=500, required=False, multiline=True)
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "b2b.transfer_created" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(TransferOrder, int(done.subject or 0))
            assert earlier is not None
            return transfer_detail(s, earlier)
        source = _warehouse(s, member, source_id, "lgs.from_warehouse")
        target = _warehouse(s, member, target_id, "lgs.to_warehouse")
        if source.provider_id != target.provider_id:
            raise DomainError("lgs.different_providers", field="lgs.to_warehouse")
        provider = s.get(Provider, source.provider_id)
        assert provider is not None
        if not is_approved(s, provider.id, member.id):
            raise DomainError("lgs.provider_not_approved", field="lgs.from_warehouse", provider=provider.name)
        for row in (source, target):
            if not row.active:
                raise DomainError("lgs.warehouse_inactive", field="lgs.to_warehouse", warehouse=row.code)
        products = own_products(s, member, sorted(goods))
        location = warehouse_location(source.id)
        for pid, qty in sorted(goods.items()):
            held = stock.level(s, member.id, pid, location)
            if qty > held:
                raise DomainError("lgs.not_enough_stock", field="lgs.quantity", product=products[pid].sku,
                                  location=source.code, held=held, wanted=qty)
        states.check(TRANSFER_ORDER, None, TRANSFER_CREATED, "B2B013")
        order = TransferOrder(
            class_id=member.class_id, number=new_number("TR"), supplier_id=member.id, provider_id=provider.id,
            from_warehouse_id=source.id, to_warehouse_id=target.id, state=TRANSFER_CREATED, note=text,
            created_by=actor.user_id, created_at=utcnow(),
        )
        s.add(order)
        s.flush()
        for pid, qty in sorted(goods.items()):
            s.add(TransferLine(transfer_id=order.id, product_id=pid, quantity=qty))
        s.flush()
        events.record(
            s, "b2b.transfer_created", actor=actor, subject=str(order.id), task_code="B2B013", request_id=request_id,
            transfer_id=order.id, number=order.number, member_id=member.id, provider_id=provider.id,
            from_warehouse_id=source.id, to_warehouse_id=target.id, lines=json_lines(goods), from_state=None,
            to_state=TRANSFER_CREATED,
        )
        return transfer_detail(s, order)


def view_transfer(uow: UnitOfWork, actor: Actor, token: str | None, transfer_id: int) -> TransferDetail:
    """B2B014: the detail view of one of the supplier's transfer orders (调拨单明细); logged.

    Raises b2b.login_required, b2b.wrong_member_type, lgs.transfer_not_found, b2b.not_yours.
    """
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        row = s.get(TransferOrder, transfer_id) if isinstance(transfer_id, int) else None
        if row is None or row.class_id != member.class_id:
            raise DomainError("lgs.transfer_not_found")
        require_party(member, row.supplier_id)
        detail = transfer_detail(s, row)
        events.record(
            s, "b2b.query", actor=actor, subject=DETAIL_SCREEN, task_code="B2B014", screen=DETAIL_SCREEN,
            member_id=member.id, filters={"transfer_id": row.id}, returned_ids=[row.id], returned_count=1,
        )
        return detail


def _as_date(value: object, field: str) -> date | None:
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


def search_transfers(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    *,
    number: str = "",
    state: str | None = None,
    warehouse_id: int | None = None,
    date_from: object = None,
    date_to: object = None,
) -> list[TransferSummary]:
    """B2B015: query the supplier's transfer orders (查询调拨单) by number (part of it), state,
    warehouse (source or target) and creation date (China time, inclusive); logged.

    Raises input.* (lgs.number), lgs.bad_state, lgs.bad_id (lgs.warehouse), lgs.bad_date,
    lgs.bad_date_range, b2b.login_required, b2b.wrong_member_type.
    """
    text = clean_text(number, "lgs.number", max_len=24, required=False, fold=True)
    if state in ("", None):
        wanted_state = None
    elif state in (TRANSFER_CREATED, TRANSFER_CONFIRMED):
        wanted_state = state
    else:
        raise DomainError("lgs.bad_state", field="lgs.state")
    wid = as_id(warehouse_id, "lgs.warehouse") if warehouse_id not in (None, "") else None
    first = _as_date(date_from, "lgs.date_from")
    last = _as_date(date_to, "lgs.date_to")
    if first is not None and last is not None and first > last:
        raise DomainError("lgs.bad_date_range", field="lgs.date_from")
    filters: dict[str, Any] = {"number": text, "state": wanted_state, "warehouse_id": wid,
                               "date_from": json_date(first), "date_to": json_date(last)}
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        query = select(TransferOrder).where(TransferOrder.supplier_id == member.id)
        if text:
            escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            query = query.where(TransferOrder.number.ilike(f"%{escaped}%", escape="\\"))
        if wanted_state:
            query = query.where(TransferOrder.state == wanted_state)
        if wid is not None:
            query = query.where(or_(TransferOrder.from_warehouse_id == wid, TransferOrder.to_warehouse_id == wid))
        if first is not None:
            query = query.where(TransferOrder.created_at >= day_start(first))
        if last is not None:
            query = query.where(TransferOrder.created_at < day_start(last + timedelta(days=1)))
        rows = list(s.scalars(query.order_by(TransferOrder.created_at.desc(), TransferOrder.id.desc()).limit(MAX_ROWS)))
        found = transfer_summaries(s, rows)
        events.record(
            s, "b2b.query", actor=actor, subject=SEARCH_SCREEN, task_code="B2B015", screen=SEARCH_SCREEN,
            member_id=member.id, filters=filters, returned_ids=[r.id for r in rows], returned_count=len(rows),
        )
        return found


def transfers_of(session: Session, actor: Actor, token: str | None) -> list[TransferSummary]:
    """The supplier's transfer orders for a page list, newest first (not logged; B2B015 is
    :func:`search_transfers`)."""
    member = member_of(session, actor, token, SUPPLIER)
    rows = list(session.scalars(select(TransferOrder).where(TransferOrder.supplier_id == member.id)
                                .order_by(TransferOrder.created_at.desc(), TransferOrder.id.desc()).limit(MAX_ROWS)))
    return transfer_summaries(session, rows)
