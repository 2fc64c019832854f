"""CA officer's desk (CA管理): the certificates of a class, revoke one with a reason (the CRL is
regenerated), give a locked or expired certificate a new download password, and (instructors)
grant students the CA-officer role.

Open to instructors and to students granted the role; the services check the officer role for
the chosen class again. Names typed by users are shown only as text or in dataframes.
"""

from __future__ import annotations

import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR, STUDENT
from sandbox.ca import queries, services
from sandbox.ca.states import LABELS
from sandbox.errors import DomainError
from sandbox.pki.crypto import REASONS
from sandbox.pki.services import format_number

actor = ui.require_role(INSTRUCTOR, STUDENT)
st.title(ui.t("ca.officer_title"))
ui.show_flash()


def when(at: object) -> str:
    return at.strftime("%Y-%m-%d %H:%M UTC") if hasattr(at, "strftime") else ""  # as on the CA page


with ui.uow().read() as s:
    classes = queries.officer_classes(s, actor)
if not classes:
    st.warning(ui.t("ca.not_officer"), icon=":material/lock:")
    st.stop()

names = {c.id: c.name for c in classes}
class_id = st.selectbox(ui.t("ca.officer_class"), list(names), format_func=lambda i: names[i], key="ca_off_class")
if class_id is None:
    st.stop()

search = st.text_input(ui.t("ca.officer_search"), key="ca_off_search", max_chars=60)
try:
    with ui.uow().read() as s:
        rows = queries.class_certificates(s, actor, class_id, search=search)
except DomainError as err:
    ui.show_error(err)
    st.stop()

if not rows:
    st.info(ui.t("ca.officer_none"))
else:
    st.dataframe(
        [
            {
                ui.t("ca.col_number"): format_number(r.number),
                ui.t("ca.col_owner"): f"{r.owner_name} ({r.owner_username})" if r.owner_username else r.owner_name,
                ui.t("ca.col_name"): r.common_name,
                ui.t("ca.col_route"): r.task_code or r.purpose,
                ui.t("ca.col_state"): ui.t(f"ca.state_{r.state}") if r.state in LABELS else r.state,
                ui.t("ca.col_failures"): r.download_failures,
                ui.t("ca.col_locked"): r.download_locked,
                ui.t("ca.col_valid_to"): when(r.not_after),
                ui.t("ca.col_revoked"): ui.t(f"ca.reason_{r.revocation_reason}") if r.revoked_at else "",
            }
            for r in rows
        ],
        hide_index=True,
        key="ca_off_table",
    )
    by_id = {r.id: r for r in rows}
    picked = st.selectbox(
        ui.t("ca.open"), list(by_id), index=None, key="ca_off_pick", placeholder=ui.t("ca.open_placeholder"),
        format_func=lambda i: f"{format_number(by_id[i].number)} · {by_id[i].common_name}",
    )
    if picked is not None:
        row = by_id[picked]
        st.text(ui.t("ca.detail_serial", serial=row.serial_hex))
        if row.revoked_at:
            st.info(ui.t("ca.detail_revoked", at=when(row.revoked_at), reason=ui.t(f"ca.reason_{row.revocation_reason}")))
        else:
            with st.form(f"ca_revoke_form_{row.id}"):
                st.subheader(ui.t("ca.revoke_title"), anchor=False)
                reason = st.selectbox(
                    ui.t("field.ca.reason"), list(REASONS), format_func=lambda k: ui.t(f"ca.reason_{k}"),
                    key=f"ca_off_reason_{row.id}",
                )
                note = st.text_input(ui.t("field.ca.note"), key=f"ca_off_note_{row.id}", max_chars=200)
                sure = st.checkbox(ui.t("ca.revoke_confirm", number=format_number(row.number)), key=f"ca_off_sure_{row.id}")
                revoke = st.form_submit_button(ui.t("ca.revoke"), type="primary", key=f"ca_off_revoke_{row.id}")
            if revoke:
                if not sure:
                    ui.show_error(DomainError("ca.revoke_unconfirmed"))
                else:
                    try:
                        services.revoke(
                            ui.uow(), actor, class_id=class_id, certificate_id=row.id, reason=reason, note=note,
                            request_id=ui.request_id(f"ca_revoke_{row.id}"),
                        )
                    except DomainError as err:
                        ui.show_error(err)
                    else:
                        ui.form_done(f"ca_revoke_{row.id}")
                        ui.flash("ca.revoked_done", number=format_number(row.number))
                        st.rerun()
            if row.owner_id is not None and row.purpose != "system":
                st.caption(ui.t("ca.reset_intro"))
                if st.button(ui.t("ca.reset_password"), key=f"ca_off_reset_{row.id}", icon=":material/key:"):
                    try:
                        fresh = services.reset_download_password(
                            ui.uow(), actor, class_id=class_id, certificate_id=row.id,
                            request_id=ui.request_id(f"ca_reset_{row.id}"),
                        )
                    except DomainError as err:
                        ui.show_error(err)
                    else:
                        ui.form_done(f"ca_reset_{row.id}")
                        st.session_state["ca_off_fresh"] = {"number": fresh.number, "password": fresh.download_password,
                                                            "mailed_to": fresh.mailed_to}
                fresh_pw = st.session_state.get("ca_off_fresh")
                if fresh_pw and fresh_pw["number"] == row.number:
                    st.success(ui.t("ca.reset_done", number=format_number(fresh_pw["number"])))
                    st.code(fresh_pw["password"], language=None)
                    if fresh_pw["mailed_to"]:
                        st.caption(ui.t("ca.mailed_to", address=fresh_pw["mailed_to"]))

if actor.role == INSTRUCTOR:
    st.divider()
    st.subheader(ui.t("ca.officers_title"), anchor=False)
    try:
        with ui.uow().read() as s:
            roster = queries.officer_roster(s, actor, class_id)
    except DomainError as err:
        ui.show_error(err)
        st.stop()
    people = {p.user_id: p for p in roster}

    def label(user_id: int) -> str:
        return f"{people[user_id].full_name} ({people[user_id].username})"

    current = [p.user_id for p in roster if p.officer]
    if current:
        st.text(ui.t("ca.officers_now", names=", ".join(label(u) for u in current)))
    else:
        st.caption(ui.t("ca.officers_none"))
    cols = st.columns(2)
    grant_to = cols[0].selectbox(
        ui.t("ca.grant_officer"), [p.user_id for p in roster if not p.officer], index=None, format_func=label,
        key="ca_off_grant_pick", placeholder=ui.t("ca.pick_student"),
    )
    if grant_to is not None and cols[0].button(ui.t("ca.grant"), key="ca_off_grant"):
        try:
            services.grant_officer(ui.uow(), actor, class_id=class_id, user_id=grant_to)
        except DomainError as err:
            ui.show_error(err)
        else:
            st.session_state.pop("ca_off_grant_pick", None)
            st.rerun()
    withdraw_from = cols[1].selectbox(
        ui.t("ca.withdraw_officer"), current, index=None, format_func=label, key="ca_off_withdraw_pick",
        placeholder=ui.t("ca.pick_student"),
    )
    if withdraw_from is not None and cols[1].button(ui.t("ca.withdraw"), key="ca_off_withdraw"):
        try:
            services.withdraw_officer(ui.uow(), actor, class_id=class_id, user_id=withdraw_from)
        except DomainError as err:
            ui.show_error(err)
        else:
            st.session_state.pop("ca_off_withdraw_pick", None)
            st.rerun()
