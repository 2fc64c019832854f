"""The walkthrough (a student's tasks, next step, missing prerequisites) and the gradebook.

Invariants: a student sees only their own progress, an instructor only the gradebooks of
their own classes (``class.not_found`` otherwise). Both are computed from grading, never stored.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass

from sqlalchemy.orm import Session

from sandbox.actor import INSTRUCTOR, STUDENT, Actor
from sandbox.errors import DomainError
from sandbox.identity.services import require_class_member
from sandbox.scenarios.grading import Grader, StudentRef, TaskResult, class_students, grade
from sandbox.scenarios.model import MODULES, CatalogTask, TaskDef, TaskSet, catalog_index

DONE, READY, BLOCKED, UNAVAILABLE = "done", "ready", "blocked", "unavailable"


@dataclass(frozen=True)
class TaskStatus:
    catalog: CatalogTask
    task: TaskDef | None  # None: the sandbox does not offer this task yet
    state: str
    missing: tuple[str, ...] = ()  # codes, or "A|B|C" for a one-of group
    result: TaskResult | None = None


@dataclass(frozen=True)
class ModuleProgress:
    module: str
    tasks: tuple[TaskStatus, ...]

    @property
    def total(self) -> int:
        return len(self.tasks)

    @property
    def available(self) -> int:
        return sum(1 for t in self.tasks if t.task is not None)

    @property
    def done(self) -> int:
        return sum(1 for t in self.tasks if t.state == DONE)

    @property
    def points(self) -> float:
        return sum(t.result.points for t in self.tasks if t.result is not None)

    @property
    def next_task(self) -> TaskStatus | None:
        return next((t for t in self.tasks if t.state == READY), None)


def _status(grader: Grader, task: TaskDef, uid: int, passed: set[str], catalog: CatalogTask) -> TaskStatus:
    result = grader.task(task, uid)
    if result.passed:
        return TaskStatus(catalog, task, DONE, (), result)
    missing = [code for code in task.requires if code not in passed]
    if task.ready is not None:
        if grader.passes(task.ready, uid) is None:
            missing.extend("|".join(group) for group in task.requires_one_of)
    else:
        missing.extend("|".join(g) for g in task.requires_one_of if not any(c in passed for c in g))
    return TaskStatus(catalog, task, BLOCKED if missing else READY, tuple(missing), result)


def progress_for(session: Session, class_id: int, user_id: int, tasks: TaskSet) -> list[ModuleProgress]:
    """Every catalog module with the student's state of each of its tasks."""
    grader = Grader(session, class_id, [user_id])
    passed = {code for code, task in tasks.tasks.items() if grader.task(task, user_id).passed}
    out = []
    for module in MODULES:
        statuses = []
        for cat in (c for c in catalog_index() if c.module == module):
            task = tasks.tasks.get(cat.code)
            if task is None:
                statuses.append(TaskStatus(cat, None, UNAVAILABLE))
            else:
                statuses.append(_status(grader, task, user_id, passed, cat))
        out.append(ModuleProgress(module, tuple(statuses)))
    return out


def my_progress(session: Session, actor: Actor, tasks: TaskSet) -> list[ModuleProgress]:
    """The walkthrough of the logged-in student in their current class."""
    if actor.role != STUDENT or actor.class_id is None:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, actor.class_id, STUDENT)
    return progress_for(session, actor.class_id, actor.user_id, tasks)


@dataclass(frozen=True)
class Gradebook:
    students: list[StudentRef]
    tasks: list[TaskDef]
    results: dict[int, dict[str, TaskResult]]

    def total(self, user_id: int) -> float:
        return sum(r.points for r in self.results[user_id].values())

    @property
    def max_points(self) -> float:
        return sum(t.points for t in self.tasks)

    def passed_count(self, code: str) -> int:
        return sum(1 for s in self.students if self.results[s.user_id][code].passed)

    def csv(self) -> str:
        """One row per student, one column per task (points earned), then the total."""
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["student_number", "username", "full_name", *[t.code for t in self.tasks], "total"])
        for s in self.students:
            row = self.results[s.user_id]
            writer.writerow(
                [s.student_number or "", s.username, s.full_name,
                 *[f"{row[t.code].points:g}" for t in self.tasks], f"{self.total(s.user_id):g}"]
            )
        return out.getvalue()


def gradebook_for(session: Session, class_id: int, tasks: TaskSet, module: str | None = None) -> Gradebook:
    """Students x tasks of one class (optionally one module)."""
    students = class_students(session, class_id)
    selected = [t for t in tasks.tasks.values() if module is None or t.module == module]
    results = grade(session, class_id, [s.user_id for s in students], selected)
    return Gradebook(students, selected, results)


def class_gradebook(
    session: Session, actor: Actor, class_id: int, tasks: TaskSet, module: str | None = None
) -> Gradebook:
    """The gradebook of a class the instructor teaches."""
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, INSTRUCTOR)
    return gradebook_for(session, class_id, tasks, module)
