"""The corporate e-bank walkthrough in a real browser, on a server of its own: the instructor sets
up and creates a class → a student registers and applies for a mailbox → registers corporate
online banking (EBANK001) and reads account number, user number, certificate number and download
password off the screen → at the CA centre verifies the download (CA002) and saves the .p12
through the browser's download (CA003) → logs in to the corporate bank by uploading that .p12
with its password (EBANK002: the key signs the bank's challenge), then user number and password
→ deposits (EBANK004) and transfers to a classmate's account (EBANK005) → sees the balance change
and the transfer in the transaction details (EBANK007) → My tasks ticks them → the bank page in
简体中文.

The classmate and their personal account (the payee) are made through the services on the
server's SQLite file. Screenshots 20–24 (``SANDBOX_SCREENSHOTS=docs/screenshots`` refreshes the
README's copies).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.serialization import pkcs12
from playwright.sync_api import Browser, Locator, Page, expect

import sandbox.models  # noqa: F401  (every table known to the mapper)
from sandbox.db import Database
from sandbox.ebank import services as bank
from sandbox.ebank.numbers import group, mask
from sandbox.identity import services as identity
from sandbox.uow import UnitOfWork
from tests.e2e.support import PASSWORD, Server, en, fill, go, set_up_class, settle, shoot, zh

pytestmark = pytest.mark.e2e

MAILPW = "mail-secret-1"
LOGINPW = "corp-login-2026"
PAYPW = "135790"
EBANK_CORPORATE = ["EBANK001", "EBANK002", "EBANK004", "EBANK005", "EBANK007"]
DONE = "check_circle"


def tab(page: Page, label: str) -> None:
    page.get_by_role("tab", name=label).click()
    settle(page)


def segment(page: Page, key: str, label: str) -> None:
    page.locator(f".st-key-{key}").get_by_role("radio", name=label, exact=True).click()
    settle(page)


def flash(page: Page) -> Locator:
    """The text of the success message (without its icon's ligature)."""
    return page.get_by_test_id("stAlertContentSuccess").get_by_test_id("stMarkdownContainer")


def scroll_to_top_of(box: Locator) -> None:
    """Scroll the page's main area so that ``box`` is at the top, just under Streamlit's top bar."""
    box.evaluate(
        """e => {
            let area = e.parentElement;  // the nearest ancestor that scrolls
            while (area && !(area.scrollHeight > area.clientHeight
                             && ['auto', 'scroll'].includes(getComputedStyle(area).overflowY))) {
                area = area.parentElement;
            }
            area = area || document.scrollingElement;
            area.scrollTop += e.getBoundingClientRect().top - area.getBoundingClientRect().top - 80;
        }"""
    )
    box.page.wait_for_timeout(200)


def metric(page: Page, label: str) -> Locator:
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def task(page: Page, code: str) -> Locator:
    """The label of a task's expander on My tasks (state icon ligature, code, titles)."""
    summary = page.locator("summary").filter(has_text=re.compile(rf"\b{code}\b"))
    return page.get_by_test_id("stExpander").filter(has=summary).locator("summary").get_by_test_id(
        "stMarkdownContainer"
    )


def tracker_icon(page: Page, module: str, code: str) -> Locator:
    """The tick/circle icon in front of ``code`` in the sidebar tracker of ``module``."""
    line = page.locator(f".st-key-tracker_{module} [data-testid=stMarkdownContainer]")
    return line.locator(f"xpath=.//code[normalize-space()='{code}']/preceding-sibling::*[1]")


def payee_account(server: Server, code: str) -> str:
    """A classmate with a personal account (the payee), made through the services; its number."""
    db = Database.connect(server.database_url)
    try:
        uow = UnitOfWork(db)
        lilei = identity.register_student(
            uow, enrollment_code=code, username="lilei", full_name="Li Lei", password=PASSWORD,
            password_confirm=PASSWORD,
        )
        return bank.register_personal(
            uow, lilei, full_name="Li Lei", id_number="110101200001011234", phone="13800138000",
            payment_password="246802", payment_password_confirm="246802",
        ).account_number
    finally:
        db.dispose()


def test_student_registers_downloads_the_p12_logs_in_with_it_and_transfers(
    page: Page, browser: Browser, browser_context_args: dict, fresh_server: Server, tmp_path: Path
) -> None:
    server = fresh_server
    # --- the instructor sets up the sandbox and creates a class
    code = set_up_class(page, server)
    payee = payee_account(server, code)

    context = browser.new_context(**browser_context_args, accept_downloads=True)
    student = context.new_page()
    try:
        # --- a student registers with the code and applies for a mailbox (the bank mails there)
        student.goto(server.url + "/register")
        settle(student)
        fill(student, reg_code=code, reg_username="hanmm", reg_full_name="Han Meimei", reg_number="2026001",
             reg_password=PASSWORD, reg_confirm=PASSWORD)
        student.get_by_role("button", name=en("register.submit")).click()
        expect(student.locator("h1")).to_have_text(en("home.title", name="Han Meimei"))
        settle(student)
        go(student, en("page.mailbox"), en("email.title"))
        student.locator(".st-key-mail_apply button").click()
        expect(student.locator(".st-key-mail_reg_local input")).to_have_value("hanmm")
        settle(student)
        fill(student, mail_reg_password=MAILPW, mail_reg_confirm=MAILPW)
        student.get_by_role("button", name=en("email.ok"), exact=True).click()
        expect(student.get_by_text(en("email.registered", address="hanmm@sandbox.test"))).to_be_visible()
        settle(student)

        # --- EBANK001: corporate registration (terms, company details, passwords)
        go(student, en("page.ebank"), en("ebank.ui.title"))
        tab(student, en("ebank.ui.tab_corporate"))
        expect(student.get_by_text(en("ebank.ui.corporate_intro"))).to_be_visible()
        student.get_by_test_id("stExpander").filter(has_text=en("ebank.ui.terms_title")).locator("summary").click()
        expect(student.get_by_text("This is a teaching sandbox: no real money moves.")).to_be_visible()
        student.locator(".st-key-ebank_corp_register_agree label").click()
        fill(student, ebank_corp_register_company="Han Trading Co., Ltd", ebank_corp_register_licence="91110108MA01ABCD2X",
             ebank_corp_register_address="1 Zhongguancun St, Beijing", ebank_corp_register_contact="Han Meimei",
             ebank_corp_register_phone="010-62750000", ebank_corp_register_email="hanmm@sandbox.test",
             ebank_corp_register_login=LOGINPW, ebank_corp_register_login_confirm=LOGINPW,
             ebank_corp_register_pay=PAYPW, ebank_corp_register_pay_confirm=PAYPW)
        student.locator(".st-key-ebank_corp_register_submit button").click()
        expect(flash(student)).to_have_text(en("ebank.ui.corporate_done"))
        numbers = student.get_by_test_id("stText").filter(has_text=en("ebank.ui.account_number"))
        found = re.search(
            r"Account number: ([\d ]+) · User number: (\w+) · CA certificate number: (\d+)", numbers.inner_text()
        )
        assert found, numbers.inner_text()
        account, user_number, cert_number = found.group(1).strip(), found.group(2), found.group(3)
        download_pw = student.get_by_test_id("stCode").inner_text().strip()
        assert len(account.replace(" ", "")) == 16 and download_pw, (account, download_pw)
        expect(tracker_icon(student, "EBANK", "EBANK001")).to_have_text(DONE)
        settle(student)
        shoot(student, "20-bank-register.png")
        student.locator(".st-key-ebank_corp_noted button").click()
        expect(student.get_by_text(en("ebank.ui.corporate_login"))).to_be_visible()
        settle(student)

        # --- CA002 / CA003 at the CA centre: verify with number + password, save the .p12
        go(student, en("page.ca"), en("ca.title"))
        student.locator(".st-key-ca_view").get_by_text(en("ca.view_download"), exact=True).click()
        settle(student)
        fill(student, ca_dl_number_input=cert_number, ca_dl_password_input=download_pw)
        student.locator(".st-key-ca_verify_submit button").click()
        student.locator(".st-key-ca_download button").click()
        expect(flash(student)).to_have_text(en("ca.downloaded_done"))
        settle(student)
        with student.expect_download() as caught:
            student.locator(".st-key-ca_save_p12 button").click()
        saved = tmp_path / caught.value.suggested_filename
        caught.value.save_as(saved)
        assert saved.suffix == ".p12", saved
        key, cert, _ = pkcs12.load_key_and_certificates(saved.read_bytes(), download_pw.encode())
        assert key is not None and cert is not None
        expect(tracker_icon(student, "CA", "CA003")).to_have_text(DONE)
        shoot(student, "21-ca-download.png")

        # --- EBANK002: the CA identity box signs the challenge with the uploaded .p12, then
        #     user number and login password
        go(student, en("page.ebank"), en("ebank.ui.title"))
        tab(student, en("ebank.ui.tab_corporate"))
        box = student.locator(".st-key-ebank_ca_box")
        expect(box).to_contain_text(en("ebank.ui.ca_box"))
        box.locator(".st-key-ebank_ca_p12 input[type=file]").set_input_files(str(saved))
        expect(box.get_by_role("button", name=f"Remove {saved.name}")).to_be_visible()
        fill(student, ebank_ca_p12_pw=download_pw)
        student.locator(".st-key-ebank_ca_submit button").click()
        expect(flash(student)).to_contain_text(f"Certificate {cert_number} (Han Trading Co., Ltd) verified")
        settle(student)
        fill(student, ebank_login_user=user_number, ebank_login_pw=LOGINPW)
        shoot(student, "22-bank-cert-login.png")
        student.locator(".st-key-ebank_login_submit button").click()
        expect(flash(student)).to_have_text(en("ebank.ui.login_done", holder="Han Trading Co., Ltd"))
        expect(metric(student, en("ebank.ui.account_number"))).to_have_text(account)
        expect(metric(student, en("ebank.ui.balance"))).to_have_text("¥0.00")
        expect(tracker_icon(student, "EBANK", "EBANK002")).to_have_text(DONE)
        settle(student)

        # --- EBANK004: deposit 1,000.00
        fill(student, ebank_corporate_deposit_amount="1000", ebank_corporate_deposit_pw=PAYPW)
        student.locator(".st-key-ebank_corporate_deposit_submit button").click()
        expect(flash(student)).to_have_text(en("ebank.ui.deposit_done", amount="¥1,000.00", balance="¥1,000.00"))
        expect(metric(student, en("ebank.ui.balance"))).to_have_text("¥1,000.00")
        settle(student)

        # --- EBANK005: transfer 250.50 to the classmate's account
        segment(student, "ebank_corp_op", en("ebank.ui.op_transfer"))
        fill(student, ebank_corporate_transfer_to=payee, ebank_corporate_transfer_amount="250.50",
             ebank_corporate_transfer_memo="Invoice 2026-001", ebank_corporate_transfer_pw=PAYPW)
        student.locator(".st-key-ebank_corporate_transfer_submit button").click()
        expect(flash(student)).to_have_text(
            en("ebank.ui.transfer_done", amount="¥250.50", to=group(payee), balance="¥749.50")
        )
        expect(metric(student, en("ebank.ui.balance"))).to_have_text("¥749.50")
        settle(student)

        # --- EBANK007: the transaction details show the deposit and the transfer
        segment(student, "ebank_corp_op", en("ebank.ui.op_inquiry"))
        student.locator(".st-key-ebank_corporate_screen").get_by_text(
            en("ebank.ui.screen_transactions"), exact=True
        ).click()
        settle(student)
        student.locator(".st-key-ebank_corporate_transactions_submit button").click()
        grid = student.get_by_test_id("stDataFrame")
        expect(grid).to_be_visible()
        settle(student)
        rows = grid.locator("table tbody tr")
        expect(rows).to_have_count(2)
        transfer_row = rows.filter(has_text="Invoice 2026-001")
        expect(transfer_row).to_contain_text("250.50")
        expect(transfer_row).to_contain_text("749.50")
        expect(transfer_row).to_contain_text(f"{mask(payee)} Li Lei")
        expect(rows.filter(has_text="1,000.00")).to_have_count(1)
        for code in EBANK_CORPORATE[:-1]:  # the query's own tick shows from the next run on (My tasks)
            expect(tracker_icon(student, "EBANK", code)).to_have_text(DONE)
        student.mouse.move(0, 0)
        scroll_to_top_of(student.get_by_role("tablist"))
        expect(grid).to_be_in_viewport(ratio=1)
        shoot(student, "23-bank-transfer.png")

        # --- My tasks ticks the EBANK and CA tasks done
        go(student, en("page.tasks"), en("tasks.title"))
        for code in [*EBANK_CORPORATE, "CA002", "CA003"]:
            expect(task(student, code)).to_have_text(re.compile(rf"^check_circle {code} "))
        expect(task(student, "EBANK008")).not_to_have_text(re.compile(r"^check_circle "))

        # --- the bank page in 简体中文 (still logged in to the corporate bank)
        student.locator(".st-key-ui_language button").filter(has_text="简体中文").click()
        expect(student.locator("h1")).to_have_text(zh("tasks.title"))
        settle(student)
        go(student, zh("page.ebank"), zh("ebank.ui.title"))
        tab(student, zh("ebank.ui.tab_corporate"))
        expect(metric(student, zh("ebank.ui.balance"))).to_have_text("¥749.50")
        segment(student, "ebank_corp_op", zh("ebank.ui.op_transfer"))
        expect(student.get_by_text(zh("ebank.ui.transfer_help"))).to_be_visible()
        student.mouse.move(0, 0)
        shoot(student, "24-bank-zh.png")
    finally:
        context.close()
