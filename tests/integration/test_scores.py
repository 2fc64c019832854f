"""Scores: grading under an assignment's rules — late work, paid hints, instructor adjustments."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sandbox import events
from sandbox.bots import BotWorld
from sandbox.db import utcnow
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.teaching.scores import GRADE_ADJUSTED, HINT_VIEWED, Rules, notes_for, score_class
from tests import factories


@pytest.fixture(scope="module")
def tasks():
    return load_directory()


@pytest.fixture
def stage(uow, tasks):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann")
    bob = factories.student(uow, room, "bob")
    run_golden(BotWorld(uow, room.id, ann), tasks, "EMAIL001", set())
    return teacher, room, ann, bob


def scores(uow, room, students, tasks, rules=None):
    with uow.read() as s:
        return score_class(s, room.id, [a.user_id for a in students], [tasks.tasks["EMAIL001"]], rules)


def test_a_passed_task_earns_its_points_with_when_it_was_done(uow, tasks, stage):
    _, room, ann, bob = stage
    got = scores(uow, room, [ann, bob], tasks)
    mine = got[ann.user_id]["EMAIL001"]
    assert mine.passed and mine.points == tasks.tasks["EMAIL001"].points
    assert mine.completed_at is not None and not mine.late
    assert got[bob.user_id]["EMAIL001"].points == 0 and got[bob.user_id]["EMAIL001"].completed_at is None


def test_late_work_costs_the_penalty_or_everything(uow, tasks, stage):
    _, room, ann, _ = stage
    points = tasks.tasks["EMAIL001"].points
    past = utcnow() - timedelta(days=1)
    penalised = scores(uow, room, [ann], tasks, Rules(due_at=past, late_counts=True, late_penalty_pct=50))
    assert penalised[ann.user_id]["EMAIL001"].late
    assert penalised[ann.user_id]["EMAIL001"].points == pytest.approx(points / 2)
    refused = scores(uow, room, [ann], tasks, Rules(due_at=past, late_counts=False))
    assert refused[ann.user_id]["EMAIL001"].points == 0
    on_time = scores(uow, room, [ann], tasks, Rules(due_at=utcnow() + timedelta(days=1), late_counts=False))
    assert on_time[ann.user_id]["EMAIL001"].points == points and not on_time[ann.user_id]["EMAIL001"].late


def test_an_opened_hint_costs_its_price_but_never_below_zero(uow, tasks, stage):
    _, room, ann, _ = stage
    points = tasks.tasks["EMAIL001"].points
    with uow.write() as s:
        events.record(s, HINT_VIEWED, actor=ann, task_code="EMAIL001", assignment_id=1)
    free = scores(uow, room, [ann], tasks)[ann.user_id]["EMAIL001"]
    assert free.hints == 1 and free.points == points
    paid = scores(uow, room, [ann], tasks, Rules(hint_cost=1))[ann.user_id]["EMAIL001"]
    assert paid.hint_deduction == 1 and paid.points == points - 1
    dear = scores(uow, room, [ann], tasks, Rules(hint_cost=points * 10))[ann.user_id]["EMAIL001"]
    assert dear.points == 0
    mine = scores(uow, room, [ann], tasks, Rules(hint_cost=1, assignment_id=1))[ann.user_id]["EMAIL001"]
    assert mine.hints == 1 and mine.points == points - 1
    other = scores(uow, room, [ann], tasks, Rules(hint_cost=1, assignment_id=2))[ann.user_id]["EMAIL001"]
    assert other.hints == 0 and other.points == points  # paid in assignment 1, free in assignment 2


def test_the_latest_adjustment_replaces_the_points_and_its_note_is_visible(uow, tasks, stage):
    teacher, room, ann, bob = stage
    with uow.write() as s:
        for pts, note in ((1, "first"), (2.5, "mail server was down for Bob")):
            events.record(s, GRADE_ADJUSTED, actor_id=teacher.user_id, class_id=room.id, task_code="EMAIL001",
                          student_id=bob.user_id, points=pts, note=note)
    got = scores(uow, room, [ann, bob], tasks)[bob.user_id]["EMAIL001"]
    assert got.adjusted == 2.5 and got.points == 2.5 and got.note == "mail server was down for Bob"
    with uow.read() as s:
        assert [n.note for n in notes_for(s, room.id, bob.user_id)] == ["first", "mail server was down for Bob"]
        assert notes_for(s, room.id, ann.user_id) == []
