"""Assignments and teams (作业与小组), instructors only: set tasks or a chain with who plays each part,
dates, late rule and hint cost; form teams by hand or at random and give members their parts."""

from datetime import datetime, time, timedelta

import streamlit as st

from sandbox import ui
from sandbox.actor import INSTRUCTOR
from sandbox.errors import DomainError
from sandbox.identity import queries
from sandbox.teaching import assignments as assign
from sandbox.teaching import teams as team_services

actor = ui.require_role(INSTRUCTOR)
lang = ui.lang()
st.title(ui.t("page.assignments"))
st.caption(ui.t("assign.intro"))
ui.show_flash()


def shown(at: datetime | None) -> str:
    """Dates are typed and shown in China time (UTC+8), as on every other page."""
    return ui.when(at) or "—"


moment = ui.china_moment


class_id = ui.pick_class(actor, "as_class").id

try:
    with ui.uow().read() as s:
        tasks = ui.class_scenarios(s, class_id)
        chains = assign.class_chains(s, class_id)
        current = assign.assignments(s, actor, class_id)
except DomainError as err:
    ui.show_error(err)
    st.stop()


def task_label(code: str) -> str:
    task = tasks.tasks.get(code)
    return f"{code} {task.title_zh} — {task.title_en}" if task else code


PARTY_LABEL = {"student": "assign.party_student", "team": "assign.party_team", "bot": "assign.party_bot"}
# format_func labels are made now, in the session's language (AppTest calls them again outside the run)
PARTY_TEXT = {v: ui.t(k) for v, k in PARTY_LABEL.items()}
KIND_TEXT = {k: ui.t(f"assign.kind_{k}") for k in assign.KINDS}

def load_edit(views: dict[int, assign.AssignmentView]) -> None:
    """Fill the change form with the picked assignment's values (on picking it)."""
    a = views.get(st.session_state.get("as_edit_pick"))
    if a is None:
        return
    for name, at in (("opens", a.opens_at), ("due", a.due_at)):
        local = at.astimezone(ui.CHINA) if at else None
        st.session_state[f"as_edit_{name}_d"] = local.date() if local else None
        st.session_state[f"as_edit_{name}_t"] = local.time().replace(second=0, microsecond=0) if local else None
    st.session_state["as_edit_title"] = a.title
    if a.kind == "chain":
        for part, party in a.parties.items():
            st.session_state[f"as_edit_party_{part}"] = party
    else:  # a code whose pack was unloaded since is no longer offered
        st.session_state["as_edit_tasks"] = [c for c in a.task_codes if c in tasks.tasks]
    st.session_state["as_edit_late_counts"] = a.late_counts
    st.session_state["as_edit_penalty"] = a.late_penalty_pct
    st.session_state["as_edit_hint_cost"] = float(a.hint_cost)
    st.session_state["as_edit_loaded"] = a.id


def edit_assignment(current: list[assign.AssignmentView]) -> None:
    """Change an assignment's title, its tasks (or who plays each part of its chain), dates and rules."""
    views = {a.id: a for a in current}
    if st.session_state.get("as_edit_pick") not in views:
        st.session_state["as_edit_pick"] = current[0].id
    pick = st.selectbox(ui.t("assign.edit_pick"), list(views), format_func=lambda i: views[i].title,
                        key="as_edit_pick", on_change=load_edit, args=(views,))
    if st.session_state.get("as_edit_loaded") != pick or "as_edit_title" not in st.session_state:
        load_edit(views)
    with st.form("as_edit_form"):
        title = st.text_input(ui.t("field.assign.title"), max_chars=100, key="as_edit_title")
        a = views[pick]
        chain = chains.get(a.chain_id or "")
        picked: list[str] = []
        parties: dict[str, str] = dict(a.parties)  # as they are, for a chain no longer loaded
        if a.kind != "chain":
            picked = st.multiselect(ui.t("assign.pick_tasks"), list(tasks.tasks), format_func=task_label,
                                    key="as_edit_tasks", placeholder=ui.t("assign.pick_tasks_placeholder"))
        elif chain is not None:
            for part in chain.parts:
                parties[part.id] = st.selectbox(
                    ui.t("assign.party_of", part=f"{part.label_zh} {part.label_en} ({part.id})"),
                    assign.PARTIES, format_func=PARTY_TEXT.get, key=f"as_edit_party_{part.id}",
                )
        dates = st.columns(4)
        opens_d = dates[0].date_input(ui.t("assign.opens_date"), key="as_edit_opens_d")
        opens_t = dates[1].time_input(ui.t("assign.opens_time"), key="as_edit_opens_t")
        due_d = dates[2].date_input(ui.t("assign.due_date"), key="as_edit_due_d")
        due_t = dates[3].time_input(ui.t("assign.due_time"), key="as_edit_due_t")
        rules = st.columns(3, vertical_alignment="bottom")
        late_counts = rules[0].checkbox(ui.t("assign.late_counts"), key="as_edit_late_counts")
        penalty = rules[1].number_input(ui.t("assign.late_penalty"), min_value=0, max_value=100, step=5,
                                        key="as_edit_penalty")
        hint_cost = rules[2].number_input(ui.t("assign.hint_cost"), min_value=0.0, step=0.5, format="%.1f",
                                          key="as_edit_hint_cost")
        save = st.form_submit_button(ui.t("assign.save"), type="primary", icon=":material/save:")
    if save:
        try:
            assign.update_assignment(
                ui.uow(), actor, a.id, title=title, kind=a.kind, task_codes=picked if a.kind != "chain" else None,
                chain_id=a.chain_id, parties=parties if a.kind == "chain" else None, opens_at=moment(opens_d, opens_t),
                due_at=moment(due_d, due_t), late_counts=late_counts, late_penalty_pct=int(penalty),
                hint_cost=float(hint_cost), request_id=ui.request_id("as_edit"), tasks=ui.scenarios(),
            )
        except DomainError as err:
            ui.show_error(err)
        else:
            ui.form_done("as_edit")
            st.session_state.pop("as_edit_loaded", None)
            ui.flash("assign.saved", title=title.strip())
            st.rerun()


assignments_tab, teams_tab = st.tabs(
    [ui.t("assign.tab_assignments"), ui.t("assign.tab_teams")], key="as_tabs", on_change="rerun",
)

# ----------------------------------------------------------------------------- assignments

if assignments_tab.open:
    with assignments_tab:
        if not current:
            st.info(ui.t("assign.none"))
        else:
            rows = []
            for a in current:
                if a.kind == "chain":
                    what = ui.t("assign.chain_label", chain=a.chain_id, count=len(a.task_codes))
                else:
                    what = ", ".join(a.task_codes)
                parties = ", ".join(f"{p}: {ui.t(f'assign.party_short_{v}')}" for p, v in a.parties.items()
                                    if p != assign.SELF)
                rows.append({  # the status right after the title: the columns after Tasks may scroll away
                    ui.t("assign.col_title"): a.title,
                    ui.t("assign.col_status"): ui.t(f"assign.status.{a.status()}"),
                    ui.t("assign.col_what"): what,
                    ui.t("assign.col_parties"): parties or ui.t("assign.party_student"),
                    ui.t("assign.col_opens"): shown(a.opens_at),
                    ui.t("assign.col_due"): shown(a.due_at),
                    ui.t("assign.col_late"): ui.t("assign.late_pct", pct=a.late_penalty_pct) if a.late_counts
                    else ui.t("assign.late_no"),
                    ui.t("assign.col_hint"): f"{a.hint_cost:g}" if a.hint_cost else ui.t("assign.free"),
                })
            st.dataframe(rows, hide_index=True, key="as_table")
            titles = {a.id: a.title for a in current}
            with st.form("as_delete_form"):
                cols = st.columns([3, 1], vertical_alignment="bottom")
                victim = cols[0].selectbox(ui.t("assign.withdraw_pick"), list(titles), format_func=titles.get,
                                           key="as_delete_pick")
                withdraw = cols[1].form_submit_button(ui.t("assign.delete"), icon=":material/delete:")
            if withdraw and victim is not None:
                try:
                    assign.delete_assignment(ui.uow(), actor, victim, request_id=ui.request_id("as_delete"))
                except DomainError as err:
                    ui.show_error(err)
                else:
                    ui.form_done("as_delete")
                    ui.flash("assign.deleted", title=titles[victim])
                    st.rerun()

            with st.expander(ui.t("assign.edit"), icon=":material/edit_calendar:"):
                edit_assignment(current)

        with st.expander(ui.t("assign.new"), expanded=not current, icon=":material/add:"):
            kind = st.radio(ui.t("field.assign.kind"), assign.KINDS, horizontal=True, key="as_kind",
                            format_func=KIND_TEXT.get)
            chain = None
            if kind == "chain" and chains:
                chain_id = st.selectbox(ui.t("assign.pick_chain"), sorted(chains), key="as_chain",
                                        format_func=lambda c: f"{c} — {chains[c].title_zh} / {chains[c].title_en}")
                chain = chains[chain_id]
                st.caption(chain.description(lang))
            now_local = ui.china_now().replace(minute=0, second=0, microsecond=0)
            st.session_state.setdefault("as_opens_d", now_local.date())
            st.session_state.setdefault("as_opens_t", now_local.time())
            st.session_state.setdefault("as_due_d", now_local.date() + timedelta(days=7))
            st.session_state.setdefault("as_due_t", time(23, 59))
            with st.form("as_form"):
                title = st.text_input(ui.t("field.assign.title"), max_chars=100, key="as_title")
                picked: list[str] = []
                parties: dict[str, str] = {}
                if chain is None:
                    picked = st.multiselect(ui.t("assign.pick_tasks"), list(tasks.tasks), format_func=task_label,
                                            key="as_tasks", placeholder=ui.t("assign.pick_tasks_placeholder"))
                else:
                    for part in chain.parts:
                        parties[part.id] = st.selectbox(
                            ui.t("assign.party_of", part=f"{part.label_zh} {part.label_en} ({part.id})"),
                            assign.PARTIES, format_func=PARTY_TEXT.get,
                            key=f"as_party_{chain.id}_{part.id}", help=part.role(lang),
                        )
                dates = st.columns(4)
                opens_d = dates[0].date_input(ui.t("assign.opens_date"), key="as_opens_d")
                opens_t = dates[1].time_input(ui.t("assign.opens_time"), key="as_opens_t")
                due_d = dates[2].date_input(ui.t("assign.due_date"), key="as_due_d")
                due_t = dates[3].time_input(ui.t("assign.due_time"), key="as_due_t")
                rules = st.columns(3, vertical_alignment="bottom")
                late_counts = rules[0].checkbox(ui.t("assign.late_counts"), value=True, key="as_late_counts",
                                                help=ui.t("assign.late_help"))
                penalty = rules[1].number_input(ui.t("assign.late_penalty"), min_value=0, max_value=100, value=10,
                                                step=5, key="as_penalty")
                hint_cost = rules[2].number_input(ui.t("assign.hint_cost"), min_value=0.0, value=0.0, step=0.5,
                                                  format="%.1f", key="as_hint_cost", help=ui.t("assign.hint_help"))
                create = st.form_submit_button(ui.t("assign.create"), type="primary", icon=":material/assignment_add:")
            if create:
                try:
                    assign.create_assignment(
                        ui.uow(), actor, class_id, title=title, kind=kind, task_codes=picked,
                        chain_id=chain.id if chain else None, parties=parties,
                        opens_at=moment(opens_d, opens_t), due_at=moment(due_d, due_t),
                        late_counts=late_counts, late_penalty_pct=int(penalty), hint_cost=float(hint_cost),
                        request_id=ui.request_id("as_form"), tasks=ui.scenarios(),
                    )
                except DomainError as err:
                    ui.show_error(err)
                else:
                    ui.form_done("as_form")
                    for key in ("as_title", "as_tasks"):
                        st.session_state.pop(key, None)
                    ui.flash("assign.created", title=title.strip())
                    st.rerun()

# ----------------------------------------------------------------------------- teams

if teams_tab.open:
    with teams_tab:
        try:
            with ui.uow().read() as s:
                formed = team_services.teams(s, actor, class_id)
                free = team_services.students_without_team(s, actor, class_id)
                roster = {r.user_id: r for r in queries.roster(s, actor, class_id)}
                parts = team_services.known_parts(s, class_id)
        except DomainError as err:
            ui.show_error(err)
            st.stop()

        def person(uid: int) -> str:
            r = roster.get(uid)
            return f"{r.student_number or ''} {r.full_name} ({r.username})".strip() if r else str(uid)

        part_names: dict[str, str] = {}
        for ch in chains.values():
            for p in ch.parts:
                part_names.setdefault(p.id, f"{p.label_zh} {p.label_en}")

        no_part, part_none = ui.t("assign.no_part"), ui.t("assign.part_none")

        def part_label(pid: str | None) -> str:
            return f"{part_names.get(pid, pid)} ({pid})" if pid else no_part

        if not formed:
            st.info(ui.t("assign.no_teams"))
        else:
            st.dataframe(
                [{ui.t("assign.team_col"): team.name, ui.t("assign.member_col"): person(m.user_id),
                  ui.t("assign.part_col"): part_label(m.part)}
                 for team in formed for m in team.members],
                hide_index=True, key="as_teams_table",
            )
        st.caption(ui.t("assign.free_students", count=len(free)))

        left, right = st.columns(2)
        with left, st.form("as_team_form"):
            st.markdown(f"**{ui.t('assign.new_team')}**")
            team_name = st.text_input(ui.t("assign.team_name"), max_chars=50, key="as_team_name")
            members = st.multiselect(ui.t("assign.team_members"), free, format_func=person, key="as_team_members",
                                     max_selections=team_services.MAX_SIZE,
                                     placeholder=ui.t("assign.team_members_placeholder"))
            form_team = st.form_submit_button(ui.t("assign.create_team"), type="primary", icon=":material/group_add:")
        if form_team:
            try:
                team_services.create_team(ui.uow(), actor, class_id, team_name, members,
                                          request_id=ui.request_id("as_team"))
            except DomainError as err:
                with left:
                    ui.show_error(err)
            else:
                ui.form_done("as_team")
                for key in ("as_team_name", "as_team_members"):
                    st.session_state.pop(key, None)
                ui.flash("assign.team_created", name=team_name.strip())
                st.rerun()

        with right, st.form("as_random_form"):
            st.markdown(f"**{ui.t('assign.random')}**")
            st.caption(ui.t("assign.random_help"))
            size = st.number_input(ui.t("assign.team_size"), min_value=team_services.MIN_SIZE,
                                   max_value=team_services.MAX_SIZE, value=3, step=1, key="as_team_size")
            make = st.form_submit_button(ui.t("assign.make_random"), icon=":material/shuffle:")
        if make:
            try:
                made = team_services.random_teams(ui.uow(), actor, class_id, int(size),
                                                  request_id=ui.request_id("as_random"))
            except DomainError as err:
                with right:
                    ui.show_error(err)
            else:
                ui.form_done("as_random")
                ui.flash("assign.random_made", count=len(made))
                st.rerun()

        if formed:
            left, right = st.columns(2)
            seats = {m.user_id: (team.name, m) for team in formed for m in team.members}
            with left, st.form("as_part_form"):
                st.markdown(f"**{ui.t('assign.give_part')}**")
                who = st.selectbox(ui.t("assign.member"), list(seats), key="as_part_member",
                                   format_func=lambda u: f"{seats[u][0]} · {person(u)} — {part_label(seats[u][1].part)}")
                part = st.selectbox(ui.t("assign.part"), ["", *parts], key="as_part_value",
                                    format_func=lambda p: part_label(p) if p else part_none)
                save = st.form_submit_button(ui.t("assign.set_part"), icon=":material/badge:")
            if save and who is not None:
                try:
                    team_services.set_part(ui.uow(), actor, class_id, who, part or None,
                                           request_id=ui.request_id("as_part"))
                except DomainError as err:
                    with left:
                        ui.show_error(err)
                else:
                    ui.form_done("as_part")
                    ui.flash("assign.part_set")
                    st.rerun()

            names = {team.id: team.name for team in formed}
            with right, st.form("as_remove_form"):
                st.markdown(f"**{ui.t('assign.remove_team')}**")
                gone = st.selectbox(ui.t("assign.team_col"), list(names), format_func=names.get, key="as_remove_pick")
                remove = st.form_submit_button(ui.t("assign.remove"), icon=":material/group_remove:")
            if remove and gone is not None:
                try:
                    team_services.remove_team(ui.uow(), actor, class_id, gone, request_id=ui.request_id("as_remove"))
                except DomainError as err:
                    with right:
                        ui.show_error(err)
                else:
                    ui.form_done("as_remove")
                    ui.flash("assign.team_removed", name=names[gone])
                    st.rerun()
