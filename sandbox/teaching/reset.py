"""Class reset (重置班级): empty a class's world for the next group, keep its people and content.

Invariants:
- Only an instructor of the class resets it, and only after typing the class's exact name
  (``confirm``); otherwise nothing changes. The whole reset is ONE transaction (``uow.write()``):
  the snapshot, every delete and the ``class.reset`` event commit together or not at all.
- What is world data is computed from ``Base.metadata``, never hard-coded: every table with a
  ``class_id`` column except :data:`KEPT_TABLES`, plus every table without one that references
  such a table by a foreign key (postings, mail items, order lines …), recursively. Rows are
  deleted children first (reverse ``sorted_tables``), so no cascade does the work behind our
  back; a table reached through several foreign keys is matched through any of them. The
  ledger's append-only triggers refuse UPDATE only, so deleting entries and postings is allowed.
- Kept: users, the class row, instructor and student memberships, teams and their members and
  CA-officer grants (unless ``keep_roster`` is false: then student memberships, teams, team
  members and CA officers go; the users stay), scenario packs, class packs, assignments, grade
  snapshots. Bot memberships always go: bots are recreated on demand (``sandbox.bots.ensure_bot``).
- Events: identity and course-set-up events are kept (:data:`KEPT_EVENT_KINDS`,
  :data:`KEPT_EVENT_PREFIXES`: setup, logins and logouts, password and language changes, class
  created / roster imported / students registered / earlier resets and imports, CA-officer
  grants, assignments, teams, packs, regrades). Every other event of the class is world
  history and goes — including ``hint.viewed``, ``grade.adjusted`` and ``instructor.*`` notes,
  which refer to the emptied world and would otherwise change the next group's scores.
  Events without a class are never touched.
- Before anything is deleted, the current scores (``sandbox.teaching.scores.score_class`` with
  the default rules, instructor adjustments included) are stored as a ``GradeSnapshot`` with the
  reason "before reset"; export the class (``sandbox.teaching.archive``) to keep the event log.
- A repeated ``request_id`` returns the first reset's result and deletes nothing more.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import cache
from typing import Any

from sqlalchemy import Column, ColumnElement, Select, Table, delete, false, func, or_, select
from sqlalchemy.orm import Session

import sandbox.models  # noqa: F401  (every model registered: Base.metadata is complete)
from sandbox import events
from sandbox.actor import BOT, INSTRUCTOR, STUDENT, Actor
from sandbox.db import Base
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.identity.models import Membership
from sandbox.identity.services import require_class_member
from sandbox.scenarios.grading import class_students
from sandbox.scenarios.model import TaskSet
from sandbox.teaching.models import GradeSnapshot
from sandbox.teaching.scores import Rules, score_class
from sandbox.uow import UnitOfWork

RESET_EVENT = "class.reset"
SNAPSHOT_REASON = "before reset"

#: tables with a class_id that are not world data (the course itself and its people)
KEPT_TABLES = frozenset({
    "memberships", "events", "assignments", "class_packs", "teams", "team_members", "grade_snapshots",
    "ca_officers",
})
#: of the kept tables, those that are the roster (emptied when keep_roster is false)
ROSTER_TABLES = ("team_members", "teams", "ca_officers")

#: identity and course set-up events that survive a reset (exact kinds)
KEPT_EVENT_KINDS = frozenset({
    "setup.completed", "login.succeeded", "login.failed", "logout", "password.changed", "password.reset",
    "language.set", "instructor.added", "learner.started", "ca.officer_granted", "ca.officer_withdrawn",
})
#: ... and by prefix: class.created, class.roster_imported, class.student_registered, class.reset,
#: class.imported; assignment.*, team.*, pack.*, regrades and grade snapshots
KEPT_EVENT_PREFIXES = ("class.", "assignment.", "team.", "pack.", "regrade.", "grade.regraded", "grade.snapshot")


@dataclass(frozen=True)
class ResetResult:
    class_id: int
    keep_roster: bool
    snapshot_id: int | None
    deleted: dict[str, int] = field(default_factory=dict)  # table -> rows deleted (only tables with rows)
    replayed: bool = False

    @property
    def total(self) -> int:
        return sum(self.deleted.values())


# ----------------------------------------------------------------------------- what is world data


def _class_column(table: Table) -> Column[Any] | None:
    return table.c.get("class_id")


def world_tables() -> list[Table]:
    """The world tables, children first (the order rows are deleted in)."""
    names = _world_names()
    return [t for t in reversed(Base.metadata.sorted_tables) if t.name in names]


@cache
def _world_names() -> frozenset[str]:
    world: set[str] = {t.name for t in Base.metadata.tables.values()
                       if _class_column(t) is not None and t.name not in KEPT_TABLES}
    grew = True
    while grew:  # tables without class_id that hang off a world table (order lines, postings …)
        grew = False
        for t in Base.metadata.tables.values():
            if t.name in world or _class_column(t) is not None:
                continue
            if any(fk.column.table.name in world and fk.column.table.name != t.name for fk in t.foreign_keys):
                world.add(t.name)
                grew = True
    return frozenset(world)


def _ids_of(table: Table, class_id: int) -> Select[Any]:
    """``SELECT id FROM table WHERE <row belongs to class_id>`` (through parents when needed)."""
    return select(table.c.id).where(_belongs(table, class_id))


def _belongs(table: Table, class_id: int) -> ColumnElement[bool]:
    col = _class_column(table)
    if col is not None:
        return col == class_id
    world = _world_names()
    links = [fk for fk in table.foreign_keys if fk.column.table.name in world and fk.column.table.name != table.name]
    if not links:
        return false()
    return or_(*[fk.parent.in_(_ids_of(fk.column.table, class_id)) for fk in links])


def delete_world(session: Session, class_id: int) -> dict[str, int]:
    """Delete the world rows of a class, children first: ``{table: rows deleted}`` (tables with rows)."""
    deleted: dict[str, int] = {}
    for table in world_tables():
        n = session.execute(delete(table).where(_belongs(table, class_id))).rowcount
        if n:
            deleted[table.name] = int(n)
    return deleted


def _kept_event() -> ColumnElement[bool]:
    return or_(Event.kind.in_(sorted(KEPT_EVENT_KINDS)), *[Event.kind.startswith(p) for p in KEPT_EVENT_PREFIXES])


def world_counts(session: Session, class_id: int) -> dict[str, int]:
    """Rows of the class per world table (and ``events`` to be deleted), for the page and tests."""
    out: dict[str, int] = {}
    for table in world_tables():
        out[table.name] = int(session.scalar(select(func.count()).select_from(table).where(_belongs(table, class_id))) or 0)
    out["events"] = int(session.scalar(
        select(func.count()).select_from(Event).where(Event.class_id == class_id, ~_kept_event())) or 0)
    return out


# ----------------------------------------------------------------------------- the service


def _tasks_for(session: Session, class_id: int, tasks: TaskSet | None) -> TaskSet:
    from sandbox.teaching.assignments import class_tasks

    return class_tasks(session, class_id, tasks)


def take_snapshot(session: Session, actor: Actor, class_id: int, tasks: TaskSet, reason: str) -> GradeSnapshot:
    """Store every student's points per task now (default rules, adjustments included)."""
    students = [s.user_id for s in class_students(session, class_id)]
    scores = score_class(session, class_id, students, list(tasks.tasks.values()), Rules())
    row = GradeSnapshot(
        class_id=class_id, taken_by=actor.user_id, reason=reason,
        scores={str(uid): {code: sc.points for code, sc in row.items()} for uid, row in scores.items()},
    )
    session.add(row)
    session.flush()
    return row


def reset_class(
    uow: UnitOfWork,
    actor: Actor,
    class_id: int,
    *,
    keep_roster: bool,
    confirm: str,
    request_id: str | None,
    tasks: TaskSet | None = None,
) -> ResetResult:
    """Empty the world of a class (see module docstring). Raises auth.forbidden, class.not_found,
    reset.confirm_mismatch (the typed name is not the class name), request.duplicate."""
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    with uow.write() as s:
        room = require_class_member(s, actor, class_id, INSTRUCTOR)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != RESET_EVENT or done.class_id != class_id:
                raise DomainError("request.duplicate")
            d = done.data or {}
            return ResetResult(class_id, bool(d.get("keep_roster")), d.get("snapshot_id"),
                               dict(d.get("deleted", {})), replayed=True)
        if str(confirm or "").strip() != room.name.strip():
            raise DomainError("reset.confirm_mismatch", field="reset.confirm", name=room.name)
        snapshot = take_snapshot(s, actor, class_id, _tasks_for(s, class_id, tasks), SNAPSHOT_REASON)
        deleted: dict[str, int] = {}

        def count(name: str, n: int | None) -> None:
            if n:
                deleted[name] = deleted.get(name, 0) + int(n)

        for name, n in delete_world(s, class_id).items():
            count(name, n)
        count("events", s.execute(
            delete(Event).where(Event.class_id == class_id, ~_kept_event())
            .execution_options(synchronize_session=False)).rowcount)
        roles = [BOT] if keep_roster else [BOT, STUDENT]
        if not keep_roster:
            for name in ROSTER_TABLES:
                table = Base.metadata.tables[name]
                count(name, s.execute(delete(table).where(table.c.class_id == class_id)).rowcount)
        count("memberships", s.execute(
            delete(Membership).where(Membership.class_id == class_id, Membership.role.in_(roles))
            .execution_options(synchronize_session=False)).rowcount)
        s.expire_all()
        events.record(
            s, RESET_EVENT, actor=actor, class_id=class_id, subject=f"class:{class_id}", request_id=request_id,
            keep_roster=keep_roster, deleted=deleted, snapshot_id=snapshot.id,
        )
        return ResetResult(class_id, keep_roster, snapshot.id, deleted)


#: table-name prefix -> area shown to the instructor (catalog module codes, or ours)
AREAS = {"b2b": "B2B", "lgs": "LGS", "ebank": "EBANK", "ledger": "ledger", "mail": "EMAIL", "mailboxes": "EMAIL",
         "pki": "CA", "ca": "CA", "events": "events"}


def by_area(counts: dict[str, int]) -> dict[str, int]:
    """Rows per area (B2B, LGS, EBANK, ledger, EMAIL, CA, events, other) of ``world_counts``-like counts."""
    out: dict[str, int] = {}
    for table, n in counts.items():
        area = AREAS.get(table, AREAS.get(table.split("_", 1)[0], "other"))
        if n:
            out[area] = out.get(area, 0) + n
    return out


def reset_preview(session: Session, actor: Actor, class_id: int) -> dict[str, int]:
    """What a reset would delete now (rows per table, only tables with rows). Raises
    auth.forbidden, class.not_found."""
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, INSTRUCTOR)
    return {k: v for k, v in world_counts(session, class_id).items() if v}
