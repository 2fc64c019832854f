"""Mailboxes, messages and the per-mailbox copies of messages (the EMAIL module).

Invariants:
- The sandbox has one mail domain, ``sandbox.test``. ``mailboxes.address`` is the lower-cased
  ``local@sandbox.test`` and unique across all classes (addresses are case-insensitive).
- A mailbox belongs to one class and one owner (one mailbox per owner and class); mail never crosses classes: every recipient
  of a message is a mailbox of the message's class.
- A message is written once. A draft (``sent_at`` NULL) may be edited until it is sent; a sent
  message never changes again. System notifications have no sender mailbox (``is_system``).
- Each mailbox sees a message through its own *item* (folder inbox | sent | drafts). Deleting
  is a soft delete of one item (``deleted_at`` + ``deleted_by``): the other copies, the message
  and the event log stay, so the grader can prove who deleted what.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.db import Base, UTCDateTime, utcnow

MAIL_DOMAIN = "sandbox.test"
MAX_ADDRESS = 120
MAX_SUBJECT = 200
MAX_BODY = 20_000
MAX_RECIPIENTS = 10

INBOX = "inbox"
SENT = "sent"
DRAFTS = "drafts"
FOLDERS = (INBOX, SENT, DRAFTS)


class Mailbox(Base):
    """A student's (or bot's) mail account in one class, with its mail-client configuration."""

    __tablename__ = "mailboxes"
    __table_args__ = (UniqueConstraint("class_id", "owner_id"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    address: Mapped[str] = mapped_column(String(MAX_ADDRESS), unique=True)
    local_part: Mapped[str] = mapped_column(String(64))
    full_name: Mapped[str] = mapped_column(String(100))
    password_hash: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # EMAIL006: the mail-client configuration (display name, address, account user name).
    display_name: Mapped[str | None] = mapped_column(String(100))
    config_address: Mapped[str | None] = mapped_column(String(MAX_ADDRESS))
    config_username: Mapped[str | None] = mapped_column(String(64))
    config_password_hash: Mapped[str | None] = mapped_column(String(255))
    configured_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Message(Base):
    """One mail: a draft (``sent_at`` NULL) or a sent message; system mail has no sender mailbox."""

    __tablename__ = "mail_messages"
    __table_args__ = (Index("ix_mail_messages_class_sent", "class_id", "sent_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    sender_mailbox_id: Mapped[int | None] = mapped_column(
        ForeignKey("mailboxes.id", ondelete="CASCADE"), index=True
    )
    sender_address: Mapped[str] = mapped_column(String(MAX_ADDRESS))
    sender_name: Mapped[str] = mapped_column(String(100), default="")
    to_addresses: Mapped[list[Any]] = mapped_column(JSON, default=list)
    subject: Mapped[str] = mapped_column(String(MAX_SUBJECT), default="")
    body: Mapped[str] = mapped_column(Text, default="")
    in_reply_to_id: Mapped[int | None] = mapped_column(
        ForeignKey("mail_messages.id", ondelete="SET NULL"), index=True
    )
    is_system: Mapped[bool] = mapped_column(Boolean, default=False)
    system_kind: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MailItem(Base):
    """One mailbox's copy of a message, in one folder; deleting it is a soft delete."""

    __tablename__ = "mail_items"
    __table_args__ = (
        UniqueConstraint("mailbox_id", "message_id", "folder"),
        CheckConstraint("folder IN ('inbox', 'sent', 'drafts')", name="folder"),
        Index("ix_mail_items_mailbox_folder", "mailbox_id", "folder"),
        Index("ix_mail_items_message_folder", "message_id", "folder"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    mailbox_id: Mapped[int] = mapped_column(ForeignKey("mailboxes.id", ondelete="CASCADE"))
    message_id: Mapped[int] = mapped_column(ForeignKey("mail_messages.id", ondelete="CASCADE"))
    folder: Mapped[str] = mapped_column(String(8))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    deleted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
