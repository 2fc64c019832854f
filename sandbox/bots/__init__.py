"""Bots: scripted actors that play any persona through the same services as the pages.

For every task code a module registers a *golden* run (does the task right, so its check must
pass) and a *wrong* run (a deliberate mistake, so its check must fail). A run receives a
:class:`BotWorld`: the class, the student being played, and counterpart bots on demand.

Invariants:
- Bots call services only (never SQL), so every action is logged like a person's.
- A run acting *as the student* uses the student's Actor: that is how the demo fills a class.
- Counterparts (``world.partner()``) are bot users of the class with role ``bot``; their
  actions never earn the student credit.
- A golden run may assume the golden runs of its task's ``requires`` closure were done first
  (the engine arranges that); anything else it needs (a received mail, say) it makes itself.
"""

from __future__ import annotations

import secrets
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field

from sqlalchemy import select

from sandbox.actor import BOT, Actor
from sandbox.errors import DomainError
from sandbox.identity.models import Membership, User
from sandbox.identity.passwords import hash_password
from sandbox.identity.services import actor_for
from sandbox.uow import UnitOfWork
from sandbox.validation import username_key

RunFn = Callable[["BotWorld"], None]
GOLDEN: dict[str, RunFn] = {}
WRONG: dict[str, RunFn] = {}


def new_request_id() -> str:
    """A fresh idempotency key, as a page makes one per form rendering."""
    return uuid.uuid4().hex


def expect_refusal(fn: Callable[[], object]) -> None:
    """Try something the services must refuse (a wrong run's mistake); a refusal is the expected outcome."""
    try:
        fn()
    except DomainError:
        pass


def golden(code: str) -> Callable[[RunFn], RunFn]:
    """Register the golden run of task ``code``."""

    def register(fn: RunFn) -> RunFn:
        GOLDEN[code] = fn
        return fn

    return register


def wrong(code: str) -> Callable[[RunFn], RunFn]:
    """Register the deliberately wrong run of task ``code``."""

    def register(fn: RunFn) -> RunFn:
        WRONG[code] = fn
        return fn

    return register


@dataclass
class BotWorld:
    """The stage of one bot run: a class, the student played, and scratch shared between runs."""

    uow: UnitOfWork
    class_id: int
    student: Actor
    scratch: dict[str, object] = field(default_factory=dict)

    def partner(self, name: str = "partner") -> Actor:
        """A counterpart bot of this class (created on first use), e.g. a mail correspondent."""
        return ensure_bot(self.uow, self.class_id, f"bot-{self.class_id}-{name}", f"Bot {name}")


def ensure_bot(uow: UnitOfWork, class_id: int, username: str, full_name: str) -> Actor:
    """The bot user ``username`` in class ``class_id``, created if missing (it cannot log in)."""
    key = username_key(username)
    with uow.write() as s:
        user = s.scalar(select(User).where(User.username_key == key))
        if user is None:
            user = User(
                username=username,
                username_key=key,
                full_name=full_name,
                role=BOT,
                password_hash=hash_password(secrets.token_urlsafe(24)),
                must_change_password=False,
            )
            s.add(user)
            s.flush()
        if s.scalar(select(Membership.id).where(Membership.class_id == class_id, Membership.user_id == user.id)) is None:
            s.add(Membership(class_id=class_id, user_id=user.id, role=BOT))
            s.flush()
        return actor_for(s, user, class_id)


def load_all() -> None:
    """Import every module's bot scripts so GOLDEN and WRONG are complete."""
    from sandbox.bots import b2b, b2b_partners, ca, ebank, email, logistics  # noqa: F401
