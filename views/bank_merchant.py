"""B2C special merchant at the bank (B2C特约商户): apply (EBANK016); account inquiry — balance
(EBANK017), transaction history (EBANK018), today's transactions (EBANK019); the payments the
shop asked for, shown as paid only once the bank's signed notice was verified; statement.

Text typed by users is only shown with ``st.text``, ``st.dataframe`` or inside widgets.
"""

from __future__ import annotations

from datetime import timedelta

import streamlit as st

from sandbox import ui
from sandbox.actor import STUDENT
from sandbox.db import utcnow
from sandbox.ebank import display, gateway, inquiry, services
from sandbox.ebank.models import MERCHANT
from sandbox.ebank.numbers import group
from sandbox.errors import DomainError
from sandbox.ledger.money import format_fen
from sandbox.ledger.queries import BANK_TZ

actor = ui.require_role(STUDENT)
st.title(ui.t("ebank.ui.merchant_title"))
ui.show_flash()


def register() -> None:
    st.info(ui.t("ebank.ui.merchant_intro"), icon=":material/storefront:")
    prefix = "ebank_merchant_register"
    with st.form(f"{prefix}_form"):
        st.subheader(ui.t("ebank.ui.merchant_register"), anchor=False)
        name = st.text_input(ui.t("field.ebank.merchant_name"), key=f"{prefix}_name", max_chars=100)
        licence = st.text_input(ui.t("field.ebank.licence_number"), key=f"{prefix}_licence", max_chars=32,
                                help=ui.t("ebank.ui.licence_help"))
        url = st.text_input(ui.t("field.ebank.shop_url"), key=f"{prefix}_url", max_chars=200)
        contact = st.text_input(ui.t("field.ebank.contact_name"), key=f"{prefix}_contact", max_chars=50)
        phone = st.text_input(ui.t("field.ebank.phone"), key=f"{prefix}_phone", max_chars=20)
        email = st.text_input(ui.t("field.ebank.email"), key=f"{prefix}_email", max_chars=120)
        ok = st.form_submit_button(ui.t("ebank.ui.ok"), type="primary", key=f"{prefix}_submit")
    if ok:
        try:
            account = services.register_merchant(
                ui.uow(), actor, merchant_name=name, licence_number=licence, shop_url=url, contact_name=contact,
                phone=phone, email=email or None, request_id=ui.request_id(prefix),
            )
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(prefix)
            ui.flash("ebank.ui.merchant_done", number=group(account.account_number))
            st.rerun()


def show(rows: list[inquiry.TxRow]) -> None:
    if rows:
        st.dataframe(display.tx_table(rows, ui.t), hide_index=True)
    else:
        st.info(ui.t("ebank.ui.no_rows"))


def inquiry_panel() -> None:
    screen = st.radio(
        ui.t("ebank.ui.inquiry"), ["balance", "transactions", "today"], key="ebank_merchant_screen",
        format_func=lambda s: ui.t(f"ebank.ui.screen_{s}"), horizontal=True,
    )
    prefix = f"ebank_merchant_{screen}"
    today = utcnow().astimezone(BANK_TZ).date()
    with st.form(f"{prefix}_form"):
        if screen == "balance":
            number = st.text_input(ui.t("field.ebank.account_number"), key=f"{prefix}_number", max_chars=24,
                                   help=ui.t("ebank.ui.balance_help"))
        elif screen == "transactions":
            cols = st.columns(2)
            first = cols[0].date_input(ui.t("field.ebank.date_from"), value=today - timedelta(days=30),
                                       key=f"{prefix}_from", format="YYYY-MM-DD")
            last = cols[1].date_input(ui.t("field.ebank.date_to"), value=today, key=f"{prefix}_to", format="YYYY-MM-DD")
        else:
            st.text(ui.t("ebank.ui.today_is", day=today.isoformat()))
        query = st.form_submit_button(ui.t("ebank.ui.query"), type="primary", key=f"{prefix}_submit")
    if not query:
        return
    try:
        if screen == "balance":
            found = inquiry.balance(ui.uow(), actor, kind=MERCHANT, account_number=number or None)
            st.metric(ui.t("ebank.ui.balance_of", number=group(found.account_number)), display.yuan(found.balance_fen))
        elif screen == "transactions":
            show(inquiry.transactions(ui.uow(), actor, kind=MERCHANT, date_from=first, date_to=last))
        else:
            show(inquiry.today(ui.uow(), actor))
    except DomainError as err:
        ui.show_error(err)


def payments_panel() -> None:
    with ui.uow().read() as s:
        rows = gateway.received_payments(s, actor)
    if not rows:
        st.info(ui.t("ebank.ui.no_payments"))
        return
    st.caption(ui.t("ebank.ui.payments_help"))
    st.dataframe(
        [
            {
                ui.t("ebank.ui.col_payment"): r.payment_id,
                ui.t("ebank.ui.col_trade_no"): r.out_trade_no,
                ui.t("ebank.ui.col_subject"): r.subject,
                ui.t("ebank.ui.col_amount"): format_fen(r.amount_fen),
                ui.t("ebank.ui.col_status"): ui.t("ebank.ui.status_confirmed") if r.confirmed
                else ui.t(f"ebank.ui.status_{r.status}"),
                ui.t("ebank.ui.col_time"): display.when(r.paid_at or r.created_at),
                ui.t("ebank.ui.col_deliveries"): r.deliveries,
            }
            for r in rows
        ],
        hide_index=True,
        key="ebank_merchant_payments",
    )
    waiting = [r.payment_id for r in rows if r.status == "paid" and not r.confirmed]
    if waiting and st.button(ui.t("ebank.ui.fetch_notices"), key="ebank_merchant_fetch", icon=":material/sync:"):
        for pid in waiting:
            try:
                gateway.redeliver(ui.uow(), actor, pid)
            except DomainError as err:
                ui.show_error(err)
        st.rerun()


with ui.uow().read() as s:
    accounts = [a for a in services.my_accounts(s, actor) if a.kind == MERCHANT]

if not accounts:
    register()
    ui.task_tracker("EBANK")
    st.stop()

account = accounts[0]
cols = st.columns([5, 3])  # wide enough for the whole card number (three columns cut it off)
cols[0].metric(ui.t("ebank.ui.account_number"), group(account.account_number))
cols[1].metric(ui.t("ebank.ui.balance"), display.yuan(account.balance_fen))
st.text(f"{ui.t('ebank.ui.holder')} · {account.holder_name}")
op = st.segmented_control(
    ui.t("ebank.ui.operation"), ["inquiry", "payments", "statement"], key="ebank_merchant_op", default="inquiry",
    format_func=lambda o: ui.t(f"ebank.ui.op_{o}"),
)
if op == "inquiry":
    inquiry_panel()
elif op == "payments":
    payments_panel()
elif op == "statement":
    try:
        data = inquiry.statement_csv(ui.uow(), actor, kind=MERCHANT, headers=display.csv_headers(ui.t),
                                     kind_label=lambda k: display.kind_label(ui.t, k))
        figure = inquiry.balance_chart(ui.uow(), actor, kind=MERCHANT, title=ui.t("ebank.ui.chart_title"),
                                       y_title=ui.t("ebank.ui.chart_y"))
    except DomainError as err:
        ui.show_error(err)
    else:
        st.download_button(ui.t("ebank.ui.download_csv"), data=data, file_name=f"statement-{account.account_number}.csv",
                           mime="text/csv", key="ebank_merchant_download", icon=":material/download:")
        st.plotly_chart(figure, key="ebank_merchant_chart")

# Drawn last, so a query logged during this run (EBANK006-009, 013-015, 017-019) is ticked at once.
ui.task_tracker("EBANK")
