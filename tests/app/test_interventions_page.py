"""Interventions page (views/interventions.py) under AppTest: students are refused; an adjustment
needs a note and changes the score; a stuck order is settled; the history lists both."""

from __future__ import annotations

import pytest
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from sandbox.actor import Actor
from sandbox.b2b.models import Order
from sandbox.bots import BotWorld
from sandbox.events import Event
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import count, en, errors, new_app, run, submit, successes, titles, warnings

TASKS = load_directory()


@pytest.fixture
def world(app_db: UnitOfWork):
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    ann = factories.student(app_db, room, "ann", "Ann Li", number="2026001")
    return {"uow": app_db, "teacher": teacher, "room": room, "ann": ann}


def page(actor: Actor, tab: str | None = None) -> AppTest:
    at = run(new_app(actor=actor))
    at.switch_page("views/interventions.py")
    run(at)
    if tab:
        at.session_state["iv_tabs"] = en(tab)
        run(at)
    return at


def test_a_student_is_refused(world) -> None:
    at = run(new_app("views/interventions.py", actor=world["ann"]))  # not in a student's menu: opened directly
    assert warnings(at) == [en("auth.forbidden")] and not at.get("selectbox")


def test_adjusting_needs_a_note_then_sets_the_points(world) -> None:
    uow, teacher, ann = world["uow"], world["teacher"], world["ann"]
    at = page(teacher)
    assert titles(at) == [en("page.interventions")]
    assert at.selectbox(key="iv_student").value == ann.user_id
    at.selectbox(key="iv_task").select("EMAIL001")
    run(at)
    at.number_input(key=f"iv_adjust_points_{ann.user_id}_EMAIL001").set_value(1.5)
    submit(at, "iv_adjust_form")
    assert errors(at) == [en("input.required", field=en("field.intervene.note"))]
    assert count(uow, Event, Event.kind == "grade.adjusted") == 0

    at.text_area(key="iv_adjust_note").input("Done on paper in the lab")
    submit(at, "iv_adjust_form")
    assert successes(at) == [en("intervene.adjust_done", code="EMAIL001", points="1.5", student="ann")]
    assert [m.value for m in at.metric if m.label == en("intervene.points_now")] == ["1.5 / 2"]
    with uow.read() as s:
        ev = s.scalars(select(Event).where(Event.kind == "grade.adjusted")).one()
        assert ev.data["note"] == "Done on paper in the lab" and ev.task_code == "EMAIL001"


def test_settling_a_stuck_order_and_the_history(world) -> None:
    uow, teacher, room, ann = world["uow"], world["teacher"], world["room"], world["ann"]
    run_golden(BotWorld(uow, room.id, ann), TASKS, "B2B006", set())
    at = page(teacher, "intervene.settle")
    (label,) = at.selectbox(key="iv_settle_doc").options
    assert label.startswith(en("intervene.kind.b2b_order"))
    at.text_area(key="iv_settle_note").input("Supplier left the course")
    submit(at, "iv_settle_form")
    with uow.read() as s:
        order = s.scalars(select(Order)).one()
        number, state = order.number, order.state
    assert state == "rejected"
    assert successes(at) == [en("intervene.settle_done.b2b_order", number=number)]

    at.session_state["iv_tabs"] = en("intervene.history")
    run(at)
    (frame,) = at.dataframe
    rows = frame.value.to_dict("records")
    assert [(r[en("intervene.what")], r[en("intervene.note")]) for r in rows] == [
        (en("intervene.kinds.instructor_settle_document"), "Supplier left the course")]


def test_nothing_to_unlock_is_said_plainly(world) -> None:
    at = page(world["teacher"], "intervene.unlock")
    assert [i.value for i in at.info] == [en("intervene.nothing_locked")]
