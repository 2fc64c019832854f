"""Live progress board (views/board.py) under AppTest: the student table (current task with code and
both titles, last active, done / total, points, status), the status metrics, the three charts, the
assignment selector, the stuck threshold, the live toggle, only the instructor's own classes, and
the refusal of students. Progress comes from bot runs and events inserted at chosen times.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest
from streamlit.testing.v1 import AppTest

from sandbox.actor import Actor
from sandbox.bots import BotWorld
from sandbox.db import utcnow
from sandbox.events import Event
from sandbox.scenarios.loader import ScenarioLibrary
from sandbox.scenarios.model import TaskSet
from sandbox.scenarios.runs import run_golden
from sandbox.teaching.models import Assignment
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import en, new_app, rendered, run, titles, warnings, zh


@pytest.fixture(scope="module")
def tasks() -> TaskSet:
    return ScenarioLibrary().tasks


def progress(uow: UnitOfWork, student: Actor, code: str, minutes_ago: float) -> None:
    with uow.write() as s:
        s.add(Event(at=utcnow() - timedelta(minutes=minutes_ago), actor_id=student.user_id,
                    class_id=student.class_id, kind="test.progress", task_code=code, data={}))


@pytest.fixture
def world(app_db: UnitOfWork, tasks: TaskSet):
    """Ann just did EMAIL001 and EMAIL003; Bob's last step (EMAIL002) was 40 minutes ago; Cai only registered.
    An assignment "Mail basics" asks for EMAIL001 only."""
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    ann = factories.student(app_db, room, "ann", "Ann Li", number="2026001")
    bob = factories.student(app_db, room, "bob", "Bob Wang", number="2026002")
    factories.student(app_db, room, "cai", "Cai Hong", number="2026003")
    run_golden(BotWorld(app_db, room.id, ann), tasks, "EMAIL003", set())
    progress(app_db, bob, "EMAIL002", 40)
    with app_db.write() as s:
        basics = Assignment(class_id=room.id, title="Mail basics", kind="tasks", task_codes=["EMAIL001"],
                            parties={"self": "student"})
        s.add(basics)
        s.flush()
        basics_id = basics.id
    return {"uow": app_db, "teacher": teacher, "room": room, "ann": ann, "bob": bob, "basics": basics_id}


def board(actor: Actor) -> AppTest:
    at = run(new_app(actor=actor))
    at.switch_page("views/board.py")
    return run(at)


def table(at: AppTest, lang: str = "en") -> dict[str, dict[str, object]]:
    """The student table as {student number: row}."""
    (frame,) = at.dataframe
    t = en if lang == "en" else zh
    return {row[t("field.student_number")]: row for row in frame.value.to_dict("records")}


def title_of(tasks: TaskSet, code: str) -> str:
    task = tasks.tasks[code]
    return f"{code} {task.title_zh} — {task.title_en}"


def test_who_is_on_which_task_and_who_is_stuck(world, tasks: TaskSet) -> None:
    at = board(world["teacher"])

    assert titles(at) == [en("board.title")]
    rows = table(at)
    assert list(rows) == ["2026001", "2026002", "2026003"]
    total = len(tasks.tasks)
    status, current, done = en("board.status"), en("board.current_task"), en("board.done")
    assert {n: r[status] for n, r in rows.items()} == {
        "2026001": en("board.state.working"), "2026002": en("board.state.stuck"), "2026003": en("board.state.not_started"),
    }
    assert rows["2026001"][current] == title_of(tasks, "EMAIL003")
    assert rows["2026002"][current] == title_of(tasks, "EMAIL002")
    assert rows["2026003"][current] == en("board.never")
    assert rows["2026002"][en("board.last_active")] == en("board.minutes_ago", n=40)
    assert rows["2026001"][en("board.last_active")] == en("board.just_now")
    assert {n: r[done] for n, r in rows.items()} == {"2026001": 2, "2026002": 0, "2026003": 0}
    points = tasks.tasks["EMAIL001"].points + tasks.tasks["EMAIL003"].points
    assert rows["2026001"][en("board.points")] == points
    assert rows["2026001"][en("field.full_name")] == "Ann Li (ann)"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {
        en("board.students"): "3", en("board.state.working"): "1", en("board.state.stuck"): "1",
        en("board.state.finished"): "0", en("board.state.not_started"): "1",
    }
    # completion and distribution; the time chart gives way to a note: every task here took no measurable time
    assert [c.type for c in at.get("plotly_chart")] == ["plotly_chart"] * 2
    assert [i.value for i in at.info] == [en("board.no_timing")]
    assert at.toggle(key="board_live").value is True
    config = at.dataframe[0].proto.columns  # the done column counts out of every task of the class
    assert f'"format": "%d / {total}"' in config or f'"format":"%d / {total}"' in config


def test_an_assignment_narrows_the_board_to_its_tasks(world) -> None:
    at = board(world["teacher"])
    picker = at.selectbox(key="board_assignment")
    assert picker.options == [en("board.all_tasks"), "Mail basics"]
    picker.select(world["basics"])
    run(at)
    rows = table(at)
    assert {n: (r[en("board.done")], r[en("board.status")]) for n, r in rows.items()} == {
        "2026001": (1, en("board.state.finished")),
        "2026002": (0, en("board.state.stuck")),
        "2026003": (0, en("board.state.not_started")),
    }
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[en("board.state.finished")] == "1"


def test_the_stuck_threshold_and_the_pause_toggle(world) -> None:
    at = board(world["teacher"])
    at.number_input(key="board_stuck").set_value(60)
    run(at)
    assert table(at)["2026002"][en("board.status")] == en("board.state.working")
    at.toggle(key="board_live").set_value(False)
    run(at)
    assert table(at)["2026002"][en("board.status")] == en("board.state.working")  # paused, still shown


def test_in_chinese(world, tasks: TaskSet) -> None:
    at = board(replace(world["teacher"], language="zh_CN"))
    assert titles(at) == [zh("board.title")]
    rows = table(at, "zh_CN")
    assert rows["2026002"][zh("board.status")] == zh("board.state.stuck")
    assert rows["2026002"][zh("board.current_task")] == title_of(tasks, "EMAIL002")


def test_another_instructors_class_is_not_listed(world) -> None:
    uow = world["uow"]
    other = factories.instructor(uow, "zhao", "Zhao Lei")
    theirs = factories.classroom(uow, other, name="EC-2026 B")
    factories.student(uow, theirs, "dan", "Dan Xu")
    at = board(world["teacher"])
    assert at.selectbox(key="board_class").options == ["EC-2026 A"]
    assert "Dan Xu" not in rendered(at)
    at = board(other)
    assert at.selectbox(key="board_class").options == ["EC-2026 B"]
    assert at.selectbox(key="board_assignment").options == [en("board.all_tasks")]  # not the other class's
    assert "Ann Li" not in rendered(at)


def test_an_instructor_without_classes_or_students_is_told_so(app_db: UnitOfWork) -> None:
    teacher = factories.instructor(app_db)
    at = board(teacher)
    assert [i.value for i in at.info] == [en("home.no_classes")]
    factories.classroom(app_db, teacher)
    at = board(teacher)
    assert [i.value for i in at.info] == [en("classes.empty_roster")]
    assert not at.dataframe


def test_a_student_is_refused(world) -> None:
    ann = world["ann"]
    at = run(new_app(actor=ann))
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page("views/board.py")
    at = run(new_app("views/board.py", actor=ann))
    assert warnings(at) == [en("auth.forbidden")]
    assert not titles(at) and not at.dataframe
    assert "Bob Wang" not in rendered(at)
