"""Test helpers that build people and classes through the real services."""

from __future__ import annotations

from sandbox.actor import Actor
from sandbox.identity import services
from sandbox.identity.models import Classroom
from sandbox.uow import UnitOfWork

PASSWORD = "correct-horse-1"


def instructor(uow: UnitOfWork, username: str = "teacher", full_name: str = "Wang Fang") -> Actor:
    """The first instructor (setup) or, once one exists, another added and activated one."""
    with uow.read() as s:
        exists = services.instructor_exists(s)
    if not exists:
        return services.setup_first_instructor(
            uow, username=username, full_name=full_name, password=PASSWORD, password_confirm=PASSWORD, language="en"
        )
    first = services.login(uow, username="teacher", password=PASSWORD).actor
    issued = services.add_instructor(uow, first, username=username, full_name=full_name)
    temp = services.login(uow, username=username, password=issued.password).actor
    return services.change_password(uow, temp, old=issued.password, new=PASSWORD, confirm=PASSWORD)


def classroom(uow: UnitOfWork, owner: Actor, name: str = "EC-2026 A", seed: int = 42) -> Classroom:
    return services.create_class(uow, owner, name=name, language="en", seed=seed)


def student(uow: UnitOfWork, room: Classroom, username: str, full_name: str = "", number: str = "") -> Actor:
    return services.register_student(
        uow,
        enrollment_code=room.enrollment_code,
        username=username,
        full_name=full_name or username.title(),
        password=PASSWORD,
        password_confirm=PASSWORD,
        student_number=number,
    )
