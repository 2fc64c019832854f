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
    by_module = dict(zip([h.value for h in at.subheader], [p.proto.text for p in at.get("progress")], strict=True))
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
    assert tasks.tasks["EMAIL001"].hint_en in texts
    (link,) = first.get("page_link")
    assert (link.proto.label, link.proto.page) == (en("tasks.go", page=en("page.mailbox")), "mailbox")


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
    assert tasks.tasks["EMAIL001"].hint_zh in [m.value for m in exps["EMAIL001"].markdown]
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
