"""Golden and wrong runs of the 22 LGS tasks against their check kinds; a classmate's or a bot's
logistics actions earn nothing; the lgs.world_ready needs; the scenario file mirrors the checks."""

from __future__ import annotations

import pytest

from sandbox import bots
from sandbox.bots import logistics as lgs_bots
from sandbox.logistics.checks import NEEDS, TASK_CHECKS
from sandbox.scenarios.checks import Outcome
from sandbox.scenarios.loader import load_directory
from tests.scenarios.helpers import grade_kind, world_for

bots.load_all()
TASKS = load_directory()
CODES = sorted(TASK_CHECKS)



def grade(uow, class_id: int, students: list[int], code: str) -> dict[int, Outcome]:
    kind, params = TASK_CHECKS[code]
    return grade_kind(uow, class_id, students, kind, params)


def passed(uow, class_id: int, student: int, code: str) -> bool:
    found = grade(uow, class_id, [student], code).get(student)
    return bool(found and found.passed)


def run_closure(world, code: str) -> None:
    for step in TASKS.closure(code)[:-1]:
        bots.GOLDEN[step](world)


def test_scenario_entries_mirror_the_checks() -> None:
    lgs = {c: t for c, t in TASKS.tasks.items() if t.module == "LGS"}
    assert sorted(lgs) == CODES and len(CODES) == 22
    for code, task in lgs.items():
        kind, params = TASK_CHECKS[code]
        assert [(c.kind, c.params) for c in task.checks] == [(kind, params)]
        assert task.page == ("b2b_supplier" if code == "LGS021" else "logistics")
        if task.ready is not None:
            assert task.ready.params["need"] in NEEDS
    assert all(code in bots.GOLDEN and code in bots.WRONG for code in CODES)


@pytest.mark.parametrize("code", CODES)
def test_golden_passes_wrong_fails(room, code: str) -> None:
    uow, class_id = room["uow"], room["room"].id
    ann, bob = world_for(room, "ann"), world_for(room, "bob")
    run_closure(ann, code)
    bots.GOLDEN[code](ann)
    assert passed(uow, class_id, ann.student.user_id, code), code
    run_closure(bob, code)
    bots.WRONG[code](bob)
    assert not passed(uow, class_id, bob.student.user_id, code), code


@pytest.mark.parametrize("code", ["LGS002", "LGS003", "LGS022", "LGS014"])
def test_bot_provider_actions_earn_nothing(room, code: str) -> None:
    """The bot provider accepts, receives and approves in the class, and Ann does the task as
    her own provider: Bob (a provider too) earns nothing from either."""
    uow, class_id = room["uow"], room["room"].id
    ann, bob = world_for(room, "ann"), world_for(room, "bob")
    run_closure(ann, code)
    bots.GOLDEN[code](ann)
    lgs_bots.ensure_provider(bob)
    partners = bots.b2b_partners.ensure_partners(uow, class_id)
    assert partners.provider_id != lgs_bots.provider_id(bob)  # the bot provider did such work in this class
    results = grade(uow, class_id, [ann.student.user_id, bob.student.user_id], code)
    assert ann.student.user_id in results
    assert bob.student.user_id not in results


def test_world_ready_needs(room) -> None:
    uow, class_id = room["uow"], room["room"].id
    ann = world_for(room, "ann")
    uid = ann.student.user_id
    ready = {need: uid in grade_kind(uow, class_id, [uid], "lgs.world_ready", {"need": need}) for need in NEEDS}
    assert not any(ready.values())
    lgs_bots.delivery_order(ann)
    ready = {need: uid in grade_kind(uow, class_id, [uid], "lgs.world_ready", {"need": need}) for need in NEEDS}
    assert ready["delivery_order_for_provider"] and ready["inbound_for_provider"]
    assert ready["application_for_provider"]
    with pytest.raises(ValueError):
        grade_kind(uow, class_id, [uid], "lgs.world_ready", {"need": "nonsense"})
