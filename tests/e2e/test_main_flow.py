"""The main flow in a real browser: first-run setup → instructor creates a class → a student
registers with the code → is logged in → refreshes and is still logged in → switches to
简体中文 → logs out. Screenshots go to docs/screenshots/."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.e2e.support import PASSWORD, Server, en, fill, nav, settle, shoot, zh

pytestmark = pytest.mark.e2e



def test_setup_class_register_refresh_language_logout(
    page: Page, browser: Browser, browser_context_args: dict, server: Server
) -> None:
    # --- the instructor: first-run setup
    page.goto(server.url + "/")
    settle(page)
    expect(page.locator("h1")).to_have_text([en("setup.title")])
    fill(page, setup_username="teacher", setup_full_name="Wang Fang", setup_password=PASSWORD, setup_confirm=PASSWORD)
    shoot(page, "01-setup.png")
    page.get_by_role("button", name=en("setup.submit")).click()
    expect(page.locator("h1")).to_have_text([en("home.title", name="Wang Fang")])
    settle(page)

    # --- creates a class and reads the enrollment code
    nav(page, en("page.classes")).click()
    expect(page.locator("h1")).to_have_text([en("classes.title")])
    settle(page)
    fill(page, new_class_name="EC-2026 A")
    page.get_by_role("button", name=en("classes.create")).click()
    flash = page.get_by_test_id("stAlertContentSuccess")
    expect(flash).to_contain_text(en("classes.created", name="EC-2026 A", code=""))
    settle(page)
    code = re.search(r"([A-Z2-9]{8})\s*$", flash.inner_text().strip()).group(1)
    metric = page.get_by_test_id("stMetric").filter(has_text=en("class.enrollment_code"))
    expect(metric.get_by_test_id("stMetricValue")).to_have_text(code)
    shoot(page, "02-class-created.png")

    # --- a student, in a browser context of their own, registers with the code
    context = browser.new_context(**browser_context_args)
    student = context.new_page()
    try:
        student.goto(server.url + "/")
        settle(student)
        expect(student.locator("h1")).to_have_text([en("login.title")])
        student.get_by_text(en("login.to_register")).click()
        expect(student.locator("h1")).to_have_text([en("register.title")])
        settle(student)
        fill(student, reg_code=code.lower(), reg_username="hanmm", reg_full_name="Han Meimei",
             reg_number="2026001", reg_password=PASSWORD, reg_confirm=PASSWORD)
        shoot(student, "03-student-register.png")
        student.get_by_role("button", name=en("register.submit")).click()

        # --- is logged in
        expect(student.locator("h1")).to_have_text([en("home.title", name="Han Meimei")])
        expect(student.get_by_text(en("home.your_class", name="EC-2026 A"))).to_be_visible()
        settle(student)
        shoot(student, "04-student-home.png")
        expect(nav(student, en("page.classes"))).to_have_count(0)
        assert any(c["name"] == "sandbox_session" for c in context.cookies())

        # --- refreshes and is still logged in
        student.reload()
        settle(student)
        expect(student.locator("h1")).to_have_text([en("home.title", name="Han Meimei")])

        # --- an instructor URL opened by the student falls back to their home, without the code
        student.goto(server.url + "/classes")
        settle(student)
        expect(student.locator("h1")).to_have_text([en("home.title", name="Han Meimei")])
        assert code not in student.content()
        student.goto(server.url + "/")  # (and away from the "page not found" notice)
        settle(student)

        # --- switches to 简体中文
        student.locator(".st-key-ui_language button").filter(has_text="简体中文").click()
        expect(student.locator("h1")).to_have_text([zh("home.title", name="Han Meimei")])
        expect(nav(student, zh("page.home"))).to_be_visible()
        expect(nav(student, zh("page.account"))).to_be_visible()
        settle(student)
        shoot(student, "05-student-home-zh.png")

        # --- logs out and is back at the login screen (still in Chinese in this tab)
        student.locator(".st-key-nav_logout button").click()
        expect(student.locator("h1")).to_have_text([zh("login.title")])
        settle(student)
        shoot(student, "06-logged-out.png")
        # a refresh stays logged out: the cookie is gone (an anonymous tab follows the browser locale)
        assert not [c for c in context.cookies() if c["name"] == "sandbox_session" and c["value"]]
        student.reload()
        settle(student)
        expect(student.locator("h1")).to_have_text([en("login.title")])

        # --- the instructor sees the student on the roster
        page.reload()
        settle(page)
        nav(page, en("page.classes")).click()
        expect(page.locator("h1")).to_have_text([en("classes.title")])
        settle(page)
        expect(metric.get_by_test_id("stMetricValue")).to_have_text(code)
        students = page.get_by_test_id("stMetric").filter(has_text=en("class.students"))
        expect(students.get_by_test_id("stMetricValue")).to_have_text("1")
    finally:
        context.close()
