"""Read-only views of the actor's own mailbox: folders with counts, one message, the address book.

Invariants: every query starts from the actor's own mailbox in the actor's class; an item of
another mailbox is ``email.not_found``, never shown. Nothing here writes (marking a message
read is ``services.mark_read``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select
from sqlalchemy.orm import Session, aliased

from sandbox.actor import Actor
from sandbox.email.models import DRAFTS, INBOX, SENT, Mailbox, MailItem, Message
from sandbox.errors import DomainError

TRASH = "trash"
VIEWS = (INBOX, SENT, DRAFTS, TRASH)
FOLDER_LIMIT = 200


@dataclass(frozen=True)
class MailboxInfo:
    id: int
    class_id: int
    address: str
    local_part: str
    full_name: str
    created_at: datetime
    display_name: str | None
    config_address: str | None
    config_username: str | None
    configured_at: datetime | None


@dataclass(frozen=True)
class FolderCounts:
    inbox: int
    unread: int
    sent: int
    drafts: int
    trash: int

    def of(self, view: str) -> int:
        return int(getattr(self, view))


@dataclass(frozen=True)
class MailRow:
    item_id: int
    message_id: int
    folder: str
    sender: str
    sender_name: str
    to: tuple[str, ...]
    subject: str
    at: datetime
    read: bool
    deleted: bool
    is_system: bool


@dataclass(frozen=True)
class MailView:
    item_id: int
    message_id: int
    folder: str
    sender: str
    sender_name: str
    to: tuple[str, ...]
    subject: str
    body: str
    at: datetime
    sent: bool
    read: bool
    deleted: bool
    is_system: bool
    in_reply_to_subject: str | None

    @property
    def can_reply(self) -> bool:
        """Only a message one received can be replied to (EMAIL002)."""
        return self.folder == INBOX

    @property
    def is_draft(self) -> bool:
        return self.folder == DRAFTS and not self.deleted


def info(box: Mailbox) -> MailboxInfo:
    return MailboxInfo(
        id=box.id,
        class_id=box.class_id,
        address=box.address,
        local_part=box.local_part,
        full_name=box.full_name,
        created_at=box.created_at,
        display_name=box.display_name,
        config_address=box.config_address,
        config_username=box.config_username,
        configured_at=box.configured_at,
    )


def own_mailbox(session: Session, actor: Actor) -> Mailbox | None:
    """The actor's mailbox row in the actor's class (internal to the EMAIL package)."""
    if actor.class_id is None:
        return None
    return session.scalar(
        select(Mailbox)
        .where(Mailbox.class_id == actor.class_id, Mailbox.owner_id == actor.user_id)
        .order_by(Mailbox.id)
        .limit(1)
    )


def my_mailbox(session: Session, actor: Actor) -> MailboxInfo | None:
    """The actor's mailbox in their class, or None before EMAIL001."""
    box = own_mailbox(session, actor)
    return info(box) if box is not None else None


def address_of(session: Session, class_id: int, user_id: int) -> str | None:
    """The mail address of ``user_id`` in ``class_id`` (for other modules' notifications)."""
    return session.scalar(
        select(Mailbox.address)
        .where(Mailbox.class_id == class_id, Mailbox.owner_id == user_id)
        .order_by(Mailbox.id)
        .limit(1)
    )


def folder_counts(session: Session, actor: Actor) -> FolderCounts:
    """Messages per folder of the actor's mailbox (trash = deleted items of any folder)."""
    box = own_mailbox(session, actor)
    if box is None:
        return FolderCounts(0, 0, 0, 0, 0)
    live = MailItem.deleted_at.is_(None)
    row = session.execute(
        select(
            func.count(case((live & (MailItem.folder == INBOX), 1))),
            func.count(case((live & (MailItem.folder == INBOX) & MailItem.read_at.is_(None), 1))),
            func.count(case((live & (MailItem.folder == SENT), 1))),
            func.count(case((live & (MailItem.folder == DRAFTS), 1))),
            func.count(case((MailItem.deleted_at.is_not(None), 1))),
        ).where(MailItem.mailbox_id == box.id)
    ).one()
    return FolderCounts(*(int(n or 0) for n in row))


def _when(msg: Message) -> datetime:
    return msg.sent_at or msg.updated_at


def folder(session: Session, actor: Actor, view: str, *, limit: int = FOLDER_LIMIT) -> list[MailRow]:
    """The newest ``limit`` messages of one view (inbox, sent, drafts, trash) of the actor's mailbox."""
    if view not in VIEWS:
        raise DomainError("email.bad_folder", folder=view)
    box = own_mailbox(session, actor)
    if box is None:
        return []
    query = (
        select(MailItem, Message)
        .join(Message, Message.id == MailItem.message_id)
        .where(MailItem.mailbox_id == box.id)
    )
    if view == TRASH:
        query = query.where(MailItem.deleted_at.is_not(None)).order_by(MailItem.deleted_at.desc(), MailItem.id.desc())
    else:
        query = query.where(MailItem.folder == view, MailItem.deleted_at.is_(None)).order_by(MailItem.id.desc())
    rows = session.execute(query.limit(limit)).all()
    return [
        MailRow(
            item_id=item.id,
            message_id=msg.id,
            folder=item.folder,
            sender=msg.sender_address,
            sender_name=msg.sender_name,
            to=tuple(msg.to_addresses or ()),
            subject=msg.subject,
            at=_when(msg),
            read=item.read_at is not None or item.folder != INBOX,
            deleted=item.deleted_at is not None,
            is_system=msg.is_system,
        )
        for item, msg in rows
    ]


def message(session: Session, actor: Actor, item_id: int) -> MailView:
    """One message of the actor's own mailbox; ``email.not_found`` for anyone else's."""
    box = own_mailbox(session, actor)
    if box is None:
        raise DomainError("email.no_mailbox")
    original = aliased(Message)
    row = session.execute(
        select(MailItem, Message, original.subject)
        .join(Message, Message.id == MailItem.message_id)
        .outerjoin(original, original.id == Message.in_reply_to_id)
        .where(MailItem.id == item_id, MailItem.mailbox_id == box.id)
    ).first()
    if row is None:
        raise DomainError("email.not_found")
    item, msg, original_subject = row
    return MailView(
        item_id=item.id,
        message_id=msg.id,
        folder=item.folder,
        sender=msg.sender_address,
        sender_name=msg.sender_name,
        to=tuple(msg.to_addresses or ()),
        subject=msg.subject,
        body=msg.body,
        at=_when(msg),
        sent=msg.sent_at is not None,
        read=item.read_at is not None or item.folder != INBOX,
        deleted=item.deleted_at is not None,
        is_system=msg.is_system,
        in_reply_to_subject=original_subject,
    )


def address_book(session: Session, actor: Actor) -> list[tuple[str, str]]:
    """``(address, full name)`` of every mailbox of the actor's class, by address."""
    if actor.class_id is None:
        return []
    rows = session.execute(
        select(Mailbox.address, Mailbox.full_name)
        .where(Mailbox.class_id == actor.class_id, Mailbox.owner_id.is_not(None))
        .order_by(Mailbox.address)
    ).all()
    return [(a, n) for a, n in rows]
