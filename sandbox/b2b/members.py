"""B2B members: registration (B2B001) and the workspace login of buyers (B2B003) and suppliers
(B2B004), with member name, password and the CA identity that registration issued.

Invariants:
- Registration is approved automatically (系统自动审核); the CA issues the member's certificate
  in the same transaction (number + download password shown once, and mailed when the member's
  e-mail is a sandbox mailbox of the class). A supplier's catalogue is seeded from the
  student's world (class seed, user), so two students get different products and prices.
- Login checks the password (argon2id, outside the write lock), then that the caller holds the
  member's certificate key (signing a single-use challenge with the installed identity or an
  uploaded .p12), then opens a session whose token only the page keeps (its SHA-256 is stored).
- After ``MAX_FAILURES`` failed logins of one member name in ``FAILURE_WINDOW`` further tries
  are refused (``b2b.login_throttled``) without checking, the same whether or not it exists.

Events: b2b.member_registered (B2B001, subject member id), b2b.login_succeeded (B2B003 buyer /
B2B004 supplier, subject member id), b2b.login_failed (subject the member-name key), b2b.logout,
b2b.member_updated.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b.access import SESSION_LIFETIME, member_of, new_token, token_hash
from sandbox.b2b.models import APPROVED, BUYER, MEMBER_TYPES, SUPPLIER, Member, MemberSession, Product
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.identity.models import Classroom
from sandbox.identity.passwords import hash_password, verify_password
from sandbox.identity.services import require_participant
from sandbox.uow import UnitOfWork
from sandbox.validation import check_new_password, clean_text, username_key

LOGIN_TASK = {BUYER: "B2B003", SUPPLIER: "B2B004"}
MAX_FAILURES = 5
FAILURE_WINDOW = timedelta(minutes=15)
_LOGIN_NAME = re.compile(r"^[\w.\-]{3,32}$")
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
_POSTCODE = re.compile(r"^[0-9A-Za-z\- ]{3,10}$")
_LICENCE = re.compile(r"^[0-9A-Z\-]{6,32}$")
_EMAIL = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")


@dataclass(frozen=True)
class MemberInfo:
    id: int
    member_type: str
    login_name: str
    company_name: str
    contact_name: str
    phone: str
    email: str | None
    address: str
    certificate_id: int | None
    certificate_number: str | None
    bank_account_id: int | None
    status: str


@dataclass(frozen=True)
class Registration:
    """What B2B001 shows once: the member and its CA certificate number and download password."""

    member: MemberInfo
    certificate_id: int
    certificate_number: str
    download_password: str | None  # None on a replayed request
    mailed_to: str | None
    products_seeded: int


@dataclass(frozen=True)
class MemberLogin:
    token: str
    member: MemberInfo
    expires_at: Any


def info(m: Member) -> MemberInfo:
    return MemberInfo(
        m.id, m.member_type, m.login_name, m.company_name, m.contact_name, m.phone, m.email, m.address,
        m.certificate_id, m.certificate_number, m.bank_account_id, m.status,
    )


def _clean_login_name(value: object) -> str:
    name = clean_text(value, "b2b.login_name", max_len=32, fold=True)
    if not _LOGIN_NAME.match(name):
        raise DomainError("b2b.bad_login_name", field="b2b.login_name")
    return name


def _optional(value: object, field: str, max_len: int) -> str | None:
    return clean_text(value, field, max_len=max_len, required=False, fold=True) or None  # codes: postcode, licence, e-mail


def _bank_account_of(session: Session, actor: Actor, class_id: int, number: object) -> int | None:
    """The id of the actor's own corporate account with this number (None when left empty)."""
    from sandbox.ebank.models import CORPORATE, BankAccount
    from sandbox.ebank.numbers import clean_account_number

    if not str(number or "").strip():
        return None
    clean = clean_account_number(number, "b2b.bank_account")
    account = session.scalar(select(BankAccount).where(BankAccount.account_number == clean))
    if account is None or account.class_id != class_id or account.owner_id != actor.user_id or account.kind != CORPORATE:
        raise DomainError("b2b.not_your_bank_account", field="b2b.bank_account")
    return account.id


def seed_products(session: Session, member: Member, *, count: int = 6) -> int:
    """Give a new supplier the catalogue of its owner's world (class seed, user id); returns how many."""
    from seed.world import student_world

    seed = session.scalar(select(Classroom.seed).where(Classroom.id == member.class_id))
    world = student_world(seed if seed is not None else member.class_id, member.owner_id, products=count)
    now = utcnow()
    for p in world.products:
        session.add(Product(
            class_id=member.class_id, supplier_id=member.id, sku=p.sku, name_zh=p.name_zh, name_en=p.name_en,
            unit_zh=p.unit_zh, unit_en=p.unit_en, price_fen=p.price_fen, available=p.stock, description="",
            active=True, seeded=True, created_at=now,
        ))
    session.flush()
    return len(world.products)


def register(
    uow: UnitOfWork,
    actor: Actor,
    *,
    member_type: str,
    login_name: str,
    password: str,
    password_confirm: str,
    company_name: str,
    contact_name: str,
    phone: str,
    address: str,
    email: str | None = None,
    postcode: str | None = None,
    licence_number: str | None = None,
    bank_account_number: str | None = None,
    request_id: str | None = None,
) -> Registration:
    """B2B001: register a company as buyer (采购商) or supplier (供应商); approved at once, with a
    CA certificate (number + download password; mailed to a sandbox mailbox). Suppliers get a
    seeded catalogue.

    Raises b2b.bad_member_type, b2b.bad_login_name, b2b.login_name_taken, b2b.already_registered,
    input.* (b2b.company_name, b2b.contact_name, b2b.address, password), b2b.bad_phone,
    b2b.bad_postcode, b2b.bad_licence, b2b.bad_email, b2b.not_your_bank_account,
    ebank.bad_account_number, pki.*, auth.forbidden, class.not_found.
    """
    from sandbox.ebank import links
    from sandbox.pki import services as pki

    if member_type not in MEMBER_TYPES:
        raise DomainError("b2b.bad_member_type", field="b2b.member_type")
    name = _clean_login_name(login_name)
    pw = check_new_password(password, password_confirm, field="b2b.password")
    company = clean_text(company_name, "b2b.company_name", max_len=100)
    contact = clean_text(contact_name, "b2b.contact_name", max_len=50)
    tel = clean_text(phone, "b2b.phone", max_len=24, fold=True)
    if not _PHONE.match(tel):
        raise DomainError("b2b.bad_phone", field="b2b.phone")
    addr = clean_text(address, "b2b.address", max_len=200)
    post = _optional(postcode, "b2b.postcode", 10)
    if post is not None and not _POSTCODE.match(post):
        raise DomainError("b2b.bad_postcode", field="b2b.postcode")
    licence = _optional(str(licence_number or "").upper(), "b2b.licence_number", 32)
    if licence is not None and not _LICENCE.match(licence):
        raise DomainError("b2b.bad_licence", field="b2b.licence_number")
    mail = _optional(email, "b2b.email", 254)
    if mail is not None and not _EMAIL.match(mail):
        raise DomainError("b2b.bad_email", field="b2b.email")
    pw_hash = hash_password(pw)
    with uow.write() as s:
        class_id = require_participant(s, actor)
        done = events.replayed(s, request_id)
        if done is not None and done.kind == "b2b.member_registered" and done.actor_id == actor.user_id:
            member = s.get(Member, int(done.subject or 0))
            if member is not None and member.certificate_id is not None:
                return Registration(info(member), member.certificate_id, member.certificate_number or "", None, None, 0)
        key = username_key(name)
        if s.scalar(select(Member.id).where(Member.class_id == class_id, Member.login_name_key == key)) is not None:
            raise DomainError("b2b.login_name_taken", field="b2b.login_name", name=name)
        if s.scalar(
            select(Member.id).where(
                Member.class_id == class_id, Member.owner_id == actor.user_id, Member.member_type == member_type
            )
        ) is not None:
            raise DomainError("b2b.already_registered", field="b2b.member_type", member_type=member_type)
        bank_id = _bank_account_of(s, actor, class_id, bank_account_number)
        if mail is None:
            mail = links.mailbox_of(s, actor)
        now = utcnow()
        member = Member(
            class_id=class_id, owner_id=actor.user_id, member_type=member_type, login_name=name, login_name_key=key,
            password_hash=pw_hash, company_name=company, contact_name=contact, phone=tel, email=mail, address=addr,
            postcode=post, licence_number=licence, bank_account_id=bank_id, status=APPROVED, approved_at=now,
            created_at=now,
        )
        s.add(member)
        s.flush()
        issued = pki.issue_certificate(
            s, class_id=class_id, owner_id=actor.user_id, actor=actor, common_name=company, organization=company,
            email_address=mail if links.is_class_mailbox(s, class_id, mail) else None, purpose="b2b",
            task_code="B2B001",
        )
        member.certificate_id = issued.certificate_id
        member.certificate_number = issued.number
        seeded = seed_products(s, member) if member_type == SUPPLIER else 0
        events.record(
            s, "b2b.member_registered", actor=actor, subject=str(member.id), task_code="B2B001", request_id=request_id,
            member_id=member.id, member_type=member_type, login_name=name, company=company, status=APPROVED,
            certificate_id=issued.certificate_id, certificate_number=issued.number, mailed_to=issued.mailed_to,
            products_seeded=seeded,
        )
        return Registration(
            info(member), issued.certificate_id, issued.number, issued.download_password, issued.mailed_to, seeded
        )


def my_members(session: Session, actor: Actor) -> list[MemberInfo]:
    """The actor's B2B members in their class (for the login form and the home page)."""
    from sandbox.b2b.access import own_members

    return [info(m) for m in own_members(session, actor)]


def login_challenge(uow: UnitOfWork, actor: Actor) -> Any:
    """B2B003/B2B004 step: a fresh single-use challenge for the CA identity box (5 minutes)."""
    from sandbox.pki import services as pki

    with uow.write() as s:
        class_id = require_participant(s, actor)
        return pki.new_challenge(s, class_id=class_id)


def _failed(uow: UnitOfWork, actor: Actor, key: str, reason: str, member_type: str) -> None:
    with uow.write() as s:
        events.record(s, "b2b.login_failed", actor=actor, subject=key[:128], reason=reason, member_type=member_type)


def _throttled(session: Session, class_id: int, key: str) -> bool:
    since = utcnow() - FAILURE_WINDOW
    last_ok = session.scalar(
        select(func.max(Event.at)).where(
            Event.class_id == class_id, Event.kind == "b2b.login_succeeded", Event.data["login_name_key"].as_string() == key
        )
    )
    if last_ok is not None and last_ok > since:
        since = last_ok
    failures = session.scalar(
        select(func.count()).select_from(Event).where(
            Event.class_id == class_id, Event.kind == "b2b.login_failed", Event.subject == key, Event.at > since
        )
    )
    return (failures or 0) >= MAX_FAILURES


def login(
    uow: UnitOfWork,
    actor: Actor,
    *,
    member_type: str,
    login_name: str,
    password: str,
    challenge_id: int,
    certificate_id: int | None = None,
    p12_bytes: bytes | None = None,
    p12_password: str | None = None,
) -> MemberLogin:
    """B2B003 (buyer) / B2B004 (supplier): log in with member name, password and the CA identity
    issued at registration (installed certificate ``certificate_id``, or an uploaded .p12 and its
    password). Failures are logged and throttled.

    Raises b2b.bad_member_type, input.required, b2b.login_throttled, b2b.wrong_login (name or
    password), b2b.wrong_member_type, b2b.wrong_certificate (not this member's certificate),
    pki.* (bad_p12, bad_p12_password, revoked, expired, not_installed, challenge_*).
    """
    from sandbox.pki import services as pki

    if member_type not in MEMBER_TYPES:
        raise DomainError("b2b.bad_member_type", field="b2b.member_type")
    name = clean_text(login_name, "b2b.login_name", max_len=32, fold=True)
    if not password:
        raise DomainError("input.required", field="b2b.password")
    if certificate_id is None and not p12_bytes:
        raise DomainError("input.required", field="b2b.certificate")
    key = username_key(name)
    with uow.read() as s:
        class_id = require_participant(s, actor)
        if _throttled(s, class_id, key):
            raise DomainError("b2b.login_throttled", minutes=int(FAILURE_WINDOW.total_seconds() // 60))
        member = s.scalar(select(Member).where(Member.class_id == class_id, Member.login_name_key == key))
        stored = member.password_hash if member is not None else None
        member_id = member.id if member is not None else None
        actual_type = member.member_type if member is not None else None
        owner_ok = member is not None and member.owner_id == actor.user_id
    ok = len(str(password)) <= 128 and verify_password(stored, str(password))
    if not ok or member_id is None or not owner_ok:
        _failed(uow, actor, key, "password", member_type)
        raise DomainError("b2b.wrong_login")
    if actual_type != member_type:
        _failed(uow, actor, key, "member_type", member_type)
        raise DomainError("b2b.wrong_member_type", expected=member_type)
    method = "store" if certificate_id is not None else "p12"
    try:
        with uow.write() as s:
            class_id = require_participant(s, actor)
            member = s.get(Member, member_id)
            assert member is not None
            if certificate_id is not None:
                record = pki.verify_stored_login(
                    s, class_id=class_id, user_id=actor.user_id, certificate_id=int(certificate_id),
                    challenge_id=int(challenge_id),
                )
            else:
                record = pki.verify_p12_login(
                    s, class_id=class_id, p12_bytes=bytes(p12_bytes or b""), password=str(p12_password or ""),
                    challenge_id=int(challenge_id),
                )
            if record.id != member.certificate_id:
                raise DomainError("b2b.wrong_certificate", number=record.number)
            token = new_token()
            now = utcnow()
            row = MemberSession(
                token_hash=token_hash(token), class_id=class_id, user_id=actor.user_id, member_id=member.id,
                certificate_id=record.id, method=method, created_at=now, expires_at=now + SESSION_LIFETIME,
            )
            s.add(row)
            s.flush()
            events.record(
                s, "b2b.login_succeeded", actor=actor, subject=str(member.id), task_code=LOGIN_TASK[member_type],
                member_id=member.id, member_type=member_type, login_name_key=key, certificate_id=record.id,
                certificate_number=record.number, method=method, session_id=row.id,
            )
            return MemberLogin(token, info(member), row.expires_at)
    except DomainError as err:
        if err.code not in ("auth.forbidden", "class.not_found"):
            _failed(uow, actor, key, err.code, member_type)
        raise


def logout(uow: UnitOfWork, actor: Actor, token: str | None) -> None:
    """End a B2B workspace session (nothing happens for an unknown or foreign token)."""
    if not token:
        return
    with uow.write() as s:
        row = s.scalar(select(MemberSession).where(MemberSession.token_hash == token_hash(str(token))))
        if row is None or row.user_id != actor.user_id or row.ended_at is not None:
            return
        row.ended_at = utcnow()
        events.record(s, "b2b.logout", actor=actor, subject=str(row.member_id), session_id=row.id)


def current(uow: UnitOfWork, actor: Actor, token: str | None) -> MemberInfo | None:
    """The member of a live session (for the page), or None."""
    try:
        with uow.read() as s:
            return info(member_of(s, actor, token))
    except DomainError:
        return None


def link_bank_account(
    uow: UnitOfWork, actor: Actor, token: str | None, *, bank_account_number: str, request_id: str | None = None
) -> MemberInfo:
    """Link one of the actor's corporate bank accounts to the logged-in member (settlement pays
    from the buyer's linked account to the supplier's). Raises b2b.not_your_bank_account,
    ebank.bad_account_number, b2b.login_required."""
    with uow.write() as s:
        member = member_of(s, actor, token)
        if events.replayed(s, request_id) is not None:
            return info(member)
        account_id = _bank_account_of(s, actor, member.class_id, bank_account_number)
        if account_id is None:
            raise DomainError("input.required", field="b2b.bank_account")
        member.bank_account_id = account_id
        events.record(
            s, "b2b.member_updated", actor=actor, subject=str(member.id), request_id=request_id,
            bank_account_id=account_id,
        )
        return info(member)
