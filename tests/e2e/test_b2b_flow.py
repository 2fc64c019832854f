"""The B2B trade between two students in a real browser, each in a browser context of their own,
on a server of its own: the instructor sets up and creates a class → Ann (buyer company, 采购商)
and Bob (supplier company, 供应商) are registered members with installed certificates (made
through the services on the server's SQLite file) → each logs in to the app and, on their B2B
page, to the platform with member name, password and installed certificate (B2B003/B2B004) →
inquiry (B2B005, B2B007) → quote (B2B022) → negotiation form (B2B023) → terms (B2B024) → entry
(B2B025) → agree (B2B026 一方同意, B2B027 双方同意) → both sign the contract (B2B029, B2B028)
and both see both signatures verified → purchase order (B2B006) → accepted (B2B008) → confirmed
(B2B009) → a B2B page in 简体中文. Every step is checked on the OTHER party's page after it
happened; at the end the grader passes each student's tasks.

Screenshots 30–35 (``SANDBOX_SCREENSHOTS=docs/screenshots`` refreshes the README's copies).
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from playwright.sync_api import Browser, Locator, Page, expect
from sqlalchemy import select

import sandbox.models  # noqa: F401  (every table known to the mapper)
from sandbox.b2b.models import BUYER, SUPPLIER, Product
from sandbox.db import Database
from sandbox.identity import services as identity
from sandbox.ledger.money import format_fen
from sandbox.uow import UnitOfWork
from tests import b2b_setup
from tests.e2e.pages import (
    Student,
    choose,
    click,
    flash,
    graded,
    keyed,
    login,
    number_in,
    pick,
    scroll_to_top_of,
    section,
    status,
)
from tests.e2e.support import PASSWORD, Server, en, fill, set_up_class, settle, shoot, zh

pytestmark = pytest.mark.e2e

ANN_TASKS = ["B2B003", "B2B005", "B2B006", "B2B007", "B2B009", "B2B023", "B2B025", "B2B027", "B2B028"]
BOB_TASKS = ["B2B004", "B2B008", "B2B022", "B2B024", "B2B026", "B2B029"]
INQUIRY_QTY = 10
ORDER_QTY = 3


@dataclass(frozen=True)
class Goods:
    sku: str
    price_fen: int
    available: int


# ----------------------------------------------------------------------------- set-up through the services


def prepare_traders(server: Server, code: str) -> tuple[Student, Student, Goods]:
    """Ann and Bob join the class, register their companies (B2B001) and install their
    certificates (CA002/CA003), through the services on the server's database; Bob's first product.
    ``SANDBOX_DATA_DIR`` must name the server's data folder: the CA keys are sealed with its key file."""
    db = Database.connect(server.database_url)
    try:
        uow = UnitOfWork(db)
        made: list[Student] = []
        for username, full_name, member_type, login_name, company in (
            ("ann", "Ann Li", BUYER, "ann-buys", "Ann Trading Co"),
            ("bob", "Bob Wang", SUPPLIER, "bob-sells", "Bob Supply Co"),
        ):
            actor = identity.register_student(
                uow, enrollment_code=code, username=username, full_name=full_name, password=PASSWORD,
                password_confirm=PASSWORD,
            )
            reg = b2b_setup.register(uow, actor, member_type, login_name, company_name=company, contact_name=full_name)
            assert reg.download_password is not None
            b2b_setup.install_certificate(uow, actor, reg.certificate_number, reg.download_password,
                                          reg.certificate_id)
            assert actor.class_id is not None
            made.append(Student(username, full_name, actor.user_id, actor.class_id, member_type, login_name, company))
            if member_type == SUPPLIER:
                with uow.read() as s:
                    product = s.scalars(
                        select(Product).where(Product.supplier_id == reg.member.id).order_by(Product.id)
                    ).first()
                    assert product is not None
                    goods = Goods(product.sku, product.price_fen, product.available)
        assert goods.available >= INQUIRY_QTY + ORDER_QTY, goods
        return made[0], made[1], goods
    finally:
        db.dispose()


# ----------------------------------------------------------------------------- page helpers


def open_form(page: Page, member_type: str, number: str) -> None:
    """Online negotiation → 洽谈单 → the form (re-read from the database)."""
    section(page, member_type, "negotiation")
    choose(page, f"b2b_{member_type}_neg_view", en("b2b.ui.neg_view.inquiries"))
    choose(page, f"b2b_{member_type}_neg_view", en("b2b.ui.neg_view.forms"))
    pick(page, f"b2b_{member_type}_neg_pick", number)


def open_contract(page: Page, member_type: str, number: str) -> Locator:
    """Contracts → the contract (re-read); its detail panel."""
    section(page, member_type, "negotiation")
    section(page, member_type, "contracts")
    pick(page, f"b2b_{member_type}_contract_pick", number)
    return keyed(page, f"b2b_{member_type}_contract_", "_box")


def both_verified(page: Page, member_type: str, lang: str = "en") -> None:
    """The contract panel shows the buyer's and the supplier's signature verified."""
    for side in ("buyer", "supplier"):
        badge = keyed(page, f"b2b_{member_type}_contract_", f"_sig_{side}")
        expect(badge).to_contain_text(en("b2b.ui.sig_verified") if lang == "en" else zh("b2b.ui.sig_verified"))


# ----------------------------------------------------------------------------- the test


def test_buyer_and_supplier_trade_inquiry_negotiation_contract_and_order_in_two_browsers(
    page: Page, browser: Browser, browser_context_args: dict, fresh_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fresh_server
    # the services below seal and open CA keys with the server's master key (its data folder's key file)
    monkeypatch.setenv("SANDBOX_DATA_DIR", str(server.data_dir))
    # --- the instructor sets up the sandbox and creates a class; Ann and Bob join it as traders
    code = set_up_class(page, server)
    ann, bob, goods = prepare_traders(server, code)

    contexts = [browser.new_context(**browser_context_args) for _ in range(2)]
    buyer, supplier = (c.new_page() for c in contexts)
    try:
        # --- B2B003 / B2B004: both log in to the app and to the B2B platform with their certificate
        login(buyer, server, ann)
        login(supplier, server, bob)

        # --- B2B005 / B2B007 (Ann): Bob's product in the cart, then an inquiry from the cart
        expect(buyer.get_by_role("heading", name=en("b2b.ui.shop_title"))).to_be_visible()
        pick(buyer, "b2b_buyer_shop_supplier", bob.company)
        pick(buyer, "b2b_buyer_add_product", goods.sku)
        fill(buyer, b2b_buyer_add_quantity=str(INQUIRY_QTY))
        click(buyer, "b2b_buyer_add_submit")
        expect(flash(buyer)).to_contain_text(f"B2B005: {INQUIRY_QTY} × ")
        section(buyer, BUYER, "cart")
        expect(buyer.locator(".st-key-b2b_buyer_cart_pick")).to_contain_text(goods.sku)
        expect(buyer.get_by_text(en("b2b.ui.cart_selected", count=1, suppliers=1,
                                    total=f"¥{format_fen(goods.price_fen * INQUIRY_QTY)}"))).to_be_visible()
        note = f"Please quote your best price for {INQUIRY_QTY} units."
        buyer.locator(".st-key-b2b_buyer_inquiry_note textarea").fill(note)
        click(buyer, "b2b_buyer_inquiry_submit")
        expect(flash(buyer)).to_contain_text("B2B007: inquiry ")
        inquiry = number_in(flash(buyer).inner_text(), "IQ")

        # --- B2B022 (Bob): the inquiry arrived; a price per line, submit
        section(supplier, SUPPLIER, "negotiation")
        pick(supplier, "b2b_supplier_inq_pick", inquiry)
        box = keyed(supplier, "b2b_supplier_inq_", "_box")
        expect(box).to_contain_text(en("b2b.ui.detail_buyer", company=ann.company))
        expect(box).to_contain_text(en("b2b.ui.detail_status", status=status("inquiry", "inquiry", "询价")))
        expect(box).to_contain_text(note)
        prices = keyed(supplier, "b2b_supplier_quote_", "_price_").locator("input")
        expect(prices).to_have_value(format_fen(goods.price_fen, grouping=False))  # the list price, prefilled
        quote_fen = goods.price_fen * 9 // 10  # 10% off
        prices.fill(format_fen(quote_fen, grouping=False))
        keyed(supplier, "b2b_supplier_quote_", "_note").locator("textarea").fill("Price incl. VAT, valid 30 days.")
        keyed(supplier, "b2b_supplier_quote_", "_submit").locator("button").click()
        settle(supplier)
        quoted = f"¥{format_fen(quote_fen * INQUIRY_QTY)}"
        expect(flash(supplier)).to_have_text(en("b2b.ui.quote_done", number=inquiry, total=quoted))

        # --- Ann sees 报价 and generates the negotiation form (B2B023)
        expect(buyer.get_by_role("heading", name=en("b2b.ui.negotiation_title"))).to_be_visible()
        pick(buyer, "b2b_buyer_inq_pick", inquiry)
        box = keyed(buyer, "b2b_buyer_inq_", "_box")
        expect(box).to_contain_text(en("b2b.ui.detail_status", status=status("inquiry", "quoted", "报价")))
        expect(box).to_contain_text(en("b2b.ui.quoted_total", total=quoted).replace("*", ""))
        expect(box).to_contain_text("Price incl. VAT, valid 30 days.")
        buyer.mouse.move(0, 0)
        scroll_to_top_of(buyer.locator(".st-key-b2b_buyer_inq_pick"))
        shoot(buyer, "30-b2b-inquiry-quoted.png")
        keyed(buyer, "b2b_buyer_open_neg_").locator("button").click()
        settle(buyer)
        expect(flash(buyer)).to_contain_text("B2B023: negotiation form ")
        form = number_in(flash(buyer).inner_text(), "NG")
        room = keyed(buyer, "b2b_buyer_room_", "_box")
        expect(room).to_contain_text(en("b2b.ui.room_empty"))

        # --- B2B024 (Bob): the four terms in the room
        open_form(supplier, SUPPLIER, form)
        room = keyed(supplier, "b2b_supplier_room_", "_box")
        expect(room).to_contain_text(status("negotiation", "none_agreed", "双方不同意"))
        terms = {
            "_quality": "GB/T 2828.1, general inspection level II",
            "_inspection": "Sampling on arrival, within 3 days",
            "_place": "Buyer's warehouse, Beijing",
            "_payment": "Online payment within 30 days",
        }
        for end, value in terms.items():
            keyed(supplier, "b2b_supplier_room_", end).locator("textarea, input").fill(value)
        keyed(supplier, "b2b_supplier_room_", "_entry_submit").locator("button").click()
        settle(supplier)
        expect(flash(supplier)).to_have_text(en("b2b.ui.entry_done", task="B2B024"))

        # --- B2B025 (Ann): sees Bob's terms; shortens the payment term and writes a message
        open_form(buyer, BUYER, form)
        room = keyed(buyer, "b2b_buyer_room_", "_box")
        for value in terms.values():
            expect(room).to_contain_text(value)
        payment = keyed(buyer, "b2b_buyer_room_", "_payment").locator("input")
        expect(payment).to_have_value("Online payment within 30 days")  # starts from the terms on the table
        payment.fill("Online payment within 15 days")
        keyed(buyer, "b2b_buyer_room_", "_message").locator("textarea").fill("Agreed, if we pay in 15 days.")
        keyed(buyer, "b2b_buyer_room_", "_entry_submit").locator("button").click()
        settle(buyer)
        expect(flash(buyer)).to_have_text(en("b2b.ui.entry_done", task="B2B025"))

        # --- B2B026 (Bob): sees Ann's entry and agrees
        open_form(supplier, SUPPLIER, form)
        room = keyed(supplier, "b2b_supplier_room_", "_box")
        expect(room).to_contain_text("Agreed, if we pay in 15 days.")
        keyed(supplier, "b2b_supplier_room_", "_agree").locator("button").click()
        settle(supplier)
        one_agreed = status("negotiation", "one_agreed", "一方同意")
        expect(flash(supplier)).to_have_text(en("b2b.ui.agreed_done", task="B2B026", status=one_agreed))

        # --- B2B027 (Ann): opens the form again: 一方同意, the supplier agreed; she agrees too
        open_form(buyer, BUYER, form)
        room = keyed(buyer, "b2b_buyer_room_", "_box")
        expect(room).to_contain_text(
            en("b2b.ui.room_status", status=one_agreed, buyer=en("b2b.ui.no"), supplier=en("b2b.ui.yes"))
            .replace("*", "")
        )
        keyed(buyer, "b2b_buyer_room_", "_agree").locator("button").click()
        settle(buyer)
        both_agreed = status("negotiation", "both_agreed", "双方同意")
        expect(flash(buyer)).to_have_text(en("b2b.ui.agreed_done", task="B2B027", status=both_agreed))
        expect(room).to_contain_text(en("b2b.ui.room_contract"))
        buyer.mouse.move(0, 0)
        scroll_to_top_of(room, gap=62)  # status, both entries and the contract notice
        expect(room).to_be_in_viewport(ratio=1)
        shoot(buyer, "31-b2b-negotiation-room.png")

        # --- Bob sees 双方同意 and the contract notice; B2B029 (Bob) then B2B028 (Ann): both sign the
        #     contract with their certificate key
        open_form(supplier, SUPPLIER, form)
        room = keyed(supplier, "b2b_supplier_room_", "_box")
        expect(room).to_contain_text(
            en("b2b.ui.room_status", status=both_agreed, buyer=en("b2b.ui.yes"), supplier=en("b2b.ui.yes"))
            .replace("*", "")
        )
        expect(room).to_contain_text(en("b2b.ui.room_contract"))
        section(supplier, SUPPLIER, "contracts")
        rows = supplier.get_by_test_id("stDataFrame").locator("table tbody tr")
        expect(rows).to_have_count(1)
        contract = number_in(rows.first.inner_text(), "CT")
        panel = open_contract(supplier, SUPPLIER, contract)
        expect(keyed(supplier, "b2b_supplier_contract_", "_sig_supplier")).to_contain_text(en("b2b.ui.sig_unsigned"))
        expect(panel).to_contain_text("Online payment within 15 days")  # the agreed terms are in the contract
        keyed(supplier, "b2b_supplier_contract_", "_sign_submit").locator("button").click()
        settle(supplier)
        expect(flash(supplier)).to_have_text(en("b2b.ui.signed_done", task="B2B029", number=contract))

        panel = open_contract(buyer, BUYER, contract)
        expect(keyed(buyer, "b2b_buyer_contract_", "_sig_supplier")).to_contain_text(en("b2b.ui.sig_verified"))
        expect(keyed(buyer, "b2b_buyer_contract_", "_sig_buyer")).to_contain_text(en("b2b.ui.sig_unsigned"))
        keyed(buyer, "b2b_buyer_contract_", "_sign_submit").locator("button").click()
        settle(buyer)
        expect(flash(buyer)).to_have_text(en("b2b.ui.signed_done", task="B2B028", number=contract))
        signed = status("contract", "signed_by_both", "双方已签定")
        expect(panel).to_contain_text(en("b2b.ui.detail_status", status=signed))
        both_verified(buyer, BUYER)
        buyer.mouse.move(0, 0)
        scroll_to_top_of(panel)
        shoot(buyer, "32-b2b-contract-verified.png")
        panel = open_contract(supplier, SUPPLIER, contract)  # Bob sees it too
        expect(panel).to_contain_text(en("b2b.ui.detail_status", status=signed))
        both_verified(supplier, SUPPLIER)

        # --- B2B006 (Ann): goods in the cart, a purchase order
        section(buyer, BUYER, "shop")
        pick(buyer, "b2b_buyer_shop_supplier", bob.company)
        pick(buyer, "b2b_buyer_add_product", goods.sku)
        fill(buyer, b2b_buyer_add_quantity=str(ORDER_QTY))
        click(buyer, "b2b_buyer_add_submit")
        expect(flash(buyer)).to_contain_text(f"B2B005: {ORDER_QTY} × ")
        section(buyer, BUYER, "cart")
        expect(buyer.locator(".st-key-b2b_buyer_cart_pick")).to_contain_text(goods.sku)
        fill(buyer, b2b_buyer_order_address="2 Market Street, Beijing")
        click(buyer, "b2b_buyer_order_submit")
        expect(flash(buyer)).to_contain_text("B2B006: purchase order(s) ")
        order = number_in(flash(buyer).inner_text(), "PO")

        # --- B2B008 (Bob): the order arrived; he accepts it
        section(supplier, SUPPLIER, "orders")
        pick(supplier, "b2b_supplier_orders_pick", order)
        detail = keyed(supplier, "b2b_supplier_orders_", "_box")
        expect(detail).to_contain_text(en("b2b.ui.detail_status", status=status("order", "created", "已生成订货单")))
        expect(detail).to_contain_text("2 Market Street, Beijing")
        keyed(supplier, "b2b_supplier_accept_").locator("button").click()
        settle(supplier)
        accepted = status("order", "accepted", "已受理")
        expect(flash(supplier)).to_have_text(en("b2b.ui.accept_done", number=order, status=accepted))

        # --- B2B009 (Ann): sees 已受理 and confirms the order
        expect(buyer.get_by_role("heading", name=en("b2b.ui.orders_title"))).to_be_visible()
        pick(buyer, "b2b_buyer_orders_pick", order)
        detail = keyed(buyer, "b2b_buyer_order_", "_box")
        expect(detail).to_contain_text(en("b2b.ui.detail_status", status=accepted))
        keyed(buyer, "b2b_buyer_confirm_").locator("button").click()
        settle(buyer)
        confirmed = status("order", "confirmed", "已确认")
        expect(flash(buyer)).to_have_text(en("b2b.ui.confirm_done", number=order, status=confirmed))
        expect(detail).to_contain_text(en("b2b.ui.detail_status", status=confirmed))
        expect(detail).to_contain_text(en("b2b.ui.detail_settlement", status=status("settlement", "open", "未结算")))
        buyer.mouse.move(0, 0)
        shoot(buyer, "33-b2b-order-confirmed.png")

        # --- Bob sees the confirmed order among his sales orders
        section(supplier, SUPPLIER, "negotiation")
        section(supplier, SUPPLIER, "orders")
        choose(supplier, "b2b_supplier_orders_view", en("b2b.ui.orders_view.sales"))
        pick(supplier, "b2b_supplier_sales_pick", order)
        detail = keyed(supplier, "b2b_supplier_sales_", "_box")
        expect(detail).to_contain_text(en("b2b.ui.detail_status", status=confirmed))
        supplier.mouse.move(0, 0)
        scroll_to_top_of(supplier.locator(".st-key-b2b_supplier_orders_view"))
        shoot(supplier, "34-b2b-supplier-orders.png")

        # --- the supplier's page in 简体中文 (still logged in to the platform): the signed contract
        supplier.locator(".st-key-ui_language button").filter(has_text="简体中文").click()
        expect(supplier.locator("h1")).to_have_text(zh("page.b2b_supplier"))
        settle(supplier)
        choose(supplier, "b2b_supplier_section", zh("b2b.ui.sec_supplier.contracts"))
        pick(supplier, "b2b_supplier_contract_pick", contract)
        panel = keyed(supplier, "b2b_supplier_contract_", "_box")
        expect(panel).to_contain_text(zh("b2b.ui.detail_status", status="双方已签定"))
        both_verified(supplier, SUPPLIER, "zh_CN")
        supplier.mouse.move(0, 0)
        scroll_to_top_of(panel)
        shoot(supplier, "35-b2b-zh.png")
    finally:
        for context in contexts:
            context.close()

    # --- the grader passes each student's own tasks
    passed = graded(server, ann.class_id, [ann.user_id, bob.user_id], ANN_TASKS + BOB_TASKS)
    assert passed[ann.user_id] >= set(ANN_TASKS), sorted(set(ANN_TASKS) - passed[ann.user_id])
    assert passed[bob.user_id] >= set(BOB_TASKS), sorted(set(BOB_TASKS) - passed[bob.user_id])
    assert not passed[bob.user_id] & set(ANN_TASKS), passed[bob.user_id]  # nobody is credited the other's work
    assert not passed[ann.user_id] & set(BOB_TASKS), passed[ann.user_id]
