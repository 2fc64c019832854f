"""Gradebook (成绩册): students x tasks with totals, a class progress chart, CSV export."""

import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.errors import DomainError
from sandbox.identity import queries
from sandbox.scenarios.charts import completion_by_task
from sandbox.scenarios.model import MODULES
from sandbox.scenarios.progress import class_gradebook

actor = ui.require_role(INSTRUCTOR)
lang = ui.lang()
st.title(ui.t("gradebook.title"))

with ui.uow().read() as s:
    classes = queries.classes_for(s, actor)
if not classes:
    st.info(ui.t("home.no_classes"))
    st.stop()

tasks = ui.scenarios()
by_id = {c.id: c for c in classes}
cols = st.columns(2)
class_id = cols[0].selectbox(ui.t("classes.pick"), list(by_id), format_func=lambda i: by_id[i].name, key="gb_class")
offered = [m for m in MODULES if tasks.in_module(m)]
module = cols[1].selectbox(
    ui.t("gradebook.module"), ["*", *offered], key="gb_module",
    format_func=lambda m: ui.t("gradebook.all_modules") if m == "*" else ui.t(f"module.{m}"),
)

try:
    with ui.uow().read() as s:
        book = class_gradebook(s, actor, class_id, tasks, None if module == "*" else module)
except DomainError as err:
    ui.show_error(err)
    st.stop()

if not book.students:
    st.info(ui.t("classes.empty_roster"))
    st.stop()

totals = [book.total(s.user_id) for s in book.students]
m = st.columns(3)
m[0].metric(ui.t("class.students"), len(book.students))
m[1].metric(ui.t("gradebook.tasks"), len(book.tasks))
m[2].metric(ui.t("gradebook.average"), f"{sum(totals) / len(totals):.1f} / {book.max_points:g}")

chart = completion_by_task(book, lang)
chart.update_yaxes(tickformat="d", dtick=max(1, -(-len(book.students) // 10)))  # whole students, no "1.5"
st.plotly_chart(chart, key="gb_chart")

rows = []
for s in book.students:
    row = {ui.t("field.student_number"): s.student_number or "", ui.t("field.username"): s.username,
           ui.t("field.full_name"): s.full_name}
    for task in book.tasks:
        row[task.code] = "✓" if book.results[s.user_id][task.code].passed else "·"
    row[ui.t("gradebook.total")] = book.total(s.user_id)
    rows.append(row)
st.dataframe(
    rows, hide_index=True, key="gb_table",
    column_config={t.code: st.column_config.TextColumn(t.code, help=f"{t.title_zh} — {t.title_en}", width="small")
                   for t in book.tasks},
)
st.download_button(
    ui.t("gradebook.export"), book.csv().encode("utf-8-sig"), f"gradebook-{by_id[class_id].name}.csv",
    mime="text/csv", key="gb_export", icon=":material/download:",
)
