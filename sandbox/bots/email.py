"""Golden and wrong runs of the EMAIL tasks (EMAIL001-004, 006, 007).

Golden runs do the task as the student through the services; wrong runs make a plausible
mistake that the task's check must not credit (a partner bot doing the task instead, a mail
sent instead of saved, a reply that is really a new mail, a refused attempt ...). Refused
attempts are expected: they raise DomainError and change nothing, so the runs swallow them.

A golden run may assume the golden EMAIL001 ran for the student (every other task requires it).
"""

from __future__ import annotations

import re

from sandbox.actor import Actor
from sandbox.bots import BotWorld, expect_refusal, golden, new_request_id, wrong
from sandbox.email import queries, services
from sandbox.errors import DomainError

#: The mailbox password bots choose (golden EMAIL006 types it again when configuring).
BOT_MAIL_PASSWORD = "mailbox-pass-2026"  # noqa: S105  (a scripted actor's known password)



def _local_for(actor: Actor) -> str:
    """A mailbox user name for ``actor``: their login name if it fits, else one from their id."""
    name = re.sub(r"[^a-z0-9._-]", "", actor.username.lower()).strip("._-")
    name = re.sub(r"\.{2,}", ".", name)
    if not 3 <= len(name) <= 32 or name in services.RESERVED_LOCAL_PARTS:
        name = f"user{actor.user_id}"
    return name



def ensure_mailbox(world: BotWorld, actor: Actor) -> queries.MailboxInfo:
    """``actor``'s mailbox, registered (as the golden EMAIL001 does) if missing."""
    with world.uow.read() as s:
        box = queries.my_mailbox(s, actor)
    if box is not None:
        return box
    local = _local_for(actor)
    try:
        return services.register_mailbox(
            world.uow, actor, local_part=local, full_name=actor.full_name, password=BOT_MAIL_PASSWORD,
            password_confirm=BOT_MAIL_PASSWORD, request_id=new_request_id(),
        )
    except DomainError as err:
        if err.code != "email.address_taken":
            raise
        return services.register_mailbox(
            world.uow, actor, local_part=f"{local[:20]}-{actor.user_id}", full_name=actor.full_name,
            password=BOT_MAIL_PASSWORD, password_confirm=BOT_MAIL_PASSWORD, request_id=new_request_id(),
        )


def _partner_box(world: BotWorld, name: str = "partner") -> tuple[Actor, queries.MailboxInfo]:
    partner = world.partner(name)
    return partner, ensure_mailbox(world, partner)


def _student_box(world: BotWorld) -> queries.MailboxInfo:
    with world.uow.read() as s:
        box = queries.my_mailbox(s, world.student)
    if box is None:  # the golden EMAIL001 should have run; do it now rather than fail obscurely
        box = ensure_mailbox(world, world.student)
    return box


def _partner_writes(world: BotWorld, to: str, subject: str) -> None:
    partner, _box = _partner_box(world)
    services.send(
        world.uow, partner, to=to, subject=subject,
        body=f"Hello,\n\nthis is {partner.full_name}. Please answer this mail.\n", request_id=new_request_id(),
    )


def _latest(world: BotWorld, actor: Actor, view: str) -> queries.MailRow | None:
    with world.uow.read() as s:
        rows = queries.folder(s, actor, view, limit=1)
    return rows[0] if rows else None


# ----------------------------------------------------------------------------- EMAIL001


@golden("EMAIL001")
def apply_for_mailbox(world: BotWorld) -> None:
    ensure_mailbox(world, world.student)


@wrong("EMAIL001")
def apply_wrong(world: BotWorld) -> None:
    """The passwords differ (refused), and the partner registers a mailbox for itself."""
    expect_refusal(lambda: services.register_mailbox(
        world.uow, world.student, local_part=_local_for(world.student), full_name=world.student.full_name,
        password=BOT_MAIL_PASSWORD, password_confirm=BOT_MAIL_PASSWORD + "x", request_id=new_request_id(),
    ))
    _partner_box(world)


# ----------------------------------------------------------------------------- EMAIL003


@golden("EMAIL003")
def send_mail(world: BotWorld) -> None:
    _student_box(world)
    _, partner_box = _partner_box(world)
    services.send(
        world.uow, world.student, to=partner_box.address, subject="Meeting on Friday",
        body="Dear partner,\n\ncan we meet on Friday at 10:00 to talk about the order?\n\nBest regards",
        request_id=new_request_id(),
    )


@wrong("EMAIL003")
def send_wrong(world: BotWorld) -> None:
    """Sends to a mailbox that does not exist (refused), then only saves the mail as a draft;
    meanwhile the partner sends a mail to the student."""
    box = _student_box(world)
    _, partner_box = _partner_box(world)
    expect_refusal(lambda: services.send(
        world.uow, world.student, to="nobody-here@sandbox.test", subject="Hello", body="Hi", request_id=new_request_id(),
    ))
    services.save_draft(
        world.uow, world.student, to=partner_box.address, subject="Meeting on Friday",
        body="Can we meet on Friday?", request_id=new_request_id(),
    )
    _partner_writes(world, box.address, "Partner's mail")


# ----------------------------------------------------------------------------- EMAIL002


@golden("EMAIL002")
def reply_to_mail(world: BotWorld) -> None:
    box = _student_box(world)
    _partner_writes(world, box.address, "Question about your quotation")
    received = _latest(world, world.student, queries.INBOX)
    assert received is not None
    services.reply(
        world.uow, world.student, item_id=received.item_id,
        body="Thank you for your mail. The quotation is valid for 30 days.", request_id=new_request_id(),
    )


@wrong("EMAIL002")
def reply_wrong(world: BotWorld) -> None:
    """Tries to reply to the student's own sent mail and to a mail only the partner received
    (both refused), then writes a new mail to the sender instead of replying."""
    box = _student_box(world)
    partner, partner_box = _partner_box(world)
    _partner_writes(world, box.address, "Question about your quotation")
    mine = services.send(
        world.uow, world.student, to=partner_box.address, subject="Quotation", body="Here it is.", request_id=new_request_id(),
    )
    sent_item = _latest(world, world.student, queries.SENT)
    assert sent_item is not None and sent_item.message_id == mine
    expect_refusal(lambda: services.reply(world.uow, world.student, item_id=sent_item.item_id, body="Re", request_id=new_request_id()))
    partner_item = _latest(world, partner, queries.INBOX)
    if partner_item is not None:
        expect_refusal(lambda: services.reply(
            world.uow, world.student, item_id=partner_item.item_id, body="Re", request_id=new_request_id(),
        ))


# ----------------------------------------------------------------------------- EMAIL004


def _something_in_mailbox(world: BotWorld) -> queries.MailRow:
    for view in (queries.INBOX, queries.SENT, queries.DRAFTS):
        row = _latest(world, world.student, view)
        if row is not None:
            return row
    box = _student_box(world)
    _partner_writes(world, box.address, "Old newsletter")
    row = _latest(world, world.student, queries.INBOX)
    assert row is not None
    return row


@golden("EMAIL004")
def delete_mail(world: BotWorld) -> None:
    _student_box(world)
    row = _something_in_mailbox(world)
    services.delete(world.uow, world.student, item_id=row.item_id, request_id=new_request_id())


@wrong("EMAIL004")
def delete_wrong(world: BotWorld) -> None:
    """Tries to delete the partner's copy of a mail (refused); the partner deletes its own copy."""
    box = _student_box(world)
    partner, _ = _partner_box(world)
    _partner_writes(world, box.address, "Please delete me")
    partner_item = _latest(world, partner, queries.SENT)
    assert partner_item is not None
    expect_refusal(lambda: services.delete(world.uow, world.student, item_id=partner_item.item_id, request_id=new_request_id()))
    services.delete(world.uow, partner, item_id=partner_item.item_id, request_id=new_request_id())


# ----------------------------------------------------------------------------- EMAIL006


@golden("EMAIL006")
def configure_mailbox(world: BotWorld) -> None:
    box = _student_box(world)
    services.configure(
        world.uow, world.student, display_name=world.student.full_name, address=box.address,
        username=box.local_part, password=BOT_MAIL_PASSWORD, request_id=new_request_id(),
    )


@wrong("EMAIL006")
def configure_wrong(world: BotWorld) -> None:
    """Confirms the partner's address and a wrong password (both refused); the partner
    configures its own mailbox."""
    box = _student_box(world)
    partner, partner_box = _partner_box(world)
    expect_refusal(lambda: services.configure(
        world.uow, world.student, display_name=world.student.full_name, address=partner_box.address,
        username=box.local_part, password=BOT_MAIL_PASSWORD, request_id=new_request_id(),
    ))
    expect_refusal(lambda: services.configure(
        world.uow, world.student, display_name=world.student.full_name, address=box.address,
        username=box.local_part, password="not-the-password", request_id=new_request_id(),  # noqa: S106
    ))
    services.configure(
        world.uow, partner, display_name=partner.full_name, address=partner_box.address,
        username=partner_box.local_part, password=BOT_MAIL_PASSWORD, request_id=new_request_id(),
    )


# ----------------------------------------------------------------------------- EMAIL007


@golden("EMAIL007")
def save_draft(world: BotWorld) -> None:
    _student_box(world)
    _, partner_box = _partner_box(world)
    services.save_draft(
        world.uow, world.student, to=partner_box.address, subject="Draft: price list",
        body="Dear partner,\n\nplease find our price list below (to be completed).", request_id=new_request_id(),
    )


@wrong("EMAIL007")
def save_draft_wrong(world: BotWorld) -> None:
    """Saves a draft without content (refused), then clicks Send instead of Save."""
    _student_box(world)
    _, partner_box = _partner_box(world)
    expect_refusal(lambda: services.save_draft(
        world.uow, world.student, to=partner_box.address, subject="Draft: price list", body="", request_id=new_request_id(),
    ))
    services.send(
        world.uow, world.student, to=partner_box.address, subject="Draft: price list",
        body="Dear partner,\n\nhere is our price list.", request_id=new_request_id(),
    )
