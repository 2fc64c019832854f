"""Grading: a pure function of (tasks, recorded state, events) — never of a student's claim.

Invariants:
- Each distinct check (kind + parameters) runs once per grading call for all the students
  being graded; the result for one student never depends on which others are graded with them.
- A task passes when every one of its checks passes; it then earns its points, else 0.
- Regrading after a scenario fix is just grading again: nothing is stored.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.actor import STUDENT
from sandbox.identity.models import Membership, User
from sandbox.scenarios.checks import REGISTRY, CheckContext, Outcome
from sandbox.scenarios.model import CheckSpec, TaskDef


@dataclass(frozen=True)
class TaskResult:
    code: str
    passed: bool
    points: float
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class StudentRef:
    user_id: int
    username: str
    full_name: str
    student_number: str | None


def class_students(session: Session, class_id: int) -> list[StudentRef]:
    """The students (not bots, not instructors) of a class, by student number then user name."""
    rows = session.execute(
        select(User.id, User.username, User.full_name, Membership.student_number)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.class_id == class_id, Membership.role == STUDENT)
        .order_by(Membership.student_number.nulls_last(), User.username)
    ).all()
    return [StudentRef(*row) for row in rows]


def _key(spec: CheckSpec) -> tuple[str, str]:
    return spec.kind, repr(sorted(spec.params.items()))


class Grader:
    """Runs checks for a set of students of one class, each distinct check at most once."""

    def __init__(self, session: Session, class_id: int, students: Iterable[int]) -> None:
        self.ctx = CheckContext(session=session, class_id=class_id, students=list(students))
        self._cache: dict[tuple[str, str], dict[int, Outcome]] = {}

    def outcomes(self, spec: CheckSpec) -> dict[int, Outcome]:
        key = _key(spec)
        if key not in self._cache:
            fn = REGISTRY[spec.kind][0]
            self._cache[key] = fn(self.ctx, dict(spec.params)) if self.ctx.students else {}
        return self._cache[key]

    def passes(self, spec: CheckSpec, user_id: int) -> Outcome | None:
        found = self.outcomes(spec).get(user_id)
        return found if found is not None and found.passed else None

    def task(self, task: TaskDef, user_id: int) -> TaskResult:
        evidence: dict[str, Any] = {}
        for spec in task.checks:
            found = self.passes(spec, user_id)
            if found is None:
                return TaskResult(task.code, False, 0.0, {})
            evidence.update(found.evidence)
        return TaskResult(task.code, True, task.points, evidence)


def grade(
    session: Session, class_id: int, students: Iterable[int], tasks: Iterable[TaskDef]
) -> dict[int, dict[str, TaskResult]]:
    """``{user_id: {task_code: TaskResult}}`` for the given students and tasks."""
    ids = list(students)
    grader = Grader(session, class_id, ids)
    task_list = list(tasks)
    return {uid: {t.code: grader.task(t, uid) for t in task_list} for uid in ids}
