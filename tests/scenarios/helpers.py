"""Shared by the module check tests: run one check kind for some students, and a class stage."""

from __future__ import annotations

from typing import Any

import pytest

from sandbox import bots
from sandbox.bots import BotWorld
from sandbox.scenarios.checks import REGISTRY, CheckContext, Outcome
from sandbox.scenarios.model import TaskSet, catalog_index
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


def requires_closure(tasks: TaskSet, code: str) -> list[str]:
    """What the engine runs before ``code`` (its ``requires`` closure in the scenario files)."""
    bots.load_all()
    return [c for c in tasks.closure(code)[:-1] if c in bots.GOLDEN]


def catalog_closure(code: str) -> list[str]:
    """The catalog's closure with the first choice of each requires_one_of group (what
    ``catalog --closure`` lists), restricted to tasks the sandbox can run."""
    bots.load_all()
    raw = {t.code: t for t in catalog_index()}
    requires = _catalog_prerequisites()
    seen: list[str] = []

    def visit(c: str) -> None:
        if c in seen or c not in raw:
            return
        hard, groups = requires.get(c, ([], []))
        for r in hard:
            visit(r)
        for group in groups:
            visit(group[0])
        seen.append(c)

    visit(code)
    return [c for c in seen[:-1] if c in bots.GOLDEN]


def _catalog_prerequisites() -> dict[str, tuple[list[str], list[list[str]]]]:
    import json

    from sandbox.scenarios.model import SCENARIO_DIR

    data = json.loads((SCENARIO_DIR / "catalog-index.json").read_text(encoding="utf-8"))
    return {t["code"]: (t["requires"], t["requires_one_of"]) for t in data["tasks"]}


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
