"""Pruning idle personal sandboxes (清理闲置的个人沙箱), for whoever runs a server.

Self-learner mode (``sandbox.teaching.learner``) lets a visitor create an account and a personal
class; on a server open to many, abandoned ones pile up. ``python -m sandbox prune-sandboxes
--idle-days N`` removes each personal sandbox nobody has used for N days, whole.

Invariants:
- Only classes of kind ``personal`` are touched, never a class or an archive. A sandbox is idle
  when neither its class nor its learner has an event newer than the cut-off (with no event at
  all, the class's creation time counts).
- What goes, in ONE transaction per sandbox (all of it, or nothing of that sandbox): its world
  (``reset.delete_world``, children first, as a class reset deletes it), every other row with its
  ``class_id`` (memberships, events …), the events and login sessions of its learner and of its
  bot users, the class row, its bot users, and the learner's user unless the learner also
  belongs to another class. Rows are matched by the class or by those users only: nothing of
  another class changes.
- A dry run lists what would go and changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import delete, func, or_, select
from sqlalchemy.orm import Session

import sandbox.models  # noqa: F401  (every model registered: Base.metadata is complete)
from sandbox.actor import BOT
from sandbox.db import Base, utcnow
from sandbox.events import Event
from sandbox.identity.models import Classroom, LoginSession, Membership, User
from sandbox.teaching.learner import PERSONAL
from sandbox.teaching.reset import delete_world
from sandbox.uow import UnitOfWork


@dataclass(frozen=True)
class Pruned:
    class_id: int
    username: str
    last_active: datetime
    rows: int  # rows deleted (0 in a dry run)


def _last_active(session: Session, class_id: int, owner_id: int, created: datetime) -> datetime:
    last = session.scalar(
        select(func.max(Event.at)).where(or_(Event.class_id == class_id, Event.actor_id == owner_id))
    )
    return max(d for d in (last, created) if d is not None)


def idle_sandboxes(session: Session, idle_days: int, now: datetime | None = None) -> list[tuple[int, str, datetime]]:
    """``(class_id, learner's user name, last activity)`` of every personal sandbox idle for
    ``idle_days`` or more, oldest first."""
    cutoff = (now or utcnow()) - timedelta(days=idle_days)
    rooms = session.execute(
        select(Classroom.id, Classroom.created_at, User.id, User.username)
        .join(User, User.id == Classroom.owner_id).where(Classroom.kind == PERSONAL)
    ).all()
    personal = select(Classroom.id).where(Classroom.kind == PERSONAL)
    owners = select(Classroom.owner_id).where(Classroom.kind == PERSONAL)
    # two grouped reads for every sandbox at once: its class's latest event, its learner's latest
    by_class = dict(session.execute(select(Event.class_id, func.max(Event.at))
                                    .where(Event.class_id.in_(personal)).group_by(Event.class_id)).all())
    by_actor = dict(session.execute(select(Event.actor_id, func.max(Event.at))
                                    .where(Event.actor_id.in_(owners)).group_by(Event.actor_id)).all())
    out = [(class_id, username, max(d for d in (by_class.get(class_id), by_actor.get(owner_id), created) if d))
           for class_id, created, owner_id, username in rooms]
    return sorted((item for item in out if item[2] <= cutoff), key=lambda item: item[2])


def _delete_sandbox(session: Session, class_id: int) -> int:
    room = session.get(Classroom, class_id)
    if room is None or room.kind != PERSONAL:
        return 0
    owner_id = room.owner_id

    def only_here(user_id: int) -> bool:
        return not session.scalar(
            select(func.count()).select_from(Membership)
            .where(Membership.user_id == user_id, Membership.class_id != class_id)
        )

    bots = [uid for uid in session.scalars(
        select(Membership.user_id).where(Membership.class_id == class_id, Membership.role == BOT)) if only_here(uid)]
    users = [*bots, owner_id] if only_here(owner_id) else bots
    deleted = 0

    def run(statement) -> None:  # type: ignore[no-untyped-def]
        nonlocal deleted
        deleted += session.execute(statement.execution_options(synchronize_session=False)).rowcount or 0

    deleted += sum(delete_world(session, class_id).values())
    for table in reversed(Base.metadata.sorted_tables):  # the rest of the class: memberships, events …
        if "class_id" in table.c:
            run(delete(table).where(table.c.class_id == class_id))
    run(delete(Event).where(Event.actor_id.in_([*bots, owner_id])))
    run(delete(LoginSession).where(LoginSession.user_id.in_(users)))
    run(delete(Classroom).where(Classroom.id == class_id))
    run(delete(User).where(User.id.in_(users)))
    session.expire_all()
    return deleted


def prune_sandboxes(uow: UnitOfWork, *, idle_days: int, dry_run: bool = False,
                    now: datetime | None = None) -> list[Pruned]:
    """Remove every personal sandbox idle for ``idle_days`` or more (see the module docstring);
    with ``dry_run`` only list them. Raises ValueError for a negative ``idle_days``."""
    if idle_days < 0:
        raise ValueError("idle_days must be 0 or more")
    with uow.read() as s:
        idle = idle_sandboxes(s, idle_days, now)
    if dry_run:
        return [Pruned(c, u, at, 0) for c, u, at in idle]
    out = []
    cutoff = (now or utcnow()) - timedelta(days=idle_days)
    for class_id, username, at in idle:
        with uow.write() as s:
            room = s.get(Classroom, class_id)
            # still there and idle? (the learner may have come back since the list was read)
            if room is None or _last_active(s, class_id, room.owner_id, room.created_at) > cutoff:
                continue
            out.append(Pruned(class_id, username, at, _delete_sandbox(s, class_id)))
    return out
