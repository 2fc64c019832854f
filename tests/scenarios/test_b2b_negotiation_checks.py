"""The check kinds of B2B007 and B2B022–B2B029, graded after driving the services: each passes for
the student who did the step with their own member, never for the counterparty or a classmate;
an agreement keeps its credit when new content resets the form; a contract whose text changed
after signing fails both signature checks."""

from __future__ import annotations

import json

import pytest

import sandbox.b2b.negotiation_checks  # noqa: F401  (registers the check kinds)
from sandbox.b2b import contracts, inquiries, negotiation
from sandbox.b2b.models import Contract
from sandbox.b2b.negotiation_checks import TASK_CHECKS
from sandbox.pki import crypto
from sandbox.scenarios.checks import REGISTRY
from tests import factories
from tests.b2b_setup import trader
from tests.integration.test_b2b_negotiation import TERMS, Deal, inquiry_of
from tests.scenarios.helpers import grade_kind

CODES = ("B2B007", "B2B022", "B2B023", "B2B024", "B2B025", "B2B026", "B2B027", "B2B028", "B2B029")


def grade(room, code: str, students: list[int]) -> set[int]:
    """The students of ``students`` who pass task ``code``."""
    kind, params = TASK_CHECKS[code]
    result = grade_kind(room["uow"], room["room"].id, students, kind, params)
    return {uid for uid, outcome in result.items() if outcome.passed}


@pytest.fixture
def deal(room):
    """Ann buys, Bob supplies; Cat is a classmate with a buyer and a supplier member of her own."""
    uow = room["uow"]
    cat = factories.student(uow, room["room"], "cat", "Cat Zhao")
    trader(uow, room["room"], "cat", "buyer", actor=cat)
    trader(uow, room["room"], "cat", "supplier", actor=cat)
    room["cat"] = cat
    return Deal(room["room"], room["teacher"], trader(uow, room["room"], "ann", "buyer", actor=room["ann"]),
                trader(uow, room["room"], "bob", "supplier", actor=room["bob"]))


def test_every_task_has_a_registered_kind():
    assert sorted(TASK_CHECKS) == sorted(CODES)
    for code, (kind, params) in TASK_CHECKS.items():
        assert kind in REGISTRY and set(params) <= REGISTRY[kind][1], code


def test_each_step_credits_only_the_student_who_did_it(room, deal):
    uow = room["uow"]
    ann, bob, cat = room["ann"].user_id, room["bob"].user_id, room["cat"].user_id
    everyone = [ann, bob, cat]
    buy, sup = deal.buyer, deal.supplier
    assert all(grade(room, code, everyone) == set() for code in CODES)

    inq = inquiry_of(uow, deal)
    assert grade(room, "B2B007", everyone) == {ann}
    prices = {ln.id: "9.90" for ln in inq.lines}
    inquiries.quote(uow, sup.actor, sup.token, inq.id, prices=prices)
    assert grade(room, "B2B022", everyone) == {bob}
    form = negotiation.open_negotiation(uow, buy.actor, buy.token, inq.id)
    assert grade(room, "B2B023", everyone) == {ann}
    assert grade(room, "B2B007", everyone) == {ann}  # the inquiry moved on: still counts ("or later")

    negotiation.submit_entry(uow, sup.actor, sup.token, form.id, message="请提出条款 Your terms?")
    assert grade(room, "B2B024", everyone) == set()  # a message is not the contract terms
    negotiation.submit_entry(uow, buy.actor, buy.token, form.id, message="月底交货 Deliver by month end")
    assert grade(room, "B2B025", everyone) == {ann}
    negotiation.submit_entry(uow, sup.actor, sup.token, form.id, **TERMS)
    assert grade(room, "B2B024", everyone) == {bob}

    negotiation.agree(uow, sup.actor, sup.token, form.id)
    assert grade(room, "B2B026", everyone) == {bob} and grade(room, "B2B027", everyone) == set()
    negotiation.submit_entry(uow, buy.actor, buy.token, form.id, message="再确认 One more look")  # resets the form
    assert grade(room, "B2B026", everyone) == {bob}  # the recorded agreement keeps its credit
    negotiation.agree(uow, buy.actor, buy.token, form.id)
    view = negotiation.agree(uow, sup.actor, sup.token, form.id)
    assert view.state == "both_agreed" and view.contract_id is not None
    assert grade(room, "B2B027", everyone) == {ann}

    cid = view.contract_id
    assert grade(room, "B2B028", everyone) == set() and grade(room, "B2B029", everyone) == set()
    contracts.sign(uow, buy.actor, buy.token, cid, certificate_id=buy.certificate_id)
    assert grade(room, "B2B028", everyone) == {ann} and grade(room, "B2B029", everyone) == set()
    contracts.sign(uow, sup.actor, sup.token, cid, certificate_id=sup.certificate_id)
    assert grade(room, "B2B029", everyone) == {bob}
    assert {code for code in CODES if grade(room, code, [ann])} == {"B2B007", "B2B023", "B2B025", "B2B027", "B2B028"}
    assert {code for code in CODES if grade(room, code, [bob])} == {"B2B022", "B2B024", "B2B026", "B2B029"}

    with uow.write() as s:  # the stored text changes after both signed
        row = s.get(Contract, cid)
        assert row is not None
        doc = json.loads(row.document)
        doc["total_fen"] = 1
        row.document = crypto.canonical_json(doc).decode("utf-8")
    assert grade(room, "B2B028", everyone) == set() and grade(room, "B2B029", everyone) == set()
    assert grade(room, "B2B026", everyone) == {bob} and grade(room, "B2B027", everyone) == {ann}


def test_a_student_playing_both_sides_earns_each_side_with_its_own_member(room):
    uow = room["uow"]
    ann, bob = room["ann"], room["bob"]
    deal = Deal(room["room"], room["teacher"], trader(uow, room["room"], "ann", "buyer", actor=ann),
                trader(uow, room["room"], "ann", "supplier", actor=ann))
    inq = inquiry_of(uow, deal, lines=1)
    inquiries.quote(uow, ann, deal.supplier.token, inq.id, prices={inq.lines[0].id: "5"})
    form = negotiation.open_negotiation(uow, ann, deal.buyer.token, inq.id)
    negotiation.submit_entry(uow, ann, deal.buyer.token, form.id, **TERMS)  # the buyer wrote the terms
    assert grade(room, "B2B025", [ann.user_id, bob.user_id]) == {ann.user_id}
    assert grade(room, "B2B024", [ann.user_id, bob.user_id]) == set()  # no supplier entry yet
    negotiation.submit_entry(uow, ann, deal.supplier.token, form.id, **TERMS)
    assert grade(room, "B2B024", [ann.user_id, bob.user_id]) == {ann.user_id}
    assert all(grade(room, code, [bob.user_id]) == set() for code in CODES)
