"""Instructor: scenario packs (实验场景) — the library (shipped and uploaded packs, preview, export),
upload with validation (nothing stored unless the whole file is valid), and per class: the packs
it uses, load/unload, and Regrade with the table of what changed."""


import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.chains.model import ChainError
from sandbox.errors import DomainError
from sandbox.scenarios.loader import ScenarioError
from sandbox.teaching import packs, regrade

actor = ui.require_role(INSTRUCTOR)
lang = ui.lang()
st.title(ui.t("packs.title"))
st.caption(ui.t("packs.intro"))
ui.show_flash()


def both(zh: str, en: str) -> str:
    return f"{zh} — {en}" if zh != en else zh


def kind_label(kind: str) -> str:
    return ui.t(f"packs.kind_{kind}")


def pack_label(p: packs.PackInfo) -> str:
    source = ui.t("packs.shipped") if p.shipped else ui.t("packs.uploaded")
    return f"{p.label(lang)} ({p.file_name}) · {kind_label(p.kind)} · {source}"


def points(value: float | None) -> str:
    if value is None:
        return "—"
    return f"{value:g}"


def show_pack_error(err: DomainError) -> None:
    """A refused file: the message in the session language, then where (file, line, task/step, field)."""
    params = dict(err.params)
    if isinstance(err, ChainError):  # chain reasons live under chain.file.* in the message files
        params["reason"] = "chain.file." + str(params.get("reason", "")).removeprefix("chain.")
    ui.show_error(DomainError(err.code, field=err.field, **params))
    if isinstance(err, ScenarioError | ChainError):
        where = {
            ui.t("packs.col_file"): str(params.get("file", "")),
            ui.t("packs.col_line"): str(params.get("line", "")),
            ui.t("packs.col_task"): str(params.get("task", params.get("step", "-"))),
            ui.t("packs.col_field"): str(params.get("where", "-")),
        }
        st.dataframe([where], hide_index=True, key="packs_error_where")
        if params.get("detail"):
            st.caption(ui.t("packs.detail", detail=ui.plain(params["detail"])))
    st.caption(ui.t("packs.nothing_stored"))


def show_preview(view: packs.Preview, key: str) -> None:
    if view.chain_id is not None:
        st.markdown(f"**{ui.plain(view.chain_id)} · {ui.plain(both(view.chain_title_zh, view.chain_title_en))}**")
        st.dataframe(
            [
                {
                    "#": s.index,
                    ui.t("packs.col_code"): s.code,
                    ui.t("packs.col_title"): both(s.title_zh, s.title_en),
                    ui.t("packs.col_part"): both(s.part_zh, s.part_en),
                }
                for s in view.steps
            ],
            hide_index=True, key=f"{key}_steps",
        )
        return
    st.dataframe(
        [
            {
                ui.t("packs.col_code"): r.code,
                ui.t("packs.col_title"): both(r.title_zh, r.title_en),
                ui.t("packs.col_module"): r.module,
                ui.t("packs.col_role"): r.role,
                ui.t("packs.col_points"): points(r.points),
                **({} if view.pack.shipped else {ui.t("packs.col_shipped_points"): points(r.shipped_points)}),
                ui.t("packs.col_checks"): ", ".join(r.check_kinds),
                ui.t("packs.col_requires"): ", ".join(r.requires),
            }
            for r in view.tasks
        ],
        hide_index=True, key=f"{key}_tasks",
    )


library_tab, upload_tab, class_tab = st.tabs(
    [ui.t("packs.tab_library"), ui.t("packs.tab_upload"), ui.t("packs.tab_class")],
    key="packs_tabs", on_change="rerun",  # only the open tab runs
)

# ----------------------------------------------------------------------------- library

if library_tab.open:
    with library_tab:
        with ui.uow().read() as s:
            lib = packs.library(s, actor)
        st.dataframe(
            [
                {
                    ui.t("packs.col_name"): p.label(lang),
                    ui.t("packs.col_file"): p.file_name,
                    ui.t("packs.col_kind"): kind_label(p.kind),
                    ui.t("packs.col_source"): ui.t("packs.shipped") if p.shipped else ui.t("packs.uploaded"),
                    ui.t("packs.col_count"): len(p.task_codes),
                    ui.t("packs.col_by"): p.uploaded_by or "",
                    ui.t("packs.col_at"): ui.when(p.uploaded_at),
                }
                for p in lib
            ],
            hide_index=True, key="packs_library_table",
            column_config={ui.t("packs.col_name"): st.column_config.TextColumn(width="medium")},  # chain titles are long
        )
        by_key = {p.key: p for p in lib}
        wanted = st.session_state.pop("packs_pick_next", None)
        if wanted in by_key:
            st.session_state["packs_pick"] = wanted  # before the widget exists in this run: it wins
        if st.session_state.get("packs_pick") not in by_key:
            st.session_state["packs_pick"] = next(iter(by_key))
        key = st.selectbox(ui.t("packs.pick"), list(by_key), format_func=lambda k: pack_label(by_key[k]),
                           key="packs_pick")
        try:
            with ui.uow().read() as s:
                view = packs.preview(s, actor, key)
                file_name, data = packs.export_pack(s, actor, key)
        except DomainError as err:
            ui.show_error(err)
        else:
            st.subheader(ui.t("packs.preview_title", count=len(view.tasks) or len(view.steps)))
            show_preview(view, "packs_library_preview")
            st.download_button(ui.t("packs.export"), data, file_name, mime="application/yaml",
                               key="packs_export", icon=":material/download:")

# ----------------------------------------------------------------------------- upload

if upload_tab.open:
    with upload_tab:
        st.write(ui.t("packs.upload_help"))
        with st.form("packs_upload_form"):
            upload = st.file_uploader(ui.t("packs.file"), type=["yaml", "yml"], key="packs_file")
            name = st.text_input(ui.t("packs.name"), key="packs_name", max_chars=100,
                                 placeholder=ui.t("packs.name_placeholder"))
            submitted = st.form_submit_button(ui.t("packs.upload_submit"), type="primary")
        if submitted:
            if upload is None:
                ui.show_error(DomainError("input.required", field="packs.file"))
            else:
                try:
                    stored = packs.upload_pack(ui.uow(), actor, upload.getvalue(), upload.name, name,
                                               request_id=ui.request_id("packs_upload"))
                except DomainError as err:
                    show_pack_error(err)
                else:
                    ui.form_done("packs_upload")
                    st.session_state["packs_pick_next"] = stored.key  # the Library tab opens on it
                    message = "packs.stored" if stored.new else "packs.already_stored"
                    st.success(ui.t(message, name=ui.plain(stored.name), count=len(stored.task_codes),
                                    kind=kind_label(stored.kind)), icon=":material/check_circle:")
                    with ui.uow().read() as s:
                        show_preview(packs.preview(s, actor, stored.key), "packs_upload_preview")

# ----------------------------------------------------------------------------- class

if class_tab.open:
    with class_tab:
        room = ui.pick_class(actor, "packs_class")
        class_id = room.id
        try:
            with ui.uow().read() as s:
                loaded = packs.class_packs(s, actor, class_id)
                uploaded = [p for p in packs.library(s, actor) if not p.shipped]
                tasks = ui.class_scenarios(s, class_id)
                history = regrade.snapshots(s, actor, class_id)
        except DomainError as err:
            ui.show_error(err)
            st.stop()

        st.subheader(ui.t("packs.loaded_title"))
        overridden = sorted({c for p in loaded if p.kind == packs.TASKS for c in p.task_codes})
        st.caption(ui.t("packs.class_uses", tasks=len(tasks.tasks), packs=len(loaded), overridden=len(overridden)))
        if loaded:
            st.dataframe(
                [
                    {
                        "#": i,
                        ui.t("packs.col_name"): p.name,
                        ui.t("packs.col_file"): p.file_name,
                        ui.t("packs.col_kind"): kind_label(p.kind),
                        ui.t("packs.col_codes"): " ".join(p.task_codes),
                        ui.t("packs.col_by"): p.loaded_by or "",
                        ui.t("packs.col_at"): ui.when(p.loaded_at),
                    }
                    for i, p in enumerate(loaded, start=1)
                ],
                hide_index=True, key="packs_loaded_table",
            )
        else:
            st.info(ui.t("packs.none_loaded"))

        left, right = st.columns(2)
        with left:
            if uploaded:
                up = {p.id: p for p in uploaded}
                pick = st.selectbox(ui.t("packs.load_pick"), list(up), format_func=lambda i: pack_label(up[i]),
                                    key="packs_load_pick")
                if st.button(ui.t("packs.load"), key="packs_load", type="primary", icon=":material/upload:"):
                    try:
                        done = packs.load_into_class(ui.uow(), actor, class_id, pick,
                                                     request_id=ui.request_id("packs_load"))
                    except DomainError as err:
                        ui.show_error(err)
                    else:
                        ui.form_done("packs_load")
                        ui.flash("packs.loaded", name=ui.plain(done.name), klass=ui.plain(room.name))
                        st.rerun()
            else:
                st.caption(ui.t("packs.no_uploaded"))
        with right:
            if loaded:
                mine = {p.pack_id: p for p in loaded}
                drop = st.selectbox(ui.t("packs.unload_pick"), list(mine),
                                    format_func=lambda i: f"{mine[i].name} ({mine[i].file_name})",
                                    key="packs_unload_pick")
                if st.button(ui.t("packs.unload"), key="packs_unload", icon=":material/remove:"):
                    try:
                        packs.unload_from_class(ui.uow(), actor, class_id, drop,
                                                request_id=ui.request_id("packs_unload"))
                    except DomainError as err:
                        ui.show_error(err)
                    else:
                        ui.form_done("packs_unload")
                        ui.flash("packs.unloaded", name=ui.plain(mine[drop].name))
                        st.rerun()

        st.divider()
        st.subheader(ui.t("packs.regrade_title"))
        st.caption(ui.t("packs.regrade_help"))
        if st.session_state.pop("packs_reason_clear", False):
            st.session_state["packs_reason"] = ""  # before the widget exists: a fresh box after a regrade
        reason = st.text_input(ui.t("packs.reason"), key="packs_reason", max_chars=200)
        if st.button(ui.t("packs.regrade"), key="packs_regrade", type="primary", icon=":material/refresh:"):
            try:
                with st.spinner(ui.t("packs.regrading")):
                    result = regrade.regrade(ui.uow(), actor, class_id, tasks, reason,
                                             request_id=ui.request_id("packs_regrade"))
            except DomainError as err:
                ui.show_error(err)
            else:
                ui.form_done("packs_regrade")
                st.session_state["packs_snapshot"] = result.snapshot_id
                st.session_state["packs_reason_clear"] = True
                st.rerun()

        if history:
            snaps = {h.id: h for h in history}
            if st.session_state.get("packs_snapshot") not in snaps:
                st.session_state["packs_snapshot"] = history[0].id
            shown = st.selectbox(
                ui.t("packs.snapshot_pick"), list(snaps), key="packs_snapshot",
                format_func=lambda i: f"#{i} · {ui.when(snaps[i].taken_at)} · {snaps[i].reason or '—'}",
            )
            try:
                with ui.uow().read() as s:
                    res = regrade.snapshot_result(s, actor, class_id, shown)
            except DomainError as err:
                ui.show_error(err)
            else:
                # One slot whether or not the note shows: a rerun that renders fewer elements than
                # the run before it can leave the old metrics on screen beside the new ones.
                note = st.empty()
                if res.first:
                    note.info(ui.t("packs.first_regrade"), icon=":material/info:")
                cols = st.columns(3)
                cols[0].metric(ui.t("packs.changed"), len(res.changes))
                cols[1].metric(ui.t("packs.total_before"), points(res.total_before))
                delta = None if res.total_before is None else round(res.total_after - res.total_before, 2)
                cols[2].metric(ui.t("packs.total_after"), points(res.total_after), delta=delta)
                if res.changes:
                    st.dataframe(
                        [
                            {
                                ui.t("field.username"): c.username,
                                ui.t("field.full_name"): c.full_name,
                                ui.t("packs.col_title"): (
                                    f"{c.code} {both(tasks.tasks[c.code].title_zh, tasks.tasks[c.code].title_en)}"
                                    if c.code in tasks.tasks else c.code
                                ),
                                ui.t("packs.col_before"): points(c.before),
                                ui.t("packs.col_after"): points(c.after),
                            }
                            for c in res.changes
                        ],
                        hide_index=True, key="packs_changes_table",
                    )
                else:
                    st.success(ui.t("packs.no_changes"), icon=":material/check_circle:")
                with st.expander(ui.t("packs.totals_title"), icon=":material/functions:"):
                    st.dataframe(
                        [
                            {
                                ui.t("field.username"): r.username,
                                ui.t("field.full_name"): r.full_name,
                                ui.t("packs.col_before"): points(r.before),
                                ui.t("packs.col_after"): points(r.after),
                            }
                            for r in res.totals
                        ],
                        hide_index=True, key="packs_totals_table",
                    )
            st.markdown(f"**{ui.t('packs.history_title')}**")
            st.dataframe(
                [
                    {
                        "#": h.id,
                        ui.t("packs.col_at"): ui.when(h.taken_at),
                        ui.t("packs.col_by"): h.taken_by or "",
                        ui.t("packs.col_reason"): h.reason,
                        ui.t("packs.col_students"): h.students,
                        ui.t("packs.col_total"): points(h.total),
                        ui.t("packs.changed"): "—" if h.changed is None else h.changed,
                    }
                    for h in history
                ],
                hide_index=True, key="packs_history_table",
            )
        else:
            st.caption(ui.t("packs.no_snapshots"))
