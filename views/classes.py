"""Instructor: create classes, hand out the enrollment code, import a roster, reset passwords;
reset a class for the next group (export first), export a class archive and import one."""

import csv
import io
import secrets

import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.errors import DomainError
from sandbox.i18n import LANGUAGE_NAMES, LANGUAGES
from sandbox.identity import queries, services
from sandbox.teaching import archive, reset

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
if st.session_state.get("select_class_next") in ids:  # set below the selectbox (an import): applied now
    st.session_state["selected_class"] = st.session_state.pop("select_class_next")
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

roster_tab, import_tab, reset_tab, reset_class_tab, archive_tab = st.tabs(
    [ui.t("classes.roster"), ui.t("classes.import"), ui.t("classes.reset_password"), ui.t("reset.tab"),
     ui.t("archive.tab")],
    key="classes_tabs", on_change="rerun",  # only the open tab runs
)


def export_section(where: str) -> None:
    """Build the class archive on request, then offer it for download (kept for this class only)."""
    ready = st.session_state.get("class_archive")
    if st.button(ui.t("archive.prepare"), key=f"{where}_prepare", icon=":material/inventory_2:"):
        try:
            with ui.uow().read() as s:
                data = archive.export_class(s, actor, class_id, ui.class_scenarios(s, class_id))
        except DomainError as err:
            ui.show_error(err)
        else:
            ready = (class_id, archive.archive_name(room.name), data)
            st.session_state["class_archive"] = ready
    if ready and ready[0] == class_id:
        st.download_button(
            ui.t("archive.download", size=f"{len(ready[2]) / 1024:.0f}"), ready[2], ready[1], mime="application/zip",
            key=f"{where}_download", icon=":material/download:", type="primary",
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
                        joined: ui.when(r.joined_at),
                        last: ui.when(r.last_login),
                        pending: r.must_change_password,
                    }
                    for r in rows
                ],
                hide_index=True,
                key="roster_table",
                column_config={joined: st.column_config.TextColumn(joined, help=ui.t("reset.times_utc8")),
                               last: st.column_config.TextColumn(last, help=ui.t("reset.times_utc8"))},
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

if reset_class_tab.open:
    with reset_class_tab:
        st.warning(ui.t("reset.explain"), icon=":material/warning:")
        st.markdown(ui.t("reset.kept"))
        st.markdown(ui.t("reset.emptied"))
        with ui.uow().read() as s:
            preview = reset.reset_preview(s, actor, class_id)
        if preview:
            st.caption(ui.t("reset.preview", rows=sum(preview.values()), tables=len(preview)))
            areas = reset.by_area(preview)
            st.dataframe(
                [{ui.t("reset.area"): ui.t(f"module.{a}") if a.isupper() else ui.t(f"reset.areas.{a}"),
                  ui.t("reset.rows"): n} for a, n in areas.items()],
                hide_index=True, key="reset_area_table",
            )
            with st.expander(ui.t("reset.per_table")):
                st.dataframe(
                    [{ui.t("reset.table"): name, ui.t("reset.rows"): n} for name, n in sorted(preview.items())],
                    hide_index=True, key="reset_preview_table",
                )
        else:
            st.info(ui.t("reset.nothing"))
        st.subheader(ui.t("reset.export_first"))
        st.caption(ui.t("reset.export_first_help"))
        export_section("reset")
        st.subheader(ui.t("reset.do"))
        with st.form("reset_class_form", clear_on_submit=True):  # the name is typed again every time
            keep = st.checkbox(ui.t("reset.keep_roster"), value=True, key="reset_keep_roster",
                               help=ui.t("reset.keep_roster_help"))
            typed = st.text_input(ui.t("reset.confirm_label", name=ui.plain(room.name)), key="reset_confirm",
                                  max_chars=100)
            go = st.form_submit_button(ui.t("reset.submit"), type="primary", icon=":material/restart_alt:")
        if go:
            try:
                done = reset.reset_class(
                    ui.uow(), actor, class_id, keep_roster=keep, confirm=typed, request_id=ui.request_id("reset_class"),
                    tasks=ui.scenarios(),
                )
            except DomainError as err:
                ui.show_error(err)
            else:
                ui.form_done("reset_class")
                ui.flash("reset.done", name=ui.plain(room.name), rows=done.total)
                st.rerun()

if archive_tab.open:
    with archive_tab:
        st.subheader(ui.t("archive.export"))
        st.write(ui.t("archive.export_help"))
        export_section("archive")
        st.subheader(ui.t("archive.import"))
        st.info(ui.t("archive.import_help"), icon=":material/info:")
        with st.form("archive_form", clear_on_submit=True):
            upload = st.file_uploader(ui.t("archive.file"), type=["zip"], key="archive_file")
            submitted = st.form_submit_button(ui.t("archive.import_submit"), type="primary")
        if submitted:
            st.session_state.pop("archive_imported", None)  # an earlier import's message would contradict this one
            if upload is None:
                ui.show_error(DomainError("input.required", field="archive.file"))
            else:
                try:
                    result = archive.import_class(ui.uow(), actor, upload.getvalue(), request_id=ui.request_id("archive"))
                except DomainError as err:
                    ui.show_error(err)
                else:
                    ui.form_done("archive")
                    st.session_state["select_class_next"] = result.class_id  # show the new class
                    st.session_state["issued_passwords"] = result.issued
                    st.session_state["archive_imported"] = (
                        result.name, result.students, result.events, result.assignments, result.teams, result.snapshots
                    )
                    st.rerun()
        imported = st.session_state.get("archive_imported")
        if imported:
            name, students, n_events, n_assignments, n_teams, n_snapshots = imported
            st.success(ui.t("archive.imported", name=ui.plain(name), students=students, events=n_events,
                            assignments=n_assignments, teams=n_teams, snapshots=n_snapshots),
                       icon=":material/check_circle:")
            st.caption(ui.t("archive.imported_note"))
        show_issued()
