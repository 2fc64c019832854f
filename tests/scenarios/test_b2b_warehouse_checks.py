"""Golden and wrong runs of B2B011, B2B013, B2B014 and B2B015 against their check kinds: credit
for the student's own supplier actions only (not the provider's, a classmate's, a forged event
or a draft), and credit that later tasks do not take away."""

from __future__ import annotations

import pytest

import sandbox.b2b.warehouse_checks  # noqa: F401  (registers the check kinds)
from sandbox import events
from sandbox.b2b import shipping, transfers
from sandbox.b2b.warehouse_checks import TASK_CHECKS
from sandbox.logistics import inbound
from sandbox.logistics import transfers as lgs_transfers
from sandbox.scenarios.checks import REGISTRY
from tests.b2b_setup import trader
from tests.integration.test_logistics_services import World, approve, products, ship, world
from tests.scenarios.helpers import grade_kind


def passed(w: World, code: str, students: list[int]) -> set[int]:
    kind, params = TASK_CHECKS[code]
    return {uid for uid, out in grade_kind(w.uow, w.room.id, students, kind, params).items() if out.passed}


def test_the_kinds_are_registered_with_their_parameters():
    assert {k for k, _ in TASK_CHECKS.values()} <= set(REGISTRY)
    assert REGISTRY["b2b.transfer_query"][1] == frozenset({"screen"})
    assert sorted(TASK_CHECKS) == ["B2B011", "B2B013", "B2B014", "B2B015"]


def test_golden_run_credits_the_supplier_student_only(uow):
    w = world(uow)
    ann, pat = w.supplier.actor.user_id, w.carrier.user_id
    everyone = [ann, pat]
    for code in TASK_CHECKS:
        assert passed(w, code, everyone) == set(), code
    p1, p2 = products(uow, w.supplier.member_id)[:2]
    shipped = ship(w, {p1: 10, p2: 4})
    assert passed(w, "B2B011", everyone) == {ann}  # inbound still pending (未入库)
    inbound.receive(uow, w.carrier, shipped.inbound_order_id)
    out = grade_kind(uow, w.room.id, everyone, "b2b.shipment_confirmed")
    assert set(out) == {ann} and out[ann].evidence["inbound_state"] == "received"
    assert out[ann].evidence["shipment_id"] == shipped.id
    made = transfers.create_transfer(uow, w.supplier.actor, w.supplier.token, from_warehouse_id=w.wh1.id,
                                     to_warehouse_id=w.wh2.id, lines={p1: 6})
    assert passed(w, "B2B013", everyone) == {ann}
    assert passed(w, "B2B014", everyone) == set() and passed(w, "B2B015", everyone) == set()
    transfers.view_transfer(uow, w.supplier.actor, w.supplier.token, made.id)
    assert passed(w, "B2B014", everyone) == {ann} and passed(w, "B2B015", everyone) == set()
    transfers.search_transfers(uow, w.supplier.actor, w.supplier.token, state="confirmed")  # finds nothing yet
    assert passed(w, "B2B015", everyone) == set()
    transfers.search_transfers(uow, w.supplier.actor, w.supplier.token, number=made.number)
    out = grade_kind(uow, w.room.id, everyone, "b2b.transfer_query", {"screen": "transfer_search"})
    assert set(out) == {ann} and out[ann].evidence["transfer_id"] == made.id
    lgs_transfers.confirm_transfer(uow, w.carrier, made.id)  # LGS005 later: credit stays
    for code in TASK_CHECKS:
        assert passed(w, code, everyone) == {ann}, code
    assert passed(w, "B2B013", [pat]) == set()  # grading one student alone gives the same answer
    with pytest.raises(ValueError):
        grade_kind(uow, w.room.id, everyone, "b2b.transfer_query", {"screen": "contracts"})


def test_classmates_forged_events_and_drafts_earn_nothing(uow):
    w = world(uow)
    ann_uid = w.supplier.actor.user_id
    bob = trader(uow, w.room, "bob", "supplier")
    approve(uow, bob, w.carrier, w.provider.id)
    a1 = products(uow, w.supplier.member_id)[0]
    b1 = products(uow, bob.member_id)[0]
    # ann only drafts a shipment; bob ships, stocks and transfers
    shipping.new_shipment(uow, w.supplier.actor, w.supplier.token, lines={a1: 3})
    draft = shipping.new_shipment(uow, bob.actor, bob.token, lines={b1: 5})
    done = shipping.confirm_shipment(uow, bob.actor, bob.token, draft.id, provider_id=w.provider.id,
                                     warehouse_id=w.wh1.id)
    inbound.receive(uow, w.carrier, done.inbound_order_id)
    made = transfers.create_transfer(uow, bob.actor, bob.token, from_warehouse_id=w.wh1.id,
                                     to_warehouse_id=w.wh2.id, lines={b1: 2})
    students = [ann_uid, bob.actor.user_id]
    assert passed(w, "B2B011", students) == {bob.actor.user_id}
    assert passed(w, "B2B013", students) == {bob.actor.user_id}
    # ann forges query events returning bob's transfer: not her supplier's, so no credit
    with uow.write() as s:
        for screen, task in (("transfer_detail", "B2B014"), ("transfer_search", "B2B015")):
            events.record(s, "b2b.query", actor=w.supplier.actor, subject=screen, task_code=task, screen=screen,
                          member_id=w.supplier.member_id, filters={}, returned_ids=[made.id], returned_count=1)
    assert passed(w, "B2B014", students) == set() and passed(w, "B2B015", students) == set()
    # the provider (pat) confirming bob's transfer earns pat nothing here
    lgs_transfers.confirm_transfer(uow, w.carrier, made.id)
    assert passed(w, "B2B013", [w.carrier.user_id, ann_uid]) == set()
    # another class sees none of it
    assert grade_kind(uow, w.room.id + 1000, students, "b2b.transfer_created") == {}
