"""A copied answer fails: student B types in student A's values and B's check fails while A's passes.

Each student's world comes from (class seed, student): A's certificate number and download password,
A's B2B member name and A's generated catalogue are A's alone. Grading credits only what a student's
own persona did with its own data.
"""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox.b2b import members
from sandbox.b2b.models import Product
from sandbox.bots import BotWorld
from sandbox.bots import b2b as b2b_bots
from sandbox.bots import ca as ca_bots
from sandbox.ca import services as ca
from sandbox.errors import DomainError
from sandbox.scenarios.grading import Grader
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from seed.world import student_world
from tests import factories


@pytest.fixture(scope="module")
def tasks():
    return load_directory()


@pytest.fixture
def pair(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher, seed=2026)
    a = factories.student(uow, room, "ann", "Ann Li")
    b = factories.student(uow, room, "bob", "Bob Wang")
    return room, (a, BotWorld(uow, room.id, a)), (b, BotWorld(uow, room.id, b))


def passed(uow, room, tasks, code: str, *students) -> dict[str, bool]:
    with uow.read() as s:
        grader = Grader(s, room.id, [x.user_id for x in students])
        return {x.username: grader.task(tasks.tasks[code], x.user_id).passed for x in students}


def test_a_classmates_certificate_number_and_download_password_do_not_verify(uow, tasks, pair):
    room, (a, world_a), (b, world_b) = pair
    run_golden(world_a, tasks, "CA001", set())
    run_golden(world_b, tasks, "CA001", set())
    held_a = ca_bots.held_by(world_a, a)

    with pytest.raises(DomainError) as copied:  # Bob types Ann's number and password
        ca.verify_download(uow, b, number=held_a.number, password=held_a.password)
    assert copied.value.code == "ca.not_yours"
    assert passed(uow, room, tasks, "CA002", a, b) == {"ann": False, "bob": False}

    ca.verify_download(uow, a, number=held_a.number, password=held_a.password)  # the same values, Ann's own
    assert passed(uow, room, tasks, "CA002", a, b) == {"ann": True, "bob": False}


def test_a_classmates_b2b_member_name_and_catalogue_are_not_ones_own(uow, tasks, pair):
    room, (a, world_a), (b, world_b) = pair
    run_golden(world_a, tasks, "B2B001", set())
    run_golden(world_b, tasks, "B2B001", set())
    supplier_a = b2b_bots.ensure_member(world_a, b2b_bots.SUPPLIER)
    supplier_b = b2b_bots.ensure_member(world_b, b2b_bots.SUPPLIER)

    # each supplier's catalogue is its owner's generated world, so the two differ
    with uow.read() as s:
        def skus(member_id: int) -> set[str]:
            return set(s.scalars(select(Product.sku).where(Product.supplier_id == member_id, Product.seeded)))
        sku_a, sku_b = skus(supplier_a.id), skus(supplier_b.id)
    assert sku_a == {p.sku for p in student_world(2026, a.user_id).products}
    assert sku_b == {p.sku for p in student_world(2026, b.user_id).products}
    assert not sku_a & sku_b

    # Bob logs in to the supplier workspace with Ann's member name and password, holding his own certificate
    b2b_bots.install(world_b, supplier_b)
    challenge = members.login_challenge(uow, b)
    with pytest.raises(DomainError) as copied:
        members.login(uow, b, member_type=b2b_bots.SUPPLIER, login_name=supplier_a.login_name,
                      password=b2b_bots.PASSWORD, challenge_id=challenge.id, certificate_id=supplier_b.certificate_id)
    assert copied.value.code == "b2b.wrong_login"
    assert passed(uow, room, tasks, "B2B004", a, b) == {"ann": False, "bob": False}

    b2b_bots.session(world_a, b2b_bots.SUPPLIER, fresh=True)  # Ann with her own name, password and certificate
    assert passed(uow, room, tasks, "B2B004", a, b) == {"ann": True, "bob": False}
