"""Gradebook (views/gradebook.py) under AppTest: students x tasks with ✓ and the points of each
passed task and totals, the CSV export (one column per task, the same as ``python -m sandbox grade``),
the module filter, the assignment selector (its tasks, points under its rules: paid hints, late
work, adjustments marked), the three charts, only the instructor's own classes, and the refusal of
students. State is made by bots (golden runs) through the services.
"""

from __future__ import annotations

import csv
import io
from datetime import timedelta

import pytest
from streamlit.runtime.media_file_manager import MediaFileManager
from streamlit.testing.v1 import AppTest

from sandbox import events
from sandbox.actor import Actor
from sandbox.bots import BotWorld
from sandbox.cli import main
from sandbox.db import utcnow
from sandbox.scenarios.grading import class_students
from sandbox.scenarios.loader import ScenarioLibrary
from sandbox.scenarios.model import TaskSet
from sandbox.scenarios.runs import run_golden
from sandbox.teaching.models import Assignment
from sandbox.teaching.scores import GRADE_ADJUSTED, HINT_VIEWED
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import en, new_app, rendered, run, titles, warnings

EMAIL_CODES = ["EMAIL001", "EMAIL002", "EMAIL003", "EMAIL004", "EMAIL006", "EMAIL007"]


@pytest.fixture(scope="module")
def tasks() -> TaskSet:
    return ScenarioLibrary().tasks


@pytest.fixture
def world(app_db: UnitOfWork, tasks: TaskSet):
    """A class where Ann did EMAIL001 and EMAIL003, Bob everything, Cai nothing (with bot partners)."""
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    ann = factories.student(app_db, room, "ann", "Ann Li", number="2026001")
    bob = factories.student(app_db, room, "bob", "Bob Wang", number="2026002")
    factories.student(app_db, room, "cai", "Cai Hong", number="2026003")
    run_golden(BotWorld(app_db, room.id, ann), tasks, "EMAIL003", set())
    bob_world, done = BotWorld(app_db, room.id, bob), set()
    for code in EMAIL_CODES:
        run_golden(bob_world, tasks, code, done)
    return {"uow": app_db, "teacher": teacher, "room": room, "ann": ann}


@pytest.fixture
def downloads(monkeypatch: pytest.MonkeyPatch) -> dict[str, bytes]:
    """The bytes handed to st.download_button, by file name (AppTest keeps no media server)."""
    got: dict[str, bytes] = {}
    original = MediaFileManager.add

    def add(self, path_or_data, mimetype, coordinates, file_name=None, is_for_static_download=False):
        if file_name and isinstance(path_or_data, bytes):
            got[file_name] = path_or_data
        return original(self, path_or_data, mimetype, coordinates, file_name, is_for_static_download)

    monkeypatch.setattr(MediaFileManager, "add", add)
    return got


def gradebook(actor: Actor, module: str | None = None) -> AppTest:
    """The gradebook page as ``actor`` sees it (of one module, if given)."""
    at = run(new_app(actor=actor))
    at.switch_page("views/gradebook.py")
    run(at)
    if module is not None:
        at.selectbox(key="gb_module").select(module)
        run(at)
    return at


def table(at: AppTest) -> dict[str, dict[str, object]]:
    """The gradebook table as {user name: row}."""
    (frame,) = at.dataframe
    return {row[en("field.username")]: row for row in frame.value.to_dict("records")}


def test_students_by_tasks_with_ticks_and_totals(world) -> None:
    at = gradebook(world["teacher"], "EMAIL")

    assert titles(at) == [en("gradebook.title")]
    rows = table(at)
    assert list(rows) == ["ann", "bob", "cai"]  # students only: the partner bots are not graded
    assert list(at.dataframe[0].value.columns) == [
        en("field.student_number"),
        en("field.username"),
        en("field.full_name"),
        en("gradebook.total"),  # next to the name (pinned): the task columns scroll sideways
        *EMAIL_CODES,
    ]
    cells = {name: [row[c] for c in EMAIL_CODES] for name, row in rows.items()}
    assert cells == {"ann": ["✓ 2", "·", "✓ 2", "·", "·", "·"], "bob": ["✓ 2"] * 6, "cai": ["·"] * 6}
    assert {name: row[en("gradebook.total")] for name, row in rows.items()} == {"ann": 4, "bob": 12, "cai": 0}
    assert rows["ann"][en("field.student_number")] == "2026001"
    assert rows["ann"][en("field.full_name")] == "Ann Li"
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {en("class.students"): "3", en("gradebook.tasks"): "6", en("gradebook.average"): "5.3 / 12"}
    # completion by task, score distribution, time per task
    # completion and distribution; the time chart gives way to a note: every task here took no measurable time
    assert [c.type for c in at.get("plotly_chart")] == ["plotly_chart"] * 2
    assert [i.value for i in at.info] == [en("board.no_timing")]


def test_the_csv_export_has_one_column_per_task(world, downloads: dict[str, bytes]) -> None:
    at = gradebook(world["teacher"], "EMAIL")

    (button,) = at.get("download_button")
    assert button.label == en("gradebook.export")
    data = downloads["gradebook-EC-2026 A.csv"]
    assert data.startswith("\ufeff".encode())  # a BOM, so spreadsheet programs read the Chinese names
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["student_number", "username", "full_name", *EMAIL_CODES, "total"]
    assert rows[1:] == [
        ["2026001", "ann", "Ann Li", "2", "0", "2", "0", "0", "0", "4"],
        ["2026002", "bob", "Bob Wang", "2", "2", "2", "2", "2", "2", "12"],
        ["2026003", "cai", "Cai Hong", "0", "0", "0", "0", "0", "0", "0"],
    ]


def test_the_module_filter(world, tasks: TaskSet) -> None:
    at = gradebook(world["teacher"])
    module = at.selectbox(key="gb_module")
    assert module.value == "*"
    offered = sorted({t.module for t in tasks.tasks.values()})
    assert module.options == [en("gradebook.all_modules"), *[en(f"module.{m}") for m in offered]]
    everything = [t.code for t in tasks.tasks.values()]
    assert [c for c in at.dataframe[0].value.columns if c in tasks.tasks] == everything

    module.select("EMAIL")
    run(at)
    assert [c for c in at.dataframe[0].value.columns if c in tasks.tasks] == EMAIL_CODES
    assert {m.label: m.value for m in at.metric}[en("gradebook.tasks")] == "6"
    assert table(at)["bob"][en("gradebook.total")] == 12


def test_another_instructors_class_is_not_listed(world, tasks: TaskSet) -> None:
    uow = world["uow"]
    other = factories.instructor(uow, "zhao", "Zhao Lei")
    theirs = factories.classroom(uow, other, name="EC-2026 B")
    dan = factories.student(uow, theirs, "dan", "Dan Xu")
    run_golden(BotWorld(uow, theirs.id, dan), tasks, "EMAIL001", set())

    mine = gradebook(world["teacher"])
    assert mine.selectbox(key="gb_class").options == ["EC-2026 A"]
    assert "dan" not in table(mine) and "Dan Xu" not in rendered(mine)

    at = gradebook(other)
    assert at.selectbox(key="gb_class").options == ["EC-2026 B"]
    assert list(table(at)) == ["dan"]
    assert "Ann Li" not in rendered(at)


def test_an_instructor_without_classes_or_students_is_told_so(app_db: UnitOfWork) -> None:
    teacher = factories.instructor(app_db)
    at = gradebook(teacher)
    assert [i.value for i in at.info] == [en("home.no_classes")]
    factories.classroom(app_db, teacher)
    at = gradebook(teacher)
    assert [i.value for i in at.info] == [en("classes.empty_roster")]
    assert not at.dataframe


def test_a_student_is_refused(world) -> None:
    ann = world["ann"]
    at = run(new_app(actor=ann))
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page("views/gradebook.py")
    at = run(new_app("views/gradebook.py", actor=ann))
    assert warnings(at) == [en("auth.forbidden")]
    assert not titles(at) and not at.dataframe and not at.get("download_button")
    assert "Bob Wang" not in rendered(at)


def test_the_csv_is_what_the_command_line_prints(world, downloads: dict[str, bytes], capsys, sqlite_url: str) -> None:
    gradebook(world["teacher"])
    assert main(["grade", "--class", "EC-2026 A", "--format", "csv", "--db", sqlite_url]) == 0
    printed = capsys.readouterr().out
    assert downloads["gradebook-EC-2026 A.csv"].decode("utf-8-sig").splitlines() == printed.splitlines()


def assignment(uow: UnitOfWork, room_id: int, **fields) -> int:
    with uow.write() as s:
        row = Assignment(class_id=room_id, kind="tasks", parties={"self": "student"}, **fields)
        s.add(row)
        s.flush()
        return row.id


def test_one_assignment_its_tasks_and_its_rules(world, downloads: dict[str, bytes]) -> None:
    uow, room, ann = world["uow"], world["room"], world["ann"]
    aid = assignment(uow, room.id, title="Mail week", task_codes=["EMAIL003", "EMAIL001"], hint_cost=0.5,
                     due_at=utcnow() - timedelta(days=1), late_counts=True, late_penalty_pct=50)
    with uow.write() as s:
        events.record(s, HINT_VIEWED, actor=ann, task_code="EMAIL001", assignment_id=aid)
        events.record(s, GRADE_ADJUSTED, actor=world["teacher"], class_id=room.id, task_code="EMAIL003",
                      student_id=ann.user_id, points=1.5, note="well done")

    at = gradebook(world["teacher"])
    picker = at.selectbox(key="gb_assignment")
    assert picker.options == [en("board.all_tasks"), "Mail week"]
    picker.select(aid)
    run(at)

    assert [c for c in at.dataframe[0].value.columns if c.startswith("EMAIL")] == ["EMAIL003", "EMAIL001"]
    rows = table(at)
    # done after the due date: half of 2; EMAIL001 also one hint at 0.5; EMAIL003 adjusted to 1.5
    assert [rows["ann"][c] for c in ("EMAIL003", "EMAIL001")] == ["✓ 1.5 ◷✎", "✓ 0.5 ◷ℹ"]
    assert [rows["bob"][c] for c in ("EMAIL003", "EMAIL001")] == ["✓ 1 ◷", "✓ 1 ◷"]
    assert rows["cai"]["EMAIL003"] == "·"
    assert {n: r[en("gradebook.total")] for n, r in rows.items()} == {"ann": 2, "bob": 2, "cai": 0}
    assert any("Mail week" in c.value for c in at.caption)
    assert {m.label: m.value for m in at.metric}[en("gradebook.tasks")] == "2"

    data = downloads["gradebook-EC-2026 A-Mail week.csv"].decode("utf-8-sig")
    lines = list(csv.reader(io.StringIO(data)))
    assert lines[0] == ["student_number", "username", "full_name", "EMAIL003", "EMAIL001", "total"]
    assert lines[1] == ["2026001", "ann", "Ann Li", "1.5", "0.5", "2"]


def test_an_adjusted_task_not_passed_shows_its_points(world) -> None:
    uow, room = world["uow"], world["room"]
    with uow.read() as s:
        cai = next(x for x in class_students(s, room.id) if x.username == "cai")
    with uow.write() as s:
        events.record(s, GRADE_ADJUSTED, actor=world["teacher"], class_id=room.id, task_code="EMAIL004",
                      student_id=cai.user_id, points=1, note="mail server down")
    rows = table(gradebook(world["teacher"], "EMAIL"))
    assert rows["cai"]["EMAIL004"] == "1 ✎" and rows["cai"][en("gradebook.total")] == 1
