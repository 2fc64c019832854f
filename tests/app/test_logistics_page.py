"""The logistics company's page (views/logistics.py) under AppTest on a fresh SQLite: it refuses
anonymous visitors and instructors; a student without a provider registers one (LGS001; a bad
phone shows its zh/en error and saves nothing); with a provider, warehouses and a supplier's
application prepared through the services, the provider clicks through the whole chain —
approve (LGS022), receive (LGS003), accept (LGS002), add a vehicle (LGS012), issue (LGS004),
allocate (LGS009), confirm (LGS010), deliver (LGS020) — and the B2B order is delivered; a
duplicate warehouse code shows its error; the provider links its receiving bank account and sees
a fee paid (已付款) and the stock per warehouse over time; every section renders in both
languages; the bot partners are asked to act after each action.
"""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace
from typing import Any

import pytest
from argon2 import PasswordHasher
from sqlalchemy import select
from streamlit.testing.v1 import AppTest

from sandbox import ui
from sandbox.b2b import transfers as b2b_transfers
from sandbox.b2b.models import DELIVERED, Order
from sandbox.bots import BotWorld
from sandbox.bots.ebank import PAY_PASSWORD
from sandbox.ebank.numbers import group
from sandbox.events import Event
from sandbox.i18n import t
from sandbox.identity import passwords
from sandbox.logistics import applications, delivery, fees, inbound, transfers
from sandbox.logistics.models import (
    ALLOCATED,
    APPROVED,
    DISPATCH_CONFIRMED,
    DO_ACCEPTED,
    DO_DELIVERED,
    ISSUED,
    RECEIVED,
    DeliveryOrder,
    DispatchOrder,
    InboundOrder,
    OutboundOrder,
    Provider,
    ServiceApplication,
    Vehicle,
    Warehouse,
)
from sandbox.pki import crypto, sealing
from sandbox.ui import b2b as shared
from tests import factories
from tests.app.helpers import check, count, en, errors, new_app, run, successes, titles, warnings, zh
from tests.b2b_setup import trader
from tests.integration.helpers import fetch
from tests.integration.test_b2b_trade import corporate_account, fund
from tests.integration.test_logistics_operations import ordered
from tests.integration.test_logistics_services import products, ship, world

PAGE = "views/logistics.py"
SECTIONS = ("warehouses", "vehicles", "customers", "inbound", "delivery", "outbound", "dispatch", "transfers",
            "stock", "receivables", "charts")


class Partners:
    """Stands in for sandbox.bots.b2b_partners: records what the page asks of the bots."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, Any]] = []

    def ensure_partners(self, uow: Any, class_id: int) -> None:
        self.calls.append(("ensure", class_id))

    def react(self, uow: Any, class_id: int) -> list[str]:
        self.calls.append(("react", class_id))
        return []


@pytest.fixture
def partners(app_db, monkeypatch) -> Partners:
    monkeypatch.setenv(sealing.ENV_KEY, "apptest-master-key-0123456789abcdefgh")
    monkeypatch.setattr(crypto, "ROOT_KEY_BITS", 2048)
    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    fake = Partners()
    monkeypatch.setattr(shared, "_partners", lambda: fake)
    return fake


@pytest.fixture
def room(app_db, partners) -> SimpleNamespace:
    teacher = factories.instructor(app_db)
    klass = factories.classroom(app_db, teacher)
    pat = factories.student(app_db, klass, "pat", "Pat Wu")
    return SimpleNamespace(uow=app_db, teacher=teacher, room=klass, pat=pat, partners=partners)


@pytest.fixture
def chain(app_db, partners) -> SimpleNamespace:
    """A provider (pat) with warehouses WH01/WH02 and a supplier (ann) that applied for its service."""
    w = world(app_db, approved=False)
    challenge = applications.apply_challenge(app_db, w.supplier.actor)
    app = applications.apply(app_db, w.supplier.actor, w.supplier.token, provider_id=w.provider.id,
                             accept_terms=True, challenge_id=challenge.id, certificate_id=w.supplier.certificate_id)
    return SimpleNamespace(w=w, uow=app_db, application_id=app.id, partners=partners)


def press(at: AppTest, key: str) -> AppTest:
    found = [b for b in [*at.button, *at.form_submit_button] if b.key == key]
    assert found, f"no button {key!r}: {[b.key for b in [*at.button, *at.form_submit_button]]}"
    return check(found[0].click().run())


def section(at: AppTest, name: str) -> AppTest:
    at.segmented_control(key="lgs_section").set_value(name)
    at = run(at)
    assert at.segmented_control(key="lgs_section").value == name
    return at


def pick(at: AppTest, key: str, value: object) -> AppTest:
    at.selectbox(key=key).set_value(value)
    return run(at)


def field_error(code: str, field: str, lang: str = "en", **params: object) -> str:
    return t(code, lang, field=t(f"field.{field}", lang), **params)


# ----------------------------------------------------------------------------- roles and registration


def test_anonymous_visitors_and_instructors_are_refused(room):
    at = run(new_app(PAGE))
    assert warnings(at) == [en("auth.login_required")]
    assert not titles(at) and not at.text_input and not at.button
    at = run(new_app(PAGE, actor=room.teacher))
    assert warnings(at) == [en("auth.forbidden")]
    assert not titles(at) and not at.text_input


def fill_registration(at: AppTest, phone: str) -> None:
    for key, value in {"name": "Swift Freight", "contact": "Zhao Min", "phone": phone,
                       "address": "8 Harbour Road, Shanghai", "terms": "Door to door within 3 days."}.items():
        widget = at.text_area(key=f"lgs_register_{key}") if key == "terms" else at.text_input(key=f"lgs_register_{key}")
        widget.input(value)


def test_a_student_registers_a_logistics_company(room):
    at = run(new_app(PAGE, actor=room.pat))
    assert titles(at) == [en("page.logistics")]
    fill_registration(at, "021-66668888")
    at = press(at, "lgs_register_submit")
    assert successes(at) == [en("lgs.ui.registered", name="Swift Freight")]
    (provider,) = fetch(room.uow, select(Provider))
    assert (provider.name, provider.fee_base_fen, provider.fee_per_unit_fen) == ("Swift Freight", 5000, 200)
    assert at.segmented_control(key="lgs_section").value == "warehouses"
    assert ("react", room.room.id) in room.partners.calls


def test_a_bad_phone_is_refused_in_both_languages_and_nothing_is_saved(room):
    at = run(new_app(PAGE, actor=room.pat))
    fill_registration(at, "call me")
    at = press(at, "lgs_register_submit")
    assert errors(at) == [field_error("lgs.bad_phone", "lgs.phone")]
    assert count(room.uow, Provider) == 0
    at = run(new_app(PAGE, actor=room.pat, locale="zh-CN"))
    assert titles(at) == [zh("page.logistics")] == ["物流配送中心"]
    fill_registration(at, "call me")
    at = press(at, "lgs_register_submit")
    assert errors(at) == [field_error("lgs.bad_phone", "lgs.phone", "zh_CN")]
    assert count(room.uow, Provider) == 0


# ----------------------------------------------------------------------------- the whole chain


def test_the_provider_clicks_through_the_chain_and_the_order_is_delivered(chain):
    w, uow = chain.w, chain.uow
    at = run(new_app(PAGE, actor=w.carrier))
    assert titles(at) == [en("page.logistics")]
    assert "WH01" in repr(at.main) and "WH02" in repr(at.main)

    # LGS022 approve the supplier's application
    at = section(at, "customers")
    at = pick(at, "lgs_app_pick", chain.application_id)
    at = press(at, f"lgs_decide_{chain.application_id}_approve")
    (app,) = fetch(uow, select(ServiceApplication))
    assert app.state == APPROVED
    assert successes(at) and ("react", w.room.id) in chain.partners.calls

    # LGS003 receive the supplier's shipment into WH01
    p1, p2 = products(uow, w.supplier.member_id)[:2]
    shipped = ship(w, {p1: 10, p2: 4})
    at = section(at, "inbound")
    at = pick(at, "lgs_in_pick", shipped.inbound_order_id)
    at = press(at, f"lgs_receive_{shipped.inbound_order_id}")
    assert fetch(uow, select(InboundOrder))[0].state == RECEIVED
    assert successes(at) == [en("lgs.ui.received", number=ui.plain(fetch(uow, select(InboundOrder))[0].number))]

    # LGS002 accept the delivery order; the warehouse holding the goods is preselected
    buyer = trader(uow, w.room, "bea", "buyer")
    order_id, delivery_id = ordered(w, buyer, {p1: 6, p2: 2})
    at = section(at, "delivery")
    at = pick(at, "lgs_do_pick", delivery_id)
    assert at.selectbox(key=f"lgs_accept_{delivery_id}_warehouse").value == w.wh1.id
    at = press(at, f"lgs_accept_{delivery_id}_submit")
    (do,) = fetch(uow, select(DeliveryOrder))
    assert (do.state, do.warehouse_id) == (DO_ACCEPTED, w.wh1.id)

    # LGS012 add a vehicle
    at = section(at, "vehicles")
    for key, value in {"code": "沪A12345", "kind": "Van", "capacity": "20"}.items():
        at.text_input(key=f"lgs_veh_add_{key}").input(value)
    at = press(at, "lgs_veh_add_submit")
    (van,) = fetch(uow, select(Vehicle))
    assert van.code == "沪A12345"

    # LGS004 confirm outbound
    (ob,) = fetch(uow, select(OutboundOrder))
    at = section(at, "outbound")
    at = pick(at, "lgs_ob_pick", ob.id)
    at = press(at, f"lgs_issue_{ob.id}")
    assert fetch(uow, select(OutboundOrder))[0].state == ISSUED

    # LGS009 allocate, LGS010 confirm, LGS020 deliver
    (dp,) = fetch(uow, select(DispatchOrder))
    at = section(at, "dispatch")
    at = pick(at, "lgs_dp_alloc_pick", dp.id)
    at.selectbox(key=f"lgs_alloc_{dp.id}_vehicle").set_value(van.id)
    at = press(at, f"lgs_alloc_{dp.id}_submit")
    assert fetch(uow, select(DispatchOrder))[0].state == ALLOCATED
    at = pick(at, "lgs_dp_confirm_pick", dp.id)
    at = press(at, f"lgs_dp_confirm_{dp.id}")
    assert fetch(uow, select(DispatchOrder))[0].state == DISPATCH_CONFIRMED
    at = pick(at, "lgs_dp_deliver_pick", dp.id)
    at = press(at, f"lgs_deliver_{dp.id}")
    assert fetch(uow, select(DeliveryOrder))[0].state == DO_DELIVERED
    assert fetch(uow, select(Order).where(Order.id == order_id))[0].state == DELIVERED
    assert successes(at) == [en("lgs.ui.delivered", number=ui.plain(do.number))]
    assert sum(1 for c in chain.partners.calls if c[0] == "react") >= 7

    # every section renders with the documents made above (logged queries included)
    for name in SECTIONS:
        at = section(at, name)
        assert not errors(at), (name, errors(at))
    at = section(at, "receivables")
    at = press(at, "lgs_rcv_submit")
    assert any("¥" in x.value for x in at.markdown)
    # the number / status / warehouse queries (LGS015, LGS016, LGS017) are logged with their task code
    for name, form, task in (("inbound", "lgs_in_query", "LGS015"), ("outbound", "lgs_ob_query", "LGS016"),
                             ("transfers", "lgs_tf_query", "LGS017")):
        at = section(at, name)
        at = press(at, f"{form}_submit")
        assert not errors(at), (name, errors(at))
        assert fetch(uow, select(Event.task_code).where(Event.kind == "lgs.query", Event.task_code == task))


def test_a_duplicate_warehouse_code_shows_the_error_and_adds_nothing(chain):
    w, uow = chain.w, chain.uow
    at = run(new_app(PAGE, actor=w.carrier))
    for key, value in {"code": "wh01", "name": "Again", "address": "1 Dock Street", "capacity": "100"}.items():
        at.text_input(key=f"lgs_wh_add_{key}").input(value)
    at = press(at, "lgs_wh_add_submit")
    assert errors(at) == [field_error("lgs.duplicate_warehouse_code", "lgs.warehouse_code", warehouse="WH01")]
    assert count(uow, Warehouse) == 2


def test_the_provider_links_its_bank_account_sees_a_fee_paid_and_stock_over_time(chain):
    w, uow = chain.w, chain.uow
    (app,) = fetch(uow, select(ServiceApplication))
    applications.decide(uow, w.carrier, app.id, approve=True)
    p1 = products(uow, w.supplier.member_id)[0]
    inbound.receive(uow, w.carrier, ship(w, {p1: 10}).inbound_order_id)
    moved = b2b_transfers.create_transfer(uow, w.supplier.actor, w.supplier.token, from_warehouse_id=w.wh1.id,
                                          to_warehouse_id=w.wh2.id, lines={p1: 4})
    transfers.confirm_transfer(uow, w.carrier, moved.id)
    bank = BotWorld(uow=uow, class_id=w.room.id, student=w.carrier)
    number = corporate_account(bank, w.carrier)

    at = section(run(new_app(PAGE, actor=w.carrier)), "receivables")
    assert at.expander[0].label == en("lgs.ui.account_title")
    assert at.selectbox(key="lgs_account_number").value == number
    at = press(at, "lgs_account_submit")
    assert successes(at) == [en("lgs.ui.account_linked", number=group(number))]
    (provider,) = fetch(uow, select(Provider))
    assert provider.bank_account_id is not None
    assert any(group(number) in x.value for x in at.text)

    # a delivery fee, paid by the supplier through the bank, shows 已付款 in the LGS018 details
    buyer = trader(uow, w.room, "bea", "buyer")
    _order_id, delivery_id = ordered(w, buyer, {p1: 2})
    delivery.accept_delivery_order(uow, w.carrier, delivery_id, warehouse_id=w.wh1.id)
    card = corporate_account(bank, w.supplier.actor)
    fund(bank, w.supplier.actor)
    (fee,) = fetch(uow, select(fees.DeliveryFee))
    assert fees.pay_fees(uow, w.supplier.actor, w.supplier.token, [fee.id], card_number=card,
                         payment_password=PAY_PASSWORD).paid
    at = section(at, "receivables")
    at = press(at, "lgs_rcv_submit")
    (table,) = [d for d in at.dataframe if en("lgs.ui.col.paid") in d.value.columns]
    assert list(table.value[en("lgs.ui.col.status")]) == ["已付款 · Paid"]

    at = section(at, "charts")
    specs = [c.proto.spec for c in at.get("plotly_chart")]
    assert any("Stock per warehouse over time" in x for x in specs), specs
    assert not any("average load per trip" in x for x in specs)  # no vehicle yet
    assert not errors(at)
    # one line per warehouse picked (all of them while there are no more than 8)
    import json

    def history_lines(at: AppTest) -> list[str]:
        specs = [json.loads(c.proto.spec) for c in at.get("plotly_chart")]
        (spec,) = [x for x in specs if x["layout"].get("title", {}).get("text") == en("lgs.ui.chart_history")]
        return [trace["name"] for trace in spec["data"]]

    assert at.multiselect(key="lgs_hist_houses").value == [w.wh1.code, w.wh2.code]
    assert history_lines(at) == [w.wh1.code, w.wh2.code]
    at.multiselect(key="lgs_hist_houses").set_value([w.wh2.code])
    at = run(at)
    assert history_lines(at) == [w.wh2.code]


def test_every_section_renders_in_chinese(chain, monkeypatch):
    monkeypatch.setattr(ui, "lang", lambda: "zh_CN")  # AppTest formats the switcher's choice in the test process
    at = run(new_app(PAGE, actor=replace(chain.w.carrier, language="zh_CN")))
    assert titles(at) == ["物流配送中心"]
    labels = repr(at.segmented_control(key="lgs_section"))
    for name in SECTIONS:
        assert zh(f"lgs.ui.sec.{name}") in labels
        at = section(at, name)
        assert not errors(at), (name, errors(at))
    at = section(at, "customers")
    assert "待审批" in at.dataframe[0].value.to_string()
    assert zh("lgs.ui.customers_title") in [x.value for x in at.subheader]


def test_a_damage_report_is_written_for_goods_picked_in_one_warehouse(chain):
    """LGS023: the warehouse first, then only its goods; too many damaged is refused, nothing saved."""
    from sandbox.b2b.models import Product
    from sandbox.logistics.models import DamageReport
    from tests.app.helpers import fill

    w, uow = chain.w, chain.uow
    (app,) = fetch(uow, select(ServiceApplication))
    applications.decide(uow, w.carrier, app.id, approve=True)
    p1, p2 = products(uow, w.supplier.member_id)[:2]
    inbound.receive(uow, w.carrier, ship(w, {p1: 10, p2: 5}).inbound_order_id)
    moved = b2b_transfers.create_transfer(uow, w.supplier.actor, w.supplier.token, from_warehouse_id=w.wh1.id,
                                          to_warehouse_id=w.wh2.id, lines={p1: 4})
    transfers.confirm_transfer(uow, w.carrier, moved.id)

    at = section(run(new_app(PAGE, actor=w.carrier)), "stock")
    house = at.selectbox(key="lgs_damage_new_house")
    assert house.options == [w.wh1.code, w.wh2.code]  # both hold stock, by code
    at = pick(at, "lgs_damage_new_house", w.wh2.id)
    goods = at.selectbox(key="lgs_damage_new_level")
    (label,) = goods.options  # WH02 holds only the 4 moved there
    assert label.endswith("(4)") and w.wh1.code not in label
    goods.select_index(0)
    fill(at, lgs_damage_new_quantity="5", lgs_damage_new_reason="Crushed in transit")
    at = press(at, "lgs_damage_new_submit")
    sku = ui.plain(fetch(uow, select(Product).where(Product.id == p1))[0].sku)
    assert errors(at) == [en("lgs.not_enough_stock", product=sku, location=w.wh2.code, held=4, wanted=5)]
    assert not fetch(uow, select(DamageReport))  # refused: nothing saved
    fill(at, lgs_damage_new_quantity="2")
    at = press(at, "lgs_damage_new_submit")
    assert not errors(at)
    (report,) = fetch(uow, select(DamageReport))
    assert report.warehouse_id == w.wh2.id and report.reason == "Crushed in transit"
