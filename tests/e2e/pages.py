"""Page helpers shared by the browser tests of the trade pages (B2B buyer / supplier, logistics):
addressing keyed widgets, choosing options, the success message, the app and B2B platform login
(B2B003 / B2B004), statuses as the pages show them, document numbers, scrolling for screenshots,
and what the grader passes at the end.

Every Streamlit widget of these pages has a key, rendered as the CSS class ``st-key-<key>``; a
document's id is part of many keys (``lgs_receive_<id>``), so ``keyed`` matches a key's start and end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from playwright.sync_api import Locator, Page, expect

from sandbox.b2b.models import BUYER
from sandbox.db import Database
from sandbox.scenarios import grading
from sandbox.scenarios.loader import load_directory
from sandbox.uow import UnitOfWork
from tests import b2b_setup
from tests.e2e.support import PASSWORD, Server, en, fill, go, settle

TRADE_PASSWORD = b2b_setup.PASSWORD


@dataclass(frozen=True)
class Student:
    """A student of the class; ``member_type``/``login_name``/``company`` when they trade on the B2B platform."""

    username: str
    full_name: str
    user_id: int
    class_id: int
    member_type: str = ""
    login_name: str = ""
    company: str = ""


# ----------------------------------------------------------------------------- widgets


def flash(page: Page) -> Locator:
    """The text of the success message at the top (without its icon's ligature)."""
    return page.get_by_test_id("stAlertContentSuccess").first.get_by_test_id("stMarkdownContainer")


def keyed(page: Page, start: str, end: str = "") -> Locator:
    """The element whose widget key starts with ``start`` and ends with ``end`` (a document id between)."""
    css = f"[class*='st-key-{start}']"
    if end:
        css += f"[class*='{end}']"
    return page.locator(css)


def click(page: Page, key: str) -> None:
    page.locator(f".st-key-{key} button").click()
    settle(page)


def press(box: Locator) -> None:
    """Click the button inside ``box`` (a keyed element) and wait for the rerun."""
    box.locator("button").click()
    settle(box.page)


def pick(page: Page, key: str, text: str) -> None:
    """Choose the option containing ``text`` in the keyed selectbox (typing filters the list)."""
    box = page.locator(f".st-key-{key}").get_by_role("combobox")
    for _ in range(3):  # a click that lands while the widget is redrawn leaves the list closed
        box.click()
        box.fill(text)
        try:
            expect(box).to_have_attribute("aria-expanded", "true", timeout=3000)
            break
        except AssertionError:
            settle(page)
    page.get_by_role("option").filter(has_text=text).first.click()
    settle(page)


def pick_many(page: Page, key: str, text: str) -> None:
    """Add the option containing ``text`` to the keyed multiselect, then close its list."""
    pick(page, key, text)
    page.keyboard.press("Escape")
    settle(page)


def choose(page: Page, key: str, label: str) -> None:
    """Click the option ``label`` of a keyed radio or segmented control."""
    page.locator(f".st-key-{key}").get_by_text(label, exact=True).click()
    settle(page)


def section(page: Page, member_type: str, name: str) -> None:
    """A section of the B2B buyer's or supplier's workspace."""
    choose(page, f"b2b_{member_type}_section", en(f"b2b.ui.sec_{member_type}.{name}"))


def row(scope: Page | Locator, text: str) -> Locator:
    """The data-frame rows (of their accessible tables) in ``scope`` that contain ``text``; data
    frames carry no key class, so a document number or name finds the row."""
    return scope.get_by_test_id("stDataFrame").locator("table tbody tr").filter(has_text=text)


def unfocus(page: Page) -> None:
    """Mouse away and no focused field (no hover or focus ring, no "Press Enter" hint) before a screenshot."""
    page.mouse.move(0, 0)
    page.evaluate("document.activeElement && document.activeElement.blur()")


_SCROLL_TO_TOP = """(e, gap) => {
    let area = e.parentElement;  // the nearest ancestor that scrolls
    while (area && !(area.scrollHeight > area.clientHeight
                     && ['auto', 'scroll'].includes(getComputedStyle(area).overflowY))) {
        area = area.parentElement;
    }
    area = area || document.scrollingElement;
    area.scrollTop += e.getBoundingClientRect().top - area.getBoundingClientRect().top - gap;
}"""


def scroll_to_top_of(box: Locator, gap: int = 80) -> None:
    """Scroll the page's main area so that ``box`` is at the top, just under Streamlit's top bar (60 px)."""
    box.evaluate(_SCROLL_TO_TOP, gap)
    box.page.wait_for_timeout(200)


# ----------------------------------------------------------------------------- words and numbers


def status(kind: str, state: str, zh_word: str) -> str:
    """A B2B document status as the English page shows it: the catalog's word, then the English one."""
    return f"{zh_word} · {en(f'b2b.ui.status.{kind}.{state}')}"


def number_in(text: str, prefix: str) -> str:
    """The first document number ``<prefix>YYYYMMDD-XXXXXX`` in ``text``."""
    found = re.search(rf"({prefix}\d{{8}}-[0-9A-F]{{6}})", text)
    assert found, text
    return found.group(1)


# ----------------------------------------------------------------------------- logging in


def sign_in(page: Page, server: Server, who: Student) -> None:
    """The app's login form; the student's home page."""
    page.goto(server.url + "/")
    settle(page)
    expect(page.locator("h1")).to_have_text([en("login.title")])
    fill(page, login_username=who.username, login_password=PASSWORD)
    page.get_by_role("button", name=en("login.submit")).click()
    expect(page.locator("h1")).to_have_text([en("home.title", name=who.full_name)])
    settle(page)


def login(page: Page, server: Server, who: Student) -> None:
    """App login, then the B2B page and the platform's login form with the installed certificate."""
    sign_in(page, server, who)
    title = en(f"page.b2b_{who.member_type}")
    go(page, title, title)
    prefix = f"b2b_{who.member_type}_login"
    expect(page.get_by_role("heading", name=en(f"b2b.ui.login_title_{who.member_type}"))).to_be_visible()
    expect(page.locator(f".st-key-{prefix}_name input")).to_have_value(who.login_name)  # the member's name
    expect(page.locator(f".st-key-{prefix}_ca_box")).to_contain_text(en("b2b.ui.ca_box"))
    identity_box = page.locator(f".st-key-{prefix}_identity").get_by_role("combobox")
    expect(identity_box).to_have_value(re.compile(rf" · {re.escape(who.company)}$"))  # the installed certificate
    fill(page, **{f"{prefix}_name": who.login_name, f"{prefix}_pw": TRADE_PASSWORD})
    click(page, f"{prefix}_submit")
    task = "B2B003" if who.member_type == BUYER else "B2B004"
    expect(flash(page)).to_have_text(en("b2b.ui.login_done", task=task, company=who.company))
    expect(page.locator(f".st-key-b2b_{who.member_type}_header")).to_contain_text(who.company)


# ----------------------------------------------------------------------------- grading


def graded(server: Server, class_id: int, students: list[int], codes: list[str]) -> dict[int, set[str]]:
    """The task codes each student passes, as the grader sees them."""
    tasks = load_directory().tasks
    db = Database.connect(server.database_url)
    try:
        with UnitOfWork(db).read() as s:
            results = grading.grade(s, class_id, students, [tasks[c] for c in codes])
    finally:
        db.dispose()
    return {uid: {code for code, r in found.items() if r.passed} for uid, found in results.items()}
