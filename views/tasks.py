"""My tasks (我的任务): the catalog's modules and tasks, progress, and the next step to take."""

import streamlit as st

from sandbox import ui
from sandbox.actor import STUDENT
from sandbox.errors import DomainError
from sandbox.pages import TASK_PAGES
from sandbox.scenarios.model import catalog_by_code
from sandbox.scenarios.progress import BLOCKED, DONE, READY, my_progress

actor = ui.require_role(STUDENT)
lang = ui.lang()
st.title(ui.t("tasks.title"))
if actor.class_id is None:
    st.info(ui.t("home.no_class"))
    st.stop()

try:
    with ui.uow().read() as s:
        modules = my_progress(s, actor, ui.scenarios())
except DomainError as err:
    ui.show_error(err)
    st.stop()

catalog = catalog_by_code()
done = sum(m.done for m in modules)
available = sum(m.available for m in modules)
cols = st.columns(3)
cols[0].metric(ui.t("tasks.done"), f"{done} / {available}")
cols[1].metric(ui.t("tasks.points"), f"{sum(m.points for m in modules):g}")
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
            with st.popover(ui.t("tasks.hint"), icon=":material/lightbulb:"):
                st.write(task.hint(lang))
            if task.page in TASK_PAGES and ui.page_registered(TASK_PAGES[task.page]):
                st.page_link(TASK_PAGES[task.page], label=ui.t("tasks.go", page=ui.t(f"page.{task.page}")),
                             icon=":material/arrow_forward:")

with st.expander(ui.t("tasks.coming"), icon=":material/schedule:"):
    for module in modules:
        waiting = [s.catalog for s in module.tasks if s.task is None]
        if waiting:
            st.markdown(f"**{ui.t(f'module.{module.module}')}** — "
                        + ", ".join(f"{c.code} {c.title_zh}" for c in waiting))
