"""Users, classes, memberships and login sessions.

Invariants:
- ``users.username_key`` (NFKC + casefold of the user name) is unique: "Ann", "ann" and
  full-width "ＡＮＮ" are one name.
- A class (tenant) is owned by the instructor who made it; instructors and students reach a
  class only through a membership row.
- ``classes.enrollment_code`` is unique across all classes.
- Login sessions store only a SHA-256 of the browser token; a revoked or expired one is dead.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sandbox.db import Base, UTCDateTime, utcnow


class User(Base):
    __tablename__ = "users"
    __table_args__ = (CheckConstraint("role IN ('instructor', 'student', 'bot')", name="role"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    username: Mapped[str] = mapped_column(String(64))
    username_key: Mapped[str] = mapped_column(String(64), unique=True)
    full_name: Mapped[str] = mapped_column(String(100))
    role: Mapped[str] = mapped_column(String(16))
    password_hash: Mapped[str] = mapped_column(String(255))
    must_change_password: Mapped[bool] = mapped_column(Boolean, default=False)
    language: Mapped[str | None] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="user")


class Classroom(Base):
    """A class (班级): the tenant every piece of world data belongs to."""

    __tablename__ = "classes"
    __table_args__ = (CheckConstraint("kind IN ('class', 'personal', 'archive')", name="kind"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    name: Mapped[str] = mapped_column(String(100))
    language: Mapped[str] = mapped_column(String(8))
    seed: Mapped[int] = mapped_column(Integer)
    enrollment_code: Mapped[str] = mapped_column(String(16), unique=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id"))
    # "class": an instructor's class; "personal": a self-learner's own sandbox (owner = the learner);
    # "archive": an imported class archive, to look back at (a login lands there only if nothing else)
    kind: Mapped[str] = mapped_column(String(16), default="class", server_default="class")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    memberships: Mapped[list[Membership]] = relationship(back_populates="classroom")


class Membership(Base):
    """A user's place in a class: as instructor or as student (with an optional student number)."""

    __tablename__ = "memberships"
    __table_args__ = (
        UniqueConstraint("class_id", "user_id"),
        UniqueConstraint("class_id", "student_number"),
        CheckConstraint("role IN ('instructor', 'student', 'bot')", name="role"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(16))
    student_number: Mapped[str | None] = mapped_column(String(32))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user: Mapped[User] = relationship(back_populates="memberships")
    classroom: Mapped[Classroom] = relationship(back_populates="memberships")


class LoginSession(Base):
    """A browser's login, found again after a refresh by the hash of its cookie token."""

    __tablename__ = "login_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
