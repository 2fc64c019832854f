"""Read-only views of classes, rosters and instructors, always scoped to the actor.

Invariant: every query filters by a class the actor is a member of (``class.not_found``
otherwise), so one class's data never reaches another class's user.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.actor import INSTRUCTOR, STUDENT, Actor
from sandbox.events import Event
from sandbox.identity.models import Classroom, LoginSession, Membership, User
from sandbox.identity.services import require_class_member


@dataclass(frozen=True)
class ClassSummary:
    id: int
    name: str
    language: str
    seed: int
    enrollment_code: str | None  # only instructors see it
    students: int
    created_at: datetime


@dataclass(frozen=True)
class RosterRow:
    user_id: int
    username: str
    full_name: str
    student_number: str | None
    joined_at: datetime
    last_login: datetime | None
    must_change_password: bool


@dataclass(frozen=True)
class InstructorRow:
    username: str
    full_name: str
    created_at: datetime


def classes_for(session: Session, actor: Actor) -> list[ClassSummary]:
    """The classes ``actor`` belongs to, newest first, with their student counts."""
    counts = (
        select(Membership.class_id, func.count(Membership.id).label("n"))
        .where(Membership.role == STUDENT)
        .group_by(Membership.class_id)
        .subquery()
    )
    mine = select(Membership.class_id).where(Membership.user_id == actor.user_id)
    rows = session.execute(
        select(Classroom, func.coalesce(counts.c.n, 0))
        .outerjoin(counts, counts.c.class_id == Classroom.id)
        .where(Classroom.id.in_(mine))
        .order_by(Classroom.created_at.desc(), Classroom.id.desc())
    ).all()
    return [
        ClassSummary(
            id=room.id,
            name=room.name,
            language=room.language,
            seed=room.seed,
            enrollment_code=room.enrollment_code if actor.is_instructor else None,
            students=int(n),
            created_at=room.created_at,
        )
        for room, n in rows
    ]


def class_summary(session: Session, actor: Actor, class_id: int) -> ClassSummary:
    """One class the actor belongs to; raises class.not_found otherwise."""
    require_class_member(session, actor, class_id)
    for summary in classes_for(session, actor):
        if summary.id == class_id:
            return summary
    raise AssertionError("member of a class that classes_for did not list")


def roster(session: Session, actor: Actor, class_id: int) -> list[RosterRow]:
    """The students of a class the actor teaches, by student number then user name."""
    require_class_member(session, actor, class_id, INSTRUCTOR)
    last_login = (
        select(LoginSession.user_id, func.max(LoginSession.created_at).label("last"))
        .join(Membership, Membership.user_id == LoginSession.user_id)
        .where(Membership.class_id == class_id)
        .group_by(LoginSession.user_id)
        .subquery()
    )
    rows = session.execute(
        select(
            User.id, User.username, User.full_name, Membership.student_number, Membership.joined_at,
            last_login.c.last, User.must_change_password,
        )
        .join(Membership, Membership.user_id == User.id)
        .outerjoin(last_login, last_login.c.user_id == User.id)
        .where(Membership.class_id == class_id, Membership.role == STUDENT)
        .order_by(Membership.student_number.nulls_last(), User.username)
    ).all()
    return [RosterRow(*row) for row in rows]


def instructors(session: Session, actor: Actor) -> list[InstructorRow]:
    """All instructor accounts (visible to instructors only)."""
    if not actor.is_instructor:
        return []
    users = session.scalars(select(User).where(User.role == INSTRUCTOR).order_by(User.created_at)).all()
    return [InstructorRow(u.username, u.full_name, u.created_at) for u in users]


def class_event_count(session: Session, actor: Actor, class_id: int) -> int:
    """How many events the class has logged (a cheap activity figure for the home page)."""
    require_class_member(session, actor, class_id)
    return int(session.scalar(select(func.count(Event.id)).where(Event.class_id == class_id)) or 0)
