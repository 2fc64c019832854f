"""Instructor interventions (教师干预), each with a note the student sees.

Invariants:
- Only an instructor of the class intervenes, only for a student of that class; every
  intervention needs a note of 1–500 characters and is one transaction that writes its event:
  ``grade.adjusted`` (task_code column and data {student_id, task_code, points, note}) or
  ``instructor.<what>`` (data {student_id, note, …}). ``sandbox.teaching.scores.notes_for``
  shows them to the student; the event log is the whole history (nothing else is stored).
- Adjusting a score sets the task's points outright (the latest adjustment wins, see
  ``scores``): 0 ≤ points ≤ the task's points. Full marks is the ceiling (no bonus above a task's
  worth, so totals stay comparable); 0 is the floor. Any task the class uses can be adjusted,
  done or not (credit for work done outside the sandbox).
- Unlocking clears the payment-password lock of every locked (or failing) bank account of the
  student in the class, through ``sandbox.ebank.unlock`` (event ``ebank.account_unlocked`` too).
- Settling a stuck document uses only legal moves, through conditional updates:
  * a pending e-bank payment request (status created) the student asked for or is the payee of
    → cancelled (as the logistics fee code withdraws one); a new request can then be made;
  * a B2B order in 已生成订货单 (created) of the student's buyer or supplier company, waiting on
    the supplier's acceptance → 已拒绝 (rejected), the order table's ``created → rejected`` move
    (ours, beside B2B008), with the reserved quantities released like the supplier's own reject.
    No task is credited to anybody (the event has no task code); the buyer can order again.
    Moving it forward (accepting on the supplier's behalf) would credit B2B008 to a student who
    did not do it, so we never do that.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, aliased

from sandbox import events
from sandbox.actor import INSTRUCTOR, STUDENT, Actor
from sandbox.b2b import models as b2b_models
from sandbox.b2b import states as b2b_states
from sandbox.b2b.models import Member, Order, OrderLine, Product
from sandbox.db import utcnow
from sandbox.ebank.models import CANCELLED, CREATED, BankAccount, Payment
from sandbox.ebank.unlock import locked_payment_accounts
from sandbox.ebank.unlock import unlock_payment_password as _unlock_account
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.identity.models import Membership, User
from sandbox.identity.services import require_class_member
from sandbox.scenarios.model import TaskSet
from sandbox.teaching.scores import GRADE_ADJUSTED, INSTRUCTOR_PREFIX, Note, notes_for
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

NOTE_MAX = 500
UNLOCKED = "instructor.unlock_payment_password"
SETTLED = "instructor.settle_document"
PAYMENT, B2B_ORDER = "payment", "b2b_order"
DOCUMENT_KINDS = (PAYMENT, B2B_ORDER)


@dataclass(frozen=True)
class StuckDocument:
    kind: str  # payment | b2b_order
    id: int
    number: str  # out_trade_no / order number
    state: str
    amount_fen: int
    created_at: datetime
    detail: str  # subject of a payment, company names of an order


@dataclass(frozen=True)
class HistoryRow:
    at: datetime
    kind: str
    student_id: int | None
    student: str
    by: str
    task_code: str | None
    note: str
    data: dict[str, Any]


def _note(value: object) -> str:
    return clean_text(value, "intervene.note", max_len=NOTE_MAX, multiline=True)


def _check(session: Session, actor: Actor, class_id: int, student_id: int) -> None:
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, INSTRUCTOR)
    found = session.scalar(select(Membership.id).where(
        Membership.class_id == class_id, Membership.user_id == student_id, Membership.role == STUDENT))
    if found is None:
        raise DomainError("class.no_such_student")


def _replayed(session: Session, request_id: str | None, kind: str) -> bool:
    done = events.replayed(session, request_id)
    if done is None:
        return False
    if done.kind != kind:
        raise DomainError("request.duplicate")
    return True


def _as_id(value: object, field: str) -> int:
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise DomainError("input.required", field=field) from None


# ----------------------------------------------------------------------------- adjust a score


def adjust_score(
    uow: UnitOfWork, actor: Actor, class_id: int, student_id: int, task_code: str, points: object, note: object,
    request_id: str | None, *, tasks: TaskSet | None = None,
) -> float:
    """Set a student's points for one task (0 … the task's points); returns them. Raises auth.forbidden,
    class.not_found, class.no_such_student, intervene.unknown_task, intervene.bad_points, input.*."""
    text = _note(note)
    try:
        value = round(float(str(points).strip()), 2)
    except ValueError:
        raise DomainError("intervene.bad_points", field="intervene.points", high=0) from None
    with uow.write() as s:
        _check(s, actor, class_id, student_id)
        if _replayed(s, request_id, GRADE_ADJUSTED):
            return value
        from sandbox.teaching.assignments import class_tasks

        task = class_tasks(s, class_id, tasks).tasks.get(str(task_code))
        if task is None:
            raise DomainError("intervene.unknown_task", field="intervene.task", task=str(task_code)[:16])
        if not 0 <= value <= task.points or value != value:  # NaN never compares
            raise DomainError("intervene.bad_points", field="intervene.points", high=f"{task.points:g}")
        # written like events.record, with task_code both in its column and in data
        s.add(Event(at=utcnow(), actor_id=actor.user_id, class_id=class_id, kind=GRADE_ADJUSTED,
                    subject=f"user:{student_id}", task_code=task.code, request_id=request_id,
                    data={"student_id": student_id, "task_code": task.code, "points": value, "note": text}))
        s.flush()
        return value


# ----------------------------------------------------------------------------- unlock a payment password


def unlock_payment_password(
    uow: UnitOfWork, actor: Actor, class_id: int, student_id: int, note: object, request_id: str | None
) -> list[str]:
    """Unlock the student's locked payment passwords; returns the account numbers. Raises
    auth.forbidden, class.not_found, class.no_such_student, intervene.nothing_locked, input.*."""
    text = _note(note)
    with uow.write() as s:
        _check(s, actor, class_id, student_id)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != UNLOCKED:
                raise DomainError("request.duplicate")
            return list((done.data or {}).get("accounts", []))
        accounts = locked_payment_accounts(s, class_id, student_id)
        if not accounts:
            raise DomainError("intervene.nothing_locked")
        for account in accounts:
            _unlock_account(s, actor, account)
        numbers = [a.account_number for a in accounts]
        events.record(s, UNLOCKED, actor=actor, class_id=class_id, subject=f"user:{student_id}",
                      request_id=request_id, student_id=student_id, note=text, accounts=numbers)
        return numbers


def locked_accounts(session: Session, actor: Actor, class_id: int, student_id: int) -> list[tuple[str, str, bool, int]]:
    """(account number, kind, locked, failures) of the student's accounts with a payment lock or failures.
    Raises auth.forbidden, class.not_found, class.no_such_student."""
    _check(session, actor, class_id, student_id)
    return [(a.account_number, a.kind, a.pay_locked_at is not None, a.pay_failures)
            for a in locked_payment_accounts(session, class_id, student_id)]


# ----------------------------------------------------------------------------- settle a stuck document


def _member_ids(session: Session, class_id: int, student_id: int) -> list[int]:
    return list(session.scalars(select(Member.id).where(Member.class_id == class_id, Member.owner_id == student_id)))


def stuck_documents(session: Session, actor: Actor, class_id: int, student_id: int) -> list[StuckDocument]:
    """The student's documents an instructor may settle: pending payment requests, orders awaiting
    acceptance. Raises auth.forbidden, class.not_found, class.no_such_student."""
    _check(session, actor, class_id, student_id)
    payee = aliased(BankAccount)
    out: list[StuckDocument] = []
    for p in session.scalars(
        select(Payment).join(payee, payee.id == Payment.payee_account_id)
        .where(Payment.class_id == class_id, Payment.status == CREATED,
               or_(Payment.created_by == student_id, payee.owner_id == student_id))
        .order_by(Payment.id)
    ):
        out.append(StuckDocument(PAYMENT, p.id, p.out_trade_no, p.status, p.amount_fen, p.created_at, p.subject))
    members = _member_ids(session, class_id, student_id)
    if members:
        buyer, supplier = aliased(Member), aliased(Member)
        rows = session.execute(
            select(Order, buyer.company_name, supplier.company_name)
            .join(buyer, buyer.id == Order.buyer_id).join(supplier, supplier.id == Order.supplier_id)
            .where(Order.class_id == class_id, Order.state == b2b_models.CREATED,
                   or_(Order.buyer_id.in_(members), Order.supplier_id.in_(members)))
            .order_by(Order.id)
        ).all()
        for order, b, sup in rows:
            out.append(StuckDocument(B2B_ORDER, order.id, order.number, order.state, order.total_fen, order.created_at,
                                     f"{b} → {sup}"))
    return out


def _cancel_payment(session: Session, class_id: int, student_id: int, payment_id: int) -> dict[str, Any]:
    payment = session.get(Payment, payment_id)
    if payment is None or payment.class_id != class_id:
        raise DomainError("intervene.no_document")
    payee_owner = session.scalar(select(BankAccount.owner_id).where(BankAccount.id == payment.payee_account_id))
    if student_id not in (payment.created_by, payee_owner):
        raise DomainError("intervene.no_document")
    won = session.execute(
        update(Payment).where(Payment.id == payment_id, Payment.status == CREATED)
        .values(status=CANCELLED).execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        raise DomainError("intervene.not_stuck")
    return {"payment_id": payment_id, "number": payment.out_trade_no, "from_state": CREATED, "to_state": CANCELLED}


def _reject_order(session: Session, actor: Actor, class_id: int, student_id: int, order_id: int,
                  note: str) -> dict[str, Any]:
    order = session.get(Order, order_id)
    members = _member_ids(session, class_id, student_id)
    if order is None or order.class_id != class_id or not {order.buyer_id, order.supplier_id} & set(members):
        raise DomainError("intervene.no_document")
    if order.state != b2b_models.CREATED:
        raise DomainError("intervene.not_stuck")
    try:
        b2b_states.move(session, b2b_states.ORDER, Order, order.id, b2b_models.CREATED, b2b_models.REJECTED, "B2B008")
    except DomainError:
        raise DomainError("intervene.not_stuck") from None
    for product_id, quantity in session.execute(
        select(OrderLine.product_id, OrderLine.quantity).where(OrderLine.order_id == order.id)
        .order_by(OrderLine.product_id)
    ).all():
        session.execute(
            update(Product).where(Product.id == product_id).values(available=Product.available + quantity)
            .execution_options(synchronize_session=False)
        )
    events.record(  # the order's own history (orders.HISTORY_KINDS), credited to nobody
        session, "b2b.order_rejected", actor=actor, class_id=class_id, subject=str(order.id),
        from_state=b2b_models.CREATED, to_state=b2b_models.REJECTED, order_id=order.id, number=order.number,
        buyer_id=order.buyer_id, supplier_id=order.supplier_id, total_fen=order.total_fen, reason=note,
        by_instructor=True,
    )
    return {"order_id": order.id, "number": order.number, "from_state": b2b_models.CREATED,
            "to_state": b2b_models.REJECTED}


def settle_document(
    uow: UnitOfWork, actor: Actor, class_id: int, student_id: int, kind: str, document_id: object, note: object,
    request_id: str | None,
) -> dict[str, Any]:
    """Settle a stuck document of the student (see module docstring); returns what changed. Raises
    auth.forbidden, class.not_found, class.no_such_student, intervene.bad_kind, intervene.no_document,
    intervene.not_stuck, input.*."""
    text = _note(note)
    if kind not in DOCUMENT_KINDS:
        raise DomainError("intervene.bad_kind", field="intervene.document")
    doc_id = _as_id(document_id, "intervene.document")
    with uow.write() as s:
        _check(s, actor, class_id, student_id)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != SETTLED:
                raise DomainError("request.duplicate")
            return dict((done.data or {}).get("change", {}))
        if kind == PAYMENT:
            change = _cancel_payment(s, class_id, student_id, doc_id)
        else:
            change = _reject_order(s, actor, class_id, student_id, doc_id, text)
        events.record(s, SETTLED, actor=actor, class_id=class_id, subject=f"{kind}:{doc_id}", request_id=request_id,
                      student_id=student_id, note=text, document=kind, change=change)
        return change


# ----------------------------------------------------------------------------- history


def history(session: Session, actor: Actor, class_id: int, student_id: int | None = None) -> list[HistoryRow]:
    """Interventions and adjustments in a class (of one student, if given), newest first. Raises
    auth.forbidden, class.not_found, class.no_such_student."""
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, INSTRUCTOR)
    if student_id is not None:
        _check(session, actor, class_id, student_id)
        notes: list[tuple[int | None, Note]] = [(student_id, n) for n in notes_for(session, class_id, student_id)]
    else:
        notes = []
        for ev in session.scalars(select(Event).where(
                Event.class_id == class_id, or_(Event.kind == GRADE_ADJUSTED, Event.kind.startswith(INSTRUCTOR_PREFIX)))
                .order_by(Event.id)):
            d = ev.data or {}
            sid = d.get("student_id") if isinstance(d.get("student_id"), int) else None
            notes.append((sid, Note(ev.at, ev.kind, ev.actor_id, ev.task_code or d.get("task_code"),
                                    str(d.get("note", "")), d)))
    ids = {n.by for _, n in notes if n.by} | {sid for sid, _ in notes if sid}
    names = dict(session.execute(select(User.id, User.username).where(User.id.in_(ids))).all()) if ids else {}
    rows = [HistoryRow(n.at, n.kind, sid, names.get(sid, "") if sid else "", names.get(n.by, "") if n.by else "",
                       n.task_code, n.note, n.data) for sid, n in notes]
    return list(reversed(rows))
