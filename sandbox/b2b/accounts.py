"""Receivables and payables (应收应付查询): what buyers owe suppliers for confirmed orders
(B2B030 supplier's receivables, B2B032 buyer's payables) and what suppliers owe their logistics
providers for deliveries (B2B031).

Invariants:
- A receivable/payable exists for an order once the buyer confirmed it (B2B009 books
  ``settlement_state`` = open); settling it (B2B017) makes it ``settled``. Lines list both,
  open first; the summaries add up the open amounts (integer fen).
- A member sees only its own side: a supplier its buyers' orders to it and its own delivery
  fees, a buyer its orders to its suppliers.
- The summaries are plain reads. Opening the *details* of one partner is the graded query
  task: it runs in one ``uow.write()`` that reads and records one ``b2b.query`` event (task
  code, ``screen``, the partner filter, ``returned_ids``) — grading reads these events.

Screens → tasks: receivables B2B030 (returned: order ids), payables_logistics B2B031
(returned: fee ids, plus delivery_order_ids), payables B2B032 (returned: order ids).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import models as m
from sandbox.b2b.access import member_of
from sandbox.b2b.models import BUYER, SUPPLIER, Member, Order
from sandbox.errors import DomainError
from sandbox.uow import UnitOfWork

SCREENS: dict[str, str] = {"receivables": "B2B030", "payables_logistics": "B2B031", "payables": "B2B032"}
MAX_ROWS = 500


@dataclass(frozen=True)
class PartnerBalance:
    """One partner's line of a summary: open (unsettled) and settled amounts in fen."""

    partner_id: int
    partner_name: str
    open_total_fen: int
    open_count: int
    settled_total_fen: int
    settled_count: int


@dataclass(frozen=True)
class OrderBalanceLine:
    """One confirmed order as a receivable (supplier's view) or payable (buyer's view)."""

    order_id: int
    number: str
    partner_id: int
    partner_name: str
    state: str
    settlement_state: str
    total_fen: int
    payment_method: str
    delivery_date: date
    confirmed_at: datetime | None
    settled_at: datetime | None
    payment_id: int | None


@dataclass(frozen=True)
class FeeLine:
    """One delivery fee a provider charged the supplier (B2B031)."""

    fee_id: int
    provider_id: int
    provider_name: str
    delivery_order_id: int
    delivery_number: str
    order_id: int
    order_number: str
    amount_fen: int
    basis: str
    state: str
    booked_at: datetime
    paid_at: datetime | None


def _partner_id(value: object) -> int:
    try:
        return int(str(value).strip())
    except ValueError:
        raise DomainError("b2b.no_such_partner") from None


def _order_balances(session: Session, member: Member, side: str) -> list[PartnerBalance]:
    mine, other = (Order.supplier_id, Order.buyer_id) if side == SUPPLIER else (Order.buyer_id, Order.supplier_id)
    is_open = Order.settlement_state == m.OPEN
    rows = session.execute(
        select(
            other, Member.company_name,
            func.sum(case((is_open, Order.total_fen), else_=0)), func.sum(case((is_open, 1), else_=0)),
            func.sum(case((is_open, 0), else_=Order.total_fen)), func.sum(case((is_open, 0), else_=1)),
        )
        .join(Member, Member.id == other)
        .where(mine == member.id, Order.settlement_state.is_not(None))
        .group_by(other, Member.company_name)
        .order_by(Member.company_name, other)
    ).all()
    return [PartnerBalance(int(p), n, int(a or 0), int(b or 0), int(c or 0), int(d or 0)) for p, n, a, b, c, d in rows]


def _order_lines(session: Session, member: Member, side: str, partner_id: int) -> list[OrderBalanceLine]:
    mine, other = (Order.supplier_id, Order.buyer_id) if side == SUPPLIER else (Order.buyer_id, Order.supplier_id)
    rows = session.execute(
        select(Order, Member.company_name)
        .join(Member, Member.id == other)
        .where(mine == member.id, other == partner_id, Order.settlement_state.is_not(None))
        .order_by(case((Order.settlement_state == m.OPEN, 0), else_=1), Order.confirmed_at, Order.id)
        .limit(MAX_ROWS)
    ).all()
    return [
        OrderBalanceLine(
            o.id, o.number, partner_id, name, o.state, o.settlement_state or m.OPEN, o.total_fen, o.payment_method,
            o.delivery_date, o.confirmed_at, o.settled_at, o.payment_id,
        )
        for o, name in rows
    ]


def _log(
    session: Session, actor: Actor, member: Member, screen: str, ids: list[int], filters: dict[str, int],
    **extra: Any,
) -> None:
    events.record(
        session, "b2b.query", actor=actor, subject=screen, task_code=SCREENS[screen], screen=screen,
        member_id=member.id, member_type=member.member_type, filters=filters, returned_ids=ids[:MAX_ROWS],
        returned_count=len(ids), **filters, **extra,
    )


# ----------------------------------------------------------------------------- B2B030 (supplier)


def receivables_summary(session: Session, actor: Actor, token: str | None) -> list[PartnerBalance]:
    """应收款一览: the supplier's receivables per buyer (a plain read, not logged)."""
    member = member_of(session, actor, token, SUPPLIER)
    return _order_balances(session, member, SUPPLIER)


def receivable_details(uow: UnitOfWork, actor: Actor, token: str | None, buyer_id: object) -> list[OrderBalanceLine]:
    """B2B030: the supplier opens the receivable details (应收款明细) of one buyer; logged.

    Raises b2b.no_such_partner, b2b.login_required, b2b.wrong_member_type.
    """
    partner = _partner_id(buyer_id)
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        lines = _order_lines(s, member, SUPPLIER, partner)
        _log(s, actor, member, "receivables", [line.order_id for line in lines], {"buyer_id": partner})
        return lines


# ----------------------------------------------------------------------------- B2B032 (buyer)


def payables_summary(session: Session, actor: Actor, token: str | None) -> list[PartnerBalance]:
    """应付款总计: the buyer's payables per supplier (a plain read, not logged)."""
    member = member_of(session, actor, token, BUYER)
    return _order_balances(session, member, BUYER)


def payable_lines(session: Session, actor: Actor, token: str | None, supplier_id: object) -> list[OrderBalanceLine]:
    """The buyer's payable lines to one supplier without logging (for pages that only refresh)."""
    member = member_of(session, actor, token, BUYER)
    return _order_lines(session, member, BUYER, _partner_id(supplier_id))


def payable_details_query(
    uow: UnitOfWork, actor: Actor, token: str | None, supplier_id: object
) -> list[OrderBalanceLine]:
    """B2B032 (and B2B017 step 1): the buyer opens the payable details (应付款明细) of one
    supplier; logged.

    Raises b2b.no_such_partner, b2b.login_required, b2b.wrong_member_type.
    """
    partner = _partner_id(supplier_id)
    with uow.write() as s:
        member = member_of(s, actor, token, BUYER)
        lines = _order_lines(s, member, BUYER, partner)
        _log(s, actor, member, "payables", [line.order_id for line in lines], {"supplier_id": partner})
        return lines


# ----------------------------------------------------------------------------- B2B031 (supplier → logistics)


def logistics_payables_summary(session: Session, actor: Actor, token: str | None) -> list[PartnerBalance]:
    """应付款一览: what the supplier owes each logistics provider in delivery fees (not logged)."""
    from sandbox.logistics.models import FEE_OPEN, DeliveryFee, Provider

    member = member_of(session, actor, token, SUPPLIER)
    is_open = DeliveryFee.state == FEE_OPEN
    rows = session.execute(
        select(
            DeliveryFee.provider_id, Provider.name,
            func.sum(case((is_open, DeliveryFee.amount_fen), else_=0)), func.sum(case((is_open, 1), else_=0)),
            func.sum(case((is_open, 0), else_=DeliveryFee.amount_fen)), func.sum(case((is_open, 0), else_=1)),
        )
        .join(Provider, Provider.id == DeliveryFee.provider_id)
        .where(DeliveryFee.supplier_id == member.id)
        .group_by(DeliveryFee.provider_id, Provider.name)
        .order_by(Provider.name, DeliveryFee.provider_id)
    ).all()
    return [PartnerBalance(int(p), n, int(a or 0), int(b or 0), int(c or 0), int(d or 0)) for p, n, a, b, c, d in rows]


def _fee_lines(session: Session, member: Member, provider_id: int) -> list[FeeLine]:
    from sandbox.logistics.models import FEE_OPEN, DeliveryFee, DeliveryOrder, Provider

    rows = session.execute(
        select(DeliveryFee, Provider.name, DeliveryOrder.number, DeliveryOrder.order_id, Order.number)
        .join(Provider, Provider.id == DeliveryFee.provider_id)
        .join(DeliveryOrder, DeliveryOrder.id == DeliveryFee.delivery_order_id)
        .join(Order, Order.id == DeliveryOrder.order_id)
        .where(DeliveryFee.supplier_id == member.id, DeliveryFee.provider_id == provider_id)
        .order_by(case((DeliveryFee.state == FEE_OPEN, 0), else_=1), DeliveryFee.booked_at, DeliveryFee.id)
        .limit(MAX_ROWS)
    ).all()
    return [
        FeeLine(f.id, f.provider_id, pname, f.delivery_order_id, dnum, int(oid), onum, f.amount_fen, f.basis, f.state,
                f.booked_at, f.paid_at)
        for f, pname, dnum, oid, onum in rows
    ]


def logistics_payable_details(
    uow: UnitOfWork, actor: Actor, token: str | None, provider_id: object
) -> list[FeeLine]:
    """B2B031: the supplier opens the payable details (应付款明细) of one logistics provider —
    the delivery fees it was charged; logged.

    Raises b2b.no_such_partner, b2b.login_required, b2b.wrong_member_type.
    """
    partner = _partner_id(provider_id)
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        lines = _fee_lines(s, member, partner)
        _log(
            s, actor, member, "payables_logistics", [line.fee_id for line in lines], {"provider_id": partner},
            delivery_order_ids=[line.delivery_order_id for line in lines][:MAX_ROWS],
        )
        return lines
