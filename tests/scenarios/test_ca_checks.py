"""Golden and wrong runs of CA001–CA003 against their check kinds, and credit isolation: only the
student's own CA actions count — not certificates from other routes, not a classmate's, a bot's
or the system's actions, not another class; a later revocation keeps the credit."""

from __future__ import annotations

import pytest

import sandbox.bots.ca  # registers the CA golden and wrong runs
import sandbox.ca.checks  # noqa: F401  (registers the CA check kinds)
from sandbox import bots
from sandbox.bots import BotWorld
from sandbox.bots.ca import held_by
from sandbox.ca import services
from sandbox.ca.checks import TASK_CHECKS
from sandbox.pki import crypto, sealing
from sandbox.pki import services as pki
from sandbox.pki.models import Certificate
from sandbox.scenarios.checks import REGISTRY
from tests import factories
from tests.scenarios.helpers import grade_kind as grade
from tests.scenarios.helpers import kind_passed as passed
from tests.scenarios.helpers import passing_kinds, world_for

#: ``requires`` closures (what the engine runs first) and the catalog's closures with the first
#: choice of each ``requires_one_of`` group (``catalog --closure CA003``: CA001, CA002, CA003).
MINIMAL = {"CA001": [], "CA002": [], "CA003": ["CA002"]}
CATALOG = {"CA001": [], "CA002": ["CA001"], "CA003": ["CA001", "CA002"]}
TASKS = sorted(TASK_CHECKS)


@pytest.fixture(autouse=True)
def master_key(monkeypatch):
    monkeypatch.setenv(sealing.ENV_KEY, "scenario-test-master-key-0123456789ab")
    monkeypatch.setattr(crypto, "ROOT_KEY_BITS", 2048)


def passing(uow, class_id: int, student: int) -> set[str]:
    return passing_kinds(uow, class_id, student, "ca.")


def test_every_ca_task_has_a_check_kind_and_runs():
    assert set(TASK_CHECKS) == {"CA001", "CA002", "CA003"}
    for code, kind in TASK_CHECKS.items():
        assert kind in REGISTRY
        assert code in bots.GOLDEN and code in bots.WRONG
    assert "ca.has_certificate" in REGISTRY


@pytest.mark.parametrize("closures", [MINIMAL, CATALOG], ids=["requires", "catalog"])
@pytest.mark.parametrize("code", TASKS)
def test_golden_run_passes(room, code, closures):
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    world = world_for(room)
    for step in closures[code]:
        bots.GOLDEN[step](world)
    bots.GOLDEN[code](world)
    result = grade(uow, room["room"].id, [ann.user_id, bob.user_id], TASK_CHECKS[code])
    assert result[ann.user_id].passed, result
    assert bob.user_id not in result


@pytest.mark.parametrize("closures", [MINIMAL, CATALOG], ids=["requires", "catalog"])
@pytest.mark.parametrize("code", TASKS)
def test_wrong_run_fails(room, code, closures):
    uow, ann = room["uow"], room["ann"]
    world = world_for(room)
    for step in closures[code]:
        bots.GOLDEN[step](world)
    bots.WRONG[code](world)
    assert not passed(uow, room["room"].id, ann.user_id, TASK_CHECKS[code])


def test_all_goldens_in_a_row_pass_every_check(room):
    world = world_for(room)
    for code in ("CA001", "CA002", "CA003"):
        bots.GOLDEN[code](world)
    assert passing(room["uow"], room["room"].id, room["ann"].user_id) == set(TASK_CHECKS.values()) | {
        "ca.has_certificate"
    }


def test_certificates_from_registrations_elsewhere_do_not_earn_ca001_but_serve_ca002(room):
    """EBANK001 / B2B001 issue certificates as a side effect: no CA001 credit, but the student
    can verify and download them (CA002, CA003), and CA002 is ready."""
    uow, ann, class_id = room["uow"], room["ann"], room["room"].id
    assert not passed(uow, class_id, ann.user_id, "ca.has_certificate")
    with uow.write() as s:
        issued = pki.issue_certificate(
            s, class_id=class_id, owner_id=ann.user_id, actor=ann, common_name="Ann Li", organization="Ann Trading",
            purpose="ebank", task_code="EBANK001",
        )
    assert passing(uow, class_id, ann.user_id) == {"ca.has_certificate"}
    services.verify_download(uow, ann, number=issued.number, password=issued.download_password)
    services.download(uow, ann, certificate_id=issued.certificate_id, password=issued.download_password)
    assert passing(uow, class_id, ann.user_id) == {"ca.has_certificate", "ca.download_verified", "ca.downloaded"}


def test_system_or_officer_actions_never_give_credit(room):
    """A certificate issued to Ann by the system (no actor) with the CA001 task code, verified
    and downloaded only in the database, earns nothing; neither does the officer's reset."""
    uow, ann, class_id = room["uow"], room["ann"], room["room"].id
    with uow.write() as s:
        issued = pki.issue_certificate(
            s, class_id=class_id, owner_id=ann.user_id, actor=None, common_name="Ann Li", organization="",
            purpose="ca", task_code="CA001",
        )
        row = s.get(Certificate, issued.certificate_id)
        row.state = "downloaded"  # a seeder moving the state without the student's events
    services.reset_download_password(uow, room["teacher"], class_id=class_id, certificate_id=issued.certificate_id)
    assert passing(uow, class_id, ann.user_id) == {"ca.has_certificate"}


def test_classmates_bots_and_other_classes_never_give_credit(room):
    uow, ann, bob, class_id = room["uow"], room["ann"], room["bob"], room["room"].id
    bobs_world = world_for(room, "bob")
    for code in ("CA001", "CA002", "CA003"):
        bots.GOLDEN[code](bobs_world)
    partner = world_for(room).partner("ca-partner")
    partner_world = BotWorld(uow=uow, class_id=class_id, student=partner)
    for code in ("CA001", "CA002", "CA003"):
        bots.GOLDEN[code](partner_world)
    other = factories.classroom(uow, room["teacher"], name="Other class", seed=9)
    cid = factories.student(uow, other, "cid", "Cid")
    cid_world = BotWorld(uow=uow, class_id=other.id, student=cid)
    for code in ("CA001", "CA002", "CA003"):
        bots.GOLDEN[code](cid_world)
    students = [ann.user_id, bob.user_id, cid.user_id, partner.user_id]
    results = {kind: grade(uow, class_id, students, kind) for kind in REGISTRY if kind.startswith("ca.")}
    assert all(ann.user_id not in out for out in results.values())
    assert all(cid.user_id not in out for out in results.values())  # graded in the wrong class
    assert all(bob.user_id in out for out in results.values())
    assert passing(uow, other.id, cid.user_id) == set(TASK_CHECKS.values()) | {"ca.has_certificate"}


def test_revocation_keeps_the_credit(room):
    uow, ann, class_id = room["uow"], room["ann"], room["room"].id
    world = world_for(room)
    for code in ("CA001", "CA002", "CA003"):
        bots.GOLDEN[code](world)
    held = held_by(world, ann)
    services.revoke(uow, room["teacher"], class_id=class_id, certificate_id=held.certificate_id, reason="superseded")
    assert set(TASK_CHECKS.values()) <= passing(uow, class_id, ann.user_id)


def test_grading_a_student_does_not_depend_on_who_else_is_graded(room):
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    for code in ("CA001", "CA002"):
        bots.GOLDEN[code](world_for(room))
    bots.GOLDEN["CA001"](world_for(room, "bob"))
    for kind in TASK_CHECKS.values():
        alone = grade(uow, room["room"].id, [ann.user_id], kind)
        together = grade(uow, room["room"].id, [ann.user_id, bob.user_id], kind)
        assert alone.get(ann.user_id) == together.get(ann.user_id)
