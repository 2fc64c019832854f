"""B2B supplier workspace (供应商): log in (B2B004) or register (B2B001); then products, orders
(B2B008 accept / reject; sales orders → B2B010 delivery order), online negotiation (B2B022 quote,
B2B024 entry, B2B026 agree), electronic contracts (B2B029 sign), the logistics service (LGS021),
shipping (B2B011), transfer orders (B2B013–B2B015), receivables and payables (B2B030, B2B031;
open delivery fees paid through the e-bank) and reports.

Text typed by users (company and product names, notes, terms, messages) is only shown with
``st.text``, ``st.dataframe``, ``st.code`` or inside widgets — never as Markdown or HTML.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import streamlit as st

from sandbox import ui
from sandbox.actor import STUDENT
from sandbox.b2b import accounts, catalogue, inquiries, orders, shipping, transfers
from sandbox.b2b.models import CONFIRMED, CREATED, INQUIRY, SUPPLIER
from sandbox.errors import DomainError
from sandbox.ledger.money import format_fen
from sandbox.logistics import applications, fees, providers, stock
from sandbox.logistics.models import DRAFT, FEE_OPEN, TRANSFER_CONFIRMED, TRANSFER_CREATED
from sandbox.logistics.queries import ShipmentView, TransferSummary, WarehouseView
from sandbox.logistics.warehouses import warehouses_of
from sandbox.ui import b2b as shared

actor = ui.require_role(STUDENT)
st.title(ui.t("page.b2b_supplier"))
shared.apply_resets()
ui.show_flash()
shared.show_partner_notes()

SECTIONS = ("products", "orders", "negotiation", "contracts", "logistics", "shipping", "transfers", "accounts",
            "reports")
P = "b2b_supplier"
#: warehouse id -> (provider name, warehouse) of the providers that approved the supplier
Stores = dict[int, tuple[str, WarehouseView]]


def tok() -> str | None:
    return shared.token(SUPPLIER)


def plain_yuan(fen: int) -> str:
    """Fen as a yuan amount for an input field (no ¥, no grouping): 1234.50."""
    return format_fen(fen, grouping=False)


# ----------------------------------------------------------------------------- products


def products_section() -> None:
    shared.section_title("b2b.ui.products_title")
    try:
        with ui.uow().read() as s:
            rows = catalogue.my_products(s, actor, tok())
    except DomainError as err:
        ui.show_error(err)
        return
    if rows:
        st.dataframe(
            [
                {
                    ui.t("b2b.ui.col.sku"): p.sku,
                    ui.t("field.b2b.name_zh"): p.name_zh,
                    ui.t("field.b2b.name_en"): p.name_en,
                    ui.t("b2b.ui.col.unit"): shared.product_name(p.unit_zh, p.unit_en),
                    ui.t("b2b.ui.col.price"): shared.yuan(p.price_fen),
                    ui.t("b2b.ui.col.available"): p.available,
                    ui.t("b2b.ui.col.active"): p.active,
                }
                for p in rows
            ],
            hide_index=True, key=f"{P}_products_table",
        )
    else:
        st.info(ui.t("b2b.ui.no_own_products"))
    left, right = st.columns(2)
    with left:
        edit_product_form(rows)
    with right, st.expander(ui.t("b2b.ui.add_product"), icon=":material/add_box:"):
        add_product_form()


def edit_product_form(rows: list[catalogue.ProductView]) -> None:
    if not rows:
        return
    by_id = {p.id: p for p in rows}
    picked = shared.picker(f"{P}_edit_pick", list(by_id),
                           lambda i: f"{by_id[i].sku} · {shared.product_name(by_id[i].name_zh, by_id[i].name_en)}",
                           "b2b.ui.edit_product")
    if picked is None:
        return
    product = by_id[picked]
    form = f"{P}_edit_{picked}"
    st.session_state.setdefault(f"{form}_price", plain_yuan(product.price_fen))
    st.session_state.setdefault(f"{form}_available", str(product.available))
    st.session_state.setdefault(f"{form}_active", product.active)
    with st.form(f"{form}_form"):
        cols = st.columns(2)
        price = cols[0].text_input(ui.t("field.b2b.price"), key=f"{form}_price", max_chars=16)
        available = cols[1].text_input(ui.t("field.b2b.available"), key=f"{form}_available", max_chars=10)
        active = st.checkbox(ui.t("b2b.ui.product_active"), key=f"{form}_active")
        ok = st.form_submit_button(ui.t("b2b.ui.save"), type="primary", key=f"{form}_submit", icon=":material/save:")
    if not ok:
        return
    try:
        done = catalogue.update_product(ui.uow(), actor, tok(), picked, price=price, available=available,
                                        active=active, request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.clear(f"{form}_price", f"{form}_available", f"{form}_active")
    shared.succeed(actor, "b2b.ui.product_saved", sku=ui.plain(done.sku))


def add_product_form() -> None:
    form = f"{P}_add_product"
    with st.form(f"{form}_form"):
        cols = st.columns(2)
        sku = cols[0].text_input(ui.t("field.b2b.sku"), key=f"{form}_sku", max_chars=32)
        price = cols[1].text_input(ui.t("field.b2b.price"), key=f"{form}_price", max_chars=16, placeholder="12.50")
        name_zh = cols[0].text_input(ui.t("field.b2b.name_zh"), key=f"{form}_name_zh", max_chars=100)
        name_en = cols[1].text_input(ui.t("field.b2b.name_en"), key=f"{form}_name_en", max_chars=100)
        unit_zh = cols[0].text_input(ui.t("field.b2b.unit_zh"), key=f"{form}_unit_zh", max_chars=16, placeholder="件")
        unit_en = cols[1].text_input(ui.t("field.b2b.unit_en"), key=f"{form}_unit_en", max_chars=16,
                                     placeholder="piece")
        available = cols[0].text_input(ui.t("field.b2b.available"), key=f"{form}_available", max_chars=10)
        description = st.text_area(ui.t("field.b2b.description"), key=f"{form}_description", max_chars=500,
                                   height=80)
        ok = st.form_submit_button(ui.t("b2b.ui.add_product_submit"), type="primary", key=f"{form}_submit")
    if not ok:
        return
    try:
        done = catalogue.add_product(
            ui.uow(), actor, tok(), sku=sku, name_zh=name_zh, name_en=name_en, unit_zh=unit_zh, unit_en=unit_en,
            price=price, available=available, description=description, request_id=ui.request_id(form),
        )
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.reset_later(**{f"{form}_{k}": "" for k in ("sku", "price", "name_zh", "name_en", "unit_zh", "unit_en",
                                                        "available", "description")})
    shared.succeed(actor, "b2b.ui.product_added", sku=ui.plain(done.sku))


# ----------------------------------------------------------------------------- B2B008 / B2B010 orders


def invite_buttons() -> None:
    """For a student playing supplier alone: a bot buyer orders or asks (b2b_partners.invite_buyer)."""
    st.caption(ui.t("b2b.ui.invite_help"))
    row = st.container(horizontal=True, key=f"{P}_invite_row")
    for what in ("order", "inquiry"):
        if row.button(ui.t(f"b2b.ui.invite_{what}"), key=f"{P}_invite_{what}", icon=":material/smart_toy:"):
            bots = shared.partners()
            if bots is None:
                st.warning(ui.t("b2b.ui.no_bots"), icon=":material/smart_toy:")
                return
            try:
                number = bots.invite_buyer(ui.uow(), actor, tok(), what=what)
            except DomainError as err:
                ui.show_error(err)
                return
            shared.succeed(actor, f"b2b.ui.invited_{what}", number=ui.plain(number))


def orders_section() -> None:
    shared.section_title("b2b.ui.orders_title")
    invite_buttons()
    view = shared.sub_switch(f"{P}_orders_view", ["orders", "sales"], "b2b.ui.orders_view")
    try:
        with ui.uow().read() as s:
            rows = orders.orders_for(s, actor, tok()) if view == "orders" else orders.sales_orders(s, actor, tok())
    except DomainError as err:
        ui.show_error(err)
        return
    if not rows:
        st.info(ui.t(f"b2b.ui.no_{view}_supplier"))
        return
    shared.order_table(rows, f"{P}_{view}_table")
    picked = shared.picker(f"{P}_{view}_pick", [r.id for r in rows], shared.order_label(rows), "b2b.ui.order_detail")
    if picked is None:
        return
    detail = shared.load_order_detail(actor, tok(), picked)
    if detail is None:
        return
    shared.order_detail_panel(detail, f"{P}_{view}_{picked}")
    if detail.order.state == CREATED:
        accept_or_reject(picked)
    elif detail.order.state == CONFIRMED:
        delivery_order_form(picked)


def accept_or_reject(order_id: int) -> None:
    rid = f"{P}_accept_{order_id}"
    if st.button(ui.t("b2b.ui.accept"), key=rid, type="primary", icon=":material/task_alt:"):
        try:
            done = orders.accept(ui.uow(), actor, tok(), order_id, request_id=ui.request_id(rid))
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(rid)
            shared.succeed(actor, "b2b.ui.accept_done", number=ui.plain(done.number),
                           status=shared.status("order", done.state))
    form = f"{P}_reject_{order_id}"
    with st.expander(ui.t("b2b.ui.reject"), icon=":material/block:"), st.form(f"{form}_form"):
        reason = st.text_area(ui.t("field.b2b.reject_reason"), key=f"{form}_reason", max_chars=500, height=80)
        ok = st.form_submit_button(ui.t("b2b.ui.reject_submit"), key=f"{form}_submit")
    if not ok:
        return
    try:
        done = orders.reject(ui.uow(), actor, tok(), order_id, reason=reason, request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.succeed(actor, "b2b.ui.reject_done", number=ui.plain(done.number))


def delivery_order_form(order_id: int) -> None:
    try:
        with ui.uow().read() as s:
            options = orders.approved_providers(s, actor, tok())
    except DomainError as err:
        ui.show_error(err)
        return
    if not options:
        st.info(ui.t("b2b.ui.no_approved_provider"), icon=":material/local_shipping:")
        return
    names = {p.id: p.name for p in options}
    form = f"{P}_delivery_{order_id}"
    with st.form(f"{form}_form"):
        st.markdown(f"**{ui.t('b2b.ui.delivery_title')}**")
        provider_id = st.selectbox(ui.t("field.b2b.provider"), list(names), format_func=lambda i: names[i],
                                   key=f"{form}_provider")
        ok = st.form_submit_button(ui.t("b2b.ui.delivery_submit"), type="primary", key=f"{form}_submit",
                                   icon=":material/local_shipping:")
    if not ok:
        return
    try:
        done = orders.create_delivery_order(ui.uow(), actor, tok(), order_id, provider_id=provider_id,
                                            request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.succeed(actor, "b2b.ui.delivery_done", number=ui.plain(done.number), provider=ui.plain(done.provider_name))


# ----------------------------------------------------------------------------- B2B022 / B2B024 / B2B026 negotiation


def negotiation_section() -> None:
    shared.section_title("b2b.ui.negotiation_title")
    view = shared.sub_switch(f"{P}_neg_view", ["inquiries", "forms"], "b2b.ui.neg_view")
    if view == "forms":
        shared.negotiations_panel(actor, SUPPLIER)
        return
    inquiry = shared.inquiries_panel(actor, SUPPLIER)
    if inquiry is None or inquiry.state != INQUIRY:
        return
    quote_form(inquiry)


def quote_form(inquiry: inquiries.InquiryView) -> None:
    """B2B022: a unit price (yuan) for every line, and a note."""
    form = f"{P}_quote_{inquiry.id}"
    for line in inquiry.lines:
        st.session_state.setdefault(f"{form}_price_{line.id}", plain_yuan(line.list_price_fen))
    with st.form(f"{form}_form"):
        st.markdown(f"**{ui.t('b2b.ui.quote_title')}**")
        st.caption(ui.t("b2b.ui.quote_help"))
        prices: dict[int, str] = {}
        for line in inquiry.lines:
            cols = st.columns([4, 2], vertical_alignment="bottom")
            cols[0].text(f"{line.sku} · {shared.product_name(line.name_zh, line.name_en)} × {line.quantity} "
                         f"({ui.t('b2b.ui.col.list_price')} {shared.yuan(line.list_price_fen)})")
            prices[line.id] = cols[1].text_input(ui.t("field.b2b.quote_price"), key=f"{form}_price_{line.id}",
                                                 max_chars=16)
        note = st.text_area(ui.t("field.b2b.quote_note"), key=f"{form}_note", max_chars=1000, height=80)
        ok = st.form_submit_button(ui.t("b2b.ui.quote_submit"), type="primary", key=f"{form}_submit",
                                   icon=":material/sell:")
    if not ok:
        return
    try:
        done = inquiries.quote(ui.uow(), actor, tok(), inquiry.id, prices=prices, quote_note=note,
                               request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.succeed(actor, "b2b.ui.quote_done", number=ui.plain(done.number),
                   total=shared.yuan(done.quoted_total_fen))


# ----------------------------------------------------------------------------- LGS021 logistics service


def logistics_section() -> None:
    shared.section_title("b2b.ui.logistics_title")
    try:
        with ui.uow().read() as s:
            listed = providers.providers(s, actor)
            mine = applications.my_applications(s, actor, tok())
    except DomainError as err:
        ui.show_error(err)
        return
    if mine:
        st.markdown(f"**{ui.t('b2b.ui.my_applications')}**")
        st.dataframe(
            [
                {
                    ui.t("b2b.ui.col.provider"): a.provider_name,
                    ui.t("b2b.ui.col.status"): shared.status("application", a.state),
                    ui.t("b2b.ui.col.applied"): shared.when(a.applied_at),
                    ui.t("b2b.ui.col.decided"): shared.when(a.decided_at),
                }
                for a in mine
            ],
            hide_index=True, key=f"{P}_apps_table",
        )
    if not listed:
        st.info(ui.t("b2b.ui.no_providers"))
        return
    st.markdown(f"**{ui.t('b2b.ui.providers')}**")
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.provider"): p.name,
                ui.t("b2b.ui.col.contact"): f"{p.contact_name} {p.phone}",
                ui.t("b2b.ui.col.fee_base"): shared.yuan(p.fee_base_fen),
                ui.t("b2b.ui.col.fee_unit"): shared.yuan(p.fee_per_unit_fen),
                ui.t("b2b.ui.col.warehouses"): p.warehouses,
            }
            for p in listed
        ],
        hide_index=True, key=f"{P}_providers_table",
    )
    by_id = {p.id: p for p in listed}
    picked = shared.picker(f"{P}_provider_pick", list(by_id), lambda i: by_id[i].name, "b2b.ui.provider_detail")
    if picked is None:
        return
    provider = by_id[picked]
    with ui.uow().read() as s:
        stores = warehouses_of(s, provider.id)
    with st.container(border=True, key=f"{P}_provider_{picked}_box"):
        st.text(ui.t("b2b.ui.provider_address", address=provider.address, email=provider.email or "-"))
        st.markdown(f"**{ui.t('b2b.ui.service_terms')}**")
        st.text(provider.service_terms or ui.t("b2b.ui.no_terms"))
        if stores:
            st.dataframe(
                [
                    {
                        ui.t("b2b.ui.col.code"): w.code,
                        ui.t("b2b.ui.col.warehouse"): w.name,
                        ui.t("b2b.ui.col.address"): w.address,
                        ui.t("b2b.ui.col.capacity"): w.capacity,
                        ui.t("b2b.ui.col.free"): w.free,
                        ui.t("b2b.ui.col.in_use"): w.active,
                    }
                    for w in stores
                ],
                hide_index=True, key=f"{P}_provider_{picked}_stores",
            )
    state = next((a.state for a in mine if a.provider_id == picked), None)
    if state in ("applied", "approved"):
        st.caption(ui.t(f"b2b.ui.application_{state}"))
        return
    apply_form(provider.id)


def apply_form(provider_id: int) -> None:
    prefix = f"{P}_apply"
    got = shared.challenge(prefix, lambda: applications.apply_challenge(ui.uow(), actor))
    if got is None:
        return
    me = shared.current_member(actor, SUPPLIER)
    identities = shared.installed_identities(actor, me.certificate_id if me is not None else None)
    st.markdown(f"**{ui.t('b2b.ui.apply_title')}**")
    method = shared.identity_method(prefix)
    with st.form(f"{prefix}_form"):
        with st.container(border=True, key=f"{prefix}_ca_box"):
            shared.ca_box_header(got[1])
            choice = shared.identity_inputs(prefix, method, identities)
        note = st.text_input(ui.t("field.lgs.note"), key=f"{prefix}_note", max_chars=500)
        accept = st.checkbox(ui.t("b2b.ui.accept_terms"), key=f"{prefix}_accept")
        ok = st.form_submit_button(ui.t("b2b.ui.apply_submit"), type="primary", key=f"{prefix}_submit")
    if not ok:
        return
    try:
        choice.require()
        done = applications.apply(
            ui.uow(), actor, tok(), provider_id=provider_id, accept_terms=bool(accept), challenge_id=got[0],
            note=note, request_id=ui.request_id(f"{prefix}_{provider_id}"), **choice.kwargs(),
        )
    except DomainError as err:
        shared.drop_challenge(prefix)
        ui.show_error(err)
        return
    shared.drop_challenge(prefix)
    ui.form_done(f"{prefix}_{provider_id}")
    shared.reset_later(**{f"{prefix}_accept": False, f"{prefix}_note": ""})
    shared.succeed(actor, "b2b.ui.applied_done", provider=ui.plain(done.provider_name))


# ----------------------------------------------------------------------------- B2B011 shipping


def goods_quantities(prefix: str, product_ids: list[int], names: dict[int, str]) -> dict[int, str]:
    """One quantity field per chosen product (inside a form)."""
    out: dict[int, str] = {}
    if product_ids:
        st.caption(ui.t("b2b.ui.quantities"))
    cols = st.columns(3)
    for n, pid in enumerate(product_ids):
        out[pid] = cols[n % 3].text_input(names[pid], key=f"{prefix}_qty_{pid}", max_chars=7, placeholder="0")
    return out


def shipping_section() -> None:
    shared.section_title("b2b.ui.shipping_title")
    try:
        with ui.uow().read() as s:
            products = catalogue.my_products(s, actor, tok())
            shipments = shipping.shipments_for(s, actor, tok())
            consignees = shipping.consignees(s, actor, tok())
    except DomainError as err:
        ui.show_error(err)
        return
    names = {p.id: f"{p.sku} · {shared.product_name(p.name_zh, p.name_en)}" for p in products}
    with st.expander(ui.t("b2b.ui.new_shipment"), icon=":material/add_box:",
                     expanded=not any(x.state == DRAFT for x in shipments)):
        new_shipment_form(names)
    drafts = [x for x in shipments if x.state == DRAFT]
    if drafts:
        confirm_shipment_panel(drafts, consignees)
    if shipments:
        st.markdown(f"**{ui.t('b2b.ui.shipments')}**")
        st.dataframe(
            [
                {
                    ui.t("b2b.ui.col.number"): x.number,
                    ui.t("b2b.ui.col.status"): shared.status("shipment", x.state),
                    ui.t("b2b.ui.col.lines"): len(x.lines),
                    ui.t("b2b.ui.col.units"): x.total_units,
                    ui.t("b2b.ui.col.provider"): x.provider_name or "",
                    ui.t("b2b.ui.col.warehouse"): x.warehouse_code or "",
                    ui.t("b2b.ui.col.inbound"): shared.status("inbound", x.inbound_state),
                    ui.t("b2b.ui.col.shipped"): shared.when(x.shipped_at),
                }
                for x in shipments
            ],
            hide_index=True, key=f"{P}_shipments_table",
        )


def new_shipment_form(names: dict[int, str]) -> None:
    """新建发货单 → 选择发货商品 → 确认选择: a draft shipment of the chosen goods."""
    form = f"{P}_ship_new"
    if not names:
        st.info(ui.t("b2b.ui.no_own_products"))
        return
    shared.keep_choices(f"{form}_goods", list(names))
    chosen = st.multiselect(ui.t("b2b.ui.choose_goods"), list(names), key=f"{form}_goods",
                            format_func=lambda i: names[i], placeholder=ui.t("b2b.ui.choose"))
    with st.form(f"{form}_form"):
        quantities = goods_quantities(form, list(chosen), names)
        note = st.text_input(ui.t("field.lgs.note"), key=f"{form}_note", max_chars=500)
        ok = st.form_submit_button(ui.t("b2b.ui.ship_new_submit"), type="primary", key=f"{form}_submit")
    if not ok:
        return
    try:
        done = shipping.new_shipment(ui.uow(), actor, tok(), lines=quantities, note=note,  # type: ignore[arg-type]
                                     request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.reset_later(**{f"{form}_goods": [], f"{form}_note": "", **{f"{form}_qty_{pid}": "" for pid in chosen}})
    shared.succeed(actor, "b2b.ui.shipment_created", number=ui.plain(done.number))


def confirm_shipment_panel(drafts: list[ShipmentView], consignees: list[shipping.Consignee]) -> None:
    """选择收货方 and 收货仓库, then 确认发货 (B2B011)."""
    with st.container(border=True, key=f"{P}_ship_confirm_box"):
        st.markdown(f"**{ui.t('b2b.ui.confirm_shipment_title')}**")
        if not consignees:
            st.info(ui.t("b2b.ui.no_approved_provider"), icon=":material/local_shipping:")
            return
        by_id = {x.id: x for x in drafts}
        shared.keep_choice(f"{P}_ship_draft", list(by_id), default=drafts[0].id)
        draft_id = st.selectbox(
            ui.t("b2b.ui.draft_shipment"), list(by_id), key=f"{P}_ship_draft",
            format_func=lambda i: f"{by_id[i].number} · " + ", ".join(f"{line.sku}×{line.quantity}"
                                                                      for line in by_id[i].lines),
        )
        providers_by_id = {c.provider_id: c for c in consignees}
        cols = st.columns(2)
        shared.keep_choice(f"{P}_ship_provider", list(providers_by_id), default=consignees[0].provider_id)
        provider_id = cols[0].selectbox(ui.t("b2b.ui.consignee"), list(providers_by_id), key=f"{P}_ship_provider",
                                        format_func=lambda i: providers_by_id[i].name)
        stores = {w.id: w for w in providers_by_id[provider_id].warehouses}
        shared.keep_choice(f"{P}_ship_warehouse", list(stores), default=next(iter(stores), None))
        warehouse_id = cols[1].selectbox(
            ui.t("b2b.ui.receiving_warehouse"), list(stores), key=f"{P}_ship_warehouse",
            format_func=lambda i: f"{stores[i].code} · {stores[i].name}",
            index=0 if stores else None, placeholder=ui.t("b2b.ui.no_warehouses"),
        )
        rid = f"{P}_ship_confirm_{draft_id}"
        if st.button(ui.t("b2b.ui.confirm_shipment"), key=f"{P}_ship_confirm", type="primary",
                     icon=":material/local_shipping:"):
            try:
                done = shipping.confirm_shipment(ui.uow(), actor, tok(), int(draft_id), provider_id=provider_id,
                                                 warehouse_id=warehouse_id,  # type: ignore[arg-type]
                                                 request_id=ui.request_id(rid))
            except DomainError as err:
                ui.show_error(err)
            else:
                ui.form_done(rid)
                shared.succeed(actor, "b2b.ui.shipment_confirmed", number=ui.plain(done.number),
                               warehouse=ui.plain(done.warehouse_code or ""))


# ----------------------------------------------------------------------------- B2B013 / B2B014 / B2B015 transfers


def transfers_section() -> None:
    shared.section_title("b2b.ui.transfers_title")
    view = shared.sub_switch(f"{P}_tr_view", ["new", "query", "detail"], "b2b.ui.tr_view")
    try:
        with ui.uow().read() as s:
            consignees = shipping.consignees(s, actor, tok())
    except DomainError as err:
        ui.show_error(err)
        return
    stores = {w.id: (c.name, w) for c in consignees for w in c.warehouses}

    def store_label(wid: int) -> str:
        name, w = stores[wid]
        return f"{name} · {w.code} {w.name}"

    if view == "new":
        new_transfer(stores, store_label)
    elif view == "query":
        query_transfers(stores, store_label)
    else:
        view_transfer()


def new_transfer(stores: Stores, store_label: Callable[[int], str]) -> None:
    """B2B013: source and target warehouse, goods and quantities, note."""
    form = f"{P}_tr_new"
    if len(stores) < 2:
        st.info(ui.t("b2b.ui.need_two_warehouses"), icon=":material/warehouse:")
        return
    me = shared.current_member(actor, SUPPLIER)
    if me is None:
        return
    ids = list(stores)
    cols = st.columns(2)
    shared.keep_choice(f"{form}_from", ids, default=ids[0])
    source = cols[0].selectbox(ui.t("field.lgs.from_warehouse"), ids, key=f"{form}_from", format_func=store_label)
    targets = [w for w in ids if w != source and stores[w][1].provider_id == stores[source][1].provider_id]
    shared.keep_choice(f"{form}_to", targets, default=targets[0] if targets else None)
    target = cols[1].selectbox(ui.t("field.lgs.to_warehouse"), targets, key=f"{form}_to", format_func=store_label,
                               index=0 if targets else None, placeholder=ui.t("b2b.ui.no_warehouses"))
    with ui.uow().read() as s:
        held = stock.levels(s, owner_id=me.id, warehouse_id=source)
    if not held:
        st.info(ui.t("b2b.ui.nothing_held"), icon=":material/inventory_2:")
        return
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.sku"): lv.sku,
                ui.t("b2b.ui.col.product"): shared.product_name(lv.name_zh, lv.name_en),
                ui.t("b2b.ui.col.held"): lv.quantity,
            }
            for lv in held
        ],
        hide_index=True, key=f"{form}_held",
    )
    names = {lv.product_id: f"{lv.sku} · {shared.product_name(lv.name_zh, lv.name_en)}" for lv in held}
    shared.keep_choices(f"{form}_goods", list(names))
    chosen = st.multiselect(ui.t("b2b.ui.choose_transfer_goods"), list(names), key=f"{form}_goods",
                            format_func=lambda i: names[i], placeholder=ui.t("b2b.ui.choose"))
    with st.form(f"{form}_form"):
        quantities = goods_quantities(form, list(chosen), names)
        note = st.text_input(ui.t("field.lgs.note"), key=f"{form}_note", max_chars=500)
        ok = st.form_submit_button(ui.t("b2b.ui.transfer_submit"), type="primary", key=f"{form}_submit")
    if not ok:
        return
    try:
        done = transfers.create_transfer(ui.uow(), actor, tok(), from_warehouse_id=source,
                                         to_warehouse_id=target,  # type: ignore[arg-type]
                                         lines=quantities, note=note,  # type: ignore[arg-type]
                                         request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.reset_later(**{f"{form}_goods": [], f"{form}_note": "", **{f"{form}_qty_{pid}": "" for pid in chosen}})
    shared.succeed(actor, "b2b.ui.transfer_done", number=ui.plain(done.number))


def transfer_table(rows: Sequence[TransferSummary], key: str) -> None:
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.number"): r.number,
                ui.t("b2b.ui.col.status"): shared.status("transfer", r.state),
                ui.t("field.lgs.from_warehouse"): r.from_code,
                ui.t("field.lgs.to_warehouse"): r.to_code,
                ui.t("b2b.ui.col.lines"): r.line_count,
                ui.t("b2b.ui.col.units"): r.total_units,
                ui.t("b2b.ui.col.created"): shared.when(r.created_at),
                ui.t("b2b.ui.col.confirmed"): shared.when(r.confirmed_at),
            }
            for r in rows
        ],
        hide_index=True, key=key,
    )


def query_transfers(stores: Stores, store_label: Callable[[int], str]) -> None:
    """B2B015: query by number, status, warehouse and creation date (each query is logged)."""
    form = f"{P}_tr_query"
    with st.form(f"{form}_form"):
        cols = st.columns(3)
        number = cols[0].text_input(ui.t("field.lgs.number"), key=f"{form}_number", max_chars=24)
        state = cols[1].selectbox(ui.t("field.lgs.state"), [TRANSFER_CREATED, TRANSFER_CONFIRMED], index=None,
                                  key=f"{form}_state", format_func=lambda s: shared.status("transfer", s),
                                  placeholder=ui.t("b2b.ui.all_states"))
        warehouse = cols[2].selectbox(ui.t("field.lgs.warehouse"), list(stores), index=None, key=f"{form}_warehouse",
                                      format_func=store_label, placeholder=ui.t("b2b.ui.all_warehouses"))
        cols = st.columns(2)
        first = cols[0].date_input(ui.t("field.lgs.date_from"), value=None, key=f"{form}_from", format="YYYY-MM-DD")
        last = cols[1].date_input(ui.t("field.lgs.date_to"), value=None, key=f"{form}_to", format="YYYY-MM-DD")
        ok = st.form_submit_button(ui.t("b2b.ui.query_submit"), type="primary", key=f"{form}_submit",
                                   icon=":material/search:")
    if ok:
        try:
            found = transfers.search_transfers(ui.uow(), actor, tok(), number=number, state=state,
                                               warehouse_id=warehouse, date_from=first, date_to=last)
        except DomainError as err:
            ui.show_error(err)
            return
        st.session_state[f"{form}_result"] = found
    found = st.session_state.get(f"{form}_result")
    if found is None:
        return
    if not found:
        st.info(ui.t("b2b.ui.no_rows"))
        return
    st.caption(ui.t("b2b.ui.found", count=len(found)))
    transfer_table(found, f"{form}_table")


def view_transfer() -> None:
    """B2B014: choose a transfer order and open its detail (调拨单明细, logged)."""
    try:
        with ui.uow().read() as s:
            rows = transfers.transfers_of(s, actor, tok())
    except DomainError as err:
        ui.show_error(err)
        return
    if not rows:
        st.info(ui.t("b2b.ui.no_transfers"))
        return
    transfer_table(rows, f"{P}_tr_list")
    by_id = {r.id: r for r in rows}
    cols = st.columns([4, 2], vertical_alignment="bottom")
    shared.keep_choice(f"{P}_tr_pick", list(by_id), default=rows[0].id)
    picked = cols[0].selectbox(ui.t("b2b.ui.transfer_detail"), list(by_id), key=f"{P}_tr_pick",
                               format_func=lambda i: f"{by_id[i].number} · {by_id[i].from_code} → {by_id[i].to_code}")
    if cols[1].button(ui.t("b2b.ui.view_transfer"), key=f"{P}_tr_view_btn", icon=":material/visibility:"):
        try:
            st.session_state[f"{P}_tr_detail"] = transfers.view_transfer(ui.uow(), actor, tok(), int(picked))
        except DomainError as err:
            ui.show_error(err)
            return
    detail = st.session_state.get(f"{P}_tr_detail")
    if detail is None or detail.id not in by_id:
        return
    with st.container(border=True, key=f"{P}_tr_detail_box"):
        st.markdown(f"**{ui.t('b2b.ui.transfer_detail')}** · {ui.plain(detail.number)}")
        st.text(ui.t("b2b.ui.transfer_route", provider=detail.provider_name, source=detail.from_code,
                     target=detail.to_code))
        st.text(ui.t("b2b.ui.detail_status", status=shared.status("transfer", detail.state)))
        st.text(ui.t("b2b.ui.detail_created", at=shared.when(detail.created_at)))
        if detail.note:
            st.text(ui.t("b2b.ui.detail_note", note=detail.note))
        st.dataframe(
            [
                {
                    ui.t("b2b.ui.col.sku"): line.sku,
                    ui.t("b2b.ui.col.product"): shared.product_name(line.name_zh, line.name_en),
                    ui.t("b2b.ui.col.quantity"): line.quantity,
                    ui.t("b2b.ui.col.unit"): shared.product_name(line.unit_zh, line.unit_en),
                }
                for line in detail.lines
            ],
            hide_index=True, key=f"{P}_tr_detail_lines",
        )


# ----------------------------------------------------------------------------- B2B030 / B2B031 accounts


def accounts_section() -> None:
    shared.section_title("b2b.ui.accounts_title")
    view = shared.sub_switch(f"{P}_acc_view", ["receivables", "payables"], "b2b.ui.acc_view")
    try:
        with ui.uow().read() as s:
            summary = (accounts.receivables_summary(s, actor, tok()) if view == "receivables"
                       else accounts.logistics_payables_summary(s, actor, tok()))
    except DomainError as err:
        ui.show_error(err)
        return
    if not summary:
        st.info(ui.t(f"b2b.ui.no_acc_{view}"))
        return
    partner_col = ui.t("b2b.ui.col.buyer") if view == "receivables" else ui.t("b2b.ui.col.provider")
    st.dataframe(
        [
            {
                partner_col: b.partner_name,
                ui.t("b2b.ui.col.open_total"): shared.yuan(b.open_total_fen),
                ui.t("b2b.ui.col.open_count"): b.open_count,
                ui.t("b2b.ui.col.settled_total"): shared.yuan(b.settled_total_fen),
                ui.t("b2b.ui.col.settled_count"): b.settled_count,
            }
            for b in summary
        ],
        hide_index=True, key=f"{P}_{view}_summary",
    )
    names = {b.partner_id: b.partner_name for b in summary}
    cols = st.columns([3, 2], vertical_alignment="bottom")
    shared.keep_choice(f"{P}_{view}_partner", list(names), default=next(iter(names)))
    partner = cols[0].selectbox(partner_col, list(names), key=f"{P}_{view}_partner", format_func=lambda i: names[i])
    result_key = f"{P}_{view}_result"
    if cols[1].button(ui.t(f"b2b.ui.{view}_details"), key=f"{P}_{view}_details", icon=":material/list_alt:"):
        try:
            if view == "receivables":
                found = accounts.receivable_details(ui.uow(), actor, tok(), partner)
            else:
                found = accounts.logistics_payable_details(ui.uow(), actor, tok(), partner)
        except DomainError as err:
            ui.show_error(err)
            return
        st.session_state[result_key] = (partner, found)
    result = st.session_state.get(result_key)
    if result is None or result[0] not in names:
        return
    st.markdown(f"**{ui.t(f'b2b.ui.{view}_details')}** · {ui.plain(names[result[0]])}")
    if view == "payables":
        fee_lines(result[0])
        return
    if not result[1]:
        st.info(ui.t("b2b.ui.no_rows"))
        return
    if view == "receivables":
        st.dataframe(
            [
                {
                    ui.t("b2b.ui.col.number"): x.number,
                    ui.t("b2b.ui.col.status"): shared.status("order", x.state),
                    ui.t("b2b.ui.col.settlement"): shared.status("settlement", x.settlement_state),
                    ui.t("b2b.ui.col.total"): shared.yuan(x.total_fen),
                    ui.t("b2b.ui.col.payment_method"): ui.t(f"b2b.pay_method.{x.payment_method}"),
                    ui.t("b2b.ui.col.confirmed"): shared.when(x.confirmed_at),
                    ui.t("b2b.ui.col.settled"): shared.when(x.settled_at),
                }
                for x in result[1]
            ],
            hide_index=True, key=f"{P}_{view}_lines",
        )
    total = sum(x.total_fen for x in result[1])
    st.markdown(f"**{ui.t('b2b.ui.total', total=shared.yuan(total))}**")


def fee_lines(provider_id: int) -> None:
    """B2B031 details of one provider, read fresh (paid fees show 已付款 and when), and the form
    that pays the open ones through the e-bank."""
    try:
        with ui.uow().read() as s:
            lines = fees.payable_fees(s, actor, tok(), provider_id)
    except DomainError as err:
        ui.show_error(err)
        return
    if not lines:
        st.info(ui.t("b2b.ui.no_rows"))
        return
    st.dataframe(
        [
            {
                ui.t("b2b.ui.col.delivery_order"): x.delivery_number,
                ui.t("b2b.ui.col.order"): x.order_number,
                ui.t("b2b.ui.col.amount"): shared.yuan(x.amount_fen),
                ui.t("b2b.ui.col.basis"): x.basis,
                ui.t("b2b.ui.col.status"): shared.status("fee", x.state),
                ui.t("b2b.ui.col.booked"): shared.when(x.booked_at),
                ui.t("b2b.ui.col.paid"): shared.when(x.paid_at),
            }
            for x in lines
        ],
        hide_index=True, key=f"{P}_payables_lines",
    )
    st.markdown(f"**{ui.t('b2b.ui.total', total=shared.yuan(sum(x.amount_fen for x in lines)))}**")
    open_fees = {x.fee_id: x for x in lines if x.state == FEE_OPEN}
    if open_fees:
        pay_fees_form(provider_id, open_fees)


def pay_fees_form(provider_id: int, open_fees: dict[int, fees.PayableFee]) -> None:
    """Pay open delivery fees of one provider (网银支付) from a corporate account."""
    from sandbox.ebank import services as bank
    from sandbox.ebank.models import CORPORATE

    with ui.uow().read() as s:
        cards = [a.account_number for a in bank.my_accounts(s, actor) if a.kind == CORPORATE]
    form = f"{P}_feepay_{provider_id}"
    shared.keep_choices(f"{form}_fees", list(open_fees), default=list(open_fees))
    st.session_state.setdefault(f"{P}_fee_card", cards[0] if cards else "")
    with st.form(f"{form}_form"):
        st.markdown(f"**{ui.t('b2b.ui.fee_pay_title')}**")
        picked = st.multiselect(
            ui.t("field.lgs.fees"), list(open_fees), key=f"{form}_fees",
            format_func=lambda i: f"{open_fees[i].delivery_number} · {shared.yuan(open_fees[i].amount_fen)}",
        )
        st.caption(ui.t("b2b.ui.fee_pay_help"))
        cols = st.columns(2)
        card = cols[0].text_input(ui.t("field.ebank.card_number"), key=f"{P}_fee_card", max_chars=24)
        password = cols[1].text_input(ui.t("field.ebank.payment_password"), type="password", key=f"{P}_fee_pw",
                                      max_chars=6)
        ok = st.form_submit_button(ui.t("b2b.ui.fee_pay_submit"), type="primary", key=f"{form}_submit",
                                   icon=":material/payments:")
    if not ok:
        return
    try:
        done = fees.pay_fees(ui.uow(), actor, tok(), picked, card_number=card, payment_password=password,
                             request_id=ui.request_id(form))
    except DomainError as err:
        ui.show_error(err)
        return
    ui.form_done(form)
    shared.clear(f"{P}_fee_pw", f"{form}_fees")
    if done.paid:
        shared.succeed(actor, "b2b.ui.fee_paid_done", count=len(done.fee_ids), amount=shared.yuan(done.amount_fen),
                       provider=ui.plain(done.provider_name), payment=done.payment_id)
    else:  # paid, but the bank's notice was not processed yet: say so
        shared.succeed(actor, "b2b.ui.fee_pay_pending", payment=done.payment_id)


# ----------------------------------------------------------------------------- page

member = shared.current_member(actor, SUPPLIER)
if member is None:
    shared.gate(actor, SUPPLIER)
else:
    shared.ensure_partners_once(actor)
    shared.header(actor, member, SUPPLIER)
    section = shared.section_switcher(SUPPLIER, SECTIONS)
    if section == "products":
        products_section()
    elif section == "orders":
        orders_section()
    elif section == "negotiation":
        negotiation_section()
    elif section == "contracts":
        shared.contracts_section(actor, SUPPLIER)
    elif section == "logistics":
        logistics_section()
    elif section == "shipping":
        shipping_section()
    elif section == "transfers":
        transfers_section()
    elif section == "accounts":
        accounts_section()
    else:
        shared.reports_section(actor, SUPPLIER)

# Drawn last, so an action (or a logged query) of this run is ticked at once.
ui.task_tracker("B2B")
