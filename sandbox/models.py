"""Imports every model module so ``Base.metadata`` is complete (migrations, create_all)."""

from sandbox.events import Event
from sandbox.identity.models import Classroom, LoginSession, Membership, User

__all__ = ["Classroom", "Event", "LoginSession", "Membership", "User"]
