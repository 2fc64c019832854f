"""A student registers into a class with the enrollment code the instructor gave out."""

import streamlit as st

from sandbox import ui
from sandbox.errors import DomainError
from sandbox.identity import services

st.title(ui.t("register.title"))
if ui.current_actor() is not None:
    st.info(ui.t("login.already"))
    st.stop()
st.write(ui.t("register.intro"))

with st.form("register_form"):
    code = st.text_input(ui.t("field.enrollment_code"), key="reg_code", max_chars=20)
    username = st.text_input(ui.t("field.username"), key="reg_username", max_chars=32, help=ui.t("field.username_help"))
    full_name = st.text_input(ui.t("field.full_name"), key="reg_full_name", max_chars=100)
    number = st.text_input(ui.t("field.student_number_optional"), key="reg_number", max_chars=32)
    password = st.text_input(ui.t("field.password"), type="password", key="reg_password", max_chars=128)
    confirm = st.text_input(ui.t("field.password_confirm"), type="password", key="reg_confirm", max_chars=128)
    submitted = st.form_submit_button(ui.t("register.submit"), type="primary")

if submitted:
    try:
        services.register_student(
            ui.uow(), enrollment_code=code, username=username, full_name=full_name,
            password=password, password_confirm=confirm, student_number=number, language=ui.lang(),
        )
        result = services.login(ui.uow(), username=username, password=password)
    except DomainError as err:
        ui.show_error(err)
    else:
        ui.sign_in(result.actor, result.token)
        ui.flash("register.done")
        st.rerun()

st.page_link("views/login.py", label=ui.t("register.to_login"), icon=":material/login:")
