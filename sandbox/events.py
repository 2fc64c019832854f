"""The append-only event log: every login and every change, with actor, class and time.

Invariants:
- Rows are only ever inserted (no service updates or deletes an event).
- A service writes its event in the same transaction as the change it records.
- ``request_id`` is unique: a mutating service called twice with the same id (a double click,
  a fast rerun) finds the first event and does nothing more.
- Grading reads this log; query tasks log what they returned (``data['returned_ids']``).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, String, select
from sqlalchemy.orm import Mapped, Session, mapped_column

from sandbox.actor import Actor
from sandbox.db import Base, UTCDateTime, utcnow


class Event(Base):
    __tablename__ = "events"
    __table_args__ = (
        Index("ix_events_kind_subject_at", "kind", "subject", "at"),
        # checks join "the <kind> event on this document, in this class" (b2b, logistics ...)
        Index("ix_events_class_kind_subject", "class_id", "kind", "subject"),
        Index("ix_events_class_at", "class_id", "at"),
        Index("ix_events_actor_at", "actor_id", "at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    class_id: Mapped[int | None] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    kind: Mapped[str] = mapped_column(String(64))
    subject: Mapped[str | None] = mapped_column(String(128))
    task_code: Mapped[str | None] = mapped_column(String(16))
    request_id: Mapped[str | None] = mapped_column(String(64), unique=True)
    data: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)


def record(
    session: Session,
    kind: str,
    *,
    actor: Actor | None = None,
    actor_id: int | None = None,
    class_id: int | None = None,
    subject: str | None = None,
    task_code: str | None = None,
    request_id: str | None = None,
    **data: Any,
) -> Event:
    """Append one event to the log in the caller's transaction."""
    row = Event(
        at=utcnow(),
        actor_id=actor.user_id if actor else actor_id,
        class_id=class_id if class_id is not None else (actor.class_id if actor else None),
        kind=kind,
        subject=subject,
        task_code=task_code,
        request_id=request_id,
        data=data,
    )
    session.add(row)
    session.flush()
    return row


def replayed(session: Session, request_id: str | None) -> Event | None:
    """The event an earlier call with this ``request_id`` wrote, if any (idempotency)."""
    if not request_id:
        return None
    return session.scalar(select(Event).where(Event.request_id == request_id))
