"""B2B buyer workspace (采购商): log in (B2B003) or register (B2B001); then shop (B2B005), the cart
with purchase orders (B2B006) and inquiries (B2B007), orders (B2B009 confirm), online negotiation
(B2B023 negotiation form, B2B025 entry, B2B027 agree), electronic contracts (B2B028 sign),
payables and settlement (B2B032, B2B017) and reports.

Text typed by users (company and product names, notes, terms, messages) is only shown with
``st.text``, ``st.dataframe``, ``st.code`` or inside widgets — never as Markdown or HTML.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from sandbox import ui
from sandbox.actor import STUDENT
from sandbox.b2b import accounts, cart, catalogue, inquiries, negotiation, orders, settlement
from sandbox.b2b.models import ACCEPTED, BUYER, OPEN, ORDER_STATES, PAYMENT_METHODS, QUOTED
from sandbox.errors import DomainError
from sandbox.ui import b2b as shared

actor = ui.require_role(STUDENT)
st.title(ui.t("page.b2b_buyer"))
shared.apply_resets()
ui.show_flash()
shared.show_partner_notes()

SECTIONS = ("shop", "cart", "orders", "negotiation", "contracts", "payables", "reports")
P = "b2b_buyer"


def tok() -> str | None:
    return shared.token(BUYER)


# ----------------------------------------------------------------------------- B2B005 shop


def shop_section() -> None:
    shared.section_title("b2b.ui.shop_title")
    st.caption(ui.t("b2b.ui.shop_help"))
    try:
        with ui.uow().read() as s:
            everything = catalogue.browse(s, actor, tok())
    except DomainError as err:
        ui.show_error(err)
        return
    suppliers = {p.supplier_id: p.supplier_company for p in everything}
    cols = st.columns([3, 2])
    search = cols[0].text_input(ui.t("field.b2b.search"), key=f"{P}_shop_search", max_chars=50,
                                placeholder=ui.t("b2b.ui.search_placeholder"))
    shared.keep_choice(f"{P}_shop_supplier", list(suppliers))
    supplier = cols[1].selectbox(
        ui.t("b2b.ui.supplier_filter"), list(suppliers), index=None, format_func=lambda i: suppliers[i],
        key=f"{P}_shop_supplier", placeholder=ui.t("b2b.ui.all_suppliers"),
    )
    try:
        with ui.uow().read() as s:
            products = catalogue.browse(s, actor, tok(), search=search, supplier_id=supplier)
    except DomainError as err:
        ui.show_error(err)
        return
    if not products:
        st.info(ui.t("b2b.ui.no_products"))
        return
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.sku"): p.sku,
                ui.t("b2b.ui.col.product"): shared.product_name(p.name_zh, p.name_en),
                ui.t("b2b.ui.col.supplier"): p.supplier_company,
                ui.t("b2b.ui.col.unit"): shared.product_name(p.unit_zh, p.unit_en),
                ui.t("b2b.ui.col.price"): shared.yuan(p.price_fen),
                ui.t("b2b.ui.col.available"): p.available,
            }
            for p in products
        ],
        hide_index=True, key=f"{P}_shop_table",
    )
    by_id = {p.id: p for p in products}
    form = f"{P}_add"
    shared.keep_choice(f"{form}_product", list(by_id))
    st.session_state.setdefault(f"{form}_quantity", "1")
    with st.form(f"{form}_form"):
        st.markdown(f"**{ui.t('b2b.ui.add_title')}**")
        cols = st.columns([4, 1])
        product_id = cols[0].selectbox(
            ui.t("field.b2b.product"), list(by_id), index=None, key=f"{form}_product",
            format_func=lambda i: f"{by_id[i].sku} · {shared.product_name(by_id[i].name_zh, by_id[i].name_en)} · "
                                  f"{by_id[i].supplier_company} · {shared.yuan(by_id[i].price_fen)}",
            placeholder=ui.t("b2b.ui.choose"),
        )
        quantity = cols[1].text_input(ui.t("field.b2b.quantity"), key=f"{form}_quantity", max_chars=8)
        ok = st.form_submit_button(ui.t("b2b.ui.add_submit"), type="primary", key=f"{form}_submit",
                                   icon=":material/add_shopping_cart:")
    if not ok:
        return
    try:
        if product_id is None:
            raise DomainError("input.required", field="b2b.product")
        line = cart.add_to_cart(ui.uow(), actor, tok(), product_id=product_id, quantity=quantity,
                                request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.reset_later(**{f"{form}_quantity": "1"})
    shared.succeed(actor, "b2b.ui.added_done", quantity=line.quantity,
                   product=ui.plain(shared.product_name(line.name_zh, line.name_en)))


# ----------------------------------------------------------------------------- B2B006 / B2B007 cart


def cart_section() -> None:
    shared.section_title("b2b.ui.cart_title")
    try:
        with ui.uow().read() as s:
            lines = cart.cart(s, actor, tok())
    except DomainError as err:
        ui.show_error(err)
        return
    if not lines:
        st.info(ui.t("b2b.ui.cart_empty"))
        return
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.supplier"): line.supplier_company,
                ui.t("b2b.ui.col.sku"): line.sku,
                ui.t("b2b.ui.col.product"): shared.product_name(line.name_zh, line.name_en),
                ui.t("b2b.ui.col.quantity"): line.quantity,
                ui.t("b2b.ui.col.unit"): shared.product_name(line.unit_zh, line.unit_en),
                ui.t("b2b.ui.col.price"): shared.yuan(line.price_fen),
                ui.t("b2b.ui.col.amount"): shared.yuan(line.amount_fen),
                ui.t("b2b.ui.col.available"): line.available,
            }
            for line in lines
        ],
        hide_index=True, key=f"{P}_cart_table",
    )
    by_id = {line.id: line for line in lines}
    pick_key = f"{P}_cart_pick"
    shared.keep_choices(pick_key, list(by_id), default=list(by_id))
    picked = st.multiselect(
        ui.t("b2b.ui.cart_pick"), list(by_id), key=pick_key,
        format_func=lambda i: f"{by_id[i].sku} · {shared.product_name(by_id[i].name_zh, by_id[i].name_en)} · "
                              f"{by_id[i].supplier_company}",
        placeholder=ui.t("b2b.ui.choose"),
    )
    chosen = [by_id[i] for i in picked if i in by_id]
    st.markdown(ui.t("b2b.ui.cart_selected", count=len(chosen), total=shared.yuan(sum(x.amount_fen for x in chosen)),
                     suppliers=len({x.supplier_id for x in chosen})))
    if st.button(ui.t("b2b.ui.cart_remove"), key=f"{P}_cart_remove", icon=":material/remove_shopping_cart:",
                 disabled=not chosen):
        try:
            for line in chosen:
                rid = f"{P}_cart_remove_{line.id}"
                cart.remove_from_cart(ui.uow(), actor, tok(), line.id, request_id=ui.request_id(rid))
                ui.form_done(rid)
        except DomainError as err:
            ui.show_error(err)
        else:
            shared.succeed(actor, "b2b.ui.cart_removed", count=len(chosen))
    left, right = st.columns(2)
    with left:
        order_form([x.id for x in chosen], member.address if member is not None else "")
    with right:
        inquiry_form([x.id for x in chosen])


def order_form(line_ids: list[int], address: str) -> None:
    form = f"{P}_order"
    st.session_state.setdefault(f"{form}_date", shared.today() + timedelta(days=7))
    st.session_state.setdefault(f"{form}_address", address)
    with st.form(f"{form}_form"):
        st.markdown(f"**{ui.t('b2b.ui.order_title')}**")
        method = st.selectbox(ui.t("field.b2b.payment_method"), list(PAYMENT_METHODS), key=f"{form}_method",
                              format_func=lambda m: ui.t(f"b2b.pay_method.{m}"))
        day = st.date_input(ui.t("field.b2b.delivery_date"), key=f"{form}_date", format="YYYY-MM-DD")
        where = st.text_input(ui.t("field.b2b.delivery_address"), key=f"{form}_address", max_chars=200)
        note = st.text_area(ui.t("field.b2b.note"), key=f"{form}_note", max_chars=500, height=80)
        ok = st.form_submit_button(ui.t("b2b.ui.order_submit"), type="primary", key=f"{form}_submit",
                                   icon=":material/receipt_long:")
    if not ok:
        return
    try:
        made = orders.create_orders(
            ui.uow(), actor, tok(), cart_line_ids=line_ids, payment_method=method, delivery_date=day,
            delivery_address=where, note=note, request_id=ui.request_id(form),
        )
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.reset_later(**{f"{form}_note": "", f"{P}_cart_pick": None, f"{P}_section": "orders"})
    shared.succeed(actor, "b2b.ui.order_done", numbers=ui.plain(", ".join(o.number for o in made)))


def inquiry_form(line_ids: list[int]) -> None:
    form = f"{P}_inquiry"
    with st.form(f"{form}_form"):
        st.markdown(f"**{ui.t('b2b.ui.inquiry_title')}**")
        st.caption(ui.t("b2b.ui.inquiry_help"))
        note = st.text_area(ui.t("field.b2b.inquiry_note"), key=f"{form}_note", max_chars=1000, height=180)
        ok = st.form_submit_button(ui.t("b2b.ui.inquiry_submit"), type="primary", key=f"{form}_submit",
                                   icon=":material/request_quote:")
    if not ok:
        return
    try:
        made = inquiries.create_inquiries(ui.uow(), actor, tok(), cart_line_ids=line_ids, note=note,
                                          request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.reset_later(**{f"{form}_note": "", f"{P}_cart_pick": None, f"{P}_section": "negotiation"})
    shared.succeed(actor, "b2b.ui.inquiry_done", numbers=ui.plain(", ".join(i.number for i in made)))


# ----------------------------------------------------------------------------- B2B009 orders


def orders_section() -> None:
    shared.section_title("b2b.ui.orders_title")
    shared.keep_choice(f"{P}_orders_state", list(ORDER_STATES))
    state = st.selectbox(
        ui.t("b2b.ui.state_filter"), list(ORDER_STATES), index=None, key=f"{P}_orders_state",
        format_func=lambda s: shared.status("order", s), placeholder=ui.t("b2b.ui.all_states"),
    )
    try:
        with ui.uow().read() as s:
            rows = orders.orders_for(s, actor, tok(), state=state)
    except DomainError as err:
        ui.show_error(err)
        return
    if not rows:
        st.info(ui.t("b2b.ui.no_orders_buyer"))
        return
    shared.order_table(rows, f"{P}_orders_table")
    picked = shared.picker(f"{P}_orders_pick", [r.id for r in rows], shared.order_label(rows), "b2b.ui.order_detail")
    if picked is None:
        return
    detail = shared.load_order_detail(actor, tok(), picked)
    if detail is None:
        return
    shared.order_detail_panel(detail, f"{P}_order_{picked}")
    if detail.order.state == ACCEPTED:
        st.caption(ui.t("b2b.ui.confirm_help"))
        if st.button(ui.t("b2b.ui.confirm"), key=f"{P}_confirm_{picked}", type="primary", icon=":material/task_alt:"):
            rid = f"{P}_confirm_{picked}"
            try:
                done = orders.confirm(ui.uow(), actor, tok(), picked, request_id=ui.request_id(rid))
            except DomainError as err:
                ui.show_error(err)
            else:
                ui.form_done(rid)
                shared.succeed(actor, "b2b.ui.confirm_done", number=ui.plain(done.number),
                               status=shared.status("order", done.state))


# ----------------------------------------------------------------------------- B2B023 / B2B025 / B2B027 negotiation


def negotiation_section() -> None:
    shared.section_title("b2b.ui.negotiation_title")
    view = shared.sub_switch(f"{P}_neg_view", ["inquiries", "forms"], "b2b.ui.neg_view")
    if view == "forms":
        shared.negotiations_panel(actor, BUYER)
        return
    inquiry = shared.inquiries_panel(actor, BUYER)
    if inquiry is None:
        return
    picked = inquiry.id
    with st.container(key=f"{P}_inq_{picked}_actions"):
        if inquiry.state == QUOTED and inquiry.negotiation_id is None:
            if st.button(ui.t("b2b.ui.open_negotiation"), key=f"{P}_open_neg_{picked}", type="primary",
                         icon=":material/forum:"):
                rid = f"{P}_open_neg_{picked}"
                try:
                    form = negotiation.open_negotiation(ui.uow(), actor, tok(), picked, request_id=ui.request_id(rid))
                except DomainError as err:
                    ui.show_error(err)
                else:
                    ui.form_done(rid)
                    shared.reset_later(**{f"{P}_neg_view": "forms", f"b2b_{BUYER}_neg_pick": form.id})
                    shared.succeed(actor, "b2b.ui.negotiation_opened", number=ui.plain(form.number))
        elif inquiry.state != QUOTED and inquiry.negotiation_id is None:
            st.caption(ui.t("b2b.ui.wait_for_quote"))
        elif inquiry.negotiation_id is not None:
            st.caption(ui.t("b2b.ui.negotiation_exists"))


# ----------------------------------------------------------------------------- B2B032 / B2B017 payables


def payables_section() -> None:
    from sandbox.ebank import services as bank
    from sandbox.ebank.models import CORPORATE

    shared.section_title("b2b.ui.payables_title")
    try:
        with ui.uow().read() as s:
            summary = accounts.payables_summary(s, actor, tok())
    except DomainError as err:
        ui.show_error(err)
        return
    if not summary:
        st.info(ui.t("b2b.ui.no_payables"))
        return
    st.markdown(f"**{ui.t('b2b.ui.payables_summary')}**")
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.supplier"): b.partner_name,
                ui.t("b2b.ui.col.open_total"): shared.yuan(b.open_total_fen),
                ui.t("b2b.ui.col.open_count"): b.open_count,
                ui.t("b2b.ui.col.settled_total"): shared.yuan(b.settled_total_fen),
                ui.t("b2b.ui.col.settled_count"): b.settled_count,
            }
            for b in summary
        ],
        hide_index=True, key=f"{P}_pay_summary",
    )
    names = {b.partner_id: b.partner_name for b in summary}
    shared.keep_choice(f"{P}_pay_supplier", list(names), default=next(iter(names)))
    cols = st.columns([3, 2], vertical_alignment="bottom")
    supplier_id = cols[0].selectbox(ui.t("b2b.ui.col.supplier"), list(names), key=f"{P}_pay_supplier",
                                    format_func=lambda i: names[i])
    open_key = f"{P}_pay_open"
    if cols[1].button(ui.t("b2b.ui.payable_details"), key=f"{P}_pay_details", icon=":material/list_alt:"):
        try:
            lines = accounts.payable_details_query(ui.uow(), actor, tok(), supplier_id)
        except DomainError as err:
            ui.show_error(err)
            return
        st.session_state[open_key] = supplier_id
    elif st.session_state.get(open_key) is not None and st.session_state[open_key] in names:
        try:
            with ui.uow().read() as s:
                lines = settlement.payable_details(s, actor, tok(), st.session_state[open_key])
        except DomainError as err:
            ui.show_error(err)
            return
    else:
        return
    opened = st.session_state[open_key]
    st.markdown(f"**{ui.t('b2b.ui.payable_details_of')}** · {ui.plain(names.get(opened, ''))}")
    if not lines:
        st.info(ui.t("b2b.ui.no_rows"))
        return
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.number"): x.number,
                ui.t("b2b.ui.col.status"): shared.status("order", x.state),
                ui.t("b2b.ui.col.settlement"): shared.status("settlement", x.settlement_state),
                ui.t("b2b.ui.col.total"): shared.yuan(x.total_fen),
                ui.t("b2b.ui.col.delivery_date"): x.delivery_date.isoformat(),
                ui.t("b2b.ui.col.confirmed"): shared.when(x.confirmed_at),
                ui.t("b2b.ui.col.settled"): shared.when(x.settled_at),
            }
            for x in lines
        ],
        hide_index=True, key=f"{P}_pay_lines",
    )
    by_id = {x.order_id: x for x in lines}
    picked = shared.picker(
        f"{P}_pay_pick", list(by_id),
        lambda i: f"{by_id[i].number} · {shared.yuan(by_id[i].total_fen)}",
        "b2b.ui.order_detail",
    )
    if picked is None:
        return
    detail = shared.load_order_detail(actor, tok(), picked)
    if detail is None:
        return
    shared.order_detail_panel(detail, f"{P}_pay_order_{picked}")
    if detail.order.settlement_state != OPEN:
        return
    with ui.uow().read() as s:
        cards = [a.account_number for a in bank.my_accounts(s, actor) if a.kind == CORPORATE]
    form = f"{P}_settle_{picked}"
    st.session_state.setdefault(f"{P}_settle_card", cards[0] if cards else "")
    with st.form(f"{form}_form"):
        st.markdown(f"**{ui.t('b2b.ui.settle_title')}**")
        st.caption(ui.t("b2b.ui.settle_help", total=shared.yuan(detail.order.total_fen)))
        cols = st.columns(2)
        card = cols[0].text_input(ui.t("field.ebank.card_number"), key=f"{P}_settle_card", max_chars=24)
        password = cols[1].text_input(ui.t("field.ebank.payment_password"), type="password", key=f"{P}_settle_pw",
                                      max_chars=6)
        ok = st.form_submit_button(ui.t("b2b.ui.settle_submit"), type="primary", key=f"{form}_submit",
                                   icon=":material/payments:")
    if not ok:
        return
    try:
        result = settlement.settle(ui.uow(), actor, tok(), picked, card_number=card, payment_password=password,
                                   request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.clear(f"{P}_settle_pw")
    if result.settled:
        shared.succeed(actor, "b2b.ui.settled_done", number=ui.plain(result.number),
                       amount=shared.yuan(result.amount_fen), payment=result.payment_id)
    else:  # paid, but the order could not be settled (see the event log): say so
        shared.succeed(actor, "b2b.ui.settle_pending", number=ui.plain(result.number), payment=result.payment_id)


# ----------------------------------------------------------------------------- page

member = shared.current_member(actor, BUYER)
if member is None:
    shared.gate(actor, BUYER)
else:
    shared.ensure_partners_once(actor)
    shared.header(actor, member, BUYER)
    section = shared.section_switcher(BUYER, SECTIONS)
    if section == "shop":
        shop_section()
    elif section == "cart":
        cart_section()
    elif section == "orders":
        orders_section()
    elif section == "negotiation":
        negotiation_section()
    elif section == "contracts":
        shared.contracts_section(actor, BUYER)
    elif section == "payables":
        payables_section()
    else:
        shared.reports_section(actor, BUYER)

# Drawn last, so an action (or a logged query) of this run is ticked at once.
ui.task_tracker("B2B")
