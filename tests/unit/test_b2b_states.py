"""The B2B and logistics transition tables equal the catalog's state machines (vendored into
scenarios/catalog-machines.json by tools/vendor_catalog.py), plus exactly our listed additions;
the move rules; and the LGS020 hook that marks an order delivered."""

from __future__ import annotations

import json
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sandbox.b2b import models as m
from sandbox.b2b import orders
from sandbox.b2b import states as b2b_states
from sandbox.b2b.models import Member, Order
from sandbox.config import PROJECT_ROOT
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.logistics import states as lgs_states
from tests import factories

MACHINES_FILE = PROJECT_ROOT / "scenarios" / "catalog-machines.json"
#: catalog states that are not a document yet (our documents start after them): the catalog's
#: ``None -> cart`` is dropped and ``cart -> X`` becomes ``None -> X``
PRE_DOCUMENT = {"b2b_order": "cart"}

Triple = tuple[str | None, str, str]


def catalog_machines() -> dict[str, dict]:
    data = json.loads(MACHINES_FILE.read_text(encoding="utf-8"))
    return {machine["id"]: machine for machine in data["machines"]}


def split(table: dict[tuple[str | None, str], str]) -> set[Triple]:
    return {(a, b, task) for (a, b), tasks in table.items() for task in tasks.split("|")}


def catalog_triples(machine_id: str) -> set[Triple]:
    pre = PRE_DOCUMENT.get(machine_id)
    out: set[Triple] = set()
    for move in catalog_machines()[machine_id]["transitions"]:
        a, b = move["from"], move["to"]
        if pre is not None and b == pre:
            continue
        if pre is not None and a == pre:
            a = None
        out |= {(a, b, task) for task in move["task"].split("|")}
    return out


def extra_triples(machine_id: str, table: dict[tuple[str | None, str], str]) -> set[Triple]:
    return {(a, b, task) for (a, b) in b2b_states.EXTRA.get(machine_id, set()) for task in table[(a, b)].split("|")}


TABLES = [(f"b2b:{k}", k, v) for k, v in b2b_states.MACHINES.items()] + [
    (f"lgs:{k}", k, v) for k, v in lgs_states.MACHINES.items()
]


def test_the_vendored_machines_are_there():
    found = catalog_machines()
    assert {"b2b_order", "b2b_order_settlement", "delivery_order", "outbound_order"} <= set(found)
    assert all(machine["transitions"] for machine in found.values())


@pytest.mark.parametrize(("name", "machine_id", "table"), TABLES, ids=[t[0] for t in TABLES])
def test_each_table_is_the_catalog_machine_plus_our_listed_additions(name, machine_id, table):
    ours = split(table)
    catalog = catalog_triples(machine_id)
    extra = extra_triples(machine_id, table)
    assert ours - extra == catalog, (name, sorted(ours - extra - catalog, key=str), sorted(catalog - ours, key=str))
    assert not (extra & catalog)  # an "addition" that the catalog has is no addition


@pytest.mark.parametrize(("name", "machine_id", "table"), TABLES, ids=[t[0] for t in TABLES])
def test_every_state_of_a_table_is_a_catalog_state_or_an_addition(name, machine_id, table):
    known = {s["id"] for s in catalog_machines()[machine_id]["states"]}
    added = {s for pair in b2b_states.EXTRA.get(machine_id, set()) for s in pair if s is not None}
    used = {s for pair in table for s in pair if s is not None}
    assert used <= known | added


def test_the_b2b_status_words_are_the_catalogs():
    for machine_id in b2b_states.MACHINES:
        for state in catalog_machines()[machine_id]["states"]:
            if state["id"] != PRE_DOCUMENT.get(machine_id):
                assert b2b_states.LABELS_ZH[state["id"]] == state["zh"], (machine_id, state["id"])


def test_the_comparison_notices_a_missing_or_an_invented_move():
    broken = dict(b2b_states.ORDER)
    del broken[(m.ACCEPTED, m.CONFIRMED)]
    assert split(broken) - extra_triples("b2b_order", b2b_states.ORDER) != catalog_triples("b2b_order")
    invented = {**b2b_states.ORDER, (m.CREATED, m.CONFIRMED): "B2B009"}
    assert split(invented) - extra_triples("b2b_order", b2b_states.ORDER) != catalog_triples("b2b_order")


def test_move_rules_split_alternative_tasks():
    assert b2b_states.allowed(b2b_states.NEGOTIATION, m.NONE_AGREED, m.ONE_AGREED, "B2B026")
    assert b2b_states.allowed(b2b_states.NEGOTIATION, m.NONE_AGREED, m.ONE_AGREED, "B2B027")
    assert not b2b_states.allowed(b2b_states.ORDER, m.CREATED, m.CONFIRMED, "B2B009")
    assert not b2b_states.allowed(b2b_states.ORDER, m.CREATED, m.ACCEPTED, "B2B009")  # the buyer cannot accept
    with pytest.raises(DomainError) as info:
        b2b_states.check(b2b_states.ORDER, m.CREATED, m.CONFIRMED, "B2B009")
    assert info.value.code == "b2b.bad_transition" and info.value.params["from_state"] == "已生成订货单 created"


# ----------------------------------------------------------------------------- the LGS020 hook


@pytest.fixture
def shipped_order(uow):
    """An order in delivery_ordered between two members of one class (rows made directly)."""
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann")
    bob = factories.student(uow, room, "bob")
    with uow.write() as s:
        members = []
        for who, kind in ((ann, m.BUYER), (bob, m.SUPPLIER)):
            row = Member(class_id=room.id, owner_id=who.user_id, member_type=kind, login_name=f"{who.username}-{kind}",
                         login_name_key=f"{who.username}-{kind}", password_hash="x", company_name=f"{who.username} Co",
                         contact_name="Li", phone="010-1234567", address="Road 1", status=m.APPROVED)
            s.add(row)
            members.append(row)
        s.flush()
        order = Order(class_id=room.id, number="PO-TEST-1", buyer_id=members[0].id, supplier_id=members[1].id,
                      state=m.DELIVERY_ORDERED, payment_method="online", delivery_date=date.today() + timedelta(days=3),
                      total_fen=12_300, settlement_state=m.OPEN, created_at=utcnow())
        s.add(order)
        s.flush()
        return order.id, room.id, bob.user_id


def test_on_delivered_moves_the_order_and_records_it(uow, shipped_order):
    order_id, class_id, carrier_id = shipped_order
    with uow.write() as s:
        orders.on_delivered(s, order_id, carrier_id)
    with uow.read() as s:
        order = s.get(Order, order_id)
        assert order.state == m.DELIVERED and order.delivered_at is not None
        assert order.settlement_state == m.OPEN  # settlement is its own line
        (ev,) = s.scalars(select(Event).where(Event.kind == "b2b.order_delivered")).all()
        assert (ev.task_code, ev.actor_id, ev.class_id, ev.subject) == ("LGS020", carrier_id, class_id, str(order_id))
        assert (ev.data["from_state"], ev.data["to_state"]) == (m.DELIVERY_ORDERED, m.DELIVERED)


def test_on_delivered_refuses_an_order_not_delivery_ordered_and_changes_nothing(uow, shipped_order):
    order_id, _class_id, carrier_id = shipped_order
    with uow.write() as s:
        orders.on_delivered(s, order_id, carrier_id)
    with pytest.raises(DomainError) as info, uow.write() as s:
        orders.on_delivered(s, order_id, carrier_id)  # delivered twice
    assert info.value.code == "b2b.bad_transition"
    with pytest.raises(DomainError) as info, uow.write() as s:
        orders.on_delivered(s, order_id + 999, carrier_id)
    assert info.value.code == "b2b.no_such_order"
    with uow.read() as s:
        assert len(s.scalars(select(Event).where(Event.kind == "b2b.order_delivered")).all()) == 1
