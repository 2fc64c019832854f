"""Bank officer (银行柜员, the instructor): every customer account of a class, unlocking payment
and login passwords locked after repeated wrong tries, and the ledger's invariants."""

from __future__ import annotations

import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.ebank import display, services
from sandbox.ebank.numbers import group
from sandbox.errors import DomainError
from sandbox.identity import queries as identity_queries
from sandbox.ledger.money import format_fen

actor = ui.require_role(INSTRUCTOR)
st.title(ui.t("ebank.ui.officer_title"))
ui.show_flash()

with ui.uow().read() as s:
    classes = identity_queries.classes_for(s, actor)
if not classes:
    st.info(ui.t("ebank.ui.officer_no_class"))
    st.stop()

names = {c.id: c.name for c in classes}
class_id = st.selectbox(ui.t("ebank.ui.officer_class"), list(names), format_func=lambda cid: names[cid],
                        key="ebank_officer_class")
try:
    with ui.uow().read() as s:
        accounts = services.accounts_of_class(s, actor, class_id)
        health = services.ledger_health(s, actor, class_id)
except DomainError as err:
    ui.show_error(err)
    st.stop()

cols = st.columns(4)
cols[0].metric(ui.t("ebank.ui.officer_accounts"), len(accounts))
cols[1].metric(ui.t("ebank.ui.officer_deposits"), display.yuan(sum(a.balance_fen for a in accounts)))
cols[2].metric(ui.t("ebank.ui.officer_entries"), health.entries)
cols[3].metric(ui.t("ebank.ui.officer_books"), ui.t("ebank.ui.officer_ok") if health.ok else ui.t("ebank.ui.officer_bad"))
if not health.ok:
    st.error(ui.t("ebank.ui.officer_problems", unbalanced=len(health.unbalanced), drifted=len(health.drifted),
                  overdrawn=len(health.overdrawn)), icon=":material/error:")

if not accounts:
    st.info(ui.t("ebank.ui.officer_none"))
    st.stop()

st.dataframe(
    [
        {
            ui.t("ebank.ui.account_number"): group(a.account_number),
            ui.t("ebank.ui.col_kind"): ui.t(f"ebank.ui.kind_{a.kind}"),
            ui.t("ebank.ui.holder"): a.holder_name,
            ui.t("ebank.ui.balance"): format_fen(a.balance_fen),
            ui.t("ebank.ui.col_user_number"): a.user_number or "",
            ui.t("ebank.ui.col_locked"): ", ".join(
                ui.t(f"ebank.ui.locked_{w}") for w, on in (("pay", a.pay_locked), ("login", a.login_locked)) if on
            ),
            ui.t("ebank.ui.col_opened"): display.when(a.created_at),
        }
        for a in accounts
    ],
    hide_index=True,
    key="ebank_officer_accounts",
)

locked = [a for a in accounts if a.pay_locked or a.login_locked]
st.subheader(ui.t("ebank.ui.officer_unlock"), anchor=False)
if not locked:
    st.caption(ui.t("ebank.ui.officer_nothing_locked"))
else:
    by_id = {a.id: a for a in locked}
    with st.form("ebank_officer_unlock_form"):
        chosen = st.selectbox(
            ui.t("ebank.ui.officer_pick"), list(by_id), key="ebank_officer_pick",
            format_func=lambda i: f"{group(by_id[i].account_number)} · {by_id[i].holder_name}",
        )
        ok = st.form_submit_button(ui.t("ebank.ui.officer_unlock_button"), type="primary", key="ebank_officer_submit")
    if ok and chosen is not None:
        try:
            done = services.unlock(ui.uow(), actor, account_id=chosen)
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.flash("ebank.ui.officer_unlocked", number=group(done.account_number))
            st.rerun()
