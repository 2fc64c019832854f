"""The lab report in a real browser, on a server of its own: the instructor sets up a class, a
student (whose EMAIL001 and EMAIL003 a bot carries out through the services, like the student at
the pages) logs in, opens My lab report, sees both tasks passed, downloads the PDF (a real PDF with
the task codes and their user name) and the HTML, and steps through the replay of their event log;
the instructor then opens the same student's report. Screenshots report-1…3.
"""

from __future__ import annotations

import io
import re

import pypdf
import pytest
from playwright.sync_api import Browser, Page, expect

from sandbox.bots import BotWorld
from sandbox.db import Database
from sandbox.identity import services as identity
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.uow import UnitOfWork
from tests.e2e.pages import Student, click, sign_in
from tests.e2e.support import PASSWORD, Server, en, go, set_up_class, settle, shoot

pytestmark = pytest.mark.e2e


def student_with_mail_done(server: Server, code: str) -> Student:
    """Han Meimei joins with the code; a bot does EMAIL001 and EMAIL003 as her (with a bot correspondent)."""
    db = Database.connect(server.database_url)
    try:
        uow = UnitOfWork(db)
        han = identity.register_student(
            uow, enrollment_code=code, username="hanmm", full_name="Han Meimei", password=PASSWORD,
            password_confirm=PASSWORD, student_number="2026001",
        )
        run_golden(BotWorld(uow, han.class_id, han), load_directory(), "EMAIL003", set())
        return Student("hanmm", "Han Meimei", han.user_id, han.class_id)
    finally:
        db.dispose()


def step_text(page: Page) -> str:
    return page.locator(".st-key-rp_step_box").inner_text()


def test_student_downloads_the_pdf_and_replays_their_log(
    page: Page, browser: Browser, browser_context_args: dict, fresh_server: Server
) -> None:
    server = fresh_server
    code = set_up_class(page, server)
    han = student_with_mail_done(server, code)

    context = browser.new_context(**{**browser_context_args, "accept_downloads": True})
    student = context.new_page()
    try:
        sign_in(student, server, han)
        go(student, en("page.my_report"), en("page.my_report"))
        expect(student.get_by_role("heading", name="Han Meimei · hanmm")).to_be_visible()
        assert student.locator(".st-key-rp_student").count() == 0  # no picker: only her own report
        table = student.get_by_test_id("stDataFrame").first
        expect(table).to_be_visible()
        shoot(student, "report-1-student.png")

        # --- the PDF: real bytes, read back by pypdf
        with student.expect_download() as got:
            student.locator(".st-key-rp_pdf button").click()
        download = got.value
        assert download.suggested_filename == "lab-report-hanmm.pdf"
        data = open(download.path(), "rb").read()
        assert data.startswith(b"%PDF-")
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
        for expected in ("EMAIL001", "EMAIL003", "hanmm", "Han Meimei", "2026001"):
            assert expected in text, expected
        # --- the HTML
        with student.expect_download() as got:
            student.locator(".st-key-rp_html button").click()
        html = open(got.value.path(), encoding="utf-8").read()
        assert html.startswith("<!DOCTYPE html>") and "EMAIL003" in html and "hanmm" in html

        # --- the replay, one step at a time
        box = student.locator(".st-key-rp_step_box")
        box.scroll_into_view_if_needed()
        first = re.search(r"Step 1 of (\d+)", step_text(student))
        assert first, step_text(student)
        n = int(first.group(1))
        assert n >= 3
        expect(student.locator(".st-key-rp_prev button")).to_be_disabled()
        seen_completion = False
        for i in range(2, n + 1):
            click(student, "rp_next")
            expect(box).to_contain_text(en("report.step_of", i=i, n=n))
            if "EMAIL001" in step_text(student) and "completed" in step_text(student):
                seen_completion = True
                box.scroll_into_view_if_needed()
                shoot(student, "report-2-replay.png")
        assert seen_completion
        expect(student.locator(".st-key-rp_next button")).to_be_disabled()
        click(student, "rp_prev")
        expect(box).to_contain_text(en("report.step_of", i=n - 1, n=n))
        student.locator(".st-key-rp_timeline").scroll_into_view_if_needed()
        expect(student.locator(".st-key-rp_timeline .js-plotly-plot")).to_be_visible()
    finally:
        context.close()

    # --- the instructor opens the same student's report
    go(page, en("page.report"), en("page.report"))
    expect(page.get_by_role("heading", name="Han Meimei · hanmm")).to_be_visible()
    expect(page.locator(".st-key-rp_student").get_by_role("combobox")).to_have_value("2026001 · Han Meimei · hanmm")
    settle(page)
    shoot(page, "report-3-instructor.png")
