"""Assignments (作业): validation, who must do what (task lists, chains with student/team/bot parts),
status by date, and scores under the rules — paid hints and late work — after real golden bot runs."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sandbox.bots import BotWorld
from sandbox.chains import load_chains
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.teaching import assignments as assign
from sandbox.teaching import teams
from sandbox.teaching.models import Assignment
from sandbox.teaching.scores import HINT_VIEWED
from tests import factories


@pytest.fixture(scope="module")
def tasks():
    return load_directory()


@pytest.fixture
def klass(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann", "Ann Li")
    bob = factories.student(uow, room, "bob", "Bob Wang")
    return {"teacher": teacher, "room": room, "ann": ann, "bob": bob}


def code_of(call) -> str:
    with pytest.raises(DomainError) as info:
        call()
    return info.value.code


def email_assignment(uow, k, tasks, **rules) -> int:
    values = {"title": "Mail week / 邮件周", "kind": "tasks", "task_codes": ["EMAIL003", "EMAIL001"]}
    values.update(rules)
    return assign.create_assignment(uow, k["teacher"], k["room"].id, tasks=tasks, **values)


def mine(uow, student, tasks, assignment_id):
    with uow.read() as s:
        (found,) = [a for a in assign.my_assignments(s, student, tasks) if a.assignment.id == assignment_id]
    return found


def count(uow, model, *where) -> int:
    with uow.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


def test_an_instructor_sets_a_task_list_and_the_student_sees_it(uow, klass, tasks):
    now = utcnow()
    aid = email_assignment(uow, klass, tasks, opens_at=now - timedelta(hours=1), due_at=now + timedelta(days=7),
                           late_counts=True, late_penalty_pct=20, hint_cost=1, request_id="a1")
    assert email_assignment(uow, klass, tasks, request_id="a1") == aid  # a double click makes one
    assert count(uow, Assignment) == 1
    with uow.read() as s:
        (view,) = assign.assignments(s, klass["teacher"], klass["room"].id)
    assert view.task_codes == ("EMAIL001", "EMAIL003")  # catalog order
    assert view.parties == {"self": "student"} and view.hint_cost == 1 and view.late_penalty_pct == 20
    got = mine(uow, klass["ann"], tasks, aid)
    assert got.status == assign.OPEN
    assert [t.task.code for t in got.tasks] == ["EMAIL001", "EMAIL003"]
    assert got.points == 0 and got.max_points == tasks.tasks["EMAIL001"].points + tasks.tasks["EMAIL003"].points


@pytest.mark.parametrize(("change", "code"), [
    ({"title": ""}, "input.required"),
    ({"kind": "quiz"}, "assignment.bad_kind"),
    ({"task_codes": []}, "assignment.no_tasks"),
    ({"task_codes": ["EMAIL001", "XYZ999"]}, "assignment.unknown_task"),
    ({"late_penalty_pct": 101}, "assignment.bad_penalty"),
    ({"late_penalty_pct": -1}, "assignment.bad_penalty"),
    ({"hint_cost": -0.5}, "assignment.bad_hint_cost"),
    ({"hint_cost": 100}, "assignment.bad_hint_cost"),
    ({"opens_at": "tomorrow"}, "assignment.bad_date"),
])
def test_bad_task_lists_are_refused_and_change_nothing(uow, klass, tasks, change, code):
    assert code_of(lambda: email_assignment(uow, klass, tasks, **change)) == code
    assert count(uow, Assignment) == 0 and count(uow, Event, Event.kind.like("assignment.%")) == 0


def test_due_must_come_after_opening(uow, klass, tasks):
    now = utcnow()
    assert code_of(lambda: email_assignment(uow, klass, tasks, opens_at=now, due_at=now - timedelta(minutes=1))) \
        == "assignment.due_before_open"
    assert count(uow, Assignment) == 0


@pytest.mark.parametrize(("parties", "chain", "code"), [
    ({"buyer": "student", "supplier": "bot", "logistics": "bot"}, "Z", "assignment.unknown_chain"),
    ({"buyer": "student", "supplier": "bot"}, "A", "assignment.part_without_party"),
    ({"buyer": "student", "supplier": "bot", "logistics": "bot", "bank": "bot"}, "A", "assignment.unknown_part"),
    ({"buyer": "teacher", "supplier": "bot", "logistics": "bot"}, "A", "assignment.bad_party"),
    ({"buyer": "bot", "supplier": "bot", "logistics": "bot"}, "A", "assignment.all_bots"),
])
def test_bad_chain_assignments_are_refused(uow, klass, tasks, parties, chain, code):
    call = lambda: assign.create_assignment(uow, klass["teacher"], klass["room"].id, title="Chain", kind="chain",  # noqa: E731
                                            chain_id=chain, parties=parties, tasks=tasks)
    assert code_of(call) == code
    assert count(uow, Assignment) == 0


def test_a_chain_with_a_student_part_a_team_part_and_a_bot_part(uow, klass, tasks):
    k, chain = klass, load_chains()["A"]
    cai = factories.student(uow, k["room"], "cai")
    aid = assign.create_assignment(uow, k["teacher"], k["room"].id, title="Chain A", kind="chain", chain_id="A",
                                   parties={"buyer": "student", "supplier": "team", "logistics": "bot"},
                                   tasks=tasks)
    with uow.read() as s:
        (view,) = assign.assignments(s, k["teacher"], k["room"].id)
    assert list(view.task_codes) == list(dict.fromkeys(
        s.code for s in chain.steps if s.part in ("buyer", "supplier")))
    bots_only = set(chain.codes_of("logistics")) - set(chain.codes_of("buyer") + chain.codes_of("supplier"))
    assert bots_only and not bots_only & set(view.task_codes)  # the logistics company's tasks are the bot's

    tid = teams.create_team(uow, k["teacher"], k["room"].id, "Red", [k["ann"].user_id, k["bob"].user_id])
    teams.set_part(uow, k["teacher"], k["room"].id, k["ann"].user_id, "supplier")
    ann = mine(uow, k["ann"], tasks, aid)
    bob = mine(uow, k["bob"], tasks, aid)  # in the team, but with no part: plays only the student part
    loner = mine(uow, cai, tasks, aid)  # no team
    assert ann.parts == ("buyer", "supplier") and ann.team == "Red"
    assert [t.task.code for t in ann.tasks] == list(dict.fromkeys(
        s.code for s in chain.steps if s.part in ("buyer", "supplier")))
    assert {t.part for t in ann.tasks if t.task.code == "B2B011"} == {"supplier"}
    assert bob.parts == ("buyer",) and [t.task.code for t in bob.tasks] == chain.codes_of("buyer")
    assert loner.parts == ("buyer",) and loner.team is None
    assert tid


def test_update_and_delete_are_the_instructors_alone(uow, klass, tasks):
    k = klass
    aid = email_assignment(uow, k, tasks)
    assert code_of(lambda: assign.update_assignment(uow, k["ann"], aid, title="Mine", kind="tasks",
                                                    task_codes=["EMAIL001"], tasks=tasks)) == "auth.forbidden"
    assert code_of(lambda: assign.delete_assignment(uow, k["ann"], aid)) == "auth.forbidden"
    assert code_of(lambda: assign.create_assignment(uow, k["ann"], k["room"].id, title="Mine", kind="tasks",
                                                    task_codes=["EMAIL001"], tasks=tasks)) == "auth.forbidden"
    other = factories.instructor(uow, "other", "Li Lei")
    assert code_of(lambda: assign.delete_assignment(uow, other, aid)) == "class.not_found"
    with uow.read() as s:
        assert code_of(lambda: assign.assignments(s, k["ann"], k["room"].id)) == "auth.forbidden"
        assert code_of(lambda: assign.my_assignments(s, k["teacher"], tasks)) == "auth.forbidden"

    assign.update_assignment(uow, k["teacher"], aid, title="Just mail", kind="tasks", task_codes=["EMAIL001"],
                             hint_cost=2, tasks=tasks)
    assert code_of(lambda: assign.update_assignment(uow, k["teacher"], aid, title="Just mail", kind="tasks",
                                                    task_codes=["EMAIL001"], hint_cost=3, tasks=tasks)) \
        == "assignment.bad_hint_cost"
    got = mine(uow, k["ann"], tasks, aid)
    assert (got.assignment.title, got.assignment.hint_cost, [t.task.code for t in got.tasks]) == \
        ("Just mail", 2, ["EMAIL001"])
    assign.delete_assignment(uow, k["teacher"], aid, request_id="del")
    assign.delete_assignment(uow, k["teacher"], aid, request_id="del")  # replayed: no not_found
    assert count(uow, Assignment) == 0
    assert code_of(lambda: assign.delete_assignment(uow, k["teacher"], aid)) == "assignment.not_found"


def test_status_follows_the_dates(uow, klass, tasks):
    now = utcnow()
    later = email_assignment(uow, klass, tasks, title="Later", opens_at=now + timedelta(days=1),
                             due_at=now + timedelta(days=2))
    past = email_assignment(uow, klass, tasks, title="Past", opens_at=now - timedelta(days=2),
                            due_at=now - timedelta(days=1))
    assert mine(uow, klass["ann"], tasks, later).status == assign.NOT_OPEN
    assert mine(uow, klass["ann"], tasks, past).status == assign.PAST_DUE


def test_a_paid_hint_lowers_the_score_once_per_task_and_assignment(uow, klass, tasks):
    k = klass
    points = tasks.tasks["EMAIL001"].points
    run_golden(BotWorld(uow, k["room"].id, k["ann"]), tasks, "EMAIL001", set())
    aid = email_assignment(uow, k, tasks, hint_cost=0.5)
    before = {t.task.code: t.score for t in mine(uow, k["ann"], tasks, aid).tasks}["EMAIL001"]
    assert before.passed and before.points == points

    assert assign.view_hint(uow, k["ann"], aid, "EMAIL001", request_id="h1") is True
    assert assign.view_hint(uow, k["ann"], aid, "EMAIL001", request_id="h1") is False  # double click
    assert assign.view_hint(uow, k["ann"], aid, "EMAIL001", request_id="h2") is False  # already paid
    assert count(uow, Event, Event.kind == HINT_VIEWED) == 1
    after = {t.task.code: t.score for t in mine(uow, k["ann"], tasks, aid).tasks}["EMAIL001"]
    assert (after.hints, after.hint_deduction, after.points) == (1, 0.5, points - 0.5)
    # Bob's score is his own
    bob = {t.task.code: t.score for t in mine(uow, k["bob"], tasks, aid).tasks}["EMAIL001"]
    assert bob.hints == 0 and bob.points == 0

    assert code_of(lambda: assign.view_hint(uow, k["ann"], aid, "B2B001")) == "assignment.not_your_task"
    assert code_of(lambda: assign.view_hint(uow, k["teacher"], aid, "EMAIL001")) == "auth.forbidden"
    other_teacher = factories.instructor(uow, "other", "Li Lei")
    other_room = factories.classroom(uow, other_teacher, name="Other")
    stranger = factories.student(uow, other_room, "zed")
    assert code_of(lambda: assign.view_hint(uow, stranger, aid, "EMAIL001")) == "class.not_found"
    with uow.read() as s:
        assert [a.assignment.id for a in assign.my_assignments(s, stranger, tasks)] == []


def test_late_work_is_penalised_or_not_counted(uow, klass, tasks):
    k = klass
    points = tasks.tasks["EMAIL001"].points
    now = utcnow()
    window = {"opens_at": now - timedelta(days=3), "due_at": now - timedelta(days=1)}
    penalised = email_assignment(uow, k, tasks, title="Penalty", late_counts=True, late_penalty_pct=25, **window)
    refused = email_assignment(uow, k, tasks, title="No late work", late_counts=False, **window)
    on_time = email_assignment(uow, k, tasks, title="Open", late_counts=False, due_at=now + timedelta(days=1))
    run_golden(BotWorld(uow, k["room"].id, k["ann"]), tasks, "EMAIL001", set())

    def email001(aid):
        return {t.task.code: t.score for t in mine(uow, k["ann"], tasks, aid).tasks}["EMAIL001"]

    assert email001(penalised).late and email001(penalised).points == pytest.approx(points * 0.75)
    assert email001(refused).late and email001(refused).points == 0
    assert not email001(on_time).late and email001(on_time).points == points


def test_assigned_codes_follow_the_part_given_to_a_team_member(uow, klass, tasks):
    k, chain = klass, load_chains()["A"]
    aid = assign.create_assignment(uow, k["teacher"], k["room"].id, title="Chain A", kind="chain", chain_id="A",
                                   parties={"buyer": "bot", "supplier": "bot", "logistics": "team"}, tasks=tasks)
    teams.create_team(uow, k["teacher"], k["room"].id, "Blue", [k["ann"].user_id, k["bob"].user_id])
    with uow.read() as s:
        assert assign.assigned_codes(s, aid, k["ann"].user_id) == []  # no part yet
    teams.set_part(uow, k["teacher"], k["room"].id, k["ann"].user_id, "logistics")
    with uow.read() as s:
        assert assign.assigned_codes(s, aid, k["ann"].user_id) == [(c, "logistics") for c in chain.codes_of("logistics")]
        assert assign.assigned_codes(s, aid, k["bob"].user_id) == []
        assert assign.assigned_codes(s, aid + 99, k["ann"].user_id) == []
    bob = mine(uow, k["bob"], tasks, aid)
    assert bob.tasks == () and bob.team == "Blue"


def test_a_free_hint_is_recorded_once_and_counted_in_the_lab_report(uow, klass, tasks):
    from sandbox.teaching.report import student_report

    k = klass
    assert assign.view_free_hint(uow, k["ann"], "EMAIL001", request_id="f1") is True
    assert assign.view_free_hint(uow, k["ann"], "EMAIL001", request_id="f1") is False  # double click
    assert assign.view_free_hint(uow, k["ann"], "EMAIL001", request_id="f2") is False  # already open
    with uow.read() as s:
        assert assign.hints_opened(s, k["ann"]) == {"EMAIL001"}
        assert assign.hints_opened(s, k["bob"]) == set()
        report = student_report(s, k["teacher"], k["room"].id, k["ann"].user_id, tasks)
    assert report.hints_used == 1
    assert {line.code: (line.hints, line.hint_deduction) for line in report.tasks}["EMAIL001"] == (1, 0)
    with uow.read() as s:
        (ev,) = s.scalars(select(Event).where(Event.kind == HINT_VIEWED)).all()
        assert ev.actor_id == k["ann"].user_id and ev.task_code == "EMAIL001"
        assert "assignment_id" not in (ev.data or {}) and ev.data["hint_cost"] == 0

    # a hint an assignment charges for is not handed out for free; nothing is written
    email_assignment(uow, k, tasks, hint_cost=0.5)
    assert code_of(lambda: assign.view_free_hint(uow, k["ann"], "EMAIL003")) == "assignment.hint_is_paid"
    assert code_of(lambda: assign.view_free_hint(uow, k["ann"], "NOPE999")) == "assignment.unknown_task"
    assert code_of(lambda: assign.view_free_hint(uow, k["teacher"], "B2B001")) == "auth.forbidden"
    assert count(uow, Event, Event.kind == HINT_VIEWED) == 1
    # the free view costs nothing in the paid assignment either
    with uow.read() as s:
        (item,) = assign.my_assignments(s, k["ann"], tasks)
    assert {t.task.code: t.score.hints for t in item.tasks} == {"EMAIL003": 0, "EMAIL001": 0}
