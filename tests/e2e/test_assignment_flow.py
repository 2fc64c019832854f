"""Assignments in a real browser: the instructor sets EMAIL001 + EMAIL003 with hints costing 1 point,
a student who has done EMAIL001 sees the assignment on My tasks with 2 / 2 points for it, opens the
paid hint, and the score shows the deduction (1 / 2, "hint −1"); the grade-side event is recorded once."""

from __future__ import annotations

import pytest
from playwright.sync_api import Browser, Page, expect
from sqlalchemy import func, select

from sandbox.bots import BotWorld
from sandbox.db import Database
from sandbox.events import Event
from sandbox.identity import services
from sandbox.identity.models import Classroom
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.uow import UnitOfWork
from tests.e2e.pages import click, flash, pick_many, row, unfocus
from tests.e2e.support import PASSWORD, Server, en, fill, go, set_up_class, settle, shoot

pytestmark = pytest.mark.e2e


def snap(page: Page, name: str) -> None:
    unfocus(page)
    shoot(page, f"assign-{name}")


def student_with_email001(server: Server, enrollment_code: str) -> None:
    """Han Meimei joins the class and registers her mailbox (EMAIL001) through the services."""
    db = Database.connect(server.database_url)
    try:
        uow = UnitOfWork(db)
        han = services.register_student(uow, enrollment_code=enrollment_code, username="hanmm", full_name="Han Meimei",
                                        password=PASSWORD, password_confirm=PASSWORD, student_number="2026001")
        run_golden(BotWorld(uow, han.class_id, han), load_directory(), "EMAIL001", set())
    finally:
        db.dispose()


def hints_recorded(server: Server) -> int:
    db = Database.connect(server.database_url)
    try:
        with UnitOfWork(db).read() as s:
            return int(s.scalar(select(func.count()).select_from(Event).where(Event.kind == "hint.viewed")) or 0)
    finally:
        db.dispose()


def class_count(server: Server) -> int:
    db = Database.connect(server.database_url)
    try:
        with UnitOfWork(db).read() as s:
            return int(s.scalar(select(func.count()).select_from(Classroom)) or 0)
    finally:
        db.dispose()


def test_paid_hint_lowers_the_students_score(page: Page, browser: Browser, browser_context_args: dict,
                                             fresh_server: Server) -> None:
    server = fresh_server
    code = set_up_class(page, server)
    student_with_email001(server, code)

    # --- the instructor sets the assignment
    go(page, en("page.assignments"), en("page.assignments"))
    fill(page, as_title="Mail week / 邮件周")
    pick_many(page, "as_tasks", "EMAIL001 申请电子邮件")
    pick_many(page, "as_tasks", "EMAIL003 发送邮件")
    page.locator(".st-key-as_hint_cost input").fill("1")
    page.locator(".st-key-as_hint_cost input").press("Tab")
    snap(page, "01-instructor-new-assignment.png")
    page.get_by_role("button", name=en("assign.create")).click()
    expect(flash(page)).to_have_text(en("assign.created", title="Mail week / 邮件周"))
    settle(page)
    expect(row(page, "Mail week")).to_have_count(1)
    expect(row(page, "Mail week")).to_contain_text("EMAIL001, EMAIL003")
    snap(page, "02-instructor-assignment-list.png")

    # --- the student sees it on My tasks
    context = browser.new_context(**browser_context_args)
    student = context.new_page()
    try:
        student.goto(server.url + "/")
        settle(student)
        fill(student, login_username="hanmm", login_password=PASSWORD)
        student.get_by_role("button", name=en("login.submit")).click()
        expect(student.locator("h1")).to_have_text(en("home.title", name="Han Meimei"))
        settle(student)
        go(student, en("page.tasks"), en("tasks.title"))
        box = student.locator(".st-key-my_assignment_1")
        expect(box).to_contain_text("Mail week / 邮件周")
        expect(box).to_contain_text(en("assign.my.hint_cost", cost="1").rstrip("."))
        expect(box).to_contain_text(en("assign.my.score", points="2", max="4"))
        expect(row(box, "EMAIL001")).to_contain_text("2 / 2")
        hint = load_directory().tasks["EMAIL001"].hint_en
        expect(box.get_by_text(hint)).to_have_count(0)
        snap(student, "03-student-assignment.png")

        # --- opens the paid hint: the hint shows, the score shows the deduction
        click(student, "hint_1_EMAIL001")
        expect(box.get_by_text(hint)).to_be_visible()
        expect(box).to_contain_text(en("assign.my.hint_paid", cost="1"))
        expect(row(box, "EMAIL001")).to_contain_text("1 / 2")
        expect(row(box, "EMAIL001")).to_contain_text(en("assign.my.hints", points="1"))
        expect(box).to_contain_text(en("assign.my.score", points="1", max="4"))
        snap(student, "04-student-paid-hint.png")
        student.reload()
        settle(student)
        expect(student.locator(".st-key-my_assignment_1")).to_contain_text(en("assign.my.score", points="1", max="4"))
        assert hints_recorded(server) == 1
        assert class_count(server) == 1
    finally:
        context.close()
