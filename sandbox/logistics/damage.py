"""Goods damage processing (货物残损处理, LGS023): the provider writes a damage report (新建残损单)
for one owner's goods in one of its warehouses and confirms it; the damaged units leave the
owner's usable stock there.

Invariants:
- The warehouse is the provider's own; the owner is a supplier member of the class holding
  stock there. Each line's quantity is 1..100000 and never more than the owner holds in that
  warehouse: checked when the report is written and again (by ``stock.move``) at confirmation.
- draft → confirmed once (conditional update); confirmation moves every line
  ``wh:<warehouse>`` → ``damaged`` (doc_kind ``damage``, doc_id the report) in the same
  transaction, or, if any line is no longer held, nothing at all.

Events: lgs.damage_reported (LGS023 steps 1–3), lgs.damage_confirmed (LGS023 step 4);
subject the damage report id.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import states
from sandbox.b2b.access import new_number
from sandbox.b2b.models import SUPPLIER, Member, Product
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics import stock
from sandbox.logistics.access import as_id, clean_lines, json_lines, provider_of, require_own
from sandbox.logistics.models import (
    DAMAGE_CONFIRMED,
    DAMAGED,
    DRAFT,
    DamageLine,
    DamageReport,
    Warehouse,
    warehouse_location,
)
from sandbox.logistics.queries import LineView
from sandbox.logistics.states import DAMAGE_REPORT
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text


@dataclass(frozen=True)
class DamageView:
    id: int
    number: str
    state: str
    provider_id: int
    warehouse_id: int
    warehouse_code: str
    owner_id: int
    owner_name: str
    reason: str
    lines: tuple[LineView, ...]
    created_at: datetime
    confirmed_at: datetime | None

    @property
    def total_units(self) -> int:
        return sum(line.quantity for line in self.lines)


def damage_views(session: Session, rows: list[DamageReport]) -> list[DamageView]:
    if not rows:
        return []
    found = session.execute(
        select(DamageLine.report_id, DamageLine.product_id, Product.sku, Product.name_zh, Product.name_en,
               Product.unit_zh, Product.unit_en, DamageLine.quantity)
        .join(Product, Product.id == DamageLine.product_id)
        .where(DamageLine.report_id.in_([r.id for r in rows]))
        .order_by(DamageLine.report_id, DamageLine.id)
    ).all()
    lines: dict[int, list[LineView]] = {}
    for rid, pid, sku, zh, en, uzh, uen, qty in found:
        lines.setdefault(rid, []).append(LineView(pid, sku, zh, en, uzh, uen, int(qty)))
    codes = dict(session.execute(
        select(Warehouse.id, Warehouse.code).where(Warehouse.id.in_({r.warehouse_id for r in rows}))).all())
    names = dict(session.execute(
        select(Member.id, Member.company_name).where(Member.id.in_({r.owner_id for r in rows}))).all())
    return [
        DamageView(r.id, r.number, r.state, r.provider_id, r.warehouse_id, codes.get(r.warehouse_id, ""), r.owner_id,
                   names.get(r.owner_id, ""), r.reason, tuple(lines.get(r.id, ())), r.created_at, r.confirmed_at)
        for r in rows
    ]


def _check_held(session: Session, owner_id: int, warehouse: Warehouse, lines: dict[int, int]) -> None:
    location = warehouse_location(warehouse.id)
    for pid, qty in sorted(lines.items()):
        held = stock.level(session, owner_id, pid, location)
        if held < qty:
            sku = session.scalar(select(Product.sku).where(Product.id == pid)) or str(pid)
            raise DomainError("lgs.not_enough_stock", field="lgs.quantity", product=sku, location=warehouse.code,
                              held=held, wanted=qty)


def create_damage_report(
    uow: UnitOfWork,
    actor: Actor,
    *,
    owner_id: object,
    warehouse_id: object,
    lines: object,
    reason: str,
    request_id: str | None = None,
) -> DamageView:
    """LGS023 steps 1–3: write a damage report (新建残损单) for an owner's goods in one of the
    provider's warehouses (draft).

    Raises input.* (lgs.owner, lgs.warehouse, lgs.reason), lgs.bad_id, lgs.no_lines,
    lgs.too_many_lines, lgs.bad_quantity, lgs.not_registered, lgs.warehouse_not_found,
    lgs.not_yours (another provider's warehouse), lgs.owner_not_found, lgs.not_enough_stock
    (more than held), request.duplicate.
    """
    owner = as_id(owner_id, "lgs.owner")
    house = as_id(warehouse_id, "lgs.warehouse")
    goods = clean_lines(lines)
    why = clean_text(reason, "lgs.reason", max_len=200)
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.damage_reported" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(DamageReport, int(done.subject or 0))
            assert earlier is not None
            return damage_views(s, [earlier])[0]
        warehouse = s.get(Warehouse, house)
        if warehouse is None or warehouse.class_id != provider.class_id:
            raise DomainError("lgs.warehouse_not_found", field="lgs.warehouse")
        require_own(provider, warehouse.provider_id)
        member = s.get(Member, owner)
        if member is None or member.class_id != provider.class_id or member.member_type != SUPPLIER:
            raise DomainError("lgs.owner_not_found", field="lgs.owner")
        _check_held(s, member.id, warehouse, goods)
        states.check(DAMAGE_REPORT, None, DRAFT, "LGS023")
        row = DamageReport(class_id=provider.class_id, number=new_number("DM"), provider_id=provider.id,
                           warehouse_id=warehouse.id, owner_id=member.id, state=DRAFT, reason=why,
                           created_by=actor.user_id, created_at=utcnow())
        s.add(row)
        s.flush()
        for pid, qty in sorted(goods.items()):
            s.add(DamageLine(report_id=row.id, product_id=pid, quantity=qty))
        s.flush()
        events.record(
            s, "lgs.damage_reported", actor=actor, subject=str(row.id), task_code="LGS023", request_id=request_id,
            damage_report_id=row.id, provider_id=provider.id, warehouse_id=warehouse.id, owner_id=member.id,
            lines=json_lines(goods), reason=why, from_state=None, to_state=DRAFT,
        )
        return damage_views(s, [row])[0]


def confirm_damage_report(uow: UnitOfWork, actor: Actor, report_id: int, request_id: str | None = None) -> DamageView:
    """LGS023 step 4: confirm a damage report (确认): draft → confirmed, the damaged units move from
    the warehouse to ``damaged``.

    Raises lgs.not_registered, lgs.damage_not_found, lgs.not_yours, b2b.bad_transition (already
    confirmed), b2b.state_changed, lgs.not_enough_stock (no longer held; nothing moved),
    request.duplicate.
    """
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.damage_confirmed" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(DamageReport, int(done.subject or 0))
            assert earlier is not None
            return damage_views(s, [earlier])[0]
        row = s.get(DamageReport, report_id) if isinstance(report_id, int) else None
        if row is None or row.class_id != provider.class_id:
            raise DomainError("lgs.damage_not_found")
        require_own(provider, row.provider_id)
        states.check(DAMAGE_REPORT, row.state, DAMAGE_CONFIRMED, "LGS023")
        goods: dict[int, int] = {}
        for pid, qty in s.execute(
            select(DamageLine.product_id, DamageLine.quantity).where(DamageLine.report_id == row.id)
        ).all():
            goods[pid] = goods.get(pid, 0) + int(qty)
        before = row.state
        states.move(s, DAMAGE_REPORT, DamageReport, row.id, before, DAMAGE_CONFIRMED, "LGS023",
                    confirmed_by=actor.user_id, confirmed_at=utcnow())
        source = warehouse_location(row.warehouse_id)
        moves = [
            stock.move(s, class_id=row.class_id, owner_id=row.owner_id, product_id=pid, quantity=qty,
                       from_location=source, to_location=DAMAGED, doc_kind="damage", doc_id=row.id,
                       actor_id=actor.user_id).id
            for pid, qty in sorted(goods.items())
        ]
        events.record(
            s, "lgs.damage_confirmed", actor=actor, subject=str(row.id), task_code="LGS023", request_id=request_id,
            damage_report_id=row.id, provider_id=provider.id, warehouse_id=row.warehouse_id, owner_id=row.owner_id,
            lines=json_lines(goods), units=sum(goods.values()), move_ids=moves, from_state=before,
            to_state=DAMAGE_CONFIRMED,
        )
        return damage_views(s, [row])[0]


def damage_reports_for_provider(session: Session, actor: Actor, *, state: str | None = None) -> list[DamageView]:
    """The actor's provider's damage reports, newest first."""
    provider = provider_of(session, actor)
    query = select(DamageReport).where(DamageReport.provider_id == provider.id)
    if state:
        query = query.where(DamageReport.state == state)
    return damage_views(session, list(session.scalars(
        query.order_by(DamageReport.created_at.desc(), DamageReport.id.desc()))))
