"""Scenario packs in a real browser: the instructor opens the library, uploads a broken pack (refused
with file, line, task and field; nothing stored), uploads a fixed pack that makes EMAIL001 worth 5
points (validated and previewed), regrades the class, loads the pack into it, regrades again and
sees Ann's EMAIL001 go from 2 to 5. Screenshots: test-artifacts/screenshots/packs-*.png."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from playwright.sync_api import Page, expect

from sandbox.bots import BotWorld
from sandbox.db import Database
from sandbox.identity import services as identity
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.uow import UnitOfWork
from tests.e2e.support import PASSWORD, Server, en, go, set_up_class, settle, shoot
from tests.integration.test_packs import task_pack

pytestmark = pytest.mark.e2e


def ann_applies_for_mail(server: Server, code: str) -> None:
    """Ann joins the class and does EMAIL001 (a bot's golden run through the services)."""
    db = Database.connect(server.database_url)
    try:
        uow = UnitOfWork(db)
        ann = identity.register_student(uow, enrollment_code=code, username="ann", full_name="Ann Li",
                                        password=PASSWORD, password_confirm=PASSWORD)
        assert ann.class_id is not None
        run_golden(BotWorld(uow, ann.class_id, ann), load_directory(), "EMAIL001", set())
    finally:
        db.dispose()


def tab(page: Page, key: str) -> None:
    page.get_by_role("tab", name=en(key)).click()
    settle(page)


def upload(page: Page, path: Path, name: str = "") -> None:
    page.locator(".st-key-packs_file input[type=file]").set_input_files(str(path))
    expect(page.locator(".st-key-packs_file")).to_contain_text(path.name)
    if name:
        page.locator(".st-key-packs_name input").fill(name)
    page.get_by_role("button", name=en("packs.upload_submit")).click()
    settle(page)


def test_upload_validate_load_and_regrade(page: Page, fresh_server: Server, tmp_path: Path,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("SANDBOX_DATA_DIR", str(fresh_server.data_dir))
    code = set_up_class(page, fresh_server)
    ann_applies_for_mail(fresh_server, code)

    # --- the library: shipped packs, a preview, an export button
    go(page, en("page.scenarios"), en("packs.title"))
    expect(page.get_by_role("tab", name=en("packs.tab_library"))).to_have_attribute("aria-selected", "true")
    expect(page.locator(".st-key-packs_export button")).to_be_visible()
    shoot(page, "packs-1-library.png")

    # --- a broken pack: refused with where it is wrong, nothing stored
    broken = tmp_path / "email-broken.yaml"
    broken.write_bytes(task_pack(5, checks=[{"kind": "shell.run"}]))
    tab(page, "packs.tab_upload")
    upload(page, broken)
    error = page.get_by_test_id("stAlertContentError")
    expect(error).to_contain_text("email-broken.yaml")
    expect(error).to_contain_text(en("scenario.unknown_check", kind="shell.run"))
    expect(page.get_by_text(en("packs.nothing_stored"))).to_be_visible()
    shoot(page, "packs-2-refused.png")

    # --- the fixed pack: validated, stored, previewed
    fixed = tmp_path / "email-5.yaml"
    fixed.write_bytes(task_pack(5))
    upload(page, fixed, "EMAIL001 worth 5")
    success = page.get_by_test_id("stAlertContentSuccess")
    expect(success).to_contain_text(en("packs.stored", name="EMAIL001 worth 5", count=1,
                                       kind=en("packs.kind_tasks")))
    expect(page.get_by_test_id("stAlertContentError")).to_have_count(0)
    shoot(page, "packs-3-stored.png")
    tab(page, "packs.tab_library")  # the library now lists it, picked, with its preview
    expect(page.locator(".st-key-packs_pick").get_by_role("combobox")).to_have_value(
        re.compile(r"^EMAIL001 worth 5 \(email-5\.yaml\)"))
    expect(page.get_by_test_id("stDataFrame").first).to_contain_text(en("packs.uploaded"))

    # --- the class: a first regrade (against no snapshot), then load the pack and regrade again
    tab(page, "packs.tab_class")
    expect(page.get_by_text(en("packs.none_loaded"))).to_be_visible()
    page.locator(".st-key-packs_regrade button").click()
    expect(page.get_by_text(en("packs.first_regrade"))).to_be_visible()
    settle(page)
    page.locator(".st-key-packs_load button").click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text("EMAIL001 worth 5")
    settle(page)
    page.locator(".st-key-packs_reason input").fill("EMAIL001 now 5")
    page.locator(".st-key-packs_regrade button").click()
    settle(page)
    changed = page.get_by_test_id("stMetric").filter(has_text=en("packs.changed"))
    expect(changed.get_by_test_id("stMetricValue")).to_have_text("1")
    after = page.get_by_test_id("stMetric").filter(has_text=en("packs.total_after"))
    expect(after.get_by_test_id("stMetricValue")).to_have_text("5")
    before = page.get_by_test_id("stMetric").filter(has_text=en("packs.total_before"))
    expect(before.get_by_test_id("stMetricValue")).to_have_text("2")
    expect(page.get_by_text(en("packs.first_regrade"))).to_have_count(0)
    expect(page.locator(".st-key-packs_reason input")).to_have_value("")  # a fresh form for the next regrade
    page.get_by_test_id("stDataFrame").last.scroll_into_view_if_needed()
    page.mouse.move(0, 0)
    shoot(page, "packs-4-regraded.png")
