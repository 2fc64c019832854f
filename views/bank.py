"""Online bank (网上银行): personal banking (EBANK010–EBANK015), corporate banking with the
certificate login (EBANK001, EBANK002, EBANK004–EBANK009), and the cashier where orders are
paid online (B2C028 / B2B017 land here with ``?pay=<payment number>``).

Text typed by users (names, memos, order subjects) is only shown with ``st.text``,
``st.dataframe`` or inside widgets — never as Markdown or HTML.
"""

from __future__ import annotations

from datetime import date, timedelta

import streamlit as st

from sandbox import ui
from sandbox.actor import STUDENT
from sandbox.db import utcnow
from sandbox.ebank import display, gateway, inquiry, services
from sandbox.ebank.models import CORPORATE, PERSONAL
from sandbox.ebank.numbers import group
from sandbox.errors import DomainError
from sandbox.ledger.queries import BANK_TZ

actor = ui.require_role(STUDENT)
st.title(ui.t("ebank.ui.title"))
ui.show_flash()

TOKEN = "ebank_corp_token"  # noqa: S105  (a session_state key)
VERIFIED = "ebank_corp_verified"
CHALLENGE = "ebank_corp_challenge"


def clear(*keys: str) -> None:
    for key in keys:
        st.session_state.pop(key, None)


def today() -> date:
    """Today in bank time (UTC+8)."""
    return utcnow().astimezone(BANK_TZ).date()


def account_header(account: services.AccountInfo) -> None:
    # two wide metrics (in three equal columns the card number and the holder were cut off with
    # "…"); the holder's name, typed by users and of any length, as plain text under them
    cols = st.columns([5, 3])
    cols[0].metric(ui.t("ebank.ui.account_number"), group(account.account_number))
    cols[1].metric(ui.t("ebank.ui.balance"), display.yuan(account.balance_fen))
    st.text(f"{ui.t('ebank.ui.holder')} · {account.holder_name}")
    if account.pay_locked:
        st.warning(ui.t("ebank.payment_locked"), icon=":material/lock:")


# ----------------------------------------------------------------------------- money forms


def deposit_form(kind: str, token: str | None) -> None:
    prefix = f"ebank_{kind}_deposit"
    st.caption(ui.t("ebank.ui.deposit_help"))
    with st.form(f"{prefix}_form"):
        amount = st.text_input(ui.t("field.ebank.amount"), key=f"{prefix}_amount", max_chars=20, placeholder="100.00")
        password = st.text_input(ui.t("field.ebank.payment_password"), type="password", key=f"{prefix}_pw", max_chars=6)
        ok = st.form_submit_button(ui.t("ebank.ui.ok"), type="primary", key=f"{prefix}_submit")
    if ok:
        try:
            done = services.deposit(
                ui.uow(), actor, kind=kind, amount=amount, payment_password=password, session_token=token,
                request_id=ui.request_id(prefix),
            )
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(prefix)
            clear(f"{prefix}_amount", f"{prefix}_pw")
            ui.flash("ebank.ui.deposit_done", amount=display.yuan(done.amount_fen),
                     balance=display.yuan(done.balance_after_fen))
            st.rerun()


def transfer_form(kind: str, token: str | None) -> None:
    prefix = f"ebank_{kind}_transfer"
    st.caption(ui.t("ebank.ui.transfer_help"))
    with st.form(f"{prefix}_form"):
        to = st.text_input(ui.t("field.ebank.to_account"), key=f"{prefix}_to", max_chars=24,
                           help=ui.t("ebank.ui.to_account_help"))
        amount = st.text_input(ui.t("field.ebank.amount"), key=f"{prefix}_amount", max_chars=20, placeholder="100.00")
        memo = st.text_input(ui.t("field.ebank.memo"), key=f"{prefix}_memo", max_chars=100)
        password = st.text_input(ui.t("field.ebank.payment_password"), type="password", key=f"{prefix}_pw", max_chars=6)
        ok = st.form_submit_button(ui.t("ebank.ui.ok"), type="primary", key=f"{prefix}_submit")
    if ok:
        try:
            done = services.transfer(
                ui.uow(), actor, kind=kind, to_account=to, amount=amount, payment_password=password, memo=memo,
                session_token=token, request_id=ui.request_id(prefix),
            )
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(prefix)
            clear(f"{prefix}_to", f"{prefix}_amount", f"{prefix}_memo", f"{prefix}_pw")
            ui.flash("ebank.ui.transfer_done", amount=display.yuan(done.amount_fen), to=group(done.to_account or ""),
                     balance=display.yuan(done.balance_after_fen))
            st.rerun()


# ----------------------------------------------------------------------------- inquiry


def date_range(prefix: str) -> tuple[date, date]:
    cols = st.columns(2)
    first = cols[0].date_input(ui.t("field.ebank.date_from"), value=today() - timedelta(days=30),
                               key=f"{prefix}_from", format="YYYY-MM-DD")
    last = cols[1].date_input(ui.t("field.ebank.date_to"), value=today(), key=f"{prefix}_to", format="YYYY-MM-DD")
    return first, last


def show_rows(rows: list, payments: bool = False) -> None:  # type: ignore[type-arg]
    if not rows:
        st.info(ui.t("ebank.ui.no_rows"))
        return
    table = display.payment_table(rows, ui.t) if payments else display.tx_table(rows, ui.t)
    st.dataframe(table, hide_index=True)


def inquiry_panel(kind: str, token: str | None, screens: list[str]) -> None:
    """帐务查询: each screen is a small form of criteria and a Query button; every query is logged."""
    screen = st.radio(
        ui.t("ebank.ui.inquiry"), screens, format_func=lambda s: ui.t(f"ebank.ui.screen_{s}"),
        key=f"ebank_{kind}_screen", horizontal=True,
    )
    prefix = f"ebank_{kind}_{screen}"
    with st.form(f"{prefix}_form"):
        if screen == "balance":
            number = st.text_input(ui.t("field.ebank.account_number"), key=f"{prefix}_number", max_chars=24,
                                   help=ui.t("ebank.ui.balance_help"))
        else:
            first, last = date_range(prefix)
            direction = None
            if screen == "transactions":
                direction = st.selectbox(
                    ui.t("field.ebank.direction"), ["all", "in", "out"], key=f"{prefix}_direction",
                    format_func=lambda d: ui.t(f"ebank.ui.direction_{d}"),
                )
        query = st.form_submit_button(ui.t("ebank.ui.query"), type="primary", key=f"{prefix}_submit")
    if not query:
        return
    try:
        if screen == "balance":
            found = inquiry.balance(ui.uow(), actor, kind=kind, session_token=token, account_number=number or None)
            st.metric(ui.t("ebank.ui.balance_of", number=group(found.account_number)), display.yuan(found.balance_fen))
            st.caption(ui.t("ebank.ui.as_of", at=display.when(found.as_of)))
        elif screen in ("transactions", "transfers"):
            show_rows(inquiry.transactions(
                ui.uow(), actor, kind=kind, date_from=first, date_to=last, session_token=token, screen=screen,
                direction=None if direction in (None, "all") else direction,
            ))
        else:
            show_rows(inquiry.epayments(ui.uow(), actor, kind=kind, date_from=first, date_to=last, session_token=token),
                      payments=True)
    except DomainError as err:
        ui.show_error(err)


def statement_panel(kind: str, token: str | None, number: str) -> None:
    prefix = f"ebank_{kind}_statement"
    first, last = date_range(prefix)
    try:
        data = inquiry.statement_csv(
            ui.uow(), actor, kind=kind, date_from=first, date_to=last, session_token=token,
            headers=display.csv_headers(ui.t), kind_label=lambda k: display.kind_label(ui.t, k),
        )
        figure = inquiry.balance_chart(ui.uow(), actor, kind=kind, session_token=token,
                                       title=ui.t("ebank.ui.chart_title"), y_title=ui.t("ebank.ui.chart_y"))
    except DomainError as err:
        ui.show_error(err)
        return
    st.download_button(
        ui.t("ebank.ui.download_csv"), data=data, file_name=f"statement-{number}-{first}-{last}.csv", mime="text/csv",
        key=f"{prefix}_download", icon=":material/download:",
    )
    st.plotly_chart(figure, key=f"{prefix}_chart")


# ----------------------------------------------------------------------------- personal


def personal_register() -> None:
    st.info(ui.t("ebank.ui.personal_intro"), icon=":material/account_balance:")
    prefix = "ebank_personal_register"
    st.session_state.setdefault(f"{prefix}_name", actor.full_name)
    with st.form(f"{prefix}_form"):
        st.subheader(ui.t("ebank.ui.personal_register"), anchor=False)
        name = st.text_input(ui.t("field.ebank.full_name"), key=f"{prefix}_name", max_chars=50)
        ident = st.text_input(ui.t("field.ebank.id_number"), key=f"{prefix}_id", max_chars=18,
                              help=ui.t("ebank.ui.id_number_help"))
        phone = st.text_input(ui.t("field.ebank.phone"), key=f"{prefix}_phone", max_chars=20)
        email = st.text_input(ui.t("field.ebank.email"), key=f"{prefix}_email", max_chars=120)
        pw = st.text_input(ui.t("field.ebank.payment_password"), type="password", key=f"{prefix}_pw", max_chars=6,
                           help=ui.t("ebank.ui.payment_password_help"))
        confirm = st.text_input(ui.t("field.ebank.payment_password_confirm"), type="password", key=f"{prefix}_confirm",
                                max_chars=6)
        ok = st.form_submit_button(ui.t("ebank.ui.ok"), type="primary", key=f"{prefix}_submit")
    if ok:
        try:
            account = services.register_personal(
                ui.uow(), actor, full_name=name, id_number=ident, phone=phone, email=email or None,
                payment_password=pw, payment_password_confirm=confirm, request_id=ui.request_id(prefix),
            )
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(prefix)
            clear(f"{prefix}_pw", f"{prefix}_confirm")
            ui.flash("ebank.ui.personal_done", number=group(account.account_number))
            st.rerun()


def personal_tab(accounts: list[services.AccountInfo]) -> None:
    mine = [a for a in accounts if a.kind == PERSONAL]
    if not mine:
        personal_register()
        return
    account = mine[0]
    account_header(account)
    op = st.segmented_control(
        ui.t("ebank.ui.operation"), ["deposit", "transfer", "inquiry", "statement"],
        format_func=lambda o: ui.t(f"ebank.ui.op_{o}"), key="ebank_personal_op", default="deposit",
    )
    if op == "deposit":
        deposit_form(PERSONAL, None)
    elif op == "transfer":
        transfer_form(PERSONAL, None)
    elif op == "inquiry":
        inquiry_panel(PERSONAL, None, ["balance", "transactions", "shopping"])
    elif op == "statement":
        statement_panel(PERSONAL, None, account.account_number)


# ----------------------------------------------------------------------------- corporate


def corporate_register(first: bool) -> None:
    prefix = "ebank_corp_register"
    if first:
        st.info(ui.t("ebank.ui.corporate_intro"), icon=":material/domain:")
    shown = st.session_state.get("ebank_corp_registered")
    if shown:
        st.success(ui.t("ebank.ui.corporate_done"), icon=":material/check_circle:")
        st.text(ui.t("ebank.ui.corporate_numbers", account=shown[0], user=shown[1], cert=shown[2]))
        st.code(shown[3] or "", language=None)
        st.caption(ui.t("ebank.ui.download_password_once"))
        if st.button(ui.t("ebank.ui.noted"), key="ebank_corp_noted"):
            clear("ebank_corp_registered")
            st.rerun()
        return
    with st.form(f"{prefix}_form"):
        st.subheader(ui.t("ebank.ui.corporate_register"), anchor=False)
        with st.expander(ui.t("ebank.ui.terms_title"), expanded=False):
            st.markdown(ui.t("ebank.ui.terms_text"))
        agree = st.checkbox(ui.t("field.ebank.agree"), key=f"{prefix}_agree")
        company = st.text_input(ui.t("field.ebank.company_name"), key=f"{prefix}_company", max_chars=100)
        licence = st.text_input(ui.t("field.ebank.licence_number"), key=f"{prefix}_licence", max_chars=32,
                                help=ui.t("ebank.ui.licence_help"))
        address = st.text_input(ui.t("field.ebank.address"), key=f"{prefix}_address", max_chars=200)
        contact = st.text_input(ui.t("field.ebank.contact_name"), key=f"{prefix}_contact", max_chars=50)
        phone = st.text_input(ui.t("field.ebank.phone"), key=f"{prefix}_phone", max_chars=20)
        email = st.text_input(ui.t("field.ebank.email"), key=f"{prefix}_email", max_chars=120,
                              help=ui.t("ebank.ui.email_help"))
        login_pw = st.text_input(ui.t("field.ebank.login_password"), type="password", key=f"{prefix}_login",
                                 max_chars=128)
        login_confirm = st.text_input(ui.t("field.ebank.login_password_confirm"), type="password",
                                      key=f"{prefix}_login_confirm", max_chars=128)
        pay_pw = st.text_input(ui.t("field.ebank.payment_password"), type="password", key=f"{prefix}_pay",
                               max_chars=6, help=ui.t("ebank.ui.payment_password_help"))
        pay_confirm = st.text_input(ui.t("field.ebank.payment_password_confirm"), type="password",
                                    key=f"{prefix}_pay_confirm", max_chars=6)
        ok = st.form_submit_button(ui.t("ebank.ui.ok"), type="primary", key=f"{prefix}_submit")
    if ok:
        try:
            reg = services.register_corporate(
                ui.uow(), actor, agree=agree, company_name=company, licence_number=licence, address=address,
                contact_name=contact, phone=phone, email=email or None, login_password=login_pw,
                login_password_confirm=login_confirm, payment_password=pay_pw, payment_password_confirm=pay_confirm,
                request_id=ui.request_id(prefix),
            )
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(prefix)
            clear(f"{prefix}_login", f"{prefix}_login_confirm", f"{prefix}_pay", f"{prefix}_pay_confirm")
            st.session_state["ebank_corp_registered"] = (
                group(reg.account.account_number), reg.user_number, reg.certificate_number, reg.download_password,
            )
            st.rerun()


def corporate_login() -> None:
    """EBANK002: the CA identity box (a fresh challenge signed with the certificate's key), then
    user number and password."""
    st.subheader(ui.t("ebank.ui.corporate_login"), anchor=False)
    verified = st.session_state.get(VERIFIED)
    if verified is None:
        challenge = st.session_state.get(CHALLENGE)
        if challenge is None:
            try:
                made = services.login_challenge(ui.uow(), actor)
            except DomainError as err:
                ui.show_error(err)
                return
            challenge = (made.id, str(made.nonce))
            st.session_state[CHALLENGE] = challenge
        with st.container(border=True, key="ebank_ca_box"):
            st.markdown(f"**{ui.t('ebank.ui.ca_box')}**")
            st.caption(ui.t("ebank.ui.ca_box_help"))
            st.code(challenge[1], language=None)
            with ui.uow().read() as s:
                idents = services.identities(s, actor)
            installed = [i for i in idents if i.installed]
            method = st.radio(
                ui.t("ebank.ui.identity_method"), ["p12", "store"], key="ebank_ca_method", horizontal=True,
                format_func=lambda m: ui.t(f"ebank.ui.method_{m}"),
            )
            with st.form("ebank_ca_form"):
                if method == "p12":
                    upload = st.file_uploader(ui.t("field.ebank.p12_file"), type=["p12", "pfx"], key="ebank_ca_p12")
                    p12_pw = st.text_input(ui.t("field.ebank.p12_password"), type="password", key="ebank_ca_p12_pw",
                                           max_chars=64)
                    chosen = None
                else:
                    upload, p12_pw = None, ""
                    chosen = st.selectbox(
                        ui.t("ebank.ui.identity"), [i.certificate_id for i in installed], key="ebank_ca_identity",
                        format_func=lambda cid: next(f"{i.number} · {i.common_name}" for i in installed
                                                     if i.certificate_id == cid),
                        index=0 if installed else None, placeholder=ui.t("ebank.ui.no_installed"),
                    )
                ok = st.form_submit_button(ui.t("ebank.ui.verify"), type="primary", key="ebank_ca_submit")
        if ok:
            try:
                if method == "store" and chosen is None:
                    raise DomainError("input.required", field="ebank.identity")
                check = services.verify_certificate(
                    ui.uow(), actor, challenge_id=challenge[0], p12_bytes=upload.getvalue() if upload else None,
                    p12_password=p12_pw, certificate_id=chosen if method == "store" else None,
                )
            except DomainError as err:
                clear(CHALLENGE)  # a challenge is single use: the next try gets a fresh one
                ui.show_error(err)
            else:
                clear(CHALLENGE)
                st.session_state[VERIFIED] = (check.token, check.certificate_number, check.holder_name)
                st.rerun()
        return
    st.success(ui.t("ebank.ui.certificate_ok", number=verified[1], holder=ui.plain(verified[2])),
               icon=":material/verified_user:")
    with st.form("ebank_login_form"):
        number = st.text_input(ui.t("field.ebank.user_number"), key="ebank_login_user", max_chars=16)
        password = st.text_input(ui.t("field.ebank.login_password"), type="password", key="ebank_login_pw",
                                 max_chars=128)
        ok = st.form_submit_button(ui.t("ebank.ui.ok"), type="primary", key="ebank_login_submit")
    if st.button(ui.t("ebank.ui.other_certificate"), key="ebank_login_restart"):
        clear(VERIFIED, CHALLENGE)
        st.rerun()
    if ok:
        try:
            login = services.complete_login(ui.uow(), actor, token=verified[0], user_number=number, password=password)
        except DomainError as err:
            if err.code in ("ebank.not_verified", "ebank.login_locked"):
                clear(VERIFIED)
            ui.show_error(err)
        else:
            clear(VERIFIED, "ebank_login_pw")
            st.session_state[TOKEN] = login.token
            ui.flash("ebank.ui.login_done", holder=ui.plain(login.account.holder_name))
            st.rerun()


def corporate_tab(accounts: list[services.AccountInfo]) -> None:
    mine = [a for a in accounts if a.kind == CORPORATE]
    if not mine or st.session_state.get("ebank_corp_registered"):
        corporate_register(first=not mine)
        return
    token = st.session_state.get(TOKEN)
    current = services.current_login(ui.uow(), actor, token) if token else None
    if current is None:
        clear(TOKEN)
        corporate_login()
        with st.expander(ui.t("ebank.ui.register_another"), icon=":material/add_business:"):
            corporate_register(first=False)
        return
    account_header(current)
    if st.button(ui.t("ebank.ui.logout"), key="ebank_corp_logout", icon=":material/logout:"):
        services.logout(ui.uow(), actor, token)
        clear(TOKEN)
        st.rerun()
    op = st.segmented_control(
        ui.t("ebank.ui.operation"), ["deposit", "transfer", "inquiry", "statement"],
        format_func=lambda o: ui.t(f"ebank.ui.op_{o}"), key="ebank_corp_op", default="deposit",
    )
    if op == "deposit":
        deposit_form(CORPORATE, token)
    elif op == "transfer":
        transfer_form(CORPORATE, token)
    elif op == "inquiry":
        inquiry_panel(CORPORATE, token, ["balance", "transactions", "transfers", "epayments"])
    elif op == "statement":
        statement_panel(CORPORATE, token, current.account_number)


# ----------------------------------------------------------------------------- cashier


def cashier_tab(accounts: list[services.AccountInfo]) -> None:
    """网上支付: pay a payment request with card number and payment password."""
    st.caption(ui.t("ebank.ui.cashier_help"))
    asked = st.query_params.get("pay")
    if asked and "ebank_pay_id" not in st.session_state:
        st.session_state["ebank_pay_id"] = str(asked)[:12]
    payment_id = st.text_input(ui.t("field.ebank.payment_id"), key="ebank_pay_id", max_chars=12)
    if not payment_id:
        return
    try:
        with ui.uow().read() as s:
            view = gateway.payment_view(s, actor, payment_id)
    except DomainError as err:
        ui.show_error(err)
        return
    with st.container(border=True, key="ebank_pay_box"):
        st.text(ui.t("ebank.ui.pay_to", payee=view.payee_name, account=view.payee_account_masked))
        st.text(ui.t("ebank.ui.pay_order", trade_no=view.out_trade_no, subject=view.subject))
        st.metric(ui.t("ebank.ui.pay_amount"), display.yuan(view.amount_fen))
        if view.status == "paid":
            st.success(ui.t("ebank.ui.pay_paid", at=display.when(view.paid_at)), icon=":material/check_circle:")
            if view.merchant_confirmed:
                st.caption(ui.t("ebank.ui.pay_confirmed"))
            return
    cards = [a.account_number for a in accounts if a.kind in (PERSONAL, CORPORATE)]
    st.session_state.setdefault("ebank_pay_card", cards[0] if cards else "")
    form = f"ebank_pay_{view.payment_id}"
    with st.form("ebank_pay_form"):
        card = st.text_input(ui.t("field.ebank.card_number"), key="ebank_pay_card", max_chars=24)
        password = st.text_input(ui.t("field.ebank.payment_password"), type="password", key="ebank_pay_pw", max_chars=6)
        ok = st.form_submit_button(ui.t("ebank.ui.pay_submit"), type="primary", key="ebank_pay_submit")
    if ok:
        try:
            receipt = gateway.pay(ui.uow(), actor, payment_id=view.payment_id, card_number=card,
                                  payment_password=password, request_id=ui.request_id(form))
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(form)
            clear("ebank_pay_pw")
            ui.flash("ebank.ui.pay_done", amount=display.yuan(receipt.amount_fen), card=receipt.payer_account_masked)
            st.rerun()


# ----------------------------------------------------------------------------- page

with ui.uow().read() as s:
    my_accounts = services.my_accounts(s, actor)

# keyed and tracked, so that the open tab survives the reruns after an action (a flash message
# above the tabs would otherwise make them a new element, reopened on "Personal banking")
labels = [ui.t("ebank.ui.tab_personal"), ui.t("ebank.ui.tab_corporate"), ui.t("ebank.ui.tab_cashier")]
if st.query_params.get("pay") and "ebank_pay_id" not in st.session_state:
    st.session_state["ebank_tab"] = labels[2]  # arriving from a shop to pay: open the cashier
elif st.session_state.get("ebank_tab") not in labels:  # e.g. a label of the other language
    st.session_state.pop("ebank_tab", None)
personal, corporate, cashier = st.tabs(labels, key="ebank_tab", on_change="rerun")
with personal:
    personal_tab(my_accounts)
with corporate:
    corporate_tab(my_accounts)
with cashier:
    cashier_tab(my_accounts)

# Drawn last, so a query logged during this run (EBANK006-009, 013-015, 017-019) is ticked at once.
ui.task_tracker("EBANK")
