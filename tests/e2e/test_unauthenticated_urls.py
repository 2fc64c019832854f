"""On a freshly started server, every page URL opened without logging in shows the setup (then
the login) screen and no data — whichever URL the very first visitor opens (streamlit-notes 2.4)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect

from sandbox.db import Database
from sandbox.i18n import t
from sandbox.uow import UnitOfWork
from tests import factories
from tests.e2e.support import Server, settle

pytestmark = pytest.mark.e2e

PATHS = ["/classes", "/setup", "/login", "/register", "/home", "/instructors", "/account", "/views/classes",
         "/anything", "/gradebook", "/tasks", "/"]  # "/" last: nobody has loaded it before the others
#: Streamlit's front end loads its scripts by relative URL, so a nested path such as
#: /views/classes gets no app at all (a blank page): nothing runs, nothing is shown.
NESTED = {p for p in PATHS if p.count("/") > 1}


def _open_all(browser: Browser, context_args: dict, server: Server) -> list[tuple[str, Page]]:
    """Each path in its own tab: a new session each, no login cookie (one context shares the cache)."""
    context = browser.new_context(**context_args)
    opened = []
    for path in PATHS:
        page = context.new_page()
        page.goto(server.url + path, wait_until="commit")  # the pages load side by side
        opened.append((path, page))
    for path, page in opened:
        if path in NESTED:
            page.wait_for_load_state("networkidle")
        else:
            settle(page)
    return opened


def _close(opened: list[tuple[str, Page]]) -> None:
    opened[0][1].context.close()


def _check(
    opened: list[tuple[str, Page]], title: str, form_field: str, secrets: tuple[str, ...] = (),
    public: dict[str, tuple[str, str]] | None = None,
) -> None:
    """Each page shows ``title`` and its form (or, for a public page, its own), and no secret."""
    for path, page in opened:
        html = page.content()
        for secret in secrets:
            assert secret not in html, f"{path} shows {secret!r}"
        if path in NESTED and page.locator("[data-testid=stApp]").count() == 0:
            expect(page.locator("h1"), path).to_have_count(0)
            continue
        want_title, want_field = (public or {}).get(path, (title, form_field))
        expect(page.locator("h1"), path).to_have_text(want_title)
        expect(page.locator(f".st-key-{want_field} input"), path).to_be_visible()
        for key in ("page.classes", "page.instructors", "page.home", "page.account"):
            expect(page.get_by_test_id("stSidebarNavLink").filter(has_text=t(key, "en")), path).to_have_count(0)


def test_every_url_shows_setup_then_login_and_no_data(
    browser: Browser, browser_context_args: dict, fresh_server: Server
) -> None:
    # 1. Nobody has visited this server: every URL is the setup screen, and only that.
    opened = _open_all(browser, browser_context_args, fresh_server)
    _check(opened, t("setup.title", "en"), "setup_username")
    for path, page in opened:
        expect(page.locator(".st-key-login_username"), path).to_have_count(0)
    _close(opened)

    # 2. An instructor, a class and a student now exist (made through the services).
    db = Database.connect(fresh_server.database_url)
    try:
        uow = UnitOfWork(db)
        teacher = factories.instructor(uow, full_name="Wang Fang")
        room = factories.classroom(uow, teacher, name="EC-2026 Secret")
        factories.student(uow, room, "hanmm", full_name="Han Meimei", number="2026001")
        code = room.enrollment_code
    finally:
        db.dispose()

    # 3. Without a login, every URL is the login screen and shows none of it.
    opened = _open_all(browser, browser_context_args, fresh_server)
    _check(
        opened, t("login.title", "en"), "login_username",
        secrets=(code, "EC-2026 Secret", "Han Meimei", "2026001", "Wang Fang"),
        public={"/register": (t("register.title", "en"), "reg_code")},  # the other anonymous page
    )
    _close(opened)
