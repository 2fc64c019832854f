"""Who may act as a logistics provider, and the input guards the logistics services share.

Invariants:
- A provider service acts only as the actor's own provider in the actor's class
  (:func:`provider_of`); nothing in a form can name another provider to act as.
- A document is touched only by the provider it names (``lgs.not_yours`` otherwise).
- Goods lines are ``{product id: quantity}`` with whole quantities 1..``MAX_QUANTITY`` and at
  most ``MAX_LINES`` products; they are checked before any transaction opens.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.actor import Actor
from sandbox.errors import DomainError
from sandbox.identity.services import require_participant
from sandbox.logistics.models import Provider

MAX_QUANTITY = 100_000
MAX_LINES = 50


def provider_of(session: Session, actor: Actor) -> Provider:
    """The actor's own logistics provider in their class.

    Raises auth.forbidden / class.not_found (not a participant of a class), lgs.not_registered
    (the actor has not registered a provider, LGS001).
    """
    class_id = require_participant(session, actor)
    provider = session.scalar(select(Provider).where(Provider.class_id == class_id, Provider.owner_id == actor.user_id))
    if provider is None:
        raise DomainError("lgs.not_registered")
    return provider


def provider_or_none(session: Session, actor: Actor) -> Provider | None:
    """The actor's provider, or None (for pages deciding what to show)."""
    try:
        return provider_of(session, actor)
    except DomainError:
        return None


def require_own(provider: Provider, provider_id: int | None) -> None:
    """``lgs.not_yours`` unless a document (or warehouse) names ``provider``."""
    if provider_id != provider.id:
        raise DomainError("lgs.not_yours")


def as_id(value: object, field: str) -> int:
    """A row id typed or picked in a form (a positive integer); else ``input.required``/``lgs.bad_id``."""
    if value is None or value == "":
        raise DomainError("input.required", field=field)
    if isinstance(value, bool):
        raise DomainError("lgs.bad_id", field=field)
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not text.isdigit() or not text.isascii():
            raise DomainError("lgs.bad_id", field=field)
        number = int(text)
    if number <= 0 or number > 2**31 - 1:
        raise DomainError("lgs.bad_id", field=field)
    return number


def as_quantity(value: object, field: str = "lgs.quantity", *, maximum: int = MAX_QUANTITY) -> int:
    """A whole quantity 1..``maximum`` (ints or digit strings; never bool or float)."""
    if isinstance(value, bool) or isinstance(value, float):
        raise DomainError("lgs.bad_quantity", field=field, max=maximum)
    if isinstance(value, int):
        number = value
    else:
        text = str(value if value is not None else "").strip()
        if not text.isascii() or not text.lstrip("-").isdigit():
            raise DomainError("lgs.bad_quantity", field=field, max=maximum)
        number = int(text)
    if number < 1 or number > maximum:
        raise DomainError("lgs.bad_quantity", field=field, max=maximum)
    return number


def clean_lines(lines: object, field: str = "lgs.lines") -> dict[int, int]:
    """Goods lines ``{product id: quantity}`` checked: at least one, each quantity 1..100000.

    Raises lgs.no_lines, lgs.too_many_lines, lgs.bad_id, lgs.bad_quantity.
    """
    if not isinstance(lines, dict) or not lines:
        raise DomainError("lgs.no_lines", field=field)
    if len(lines) > MAX_LINES:
        raise DomainError("lgs.too_many_lines", field=field, max=MAX_LINES)
    out: dict[int, int] = {}
    for key, qty in lines.items():
        product_id = as_id(key, field)
        out[product_id] = out.get(product_id, 0) + as_quantity(qty, "lgs.quantity")
        if out[product_id] > MAX_QUANTITY:
            raise DomainError("lgs.bad_quantity", field="lgs.quantity", max=MAX_QUANTITY)
    return out


def json_lines(lines: dict[int, int]) -> list[list[int]]:
    """Lines as JSON-safe ``[[product id, quantity], ...]`` for event data (sorted)."""
    return [[pid, qty] for pid, qty in sorted(lines.items())]
