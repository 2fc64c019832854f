"""Learn on my own (自主学习): a visitor starts a personal sandbox — no class, no enrollment code —
and is signed in; the guided tour (views/tour.py) then lets them pick a chain and a part."""

import streamlit as st

from sandbox import ui
from sandbox.errors import DomainError
from sandbox.i18n import LANGUAGE_NAMES, LANGUAGES
from sandbox.teaching import learner

FORM = "learner_form"

st.title(ui.t("learner.heading"))
if ui.current_actor() is not None:  # logged-out page (like views/register.py): nothing to guard but this
    st.info(ui.t("login.already"))
    st.stop()
st.write(ui.t("learner.intro"))
st.markdown(ui.t("learner.how"))
st.caption(ui.t("learner.private"))

if st.session_state.get("learn_language_of") != ui.lang():  # the sandbox's language follows the page's switch
    st.session_state["learn_language_of"] = st.session_state["learn_language"] = ui.lang()
with st.form(FORM):
    username = st.text_input(ui.t("field.username"), key="learn_username", max_chars=32,
                             help=ui.t("field.username_help"))
    full_name = st.text_input(ui.t("field.full_name"), key="learn_full_name", max_chars=100)
    password = st.text_input(ui.t("field.password"), type="password", key="learn_password", max_chars=128)
    confirm = st.text_input(ui.t("field.password_confirm"), type="password", key="learn_confirm", max_chars=128)
    language = st.selectbox(ui.t("field.language"), options=list(LANGUAGES),
                            format_func=lambda code: LANGUAGE_NAMES[code], key="learn_language")
    submitted = st.form_submit_button(ui.t("learner.submit"), type="primary", icon=":material/rocket_launch:")

if submitted:
    try:
        started = learner.start_personal_sandbox(
            ui.uow(), username=username, full_name=full_name, password=password, password_confirm=confirm,
            language=language, request_id=ui.request_id(FORM),
        )
    except DomainError as err:
        ui.show_error(err)
    else:
        ui.form_done(FORM)
        ui.sign_in(started.actor, started.token)
        ui.flash("learner.started")
        st.session_state["go_to_page"] = "views/tour.py"  # app.py may switch there (see the lead's note)
        st.rerun()

if ui.page_registered("views/login.py"):
    st.page_link("views/login.py", label=ui.t("learner.to_login"), icon=":material/login:")
