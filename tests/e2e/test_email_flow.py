"""The EMAIL walkthrough in a real browser, on a server of its own: the instructor sets up and
creates a class → a student registers with the code → My tasks shows EMAIL001 to do → on the
E-mail page the student applies for a mailbox and the sidebar tracker ticks EMAIL001 → writes
and sends a mail to a classmate's mailbox and the tracker ticks EMAIL003 → My tasks shows both
done (also in 简体中文) → the instructor's gradebook shows ✓ for both.

The classmate (and their mailbox) is made through the services on the server's SQLite file.
Screenshots 10–14 (``SANDBOX_SCREENSHOTS=docs/screenshots`` refreshes the README's copies).
"""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Locator, Page, expect

from sandbox.db import Database
from sandbox.email import services as email
from sandbox.i18n import t
from sandbox.identity import services as identity
from sandbox.uow import UnitOfWork
from tests.e2e.support import PASSWORD, Server, en, fill, go, set_up_class, settle, shoot, zh

pytestmark = pytest.mark.e2e

MAILPW = "mail-secret-1"
EMAIL_CODES = ["EMAIL001", "EMAIL002", "EMAIL003", "EMAIL004", "EMAIL006", "EMAIL007"]
DONE, TODO = "check_circle", "radio_button_unchecked"


def expander(page: Page, code: str) -> Locator:
    """A task's expander on My tasks."""
    summary = page.locator("summary").filter(has_text=re.compile(rf"\b{code}\b"))
    return page.get_by_test_id("stExpander").filter(has=summary)


def task(page: Page, code: str) -> Locator:
    """The label of a task's expander on My tasks: state icon (a Material ligature), code, titles."""
    return expander(page, code).locator("summary").get_by_test_id("stMarkdownContainer")


def email_module(page: Page, lang: str = "en") -> tuple[Locator, Locator]:
    """The EMAIL module's heading on My tasks, and its progress bar (the element right after it)."""
    container = f'[data-testid=stElementContainer]:has([data-testid=stHeading]:has-text("{t("module.EMAIL", lang)}"))'
    return page.locator(container), page.locator(f"{container} + [data-testid=stElementContainer]")


def show_email_module(page: Page, lang: str = "en") -> None:
    """Scroll My tasks to the EMAIL module (other modules come first), for the screenshot."""
    heading, _ = email_module(page, lang)
    heading.evaluate(
        """e => {
            e.scrollIntoView({block: 'start'});
            let box = e.parentElement;  // then down a little, from under Streamlit's top bar
            while (box && box.scrollHeight <= box.clientHeight) box = box.parentElement;
            if (box) box.scrollTop -= 70;
        }"""
    )
    page.wait_for_timeout(200)


def icons(box: Locator) -> Locator:
    """The Material icons written into markdown (their text is the icon's name)."""
    return box.locator("[data-testid=stMarkdownContainer] span[role=img]")


def tracker(page: Page) -> Locator:
    return page.locator(".st-key-tracker_EMAIL")


def ticks(*done: str) -> list[str]:
    """The tracker's icons (Material ligature names) when exactly ``done`` are ticked."""
    return [DONE if code in done else TODO for code in EMAIL_CODES]


def add_classmate_with_mailbox(server: Server, code: str) -> str:
    """A second student of the class, with a mailbox, made through the services; their address."""
    db = Database.connect(server.database_url)
    try:
        uow = UnitOfWork(db)
        lilei = identity.register_student(
            uow, enrollment_code=code, username="lilei", full_name="Li Lei", password=PASSWORD,
            password_confirm=PASSWORD,
        )
        box = email.register_mailbox(
            uow, lilei, local_part="lilei", full_name="Li Lei", password=MAILPW, password_confirm=MAILPW
        )
        return box.address
    finally:
        db.dispose()


def test_student_completes_email001_and_email003_and_the_gradebook_shows_them(
    page: Page, browser: Browser, browser_context_args: dict, fresh_server: Server
) -> None:
    server = fresh_server
    # --- the instructor sets up the sandbox and creates a class
    code = set_up_class(page, server)
    address = add_classmate_with_mailbox(server, code)

    context = browser.new_context(**browser_context_args)
    student = context.new_page()
    try:
        # --- a student registers with the code
        student.goto(server.url + "/register")
        settle(student)
        expect(student.locator("h1")).to_have_text(en("register.title"))
        fill(student, reg_code=code, reg_username="hanmm", reg_full_name="Han Meimei", reg_number="2026001",
             reg_password=PASSWORD, reg_confirm=PASSWORD)
        student.get_by_role("button", name=en("register.submit")).click()
        expect(student.locator("h1")).to_have_text(en("home.title", name="Han Meimei"))
        settle(student)

        # --- My tasks: EMAIL001 is the next task, not done yet
        go(student, en("page.tasks"), en("tasks.title"))
        expect(task(student, "EMAIL001")).to_have_text("play_circle EMAIL001 申请电子邮件 — Apply for an e-mail account")
        expect(task(student, "EMAIL003")).to_have_text("lock EMAIL003 发送邮件 — Send a message")
        expect(email_module(student)[1]).to_contain_text(en("tasks.module_progress", done=0, total=6, available=6))
        expect(expander(student, "EMAIL001").get_by_test_id("stAlertContentInfo")).to_contain_text(en("tasks.ready"))
        expect(expander(student, "EMAIL001").get_by_test_id("stPageLink")).to_contain_text(
            en("tasks.go", page=en("page.mailbox"))
        )
        show_email_module(student)
        shoot(student, "10-my-tasks.png")

        # --- E-mail: apply for a mailbox (EMAIL001); the tracker ticks it right after
        go(student, en("page.mailbox"), en("email.title"))
        expect(icons(tracker(student))).to_have_text(ticks())
        student.locator(".st-key-mail_apply button").click()
        expect(student.locator(".st-key-mail_reg_local input")).to_have_value("hanmm")
        settle(student)
        fill(student, mail_reg_password=MAILPW, mail_reg_confirm=MAILPW)
        shoot(student, "11-mailbox-apply.png")
        student.get_by_role("button", name=en("email.ok"), exact=True).click()
        expect(student.get_by_text(en("email.registered", address="hanmm@sandbox.test"))).to_be_visible()
        expect(icons(tracker(student))).to_have_text(ticks("EMAIL001"))
        expect(tracker(student)).to_contain_text("1/6")
        settle(student)

        # --- writes and sends a mail to the classmate (EMAIL003); the tracker ticks it
        student.locator(".st-key-mail_view").get_by_text(en("email.compose"), exact=True).click()
        expect(student.locator(".st-key-mail_new_to input")).to_be_visible()
        settle(student)
        fill(student, mail_new_to=address, mail_new_subject="Meeting on Friday")
        student.locator(".st-key-mail_new_body textarea").fill("Dear Li Lei,\n\ncan we meet on Friday at 10:00?\n\nHan")
        student.locator(".st-key-mail_new_send button").click()
        expect(student.get_by_text(en("email.sent_done", count=1))).to_be_visible()
        expect(icons(tracker(student))).to_have_text(ticks("EMAIL001", "EMAIL003"))
        expect(tracker(student)).to_contain_text("2/6")
        settle(student)
        # the composer is empty again (not showing, and ready to resend, the mail just sent)
        for key in ("mail_new_to", "mail_new_subject"):
            expect(student.locator(f".st-key-{key} input")).to_have_value("")
        expect(student.locator(".st-key-mail_new_body textarea")).to_have_value("")
        shoot(student, "12-mailbox-sent-tick.png")

        # --- My tasks shows both done
        go(student, en("page.tasks"), en("tasks.title"))
        expect(task(student, "EMAIL001")).to_have_text(re.compile(r"^check_circle EMAIL001 "))
        expect(task(student, "EMAIL003")).to_have_text(re.compile(r"^check_circle EMAIL003 "))
        expect(email_module(student)[1]).to_contain_text(en("tasks.module_progress", done=2, total=6, available=6))

        # --- ... and in 简体中文
        student.locator(".st-key-ui_language button").filter(has_text="简体中文").click()
        expect(student.locator("h1")).to_have_text(zh("tasks.title"))
        expect(email_module(student, "zh_CN")[1]).to_contain_text(
            zh("tasks.module_progress", done=2, total=6, available=6)
        )
        settle(student)
        show_email_module(student, "zh_CN")
        shoot(student, "14-my-tasks-zh.png")
    finally:
        context.close()

    # --- the instructor's gradebook: ✓ and the points for EMAIL001 and EMAIL003 of that student
    go(page, en("page.gradebook"), en("gradebook.title"))
    page.locator(".st-key-gb_module").click()  # the EMAIL columns only
    page.get_by_role("option", name=en("module.EMAIL")).click()
    settle(page)
    grid = page.get_by_test_id("stDataFrame")
    # the grid is drawn on a canvas; its accessible table carries the same cells
    expect(grid.locator("table th")).to_have_text(
        [en("field.student_number"), en("field.username"), en("field.full_name"), en("gradebook.total"),
         "EMAIL001", "EMAIL002", "EMAIL003", "EMAIL004", "EMAIL006", "EMAIL007"]
    )
    row = grid.locator("table tr").filter(has_text="hanmm")
    expect(row.locator("td")).to_have_text(
        ["2026001", "hanmm", "Han Meimei", "4", "✓ 2", "·", "✓ 2", "·", "·", "·"]  # passed, with its points
    )
    students = page.get_by_test_id("stMetric").filter(has_text=en("class.students"))
    expect(students.get_by_test_id("stMetricValue")).to_have_text("2")
    page.locator("h1").click()  # focus and pointer off the filter and the chart's toolbar
    page.mouse.move(0, 0)
    shoot(page, "13-gradebook.png")
