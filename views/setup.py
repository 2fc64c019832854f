"""First-run setup: create the first instructor account (no default password exists)."""

import streamlit as st

from sandbox import ui
from sandbox.errors import DomainError
from sandbox.identity import services

st.title(ui.t("setup.title"))
if not ui.setup_needed():
    st.info(ui.t("setup.done"))
    st.stop()
st.write(ui.t("setup.intro"))

with st.form("setup_form"):
    username = st.text_input(ui.t("field.username"), key="setup_username", max_chars=32)
    full_name = st.text_input(ui.t("field.full_name"), key="setup_full_name", max_chars=100)
    password = st.text_input(ui.t("field.password"), type="password", key="setup_password", max_chars=128)
    confirm = st.text_input(ui.t("field.password_confirm"), type="password", key="setup_confirm", max_chars=128)
    submitted = st.form_submit_button(ui.t("setup.submit"), type="primary")

if submitted:
    try:
        services.setup_first_instructor(
            ui.uow(), username=username, full_name=full_name, password=password,
            password_confirm=confirm, language=ui.lang(),
        )
        result = services.login(ui.uow(), username=username, password=password)
    except DomainError as err:
        ui.show_error(err)
    else:
        ui.sign_in(result.actor, result.token)
        ui.flash("setup.created")
        st.rerun()
