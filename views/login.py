"""Log in with user name and password."""

import streamlit as st

from sandbox import ui
from sandbox.errors import DomainError
from sandbox.identity import services

st.title(ui.t("login.title"))
ui.show_flash()
if ui.current_actor() is not None:
    st.info(ui.t("login.already"))
    st.stop()
st.write(ui.t("login.intro"))

with st.form("login_form"):
    username = st.text_input(ui.t("field.username"), key="login_username", max_chars=64)
    password = st.text_input(ui.t("field.password"), type="password", key="login_password", max_chars=128)
    submitted = st.form_submit_button(ui.t("login.submit"), type="primary")

if submitted:
    try:
        result = services.login(ui.uow(), username=username, password=password)
    except DomainError as err:
        ui.show_error(err)
    else:
        ui.sign_in(result.actor, result.token)
        st.rerun()

st.page_link("views/register.py", label=ui.t("login.to_register"), icon=":material/how_to_reg:")
if ui.page_registered("views/learner.py"):
    st.page_link("views/learner.py", label=ui.t("learner.login_link"), icon=":material/explore:")
