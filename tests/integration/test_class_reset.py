"""Class reset: the world of one class is emptied in one transaction, people and content stay,
another class is untouched, the last scores survive as a snapshot, and the class works again."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sandbox.actor import BOT, INSTRUCTOR, STUDENT
from sandbox.bots import BotWorld, new_request_id
from sandbox.ca import services as ca
from sandbox.chains import play_chain
from sandbox.db import Base
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.identity.models import Classroom, Membership, User
from sandbox.scenarios.grading import grade
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.teaching import reset
from sandbox.teaching.assignments import create_assignment
from sandbox.teaching.models import Assignment, GradeSnapshot, Team, TeamMember
from sandbox.teaching.teams import create_team
from sandbox.uow import UnitOfWork
from tests import factories

TASKS = load_directory()


def _count(uow: UnitOfWork, model: type, *where: object) -> int:
    with uow.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
def world(uow: UnitOfWork):
    """Class A: Ann played chain A as buyer (bots in the other parts), Bob did EMAIL001; a team,
    an assignment, a CA officer. Class B: Cat did B2B001 and EMAIL003."""
    teacher = factories.instructor(uow)
    a = factories.classroom(uow, teacher, "EC-2026 A")
    b = factories.classroom(uow, teacher, "EC-2026 B")
    ann = factories.student(uow, a, "ann", "Ann Li", number="1")
    bob = factories.student(uow, a, "bob", "Bob Wang", number="2")
    cat = factories.student(uow, b, "cat", "Cat Zhou", number="1")
    play_chain(uow, a.id, "A", {"buyer": ann})
    run_golden(BotWorld(uow, a.id, bob), TASKS, "EMAIL001", set())
    cat_world, done = BotWorld(uow, b.id, cat), set()
    run_golden(cat_world, TASKS, "B2B001", done)
    run_golden(cat_world, TASKS, "EMAIL003", done)  # a mail from a bot partner
    create_team(uow, teacher, a.id, "Team 1", [ann.user_id, bob.user_id])
    create_assignment(uow, teacher, a.id, title="Chain A", kind="tasks", task_codes=["EMAIL001", "B2B001"])
    ca.grant_officer(uow, teacher, class_id=a.id, user_id=bob.user_id)
    return {"uow": uow, "teacher": teacher, "a": a, "b": b, "ann": ann, "bob": bob, "cat": cat}


def _counts(uow: UnitOfWork, class_id: int) -> dict[str, int]:
    with uow.read() as s:
        return reset.world_counts(s, class_id)


def test_world_tables_are_every_table_except_people_content_and_the_log() -> None:
    untouched = {t.name for t in Base.metadata.sorted_tables} - {t.name for t in reset.world_tables()}
    # a new table must be sorted into one of these two sets on purpose
    assert untouched == {"users", "classes", "login_sessions", "scenario_packs", *reset.KEPT_TABLES}
    names = [t.name for t in reset.world_tables()]
    assert names.index("ledger_postings") < names.index("ledger_entries") < names.index("ledger_accounts")
    assert names.index("b2b_order_lines") < names.index("b2b_orders") < names.index("b2b_members")


def test_reset_empties_the_world_and_keeps_users_roster_content_and_another_class(world) -> None:
    uow, teacher, a, b, ann = world["uow"], world["teacher"], world["a"], world["b"], world["ann"]
    before_a, before_b = _counts(uow, a.id), _counts(uow, b.id)
    for table in ("ledger_postings", "ledger_entries", "ebank_accounts", "ebank_payments", "pki_certificates",
                  "mail_items", "mail_messages", "b2b_members", "b2b_orders", "b2b_order_lines", "b2b_contracts",
                  "lgs_delivery_orders", "lgs_stock_moves", "lgs_delivery_fees", "events"):
        assert before_a[table] > 0, table
    users = _count(uow, User)
    b_bots = _count(uow, Membership, Membership.class_id == b.id, Membership.role == BOT)
    assert b_bots > 0
    with uow.read() as s:
        ann_points = grade(s, a.id, [ann.user_id], [TASKS.tasks["B2B006"]])[ann.user_id]["B2B006"].points
    assert ann_points > 0

    result = reset.reset_class(uow, teacher, a.id, keep_roster=True, confirm="EC-2026 A", request_id=new_request_id())

    after = _counts(uow, a.id)
    assert {k: v for k, v in after.items() if v} == {}
    assert _counts(uow, b.id) == before_b
    assert result.deleted["ledger_postings"] == before_a["ledger_postings"]
    assert result.deleted["events"] == before_a["events"]
    assert _count(uow, User) == users  # bots included: only their memberships go
    assert _count(uow, Membership, Membership.class_id == a.id, Membership.role == STUDENT) == 2
    assert _count(uow, Membership, Membership.class_id == a.id, Membership.role == INSTRUCTOR) == 1
    assert _count(uow, Membership, Membership.class_id == a.id, Membership.role == BOT) == 0
    assert _count(uow, Membership, Membership.class_id == b.id, Membership.role == BOT) == b_bots
    assert _count(uow, Team, Team.class_id == a.id) == 1 and _count(uow, TeamMember, TeamMember.class_id == a.id) == 2
    assert _count(uow, Assignment, Assignment.class_id == a.id) == 1
    with uow.read() as s:
        snap = s.scalars(select(GradeSnapshot).where(GradeSnapshot.class_id == a.id)).one()
        assert (snap.reason, snap.id, snap.taken_by) == ("before reset", result.snapshot_id, teacher.user_id)
        assert snap.scores[str(ann.user_id)]["B2B006"] == ann_points
        kinds = set(s.scalars(select(Event.kind).where(Event.class_id == a.id)))
        ev = s.scalars(select(Event).where(Event.kind == "class.reset")).one()
        assert ev.data["keep_roster"] is True and ev.data["deleted"]["b2b_orders"] == before_a["b2b_orders"]
        assert s.get(Classroom, a.id).name == "EC-2026 A"
    assert {"class.created", "class.student_registered", "team.created", "assignment.created",
            "ca.officer_granted", "class.reset"} <= kinds
    assert not {k for k in kinds if k.startswith(("b2b.", "ebank.", "lgs.", "email.", "ca.certificate"))}


def test_after_a_reset_a_student_does_b2b001_again_and_passes(world) -> None:
    uow, teacher, a, ann = world["uow"], world["teacher"], world["a"], world["ann"]
    reset.reset_class(uow, teacher, a.id, keep_roster=True, confirm="EC-2026 A", request_id=new_request_id())
    with uow.read() as s:
        assert not grade(s, a.id, [ann.user_id], [TASKS.tasks["B2B001"]])[ann.user_id]["B2B001"].passed

    run_golden(BotWorld(uow, a.id, ann), TASKS, "B2B006", set())  # B2B001 … B2B006 with a bot supplier

    with uow.read() as s:
        got = grade(s, a.id, [ann.user_id], [TASKS.tasks[c] for c in ("B2B001", "B2B006")])[ann.user_id]
    assert got["B2B001"].passed and got["B2B006"].passed


def test_without_the_roster_students_and_teams_go_but_users_stay(world) -> None:
    uow, teacher, a = world["uow"], world["teacher"], world["a"]
    users = _count(uow, User)
    result = reset.reset_class(uow, teacher, a.id, keep_roster=False, confirm=" EC-2026 A ",
                               request_id=new_request_id())
    assert not result.keep_roster
    assert _count(uow, Membership, Membership.class_id == a.id, Membership.role != INSTRUCTOR) == 0
    assert _count(uow, Membership, Membership.class_id == a.id, Membership.role == INSTRUCTOR) == 1
    assert _count(uow, Team, Team.class_id == a.id) == 0 and _count(uow, TeamMember, TeamMember.class_id == a.id) == 0
    assert _count(uow, User) == users
    assert _count(uow, Assignment, Assignment.class_id == a.id) == 1


def test_a_wrong_class_name_changes_nothing(world) -> None:
    uow, teacher, a = world["uow"], world["teacher"], world["a"]
    before, events_before = _counts(uow, a.id), _count(uow, Event)
    with pytest.raises(DomainError) as err:
        reset.reset_class(uow, teacher, a.id, keep_roster=True, confirm="EC-2026 B", request_id=new_request_id())
    assert err.value.code == "reset.confirm_mismatch" and err.value.field == "reset.confirm"
    assert _counts(uow, a.id) == before and _count(uow, Event) == events_before
    assert _count(uow, GradeSnapshot) == 0


def test_a_student_or_another_instructor_cannot_reset(world) -> None:
    uow, a, ann = world["uow"], world["a"], world["ann"]
    before = _counts(uow, a.id)
    with pytest.raises(DomainError) as err:
        reset.reset_class(uow, ann, a.id, keep_roster=True, confirm="EC-2026 A", request_id=new_request_id())
    assert err.value.code == "auth.forbidden"
    other = factories.instructor(uow, "zhang", "Zhang Wei")
    with pytest.raises(DomainError) as err:
        reset.reset_class(uow, other, a.id, keep_roster=True, confirm="EC-2026 A", request_id=new_request_id())
    assert err.value.code == "class.not_found"
    assert _counts(uow, a.id) == before


def test_the_same_request_twice_resets_once(world) -> None:
    uow, teacher, a, ann = world["uow"], world["teacher"], world["a"], world["ann"]
    rid = new_request_id()
    first = reset.reset_class(uow, teacher, a.id, keep_roster=True, confirm="EC-2026 A", request_id=rid)
    run_golden(BotWorld(uow, a.id, ann), TASKS, "EMAIL001", set())  # new work after the reset
    again = reset.reset_class(uow, teacher, a.id, keep_roster=True, confirm="EC-2026 A", request_id=rid)
    assert again.replayed and again.deleted == first.deleted and again.snapshot_id == first.snapshot_id
    assert _counts(uow, a.id)["mailboxes"] > 0
    assert _count(uow, GradeSnapshot) == 1
