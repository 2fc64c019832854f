"""Who may act on the B2B platform: the member behind a B2B workspace session, and numbering.

Invariants:
- Every B2B service that acts as a member takes the page's session ``token`` and resolves it
  with :func:`member_of` inside its own transaction: the session must be live, belong to the
  actor, be in the actor's class, and (when asked) be of the right member type. Nothing in a
  form can name another member to act as.
- A document is touched only by the members it names (``b2b.not_yours`` otherwise), checked by
  :func:`require_party`.
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import timedelta

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.actor import Actor
from sandbox.b2b.models import Member, MemberSession
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.identity.services import require_participant

SESSION_LIFETIME = timedelta(hours=4)


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def new_token() -> str:
    return secrets.token_urlsafe(32)


def new_number(prefix: str) -> str:
    """A document number: prefix, UTC date and 6 random hex digits (e.g. ``PO20261123-3FA9C1``)."""
    return f"{prefix}{utcnow():%Y%m%d}-{secrets.token_hex(3).upper()}"


def member_of(session: Session, actor: Actor, token: str | None, member_type: str | None = None) -> Member:
    """The member of the actor's live B2B session ``token``.

    Raises auth.forbidden / class.not_found (not a participant of a class), b2b.login_required
    (no live session of this actor and class), b2b.wrong_member_type (a buyer session on a
    supplier action or the other way round).
    """
    class_id = require_participant(session, actor)
    if not token:
        raise DomainError("b2b.login_required")
    row = session.scalar(select(MemberSession).where(MemberSession.token_hash == token_hash(str(token))))
    if (
        row is None or row.user_id != actor.user_id or row.class_id != class_id or row.ended_at is not None
        or row.expires_at <= utcnow()
    ):
        raise DomainError("b2b.login_required")
    member = session.get(Member, row.member_id)
    if member is None or member.owner_id != actor.user_id or member.class_id != class_id:
        raise DomainError("b2b.login_required")
    if member_type is not None and member.member_type != member_type:
        raise DomainError("b2b.wrong_member_type", expected=member_type)
    return member


def require_party(member: Member, *member_ids: int | None) -> None:
    """``b2b.not_yours`` unless ``member`` is one of the members a document names."""
    if member.id not in member_ids:
        raise DomainError("b2b.not_yours")


def own_members(session: Session, actor: Actor) -> list[Member]:
    """The actor's members in their class (at most one buyer and one supplier)."""
    if actor.class_id is None:
        return []
    return list(
        session.scalars(
            select(Member).where(Member.class_id == actor.class_id, Member.owner_id == actor.user_id).order_by(Member.id)
        )
    )
