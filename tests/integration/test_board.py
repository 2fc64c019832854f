"""The live progress board (sandbox.teaching.board): who is working, stuck, finished or has not
started, on which task, with points and per-task completion and time — for the class's tasks or
one assignment's, under its rules, and only for the class's own instructor.

Times are controlled: the board is read at a chosen ``now``, and progress events are inserted with
chosen ``at`` values (the event log is what the board reads).
"""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest
from sqlalchemy import event as sa_event

from sandbox import events
from sandbox.bots import BotWorld
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.model import TaskSet
from sandbox.scenarios.runs import run_golden
from sandbox.teaching import board as boards
from sandbox.teaching.models import Assignment
from sandbox.teaching.scores import HINT_VIEWED
from tests import factories

CODES = ("EMAIL001", "EMAIL003")


@pytest.fixture(scope="module")
def shipped() -> TaskSet:
    return load_directory()


@pytest.fixture(scope="module")
def tasks(shipped: TaskSet) -> TaskSet:
    """Two mail tasks: EMAIL001 (open a mailbox) and EMAIL003 (send a message)."""
    return TaskSet({c: shipped.tasks[c] for c in CODES})


def progress(uow, student, code: str, at: datetime, kind: str = "test.progress") -> None:
    """A progress event of ``student`` on ``code`` at a chosen time."""
    with uow.write() as s:
        s.add(Event(at=at, actor_id=student.user_id, class_id=student.class_id, kind=kind, task_code=code, data={}))


@pytest.fixture
def room(uow, shipped):
    """fin did both tasks; work and stuck did EMAIL001; idle only registered."""
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    fin = factories.student(uow, room, "fin", "Fin Zhao", number="01")
    work = factories.student(uow, room, "work", "Wu Ke", number="02")
    stuck = factories.student(uow, room, "stuck", "Shi Ka", number="03")
    idle = factories.student(uow, room, "idle", "Yi Dou", number="04")
    run_golden(BotWorld(uow, room.id, fin), shipped, "EMAIL003", set())
    for who in (work, stuck):
        run_golden(BotWorld(uow, room.id, who), shipped, "EMAIL001", set())
    return {"teacher": teacher, "room": room, "fin": fin, "work": work, "stuck": stuck, "idle": idle}


def read(uow, actor, room, tasks, **kw) -> boards.Board:
    with uow.read() as s:
        return boards.class_board(s, actor, room.id, tasks, **kw)


def by_name(board: boards.Board) -> dict[str, boards.StudentProgress]:
    return {p.student.username: p for p in board.students}


def test_working_stuck_finished_and_not_started(uow, tasks, room) -> None:
    now = utcnow() + timedelta(minutes=30)  # everyone's golden run is now half an hour old
    progress(uow, room["work"], "EMAIL003", now - timedelta(minutes=2))

    board = read(uow, room["teacher"], room["room"], tasks, stuck_minutes=10, now=now)

    rows = by_name(board)
    assert list(rows) == ["fin", "work", "stuck", "idle"]  # the roster: bots and the instructor are not on it
    assert {n: p.status for n, p in rows.items()} == {
        "fin": boards.FINISHED, "work": boards.WORKING, "stuck": boards.STUCK, "idle": boards.NOT_STARTED,
    }
    assert {n: (p.done, p.total) for n, p in rows.items()} == {"fin": (2, 2), "work": (1, 2), "stuck": (1, 2),
                                                                "idle": (0, 2)}
    points = {c: tasks.tasks[c].points for c in CODES}
    assert rows["fin"].points == points["EMAIL001"] + points["EMAIL003"]
    assert rows["work"].points == rows["stuck"].points == points["EMAIL001"]
    assert rows["idle"].points == 0
    # the current task is the code of the latest progress event, with both titles
    assert rows["work"].current_task == "EMAIL003"
    assert (rows["work"].current_title_zh, rows["work"].current_title_en) == (
        tasks.tasks["EMAIL003"].title_zh, tasks.tasks["EMAIL003"].title_en)
    assert rows["work"].last_active == now - timedelta(minutes=2)
    assert rows["work"].idle_minutes == pytest.approx(2)
    assert rows["stuck"].current_task == "EMAIL001" and rows["stuck"].idle_minutes >= 29
    # registering (an event without a task code) is no progress
    assert rows["idle"].current_task is None and rows["idle"].last_active is None
    assert [board.count(s) for s in boards.STATUSES] == [1, 1, 1, 1]


def test_the_stuck_threshold_is_the_instructors_choice(uow, tasks, room) -> None:
    now = utcnow() + timedelta(minutes=30)
    progress(uow, room["stuck"], "EMAIL003", now - timedelta(minutes=12))
    assert by_name(read(uow, room["teacher"], room["room"], tasks, stuck_minutes=10, now=now))["stuck"].status == boards.STUCK
    assert by_name(read(uow, room["teacher"], room["room"], tasks, stuck_minutes=15, now=now))["stuck"].status == boards.WORKING
    # exactly at the threshold counts as stuck
    assert by_name(read(uow, room["teacher"], room["room"], tasks, stuck_minutes=12, now=now))["stuck"].status == boards.STUCK


def test_a_new_step_moves_a_stuck_student_back_to_working(uow, tasks, room) -> None:
    now = utcnow() + timedelta(hours=1)
    before = by_name(read(uow, room["teacher"], room["room"], tasks, now=now))
    assert before["stuck"].status == boards.STUCK
    with uow.write() as s:  # a real service-style event (the student opened a hint)
        events.record(s, HINT_VIEWED, actor=room["stuck"], task_code="EMAIL003")
    after = by_name(read(uow, room["teacher"], room["room"], tasks, now=utcnow()))
    assert after["stuck"].status == boards.WORKING and after["stuck"].current_task == "EMAIL003"


def test_per_task_passed_counts_and_median_minutes(uow, tasks, room) -> None:
    with uow.read() as s:
        grades = boards.grades_for(s, room["room"].id, tasks)
    done = {n: grades.scores[room[n].user_id]["EMAIL001"].completed_at for n in ("fin", "work", "stuck")}
    assert all(done.values())
    # each student's first step on EMAIL001 was 4, 6 and 20 minutes before its completion
    for name, minutes in (("fin", 4), ("work", 6), ("stuck", 20)):
        progress(uow, room[name], "EMAIL001", done[name] - timedelta(minutes=minutes))

    board = read(uow, room["teacher"], room["room"], tasks)

    per_task = {t.code: t for t in board.tasks}
    assert per_task["EMAIL001"].passed == 3 and per_task["EMAIL003"].passed == 1
    assert per_task["EMAIL001"].median_minutes == pytest.approx(6)
    assert sorted(board.grades.durations["EMAIL001"]) == pytest.approx([4, 6, 20])
    assert len(board.grades.durations["EMAIL003"]) == 1 and board.grades.durations["EMAIL003"][0] >= 0
    assert (per_task["EMAIL001"].title_zh, per_task["EMAIL001"].title_en) == (
        tasks.tasks["EMAIL001"].title_zh, tasks.tasks["EMAIL001"].title_en)


def test_an_assignment_limits_the_tasks_and_its_rules_set_the_points(uow, tasks, room) -> None:
    with uow.write() as s:
        a = Assignment(class_id=room["room"].id, title="Mail only", kind="tasks", task_codes=["EMAIL001"],
                       parties={"self": "student"}, hint_cost=1.0)
        s.add(a)
        s.flush()
        aid = a.id
        events.record(s, HINT_VIEWED, actor=room["work"], task_code="EMAIL001", assignment_id=aid)

    board = read(uow, room["teacher"], room["room"], tasks, assignment_id=aid, now=utcnow() + timedelta(minutes=30))

    rows = by_name(board)
    assert [t.code for t in board.tasks] == ["EMAIL001"]
    points = tasks.tasks["EMAIL001"].points
    assert {n: (p.done, p.total, p.status) for n, p in rows.items()} == {
        "fin": (1, 1, boards.FINISHED), "work": (1, 1, boards.FINISHED), "stuck": (1, 1, boards.FINISHED),
        "idle": (0, 1, boards.NOT_STARTED),
    }
    assert rows["work"].points == points - 1 and rows["fin"].points == points  # the hint cost one point
    assert board.grades.assignment is not None and board.grades.assignment.title == "Mail only"
    with uow.read() as s:
        listed = boards.class_assignments(s, room["teacher"], room["room"].id)
    assert [(x.id, x.title, x.task_codes) for x in listed] == [(aid, "Mail only", ("EMAIL001",))]


def test_refusals(uow, tasks, room) -> None:
    other = factories.instructor(uow, "zhao", "Zhao Lei")
    theirs = factories.classroom(uow, other, name="EC-2026 B")
    with uow.write() as s:
        foreign = Assignment(class_id=theirs.id, title="Theirs", kind="tasks", task_codes=["EMAIL001"], parties={})
        s.add(foreign)
        s.flush()
        foreign_id = foreign.id

    def code_of(actor, room_id, **kw) -> str:
        with pytest.raises(DomainError) as err, uow.read() as s:
            boards.class_board(s, actor, room_id, tasks, **kw)
        return err.value.code

    assert code_of(other, room["room"].id) == "class.not_found"
    assert code_of(room["fin"], room["room"].id) == "auth.forbidden"
    assert code_of(room["teacher"], room["room"].id, assignment_id=foreign_id) == "board.no_assignment"
    assert code_of(room["teacher"], room["room"].id, stuck_minutes=0) == "board.bad_stuck_minutes"
    with pytest.raises(DomainError) as err, uow.read() as s:
        boards.class_assignments(s, room["work"], room["room"].id)
    assert err.value.code == "auth.forbidden"


def test_the_query_count_does_not_grow_with_the_class(uow, shipped, tasks) -> None:
    """One grading pass plus grouped event queries: 2 or 8 students cost the same number of statements."""
    teacher = factories.instructor(uow)

    def statements(n: int) -> int:
        room = factories.classroom(uow, teacher, name=f"Size {n}")
        for i in range(n):
            who = factories.student(uow, room, f"s{n}x{i}")
            run_golden(BotWorld(uow, room.id, who), shipped, "EMAIL001", set())
        seen: list[str] = []
        engine = uow.db.read_engine

        def count(conn, cursor, statement, *args) -> None:
            seen.append(statement)

        sa_event.listen(engine, "before_cursor_execute", count)
        try:
            board = read(uow, teacher, room, tasks)
        finally:
            sa_event.remove(engine, "before_cursor_execute", count)
        assert len(board.students) == n
        return len(seen)

    assert statements(2) == statements(8)


def test_a_chain_assignment_counts_each_team_member_only_on_their_own_part(uow, shipped: TaskSet) -> None:
    """Team parts of chain A: the buyer's row is scored on buyer codes only, the supplier's on
    supplier codes; a code of the other part is no task of theirs (blank in the CSV)."""
    from sandbox.teaching import assignments, teams

    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann")
    bob = factories.student(uow, room, "bob")
    teams.create_team(uow, teacher, room.id, "Team 1", [ann.user_id, bob.user_id])
    teams.set_part(uow, teacher, room.id, ann.user_id, "buyer")
    teams.set_part(uow, teacher, room.id, bob.user_id, "supplier")
    aid = assignments.create_assignment(
        uow, teacher, room.id, title="Chain A", kind="chain", chain_id="A",
        parties={"buyer": "team", "supplier": "team", "logistics": "bot"},
    )
    run_golden(BotWorld(uow, room.id, ann), shipped, "EMAIL001", set())
    with uow.read() as s:
        grades = boards.grades_for(s, room.id, shipped, assignment_id=aid)
    buyer_codes, supplier_codes = grades.assigned[ann.user_id], grades.assigned[bob.user_id]
    assert "B2B017" in buyer_codes and "B2B017" not in supplier_codes  # settlement is the buyer's
    assert "B2B031" in supplier_codes and "B2B031" not in buyer_codes
    assert grades.task_count(ann.user_id) == len(buyer_codes) < len(grades.tasks)
    assert grades.done(ann.user_id) == 1 and grades.done(bob.user_id) == 0
    header, ann_row = grades.csv().splitlines()[:2]
    cells = dict(zip(header.split(","), ann_row.split(","), strict=True))
    assert cells["B2B031"] == "" and cells["EMAIL001"] != ""
