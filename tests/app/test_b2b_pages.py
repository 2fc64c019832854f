"""The B2B pages under AppTest on a fresh SQLite: views/b2b_buyer.py and views/b2b_supplier.py
refuse anonymous visitors and instructors; logged out they offer login and registration; the
registration shows the certificate number and download password once (a bad phone shows its
zh/en error and saves nothing); a member logs in with the installed certificate; the buyer shops,
orders (a past delivery date is refused on the form), the supplier accepts, the buyer confirms;
the negotiation room takes an entry and an agreement (一方同意); the contract page shows both
signatures verified, and NOT verified after the stored text is tampered with; the supplier pays a
delivery fee of its B2B031 payables through the e-bank (a wrong payment password is refused, the
right one shows it 已付款); every section of both workspaces renders; the bot partners are asked
to act after each action.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select, update
from streamlit.testing.v1 import AppTest

from sandbox import ui
from sandbox.b2b import cart, contracts, inquiries, negotiation, orders
from sandbox.b2b.models import ACCEPTED, CONFIRMED, CREATED, Contract, Member, Order, Product
from sandbox.bots import BotWorld
from sandbox.bots.ebank import PAY_PASSWORD, WRONG_PAY_PASSWORD
from sandbox.ebank.models import Payment
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.i18n import t
from sandbox.identity import passwords
from sandbox.ledger import parse_amount
from sandbox.ledger.money import format_fen
from sandbox.logistics import delivery, providers
from sandbox.logistics.models import FEE_OPEN, FEE_PAID, DeliveryFee
from sandbox.pki import crypto, sealing
from sandbox.ui import b2b as shared
from tests import b2b_setup, factories
from tests.app.helpers import check, count, en, errors, new_app, rendered, run, successes, titles, warnings, zh
from tests.integration.helpers import fetch
from tests.integration.test_b2b_trade import corporate_account, fund
from tests.integration.test_logistics_operations import ordered
from tests.integration.test_logistics_services import products, stock_in
from tests.integration.test_logistics_services import world as logistics_world

BUYER_PAGE = "views/b2b_buyer.py"
SUPPLIER_PAGE = "views/b2b_supplier.py"
PAGES = [BUYER_PAGE, SUPPLIER_PAGE]


class Partners:
    """Stands in for sandbox.bots.b2b_partners: records what the pages ask of the bots."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def ensure_partners(self, uow: Any, class_id: int) -> None:
        self.calls.append(("ensure", class_id))

    def react(self, uow: Any, class_id: int) -> list[str]:
        self.calls.append(("react", class_id))
        return ["nothing:to-do"]

    def invite_buyer(self, uow: Any, actor: Any, token: Any, *, what: str) -> str:
        self.calls.append(("invite", what))
        return "PO-BOT-1"


@pytest.fixture
def partners(app_db, monkeypatch) -> Partners:
    monkeypatch.setenv(sealing.ENV_KEY, "apptest-master-key-0123456789abcdefgh")
    monkeypatch.setattr(crypto, "ROOT_KEY_BITS", 2048)
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    fake = Partners()
    monkeypatch.setattr(shared, "_partners", lambda: fake)
    return fake


@pytest.fixture
def world(app_db, partners) -> SimpleNamespace:
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    ann = factories.student(app_db, room, "ann", "Ann Li")
    return SimpleNamespace(uow=app_db, teacher=teacher, room=room, ann=ann, partners=partners)


def press(at: AppTest, key: str) -> AppTest:
    """Click a (form submit) button by key and run."""
    found = [b for b in [*at.button, *at.form_submit_button] if b.key == key]
    assert found, f"no button {key!r}: {[b.key for b in at.button]}"
    return check(found[0].click().run())


def fill(at: AppTest, **values: str) -> None:
    for key, value in values.items():
        at.text_input(key=key).input(value)


def section(at: AppTest, page: str, name: str) -> AppTest:
    key = f"b2b_{page}_section"
    at.segmented_control(key=key).set_value(name)
    at = run(at)
    assert at.segmented_control(key=key).value == name
    return at


def logged_in(page: str, trader: b2b_setup.Trader) -> AppTest:
    """The page with the trader's B2B session already in this tab."""
    at = new_app(BUYER_PAGE if page == "buyer" else SUPPLIER_PAGE, actor=trader.actor)
    at.session_state[f"b2b_{page}_token"] = trader.token
    return run(at)


def product_of(uow, trader: b2b_setup.Trader) -> int:
    """The id of the trader's (supplier's) cheapest product."""
    with uow.read() as s:
        return int(s.scalar(select(Product.id).where(Product.supplier_id == trader.member_id)
                            .order_by(Product.price_fen, Product.id).limit(1)))


def markdown(at: AppTest) -> str:
    return "\n".join(m.value for m in at.markdown)


def error_in(lang: str, err: DomainError) -> str:
    params = {k: ui.plain(v) if isinstance(v, str) else v for k, v in err.params.items()}
    if err.field:
        params["field"] = t(f"field.{err.field}", lang)
    return t(err.code, lang, **params)


# ----------------------------------------------------------------------------- roles


@pytest.mark.parametrize("page", PAGES)
def test_anonymous_visitors_and_instructors_are_refused(world, page):
    at = run(new_app(page))
    assert warnings(at) == [en("auth.login_required")]
    assert not titles(at) and not at.text_input and not at.button
    at = run(new_app(page, actor=world.teacher))
    assert warnings(at) == [en("auth.forbidden")]
    assert not titles(at) and not at.text_input


@pytest.mark.parametrize(("page", "side"), [(BUYER_PAGE, "buyer"), (SUPPLIER_PAGE, "supplier")])
def test_logged_out_the_page_offers_login_and_registration(world, page, side):
    at = run(new_app(page, actor=world.ann))
    assert titles(at) == [en(f"page.b2b_{side}")]
    gate = at.segmented_control(key=f"b2b_{side}_gate")
    assert gate.value == "login"
    assert at.text_input(key=f"b2b_{side}_login_name").label == en("field.b2b.login_name")
    assert en(f"b2b.ui.login_title_{side}") in [s.value for s in at.subheader]
    assert at.radio(key=f"b2b_{side}_login_method").value == "store"
    assert len(at.code[0].value) == 64  # the one-time challenge
    gate.set_value("register")
    at = run(at)
    assert at.text_input(key=f"b2b_{side}_register_company").label == en("field.b2b.company_name")
    assert en(f"b2b.ui.register_title_{side}") in [s.value for s in at.subheader]
    assert world.partners.calls == []  # nobody logged in: the bots are left alone


# ----------------------------------------------------------------------------- B2B001


def register_fields(side: str, **over: str) -> dict[str, str]:
    p = f"b2b_{side}_register"
    values = {
        f"{p}_login_name": "ann-buys", f"{p}_company": "Ann <b>Trading</b> Co.", f"{p}_pw": "trade-pass-1",
        f"{p}_confirm": "trade-pass-1", f"{p}_contact": "Ann Li", f"{p}_phone": "010-88886666",
        f"{p}_address": "1 Trade Road, Beijing",
    }
    values.update({f"{p}_{k}": v for k, v in over.items()})
    return values


def test_registration_shows_the_certificate_number_and_password_once(world):
    at = run(new_app(BUYER_PAGE, actor=world.ann))
    at.segmented_control(key="b2b_buyer_gate").set_value("register")
    at = run(at)
    fill(at, **register_fields("buyer"))
    at = press(at, "b2b_buyer_register_submit")
    assert not errors(at), errors(at)
    assert successes(at) == [en("b2b.ui.register_done", task="B2B001")]
    number, password = at.code[0].value, at.code[1].value
    assert len(number) == 12 and number.isdigit() and len(password) >= 8
    # the company name typed with tags is shown as plain text, never as Markdown/HTML
    assert any("Ann <b>Trading</b> Co." in x.value for x in at.text)
    assert "<b>" not in markdown(at)
    with world.uow.read() as s:
        member = s.scalar(select(Member).where(Member.login_name == "ann-buys"))
        assert member is not None and member.member_type == "buyer" and member.certificate_number == number
    # "I have noted it": the password is gone, the login form has the new member name
    at = press(at, "b2b_buyer_register_noted")
    assert password not in rendered(at)
    assert at.segmented_control(key="b2b_buyer_gate").value == "login"
    assert at.text_input(key="b2b_buyer_login_name").value == "ann-buys"


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_a_bad_phone_shows_the_error_in_the_page_language_and_saves_nothing(world, lang, monkeypatch):
    monkeypatch.setattr(ui, "lang", lambda: lang)  # AppTest formats the gate's choice in the test process
    before = (count(world.uow, Member), count(world.uow, Event))
    at = run(new_app(SUPPLIER_PAGE, actor=replace(world.ann, language=lang)))
    at.segmented_control(key="b2b_supplier_gate").set_value("register")
    at = run(at)
    fill(at, **register_fields("supplier", phone="call me"))
    at = press(at, "b2b_supplier_register_submit")
    assert errors(at) == [error_in(lang, DomainError("b2b.bad_phone", field="b2b.phone"))]
    assert errors(at)[0] == t("b2b.bad_phone", lang)
    assert (count(world.uow, Member), count(world.uow, Event)) == before
    assert not at.code or all(len(c.value) != 12 for c in at.code)


# ----------------------------------------------------------------------------- B2B003 + trade


@pytest.fixture
def traders(world) -> SimpleNamespace:
    """Ann's supplier company (logged in by the services) and her buyer company, registered with
    its certificate installed but not logged in (she logs in through the page)."""
    supplier = b2b_setup.trader(world.uow, world.room, "ann", "supplier", actor=world.ann)
    reg = b2b_setup.register(world.uow, world.ann, "buyer", "ann-buyer")
    assert reg.download_password is not None
    b2b_setup.install_certificate(world.uow, world.ann, reg.certificate_number, reg.download_password,
                                  reg.certificate_id)
    return SimpleNamespace(supplier=supplier, buyer_name="ann-buyer", buyer_certificate=reg.certificate_id,
                           product_id=product_of(world.uow, supplier))


def test_buyer_logs_in_orders_supplier_accepts_buyer_confirms(world, traders):
    uow = world.uow
    at = run(new_app(BUYER_PAGE, actor=world.ann))
    # the member name and the installed identity are filled in already
    assert at.text_input(key="b2b_buyer_login_name").value == "ann-buyer"
    assert at.selectbox(key="b2b_buyer_login_identity").value == traders.buyer_certificate
    fill(at, b2b_buyer_login_pw="wrong-password")
    at = press(at, "b2b_buyer_login_submit")
    assert errors(at) == [en("b2b.wrong_login")]
    fill(at, b2b_buyer_login_pw=b2b_setup.PASSWORD)
    at = press(at, "b2b_buyer_login_submit")
    assert not errors(at), errors(at)
    assert successes(at) == [en("b2b.ui.login_done", company="ann\\-buyer Trading Co\\.", task="B2B003")]
    assert "ann-buyer Trading Co." in [x.value for x in at.text]
    assert ("ensure", world.room.id) in world.partners.calls

    # B2B005: put 2 of the supplier's cheapest product in the cart
    at.selectbox(key="b2b_buyer_add_product").set_value(traders.product_id)
    fill(at, b2b_buyer_add_quantity="2")
    at = press(at, "b2b_buyer_add_submit")
    assert not errors(at), errors(at)
    assert successes(at)[0].startswith("B2B005")
    assert ("react", world.room.id) in world.partners.calls

    # B2B006: a delivery date in the past is refused on the form, nothing is saved
    at = section(at, "buyer", "cart")
    assert at.multiselect(key="b2b_buyer_cart_pick").value  # every open line is selected
    at.date_input(key="b2b_buyer_order_date").set_value(shared.today() - timedelta(days=1))
    at = press(at, "b2b_buyer_order_submit")
    with pytest.raises(DomainError) as caught:
        orders.parse_delivery_date(shared.today() - timedelta(days=1))
    assert errors(at) == [error_in("en", caught.value)]
    assert count(uow, Order) == 0
    at.date_input(key="b2b_buyer_order_date").set_value(shared.today() + timedelta(days=7))
    at = press(at, "b2b_buyer_order_submit")
    assert not errors(at), errors(at)
    with uow.read() as s:
        found = s.scalar(select(Order))
        assert found is not None and found.state == CREATED
        order = SimpleNamespace(id=found.id, number=found.number)
    assert at.segmented_control(key="b2b_buyer_section").value == "orders"
    (table,) = at.dataframe
    assert list(table.value[en("b2b.ui.col.status")]) == [shared.status("order", CREATED)]

    # B2B008: the supplier (same student, supplier session in another tab) accepts
    sup = section(logged_in("supplier", traders.supplier), "supplier", "orders")
    sup.selectbox(key="b2b_supplier_orders_pick").set_value(order.id)
    sup = run(sup)
    sup = press(sup, f"b2b_supplier_accept_{order.id}")
    assert not errors(sup), errors(sup)
    assert successes(sup) == [en("b2b.ui.accept_done", number=ui.plain(order.number),
                                 status=shared.status("order", ACCEPTED))]

    # B2B009: the buyer's page shows the new state and confirms
    at.selectbox(key="b2b_buyer_orders_pick").set_value(order.id)
    at = run(at)
    assert list(at.dataframe[0].value[en("b2b.ui.col.status")]) == [shared.status("order", ACCEPTED)]
    at = press(at, f"b2b_buyer_confirm_{order.id}")
    assert not errors(at), errors(at)
    with uow.read() as s:
        assert s.get(Order, order.id).state == CONFIRMED
    assert list(at.dataframe[0].value[en("b2b.ui.col.status")]) == [shared.status("order", CONFIRMED)]
    assert not [b for b in at.button if b.key == f"b2b_buyer_confirm_{order.id}"]


def test_one_student_is_logged_in_as_buyer_and_supplier_at_once(world, traders):
    buyer = b2b_setup.login(world.uow, world.ann, "buyer", traders.buyer_name, traders.buyer_certificate)
    at = run(new_app(actor=world.ann))  # the app, with its menu
    at.session_state["b2b_buyer_token"] = buyer
    at.session_state["b2b_supplier_token"] = traders.supplier.token
    at.switch_page(BUYER_PAGE)
    at = run(at)
    assert titles(at) == [en("page.b2b_buyer")]
    assert "ann-buyer Trading Co." in [x.value for x in at.text]
    at.switch_page(SUPPLIER_PAGE)
    at = run(at)
    assert titles(at) == [en("page.b2b_supplier")]
    assert "ann-supplier Trading Co." in [x.value for x in at.text]
    at.switch_page(BUYER_PAGE)
    at = run(at)
    assert "ann-buyer Trading Co." in [x.value for x in at.text]
    # a supplier token in the buyer's slot is not a buyer login
    at = new_app(BUYER_PAGE, actor=world.ann)
    at.session_state["b2b_buyer_token"] = traders.supplier.token
    at = run(at)
    assert at.segmented_control(key="b2b_buyer_gate").value == "login"


# ----------------------------------------------------------------------------- every section renders


@pytest.mark.parametrize(
    ("page", "names"),
    [
        ("buyer", ["shop", "cart", "orders", "negotiation", "contracts", "payables", "reports"]),
        ("supplier", ["products", "orders", "negotiation", "contracts", "logistics", "shipping", "transfers",
                      "accounts", "reports"]),
    ],
)
def test_every_section_renders_with_and_without_documents(world, page, names):
    buyer = b2b_setup.trader(world.uow, world.room, "bob", "buyer")
    supplier = b2b_setup.trader(world.uow, world.room, "cat", "supplier")
    me = buyer if page == "buyer" else supplier
    at = logged_in(page, me)
    for name in names:
        at = section(at, page, name)
        assert not errors(at), (name, errors(at))
    # with an order, an inquiry and a negotiation form between them
    product_id = product_of(world.uow, supplier)
    line = cart.add_to_cart(world.uow, buyer.actor, buyer.token, product_id=product_id, quantity=1)
    orders.create_orders(world.uow, buyer.actor, buyer.token, cart_line_ids=[line.id], payment_method="online",
                         delivery_date=shared.today() + timedelta(days=5))
    line = cart.add_to_cart(world.uow, buyer.actor, buyer.token, product_id=product_id, quantity=1)
    (inq,) = inquiries.create_inquiries(world.uow, buyer.actor, buyer.token, cart_line_ids=[line.id], note="Price?")
    inquiries.quote(world.uow, supplier.actor, supplier.token, inq.id, prices={inq.lines[0].id: "9.90"})
    negotiation.open_negotiation(world.uow, buyer.actor, buyer.token, inq.id)
    at = logged_in(page, me)
    for name in names:
        at = section(at, page, name)
        assert not errors(at), (name, errors(at))
        assert not at.exception


# ----------------------------------------------------------------------------- B2B031 fees paid online


def test_the_supplier_pays_a_delivery_fee_through_the_e_bank(app_db, partners):
    w = logistics_world(app_db)
    p1 = products(app_db, w.supplier.member_id)[0]
    stock_in(w, {p1: 5})
    _order_id, delivery_id = ordered(w, b2b_setup.trader(app_db, w.room, "bea", "buyer"), {p1: 2})
    delivery.accept_delivery_order(app_db, w.carrier, delivery_id)
    bank = BotWorld(uow=app_db, class_id=w.room.id, student=w.supplier.actor)
    card = corporate_account(bank, w.supplier.actor)
    fund(bank, w.supplier.actor)
    providers.link_bank_account(app_db, w.carrier, bank_account_number=corporate_account(bank, w.carrier))
    (fee,) = fetch(app_db, select(DeliveryFee))

    at = section(logged_in("supplier", w.supplier), "supplier", "accounts")
    at.radio(key="b2b_supplier_acc_view").set_value("payables")
    at = press(run(at), "b2b_supplier_payables_details")
    form = f"b2b_supplier_feepay_{w.provider.id}"
    assert at.multiselect(key=f"{form}_fees").value == [fee.id]
    assert at.text_input(key="b2b_supplier_fee_card").value == card
    at.text_input(key="b2b_supplier_fee_pw").input(WRONG_PAY_PASSWORD)
    at = press(at, f"{form}_submit")
    assert len(errors(at)) == 1 and fetch(app_db, select(DeliveryFee))[0].state == FEE_OPEN
    at.text_input(key="b2b_supplier_fee_pw").input(PAY_PASSWORD)
    at = press(at, f"{form}_submit")
    assert not errors(at), errors(at)
    (payment,) = fetch(app_db, select(Payment))
    assert successes(at) == [en("b2b.ui.fee_paid_done", count=1, amount=shared.yuan(fee.amount_fen),
                                provider=ui.plain(w.provider.name), payment=payment.id)]
    assert fetch(app_db, select(DeliveryFee))[0].state == FEE_PAID
    (table,) = [d for d in at.dataframe if en("b2b.ui.col.basis") in d.value.columns]
    assert list(table.value[en("b2b.ui.col.status")]) == [shared.status("fee", FEE_PAID)] == ["已付款 · Paid"]
    assert all(b.key != f"{form}_submit" for b in at.button)  # nothing left to pay
    assert ("react", w.room.id) in partners.calls


# ----------------------------------------------------------------------------- negotiation and contract


@pytest.fixture
def negotiating(world) -> SimpleNamespace:
    """Ann buys from Bob: an inquiry, quoted, with its negotiation form open (双方不同意)."""
    buyer = b2b_setup.trader(world.uow, world.room, "ann", "buyer", actor=world.ann)
    supplier = b2b_setup.trader(world.uow, world.room, "bob", "supplier")
    line = cart.add_to_cart(world.uow, buyer.actor, buyer.token, product_id=product_of(world.uow, supplier),
                            quantity=3)
    (inq,) = inquiries.create_inquiries(world.uow, buyer.actor, buyer.token, cart_line_ids=[line.id],
                                        note="Your best price for 3, please.")
    inquiries.quote(world.uow, supplier.actor, supplier.token, inq.id, prices={inq.lines[0].id: "12.30"})
    form = negotiation.open_negotiation(world.uow, buyer.actor, buyer.token, inq.id)
    return SimpleNamespace(buyer=buyer, supplier=supplier, form=form)


def open_room(at: AppTest, page: str, form_id: int) -> AppTest:
    at = section(at, page, "negotiation")
    at.radio(key=f"b2b_{page}_neg_view").set_value("forms")
    at = run(at)
    at.selectbox(key=f"b2b_{page}_neg_pick").set_value(form_id)
    return run(at)


def test_negotiation_room_entry_then_agree_shows_one_side_agreed(world, negotiating):
    form = negotiating.form
    at = open_room(logged_in("buyer", negotiating.buyer), "buyer", form.id)
    prefix = f"b2b_buyer_room_{form.id}"
    assert en("b2b.ui.room_empty") in [c.value for c in at.caption]
    assert at.button(key=f"{prefix}_agree").disabled  # nothing to agree to yet
    # half the terms: refused on the form, nothing saved
    at.text_area(key=f"{prefix}_quality").input("GB/T 2828 level II")
    at = press(at, f"{prefix}_entry_submit")
    assert errors(at) == [error_in("en", DomainError("b2b.negotiation_incomplete_terms",
                                                     field="b2b.negotiation_inspection"))]
    at.text_area(key=f"{prefix}_inspection").input("Sampling on arrival")
    fill(at, **{f"{prefix}_place": "Warehouse <3>, Beijing", f"{prefix}_payment": "Online, 30 days"})
    at.text_area(key=f"{prefix}_message").input("**Deal?**")
    at = press(at, f"{prefix}_entry_submit")
    assert not errors(at), errors(at)
    assert successes(at) == [en("b2b.ui.entry_done", task="B2B025")]
    texts = "\n".join(x.value for x in at.text)
    assert f"{en('field.b2b.negotiation_delivery_place')}: Warehouse <3>, Beijing\n" in texts
    assert f"{en('field.b2b.negotiation_message')}: **Deal?**" in texts
    assert "**Deal?**" not in markdown(at)
    at = press(at, f"{prefix}_agree")
    assert not errors(at), errors(at)
    assert successes(at) == [en("b2b.ui.agreed_done", task="B2B027", status=shared.status("negotiation", "one_agreed"))]
    assert "一方同意" in markdown(at)
    assert at.button(key=f"{prefix}_agree").disabled
    assert [c for c, _ in world.partners.calls].count("react") == 2


def test_agreeing_to_an_outdated_version_is_refused(world, negotiating):
    form = negotiating.form
    at = open_room(logged_in("buyer", negotiating.buyer), "buyer", form.id)
    negotiation.submit_entry(world.uow, negotiating.supplier.actor, negotiating.supplier.token, form.id,
                             quality="A", inspection="B", delivery_place="C", payment_terms="D")
    at = run(at)  # the page shows version 1 now ...
    negotiation.submit_entry(world.uow, negotiating.supplier.actor, negotiating.supplier.token, form.id,
                             message="one more thing")  # ... and the supplier writes again
    at = press(at, f"b2b_buyer_room_{form.id}_agree")
    assert errors(at) == [en("b2b.negotiation_changed")]


def both_agree(world: SimpleNamespace, negotiating: SimpleNamespace) -> int:
    form, supplier, buyer = negotiating.form, negotiating.supplier, negotiating.buyer
    negotiation.submit_entry(world.uow, supplier.actor, supplier.token, form.id, quality="GB/T 2828",
                             inspection="On arrival", delivery_place="Beijing", payment_terms="Online")
    negotiation.agree(world.uow, supplier.actor, supplier.token, form.id)
    done = negotiation.agree(world.uow, buyer.actor, buyer.token, form.id)
    assert done.contract_id is not None
    return done.contract_id


def test_contract_signed_on_the_page_shows_verified_badges_and_not_after_tampering(world, negotiating):
    contract_id = both_agree(world, negotiating)
    at = section(logged_in("buyer", negotiating.buyer), "buyer", "contracts")
    at.selectbox(key="b2b_buyer_contract_pick").set_value(contract_id)
    at = run(at)
    infos = [i.value for i in at.info]
    assert infos.count(en("b2b.ui.sig_unsigned")) == 2
    # B2B028 through the form, with the installed certificate
    prefix = f"b2b_buyer_contract_{contract_id}_sign"
    assert at.selectbox(key=f"{prefix}_identity").value == negotiating.buyer.certificate_id
    at = press(at, f"{prefix}_submit")
    assert not errors(at), errors(at)
    with world.uow.read() as s:
        number = str(s.get(Contract, contract_id).number)
    assert successes(at)[0] == en("b2b.ui.signed_done", task="B2B028", number=ui.plain(number))
    assert en("b2b.ui.sig_verified") in successes(at)
    # B2B029 by the supplier (services): both verified
    contracts.sign(world.uow, negotiating.supplier.actor, negotiating.supplier.token, contract_id,
                   certificate_id=negotiating.supplier.certificate_id)
    at = run(at)
    assert successes(at).count(en("b2b.ui.sig_verified")) == 2
    assert not errors(at)
    # in force: the buyer places the contract's order from the page (at the contracted prices)
    order_prefix = f"b2b_buyer_contract_{contract_id}_order"
    at = press(at, f"{order_prefix}_submit")
    assert not errors(at), errors(at)
    with world.uow.read() as s:
        placed = s.scalars(select(Order).where(Order.contract_id == contract_id)).all()
        assert len(placed) == 1 and placed[0].total_fen == s.get(Contract, contract_id).total_fen
        order_number = placed[0].number
    at = run(at)
    assert any(ui.plain(order_number) in i.value for i in at.info)  # the order is shown, the form is gone
    assert not [b for b in at.button if b.key == f"{order_prefix}_submit"]
    # the stored text is changed behind everyone's back: both NOT verified, the change is named
    with world.uow.write() as s:
        doc = s.get(Contract, contract_id).document
        s.execute(update(Contract).where(Contract.id == contract_id)
                  .values(document=doc.replace("GB/T 2828", "GB/T 2829")))
    at = run(at)
    assert successes(at).count(en("b2b.ui.sig_verified")) == 0
    shown = errors(at)
    assert en("b2b.ui.document_changed") in shown
    not_verified = en("b2b.ui.sig_not_verified", reason=en("b2b.ui.sig_problem.bad_signature"))
    assert shown.count(not_verified) == 2


def test_the_supplier_quotes_through_the_form_and_a_zero_price_quotes_nothing(world):
    buyer = b2b_setup.trader(world.uow, world.room, "ann", "buyer", actor=world.ann)
    supplier = b2b_setup.trader(world.uow, world.room, "bob", "supplier")
    line = cart.add_to_cart(world.uow, buyer.actor, buyer.token, product_id=product_of(world.uow, supplier),
                            quantity=2)
    (inq,) = inquiries.create_inquiries(world.uow, buyer.actor, buyer.token, cart_line_ids=[line.id],
                                        note="<i>Best</i> price?")
    at = section(logged_in("supplier", supplier), "supplier", "negotiation")
    at.selectbox(key="b2b_supplier_inq_pick").set_value(inq.id)
    at = run(at)
    assert f"{en('field.b2b.inquiry_note')}: <i>Best</i> price?" in [x.value for x in at.text]
    price = f"b2b_supplier_quote_{inq.id}_price_{inq.lines[0].id}"
    assert at.text_input(key=price).value == format_fen(inq.lines[0].list_price_fen, grouping=False)
    before = count(world.uow, Event)
    fill(at, **{price: "0"})
    at = press(at, f"b2b_supplier_quote_{inq.id}_submit")
    with pytest.raises(DomainError) as caught:
        parse_amount("0", "b2b.quote_price")
    assert errors(at) == [error_in("en", caught.value)]
    assert count(world.uow, Event) == before
    fill(at, **{price: "9.90"})
    at = press(at, f"b2b_supplier_quote_{inq.id}_submit")
    assert successes(at) == [en("b2b.ui.quote_done", number=ui.plain(inq.number), total="¥19.80")]
    assert list(at.dataframe[0].value[en("b2b.ui.col.status")]) == [shared.status("inquiry", "quoted")]


# ----------------------------------------------------------------------------- the supplier's invitation, language


def test_a_supplier_alone_asks_a_bot_buyer_to_order(world):
    supplier = b2b_setup.trader(world.uow, world.room, "ann", "supplier", actor=world.ann)
    at = section(logged_in("supplier", supplier), "supplier", "orders")
    at = press(at, "b2b_supplier_invite_order")
    assert successes(at) == [en("b2b.ui.invited_order", number="PO\\-BOT\\-1")]
    assert ("invite", "order") in world.partners.calls and ("react", world.room.id) in world.partners.calls


def test_switching_to_chinese_shows_the_chinese_labels(world):
    buyer = b2b_setup.trader(world.uow, world.room, "ann", "buyer", actor=world.ann)
    at = run(new_app(actor=world.ann))
    at.switch_page(BUYER_PAGE)
    at.session_state["b2b_buyer_token"] = buyer.token
    at = run(at)
    assert titles(at) == [en("page.b2b_buyer")]
    at.segmented_control(key="ui_language").set_value("zh_CN")
    at = run(at)
    assert titles(at) == [zh("page.b2b_buyer")]
    assert zh("b2b.ui.shop_title") in [s.value for s in at.subheader]
    assert at.text_input(key="b2b_buyer_shop_search").label == zh("field.b2b.search")
    assert at.segmented_control(key="b2b_buyer_section").options == [
        zh(f"b2b.ui.sec_buyer.{s}") for s in ("shop", "cart", "orders", "negotiation", "contracts", "payables",
                                              "reports")
    ]


# ----------------------------------------------------------------------------- the chart


def test_the_report_charts_count_and_value_by_status_and_partner():
    from sandbox.b2b.reports import ReportRow

    rows = [
        ReportRow("created", "buyer", 1, "Bob <i>Co</i>", 2, 12_000),
        ReportRow("confirmed", "buyer", 1, "Bob <i>Co</i>", 1, 5_050),
        ReportRow("created", "supplier", 2, "Cat Ltd", 1, 100),
    ]
    by_status, by_partner = shared.order_charts(rows, lambda key, **kw: t(key, "en", **kw), lambda k, s: s)
    counts, values = by_status.data
    assert list(counts.x) == ["created", "confirmed"] and list(counts.y) == [3, 1]
    assert list(values.y) == [121.0, 50.5] and list(values.customdata) == ["¥121.00", "¥50.50"]
    counts, values = by_partner.data
    assert list(counts.x) == ["Bob ‹i›Co‹/i› (Supplier)", "Cat Ltd (Buyer)"]
    assert list(counts.y) == [3, 1]


# ----------------------------------------------------------------------------- with the real bot partners


@pytest.fixture
def real_bots(app_db, monkeypatch) -> SimpleNamespace:
    pytest.importorskip("sandbox.bots.b2b_partners")
    monkeypatch.setenv(sealing.ENV_KEY, "apptest-master-key-0123456789abcdefgh")
    monkeypatch.setattr(crypto, "ROOT_KEY_BITS", 2048)
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    ann = factories.student(app_db, room, "ann", "Ann Li")
    return SimpleNamespace(uow=app_db, room=room, ann=ann,
                           buyer=b2b_setup.trader(app_db, room, "ann", "buyer", actor=ann))


def test_a_buyer_alone_gets_a_quote_from_the_bot_supplier(real_bots):
    at = logged_in("buyer", real_bots.buyer)  # opening the workspace sets up the class's bots
    assert len(at.selectbox(key="b2b_buyer_shop_supplier").options) == 1  # the bot supplier
    with real_bots.uow.read() as s:
        supplier_id, product_id = s.execute(
            select(Product.supplier_id, Product.id).join(Member, Member.id == Product.supplier_id)
            .where(Member.owner_id != real_bots.ann.user_id).order_by(Product.id).limit(1)
        ).one()
    at.selectbox(key="b2b_buyer_shop_supplier").set_value(supplier_id)
    at = run(at)
    at.selectbox(key="b2b_buyer_add_product").set_value(product_id)
    at = press(at, "b2b_buyer_add_submit")
    at = section(at, "buyer", "cart")
    at.text_area(key="b2b_buyer_inquiry_note").input("请报价 Please quote.")
    at = press(at, "b2b_buyer_inquiry_submit")
    assert not errors(at), errors(at)
    assert successes(at)[0].startswith("B2B007")
    assert any(ui.plain("quoted:IQ") in c.value for c in at.caption), [c.value for c in at.caption]
    (table,) = at.dataframe
    assert list(table.value[en("b2b.ui.col.status")]) == [shared.status("inquiry", "quoted")]
