"""Logistics company workspace (物流商 / 配送中心): register (LGS001); then warehouses (LGS007,
LGS008), vehicles (LGS012, LGS013), customers (LGS022), inbound (LGS003, LGS015), delivery orders
(LGS002, LGS014), outbound (LGS004, LGS016), dispatch (LGS009, LGS010, LGS020, LGS011), transfers
(LGS005, LGS017), stock and damage (LGS006, LGS023), receivables (LGS018) with the receiving bank
account the suppliers pay the delivery fees into, and charts (stock per warehouse now and over
time, vehicle utilisation, delivery orders by status).

Text typed by users (company, warehouse and vehicle names, notes, reasons) is only shown with
``st.text``, ``st.dataframe``, ``st.code`` or inside widgets — never as Markdown or HTML.
Every form has a request id and drops it after success; after each successful action the bot
partners act once (``shared.succeed``) so bot suppliers and buyers continue their side.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

import plotly.graph_objects as go
import streamlit as st

from sandbox import ui
from sandbox.actor import STUDENT
from sandbox.errors import DomainError
from sandbox.i18n import messages
from sandbox.logistics import (
    applications,
    damage,
    delivery,
    dispatch,
    inbound,
    outbound,
    providers,
    reports,
    stock,
    transfers,
    vehicles,
    warehouses,
)
from sandbox.logistics import models as m
from sandbox.logistics import states as lgs_states
from sandbox.logistics.access import provider_of
from sandbox.logistics.queries import LineView, ProviderView, WarehouseView
from sandbox.ui import b2b as shared

actor = ui.require_role(STUDENT)
st.title(ui.t("page.logistics"))
shared.apply_resets()
ui.show_flash()
shared.show_partner_notes()

P = "lgs"
SECTIONS = ("warehouses", "vehicles", "customers", "inbound", "delivery", "outbound", "dispatch", "transfers",
            "stock", "receivables", "charts")


# ----------------------------------------------------------------------------- small helpers


def status(machine: str, state: str | None) -> str:
    """A status in the catalog's Chinese word (per machine), the English word beside it in English."""
    if not state:
        return ""
    zh = lgs_states.MACHINE_LABELS_ZH.get(machine, {}).get(state) or lgs_states.LABELS_ZH.get(state, state)
    if shared.zh_mode():
        return zh
    key = f"lgs.ui.status.{machine}.{state}"
    return f"{zh} · {ui.t(key)}" if key in messages("en") else f"{zh} · {state}"


def col(name: str) -> str:
    return ui.t(f"lgs.ui.col.{name}")


def goods_text(lines: Sequence[LineView]) -> str:
    return ", ".join(f"{shared.product_name(x.name_zh, x.name_en)} ×{x.quantity}" for x in lines)


def load(fn: Callable[..., Any], *args: Any, **kwargs: Any) -> Any:
    """A read through the services; a refusal is shown and None returned."""
    try:
        with ui.uow().read() as s:
            return fn(s, *args, **kwargs)
    except DomainError as err:
        ui.show_error(err)
        return None


def action_button(rid: str, label_key: str, icon: str, call: Callable[[str], Any], done_key: str,
                  **params: Any) -> None:
    """One button running an idempotent service (request id kept until success)."""
    if not st.button(ui.t(label_key), key=rid, type="primary", icon=icon):
        return
    try:
        call(ui.request_id(rid))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(rid)
    shared.succeed(actor, done_key, **params)


def state_select(form: str, machine: str, states: Sequence[str]) -> Any:
    return st.selectbox(ui.t("field.lgs.state"), list(states), index=None, key=f"{form}_state",
                        format_func=lambda s: status(machine, s), placeholder=ui.t("lgs.ui.all"))


def show_result(form: str, draw: Callable[[list[Any]], None]) -> None:
    """The last result of a logged query form (kept for the browser session)."""
    found = st.session_state.get(f"{form}_result")
    if found is None:
        return
    if not found:
        st.info(ui.t("lgs.ui.no_rows"))
        return
    st.caption(ui.t("lgs.ui.found", count=len(found)))
    draw(found)


def run_query(form: str, call: Callable[[], Any]) -> None:
    try:
        st.session_state[f"{form}_result"] = call()
    except DomainError as err:
        ui.show_error(err)


def warehouse_choice(label_key: str, key: str, houses: Sequence[WarehouseView], *, optional: bool = True) -> Any:
    by_id = {w.id: w for w in houses}
    shared.keep_choice(key, list(by_id))
    return st.selectbox(ui.t(label_key), list(by_id), index=None if optional else (0 if by_id else None), key=key,
                        format_func=lambda i: f"{by_id[i].code} · {by_id[i].name}",
                        placeholder=ui.t("lgs.ui.all" if optional else "lgs.ui.choose"))


# ----------------------------------------------------------------------------- LGS001 register


def register_form() -> None:
    shared.section_title("lgs.ui.register_title")
    st.caption(ui.t("lgs.ui.register_help"))
    form = f"{P}_register"
    st.session_state.setdefault(f"{form}_fee_base", "50")
    st.session_state.setdefault(f"{form}_fee_unit", "2")
    with st.form(f"{form}_form"):
        cols = st.columns(2)
        name = cols[0].text_input(ui.t("field.lgs.name"), key=f"{form}_name", max_chars=100)
        contact = cols[1].text_input(ui.t("field.lgs.contact_name"), key=f"{form}_contact", max_chars=50)
        phone = cols[0].text_input(ui.t("field.lgs.phone"), key=f"{form}_phone", max_chars=24)
        email = cols[1].text_input(ui.t("lgs.ui.optional", field=ui.t("field.lgs.email")), key=f"{form}_email",
                                   max_chars=254)
        address = st.text_input(ui.t("field.lgs.address"), key=f"{form}_address", max_chars=200)
        licence = st.text_input(ui.t("lgs.ui.optional", field=ui.t("field.lgs.licence_number")),
                                key=f"{form}_licence", max_chars=32)
        terms = st.text_area(ui.t("field.lgs.service_terms"), key=f"{form}_terms", max_chars=2000, height=100)
        cols = st.columns(2)
        fee_base = cols[0].text_input(ui.t("field.lgs.fee_base"), key=f"{form}_fee_base", max_chars=16)
        fee_unit = cols[1].text_input(ui.t("field.lgs.fee_per_unit"), key=f"{form}_fee_unit", max_chars=16)
        ok = st.form_submit_button(ui.t("lgs.ui.register_submit"), type="primary", key=f"{form}_submit",
                                   icon=":material/how_to_reg:")
    if not ok:
        return
    try:
        done = providers.register_provider(
            ui.uow(), actor, name=name, contact_name=contact, phone=phone, address=address, email=email or None,
            licence_number=licence or None, service_terms=terms, fee_base=fee_base, fee_per_unit=fee_unit,
            request_id=ui.request_id(form),
        )
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.succeed(actor, "lgs.ui.registered", name=ui.plain(done.name))


def header(me: ProviderView) -> None:
    with st.container(border=True, key=f"{P}_header"):
        cols = st.columns([5, 5], vertical_alignment="center")
        cols[0].text(me.name)
        cols[0].caption(ui.plain(ui.t("lgs.ui.header_contact", contact=me.contact_name, phone=me.phone)))
        cols[1].text(ui.t("lgs.ui.header_fees", base=shared.yuan(me.fee_base_fen),
                          unit=shared.yuan(me.fee_per_unit_fen)))
        cols[1].caption(ui.t("lgs.ui.header_warehouses", count=me.warehouses))


def section_switcher() -> str:
    key = f"{P}_section"
    shared.keep_choice(key, list(SECTIONS), default=SECTIONS[0])
    st.session_state.setdefault(key, SECTIONS[0])
    chosen = st.segmented_control(
        ui.t("lgs.ui.section"), list(SECTIONS), format_func=lambda s: ui.t(f"lgs.ui.sec.{s}"), key=key,
        required=True, label_visibility="collapsed",
    )
    return str(chosen or SECTIONS[0])


# ----------------------------------------------------------------------------- 仓库 LGS007 / LGS008


def warehouse_table(houses: Sequence[WarehouseView], key: str) -> None:
    st.dataframe(
        [
            {
                col("code"): w.code, col("name"): w.name, col("address"): w.address, col("capacity"): w.capacity,
                col("held"): w.units_held, col("free"): w.free, col("active"): w.active,
            }
            for w in houses
        ],
        hide_index=True, key=key,
    )


def warehouses_section(me: ProviderView) -> None:
    shared.section_title("lgs.ui.warehouses_title")
    houses = load(warehouses.my_warehouses, actor)
    if houses is None:
        return
    if houses:
        warehouse_table(houses, f"{P}_wh_table")
    else:
        st.info(ui.t("lgs.ui.no_warehouses"))
    left, right = st.columns(2)
    with left:
        edit_warehouse(houses)
    with right, st.expander(ui.t("lgs.ui.add_warehouse"), icon=":material/add_business:", expanded=not houses):
        add_warehouse()


def add_warehouse() -> None:
    form = f"{P}_wh_add"
    with st.form(f"{form}_form"):
        cols = st.columns(2)
        code = cols[0].text_input(ui.t("field.lgs.warehouse_code"), key=f"{form}_code", max_chars=16,
                                  placeholder="WH01")
        capacity = cols[1].text_input(ui.t("field.lgs.capacity"), key=f"{form}_capacity", max_chars=10,
                                      placeholder="1000")
        name = st.text_input(ui.t("field.lgs.warehouse_name"), key=f"{form}_name", max_chars=100)
        address = st.text_input(ui.t("field.lgs.warehouse_address"), key=f"{form}_address", max_chars=200)
        ok = st.form_submit_button(ui.t("lgs.ui.add_warehouse_submit"), type="primary", key=f"{form}_submit")
    if not ok:
        return
    try:
        done = warehouses.add_warehouse(ui.uow(), actor, code=code, name=name, address=address, capacity=capacity,
                                        request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.reset_later(**{f"{form}_code": "", f"{form}_capacity": "", f"{form}_name": "", f"{form}_address": ""})
    shared.succeed(actor, "lgs.ui.warehouse_added", code=ui.plain(done.code))


def edit_warehouse(houses: Sequence[WarehouseView]) -> None:
    if not houses:
        return
    by_id = {w.id: w for w in houses}
    picked = shared.picker(f"{P}_wh_pick", list(by_id), lambda i: f"{by_id[i].code}", "lgs.ui.edit_warehouse")
    if picked is None:
        return
    w = by_id[picked]
    form = f"{P}_wh_edit_{picked}"
    st.session_state.setdefault(f"{form}_name", w.name)
    st.session_state.setdefault(f"{form}_address", w.address)
    st.session_state.setdefault(f"{form}_capacity", str(w.capacity))
    st.session_state.setdefault(f"{form}_active", w.active)
    with st.form(f"{form}_form"):
        name = st.text_input(ui.t("field.lgs.warehouse_name"), key=f"{form}_name", max_chars=100)
        address = st.text_input(ui.t("field.lgs.warehouse_address"), key=f"{form}_address", max_chars=200)
        capacity = st.text_input(ui.t("field.lgs.capacity"), key=f"{form}_capacity", max_chars=10)
        active = st.checkbox(ui.t("lgs.ui.warehouse_active"), key=f"{form}_active")
        ok = st.form_submit_button(ui.t("lgs.ui.save"), type="primary", key=f"{form}_submit", icon=":material/save:")
    if not ok:
        return
    try:
        done = warehouses.update_warehouse(ui.uow(), actor, picked, name=name, address=address, capacity=capacity,
                                           active=active, request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.clear(f"{form}_name", f"{form}_address", f"{form}_capacity", f"{form}_active")
    shared.succeed(actor, "lgs.ui.warehouse_saved", code=ui.plain(done.code))


# ----------------------------------------------------------------------------- 车辆 LGS012 / LGS013


def vehicles_section() -> None:
    shared.section_title("lgs.ui.vehicles_title")
    fleet = load(vehicles.my_vehicles, actor)
    if fleet is None:
        return
    if fleet:
        st.dataframe(
            [
                {
                    col("code"): v.code, col("kind"): v.kind, col("capacity"): v.capacity_units,
                    col("status"): status("vehicle", v.status), col("active"): v.active, col("note"): v.note,
                }
                for v in fleet
            ],
            hide_index=True, key=f"{P}_veh_table",
        )
    else:
        st.info(ui.t("lgs.ui.no_vehicles"))
    left, right = st.columns(2)
    with left:
        edit_vehicle(fleet)
    with right, st.expander(ui.t("lgs.ui.add_vehicle"), icon=":material/local_shipping:", expanded=not fleet):
        add_vehicle()


def add_vehicle() -> None:
    form = f"{P}_veh_add"
    with st.form(f"{form}_form"):
        cols = st.columns(2)
        code = cols[0].text_input(ui.t("field.lgs.vehicle_code"), key=f"{form}_code", max_chars=16,
                                  placeholder="沪A12345")
        kind = cols[1].text_input(ui.t("field.lgs.vehicle_kind"), key=f"{form}_kind", max_chars=50,
                                  placeholder=ui.t("lgs.ui.kind_example"))
        capacity = cols[0].text_input(ui.t("field.lgs.vehicle_capacity"), key=f"{form}_capacity", max_chars=10,
                                      placeholder="50")
        note = cols[1].text_input(ui.t("field.lgs.note"), key=f"{form}_note", max_chars=500)
        ok = st.form_submit_button(ui.t("lgs.ui.add_vehicle_submit"), type="primary", key=f"{form}_submit")
    if not ok:
        return
    try:
        done = vehicles.add_vehicle(ui.uow(), actor, code=code, kind=kind, capacity_units=capacity, note=note,
                                    request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.reset_later(**{f"{form}_code": "", f"{form}_kind": "", f"{form}_capacity": "", f"{form}_note": ""})
    shared.succeed(actor, "lgs.ui.vehicle_added", code=ui.plain(done.code))


def edit_vehicle(fleet: Sequence[vehicles.VehicleView]) -> None:
    if not fleet:
        return
    by_id = {v.id: v for v in fleet}
    picked = shared.picker(f"{P}_veh_pick", list(by_id), lambda i: f"{by_id[i].code}", "lgs.ui.edit_vehicle")
    if picked is None:
        return
    v = by_id[picked]
    form = f"{P}_veh_edit_{picked}"
    st.session_state.setdefault(f"{form}_code", v.code)
    st.session_state.setdefault(f"{form}_kind", v.kind)
    st.session_state.setdefault(f"{form}_capacity", str(v.capacity_units))
    st.session_state.setdefault(f"{form}_note", v.note)
    st.session_state.setdefault(f"{form}_active", v.active)
    with st.form(f"{form}_form"):
        cols = st.columns(2)
        code = cols[0].text_input(ui.t("field.lgs.vehicle_code"), key=f"{form}_code", max_chars=16)
        kind = cols[1].text_input(ui.t("field.lgs.vehicle_kind"), key=f"{form}_kind", max_chars=50)
        capacity = cols[0].text_input(ui.t("field.lgs.vehicle_capacity"), key=f"{form}_capacity", max_chars=10)
        note = cols[1].text_input(ui.t("field.lgs.note"), key=f"{form}_note", max_chars=500)
        active = st.checkbox(ui.t("lgs.ui.vehicle_active"), key=f"{form}_active")
        ok = st.form_submit_button(ui.t("lgs.ui.save"), type="primary", key=f"{form}_submit", icon=":material/save:")
    st.caption(ui.t("lgs.ui.vehicle_status", status=status("vehicle", v.status)))
    if not ok:
        return
    try:
        done = vehicles.update_vehicle(ui.uow(), actor, picked, code=code, kind=kind, capacity_units=capacity,
                                       note=note, active=active, request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.clear(f"{form}_code", f"{form}_kind", f"{form}_capacity", f"{form}_note", f"{form}_active")
    shared.succeed(actor, "lgs.ui.vehicle_saved", code=ui.plain(done.code))


# ----------------------------------------------------------------------------- 客户 LGS022


def customers_section() -> None:
    shared.section_title("lgs.ui.customers_title")
    rows = load(applications.applications_for_provider, actor)
    if rows is None:
        return
    if not rows:
        st.info(ui.t("lgs.ui.no_applications"))
        return
    st.dataframe(
        [
            {
                col("supplier"): a.supplier_name, col("status"): status("application", a.state),
                col("terms"): a.terms_accepted, col("applied"): shared.when(a.applied_at),
                col("decided"): shared.when(a.decided_at), col("note"): a.note,
            }
            for a in rows
        ],
        hide_index=True, key=f"{P}_apps_table",
    )
    pending = {a.id: a for a in rows if a.state == m.APPLIED}
    if not pending:
        st.caption(ui.t("lgs.ui.no_pending_applications"))
        return
    picked = shared.picker(f"{P}_app_pick", list(pending), lambda i: pending[i].supplier_name,
                           "lgs.ui.decide_application")
    if picked is None:
        return
    form = f"{P}_decide_{picked}"
    with st.form(f"{form}_form"):
        note = st.text_area(ui.t("field.lgs.note"), key=f"{form}_note", max_chars=500, height=80)
        cols = st.columns(2)
        yes = cols[0].form_submit_button(ui.t("lgs.ui.approve"), type="primary", key=f"{form}_approve",
                                         icon=":material/how_to_reg:")
        no = cols[1].form_submit_button(ui.t("lgs.ui.reject"), key=f"{form}_reject", icon=":material/block:")
    if not (yes or no):
        return
    try:
        done = applications.decide(ui.uow(), actor, picked, approve=bool(yes), note=note,
                                   request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.succeed(actor, "lgs.ui.decided", supplier=ui.plain(done.supplier_name),
                   status=status("application", done.state))


# ----------------------------------------------------------------------------- 入库 LGS003 / LGS015


def inbound_table(rows: Sequence[inbound.InboundView], key: str) -> None:
    st.dataframe(
        [
            {
                col("number"): r.number, col("supplier"): r.supplier_name, col("warehouse"): r.warehouse_code,
                col("status"): status("inbound_order", r.state), col("goods"): goods_text(r.lines),
                col("units"): r.total_units, col("created"): shared.when(r.created_at),
                col("received"): shared.when(r.received_at),
            }
            for r in rows
        ],
        hide_index=True, key=key,
    )


def inbound_section() -> None:
    shared.section_title("lgs.ui.inbound_title")
    rows = load(inbound.inbound_for_provider, actor, state=m.PENDING)
    if rows is None:
        return
    if rows:
        inbound_table(rows, f"{P}_in_pending")
        by_id = {r.id: r for r in rows}
        picked = shared.picker(f"{P}_in_pick", list(by_id),
                               lambda i: f"{by_id[i].number} · {by_id[i].supplier_name}", "lgs.ui.receive_pick")
        if picked is not None:
            action_button(f"{P}_receive_{picked}", "lgs.ui.receive", ":material/move_to_inbox:",
                          lambda rid: inbound.receive(ui.uow(), actor, picked, request_id=rid),
                          "lgs.ui.received", number=ui.plain(by_id[picked].number))
    else:
        st.info(ui.t("lgs.ui.no_pending_inbound"))
    warehouse_query(f"{P}_in_query", "lgs.ui.query_inbound", "inbound_order", "inbound",
                    reports.query_inbound_orders, inbound_table)


def warehouse_query(
    form: str, title_key: str, machine: str, kind: str, query: Callable[..., Any], table: Callable[..., None]
) -> None:
    """A logged document query by number, status and warehouse (LGS015 / LGS016 / LGS017) and its result."""
    houses = load(warehouses.my_warehouses, actor) or []
    st.markdown(f"**{ui.t(title_key)}**")
    with st.form(f"{form}_form"):
        cols = st.columns(3)
        number = cols[0].text_input(ui.t("field.lgs.number"), key=f"{form}_number", max_chars=24)
        with cols[1]:
            state = state_select(form, machine, reports.STATES[kind])
        with cols[2]:
            house = warehouse_choice("field.lgs.warehouse", f"{form}_warehouse", houses)
        ok = st.form_submit_button(ui.t("lgs.ui.query_submit"), key=f"{form}_submit", icon=":material/search:")
    if ok:
        run_query(form, lambda: query(ui.uow(), actor, state=state, number=number, warehouse_id=house))
    show_result(form, lambda found: table(found, f"{form}_table"))


# ----------------------------------------------------------------------------- 配送单 LGS002 / LGS014


def delivery_table(rows: Sequence[delivery.DeliveryOrderView], key: str) -> None:
    st.dataframe(
        [
            {
                col("number"): r.number, col("order"): r.order_number, col("supplier"): r.supplier_name,
                col("status"): status("delivery_order", r.state), col("consignee"): r.consignee_name,
                col("address"): r.consignee_address, col("goods"): goods_text(r.lines), col("units"): r.total_units,
                col("warehouse"): r.warehouse_code or "", col("fee"): shared.yuan(r.fee_fen),
                col("created"): shared.when(r.created_at),
            }
            for r in rows
        ],
        hide_index=True, key=key,
    )


def default_warehouse_id(order: delivery.DeliveryOrderView) -> int | None:
    needs: dict[int, int] = {}
    for line in order.lines:
        needs[line.product_id] = needs.get(line.product_id, 0) + line.quantity
    with ui.uow().read() as s:
        found = delivery.default_warehouse(s, provider_of(s, actor), order.supplier_id, needs)
        return found.id if found is not None else None


def delivery_section() -> None:
    shared.section_title("lgs.ui.delivery_title")
    rows = load(delivery.delivery_orders_for_provider, actor, state=m.AWAITING)
    if rows is None:
        return
    houses = load(warehouses.my_warehouses, actor) or []
    if rows:
        delivery_table(rows, f"{P}_do_awaiting")
        by_id = {r.id: r for r in rows}
        picked = shared.picker(f"{P}_do_pick", list(by_id),
                               lambda i: f"{by_id[i].number} · {by_id[i].supplier_name}", "lgs.ui.accept_pick")
        if picked is not None:
            accept_form(by_id[picked], houses)
    else:
        st.info(ui.t("lgs.ui.no_awaiting_delivery"))
    form = f"{P}_do_query"
    st.markdown(f"**{ui.t('lgs.ui.query_delivery')}**")
    with st.form(f"{form}_form"):
        cols = st.columns(2)
        number = cols[0].text_input(ui.t("field.lgs.number"), key=f"{form}_number", max_chars=24)
        with cols[1]:
            state = state_select(form, "delivery_order", reports.STATES["delivery"])
        ok = st.form_submit_button(ui.t("lgs.ui.query_submit"), key=f"{form}_submit", icon=":material/search:")
    if ok:
        run_query(form, lambda: reports.query_delivery_orders(ui.uow(), actor, state=state, number=number))
    show_result(form, lambda found: delivery_table(found, f"{form}_table"))


def accept_form(order: delivery.DeliveryOrderView, houses: Sequence[WarehouseView]) -> None:
    form = f"{P}_accept_{order.id}"
    by_id = {w.id: w for w in houses}
    if not by_id:
        st.info(ui.t("lgs.ui.no_warehouses"))
        return
    default = default_warehouse_id(order)
    key = f"{form}_warehouse"
    shared.keep_choice(key, list(by_id))
    if key not in st.session_state and default is not None:
        st.session_state[key] = default
    with st.form(f"{form}_form"):
        st.markdown(f"**{ui.t('lgs.ui.accept_title')}**")
        st.text(ui.t("lgs.ui.accept_goods", goods=goods_text(order.lines), units=order.total_units))
        house = st.selectbox(ui.t("lgs.ui.issuing_warehouse"), list(by_id), key=key,
                             format_func=lambda i: f"{by_id[i].code} · {by_id[i].name}")
        if default is None:
            st.caption(ui.t("lgs.ui.no_default_warehouse"))
        ok = st.form_submit_button(ui.t("lgs.ui.accept"), type="primary", key=f"{form}_submit",
                                   icon=":material/task_alt:")
    if not ok:
        return
    try:
        done = delivery.accept_delivery_order(ui.uow(), actor, order.id, warehouse_id=house,
                                              request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.succeed(actor, "lgs.ui.accepted", number=ui.plain(done.number), fee=shared.yuan(done.fee_fen))


# ----------------------------------------------------------------------------- 出库 LGS004 / LGS016


def outbound_table(rows: Sequence[outbound.OutboundView], key: str) -> None:
    st.dataframe(
        [
            {
                col("number"): r.number, col("delivery"): r.delivery_number, col("supplier"): r.supplier_name,
                col("warehouse"): r.warehouse_code, col("status"): status("outbound_order", r.state),
                col("goods"): goods_text(r.lines), col("units"): r.total_units,
                col("created"): shared.when(r.created_at), col("issued"): shared.when(r.issued_at),
            }
            for r in rows
        ],
        hide_index=True, key=key,
    )


def outbound_section() -> None:
    shared.section_title("lgs.ui.outbound_title")
    rows = load(outbound.outbound_for_provider, actor, state=m.PENDING)
    if rows is None:
        return
    if rows:
        outbound_table(rows, f"{P}_ob_pending")
        by_id = {r.id: r for r in rows}
        picked = shared.picker(f"{P}_ob_pick", list(by_id),
                               lambda i: f"{by_id[i].number} · {by_id[i].delivery_number}", "lgs.ui.issue_pick")
        if picked is not None:
            action_button(f"{P}_issue_{picked}", "lgs.ui.issue", ":material/outbox:",
                          lambda rid: outbound.confirm_outbound(ui.uow(), actor, picked, request_id=rid),
                          "lgs.ui.issued", number=ui.plain(by_id[picked].number))
    else:
        st.info(ui.t("lgs.ui.no_pending_outbound"))
    warehouse_query(f"{P}_ob_query", "lgs.ui.query_outbound", "outbound_order", "outbound",
                    reports.query_outbound_orders, outbound_table)


# ----------------------------------------------------------------------------- 调度 LGS009 / LGS010 / LGS020 / LGS011


def dispatch_table(rows: Sequence[dispatch.DispatchView], key: str) -> None:
    st.dataframe(
        [
            {
                col("number"): r.number, col("delivery"): r.delivery_number,
                col("status"): status("dispatch_order", r.state),
                col("delivery_status"): status("delivery_order", r.delivery_state),
                col("vehicle"): r.vehicle_code or "", col("units"): r.units,
                col("allocated"): shared.when(r.allocated_at), col("confirmed"): shared.when(r.confirmed_at),
                col("completed"): shared.when(r.completed_at),
            }
            for r in rows
        ],
        hide_index=True, key=key,
    )


def dispatch_section() -> None:
    shared.section_title("lgs.ui.dispatch_title")
    rows = load(dispatch.dispatches_for_provider, actor)
    fleet = load(vehicles.my_vehicles, actor)
    if rows is None or fleet is None:
        return
    if not rows:
        st.info(ui.t("lgs.ui.no_dispatch"))
    else:
        open_rows = [r for r in rows if r.state != m.DISPATCH_COMPLETED]
        if open_rows:
            dispatch_table(open_rows, f"{P}_dp_table")
        by_id = {r.id: r for r in open_rows}
        label = lambda i: f"{by_id[i].number} · {by_id[i].delivery_number}"  # noqa: E731
        cols = st.columns(3)
        with cols[0], st.container(border=True, key=f"{P}_dp_allocate_box"):
            allocate_panel([r.id for r in open_rows if r.state == m.UNALLOCATED], label, fleet)
        with cols[1], st.container(border=True, key=f"{P}_dp_confirm_box"):
            st.markdown(f"**{ui.t('lgs.ui.confirm_title')}**")
            ready = [r.id for r in open_rows if r.state == m.ALLOCATED]
            picked = shared.picker(f"{P}_dp_confirm_pick", ready, label, "lgs.ui.dispatch_pick") if ready else None
            if not ready:
                st.caption(ui.t("lgs.ui.none_here"))
            if picked is not None:
                action_button(f"{P}_dp_confirm_{picked}", "lgs.ui.confirm_dispatch", ":material/check_circle:",
                              lambda rid: dispatch.confirm_dispatch(ui.uow(), actor, picked, request_id=rid),
                              "lgs.ui.dispatch_confirmed", number=ui.plain(by_id[picked].number))
        with cols[2], st.container(border=True, key=f"{P}_dp_deliver_box"):
            st.markdown(f"**{ui.t('lgs.ui.deliver_title')}**")
            road = [r.id for r in open_rows if r.state == m.DISPATCH_CONFIRMED]
            picked = shared.picker(f"{P}_dp_deliver_pick", road, label, "lgs.ui.dispatch_pick") if road else None
            if not road:
                st.caption(ui.t("lgs.ui.none_here"))
            if picked is not None:
                target = by_id[picked]
                action_button(f"{P}_deliver_{picked}", "lgs.ui.deliver", ":material/where_to_vote:",
                              lambda rid: dispatch.deliver(ui.uow(), actor, target.delivery_order_id, request_id=rid),
                              "lgs.ui.delivered", number=ui.plain(target.delivery_number))
    transport_query(fleet)


def allocate_panel(ids: list[int], label: Callable[[int], str], fleet: Sequence[vehicles.VehicleView]) -> None:
    st.markdown(f"**{ui.t('lgs.ui.allocate_title')}**")
    if not ids:
        st.caption(ui.t("lgs.ui.none_here"))
        return
    picked = shared.picker(f"{P}_dp_alloc_pick", ids, label, "lgs.ui.dispatch_pick")
    if picked is None:
        return
    idle = {v.id: v for v in fleet if v.idle and v.active}
    if not idle:
        st.info(ui.t("lgs.ui.no_idle_vehicle"))
        return
    form = f"{P}_alloc_{picked}"
    shared.keep_choice(f"{form}_vehicle", list(idle))
    with st.form(f"{form}_form"):
        vehicle = st.selectbox(ui.t("field.lgs.vehicle"), list(idle), key=f"{form}_vehicle",
                               format_func=lambda i: f"{idle[i].code} · {idle[i].kind} · {idle[i].capacity_units}")
        ok = st.form_submit_button(ui.t("lgs.ui.allocate"), type="primary", key=f"{form}_submit",
                                   icon=":material/local_shipping:")
    if not ok:
        return
    try:
        done = dispatch.allocate_vehicle(ui.uow(), actor, picked, vehicle_id=vehicle, request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.succeed(actor, "lgs.ui.allocated", number=ui.plain(done.number), vehicle=ui.plain(done.vehicle_code or ""))


def transport_query(fleet: Sequence[vehicles.VehicleView]) -> None:
    """LGS011: vehicle transport records (车辆运营状况), logged."""
    form = f"{P}_tr_records"
    by_id = {v.id: v for v in fleet}
    st.markdown(f"**{ui.t('lgs.ui.transport_title')}**")
    with st.form(f"{form}_form"):
        cols = st.columns(4)
        shared.keep_choice(f"{form}_vehicle", list(by_id))
        vehicle = cols[0].selectbox(ui.t("field.lgs.vehicle"), list(by_id), index=None, key=f"{form}_vehicle",
                                    format_func=lambda i: by_id[i].code, placeholder=ui.t("lgs.ui.all"))
        with cols[1]:
            state = state_select(form, "dispatch_order", reports.STATES["transport"])
        first = cols[2].date_input(ui.t("field.lgs.date_from"), value=None, key=f"{form}_from", format="YYYY-MM-DD")
        last = cols[3].date_input(ui.t("field.lgs.date_to"), value=None, key=f"{form}_to", format="YYYY-MM-DD")
        ok = st.form_submit_button(ui.t("lgs.ui.query_submit"), key=f"{form}_submit", icon=":material/search:")
    if ok:
        run_query(form, lambda: reports.transport_records(ui.uow(), actor, vehicle_id=vehicle, state=state,
                                                          date_from=first, date_to=last))
    show_result(form, lambda found: dispatch_table(found, f"{form}_table"))


# ----------------------------------------------------------------------------- 调拨 LGS005 / LGS017


def transfer_table(rows: Sequence[Any], key: str) -> None:
    st.dataframe(
        [
            {
                col("number"): r.number, col("supplier"): r.supplier_name, col("from"): r.from_code,
                col("to"): r.to_code, col("status"): status("transfer_order", r.state), col("units"): r.total_units,
                col("created"): shared.when(r.created_at), col("confirmed"): shared.when(r.confirmed_at),
            }
            for r in rows
        ],
        hide_index=True, key=key,
    )


def transfers_section() -> None:
    shared.section_title("lgs.ui.transfers_title")
    rows = load(transfers.transfers_for_provider, actor, state=m.TRANSFER_CREATED)
    if rows is None:
        return
    if rows:
        transfer_table(rows, f"{P}_tf_pending")
        by_id = {r.id: r for r in rows}
        picked = shared.picker(f"{P}_tf_pick", list(by_id),
                               lambda i: f"{by_id[i].number} · {by_id[i].from_code} → {by_id[i].to_code}",
                               "lgs.ui.transfer_pick")
        if picked is not None:
            action_button(f"{P}_tf_confirm_{picked}", "lgs.ui.confirm_transfer", ":material/sync_alt:",
                          lambda rid: transfers.confirm_transfer(ui.uow(), actor, picked, request_id=rid),
                          "lgs.ui.transfer_confirmed", number=ui.plain(by_id[picked].number))
    else:
        st.info(ui.t("lgs.ui.no_pending_transfers"))
    warehouse_query(f"{P}_tf_query", "lgs.ui.query_transfers", "transfer_order", "transfer",
                    reports.query_transfer_orders, transfer_table)


# ----------------------------------------------------------------------------- 库存 LGS006 / LGS023


def stock_section(me: ProviderView) -> None:
    shared.section_title("lgs.ui.stock_title")
    houses = load(warehouses.my_warehouses, actor)
    levels = load(lambda s: stock.levels(s, provider_id=me.id))
    if houses is None or levels is None:
        return
    owners = {x.owner_id: x.owner_name for x in levels}
    form = f"{P}_stock_query"
    with st.form(f"{form}_form"):
        cols = st.columns(2)
        with cols[0]:
            house = warehouse_choice("field.lgs.warehouse", f"{form}_warehouse", houses)
        shared.keep_choice(f"{form}_owner", list(owners))
        owner = cols[1].selectbox(ui.t("field.lgs.supplier"), list(owners), index=None, key=f"{form}_owner",
                                  format_func=lambda i: owners[i], placeholder=ui.t("lgs.ui.all"))
        ok = st.form_submit_button(ui.t("lgs.ui.query_stock"), type="primary", key=f"{form}_submit",
                                   icon=":material/inventory_2:")
    if ok:
        run_query(form, lambda: reports.query_stock(ui.uow(), actor, warehouse_id=house, owner_id=owner))

    def stock_table(found: list[Any]) -> None:
        zh = shared.zh_mode()
        head = {k: col(k) for k in ("warehouse", "supplier", "sku", "product", "quantity")}  # once per table
        st.dataframe(
            [
                {
                    head["warehouse"]: x.warehouse_code, head["supplier"]: x.owner_name, head["sku"]: x.sku,
                    head["product"]: x.name_zh if zh else x.name_en, head["quantity"]: x.quantity,
                }
                for x in found
            ],
            hide_index=True, key=f"{form}_table",
        )

    show_result(form, stock_table)
    st.divider()
    damage_panel(houses, levels)


def damage_panel(houses: Sequence[WarehouseView], levels: Sequence[Any]) -> None:
    """LGS023: write a damage report (新建残损单) and confirm it (确认)."""
    st.markdown(f"**{ui.t('lgs.ui.damage_title')}**")
    held = [x for x in levels if x.warehouse_id is not None]
    codes = {w.id: w.code for w in houses}
    if held:
        form = f"{P}_damage_new"
        # the warehouse first, then its goods: one list of every warehouse's stock was thousands long
        by_house: dict[int, list[int]] = {}
        for i, x in enumerate(held):
            by_house.setdefault(x.warehouse_id, []).append(i)
        house_ids = sorted(by_house, key=lambda w: codes.get(w, ""))
        shared.keep_choice(f"{form}_house", house_ids, default=house_ids[0])
        house = st.selectbox(ui.t("field.lgs.warehouse"), house_ids, key=f"{form}_house",
                             format_func=lambda w: codes.get(w, str(w)))
        options = by_house[house]
        shared.keep_choice(f"{form}_level", options)
        with st.form(f"{form}_form"):
            zh = shared.zh_mode()  # once, not once per option
            labels = {i: f"{held[i].owner_name} · {held[i].sku} {held[i].name_zh if zh else held[i].name_en} "
                         f"({held[i].quantity})" for i in options}
            pick = st.selectbox(
                ui.t("lgs.ui.damage_goods"), options, index=None, key=f"{form}_level",
                format_func=labels.__getitem__, placeholder=ui.t("lgs.ui.choose"),
            )
            cols = st.columns([1, 3])
            quantity = cols[0].text_input(ui.t("field.lgs.quantity"), key=f"{form}_quantity", max_chars=6)
            reason = cols[1].text_input(ui.t("field.lgs.reason"), key=f"{form}_reason", max_chars=200)
            ok = st.form_submit_button(ui.t("lgs.ui.damage_submit"), key=f"{form}_submit",
                                       icon=":material/report:")
        if ok:
            try:
                if pick is None:
                    raise DomainError("input.required", field="lgs.lines")
                level = held[int(pick)]
                done = damage.create_damage_report(
                    ui.uow(), actor, owner_id=level.owner_id, warehouse_id=level.warehouse_id,
                    lines={level.product_id: quantity}, reason=reason, request_id=ui.request_id(form),
                )
            except DomainError as err:
                ui.show_error(err)
            else:
                ui.form_done(form)
                shared.reset_later(**{f"{form}_quantity": "", f"{form}_reason": ""})
                shared.succeed(actor, "lgs.ui.damage_reported", number=ui.plain(done.number))
    else:
        st.caption(ui.t("lgs.ui.no_stock"))
    reports_ = load(damage.damage_reports_for_provider, actor)
    if not reports_:
        return
    st.dataframe(
        [
            {
                col("number"): r.number, col("warehouse"): r.warehouse_code, col("supplier"): r.owner_name,
                col("status"): status("damage_report", r.state), col("goods"): goods_text(r.lines),
                col("reason"): r.reason, col("created"): shared.when(r.created_at),
                col("confirmed"): shared.when(r.confirmed_at),
            }
            for r in reports_
        ],
        hide_index=True, key=f"{P}_damage_table",
    )
    drafts = {r.id: r for r in reports_ if r.state == m.DRAFT}
    if not drafts:
        return
    picked = shared.picker(f"{P}_damage_pick", list(drafts), lambda i: drafts[i].number, "lgs.ui.damage_pick")
    if picked is not None:
        action_button(f"{P}_damage_confirm_{picked}", "lgs.ui.damage_confirm", ":material/check_circle:",
                      lambda rid: damage.confirm_damage_report(ui.uow(), actor, picked, request_id=rid),
                      "lgs.ui.damage_confirmed", number=ui.plain(drafts[picked].number))


# ----------------------------------------------------------------------------- 应收款 LGS018


def receiving_account() -> None:
    """收款账户: link one of the owner's corporate e-bank accounts; suppliers pay fees into it."""
    from sandbox.ebank import services as bank
    from sandbox.ebank.models import CORPORATE
    from sandbox.ebank.numbers import group

    linked = load(providers.linked_account, actor)
    with st.expander(ui.t("lgs.ui.account_title"), icon=":material/account_balance:", expanded=linked is None):
        if linked is not None:
            st.text(ui.t("lgs.ui.account_now", number=group(linked.account_number), holder=linked.holder_name))
        else:
            st.caption(ui.t("lgs.ui.no_account"))
        with ui.uow().read() as s:
            accounts = {a.account_number: a.holder_name for a in bank.my_accounts(s, actor) if a.kind == CORPORATE}
        if not accounts:
            st.info(ui.t("lgs.ui.no_corporate_account"), icon=":material/domain:")
            if ui.page_registered("views/bank.py"):
                st.page_link("views/bank.py", label=ui.t("lgs.ui.go_bank"), icon=":material/account_balance:")
            return
        form = f"{P}_account"
        numbers = list(accounts)
        shared.keep_choice(f"{form}_number", numbers, default=numbers[0])
        with st.form(f"{form}_form"):
            number = st.selectbox(ui.t("field.lgs.bank_account"), numbers, key=f"{form}_number",
                                  format_func=lambda n: f"{group(n)} · {accounts[n]}")
            ok = st.form_submit_button(ui.t("lgs.ui.link_account"), key=f"{form}_submit", icon=":material/link:")
        if not ok:
            return
        try:
            providers.link_bank_account(ui.uow(), actor, bank_account_number=number, request_id=ui.request_id(form))
        except DomainError as err:
            ui.show_error(err)
            return
        ui.form_done(form)
        shared.succeed(actor, "lgs.ui.account_linked", number=group(number))


def receivables_section() -> None:
    shared.section_title("lgs.ui.receivables_title")
    receiving_account()
    rows = load(reports.receivables_summary, actor)
    if rows is None:
        return
    if not rows:
        st.info(ui.t("lgs.ui.no_receivables"))
        return
    st.dataframe(
        [
            {
                col("supplier"): r.supplier_name, col("open_total"): shared.yuan(r.open_fen),
                col("open_count"): r.open_count, col("paid_total"): shared.yuan(r.paid_fen),
                col("paid_count"): r.paid_count,
            }
            for r in rows
        ],
        hide_index=True, key=f"{P}_rcv_summary",
    )
    names = {r.supplier_id: r.supplier_name for r in rows}
    form = f"{P}_rcv"
    shared.keep_choice(f"{form}_supplier", list(names), default=rows[0].supplier_id)
    with st.form(f"{form}_form"):
        cols = st.columns(2)
        supplier = cols[0].selectbox(ui.t("field.lgs.supplier"), list(names), key=f"{form}_supplier",
                                     format_func=lambda i: names[i])
        with cols[1]:
            state = state_select(form, "fee", reports.STATES["receivables"])
        ok = st.form_submit_button(ui.t("lgs.ui.receivable_details"), type="primary", key=f"{form}_submit",
                                   icon=":material/receipt_long:")
    if ok:
        run_query(form, lambda: reports.receivable_details(ui.uow(), actor, supplier_id=supplier, state=state))

    def draw(found: list[Any]) -> None:
        st.dataframe(
            [
                {
                    col("delivery"): f.delivery_number, col("supplier"): f.supplier_name,
                    col("amount"): shared.yuan(f.amount_fen), col("basis"): f.basis,
                    col("status"): status("fee", f.state), col("booked"): shared.when(f.booked_at),
                    col("paid"): shared.when(f.paid_at),
                }
                for f in found
            ],
            hide_index=True, key=f"{form}_table",
        )
        st.markdown(f"**{ui.t('lgs.ui.total', total=shared.yuan(sum(f.amount_fen for f in found)))}**")

    show_result(form, draw)


# ----------------------------------------------------------------------------- 报表 charts


def bar_figure(labels: list[str], series: list[tuple[str, list[int], str]], title: str) -> go.Figure:
    fig = go.Figure()
    for name, values, colour in series:
        fig.add_bar(x=labels, y=values, name=name, marker_color=colour)
    fig.update_layout(title_text=title, barmode="group", height=340, margin={"t": 60, "b": 40, "l": 40, "r": 20},
                      legend={"orientation": "h", "y": -0.2})
    top = max((v for _n, values, _c in series for v in values), default=0)
    fig.update_yaxes(rangemode="tozero", tickformat="d", dtick=max(1, -(-top // 5)))  # whole units only
    if top == 0:
        fig.update_yaxes(range=[0, 1])
    return fig


HISTORY_LINES = 8


def history_chart() -> None:
    """仓库库存变化: each warehouse's stock after every move (a step line per warehouse), in a date
    range, of all goods or one product."""
    form = f"{P}_hist"
    cols = st.columns(3)
    first = cols[0].date_input(ui.t("field.lgs.date_from"), value=None, key=f"{form}_from", format="YYYY-MM-DD")
    last = cols[1].date_input(ui.t("field.lgs.date_to"), value=None, key=f"{form}_to", format="YYYY-MM-DD")
    chosen = st.session_state.get(f"{form}_product")
    found = load(reports.stock_history, actor, date_from=first, date_to=last, product_id=chosen)
    if found is None:
        return
    names = {x.product_id: f"{x.sku} · {shared.product_name(x.name_zh, x.name_en)}" for x in found.products}
    shared.keep_choice(f"{form}_product", list(names))
    cols[2].selectbox(ui.t("field.lgs.product"), list(names), index=None, key=f"{form}_product",
                      format_func=lambda i: names[i], placeholder=ui.t("lgs.ui.all_goods"))
    if not found.series:
        st.caption(ui.t("lgs.ui.no_history"))
        return
    # a line per warehouse is unreadable past a handful (and 100 lines of every move were ~0.3 s to
    # draw): the busiest HISTORY_LINES are shown, the others one pick away
    by_code = {s.warehouse_code: s for s in found.series}
    busiest = sorted(by_code, key=lambda c: (-len(by_code[c].points), c))[:HISTORY_LINES]
    kept = [c for c in st.session_state.get(f"{form}_houses") or [] if c in by_code]
    st.session_state[f"{form}_houses"] = kept or sorted(busiest)  # none left (new dates or product): the busiest
    picked = st.multiselect(ui.t("lgs.ui.history_houses"), sorted(by_code), key=f"{form}_houses",
                            placeholder=ui.t("lgs.ui.history_houses_none"))
    if len(by_code) > HISTORY_LINES:
        st.caption(ui.t("lgs.ui.history_busiest", shown=HISTORY_LINES, total=len(by_code)))
    if not picked:
        return
    now = datetime.now(UTC)
    until = min(now, ui.china_moment(last + timedelta(days=1))) if last else now
    traces = []
    for series in (by_code[c] for c in picked):
        xs = [p.at for p in series.points]
        ys = [p.quantity for p in series.points]
        if xs and xs[-1] < until:  # the level holds until the end of the period
            xs.append(until)
            ys.append(ys[-1])
        xs = [x.astimezone(ui.CHINA).replace(tzinfo=None) for x in xs]  # drawn in China time, as shown elsewhere
        traces.append({"type": "scatter", "x": xs, "y": ys, "mode": "lines+markers", "line": {"shape": "hv"},
                       "name": shared.chart_text(series.warehouse_code)})
    fig = go.Figure()
    fig.add_traces(traces)  # at once: add_scatter per warehouse validated the figure 100 times (3x slower)
    fig.update_layout(title_text=ui.t("lgs.ui.chart_history"), height=360, margin={"t": 60, "b": 40, "l": 40, "r": 20},
                      legend={"orientation": "h", "y": -0.2})
    fig.update_yaxes(rangemode="tozero", tickformat="d")
    st.plotly_chart(fig, key=f"{P}_chart_history", config=shared.CHART_CONFIG)


def charts_section() -> None:
    shared.section_title("lgs.ui.charts_title")
    houses = load(warehouses.my_warehouses, actor)
    fleet = load(reports.vehicle_utilisation, actor)
    orders = load(delivery.delivery_orders_for_provider, actor)
    if houses is None or fleet is None or orders is None:
        return
    if not houses and not fleet and not orders:
        st.info(ui.t("lgs.ui.no_chart_data"))
        return
    if houses:
        labels = [shared.chart_text(w.code) for w in houses]
        fig = bar_figure(labels, [(ui.t("lgs.ui.chart_held"), [w.units_held for w in houses], "#4C78A8"),
                                  (ui.t("lgs.ui.chart_capacity"), [w.capacity for w in houses], "#BAB0AC")],
                         ui.t("lgs.ui.chart_stock"))
        st.plotly_chart(fig, key=f"{P}_chart_stock", config=shared.CHART_CONFIG)
        history_chart()
    if fleet:
        labels = [f"{shared.chart_text(v.code)} ({status('vehicle', v.status)})" for v in fleet]
        fig = bar_figure(labels, [(ui.t("lgs.ui.chart_trips"), [v.trips for v in fleet], "#F58518")],
                         ui.t("lgs.ui.chart_vehicles"))
        st.plotly_chart(fig, key=f"{P}_chart_vehicles", config=shared.CHART_CONFIG)
        fig = bar_figure(labels, [(ui.t("lgs.ui.chart_load"), [v.load_percent for v in fleet], "#E45756")],
                         ui.t("lgs.ui.chart_load_title"))
        fig.update_yaxes(range=[0, 100], dtick=20)
        st.plotly_chart(fig, key=f"{P}_chart_load", config=shared.CHART_CONFIG)
        busy = sum(1 for v in fleet if v.status == m.VEHICLE_IN_TRANSIT)
        st.caption(ui.t("lgs.ui.utilisation", busy=busy, total=len(fleet), percent=round(100 * busy / len(fleet))))
    if orders:
        counts: dict[str, int] = {}
        for o in orders:
            counts[o.state] = counts.get(o.state, 0) + 1
        order_states = [s for s in reports.STATES["delivery"] if s in counts]
        fig = bar_figure([status("delivery_order", s) for s in order_states],
                         [(ui.t("lgs.ui.chart_count"), [counts[s] for s in order_states], "#54A24B")],
                         ui.t("lgs.ui.chart_deliveries"))
        st.plotly_chart(fig, key=f"{P}_chart_deliveries", config=shared.CHART_CONFIG)


# ----------------------------------------------------------------------------- page


def my_provider() -> ProviderView | None:
    try:
        with ui.uow().read() as s:
            return providers.my_provider(s, actor)
    except DomainError as err:
        if err.code != "lgs.not_registered":
            ui.show_error(err)
            st.stop()
        return None


me = my_provider()
if me is None:
    register_form()
else:
    shared.ensure_partners_once(actor)
    header(me)
    section = section_switcher()
    if section == "warehouses":
        warehouses_section(me)
    elif section == "vehicles":
        vehicles_section()
    elif section == "customers":
        customers_section()
    elif section == "inbound":
        inbound_section()
    elif section == "delivery":
        delivery_section()
    elif section == "outbound":
        outbound_section()
    elif section == "dispatch":
        dispatch_section()
    elif section == "transfers":
        transfers_section()
    elif section == "stock":
        stock_section(me)
    elif section == "receivables":
        receivables_section()
    else:
        charts_section()

# Drawn last, so an action (or a logged query) of this run is ticked at once.
ui.task_tracker("LGS")
