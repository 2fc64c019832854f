"""B2B007 inquiries from the cart, B2B022 quotes, B2B023 negotiation forms, B2B024/B2B025 entries and
B2B026/B2B027 agreement (both orders) up to the generated contract, on a real database."""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

import pytest
from sqlalchemy import select

from sandbox.b2b import inquiries, negotiation
from sandbox.b2b.models import CartLine, Contract, Inquiry, Negotiation, NegotiationEntry, Product
from sandbox.db import utcnow
from sandbox.identity.models import Classroom
from sandbox.pki import services as pki
from sandbox.uow import UnitOfWork
from tests import factories
from tests.b2b_setup import Trader, trader
from tests.integration.helpers import changes_nothing, events_of, fetch, refused

try:  # helper 1's cart service (B2B005); fall back to a plain row while it is not there
    from sandbox.b2b.cart import add_to_cart
except ImportError:  # pragma: no cover
    add_to_cart = None  # type: ignore[assignment]

TERMS = dict(
    quality="符合国家标准 GB/T 1234 一等品 First grade to GB/T 1234",
    inspection="到货后 7 日内抽检 10% Sample 10% within 7 days of arrival",
    delivery_place="北京市朝阳区仓库 Chaoyang warehouse, Beijing",
    payment_terms="货到后 30 日内电汇 Wire transfer within 30 days",
)


@dataclass
class Deal:
    room: Classroom
    teacher: Any
    buyer: Trader
    supplier: Trader


def setup_deal(uow: UnitOfWork) -> Deal:
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    return Deal(room, teacher, trader(uow, room, "ann", "buyer"), trader(uow, room, "sam", "supplier"))


def products_of(uow: UnitOfWork, supplier: Trader) -> list[Product]:
    return fetch(uow, select(Product).where(Product.supplier_id == supplier.member_id).order_by(Product.id))


def put(uow: UnitOfWork, buyer: Trader, product: Product, quantity: int) -> int:
    """A cart line of ``buyer`` (B2B005); returns its id."""
    if add_to_cart is not None:
        return add_to_cart(uow, buyer.actor, buyer.token, product_id=product.id, quantity=quantity).id
    with uow.write() as s:  # pragma: no cover
        line = CartLine(class_id=product.class_id, buyer_id=buyer.member_id, product_id=product.id, quantity=quantity,
                        added_at=utcnow())
        s.add(line)
        s.flush()
        return line.id


def inquiry_of(uow: UnitOfWork, deal: Deal, lines: int = 2) -> inquiries.InquiryView:
    goods = products_of(uow, deal.supplier)[:lines]
    ids = [put(uow, deal.buyer, p, 3 + n) for n, p in enumerate(goods)]
    (made,) = inquiries.create_inquiries(uow, deal.buyer.actor, deal.buyer.token, cart_line_ids=ids,
                                         note="请报最低价\nBest price please")
    return made


def quoted(uow: UnitOfWork, deal: Deal, lines: int = 2) -> inquiries.InquiryView:
    inq = inquiry_of(uow, deal, lines)
    prices = {ln.id: f"{ln.list_price_fen * 9 // 1000}.{ln.list_price_fen * 9 // 10 % 100:02d}" for ln in inq.lines}
    return inquiries.quote(uow, deal.supplier.actor, deal.supplier.token, inq.id, prices=prices, quote_note="9折 10% off")


def opened(uow: UnitOfWork, deal: Deal) -> negotiation.NegotiationView:
    inq = quoted(uow, deal)
    return negotiation.open_negotiation(uow, deal.buyer.actor, deal.buyer.token, inq.id)


def party(deal: Deal, side: str) -> Trader:
    return deal.buyer if side == "buyer" else deal.supplier


def agreed_contract(uow: UnitOfWork, deal: Deal, first: str = "supplier") -> int:
    """Inquiry → quote → form → terms by the supplier, a message by the buyer → both agree; the contract id."""
    form = opened(uow, deal)
    negotiation.submit_entry(uow, deal.supplier.actor, deal.supplier.token, form.id, **TERMS)
    negotiation.submit_entry(uow, deal.buyer.actor, deal.buyer.token, form.id, message="同意条款 Terms fine")
    second = "buyer" if first == "supplier" else "supplier"
    a, b = party(deal, first), party(deal, second)
    with uow.read() as s:
        shown = negotiation.negotiation_detail(s, a.actor, a.token, form.id).version
    view = negotiation.agree(uow, a.actor, a.token, form.id, version=shown)
    view = negotiation.agree(uow, b.actor, b.token, form.id, version=view.version)
    assert view.state == "both_agreed" and view.contract_id is not None
    return view.contract_id


# ----------------------------------------------------------------------------- B2B007


def test_inquiries_go_one_per_supplier_and_consume_the_cart(uow):
    deal = setup_deal(uow)
    other = trader(uow, deal.room, "tom", "supplier")
    mine, theirs = products_of(uow, deal.supplier)[:2], products_of(uow, other)[:1]
    ids = [put(uow, deal.buyer, p, 5) for p in mine + theirs]
    keep = put(uow, deal.buyer, products_of(uow, deal.supplier)[2], 1)  # not selected: stays in the cart
    made = inquiries.create_inquiries(uow, deal.buyer.actor, deal.buyer.token, cart_line_ids=ids,
                                      note=" 请报价。\n交货期两周。 ", request_id="iq-1")
    assert [v.supplier_id for v in made] == sorted([deal.supplier.member_id, other.member_id])
    by_supplier = {v.supplier_id: v for v in made}
    ours = by_supplier[deal.supplier.member_id]
    assert ours.state == "inquiry" and ours.note == "请报价。\n交货期两周。" and ours.quoted_total_fen is None
    assert [(ln.sku, ln.quantity, ln.list_price_fen) for ln in ours.lines] == [(p.sku, 5, p.price_fen) for p in mine]
    assert ours.list_total_fen == sum(5 * p.price_fen for p in mine)
    lines = {ln.id: ln for ln in fetch(uow, select(CartLine).where(CartLine.buyer_id == deal.buyer.member_id))}
    for view in made:
        for line_id in (i for i in ids if lines[i].product_id in {x.product_id for x in view.lines}):
            assert lines[line_id].consumed_by == f"inquiry:{view.id}" and lines[line_id].consumed_at is not None
    assert lines[keep].consumed_at is None
    evs = events_of(uow, "b2b.inquiry_created")
    assert [e.subject for e in evs] == [str(v.id) for v in made]
    assert all(e.task_code == "B2B007" and e.actor_id == deal.buyer.actor.user_id for e in evs)
    assert [e.data["to_state"] for e in evs] == ["inquiry", "inquiry"] and evs[0].request_id == "iq-1"
    assert evs[0].data["inquiry_ids"] == [v.id for v in made]
    with changes_nothing(uow):  # a double click returns the same inquiries
        again = inquiries.create_inquiries(uow, deal.buyer.actor, deal.buyer.token, cart_line_ids=ids,
                                           note="请报价。", request_id="iq-1")
    assert [v.id for v in again] == [v.id for v in made]


def test_bad_inquiries_change_nothing(uow):
    deal = setup_deal(uow)
    bob = trader(uow, deal.room, "bob", "buyer")
    goods = products_of(uow, deal.supplier)
    line = put(uow, deal.buyer, goods[0], 2)
    bobs = put(uow, bob, goods[1], 2)
    ann = deal.buyer
    cases: list[tuple[str, str | None, dict[str, Any]]] = [
        ("input.required", "b2b.inquiry_note", dict(cart_line_ids=[line], note="  ")),
        ("input.too_long", "b2b.inquiry_note", dict(cart_line_ids=[line], note="x" * 1001)),
        ("b2b.inquiry_no_lines", "b2b.inquiry_lines", dict(cart_line_ids=[], note="price?")),
        ("b2b.inquiry_line_gone", "b2b.inquiry_lines", dict(cart_line_ids=[bobs], note="price?")),  # Bob's cart
        ("b2b.inquiry_line_gone", "b2b.inquiry_lines", dict(cart_line_ids=[line, 999_999], note="price?")),
    ]
    for code, field, kwargs in cases:
        with changes_nothing(uow), refused(code, field=field):
            inquiries.create_inquiries(uow, ann.actor, ann.token, **kwargs)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):
        inquiries.create_inquiries(uow, deal.supplier.actor, deal.supplier.token, cart_line_ids=[line], note="x")
    with changes_nothing(uow), refused("b2b.login_required"):
        inquiries.create_inquiries(uow, ann.actor, bob.token, cart_line_ids=[line], note="x")
    inquiries.create_inquiries(uow, ann.actor, ann.token, cart_line_ids=[line], note="once", request_id="r-1")
    with changes_nothing(uow), refused("b2b.inquiry_line_gone"):  # the line is consumed
        inquiries.create_inquiries(uow, ann.actor, ann.token, cart_line_ids=[line], note="twice")
    with changes_nothing(uow), refused("request.duplicate"):  # the same request id for something else
        inquiries.create_inquiries(uow, bob.actor, bob.token, cart_line_ids=[bobs], note="x", request_id="r-1")


# ----------------------------------------------------------------------------- B2B022


def test_supplier_quotes_every_line(uow):
    deal = setup_deal(uow)
    inq = inquiry_of(uow, deal)
    first, second = inq.lines
    view = inquiries.quote(uow, deal.supplier.actor, deal.supplier.token, inq.id,
                           prices={first.id: "12.50", second.id: "¥8"}, quote_note="含税 Tax included",
                           request_id="q-1")
    assert view.state == "quoted" and view.quote_note == "含税 Tax included"
    assert [ln.quoted_price_fen for ln in view.lines] == [1250, 800]
    assert view.quoted_total_fen == 1250 * first.quantity + 800 * second.quantity
    (row,) = fetch(uow, select(Inquiry).where(Inquiry.id == inq.id))
    assert row.quoted_by == deal.supplier.actor.user_id and row.quoted_at is not None
    (ev,) = events_of(uow, "b2b.inquiry_quoted")
    assert ev.task_code == "B2B022" and ev.data["from_state"] == "inquiry" and ev.data["to_state"] == "quoted"
    with changes_nothing(uow):  # replay
        inquiries.quote(uow, deal.supplier.actor, deal.supplier.token, inq.id, prices={first.id: "1", second.id: "1"},
                        request_id="q-1")
    with changes_nothing(uow), refused("b2b.bad_transition"):  # quoting twice
        inquiries.quote(uow, deal.supplier.actor, deal.supplier.token, inq.id, prices={first.id: "1", second.id: "1"})


def test_bad_quotes_change_nothing(uow):
    deal = setup_deal(uow)
    other = trader(uow, deal.room, "tom", "supplier")
    inq = inquiry_of(uow, deal)
    first, second = inq.lines
    sup = deal.supplier
    cases: list[tuple[str, dict[Any, object]]] = [
        ("ledger.amount_not_positive", {first.id: "0", second.id: "5"}),
        ("ledger.amount_not_positive", {first.id: "-3.00", second.id: "5"}),
        ("ledger.amount_invalid", {first.id: "cheap", second.id: "5"}),
        ("ledger.amount_too_precise", {first.id: "1.001", second.id: "5"}),
        ("input.required", {first.id: "", second.id: "5"}),
        ("b2b.quote_missing_price", {first.id: "5"}),
        ("b2b.quote_missing_price", {}),
        ("b2b.quote_unknown_line", {first.id: "5", second.id: "5", 999_999: "5"}),
    ]
    for code, prices in cases:
        with changes_nothing(uow), refused(code, field="b2b.quote_price"):
            inquiries.quote(uow, sup.actor, sup.token, inq.id, prices=prices)
    good = {first.id: "5", second.id: "6"}
    with changes_nothing(uow), refused("b2b.not_yours"):  # another supplier's inquiry
        inquiries.quote(uow, other.actor, other.token, inq.id, prices=good)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):  # the buyer cannot quote
        inquiries.quote(uow, deal.buyer.actor, deal.buyer.token, inq.id, prices=good)
    with changes_nothing(uow), refused("b2b.inquiry_not_found"):
        inquiries.quote(uow, sup.actor, sup.token, 999_999, prices=good)
    assert fetch(uow, select(Inquiry.state).where(Inquiry.id == inq.id)) == ["inquiry"]


# ----------------------------------------------------------------------------- B2B023


def test_buyer_opens_a_negotiation_from_a_quoted_inquiry_only(uow):
    deal = setup_deal(uow)
    bob = trader(uow, deal.room, "bob", "buyer")
    raw = inquiry_of(uow, deal)
    with changes_nothing(uow), refused("b2b.bad_transition"):  # not quoted yet
        negotiation.open_negotiation(uow, deal.buyer.actor, deal.buyer.token, raw.id)
    inq = quoted(uow, deal)
    with changes_nothing(uow), refused("b2b.not_yours"):
        negotiation.open_negotiation(uow, bob.actor, bob.token, inq.id)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):
        negotiation.open_negotiation(uow, deal.supplier.actor, deal.supplier.token, inq.id)
    form = negotiation.open_negotiation(uow, deal.buyer.actor, deal.buyer.token, inq.id, request_id="ng-1")
    assert form.state == "none_agreed" and form.inquiry_id == inq.id and form.version == 0 and form.entries == ()
    assert form.quoted_total_fen == inq.quoted_total_fen and len(form.lines) == 2
    assert fetch(uow, select(Inquiry.state).where(Inquiry.id == inq.id)) == ["negotiating"]
    (ev,) = events_of(uow, "b2b.negotiation_opened")
    assert ev.task_code == "B2B023" and ev.data["inquiry_state_before"] == "quoted" and ev.subject == str(form.id)
    with changes_nothing(uow):
        assert negotiation.open_negotiation(uow, deal.buyer.actor, deal.buyer.token, inq.id, request_id="ng-1").id == form.id
    with changes_nothing(uow), refused("b2b.bad_transition"):  # a second form of the same inquiry
        negotiation.open_negotiation(uow, deal.buyer.actor, deal.buyer.token, inq.id)
    with uow.read() as s:
        assert inquiries.inquiry_detail(s, deal.buyer.actor, deal.buyer.token, inq.id).negotiation_id == form.id


# ----------------------------------------------------------------------------- B2B024–B2B027


@pytest.mark.parametrize("first", ["supplier", "buyer"])
def test_entries_then_both_agree_make_the_contract(uow, first):
    deal = setup_deal(uow)
    form = opened(uow, deal)
    a, b = party(deal, first), party(deal, "buyer" if first == "supplier" else "supplier")
    with changes_nothing(uow), refused("b2b.negotiation_no_terms"):
        negotiation.agree(uow, a.actor, a.token, form.id)
    view = negotiation.submit_entry(uow, deal.buyer.actor, deal.buyer.token, form.id, message="能否月底交货？")
    assert view.state == "none_agreed" and view.version == 1 and not view.entries[0].has_terms
    with changes_nothing(uow), refused("b2b.negotiation_no_terms"):  # a message is no terms
        negotiation.agree(uow, a.actor, a.token, form.id)
    view = negotiation.submit_entry(uow, deal.supplier.actor, deal.supplier.token, form.id, **TERMS,
                                    message="可以 Yes", request_id="e-1")
    assert view.version == 2 and [e.side for e in view.entries] == ["buyer", "supplier"]
    assert view.terms is not None and view.terms.side == "supplier" and view.terms.delivery_place == TERMS["delivery_place"]
    with changes_nothing(uow):  # replay
        negotiation.submit_entry(uow, deal.supplier.actor, deal.supplier.token, form.id, **TERMS, request_id="e-1")
    with changes_nothing(uow), refused("b2b.negotiation_changed"):  # the page showed version 1
        negotiation.agree(uow, a.actor, a.token, form.id, version=1)
    view = negotiation.agree(uow, a.actor, a.token, form.id, version=2, request_id="a-1")
    assert view.state == "one_agreed" and view.version == 3 and view.contract_id is None
    assert getattr(view, f"{first}_agreed") and not getattr(view, f"{'buyer' if first == 'supplier' else 'supplier'}_agreed")
    with changes_nothing(uow):  # replay of the same click
        negotiation.agree(uow, a.actor, a.token, form.id, version=2, request_id="a-1")
    with changes_nothing(uow), refused("b2b.negotiation_already_agreed"):
        negotiation.agree(uow, a.actor, a.token, form.id, version=3)
    with changes_nothing(uow), refused("b2b.negotiation_changed"):  # b read the form before a agreed
        negotiation.agree(uow, b.actor, b.token, form.id, version=2)
    view = negotiation.agree(uow, b.actor, b.token, form.id, version=3)
    assert view.state == "both_agreed" and view.buyer_agreed and view.supplier_agreed and view.contract_id
    with changes_nothing(uow), refused("b2b.negotiation_closed"):
        negotiation.submit_entry(uow, a.actor, a.token, form.id, message="one more thing")
    with changes_nothing(uow), refused("b2b.negotiation_already_agreed"):
        negotiation.agree(uow, b.actor, b.token, form.id)

    agreed = events_of(uow, "b2b.negotiation_agreed")
    assert [(e.task_code, e.data["side"], e.data["from_state"], e.data["to_state"]) for e in agreed] == [
        ("B2B026" if first == "supplier" else "B2B027", first, "none_agreed", "one_agreed"),
        ("B2B027" if first == "supplier" else "B2B026", b.member_type, "one_agreed", "both_agreed"),
    ]
    entries = events_of(uow, "b2b.negotiation_entry")
    assert [(e.task_code, e.data["side"], e.data["has_terms"]) for e in entries] == [
        ("B2B025", "buyer", False), ("B2B024", "supplier", True)
    ]
    (created,) = events_of(uow, "b2b.contract_created")
    (contract,) = fetch(uow, select(Contract))
    assert created.subject == str(contract.id) and contract.state == "unsigned" and contract.negotiation_id == form.id
    data = contract.document.encode("utf-8")
    assert hashlib.sha256(data).hexdigest() == contract.document_sha256
    doc = json.loads(contract.document)
    assert pki.canonical_json(doc) == data  # the stored text is canonical: re-encoding gives the same bytes
    (n,) = fetch(uow, select(Negotiation).where(Negotiation.id == form.id))
    assert doc["contract_number"] == contract.number and doc["negotiation_number"] == n.number
    assert doc["buyer"]["certificate_number"] == deal.buyer.certificate_number
    assert doc["supplier"]["member_name"] == deal.supplier.login_name
    assert doc["terms"]["quality"] == TERMS["quality"] and doc["terms"]["written_by"] == "supplier"
    assert doc["currency"] == "CNY" and doc["total_fen"] == contract.total_fen == view.quoted_total_fen
    assert [ln["amount_fen"] for ln in doc["lines"]] == [
        ln.quoted_price_fen * ln.quantity for ln in view.lines  # type: ignore[operator]
    ]
    assert doc["buyer_agreed_at"] and doc["supplier_agreed_at"] and doc["lines"][0]["unit_zh"]


def test_new_content_withdraws_an_agreement(uow):
    deal = setup_deal(uow)
    form = opened(uow, deal)
    sup, buy = deal.supplier, deal.buyer
    negotiation.submit_entry(uow, sup.actor, sup.token, form.id, **TERMS)
    view = negotiation.agree(uow, sup.actor, sup.token, form.id)
    assert view.state == "one_agreed" and view.supplier_agreed
    better = {**TERMS, "payment_terms": "货到付款 Cash on delivery"}
    view = negotiation.submit_entry(uow, buy.actor, buy.token, form.id, **better)
    assert view.state == "none_agreed" and not view.supplier_agreed and not view.buyer_agreed
    assert view.terms is not None and view.terms.side == "buyer"
    ev = events_of(uow, "b2b.negotiation_entry")[-1]
    assert ev.task_code == "B2B025" and ev.data["from_state"] == "one_agreed" and ev.data["agreement_withdrawn"]
    view = negotiation.agree(uow, buy.actor, buy.token, form.id, version=view.version)
    assert view.state == "one_agreed"  # the supplier has to agree again, to the buyer's terms
    view = negotiation.agree(uow, sup.actor, sup.token, form.id, version=view.version)
    (contract,) = fetch(uow, select(Contract))
    assert json.loads(contract.document)["terms"]["payment_terms"] == "货到付款 Cash on delivery"


def test_bad_entries_change_nothing(uow):
    deal = setup_deal(uow)
    outsider = trader(uow, deal.room, "bob", "buyer")
    form = opened(uow, deal)
    sup = deal.supplier
    for missing in ("quality", "inspection", "delivery_place", "payment_terms"):
        half = {k: v for k, v in TERMS.items() if k != missing}
        with changes_nothing(uow), refused("b2b.negotiation_incomplete_terms", field=f"b2b.negotiation_{missing}"):
            negotiation.submit_entry(uow, sup.actor, sup.token, form.id, **half)
    with changes_nothing(uow), refused("b2b.negotiation_empty_entry"):
        negotiation.submit_entry(uow, sup.actor, sup.token, form.id, message="   ")
    with changes_nothing(uow), refused("input.too_long", field="b2b.negotiation_message"):
        negotiation.submit_entry(uow, sup.actor, sup.token, form.id, message="x" * 2001)
    with changes_nothing(uow), refused("input.bad_chars", field="b2b.negotiation_delivery_place"):
        negotiation.submit_entry(uow, sup.actor, sup.token, form.id, **{**TERMS, "delivery_place": "a\nb"})
    with changes_nothing(uow), refused("b2b.not_yours"):
        negotiation.submit_entry(uow, outsider.actor, outsider.token, form.id, message="hello")
    with changes_nothing(uow), refused("b2b.not_yours"):
        negotiation.agree(uow, outsider.actor, outsider.token, form.id)
    with changes_nothing(uow), refused("b2b.negotiation_not_found"):
        negotiation.submit_entry(uow, sup.actor, sup.token, 999_999, message="hello")
    with uow.read() as s, refused("b2b.not_yours"):
        negotiation.negotiation_detail(s, outsider.actor, outsider.token, form.id)
    assert fetch(uow, select(NegotiationEntry)) == []


def test_queries_show_each_side_its_own_documents(uow):
    deal = setup_deal(uow)
    bob = trader(uow, deal.room, "bob", "buyer")
    form = opened(uow, deal)
    pending = inquiry_of(uow, deal, lines=1)
    negotiation.submit_entry(uow, deal.supplier.actor, deal.supplier.token, form.id, **TERMS)
    negotiation.submit_entry(uow, deal.buyer.actor, deal.buyer.token, form.id, message="ok")
    with uow.read() as s:
        sent = inquiries.inquiries_for(s, deal.buyer.actor, deal.buyer.token)
        received = inquiries.inquiries_for(s, deal.supplier.actor, deal.supplier.token, state="inquiry")
        assert [v.id for v in sent] == [pending.id, form.inquiry_id]
        assert [v.id for v in received] == [pending.id]
        assert inquiries.inquiries_for(s, bob.actor, bob.token) == []
        with refused("b2b.inquiry_bad_filter"):
            inquiries.inquiries_for(s, bob.actor, bob.token, state="lost")
        with refused("b2b.not_yours"):
            inquiries.inquiry_detail(s, bob.actor, bob.token, pending.id)
        (mine,) = negotiation.negotiations_for(s, deal.supplier.actor, deal.supplier.token)
        assert mine.id == form.id and [e.side for e in mine.entries] == ["supplier", "buyer"]
        assert mine.version == 2 and mine.buyer_company and mine.supplier_company
        assert negotiation.negotiations_for(s, deal.buyer.actor, deal.buyer.token, state="both_agreed") == []
        assert negotiation.negotiations_for(s, bob.actor, bob.token) == []
