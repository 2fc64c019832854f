"""B2B001 registration and B2B003/B2B004 login on a real database."""

from __future__ import annotations

from sqlalchemy import select

from sandbox.b2b import members
from sandbox.b2b.access import member_of
from sandbox.b2b.models import Product
from tests import factories
from tests.b2b_setup import PASSWORD, login, register, trader
from tests.integration.helpers import changes_nothing, events_of, fetch, refused


def test_supplier_registers_gets_certificate_and_seeded_catalogue(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = trader(uow, room, "ann", "supplier")
    products = fetch(uow, select(Product).where(Product.supplier_id == ann.member_id))
    assert len(products) == 6 and all(p.price_fen > 0 and p.available > 0 for p in products)
    (ev,) = events_of(uow, "b2b.member_registered")
    assert ev.task_code == "B2B001" and ev.data["certificate_number"] == ann.certificate_number
    (ok,) = events_of(uow, "b2b.login_succeeded")
    assert ok.task_code == "B2B004" and ok.actor_id == ann.actor.user_id
    with uow.read() as s:
        assert member_of(s, ann.actor, ann.token, "supplier").id == ann.member_id


def test_two_students_get_different_catalogues(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    a = trader(uow, room, "ann", "supplier")
    b = trader(uow, room, "bob", "supplier")
    pa = {(p.sku, p.price_fen) for p in fetch(uow, select(Product).where(Product.supplier_id == a.member_id))}
    pb = {(p.sku, p.price_fen) for p in fetch(uow, select(Product).where(Product.supplier_id == b.member_id))}
    assert pa and pb and pa != pb


def test_bad_registrations_change_nothing(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann")
    register(uow, ann, "buyer", "ann-buy")
    with changes_nothing(uow), refused("b2b.login_name_taken", field="b2b.login_name"):
        register(uow, ann, "supplier", "ANN-BUY")
    with changes_nothing(uow), refused("b2b.already_registered"):
        register(uow, ann, "buyer", "ann-buy2")
    with changes_nothing(uow), refused("b2b.bad_member_type"):
        register(uow, ann, "admin", "ann-x")
    with changes_nothing(uow), refused("b2b.bad_phone"):
        register(uow, ann, "supplier", "ann-sup", phone="call me")
    with changes_nothing(uow), refused("input.password_mismatch"):
        register(uow, ann, "supplier", "ann-sup", password_confirm="other-pass-1")


def test_login_needs_password_certificate_and_type(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = trader(uow, room, "ann", "buyer")
    bob = trader(uow, room, "bob", "buyer")
    ch = members.login_challenge(uow, ann.actor)
    with refused("b2b.wrong_login"):
        members.login(uow, ann.actor, member_type="buyer", login_name=ann.login_name, password="nope-nope-1",
                      challenge_id=ch.id, certificate_id=ann.certificate_id)
    with refused("b2b.wrong_member_type"):
        members.login(uow, ann.actor, member_type="supplier", login_name=ann.login_name, password=PASSWORD,
                      challenge_id=ch.id, certificate_id=ann.certificate_id)
    with refused("b2b.wrong_login"):  # another student's member name
        members.login(uow, ann.actor, member_type="buyer", login_name=bob.login_name, password=PASSWORD,
                      challenge_id=ch.id, certificate_id=ann.certificate_id)
    with refused("pki.not_installed"):  # someone else's certificate
        members.login(uow, ann.actor, member_type="buyer", login_name=ann.login_name, password=PASSWORD,
                      challenge_id=ch.id, certificate_id=bob.certificate_id)
    assert login(uow, ann.actor, "buyer", ann.login_name, ann.certificate_id)
    with uow.read() as s, refused("b2b.login_required"):
        member_of(s, bob.actor, ann.token)


def test_failed_logins_are_throttled(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = trader(uow, room, "ann", "buyer")
    for _ in range(members.MAX_FAILURES):
        ch = members.login_challenge(uow, ann.actor)
        with refused("b2b.wrong_login"):
            members.login(uow, ann.actor, member_type="buyer", login_name=ann.login_name, password="wrong-pass-1",
                          challenge_id=ch.id, certificate_id=ann.certificate_id)
    ch = members.login_challenge(uow, ann.actor)
    with refused("b2b.login_throttled"):
        members.login(uow, ann.actor, member_type="buyer", login_name=ann.login_name, password=PASSWORD,
                      challenge_id=ch.id, certificate_id=ann.certificate_id)
