"""Lab report (实验报告): an instructor picks a class, a student and optionally an assignment; a
student sees only their own report. The report as a table, HTML and PDF downloads, and a replay
of the student's event log one step at a time with a timeline of events per task."""

from __future__ import annotations

import plotly.graph_objects as go
import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR, STUDENT
from sandbox.errors import DomainError
from sandbox.identity import queries
from sandbox.teaching.pdf import render_pdf
from sandbox.teaching.report import (
    TZ,
    EventStep,
    adjustment_text,
    deductions_text,
    event_log,
    fmt_points,
    fmt_time,
    module_name,
    note_text,
    render_html,
    report_assignments,
    status_text,
    student_report,
)

actor = ui.require_role(INSTRUCTOR, STUDENT)
lang = ui.lang()
is_instructor = actor.role == INSTRUCTOR
st.title(ui.t("page.report" if is_instructor else "page.my_report"))
st.caption(ui.t("report.intro_instructor" if is_instructor else "report.intro_student"))


# ----------------------------------------------------------------------------- who and what

if is_instructor:
    cols = st.columns(3)
    class_id = ui.pick_class(actor, "rp_class", cols[0]).id
    with ui.uow().read() as s:
        roster = queries.roster(s, actor, class_id)
    if not roster:
        st.info(ui.t("classes.empty_roster"))
        st.stop()
    people = {r.user_id: r for r in roster}
    student_id = cols[1].selectbox(
        ui.t("report.pick_student"), list(people), key="rp_student",
        format_func=lambda i: " · ".join(x for x in (people[i].student_number, people[i].full_name,
                                                      people[i].username) if x),
    )
    picker = cols[2]
else:
    if actor.class_id is None:
        st.info(ui.t("class.not_found"))
        st.stop()
    class_id, student_id = actor.class_id, actor.user_id
    picker = st.columns(3)[0]

try:
    with ui.uow().read() as s:
        choices = report_assignments(s, actor, class_id)
except DomainError as err:
    ui.show_error(err)
    st.stop()
titles = {a.id: a.title for a in choices}
assignment_id = picker.selectbox(
    ui.t("report.pick_assignment"), [None, *titles], key="rp_assignment",
    format_func=lambda i: ui.t("report.no_assignment_option") if i is None else titles.get(i, str(i)),
) if titles else None
all_tasks = assignment_id is None and st.toggle(ui.t("report.show_all"), key="rp_all")

try:
    with ui.uow().read() as s:
        tasks = ui.class_scenarios(s, class_id)
        report = student_report(s, actor, class_id, student_id, tasks, assignment_id=assignment_id,
                                all_tasks=bool(all_tasks))
        steps = event_log(s, actor, class_id, student_id, tasks=tasks, report=report)
except DomainError as err:
    ui.show_error(err)
    st.stop()

# ----------------------------------------------------------------------------- the report

st.subheader(ui.plain(f"{report.full_name} · {report.username}"))
m = st.columns(4)
m[0].metric(ui.t("report.total"), f"{fmt_points(report.total_points)} / {fmt_points(report.max_points)}")
m[1].metric(ui.t("report.passed_tasks"), f"{report.passed_count} / {len(report.tasks)}")
m[2].metric(ui.t("report.hints_used"), report.hints_used)
m[3].metric(ui.t("report.events"), report.events_total)

file_stem = f"lab-report-{report.username}"
d = st.columns([1, 1, 2])
d[0].download_button(
    ui.t("report.download_html"), data=lambda: render_html(report, lang).encode("utf-8"),
    file_name=f"{file_stem}.html", mime="text/html", key="rp_html", on_click="ignore", icon=":material/html:",
)
d[1].download_button(
    ui.t("report.download_pdf"), data=lambda: render_pdf(report, lang), file_name=f"{file_stem}.pdf",
    mime="application/pdf", key="rp_pdf", on_click="ignore", icon=":material/picture_as_pdf:",
)

st.markdown(f"#### {ui.t('report.tasks')}")
if report.tasks:
    col = {k: ui.t(f"report.col_{k}") for k in ("task", "status", "points", "completed", "hints", "deductions",
                                                "adjustment", "evidence")}
    rows = [{
        col["task"]: f"{line.code} {line.title_zh} — {line.title_en}",
        col["status"]: status_text(line, lang) + (f" ({ui.t('report.late')})" if line.late else ""),
        col["points"]: f"{fmt_points(line.points)} / {fmt_points(line.max_points)}",
        col["completed"]: fmt_time(line.completed_at),
        col["hints"]: line.hints,
        col["deductions"]: deductions_text(line, lang),
        col["adjustment"]: adjustment_text(line, lang),
        col["evidence"]: "; ".join(f"{k}: {v}" for k, v in line.evidence),
    } for line in report.tasks]
    st.dataframe(rows, hide_index=True, key="rp_tasks", column_config={
        col["task"]: st.column_config.TextColumn(width="large", pinned=True),  # whole titles; evidence scrolls
        col["completed"]: st.column_config.TextColumn(help=ui.t("report.times_utc8")),
        col["evidence"]: st.column_config.TextColumn(width="large"),
    })
else:
    st.info(ui.t("report.no_tasks"))

st.markdown(f"#### {ui.t('report.notes')}")
if report.notes:
    st.dataframe([{ui.t("report.col_time"): fmt_time(n.at), ui.t("report.col_by"): n.by,
                   ui.t("report.col_task"): n.task_code or "", ui.t("report.col_note"): note_text(n, lang)}
                  for n in report.notes], hide_index=True, key="rp_notes")
else:
    st.caption(ui.t("report.no_notes"))
st.markdown(f"#### {ui.t('report.activity')}")
if report.activity:
    st.dataframe([{ui.t("report.col_module"): module_name(mod, lang), ui.t("report.col_events"): n}
                  for mod, n in report.activity], hide_index=True, key="rp_activity", width=520)
else:
    st.caption(ui.t("report.no_events"))

# ----------------------------------------------------------------------------- replay

st.markdown(f"#### {ui.t('report.replay')}")
if not steps:
    st.info(ui.t("report.replay_empty"))
    st.stop()

n = len(steps)
owner = f"{class_id}:{student_id}"
if st.session_state.get("rp_owner") != owner:  # another student: start the replay again
    st.session_state["rp_owner"] = owner
    st.session_state["rp_slider"] = 1
st.session_state["rp_slider"] = min(max(int(st.session_state.get("rp_slider", 1)), 1), n)


def move(delta: int) -> None:
    st.session_state["rp_slider"] = min(max(int(st.session_state.get("rp_slider", 1)) + delta, 1), n)


b = st.columns([1, 1, 4])
b[0].button(ui.t("report.prev"), key="rp_prev", on_click=move, args=(-1,), icon=":material/skip_previous:",
            disabled=st.session_state["rp_slider"] <= 1)
b[1].button(ui.t("report.next"), key="rp_next", on_click=move, args=(1,), icon=":material/skip_next:",
            disabled=st.session_state["rp_slider"] >= n)
if n > 1:
    b[2].slider(ui.t("report.step"), min_value=1, max_value=n, key="rp_slider", label_visibility="collapsed")
i = int(st.session_state["rp_slider"])
step: EventStep = steps[i - 1]


def kind_text(kind: str) -> str:
    """The action in words with its event code after it (a kind without a message shows its code)."""
    key = f"report.event.{kind}"
    words = ui.t(key)
    return kind if words == key else f"{words} ({kind})"


def task_label(code: str) -> str:
    line = next((x for x in report.tasks if x.code == code), None)
    zh, en = (line.title_zh, line.title_en) if line else (step.title_zh, step.title_en)
    return f"{code} {zh} — {en}" if zh or en else code


with st.container(border=True, key="rp_step_box"):
    st.markdown(f"**{ui.t('report.step_of', i=i, n=n)}** · {ui.plain(fmt_time(step.at))}")
    details = [
        (ui.t("report.kind"), kind_text(step.kind)),
        (ui.t("report.col_module"), module_name(step.module, lang)),
        (ui.t("report.col_task"), task_label(step.task_code) if step.task_code else "—"),
        (ui.t("report.subject"), step.subject or "—"),
        (ui.t("report.details"), step.summary or "—"),
    ]
    colon = "：" if lang == "zh_CN" else ":"
    st.markdown("  \n".join(f"**{ui.plain(k)}{colon}** {ui.plain(v)}" for k, v in details))
    if step.completes:
        st.success(ui.t("report.completes", tasks=ui.plain(", ".join(task_label(c) for c in step.completes))),
                   icon=":material/check_circle:")
    elif step.task_code:
        st.info(ui.t("report.advances", task=ui.plain(task_label(step.task_code))), icon=":material/trending_up:")
    else:
        st.caption(ui.t("report.no_task"))


def timeline(steps: list[EventStep], current: int) -> go.Figure:
    """One dot per event, at its time, on the row of its task; the current step ringed."""
    none = ui.t("report.timeline_none")
    rows = [s.task_code or none for s in steps]
    order = list(dict.fromkeys(rows))
    fig = go.Figure()
    fig.add_trace(go.Scatter(
        x=[s.at.astimezone(TZ) for s in steps], y=rows, mode="markers", name=ui.t("report.events"),
        marker={"size": 8, "color": ["#2e7d32" if s.completes else "#5c6bc0" for s in steps]},
        text=[f"#{s.index} {kind_text(s.kind)}" for s in steps], hovertemplate="%{text}<br>%{x}<extra></extra>",
    ))
    cur = steps[current - 1]
    fig.add_trace(go.Scatter(
        x=[cur.at.astimezone(TZ)], y=[cur.task_code or none], mode="markers", showlegend=False,
        marker={"size": 18, "color": "rgba(0,0,0,0)", "line": {"width": 3, "color": "#e65100"}}, hoverinfo="skip",
    ))
    fig.update_layout(title=ui.t("report.timeline"), height=min(1200, max(260, 22 * len(order) + 120)), showlegend=False,
                      margin={"l": 10, "r": 10, "t": 40, "b": 10})
    fig.update_yaxes(categoryorder="array", categoryarray=order[::-1], type="category")
    return fig


st.plotly_chart(timeline(steps, i), key="rp_timeline")
