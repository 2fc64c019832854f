"""Instructor interventions: each needs a note the student sees; an adjustment changes the score,
an unlock lets the student pay again, a stuck payment request or order is settled legally."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sandbox.b2b.models import Order, OrderLine, Product
from sandbox.bots import BotWorld, new_request_id
from sandbox.bots.ebank import PAY_PASSWORD, WRONG_PAY_PASSWORD
from sandbox.ebank import gateway
from sandbox.ebank import services as bank
from sandbox.ebank.models import CORPORATE, BankAccount, Payment
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.scenarios.grading import grade
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.teaching import interventions
from sandbox.teaching.scores import Rules, notes_for, score_class
from sandbox.uow import UnitOfWork
from tests import factories

TASKS = load_directory()


def _count(uow: UnitOfWork, model: type, *where: object) -> int:
    with uow.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
def room(uow: UnitOfWork):
    teacher = factories.instructor(uow)
    a = factories.classroom(uow, teacher, "EC-2026 A")
    ann = factories.student(uow, a, "ann", "Ann Li", number="1")
    bob = factories.student(uow, a, "bob", "Bob Wang", number="2")
    b = factories.classroom(uow, teacher, "EC-2026 B")
    cat = factories.student(uow, b, "cat", "Cat Zhou", number="1")
    return {"uow": uow, "teacher": teacher, "a": a, "ann": ann, "bob": bob, "cat": cat}


def _points(uow: UnitOfWork, class_id: int, uid: int, code: str) -> float:
    with uow.read() as s:
        return score_class(s, class_id, [uid], [TASKS.tasks[code]], Rules())[uid][code].points


def test_a_note_is_required_and_nothing_is_recorded_without_one(room) -> None:
    uow, teacher, a, ann = room["uow"], room["teacher"], room["a"], room["ann"]
    for note in ("", "   ", "x" * 501):
        with pytest.raises(DomainError) as err:
            interventions.adjust_score(uow, teacher, a.id, ann.user_id, "EMAIL001", 1, note, new_request_id())
        assert err.value.code in ("input.required", "input.too_long") and err.value.field == "intervene.note"
        with pytest.raises(DomainError):
            interventions.unlock_payment_password(uow, teacher, a.id, ann.user_id, note, new_request_id())
        with pytest.raises(DomainError):
            interventions.settle_document(uow, teacher, a.id, ann.user_id, "payment", 1, note, new_request_id())
    assert _count(uow, Event, Event.kind.like("instructor.%") | (Event.kind == "grade.adjusted")) == 0


def test_an_adjustment_changes_the_score_and_the_student_sees_the_note(room) -> None:
    uow, teacher, a, ann, bob = room["uow"], room["teacher"], room["a"], room["ann"], room["bob"]
    run_golden(BotWorld(uow, a.id, ann), TASKS, "EMAIL001", set())
    assert _points(uow, a.id, ann.user_id, "EMAIL001") == 2

    interventions.adjust_score(uow, teacher, a.id, ann.user_id, "EMAIL001", 0.5, "Copied the address", new_request_id())
    interventions.adjust_score(uow, teacher, a.id, bob.user_id, "CA001", "2", "Done on paper in the lab",
                               new_request_id())

    assert _points(uow, a.id, ann.user_id, "EMAIL001") == 0.5
    assert _points(uow, a.id, bob.user_id, "CA001") == 2  # credit for work not done in the sandbox
    with uow.read() as s:
        (note,) = notes_for(s, a.id, ann.user_id)
        assert (note.kind, note.task_code, note.note, note.by) == ("grade.adjusted", "EMAIL001", "Copied the address",
                                                                   teacher.user_id)
        ev = s.scalars(select(Event).where(Event.kind == "grade.adjusted")).first()
        assert ev.data == {"student_id": ann.user_id, "task_code": "EMAIL001", "points": 0.5,
                           "note": "Copied the address"}
        history = interventions.history(s, teacher, a.id)
    assert [(h.student, h.task_code) for h in history] == [("bob", "CA001"), ("ann", "EMAIL001")]


@pytest.mark.parametrize("points", [-1, 2.5, "lots"])
def test_points_outside_zero_to_the_task_points_are_refused(room, points) -> None:
    uow, teacher, a, ann = room["uow"], room["teacher"], room["a"], room["ann"]
    with pytest.raises(DomainError) as err:
        interventions.adjust_score(uow, teacher, a.id, ann.user_id, "EMAIL001", points, "why", new_request_id())
    assert err.value.code == "intervene.bad_points"
    assert _count(uow, Event, Event.kind == "grade.adjusted") == 0


def test_only_the_classes_instructor_intervenes_and_only_for_its_students(room) -> None:
    uow, teacher, a, ann, cat = room["uow"], room["teacher"], room["a"], room["ann"], room["cat"]
    cases = [
        (ann, ann.user_id, "auth.forbidden"),
        (teacher, cat.user_id, "class.no_such_student"),
        (factories.instructor(uow, "zhang", "Zhang Wei"), ann.user_id, "class.not_found"),
    ]
    for who, student, code in cases:
        with pytest.raises(DomainError) as err:
            interventions.adjust_score(uow, who, a.id, student, "EMAIL001", 1, "note", new_request_id())
        assert err.value.code == code
    with pytest.raises(DomainError) as err:
        interventions.adjust_score(uow, teacher, a.id, ann.user_id, "NOPE999", 1, "note", new_request_id())
    assert err.value.code == "intervene.unknown_task"


def _corporate_account(uow: UnitOfWork, class_id: int, actor) -> int:
    run_golden(BotWorld(uow, class_id, actor), TASKS, "EBANK001", set())
    with uow.read() as s:
        return s.scalar(select(BankAccount.id).where(BankAccount.owner_id == actor.user_id,
                                                     BankAccount.kind == CORPORATE))


def test_unlocking_lets_the_student_pay_again(room) -> None:
    uow, teacher, a, ann = room["uow"], room["teacher"], room["a"], room["ann"]
    account = _corporate_account(uow, a.id, ann)
    with pytest.raises(DomainError) as err:
        interventions.unlock_payment_password(uow, teacher, a.id, ann.user_id, "nothing to do", new_request_id())
    assert err.value.code == "intervene.nothing_locked"
    for _ in range(5):
        with pytest.raises(DomainError):
            bank.check_payment(uow, ann, account, WRONG_PAY_PASSWORD)
    with pytest.raises(DomainError) as err:
        bank.check_payment(uow, ann, account, PAY_PASSWORD)
    assert err.value.code == "ebank.payment_locked"

    numbers = interventions.unlock_payment_password(uow, teacher, a.id, ann.user_id, "Typo five times; unlocked",
                                                    new_request_id())

    bank.check_payment(uow, ann, account, PAY_PASSWORD)  # no error: the student can pay again
    with uow.read() as s:
        acc = s.get(BankAccount, account)
        assert numbers == [acc.account_number] and acc.pay_failures == 0 and acc.pay_locked_at is None
        (note,) = notes_for(s, a.id, ann.user_id)
        assert (note.kind, note.note) == ("instructor.unlock_payment_password", "Typo five times; unlocked")
        assert s.scalar(select(func.count()).select_from(Event).where(Event.kind == "ebank.account_unlocked")) == 1


def test_a_pending_payment_request_is_cancelled(room) -> None:
    uow, teacher, a, ann = room["uow"], room["teacher"], room["a"], room["ann"]
    account = _corporate_account(uow, a.id, ann)
    with uow.write() as s:
        request = gateway.create_payment(s, class_id=a.id, payee_account_id=account, out_trade_no="T-1",
                                         amount_fen=12_300, subject="Goods", purpose="other", actor=ann)
    with uow.read() as s:
        (doc,) = interventions.stuck_documents(s, teacher, a.id, ann.user_id)
    assert (doc.kind, doc.id, doc.number, doc.amount_fen) == ("payment", request.payment_id, "T-1", 12_300)

    change = interventions.settle_document(uow, teacher, a.id, ann.user_id, "payment", doc.id, "Stuck since Monday",
                                           new_request_id())

    assert change["to_state"] == "cancelled"
    with uow.read() as s:
        assert s.get(Payment, request.payment_id).status == "cancelled"
        assert interventions.stuck_documents(s, teacher, a.id, ann.user_id) == []
        assert [n.note for n in notes_for(s, a.id, ann.user_id)] == ["Stuck since Monday"]
    with pytest.raises(DomainError) as err:
        interventions.settle_document(uow, teacher, a.id, ann.user_id, "payment", doc.id, "again", new_request_id())
    assert err.value.code == "intervene.not_stuck"


def test_an_order_waiting_for_the_supplier_is_rejected_and_its_stock_released(room) -> None:
    uow, teacher, a, ann, bob = room["uow"], room["teacher"], room["a"], room["ann"], room["bob"]
    run_golden(BotWorld(uow, a.id, ann), TASKS, "B2B006", set())  # an order to a bot supplier, not accepted
    with uow.read() as s:
        order_id = s.scalars(select(Order.id)).one()
        lines = s.execute(select(OrderLine.product_id, OrderLine.quantity).where(OrderLine.order_id == order_id)).all()
        available = {p: s.get(Product, p).available for p, _ in lines}
        (doc,) = interventions.stuck_documents(s, teacher, a.id, ann.user_id)
    assert (doc.kind, doc.id, doc.state) == ("b2b_order", order_id, "created")
    with pytest.raises(DomainError) as err:  # not Bob's order
        interventions.settle_document(uow, teacher, a.id, bob.user_id, "b2b_order", order_id, "no", new_request_id())
    assert err.value.code == "intervene.no_document"

    interventions.settle_document(uow, teacher, a.id, ann.user_id, "b2b_order", order_id,
                                  "The supplier left the course; order again from another", new_request_id())

    with uow.read() as s:
        assert s.get(Order, order_id).state == "rejected"
        assert lines and {p: s.get(Product, p).available for p, _ in lines} == {
            p: available[p] + q for p, q in lines}
        ev = s.scalars(select(Event).where(Event.kind == "b2b.order_rejected")).one()
        assert (ev.actor_id, ev.task_code, ev.data["by_instructor"]) == (teacher.user_id, None, True)
        # nobody is credited B2B008 for the instructor's move
        assert not any(r["B2B008"].passed for r in grade(s, a.id, [ann.user_id, bob.user_id],
                                                          [TASKS.tasks["B2B008"]]).values())
        assert [n.kind for n in notes_for(s, a.id, ann.user_id)] == ["instructor.settle_document"]


def test_the_same_request_twice_intervenes_once(room) -> None:
    uow, teacher, a, ann = room["uow"], room["teacher"], room["a"], room["ann"]
    rid = new_request_id()
    interventions.adjust_score(uow, teacher, a.id, ann.user_id, "EMAIL001", 1, "once", rid)
    interventions.adjust_score(uow, teacher, a.id, ann.user_id, "EMAIL001", 1, "once", rid)
    assert _count(uow, Event, Event.kind == "grade.adjusted") == 1
