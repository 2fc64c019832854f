"""Check kinds of the B2B trade tasks (B2B001, B2B003–B2B006, B2B008–B2B010, B2B017, B2B030–B2B032),
graded as the catalog's ``check`` says.

Invariants:
- Only the student's own actions count: the event's ``actor_id`` is the student and the member
  it acted as is owned by the student. A bot, a classmate or seeded rows never pass a student.
- State conditions read the audit trail ("state X or later"): the event that made the move plus
  a current state that later tasks can only move forward; nothing a later task may legitimately
  change (stock, cart lines) decides a grade.
- Each kind grades every student of ``ctx.students`` with a few queries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, and_, cast, exists, select
from sqlalchemy.orm import aliased

from sandbox.b2b import models as m
from sandbox.b2b.members import LOGIN_TASK
from sandbox.b2b.models import BUYER, MEMBER_TYPES, SUPPLIER, CartLine, Member, Order, OrderLine, Product
from sandbox.ebank.models import CORPORATE, PAID, BankAccount, Payment
from sandbox.email.models import Mailbox, MailItem, Message
from sandbox.events import Event
from sandbox.ledger.models import Posting
from sandbox.logistics.models import APPROVED, DeliveryFee, DeliveryOrder, Provider, ServiceApplication
from sandbox.pki.models import Certificate
from sandbox.scenarios.checks import CheckContext, Outcome, check

#: task code -> (check kind, parameters) as the scenario files name them.
TASK_CHECKS: dict[str, tuple[str, dict[str, str]]] = {
    "B2B001": ("b2b.member_registered", {}),
    "B2B003": ("b2b.login", {"member_type": BUYER}),
    "B2B004": ("b2b.login", {"member_type": SUPPLIER}),
    "B2B005": ("b2b.cart_added", {}),
    "B2B006": ("b2b.order_created", {}),
    "B2B008": ("b2b.order_accepted", {}),
    "B2B009": ("b2b.order_confirmed", {}),
    "B2B010": ("b2b.delivery_order_created", {}),
    "B2B017": ("b2b.order_settled", {}),
    "B2B030": ("b2b.query_logged", {"screen": "receivables", "task_code": "B2B030"}),
    "B2B031": ("b2b.query_logged", {"screen": "payables_logistics", "task_code": "B2B031"}),
    "B2B032": ("b2b.query_logged", {"screen": "payables", "task_code": "B2B032"}),
}
QUERY_SCREENS = {"receivables": "B2B030", "payables_logistics": "B2B031", "payables": "B2B032"}
ACCEPTED_OR_LATER = (m.ACCEPTED, m.CONFIRMED, m.DELIVERY_ORDERED, m.DELIVERED)
CONFIRMED_OR_LATER = (m.CONFIRMED, m.DELIVERY_ORDERED, m.DELIVERED)


def _first(rows: Iterable[Any], evidence: Any) -> dict[int, Outcome]:
    out: dict[int, Outcome] = {}
    for row in rows:
        if row[0] not in out:
            out[row[0]] = Outcome(True, evidence(row))
    return out


def _own_members(ctx: CheckContext, member: Any, member_type: str | None = None) -> Any:
    clauses = [member.class_id == ctx.class_id, member.owner_id.in_(ctx.students)]
    if member_type is not None:
        clauses.append(member.member_type == member_type)
    return and_(*clauses)


def _event_on(event: Any, kind: str, subject: Any, actor: Any, ctx: CheckContext) -> Any:
    """``event`` is the ``kind`` event on ``subject`` (an id column) done by ``actor``."""
    return and_(event.kind == kind, event.subject == cast(subject, String), event.actor_id == actor,
                event.class_id == ctx.class_id)


def _member_type(params: dict[str, Any]) -> str | None:
    kind = params.get("member_type")
    if kind in (None, "", "any"):
        return None
    if kind not in MEMBER_TYPES:
        raise ValueError(f"unknown member_type {kind!r}")
    return str(kind)


# ----------------------------------------------------------------------------- B2B001 / B2B003 / B2B004


@check("b2b.member_registered", params=("member_type",))
def member_registered(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B001: a member the student registered (their own event), approved, linked to the CA
    certificate this registration issued (task B2B001, the student's). If the registration mailed
    the certificate to the student's mailbox, that mailbox holds the CA's mail quoting its number."""

    rows = ctx.session.execute(
        select(Member.owner_id, Member.id, Member.member_type, Certificate.number, Event.id, Event.data)
        .join(Event, _event_on(Event, "b2b.member_registered", Member.id, Member.owner_id, ctx))
        .join(Certificate, and_(Certificate.id == Member.certificate_id, Certificate.owner_id == Member.owner_id,
                                Certificate.class_id == Member.class_id, Certificate.task_code == "B2B001"))
        .where(_own_members(ctx, Member, _member_type(params)), Member.status == m.APPROVED,
               Event.task_code == "B2B001")
        .order_by(Member.owner_id, Member.id)
    ).all()
    mailed = {(r[0], (r[5] or {}).get("mailed_to")) for r in rows if (r[5] or {}).get("mailed_to")}
    bodies: dict[tuple[int, str], list[str]] = {}
    if mailed:
        for owner, address, body in ctx.session.execute(
            select(Mailbox.owner_id, Mailbox.address, Message.body)
            .join(MailItem, MailItem.mailbox_id == Mailbox.id)
            .join(Message, Message.id == MailItem.message_id)
            .where(Mailbox.class_id == ctx.class_id, Mailbox.address.in_({a for _, a in mailed}),
                   Message.is_system.is_(True), Message.system_kind == "ca.certificate_issued")
        ):
            bodies.setdefault((owner, address), []).append(body or "")
    ok = []
    for row in rows:
        to = (row[5] or {}).get("mailed_to")
        if to and not any(row[3] in body for body in bodies.get((row[0], to), [])):
            continue
        ok.append(row)
    return _first(ok, lambda r: {"member_id": r[1], "member_type": r[2], "certificate_number": r[3], "event_id": r[4],
                                 "mailed_to": (r[5] or {}).get("mailed_to")})


@check("b2b.login", params=("member_type",))
def login(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B003 (``member_type`` buyer) / B2B004 (supplier): the B2B login log has a successful
    login by the student as their own member of that type."""
    kind = _member_type(params) or BUYER
    rows = ctx.session.execute(
        select(Member.owner_id, Event.id, Member.id, Event.data)
        .join(Event, _event_on(Event, "b2b.login_succeeded", Member.id, Member.owner_id, ctx))
        .where(_own_members(ctx, Member, kind), Event.task_code == LOGIN_TASK[kind])
        .order_by(Member.owner_id, Event.id)
    ).all()
    return _first(rows, lambda r: {"event_id": r[1], "member_id": r[2], "method": (r[3] or {}).get("method")})


# ----------------------------------------------------------------------------- B2B005 / B2B006


@check("b2b.cart_added")
def cart_added(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B005: the student's buyer put a supplier product in its cart (their own event; the cart
    line may since have been ordered, asked about or removed)."""
    supplier = aliased(Member)
    rows = ctx.session.execute(
        select(Member.owner_id, Event.id, CartLine.id, Product.id, Product.sku)
        .join(CartLine, CartLine.buyer_id == Member.id)
        .join(Event, _event_on(Event, "b2b.cart_added", CartLine.id, Member.owner_id, ctx))
        .join(Product, Product.id == CartLine.product_id)
        .join(supplier, and_(supplier.id == Product.supplier_id, supplier.member_type == SUPPLIER,
                             supplier.class_id == ctx.class_id))
        .where(_own_members(ctx, Member, BUYER), Event.task_code == "B2B005")
        .order_by(Member.owner_id, Event.id)
    ).all()
    return _first(rows, lambda r: {"event_id": r[1], "cart_line_id": r[2], "product_id": r[3], "sku": r[4]})


@check("b2b.order_created")
def order_created(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B006: an order of the student's buyer, generated by the student, with at least one line,
    a payment method and a delivery date, in state created or any later state."""
    has_line = exists().where(OrderLine.order_id == Order.id, OrderLine.quantity > 0)
    rows = ctx.session.execute(
        select(Member.owner_id, Order.id, Order.number, Order.state, Event.id)
        .join(Order, Order.buyer_id == Member.id)
        .join(Event, _event_on(Event, "b2b.order_created", Order.id, Member.owner_id, ctx))
        .where(_own_members(ctx, Member, BUYER), Event.task_code == "B2B006", has_line,
               Order.payment_method.in_(m.PAYMENT_METHODS), Order.delivery_date.is_not(None),
               Order.state.in_(m.ORDER_STATES))
        .order_by(Member.owner_id, Order.id)
    ).all()
    return _first(rows, lambda r: {"order_id": r[1], "number": r[2], "state": r[3], "event_id": r[4]})


# ----------------------------------------------------------------------------- B2B008 / B2B009 / B2B010


@check("b2b.order_accepted")
def order_accepted(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B008: an order to the student's supplier is accepted or later, and its trail has the
    accept done by the student as that supplier."""
    rows = ctx.session.execute(
        select(Member.owner_id, Order.id, Order.number, Order.state, Event.id)
        .join(Order, Order.supplier_id == Member.id)
        .join(Event, _event_on(Event, "b2b.order_accepted", Order.id, Member.owner_id, ctx))
        .where(_own_members(ctx, Member, SUPPLIER), Event.task_code == "B2B008", Order.state.in_(ACCEPTED_OR_LATER))
        .order_by(Member.owner_id, Event.id)
    ).all()
    return _first(rows, lambda r: {"order_id": r[1], "number": r[2], "state": r[3], "event_id": r[4]})


@check("b2b.order_confirmed")
def order_confirmed(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B009: an order of the student's buyer is confirmed or later; its trail shows the
    supplier's acceptance and, after it, the confirmation done by the student as that buyer."""
    supplier = aliased(Member)
    accepted = aliased(Event)
    rows = ctx.session.execute(
        select(Member.owner_id, Order.id, Order.number, Order.state, Event.id, accepted.id)
        .join(Order, Order.buyer_id == Member.id)
        .join(supplier, supplier.id == Order.supplier_id)
        .join(Event, _event_on(Event, "b2b.order_confirmed", Order.id, Member.owner_id, ctx))
        .join(accepted, and_(_event_on(accepted, "b2b.order_accepted", Order.id, supplier.owner_id, ctx),
                             accepted.id < Event.id))
        .where(_own_members(ctx, Member, BUYER), Event.task_code == "B2B009", Order.state.in_(CONFIRMED_OR_LATER),
               Order.settlement_state.is_not(None))
        .order_by(Member.owner_id, Event.id)
    ).all()
    return _first(rows, lambda r: {"order_id": r[1], "number": r[2], "state": r[3], "event_id": r[4],
                                   "accepted_event_id": r[5]})


@check("b2b.delivery_order_created")
def delivery_order_created(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B010: a delivery order made by the student's supplier (their own event) for a confirmed
    order of that supplier, addressed to a logistics provider that approved the supplier (LGS022),
    in 待受理 or later."""

    confirmed = aliased(Event)
    was_confirmed = exists().where(
        confirmed.kind == "b2b.order_confirmed", confirmed.subject == cast(Order.id, String),
        confirmed.class_id == ctx.class_id,
    )
    rows = ctx.session.execute(
        select(Member.owner_id, DeliveryOrder.id, DeliveryOrder.number, Order.id, Provider.name, Event.id)
        .join(DeliveryOrder, DeliveryOrder.supplier_id == Member.id)
        .join(Order, and_(Order.id == DeliveryOrder.order_id, Order.supplier_id == Member.id))
        .join(Provider, and_(Provider.id == DeliveryOrder.provider_id, Provider.class_id == ctx.class_id))
        .join(ServiceApplication, and_(ServiceApplication.provider_id == Provider.id,
                                       ServiceApplication.supplier_id == Member.id,
                                       ServiceApplication.state == APPROVED))
        .join(Event, _event_on(Event, "b2b.delivery_order_created", DeliveryOrder.id, Member.owner_id, ctx))
        .where(_own_members(ctx, Member, SUPPLIER), Event.task_code == "B2B010", was_confirmed,
               Order.state.in_((m.DELIVERY_ORDERED, m.DELIVERED)))
        .order_by(Member.owner_id, DeliveryOrder.id)
    ).all()
    return _first(rows, lambda r: {"delivery_order_id": r[1], "number": r[2], "order_id": r[3], "provider": r[4],
                                   "event_id": r[5]})


# ----------------------------------------------------------------------------- B2B017


@check("b2b.order_settled")
def order_settled(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B017: an order of the student's buyer is settled, the settlement is attributed to the
    student (settled_by and the b2b.order_settled event), and it was paid through the e-bank: a
    paid B2B payment referencing the order, for its amount, from the student's corporate account
    to the supplier owner's corporate account, whose ledger entry debits the one and credits the
    other."""

    supplier = aliased(Member)
    payer = aliased(BankAccount)
    payee = aliased(BankAccount)
    rows = ctx.session.execute(
        select(Member.owner_id, Order.id, Order.number, Payment.id, Payment.reference, Payment.entry_id,
               payer.ledger_account_id, payee.ledger_account_id, Order.total_fen, Event.id)
        .join(Order, Order.buyer_id == Member.id)
        .join(supplier, supplier.id == Order.supplier_id)
        .join(Event, _event_on(Event, "b2b.order_settled", Order.id, Member.owner_id, ctx))
        .join(Payment, and_(Payment.id == Order.payment_id, Payment.status == PAID, Payment.purpose == "b2b",
                            Payment.amount_fen == Order.total_fen, Payment.class_id == ctx.class_id))
        .join(payer, and_(payer.id == Payment.payer_account_id, payer.owner_id == Member.owner_id,
                          payer.kind == CORPORATE))
        .join(payee, and_(payee.id == Payment.payee_account_id, payee.owner_id == supplier.owner_id,
                          payee.kind == CORPORATE))
        .where(_own_members(ctx, Member, BUYER), Event.task_code == "B2B017", Order.settlement_state == m.SETTLED,
               Order.settled_by == Member.owner_id)
        .order_by(Member.owner_id, Order.id)
    ).all()
    rows = [r for r in rows if r[4] == f"b2b-order:{r[1]}" and r[5] is not None]
    legs: dict[int, dict[int, int]] = {}
    if rows:
        for entry_id, account_id, amount in ctx.session.execute(
            select(Posting.entry_id, Posting.account_id, Posting.amount_fen)
            .where(Posting.entry_id.in_({r[5] for r in rows}))
        ):
            legs.setdefault(entry_id, {})[account_id] = legs.get(entry_id, {}).get(account_id, 0) + amount
    ok = [r for r in rows if legs.get(r[5], {}).get(r[6]) == -r[8] and legs.get(r[5], {}).get(r[7]) == r[8]]
    return _first(ok, lambda r: {"order_id": r[1], "number": r[2], "payment_id": r[3], "entry_id": r[5],
                                 "amount_fen": int(r[8]), "event_id": r[9]})


# ----------------------------------------------------------------------------- B2B030 / B2B031 / B2B032


@check("b2b.query_logged", params=("screen", "task_code"))
def query_logged(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B030 (``screen`` receivables), B2B031 (payables_logistics), B2B032 (payables): the
    student's own ``b2b.query`` of that screen, as their own member of the right type, whose
    logged result lists at least one of that member's own confirmed orders (B2B030, B2B032) or
    delivery fees of its own delivery orders (B2B031)."""
    screen = str(params.get("screen", ""))
    if screen not in QUERY_SCREENS:
        raise ValueError(f"unknown screen {screen!r}")
    task_code = str(params.get("task_code") or QUERY_SCREENS[screen])
    if task_code != QUERY_SCREENS[screen]:
        raise ValueError(f"screen {screen!r} is task {QUERY_SCREENS[screen]}, not {task_code!r}")
    member_type = BUYER if screen == "payables" else SUPPLIER
    evs = list(ctx.session.execute(
        select(Event.id, Event.actor_id, Event.data).where(
            Event.kind == "b2b.query", Event.class_id == ctx.class_id, Event.actor_id.in_(ctx.students),
            Event.task_code == task_code,
        ).order_by(Event.id)
    ))
    evs = [e for e in evs if (e.data or {}).get("screen") == screen]
    if not evs:
        return {}
    owners = dict(ctx.session.execute(
        select(Member.id, Member.owner_id).where(_own_members(ctx, Member, member_type))
    ).all())
    candidates = []
    for ev in evs:
        data = ev.data or {}
        member_id = data.get("member_id")
        if owners.get(member_id) != ev.actor_id:
            continue
        ids = [i for i in (data.get("returned_ids") or []) if isinstance(i, int)]
        candidates.append((ev, int(member_id), ids))
    all_ids = {i for _, _, ids in candidates for i in ids}
    if not all_ids:
        return {}
    if screen == "payables_logistics":
        mine = {
            fid: sup for fid, sup in ctx.session.execute(
                select(DeliveryFee.id, DeliveryFee.supplier_id)
                .join(DeliveryOrder, and_(DeliveryOrder.id == DeliveryFee.delivery_order_id,
                                          DeliveryOrder.supplier_id == DeliveryFee.supplier_id))
                .where(DeliveryFee.id.in_(all_ids), DeliveryFee.class_id == ctx.class_id)
            )
        }
    else:
        side = Order.buyer_id if screen == "payables" else Order.supplier_id
        mine = dict(ctx.session.execute(
            select(Order.id, side).where(Order.id.in_(all_ids), Order.class_id == ctx.class_id,
                                         Order.state.in_(CONFIRMED_OR_LATER), Order.confirmed_at.is_not(None))
        ).all())
    out: dict[int, Outcome] = {}
    for ev, member_id, ids in candidates:
        hits = [i for i in ids if mine.get(i) == member_id]
        if hits and ev.actor_id not in out:
            out[ev.actor_id] = Outcome(True, {"event_id": ev.id, "member_id": member_id, "returned": len(ids),
                                              "first_id": hits[0]})
    return out
