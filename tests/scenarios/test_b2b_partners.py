"""The self-learner's bot partners (sandbox.bots.b2b_partners): a student playing the buyer alone,
or the supplier alone, completes the B2B chain against the bots by calling ``react`` between
steps, as the pages do after every action; the bots act only on their own documents and never
earn the student anything. Logistics mode (a personal sandbox whose learner plays the logistics
provider) is tested at the end; the whole logistics part is in tests/integration/test_learner.py."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from sandbox.b2b import accounts, catalogue, contracts, inquiries, members, negotiation, orders, settlement, shipping
from sandbox.b2b import models as m
from sandbox.b2b.cart import add_to_cart, cart
from sandbox.b2b.checks import TASK_CHECKS as TRADE_CHECKS
from sandbox.b2b.models import Order
from sandbox.b2b.negotiation_checks import TASK_CHECKS as NEGOTIATION_CHECKS
from sandbox.b2b.warehouse_checks import TASK_CHECKS as WAREHOUSE_CHECKS
from sandbox.bots import b2b_partners, new_request_id
from sandbox.bots import ebank as bank_bots
from sandbox.bots.b2b_partners import BUYER_TERMS, SUPPLIER_TERMS, Partners
from sandbox.ebank import services as bank
from sandbox.ebank.models import CORPORATE
from sandbox.errors import DomainError
from sandbox.logistics import applications, stock, warehouses
from sandbox.logistics import models as lm
from sandbox.logistics.models import Provider
from sandbox.scenarios.checks import Outcome
from tests.b2b_setup import Trader, trader
from tests.scenarios.helpers import grade_kind, world_for

TASK_CHECKS = {**TRADE_CHECKS, **NEGOTIATION_CHECKS, **WAREHOUSE_CHECKS}
BUYER_SIDE = {"B2B001", "B2B003", "B2B005", "B2B006", "B2B007", "B2B009", "B2B017", "B2B023", "B2B025", "B2B027",
              "B2B028", "B2B032"}
SUPPLIER_SIDE = {"B2B001", "B2B004", "B2B008", "B2B010", "B2B011", "B2B022", "B2B024", "B2B026", "B2B029", "B2B030",
                 "B2B031"}



def grade(uow, class_id: int, student: int, code: str) -> Outcome | None:
    kind, params = TASK_CHECKS[code]
    return grade_kind(uow, class_id, [student], kind, params).get(student)


def passing(uow, class_id: int, student: int) -> set[str]:
    return {code for code in TASK_CHECKS if (found := grade(uow, class_id, student, code)) and found.passed}


def order_state(uow, order_id: int) -> tuple[str, str | None]:
    with uow.read() as s:
        row = s.execute(select(Order.state, Order.settlement_state).where(Order.id == order_id)).one()
    return row[0], row[1]


def form_view(uow, who: Trader, form_id: int) -> negotiation.NegotiationView:
    with uow.read() as s:
        return negotiation.negotiation_detail(s, who.actor, who.token, form_id)


def contract_view(uow, who: Trader, contract_id: int) -> contracts.ContractDetail:
    with uow.read() as s:
        return contracts.contract_detail(s, who.actor, who.token, contract_id)


def corporate_balance(uow, actor) -> int:
    with uow.read() as s:
        return sum(a.balance_fen for a in bank.my_accounts(s, actor) if a.kind == CORPORATE)


def test_partners_are_made_once_with_everything_they_need(room):
    uow = room["uow"]
    class_id = room["room"].id
    first = b2b_partners.ensure_partners(uow, class_id)
    again = b2b_partners.ensure_partners(uow, class_id)
    assert first == again and len(first.warehouse_ids) == 2
    with uow.read() as s:
        assert s.scalar(select(func.count(Provider.id)).where(Provider.class_id == class_id)) == 1
        provider = s.get(Provider, first.provider_id)
        assert provider is not None and provider.name == b2b_partners.PROVIDER_NAME
        assert [w.active for w in warehouses.warehouses_of(s, first.provider_id)] == [True, True]
        assert applications.is_approved(s, first.provider_id, first.supplier_member_id)
        held = stock.levels(s, owner_id=first.supplier_member_id, provider_id=first.provider_id)
        assert held and all(x.quantity >= b2b_partners.STOCK_UNITS for x in held)
        for member_id in (first.supplier_member_id, first.buyer_member_id):
            member = s.get(m.Member, member_id)
            assert member is not None and member.bank_account_id is not None and member.certificate_id is not None
    for bot in (first.supplier, first.buyer):
        assert bot.role == "bot"
        assert corporate_balance(uow, bot) >= b2b_partners.FUNDS_BELOW_FEN
    b2b_partners.react(uow, class_id)  # the first pass may restock the bot supplier's catalogue
    assert b2b_partners.react(uow, class_id) == []  # nothing pending: nothing done


def test_a_buyer_alone_completes_the_chain_against_the_bots(room):
    """Inquiry → quote → negotiation → both agree → both sign → order → accept → confirm →
    delivery order → settlement, the bots acting whenever ``react`` is called."""
    uow, ann = room["uow"], room["ann"]
    class_id = room["room"].id
    me = trader(uow, room["room"], "ann", "buyer", actor=ann)
    bots = b2b_partners.ensure_partners(uow, class_id)
    with uow.read() as s:
        goods = catalogue.browse(s, ann, me.token, supplier_id=bots.supplier_member_id)
    assert goods and {g.supplier_id for g in goods} == {bots.supplier_member_id}

    lines = [add_to_cart(uow, ann, me.token, product_id=g.id, quantity=2).id for g in goods[:2]]
    asked = inquiries.create_inquiries(uow, ann, me.token, cart_line_ids=lines, note="请报价 Please quote")[0]
    assert f"quoted:{asked.number}" in b2b_partners.react(uow, class_id)
    with uow.read() as s:
        quoted = inquiries.inquiry_detail(s, ann, me.token, asked.id)
    assert quoted.state == m.QUOTED
    for line in quoted.lines:  # list price less 5%, rounded to 0.10 yuan
        assert line.quoted_price_fen is not None and line.quoted_price_fen % 10 == 0
        assert abs(line.quoted_price_fen * 100 - line.list_price_fen * 95) <= 500

    form = negotiation.open_negotiation(uow, ann, me.token, asked.id, request_id=new_request_id())
    done = b2b_partners.react(uow, class_id)
    assert f"terms:{form.number}" in done and f"agreed:{form.number}" in done
    assert form_view(uow, me, form.id).state == m.ONE_AGREED
    negotiation.submit_entry(uow, ann, me.token, form.id, **BUYER_TERMS)  # withdraws the bot's agreement
    assert form_view(uow, me, form.id).state == m.NONE_AGREED
    assert f"agreed:{form.number}" in b2b_partners.react(uow, class_id)  # ... and it agrees again
    shown = form_view(uow, me, form.id)
    assert shown.state == m.ONE_AGREED and shown.supplier_agreed and not shown.buyer_agreed
    negotiation.agree(uow, ann, me.token, form.id, version=shown.version)
    contract_id = form_view(uow, me, form.id).contract_id
    assert contract_id is not None
    number = contract_view(uow, me, contract_id).number
    assert f"signed:{number}" in b2b_partners.react(uow, class_id)
    contracts.sign(uow, ann, me.token, contract_id, certificate_id=me.certificate_id)
    signed = contract_view(uow, me, contract_id)
    assert signed.state == m.SIGNED_BY_BOTH and signed.both_verified

    line = add_to_cart(uow, ann, me.token, product_id=goods[0].id, quantity=3)
    order = orders.create_orders(uow, ann, me.token, cart_line_ids=[line.id], payment_method="online",
                                 delivery_date=b2b_partners.delivery_day())[0]
    assert f"accepted:{order.number}" in b2b_partners.react(uow, class_id)
    orders.confirm(uow, ann, me.token, order.id)
    done = b2b_partners.react(uow, class_id)
    assert f"delivery_ordered:{order.number}" in done
    assert any(x.startswith("delivery_accepted:") for x in done)  # the bot provider accepts it at once
    assert any(x.startswith("delivered:") for x in done)  # ... and carries it through (LGS004–LGS020)
    with uow.read() as s:
        detail = orders.order_detail(s, ann, me.token, order.id)
    assert detail.order.state == m.DELIVERED and detail.delivery is not None
    assert detail.delivery.state == lm.DO_DELIVERED and detail.delivery.provider_id == bots.provider_id

    world = world_for(room)
    reg = bank_bots.ensure_corporate(world, ann)
    bank_bots.ensure_funds(world, ann, CORPORATE, order.total_fen, bank_bots.corporate_session(world, ann))
    before = corporate_balance(uow, bots.supplier)
    payable = accounts.payable_details_query(uow, ann, me.token, bots.supplier_member_id)
    assert [x.order_id for x in payable] == [order.id]
    result = settlement.settle(uow, ann, me.token, order.id, card_number=reg.account_number,
                               payment_password=bank_bots.PAY_PASSWORD)
    assert result.settled and order_state(uow, order.id) == (m.DELIVERED, m.SETTLED)
    assert corporate_balance(uow, bots.supplier) == before + order.total_fen

    assert passing(uow, class_id, ann.user_id) == BUYER_SIDE
    assert b2b_partners.react(uow, class_id) == []


def test_a_supplier_alone_gets_orders_accepted_confirmed_and_settled(room):
    uow, ann = room["uow"], room["ann"]
    class_id = room["room"].id
    me = trader(uow, room["room"], "ann", "supplier", actor=ann)
    bots = b2b_partners.ensure_partners(uow, class_id)

    number = b2b_partners.invite_buyer(uow, ann, me.token, what="order")
    with uow.read() as s:
        waiting = [o for o in orders.orders_for(s, ann, me.token, state=m.CREATED) if o.number == number]
    assert len(waiting) == 1 and waiting[0].partner_id == bots.buyer_member_id
    order = waiting[0]
    orders.accept(uow, ann, me.token, order.id)
    done = b2b_partners.react(uow, class_id)
    assert f"confirmed:{number}" in done and f"settled:{number}" not in done  # no bank account linked yet
    assert order_state(uow, order.id) == (m.CONFIRMED, m.OPEN)
    assert b2b_partners.react(uow, class_id) == []  # the refused settlement is skipped, not raised

    reg = bank_bots.ensure_corporate(world_for(room), ann)
    members.link_bank_account(uow, ann, me.token, bank_account_number=reg.account_number)
    assert f"settled:{number}" in b2b_partners.react(uow, class_id)
    assert order_state(uow, order.id) == (m.CONFIRMED, m.SETTLED)
    assert corporate_balance(uow, ann) == order.total_fen

    challenge = applications.apply_challenge(uow, ann)
    applications.apply(uow, ann, me.token, provider_id=bots.provider_id, accept_terms=True, challenge_id=challenge.id,
                       certificate_id=me.certificate_id)
    assert any(x.startswith("approved:") for x in b2b_partners.react(uow, class_id))
    orders.create_delivery_order(uow, ann, me.token, order.id, provider_id=bots.provider_id)
    assert not any(x.startswith("delivery_accepted:") for x in b2b_partners.react(uow, class_id))  # no stock yet
    with uow.read() as s:
        lines = {x.product_id: x.quantity for x in orders.order_detail(s, ann, me.token, order.id).order.lines}
    draft = shipping.new_shipment(uow, ann, me.token, lines=lines)
    shipping.confirm_shipment(uow, ann, me.token, draft.id, provider_id=bots.provider_id,
                              warehouse_id=bots.warehouse_ids[0])
    done = b2b_partners.react(uow, class_id)
    assert any(x.startswith("received:") for x in done) and any(x.startswith("delivery_accepted:") for x in done)
    assert len(accounts.logistics_payable_details(uow, ann, me.token, bots.provider_id)) == 1
    assert [x.order_id for x in accounts.receivable_details(uow, ann, me.token, bots.buyer_member_id)] == [order.id]

    number = b2b_partners.invite_buyer(uow, ann, me.token, what="inquiry")
    with uow.read() as s:
        asked = next(i for i in inquiries.inquiries_for(s, ann, me.token) if i.number == number)
    inquiries.quote(uow, ann, me.token, asked.id, prices={line.id: "8.80" for line in asked.lines})
    done = b2b_partners.react(uow, class_id)
    assert f"negotiation_opened:{number}" in done
    with uow.read() as s:
        form = next(f for f in negotiation.negotiations_for(s, ann, me.token) if f.inquiry_id == asked.id)
    assert f"terms:{form.number}" in done and form.terms is not None and form.terms.side == "buyer"
    assert not form.buyer_agreed  # the bot buyer agrees only after the supplier
    shown = negotiation.submit_entry(uow, ann, me.token, form.id, **SUPPLIER_TERMS)
    negotiation.agree(uow, ann, me.token, form.id, version=shown.version)
    assert f"agreed:{form.number}" in b2b_partners.react(uow, class_id)
    contract_id = form_view(uow, me, form.id).contract_id
    assert contract_id is not None and form_view(uow, me, form.id).state == m.BOTH_AGREED
    assert b2b_partners.react(uow, class_id) == []  # the bot buyer signs only after the supplier
    contracts.sign(uow, ann, me.token, contract_id, certificate_id=me.certificate_id)
    assert any(x.startswith("signed:") for x in b2b_partners.react(uow, class_id))
    assert contract_view(uow, me, contract_id).both_verified

    assert passing(uow, class_id, ann.user_id) == SUPPLIER_SIDE


def test_invite_buyer_needs_a_supplier_session_and_goods(room):
    uow, ann = room["uow"], room["ann"]
    class_id = room["room"].id
    me = trader(uow, room["room"], "ann", "supplier", actor=ann)
    buyer = trader(uow, room["room"], "ann", "buyer", actor=ann)
    for token, code in ((None, "b2b.login_required"), (buyer.token, "b2b.wrong_member_type")):
        with pytest.raises(DomainError) as refused:
            b2b_partners.invite_buyer(uow, ann, token, what="order")
        assert refused.value.code == code
    with pytest.raises(ValueError):
        b2b_partners.invite_buyer(uow, ann, me.token, what="gift")
    with uow.read() as s:
        goods = catalogue.my_products(s, ann, me.token)
    for g in goods:
        catalogue.update_product(uow, ann, me.token, g.id, available=0)
    with pytest.raises(DomainError) as refused:
        b2b_partners.invite_buyer(uow, ann, me.token, what="inquiry")
    assert refused.value.code == "b2b.bots_nothing_to_buy"
    bots = b2b_partners.ensure_partners(uow, class_id)
    with uow.read() as s:
        assert cart(s, bots.buyer, b2b_partners.member_token(uow, bots.buyer, m.BUYER)) == []
        assert orders.orders_for(s, ann, me.token) == []


def test_bots_leave_documents_between_students_alone(room):
    """Bob's buyer orders from and asks Ann's supplier: no bot accepts, quotes or confirms for them."""
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    seller = trader(uow, room["room"], "ann", "supplier", actor=ann)
    shopper = trader(uow, room["room"], "bob", "buyer", actor=bob)
    with uow.read() as s:
        goods = catalogue.browse(s, bob, shopper.token, supplier_id=seller.member_id)
    first = add_to_cart(uow, bob, shopper.token, product_id=goods[0].id, quantity=1)
    order = orders.create_orders(uow, bob, shopper.token, cart_line_ids=[first.id], payment_method="transfer",
                                 delivery_date=b2b_partners.delivery_day())[0]
    second = add_to_cart(uow, bob, shopper.token, product_id=goods[1].id, quantity=1)
    asked = inquiries.create_inquiries(uow, bob, shopper.token, cart_line_ids=[second.id], note="价格？")[0]
    done = b2b_partners.react(uow, class_id)
    assert not any(order.number in x or asked.number in x for x in done)
    assert order_state(uow, order.id) == (m.CREATED, None)
    with uow.read() as s:
        assert inquiries.inquiry_detail(s, bob, shopper.token, asked.id).state == m.INQUIRY
    orders.accept(uow, ann, seller.token, order.id)
    done = b2b_partners.react(uow, class_id)
    assert not any(order.number in x for x in done) and order_state(uow, order.id) == (m.ACCEPTED, None)
    assert passing(uow, class_id, ann.user_id) == {"B2B001", "B2B004", "B2B008"}
    assert passing(uow, class_id, bob.user_id) == {"B2B001", "B2B003", "B2B005", "B2B006", "B2B007"}


def test_partners_survive_expired_sessions(room):
    """A bot whose B2B session ended logs in again on the next react."""
    uow = room["uow"]
    class_id = room["room"].id
    bots: Partners = b2b_partners.ensure_partners(uow, class_id)
    token = b2b_partners.member_token(uow, bots.supplier, m.SUPPLIER)
    members.logout(uow, bots.supplier, token)
    assert members.current(uow, bots.supplier, token) is None
    b2b_partners.react(uow, class_id)
    renewed = b2b_partners.member_token(uow, bots.supplier, m.SUPPLIER)
    assert renewed != token and members.current(uow, bots.supplier, renewed) is not None


def test_demo_artefacts_get_a_contract_signed_by_both_even_in_a_class_without_one(room, tmp_path):
    """``demo --artefacts`` in a class where nobody signed a contract yet: the first student's
    bots negotiate and sign one (with the bot counterparts), and its files verify."""
    from sandbox.demo import DemoReport, _write_contract
    from sandbox.pki import crypto

    uow, ann = room["uow"], room["ann"]
    (tmp_path / "README").write_text("demo\n", encoding="utf-8")
    report = DemoReport(room["room"].id, [ann], [], {}, {}, None, room["teacher"])
    paths = _write_contract(uow, report, tmp_path)
    assert sorted(p.name for p in paths) == sorted(contracts.ARTEFACT_FILES)
    data = (tmp_path / "contract.json").read_bytes()
    for side in ("buyer", "supplier"):
        cert = crypto.load_certificate((tmp_path / f"contract.{side}.pem").read_text(encoding="ascii"))
        signature = (tmp_path / f"contract.json.{side}.sig").read_bytes()
        assert crypto.verify_signature(cert, data, signature)
        assert not crypto.verify_signature(cert, data.replace(b'"total_fen":', b'"total_fen":9', 1), signature)
    assert "contract.json.supplier.sig" in (tmp_path / "README").read_text(encoding="utf-8")


# ----------------------------------------------------------------------------- logistics mode


def _logistics_company(uow, actor, *, capacity: int = 5000) -> tuple[int, int, str]:
    """LGS001 and LGS007 by ``actor``: (provider id, warehouse id, provider name)."""
    from sandbox.logistics import providers

    made = providers.register_provider(uow, actor, name=f"{actor.username} 物流 Logistics", contact_name="林晓",
                                       phone="010-88886666", address="北京市海淀区 Haidian, Beijing",
                                       request_id=new_request_id())
    room = warehouses.add_warehouse(uow, actor, code="WH-01", name="一号仓 Warehouse 1", address="北京市海淀区",
                                    capacity=capacity, request_id=new_request_id())
    return made.id, room.id, made.name


LEARNER_LABELS = ("applied:", "shipped:", "asked:", "ordered:")


def test_a_students_logistics_choice_in_a_class_changes_nothing(room):
    """Logistics mode is for personal sandboxes only: in a class the bots never apply to a
    student's provider, ship to it or buy on their own."""
    from sandbox.teaching import learner

    uow, ann = room["uow"], room["ann"]
    class_id = room["room"].id
    learner.choose_part(uow, ann, "A", "logistics", request_id=new_request_id())
    _logistics_company(uow, ann)
    assert b2b_partners.learner_carrier(uow, class_id) is None
    done = b2b_partners.react(uow, class_id) + b2b_partners.react(uow, class_id)
    assert not any(x.startswith(LEARNER_LABELS) for x in done)
    with uow.read() as s:
        assert applications.applications_for_provider(s, ann) == []


def test_a_learner_provider_is_applied_to_again_after_a_rejection_and_gets_goods_that_fit(uow):
    """In a personal sandbox whose learner plays logistics: no provider, no carrier; the bot
    supplier applies, applies again after a rejection, and ships only what the warehouse holds."""
    from sandbox.logistics import inbound
    from sandbox.teaching import learner

    started = learner.start_personal_sandbox(
        uow, username="lin", full_name="Lin Xiao", password="learn-alone-1", password_confirm="learn-alone-1",
        language="en", request_id=new_request_id())
    me, class_id = started.actor, started.class_id
    learner.choose_part(uow, me, "A", "logistics", request_id=new_request_id())
    assert b2b_partners.learner_carrier(uow, class_id) is None  # no provider of the learner yet
    provider_id, room_id, name = _logistics_company(uow, me, capacity=41)
    carrier = b2b_partners.learner_carrier(uow, class_id)
    assert carrier is not None and (carrier.provider_id, carrier.warehouse_ids) == (provider_id, (room_id,))

    assert f"applied:{name}" in b2b_partners.react(uow, class_id)
    with uow.read() as s:
        (app,) = applications.applications_for_provider(s, me, state=lm.APPLIED)
    applications.decide(uow, me, app.id, approve=False, note="暂不合作 Not now", request_id=new_request_id())
    assert f"applied:{name}" in b2b_partners.react(uow, class_id)  # ... and it applies again
    with uow.read() as s:
        (app,) = applications.applications_for_provider(s, me, state=lm.APPLIED)
    applications.decide(uow, me, app.id, approve=True, request_id=new_request_id())
    done = b2b_partners.react(uow, class_id)
    assert len([x for x in done if x.startswith("shipped:")]) == 1
    with uow.read() as s:
        (arriving,) = inbound.inbound_for_provider(s, me, state=lm.PENDING)
    assert arriving.warehouse_id == room_id
    assert [x.quantity for x in arriving.lines] == [20, 20]  # 41 units of room for 2 products, not 2 × 30

    learner.choose_part(uow, me, "A", "buyer", request_id=new_request_id())  # another part: the bots stop serving
    assert b2b_partners.learner_carrier(uow, class_id) is None
