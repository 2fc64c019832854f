"""Chain A (catalog-notes §2) in a real browser, three students of one class in three browser
contexts on a server of its own: Ann plays the buyer company (采购商), Bob the supplier company
(供应商) and Cai the logistics company (物流商).

Set-up through the services on the server's SQLite file, for what other browser tests already
cover on the pages (test_email_flow: the mailbox, EMAIL001; test_bank_flow: the corporate bank
account, its certificate and the certificate login, EBANK001/CA002/CA003/EBANK002, and a deposit,
EBANK004; test_b2b_flow: member registration with installed certificates, B2B001/CA002/CA003,
and the inquiry → quote → negotiation → signed contract branch, B2B005/B2B007/B2B022–B2B029):
the instructor's class is made in the browser; the three join it; Ann and Bob open mailboxes and
corporate bank accounts (Ann's funded), register their B2B companies, link their accounts to them
and negotiate a contract that both sign; Cai opens a corporate bank account (EBANK001).

Then through the UI, each step by its party and checked on the other party's page:
Cai registers the logistics company (LGS001), adds a warehouse (LGS007) and a vehicle (LGS012) →
Bob logs in (B2B004), sees Cai's company and warehouse and applies for its service with his
certificate (LGS021) → Cai sees the application and approves it (LGS022) → Bob ships goods into
Cai's warehouse (B2B011; Cai is his only consignee now) → Cai receives them (LGS003) and queries
the stock (LGS006) → Ann logs in (B2B003), shops (B2B005) and orders Bob's goods (B2B006) → Bob
sees his shipment received and accepts the order (B2B008) → Ann confirms it (B2B009) → Bob
generates a delivery order to Cai (B2B010) → Cai accepts it (LGS002, the fee is booked), issues
the goods (LGS004), allocates the vehicle (LGS009), confirms the dispatch (LGS010) and marks it
delivered (LGS020) → Ann sees 送货完成 on her order, opens her payable details (B2B032) and settles
the order through the e-bank (B2B017) → Bob sees the order settled in his receivables (B2B030)
and Cai's unpaid fee in his payables (B2B031) → Cai links his receiving account and sees the fee
among his receivables (LGS018) → Bob pays the fee through the e-bank → Cai sees it paid. At the
end the grader passes every chain A task each student did, in the UI or in the set-up, and none
of the others'.

Screenshots 36–39 (``SANDBOX_SCREENSHOTS=docs/screenshots`` refreshes the README's copies).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import select

import sandbox.models  # noqa: F401  (every table known to the mapper)
from sandbox.b2b import inquiries, members, negotiation
from sandbox.b2b.models import BUYER, SUPPLIER, Product
from sandbox.bots import BotWorld
from sandbox.bots import b2b as b2b_bots
from sandbox.bots import ebank as bank_bots
from sandbox.bots import email as mail_bots
from sandbox.db import Database
from sandbox.ebank.models import CORPORATE
from sandbox.ebank.numbers import group
from sandbox.identity import passwords
from sandbox.identity import services as identity
from sandbox.ledger.money import format_fen
from sandbox.logistics.models import APPLIED, APPROVED, FEE_OPEN, FEE_PAID
from sandbox.logistics.states import LABELS_ZH
from sandbox.pki import crypto
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
    pick_many,
    press,
    row,
    scroll_to_top_of,
    section,
    sign_in,
    status,
    unfocus,
)
from tests.e2e.support import PASSWORD, Server, en, fill, go, set_up_class, settle, shoot

pytestmark = pytest.mark.e2e

SET_UP_BANK = ["EMAIL001", "EBANK001", "CA002", "CA003", "EBANK002"]
SET_UP_NEGOTIATION_BUYER = ["B2B007", "B2B023", "B2B025", "B2B027", "B2B028"]
SET_UP_NEGOTIATION_SUPPLIER = ["B2B022", "B2B024", "B2B026", "B2B029"]
ANN_TASKS = [*SET_UP_BANK, "EBANK004", "B2B001", *SET_UP_NEGOTIATION_BUYER,
             "B2B003", "B2B005", "B2B006", "B2B009", "B2B032", "B2B017"]
BOB_TASKS = [*SET_UP_BANK, "B2B001", *SET_UP_NEGOTIATION_SUPPLIER,
             "B2B004", "LGS021", "B2B011", "B2B008", "B2B010", "B2B030", "B2B031"]
CAI_TASKS = ["EBANK001", "LGS001", "LGS007", "LGS012", "LGS022", "LGS003", "LGS006", "LGS002", "LGS004", "LGS009",
             "LGS010", "LGS020", "LGS018"]
SHIP_QTY = 20
ORDER_QTY = 3
FUNDS_FEN = 5_000_000  # ¥50,000: ORDER_QTY of the dearest goods a world can hold (¥9,999 each) and more
LOGISTICS = "Cai Freight Co"
WAREHOUSE = ("WH01", "Pudong Depot", "8 Harbour Road, Shanghai", "500")
VEHICLE = ("沪A12345", "Van", "40")


@dataclass(frozen=True)
class Goods:
    sku: str
    price_fen: int


@dataclass(frozen=True)
class Cast:
    ann: Student
    bob: Student
    cai: Student
    goods: Goods
    ann_card: str
    bob_account: str
    cai_account: str


# ----------------------------------------------------------------------------- set-up through the services


def prepare(server: Server, code: str) -> Cast:
    """The three join the class; Ann and Bob open mailboxes (EMAIL001) and corporate bank accounts
    (EBANK001, its certificate verified and downloaded CA002/CA003, certificate login EBANK002; Ann
    deposits EBANK004), register their B2B companies (B2B001) with installed certificates
    (CA002/CA003), log in to the platform (B2B003/B2B004) to link their bank accounts to their
    companies and negotiate a contract they both sign (B2B005/B2B007, B2B022–B2B029); Cai opens a
    corporate bank account (EBANK001) — as the students, through the services on the server's
    database. ``SANDBOX_DATA_DIR`` must name the
    server's data folder: the CA keys are sealed with its key file."""
    db = Database.connect(server.database_url)
    try:
        uow = UnitOfWork(db)
        people: dict[str, Student] = {}
        traders: dict[str, b2b_bots.Trader] = {}
        cards: dict[str, str] = {}
        for username, full_name, member_type, company in (
            ("ann", "Ann Li", BUYER, "Ann Trading Co"),
            ("bob", "Bob Wang", SUPPLIER, "Bob Supply Co"),
            ("cai", "Cai Min", "", ""),
        ):
            actor = identity.register_student(
                uow, enrollment_code=code, username=username, full_name=full_name, password=PASSWORD,
                password_confirm=PASSWORD,
            )
            assert actor.class_id is not None
            login_name = f"{username}-{member_type}" if member_type else ""
            people[username] = Student(username, full_name, actor.user_id, actor.class_id, member_type, login_name,
                                       company)
            world = BotWorld(uow=uow, class_id=actor.class_id, student=actor)
            if not member_type:  # the logistics company's receiving account (EBANK001)
                cards[username] = bank_bots.ensure_corporate(world, actor).account_number
                continue
            mail_bots.ensure_mailbox(world, actor)
            token = bank_bots.corporate_session(world, actor)
            if member_type == BUYER:
                bank_bots.ensure_funds(world, actor, CORPORATE, FUNDS_FEN, token)
            cards[username] = bank_bots.ensure_corporate(world, actor).account_number
            reg = b2b_setup.register(uow, actor, member_type, login_name, company_name=company, contact_name=full_name)
            assert reg.download_password is not None
            b2b_setup.install_certificate(uow, actor, reg.certificate_number, reg.download_password,
                                          reg.certificate_id)
            b2b_token = b2b_setup.login(uow, actor, member_type, login_name, reg.certificate_id)
            traders[username] = b2b_bots.Trader(actor, b2b_token, reg.member.id, member_type, reg.certificate_id)
            members.link_bank_account(uow, actor, b2b_token, bank_account_number=cards[username])
        ann, bob = traders["ann"], traders["bob"]
        world = BotWorld(uow=uow, class_id=people["ann"].class_id, student=ann.actor)
        inquiry_id = b2b_bots.ask(world, ann, bob.member_id)
        with uow.read() as s:
            b2b_bots.quote(world, bob, inquiries.inquiry_detail(s, bob.actor, bob.token, inquiry_id))
        form_id = negotiation.open_negotiation(uow, ann.actor, ann.token, inquiry_id).id
        for trader in (bob, ann):
            b2b_bots.write_terms(world, trader, form_id)
        for trader in (bob, ann):
            b2b_bots.agree(world, trader, form_id)
        with uow.read() as s:
            contract_id = negotiation.negotiation_detail(s, ann.actor, ann.token, form_id).contract_id
        assert contract_id is not None
        for trader in (bob, ann):
            b2b_bots.sign(world, trader, contract_id)
        with uow.read() as s:
            product = s.scalars(
                select(Product).where(Product.supplier_id == bob.member_id).order_by(Product.id)
            ).first()
            assert product is not None and product.available >= SHIP_QTY
            goods = Goods(product.sku, product.price_fen)
        return Cast(people["ann"], people["bob"], people["cai"], goods, cards["ann"], cards["bob"], cards["cai"])
    finally:
        db.dispose()


# ----------------------------------------------------------------------------- page helpers


def lgs_section(page: Page, name: str) -> None:
    """A section of the logistics company's page."""
    choose(page, "lgs_section", en(f"lgs.ui.sec.{name}"))


def lgs_status(machine: str, state: str, zh_word: str) -> str:
    """A logistics document status as the English page shows it."""
    return f"{zh_word} · {en(f'lgs.ui.status.{machine}.{state}')}"


# ----------------------------------------------------------------------------- the test


def test_buyer_supplier_and_logistics_company_run_chain_a_in_three_browsers(
    page: Page, browser: Browser, browser_context_args: dict, fresh_server: Server, monkeypatch: pytest.MonkeyPatch
) -> None:
    server = fresh_server
    # the services below seal and open CA keys with the server's master key (its data folder's key file)
    monkeypatch.setenv("SANDBOX_DATA_DIR", str(server.data_dir))
    # the set-up's own hashes and the class CA's root key come cheap (the classroom profiles are unit-tested;
    # the server upgrades a cheap password hash at the next login)
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    monkeypatch.setattr(crypto, "ROOT_KEY_BITS", 2048)
    # --- the instructor sets up the sandbox and creates a class; the three join it (set-up above)
    code = set_up_class(page, server)
    cast = prepare(server, code)
    ann, bob, cai, goods = cast.ann, cast.bob, cast.cai, cast.goods

    contexts = [browser.new_context(**browser_context_args) for _ in range(3)]
    buyer, supplier, carrier = (c.new_page() for c in contexts)
    try:
        # --- LGS001 (Cai): the logistics page offers registration; he registers his company
        sign_in(carrier, server, cai)
        go(carrier, en("page.logistics"), en("page.logistics"))
        expect(carrier.get_by_role("heading", name=en("lgs.ui.register_title"))).to_be_visible()
        fill(carrier, lgs_register_name=LOGISTICS, lgs_register_contact=cai.full_name,
             lgs_register_phone="021-66668888", lgs_register_address="8 Harbour Road, Shanghai")
        carrier.locator(".st-key-lgs_register_terms textarea").fill("Door to door within 3 days; fees per order.")
        click(carrier, "lgs_register_submit")
        expect(flash(carrier)).to_have_text(en("lgs.ui.registered", name=LOGISTICS))
        expect(carrier.locator(".st-key-lgs_header")).to_contain_text(LOGISTICS)

        # --- LGS007 (Cai): a warehouse
        wh_code, wh_name, wh_address, wh_capacity = WAREHOUSE
        fill(carrier, lgs_wh_add_code=wh_code, lgs_wh_add_capacity=wh_capacity, lgs_wh_add_name=wh_name,
             lgs_wh_add_address=wh_address)
        click(carrier, "lgs_wh_add_submit")
        expect(flash(carrier)).to_have_text(en("lgs.ui.warehouse_added", code=wh_code))
        expect(row(carrier, wh_name)).to_have_count(1)

        # --- LGS012 (Cai): a vehicle
        plate, kind, load = VEHICLE
        lgs_section(carrier, "vehicles")
        fill(carrier, lgs_veh_add_code=plate, lgs_veh_add_kind=kind, lgs_veh_add_capacity=load)
        click(carrier, "lgs_veh_add_submit")
        expect(flash(carrier)).to_have_text(en("lgs.ui.vehicle_added", code=plate))

        # --- B2B004 (Bob): logs in
        login(supplier, server, bob)

        # --- LGS021 (Bob): Cai's company and warehouse are listed; he applies with his certificate
        section(supplier, SUPPLIER, "logistics")
        expect(row(supplier, LOGISTICS)).to_have_count(1)
        pick(supplier, "b2b_supplier_provider_pick", LOGISTICS)
        expect(keyed(supplier, "b2b_supplier_provider_", "_box")).to_contain_text(wh_name)
        expect(supplier.locator(".st-key-b2b_supplier_apply_ca_box")).to_contain_text(en("b2b.ui.ca_box"))
        identity_box = supplier.locator(".st-key-b2b_supplier_apply_identity").get_by_role("combobox")
        expect(identity_box).to_have_value(re.compile(rf" · {re.escape(bob.company)}$"))  # his installed certificate
        supplier.locator(".st-key-b2b_supplier_apply_accept").get_by_text(en("b2b.ui.accept_terms")).click()
        click(supplier, "b2b_supplier_apply_submit")
        expect(flash(supplier)).to_have_text(en("b2b.ui.applied_done", provider=LOGISTICS))

        # --- LGS022 (Cai): the application is in his customers; he approves it
        lgs_section(carrier, "customers")
        expect(row(carrier, bob.company)).to_contain_text(lgs_status("application", APPLIED, LABELS_ZH[APPLIED]))
        pick(carrier, "lgs_app_pick", bob.company)
        press(keyed(carrier, "lgs_decide_", "_approve"))
        expect(flash(carrier)).to_have_text(
            en("lgs.ui.decided", supplier=bob.company, status=lgs_status("application", APPROVED, LABELS_ZH[APPROVED])))

        # --- B2B011 (Bob): a shipment of the goods Ann will order, consigned to Cai's warehouse
        section(supplier, SUPPLIER, "shipping")
        pick_many(supplier, "b2b_supplier_ship_new_goods", goods.sku)
        keyed(supplier, "b2b_supplier_ship_new_qty_").locator("input").fill(str(SHIP_QTY))
        click(supplier, "b2b_supplier_ship_new_submit")
        expect(flash(supplier)).to_contain_text(" created: now choose the consignee and warehouse")
        shipment = number_in(flash(supplier).inner_text(), "SH")
        consignee = supplier.locator(".st-key-b2b_supplier_ship_provider").get_by_role("combobox")
        expect(consignee).to_have_value(LOGISTICS)  # Cai approved Bob: his only consignee
        expect(supplier.locator(".st-key-b2b_supplier_ship_warehouse").get_by_role("combobox")).to_have_value(
            f"{wh_code} · {wh_name}")
        click(supplier, "b2b_supplier_ship_confirm")
        expect(flash(supplier)).to_have_text(en("b2b.ui.shipment_confirmed", number=shipment, warehouse=wh_code))
        section(supplier, SUPPLIER, "orders")  # where Ann's order will arrive

        # --- LGS003 (Cai): the inbound order (未入库) of Bob's shipment; he receives it
        lgs_section(carrier, "inbound")
        expect(row(carrier, bob.company)).to_contain_text(lgs_status("inbound_order", "pending", "未入库"))
        pick(carrier, "lgs_in_pick", bob.company)
        press(keyed(carrier, "lgs_receive_"))
        expect(flash(carrier)).to_contain_text("LGS003: inbound order IN")

        # --- LGS006 (Cai): the stock query shows Bob's goods in the warehouse
        lgs_section(carrier, "stock")
        click(carrier, "lgs_stock_query_submit")
        held = row(carrier, goods.sku)
        expect(held).to_have_count(1)
        expect(held.locator("td").last).to_have_text(str(SHIP_QTY))

        # --- B2B003 / B2B005 / B2B006 (Ann): logs in, puts Bob's goods in the cart and orders them
        login(buyer, server, ann)
        pick(buyer, "b2b_buyer_shop_supplier", bob.company)
        pick(buyer, "b2b_buyer_add_product", goods.sku)
        fill(buyer, b2b_buyer_add_quantity=str(ORDER_QTY))
        click(buyer, "b2b_buyer_add_submit")
        expect(flash(buyer)).to_contain_text(f"B2B005: {ORDER_QTY} × ")
        section(buyer, BUYER, "cart")
        expect(row(buyer, goods.sku)).to_have_count(1)
        fill(buyer, b2b_buyer_order_address="2 Market Street, Beijing")
        click(buyer, "b2b_buyer_order_submit")
        expect(flash(buyer)).to_contain_text("B2B006: purchase order(s) ")
        order = number_in(flash(buyer).inner_text(), "PO")
        total = f"¥{format_fen(goods.price_fen * ORDER_QTY)}"

        # --- Bob sees his shipment received (入库单 已入库); B2B008: he accepts Ann's order
        section(supplier, SUPPLIER, "shipping")
        shipped = row(supplier, shipment)
        expect(shipped).to_contain_text(status("shipment", "shipped", "已发货"))
        expect(shipped).to_contain_text(status("inbound", "received", "已入库"))
        section(supplier, SUPPLIER, "orders")
        pick(supplier, "b2b_supplier_orders_pick", order)
        detail = keyed(supplier, "b2b_supplier_orders_", "_box")
        expect(detail).to_contain_text(en("b2b.ui.detail_buyer", company=ann.company))
        press(keyed(supplier, "b2b_supplier_accept_"))
        accepted = status("order", "accepted", "已受理")
        expect(flash(supplier)).to_have_text(en("b2b.ui.accept_done", number=order, status=accepted))

        # --- B2B009 (Ann): sees 已受理 and confirms
        pick(buyer, "b2b_buyer_orders_pick", order)
        detail = keyed(buyer, "b2b_buyer_order_", "_box")
        expect(detail).to_contain_text(en("b2b.ui.detail_status", status=accepted))
        press(keyed(buyer, "b2b_buyer_confirm_"))
        confirmed = status("order", "confirmed", "已确认")
        expect(flash(buyer)).to_have_text(en("b2b.ui.confirm_done", number=order, status=confirmed))

        # --- B2B010 (Bob): the confirmed sales order → a delivery order to Cai (his approved provider)
        choose(supplier, "b2b_supplier_orders_view", en("b2b.ui.orders_view.sales"))
        pick(supplier, "b2b_supplier_sales_pick", order)
        expect(keyed(supplier, "b2b_supplier_sales_", "_box")).to_contain_text(
            en("b2b.ui.detail_status", status=confirmed))
        provider_box = keyed(supplier, "b2b_supplier_delivery_", "_provider").get_by_role("combobox")
        expect(provider_box).to_have_value(LOGISTICS)
        press(keyed(supplier, "b2b_supplier_delivery_", "_submit"))
        expect(flash(supplier)).to_contain_text(f" sent to {LOGISTICS} (待受理).")
        delivery = number_in(flash(supplier).inner_text(), "DO")

        # --- LGS002 (Cai): the delivery order awaits acceptance; accepted from the warehouse
        #     holding the goods (preselected); the fee (base + per unit) is booked
        lgs_section(carrier, "delivery")
        expect(row(carrier, delivery)).to_contain_text(bob.company)
        pick(carrier, "lgs_do_pick", delivery)
        issuing = keyed(carrier, "lgs_accept_", "_warehouse").get_by_role("combobox")
        expect(issuing).to_have_value(f"{wh_code} · {wh_name}")
        press(keyed(carrier, "lgs_accept_", "_submit"))
        fee = f"¥{format_fen(5000 + 200 * ORDER_QTY)}"  # the default rates: ¥50.00 per order + ¥2.00 per unit
        expect(flash(carrier)).to_contain_text(f"LGS002: delivery order {delivery} accepted; outbound order made, "
                                               f"fee {fee} booked.")

        # --- LGS004 (Cai): the outbound order (未出库) is issued
        lgs_section(carrier, "outbound")
        pick(carrier, "lgs_ob_pick", delivery)
        press(keyed(carrier, "lgs_issue_"))
        expect(flash(carrier)).to_contain_text("LGS004: outbound order OB")

        # --- LGS009 / LGS010 (Cai): the vehicle allocated, the dispatch confirmed
        lgs_section(carrier, "dispatch")
        pick(carrier, "lgs_dp_alloc_pick", delivery)
        expect(keyed(carrier, "lgs_alloc_", "_vehicle").get_by_role("combobox")).to_have_value(
            f"{plate} · {kind} · {load}")
        press(keyed(carrier, "lgs_alloc_", "_submit"))
        expect(flash(carrier)).to_contain_text(f"LGS009: vehicle {plate} allocated to DP")
        pick(carrier, "lgs_dp_confirm_pick", delivery)
        carrier.locator(".st-key-lgs_dp_confirm_box button").filter(has_text=en("lgs.ui.confirm_dispatch")).click()
        settle(carrier)
        expect(flash(carrier)).to_contain_text("LGS010: dispatch DP")

        # --- LGS020 (Cai): the vehicle is on the road; delivered
        trip = row(carrier, delivery)
        expect(trip).to_contain_text(plate)
        expect(trip).to_contain_text(lgs_status("dispatch_order", "confirmed", "确定分配"))
        pick(carrier, "lgs_dp_deliver_pick", delivery)
        unfocus(carrier)
        scroll_to_top_of(carrier.locator(".st-key-lgs_section"), gap=70)
        shoot(carrier, "36-logistics-dispatch.png")
        carrier.locator(".st-key-lgs_dp_deliver_box button").filter(has_text=en("lgs.ui.deliver")).click()
        settle(carrier)
        expect(flash(carrier)).to_have_text(en("lgs.ui.delivered", number=delivery))

        # --- Ann sees 送货完成 on her order, delivered by Cai's company
        section(buyer, BUYER, "cart")
        section(buyer, BUYER, "orders")
        pick(buyer, "b2b_buyer_orders_pick", order)
        detail = keyed(buyer, "b2b_buyer_order_", "_box")
        delivered = status("order", "delivered", "送货完成")
        expect(detail).to_contain_text(en("b2b.ui.detail_status", status=delivered))
        expect(detail).to_contain_text(en("b2b.ui.detail_delivery", number=delivery, provider=LOGISTICS,
                                          status=status("delivery", "delivered", "送货完成")))
        unfocus(buyer)
        scroll_to_top_of(buyer.locator(".st-key-b2b_buyer_section"), gap=70)
        shoot(buyer, "37-buyer-delivered.png")

        # --- B2B032 / B2B017 (Ann): payable details of Bob's company; the order settled through the e-bank
        section(buyer, BUYER, "payables")
        expect(buyer.locator(".st-key-b2b_buyer_pay_supplier").get_by_role("combobox")).to_have_value(bob.company)
        click(buyer, "b2b_buyer_pay_details")
        expect(row(buyer, order)).to_contain_text(status("settlement", "open", "未结算"))
        pick(buyer, "b2b_buyer_pay_pick", order)
        expect(buyer.locator(".st-key-b2b_buyer_settle_card input")).to_have_value(cast.ann_card)
        fill(buyer, b2b_buyer_settle_pw=bank_bots.PAY_PASSWORD)
        press(keyed(buyer, "b2b_buyer_settle_", "_submit"))
        expect(flash(buyer)).to_contain_text(f"B2B017: order {order} settled: {total} paid (payment ")

        # --- B2B030 (Bob): the order settled among his receivables from Ann's company
        section(supplier, SUPPLIER, "accounts")
        expect(supplier.locator(".st-key-b2b_supplier_receivables_partner").get_by_role("combobox")).to_have_value(
            ann.company)
        click(supplier, "b2b_supplier_receivables_details")
        line = row(supplier, order)
        expect(line).to_contain_text(order)
        expect(line).to_contain_text(status("settlement", "settled", "已结算"))
        expect(line).to_contain_text(total)

        # --- B2B031 (Bob): Cai's delivery fee among his payables to logistics companies, unpaid
        choose(supplier, "b2b_supplier_acc_view", en("b2b.ui.acc_view.payables"))
        expect(supplier.locator(".st-key-b2b_supplier_payables_partner").get_by_role("combobox")).to_have_value(
            LOGISTICS)
        click(supplier, "b2b_supplier_payables_details")
        line = row(supplier, delivery)
        expect(line).to_contain_text(order)
        expect(line).to_contain_text(fee)
        expect(line).to_contain_text(status("fee", FEE_OPEN, "未付款"))

        # --- LGS018 (Cai): links his corporate account for the fees (收款账户); the fee among his
        #     receivables from Bob's company, unpaid
        lgs_section(carrier, "receivables")
        expect(carrier.locator(".st-key-lgs_account_number").get_by_role("combobox")).to_have_value(
            re.compile(rf"^{group(cast.cai_account)} · "))
        click(carrier, "lgs_account_submit")
        expect(flash(carrier)).to_have_text(en("lgs.ui.account_linked", number=group(cast.cai_account)))
        expect(carrier.locator(".st-key-lgs_rcv_supplier").get_by_role("combobox")).to_have_value(bob.company)
        click(carrier, "lgs_rcv_submit")
        line = row(carrier, delivery)
        expect(line).to_contain_text(fee)
        expect(line).to_contain_text(lgs_status("fee", FEE_OPEN, "未付款"))

        # --- Bob pays the fee through the e-bank from his corporate account (no task of its own)
        expect(keyed(supplier, "b2b_supplier_feepay_", "_fees")).to_contain_text(f"{delivery} · {fee}")
        expect(supplier.locator(".st-key-b2b_supplier_fee_card input")).to_have_value(cast.bob_account)
        fill(supplier, b2b_supplier_fee_pw=bank_bots.PAY_PASSWORD)
        unfocus(supplier)
        scroll_to_top_of(supplier.get_by_role("heading", name=en("b2b.ui.accounts_title")), gap=70)
        shoot(supplier, "38-supplier-fee-payment.png")
        press(keyed(supplier, "b2b_supplier_feepay_", "_submit"))
        expect(flash(supplier)).to_contain_text(f"1 delivery fee(s) paid to {LOGISTICS}: {fee} (payment ")
        expect(row(supplier, delivery)).to_contain_text(status("fee", FEE_PAID, "已付款"))

        # --- Cai sees the fee paid
        click(carrier, "lgs_rcv_submit")
        expect(row(carrier, delivery)).to_contain_text(lgs_status("fee", FEE_PAID, "已付款"))
        expect(row(carrier, bob.company).first).to_contain_text(fee)  # the summary: paid amount
        unfocus(carrier)
        scroll_to_top_of(carrier.get_by_role("heading", name=en("lgs.ui.receivables_title")), gap=70)
        shoot(carrier, "39-logistics-receivables.png")
    finally:
        for context in contexts:
            context.close()

    # --- the grader passes each student's own chain A tasks (UI and set-up), and nobody the others'
    everyone = [ann.user_id, bob.user_id, cai.user_id]
    mine = {ann.user_id: ANN_TASKS, bob.user_id: BOB_TASKS, cai.user_id: CAI_TASKS}
    passed = graded(server, ann.class_id, everyone, sorted({c for codes in mine.values() for c in codes}))
    for uid, codes in mine.items():
        assert passed[uid] >= set(codes), (uid, sorted(set(codes) - passed[uid]))
    assert not passed[cai.user_id] & (set(ANN_TASKS + BOB_TASKS) - set(CAI_TASKS)), passed[cai.user_id]
    assert not passed[ann.user_id] & (set(BOB_TASKS + CAI_TASKS) - set(ANN_TASKS)), passed[ann.user_id]
    assert not passed[bob.user_id] & (set(ANN_TASKS + CAI_TASKS) - set(BOB_TASKS)), passed[bob.user_id]
