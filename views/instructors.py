"""Instructor: see the instructor accounts and add another instructor."""

import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.errors import DomainError
from sandbox.identity import queries, services

actor = ui.require_role(INSTRUCTOR)
st.title(ui.t("instructors.title"))

with ui.uow().read() as s:
    rows = queries.instructors(s, actor)
st.dataframe(
    [
        {ui.t("field.username"): r.username, ui.t("field.full_name"): r.full_name,
         ui.t("instructors.since"): r.created_at.strftime("%Y-%m-%d")}
        for r in rows
    ],
    hide_index=True,
    key="instructor_table",
)

st.subheader(ui.t("instructors.add"))
with st.form("add_instructor_form"):
    username = st.text_input(ui.t("field.username"), key="add_instr_username", max_chars=32)
    full_name = st.text_input(ui.t("field.full_name"), key="add_instr_full_name", max_chars=100)
    submitted = st.form_submit_button(ui.t("instructors.add_submit"), type="primary")
if submitted:
    try:
        issued = services.add_instructor(
            ui.uow(), actor, username=username, full_name=full_name, request_id=ui.request_id("add_instructor")
        )
    except DomainError as err:
        ui.show_error(err)
    else:
        ui.form_done("add_instructor")
        st.session_state["new_instructor"] = issued
        st.rerun()

issued = st.session_state.get("new_instructor")
if issued:
    st.success(ui.t("instructors.added", username=issued.username), icon=":material/key:")
    st.code(issued.password, language=None)
