"""Instructor: create classes, hand out the enrollment code, import a roster, reset passwords."""

import csv
import io
import secrets

import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.errors import DomainError
from sandbox.i18n import LANGUAGE_NAMES, LANGUAGES
from sandbox.identity import queries, services

actor = ui.require_role(INSTRUCTOR)
st.title(ui.t("classes.title"))
ui.show_flash()


def passwords_csv(issued: list[services.IssuedPassword]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["student_number", "name", "username", "first_login_password"])
    for row in issued:
        writer.writerow([row.student_number or "", row.full_name, row.username, row.password])
    return out.getvalue().encode("utf-8-sig")  # BOM: opens correctly in Excel


def show_issued() -> None:
    issued = st.session_state.get("issued_passwords")
    if not issued:
        return
    st.success(ui.t("classes.issued", count=len(issued)), icon=":material/key:")
    st.dataframe(
        [
            {
                ui.t("field.student_number"): row.student_number,
                ui.t("field.full_name"): row.full_name,
                ui.t("field.username"): row.username,
                ui.t("classes.first_password"): row.password,
            }
            for row in issued
        ],
        hide_index=True,
        key="issued_table",
    )
    st.download_button(
        ui.t("classes.download_passwords"), passwords_csv(issued), "first-login-passwords.csv",
        mime="text/csv", key="issued_download",
    )


with ui.uow().read() as s:
    classes = queries.classes_for(s, actor)

with st.expander(ui.t("classes.new"), expanded=not classes, icon=":material/add:"):
    st.session_state.setdefault("new_class_seed", secrets.randbelow(1_000_000))
    with st.form("new_class_form"):
        name = st.text_input(ui.t("class.name"), key="new_class_name", max_chars=100)
        language = st.selectbox(
            ui.t("class.language"), LANGUAGES, format_func=lambda c: LANGUAGE_NAMES[c], key="new_class_language"
        )
        seed = st.number_input(
            ui.t("class.seed"), min_value=0, max_value=2_000_000_000, step=1, key="new_class_seed",
            help=ui.t("class.seed_help"),
        )
        create = st.form_submit_button(ui.t("classes.create"), type="primary")
    if create:
        try:
            room = services.create_class(
                ui.uow(), actor, name=name, language=language, seed=seed, request_id=ui.request_id("new_class")
            )
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done("new_class")
            for key in ("new_class_name", "new_class_seed"):
                st.session_state.pop(key, None)
            st.session_state["selected_class"] = room.id
            ui.flash("classes.created", name=room.name, code=room.enrollment_code)
            st.rerun()

if not classes:
    st.info(ui.t("home.no_classes"))
    st.stop()

ids = [c.id for c in classes]
if st.session_state.get("selected_class") not in ids:
    st.session_state["selected_class"] = ids[0]
by_id = {c.id: c for c in classes}
class_id = st.selectbox(
    ui.t("classes.pick"), ids, format_func=lambda i: by_id[i].name, key="selected_class"
)
room = by_id[class_id]

cols = st.columns(4)
cols[0].metric(ui.t("class.enrollment_code"), room.enrollment_code or "")
cols[1].metric(ui.t("class.students"), room.students)
cols[2].metric(ui.t("class.language"), LANGUAGE_NAMES.get(room.language, room.language))
cols[3].metric(ui.t("class.seed"), room.seed)
st.caption(ui.t("classes.code_help"))

roster_tab, import_tab, reset_tab = st.tabs(
    [ui.t("classes.roster"), ui.t("classes.import"), ui.t("classes.reset_password")],
    key="classes_tabs", on_change="rerun",  # only the open tab runs
)

if roster_tab.open:
    with roster_tab, ui.uow().read() as s:
        rows = queries.roster(s, actor, class_id)
    with roster_tab:
        if not rows:
            st.info(ui.t("classes.empty_roster"))
        else:
            number, username, full_name, joined, last, pending = (
                ui.t("field.student_number"), ui.t("field.username"), ui.t("field.full_name"),
                ui.t("classes.joined"), ui.t("classes.last_login"), ui.t("classes.pending_password"),
            )
            st.dataframe(
                [
                    {
                        number: r.student_number,
                        username: r.username,
                        full_name: r.full_name,
                        joined: r.joined_at.strftime("%Y-%m-%d %H:%M"),
                        last: r.last_login.strftime("%Y-%m-%d %H:%M") if r.last_login else "",
                        pending: r.must_change_password,
                    }
                    for r in rows
                ],
                hide_index=True,
                key="roster_table",
            )

if import_tab.open:
    with import_tab:
        st.write(ui.t("classes.import_help"))
        with st.form("roster_form", clear_on_submit=True):
            upload = st.file_uploader(ui.t("classes.roster_file"), type=["csv", "txt"], key="roster_file")
            submitted = st.form_submit_button(ui.t("classes.import_submit"), type="primary")
        if submitted:
            if upload is None:
                ui.show_error(DomainError("input.required", field="roster"))
            else:
                try:
                    issued = services.import_roster(
                        ui.uow(), actor, class_id, upload.getvalue(), request_id=ui.request_id("roster")
                    )
                except DomainError as err:
                    ui.show_error(err)
                else:
                    ui.form_done("roster")
                    st.session_state["issued_passwords"] = issued
                    st.rerun()
        show_issued()

if reset_tab.open:
    with reset_tab:
        with ui.uow().read() as s:
            students = {r.user_id: r for r in queries.roster(s, actor, class_id)}
        if not students:
            st.info(ui.t("classes.empty_roster"))
        else:
            with st.form("reset_form"):
                who = st.selectbox(
                    ui.t("classes.pick_student"), list(students),
                    format_func=lambda i: f"{students[i].student_number or ''} {students[i].full_name} "
                    f"({students[i].username})",
                    key="reset_student",
                )
                reset = st.form_submit_button(ui.t("classes.reset_submit"))
            if reset:
                try:
                    issued_one = services.reset_student_password(ui.uow(), actor, class_id, who)
                except DomainError as err:
                    ui.show_error(err)
                else:
                    st.session_state["issued_passwords"] = [issued_one]
                    st.rerun()
            show_issued()
