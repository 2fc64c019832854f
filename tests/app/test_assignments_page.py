"""Assignments and teams (views/assignments.py) under AppTest: an instructor sets a task list and a chain
with who plays each part, dates, late rule and hint cost; bad input gets a message and stores nothing;
teams are formed by hand and at random and members get parts; students are refused."""

from __future__ import annotations

from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest

from sandbox.actor import Actor
from sandbox.teaching import teams
from sandbox.teaching.models import Assignment, Team, TeamMember
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import count, en, errors, new_app, run, submit, successes, titles, warnings, zh


@pytest.fixture
def world(app_db: UnitOfWork):
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    people = [factories.student(app_db, room, name, name.title(), number=f"20260{i}")
              for i, name in enumerate(["ann", "bob", "cai", "dan", "eve", "fay", "gus"], start=1)]
    return {"uow": app_db, "teacher": teacher, "room": room, "students": people}


def page(actor: Actor, tab: str | None = None, lang: str | None = None) -> AppTest:
    at = new_app(actor=actor)
    if lang:
        at.session_state["lang"] = lang
    run(at)
    if tab:
        at.session_state["as_tabs"] = (zh if lang == "zh_CN" else en)(tab)
    at.switch_page("views/assignments.py")
    return run(at)


def stored(uow: UnitOfWork) -> list[Assignment]:
    with uow.read() as s:
        rows = list(s.query(Assignment).order_by(Assignment.id))
        s.expunge_all()
    return rows


def test_an_instructor_sets_a_task_list_with_a_hint_cost(world) -> None:
    uow = world["uow"]
    at = page(world["teacher"])
    assert titles(at) == [en("page.assignments")]
    assert [i.value for i in at.info] == [en("assign.none")]
    options = at.multiselect(key="as_tasks").options
    assert "EMAIL001 申请电子邮件 — Apply for an e-mail account" in options

    at.text_input(key="as_title").input("Mail week / 邮件周")
    at.multiselect(key="as_tasks").select("EMAIL001").select("EMAIL003")
    at.number_input(key="as_hint_cost").set_value(1.0)
    at.number_input(key="as_penalty").set_value(30)
    submit(at, "as_form")

    assert successes(at) == [en("assign.created", title="Mail week / 邮件周")]
    (row,) = stored(uow)
    assert (row.title, row.kind, row.task_codes, row.hint_cost, row.late_penalty_pct, row.late_counts) == \
        ("Mail week / 邮件周", "tasks", ["EMAIL001", "EMAIL003"], 1.0, 30, True)
    assert row.opens_at is not None and row.due_at is not None and row.due_at > row.opens_at
    (frame,) = at.dataframe
    (shown,) = frame.value.to_dict("records")
    assert shown[en("assign.col_title")] == "Mail week / 邮件周"
    assert shown[en("assign.col_hint")] == "1" and shown[en("assign.col_late")] == en("assign.late_pct", pct=30)
    assert shown[en("assign.col_status")] == en("assign.status.open")


def test_bad_input_gets_a_message_and_stores_nothing(world) -> None:
    uow = world["uow"]
    at = page(world["teacher"])
    at.text_input(key="as_title").input("Nothing chosen")
    submit(at, "as_form")
    assert errors(at) == [en("assignment.no_tasks")]

    at.multiselect(key="as_tasks").select("EMAIL001")  # 2 points
    at.number_input(key="as_hint_cost").set_value(5.0)
    submit(at, "as_form")
    assert errors(at) == [en("assignment.bad_hint_cost", max="2")]

    at.number_input(key="as_hint_cost").set_value(0.5)
    at.date_input(key="as_due_d").set_value(at.date_input(key="as_opens_d").value)
    at.time_input(key="as_due_t").set_value(at.time_input(key="as_opens_t").value)
    submit(at, "as_form")
    assert errors(at) == [en("assignment.due_before_open")]
    assert stored(uow) == []


def test_a_chain_with_a_party_per_part(world) -> None:
    uow = world["uow"]
    at = page(world["teacher"])
    at.radio(key="as_kind").set_value("chain")
    run(at)
    assert at.selectbox(key="as_chain").value == "A"
    for part in ("buyer", "supplier", "logistics"):
        at.selectbox(key=f"as_party_A_{part}").set_value("bot")
    at.text_input(key="as_title").input("Chain A")
    submit(at, "as_form")
    assert errors(at) == [en("assignment.all_bots")]
    assert stored(uow) == []

    at.selectbox(key="as_party_A_buyer").set_value("student")
    at.selectbox(key="as_party_A_supplier").set_value("team")
    submit(at, "as_form")
    assert successes(at) == [en("assign.created", title="Chain A")]
    (row,) = stored(uow)
    assert (row.kind, row.chain_id, row.parties) == ("chain", "A", {"buyer": "student", "supplier": "team",
                                                                    "logistics": "bot"})
    assert "B2B011" in row.task_codes and "LGS002" not in row.task_codes

    at.selectbox(key="as_delete_pick").set_value(row.id)
    submit(at, "as_delete_form")
    assert successes(at) == [en("assign.deleted", title="Chain A")]
    assert stored(uow) == []


def test_teams_by_hand_at_random_and_parts(world) -> None:
    uow, people = world["uow"], world["students"]
    at = page(world["teacher"], tab="assign.tab_teams")
    assert [i.value for i in at.info] == [en("assign.no_teams")]
    assert at.get("multiselect")[0].options[0].endswith("Ann (ann)")

    at.text_input(key="as_team_name").input("Red")
    at.multiselect(key="as_team_members").set_value([people[0].user_id])
    submit(at, "as_team_form")
    assert errors(at) == [en("team.bad_size", min=2, max=5)]
    assert count(uow, Team) == 0

    at.multiselect(key="as_team_members").set_value([people[0].user_id, people[1].user_id])
    submit(at, "as_team_form")
    assert successes(at) == [en("assign.team_created", name="Red")]
    assert count(uow, TeamMember) == 2

    at.number_input(key="as_team_size").set_value(2)
    submit(at, "as_random_form")
    assert successes(at) == [en("assign.random_made", count=2)]  # 5 free students: 3 + 2
    with uow.read() as s:
        formed = teams.teams(s, world["teacher"], world["room"].id)
    assert [t.name for t in formed] == ["Red", "Team 1 / 第1组", "Team 2 / 第2组"]
    assert sorted(len(t.members) for t in formed) == [2, 2, 3]

    at.selectbox(key="as_part_member").set_value(people[0].user_id)
    at.selectbox(key="as_part_value").set_value("supplier")
    submit(at, "as_part_form")
    assert successes(at) == [en("assign.part_set")]
    with uow.read() as s:
        assert teams.team_of(s, world["room"].id, people[0].user_id).member(people[0].user_id).part == "supplier"
    (frame,) = at.dataframe
    rows = frame.value.to_dict("records")
    assert len(rows) == 7 and rows[0][en("assign.team_col")] == "Red"
    assert rows[0][en("assign.member_col")] == "202601 Ann (ann)"
    assert rows[0][en("assign.part_col")] == "供应商 Supplier (supplier)"
    assert rows[1][en("assign.part_col")] == en("assign.no_part")

    at.selectbox(key="as_remove_pick").set_value(formed[0].id)
    submit(at, "as_remove_form")
    assert successes(at) == [en("assign.team_removed", name="Red")]
    assert count(uow, Team) == 2


def test_the_page_speaks_chinese(world) -> None:
    at = page(replace(world["teacher"], language="zh_CN"), lang="zh_CN")
    assert titles(at) == [zh("page.assignments")]
    assert at.tabs[0].label == zh("assign.tab_assignments")
    at.text_input(key="as_title").input("作业一")
    submit(at, "as_form")
    assert errors(at) == [zh("assignment.no_tasks")]


def test_students_are_refused(world) -> None:
    ann = world["students"][0]
    at = run(new_app(actor=ann))
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page("views/assignments.py")
    at = run(new_app("views/assignments.py", actor=ann))
    assert warnings(at) == [en("auth.forbidden")]
    assert not titles(at) and not at.button


def test_an_instructor_moves_the_due_date_and_changes_the_hint_cost(world) -> None:
    from datetime import UTC, datetime, time, timedelta

    from sandbox.scenarios.loader import load_directory
    from sandbox.teaching import assignments as assign

    uow, teacher, room = world["uow"], world["teacher"], world["room"]
    opens = datetime(2026, 3, 2, 8, 0, tzinfo=UTC)
    aid = assign.create_assignment(uow, teacher, room.id, title="Mail week", kind="tasks", task_codes=["EMAIL001"],
                                   opens_at=opens, due_at=opens + timedelta(days=7), tasks=load_directory())
    at = page(teacher)
    assert at.text_input(key="as_edit_title").value == "Mail week"
    # typed and shown in China time: 08:00 UTC is 16:00 (UTC+8), the same day
    assert at.date_input(key="as_edit_due_d").value == (opens + timedelta(days=7)).date()
    assert at.time_input(key="as_edit_opens_t").value == time(16, 0)

    at.date_input(key="as_edit_due_d").set_value(opens.date() - timedelta(days=1))
    submit(at, "as_edit_form")
    assert errors(at) == [en("assignment.due_before_open")]

    at.date_input(key="as_edit_due_d").set_value((opens + timedelta(days=14)).date())
    at.number_input(key="as_edit_hint_cost").set_value(0.5)
    at.checkbox(key="as_edit_late_counts").uncheck()
    submit(at, "as_edit_form")
    assert successes(at) == [en("assign.saved", title="Mail week")]
    (row,) = stored(uow)
    assert (row.id, row.hint_cost, row.late_counts, row.task_codes) == (aid, 0.5, False, ["EMAIL001"])
    assert (row.opens_at, row.due_at) == (opens, datetime(2026, 3, 16, 8, 0, tzinfo=UTC))


def test_an_instructor_changes_the_tasks_and_the_parts(world) -> None:
    from sandbox.scenarios.loader import load_directory
    from sandbox.teaching import assignments as assign

    uow, teacher, room = world["uow"], world["teacher"], world["room"]
    shipped = load_directory()
    aid = assign.create_assignment(uow, teacher, room.id, title="Mail week", kind="tasks", task_codes=["EMAIL001"],
                                   tasks=shipped)
    at = page(teacher)
    assert at.multiselect(key="as_edit_tasks").value == ["EMAIL001"]
    at.multiselect(key="as_edit_tasks").set_value([])
    submit(at, "as_edit_form")
    assert errors(at) == [en("assignment.no_tasks")]
    assert stored(uow)[0].task_codes == ["EMAIL001"]  # refused: nothing changed
    at.multiselect(key="as_edit_tasks").set_value(["EMAIL001", "EMAIL003"])
    submit(at, "as_edit_form")
    assert successes(at) == [en("assign.saved", title="Mail week")]
    assert stored(uow)[0].task_codes == ["EMAIL001", "EMAIL003"]

    # a chain: who plays each part changes, and with it what the students must do
    assign.delete_assignment(uow, teacher, aid)
    assign.create_assignment(uow, teacher, room.id, title="Chain A", kind="chain", chain_id="A",
                             parties={"buyer": "student", "supplier": "bot", "logistics": "bot"}, tasks=shipped)
    at = page(teacher)
    assert "as_edit_tasks" not in [m.key for m in at.multiselect]
    assert at.selectbox(key="as_edit_party_supplier").value == "bot"
    at.selectbox(key="as_edit_party_buyer").set_value("bot")
    at.selectbox(key="as_edit_party_supplier").set_value("bot")
    submit(at, "as_edit_form")
    assert errors(at) == [en("assignment.all_bots")]
    at.selectbox(key="as_edit_party_supplier").set_value("student")
    submit(at, "as_edit_form")
    assert successes(at) == [en("assign.saved", title="Chain A")]
    (row,) = stored(uow)
    assert row.parties == {"buyer": "bot", "supplier": "student", "logistics": "bot"}
    # the codes are now the supplier's, exactly as a new assignment with these parts would have
    fresh = assign.create_assignment(uow, teacher, room.id, title="Same parts", kind="chain", chain_id="A",
                                     parties=row.parties, tasks=shipped)
    by_id = {r.id: r for r in stored(uow)}
    assert row.task_codes == by_id[fresh].task_codes and "B2B005" not in row.task_codes  # 购物 is the buyer's
