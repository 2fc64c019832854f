"""Scores: grading (did the check pass?) turned into points under an assignment's rules.

Invariants:
- A pure function of (tasks, rules, recorded state, events), like grading: nothing is stored
  here (a regrade stores a snapshot of what this returns, ``sandbox.teaching.regrade``).
- A task's points are, in this order: the task's points if every check passed, else 0; then,
  if it was completed after the due date, 0 when late work does not count, else minus
  ``late_penalty_pct`` per cent; then minus ``hint_cost`` per hint the student opened for that
  task (never below 0); then, if an instructor adjusted the score, the adjusted points instead.
- When a task was completed is what its check found: the evidence's ``at``, else the time of
  the evidence's ``event_id``, else the student's latest event with that task code.
- Hints opened are ``hint.viewed`` events (actor = the student, ``task_code``, ``data.assignment_id``;
  under an assignment's rules only that assignment's count); adjustments are
  ``grade.adjusted`` events (the event's ``task_code``; ``data``: student_id, points, note); the
  latest wins.
  Every ``instructor.*`` and ``grade.adjusted`` event naming a student is a note that student sees.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sandbox.events import Event
from sandbox.scenarios.grading import Grader, TaskResult
from sandbox.scenarios.model import TaskDef
from sandbox.teaching.models import Assignment

HINT_VIEWED = "hint.viewed"
GRADE_ADJUSTED = "grade.adjusted"
INSTRUCTOR_PREFIX = "instructor."


@dataclass(frozen=True)
class Rules:
    """How points are earned: no due date and free hints unless an assignment says otherwise."""

    due_at: datetime | None = None
    late_counts: bool = True
    late_penalty_pct: int = 0
    hint_cost: float = 0.0
    assignment_id: int | None = None

    @classmethod
    def of(cls, assignment: Assignment | None) -> Rules:
        if assignment is None:
            return cls()
        return cls(assignment.due_at, assignment.late_counts, assignment.late_penalty_pct,
                   float(assignment.hint_cost), assignment.id)


@dataclass(frozen=True)
class TaskScore:
    code: str
    passed: bool
    base: float  # the task's points if passed, else 0
    completed_at: datetime | None
    late: bool
    late_deduction: float
    hints: int
    hint_deduction: float
    adjusted: float | None  # an instructor's adjustment, replacing the computed points
    note: str  # the adjustment's note
    points: float  # what counts
    evidence: dict[str, Any] = field(default_factory=dict)


def _parse_at(value: object) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str):
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def _completion_times(
    session: Session, class_id: int, results: dict[int, dict[str, TaskResult]]
) -> dict[tuple[int, str], datetime | None]:
    out: dict[tuple[int, str], datetime | None] = {}
    by_event: dict[int, list[tuple[int, str]]] = {}
    fallback: set[tuple[int, str]] = set()
    for uid, row in results.items():
        for code, result in row.items():
            if not result.passed:
                continue
            at = _parse_at(result.evidence.get("at"))
            if at is not None:
                out[(uid, code)] = at
            elif isinstance(result.evidence.get("event_id"), int):
                by_event.setdefault(result.evidence["event_id"], []).append((uid, code))
            else:
                fallback.add((uid, code))
    if by_event:
        for ev_id, at in session.execute(select(Event.id, Event.at).where(Event.id.in_(list(by_event)))):
            for key in by_event[ev_id]:
                out[key] = at
        fallback.update(k for keys in by_event.values() for k in keys if k not in out)
    if fallback:
        users = sorted({u for u, _ in fallback})
        codes = sorted({c for _, c in fallback})
        rows = session.execute(
            select(Event.actor_id, Event.task_code, Event.at)
            .where(Event.class_id == class_id, Event.actor_id.in_(users), Event.task_code.in_(codes))
            .order_by(Event.id)
        )
        for uid, code, at in rows:
            if (uid, code) in fallback:
                out[(uid, code)] = at  # ordered by id: the latest wins
    return out


def hints_viewed(
    session: Session, class_id: int, students: Iterable[int], assignment_id: int | None = None
) -> dict[tuple[int, str], int]:
    """``{(user_id, task_code): number of hint.viewed events}`` — of one assignment if given (a hint
    paid for in one assignment costs nothing in another), else all of them."""
    out: dict[tuple[int, str], int] = {}
    ids = list(students)
    if not ids:
        return out
    rows = session.execute(
        select(Event.actor_id, Event.task_code, Event.data)
        .where(Event.class_id == class_id, Event.kind == HINT_VIEWED, Event.actor_id.in_(ids))
    )
    for uid, code, data in rows:
        if assignment_id is not None and (data or {}).get("assignment_id") != assignment_id:
            continue
        out[(uid, code)] = out.get((uid, code), 0) + 1
    return out


def adjustments(session: Session, class_id: int) -> dict[tuple[int, str], tuple[float, str]]:
    """``{(student_id, task_code): (points, note)}``: the latest ``grade.adjusted`` per task."""
    out: dict[tuple[int, str], tuple[float, str]] = {}
    rows = session.scalars(
        select(Event).where(Event.class_id == class_id, Event.kind == GRADE_ADJUSTED).order_by(Event.id)
    )
    for ev in rows:
        d = ev.data or {}
        code = ev.task_code or d.get("task_code")
        if isinstance(d.get("student_id"), int) and isinstance(code, str):
            out[(d["student_id"], code)] = (float(d.get("points", 0)), str(d.get("note", "")))
    return out


def score(result: TaskResult, task: TaskDef, rules: Rules, completed_at: datetime | None, hints: int,
          adjusted: tuple[float, str] | None) -> TaskScore:
    """One task's score under ``rules`` (see the module docstring for the order)."""
    base = task.points if result.passed else 0.0
    late = bool(result.passed and rules.due_at is not None and completed_at is not None
                and completed_at > rules.due_at)
    late_deduction = 0.0
    if late:
        late_deduction = base if not rules.late_counts else round(base * rules.late_penalty_pct / 100, 2)
    after_late = base - late_deduction
    hint_deduction = min(after_late, round(rules.hint_cost * hints, 2)) if rules.hint_cost else 0.0
    points = max(0.0, after_late - hint_deduction)
    note = ""
    adj_points: float | None = None
    if adjusted is not None:
        adj_points, note = adjusted
        points = adj_points
    return TaskScore(result.code, result.passed, base, completed_at if result.passed else None, late,
                     late_deduction, hints, hint_deduction, adj_points, note, points, dict(result.evidence))


def score_class(
    session: Session,
    class_id: int,
    students: Iterable[int],
    tasks: Iterable[TaskDef],
    rules: Rules | None = None,
) -> dict[int, dict[str, TaskScore]]:
    """``{user_id: {task_code: TaskScore}}`` for the given students and tasks of one class."""
    ids = list(students)
    task_list = list(tasks)
    rules = rules or Rules()
    grader = Grader(session, class_id, ids)
    results = {uid: {t.code: grader.task(t, uid) for t in task_list} for uid in ids}
    times = _completion_times(session, class_id, results)
    hints = hints_viewed(session, class_id, ids, rules.assignment_id)
    adjusted = adjustments(session, class_id)
    return {
        uid: {
            t.code: score(results[uid][t.code], t, rules, times.get((uid, t.code)), hints.get((uid, t.code), 0),
                          adjusted.get((uid, t.code)))
            for t in task_list
        }
        for uid in ids
    }


@dataclass(frozen=True)
class Note:
    at: datetime
    kind: str  # grade.adjusted, instructor.unlock_password, instructor.settle …
    by: int | None
    task_code: str | None
    note: str
    data: dict[str, Any]


def notes_for(session: Session, class_id: int, student_id: int) -> list[Note]:
    """The instructor's visible notes about one student (adjustments and interventions), oldest first."""
    rows = session.scalars(
        select(Event)
        .where(Event.class_id == class_id,
               or_(Event.kind == GRADE_ADJUSTED, Event.kind.startswith(INSTRUCTOR_PREFIX)))
        .order_by(Event.id)
    )
    out = []
    for ev in rows:
        d = ev.data or {}
        if d.get("student_id") == student_id:
            out.append(Note(ev.at, ev.kind, ev.actor_id, ev.task_code or d.get("task_code"), str(d.get("note", "")), d))
    return out
