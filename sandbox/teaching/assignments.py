"""Assignments (作业): tasks or a whole chain for a class, who plays each part, dates and scoring rules.

Invariants:
- Only an instructor of the class creates, changes or deletes an assignment (a student gets
  ``auth.forbidden``; anyone outside the class ``class.not_found``). Each change is one
  transaction with its ``assignment.*`` event; a repeated ``request_id`` changes nothing more.
- A stored assignment is valid: its codes are tasks the class uses; a chain assignment names a
  known chain, gives every part exactly one party (``student`` | ``team`` | ``bot``), at least one
  part is not a bot, and ``task_codes`` are the codes of the non-bot parts in chain order.
  A task-list assignment stores ``parties = {"self": "student"}``. ``due_at`` is after
  ``opens_at``; the late penalty is 0–100 %; a hint costs 0 up to the points of the cheapest task.
- What a student must do: a task list — every code; a chain — the codes of every ``student``
  part, plus the codes of the part their team gave them if that part is a ``team`` part.
- A hint of an assignment with a hint cost is paid once per (student, task, assignment): the
  first ``view_hint`` writes a ``hint.viewed`` event (actor = the student, ``task_code``,
  ``data.assignment_id``); later views write nothing. A free hint is recorded the same way, once
  per (student, task) outside assignments (no ``assignment_id``, cost 0), or once per assignment
  inside a free one, so the lab report counts every hint a student opened. A hint that an
  assignment of the student's charges for is never handed out for free elsewhere.
  Scores come from ``sandbox.teaching.scores``.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import INSTRUCTOR, STUDENT, Actor
from sandbox.chains.model import Chain, load_chains
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.identity.services import require_class_member
from sandbox.scenarios.model import TaskDef, TaskSet
from sandbox.teaching import packs
from sandbox.teaching.models import Assignment
from sandbox.teaching.scores import HINT_VIEWED, Rules, TaskScore, score_class
from sandbox.teaching.teams import TeamView, team_of, teams_by_user
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

KINDS = ("tasks", "chain")
PARTIES = ("student", "team", "bot")
SELF = "self"
NOT_OPEN, OPEN, PAST_DUE = "not_open", "open", "past_due"


# ----------------------------------------------------------------------------- what a class uses


@cache
def _shipped_tasks() -> TaskSet:
    from sandbox.scenarios.loader import load_directory

    return load_directory()


def class_tasks(session: Session | None, class_id: int | None, shipped: TaskSet | None = None) -> TaskSet:
    """The tasks a class uses: the scenario packs loaded into it over ``shipped`` (default: scenarios/)."""
    base = shipped if shipped is not None else _shipped_tasks()
    if session is None or class_id is None:
        return base
    return packs.class_tasks(session, class_id, base)


def class_chains(session: Session | None, class_id: int | None) -> dict[str, Chain]:
    """The chains a class can assign, by id (shipped chains, plus chain packs loaded into it)."""
    if session is None or class_id is None:
        return dict(_shipped_chains())
    return packs.class_chains(session, class_id)


@cache
def _shipped_chains() -> dict[str, Chain]:
    return load_chains()


# ----------------------------------------------------------------------------- views


@dataclass(frozen=True)
class AssignmentView:
    id: int
    class_id: int
    title: str
    kind: str
    chain_id: str | None
    task_codes: tuple[str, ...]
    parties: dict[str, str]
    opens_at: datetime | None
    due_at: datetime | None
    late_counts: bool
    late_penalty_pct: int
    hint_cost: float
    created_at: datetime
    rules: Rules

    def status(self, now: datetime | None = None) -> str:
        return status_of(self.opens_at, self.due_at, now)


@dataclass(frozen=True)
class MyTask:
    task: TaskDef
    part: str | None  # the chain part the student plays it in (None for a task list)
    score: TaskScore


@dataclass(frozen=True)
class MyAssignment:
    assignment: AssignmentView
    status: str
    parts: tuple[str, ...]  # the chain parts the student plays (empty for a task list)
    team: str | None  # the student's team name, if a team part concerns them
    tasks: tuple[MyTask, ...] = field(default_factory=tuple)

    @property
    def points(self) -> float:
        return sum(t.score.points for t in self.tasks)

    @property
    def max_points(self) -> float:
        return sum(t.task.points for t in self.tasks)


def status_of(opens_at: datetime | None, due_at: datetime | None, now: datetime | None = None) -> str:
    now = now or utcnow()
    if opens_at is not None and now < opens_at:
        return NOT_OPEN
    if due_at is not None and now > due_at:
        return PAST_DUE
    return OPEN


def _view(row: Assignment) -> AssignmentView:
    return AssignmentView(row.id, row.class_id, row.title, row.kind, row.chain_id, tuple(row.task_codes or ()),
                          dict(row.parties or {}), row.opens_at, row.due_at, row.late_counts, row.late_penalty_pct,
                          float(row.hint_cost), row.created_at, Rules.of(row))


# ----------------------------------------------------------------------------- validation


def _aware(value: object, field_name: str) -> datetime | None:
    if value is None or value == "":
        return None
    if not isinstance(value, datetime) or value.tzinfo is None:
        raise DomainError("assignment.bad_date", field=field_name)
    return value


def _validated(
    session: Session,
    class_id: int,
    *,
    title: object,
    kind: str,
    task_codes: Iterable[str] | None,
    chain_id: str | None,
    parties: Mapping[str, str] | None,
    opens_at: object,
    due_at: object,
    late_counts: bool,
    late_penalty_pct: object,
    hint_cost: object,
    shipped: TaskSet | None,
) -> dict[str, Any]:
    clean_title = clean_text(title, "assign.title", max_len=100)
    if kind not in KINDS:
        raise DomainError("assignment.bad_kind", field="assign.kind")
    tasks = class_tasks(session, class_id, shipped)
    if kind == "tasks":
        codes = list(dict.fromkeys(str(c).strip().upper() for c in (task_codes or ()) if str(c).strip()))
        if not codes:
            raise DomainError("assignment.no_tasks", field="assign.tasks")
        for code in codes:
            if code not in tasks.tasks:
                raise DomainError("assignment.unknown_task", field="assign.tasks", task=code)
        codes = [c for c in tasks.tasks if c in codes]  # catalog order
        party_map = {SELF: "student"}
        chain_ref = None
    else:
        chain = class_chains(session, class_id).get(str(chain_id or ""))
        if chain is None:
            raise DomainError("assignment.unknown_chain", field="assign.chain", chain=str(chain_id or ""))
        given = dict(parties or {})
        for part in given:
            if part not in chain.part_ids:
                raise DomainError("assignment.unknown_part", field="assign.parties", part=part, chain=chain.id)
        for part in chain.part_ids:
            if part not in given:
                raise DomainError("assignment.part_without_party", field="assign.parties", part=part)
            if given[part] not in PARTIES:
                raise DomainError("assignment.bad_party", field="assign.parties", part=part)
        played = [p for p in chain.part_ids if given[p] != "bot"]
        if not played:
            raise DomainError("assignment.all_bots", field="assign.parties")
        codes = list(dict.fromkeys(s.code for s in chain.steps if s.part in played))
        for code in codes:
            if code not in tasks.tasks:
                raise DomainError("assignment.unknown_task", field="assign.chain", task=code)
        party_map = {p: given[p] for p in chain.part_ids}
        chain_ref = chain.id
    opens = _aware(opens_at, "assign.opens_at")
    due = _aware(due_at, "assign.due_at")
    if opens is not None and due is not None and due <= opens:
        raise DomainError("assignment.due_before_open", field="assign.due_at")
    if isinstance(late_penalty_pct, bool) or not isinstance(late_penalty_pct, int | float) \
            or late_penalty_pct != int(late_penalty_pct) or not 0 <= late_penalty_pct <= 100:
        raise DomainError("assignment.bad_penalty", field="assign.late_penalty")
    cheapest = min(tasks.tasks[c].points for c in codes)
    if isinstance(hint_cost, bool) or not isinstance(hint_cost, int | float) or not 0 <= hint_cost <= cheapest:
        raise DomainError("assignment.bad_hint_cost", field="assign.hint_cost", max=f"{cheapest:g}")
    return {
        "title": clean_title, "kind": kind, "chain_id": chain_ref, "task_codes": codes, "parties": party_map,
        "opens_at": opens, "due_at": due, "late_counts": bool(late_counts),
        "late_penalty_pct": int(late_penalty_pct), "hint_cost": float(hint_cost),
    }


def _instructor(session: Session, actor: Actor, class_id: int) -> None:
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, INSTRUCTOR)


def _owned(session: Session, actor: Actor, assignment_id: int) -> Assignment:
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    row = session.get(Assignment, assignment_id)
    if row is None:
        raise DomainError("assignment.not_found")
    require_class_member(session, actor, row.class_id, INSTRUCTOR)
    return row


# ----------------------------------------------------------------------------- services


def create_assignment(
    uow: UnitOfWork,
    actor: Actor,
    class_id: int,
    *,
    title: str,
    kind: str,
    task_codes: Iterable[str] | None = None,
    chain_id: str | None = None,
    parties: Mapping[str, str] | None = None,
    opens_at: datetime | None = None,
    due_at: datetime | None = None,
    late_counts: bool = True,
    late_penalty_pct: int = 0,
    hint_cost: float = 0,
    request_id: str | None = None,
    tasks: TaskSet | None = None,
) -> int:
    """Set an assignment for a class; returns its id. Raises auth.forbidden, class.not_found, input.*,
    assignment.bad_kind|no_tasks|unknown_task|unknown_chain|unknown_part|part_without_party|bad_party|
    all_bots|bad_date|due_before_open|bad_penalty|bad_hint_cost."""
    with uow.write() as s:
        _instructor(s, actor, class_id)
        done = events.replayed(s, request_id)
        if done is not None:
            return int(done.data["assignment_id"])
        values = _validated(s, class_id, title=title, kind=kind, task_codes=task_codes, chain_id=chain_id,
                            parties=parties, opens_at=opens_at, due_at=due_at, late_counts=late_counts,
                            late_penalty_pct=late_penalty_pct, hint_cost=hint_cost, shipped=tasks)
        row = Assignment(class_id=class_id, created_by=actor.user_id, created_at=utcnow(), **values)
        s.add(row)
        s.flush()
        events.record(s, "assignment.created", actor=actor, class_id=class_id, subject=f"assignment:{row.id}",
                      request_id=request_id, assignment_id=row.id, **_logged(values))
        return row.id


def update_assignment(
    uow: UnitOfWork,
    actor: Actor,
    assignment_id: int,
    *,
    title: str,
    kind: str,
    task_codes: Iterable[str] | None = None,
    chain_id: str | None = None,
    parties: Mapping[str, str] | None = None,
    opens_at: datetime | None = None,
    due_at: datetime | None = None,
    late_counts: bool = True,
    late_penalty_pct: int = 0,
    hint_cost: float = 0,
    request_id: str | None = None,
    tasks: TaskSet | None = None,
) -> None:
    """Change every field of an assignment (same rules as creating it). Raises auth.forbidden,
    class.not_found, assignment.not_found and the errors of create_assignment."""
    with uow.write() as s:
        row = _owned(s, actor, assignment_id)
        if events.replayed(s, request_id) is not None:
            return
        values = _validated(s, row.class_id, title=title, kind=kind, task_codes=task_codes, chain_id=chain_id,
                            parties=parties, opens_at=opens_at, due_at=due_at, late_counts=late_counts,
                            late_penalty_pct=late_penalty_pct, hint_cost=hint_cost, shipped=tasks)
        for key, value in values.items():
            setattr(row, key, value)
        events.record(s, "assignment.updated", actor=actor, class_id=row.class_id, subject=f"assignment:{row.id}",
                      request_id=request_id, assignment_id=row.id, **_logged(values))


def delete_assignment(uow: UnitOfWork, actor: Actor, assignment_id: int, request_id: str | None = None) -> None:
    """Withdraw an assignment (the work done stays in the world and the event log). Raises
    auth.forbidden, class.not_found, assignment.not_found."""
    with uow.write() as s:
        if events.replayed(s, request_id) is not None:
            return
        row = _owned(s, actor, assignment_id)
        class_id, title = row.class_id, row.title
        s.delete(row)
        events.record(s, "assignment.deleted", actor=actor, class_id=class_id, subject=f"assignment:{assignment_id}",
                      request_id=request_id, assignment_id=assignment_id, title=title)


def _logged(values: dict[str, Any]) -> dict[str, Any]:
    out = {k: v.isoformat() if isinstance(v, datetime) else v for k, v in values.items()}
    out["assignment_kind"] = out.pop("kind")  # ``kind`` is the event's own
    return out


def _my_codes(session: Session, row: Assignment, class_id: int, user_id: int, chains: dict[str, Chain],
              team_by_user: Mapping[int, TeamView] | None = None,
              ) -> tuple[list[tuple[str, str | None]], tuple[str, ...], str | None]:
    """(code, part) pairs the student must do, the parts they play, and their team name if it matters."""
    if row.kind == "tasks":
        return [(c, None) for c in row.task_codes or ()], (), None
    chain = chains.get(row.chain_id or "")
    if chain is None:
        return [], (), None
    parties = row.parties or {}
    parts = [p for p in chain.part_ids if parties.get(p) == "student"]
    team_name = None
    if any(parties.get(p) == "team" for p in chain.part_ids):
        team = team_by_user.get(user_id) if team_by_user is not None else team_of(session, class_id, user_id)
        if team is not None:
            team_name = team.name
            mine = team.member(user_id)
            if mine is not None and mine.part and parties.get(mine.part) == "team" and mine.part not in parts:
                parts.append(mine.part)
    parts = [p for p in chain.part_ids if p in parts]
    pairs: dict[str, str] = {}
    for step in chain.steps:
        if step.part in parts and step.code not in pairs:
            pairs[step.code] = step.part
    return list(pairs.items()), tuple(parts), team_name


def assigned_codes(session: Session, assignment_id: int, user_id: int) -> list[tuple[str, str | None]]:
    """``[(task code, chain part or None)]`` the student must do in one assignment, in order (for
    boards and reports; callers check the actor). Empty for an unknown assignment."""
    row = session.get(Assignment, assignment_id)
    if row is None:
        return []
    pairs, _, _ = _my_codes(session, row, row.class_id, user_id, class_chains(session, row.class_id))
    return pairs


def assigned_codes_by_student(session: Session, assignment_id: int,
                              user_ids: Iterable[int]) -> dict[int, list[tuple[str, str | None]]]:
    """``assigned_codes`` for many students at once: the chains and the teams are read once, not
    once per student (callers check the actor)."""
    ids = list(user_ids)
    row = session.get(Assignment, assignment_id)
    if row is None:
        return {u: [] for u in ids}
    chains = class_chains(session, row.class_id)
    by_user = teams_by_user(session, row.class_id) if row.kind == "chain" else {}
    return {u: _my_codes(session, row, row.class_id, u, chains, by_user)[0] for u in ids}


def _student(session: Session, actor: Actor) -> int:
    if actor.role != STUDENT:
        raise DomainError("auth.forbidden")
    if actor.class_id is None:
        raise DomainError("class.not_found")
    require_class_member(session, actor, actor.class_id, STUDENT)
    return actor.class_id


def view_hint(uow: UnitOfWork, actor: Actor, assignment_id: int, task_code: str, request_id: str | None = None) -> bool:
    """Open the hint of one task of an assignment; the first time writes ``hint.viewed`` (what a
    paid hint costs) and returns True, later times False. Raises auth.forbidden, class.not_found,
    assignment.not_your_task."""
    with uow.write() as s:
        class_id = _student(s, actor)
        row = s.get(Assignment, assignment_id)
        if row is None or row.class_id != class_id:
            raise DomainError("class.not_found")  # another class's assignment: as if it did not exist
        if events.replayed(s, request_id) is not None:
            return False
        pairs, _, _ = _my_codes(s, row, class_id, actor.user_id, class_chains(s, class_id))
        if task_code not in {c for c, _ in pairs}:
            raise DomainError("assignment.not_your_task", task=task_code)
        seen = s.scalars(
            select(events.Event.data).where(events.Event.class_id == class_id, events.Event.kind == HINT_VIEWED,
                                            events.Event.actor_id == actor.user_id,
                                            events.Event.task_code == task_code)
        ).all()
        if any((d or {}).get("assignment_id") == assignment_id for d in seen):
            return False
        events.record(s, HINT_VIEWED, actor=actor, class_id=class_id, task_code=task_code,
                      subject=f"assignment:{assignment_id}", request_id=request_id, assignment_id=assignment_id,
                      hint_cost=float(row.hint_cost))
        return True


def view_free_hint(uow: UnitOfWork, actor: Actor, task_code: str, tasks: TaskSet | None = None,
                   request_id: str | None = None) -> bool:
    """Open the hint of one of the class's tasks outside any assignment (free). The first time
    writes ``hint.viewed`` with no assignment and cost 0, so the lab report counts it and the
    instructor sees it, and returns True; later times False. Raises auth.forbidden,
    class.not_found, assignment.unknown_task, assignment.hint_is_paid (an assignment of the
    student's charges for this hint: it is opened there, never here for free)."""
    with uow.write() as s:
        class_id = _student(s, actor)
        if events.replayed(s, request_id) is not None:
            return False
        if task_code not in class_tasks(s, class_id, tasks).tasks:
            raise DomainError("assignment.unknown_task", task=task_code)
        paid = paid_hint_codes(my_assignments(s, actor, tasks))
        if task_code in paid:
            raise DomainError("assignment.hint_is_paid", task=task_code, title=paid[task_code].assignment.title)
        if task_code in hints_opened(s, actor):
            return False
        events.record(s, HINT_VIEWED, actor=actor, class_id=class_id, task_code=task_code,
                      subject=f"task:{task_code}", request_id=request_id, hint_cost=0.0)
        return True


def hints_opened(session: Session, actor: Actor) -> set[str]:
    """The task codes whose hint the logged-in student has opened in their class (anywhere)."""
    if actor.class_id is None:
        return set()
    return set(session.scalars(
        select(events.Event.task_code).where(events.Event.class_id == actor.class_id,
                                             events.Event.kind == HINT_VIEWED,
                                             events.Event.actor_id == actor.user_id)
    ))


# ----------------------------------------------------------------------------- queries


def assignments(session: Session, actor: Actor, class_id: int) -> list[AssignmentView]:
    """A class's assignments, newest first (instructors). Raises auth.forbidden, class.not_found."""
    _instructor(session, actor, class_id)
    rows = session.scalars(
        select(Assignment).where(Assignment.class_id == class_id).order_by(Assignment.created_at.desc(),
                                                                           Assignment.id.desc())
    )
    return [_view(r) for r in rows]


def my_assignments(session: Session, actor: Actor, tasks: TaskSet | None = None,
                   now: datetime | None = None) -> list[MyAssignment]:
    """The logged-in student's assignments in their class, by due date: the tasks they must do,
    status and scores under each assignment's rules. Raises auth.forbidden, class.not_found."""
    class_id = _student(session, actor)
    available = class_tasks(session, class_id, tasks)
    chains = class_chains(session, class_id)
    rows = list(session.scalars(select(Assignment).where(Assignment.class_id == class_id)))
    rows.sort(key=lambda r: (r.due_at is None, r.due_at or r.created_at, r.id))
    out = []
    for row in rows:
        pairs, parts, team = _my_codes(session, row, class_id, actor.user_id, chains)
        pairs = [(c, p) for c, p in pairs if c in available.tasks]
        defs = [available.tasks[c] for c, _ in pairs]
        scored = score_class(session, class_id, [actor.user_id], defs, Rules.of(row))[actor.user_id] if defs else {}
        view = _view(row)
        out.append(MyAssignment(view, view.status(now), parts, team,
                                tuple(MyTask(available.tasks[c], p, scored[c]) for c, p in pairs)))
    return out


def paid_hint_codes(items: Iterable[MyAssignment]) -> dict[str, MyAssignment]:
    """The task codes whose hint costs points in one of ``items``, mapped to the first such assignment."""
    out: dict[str, MyAssignment] = {}
    for item in items:
        if item.assignment.hint_cost > 0:
            for task in item.tasks:
                out.setdefault(task.task.code, item)
    return out
