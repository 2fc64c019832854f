"""Tables of the teaching workflow (issue 7).

Invariants:
- Everything is scoped by class (tenant) except the scenario pack library, which every
  instructor of the server shares (a pack is content, like the shipped ``scenarios/*.yaml``).
- A scenario pack's ``content`` is the exact uploaded text, stored only after it validated; a
  class uses a pack once an instructor loads it (``class_packs``); a later load of a pack that
  holds the same task code wins for that code.
- A student is in at most one team per class (``team_members`` unique on class and user).
- Grade snapshots are append-only: a regrade stores a new one and compares it with the last.
- Hints viewed, score adjustments and interventions are events (``hint.viewed``,
  ``grade.adjusted``, ``instructor.*``), not rows here: the event log is the audit trail.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, Boolean, CheckConstraint, Float, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.db import Base, UTCDateTime, utcnow


class ScenarioPack(Base):
    """An uploaded scenario file (tasks or a chain) that passed validation."""

    __tablename__ = "scenario_packs"
    __table_args__ = (CheckConstraint("kind IN ('tasks', 'chain')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    file_name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(8))
    content: Mapped[str] = mapped_column(Text)
    sha256: Mapped[str] = mapped_column(String(64), unique=True)
    task_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    uploaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class ClassPack(Base):
    """A pack loaded into a class: its tasks replace the shipped tasks of the same codes there."""

    __tablename__ = "class_packs"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    pack_id: Mapped[int] = mapped_column(ForeignKey("scenario_packs.id", ondelete="CASCADE"))
    loaded_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    loaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Team(Base):
    """A team (小组) of 2–5 students inside a class."""

    __tablename__ = "teams"
    __table_args__ = (UniqueConstraint("class_id", "name"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(50))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class TeamMember(Base):
    """A student's place in a team and the part (buyer, supplier, logistics …) they play."""

    __tablename__ = "team_members"
    __table_args__ = (UniqueConstraint("class_id", "user_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    team_id: Mapped[int] = mapped_column(ForeignKey("teams.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    part: Mapped[str | None] = mapped_column(String(32))


class Assignment(Base):
    """Tasks or a whole chain for a class, with who plays each part, dates and scoring rules.

    ``parties`` maps each part of a chain (or ``"self"`` for a task list) to ``student`` (every
    student plays it), ``team`` (the team member given that part) or ``bot``.
    Late work: ``late_counts`` false scores a task done after ``due_at`` as 0; true deducts
    ``late_penalty_pct`` per cent. A viewed hint costs ``hint_cost`` points (0: hints are free).
    """

    __tablename__ = "assignments"
    __table_args__ = (
        CheckConstraint("kind IN ('tasks', 'chain')", name="kind"),
        CheckConstraint("late_penalty_pct BETWEEN 0 AND 100", name="late_penalty_range"),
        CheckConstraint("hint_cost >= 0", name="hint_cost_positive"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    title: Mapped[str] = mapped_column(String(100))
    kind: Mapped[str] = mapped_column(String(8))
    chain_id: Mapped[str | None] = mapped_column(String(8))
    task_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    parties: Mapped[dict[str, str]] = mapped_column(JSON, default=dict)
    opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    late_counts: Mapped[bool] = mapped_column(Boolean, default=True)
    late_penalty_pct: Mapped[int] = mapped_column(Integer, default=0)
    hint_cost: Mapped[float] = mapped_column(Float, default=0.0)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class GradeSnapshot(Base):
    """Every student's score per task at one moment (taken by a regrade or before a reset)."""

    __tablename__ = "grade_snapshots"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    taken_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    taken_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    reason: Mapped[str] = mapped_column(String(200), default="")
    # {"<user_id>": {"<task code>": points}}
    scores: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
