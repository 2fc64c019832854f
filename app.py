"""Router only: page config, the current actor, and the pages that actor may see.

Every view guards itself too (``sandbox.ui.require_role``): the menu is convenience, not security.
"""

import pandas  # noqa: F401  (imported before any page: plotly imports it lazily, and two sessions' first
import plotly.graph_objects  # noqa: F401  chart at once met a half-initialised pandas — AttributeError)
import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.config import learners_per_hour
from sandbox.pages import TASK_PAGE_MENU, TASK_PAGES

st.set_page_config(page_title="E-commerce Sandbox · 电子商务实验室", page_icon=":material/storefront:", layout="wide")


registered: list[str] = []


def page(path: str, title_key: str, icon: str, url: str, default: bool = False) -> st.Page:
    registered.append(path)
    return st.Page(path, title=ui.t(title_key), icon=icon, url_path=url, default=default)


actor = ui.current_actor()
if ui.setup_needed():
    pages = [page("views/setup.py", "page.setup", ":material/rocket_launch:", "setup", default=True)]
elif actor is None:
    pages = [
        page("views/login.py", "page.login", ":material/login:", "login", default=True),
        page("views/register.py", "page.register", ":material/how_to_reg:", "register"),
    ]
    if learners_per_hour() > 0:  # self-learner mode can be turned off (SANDBOX_LEARNERS_PER_HOUR=0)
        pages.append(page("views/learner.py", "page.learner", ":material/explore:", "learn"))
elif actor.must_change_password:
    pages = [page("views/account.py", "page.account", ":material/manage_accounts:", "account", default=True)]
elif actor.role == INSTRUCTOR:
    pages = {
        ui.t("nav.teaching"): [
            page("views/home.py", "page.home", ":material/home:", "home", default=True),
            page("views/classes.py", "page.classes", ":material/groups:", "classes"),
            page("views/scenarios.py", "page.scenarios", ":material/library_books:", "scenarios"),
            page("views/assignments.py", "page.assignments", ":material/assignment:", "assignments"),
            page("views/board.py", "page.board", ":material/monitoring:", "board"),
            page("views/gradebook.py", "page.gradebook", ":material/grading:", "gradebook"),
            page("views/report.py", "page.report", ":material/description:", "report"),
            page("views/interventions.py", "page.interventions", ":material/support_agent:", "interventions"),
            page("views/ca_officer.py", "ca.officer_title", ":material/admin_panel_settings:", "ca-officer"),
            page("views/bank_officer.py", "page.bank_officer", ":material/badge:", "bank-officer"),
            page("views/instructors.py", "page.instructors", ":material/badge:", "instructors"),
        ],
        ui.t("nav.me"): [page("views/account.py", "page.account", ":material/manage_accounts:", "account")],
    }
else:
    pages = {
        ui.t("nav.study"): [
            page("views/home.py", "page.home", ":material/home:", "home", default=True),
            page("views/tasks.py", "page.tasks", ":material/checklist:", "tasks"),
            page("views/tour.py", "page.tour", ":material/tour:", "tour"),
            page("views/report.py", "page.my_report", ":material/description:", "report"),
        ],
        ui.t("nav.modules"): [
            page(path, f"page.{pid}", TASK_PAGE_MENU[pid][0], TASK_PAGE_MENU[pid][1]) for pid, path in TASK_PAGES.items()
        ],
        ui.t("nav.me"): [page("views/account.py", "page.account", ":material/manage_accounts:", "account")],
    }

ui.register_pages(registered)

with st.sidebar:
    ui.language_switch()
    if actor is not None:
        st.caption(ui.t("nav.signed_in_as", name=ui.plain(actor.full_name), username=ui.plain(actor.username)))
        if st.button(ui.t("nav.logout"), key="nav_logout", icon=":material/logout:"):
            ui.sign_out()
            st.rerun()
    ui.cookie_script()

nav = st.navigation(pages, position="sidebar")
go_to = st.session_state.pop("go_to_page", None)  # a page asked to continue on another (views/learner.py)
if go_to in registered:
    st.switch_page(go_to)
nav.run()
ui.freeze_startup_objects()
