"""The scenario engine: loading and validating scenario files, grading, walkthrough, gradebook."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from sandbox import events
from sandbox.errors import DomainError
from sandbox.scenarios.charts import completion_by_task
from sandbox.scenarios.loader import ScenarioError, ScenarioLibrary, load_directory, parse_text
from sandbox.scenarios.model import TaskSet
from sandbox.scenarios.progress import BLOCKED, DONE, READY, UNAVAILABLE, class_gradebook, progress_for
from tests import factories

ENTRY = """\
module: EMAIL
tasks:
  - code: EMAIL001
    module: EMAIL
    title_zh: 申请电子邮件
    title_en: Apply for an e-mail account
    role: visitor
    kind: register
    points: 2.0
    page: mailbox
    steps_zh: [点击"申请注册"]
    steps_en: [Click "Apply"]
    hint_zh: 提示
    hint_en: hint
    checks:
      - kind: event.occurred
        task_code: EMAIL001
  - code: EMAIL003
    module: EMAIL
    title_zh: 发送邮件
    title_en: Send a message
    role: email_user
    kind: create
    page: mailbox
    requires: [EMAIL001]
    steps_zh: [点击"发邮件"]
    steps_en: [Click "Write mail"]
    hint_zh: 提示
    hint_en: hint
    checks:
      - kind: event.occurred
        task_code: EMAIL003
  - code: EMAIL004
    module: EMAIL
    title_zh: 删除邮件
    title_en: Delete a message
    role: email_user
    kind: delete
    page: mailbox
    requires: [EMAIL001]
    requires_one_of: [[EMAIL003, EMAIL007]]
    steps_zh: [选择邮件]
    steps_en: [Select a message]
    hint_zh: 提示
    hint_en: hint
    checks:
      - kind: event.occurred
        task_code: EMAIL004
"""


def tasks_from(text: str = ENTRY) -> TaskSet:
    return TaskSet({t.code: t for t in parse_text(text, "email.yaml")})


def broken(old: str, new: str) -> str:
    assert old in ENTRY
    return ENTRY.replace(old, new, 1)


def test_a_valid_file_mirrors_the_catalog_and_keeps_catalog_order():
    tasks = tasks_from()
    assert list(tasks.tasks) == ["EMAIL001", "EMAIL003", "EMAIL004"]
    send = tasks.tasks["EMAIL003"]
    assert send.title("zh_CN") == "发送邮件" and send.title("en") == "Send a message"
    assert send.points == 2.0  # taken from the catalog when the file leaves it out
    assert tasks.closure("EMAIL004") == ["EMAIL001", "EMAIL004"]


@pytest.mark.parametrize(
    ("old", "new", "task", "field", "reason"),
    [
        ("code: EMAIL003", "code: EMAIL005", "EMAIL005", "code", "scenario.unknown_code"),
        ("    kind: create", "    kind: update", "EMAIL003", "kind", "scenario.catalog_mismatch"),
        ("    title_zh: 发送邮件\n", "", "EMAIL003", "title_zh", "scenario.missing_field"),
        ("- kind: event.occurred\n        task_code: EMAIL003", "- kind: email.telepathy", "EMAIL003", "checks[0]",
         "scenario.unknown_check"),
        ("task_code: EMAIL003", "colour: red", "EMAIL003", "checks[0]", "scenario.unknown_param"),
        ("steps_en: [Click \"Write mail\"]", "steps_en: [a, b]", "EMAIL003", "steps_en", "scenario.steps_mismatch"),
        ("page: mailbox\n    requires: [EMAIL001]\n    steps_zh: [点击", "page: bank\n    requires: [EMAIL001]\n"
         "    steps_zh: [点击", "EMAIL003", "page", "scenario.unknown_page"),
        ("requires: [EMAIL001]\n    steps_zh: [点击", "requires: [EMAIL999]\n    steps_zh: [点击", "EMAIL003",
         "requires", "scenario.unknown_requires"),
        ("    points: 2.0\n", "    points: -1\n", "EMAIL001", "points", "scenario.bad_points"),
        ("    hint_en: hint\n    checks:\n      - kind: event.occurred\n        task_code: EMAIL004\n",
         "    hint_en: hint\n    checks: []\n", "EMAIL004", "checks", "scenario.no_checks"),
    ],
)
def test_an_invalid_entry_is_refused_naming_file_line_task_and_field(old, new, task, field, reason):
    with pytest.raises(ScenarioError) as caught:
        parse_text(broken(old, new), "email.yaml")
    params = caught.value.params
    assert (params["file"], params["task"], params["where"], params["reason"]) == ("email.yaml", task, field, reason)
    assert params["line"] == broken(old, new).splitlines().index(f"  - code: {task}") + 1
    assert f"task {task}, field {field}" in caught.value.plain()


def test_a_yaml_syntax_error_names_its_line():
    with pytest.raises(ScenarioError) as caught:
        parse_text(ENTRY + "  - code: [unclosed\n", "email.yaml")
    assert caught.value.params["reason"] == "scenario.yaml_syntax"
    assert caught.value.params["line"] >= len(ENTRY.splitlines())


def test_the_same_code_twice_is_refused():
    twice = ENTRY + textwrap.indent(ENTRY.split("tasks:\n", 1)[1], "")
    with pytest.raises(ScenarioError) as caught:
        parse_text(twice, "email.yaml")
    assert caught.value.params["reason"] == "scenario.duplicate_code"


def test_the_library_keeps_the_last_good_scenarios_when_a_file_breaks(tmp_path: Path):
    path = tmp_path / "email.yaml"
    path.write_text(ENTRY, encoding="utf-8")
    library = ScenarioLibrary(tmp_path)
    assert len(library.tasks.tasks) == 3
    path.write_text(broken("code: EMAIL004", "code: NOPE"), encoding="utf-8")
    error = library.reload()
    assert error is not None and error.params["task"] == "NOPE"
    assert list(library.tasks.tasks) == ["EMAIL001", "EMAIL003", "EMAIL004"]  # still in force
    path.write_text(ENTRY.split("  - code: EMAIL004")[0], encoding="utf-8")
    assert library.reload() is None
    assert list(library.tasks.tasks) == ["EMAIL001", "EMAIL003"]


def test_every_shipped_scenario_file_is_valid():
    tasks = load_directory()
    assert {"EMAIL001", "EMAIL002", "EMAIL003", "EMAIL004", "EMAIL006", "EMAIL007"} <= set(tasks.tasks)


def _act(uow, actor, task_code, class_id=None):
    with uow.write() as s:
        events.record(s, "test.did", actor=actor, class_id=class_id, task_code=task_code)


def test_only_the_students_own_actions_earn_credit_and_the_walkthrough_follows(uow):
    tasks = tasks_from()
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann")
    bob = factories.student(uow, room, "bob")

    with uow.read() as s:
        email = {m.module: m for m in progress_for(s, room.id, ann.user_id, tasks)}["EMAIL"]
    states = {st.catalog.code: st.state for st in email.tasks}
    assert states == {"EMAIL001": READY, "EMAIL002": UNAVAILABLE, "EMAIL003": BLOCKED, "EMAIL004": BLOCKED,
                      "EMAIL006": UNAVAILABLE, "EMAIL007": UNAVAILABLE}
    assert email.next_task.catalog.code == "EMAIL001"

    _act(uow, bob, "EMAIL001")  # another student's action
    _act(uow, teacher, "EMAIL001", class_id=room.id)  # the instructor's
    with uow.read() as s:
        email = {m.module: m for m in progress_for(s, room.id, ann.user_id, tasks)}["EMAIL"]
    assert email.done == 0

    _act(uow, ann, "EMAIL001")
    _act(uow, ann, "EMAIL003")
    with uow.read() as s:
        email = {m.module: m for m in progress_for(s, room.id, ann.user_id, tasks)}["EMAIL"]
    by_code = {st.catalog.code: st for st in email.tasks}
    assert by_code["EMAIL001"].state == DONE and by_code["EMAIL003"].state == DONE
    assert by_code["EMAIL004"].state == READY  # its one-of group is met by EMAIL003
    assert email.points == 4.0 and email.done == 2


def test_a_blocked_task_names_what_is_missing(uow):
    tasks = tasks_from()
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann")
    with uow.read() as s:
        email = {m.module: m for m in progress_for(s, room.id, ann.user_id, tasks)}["EMAIL"]
    delete = {st.catalog.code: st for st in email.tasks}["EMAIL004"]
    assert delete.missing == ("EMAIL001", "EMAIL003|EMAIL007")


def test_the_gradebook_has_one_column_per_task_and_is_the_instructors_own(uow):
    tasks = tasks_from()
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann", number="S2")
    bob = factories.student(uow, room, "bob", number="S1")
    _act(uow, ann, "EMAIL001")
    _act(uow, ann, "EMAIL003")
    _act(uow, bob, "EMAIL001")
    with uow.read() as s:
        book = class_gradebook(s, teacher, room.id, tasks)
    lines = book.csv().splitlines()
    assert lines[0] == "student_number,username,full_name,EMAIL001,EMAIL003,EMAIL004,total"
    assert lines[1] == "S1,bob,Bob,2,0,0,2"
    assert lines[2] == "S2,ann,Ann,2,2,0,4"
    fig = completion_by_task(book, "en")
    assert list(fig.data[0].y) == [2, 1, 0]

    other = factories.instructor(uow, "other-teacher")
    with uow.read() as s, pytest.raises(DomainError) as caught:
        class_gradebook(s, other, room.id, tasks)
    assert caught.value.code == "class.not_found"
    with uow.read() as s, pytest.raises(DomainError) as caught:
        class_gradebook(s, ann, room.id, tasks)
    assert caught.value.code == "auth.forbidden"
