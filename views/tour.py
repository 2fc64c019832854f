"""Guided tour (引导教程): pick a chain and a part, then the chain's steps with ticks, "you are
here", why the current step matters, a link to where it is done, and the bots' turn."""

import logging

import streamlit as st

from sandbox import ui
from sandbox.actor import STUDENT
from sandbox.errors import DomainError
from sandbox.pages import TASK_PAGES
from sandbox.scenarios.model import TaskSet
from sandbox.teaching import learner

log = logging.getLogger(__name__)
PAGE_IDS = {path: pid for pid, path in TASK_PAGES.items()}
DID = "tour_bots_did"
INVITE_CODES = ("B2B005", "B2B007", "B2B006")  # the bot buyer does these only when a supplier invites it
CHANGING = "tour_changing"

actor = ui.require_role(STUDENT)
ui.show_flash()
st.title(ui.t("tour.heading"))
lang = ui.lang()


def class_tasks() -> TaskSet:
    """The tasks the student's class uses (its loaded packs over the shipped ones)."""
    with ui.uow().read() as s:
        return ui.class_scenarios(s, actor.class_id)


def both_titles(step: learner.TourStep) -> str:
    return f"{step.code} {step.title_zh} — {step.title_en}"


def part_label(chain_id: str, part: str) -> str:
    return learner.chains()[chain_id].part(part).label(lang)


with ui.uow().read() as s:
    choice = learner.my_choice(s, actor)
    personal = learner.is_personal(s, actor)
if not personal:
    st.caption(ui.t("tour.class_note"))

# ----------------------------------------------------------------------------- choose chain and part
if choice is None or st.session_state.get(CHANGING):
    st.write(ui.t("tour.choose_intro"))
    offered = [cid for cid in sorted(learner.chains()) if learner.offered_parts(cid)]
    chain_id = st.selectbox(ui.t("tour.chain"), offered, key="tour_chain",
                            format_func=lambda cid: f"{cid} · {learner.chains()[cid].title(lang)}")
    if chain_id:
        chain = learner.chains()[chain_id]
        st.caption(ui.plain(chain.description(lang)))
        parts = list(learner.offered_parts(chain_id))
        part = st.radio(ui.t("tour.part"), parts, key="tour_part",
                        format_func=lambda p: f"{chain.part(p).label_zh} {chain.part(p).label_en}",
                        captions=[ui.plain(chain.part(p).role(lang)) for p in parts])
        st.caption(ui.t("tour.not_offered"))
        if st.button(ui.t("tour.start"), type="primary", key="tour_start", icon=":material/flag:"):
            try:
                learner.choose_part(ui.uow(), actor, chain_id, part, request_id=ui.request_id("tour_choose"))
            except DomainError as err:
                ui.show_error(err)
            else:
                ui.form_done("tour_choose")
                st.session_state.pop(CHANGING, None)
                st.rerun()
    st.stop()

# ----------------------------------------------------------------------------- the tour
try:
    with ui.uow().read() as s:
        tour = learner.my_tour(s, actor, class_tasks())
except DomainError as err:
    ui.show_error(err)
    st.stop()

me = tour.chain.part(tour.part)
st.subheader(f"{tour.chain.id} · {ui.plain(tour.chain.title(lang))}")
head = st.columns([3, 1], vertical_alignment="center")
head[0].markdown(ui.t("tour.chosen", part=f"**{ui.plain(me.label(lang))}**", chain=tour.chain.id))
if head[1].button(ui.t("tour.change_part"), key="tour_change", icon=":material/swap_horiz:"):
    st.session_state[CHANGING] = True
    st.rerun()
st.progress(tour.mine_done / max(1, tour.mine_total), text=ui.t("tour.progress", done=tour.mine_done,
                                                                 total=tour.mine_total))
with st.expander(ui.t("tour.about"), icon=":material/info:"):
    st.write(ui.plain(tour.intro(lang)))

here = tour.current
with st.container(border=True, key="tour_here"):
    if here is None:
        st.success(ui.t("tour.all_done"), icon=":material/celebration:")
    else:
        st.caption(ui.t("tour.you_are_here") + f" · {here.index}/{len(tour.steps)}")
        st.markdown(f"### {ui.plain(both_titles(here))}")
        if here.mine:
            st.markdown(f":material/person: **{ui.t('tour.your_step')}** · {ui.t('tour.status_' + here.state)}")
        else:
            st.markdown(f":material/smart_toy: **{ui.t('tour.bot_step', part=ui.plain(part_label(tour.chain.id, here.part)))}**")
        st.markdown(f"**{ui.t('tour.why')}** — {ui.plain(here.why(lang))}")
        if here.mine and here.missing:
            st.caption(ui.t("tour.first_do", codes=", ".join(here.missing)))
        if here.mine and here.page and ui.page_registered(here.page):
            st.page_link(here.page, label=ui.t("tour.go", page=ui.t(f"page.{PAGE_IDS[here.page]}")),
                         icon=":material/arrow_forward:")
        elif here.mine:
            st.caption(ui.t("tour.no_page"))
        elif tour.part == "supplier" and here.code in INVITE_CODES:
            st.info(ui.t("tour.invite_buyer"), icon=":material/smart_toy:")
            supplier_page = TASK_PAGES["b2b_supplier"]
            if ui.page_registered(supplier_page):
                st.page_link(supplier_page, label=ui.t("tour.go", page=ui.t("page.b2b_supplier")),
                             icon=":material/arrow_forward:")
        else:
            st.info(ui.t("tour.waiting", part=ui.plain(part_label(tour.chain.id, here.part))), icon=":material/hourglass_top:")

bots = st.container(border=True, key="tour_bots")
bots.caption(ui.t("tour.bots_help"))
if tour.part == "supplier":
    bots.caption(ui.t("tour.supplier_hint"))
elif tour.part == "logistics":
    bots.caption(ui.t("tour.logistics_hint"))
if bots.button(ui.t("tour.bots_button"), key="tour_bots_go", icon=":material/smart_toy:"):
    try:
        with st.spinner(ui.t("tour.bots_button")):
            st.session_state[DID] = learner.bots_turn(ui.uow(), actor)
    except DomainError as err:
        ui.show_error(err)
    except Exception:  # a bot problem must not break the learner's page
        log.exception("bots failed to take their turn in class %s", actor.class_id)
        bots.warning(ui.t("tour.bots_failed"))
    else:
        st.rerun()
did = st.session_state.pop(DID, None)
if did is not None:
    if did:
        lines = []
        for label in did[:20]:
            key, params = learner.bot_action_message(label)
            lines.append("- " + ui.t(key, **{k: ui.plain(v) for k, v in params.items()}))
        bots.markdown(ui.t("tour.bots_did") + "\n\n" + "\n".join(lines))
    else:
        bots.info(ui.t("tour.bots_nothing"))

st.subheader(ui.t("tour.steps"))
rows = []
for step in tour.steps:
    icon = ":material/check_circle:" if step.done else (":material/person:" if step.mine else ":material/smart_toy:")
    who = ui.t("tour.your_step") if step.mine else ui.t("tour.bot_step", part=part_label(tour.chain.id, step.part))
    mark = f" **← {ui.t('tour.you_are_here')}**" if here is not None and step.index == here.index else ""
    status = ui.t("tour.status_" + step.state)
    text = f"{step.index}. {icon} `{step.code}` {ui.plain(step.title_zh)} — {ui.plain(step.title_en)} · {ui.plain(who)} · {status}{mark}"
    rows.append(text)
st.markdown("  \n".join(rows))
