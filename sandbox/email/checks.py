"""Check kinds of the EMAIL module (importing this module registers them).

Each kind grades all ``ctx.students`` with one query (plus a little Python over its rows), and
credits only the student's own recorded action: an event of the task's kind whose actor is the
student, joined to the mailbox the student owns and to the rows the action produced. Seeded
rows without such an event, system mail, bots and other students never earn credit. Rows that
were soft-deleted later still count (a delete never takes away another task's credit).

Kinds (all without parameters):
- ``email.mailbox_registered`` (EMAIL001) · ``email.replied`` (EMAIL002) · ``email.sent``
  (EMAIL003) · ``email.deleted`` (EMAIL004) · ``email.configured`` (EMAIL006) ·
  ``email.draft_saved`` (EMAIL007);
- ``email.has_received``: the student's mailbox has received at least one message (any sender,
  system mail included). A readiness test for EMAIL002, not a credit check.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, cast, exists, func, select
from sqlalchemy.orm import aliased

from sandbox.email.models import INBOX, Mailbox, MailItem, Message
from sandbox.events import Event
from sandbox.scenarios.checks import CheckContext, Outcome, check

#: The check kind that grades each EMAIL task (the scenario file names the same kinds).
TASK_CHECKS = {
    "EMAIL001": "email.mailbox_registered",
    "EMAIL002": "email.replied",
    "EMAIL003": "email.sent",
    "EMAIL004": "email.deleted",
    "EMAIL006": "email.configured",
    "EMAIL007": "email.draft_saved",
}


def _own_boxes(ctx: CheckContext) -> Any:
    """The condition "a mailbox of this class owned by one of the graded students"."""
    return and_(Mailbox.class_id == ctx.class_id, Mailbox.owner_id.in_(ctx.students))


def _by_student() -> Any:
    """The condition "the event is the mailbox owner's own action" (the event's subject, the id of
    a row of this class, already pins the class; leaving ``events.class_id`` out of the join lets
    the planner use the (kind, subject) index)."""
    return Event.actor_id == Mailbox.owner_id


def _first(rows: Any, evidence: Any) -> dict[int, Outcome]:
    """A pass per student from ``(student_id, ...)`` rows (first row wins), evidence from ``evidence(row)``."""
    out: dict[int, Outcome] = {}
    for row in rows:
        if row[0] not in out:
            out[row[0]] = Outcome(True, evidence(row))
    return out


@check("email.mailbox_registered")
def mailbox_registered(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EMAIL001: a mailbox the student registered (their own registration event) exists with its
    unique address."""
    rows = ctx.session.execute(
        select(Mailbox.owner_id, Mailbox.id, Mailbox.address, Event.id)
        .join(Event, and_(Event.kind == "email.mailbox_registered", Event.subject == Mailbox.address, _by_student()))
        .where(_own_boxes(ctx))
        .order_by(Mailbox.owner_id, Event.id)
    ).all()
    return _first(rows, lambda r: {"mailbox_id": r[1], "address": r[2], "event_id": r[3]})


@check("email.sent")
def sent(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EMAIL003: the student sent a message from their mailbox with a recipient, a subject and a
    body, delivered to at least one existing mailbox."""
    delivered = exists().where(MailItem.message_id == Message.id, MailItem.folder == INBOX)
    rows = ctx.session.execute(
        select(Mailbox.owner_id, func.min(Message.id), func.count(Message.id))
        .join(Message, Message.sender_mailbox_id == Mailbox.id)
        .join(Event, and_(Event.kind == "email.sent", Event.subject == cast(Message.id, String), _by_student()))
        .where(
            _own_boxes(ctx),
            Message.class_id == ctx.class_id,
            Message.sent_at.is_not(None),
            Message.is_system.is_(False),
            func.length(func.trim(Message.subject)) > 0,
            func.length(func.trim(Message.body)) > 0,
            delivered,
        )
        .group_by(Mailbox.owner_id)
    ).all()
    return {uid: Outcome(True, {"message_id": first, "messages": int(n)}) for uid, first, n in rows}


@check("email.replied")
def replied(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EMAIL002: the student sent a reply whose in-reply-to is a message the student had received,
    addressed to that message's sender."""
    original = aliased(Message)
    received = exists().where(
        MailItem.message_id == original.id, MailItem.mailbox_id == Mailbox.id, MailItem.folder == INBOX
    )
    rows = ctx.session.execute(
        select(Mailbox.owner_id, Message.id, original.id, original.sender_address, Message.to_addresses)
        .join(Message, Message.sender_mailbox_id == Mailbox.id)
        .join(original, original.id == Message.in_reply_to_id)
        .join(Event, and_(Event.kind == "email.replied", Event.subject == cast(Message.id, String), _by_student()))
        .where(_own_boxes(ctx), Message.class_id == ctx.class_id, Message.sent_at.is_not(None), received)
        .order_by(Mailbox.owner_id, Message.id)
    ).all()
    ok = [r for r in rows if r[3] in (r[4] or [])]
    return _first(ok, lambda r: {"message_id": r[1], "in_reply_to": r[2], "to": r[3]})


@check("email.deleted")
def deleted(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EMAIL004: a message of the student's mailbox is marked deleted, by the student, with the
    student's own delete event."""
    rows = ctx.session.execute(
        select(Mailbox.owner_id, func.min(MailItem.id), func.count(MailItem.id))
        .join(MailItem, MailItem.mailbox_id == Mailbox.id)
        .join(Event, and_(Event.kind == "email.deleted", Event.subject == cast(MailItem.id, String), _by_student()))
        .where(_own_boxes(ctx), MailItem.deleted_at.is_not(None), MailItem.deleted_by == Mailbox.owner_id)
        .group_by(Mailbox.owner_id)
    ).all()
    return {uid: Outcome(True, {"item_id": first, "deleted": int(n)}) for uid, first, n in rows}


@check("email.configured")
def configured(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EMAIL006: the student saved a configuration of their mailbox with a display name, the
    mailbox's own address and the account user name (read from the saved event)."""
    rows = ctx.session.execute(
        select(Mailbox.owner_id, Mailbox.id, Mailbox.address, Mailbox.local_part, Event.id, Event.data)
        .join(Event, and_(Event.kind == "email.configured", Event.subject == cast(Mailbox.id, String), _by_student()))
        .where(_own_boxes(ctx), Mailbox.configured_at.is_not(None))
        .order_by(Mailbox.owner_id, Event.id)
    ).all()

    def good(data: dict[str, Any] | None, address: str, local: str) -> bool:
        data = data or {}
        return (
            bool(str(data.get("display_name") or "").strip())
            and str(data.get("address") or "").lower() == address
            and str(data.get("username") or "").lower() == local
        )

    ok = [r for r in rows if good(r[5], r[2], r[3])]
    return _first(ok, lambda r: {"mailbox_id": r[1], "event_id": r[4]})


@check("email.draft_saved")
def draft_saved(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EMAIL007: the event log has the student's save-draft of a message of their mailbox with a
    recipient, subject and body, and that save delivered nothing (sending it later is fine)."""
    rows = ctx.session.execute(
        select(Mailbox.owner_id, Message.id, Event.id, Event.data)
        .join(Message, Message.sender_mailbox_id == Mailbox.id)
        .join(Event, and_(Event.kind == "email.draft_saved", Event.subject == cast(Message.id, String), _by_student()))
        .where(_own_boxes(ctx), Message.class_id == ctx.class_id)
        .order_by(Mailbox.owner_id, Event.id)
    ).all()

    def good(data: dict[str, Any] | None) -> bool:
        data = data or {}
        return (
            bool(data.get("to"))
            and bool(str(data.get("title") or "").strip())
            and int(data.get("body_chars") or 0) > 0
            and data.get("delivered") == 0
        )

    ok = [r for r in rows if good(r[3])]
    return _first(ok, lambda r: {"message_id": r[1], "event_id": r[2]})


@check("email.has_received")
def has_received(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """Readiness for EMAIL002: the student's mailbox has received a message (from anyone)."""
    rows = ctx.session.execute(
        select(Mailbox.owner_id, func.min(MailItem.message_id), func.count(MailItem.id))
        .join(MailItem, MailItem.mailbox_id == Mailbox.id)
        .where(_own_boxes(ctx), MailItem.folder == INBOX)
        .group_by(Mailbox.owner_id)
    ).all()
    return {uid: Outcome(True, {"message_id": first, "received": int(n)}) for uid, first, n in rows}
