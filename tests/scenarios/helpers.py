"""Shared by the module check tests: run one check kind for some students, and a class stage."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox.bots import BotWorld
from sandbox.scenarios.checks import REGISTRY, CheckContext, Outcome
from tests import factories


def grade_kind(uow, class_id: int, students: list[int], kind: str, params: dict[str, Any] | None = None) -> dict[int, Outcome]:
    """The outcomes of check ``kind`` for ``students`` (one read-only session, as the grader does)."""
    with uow.read() as s:
        fn, _allowed = REGISTRY[kind]
        return fn(CheckContext(session=s, class_id=class_id, students=students), dict(params or {}))


def kind_passed(uow, class_id: int, student: int, kind: str) -> bool:
    found = grade_kind(uow, class_id, [student], kind).get(student)
    return bool(found and found.passed)


def passing_kinds(uow, class_id: int, student: int, prefix: str) -> set[str]:
    """Every registered kind starting with ``prefix`` that the student passes."""
    return {kind for kind in REGISTRY if kind.startswith(prefix) and kind_passed(uow, class_id, student, kind)}


@pytest.fixture
def room(uow):
    """A class with an instructor and two students, Ann and Bob."""
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann", "Ann Li")
    bob = factories.student(uow, room, "bob", "Bob Wang")
    return {"uow": uow, "room": room, "ann": ann, "bob": bob, "teacher": teacher}


def world_for(room, who: str = "ann") -> BotWorld:
    return BotWorld(uow=room["uow"], class_id=room["room"].id, student=room[who])
