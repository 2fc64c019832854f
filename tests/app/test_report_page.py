"""Lab report page (views/report.py) under AppTest: the instructor picks a class and a student and
sees their report, downloads and replay; a student sees only their own report (no picker); the
replay steps forward and back; logged-out visitors are refused. State is made by bots (golden runs).
"""

from __future__ import annotations

import re

import pytest
from streamlit.testing.v1 import AppTest

from sandbox import events
from sandbox.actor import Actor
from sandbox.bots import BotWorld
from sandbox.scenarios.loader import ScenarioLibrary
from sandbox.scenarios.model import TaskSet
from sandbox.scenarios.runs import run_golden
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import en, new_app, run, titles, warnings, zh


@pytest.fixture(scope="module")
def tasks() -> TaskSet:
    return ScenarioLibrary().tasks


@pytest.fixture
def world(app_db: UnitOfWork, tasks: TaskSet):
    """Ann did EMAIL001 and EMAIL003 and got an adjusted score; Bob did EMAIL001."""
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    ann = factories.student(app_db, room, "ann", "Ann Li", number="2026001")
    bob = factories.student(app_db, room, "bob", "Bob Wang", number="2026002")
    run_golden(BotWorld(app_db, room.id, ann), tasks, "EMAIL003", set())
    run_golden(BotWorld(app_db, room.id, bob), tasks, "EMAIL001", set())
    with app_db.write() as s:
        events.record(s, "grade.adjusted", actor=teacher, class_id=room.id, task_code="EMAIL003",
                      student_id=ann.user_id, points=1.0, note="Late reply")
    return {"uow": app_db, "teacher": teacher, "room": room, "ann": ann, "bob": bob}


def report_page(actor: Actor) -> AppTest:
    at = run(new_app(actor=actor))
    at.switch_page("views/report.py")
    return run(at)


def task_table(at: AppTest) -> dict[str, dict[str, object]]:
    frame = at.dataframe[0].value  # the tasks table comes first (AppTest keeps no dataframe keys)
    return {str(row[en("report.col_task")]).split()[0]: row for row in frame.to_dict("records")}


def test_the_instructor_picks_a_student_and_sees_the_report(world) -> None:
    at = report_page(world["teacher"])

    assert titles(at) == [en("page.report")]
    student = at.selectbox(key="rp_student")
    assert student.options == ["2026001 · Ann Li · ann", "2026002 · Bob Wang · bob"]
    rows = task_table(at)
    assert {"EMAIL001", "EMAIL003"} <= set(rows)
    assert rows["EMAIL001"][en("report.col_status")] == en("report.passed")
    assert "ann@sandbox.test" in rows["EMAIL001"][en("report.col_evidence")]
    assert rows["EMAIL003"][en("report.col_adjustment")] == "set to 1 — Late reply"
    assert rows["EMAIL003"][en("report.col_points")] == "1 / 2"
    notes = at.dataframe[1].value.to_dict("records")
    assert [n[en("report.col_note")] for n in notes] == ["Score adjusted: Late reply"]
    labels = [b.label for b in at.get("download_button")]
    assert labels == [en("report.download_html"), en("report.download_pdf")]
    assert [c.type for c in at.get("plotly_chart")] == ["plotly_chart"]

    student.select(world["bob"].user_id)
    run(at)
    rows = task_table(at)
    assert "EMAIL001" in rows and "EMAIL003" not in rows
    assert [h.value for h in at.subheader] == ["Bob Wang · bob"]
    assert "ann@" not in " ".join(f.value.to_string() for f in at.dataframe)


def test_a_student_sees_only_their_own_report(world) -> None:
    at = report_page(world["ann"])

    assert titles(at) == [en("page.my_report")]
    assert not [s for s in at.selectbox if s.key == "rp_student"]  # no picker for students
    assert "EMAIL003" in task_table(at)
    assert [h.value for h in at.subheader] == ["Ann Li · ann"]
    shown = " ".join([m.value for m in at.markdown] + [f.value.to_string() for f in at.dataframe])
    assert "Bob" not in shown and "bob" not in shown
    assert [b.label for b in at.get("download_button")] == [en("report.download_html"), en("report.download_pdf")]
    assert at.toggle(key="rp_all").value is False
    at.toggle(key="rp_all").set_value(True)
    run(at)
    assert len(task_table(at)) == len(ScenarioLibrary().tasks.tasks)  # every task, done or not


def test_the_replay_steps_through_the_events(world) -> None:
    at = report_page(world["ann"])
    slider = at.slider(key="rp_slider")
    n = int(slider.max)
    assert slider.value == 1 and n >= 3
    step = en("report.step_of", i=1, n=n)
    assert any(step in m.value for m in at.markdown)
    assert at.button(key="rp_prev").disabled
    # the action in words, its event code after it (not the bare code)
    box = next(m.value for m in at.markdown if f"**{en('report.kind')}:**" in m.value).replace("\\", "")
    action = re.search(r"\*\*" + re.escape(en("report.kind")) + r":\*\* (.+) \(([a-z_.]+)\)", box)
    assert action, box
    assert action.group(1) == en(f"report.event.{action.group(2)}") != f"report.event.{action.group(2)}"

    at.button(key="rp_next").click()
    run(at)
    at.button(key="rp_next").click()
    run(at)
    assert at.slider(key="rp_slider").value == 3
    assert any(en("report.step_of", i=3, n=n) in m.value for m in at.markdown)
    at.button(key="rp_prev").click()
    run(at)
    assert at.slider(key="rp_slider").value == 2

    at.slider(key="rp_slider").set_value(n)
    run(at)
    assert at.button(key="rp_next").disabled
    # some step of Ann's log completed EMAIL001: walk until its message shows
    found = False
    for i in range(1, n + 1):
        at.slider(key="rp_slider").set_value(i)
        run(at)
        if any("EMAIL001" in s.value and "completed" in s.value for s in at.success):
            found = True
            break
    assert found


def test_the_page_in_chinese(world) -> None:
    ann = world["ann"]
    at = run(new_app(actor=Actor(**{**ann.__dict__, "language": "zh_CN"})))
    at.switch_page("views/report.py")
    run(at)
    assert titles(at) == [zh("page.my_report")]
    assert [b.label for b in at.get("download_button")] == [zh("report.download_html"), zh("report.download_pdf")]
    frame = at.dataframe[0].value
    assert zh("report.col_evidence") in frame.columns


def test_logged_out_visitors_are_refused(app_db: UnitOfWork) -> None:
    at = run(new_app("views/report.py"))
    assert warnings(at) == [en("auth.login_required")]
    assert not titles(at) and not at.get("download_button")


def test_scoping_the_report_to_an_assignment(world) -> None:
    from sandbox.teaching.models import Assignment

    with world["uow"].write() as s:
        s.add(Assignment(class_id=world["room"].id, title="Mail week", kind="tasks",
                         task_codes=["EMAIL001", "EMAIL002", "EMAIL003"], parties={"self": "student"}, hint_cost=0.5))
    at = report_page(world["teacher"])
    picker = at.selectbox(key="rp_assignment")
    assert picker.options == [en("report.no_assignment_option"), "Mail week"]
    picker.select_index(1)
    run(at)
    rows = task_table(at)
    assert list(rows) == ["EMAIL001", "EMAIL002", "EMAIL003"]  # every task of the assignment, done or not
    assert rows["EMAIL002"][en("report.col_status")] == en("report.not_passed")
    assert not [t for t in at.toggle if t.key == "rp_all"]  # "tasks not started" is for reports without one
    metrics = {m.label: m.value for m in at.metric}
    assert metrics[en("report.total")] == "3 / 6" and metrics[en("report.passed_tasks")] == "2 / 3"
