"""Self-learner mode as the logistics provider, in a real browser: a visitor starts a personal
sandbox, picks chain A's logistics part, and the tour moves as the learner runs the company
(through the services, as the logistics page does) and presses "Let the bots take their turn":
the bot supplier applies for the learner's service, ships goods into the learner's warehouse,
and — once the bot buyer has bought — sends the delivery order. Screenshots lgs-1 … lgs-4."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from sandbox.actor import Actor
from sandbox.bots import new_request_id
from sandbox.db import Database
from sandbox.identity import services as identity
from sandbox.logistics import applications, inbound, providers, vehicles, warehouses
from sandbox.logistics import models as lm
from sandbox.scenarios.model import catalog_by_code
from sandbox.uow import UnitOfWork
from tests.e2e.support import PASSWORD, Server, en, fill, nav, settle, shoot

pytestmark = pytest.mark.e2e
LEARNER_PASSWORD = "learn-alone-1"


def as_learner(server: Server, act) -> None:
    """Run ``act(uow, actor)`` as the learner, through the services (what the logistics page calls)."""
    db = Database.connect(server.database_url)
    try:
        uow = UnitOfWork(db)
        me: Actor = identity.login(uow, username="linxiao", password=LEARNER_PASSWORD).actor
        act(uow, me)
    finally:
        db.dispose()


def open_company(uow: UnitOfWork, me: Actor) -> None:
    """LGS001, LGS007, LGS012."""
    providers.register_provider(uow, me, name="林氏物流 Lin Logistics", contact_name="林晓 Lin Xiao",
                                phone="010-88886666", address="北京市海淀区中关村大街1号", request_id=new_request_id())
    warehouses.add_warehouse(uow, me, code="WH-01", name="林氏一号仓 Lin warehouse 1", address="北京市海淀区",
                             capacity=5000, request_id=new_request_id())
    vehicles.add_vehicle(uow, me, code="京A12345", kind="厢式货车 Box truck", capacity_units=500, note="",
                         request_id=new_request_id())


def approve(uow: UnitOfWork, me: Actor) -> None:
    """LGS022."""
    with uow.read() as s:
        (app,) = applications.applications_for_provider(s, me, state=lm.APPLIED)
    applications.decide(uow, me, app.id, approve=True, note="欢迎 Welcome", request_id=new_request_id())


def receive(uow: UnitOfWork, me: Actor) -> None:
    """LGS003."""
    with uow.read() as s:
        (row,) = inbound.inbound_for_provider(s, me, state=lm.PENDING)
    inbound.receive(uow, me, row.id, request_id=new_request_id())


def heading(code: str) -> str:
    cat = catalog_by_code()[code]
    return f"{code} {cat.title_zh} — {cat.title_en}"


def test_a_learner_runs_the_logistics_company_against_the_bots(page: Page, fresh_server: Server) -> None:
    page.goto(fresh_server.url + "/")
    settle(page)
    fill(page, setup_username="teacher", setup_full_name="Wang Fang", setup_password=PASSWORD, setup_confirm=PASSWORD)
    page.get_by_role("button", name=en("setup.submit")).click()
    expect(page.locator("h1")).to_have_text([en("home.title", name="Wang Fang")])
    settle(page)
    page.get_by_role("button", name=en("nav.logout")).click()
    expect(page.locator("h1")).to_have_text([en("login.title")])
    settle(page)

    page.get_by_text(en("learner.login_link")).click()
    expect(page.locator("h1")).to_have_text([en("learner.heading")])
    settle(page)
    fill(page, learn_username="linxiao", learn_full_name="Lin Xiao", learn_password=LEARNER_PASSWORD,
         learn_confirm=LEARNER_PASSWORD)
    page.get_by_role("button", name=en("learner.submit")).click()
    expect(page.get_by_test_id("stAlertContentSuccess")).to_contain_text(en("learner.started"))
    settle(page)
    if page.locator("h1").inner_text() != en("tour.heading"):
        nav(page, en("page.tour")).click()
    expect(page.locator("h1")).to_have_text([en("tour.heading")])
    settle(page)

    # --- the logistics part is offered
    page.get_by_text("物流商 Logistics provider").click()
    settle(page)
    shoot(page, "lgs-1-choose.png")
    page.get_by_role("button", name=en("tour.start")).click()
    here = page.locator(".st-key-tour_here")
    expect(here.locator("h3")).to_contain_text(heading("LGS001"))
    settle(page)
    expect(page.get_by_text(en("tour.progress", done=0, total=11))).to_be_visible()
    expect(page.get_by_text(en("tour.logistics_hint"))).to_be_visible()
    expect(here.get_by_text(en("tour.go", page=en("page.logistics")))).to_be_visible()
    shoot(page, "lgs-2-tour.png")

    # --- my company exists (LGS001/LGS007/LGS012): the bot supplier applies for my service
    as_learner(fresh_server, open_company)
    bots = page.locator(".st-key-tour_bots")
    page.get_by_role("button", name=en("tour.bots_button")).click()
    expect(bots.get_by_text(en("learner.bot.applied", doc="林氏物流 Lin Logistics"))).to_be_visible(timeout=90_000)
    expect(here.locator("h3")).to_contain_text(heading("LGS022"))
    settle(page)
    expect(page.get_by_text(en("tour.progress", done=3, total=11))).to_be_visible()
    shoot(page, "lgs-3-applied.png")

    # --- approved: it ships into my warehouse; received: the bot buyer trades and I get the delivery order
    as_learner(fresh_server, approve)
    page.get_by_role("button", name=en("tour.bots_button")).click()
    expect(bots).to_contain_text(en("learner.bot.shipped", doc="")[:30], timeout=60_000)
    expect(here.locator("h3")).to_contain_text(heading("LGS003"))
    settle(page)
    as_learner(fresh_server, receive)
    page.get_by_role("button", name=en("tour.bots_button")).click()
    expect(here.locator("h3")).to_contain_text(heading("LGS002"), timeout=60_000)
    settle(page)
    expect(bots).to_contain_text(en("learner.bot.asked", doc="")[:30])
    expect(page.get_by_text(en("tour.progress", done=5, total=11))).to_be_visible()
    shoot(page, "lgs-4-delivery-order.png")
