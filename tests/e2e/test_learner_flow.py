"""Self-learner mode in a real browser: on a server whose instructor exists, a visitor follows
"Learn on my own" from the login page, starts a personal sandbox (no class, no code), opens the
guided tour, picks chain A as buyer, reads "you are here" in English and in 简体中文, and follows
the first step's link to the mailbox. Screenshots 50-55."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sandbox.i18n import t
from sandbox.teaching.tour import load_tours
from tests.e2e.support import PASSWORD, Server, en, fill, nav, settle, shoot, zh

pytestmark = pytest.mark.e2e


def test_a_visitor_learns_on_their_own_with_the_guided_tour(page: Page, fresh_server: Server) -> None:
    # --- the server's first-run setup is done by an instructor, who logs out
    page.goto(fresh_server.url + "/")
    settle(page)
    expect(page.locator("h1")).to_have_text([en("setup.title")])
    fill(page, setup_username="teacher", setup_full_name="Wang Fang", setup_password=PASSWORD, setup_confirm=PASSWORD)
    page.get_by_role("button", name=en("setup.submit")).click()
    expect(page.locator("h1")).to_have_text([en("home.title", name="Wang Fang")])
    settle(page)
    page.get_by_role("button", name=en("nav.logout")).click()
    expect(page.locator("h1")).to_have_text([en("login.title")])
    settle(page)

    # --- a visitor: Learn on my own, from the login page
    page.get_by_text(en("learner.login_link")).click()
    expect(page.locator("h1")).to_have_text([en("learner.heading")])
    settle(page)
    fill(page, learn_username="linxiao", learn_full_name="Lin Xiao", learn_password="learn-alone-1",
         learn_confirm="learn-alone-2")
    page.get_by_role("button", name=en("learner.submit")).click()
    expect(page.get_by_test_id("stAlertContentError")).to_contain_text(en("input.password_mismatch"))
    settle(page)
    fill(page, learn_confirm="learn-alone-1")
    shoot(page, "50-learner-start.png")
    page.get_by_role("button", name=en("learner.submit")).click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(en("learner.started"))
    settle(page)

    # --- the tour (Home until the router honours go_to_page): pick chain A, part buyer
    if page.locator("h1").inner_text() != en("tour.heading"):
        expect(page.locator("h1")).to_have_text([en("home.title", name="Lin Xiao")])
        nav(page, en("page.tour")).click()
    expect(page.locator("h1")).to_have_text([en("tour.heading")])
    settle(page)
    expect(page.get_by_text("供应商 Supplier")).to_be_visible()
    expect(page.get_by_text("物流商 Logistics provider")).to_be_visible()  # offered: the bots serve a learner's provider
    shoot(page, "51-tour-choose.png")
    page.get_by_text("采购商 Buyer").click()
    settle(page)
    page.get_by_role("button", name=en("tour.start")).click()
    here = page.locator(".st-key-tour_here")
    expect(here.locator("h3")).to_contain_text("EMAIL001 申请电子邮件 — Apply for an e-mail account")
    settle(page)
    why = load_tours()["A"].steps[("EMAIL001", "buyer")]
    expect(here).to_contain_text(why.why_en)
    expect(page.get_by_text(en("tour.progress", done=0, total=19))).to_be_visible()
    shoot(page, "52-tour-en.png")

    # --- the bots take their turn (their companies are made on the first call)
    page.get_by_role("button", name=en("tour.bots_button")).click()
    bots = page.locator(".st-key-tour_bots")
    expect(bots.get_by_text(en("tour.bots_did")).or_(bots.get_by_text(en("tour.bots_nothing")))).to_be_visible(
        timeout=60_000)
    settle(page)
    shoot(page, "53-tour-bots.png")

    # --- in Chinese
    page.get_by_text("简体中文").click()
    expect(page.locator("h1")).to_have_text([zh("tour.heading")])
    settle(page)
    expect(here).to_contain_text(why.why_zh)
    expect(page.get_by_text(zh("tour.progress", done=0, total=19))).to_be_visible()
    shoot(page, "54-tour-zh.png")

    # --- follows the first step's link
    here.get_by_text(zh("tour.go", page=zh("page.mailbox"))).click()
    expect(page.locator("h1")).to_contain_text(t("page.mailbox", "zh_CN"))
    settle(page)
    shoot(page, "55-tour-to-mailbox.png")
