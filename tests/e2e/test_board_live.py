"""The live progress board in a real browser: the instructor has the board open; a student of the
class opens a mailbox (EMAIL001 开通邮箱, done through the services on the server's database, as the
student); within the polling interval the board shows the student working on EMAIL001 with one
task done — without the instructor reloading (a marker set on the page's window survives).
Then the live toggle pauses polling, and the gradebook shows the charts and the student's points.

Screenshots 60–63 in test-artifacts/screenshots/.
"""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sandbox.bots import BotWorld
from sandbox.db import Database
from sandbox.identity import services as identity
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.uow import UnitOfWork
from tests.e2e.pages import pick
from tests.e2e.support import PASSWORD, Server, en, go, set_up_class, settle, shoot

pytestmark = pytest.mark.e2e

POLL_SECONDS = 15  # views/board.py


def metric(page: Page, label: str):
    return page.get_by_test_id("stMetric").filter(has_text=label).get_by_test_id("stMetricValue")


def board_row(page: Page, text: str):
    """A row of the student table (data frames carry no key class; the board has one)."""
    return page.get_by_test_id("stDataFrame").locator("table tbody tr").filter(has_text=text)


def test_the_board_shows_a_students_progress_without_a_reload(page: Page, fresh_server: Server) -> None:
    code = set_up_class(page, fresh_server)
    db = Database.connect(fresh_server.database_url)
    try:
        uow = UnitOfWork(db)
        ann = identity.register_student(uow, enrollment_code=code, username="ann", full_name="Ann Li",
                                        password=PASSWORD, password_confirm=PASSWORD, student_number="2026001")
        identity.register_student(uow, enrollment_code=code, username="bob", full_name="Bob Wang",
                                  password=PASSWORD, password_confirm=PASSWORD, student_number="2026002")

        go(page, en("page.board"), en("board.title"))
        expect(metric(page, en("board.students"))).to_have_text("2")
        expect(metric(page, en("board.state.not_started"))).to_have_text("2")
        expect(board_row(page, "Ann Li")).to_contain_text(en("board.state.not_started"))
        shoot(page, "60-board-before.png")
        page.evaluate("window.__no_reload = 'still here'")

        # the student opens a mailbox (EMAIL001) while the instructor only watches
        run_golden(BotWorld(uow, ann.class_id, ann), load_directory(), "EMAIL001", set())

        timeout = (POLL_SECONDS + 20) * 1000
        expect(board_row(page, "Ann Li")).to_contain_text("EMAIL001", timeout=timeout)
        expect(board_row(page, "Ann Li")).to_contain_text(en("board.state.working"))
        expect(metric(page, en("board.state.working"))).to_have_text("1")
        expect(metric(page, en("board.state.not_started"))).to_have_text("1")
        expect(board_row(page, "Bob Wang")).to_contain_text(en("board.state.not_started"))
        assert page.evaluate("window.__no_reload") == "still here"  # updated in place, never reloaded
        settle(page)
        shoot(page, "61-board-after.png")

        # pausing stops the polling (the toggle reruns the page once; nothing else changes it)
        page.locator(".st-key-board_live").get_by_text(en("board.live", seconds=POLL_SECONDS)).click()
        settle(page)
        expect(page.locator(".st-key-board_live input")).not_to_be_checked()
        expect(board_row(page, "Ann Li")).to_contain_text("EMAIL001")

        # the gradebook: points per cell, completion and score charts; the time chart is a note while
        # every task took under a minute (done through the services in this test)
        go(page, en("page.gradebook"), en("gradebook.title"))
        expect(page.locator(".stPlotlyChart, [data-testid=stPlotlyChart]")).to_have_count(2)
        expect(page.get_by_text(en("board.no_timing"))).to_be_visible()
        pick(page, "gb_module", en("module.EMAIL"))
        expect(page.get_by_test_id("stDataFrame").locator("table tbody tr").filter(has_text="ann")).to_contain_text(
            f"✓ {load_directory().tasks['EMAIL001'].points:g}")
        shoot(page, "62-gradebook.png")
    finally:
        db.dispose()
