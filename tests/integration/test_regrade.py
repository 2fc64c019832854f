"""Regrade: after a scenario change (a pack worth other points loaded into the class), every score is
recomputed from what the students did, stored as a snapshot, and compared with the last one."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox import events
from sandbox.bots import BotWorld
from sandbox.errors import DomainError
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.teaching import packs, regrade
from sandbox.teaching.models import GradeSnapshot
from tests import factories
from tests.integration.test_packs import task_pack


@pytest.fixture(scope="module")
def shipped():
    return load_directory()


@pytest.fixture
def stage(uow, shipped):
    """Ann applied for her mailbox (EMAIL001, 2 points as shipped); Bob did nothing."""
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann", "Ann Li")
    bob = factories.student(uow, room, "bob", "Bob Wang")
    run_golden(BotWorld(uow, room.id, ann), shipped, "EMAIL001", set())
    return teacher, room, ann, bob


def class_tasks(uow, room, shipped):
    with uow.read() as s:
        return packs.class_tasks(s, room.id, shipped)


def test_the_first_regrade_compares_against_no_snapshot(uow, stage, shipped) -> None:
    teacher, room, ann, bob = stage
    result = regrade.regrade(uow, teacher, room.id, class_tasks(uow, room, shipped), "start", request_id="r1")

    assert result.first and result.previous_id is None and result.total_before is None
    assert [(c.username, c.code, c.before, c.after) for c in result.changes] == [("ann", "EMAIL001", None, 2.0)]
    assert result.total_after == 2.0 and result.tasks == len(shipped.tasks)
    assert [(t.username, t.before, t.after) for t in result.totals] == [("ann", None, 2.0), ("bob", None, 0.0)]
    with uow.read() as s:
        snap = s.get(GradeSnapshot, result.snapshot_id)
        assert snap.scores[str(ann.user_id)]["EMAIL001"] == 2.0 and snap.scores[str(bob.user_id)]["EMAIL001"] == 0
        assert snap.reason == "start" and snap.taken_by == teacher.user_id
        ev = s.scalar(select(events.Event).where(events.Event.kind == "grade.regraded"))
        assert ev.class_id == room.id and ev.data["changed"] == 1 and ev.data["snapshot_id"] == snap.id


def test_a_pack_changing_a_tasks_points_shows_in_the_next_regrade(uow, stage, shipped) -> None:
    teacher, room, _, _ = stage
    first = regrade.regrade(uow, teacher, room.id, class_tasks(uow, room, shipped))
    same = regrade.regrade(uow, teacher, room.id, class_tasks(uow, room, shipped))
    assert not same.first and same.previous_id == first.snapshot_id and same.changes == ()
    assert same.total_before == same.total_after == 2.0

    pack = packs.upload_pack(uow, teacher, task_pack(5), "email-5.yaml", "EMAIL001 worth 5")
    packs.load_into_class(uow, teacher, room.id, pack.id)
    after = regrade.regrade(uow, teacher, room.id, class_tasks(uow, room, shipped), "EMAIL001 now 5")

    assert [(c.username, c.full_name, c.code, c.before, c.after) for c in after.changes] == [
        ("ann", "Ann Li", "EMAIL001", 2.0, 5.0)]
    assert (after.total_before, after.total_after) == (2.0, 5.0)
    assert [(t.username, t.before, t.after) for t in after.totals] == [("ann", 2.0, 5.0), ("bob", 0.0, 0.0)]

    with uow.read() as s:
        history = regrade.snapshots(s, teacher, room.id)
        again = regrade.snapshot_result(s, teacher, room.id, after.snapshot_id)
        latest = regrade.latest_snapshot(s, teacher, room.id)
    assert [(h.id, h.changed, h.total, h.reason) for h in history] == [
        (after.snapshot_id, 1, 5.0, "EMAIL001 now 5"), (same.snapshot_id, 0, 2.0, ""), (first.snapshot_id, 1, 2.0, "")]
    assert again.changes == after.changes and latest.id == after.snapshot_id

    packs.unload_from_class(uow, teacher, room.id, pack.id)
    back = regrade.regrade(uow, teacher, room.id, class_tasks(uow, room, shipped))
    assert [(c.code, c.before, c.after) for c in back.changes] == [("EMAIL001", 5.0, 2.0)]


def test_a_repeated_regrade_request_stores_one_snapshot(uow, stage, shipped) -> None:
    teacher, room, _, _ = stage
    tasks = class_tasks(uow, room, shipped)
    one = regrade.regrade(uow, teacher, room.id, tasks, request_id="same")
    two = regrade.regrade(uow, teacher, room.id, tasks, request_id="same")
    assert one.snapshot_id == two.snapshot_id and two.first and two.changes == one.changes
    with uow.read() as s:
        assert len(s.scalars(select(GradeSnapshot)).all()) == 1


def test_students_and_other_instructors_cannot_regrade(uow, stage, shipped) -> None:
    _, room, ann, _ = stage
    other = factories.instructor(uow, "lilei", "Li Lei")
    tasks = class_tasks(uow, room, shipped)
    for who, code in ((ann, "auth.forbidden"), (other, "class.not_found")):
        with pytest.raises(DomainError) as caught:
            regrade.regrade(uow, who, room.id, tasks)
        assert caught.value.code == code
        with uow.read() as s, pytest.raises(DomainError) as caught:
            regrade.snapshots(s, who, room.id)
        assert caught.value.code == code
    with uow.read() as s:
        assert s.scalars(select(GradeSnapshot)).all() == []
