"""Golden and wrong runs of the 18 EBANK tasks against their check kinds; credit only for the
student's own actions (not a classmate's, a bot's, another class's, nor seeded rows); readiness
checks; grading independent of who else is graded."""

from __future__ import annotations

import pytest
from sqlalchemy import insert, select

import sandbox.ebank.checks  # noqa: F401  (registers the EBANK check kinds)
from sandbox import bots, ledger
from sandbox.bots import BotWorld
from sandbox.bots import ebank as bank_bots
from sandbox.db import utcnow
from sandbox.ebank import inquiry, services
from sandbox.ebank.checks import TASK_CHECKS
from sandbox.ebank.models import PERSONAL, BankAccount
from sandbox.events import Event
from sandbox.scenarios.checks import REGISTRY, Outcome
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.model import catalog_by_code
from tests import factories
from tests.scenarios import helpers
from tests.scenarios.helpers import grade_kind, world_for

bots.load_all()
TASKS = load_directory()
CODES = sorted(TASK_CHECKS)



def requires_closure(code: str) -> list[str]:
    return helpers.requires_closure(TASKS, code)


CLOSURES = {"requires": requires_closure, "catalog": helpers.catalog_closure}


def grade(uow, class_id: int, students: list[int], code: str) -> dict[int, Outcome]:
    kind, params = TASK_CHECKS[code]
    return grade_kind(uow, class_id, students, kind, params)


def passed(uow, class_id: int, student: int, code: str) -> bool:
    found = grade(uow, class_id, [student], code).get(student)
    return bool(found and found.passed)


def passing(uow, class_id: int, student: int) -> set[str]:
    return {code for code in CODES if passed(uow, class_id, student, code)}


def test_every_ebank_task_has_an_entry_a_check_and_runs():
    codes = sorted(c.code for c in catalog_by_code().values() if c.module == "EBANK")
    assert codes == CODES and len(codes) == 18 and "EBANK003" not in codes
    for code in codes:
        kind, params = TASK_CHECKS[code]
        assert kind in REGISTRY and set(params) <= REGISTRY[kind][1]
        assert code in bots.GOLDEN and code in bots.WRONG
        spec = TASKS.tasks[code]
        assert [(c.kind, c.params) for c in spec.checks] == [(kind, params)]
        assert spec.page in ("ebank", "ebank_merchant")


@pytest.mark.parametrize("closure", sorted(CLOSURES))
@pytest.mark.parametrize("code", CODES)
def test_golden_run_passes(room, code, closure):
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    world = world_for(room)
    for step in CLOSURES[closure](code):
        bots.GOLDEN[step](world)
    bots.GOLDEN[code](world)
    result = grade(uow, room["room"].id, [ann.user_id, bob.user_id], code)
    assert result[ann.user_id].passed, result
    assert bob.user_id not in result  # the run credited only the student it played


@pytest.mark.parametrize("code", CODES)
def test_wrong_run_fails(room, code):
    uow, ann = room["uow"], room["ann"]
    world = world_for(room)
    for step in requires_closure(code):
        bots.GOLDEN[step](world)
    bots.WRONG[code](world)
    assert not passed(uow, room["room"].id, ann.user_id, code)


def test_all_goldens_in_a_row_pass_every_check(room):
    uow, ann = room["uow"], room["ann"]
    world = world_for(room)
    done: set[str] = set()
    for code in CODES:
        for step in [*requires_closure(code), code]:
            if step not in done:
                bots.GOLDEN[step](world)
                done.add(step)
    assert passing(uow, room["room"].id, ann.user_id) == set(CODES)
    with uow.read() as s:
        assert ledger.queries.unbalanced_entries(s) == [] and ledger.queries.drifted_accounts(s) == []


def test_a_classmates_bots_and_another_class_earn_the_student_nothing(room):
    """Bob, the bots and Cid (another class) do every task, many of them around Ann's accounts
    (paying her shop, transferring to her card); Ann, who only registered, earns the registrations."""
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    ann_world = world_for(room)
    for code in ("EBANK010", "EBANK016"):
        bots.GOLDEN[code](ann_world)
    bob_world = world_for(room, "bob")
    done: set[str] = set()
    for code in CODES:
        for step in [*requires_closure(code), code]:
            if step not in done:
                bots.GOLDEN[step](bob_world)
                done.add(step)
    ann_card = bank_bots.ensure_personal(ann_world, ann)
    services.transfer(uow, bob, kind=PERSONAL, to_account=ann_card, amount="1.00",
                      payment_password=bank_bots.PAY_PASSWORD)
    bank_bots._shopper_pays(ann_world, "5.00")  # a bot pays Ann's shop; Ann queries nothing
    other = factories.classroom(uow, room["teacher"], name="Other", seed=3)
    cid = factories.student(uow, other, "cid", "Cid")
    cid_world = BotWorld(uow=uow, class_id=other.id, student=cid)
    for code in ("EBANK010", "EBANK011", "EBANK013", "EBANK014"):
        bots.GOLDEN[code](cid_world)
    students = [ann.user_id, bob.user_id, cid.user_id]
    results = {code: grade(uow, class_id, students, code) for code in CODES}
    assert {c for c, out in results.items() if ann.user_id in out} == {"EBANK010", "EBANK016"}
    assert {c for c, out in results.items() if bob.user_id in out} == set(CODES)
    assert all(cid.user_id not in out for out in results.values())


def test_seeded_rows_without_the_students_own_events_earn_nothing(room):
    """Accounts, postings and query events written straight into the database (a seeder), or by
    someone else about Ann's account, never credit Ann."""
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    with uow.write() as s:
        book = ledger.open_account(s, class_id=class_id, owner_id=ann.user_id, name="seeded")
        s.add(BankAccount(class_id=class_id, owner_id=ann.user_id, kind=PERSONAL, account_number="6228881234567897",
                          ledger_account_id=book.id, holder_name="Ann", details={}, payment_password_hash="x",
                          pay_failures=0, login_failures=0, created_at=utcnow()))
        s.flush()
        account_id = s.scalar(select(BankAccount.id).where(BankAccount.ledger_account_id == book.id))
        posted = ledger.deposit(s, class_id=class_id, account_id=book.id, amount_fen=500)
        s.execute(insert(Event), [
            {"at": utcnow(), "actor_id": bob.user_id, "class_id": class_id, "kind": "ebank.query",
             "subject": "personal.balance", "task_code": "EBANK013", "request_id": None,
             "data": {"account_id": account_id, "returned_ids": [account_id]}},
            {"at": utcnow(), "actor_id": bob.user_id, "class_id": class_id, "kind": "ebank.deposit",
             "subject": str(posted.entry_id), "task_code": "EBANK011", "request_id": None, "data": {}},
            {"at": utcnow(), "actor_id": bob.user_id, "class_id": class_id, "kind": "ebank.personal_registered",
             "subject": "6228881234567897", "task_code": "EBANK010", "request_id": None, "data": {}},
        ])
    assert passing(uow, class_id, ann.user_id) == set()
    assert passing(uow, class_id, bob.user_id) == set()


def test_a_query_on_someone_elses_account_is_not_credited(room):
    """An ebank.query event of Ann's that names Bob's account (as a forged or buggy log would)."""
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    bank_bots.ensure_personal(world_for(room), ann)
    bob_card = bank_bots.ensure_personal(world_for(room, "bob"), bob)
    inquiry.balance(uow, bob, kind=PERSONAL)
    with uow.write() as s:
        bob_account = s.scalar(select(BankAccount.id).where(BankAccount.account_number == bob_card))
        s.add(Event(at=utcnow(), actor_id=ann.user_id, class_id=class_id, kind="ebank.query",
                    subject="personal.balance", task_code="EBANK013",
                    data={"account_id": bob_account, "returned_ids": [bob_account]}))
    assert not passed(uow, class_id, ann.user_id, "EBANK013")
    assert passed(uow, class_id, bob.user_id, "EBANK013")


def test_readiness_of_the_b2c_queries_follows_the_payments(room):
    uow, ann = room["uow"], room["ann"]
    class_id = room["room"].id
    world = world_for(room)
    payer, payee = {"side": "payer"}, {"side": "payee"}
    bank_bots.ensure_personal(world, ann)
    bank_bots.ensure_merchant(world, ann)
    assert ann.user_id not in grade_kind(uow, class_id, [ann.user_id], "ebank.has_b2c_payment", payer)
    bank_bots._student_shops(world, "other")  # not a B2C purchase
    assert ann.user_id not in grade_kind(uow, class_id, [ann.user_id], "ebank.has_b2c_payment", payer)
    bank_bots._student_shops(world, "b2c")
    assert ann.user_id in grade_kind(uow, class_id, [ann.user_id], "ebank.has_b2c_payment", payer)
    assert ann.user_id not in grade_kind(uow, class_id, [ann.user_id], "ebank.has_b2c_payment", payee)
    bank_bots._shopper_pays(world, "3.00")
    assert ann.user_id in grade_kind(uow, class_id, [ann.user_id], "ebank.has_b2c_payment", payee)
    assert ann.user_id in grade_kind(uow, class_id, [ann.user_id], "ebank.has_account", {"account": "merchant"})
    task = TASKS.tasks["EBANK018"]
    assert task.requires == ("EBANK016",) and task.requires_one_of == (("B2C028",),)
    assert task.ready is not None and task.ready.params == payee


def test_an_empty_e_payment_query_counts_only_while_there_are_none(room):
    uow, ann = room["uow"], room["ann"]
    class_id = room["room"].id
    world = world_for(room)
    token = bank_bots.corporate_session(world, ann)
    inquiry.epayments(uow, ann, kind="corporate", session_token=token)  # nothing to find yet: fine
    assert passed(uow, class_id, ann.user_id, "EBANK009")


def test_grading_a_student_does_not_depend_on_who_else_is_graded(room):
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    for code in ("EBANK010", "EBANK011", "EBANK012", "EBANK014"):
        bots.GOLDEN[code](world_for(room))
    bots.GOLDEN["EBANK010"](world_for(room, "bob"))
    for code in CODES:
        alone = grade(uow, class_id, [ann.user_id], code)
        together = grade(uow, class_id, [ann.user_id, bob.user_id], code)
        assert alone.get(ann.user_id) == together.get(ann.user_id), code
