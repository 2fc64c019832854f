"""The live progress board (实时进度) and the gradebook's scores, per class and optionally per assignment.

Invariants:
- Read-only and computed on demand from grading and the event log; nothing is stored.
- Only an instructor of the class sees it (``auth.forbidden`` for anyone else who is not an
  instructor, ``class.not_found`` for an instructor of another class); an assignment must belong to
  the class (``board.no_assignment``).
- Points follow ``scores.score_class`` under the assignment's rules (late work, paid hints,
  adjustments); without an assignment, the default rules (adjustments still count).
- A student's *progress* is their events in this class that carry a task code (a login is no
  progress): the current task is the code of the latest such event, "last active" its time.
  Status, in this order: ``finished`` (every board task passed), ``not_started`` (no such event
  ever), ``stuck`` (none for at least ``stuck_minutes``), else ``working``.
- Time per task is, for each student who passed it, the minutes from their first event with that
  code to its completion (``TaskScore.completed_at``), never negative; the board shows the median.
- Cost for a class of N students: one ``score_class`` (each check once for the whole class) plus
  two grouped event queries, whatever N is.
"""

from __future__ import annotations

import csv
import io
import statistics
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.actor import INSTRUCTOR, Actor
from sandbox.chains.model import load_chains
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.identity.services import require_class_member
from sandbox.scenarios.grading import StudentRef, class_students
from sandbox.scenarios.model import TaskDef, TaskSet, catalog_by_code
from sandbox.teaching.assignments import assigned_codes_by_student
from sandbox.teaching.models import Assignment
from sandbox.teaching.scores import Rules, TaskScore, score_class

WORKING, STUCK, FINISHED, NOT_STARTED = "working", "stuck", "finished", "not_started"
STATUSES = (WORKING, STUCK, FINISHED, NOT_STARTED)
STUCK_MINUTES_RANGE = (1, 1440)


@dataclass(frozen=True)
class AssignmentRef:
    id: int
    title: str
    task_codes: tuple[str, ...]


@dataclass(frozen=True)
class Grades:
    """Students x tasks with points under one set of rules, and each passed task's duration."""

    students: list[StudentRef]
    tasks: list[TaskDef]
    scores: dict[int, dict[str, TaskScore]]
    durations: dict[str, list[float]] = field(default_factory=dict)  # code -> minutes, one per student who passed
    assignment: AssignmentRef | None = None
    rules: Rules = field(default_factory=Rules)
    # a chain assignment's parts: the codes each student must do (their own part); absent = every task
    assigned: dict[int, frozenset[str]] = field(default_factory=dict)

    def counts(self, user_id: int, code: str) -> bool:
        """Whether ``code`` is this student's to do (a chain part played by someone else is not)."""
        mine = self.assigned.get(user_id)
        return mine is None or code in mine

    def _mine(self, user_id: int) -> list[TaskScore]:
        return [s for c, s in self.scores[user_id].items() if self.counts(user_id, c)]

    def total(self, user_id: int) -> float:
        return sum(s.points for s in self._mine(user_id))

    def done(self, user_id: int) -> int:
        return sum(1 for s in self._mine(user_id) if s.passed)

    def task_count(self, user_id: int) -> int:
        return len(self._mine(user_id))

    @property
    def max_points(self) -> float:
        """The most one student can earn (with parts: the largest part's points)."""
        if not self.assigned:
            return sum(t.points for t in self.tasks)
        return max((sum(t.points for t in self.tasks if self.counts(s.user_id, t.code)) for s in self.students),
                   default=0.0)

    def passed_count(self, code: str) -> int:
        return sum(1 for s in self.students if self.counts(s.user_id, code) and self.scores[s.user_id][code].passed)

    def median_minutes(self, code: str) -> float | None:
        found = self.durations.get(code)
        return round(statistics.median(found), 1) if found else None

    def csv(self) -> str:
        """One row per student, one column per task (points earned; empty where a chain part is not
        the student's), then the total — the format of ``python -m sandbox grade --format csv``."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["student_number", "username", "full_name", *[t.code for t in self.tasks], "total"])
        for s in self.students:
            row = self.scores[s.user_id]
            writer.writerow(
                [s.student_number or "", s.username, s.full_name,
                 *[f"{row[t.code].points:g}" if self.counts(s.user_id, t.code) else "" for t in self.tasks],
                 f"{self.total(s.user_id):g}"]
            )
        return out.getvalue()


@dataclass(frozen=True)
class StudentProgress:
    student: StudentRef
    current_task: str | None
    current_title_zh: str
    current_title_en: str
    last_active: datetime | None
    idle_minutes: float | None  # since last_active
    done: int
    total: int
    points: float
    status: str

    def current_title(self, lang: str) -> str:
        return self.current_title_zh if lang == "zh_CN" else self.current_title_en


@dataclass(frozen=True)
class TaskProgress:
    code: str
    title_zh: str
    title_en: str
    passed: int
    median_minutes: float | None


@dataclass(frozen=True)
class Board:
    class_id: int
    now: datetime
    stuck_minutes: int
    grades: Grades
    students: list[StudentProgress]
    tasks: list[TaskProgress]

    def count(self, status: str) -> int:
        return sum(1 for s in self.students if s.status == status)


# ----------------------------------------------------------------------------- queries


def _require_instructor(session: Session, actor: Actor, class_id: int) -> None:
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, INSTRUCTOR)


def _assignment(session: Session, class_id: int, assignment_id: int) -> Assignment:
    found = session.scalar(select(Assignment).where(Assignment.id == assignment_id, Assignment.class_id == class_id))
    if found is None:
        raise DomainError("board.no_assignment")
    return found


def _assignment_codes(assignment: Assignment) -> tuple[str, ...]:
    codes = list(assignment.task_codes or [])
    if not codes and assignment.chain_id:
        chain = load_chains().get(assignment.chain_id)
        codes = [s.code for s in chain.steps] if chain else []
    return tuple(dict.fromkeys(codes))  # unique, in the assignment's order


def class_assignments(session: Session, actor: Actor, class_id: int) -> list[AssignmentRef]:
    """The assignments of a class the instructor teaches, oldest first. Raises auth.forbidden, class.not_found."""
    _require_instructor(session, actor, class_id)
    rows = session.scalars(select(Assignment).where(Assignment.class_id == class_id).order_by(Assignment.id))
    return [AssignmentRef(a.id, a.title, _assignment_codes(a)) for a in rows]


def _first_events(session: Session, class_id: int, students: list[int], codes: list[str]) -> dict[tuple[int, str], datetime]:
    if not students or not codes:
        return {}
    rows = session.execute(
        select(Event.actor_id, Event.task_code, func.min(Event.at))
        .where(Event.class_id == class_id, Event.actor_id.in_(students), Event.task_code.in_(codes))
        .group_by(Event.actor_id, Event.task_code)
    )
    return {(uid, code): at for uid, code, at in rows}


def _durations(session: Session, class_id: int, scores: dict[int, dict[str, TaskScore]],
               tasks: Sequence[TaskDef]) -> dict[str, list[float]]:
    first = _first_events(session, class_id, list(scores), [t.code for t in tasks])
    out: dict[str, list[float]] = {t.code: [] for t in tasks}
    for uid, row in scores.items():
        for code, sc in row.items():
            started = first.get((uid, code))
            if sc.passed and sc.completed_at is not None and started is not None:
                out[code].append(max(0.0, round((sc.completed_at - started).total_seconds() / 60, 2)))
    return out


def grades_for(session: Session, class_id: int, tasks: TaskSet, *, assignment_id: int | None = None,
               module: str | None = None) -> Grades:
    """Scores of every student of a class (no access check: for the CLI and the services below).
    With an assignment: its tasks (in its order) under its rules. Raises board.no_assignment."""
    students = class_students(session, class_id)
    ref: AssignmentRef | None = None
    assigned: dict[int, frozenset[str]] = {}
    if assignment_id is not None:
        row = _assignment(session, class_id, assignment_id)
        ref = AssignmentRef(row.id, row.title, _assignment_codes(row))
        selected = [tasks.tasks[c] for c in ref.task_codes if c in tasks.tasks]
        rules = Rules.of(row)
        if row.kind == "chain":
            mine = assigned_codes_by_student(session, row.id, [s.user_id for s in students])
            assigned = {uid: frozenset(c for c, _ in pairs) for uid, pairs in mine.items()}
    else:
        selected = list(tasks.tasks.values())
        rules = Rules()
    if module is not None:
        selected = [t for t in selected if t.module == module]
    ids = [s.user_id for s in students]
    scores = score_class(session, class_id, ids, selected, rules)
    return Grades(students, selected, scores, _durations(session, class_id, scores, selected), ref, rules, assigned)


def class_grades(session: Session, actor: Actor, class_id: int, tasks: TaskSet, *,
                 assignment_id: int | None = None, module: str | None = None) -> Grades:
    """The gradebook of a class the instructor teaches. Raises auth.forbidden, class.not_found, board.no_assignment."""
    _require_instructor(session, actor, class_id)
    return grades_for(session, class_id, tasks, assignment_id=assignment_id, module=module)


def _latest_progress(session: Session, class_id: int, students: list[int]) -> dict[int, tuple[str, datetime]]:
    """``{student: (task code, at)}`` of each student's latest event with a task code in the class."""
    if not students:
        return {}
    latest = (
        select(func.max(Event.id).label("id"))
        .where(Event.class_id == class_id, Event.actor_id.in_(students), Event.task_code.is_not(None))
        .group_by(Event.actor_id)
        .subquery()
    )
    rows = session.execute(select(Event.actor_id, Event.task_code, Event.at).join(latest, latest.c.id == Event.id))
    return {uid: (code, at) for uid, code, at in rows}


def _title(code: str, tasks: TaskSet) -> tuple[str, str]:
    task = tasks.tasks.get(code)
    if task is not None:
        return task.title_zh, task.title_en
    cat = catalog_by_code().get(code)
    return (cat.title_zh, cat.title_en) if cat is not None else (code, code)


def _status(done: int, total: int, idle: float | None, stuck_minutes: int) -> str:
    if total and done >= total:
        return FINISHED
    if idle is None:
        return NOT_STARTED
    return STUCK if idle >= stuck_minutes else WORKING


def class_board(session: Session, actor: Actor, class_id: int, tasks: TaskSet, *, assignment_id: int | None = None,
                stuck_minutes: int = 10, now: datetime | None = None) -> Board:
    """Who is on which task, who is stuck or finished, and per-task completion and time.
    Raises auth.forbidden, class.not_found, board.no_assignment, board.bad_stuck_minutes."""
    low, high = STUCK_MINUTES_RANGE
    if not isinstance(stuck_minutes, int) or not low <= stuck_minutes <= high:
        raise DomainError("board.bad_stuck_minutes", low=low, high=high)
    _require_instructor(session, actor, class_id)
    now = now or utcnow()
    grades = grades_for(session, class_id, tasks, assignment_id=assignment_id)
    latest = _latest_progress(session, class_id, [s.user_id for s in grades.students])
    students = []
    for ref in grades.students:
        total = grades.task_count(ref.user_id)
        code, at = latest.get(ref.user_id, (None, None))
        idle = max(0.0, (now - at).total_seconds() / 60) if at is not None else None
        title_zh, title_en = _title(code, tasks) if code else ("", "")
        done = grades.done(ref.user_id)
        students.append(StudentProgress(
            ref, code, title_zh, title_en, at, idle, done, total, grades.total(ref.user_id),
            _status(done, total, idle, stuck_minutes),
        ))
    per_task = [
        TaskProgress(t.code, t.title_zh, t.title_en, grades.passed_count(t.code), grades.median_minutes(t.code))
        for t in grades.tasks
    ]
    return Board(class_id, now, stuck_minutes, grades, students, per_task)
