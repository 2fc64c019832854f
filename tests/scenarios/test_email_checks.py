"""Golden and wrong runs of the EMAIL tasks against their check kinds, credit isolation, and the
cost of grading a class of 100 students with 50 mails each."""

from __future__ import annotations

import time
from datetime import timedelta
from typing import Any

import pytest
from sqlalchemy import insert, select

import sandbox.email.checks  # noqa: F401  (registers the EMAIL check kinds)
from sandbox import bots
from sandbox.actor import STUDENT
from sandbox.bots import BotWorld
from sandbox.db import utcnow
from sandbox.email import queries, services
from sandbox.email.checks import TASK_CHECKS
from sandbox.email.models import DRAFTS, INBOX, SENT, Mailbox, MailItem, Message
from sandbox.events import Event
from sandbox.identity.models import Membership, User
from sandbox.scenarios.checks import REGISTRY, CheckContext
from tests import factories
from tests.scenarios.helpers import grade_kind as grade
from tests.scenarios.helpers import kind_passed as passed
from tests.scenarios.helpers import passing_kinds, world_for

bots.load_all()

#: ``requires`` closures (what the engine runs first), and the catalog's closures with the first
#: choice of each ``requires_one_of`` group (``catalog --closure``): goldens must pass after either.
MINIMAL = {"EMAIL001": []} | {code: ["EMAIL001"] for code in ("EMAIL002", "EMAIL003", "EMAIL004", "EMAIL006", "EMAIL007")}
CATALOG = MINIMAL | {"EMAIL002": ["EMAIL001", "EMAIL003"], "EMAIL004": ["EMAIL001", "EMAIL003", "EMAIL002"]}
TASKS = sorted(TASK_CHECKS)


def all_passing(uow, class_id: int, student: int) -> set[str]:
    return passing_kinds(uow, class_id, student, "email.")


def test_every_email_task_has_a_check_kind_and_runs():
    assert set(TASK_CHECKS) == {"EMAIL001", "EMAIL002", "EMAIL003", "EMAIL004", "EMAIL006", "EMAIL007"}
    for code, kind in TASK_CHECKS.items():
        assert kind in REGISTRY
        assert code in bots.GOLDEN and code in bots.WRONG
    assert "email.has_received" in REGISTRY


@pytest.mark.parametrize("closures", [MINIMAL, CATALOG], ids=["requires", "catalog"])
@pytest.mark.parametrize("code", TASKS)
def test_golden_run_passes(room, code, closures):
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    world = world_for(room)
    for step in closures[code]:
        bots.GOLDEN[step](world)
    bots.GOLDEN[code](world)
    result = grade(uow, room["room"].id, [ann.user_id, bob.user_id], TASK_CHECKS[code])
    assert result[ann.user_id].passed, result
    assert bob.user_id not in result  # the run credited only the student it played


@pytest.mark.parametrize("closures", [MINIMAL, CATALOG], ids=["requires", "catalog"])
@pytest.mark.parametrize("code", TASKS)
def test_wrong_run_fails(room, code, closures):
    uow, ann = room["uow"], room["ann"]
    world = world_for(room)
    for step in closures[code]:
        bots.GOLDEN[step](world)
    bots.WRONG[code](world)
    assert not passed(uow, room["room"].id, ann.user_id, TASK_CHECKS[code])


def test_all_goldens_in_a_row_pass_every_check(room):
    uow, ann = room["uow"], room["ann"]
    world = world_for(room)
    for code in ("EMAIL001", "EMAIL003", "EMAIL002", "EMAIL004", "EMAIL006", "EMAIL007"):
        bots.GOLDEN[code](world)
    assert all_passing(uow, room["room"].id, ann.user_id) == set(TASK_CHECKS.values()) | {"email.has_received"}


def test_has_received_is_ready_only_after_mail_arrived(room):
    uow, ann = room["uow"], room["ann"]
    world = world_for(room)
    bots.GOLDEN["EMAIL001"](world)
    bots.GOLDEN["EMAIL003"](world)  # sent, nothing received yet
    assert not passed(uow, room["room"].id, ann.user_id, "email.has_received")
    with uow.write() as s:
        services.deliver_system_mail(s, room["room"].id, "ann@sandbox.test", "Welcome", "Hello", "welcome")
    assert passed(uow, room["room"].id, ann.user_id, "email.has_received")


def test_soft_deleted_mail_keeps_the_credit_of_the_task_that_made_it(room):
    uow, ann = room["uow"], room["ann"]
    class_id = room["room"].id
    world = world_for(room)
    for code in ("EMAIL001", "EMAIL003", "EMAIL002", "EMAIL007"):
        bots.GOLDEN[code](world)
    with uow.read() as s:
        items = [r.item_id for view in (INBOX, SENT, DRAFTS) for r in queries.folder(s, ann, view)]
    for item_id in items:
        services.delete(uow, ann, item_id=item_id)
    for kind in ("email.sent", "email.replied", "email.draft_saved", "email.deleted", "email.has_received"):
        assert passed(uow, class_id, ann.user_id, kind), kind


def test_a_draft_sent_later_still_counts_as_saved(room):
    uow, ann = room["uow"], room["ann"]
    world = world_for(room)
    bots.GOLDEN["EMAIL001"](world)
    bots.GOLDEN["EMAIL007"](world)
    with uow.read() as s:
        [draft] = queries.folder(s, ann, DRAFTS)
        to = queries.message(s, ann, draft.item_id).to
    services.send(uow, ann, to=to, subject="Price list", body="Final version", draft_item_id=draft.item_id)
    assert passed(uow, room["room"].id, ann.user_id, "email.draft_saved")
    assert passed(uow, room["room"].id, ann.user_id, "email.sent")


def test_a_reply_to_a_system_notice_counts(room):
    uow, ann = room["uow"], room["ann"]
    bots.GOLDEN["EMAIL001"](world_for(room))
    with uow.write() as s:
        services.deliver_system_mail(s, room["room"].id, "ann@sandbox.test", "Certificate", "No. 1", "ca", sender="ca")
    with uow.read() as s:
        [notice] = queries.folder(s, ann, INBOX)
    services.reply(uow, ann, item_id=notice.item_id, body="Received, thank you")
    assert passed(uow, room["room"].id, ann.user_id, "email.replied")


def test_seeded_and_system_mail_never_give_credit(room):
    """Rows written straight into the database (a seeder) and system notices earn nothing."""
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    bots.GOLDEN["EMAIL001"](world_for(room))  # Ann applies herself; Bob's mailbox is seeded
    with uow.write() as s:
        now = utcnow()
        ann_box = s.scalar(select(Mailbox).where(Mailbox.owner_id == ann.user_id))
        bob_box = Mailbox(
            class_id=class_id, owner_id=bob.user_id, address="bob@sandbox.test", local_part="bob", full_name="Bob",
            display_name="Bob", config_address="bob@sandbox.test", config_username="bob", configured_at=now,
        )
        s.add(bob_box)
        s.flush()
        ann_box.display_name, ann_box.config_address, ann_box.config_username = "Ann", ann_box.address, "ann"
        ann_box.configured_at = now
        services.deliver_system_mail(s, class_id, [ann_box.address, bob_box.address], "Notice", "Hello", "seed")
        notice = s.scalar(select(Message).where(Message.is_system.is_(True)))
        for sender, to in ((ann_box, bob_box), (bob_box, ann_box)):
            sent = Message(
                class_id=class_id, sender_mailbox_id=sender.id, sender_address=sender.address, to_addresses=[to.address],
                subject="Seeded", body="Seeded body", sent_at=now, in_reply_to_id=notice.id, created_at=now,
                updated_at=now,
            )
            draft = Message(
                class_id=class_id, sender_mailbox_id=sender.id, sender_address=sender.address,
                to_addresses=[to.address], subject="Seeded draft", body="Body", created_at=now, updated_at=now,
            )
            s.add_all([sent, draft])
            s.flush()
            s.add_all([
                MailItem(mailbox_id=sender.id, message_id=sent.id, folder=SENT, deleted_at=now, deleted_by=sender.owner_id),
                MailItem(mailbox_id=to.id, message_id=sent.id, folder=INBOX),
                MailItem(mailbox_id=sender.id, message_id=draft.id, folder=DRAFTS),
            ])
    for student in (ann, bob):
        got = all_passing(uow, class_id, student.user_id)
        assert got == ({"email.mailbox_registered", "email.has_received"} if student is ann else {"email.has_received"})


def test_a_partners_or_classmates_actions_never_give_credit(room):
    """Bob (a classmate), a partner bot and a student of another class do every task around
    Ann's mailbox; Ann, who only applied and received mail, earns EMAIL001 alone."""
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    class_id = room["room"].id
    bots.GOLDEN["EMAIL001"](world_for(room))
    bob_world = world_for(room, "bob")
    for code in ("EMAIL001", "EMAIL003", "EMAIL002", "EMAIL004", "EMAIL006", "EMAIL007"):
        bots.GOLDEN[code](bob_world)
    partner = world_for(room).partner()
    bots.GOLDEN["EMAIL006"](BotWorld(uow=uow, class_id=class_id, student=partner))
    services.send(uow, bob, to="ann@sandbox.test", subject="To Ann", body="From Bob")
    services.send(uow, partner, to="ann@sandbox.test", subject="To Ann", body="From the partner")
    with uow.read() as s:
        ann_copy = queries.folder(s, bob, SENT)[0]  # the newest: Bob's mail to Ann
        anns_box_id = queries.my_mailbox(s, ann).id
    services.delete(uow, bob, item_id=ann_copy.item_id)  # Bob deletes his own copy of the mail to Ann
    services.save_draft(uow, bob, to="ann@sandbox.test", subject="Draft to Ann", body="Later")
    # Another class: Cid copies Ann's moves there; nothing of it reaches Ann's grade here.
    other = factories.classroom(uow, room["teacher"], name="Other class", seed=9)
    cid = factories.student(uow, other, "cid", "Cid")
    cid_world = BotWorld(uow=uow, class_id=other.id, student=cid)
    for code in TASKS:
        bots.GOLDEN[code](cid_world)
    results = {kind: grade(uow, class_id, [ann.user_id, bob.user_id, cid.user_id], kind) for kind in REGISTRY if kind.startswith("email.")}
    ann_passes = {kind for kind, out in results.items() if ann.user_id in out}
    assert ann_passes == {"email.mailbox_registered", "email.has_received"}
    assert all(cid.user_id not in out for out in results.values())  # graded in the wrong class: nothing
    assert {kind for kind, out in results.items() if bob.user_id in out} == set(TASK_CHECKS.values()) | {"email.has_received"}
    with uow.read() as s:  # Bob's delete touched only Bob's copy
        assert s.scalar(select(MailItem.deleted_at).where(MailItem.mailbox_id == anns_box_id).limit(1)) is None


def test_grading_a_student_does_not_depend_on_who_else_is_graded(room):
    uow, ann, bob = room["uow"], room["ann"], room["bob"]
    world = world_for(room)
    for code in ("EMAIL001", "EMAIL003", "EMAIL002"):
        bots.GOLDEN[code](world)
    class_id = room["room"].id
    for kind in TASK_CHECKS.values():
        alone = grade(uow, class_id, [ann.user_id], kind)
        together = grade(uow, class_id, [ann.user_id, bob.user_id], kind)
        assert alone.get(ann.user_id) == together.get(ann.user_id)


# ----------------------------------------------------------------------------- a class of 100


STUDENTS = 100
MAILS = 50


def build_big_class(uow) -> tuple[int, list[int]]:
    """100 students with mailboxes and 50 mails each (sent, replied, drafts, deletes), written in
    bulk with the same rows and events the services write (services would take minutes)."""
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher, name="Big class")
    now = utcnow()
    with uow.write() as s:
        base_user = int(s.scalar(select(User.id).order_by(User.id.desc()).limit(1)) or 0) + 1
        users = [
            {"id": base_user + i, "username": f"big{i:03d}", "username_key": f"big{i:03d}", "full_name": f"Student {i}",
             "role": STUDENT, "password_hash": "x", "must_change_password": False, "created_at": now}
            for i in range(STUDENTS)
        ]
        s.execute(insert(User), users)
        s.execute(insert(Membership), [
            {"class_id": room.id, "user_id": u["id"], "role": STUDENT, "student_number": f"{i:03d}", "joined_at": now}
            for i, u in enumerate(users)
        ])
        ids = [u["id"] for u in users]
        boxes = [
            {"id": 1000 + i, "class_id": room.id, "owner_id": uid, "address": f"big{i:03d}@sandbox.test",
             "local_part": f"big{i:03d}", "full_name": f"Student {i}", "password_hash": "x", "created_at": now,
             "display_name": f"Student {i}", "config_address": f"big{i:03d}@sandbox.test",
             "config_username": f"big{i:03d}", "configured_at": now}
            for i, uid in enumerate(ids)
        ]
        s.execute(insert(Mailbox), boxes)
        messages: list[dict[str, Any]] = []
        items: list[dict[str, Any]] = []
        evs: list[dict[str, Any]] = []
        msg_id, item_id = 10_000, 10_000

        def event(kind: str, actor: int, subject: object, task: str, **data: Any) -> None:
            evs.append({"at": now, "actor_id": actor, "class_id": room.id, "kind": kind, "subject": str(subject),
                        "task_code": task, "request_id": None, "data": data})

        received: dict[int, list[tuple[int, dict[str, Any]]]] = {i: [] for i in range(STUDENTS)}

        def mail(i: int, n: int, kind: str, to: dict[str, Any], original: int | None = None) -> None:
            nonlocal msg_id, item_id
            uid, box = ids[i], boxes[i]
            msg_id += 1
            at = now + timedelta(seconds=n)
            messages.append({
                "id": msg_id, "class_id": room.id, "sender_mailbox_id": box["id"], "sender_address": box["address"],
                "sender_name": box["full_name"], "to_addresses": [to["address"]], "subject": f"Mail {n}",
                "body": f"Body {n} " * 20, "in_reply_to_id": original, "is_system": False, "system_kind": None,
                "created_at": at, "updated_at": at, "sent_at": None if kind == "draft" else at,
            })
            item_id += 1
            deleted = n == 0
            items.append({"id": item_id, "mailbox_id": box["id"], "message_id": msg_id,
                          "folder": DRAFTS if kind == "draft" else SENT, "created_at": at, "read_at": None,
                          "deleted_at": at if deleted else None, "deleted_by": uid if deleted else None})
            if deleted:
                event("email.deleted", uid, item_id, "EMAIL004", mailbox_id=box["id"], message_id=msg_id, folder=SENT)
            if kind == "draft":
                event("email.draft_saved", uid, msg_id, "EMAIL007", mailbox_id=box["id"], to=[to["address"]],
                      title=f"Mail {n}", body_chars=100, delivered=0, updated=False)
                return
            item_id += 1
            items.append({"id": item_id, "mailbox_id": to["id"], "message_id": msg_id, "folder": INBOX,
                          "created_at": at, "read_at": None, "deleted_at": None, "deleted_by": None})
            received[boxes.index(to)].append((msg_id, box))
            if kind == "reply":
                event("email.replied", uid, msg_id, "EMAIL002", mailbox_id=box["id"], in_reply_to=original,
                      to=[to["address"]], delivered=1)
            else:
                event("email.sent", uid, msg_id, "EMAIL003", mailbox_id=box["id"], to=[to["address"]], delivered=1,
                      from_draft=False)

        for i, uid in enumerate(ids):
            box = boxes[i]
            event("email.mailbox_registered", uid, box["address"], "EMAIL001", mailbox_id=box["id"], address=box["address"])
            event("email.configured", uid, box["id"], "EMAIL006", mailbox_id=box["id"], display_name=box["display_name"],
                  address=box["address"], username=box["local_part"])
            for n in range(MAILS):
                if n % 10 != 8:  # every tenth mail is a reply, written once everyone has mail to answer
                    mail(i, n, "draft" if n % 10 == 9 else "sent", boxes[(i + n + 1) % STUDENTS])
        for i in range(STUDENTS):
            for k, n in enumerate(range(8, MAILS, 10)):
                original, sender = received[i][k]
                mail(i, n, "reply", sender, original)
        s.execute(insert(Message), messages)
        s.execute(insert(MailItem), items)
        s.execute(insert(Event), evs)
    return room.id, ids


def test_grading_a_class_of_100_with_50_mails_each(uow):
    class_id, ids = build_big_class(uow)
    kinds = [*TASK_CHECKS.values(), "email.has_received"]
    grade(uow, class_id, ids, "email.sent")  # warm the connection pool and statement caches
    started = time.perf_counter()
    with uow.read() as s:
        ctx = CheckContext(session=s, class_id=class_id, students=ids)
        results = {kind: REGISTRY[kind][0](ctx, {}) for kind in kinds}
    elapsed = time.perf_counter() - started
    print(f"\ngraded {len(kinds)} EMAIL check kinds for {len(ids)} students x {MAILS} mails "
          f"({uow.db.url.split(':')[0]}): {elapsed * 1000:.0f} ms")
    for kind in kinds:
        assert set(results[kind]) == set(ids), kind
