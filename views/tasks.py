"""My tasks (我的任务): my assignments (due dates, rules, scores, paid hints), the instructor's notes,
then the catalog's modules and tasks, progress, and the next step to take."""

from datetime import datetime

import streamlit as st

from sandbox import ui
from sandbox.actor import STUDENT
from sandbox.errors import DomainError
from sandbox.pages import TASK_PAGES
from sandbox.scenarios.model import catalog_by_code
from sandbox.scenarios.progress import BLOCKED, DONE, READY, my_progress
from sandbox.teaching import assignments as assign
from sandbox.teaching.scores import notes_for

actor = ui.require_role(STUDENT)
lang = ui.lang()
st.title(ui.t("tasks.title"))
if actor.class_id is None:
    st.info(ui.t("home.no_class"))
    st.stop()

try:
    with ui.uow().read() as s:
        class_tasks = ui.class_scenarios(s, actor.class_id)
        mine = assign.my_assignments(s, actor, class_tasks)
        notes = notes_for(s, actor.class_id, actor.user_id)
        opened = assign.hints_opened(s, actor)
        modules = my_progress(s, actor, class_tasks)
        part_names = {c.id: {p.id: f"{p.label_zh} {p.label_en}" for p in c.parts}
                      for c in assign.class_chains(s, actor.class_id).values()}
except DomainError as err:
    ui.show_error(err)
    st.stop()

def shown(at: datetime | None) -> str:
    return ui.when(at) or "—"  # China time (UTC+8), as on every page


def hint_button(item: assign.MyAssignment, task: assign.MyTask) -> None:
    """A paid hint: shown once paid for; else a button that records the view (its cost), then shows it."""
    a = item.assignment
    cost = f"{a.hint_cost:g}"
    if task.score.hints:
        st.info(task.task.hint(lang), icon=":material/lightbulb:")
        st.caption(ui.t("assign.my.hint_paid", cost=cost))
        return
    form = f"hint_{a.id}_{task.task.code}"
    if st.button(ui.t("assign.my.show_hint", cost=cost), key=form, icon=":material/lightbulb:"):
        try:
            assign.view_hint(ui.uow(), actor, a.id, task.task.code, request_id=ui.request_id(form))
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(form)
            st.rerun()


def free_hint(text: str, opened: bool, form: str, record) -> None:
    """A free hint: shown once opened; else a button that records the view (no cost: the lab
    report counts it), then shows it in this run."""
    if opened:
        st.info(text, icon=":material/lightbulb:")
        return
    slot = st.empty()  # the button, replaced in place by the hint once opened
    if slot.button(ui.t("tasks.show_hint"), key=form, icon=":material/lightbulb:"):
        try:
            record(request_id=ui.request_id(form))
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done(form)
            slot.info(text, icon=":material/lightbulb:")


def show_assignment(item: assign.MyAssignment) -> None:
    a = item.assignment
    with st.container(border=True, key=f"my_assignment_{a.id}"):
        st.markdown(f"**{ui.plain(a.title)}** · {ui.t(f'assign.status.{item.status}')}")
        facts = [ui.t("assign.my.due", due=shown(a.due_at)) if a.due_at else ui.t("assign.my.no_due")]
        if a.opens_at and item.status == assign.NOT_OPEN:
            facts.append(ui.t("assign.my.opens", opens=shown(a.opens_at)))
        facts.append(ui.t("assign.my.late_no") if not a.late_counts else
                     ui.t("assign.my.late_pct", pct=a.late_penalty_pct) if a.late_penalty_pct else
                     ui.t("assign.my.late_free"))
        facts.append(ui.t("assign.my.hint_cost", cost=f"{a.hint_cost:g}") if a.hint_cost else
                     ui.t("assign.my.hint_free"))
        if item.parts:
            names = part_names.get(a.chain_id or "", {})
            facts.append(ui.t("assign.my.you_play", parts=", ".join(names.get(p, p) for p in item.parts)))
        if item.team:
            facts.append(ui.t("assign.my.team", team=ui.plain(item.team)))
        st.caption(" · ".join(f.rstrip(".。") for f in facts))
        if not item.tasks:
            st.warning(ui.t("assign.my.no_tasks"), icon=":material/group:")
            return
        st.markdown(ui.t("assign.my.score", points=f"{item.points:g}", max=f"{item.max_points:g}"))
        rows = []
        for task in item.tasks:
            sc = task.score
            cuts = []
            if sc.late_deduction:
                cuts.append(ui.t("assign.my.late", points=f"{sc.late_deduction:g}"))
            if sc.hint_deduction:
                cuts.append(ui.t("assign.my.hints", points=f"{sc.hint_deduction:g}"))
            rows.append({
                ui.t("assign.my.col_task"): f"{task.task.code} {task.task.title_zh} — {task.task.title_en}",
                ui.t("assign.my.col_status"): ui.t("assign.my.passed") if sc.passed else ui.t("assign.my.todo"),
                ui.t("assign.my.col_points"): f"{sc.points:g} / {task.task.points:g}",
                ui.t("assign.my.col_deductions"): ", ".join(cuts),
            })
        st.dataframe(rows, hide_index=True, key=f"my_assignment_table_{a.id}")
        if item.status == assign.NOT_OPEN:
            return
        by_code = {t.task.code: t for t in item.tasks}
        code = st.selectbox(ui.t("assign.my.hints_title"), list(by_code), key=f"my_hint_pick_{a.id}",
                            format_func=lambda c: f"{c} {by_code[c].task.title_zh} — {by_code[c].task.title_en}")
        chosen = by_code[code]
        if a.hint_cost:
            hint_button(item, chosen)
        else:
            free_hint(chosen.task.hint(lang), chosen.score.hints > 0, f"hint_{a.id}_{code}",
                      lambda request_id: assign.view_hint(ui.uow(), actor, a.id, code, request_id=request_id))


st.subheader(ui.t("assign.my.title"))
if not mine:
    st.caption(ui.t("assign.my.none"))
for item in mine:
    show_assignment(item)

if notes:
    with st.container(border=True, key="my_notes"):
        st.markdown(f"**{ui.t('assign.my.notes')}**")
        lines = []
        for note in notes:
            what = (ui.t("assign.my.note_adjusted", points=f"{float(note.data.get('points', 0)):g}")
                    if note.kind == "grade.adjusted" else ui.t("assign.my.note_other"))
            lines.append("- " + ui.t("assign.my.note_line", at=shown(note.at), what=what,
                                     task=f" · {note.task_code}" if note.task_code else "", note=ui.plain(note.note)))
        st.markdown("\n".join(lines))

# a hint that costs points in an assignment is not handed out for free in the catalog below
paid = {code: item for code, item in assign.paid_hint_codes(mine).items()
        if not any(t.task.code == code and t.score.hints for t in item.tasks)}

catalog = catalog_by_code()
done = sum(m.done for m in modules)
available = sum(m.available for m in modules)
cols = st.columns(3)
cols[0].metric(ui.t("tasks.done"), f"{done} / {available}")
# what each task earned, with the instructor's adjustments (the latest per task) in place of it
earned = {t.task.code: t.result.points for m in modules for t in m.tasks if t.task is not None and t.result is not None}
earned.update({n.task_code: float(n.data.get("points", 0)) for n in notes if n.kind == "grade.adjusted" and n.task_code})
cols[1].metric(ui.t("tasks.points"), f"{sum(earned.values()):g}")
cols[2].metric(ui.t("tasks.catalog"), sum(m.total for m in modules))

# Material icons (bundled with Streamlit), not emoji: a browser without an emoji font shows
# emoji such as ✅ as empty boxes.
ICON = {DONE: ":green[:material/check_circle:]", READY: ":blue[:material/play_circle:]", BLOCKED: ":gray[:material/lock:]"}


def missing_text(codes: tuple[str, ...]) -> str:
    parts = []
    for item in codes:
        names = [f"{c} {catalog[c].title(lang)}" if c in catalog else c for c in item.split("|")]
        parts.append((ui.t("tasks.one_of") + " " if len(names) > 1 else "") + " / ".join(names))
    return "; ".join(parts)


for module in modules:
    if module.available == 0:
        continue
    st.subheader(ui.t(f"module.{module.module}"))
    st.progress(module.done / module.total, text=ui.t("tasks.module_progress", done=module.done, total=module.total,
                                                       available=module.available))
    nxt = module.next_task
    for status in module.tasks:
        task = status.task
        if task is None:
            continue
        label = f"{ICON[status.state]} {task.code} {task.title_zh} — {task.title_en}"
        with st.expander(label, expanded=status is nxt):
            if status.state == DONE:
                st.success(ui.t("tasks.passed", points=f"{status.result.points:g}"), icon=":material/check_circle:")
            elif status.state == BLOCKED:
                st.warning(ui.t("tasks.missing", missing=missing_text(status.missing)), icon=":material/lock:")
            else:
                st.info(ui.t("tasks.ready"), icon=":material/play_arrow:")
            st.markdown("\n".join(f"{i}. {step}" for i, step in enumerate(task.steps(lang), start=1)))
            if task.code in paid:
                st.caption(ui.t("assign.my.hint_in", cost=f"{paid[task.code].assignment.hint_cost:g}",
                                title=ui.plain(paid[task.code].assignment.title)))
            else:
                free_hint(task.hint(lang), task.code in opened, f"free_hint_{task.code}",
                          lambda request_id, code=task.code: assign.view_free_hint(ui.uow(), actor, code,
                                                                                   request_id=request_id))
            if task.page in TASK_PAGES and ui.page_registered(TASK_PAGES[task.page]):
                st.page_link(TASK_PAGES[task.page], label=ui.t("tasks.go", page=ui.t(f"page.{task.page}")),
                             icon=":material/arrow_forward:")

with st.expander(ui.t("tasks.coming"), icon=":material/schedule:"):
    for module in modules:
        waiting = [s.catalog for s in module.tasks if s.task is None]
        if waiting:
            st.markdown(f"**{ui.t(f'module.{module.module}')}** — "
                        + ", ".join(f"{c.code} {c.title_zh}" for c in waiting))
