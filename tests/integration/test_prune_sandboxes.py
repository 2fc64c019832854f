"""Pruning idle personal sandboxes: a sandbox that played the whole of chain A against the bots goes
whole (world, events, bots, class, learner), a recent sandbox and an ordinary class stay untouched
to the row; a dry run changes nothing; the CLI prints what it removed."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from sandbox import cli
from sandbox.bots import BotWorld, new_request_id
from sandbox.chains import play_chain
from sandbox.db import Base, utcnow
from sandbox.events import Event
from sandbox.identity.models import Classroom, Membership, User
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.teaching import learner, prune
from sandbox.uow import UnitOfWork
from tests import factories

PW = "learn-alone-1"


def rows(uow: UnitOfWork) -> dict[str, int]:
    """Rows per table, every table."""
    with uow.read() as s:
        return {t.name: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in Base.metadata.sorted_tables}


def age(uow: UnitOfWork, class_id: int, owner_id: int, days: int) -> None:
    """Move the sandbox's history ``days`` into the past."""
    with uow.write() as s:
        for ev in s.scalars(select(Event).where((Event.class_id == class_id) | (Event.actor_id == owner_id))):
            ev.at = ev.at - timedelta(days=days)
        room = s.get(Classroom, class_id)
        room.created_at = room.created_at - timedelta(days=days)


@pytest.fixture
def world(uow: UnitOfWork):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher, "EC-2026 A")
    ann = factories.student(uow, room, "ann", "Ann Li")
    run_golden(BotWorld(uow, room.id, ann), load_directory(), "EMAIL001", set())
    old = learner.start_personal_sandbox(uow, username="lin", full_name="Lin Xiao", password=PW,
                                         password_confirm=PW, language="en", request_id=new_request_id())
    play_chain(uow, old.class_id, "A", {"buyer": old.actor})  # every module's tables get rows
    age(uow, old.class_id, old.actor.user_id, 40)
    recent = learner.start_personal_sandbox(uow, username="mei", full_name="Mei Chen", password=PW,
                                            password_confirm=PW, language="zh_CN", request_id=new_request_id())
    return {"uow": uow, "room": room, "old": old, "recent": recent}


def test_an_idle_sandbox_goes_whole_and_nothing_else_changes(world) -> None:
    uow, old, recent = world["uow"], world["old"], world["recent"]
    with uow.read() as s:
        assert [(c, u) for c, u, _ in prune.idle_sandboxes(s, 30)] == [(old.class_id, "lin")]
        bots = list(s.scalars(select(Membership.user_id).where(Membership.class_id == old.class_id,
                                                                Membership.role == "bot")))
    assert len(bots) >= 2
    before = rows(uow)
    assert prune.prune_sandboxes(uow, idle_days=30, dry_run=True)[0].rows == 0
    assert rows(uow) == before  # a dry run changes nothing

    (done,) = prune.prune_sandboxes(uow, idle_days=30)
    assert (done.class_id, done.username) == (old.class_id, "lin") and done.rows > 100
    after = rows(uow)
    with uow.read() as s:
        assert s.get(Classroom, old.class_id) is None
        assert s.scalar(select(func.count()).select_from(User).where(User.id.in_([old.actor.user_id, *bots]))) == 0
        # nothing anywhere still names the sandbox or its people
        for table in Base.metadata.sorted_tables:
            if "class_id" in table.c:
                assert s.scalar(select(func.count()).select_from(table)
                                .where(table.c.class_id == old.class_id)) == 0, table.name
        assert s.scalar(select(func.count()).select_from(Event)
                        .where(Event.actor_id.in_([old.actor.user_id, *bots]))) == 0
        # the recent sandbox and the class keep every row of theirs
        assert s.get(Classroom, recent.class_id) is not None and s.get(Classroom, world["room"].id) is not None
    removed = {name: before[name] - after[name] for name in before if before[name] != after[name]}
    assert sum(removed.values()) == done.rows
    for table in ("ledger_postings", "b2b_orders", "pki_certificates", "lgs_delivery_orders", "mail_items"):
        assert removed.get(table, 0) > 0, table
    assert prune.prune_sandboxes(uow, idle_days=30) == []  # nothing left to prune


def test_a_learner_who_came_back_is_kept(world) -> None:
    uow, old = world["uow"], world["old"]
    with uow.write() as s:
        s.add(Event(kind="login.succeeded", actor_id=old.actor.user_id, subject="lin", at=utcnow()))
    assert prune.prune_sandboxes(uow, idle_days=30) == []


def test_ordinary_classes_are_never_pruned(world) -> None:
    uow, room = world["uow"], world["room"]
    with uow.write() as s:
        s.get(Classroom, room.id).created_at = utcnow() - timedelta(days=400)
        for ev in s.scalars(select(Event).where(Event.class_id == room.id)):
            ev.at = ev.at - timedelta(days=400)
    pruned = prune.prune_sandboxes(uow, idle_days=0, now=utcnow() + timedelta(days=1))
    assert [p.class_id for p in pruned] == [world["old"].class_id, world["recent"].class_id]  # oldest first
    with uow.read() as s:
        assert s.get(Classroom, room.id) is not None
        assert s.scalar(select(func.count()).select_from(Classroom).where(Classroom.kind == "personal")) == 0


def test_the_cli_lists_then_prunes(world, db_url: str, capsys) -> None:
    assert cli.main(["prune-sandboxes", "--idle-days", "30", "--dry-run", "--db", db_url]) == 0
    out = capsys.readouterr().out
    assert "lin" in out and "would be removed" in out and "mei" not in out
    assert cli.main(["prune-sandboxes", "--idle-days", "30", "--db", db_url]) == 0
    assert "1 personal sandbox(es) removed" in capsys.readouterr().out
    assert cli.main(["prune-sandboxes", "--idle-days", "-1", "--db", db_url]) == 2
