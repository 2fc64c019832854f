"""Live progress board (实时进度): who is on which task, who is stuck, per-task completion and time.

The student table, metrics and charts sit in one fragment that reruns every POLL_SECONDS (a toggle
pauses it), so the instructor sees students' progress without reloading; only this panel reruns.
Every widget is outside the fragment (changing one reruns the page and redefines the fragment);
the fragment is called once per run, so its keyed elements never collide.
"""

from datetime import datetime

import pandas as pd
import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.scenarios.charts import completion_by_task, score_distribution, time_per_task
from sandbox.teaching import board as boards

POLL_SECONDS = 15
# status cell colours (a badge without emoji: a classroom PC may have no emoji font)
BADGE = {
    boards.WORKING: "background-color: #e8f5e9; color: #1b5e20",
    boards.STUCK: "background-color: #ffebee; color: #b71c1c; font-weight: bold",
    boards.FINISHED: "background-color: #e3f2fd; color: #0d47a1",
    boards.NOT_STARTED: "background-color: #f5f5f5; color: #616161",
}

actor = ui.require_role(INSTRUCTOR)
lang = ui.lang()
st.title(ui.t("board.title"))
st.caption(ui.t("board.intro"))

cols = st.columns([3, 3, 2, 2.4], vertical_alignment="bottom")
class_id = ui.pick_class(actor, "board_class", cols[0]).id
try:
    with ui.uow().read() as s:
        assignments = boards.class_assignments(s, actor, class_id)
        tasks = ui.class_scenarios(s, class_id)
except DomainError as err:
    ui.show_error(err)
    st.stop()
assignment_id = ui.pick_assignment(assignments, "board_assignment", cols[1])
stuck_minutes = cols[2].number_input(
    ui.t("board.stuck_after"), min_value=boards.STUCK_MINUTES_RANGE[0], max_value=boards.STUCK_MINUTES_RANGE[1],
    value=10, step=1, key="board_stuck", help=ui.t("board.stuck_help"),
)
live = cols[3].toggle(ui.t("board.live", seconds=POLL_SECONDS), value=True, key="board_live")


def ago(at: datetime | None, now: datetime) -> str:
    if at is None:
        return ui.t("board.never")
    minutes = int(max(0.0, (now - at).total_seconds()) // 60)
    if minutes < 1:
        return ui.t("board.just_now")
    if minutes < 60:
        return ui.t("board.minutes_ago", n=minutes)
    if minutes < 24 * 60:
        return ui.t("board.hours_ago", n=minutes // 60)
    return ui.t("board.days_ago", n=minutes // (24 * 60))


def task_label(code: str | None, title_zh: str, title_en: str) -> str:
    return f"{code} {title_zh} — {title_en}" if code else ui.t("board.never")


@st.fragment(run_every=POLL_SECONDS if live else None)
def live_board() -> None:
    try:
        with ui.uow().read() as s:
            board = boards.class_board(s, actor, class_id, tasks, assignment_id=assignment_id,
                                       stuck_minutes=int(stuck_minutes), now=utcnow())
    except DomainError as err:
        ui.show_error(err)
        return
    if not board.students:
        st.info(ui.t("classes.empty_roster"))
        return
    if not board.tasks:
        st.warning(ui.t("board.no_tasks"))
        return

    m = st.columns(5)
    m[0].metric(ui.t("board.students"), len(board.students))
    for col, status in zip(m[1:], (boards.WORKING, boards.STUCK, boards.FINISHED, boards.NOT_STARTED), strict=True):
        col.metric(ui.t(f"board.state.{status}"), board.count(status))
    st.caption(ui.t("board.updated", time=ui.when(board.now, "%H:%M:%S")))

    total = len(board.tasks)
    status_col = ui.t("board.status")
    colour = {ui.t(f"board.state.{k}"): v for k, v in BADGE.items()}
    rows = pd.DataFrame([
        {
            ui.t("field.student_number"): p.student.student_number or "",
            ui.t("field.full_name"): f"{p.student.full_name} ({p.student.username})",
            status_col: ui.t(f"board.state.{p.status}"),
            ui.t("board.done"): p.done,
            ui.t("board.points"): p.points,
            ui.t("board.last_active"): ago(p.last_active, board.now),
            # last: the long titles may be cut on a narrow screen, the numbers before it never
            ui.t("board.current_task"): task_label(p.current_task, p.current_title_zh, p.current_title_en),
        }
        for p in board.students
    ])
    st.dataframe(
        rows.style.map(lambda v: colour.get(v, ""), subset=[status_col]), hide_index=True, key="board_table",
        column_config={
            ui.t("board.done"): st.column_config.ProgressColumn(
                ui.t("board.done"), format=f"%d / {total}", min_value=0, max_value=total, width="small"),
            ui.t("board.points"): st.column_config.NumberColumn(
                ui.t("board.points"), format=f"%g / {board.grades.max_points:g}", width="small"),
        },
    )

    st.subheader(ui.t("board.charts"), divider="gray")
    chart = completion_by_task(board.grades, lang)
    chart.update_yaxes(tickformat="d", dtick=max(1, -(-len(board.students) // 10)))
    st.plotly_chart(chart, key="board_completion")
    left, right = st.columns(2)
    totals = [p.points for p in board.students]
    left.plotly_chart(score_distribution(totals, board.grades.max_points, lang), key="board_distribution")
    if any(d >= 0.05 for found in board.grades.durations.values() for d in found):
        right.plotly_chart(time_per_task(board.grades.tasks, board.grades.durations, lang), key="board_time")
    else:  # every time rounds to 0 min (bots, or nothing done yet): an empty chart would puzzle
        right.info(ui.t("board.no_timing"), icon=":material/timer_off:")


live_board()
