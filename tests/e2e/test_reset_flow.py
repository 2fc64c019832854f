"""Class reset in a real browser: the instructor downloads the class archive (a ZIP) right on the
reset tab, a wrong name is refused, the right name empties the world, and the student can still
log in afterwards. Screenshots 40-43."""

from __future__ import annotations

import io
import json
import zipfile

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from sandbox.bots import BotWorld
from sandbox.db import Database
from sandbox.email.models import Mailbox
from sandbox.identity.models import Classroom
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.uow import UnitOfWork
from tests import factories
from tests.e2e.pages import flash
from tests.e2e.support import PASSWORD, Server, en, fill, go, set_up_class, settle, shoot

pytestmark = pytest.mark.e2e


def _mailboxes(uow: UnitOfWork, class_id: int) -> int:
    with uow.read() as s:
        return int(s.scalar(select(func.count()).select_from(Mailbox).where(Mailbox.class_id == class_id)) or 0)


def test_export_then_reset_keeps_the_student(
    page: Page, browser: Browser, browser_context_args: dict, fresh_server: Server
) -> None:
    set_up_class(page, fresh_server)
    db = Database.connect(fresh_server.database_url)
    uow = UnitOfWork(db)
    try:
        with uow.read() as s:
            room = s.scalars(select(Classroom)).one()
            s.expunge(room)
        ann = factories.student(uow, room, "hanmm", "Han Meimei", number="2026001")
        run_golden(BotWorld(uow, room.id, ann), load_directory(), "EMAIL003", set())
        assert _mailboxes(uow, room.id) > 0

        page.reload()
        settle(page)
        go(page, en("page.classes"), en("classes.title"))
        page.get_by_role("tab", name=en("reset.tab")).click()
        settle(page)
        expect(page.get_by_text(en("reset.explain"))).to_be_visible()

        # --- export first, right on the reset tab
        page.locator(".st-key-reset_prepare button").click()
        settle(page)
        with page.expect_download() as got:
            page.locator(".st-key-reset_download button").click()
        download = got.value
        assert download.suggested_filename.startswith("class-EC-2026-A-") and download.suggested_filename.endswith(".zip")
        with zipfile.ZipFile(io.BytesIO(open(download.path(), "rb").read())) as zf:
            assert json.loads(zf.read("manifest.json"))["class"]["name"] == "EC-2026 A"
            assert b"hanmm" in zf.read("roster.csv") and b"email.sent" in zf.read("events.jsonl")
        shoot(page, "40-reset-tab.png")

        # --- a wrong name is refused, nothing changes
        fill(page, reset_confirm="EC-2026")
        page.get_by_role("button", name=en("reset.submit")).click()
        settle(page)
        expect(page.get_by_test_id("stAlertContentError")).to_contain_text("Nothing was reset")
        assert _mailboxes(uow, room.id) > 0
        shoot(page, "41-reset-wrong-name.png")

        # --- the class name resets it
        fill(page, reset_confirm="EC-2026 A")
        page.get_by_role("button", name=en("reset.submit")).click()
        expect(flash(page)).to_contain_text("was reset")
        settle(page)
        expect(page.get_by_text(en("reset.nothing"))).to_be_visible()
        assert _mailboxes(uow, room.id) == 0
        shoot(page, "42-reset-done.png")
    finally:
        db.dispose()

    # --- the student still logs in, in a browser of their own
    context = browser.new_context(**browser_context_args)
    student = context.new_page()
    try:
        student.goto(fresh_server.url + "/")
        settle(student)
        fill(student, login_username="hanmm", login_password=PASSWORD)
        student.get_by_role("button", name=en("login.submit")).click()
        expect(student.locator("h1")).to_have_text(en("home.title", name="Han Meimei"))
        settle(student)
        shoot(student, "43-student-after-reset.png")
    finally:
        context.close()
