"""The mailbox page (views/mailbox.py) under AppTest, on a fresh migrated SQLite: apply for a
mailbox, write, save a draft, read, reply, delete, configure in three steps; bad input shows an
error on the form; mail text is only ever rendered as text. (Candidate for tests/app/.)"""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from sandbox import ui
from sandbox.db import Database
from sandbox.email import queries, services
from sandbox.i18n import t
from sandbox.uow import UnitOfWork
from tests import factories

ROOT = Path(__file__).resolve().parents[2]
MAILPW = "mail-secret-1"


@pytest.fixture
def app_uow(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    monkeypatch.setenv("SANDBOX_DATABASE_URL", sqlite_url)
    db = Database.connect(sqlite_url)
    with patch_config_options({"runner.enforceSerializableSessionState": False}):
        yield UnitOfWork(db)
    ui._database.clear()
    db.dispose()


@pytest.fixture
def people(app_uow):
    teacher = factories.instructor(app_uow)
    room = factories.classroom(app_uow, teacher)
    ann = factories.student(app_uow, room, "ann", "Ann Li")
    bob = factories.student(app_uow, room, "bob", "Bob Wang")
    services.register_mailbox(app_uow, bob, local_part="bob", full_name="Bob Wang", password=MAILPW, password_confirm=MAILPW)
    return {"uow": app_uow, "teacher": teacher, "room": room, "ann": ann, "bob": bob}


def page(actor) -> AppTest:
    at = AppTest.from_file(str(ROOT / "views" / "mailbox.py"), default_timeout=30)
    at.session_state["actor"] = actor
    return run(at)


def run(at: AppTest) -> AppTest:
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click()
    return run(at)


def en(key: str, **params: object) -> str:
    return t(key, "en", **params)


def register_ann(at: AppTest) -> AppTest:
    click(at, "mail_apply")
    at.text_input(key="mail_reg_local").input("ann.li")
    at.text_input(key="mail_reg_password").input(MAILPW)
    at.text_input(key="mail_reg_confirm").input(MAILPW)
    return click(at, "mail_reg_submit")


def test_instructors_cannot_open_the_mailbox(people):
    at = page(people["teacher"])
    assert [w.value for w in at.warning] == [en("auth.forbidden")]
    assert not at.text_input


def test_apply_for_a_mailbox_through_the_form(people):
    at = page(people["ann"])
    assert at.title[0].value == en("email.title")
    assert at.button(key="mail_apply").label == en("email.apply")
    click(at, "mail_apply")
    assert at.text_input(key="mail_reg_full_name").value == "Ann Li"
    at.text_input(key="mail_reg_local").input("ann.li")
    at.text_input(key="mail_reg_password").input(MAILPW)
    at.text_input(key="mail_reg_confirm").input("something-else")
    click(at, "mail_reg_submit")
    assert [e.value for e in at.error] == [en("input.password_mismatch")]
    at.text_input(key="mail_reg_confirm").input(MAILPW)
    click(at, "mail_reg_submit")
    assert [s.value for s in at.success] == [en("email.registered", address="ann.li@sandbox.test")]
    assert at.radio(key="mail_view").value == "inbox"


def test_chinese_labels_match_the_source(people):
    at = AppTest.from_file(str(ROOT / "views" / "mailbox.py"), default_timeout=30)
    at.session_state["actor"] = people["ann"]
    at.session_state["lang"] = "zh_CN"
    run(at)
    assert at.button(key="mail_apply").label == "申请注册"
    click(at, "mail_apply")
    assert at.button(key="mail_reg_submit").label == "确定"


def test_write_send_and_save_a_draft(people):
    uow, ann, bob = people["uow"], people["ann"], people["bob"]
    at = register_ann(page(ann))
    at.radio(key="mail_view").set_value("compose")
    run(at)
    at.text_input(key="mail_new_to").input("nobody@sandbox.test")
    at.text_input(key="mail_new_subject").input("Hello")
    at.text_area(key="mail_new_body").input("<script>alert(1)</script>")
    click(at, "mail_new_send")
    assert [e.value for e in at.error] == [en("email.unknown_recipient", address=ui.plain("nobody@sandbox.test"))]
    at.text_input(key="mail_new_to").input("bob@sandbox.test")
    click(at, "mail_new_send")
    assert [s.value for s in at.success] == [en("email.sent_done", count=1)]
    at.text_input(key="mail_new_to").input("bob@sandbox.test")
    at.text_input(key="mail_new_subject").input("Later")
    at.text_area(key="mail_new_body").input("Draft text")
    click(at, "mail_new_save")
    assert [s.value for s in at.success] == [en("email.draft_done")]
    with uow.read() as s:
        [got] = queries.folder(s, bob, "inbox")
        [draft] = queries.folder(s, ann, "drafts")
    assert (got.subject, draft.subject) == ("Hello", "Later")


def test_read_reply_and_delete(people):
    uow, ann, bob = people["uow"], people["ann"], people["bob"]
    at = register_ann(page(ann))
    body = "<script>alert('x')</script> **not bold** <b>raw</b>"
    services.send(uow, bob, to="ann.li@sandbox.test", subject="<i>Offer</i>", body=body)
    run(at)
    at.selectbox(key="mail_pick_inbox").select_index(0)
    run(at)
    texts = [x.value for x in at.text]
    assert body in texts and en("email.subject_line", subject="<i>Offer</i>") in texts
    assert all(body not in m.value for m in at.markdown)  # never rendered as Markdown / HTML
    with uow.read() as s:
        assert queries.folder_counts(s, ann).unread == 0
    click(at, "mail_reply")
    assert at.text_input(key="mail_reply_subject").value == "Re: <i>Offer</i>"
    at.text_area(key="mail_reply_body").input("Thanks, agreed.")
    click(at, "mail_reply_send")
    assert [s.value for s in at.success] == [en("email.reply_done")]
    with uow.read() as s:
        [reply] = queries.folder(s, bob, "inbox")
    assert reply.subject == "Re: <i>Offer</i>"
    at.selectbox(key="mail_pick_inbox").select_index(0)
    run(at)
    click(at, "mail_delete")
    assert [s.value for s in at.success] == [en("email.deleted_done")]
    with uow.read() as s:
        assert queries.folder_counts(s, ann).trash == 1


def test_configure_in_three_steps(people):
    uow, ann = people["uow"], people["ann"]
    at = register_ann(page(ann))
    at.radio(key="mail_view").set_value("configure")
    run(at)
    at.text_input(key="mail_cfg_display_input").input("Ann Li (Sales)")
    click(at, "mail_cfg_next_1")
    assert at.text_input(key="mail_cfg_address_input").value == "ann.li@sandbox.test"
    at.text_input(key="mail_cfg_address_input").input("bob@sandbox.test")
    click(at, "mail_cfg_next_2")
    assert [e.value for e in at.error] == [en("email.config_address_mismatch", address=ui.plain("ann.li@sandbox.test"))]
    at.text_input(key="mail_cfg_address_input").input("ann.li@sandbox.test")
    click(at, "mail_cfg_next_2")
    at.text_input(key="mail_cfg_username").input("ann.li")
    at.text_input(key="mail_cfg_password").input("wrong-password")
    click(at, "mail_cfg_save")
    assert [e.value for e in at.error] == [en("email.config_bad_password")]
    at.text_input(key="mail_cfg_password").input(MAILPW)
    click(at, "mail_cfg_save")
    assert [s.value for s in at.success] == [en("email.configured_done")]
    with uow.read() as s:
        box = queries.my_mailbox(s, ann)
    assert (box.display_name, box.config_username) == ("Ann Li (Sales)", "ann.li")


def test_open_a_draft_edit_it_and_send_it(people):
    uow, ann, bob = people["uow"], people["ann"], people["bob"]
    at = register_ann(page(ann))
    services.save_draft(uow, ann, to="bob@sandbox.test", subject="Draft", body="v1")
    at.radio(key="mail_view").set_value("drafts")
    run(at)
    at.selectbox(key="mail_pick_drafts").select_index(0)
    run(at)
    assert at.text_input(key="mail_draft_subject").value == "Draft"
    at.text_area(key="mail_draft_body").input("")
    click(at, "mail_draft_save")
    assert [e.value for e in at.error] == [en("input.required", field=en("field.email.body"))]
    at.text_area(key="mail_draft_body").input("v2, final")
    click(at, "mail_draft_send")
    assert [s.value for s in at.success] == [en("email.sent_done", count=1)]
    assert [i.value for i in at.info] == [en("email.empty_folder")]
    with uow.read() as s:
        [got] = queries.folder(s, bob, "inbox")
        assert queries.message(s, bob, got.item_id).body == "v2, final"
    at.radio(key="mail_view").set_value("trash")
    run(at)
    assert [i.value for i in at.info] == [en("email.empty_folder")]
    at.radio(key="mail_view").set_value("sent")
    run(at)
    at.selectbox(key="mail_pick_sent").select_index(0)
    run(at)
    assert not [b for b in at.button if b.key == "mail_reply"]  # one cannot reply to one's own sent mail
    click(at, "mail_delete")
    at.radio(key="mail_view").set_value("trash")
    run(at)
    at.selectbox(key="mail_pick_trash").select_index(0)
    run(at)
    assert en("email.in_trash") in [c.value for c in at.caption]
    assert not [b for b in at.button if b.key in ("mail_reply", "mail_delete")]
