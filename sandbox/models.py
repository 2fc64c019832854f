"""Imports every model module so ``Base.metadata`` is complete (migrations, create_all)."""

from sandbox.email.models import Mailbox, MailItem, Message
from sandbox.events import Event
from sandbox.identity.models import Classroom, LoginSession, Membership, User

__all__ = ["Classroom", "Event", "LoginSession", "MailItem", "Mailbox", "Membership", "Message", "User"]
