"""The B2B documents' state tables (catalog ``state_machines``: b2b_order, b2b_order_settlement,
b2b_inquiry, b2b_negotiation, b2b_contract; b2b_sales_order is a view of b2b_order).

Each table maps (from, to) to the task code(s) that may make the move ("A|B" = either).
``move(session, model, row_id, expected, to, task, ...)`` is the one way a service changes a
document's state: a conditional ``UPDATE … WHERE id = … AND state = expected`` (so of two
concurrent moves exactly one wins; the loser gets ``b2b.state_changed``) checked against the
table first (an illegal move gets ``b2b.bad_transition``).

Our additions, not in the catalog: ``created -> rejected`` (the supplier declines an order it
cannot fill; its reservation is released). The catalog's ``cart -> created`` is the cart
becoming an order (cart lines are not a document, so orders start in ``created``).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import update
from sqlalchemy.orm import Session

from sandbox.b2b import models as m
from sandbox.errors import DomainError

ORDER: dict[tuple[str | None, str], str] = {
    (None, m.CREATED): "B2B006",
    (m.CREATED, m.ACCEPTED): "B2B008",
    (m.ACCEPTED, m.CONFIRMED): "B2B009",
    (m.CONFIRMED, m.DELIVERY_ORDERED): "B2B010",
    (m.DELIVERY_ORDERED, m.DELIVERED): "LGS020",
    (m.CREATED, m.REJECTED): "B2B008",
}

SETTLEMENT: dict[tuple[str | None, str], str] = {
    (None, m.OPEN): "B2B009",
    (m.OPEN, m.SETTLED): "B2B017",
}

INQUIRY: dict[tuple[str | None, str], str] = {
    (None, m.INQUIRY): "B2B007",
    (m.INQUIRY, m.QUOTED): "B2B022",
    (m.QUOTED, m.NEGOTIATING): "B2B023",
}

NEGOTIATION: dict[tuple[str | None, str], str] = {
    (None, m.NONE_AGREED): "B2B023",
    (m.NONE_AGREED, m.NONE_AGREED): "B2B024|B2B025",
    (m.NONE_AGREED, m.ONE_AGREED): "B2B026|B2B027",
    (m.ONE_AGREED, m.BOTH_AGREED): "B2B026|B2B027",
    (m.ONE_AGREED, m.NONE_AGREED): "B2B024|B2B025",
}

CONTRACT: dict[tuple[str | None, str], str] = {
    (None, m.UNSIGNED): "B2B026|B2B027",
    (m.UNSIGNED, m.SIGNED_BY_BUYER): "B2B028",
    (m.UNSIGNED, m.SIGNED_BY_SUPPLIER): "B2B029",
    (m.SIGNED_BY_SUPPLIER, m.SIGNED_BY_BOTH): "B2B028",
    (m.SIGNED_BY_BUYER, m.SIGNED_BY_BOTH): "B2B029",
}

#: catalog machine id -> our table (tests compare them with the catalog)
MACHINES: dict[str, dict[tuple[str | None, str], str]] = {
    "b2b_order": ORDER,
    "b2b_order_settlement": SETTLEMENT,
    "b2b_inquiry": INQUIRY,
    "b2b_negotiation": NEGOTIATION,
    "b2b_contract": CONTRACT,
}

#: extra moves that are ours (the catalog test allows exactly these beyond the catalog's)
EXTRA: dict[str, set[tuple[str | None, str]]] = {"b2b_order": {(m.CREATED, m.REJECTED)}}

#: Chinese status words (catalog ``zh``) for pages and exports
LABELS_ZH: dict[str, str] = {
    m.CREATED: "已生成订货单", m.ACCEPTED: "已受理", m.CONFIRMED: "已确认", m.DELIVERY_ORDERED: "已生成配送单",
    m.DELIVERED: "送货完成", m.REJECTED: "已拒绝", m.OPEN: "未结算", m.SETTLED: "已结算", m.INQUIRY: "询价",
    m.QUOTED: "报价", m.NEGOTIATING: "已生成洽谈单", m.NONE_AGREED: "双方不同意", m.ONE_AGREED: "一方同意",
    m.BOTH_AGREED: "双方同意", m.UNSIGNED: "未签定", m.SIGNED_BY_BUYER: "采购商已签定",
    m.SIGNED_BY_SUPPLIER: "供应商已签定", m.SIGNED_BY_BOTH: "双方已签定",
}


def label(state: str | None) -> str:
    """A state's words for messages: the catalog's Chinese beside our English (已受理 accepted)."""
    if not state:
        return "-"
    return f"{LABELS_ZH.get(state, state)} {state.replace('_', ' ')}"


def allowed(table: dict[tuple[str | None, str], str], from_state: str | None, to_state: str, task_code: str) -> bool:
    tasks = table.get((from_state, to_state))
    return tasks is not None and task_code in tasks.split("|")


def check(table: dict[tuple[str | None, str], str], from_state: str | None, to_state: str, task_code: str) -> None:
    """Raise ``b2b.bad_transition`` unless ``task_code`` may move a document from/to these states."""
    if not allowed(table, from_state, to_state, task_code):
        raise DomainError("b2b.bad_transition", from_state=label(from_state), to_state=label(to_state))


def move(
    session: Session,
    table: dict[tuple[str | None, str], str],
    model: Any,
    row_id: int,
    expected: str,
    to_state: str,
    task_code: str,
    *,
    state_column: str = "state",
    **values: Any,
) -> None:
    """Move one row from ``expected`` to ``to_state`` (plus ``values``) if nobody moved it first.

    Raises b2b.bad_transition (the table forbids it), b2b.state_changed (another request moved
    the row meanwhile; nothing is changed).
    """
    check(table, expected, to_state, task_code)
    column = getattr(model, state_column)
    won = session.execute(
        update(model)
        .where(model.id == row_id, column == expected)
        .values({state_column: to_state, **values})
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        raise DomainError("b2b.state_changed")
    row = session.get(model, row_id)
    if row is not None:
        session.refresh(row)
