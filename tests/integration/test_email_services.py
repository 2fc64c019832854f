"""EMAIL services on a real database (SQLite and PostgreSQL): each task's happy path, and every
bad input refused with a clear error code that changes nothing."""

from __future__ import annotations

from contextlib import contextmanager

import pytest
from sqlalchemy import select

from sandbox.email import queries, services
from sandbox.email.models import MAX_BODY, Mailbox, MailItem, Message
from sandbox.errors import DomainError
from sandbox.events import Event
from tests import factories
from tests.integration.helpers import refused, row_counts

MAILPW = "mail-secret-1"


@contextmanager
def reading(uow):
    """A read session whose loaded rows stay readable after it closes (detached, not expired)."""
    with uow.read() as s:
        yield s
        s.expunge_all()


@pytest.fixture
def world(uow):
    """A class with two students (Ann, Bob) who have mailboxes, one (Cid) who has not, and a
    second class whose student Dee has a mailbox."""
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    other_room = factories.classroom(uow, teacher, name="EC-2026 B", seed=7)
    ann = factories.student(uow, room, "ann", "Ann Li")
    bob = factories.student(uow, room, "bob", "Bob Wang")
    cid = factories.student(uow, room, "cid", "Cid Zhao")
    dee = factories.student(uow, other_room, "dee", "Dee Sun")
    for who in (ann, bob, dee):
        register(uow, who, who.username)
    return {"uow": uow, "teacher": teacher, "room": room, "ann": ann, "bob": bob, "cid": cid, "dee": dee}


def register(uow, actor, local, **kw):
    args = {"full_name": actor.full_name, "password": MAILPW, "password_confirm": MAILPW} | kw
    return services.register_mailbox(uow, actor, local_part=local, **args)


def inbox(uow, actor, view=queries.INBOX):
    with reading(uow) as s:
        return queries.folder(s, actor, view)


def counts(uow, actor):
    with reading(uow) as s:
        return queries.folder_counts(s, actor)


# ----------------------------------------------------------------------------- EMAIL001


def test_student_applies_for_a_mailbox(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann", "Ann Li")
    box = register(uow, ann, "Ann.Li", request_id="r1")
    assert box.address == "ann.li@sandbox.test"
    assert box.local_part == "ann.li"
    assert box.full_name == "Ann Li"
    again = register(uow, ann, "Ann.Li", request_id="r1")  # a double click: nothing new
    assert again.id == box.id
    with reading(uow) as s:
        assert queries.my_mailbox(s, ann) == box
        assert queries.address_of(s, room.id, ann.user_id) == "ann.li@sandbox.test"
        stored = s.scalar(select(Mailbox).where(Mailbox.id == box.id))
        assert stored.password_hash.startswith("$argon2id$")
        [ev] = s.scalars(select(Event).where(Event.kind == "email.mailbox_registered")).all()
    assert (ev.actor_id, ev.class_id, ev.task_code, ev.subject) == (ann.user_id, room.id, "EMAIL001", box.address)
    assert counts(uow, ann) == queries.FolderCounts(0, 0, 0, 0, 0)


@pytest.mark.parametrize(
    ("local", "kw", "code", "field"),
    [
        ("", {}, "input.required", "email.local_part"),
        ("ab", {}, "email.bad_local_part", "email.local_part"),
        ("ann li", {}, "email.bad_local_part", "email.local_part"),
        ("ann@x", {}, "email.bad_local_part", "email.local_part"),
        ("张三", {}, "email.bad_local_part", "email.local_part"),
        (".ann", {}, "email.bad_local_part", "email.local_part"),
        ("a" * 33, {}, "email.bad_local_part", "email.local_part"),
        ("notice", {}, "email.reserved_local_part", "email.local_part"),
        ("postmaster", {}, "email.reserved_local_part", "email.local_part"),
        ("cid.zhao", {"full_name": ""}, "input.required", "email.full_name"),
        ("cid.zhao", {"password": "short", "password_confirm": "short"}, "input.password_short", "email.password"),
        ("cid.zhao", {"password_confirm": "other-secret-1"}, "input.password_mismatch", "email.password_confirm"),
    ],
)
def test_bad_applications_are_refused(world, local, kw, code, field):
    uow = world["uow"]
    before = row_counts(uow)
    with refused(code, field=field):
        register(uow, world["cid"], local, **kw)
    assert row_counts(uow) == before


def test_an_address_is_unique_across_classes_and_case(world):
    uow = world["uow"]
    before = row_counts(uow)
    with refused("email.address_taken", address="dee@sandbox.test"):
        register(uow, world["cid"], "DEE")  # Dee's mailbox is in the other class
    with refused("email.already_registered"):
        register(uow, world["ann"], "ann2")
    assert row_counts(uow) == before


def test_instructors_have_no_mailbox(world):
    uow = world["uow"]
    with refused("auth.forbidden"):
        register(uow, world["teacher"], "teacher")


# ----------------------------------------------------------------------------- EMAIL003


def test_send_delivers_to_each_recipient_once(world):
    uow, ann, bob = world["uow"], world["ann"], world["bob"]
    msg_id = services.send(
        uow, ann, to="BOB@sandbox.test; bob@sandbox.test，ann@sandbox.test", subject="Hello 你好，",
        body="Line 1\r\nLine 2", request_id="send-1",
    )
    assert services.send(uow, ann, to="bob@sandbox.test", subject="x", body="y", request_id="send-1") == msg_id
    [got] = inbox(uow, bob)
    assert (got.message_id, got.sender, got.subject, got.read) == (msg_id, "ann@sandbox.test", "Hello 你好，", False)
    assert got.to == ("bob@sandbox.test", "ann@sandbox.test")
    assert [r.message_id for r in inbox(uow, ann)] == [msg_id]  # a copy to oneself
    assert [r.message_id for r in inbox(uow, ann, queries.SENT)] == [msg_id]
    with reading(uow) as s:
        view = queries.message(s, bob, got.item_id)
        [ev] = s.scalars(select(Event).where(Event.kind == "email.sent")).all()
    assert view.body == "Line 1\nLine 2"
    assert view.can_reply and not view.is_draft
    assert (ev.actor_id, ev.task_code, ev.subject, ev.data["delivered"]) == (ann.user_id, "EMAIL003", str(msg_id), 2)
    assert counts(uow, bob) == queries.FolderCounts(inbox=1, unread=1, sent=0, drafts=0, trash=0)
    services.mark_read(uow, bob, item_id=got.item_id)
    services.mark_read(uow, bob, item_id=got.item_id)
    assert counts(uow, bob).unread == 0
    with reading(uow) as s:
        assert s.scalar(select(Event.id).where(Event.kind == "email.read")) is not None


def test_html_and_script_are_stored_verbatim(world):
    uow, ann, bob = world["uow"], world["ann"], world["bob"]
    subject = "<b>Offer</b> <img src=x onerror=alert(1)>"
    body = "<script>alert('x')</script>\n<a href='javascript:alert(1)'>click</a> **bold** ![t](http://x/t.png)"
    services.send(uow, ann, to="bob@sandbox.test", subject=subject, body=body)
    [row] = inbox(uow, bob)
    with reading(uow) as s:
        view = queries.message(s, bob, row.item_id)
    assert (view.subject, view.body) == (subject, body)


@pytest.mark.parametrize(
    ("to", "subject", "body", "code", "params"),
    [
        ("", "Hi", "Body", "input.required", {"field": "email.to"}),
        (" ,; ", "Hi", "Body", "input.required", {"field": "email.to"}),
        ("bob", "Hi", "Body", "email.bad_address", {"field": "email.to", "address": "bob"}),
        ("bob@@sandbox.test", "Hi", "Body", "email.bad_address", {"field": "email.to"}),
        ("bob@sandbox", "Hi", "Body", "email.bad_address", {"field": "email.to"}),
        ("<bob@sandbox.test>", "Hi", "Body", "email.bad_address", {"field": "email.to"}),
        ("bob@example.com", "Hi", "Body", "email.foreign_domain", {"address": "bob@example.com"}),
        ("dee@sandbox.test", "Hi", "Body", "email.foreign_address", {"address": "dee@sandbox.test"}),
        ("nobody@sandbox.test", "Hi", "Body", "email.unknown_recipient", {"address": "nobody@sandbox.test"}),
        ("cid@sandbox.test", "Hi", "Body", "email.unknown_recipient", {"address": "cid@sandbox.test"}),
        ("notice@sandbox.test", "Hi", "Body", "email.unknown_recipient", {"address": "notice@sandbox.test"}),
        ("bob@sandbox.test", "", "Body", "input.required", {"field": "email.subject"}),
        ("bob@sandbox.test", "   ", "Body", "input.required", {"field": "email.subject"}),
        ("bob@sandbox.test", "x" * 201, "Body", "input.too_long", {"field": "email.subject", "max": 200}),
        ("bob@sandbox.test", "a\nb", "Body", "input.bad_chars", {"field": "email.subject"}),
        ("bob@sandbox.test", "Hi", "", "input.required", {"field": "email.body"}),
        ("bob@sandbox.test", "Hi", " \n ", "input.required", {"field": "email.body"}),
        ("bob@sandbox.test", "Hi", "x" * (MAX_BODY + 1), "input.too_long", {"field": "email.body", "max": MAX_BODY}),
        ("bob@sandbox.test", "Hi", "nul\x00byte", "input.bad_chars", {"field": "email.body"}),
    ],
)
def test_bad_mail_is_refused_and_changes_nothing(world, to, subject, body, code, params):
    uow = world["uow"]
    before = row_counts(uow)
    with refused(code, **params):
        services.send(uow, world["ann"], to=to, subject=subject, body=body, request_id="bad-send")
    with refused(code, **params):
        services.save_draft(uow, world["ann"], to=to, subject=subject, body=body, request_id="bad-draft")
    assert row_counts(uow) == before


def test_body_at_the_limit_is_accepted(world):
    uow = world["uow"]
    services.send(uow, world["ann"], to="bob@sandbox.test", subject="s" * 200, body="x" * MAX_BODY)
    assert len(inbox(uow, world["bob"])) == 1


def test_at_most_ten_recipients(world):
    uow = world["uow"]
    many = ",".join(f"u{i}@sandbox.test" for i in range(11))
    with refused("email.too_many_recipients", max=10, count=11):
        services.send(uow, world["ann"], to=many, subject="Hi", body="Body")


def test_no_mailbox_yet(world):
    uow, cid = world["uow"], world["cid"]
    before = row_counts(uow)
    with refused("email.no_mailbox"):
        services.send(uow, cid, to="ann@sandbox.test", subject="Hi", body="Body")
    with refused("email.no_mailbox"):
        services.save_draft(uow, cid, to="ann@sandbox.test", subject="Hi", body="Body")
    with refused("email.no_mailbox"):
        services.delete(uow, cid, item_id=1)
    with refused("email.no_mailbox"):
        services.configure(
            uow, cid, display_name="Cid", address="cid@sandbox.test", username="cid", password=MAILPW
        )
    assert row_counts(uow) == before
    with reading(uow) as s:
        assert queries.my_mailbox(s, cid) is None
        assert queries.folder(s, cid, queries.INBOX) == []
        assert queries.folder_counts(s, cid) == queries.FolderCounts(0, 0, 0, 0, 0)


# ----------------------------------------------------------------------------- EMAIL002


def test_reply_goes_to_the_original_sender(world):
    uow, ann, bob = world["uow"], world["ann"], world["bob"]
    original = services.send(uow, ann, to="bob@sandbox.test", subject="Price?", body="How much?")
    [received] = inbox(uow, bob)
    reply_id = services.reply(uow, bob, item_id=received.item_id, body="100 yuan", request_id="rep-1")
    assert services.reply(uow, bob, item_id=received.item_id, body="again", request_id="rep-1") == reply_id
    ann_inbox = inbox(uow, ann)
    assert [r.message_id for r in ann_inbox] == [reply_id]
    with reading(uow) as s:
        view = queries.message(s, ann, ann_inbox[0].item_id)
        msg = s.get(Message, reply_id)
        [ev] = s.scalars(select(Event).where(Event.kind == "email.replied")).all()
    assert (view.subject, view.body, view.in_reply_to_subject) == ("Re: Price?", "100 yuan", "Price?")
    assert msg.in_reply_to_id == original and msg.to_addresses == ["ann@sandbox.test"]
    assert (ev.actor_id, ev.task_code, ev.data["in_reply_to"], ev.data["delivered"]) == (bob.user_id, "EMAIL002", original, 1)
    assert services.reply_subject("Re: Price?") == "Re: Price?"


def test_reply_to_a_system_sender_is_kept_but_delivered_nowhere(world):
    uow, ann = world["uow"], world["ann"]
    with uow.write() as s:
        mail = services.deliver_system_mail(
            s, world["room"].id, "ann@sandbox.test", "Your certificate", "Number 0042", "ca.certificate", sender="ca",
            sender_name="CA 认证中心",
        )
    assert mail.delivered == 1
    [notice] = inbox(uow, ann)
    assert notice.is_system and notice.sender == "ca@sandbox.test"
    reply_id = services.reply(uow, ann, item_id=notice.item_id, body="Thanks")
    with reading(uow) as s:
        msg = s.get(Message, reply_id)
        copies = s.scalars(select(MailItem.folder).where(MailItem.message_id == reply_id)).all()
    assert msg.to_addresses == ["ca@sandbox.test"] and msg.sent_at is not None
    assert copies == ["sent"]


def test_replying_to_other_peoples_or_own_sent_mail_is_refused(world):
    uow, ann, bob = world["uow"], world["ann"], world["bob"]
    services.send(uow, ann, to="bob@sandbox.test", subject="Hi", body="Body")
    [bobs] = inbox(uow, bob)
    [anns_sent] = inbox(uow, ann, queries.SENT)
    before = row_counts(uow)
    with refused("email.not_found"):
        services.reply(uow, ann, item_id=bobs.item_id, body="Reply")  # Bob's copy, not Ann's
    with refused("email.not_found"):
        services.reply(uow, world["dee"], item_id=bobs.item_id, body="Reply")
    with refused("email.not_found"):
        services.reply(uow, ann, item_id=10_000, body="Reply")
    with refused("email.reply_not_received"):
        services.reply(uow, ann, item_id=anns_sent.item_id, body="Reply")
    with refused("input.required", field="email.body"):
        services.reply(uow, bob, item_id=bobs.item_id, body="")
    assert row_counts(uow) == before
    with uow.read() as s, pytest.raises(DomainError) as info:
        queries.message(s, ann, bobs.item_id)
    assert info.value.code == "email.not_found"


# ----------------------------------------------------------------------------- EMAIL004


def test_delete_is_a_soft_delete_of_ones_own_copy(world):
    uow, ann, bob = world["uow"], world["ann"], world["bob"]
    services.send(uow, ann, to="bob@sandbox.test", subject="Spam", body="Buy now")
    [received] = inbox(uow, bob)
    services.delete(uow, bob, item_id=received.item_id, request_id="del-1")
    services.delete(uow, bob, item_id=received.item_id, request_id="del-1")  # a double click
    assert inbox(uow, bob) == []
    [trashed] = inbox(uow, bob, queries.TRASH)
    assert trashed.item_id == received.item_id and trashed.deleted
    assert counts(uow, bob) == queries.FolderCounts(inbox=0, unread=0, sent=0, drafts=0, trash=1)
    assert len(inbox(uow, ann, queries.SENT)) == 1  # the sender's copy stays
    with reading(uow) as s:
        item = s.get(MailItem, received.item_id)
        [ev] = s.scalars(select(Event).where(Event.kind == "email.deleted")).all()
        view = queries.message(s, bob, received.item_id)
    assert item.deleted_at is not None and item.deleted_by == bob.user_id
    assert (ev.actor_id, ev.task_code, ev.subject) == (bob.user_id, "EMAIL004", str(item.id))
    assert view.deleted and view.body == "Buy now"
    with refused("email.already_deleted"):
        services.delete(uow, bob, item_id=received.item_id, request_id="del-2")


def test_deleting_another_users_mail_is_refused(world):
    uow, ann, bob = world["uow"], world["ann"], world["bob"]
    services.send(uow, ann, to="bob@sandbox.test", subject="Hi", body="Body")
    [bobs] = inbox(uow, bob)
    before = row_counts(uow)
    for who in (ann, world["dee"], world["cid"]):
        with pytest.raises(DomainError) as info:
            services.delete(uow, who, item_id=bobs.item_id)
        assert info.value.code in ("email.not_found", "email.no_mailbox")
    with refused("email.not_found"):
        services.delete(uow, ann, item_id="nonsense")
    assert row_counts(uow) == before


# ----------------------------------------------------------------------------- EMAIL006


def test_configure_the_mailbox(world):
    uow, ann = world["uow"], world["ann"]
    box = services.configure(
        uow, ann, display_name="Ann Li (Sales)", address=" ANN@sandbox.test ", username="Ann", password=MAILPW,
        request_id="cfg-1",
    )
    assert (box.display_name, box.config_address, box.config_username) == ("Ann Li (Sales)", "ann@sandbox.test", "ann")
    assert box.configured_at is not None
    with reading(uow) as s:
        stored = s.get(Mailbox, box.id)
        [ev] = s.scalars(select(Event).where(Event.kind == "email.configured")).all()
    assert stored.config_password_hash and stored.config_password_hash != MAILPW
    assert (ev.actor_id, ev.task_code, ev.data["address"], ev.data["username"]) == (
        ann.user_id, "EMAIL006", "ann@sandbox.test", "ann",
    )
    # Mail sent afterwards carries the display name.
    services.send(uow, ann, to="bob@sandbox.test", subject="Hi", body="Body")
    [got] = inbox(uow, world["bob"])
    assert got.sender_name == "Ann Li (Sales)"


@pytest.mark.parametrize(
    ("kw", "code", "field"),
    [
        ({"display_name": ""}, "input.required", "email.display_name"),
        ({"address": ""}, "input.required", "email.config_address"),
        ({"address": "ann"}, "email.bad_address", "email.config_address"),
        ({"address": "bob@sandbox.test"}, "email.config_address_mismatch", "email.config_address"),
        ({"address": "ann@example.com"}, "email.foreign_domain", "email.config_address"),
        ({"username": ""}, "input.required", "email.config_username"),
        ({"username": "bob"}, "email.config_username_mismatch", "email.config_username"),
        ({"password": ""}, "input.required", "email.config_password"),
        ({"password": "wrong-password"}, "email.config_bad_password", "email.config_password"),
    ],
)
def test_bad_configuration_is_refused(world, kw, code, field):
    uow = world["uow"]
    args = {"display_name": "Ann", "address": "ann@sandbox.test", "username": "ann", "password": MAILPW} | kw
    before = row_counts(uow)
    with refused(code, field=field):
        services.configure(uow, world["ann"], **args)
    assert row_counts(uow) == before
    with reading(uow) as s:
        assert queries.my_mailbox(s, world["ann"]).configured_at is None


# ----------------------------------------------------------------------------- EMAIL007


def test_save_a_draft_then_edit_and_send_it(world):
    uow, ann, bob = world["uow"], world["ann"], world["bob"]
    draft_id = services.save_draft(uow, ann, to="bob@sandbox.test", subject="Draft", body="v1", request_id="d1")
    assert inbox(uow, bob) == []
    [draft] = inbox(uow, ann, queries.DRAFTS)
    assert draft.message_id == draft_id
    same = services.save_draft(
        uow, ann, to="bob@sandbox.test", subject="Draft 2", body="v2", draft_item_id=draft.item_id, request_id="d2"
    )
    assert same == draft_id
    with reading(uow) as s:
        view = queries.message(s, ann, draft.item_id)
        saves = s.scalars(select(Event).where(Event.kind == "email.draft_saved").order_by(Event.id)).all()
    assert view.is_draft and not view.sent and (view.subject, view.body) == ("Draft 2", "v2")
    assert [e.data["delivered"] for e in saves] == [0, 0] and saves[0].task_code == "EMAIL007"
    sent_id = services.send(
        uow, ann, to="bob@sandbox.test", subject="Final", body="v3", draft_item_id=draft.item_id, request_id="d3"
    )
    assert sent_id == draft_id
    assert inbox(uow, ann, queries.DRAFTS) == []
    assert [r.message_id for r in inbox(uow, ann, queries.SENT)] == [draft_id]
    [got] = inbox(uow, bob)
    assert got.subject == "Final"
    with refused("email.not_a_draft"):
        services.save_draft(uow, ann, to="bob@sandbox.test", subject="x", body="y", draft_item_id=draft.item_id)
    with refused("email.not_a_draft"):
        services.send(uow, ann, to="bob@sandbox.test", subject="x", body="y", draft_item_id=draft.item_id)


def test_a_deleted_draft_cannot_be_sent(world):
    uow, ann = world["uow"], world["ann"]
    services.save_draft(uow, ann, to="bob@sandbox.test", subject="Draft", body="v1")
    [draft] = inbox(uow, ann, queries.DRAFTS)
    services.delete(uow, ann, item_id=draft.item_id)
    before = row_counts(uow)
    with refused("email.already_deleted"):
        services.send(uow, ann, to="bob@sandbox.test", subject="x", body="y", draft_item_id=draft.item_id)
    with refused("email.not_found"):
        services.send(uow, world["bob"], to="ann@sandbox.test", subject="x", body="y", draft_item_id=draft.item_id)
    assert row_counts(uow) == before


# ----------------------------------------------------------------------------- system mail


def test_system_mail_is_delivered_inside_the_callers_transaction(world):
    uow, room = world["uow"], world["room"]
    with uow.write() as s:
        mail = services.deliver_system_mail(
            s, room.id, ["ann@sandbox.test", "bob@sandbox.test"], "Order shipped", "<b>Parcel</b> 123", "b2b.order",
            task_code="B2B001", order="PO-1",
        )
    assert mail.delivered == 2
    for who in (world["ann"], world["bob"]):
        [row] = inbox(uow, who)
        assert (row.sender, row.is_system, row.subject) == ("notice@sandbox.test", True, "Order shipped")
    with reading(uow) as s:
        ev = s.scalar(select(Event).where(Event.kind == "email.system_delivered"))
        msg = s.get(Message, mail.message_id)
    assert ev.actor_id is None and ev.data["order"] == "PO-1" and ev.data["mail_kind"] == "b2b.order"
    assert msg.sender_mailbox_id is None and msg.system_kind == "b2b.order"


def test_system_mail_to_a_wrong_address_rolls_the_caller_back(world):
    uow, room = world["uow"], world["room"]
    before = row_counts(uow)
    for address, code in (
        ("dee@sandbox.test", "email.foreign_address"),
        ("nobody@sandbox.test", "email.unknown_recipient"),
        ("ann@qq.com", "email.foreign_domain"),
        ("not an address", "email.bad_address"),
    ):
        with refused(code), uow.write() as s:
            services.deliver_system_mail(s, room.id, address, "Hi", "Body", "test")
    assert row_counts(uow) == before
    with pytest.raises(ValueError, match="system sender"), uow.write() as s:
        services.deliver_system_mail(s, room.id, "ann@sandbox.test", "Hi", "Body", "test", sender="ann")


# ----------------------------------------------------------------------------- queries


def test_folders_list_only_ones_own_mail_newest_first(world):
    uow, ann, bob = world["uow"], world["ann"], world["bob"]
    first = services.send(uow, ann, to="bob@sandbox.test", subject="One", body="1")
    second = services.send(uow, ann, to="bob@sandbox.test", subject="Two", body="2")
    services.send(uow, bob, to="ann@sandbox.test", subject="Back", body="3")
    assert [r.message_id for r in inbox(uow, bob)] == [second, first]
    assert [r.subject for r in inbox(uow, ann)] == ["Back"]
    assert inbox(uow, world["dee"]) == []
    with reading(uow) as s:
        book = queries.address_book(s, ann)
        with pytest.raises(DomainError):
            queries.folder(s, ann, "spam")
    assert book == [("ann@sandbox.test", "Ann Li"), ("bob@sandbox.test", "Bob Wang")]
