"""The registry of check kinds: declarative checks in scenario files name a kind registered here.

A check kind is a function ``fn(ctx, params) -> {user_id: Outcome}`` that grades *all* the
students of ``ctx.students`` at once (one query per check per class keeps grading a class of
100 cheap). A student missing from the answer did not pass.

Invariants:
- Checks only read: ``ctx.session`` is a read-only session; nothing is flushed.
- Checks credit only the student's own recorded actions (the event's ``actor_id`` or a record
  the student's own persona made), never seeded data, bots or other students.
- Checks read the audit trail (events, rows the task produced, including soft-deleted ones),
  never a current total a later task may legitimately change.
- ``Outcome.evidence`` is language-neutral data (ids, times, codes); the UI renders it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.events import Event


@dataclass(frozen=True)
class Outcome:
    """One student's result for one check."""

    passed: bool
    evidence: dict[str, Any] = field(default_factory=dict)


@dataclass
class CheckContext:
    """What a check may read: the class, the students being graded, a read-only session."""

    session: Session
    class_id: int
    students: list[int]

    def own_events(self, *, kinds: Iterable[str] | None = None, task_code: str | None = None) -> list[Event]:
        """Events of this class whose actor is one of ``students`` (the audit trail), oldest first."""
        query = select(Event).where(Event.class_id == self.class_id, Event.actor_id.in_(self.students))
        if kinds is not None:
            query = query.where(Event.kind.in_(list(kinds)))
        if task_code is not None:
            query = query.where(Event.task_code == task_code)
        return list(self.session.scalars(query.order_by(Event.id)))


CheckFn = Callable[[CheckContext, dict[str, Any]], dict[int, Outcome]]

#: kind -> (function, allowed parameter names)
REGISTRY: dict[str, tuple[CheckFn, frozenset[str]]] = {}


def check(kind: str, *, params: Iterable[str] = ()) -> Callable[[CheckFn], CheckFn]:
    """Register a check kind; ``params`` lists the parameter names a scenario file may give it."""

    def register(fn: CheckFn) -> CheckFn:
        if kind in REGISTRY and REGISTRY[kind][0] is not fn:
            raise ValueError(f"check kind {kind!r} registered twice")
        REGISTRY[kind] = (fn, frozenset(params))
        return fn

    return register


def first_event_per_student(events: Iterable[Event]) -> dict[int, Outcome]:
    """A passing Outcome for each actor with at least one of ``events`` (evidence: the first)."""
    out: dict[int, Outcome] = {}
    for ev in events:
        if ev.actor_id is not None and ev.actor_id not in out:
            out[ev.actor_id] = Outcome(True, {"event_id": ev.id, "at": ev.at.isoformat(), **_small(ev.data)})
    return out


def _small(data: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in (data or {}).items() if isinstance(v, str | int | float | bool) and k != "body"}


@check("event.occurred", params=("kind", "task_code"))
def event_occurred(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """Generic: the student's own event of ``kind`` (and ``task_code``, if given) exists."""
    kinds = [params["kind"]] if "kind" in params else None
    return first_event_per_student(ctx.own_events(kinds=kinds, task_code=params.get("task_code")))
