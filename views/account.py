"""My account: change password, language preference, log out."""

import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR, STUDENT
from sandbox.errors import DomainError
from sandbox.identity import services

actor = ui.require_role(INSTRUCTOR, STUDENT, allow_pending_password=True)
st.title(ui.t("account.title"))
ui.show_flash()
if actor.must_change_password:
    st.warning(ui.t("account.must_change"), icon=":material/key:")

st.markdown(ui.t("account.who", name=ui.plain(actor.full_name), username=actor.username, role=ui.t("role." + actor.role)))

st.subheader(ui.t("account.change_password"))
with st.form("password_form", clear_on_submit=False):
    old = st.text_input(ui.t("field.old_password"), type="password", key="pw_old", max_chars=128)
    new = st.text_input(ui.t("field.new_password"), type="password", key="pw_new", max_chars=128)
    confirm = st.text_input(ui.t("field.password_confirm"), type="password", key="pw_confirm", max_chars=128)
    submitted = st.form_submit_button(ui.t("account.change_submit"), type="primary")
if submitted:
    try:
        ui.replace_actor(services.change_password(
            ui.uow(), actor, old=old, new=new, confirm=confirm, keep_token=ui.login_token()
        ))
    except DomainError as err:
        ui.show_error(err)
    else:
        for key in ("pw_old", "pw_new", "pw_confirm"):
            st.session_state.pop(key, None)
        ui.flash("account.password_changed")
        st.rerun()

st.subheader(ui.t("account.language"))
st.write(ui.t("account.language_help"))
if st.button(ui.t("nav.logout"), key="account_logout", icon=":material/logout:"):
    ui.sign_out()
    st.rerun()
