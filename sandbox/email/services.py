"""E-mail services: apply for a mailbox, send, reply, delete, configure, save drafts; system mail.

Task codes: EMAIL001 register_mailbox, EMAIL002 reply, EMAIL003 send (also sending a draft),
EMAIL004 delete, EMAIL006 configure, EMAIL007 save_draft. Other modules notify a mailbox with
:func:`deliver_system_mail` inside their own transaction.

Invariants:
- Each public service is one transaction (``uow.write()``) and writes its event there, with the
  task code; a DomainError changes nothing. Mutating services take a ``request_id``: calling
  again with the same id returns the first result and does nothing more.
- Only students and bots have mailboxes, one per class each; every item touched is looked up
  through the actor's own mailbox (another user's mail is ``email.not_found``).
- Mail never crosses classes: a recipient must be a mailbox of the sender's class in the domain
  ``sandbox.test``; system senders (``notice@sandbox.test`` ...) receive nothing.
- Subject and body are stored verbatim (HTML and ``<script>`` included) and only ever shown as
  text. Limits: subject 200, body 20,000 characters, 10 recipients.

Events (kind → task code): email.mailbox_registered → EMAIL001 (subject: address),
email.sent → EMAIL003, email.replied → EMAIL002, email.draft_saved → EMAIL007 (subject: message
id), email.deleted → EMAIL004 (subject: item id), email.configured → EMAIL006 (subject: mailbox
id), email.read (subject: item id), email.system_delivered (subject: message id).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.db import utcnow
from sandbox.email import queries
from sandbox.email.models import (
    DRAFTS,
    INBOX,
    MAIL_DOMAIN,
    MAX_BODY,
    MAX_RECIPIENTS,
    MAX_SUBJECT,
    SENT,
    Mailbox,
    MailItem,
    Message,
)
from sandbox.errors import DomainError
from sandbox.identity.passwords import hash_password, verify_password
from sandbox.identity.services import require_participant
from sandbox.uow import UnitOfWork
from sandbox.validation import check_new_password, clean_text

# ----------------------------------------------------------------------------- addresses

LOCAL_RE = re.compile(r"^[a-z0-9](?:[a-z0-9._-]*[a-z0-9])?$")
DOMAIN_RE = re.compile(r"^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)+$")
_SPLIT = re.compile(r"[,;\s]+")
_LINE_BAD = re.compile(r"[\x00-\x1f\x7f-\x9f]")  # C0 and C1 controls, line breaks too
_BODY_BAD = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # tab and line breaks allowed

#: System senders: they send notifications and never receive (a reply to them goes nowhere).
SYSTEM_SENDERS = frozenset({"notice", "postmaster", "ca", "bank", "b2b", "b2c", "c2c", "netsell", "logistics", "edi"})
RESERVED_LOCAL_PARTS = SYSTEM_SENDERS | frozenset(
    {"admin", "administrator", "root", "system", "noreply", "no-reply", "mailer-daemon", "webmaster",
     "hostmaster", "abuse", "security"}
)


def system_address(sender: str = "notice") -> str:
    return f"{sender}@{MAIL_DOMAIN}"


def normalize_address(value: object) -> str:
    """An address as typed (full-width ＠, capitals, spaces) in canonical lower-case form."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().lower()


def check_address(value: object, field: str = "email.to") -> str:
    """A well-formed address of this sandbox's mail domain; ``email.bad_address`` /
    ``email.foreign_domain`` otherwise."""
    address = normalize_address(value)
    local, at, domain = address.rpartition("@")
    if (
        not at
        or not local
        or len(address) > 120
        or len(local) > 64
        or not LOCAL_RE.match(local)
        or ".." in local
        or not DOMAIN_RE.match(domain)
    ):
        raise DomainError("email.bad_address", field=field, address=str(value or "").strip()[:120])
    if domain != MAIL_DOMAIN:
        raise DomainError("email.foreign_domain", field=field, address=address, domain=MAIL_DOMAIN)
    return address


def parse_recipients(value: str | Iterable[str] | None, field: str = "email.to") -> list[str]:
    """The distinct, well-formed recipient addresses of a "To" field (split on , ; or blanks)."""
    parts: list[str] = []
    items = [value] if isinstance(value, str) or value is None else list(value)
    for item in items:
        text = unicodedata.normalize("NFKC", str(item or ""))
        parts.extend(p for p in _SPLIT.split(text) if p)
    if not parts:
        raise DomainError("input.required", field=field)
    out: list[str] = []
    for part in parts:
        address = check_address(part, field)
        if address not in out:
            out.append(address)
    if len(out) > MAX_RECIPIENTS:
        raise DomainError("email.too_many_recipients", field=field, max=MAX_RECIPIENTS, count=len(out))
    return out


def clean_local_part(value: object, field: str = "email.local_part") -> str:
    """A mailbox user name (the part before @): 3–32 of a-z, 0-9, '.', '_', '-'."""
    local = normalize_address(value)
    if not local:
        raise DomainError("input.required", field=field)
    if not 3 <= len(local) <= 32 or not LOCAL_RE.match(local) or ".." in local:
        raise DomainError("email.bad_local_part", field=field)
    if local in RESERVED_LOCAL_PARTS:
        raise DomainError("email.reserved_local_part", field=field, local=local)
    return local


def clean_subject(value: object, *, required: bool = True) -> str:
    """A subject line, kept verbatim apart from surrounding blanks."""
    text = str(value or "").strip()
    if required and not text:
        raise DomainError("input.required", field="email.subject")
    if len(text) > MAX_SUBJECT:
        raise DomainError("input.too_long", field="email.subject", max=MAX_SUBJECT)
    if _LINE_BAD.search(text):
        raise DomainError("input.bad_chars", field="email.subject")
    return text


def clean_body(value: object, *, required: bool = True) -> str:
    """A mail body, verbatim (HTML too) except that line ends become ``\\n``."""
    text = str(value or "").replace("\r\n", "\n").replace("\r", "\n")
    if required and not text.strip():
        raise DomainError("input.required", field="email.body")
    if len(text) > MAX_BODY:
        raise DomainError("input.too_long", field="email.body", max=MAX_BODY)
    if _BODY_BAD.search(text):
        raise DomainError("input.bad_chars", field="email.body")
    return text


# ----------------------------------------------------------------------------- helpers




def _require_mailbox(session: Session, actor: Actor) -> Mailbox:
    require_participant(session, actor)
    box = queries.own_mailbox(session, actor)
    if box is None:
        raise DomainError("email.no_mailbox")
    return box


def _own_item(session: Session, box: Mailbox, item_id: object) -> tuple[MailItem, Message]:
    try:
        key = int(str(item_id))
    except ValueError:
        raise DomainError("email.not_found") from None
    row = session.execute(
        select(MailItem, Message)
        .join(Message, Message.id == MailItem.message_id)
        .where(MailItem.id == key, MailItem.mailbox_id == box.id)
    ).first()
    if row is None:
        raise DomainError("email.not_found")
    return row[0], row[1]


def _recipient_boxes(session: Session, class_id: int, addresses: Sequence[str], field: str = "email.to") -> list[Mailbox]:
    """The mailboxes of ``addresses`` in ``class_id``, in order; refuses unknown and foreign ones."""
    found = {b.address: b for b in session.scalars(select(Mailbox).where(Mailbox.address.in_(list(addresses))))}
    boxes: list[Mailbox] = []
    for address in addresses:
        box = found.get(address)
        if box is None or box.owner_id is None:
            raise DomainError("email.unknown_recipient", field=field, address=address)
        if box.class_id != class_id:
            raise DomainError("email.foreign_address", field=field, address=address)
        boxes.append(box)
    return boxes


def _deliver(session: Session, message: Message, boxes: Iterable[Mailbox]) -> int:
    count = 0
    for box in boxes:
        session.add(MailItem(mailbox_id=box.id, message_id=message.id, folder=INBOX, created_at=message.sent_at))
        count += 1
    session.flush()
    return count


def _draft_of(session: Session, box: Mailbox, draft_item_id: object) -> tuple[MailItem, Message]:
    item, msg = _own_item(session, box, draft_item_id)
    if item.folder != DRAFTS or msg.sent_at is not None:
        raise DomainError("email.not_a_draft")
    if item.deleted_at is not None:
        raise DomainError("email.already_deleted")
    return item, msg


def _replayed_id(session: Session, request_id: str | None) -> int | None:
    done = events.replayed(session, request_id)
    if done is None:
        return None
    return int(done.subject) if done.subject and done.subject.isdigit() else 0


# ----------------------------------------------------------------------------- EMAIL001


def register_mailbox(
    uow: UnitOfWork,
    actor: Actor,
    *,
    local_part: str,
    full_name: str,
    password: str,
    password_confirm: str,
    request_id: str | None = None,
) -> queries.MailboxInfo:
    """EMAIL001: apply for a mailbox ``local_part@sandbox.test``.

    Raises email.bad_local_part, email.reserved_local_part, email.address_taken,
    email.already_registered, input.*, auth.forbidden, class.not_found.
    """
    local = clean_local_part(local_part)
    full = clean_text(full_name, "email.full_name", max_len=100)
    pw = check_new_password(password, password_confirm, field="email.password")
    password_hash = hash_password(pw)  # argon2 outside the write transaction
    address = f"{local}@{MAIL_DOMAIN}"
    with uow.write() as s:
        class_id = require_participant(s, actor)
        if events.replayed(s, request_id) is not None:
            box = queries.own_mailbox(s, actor)
            assert box is not None
            return queries.info(box)
        if queries.own_mailbox(s, actor) is not None:
            raise DomainError("email.already_registered")
        if s.scalar(select(Mailbox.id).where(Mailbox.address == address)) is not None:
            raise DomainError("email.address_taken", field="email.local_part", address=address)
        box = Mailbox(
            class_id=class_id,
            owner_id=actor.user_id,
            address=address,
            local_part=local,
            full_name=full,
            password_hash=password_hash,
            created_at=utcnow(),
        )
        s.add(box)
        try:
            s.flush()
        except IntegrityError:  # a concurrent application took the address (PostgreSQL)
            raise DomainError("email.address_taken", field="email.local_part", address=address) from None
        events.record(
            s, "email.mailbox_registered", actor=actor, subject=address, task_code="EMAIL001",
            request_id=request_id, mailbox_id=box.id, address=address,
        )
        return queries.info(box)


# ----------------------------------------------------------------------------- EMAIL003 / 007


def _compose(
    s: Session, box: Mailbox, draft_item_id: int | None, addresses: list[str], subject: str, body: str, *, folder: str
) -> Message:
    """Write a new message, or over the draft ``draft_item_id``, into the sender's ``folder``.

    ``folder=SENT`` stamps it sent (a sent draft moves from Drafts to Sent); ``DRAFTS`` keeps it a draft.
    """
    now = utcnow()
    if draft_item_id is not None:
        item, msg = _draft_of(s, box, draft_item_id)
        if folder == SENT:
            item.folder = SENT
            item.created_at = now
    else:
        msg = Message(class_id=box.class_id, sender_mailbox_id=box.id, created_at=now)
        s.add(msg)
    msg.sender_address = box.address
    msg.sender_name = box.display_name or box.full_name
    msg.to_addresses = addresses
    msg.subject = subject
    msg.body = body
    msg.updated_at = now
    if folder == SENT:
        msg.sent_at = now
    s.flush()
    if draft_item_id is None:
        s.add(MailItem(mailbox_id=box.id, message_id=msg.id, folder=folder, created_at=now))
        s.flush()
    return msg


def send(
    uow: UnitOfWork,
    actor: Actor,
    *,
    to: str | Iterable[str] | None,
    subject: str,
    body: str,
    draft_item_id: int | None = None,
    request_id: str | None = None,
) -> int:
    """EMAIL003: send a message (a new one, or the draft ``draft_item_id``); returns its id.

    Raises input.required / input.too_long / input.bad_chars (email.to, email.subject,
    email.body), email.bad_address, email.foreign_domain, email.foreign_address,
    email.unknown_recipient, email.too_many_recipients, email.no_mailbox, email.not_found,
    email.not_a_draft.
    """
    addresses = parse_recipients(to)
    subj = clean_subject(subject)
    text = clean_body(body)
    with uow.write() as s:
        box = _require_mailbox(s, actor)
        done = _replayed_id(s, request_id)
        if done is not None:
            return done
        boxes = _recipient_boxes(s, box.class_id, addresses)
        msg = _compose(s, box, draft_item_id, addresses, subj, text, folder=SENT)
        delivered = _deliver(s, msg, boxes)
        events.record(
            s, "email.sent", actor=actor, subject=str(msg.id), task_code="EMAIL003", request_id=request_id,
            mailbox_id=box.id, to=addresses, delivered=delivered, from_draft=draft_item_id is not None,
        )
        return msg.id


def save_draft(
    uow: UnitOfWork,
    actor: Actor,
    *,
    to: str | Iterable[str] | None,
    subject: str,
    body: str,
    draft_item_id: int | None = None,
    request_id: str | None = None,
) -> int:
    """EMAIL007: save a message to Drafts (new, or over the draft ``draft_item_id``); delivers nothing.

    Raises the same input and address errors as :func:`send` (a draft names existing
    recipients of the class), email.no_mailbox, email.not_found, email.not_a_draft.
    """
    addresses = parse_recipients(to)
    subj = clean_subject(subject)
    text = clean_body(body)
    with uow.write() as s:
        box = _require_mailbox(s, actor)
        done = _replayed_id(s, request_id)
        if done is not None:
            return done
        _recipient_boxes(s, box.class_id, addresses)
        msg = _compose(s, box, draft_item_id, addresses, subj, text, folder=DRAFTS)
        events.record(
            s, "email.draft_saved", actor=actor, subject=str(msg.id), task_code="EMAIL007", request_id=request_id,
            mailbox_id=box.id, to=addresses, title=subj, body_chars=len(text), delivered=0,
            updated=draft_item_id is not None,
        )
        return msg.id


# ----------------------------------------------------------------------------- EMAIL002


def reply_subject(original: str) -> str:
    """``Re: <original>`` (not doubled), cut to the subject limit."""
    base = original.strip()
    text = base if base.lower().startswith("re:") else f"Re: {base}"
    return text[:MAX_SUBJECT]


def reply(
    uow: UnitOfWork,
    actor: Actor,
    *,
    item_id: int,
    body: str,
    subject: str | None = None,
    request_id: str | None = None,
) -> int:
    """EMAIL002: reply to a message the actor received (item ``item_id`` of their inbox).

    The recipient is the original sender; a reply to a system sender is kept in Sent but
    delivered nowhere. Raises email.not_found (not the actor's mail), email.reply_not_received,
    input.* (email.body, email.subject), email.no_mailbox.
    """
    text = clean_body(body)
    subj = clean_subject(subject, required=False) if subject is not None else ""
    with uow.write() as s:
        box = _require_mailbox(s, actor)
        done = _replayed_id(s, request_id)
        if done is not None:
            return done
        item, original = _own_item(s, box, item_id)
        if item.folder != INBOX:
            raise DomainError("email.reply_not_received")
        target: list[Mailbox] = []
        if not original.is_system and original.sender_mailbox_id is not None:
            sender_box = s.get(Mailbox, original.sender_mailbox_id)
            if sender_box is not None and sender_box.class_id == box.class_id and sender_box.owner_id is not None:
                target = [sender_box]
        now = utcnow()
        msg = Message(
            class_id=box.class_id,
            sender_mailbox_id=box.id,
            sender_address=box.address,
            sender_name=box.display_name or box.full_name,
            to_addresses=[original.sender_address],
            subject=subj or reply_subject(original.subject),
            body=text,
            in_reply_to_id=original.id,
            created_at=now,
            updated_at=now,
            sent_at=now,
        )
        s.add(msg)
        s.flush()
        s.add(MailItem(mailbox_id=box.id, message_id=msg.id, folder=SENT, created_at=now))
        delivered = _deliver(s, msg, target)
        events.record(
            s, "email.replied", actor=actor, subject=str(msg.id), task_code="EMAIL002", request_id=request_id,
            mailbox_id=box.id, in_reply_to=original.id, to=[original.sender_address], delivered=delivered,
        )
        return msg.id


# ----------------------------------------------------------------------------- EMAIL004


def delete(uow: UnitOfWork, actor: Actor, *, item_id: int, request_id: str | None = None) -> None:
    """EMAIL004: move one message of the actor's own mailbox to Trash (a soft delete).

    Raises email.not_found (not the actor's mail), email.already_deleted, email.no_mailbox.
    """
    with uow.write() as s:
        box = _require_mailbox(s, actor)
        if events.replayed(s, request_id) is not None:
            return
        item, msg = _own_item(s, box, item_id)
        if item.deleted_at is not None:
            raise DomainError("email.already_deleted")
        item.deleted_at = utcnow()
        item.deleted_by = actor.user_id
        events.record(
            s, "email.deleted", actor=actor, subject=str(item.id), task_code="EMAIL004", request_id=request_id,
            mailbox_id=box.id, message_id=msg.id, folder=item.folder,
        )


def mark_read(uow: UnitOfWork, actor: Actor, *, item_id: int) -> None:
    """Mark a received message as read (first opening only). Raises email.not_found."""
    with uow.write() as s:
        box = _require_mailbox(s, actor)
        item, msg = _own_item(s, box, item_id)
        if item.folder == INBOX and item.read_at is None:
            item.read_at = utcnow()
            events.record(s, "email.read", actor=actor, subject=str(item.id), mailbox_id=box.id, message_id=msg.id)


# ----------------------------------------------------------------------------- EMAIL006


def configure(
    uow: UnitOfWork,
    actor: Actor,
    *,
    display_name: str,
    address: str,
    username: str,
    password: str,
    request_id: str | None = None,
) -> queries.MailboxInfo:
    """EMAIL006: save the mail-client configuration (display name, address, account credentials).

    The address must be the mailbox's own, the user name its user name (the part before @) and
    the password its password. Raises input.required (email.display_name ...),
    email.config_address_mismatch, email.config_username_mismatch, email.config_bad_password,
    email.bad_address, email.no_mailbox.
    """
    display = clean_text(display_name, "email.display_name", max_len=100)
    if not normalize_address(address):
        raise DomainError("input.required", field="email.config_address")
    confirmed = check_address(address, field="email.config_address")
    user = normalize_address(username)
    if not user:
        raise DomainError("input.required", field="email.config_username")
    if not password:
        raise DomainError("input.required", field="email.config_password")
    with uow.read() as s:
        box = _require_mailbox(s, actor)
        mailbox_id, stored_hash = box.id, box.password_hash
        if confirmed != box.address:
            raise DomainError("email.config_address_mismatch", field="email.config_address", address=box.address)
        if user != box.local_part:
            raise DomainError("email.config_username_mismatch", field="email.config_username")
    if not verify_password(stored_hash, str(password)[:128]):  # argon2 outside any transaction
        raise DomainError("email.config_bad_password", field="email.config_password")
    config_hash = hash_password(str(password)[:128])
    with uow.write() as s:
        box = _require_mailbox(s, actor)
        if box.id != mailbox_id:
            raise DomainError("email.not_found")
        if events.replayed(s, request_id) is not None:
            return queries.info(box)
        box.display_name = display
        box.config_address = confirmed
        box.config_username = user
        box.config_password_hash = config_hash
        box.configured_at = utcnow()
        events.record(
            s, "email.configured", actor=actor, subject=str(box.id), task_code="EMAIL006", request_id=request_id,
            mailbox_id=box.id, display_name=display, address=confirmed, username=user,
        )
        return queries.info(box)


# ----------------------------------------------------------------------------- system mail


@dataclass(frozen=True)
class SystemMail:
    message_id: int
    delivered: int


def deliver_system_mail(
    session: Session,
    class_id: int,
    to_address: str | Iterable[str],
    subject: str,
    body: str,
    kind: str,
    *,
    sender: str = "notice",
    sender_name: str = "",
    actor: Actor | None = None,
    task_code: str | None = None,
    **data: Any,
) -> SystemMail:
    """Deliver a system notification (certificate number, password, order news ...) to mailboxes
    of ``class_id``, inside the caller's transaction. ``kind`` names the notification.

    Raises email.bad_address, email.foreign_domain, email.unknown_recipient,
    email.foreign_address, email.too_many_recipients, input.* — so a caller's form naming a
    wrong mailbox is refused whole.
    """
    if sender not in SYSTEM_SENDERS:
        raise ValueError(f"unknown system sender {sender!r}")
    addresses = parse_recipients(to_address)
    subj = clean_subject(subject)
    text = clean_body(body)
    boxes = _recipient_boxes(session, class_id, addresses)
    now = utcnow()
    msg = Message(
        class_id=class_id,
        sender_mailbox_id=None,
        sender_address=system_address(sender),
        sender_name=sender_name[:100],
        to_addresses=addresses,
        subject=subj,
        body=text,
        is_system=True,
        system_kind=kind[:64],
        created_at=now,
        updated_at=now,
        sent_at=now,
    )
    session.add(msg)
    session.flush()
    delivered = _deliver(session, msg, boxes)
    events.record(
        session, "email.system_delivered", actor=actor, class_id=class_id, subject=str(msg.id),
        task_code=task_code, mail_kind=kind, to=addresses, delivered=delivered, **data,
    )
    return SystemMail(msg.id, delivered)
