"""Logistics providers (物流商): registration (LGS001) and the list suppliers browse (LGS021).

Invariants:
- A user runs at most one provider per class; provider names are unique in the class
  (compared NFKC + case-folded).
- The delivery rate table is integer fen: a base fee per delivery order plus a fee per unit,
  both >= 0 and not both zero (so every delivery fee booked at LGS002 is positive).

- The provider's receiving account (收款账户) is one corporate e-bank account of its owner in the
  same class; suppliers pay delivery fees into it (sandbox.logistics.fees).

Events: lgs.provider_registered (LGS001, subject provider id); lgs.provider_updated (the
receiving account linked; no task code: it serves paying the fees of B2B031 / LGS018).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.db import utcnow
from sandbox.ebank.models import CORPORATE, BankAccount
from sandbox.ebank.numbers import clean_account_number
from sandbox.errors import DomainError
from sandbox.identity.services import require_participant
from sandbox.ledger import parse_amount
from sandbox.logistics.access import provider_of
from sandbox.logistics.models import Provider
from sandbox.logistics.queries import ProviderView, provider_views
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text, username_key

_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
_LICENCE = re.compile(r"^[0-9A-Z\-]{6,32}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
_ZERO = re.compile(r"^[¥]?0*(\.0{0,2})?$")


@dataclass(frozen=True)
class LinkedAccount:
    """The corporate account a provider's delivery fees are paid into."""

    account_id: int
    account_number: str
    holder_name: str


def _fee(value: object, field: str) -> int:
    """A fee in yuan as fen, zero allowed (``parse_amount`` refuses zero)."""
    text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip().replace(" ", "")
    if text and _ZERO.match(text) and any(ch == "0" for ch in text):
        return 0
    return parse_amount(value, field)


def register_provider(
    uow: UnitOfWork,
    actor: Actor,
    *,
    name: str,
    contact_name: str,
    phone: str,
    address: str,
    email: str | None = None,
    licence_number: str | None = None,
    service_terms: str = "",
    fee_base: object = "50",
    fee_per_unit: object = "2",
    request_id: str | None = None,
) -> ProviderView:
    """LGS001: register a logistics company (物流注册) with its contact data, service terms and
    delivery rate table (base fee + fee per unit, yuan); listed on the logistics front page.

    Raises input.* (lgs.name, lgs.contact_name, lgs.phone, lgs.address, lgs.email,
    lgs.licence_number, lgs.service_terms, lgs.fee_base, lgs.fee_per_unit), lgs.bad_phone,
    lgs.bad_email, lgs.bad_licence, ledger.amount_* (fees), lgs.free_service (both fees zero),
    lgs.already_registered, lgs.name_taken, auth.forbidden, class.not_found.
    """
    company = clean_text(name, "lgs.name", max_len=100)
    contact = clean_text(contact_name, "lgs.contact_name", max_len=50)
    tel = clean_text(phone, "lgs.phone", max_len=24, fold=True)
    if not _PHONE.match(tel):
        raise DomainError("lgs.bad_phone", field="lgs.phone")
    addr = clean_text(address, "lgs.address", max_len=200)
    mail = clean_text(email, "lgs.email", max_len=254, required=False, fold=True) or None
    if mail is not None and not _EMAIL.match(mail):
        raise DomainError("lgs.bad_email", field="lgs.email")
    licence = clean_text(str(licence_number or "").upper(), "lgs.licence_number", max_len=32, required=False, fold=True) or None
    if licence is not None and not _LICENCE.match(licence):
        raise DomainError("lgs.bad_licence", field="lgs.licence_number")
    terms = clean_text(service_terms, "lgs.service_terms", max_len=2000, required=False, multiline=True)
    base_fen = _fee(fee_base, "lgs.fee_base")
    unit_fen = _fee(fee_per_unit, "lgs.fee_per_unit")
    if base_fen == 0 and unit_fen == 0:
        raise DomainError("lgs.free_service", field="lgs.fee_per_unit")
    key = username_key(company)[:100]
    with uow.write() as s:
        class_id = require_participant(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.provider_registered" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            return my_provider(s, actor)
        if s.scalar(select(Provider.id).where(Provider.class_id == class_id, Provider.owner_id == actor.user_id)):
            raise DomainError("lgs.already_registered")
        if s.scalar(select(Provider.id).where(Provider.class_id == class_id, Provider.name_key == key)):
            raise DomainError("lgs.name_taken", field="lgs.name", name=company)
        row = Provider(
            class_id=class_id, owner_id=actor.user_id, name=company, name_key=key, contact_name=contact, phone=tel,
            email=mail, address=addr, licence_number=licence, service_terms=terms, fee_base_fen=base_fen,
            fee_per_unit_fen=unit_fen, created_at=utcnow(),
        )
        try:
            with s.begin_nested():
                s.add(row)
                s.flush()
        except IntegrityError:  # a concurrent registration took the name (or the actor registered twice)
            raise DomainError("lgs.name_taken", field="lgs.name", name=company) from None
        events.record(
            s, "lgs.provider_registered", actor=actor, subject=str(row.id), task_code="LGS001", request_id=request_id,
            provider_id=row.id, name=company, fee_base_fen=base_fen, fee_per_unit_fen=unit_fen,
        )
        return provider_views(s, [row])[0]


def my_provider(session: Session, actor: Actor) -> ProviderView:
    """The actor's own provider. Raises lgs.not_registered."""
    return provider_views(session, [provider_of(session, actor)])[0]


def providers(session: Session, actor: Actor) -> list[ProviderView]:
    """Every provider of the actor's class with its warehouse count, rates and service terms
    (the logistics front page a supplier browses for LGS021), by name."""
    class_id = require_participant(session, actor)
    rows = list(session.scalars(select(Provider).where(Provider.class_id == class_id).order_by(Provider.name_key)))
    return provider_views(session, rows)


def provider(session: Session, actor: Actor, provider_id: int) -> ProviderView:
    """One provider's profile page in the actor's class. Raises lgs.provider_not_found."""
    class_id = require_participant(session, actor)
    row = session.get(Provider, provider_id) if isinstance(provider_id, int) else None
    if row is None or row.class_id != class_id:
        raise DomainError("lgs.provider_not_found")
    return provider_views(session, [row])[0]


def linked_account(session: Session, actor: Actor) -> LinkedAccount | None:
    """The actor's provider's receiving account, or None while none is linked. Raises lgs.not_registered."""
    provider = provider_of(session, actor)
    if provider.bank_account_id is None:
        return None
    account = session.get(BankAccount, provider.bank_account_id)
    return LinkedAccount(account.id, account.account_number, account.holder_name) if account is not None else None


def link_bank_account(
    uow: UnitOfWork, actor: Actor, *, bank_account_number: object, request_id: str | None = None
) -> LinkedAccount:
    """Link one of the actor's corporate e-bank accounts to the actor's logistics company as the
    account suppliers pay its delivery fees into (the fees of B2B031 / LGS018; no task of its own).

    Raises input.required, ebank.bad_account_number (lgs.bank_account), lgs.not_your_bank_account,
    lgs.not_registered, request.duplicate, auth.forbidden, class.not_found.
    """
    number = clean_account_number(bank_account_number, "lgs.bank_account")
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            earlier = linked_account(s, actor)
            if done.kind != "lgs.provider_updated" or done.actor_id != actor.user_id or earlier is None:
                raise DomainError("request.duplicate")
            return earlier
        account = s.scalar(select(BankAccount).where(BankAccount.account_number == number))
        if (
            account is None or account.class_id != provider.class_id or account.owner_id != actor.user_id
            or account.kind != CORPORATE
        ):
            raise DomainError("lgs.not_your_bank_account", field="lgs.bank_account")
        provider.bank_account_id = account.id
        events.record(
            s, "lgs.provider_updated", actor=actor, subject=str(provider.id), request_id=request_id,
            provider_id=provider.id, fields=["bank_account"], bank_account_id=account.id,
        )
        return LinkedAccount(account.id, account.account_number, account.holder_name)
