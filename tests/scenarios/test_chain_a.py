"""Chain A end to end (issue 6): one student per part with bots in the other two parts; three
students and no bots, with the documents connected across the parts; a bot's part never credits
the student; a refused step names its code and part."""

from __future__ import annotations

import pytest

from sandbox.actor import BOT
from sandbox.b2b import accounts, orders
from sandbox.b2b import models as m
from sandbox.b2b.models import BUYER, SUPPLIER
from sandbox.bots import BotWorld
from sandbox.bots import b2b as b2b_bots
from sandbox.bots import logistics as lgs_bots
from sandbox.chains import ChainStepFailed, chain_results, load_chains, parse_chain, play_chain
from sandbox.ebank import services as bank
from sandbox.ebank.models import CORPORATE
from sandbox.errors import DomainError
from sandbox.logistics import reports
from sandbox.scenarios.grading import grade
from sandbox.scenarios.loader import load_directory
from tests import factories

TASKS = load_directory()
CHAIN = load_chains()["A"]
DEPOSIT_FEN = 100_000_00  # what each company deposits at EBANK004 (sandbox.chains.chain_a.DEPOSIT)


@pytest.mark.parametrize("part", CHAIN.part_ids)
def test_one_student_with_bots_in_the_other_parts_passes_every_code_of_their_part(room, part, db_url):
    if part != "buyer" and db_url.startswith("postgresql"):
        pytest.skip("the same services and check SQL as the buyer's run on PostgreSQL: SQLite (suite time)")
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    seen: list[tuple[str, str]] = []
    run = play_chain(uow, room["room"].id, "A", {part: ann}, on_step=lambda code, p: seen.append((code, p)))

    assert seen == [(s.code, s.part) for s in CHAIN.steps] and run.complete
    assert run.bots == frozenset(CHAIN.part_ids) - {part}
    assert all(run.parties[p].role == BOT for p in run.bots) and run.parties[part] == ann
    assert run.done_by(part) == run.task_codes == CHAIN.codes_of(part)
    with uow.read() as s:
        results = chain_results(s, room["room"].id, run, TASKS)
        codes = sorted({st.code for st in CHAIN.steps})
        everyone = grade(s, room["room"].id, [ann.user_id, bob.user_id], [TASKS.tasks[c] for c in codes])
    assert list(results) == [ann.user_id]
    assert results[ann.user_id] == dict.fromkeys(CHAIN.codes_of(part), True)
    # the bots' parts credit nobody: not the student (for codes only other parts did), not a classmate
    theirs = {c for p in run.bots for c in CHAIN.codes_of(p)} - set(CHAIN.codes_of(part))
    assert theirs and [c for c in theirs if everyone[ann.user_id][c].passed] == []
    assert [c for c in codes if everyone[bob.user_id][c].passed] == []


def test_three_students_play_chain_a_on_connected_documents(room, db_url):
    if db_url.startswith("postgresql"):
        pytest.skip("the buyer run above covers PostgreSQL; three students add no new SQL (suite time)")
    uow, class_id = room["uow"], room["room"].id
    ann, bob = room["ann"], room["bob"]
    cat = factories.student(uow, room["room"], "cat", "Cat Zhou")
    run = play_chain(uow, class_id, "A", {"buyer": ann, "supplier": bob, "logistics": cat})

    assert run.bots == frozenset() and run.complete
    with uow.read() as s:
        results = chain_results(s, class_id, run, TASKS)
    assert results == {
        ann.user_id: dict.fromkeys(CHAIN.codes_of("buyer"), True),
        bob.user_id: dict.fromkeys(CHAIN.codes_of("supplier"), True),
        cat.user_id: dict.fromkeys(CHAIN.codes_of("logistics"), True),
    }
    assert sum(len(row) for row in results.values()) == CHAIN.task_runs == 49

    docs = run.documents
    buyer = b2b_bots.session(BotWorld(uow=uow, class_id=class_id, student=ann), BUYER)
    supplier = b2b_bots.session(BotWorld(uow=uow, class_id=class_id, student=bob), SUPPLIER)
    with uow.read() as s:
        provider_id = lgs_bots.provider_id(BotWorld(uow=uow, class_id=class_id, student=cat))
        # the buyer's order went to the supplier student, was delivered (送货完成) by the logistics student
        detail = orders.order_detail(s, ann, buyer.token, docs["order_id"])
        assert (detail.order.buyer_id, detail.order.supplier_id) == (buyer.member_id, supplier.member_id)
        assert detail.order.state == m.DELIVERED and detail.order.settlement_state == m.SETTLED
        assert detail.delivery is not None and detail.delivery.id == docs["delivery_order_id"]
        assert detail.delivery.provider_id == provider_id == docs["provider_id"]
        # the goods shipped in (B2B011) are the goods ordered, in at least that quantity
        ordered = {line.product_id: line.quantity for line in detail.order.lines}
        assert set(ordered) == set(docs["goods"]) and all(docs["goods"][p] >= q for p, q in ordered.items())
        # the delivery fee is that provider's receivable from that supplier, and the supplier's payable
        owed = [r for r in reports.receivables_summary(s, cat) if r.supplier_id == supplier.member_id]
        assert len(owed) == 1 and owed[0].open_fen + owed[0].paid_fen == docs["fee_fen"] > 0
        payable = accounts.logistics_payables_summary(s, bob, supplier.token)
        assert [p.partner_id for p in payable] == [provider_id]
        # the buyer's payment left the buyer's account and landed in the supplier's
        paid = {a.account_number: a.balance_fen for a in bank.my_accounts(s, ann) if a.kind == CORPORATE}
        got = {a.account_number: a.balance_fen for a in bank.my_accounts(s, bob) if a.kind == CORPORATE}
    total = docs["order_total_fen"]
    assert total > 0 and detail.order.total_fen == total
    assert paid == {docs["buyer_account"]: DEPOSIT_FEN - total}
    assert got == {docs["supplier_account"]: DEPOSIT_FEN + total}


CHAIN_FILE = """
id: A
title_zh: 物流商注册
title_en: Logistics registration
description_zh: 只有一步。
description_en: One step.
parts:
- {id: logistics, label_zh: 物流商, label_en: Logistics, role_zh: 注册。, role_en: Registers.}
steps:
- {code: LGS001, part: logistics}
"""


def test_a_refused_step_names_its_code_and_part(room, db_url):
    if db_url.startswith("postgresql"):
        pytest.skip("no SQL of its own (suite time)")
    uow, ann = room["uow"], room["ann"]
    lgs_bots.register(BotWorld(uow=uow, class_id=room["room"].id, student=ann))  # Ann registered one already
    short = {"A": parse_chain(CHAIN_FILE, "short.yaml")}
    with pytest.raises(ChainStepFailed) as failed:
        play_chain(uow, room["room"].id, "A", {"logistics": ann}, chains=short)
    err = failed.value
    assert (err.task, err.part, err.index, err.code) == ("LGS001", "logistics", 1, "lgs.already_registered")
    assert err.run is not None and err.run.steps == []
    assert "step 1 LGS001 (logistics)" in str(err)
    for chain_id, parties, code in (("Z", {"buyer": ann}, "chain.unknown_chain"),
                                    ("A", {"carrier": ann}, "chain.unknown_part")):
        with pytest.raises(DomainError) as refused:
            play_chain(uow, room["room"].id, chain_id, parties)
        assert refused.value.code == code
