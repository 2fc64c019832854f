"""Instructor interventions (教师干预): adjust a score, unlock a payment password, settle a stuck
document — each with a note the student sees — and the history of interventions."""


import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.errors import DomainError
from sandbox.ledger.money import format_fen
from sandbox.scenarios.grading import StudentRef, class_students
from sandbox.teaching import interventions
from sandbox.teaching.scores import score_class

actor = ui.require_role(INSTRUCTOR)
st.title(ui.t("page.interventions"))
st.caption(ui.t("intervene.intro"))
ui.show_flash()

class_id = ui.pick_class(actor, "iv_class").id

with ui.uow().read() as s:
    students: dict[int, StudentRef] = {r.user_id: r for r in class_students(s, class_id)}
    tasks = ui.class_scenarios(s, class_id)
if not students:
    st.info(ui.t("classes.empty_roster"))
    st.stop()


def student_label(uid: int) -> str:
    ref = students[uid]
    return f"{ref.student_number or ''} {ref.full_name} ({ref.username})".strip()


if st.session_state.get("iv_student") not in students:
    st.session_state["iv_student"] = next(iter(students))
student_id = st.selectbox(ui.t("intervene.student"), list(students), format_func=student_label, key="iv_student")


def note_input(form: str) -> str:
    return st.text_area(ui.t("intervene.note_label"), key=f"{form}_note", max_chars=interventions.NOTE_MAX,
                        help=ui.t("intervene.note_help"), height=80)


def done(form: str, message: str, **params: object) -> None:
    ui.form_done(form)
    st.session_state.pop(f"{form}_note", None)
    ui.flash(message, **params)
    st.rerun()


adjust_tab, unlock_tab, settle_tab, history_tab = st.tabs(
    [ui.t("intervene.adjust"), ui.t("intervene.unlock"), ui.t("intervene.settle"), ui.t("intervene.history")],
    key="iv_tabs", on_change="rerun",  # only the open tab runs
)

if adjust_tab.open:
    with adjust_tab:
        codes = list(tasks.tasks)
        if st.session_state.get("iv_task") not in codes:
            st.session_state["iv_task"] = codes[0]
        code = st.selectbox(
            ui.t("intervene.task"), codes, key="iv_task",
            format_func=lambda c: f"{c} {tasks.tasks[c].title_zh} — {tasks.tasks[c].title_en}",
        )
        task = tasks.tasks[code]
        with ui.uow().read() as s:
            now = score_class(s, class_id, [student_id], [task])[student_id][code]
        cols = st.columns(3)
        cols[0].metric(ui.t("intervene.check"), ui.t("intervene.passed") if now.passed else ui.t("intervene.not_passed"))
        cols[1].metric(ui.t("intervene.points_now"), f"{now.points:g} / {task.points:g}")
        cols[2].metric(ui.t("intervene.adjusted"), f"{now.adjusted:g}" if now.adjusted is not None else "—")
        with st.form("iv_adjust_form"):
            points = st.number_input(ui.t("intervene.points_label", high=f"{task.points:g}"), min_value=0.0,
                                     max_value=float(task.points), value=float(now.points), step=0.5,
                                     key=f"iv_adjust_points_{student_id}_{code}")  # a fresh field per task
            note = note_input("iv_adjust")
            go = st.form_submit_button(ui.t("intervene.adjust_submit"), type="primary")
        if go:
            try:
                got = interventions.adjust_score(ui.uow(), actor, class_id, student_id, code, points, note,
                                                 ui.request_id("iv_adjust"), tasks=ui.scenarios())
            except DomainError as err:
                ui.show_error(err)
            else:
                done("iv_adjust", "intervene.adjust_done", code=code, points=f"{got:g}",
                     student=students[student_id].username)

if unlock_tab.open:
    with unlock_tab:
        st.write(ui.t("intervene.unlock_help"))
        with ui.uow().read() as s:
            locked = interventions.locked_accounts(s, actor, class_id, student_id)
        if not locked:
            st.info(ui.t("intervene.nothing_locked"))
        else:
            st.dataframe(
                [{ui.t("intervene.account"): number, ui.t("intervene.account_kind"): kind,
                  ui.t("intervene.locked"): is_locked, ui.t("intervene.failures"): failures}
                 for number, kind, is_locked, failures in locked],
                hide_index=True, key="iv_locked_table",
            )
            with st.form("iv_unlock_form"):
                note = note_input("iv_unlock")
                go = st.form_submit_button(ui.t("intervene.unlock_submit"), type="primary")
            if go:
                try:
                    numbers = interventions.unlock_payment_password(ui.uow(), actor, class_id, student_id, note,
                                                                    ui.request_id("iv_unlock"))
                except DomainError as err:
                    ui.show_error(err)
                else:
                    done("iv_unlock", "intervene.unlock_done", accounts=", ".join(numbers))

if settle_tab.open:
    with settle_tab:
        st.write(ui.t("intervene.settle_help"))
        with ui.uow().read() as s:
            docs = interventions.stuck_documents(s, actor, class_id, student_id)
        if not docs:
            st.info(ui.t("intervene.nothing_stuck"))
        else:
            by_key = {f"{d.kind}:{d.id}": d for d in docs}

            def doc_label(key: str) -> str:
                d = by_key[key]
                return (f"{ui.t('intervene.kind.' + d.kind)} {d.number} · {format_fen(d.amount_fen)} · "
                        f"{d.detail} · {d.created_at:%Y-%m-%d %H:%M}")

            with st.form("iv_settle_form"):
                picked = st.selectbox(ui.t("intervene.document"), list(by_key), format_func=doc_label,
                                      key="iv_settle_doc")
                note = note_input("iv_settle")
                go = st.form_submit_button(ui.t("intervene.settle_submit"), type="primary")
            if go and picked in by_key:
                d = by_key[picked]
                try:
                    interventions.settle_document(ui.uow(), actor, class_id, student_id, d.kind, d.id, note,
                                                  ui.request_id("iv_settle"))
                except DomainError as err:
                    ui.show_error(err)
                else:
                    done("iv_settle", f"intervene.settle_done.{d.kind}", number=d.number)

if history_tab.open:
    with history_tab:
        only = st.toggle(ui.t("intervene.only_student"), value=False, key="iv_history_only")
        with ui.uow().read() as s:
            rows = interventions.history(s, actor, class_id, student_id if only else None)
        if not rows:
            st.info(ui.t("intervene.no_history"))
        else:
            st.dataframe(
                [{ui.t("intervene.when"): ui.when(r.at),
                  ui.t("intervene.what"): ui.t(f"intervene.kinds.{r.kind.replace('.', '_')}"),
                  ui.t("intervene.student"): r.student, ui.t("intervene.task"): r.task_code or "",
                  ui.t("intervene.points"): f"{r.data.get('points', 0):g}" if r.kind == "grade.adjusted" else "",
                  ui.t("intervene.note"): r.note, ui.t("intervene.by"): r.by}
                 for r in rows],
                hide_index=True, key="iv_history_table",
            )
