"""Regrade (重新评分): recompute every score of a class and show what changed since the last snapshot.

Invariants:
- Scores come only from ``sandbox.teaching.scores.score_class`` over the recorded state and
  events (grading is a pure function): a regrade never changes the world, it stores a new
  ``GradeSnapshot`` (append-only) of every student's points per task and a ``grade.regraded``
  event (data: snapshot_id, previous_id, changed) in one transaction.
- The comparison is with the class's latest snapshot before this one (a regrade's or one taken
  before a reset). The first regrade has none: every task a student earned points for shows as a
  change from "no snapshot" (``before`` None), and ``first`` is true.
- A (student, task) is a change when its points differ (to the cent) or it was not in the previous
  snapshot and now earns points. Students no longer in the class are left out.
- Only an instructor of the class regrades or reads snapshots (``auth.forbidden`` for a student,
  ``class.not_found`` outside the class); a repeated ``request_id`` returns the first result.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import INSTRUCTOR, Actor
from sandbox.errors import DomainError
from sandbox.identity.models import User
from sandbox.identity.services import require_class_member
from sandbox.scenarios.grading import StudentRef, class_students
from sandbox.scenarios.model import TaskSet
from sandbox.teaching.models import GradeSnapshot
from sandbox.teaching.scores import score_class
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

REGRADED = "grade.regraded"


@dataclass(frozen=True)
class Change:
    student_id: int
    username: str
    full_name: str
    code: str
    before: float | None  # None: not in the previous snapshot (or there was none)
    after: float


@dataclass(frozen=True)
class StudentTotal:
    student_id: int
    username: str
    full_name: str
    before: float | None
    after: float


@dataclass(frozen=True)
class RegradeResult:
    snapshot_id: int
    previous_id: int | None
    taken_at: datetime
    first: bool  # no earlier snapshot: everything compares against "no snapshot"
    changes: tuple[Change, ...]
    totals: tuple[StudentTotal, ...]
    total_before: float | None
    total_after: float
    tasks: int


@dataclass(frozen=True)
class SnapshotInfo:
    id: int
    taken_at: datetime
    taken_by: str | None
    reason: str
    students: int
    total: float
    changed: int | None  # from its grade.regraded event (None: taken otherwise, e.g. before a reset)


def _require_instructor(actor: Actor) -> None:
    if actor.role != INSTRUCTOR:
        raise DomainError("auth.forbidden")


def _points(value: Any) -> float:
    return round(float(value or 0), 2)


def _total(scores: dict[str, Any]) -> float:
    return round(sum(_points(p) for row in scores.values() for p in (row or {}).values()), 2)


def compute_scores(session: Session, class_id: int, tasks: TaskSet) -> dict[str, dict[str, float]]:
    """``{"<user id>": {code: points}}`` for every student of the class and every task of ``tasks``."""
    students = [s.user_id for s in class_students(session, class_id)]
    scored = score_class(session, class_id, students, tasks.tasks.values())
    return {str(uid): {code: _points(sc.points) for code, sc in row.items()} for uid, row in scored.items()}


def diff(previous: dict[str, Any] | None, current: dict[str, Any], students: list[StudentRef]) -> tuple[
        tuple[Change, ...], tuple[StudentTotal, ...]]:
    """The changes from ``previous`` to ``current`` (both ``{"<uid>": {code: points}}``), in roster
    order then task order, and each student's totals."""
    changes: list[Change] = []
    totals: list[StudentTotal] = []
    for ref in students:
        now = current.get(str(ref.user_id), {})
        then = (previous or {}).get(str(ref.user_id))
        for code, after in now.items():
            before = None if then is None or code not in then else _points(then[code])
            if (before is None and _points(after) != 0) or (before is not None and before != _points(after)):
                changes.append(Change(ref.user_id, ref.username, ref.full_name, code, before, _points(after)))
        totals.append(StudentTotal(ref.user_id, ref.username, ref.full_name,
                                   None if then is None else _total({"x": then}), _total({"x": now})))
    return tuple(changes), tuple(totals)


def _result(session: Session, class_id: int, snap: GradeSnapshot, prev: GradeSnapshot | None) -> RegradeResult:
    students = class_students(session, class_id)
    changes, totals = diff(prev.scores if prev else None, snap.scores, students)
    tasks = len(next(iter(snap.scores.values()), {})) if snap.scores else 0
    return RegradeResult(snap.id, prev.id if prev else None, snap.taken_at, prev is None, changes, totals,
                         _total(prev.scores) if prev else None, _total(snap.scores), tasks)


def _latest(session: Session, class_id: int, before_id: int | None = None) -> GradeSnapshot | None:
    query = select(GradeSnapshot).where(GradeSnapshot.class_id == class_id)
    if before_id is not None:
        query = query.where(GradeSnapshot.id < before_id)
    return session.scalars(query.order_by(GradeSnapshot.id.desc()).limit(1)).first()


def regrade(uow: UnitOfWork, actor: Actor, class_id: int, tasks: TaskSet, reason: str = "",
            request_id: str | None = None) -> RegradeResult:
    """Recompute every student's score of every task, store a snapshot, and list what changed.
    Raises auth.forbidden, class.not_found, input.too_long|bad_chars."""
    _require_instructor(actor)
    why = clean_text(reason, "packs.reason", max_len=200, required=False)
    with uow.read() as s:
        require_class_member(s, actor, class_id, INSTRUCTOR)
        scores = compute_scores(s, class_id, tasks)  # outside the write lock: grading a class takes a while
    with uow.write() as s:
        require_class_member(s, actor, class_id, INSTRUCTOR)
        earlier = events.replayed(s, request_id)
        if earlier is not None:
            snap = s.get(GradeSnapshot, earlier.data.get("snapshot_id"))
            if snap is not None:
                return _result(s, class_id, snap, _latest(s, class_id, snap.id))
        prev = _latest(s, class_id)
        snap = GradeSnapshot(class_id=class_id, taken_by=actor.user_id, reason=why, scores=scores)
        s.add(snap)
        s.flush()
        result = _result(s, class_id, snap, prev)
        events.record(s, REGRADED, actor=actor, class_id=class_id, subject=f"snapshot:{snap.id}",
                      request_id=request_id, snapshot_id=snap.id, previous_id=prev.id if prev else None,
                      changed=len(result.changes), reason=why, total_before=result.total_before,
                      total_after=result.total_after)
        return result


def _changed_counts(session: Session, class_id: int) -> dict[int, int]:
    changed: dict[int, int] = {}
    for data in session.scalars(select(events.Event.data).where(events.Event.class_id == class_id,
                                                                 events.Event.kind == REGRADED)):
        if isinstance(data, dict) and isinstance(data.get("snapshot_id"), int):
            changed[data["snapshot_id"]] = int(data.get("changed") or 0)
    return changed


def snapshots(session: Session, actor: Actor, class_id: int, limit: int | None = None) -> list[SnapshotInfo]:
    """The class's grade snapshots, newest first, with how many scores each regrade changed.
    Raises auth.forbidden, class.not_found."""
    _require_instructor(actor)
    require_class_member(session, actor, class_id, INSTRUCTOR)
    changed = _changed_counts(session, class_id)
    rows = session.execute(
        select(GradeSnapshot, User.username).outerjoin(User, User.id == GradeSnapshot.taken_by)
        .where(GradeSnapshot.class_id == class_id).order_by(GradeSnapshot.id.desc()).limit(limit)
    ).all()
    return [SnapshotInfo(snap.id, snap.taken_at, who, snap.reason, len(snap.scores or {}), _total(snap.scores or {}),
                         changed.get(snap.id)) for snap, who in rows]


def latest_snapshot(session: Session, actor: Actor, class_id: int) -> SnapshotInfo | None:
    """The class's most recent grade snapshot, if any. Raises auth.forbidden, class.not_found."""
    found = snapshots(session, actor, class_id, limit=1)
    return found[0] if found else None


def snapshot_result(session: Session, actor: Actor, class_id: int, snapshot_id: int) -> RegradeResult:
    """A past snapshot compared with the one before it (the regrade's table again).
    Raises auth.forbidden, class.not_found, packs.snapshot_not_found."""
    _require_instructor(actor)
    require_class_member(session, actor, class_id, INSTRUCTOR)
    snap = session.get(GradeSnapshot, snapshot_id)
    if snap is None or snap.class_id != class_id:
        raise DomainError("packs.snapshot_not_found")
    return _result(session, class_id, snap, _latest(session, class_id, snap.id))
