"""Gradebook (成绩册): students x tasks with the points of each cell and totals, for all tasks of the
class or one assignment (its tasks, points under its rules), charts (completion by task, score
distribution, time per task), and the CSV export (one column per task, as `python -m sandbox grade`)."""

import re

import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.errors import DomainError
from sandbox.scenarios.charts import completion_by_task, score_distribution, time_per_task
from sandbox.scenarios.model import MODULES
from sandbox.teaching import board as boards
from sandbox.teaching.scores import Rules, TaskScore

actor = ui.require_role(INSTRUCTOR)
lang = ui.lang()
st.title(ui.t("gradebook.title"))

cols = st.columns(3)
room = ui.pick_class(actor, "gb_class", cols[0])
class_id = room.id
try:
    with ui.uow().read() as s:
        assignments = boards.class_assignments(s, actor, class_id)
        tasks = ui.class_scenarios(s, class_id)
except DomainError as err:
    ui.show_error(err)
    st.stop()
assignment_id = ui.pick_assignment(assignments, "gb_assignment", cols[1])
offered = [m for m in MODULES if tasks.in_module(m)]
module = cols[2].selectbox(
    ui.t("gradebook.module"), ["*", *offered], key="gb_module",
    format_func=lambda m: ui.t("gradebook.all_modules") if m == "*" else ui.t(f"module.{m}"),
)

try:
    with ui.uow().read() as s:
        book = boards.class_grades(s, actor, class_id, tasks, assignment_id=assignment_id,
                                   module=None if module == "*" else module)
except DomainError as err:
    ui.show_error(err)
    st.stop()

if not book.students:
    st.info(ui.t("classes.empty_roster"))
    st.stop()


def rules_text(rules: Rules) -> str:
    due = (ui.t("board.gb.due", due=ui.when(rules.due_at))
           if rules.due_at else ui.t("board.gb.no_due"))
    late = ui.t("board.gb.late_counts", pct=rules.late_penalty_pct) if rules.late_counts else ui.t("board.gb.late_zero")
    hints = ui.t("board.gb.hint_cost", cost=f"{rules.hint_cost:g}") if rules.hint_cost else ui.t("board.gb.hints_free")
    return " · ".join([due, late, hints])


if book.assignment is not None:
    st.caption(ui.t("board.gb.rules", title=ui.plain(book.assignment.title), rules=rules_text(book.rules)))

totals = [book.total(s.user_id) for s in book.students]
m = st.columns(3)
m[0].metric(ui.t("class.students"), len(book.students))
m[1].metric(ui.t("gradebook.tasks"), len(book.tasks))
m[2].metric(ui.t("gradebook.average"), f"{sum(totals) / len(totals):.1f} / {book.max_points:g}")

if book.tasks:
    completion = completion_by_task(book, lang)
    completion.update_yaxes(tickformat="d", dtick=max(1, -(-len(book.students) // 10)))  # whole students, no "1.5"
    distribution = score_distribution(totals, book.max_points, lang)
    timing = time_per_task(book.tasks, book.durations, lang)
    # an empty chart when every time rounds to 0 min (bots, or nothing done yet): say so instead
    timed = any(d >= 0.05 for found in book.durations.values() for d in found)
    if len(book.tasks) <= 12:
        places = st.columns(3)
        places[0].plotly_chart(completion, key="gb_chart")
        places[1].plotly_chart(distribution, key="gb_distribution")
    else:  # many tasks: the bar charts need the whole width
        st.plotly_chart(completion, key="gb_chart")
        places = st.columns(2)
        places[0].plotly_chart(distribution, key="gb_distribution")
    if timed:
        places[-1].plotly_chart(timing, key="gb_time")
    else:
        places[-1].info(ui.t("board.no_timing"), icon=":material/timer_off:")


def cell(sc: TaskScore) -> str:
    """✓ and the points earned (◷ late, ℹ hints opened, ✎ adjusted), or · when not done (symbols
    of ordinary text fonts: a classroom PC may have no emoji font)."""
    if not sc.passed and sc.adjusted is None:
        return "·"
    marks = ("◷" if sc.late else "") + ("ℹ" if sc.hints else "") + ("✎" if sc.adjusted is not None else "")
    return f"{'✓ ' if sc.passed else ''}{sc.points:g}{' ' + marks if marks else ''}"


# who and the total first, pinned: with many tasks the table scrolls sideways and they stay in view
number_col, user_col, name_col, total_col = (ui.t("field.student_number"), ui.t("field.username"),
                                             ui.t("field.full_name"), ui.t("gradebook.total"))
rows = []
for s in book.students:
    row: dict[str, object] = {number_col: s.student_number or "", user_col: s.username, name_col: s.full_name,
                              total_col: book.total(s.user_id)}
    for task in book.tasks:
        row[task.code] = cell(book.scores[s.user_id][task.code]) if book.counts(s.user_id, task.code) else ""
    rows.append(row)
st.dataframe(
    rows, hide_index=True, key="gb_table",
    column_config={
        number_col: st.column_config.TextColumn(number_col, pinned=True),
        user_col: st.column_config.TextColumn(user_col, pinned=True),
        name_col: st.column_config.TextColumn(name_col, pinned=True),
        total_col: st.column_config.NumberColumn(total_col, format=f"%g / {book.max_points:g}", pinned=True),
        **{t.code: st.column_config.TextColumn(t.code, help=f"{t.title_zh} — {t.title_en} ({t.points:g})",
                                               width="small")
           for t in book.tasks},
    },
)
st.caption(ui.t("board.gb.legend"))
name = room.name + (f"-{book.assignment.title}" if book.assignment is not None else "")
st.download_button(
    ui.t("gradebook.export"), book.csv().encode("utf-8-sig"), re.sub(r'[\\/:*?"<>|\x00-\x1f]+', "_", f"gradebook-{name}.csv"),
    mime="text/csv", key="gb_export", icon=":material/download:",
)
