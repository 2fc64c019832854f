"""Who is acting: the user behind every service call, with the class (tenant) they act in.

Invariant: services trust only the ``user_id``, ``role`` and ``class_id`` here, which come
from a verified login, never from a form.
"""

from __future__ import annotations

from dataclasses import dataclass

INSTRUCTOR = "instructor"
STUDENT = "student"
BOT = "bot"  # a scripted party (sandbox.bots) that plays a counterpart; it never logs in
ROLES = (INSTRUCTOR, STUDENT, BOT)


@dataclass(frozen=True)
class Actor:
    user_id: int
    username: str
    full_name: str
    role: str
    language: str
    class_id: int | None = None
    must_change_password: bool = False

    @property
    def is_instructor(self) -> bool:
        return self.role == INSTRUCTOR
