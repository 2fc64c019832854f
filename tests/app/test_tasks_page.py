"""My tasks (views/tasks.py) under AppTest: the catalog's modules with the EMAIL tasks (codes,
Chinese and English titles), the progress bar, the next task opened with its steps, hint and
link, blocked tasks naming what is missing, ticks from the database (services and bot runs),
and the refusal of everyone who is not a student. Also the sidebar tracker of the mailbox page.

The page is reached through ``app.py`` (``switch_page``): its links point at other pages, which
Streamlit only resolves once the router's ``st.navigation`` has registered them.
"""

from __future__ import annotations

import pytest
from streamlit.testing.v1 import AppTest

from sandbox.actor import Actor
from sandbox.bots import BotWorld
from sandbox.email import services as email
from sandbox.scenarios.loader import ScenarioLibrary
from sandbox.scenarios.model import TaskSet
from sandbox.scenarios.runs import run_golden
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import en, new_app, rendered, run, successes, titles, warnings, zh

EMAIL_CODES = ["EMAIL001", "EMAIL002", "EMAIL003", "EMAIL004", "EMAIL006", "EMAIL007"]
MAILPW = "mail-secret-1"
#: the state marks of the task labels and of the tracker (Material icons: no emoji font needed)
DONE, READY, BLOCKED = ":green[:material/check_circle:]", ":blue[:material/play_circle:]", ":gray[:material/lock:]"
TODO = ":gray[:material/radio_button_unchecked:]"


@pytest.fixture(scope="module")
def tasks() -> TaskSet:
    return ScenarioLibrary().tasks


@pytest.fixture
def world(app_db: UnitOfWork):
    teacher = factories.instructor(app_db)
    room = factories.classroom(app_db, teacher)
    ann = factories.student(app_db, room, "ann", "Ann Li")
    return {"uow": app_db, "teacher": teacher, "room": room, "ann": ann}


def tasks_page(actor: Actor, lang: str | None = None) -> AppTest:
    at = new_app(actor=actor)
    if lang:
        at.session_state["lang"] = lang
    run(at)
    at.switch_page("views/tasks.py")
    return run(at)


def email_expanders(at: AppTest) -> dict[str, object]:
    """The expander of each EMAIL task, by code (label: state mark, code, Chinese — English)."""
    out = {}
    for exp in at.expander:
        parts = exp.label.split()
        if len(parts) > 1 and parts[1] in EMAIL_CODES:
            out[parts[1]] = exp
    return out


def tracker(at: AppTest) -> list[str]:
    """The lines of the sidebar tracker of the EMAIL tasks."""
    head = f"**{en('tasks.tracker', module='EMAIL')}** · "
    (box,) = [m.value for m in at.sidebar.markdown if m.value.startswith(head)]
    return box.split("  \n")


def expanded(at: AppTest) -> list[str]:
    return [code for code, exp in email_expanders(at).items() if exp.proto.expanded]


def email_progress(at: AppTest, lang: str = "en") -> str:
    """The text of the EMAIL module's progress bar (one bar under each module's subheader)."""
    mine = (en if lang == "en" else zh)("assign.my.title")  # the assignments' heading has no progress bar
    heads = [h.value for h in at.subheader if h.value != mine]
    by_module = dict(zip(heads, [p.proto.text for p in at.get("progress")], strict=True))
    return by_module[(zh if lang == "zh_CN" else en)("module.EMAIL")]


def metrics(at: AppTest) -> dict[str, str]:
    return {m.label: m.value for m in at.metric}


def test_a_new_student_sees_the_email_tasks_and_is_walked_to_the_first(world, tasks: TaskSet) -> None:
    at = tasks_page(world["ann"])

    assert titles(at) == [en("tasks.title")]
    assert email_progress(at) == en("tasks.module_progress", done=0, total=6, available=6)
    assert metrics(at)[en("tasks.done")] == f"0 / {len(tasks.tasks)}"  # every module the sandbox offers
    assert metrics(at)[en("tasks.catalog")] == "178"

    exps = email_expanders(at)
    assert list(exps) == EMAIL_CODES
    for code, exp in exps.items():
        task = tasks.tasks[code]
        assert exp.label == f"{READY if code == 'EMAIL001' else BLOCKED} {code} {task.title_zh} — {task.title_en}"
    assert exps["EMAIL001"].label.endswith("EMAIL001 申请电子邮件 — Apply for an e-mail account")

    # the next task is open: ready, its numbered steps, the hint and the way to the mailbox page
    assert expanded(at) == ["EMAIL001"]
    first = exps["EMAIL001"]
    assert [i.value for i in first.info] == [en("tasks.ready")]
    texts = [m.value for m in first.markdown]
    steps = "\n".join(f"{i}. {s}" for i, s in enumerate(tasks.tasks["EMAIL001"].steps_en, start=1))
    assert steps in texts
    (link,) = first.get("page_link")
    assert (link.proto.label, link.proto.page) == (en("tasks.go", page=en("page.mailbox")), "mailbox")


def test_a_free_hint_opens_on_a_click_and_is_recorded_once(world, tasks: TaskSet) -> None:
    from sandbox.events import Event
    from tests.app.helpers import count

    uow, hint = world["uow"], tasks.tasks["EMAIL001"].hint_en
    at = tasks_page(world["ann"])
    first = email_expanders(at)["EMAIL001"]
    assert hint not in [m.value for m in first.markdown] + [i.value for i in first.info]
    button = at.button(key="free_hint_EMAIL001")
    assert button.label == en("tasks.show_hint")
    button.click()
    run(at)
    assert hint in [i.value for i in email_expanders(at)["EMAIL001"].info]
    assert count(uow, Event, Event.kind == "hint.viewed", Event.task_code == "EMAIL001") == 1
    # opened for good: shown on every later visit, no button, nothing more recorded
    at = tasks_page(world["ann"])
    assert hint in [i.value for i in email_expanders(at)["EMAIL001"].info]
    assert "free_hint_EMAIL001" not in [b.key for b in at.button]
    assert count(uow, Event, Event.kind == "hint.viewed") == 1
    # Bob's page still has the button: a hint opened is Ann's alone
    bob = factories.student(uow, world["room"], "bob", "Bob Wang")
    assert "free_hint_EMAIL001" in [b.key for b in tasks_page(bob).button]


def test_blocked_tasks_name_the_missing_prerequisites(world) -> None:
    at = tasks_page(world["ann"])
    exps = email_expanders(at)

    assert [w.value for w in exps["EMAIL003"].warning] == [
        en("tasks.missing", missing="EMAIL001 Apply for an e-mail account")
    ]
    (reply_warning,) = [w.value for w in exps["EMAIL002"].warning]
    assert reply_warning.startswith(en("tasks.missing", missing="EMAIL001 Apply for an e-mail account; "))
    assert f"{en('tasks.one_of')} EMAIL003 Send a message" in reply_warning
    assert not exps["EMAIL003"].info and not exps["EMAIL003"].success


def test_a_mailbox_registered_through_the_services_ticks_email001(world, tasks: TaskSet) -> None:
    uow, ann = world["uow"], world["ann"]
    email.register_mailbox(uow, ann, local_part="ann.li", full_name="Ann Li", password=MAILPW, password_confirm=MAILPW)

    at = tasks_page(ann)
    exps = email_expanders(at)
    assert exps["EMAIL001"].label.startswith(f"{DONE} EMAIL001 ")
    assert [s.value for s in exps["EMAIL001"].success] == [en("tasks.passed", points="2")]
    assert email_progress(at) == en("tasks.module_progress", done=1, total=6, available=6)
    assert metrics(at)[en("tasks.done")] == f"1 / {len(tasks.tasks)}"
    # EMAIL003/006/007 only needed the mailbox; the first of them is the next task
    assert exps["EMAIL003"].label.startswith(READY)
    assert expanded(at) == ["EMAIL003"]
    assert exps["EMAIL002"].label.startswith(BLOCKED)  # still needs a received mail


def test_golden_runs_of_every_email_task_tick_them_all(world, tasks: TaskSet) -> None:
    uow, room, ann = world["uow"], world["room"], world["ann"]
    bot_world, done = BotWorld(uow, room.id, ann), set()
    for code in EMAIL_CODES:
        run_golden(bot_world, tasks, code, done)

    at = tasks_page(ann)
    exps = email_expanders(at)
    assert all(exp.label.startswith(f"{DONE} {code} ") for code, exp in exps.items())
    assert email_progress(at) == en("tasks.module_progress", done=6, total=6, available=6)
    assert (metrics(at)[en("tasks.done")], metrics(at)[en("tasks.points")]) == (f"6 / {len(tasks.tasks)}", "12")
    assert expanded(at) == []  # nothing left to walk to


def test_a_classmates_work_gives_no_credit(world, tasks: TaskSet) -> None:
    uow, room = world["uow"], world["room"]
    bob = factories.student(uow, room, "bob", "Bob Wang")
    run_golden(BotWorld(uow, room.id, bob), tasks, "EMAIL003", set())

    at = tasks_page(world["ann"])
    assert email_progress(at) == en("tasks.module_progress", done=0, total=6, available=6)
    assert expanded(at) == ["EMAIL001"]


def test_chinese_page(world, tasks: TaskSet) -> None:
    at = tasks_page(world["ann"], lang="zh_CN")

    assert titles(at) == [zh("tasks.title")]
    assert email_progress(at, "zh_CN") == zh("tasks.module_progress", done=0, total=6, available=6)
    exps = email_expanders(at)
    assert [i.value for i in exps["EMAIL001"].info] == [zh("tasks.ready")]
    assert at.button(key="free_hint_EMAIL001").label == zh("tasks.show_hint")
    assert [w.value for w in exps["EMAIL003"].warning] == [zh("tasks.missing", missing="EMAIL001 申请电子邮件")]
    (link,) = exps["EMAIL001"].get("page_link")
    assert link.proto.label == zh("tasks.go", page=zh("page.mailbox"))


def test_the_mailbox_sidebar_tracker_ticks_email001_after_registering(world) -> None:
    at = new_app("views/mailbox.py", actor=world["ann"])
    run(at)
    assert tracker(at) == [
        f"**{en('tasks.tracker', module='EMAIL')}** · 0/6",
        f"{TODO} `EMAIL001` Apply for an e-mail account",
        f"{TODO} `EMAIL002` Reply to a message",
        f"{TODO} `EMAIL003` Send a message",
        f"{TODO} `EMAIL004` Delete a message",
        f"{TODO} `EMAIL006` Configure the mailbox",
        f"{TODO} `EMAIL007` Save a message (draft)",
    ]

    at.button(key="mail_apply").click()
    run(at)
    at.text_input(key="mail_reg_password").input(MAILPW)
    at.text_input(key="mail_reg_confirm").input(MAILPW)
    at.button(key="mail_reg_submit").click()
    run(at)
    assert successes(at) == [en("email.registered", address="ann@sandbox.test")]
    lines = tracker(at)
    assert lines[0] == f"**{en('tasks.tracker', module='EMAIL')}** · 1/6"
    assert lines[1] == f"{DONE} `EMAIL001` Apply for an e-mail account"
    assert all(line.startswith(TODO) for line in lines[2:])


def test_the_tracker_speaks_chinese(world, tasks: TaskSet) -> None:
    uow, room, ann = world["uow"], world["room"], world["ann"]
    run_golden(BotWorld(uow, room.id, ann), tasks, "EMAIL003", set())
    at = new_app("views/mailbox.py", actor=ann)
    at.session_state["lang"] = "zh_CN"
    run(at)
    head = f"**{zh('tasks.tracker', module='EMAIL')}** · 2/6"
    (box,) = [m.value for m in at.sidebar.markdown if m.value.startswith(head)]
    lines = box.split("  \n")
    assert lines[1:4] == [f"{DONE} `EMAIL001` 申请电子邮件", f"{TODO} `EMAIL002` 回复邮件", f"{DONE} `EMAIL003` 发送邮件"]


def test_an_instructor_is_refused(world) -> None:
    teacher = world["teacher"]
    at = run(new_app(actor=teacher))
    with pytest.raises(ValueError, match="Could not find"):
        at.switch_page("views/tasks.py")  # not in an instructor's navigation
    at = run(new_app("views/tasks.py", actor=teacher))  # and refused when run directly
    assert warnings(at) == [en("auth.forbidden")]
    assert not titles(at) and not at.expander and not at.get("progress") and not at.metric


def test_an_anonymous_visitor_is_refused(world) -> None:
    at = run(new_app("views/tasks.py"))
    assert warnings(at) == [en("auth.login_required")]
    assert not titles(at) and not at.expander
    assert "EMAIL001" not in rendered(at)


# ----------------------------------------------------------------------------- my assignments (issue 7)


def my_rows(at: AppTest) -> dict[str, dict[str, object]]:
    """The task table of the one assignment on the page, by task code (st.dataframe keeps no key in AppTest)."""
    (frame,) = at.dataframe
    return {row[en("assign.my.col_task")].split()[0]: row for row in frame.value.to_dict("records")}


@pytest.fixture
def paid(world, tasks: TaskSet):
    """Ann did EMAIL001 (golden run); her class has an assignment of EMAIL001 + EMAIL003 whose hints cost 1 point."""
    from sandbox.teaching import assignments as assign

    uow, room, ann = world["uow"], world["room"], world["ann"]
    run_golden(BotWorld(uow, room.id, ann), tasks, "EMAIL001", set())
    aid = assign.create_assignment(uow, world["teacher"], room.id, title="Mail week", kind="tasks",
                                   task_codes=["EMAIL001", "EMAIL003"], hint_cost=1, late_penalty_pct=20, tasks=tasks)
    return aid


def test_no_assignments_yet(world) -> None:
    at = tasks_page(world["ann"])
    assert en("assign.my.title") in [h.value for h in at.subheader]
    assert en("assign.my.none") in [c.value for c in at.caption]


def test_my_assignment_with_scores_and_a_paid_hint(world, paid, tasks: TaskSet) -> None:
    from sandbox.events import Event
    from tests.app.helpers import count

    uow = world["uow"]
    at = tasks_page(world["ann"])
    texts = [m.value for m in at.markdown]
    assert f"**Mail week** · {en('assign.status.open')}" in texts
    assert en("assign.my.score", points="2", max="4") in texts
    facts = " · ".join(f.rstrip(".") for f in [en("assign.my.no_due"), en("assign.my.late_pct", pct=20),
                                               en("assign.my.hint_cost", cost="1")])
    assert facts in [c.value for c in at.caption]
    rows = my_rows(at)
    assert rows["EMAIL001"][en("assign.my.col_task")] == "EMAIL001 申请电子邮件 — Apply for an e-mail account"
    assert (rows["EMAIL001"][en("assign.my.col_status")], rows["EMAIL001"][en("assign.my.col_points")]) == \
        (en("assign.my.passed"), "2 / 2")
    assert rows["EMAIL003"][en("assign.my.col_status")] == en("assign.my.todo")
    # the paid hint is not handed out in the catalog below either
    exps = email_expanders(at)
    assert tasks.tasks["EMAIL003"].hint_en not in [m.value for m in exps["EMAIL003"].markdown]
    assert en("assign.my.hint_in", cost="1", title="Mail week") in [c.value for c in exps["EMAIL003"].caption]
    hint = tasks.tasks["EMAIL001"].hint_en
    assert hint not in [i.value for i in at.info]

    button = at.button(key=f"hint_{paid}_EMAIL001")
    assert button.label == en("assign.my.show_hint", cost="1")
    button.click()
    run(at)
    assert hint in [i.value for i in at.info]
    assert en("assign.my.hint_paid", cost="1") in [c.value for c in at.caption]
    rows = my_rows(at)
    assert rows["EMAIL001"][en("assign.my.col_points")] == "1 / 2"
    assert rows["EMAIL001"][en("assign.my.col_deductions")] == en("assign.my.hints", points="1")
    assert en("assign.my.score", points="1", max="4") in [m.value for m in at.markdown]
    assert count(uow, Event, Event.kind == "hint.viewed") == 1
    run(at)  # a rerun pays nothing more
    assert count(uow, Event, Event.kind == "hint.viewed") == 1
    # once paid, the catalog shows it too
    assert hint in [i.value for i in email_expanders(at)["EMAIL001"].info]


def test_instructor_notes_are_shown_to_that_student_only(world, paid) -> None:
    from sandbox import events
    from sandbox.teaching.scores import GRADE_ADJUSTED

    uow, room, ann = world["uow"], world["room"], world["ann"]
    bob = factories.student(uow, room, "bob", "Bob Wang")
    with uow.write() as s:
        events.record(s, GRADE_ADJUSTED, actor_id=world["teacher"].user_id, class_id=room.id, task_code="EMAIL003",
                      student_id=ann.user_id, points=2, note="the mail server was down")
    at = tasks_page(ann)
    notes = [m.value for m in at.markdown if "the mail server was down" in m.value]
    assert len(notes) == 1 and en("assign.my.note_adjusted", points="2") in notes[0] and "EMAIL003" in notes[0]
    assert en("assign.my.notes") in "".join(m.value for m in at.markdown)
    # the points total counts the adjustment: EMAIL001 passed (2) + EMAIL003 adjusted to 2
    (total,) = [m for m in at.metric if m.label == en("tasks.points")]
    assert total.value == "4"
    other = tasks_page(bob)
    assert "the mail server was down" not in rendered(other)
    assert "**Mail week**" in "".join(m.value for m in other.markdown)  # same class, same assignment


def test_another_class_assignments_are_not_shown(world, tasks: TaskSet) -> None:
    from sandbox.teaching import assignments as assign

    uow, teacher = world["uow"], world["teacher"]
    other = factories.classroom(uow, teacher, name="Other")
    assign.create_assignment(uow, teacher, other.id, title="Secret homework", kind="tasks",
                             task_codes=["EMAIL001"], tasks=tasks)
    at = tasks_page(world["ann"])
    assert "Secret homework" not in rendered(at)
    assert en("assign.my.none") in [c.value for c in at.caption]


def test_a_chain_assignment_names_the_parts_i_play_and_my_team(world, tasks: TaskSet) -> None:
    from sandbox.chains import load_chains
    from sandbox.teaching import assignments as assign
    from sandbox.teaching import teams

    uow, room, teacher, ann = world["uow"], world["room"], world["teacher"], world["ann"]
    bob = factories.student(uow, room, "bob", "Bob Wang")
    assign.create_assignment(uow, teacher, room.id, title="Chain A", kind="chain", chain_id="A",
                             parties={"buyer": "student", "supplier": "team", "logistics": "bot"}, tasks=tasks)
    teams.create_team(uow, teacher, room.id, "Red", [ann.user_id, bob.user_id])
    teams.set_part(uow, teacher, room.id, ann.user_id, "supplier")
    chain = load_chains()["A"]

    at = tasks_page(ann)
    caption = " · ".join(c.value for c in at.caption)
    assert en("assign.my.you_play", parts="采购商 Buyer, 供应商 Supplier") in caption
    assert en("assign.my.team", team="Red") in caption
    assert set(my_rows(at)) == set(chain.codes_of("buyer")) | set(chain.codes_of("supplier"))

    at = tasks_page(bob)  # in the team without a part: the student part only
    assert en("assign.my.you_play", parts="采购商 Buyer") in " · ".join(c.value for c in at.caption)
    assert set(my_rows(at)) == set(chain.codes_of("buyer"))
