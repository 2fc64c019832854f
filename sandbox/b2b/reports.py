"""Order reports: the logged-in member's order volume (count) and value (fen) by status and by
trading partner, for the page's plotly chart (the figure is built in the page, not here).

Invariant: a member sees only the orders it is a party of (as buyer or as supplier); values are
integer fen summed by the database.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session, aliased

from sandbox.actor import Actor
from sandbox.b2b.access import member_of
from sandbox.b2b.models import BUYER, SUPPLIER, Member, Order


@dataclass(frozen=True)
class ReportRow:
    state: str
    side: str  # the member's part in these orders: buyer or supplier
    partner_id: int
    partner_name: str
    count: int
    value_fen: int


def order_report(session: Session, actor: Actor, token: str | None) -> list[ReportRow]:
    """Count and value of the member's orders per (status, partner)."""
    member = member_of(session, actor, token)
    partner = aliased(Member)
    out: list[ReportRow] = []
    for side, mine, other in ((BUYER, Order.buyer_id, Order.supplier_id), (SUPPLIER, Order.supplier_id, Order.buyer_id)):
        rows = session.execute(
            select(Order.state, other, partner.company_name, func.count(Order.id), func.sum(Order.total_fen))
            .join(partner, partner.id == other)
            .where(Order.class_id == member.class_id, mine == member.id)
            .group_by(Order.state, other, partner.company_name)
            .order_by(Order.state, partner.company_name)
        ).all()
        out.extend(ReportRow(state, side, int(pid), name, int(n), int(v or 0)) for state, pid, name, n, v in rows)
    return out


def totals_by_state(rows: list[ReportRow]) -> dict[str, tuple[int, int]]:
    """state -> (count, value_fen), summed over partners (for a bar chart by status)."""
    out: dict[str, tuple[int, int]] = {}
    for row in rows:
        n, v = out.get(row.state, (0, 0))
        out[row.state] = (n + row.count, v + row.value_fen)
    return out

