"""The teaching workflow end to end in a real browser, as an instructor and a student use it:

upload a scenario pack (a broken one refused, a fixed one validated) → load it into the class →
set an assignment → the student, in her own browser, opens a mailbox (EMAIL001) → the instructor's
progress board shows it without a reload → regrade shows her EMAIL001 going 0 → 5 → the gradebook
CSV has one column per task and the lab report PDF downloads → the class archive (ZIP) downloads on
the reset tab, a wrong class name resets nothing, the right one empties the world and the student
still logs in, with the task to do again. Also: the board's live toggle pauses polling, and the
gradebook draws its charts. Screenshots 70–77 in test-artifacts/screenshots/.
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pypdf
import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.pages import flash, pick, pick_many, row
from tests.e2e.support import PASSWORD, Server, en, fill, go, set_up_class, settle, shoot
from tests.integration.test_packs import task_pack

pytestmark = pytest.mark.e2e

CLASS = "EC-2026 A"
MAILPW = "mail-secret-1"


def tab(page: Page, key: str) -> None:
    page.get_by_role("tab", name=en(key)).click()
    settle(page)


def upload(page: Page, path: Path) -> None:
    page.locator(".st-key-packs_file input[type=file]").set_input_files(str(path))
    expect(page.locator(".st-key-packs_file")).to_contain_text(path.name)
    page.get_by_role("button", name=en("packs.upload_submit")).click()
    settle(page)


def metric(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def board_row(page: Page, text: str):
    return page.get_by_test_id("stDataFrame").locator("table tbody tr").filter(has_text=text)


def regrade(page: Page) -> None:
    go(page, en("page.scenarios"), en("packs.title"))
    tab(page, "packs.tab_class")
    page.locator(".st-key-packs_regrade button").click()
    settle(page)


def test_upload_assign_board_regrade_export_and_reset(
    page: Page, browser: Browser, browser_context_args: dict, fresh_server: Server, tmp_path: Path
) -> None:
    server = fresh_server
    code = set_up_class(page, server, CLASS)
    student_context = browser.new_context(**browser_context_args)
    student = student_context.new_page()
    try:
        # --- a student joins the class with its code
        student.goto(server.url + "/register")
        settle(student)
        fill(student, reg_code=code, reg_username="hanmm", reg_full_name="Han Meimei", reg_number="2026001",
             reg_password=PASSWORD, reg_confirm=PASSWORD)
        student.get_by_role("button", name=en("register.submit")).click()
        expect(student.locator("h1")).to_have_text(en("home.title", name="Han Meimei"))

        # --- a first regrade (nothing done yet) is the snapshot the later one is compared with
        regrade(page)
        expect(page.get_by_text(en("packs.first_regrade"))).to_be_visible()

        # --- upload: a broken pack is refused where it is wrong, the fixed one is stored and loaded
        tab(page, "packs.tab_upload")
        broken = tmp_path / "email-broken.yaml"
        broken.write_bytes(task_pack(5, checks=[{"kind": "shell.run"}]))
        upload(page, broken)
        expect(page.get_by_test_id("stAlertContentError")).to_contain_text("email-broken.yaml")
        expect(page.get_by_text(en("packs.nothing_stored"))).to_be_visible()
        shoot(page, "70-teaching-pack-refused.png")
        fixed = tmp_path / "email-5.yaml"
        fixed.write_bytes(task_pack(5))
        upload(page, fixed)
        expect(page.get_by_test_id("stAlertContentSuccess")).to_be_visible()
        tab(page, "packs.tab_class")
        page.locator(".st-key-packs_load button").click()
        expect(page.get_by_test_id("stAlertContentSuccess").filter(has_text="email-5")).to_contain_text(CLASS)
        settle(page)

        # --- the assignment: EMAIL001, hints free
        go(page, en("page.assignments"), en("page.assignments"))
        fill(page, as_title="Mail week / 邮件周")
        pick_many(page, "as_tasks", "EMAIL001 申请电子邮件")
        page.get_by_role("button", name=en("assign.create")).click()
        expect(flash(page)).to_have_text(en("assign.created", title="Mail week / 邮件周"))
        settle(page)
        expect(row(page, "Mail week")).to_contain_text("EMAIL001")
        shoot(page, "71-teaching-assignment.png")

        # --- the board is open on the assignment; the student is not started
        go(page, en("page.board"), en("board.title"))
        pick(page, "board_assignment", "Mail week / 邮件周")
        expect(board_row(page, "Han Meimei")).to_contain_text(en("board.state.not_started"))
        page.evaluate("window.__no_reload = 'still here'")

        # --- the student sees the assignment and opens her mailbox in her browser (EMAIL001)
        go(student, en("page.tasks"), en("tasks.title"))
        expect(student.get_by_text("Mail week / 邮件周").first).to_be_visible()
        # the assignment's hints are free: one click opens it in place, and the lab report counts it
        student.locator("[class*='st-key-hint_'][class*='_EMAIL001'] button").click()
        expect(student.locator("[class*='st-key-my_assignment_'] [data-testid=stAlertContentInfo]")).to_be_visible()
        settle(student)
        go(student, en("page.mailbox"), en("email.title"))
        student.locator(".st-key-mail_apply button").click()
        expect(student.locator(".st-key-mail_reg_local input")).to_have_value("hanmm")
        settle(student)
        fill(student, mail_reg_password=MAILPW, mail_reg_confirm=MAILPW)
        student.get_by_role("button", name=en("email.ok"), exact=True).click()
        expect(student.get_by_text(en("email.registered", address="hanmm@sandbox.test"))).to_be_visible()
        shoot(student, "72-teaching-student-task.png")

        # --- the board shows it by itself: finished with the pack's 5 points, never reloaded
        expect(board_row(page, "Han Meimei")).to_contain_text(en("board.state.finished"), timeout=40_000)
        expect(board_row(page, "Han Meimei")).to_contain_text("EMAIL001")
        assert page.evaluate("window.__no_reload") == "still here"
        settle(page)
        shoot(page, "73-teaching-board-live.png")
        # pausing stops the polling (the toggle reruns the page once; nothing else changes it)
        page.locator(".st-key-board_live").get_by_text(en("board.live", seconds=15)).click()
        settle(page)
        expect(page.locator(".st-key-board_live input")).not_to_be_checked()
        expect(board_row(page, "Han Meimei")).to_contain_text("EMAIL001")

        # --- regrade: what changed since the first snapshot
        regrade(page)
        expect(metric(page, en("packs.changed"))).to_have_text("1")
        expect(metric(page, en("packs.total_before"))).to_have_text("0")
        expect(metric(page, en("packs.total_after"))).to_have_text("5")
        shoot(page, "74-teaching-regrade.png")

        # --- the gradebook CSV: one column per task, her 5 points under EMAIL001
        go(page, en("page.gradebook"), en("gradebook.title"))
        expect(page.locator("[data-testid=stPlotlyChart]").first).to_be_visible()
        with page.expect_download() as got:
            page.locator(".st-key-gb_export button").click()
        table = list(csv.DictReader(io.StringIO(open(got.value.path(), encoding="utf-8-sig").read())))
        assert [r["username"] for r in table] == ["hanmm"]
        assert table[0]["EMAIL001"] == "5" and "EMAIL003" in table[0]

        # --- the lab report PDF of the student
        go(page, en("page.report"), en("page.report"))
        expect(page.get_by_role("heading", name="Han Meimei · hanmm")).to_be_visible()
        expect(metric(page, en("report.hints_used"))).to_have_text("1")
        shoot(page, "75-teaching-report.png")
        with page.expect_download() as got:
            page.locator(".st-key-rp_pdf button").click()
        data = open(got.value.path(), "rb").read()
        assert data.startswith(b"%PDF-")
        text = "\n".join(p.extract_text() for p in pypdf.PdfReader(io.BytesIO(data)).pages)
        assert "EMAIL001" in text and "hanmm" in text

        # --- reset for the next group: confirmation by the class name; the roster stays
        go(page, en("page.classes"), en("classes.title"))
        tab(page, "reset.tab")
        # export first, right on the reset tab: a ZIP of roster, scores and the event log
        page.locator(".st-key-reset_prepare button").click()
        settle(page)
        with page.expect_download() as got:
            page.locator(".st-key-reset_download button").click()
        assert got.value.suggested_filename.startswith("class-EC-2026-A-")
        with zipfile.ZipFile(io.BytesIO(open(got.value.path(), "rb").read())) as zf:
            assert json.loads(zf.read("manifest.json"))["class"]["name"] == CLASS
            assert b"hanmm" in zf.read("roster.csv") and b"mailbox" in zf.read("events.jsonl")
        # a wrong name is refused and resets nothing
        fill(page, reset_confirm="EC-2026")
        page.get_by_role("button", name=en("reset.submit")).click()
        settle(page)
        expect(page.get_by_test_id("stAlertContentError")).to_contain_text("Nothing was reset")
        fill(page, reset_confirm=CLASS)
        shoot(page, "76-teaching-reset.png")
        page.get_by_role("button", name=en("reset.submit")).click()
        expect(flash(page)).to_contain_text("was reset")

        # --- the student is still there and logs in again; EMAIL001 is to do again
        student_context.clear_cookies()
        student.goto(server.url + "/")
        settle(student)
        fill(student, login_username="hanmm", login_password=PASSWORD)
        student.get_by_role("button", name=en("login.submit")).click()
        expect(student.locator("h1")).to_have_text(en("home.title", name="Han Meimei"))
        go(student, en("page.tasks"), en("tasks.title"))
        expect(student.get_by_text("Mail week / 邮件周").first).to_be_visible()  # assignments are kept
        expect(student.get_by_text("play_circle EMAIL001").first).to_be_visible()  # ready, not done
        settle(student)
        shoot(student, "77-teaching-after-reset.png")
    finally:
        student_context.close()
