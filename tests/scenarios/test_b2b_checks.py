"""Golden and wrong runs of the 25 B2B tasks against their check kinds; credit only for the
student's own actions (not a classmate's, a bot's, another class's, nor forged event rows); the
readiness needs of ``b2b.world_ready``; grading independent of who else is graded."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox import bots, ledger
from sandbox.b2b import contracts, inquiries, members, negotiation, orders
from sandbox.b2b import models as m
from sandbox.b2b.checks import TASK_CHECKS as TRADE_CHECKS
from sandbox.b2b.models import BUYER, SUPPLIER, Contract, Order
from sandbox.b2b.negotiation_checks import TASK_CHECKS as NEGOTIATION_CHECKS
from sandbox.b2b.readiness import NEEDS
from sandbox.b2b.warehouse_checks import TASK_CHECKS as WAREHOUSE_CHECKS
from sandbox.bots import BotWorld, b2b_partners, new_request_id
from sandbox.bots import b2b as b2b_bots
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.logistics import delivery
from sandbox.scenarios.checks import REGISTRY, Outcome
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.model import catalog_by_code
from tests import factories
from tests.scenarios import helpers
from tests.scenarios.helpers import grade_kind, world_for

bots.load_all()
TASKS = load_directory()
TASK_CHECKS = {**TRADE_CHECKS, **NEGOTIATION_CHECKS, **WAREHOUSE_CHECKS}
CODES = sorted(TASK_CHECKS)
BUYER_TASKS = {"B2B003", "B2B005", "B2B006", "B2B007", "B2B009", "B2B017", "B2B023", "B2B025", "B2B027", "B2B028",
               "B2B032"}



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


def ready(uow, class_id: int, student: int, need: str) -> bool:
    return student in grade_kind(uow, class_id, [student], "b2b.world_ready", {"need": need})


def run_all(world: BotWorld) -> None:
    done: set[str] = set()
    for code in CODES:
        for step in [*requires_closure(code), code]:
            if step not in done:
                bots.GOLDEN[step](world)
                done.add(step)


def test_every_b2b_task_has_an_entry_a_check_and_runs():
    codes = sorted(c.code for c in catalog_by_code().values() if c.module == "B2B")
    assert codes == CODES and len(codes) == 25
    for code in codes:
        kind, params = TASK_CHECKS[code]
        assert kind in REGISTRY and set(params) <= REGISTRY[kind][1]
        assert code in bots.GOLDEN and code in bots.WRONG
        spec = TASKS.tasks[code]
        assert [(c.kind, c.params) for c in spec.checks] == [(kind, params)]
        assert spec.page == ("b2b_buyer" if code in BUYER_TASKS or spec.role == "visitor" else "b2b_supplier")
        assert "TODO" not in spec.hint_zh + spec.hint_en
        assert ("B2B 采购商" in spec.hint_zh) or ("B2B 供应商" in spec.hint_zh)
        assert ("B2B 采购商 / buyer" in spec.hint_en) or ("B2B 供应商 / supplier" in spec.hint_en)
        if spec.ready is not None:
            assert spec.ready.kind == "b2b.world_ready" and spec.ready.params["need"] in NEEDS


@pytest.mark.parametrize("closure", sorted(CLOSURES))
@pytest.mark.parametrize("code", CODES)
def test_golden_run_passes(room, code, closure, db_url):
    if closure == "catalog" and db_url.startswith("postgresql"):
        pytest.skip("the catalog closure is the same SQL as the scenario closure: proven on SQLite (suite time)")
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    world = world_for(room)
    for step in CLOSURES[closure](code):
        bots.GOLDEN[step](world)
    bots.GOLDEN[code](world)
    result = grade(uow, room["room"].id, [ann.user_id, bob.user_id], code)
    assert result[ann.user_id].passed, result
    assert bob.user_id not in result  # the run credited only the student it played


@pytest.mark.parametrize("code", CODES)
def test_wrong_run_fails(room, code, db_url):
    if db_url.startswith("postgresql"):
        pytest.skip("a wrong run fails the same check SQL its golden run passes on PostgreSQL: SQLite (suite time)")
    uow, ann = room["uow"], room["ann"]
    world = world_for(room)
    for step in requires_closure(code):
        bots.GOLDEN[step](world)
    bots.WRONG[code](world)
    assert not passed(uow, room["room"].id, ann.user_id, code)


def test_all_goldens_in_a_row_pass_every_check_and_the_books_balance(room):
    uow, ann = room["uow"], room["ann"]
    run_all(world_for(room))
    assert passing(uow, room["room"].id, ann.user_id) == set(CODES)
    with uow.read() as s:
        assert ledger.queries.unbalanced_entries(s) == [] and ledger.queries.drifted_accounts(s) == []
        signed = s.scalar(select(Contract.id).where(Contract.state == m.SIGNED_BY_BOTH))
        assert signed is not None and contracts.verify_contract(s, signed)["verified"]


def test_a_classmates_bots_and_another_class_earn_the_student_nothing(room):
    """Bob does every task — part of it trading with Ann's companies — and the bots react to
    everything; Cid does it all in another class. Ann, who only registered, earns B2B001."""
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    ann_world = world_for(room)
    bots.GOLDEN["B2B001"](ann_world)
    bob_world = world_for(room, "bob")
    run_all(bob_world)
    ann_supplier = members_of(uow, ann)[SUPPLIER]
    bob_buyer = b2b_bots.session(bob_world, BUYER)
    order_id = b2b_bots.order_from(bob_world, bob_buyer, ann_supplier)  # an order to Ann's supplier ...
    inquiry_id = b2b_bots.ask(bob_world, bob_buyer, ann_supplier)  # ... and an inquiry
    b2b_partners.react(uow, class_id)
    other = factories.classroom(uow, room["teacher"], name="Other", seed=3)
    cid = factories.student(uow, other, "cid", "Cid")
    run_all(BotWorld(uow=uow, class_id=other.id, student=cid))
    students = [ann.user_id, bob.user_id, cid.user_id]
    results = {code: grade(uow, class_id, students, code) for code in CODES}
    assert {c for c, out in results.items() if ann.user_id in out} == {"B2B001"}
    assert {c for c, out in results.items() if bob.user_id in out} == set(CODES)
    assert all(cid.user_id not in out for out in results.values())
    with uow.read() as s:
        assert s.scalar(select(Order.state).where(Order.id == order_id)) == m.CREATED  # only Ann may accept it
        assert s.scalar(select(m.Inquiry.state).where(m.Inquiry.id == inquiry_id)) == m.INQUIRY


def members_of(uow, actor) -> dict[str, int]:
    with uow.read() as s:
        return {x.member_type: x.id for x in members.my_members(s, actor)}


def test_forged_events_about_someone_elses_documents_earn_nothing(room):
    """Event rows that name Ann as actor but point at Bob's documents and members (as a forged
    or buggy log would) credit nobody; Bob keeps his own credit."""
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    bots.GOLDEN["B2B001"](world_for(room))
    run_all(world_for(room, "bob"))
    bob_members = members_of(uow, bob)
    with uow.read() as s:
        order = s.scalar(select(Order.id).where(Order.supplier_id == bob_members[SUPPLIER]))
        contract = s.scalar(select(Contract.id).where(Contract.supplier_id == bob_members[SUPPLIER]))
        form = s.scalar(select(m.Negotiation.id).where(m.Negotiation.supplier_id == bob_members[SUPPLIER]))
    assert order is not None and contract is not None and form is not None
    forged = [
        ("b2b.order_accepted", str(order), "B2B008", {"from_state": m.CREATED, "to_state": m.ACCEPTED}),
        ("b2b.order_confirmed", str(order), "B2B009", {}),
        ("b2b.contract_signed", str(contract), "B2B029", {"side": SUPPLIER}),
        ("b2b.contract_signed", str(contract), "B2B028", {"side": BUYER}),
        ("b2b.negotiation_agreed", str(form), "B2B026", {"side": SUPPLIER, "to_state": m.ONE_AGREED}),
        ("b2b.query", "receivables", "B2B030", {"screen": "receivables", "member_id": bob_members[SUPPLIER],
                                               "returned_ids": [order]}),
        ("b2b.query", "payables", "B2B032", {"screen": "payables", "member_id": bob_members[BUYER],
                                            "returned_ids": [order]}),
    ]
    with uow.write() as s:
        for kind, subject, task, data in forged:
            s.add(Event(at=utcnow(), actor_id=ann.user_id, class_id=class_id, kind=kind, subject=subject,
                        task_code=task, data=data))
    assert passing(uow, class_id, ann.user_id) == {"B2B001"}
    assert passing(uow, class_id, bob.user_id) == set(CODES)


def test_grading_a_student_does_not_depend_on_who_else_is_graded(room):
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    world = world_for(room)
    for code in ("B2B001", "B2B003", "B2B005", "B2B006", "B2B008", "B2B009", "B2B022"):
        bots.GOLDEN[code](world)
    bots.GOLDEN["B2B001"](world_for(room, "bob"))
    for code in CODES:
        alone = grade(uow, class_id, [ann.user_id], code)
        together = grade(uow, class_id, [ann.user_id, bob.user_id], code)
        assert alone.get(ann.user_id) == together.get(ann.user_id), code


# ----------------------------------------------------------------------------- readiness


def test_readiness_needs_follow_the_world_whoever_acts(room):
    """Each need turns true when the world is ready, whoever made it so (Bob, a bot, Ann's other
    company), and the actionable ones turn false again once Ann acted."""
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    world = world_for(room)
    bots.GOLDEN["B2B001"](world)
    assert not any(ready(uow, class_id, ann.user_id, need) for need in NEEDS)
    supplier = b2b_bots.session(world, SUPPLIER)
    buyer = b2b_bots.session(world, BUYER)
    bots_ = b2b_partners.ensure_partners(uow, class_id)

    # an order to Ann's supplier, made by Bob
    bob_world = world_for(room, "bob")
    bob_buyer = b2b_bots.session(bob_world, BUYER)
    order_id = b2b_bots.order_from(bob_world, bob_buyer, supplier.member_id)
    assert ready(uow, class_id, ann.user_id, "order_for_supplier")
    assert not ready(uow, class_id, ann.user_id, "confirmed_order_for_supplier")

    # Ann's buyer orders from the bot supplier, which accepts
    mine = b2b_bots.order_from(world, buyer, bots_.supplier_member_id)
    assert not ready(uow, class_id, ann.user_id, "accepted_order_for_buyer")
    b2b_partners.react(uow, class_id)
    assert ready(uow, class_id, ann.user_id, "accepted_order_for_buyer")
    with uow.read() as s:
        assert s.scalar(select(Order.state).where(Order.id == mine)) == m.ACCEPTED

    # Bob's order confirmed: a receivable; a delivery order needs a provider that approved Ann too
    orders.accept(uow, ann, supplier.token, order_id, request_id=new_request_id())
    orders.confirm(uow, bob, bob_buyer.token, order_id, request_id=new_request_id())
    assert ready(uow, class_id, ann.user_id, "confirmed_order_for_supplier")
    assert not ready(uow, class_id, ann.user_id, "confirmed_order_and_provider")
    assert not ready(uow, class_id, ann.user_id, "provider_with_warehouse")
    b2b_bots.approved(world, supplier)
    assert ready(uow, class_id, ann.user_id, "confirmed_order_and_provider")
    assert ready(uow, class_id, ann.user_id, "provider_with_warehouse")

    # stock: shipped is not enough, received is
    bots.GOLDEN["B2B011"](world)
    assert not ready(uow, class_id, ann.user_id, "stock_in_warehouse")
    b2b_partners.react(uow, class_id)
    assert ready(uow, class_id, ann.user_id, "stock_in_warehouse")

    # a delivery fee once the provider accepts Ann's delivery order
    b2b_bots.delivery_ordered(world, supplier)
    assert not ready(uow, class_id, ann.user_id, "fee_for_supplier")
    b2b_bots.delivery_fee(world, supplier)
    assert ready(uow, class_id, ann.user_id, "fee_for_supplier")

    # inquiries: the bot buyer asks Ann's supplier; Ann's buyer asks the bot supplier, which quotes
    b2b_partners.invite_buyer(uow, ann, supplier.token, what="inquiry")
    assert ready(uow, class_id, ann.user_id, "inquiry_for_supplier")
    b2b_bots.ask(world, buyer, bots_.supplier_member_id)
    assert not ready(uow, class_id, ann.user_id, "quoted_inquiry_for_buyer")
    b2b_partners.react(uow, class_id)
    assert ready(uow, class_id, ann.user_id, "quoted_inquiry_for_buyer")

    # Ann's supplier quotes: the bot buyer opens a negotiation form; Ann agrees, the bot agrees: a contract
    with uow.read() as s:
        asked = inquiries.inquiries_for(s, ann, supplier.token, state=m.INQUIRY)
    b2b_bots.quote(world, supplier, asked[0])
    assert not ready(uow, class_id, ann.user_id, "negotiation_for_supplier")
    b2b_partners.react(uow, class_id)
    assert ready(uow, class_id, ann.user_id, "negotiation_for_supplier")
    form = b2b_bots.form_of_supplier(world, supplier)
    assert not ready(uow, class_id, ann.user_id, "contract_for_supplier")
    # something to agree to: complete terms on the form, by either side
    assert ready(uow, class_id, ann.user_id, "terms_for_supplier") == (form.terms is not None)
    b2b_bots.write_terms(world, supplier, form.id)
    assert ready(uow, class_id, ann.user_id, "terms_for_supplier")
    b2b_bots.agree(world, supplier, form.id)
    b2b_partners.react(uow, class_id)
    assert ready(uow, class_id, ann.user_id, "contract_for_supplier")
    assert not ready(uow, class_id, ann.user_id, "negotiation_for_supplier")
    assert not ready(uow, class_id, ann.user_id, "terms_for_supplier")  # 双方同意: nothing left to agree to
    b2b_bots.sign(world, supplier, b2b_bots.contract_for(world, supplier))
    assert not ready(uow, class_id, ann.user_id, "contract_for_supplier")

    # Ann's buyer negotiates with the bot supplier to a contract
    assert not ready(uow, class_id, ann.user_id, "contract_for_buyer")
    form_id = b2b_bots.open_form(world, buyer)
    assert ready(uow, class_id, ann.user_id, "terms_for_buyer")  # the bot supplier wrote its terms
    negotiation.agree(uow, ann, buyer.token, form_id, version=b2b_bots._form(world, buyer, form_id).version,
                      request_id=new_request_id())
    assert ready(uow, class_id, ann.user_id, "contract_for_buyer")

    # Bob (a buyer only) is ready for what his own world holds, not for Ann's
    assert {need for need in NEEDS if ready(uow, class_id, bob.user_id, need)} == {"accepted_order_for_buyer"}


def test_an_unknown_need_is_a_clear_error_and_entries_name_known_needs(room):
    uow, ann = room["uow"], room["ann"]
    with pytest.raises(ValueError, match=r"unknown b2b\.world_ready need"):
        grade_kind(uow, room["room"].id, [ann.user_id], "b2b.world_ready", {"need": "moon_phase"})
    wanted = {code: TASKS.tasks[code].ready for code in CODES if TASKS.tasks[code].ready is not None}
    assert {code: spec.params["need"] for code, spec in wanted.items()} == {
        "B2B008": "order_for_supplier", "B2B009": "accepted_order_for_buyer",
        "B2B010": "confirmed_order_and_provider", "B2B011": "provider_with_warehouse",
        "B2B013": "stock_in_warehouse", "B2B022": "inquiry_for_supplier", "B2B023": "quoted_inquiry_for_buyer",
        "B2B024": "negotiation_for_supplier", "B2B026": "terms_for_supplier", "B2B027": "terms_for_buyer",
        "B2B028": "contract_for_buyer", "B2B029": "contract_for_supplier",
        "B2B030": "confirmed_order_for_supplier", "B2B031": "fee_for_supplier",
    }
    assert set(NEEDS) == {spec.params["need"] for spec in wanted.values()}


def test_the_delivery_fee_needs_the_goods_in_the_warehouse(room):
    """The bot provider cannot accept a delivery order whose goods are not in its warehouse
    (lgs.no_stock_warehouse): react skips it without raising, and accepts once they arrive."""
    uow, ann = room["uow"], room["ann"]
    class_id = room["room"].id
    world = world_for(room)
    bots.GOLDEN["B2B001"](world)
    supplier = b2b_bots.session(world, SUPPLIER)
    bots_, order_id = b2b_bots.delivery_ordered(world, supplier)
    done = b2b_partners.react(uow, class_id)
    assert not any(x.startswith("delivery_accepted:") for x in done)
    with uow.read() as s:
        detail = orders.order_detail(s, ann, supplier.token, order_id)
    assert detail.delivery is not None and detail.delivery.state == "awaiting_acceptance"
    with pytest.raises(DomainError) as refused:
        delivery.accept_delivery_order(uow, bots_.provider, detail.delivery.id)
    assert refused.value.code == "lgs.no_stock_warehouse"
    needs = {line.product_id: line.quantity for line in detail.order.lines}
    b2b_partners.stock_up(uow, ann, supplier.token, bots_, needs)
    assert any(x.startswith("delivery_accepted:") for x in b2b_partners.react(uow, class_id))
    assert ready(uow, class_id, ann.user_id, "fee_for_supplier")
