"""The lab report (实验报告) and the event-log replay on a real database: what a student did
(bots' golden runs as the student) shows with its time and the evidence the check found; hints
and an instructor's adjustment change the points and show with the note; a student can read
only their own report; user text is escaped in the HTML; secrets never reach the replay.
"""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox import events
from sandbox.bots import BotWorld
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.scenarios.loader import ScenarioLibrary
from sandbox.scenarios.model import TaskSet
from sandbox.scenarios.runs import run_golden
from sandbox.teaching.models import Assignment
from sandbox.teaching.report import event_log, render_html, report_assignments, student_report
from sandbox.uow import UnitOfWork
from tests import factories

EMAIL_CODES = ["EMAIL001", "EMAIL002", "EMAIL003", "EMAIL004", "EMAIL006", "EMAIL007"]


@pytest.fixture(scope="module")
def tasks() -> TaskSet:
    return ScenarioLibrary().tasks


@pytest.fixture
def world(uow: UnitOfWork, tasks: TaskSet):
    """Ann did EMAIL001 and EMAIL003 (with a bot correspondent); Bob nothing; Dan is in another class."""
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann", "Ann Li", number="2026001")
    bob = factories.student(uow, room, "bob", "Bob Wang", number="2026002")
    other = factories.instructor(uow, "zhao", "Zhao Lei")
    theirs = factories.classroom(uow, other, name="EC-2026 B")
    dan = factories.student(uow, theirs, "dan", "Dan Xu")
    run_golden(BotWorld(uow, room.id, ann), tasks, "EMAIL003", set())
    return {"uow": uow, "teacher": teacher, "room": room, "ann": ann, "bob": bob, "other": other,
            "theirs": theirs, "dan": dan}


def report_of(world, who, student, tasks, **kw):
    with world["uow"].read() as s:
        return student_report(s, world[who], world["room"].id, world[student].user_id, tasks, **kw)


def test_the_report_lists_the_tasks_done_with_time_and_evidence(world, tasks: TaskSet) -> None:
    report = report_of(world, "teacher", "ann", tasks)

    assert (report.username, report.full_name, report.student_number) == ("ann", "Ann Li", "2026001")
    assert report.class_name == "EC-2026 A"
    by_code = {line.code: line for line in report.tasks}
    assert {"EMAIL001", "EMAIL003"} <= set(by_code)
    for code in ("EMAIL001", "EMAIL003"):
        line = by_code[code]
        assert line.passed and line.points == line.max_points == tasks.tasks[code].points
        assert line.completed_at is not None and line.completed_at <= utcnow()
        assert line.title_zh == tasks.tasks[code].title_zh and line.title_en == tasks.tasks[code].title_en
        assert line.evidence, code  # what the check found, readable
    assert dict(by_code["EMAIL001"].evidence) == {"mailbox_id": "1", "address": "ann@sandbox.test",
                                                  "event_id": str(by_code["EMAIL001"].evidence_event_id)}
    assert dict(by_code["EMAIL003"].evidence) == {"message_id": "1", "messages": "1"}
    assert report.passed_count == len([x for x in report.tasks if x.passed]) >= 2
    assert report.total_points == sum(x.points for x in report.tasks)
    modules = dict(report.activity)
    assert modules["EMAIL"] >= 2 and report.events_total == sum(modules.values())
    # without an assignment: only what Ann worked on; with all_tasks every task in force
    assert "B2B001" not in by_code
    everything = report_of(world, "teacher", "ann", tasks, all_tasks=True)
    assert [x.code for x in everything.tasks] == list(tasks.tasks)
    assert {x.code for x in everything.tasks if x.passed} == {x.code for x in report.tasks if x.passed}


def test_a_student_who_did_nothing_gets_an_empty_report(world, tasks: TaskSet) -> None:
    report = report_of(world, "teacher", "bob", tasks)
    assert report.tasks == () and report.total_points == 0
    html = render_html(report, "en")
    assert "Bob Wang" in html and "No task done or started yet." in html


def test_hints_and_an_adjustment_change_the_points_and_show_with_the_note(world, tasks: TaskSet) -> None:
    uow, room, ann, teacher = world["uow"], world["room"], world["ann"], world["teacher"]
    with uow.write() as s:
        row = Assignment(class_id=room.id, title="Mail week", kind="tasks", task_codes=EMAIL_CODES,
                         parties={"self": "student"}, due_at=utcnow() + timedelta(days=7), hint_cost=0.5,
                         created_by=teacher.user_id)
        s.add(row)
        s.flush()
        assignment_id = row.id
        events.record(s, "hint.viewed", actor=ann, class_id=room.id, task_code="EMAIL003",
                      assignment_id=assignment_id)
        events.record(s, "grade.adjusted", actor=teacher, class_id=room.id, task_code="EMAIL001",
                      student_id=ann.user_id, points=1.0, note="Subject line missing")

    report = report_of(world, "teacher", "ann", tasks, assignment_id=assignment_id)

    assert report.assignment_title == "Mail week" and report.hint_cost == 0.5
    assert [x.code for x in report.tasks] == EMAIL_CODES  # every task of the assignment, done or not
    by_code = {x.code: x for x in report.tasks}
    assert (by_code["EMAIL003"].hints, by_code["EMAIL003"].hint_deduction, by_code["EMAIL003"].points) == (1, 0.5, 1.5)
    assert (by_code["EMAIL001"].adjusted, by_code["EMAIL001"].note, by_code["EMAIL001"].points) == (
        1.0, "Subject line missing", 1.0)
    assert not by_code["EMAIL002"].passed and by_code["EMAIL002"].points == 0
    assert report.total_points == 2.5 and report.hints_used == 1
    (note,) = report.notes
    assert (note.kind, note.task_code, note.note) == ("grade.adjusted", "EMAIL001", "Subject line missing")
    assert "Wang Fang" in note.by
    html = render_html(report, "en")
    assert "Subject line missing" in html and "hints −0.5" in html and "set to 1" in html
    assert "Mail week" in html and "a hint costs 0.5 points" in html
    # the student sees the same, and may scope their report to their class's assignments
    with uow.read() as s:
        assert [a.title for a in report_assignments(s, ann, room.id)] == ["Mail week"]
    mine = report_of(world, "ann", "ann", tasks, assignment_id=assignment_id)
    assert mine.total_points == 2.5 and [n.note for n in mine.notes] == ["Subject line missing"]


def test_an_assignment_of_another_class_is_refused(world, tasks: TaskSet) -> None:
    uow = world["uow"]
    with uow.write() as s:
        row = Assignment(class_id=world["theirs"].id, title="Theirs", kind="tasks", task_codes=["EMAIL001"],
                         parties={"self": "student"})
        s.add(row)
        s.flush()
        theirs = row.id
    with pytest.raises(DomainError) as err:
        report_of(world, "teacher", "ann", tasks, assignment_id=theirs)
    assert err.value.code == "report.assignment_not_found"


@pytest.mark.parametrize(("who", "student", "code"), [
    ("ann", "bob", "auth.forbidden"),  # a classmate's report: never
    ("bob", "ann", "auth.forbidden"),
    ("other", "ann", "class.not_found"),  # an instructor of another class
    ("dan", "ann", "auth.forbidden"),  # a student of another class
    ("teacher", "dan", "report.student_not_found"),  # not in this class
])
def test_only_the_instructor_or_the_student_themself_may_read(world, tasks: TaskSet, who, student, code) -> None:
    uow, room = world["uow"], world["room"]
    with uow.read() as s:
        with pytest.raises(DomainError) as err:
            student_report(s, world[who], room.id, world[student].user_id, tasks)
        assert err.value.code == code
        with pytest.raises(DomainError) as err:
            event_log(s, world[who], room.id, world[student].user_id)
        assert err.value.code == code


def test_a_student_reads_their_own_report_and_log(world, tasks: TaskSet) -> None:
    mine = report_of(world, "ann", "ann", tasks)
    assert {"EMAIL001", "EMAIL003"} <= {x.code for x in mine.tasks if x.passed}
    with world["uow"].read() as s:
        steps = event_log(s, world["ann"], world["room"].id, world["ann"].user_id, tasks=tasks, report=mine)
    assert steps and all(step.index == i for i, step in enumerate(steps, start=1))


def test_the_html_escapes_what_users_typed(uow: UnitOfWork, tasks: TaskSet) -> None:
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher, name="<i>EC</i>")
    evil = factories.student(uow, room, "mallory", "<script>alert('x')</script>", number="<b>1</b>")
    run_golden(BotWorld(uow, room.id, evil), tasks, "EMAIL001", set())
    with uow.write() as s:
        events.record(s, "grade.adjusted", actor=teacher, class_id=room.id, task_code="EMAIL001",
                      student_id=evil.user_id, points=2, note='<img src=x onerror="alert(1)">')
    with uow.read() as s:
        report = student_report(s, teacher, room.id, evil.user_id, tasks)
    for lang in ("en", "zh_CN"):
        html = render_html(report, lang)
        assert "<script" not in html and "<img" not in html and "<i>EC" not in html and "<b>1" not in html
        assert "&lt;script&gt;alert(&#x27;x&#x27;)&lt;/script&gt;" in html
        assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in html
        assert html.startswith("<!DOCTYPE html>") and "<style>" in html
    assert "实验报告" in render_html(report, "zh_CN") and "Lab report" in render_html(report, "zh_CN")


def test_the_event_log_replays_in_order_marks_completions_and_hides_secrets(world, tasks: TaskSet) -> None:
    uow, room, ann = world["uow"], world["room"], world["ann"]
    with uow.write() as s:
        events.record(s, "email.probe", actor=ann, class_id=room.id, subject="probe", password="hunter2",
                      token="tok-abc", private_key_pem="-----BEGIN PRIVATE KEY-----xyz", body="Dear Bob, my pin",
                      nested={"pin": "4321", "amount_fen": 12345, "card_cvv": "999"}, note="-----BEGIN CERT-----",
                      amount_fen=131610)
    report = report_of(world, "ann", "ann", tasks)
    with uow.read() as s:
        steps = event_log(s, ann, room.id, ann.user_id, tasks=tasks, report=report)

    assert [s.at for s in steps] == sorted(s.at for s in steps)
    done = {code: step for step in steps for code in step.completes}
    assert {"EMAIL001", "EMAIL003"} <= set(done)
    assert done["EMAIL001"].event_id == {x.code: x for x in report.tasks}["EMAIL001"].evidence_event_id
    assert done["EMAIL001"].title_zh == tasks.tasks["EMAIL001"].title_zh
    assert done["EMAIL001"].module == "EMAIL" and done["EMAIL001"].task_code == "EMAIL001"
    probe = steps[-1]
    assert probe.kind == "email.probe" and probe.subject == "probe"
    text = repr(probe)
    for secret in ("hunter2", "tok-abc", "BEGIN", "Dear Bob", "4321", "999"):
        assert secret not in text
    assert "amount: ¥1,316.10" in probe.summary and "¥123.45" in probe.summary
