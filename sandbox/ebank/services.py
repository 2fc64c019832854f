"""E-bank services: register (corporate EBANK001, personal EBANK010, special merchant EBANK016),
corporate certificate login (EBANK002), deposit (EBANK004/EBANK011), transfer (EBANK005/EBANK012),
and the bank officer's unlock.

Invariants:
- Each public service is one transaction (``uow.write()``) with its event; a DomainError leaves
  the database as it was. The exceptions are deliberate and logged: a wrong payment or login
  password is counted (and locks the account after ``LOCK_AFTER`` in a row) even though the
  request is refused, and a refused certificate login is written to the bank login log.
- Mutating services take a ``request_id``: a repeat (double click, fast rerun) returns the first
  result; the ledger compares the request, so the same id with another amount or payee is
  refused (``ledger.key_reused``).
- Only students and bots are bank customers; every account is looked up through its owner in
  the actor's class. Corporate operations need an active online-banking session (EBANK002).
- argon2 runs outside write transactions (it is slow); the write re-checks the lock.

Events (kind → task): ebank.corporate_registered → EBANK001, ebank.personal_registered →
EBANK010, ebank.merchant_registered → EBANK016 (subject: account number);
ebank.certificate_verified, ebank.login_succeeded → EBANK002, ebank.login_failed,
ebank.logout (subject: account number or certificate number); ebank.deposit → EBANK004 /
EBANK011, ebank.transfer → EBANK005 / EBANK012 (subject: ledger entry id);
ebank.password_failed, ebank.account_locked, ebank.account_unlocked (subject: account number).
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox import events, ledger
from sandbox.actor import INSTRUCTOR, Actor
from sandbox.db import utcnow
from sandbox.ebank import links
from sandbox.ebank.models import (
    CORPORATE,
    LOCK_AFTER,
    MERCHANT,
    PERSONAL,
    BankAccount,
    BankSession,
)
from sandbox.ebank.numbers import (
    check_payment_password,
    clean_account_number,
    clean_user_number,
    new_account_number,
    new_user_number,
)
from sandbox.errors import DomainError
from sandbox.identity.passwords import hash_password, verify_password
from sandbox.identity.services import require_class_member, require_participant
from sandbox.ledger import queries as ledger_queries
from sandbox.ledger.models import LedgerAccount
from sandbox.uow import UnitOfWork
from sandbox.validation import check_new_password, clean_text

require_customer = require_participant  # the bank's word for it (ebank.inquiry, ebank.gateway)

VERIFY_LIFETIME = timedelta(minutes=10)
SESSION_LIFETIME = timedelta(hours=2)
MAX_CORPORATE_ACCOUNTS = 5
_PHONE = re.compile(r"^\+?[0-9][0-9\- ]{5,19}$")
_LICENCE = re.compile(r"^[0-9A-Z\-]{6,32}$")

DEPOSIT_TASK = {CORPORATE: "EBANK004", PERSONAL: "EBANK011"}
TRANSFER_TASK = {CORPORATE: "EBANK005", PERSONAL: "EBANK012"}


# ----------------------------------------------------------------------------- results


@dataclass(frozen=True)
class AccountInfo:
    id: int
    class_id: int
    owner_id: int | None
    kind: str
    account_number: str
    holder_name: str
    balance_fen: int
    user_number: str | None
    certificate_number: str | None
    has_payment_password: bool
    pay_locked: bool
    login_locked: bool
    created_at: datetime
    details: dict[str, Any]


@dataclass(frozen=True)
class CorporateRegistration:
    """What EBANK001 gives the company (the download password is shown once, and mailed)."""

    account: AccountInfo
    user_number: str
    certificate_id: int
    certificate_number: str
    download_password: str | None
    mailed_to: str | None


@dataclass(frozen=True)
class CertificateCheck:
    """Step 1 of EBANK002 passed: the certificate is verified; ``token`` now needs the password."""

    token: str
    certificate_id: int
    certificate_number: str
    holder_name: str
    expires_at: datetime


@dataclass(frozen=True)
class BankLogin:
    token: str
    account: AccountInfo
    expires_at: datetime


@dataclass(frozen=True)
class MoneyResult:
    """A deposit or transfer as booked (``replayed``: an earlier identical request's result)."""

    entry_id: int
    amount_fen: int
    balance_after_fen: int
    to_account: str | None
    replayed: bool


def info(account: BankAccount, balance_fen: int) -> AccountInfo:
    return AccountInfo(
        id=account.id,
        class_id=account.class_id,
        owner_id=account.owner_id,
        kind=account.kind,
        account_number=account.account_number,
        holder_name=account.holder_name,
        balance_fen=int(balance_fen),
        user_number=account.user_number,
        certificate_number=account.certificate_number,
        has_payment_password=account.payment_password_hash is not None,
        pay_locked=account.pay_locked_at is not None,
        login_locked=account.login_locked_at is not None,
        created_at=account.created_at,
        details=dict(account.details or {}),
    )


def account_info(session: Session, account: BankAccount) -> AccountInfo:
    return info(account, ledger_queries.balance(session, account.ledger_account_id))


# ----------------------------------------------------------------------------- helpers




def own_accounts(session: Session, actor: Actor, kind: str | None = None) -> list[BankAccount]:
    """The actor's bank accounts in their class (of ``kind``), oldest first."""
    if actor.class_id is None:
        return []
    query = select(BankAccount).where(BankAccount.class_id == actor.class_id, BankAccount.owner_id == actor.user_id)
    if kind is not None:
        query = query.where(BankAccount.kind == kind)
    return list(session.scalars(query.order_by(BankAccount.id)))


def own_account(session: Session, actor: Actor, kind: str) -> BankAccount:
    """The actor's (first) account of ``kind``; ``ebank.no_account`` if they have none."""
    found = own_accounts(session, actor, kind)
    if not found:
        raise DomainError("ebank.no_account", kind=kind)
    return found[0]


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_phone(value: object, field: str) -> str:
    text = clean_text(value, field, max_len=20, fold=True)
    if not _PHONE.match(text):
        raise DomainError("ebank.bad_phone", field=field)
    return text


def _clean_licence(value: object, field: str = "ebank.licence_number") -> str:
    text = clean_text(value, field, max_len=32, fold=True).upper()
    if not _LICENCE.match(text):
        raise DomainError("ebank.bad_licence", field=field)
    return text


def _clean_email(value: object, field: str = "ebank.email") -> str | None:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    if not text:
        return None
    if len(text) > 120 or not re.match(r"^[^@\s]+@[^@\s]+\.[a-z0-9-]+$", text):
        raise DomainError("ebank.bad_email", field=field)
    return text


def _new_numbers(session: Session) -> str:
    while True:
        number = new_account_number()
        if session.scalar(select(BankAccount.id).where(BankAccount.account_number == number)) is None:
            return number


def _new_user_number(session: Session) -> str:
    while True:
        number = new_user_number()
        if session.scalar(select(BankAccount.id).where(BankAccount.user_number == number)) is None:
            return number


def _open(
    session: Session, actor: Actor, class_id: int, kind: str, holder: str, details: dict[str, Any],
    payment_hash: str | None,
) -> BankAccount:
    book = ledger.open_account(session, class_id=class_id, owner_id=actor.user_id, name=f"{kind}: {holder}")
    account = BankAccount(
        class_id=class_id, owner_id=actor.user_id, kind=kind, account_number=_new_numbers(session),
        ledger_account_id=book.id, holder_name=holder, details=details, payment_password_hash=payment_hash,
        pay_failures=0, login_failures=0, created_at=utcnow(),
    )
    session.add(account)
    session.flush()
    return account


def _replayed_account(session: Session, actor: Actor, request_id: str | None) -> BankAccount | None:
    done = events.replayed(session, request_id)
    if done is None:
        return None
    if done.actor_id != actor.user_id:
        raise DomainError("request.duplicate")
    return session.scalar(select(BankAccount).where(BankAccount.account_number == done.subject))


# ----------------------------------------------------------------------------- EBANK001


def register_corporate(
    uow: UnitOfWork,
    actor: Actor,
    *,
    agree: bool,
    company_name: str,
    licence_number: str,
    address: str,
    contact_name: str,
    phone: str,
    email: str | None = None,
    login_password: str,
    login_password_confirm: str,
    payment_password: str,
    payment_password_confirm: str,
    request_id: str | None = None,
) -> CorporateRegistration:
    """EBANK001: register corporate online banking; the bank opens an account (balance 0), gives a
    user number, and has the CA issue the company's certificate (number + download password, also
    mailed to the applicant's sandbox mailbox).

    Raises ebank.terms_not_accepted, input.* (ebank.company_name ...), ebank.bad_licence,
    ebank.bad_phone, ebank.bad_email, ebank.payment_password_format, input.password_*,
    ebank.company_taken, ebank.too_many_accounts, pki.* (from the CA), auth.forbidden.
    """
    from sandbox.pki import services as pki

    if not agree:
        raise DomainError("ebank.terms_not_accepted", field="ebank.agree")
    company = clean_text(company_name, "ebank.company_name", max_len=100)
    licence = _clean_licence(licence_number)
    addr = clean_text(address, "ebank.address", max_len=200)
    contact = clean_text(contact_name, "ebank.contact_name", max_len=50)
    tel = _clean_phone(phone, "ebank.phone")
    mail = _clean_email(email)
    login_pw = check_new_password(login_password, login_password_confirm, field="ebank.login_password")
    pay_pw = check_payment_password(payment_password, payment_password_confirm)
    login_hash, pay_hash = hash_password(login_pw), hash_password(pay_pw)
    with uow.write() as s:
        class_id = require_customer(s, actor)
        prior = _replayed_account(s, actor, request_id)
        if prior is not None and prior.certificate_id is not None:
            return CorporateRegistration(
                account_info(s, prior), prior.user_number or "", prior.certificate_id, prior.certificate_number or "",
                None, None,
            )
        mine = own_accounts(s, actor, CORPORATE)
        if any(a.holder_name.casefold() == company.casefold() for a in mine):
            raise DomainError("ebank.company_taken", field="ebank.company_name", name=company)
        if len(mine) >= MAX_CORPORATE_ACCOUNTS:
            raise DomainError("ebank.too_many_accounts", max=MAX_CORPORATE_ACCOUNTS)
        if mail is None:
            mail = links.mailbox_of(s, actor)
        details = {"licence_number": licence, "address": addr, "contact_name": contact, "phone": tel, "email": mail}
        account = _open(s, actor, class_id, CORPORATE, company, details, pay_hash)
        account.user_number = _new_user_number(s)
        account.login_password_hash = login_hash
        issued = pki.issue_certificate(
            s, class_id=class_id, owner_id=actor.user_id, actor=actor, common_name=company, organization=company,
            email_address=mail if links.is_class_mailbox(s, class_id, mail) else None, purpose="ebank",
            task_code="EBANK001",
        )
        account.certificate_id = issued.certificate_id
        account.certificate_number = issued.number
        s.flush()
        if mail and links.is_class_mailbox(s, class_id, mail):
            links.notify(
                s, class_id, mail, "ebank.mail_corporate_subject", "ebank.mail_corporate_body", actor=actor,
                task_code="EBANK001", company=company, account_number=account.account_number,
                user_number=account.user_number, certificate_number=issued.number,
            )
        events.record(
            s, "ebank.corporate_registered", actor=actor, subject=account.account_number, task_code="EBANK001",
            request_id=request_id, account_id=account.id, certificate_id=issued.certificate_id,
            certificate_number=issued.number, user_number=account.user_number, company=company,
        )
        return CorporateRegistration(
            info(account, 0), account.user_number, issued.certificate_id, issued.number, issued.download_password,
            getattr(issued, "mailed_to", None),
        )


# ----------------------------------------------------------------------------- EBANK010 / EBANK016


def register_personal(
    uow: UnitOfWork,
    actor: Actor,
    *,
    full_name: str,
    id_number: str,
    phone: str,
    email: str | None = None,
    payment_password: str,
    payment_password_confirm: str,
    request_id: str | None = None,
) -> AccountInfo:
    """EBANK010: apply for personal online banking; opens a personal account (balance 0) with a
    card number and a 6-digit payment password.

    Raises input.* (ebank.full_name ...), ebank.bad_id_number, ebank.bad_phone, ebank.bad_email,
    ebank.payment_password_format, input.password_mismatch, ebank.already_registered.
    """
    name = clean_text(full_name, "ebank.full_name", max_len=50)
    ident = clean_text(id_number, "ebank.id_number", max_len=18, fold=True).upper()
    if not re.match(r"^[0-9A-Z]{6,18}$", ident):
        raise DomainError("ebank.bad_id_number", field="ebank.id_number")
    tel = _clean_phone(phone, "ebank.phone")
    mail = _clean_email(email)
    pay_hash = hash_password(check_payment_password(payment_password, payment_password_confirm))
    with uow.write() as s:
        class_id = require_customer(s, actor)
        prior = _replayed_account(s, actor, request_id)
        if prior is not None:
            return account_info(s, prior)
        if own_accounts(s, actor, PERSONAL):
            raise DomainError("ebank.already_registered", kind=PERSONAL)
        details = {"id_number_tail": ident[-4:], "phone": tel, "email": mail or links.mailbox_of(s, actor)}
        account = _open(s, actor, class_id, PERSONAL, name, details, pay_hash)
        events.record(
            s, "ebank.personal_registered", actor=actor, subject=account.account_number, task_code="EBANK010",
            request_id=request_id, account_id=account.id, holder=name,
        )
        return info(account, 0)


def register_merchant(
    uow: UnitOfWork,
    actor: Actor,
    *,
    merchant_name: str,
    licence_number: str,
    shop_url: str,
    contact_name: str,
    phone: str,
    email: str | None = None,
    request_id: str | None = None,
) -> AccountInfo:
    """EBANK016: apply to become a B2C special merchant (特约商户); opens the acquiring account that
    receives B2C e-payments, linked to the applicant's B2C shop when there is one.

    Raises input.* (ebank.merchant_name ...), ebank.bad_licence, ebank.bad_url, ebank.bad_phone,
    ebank.bad_email, ebank.already_registered.
    """
    name = clean_text(merchant_name, "ebank.merchant_name", max_len=100)
    licence = _clean_licence(licence_number)
    url = clean_text(shop_url, "ebank.shop_url", max_len=200, required=False, fold=True)
    if url and not re.match(r"^(https?://)?[\w\-]+(\.[\w\-]+)+(/\S*)?$", url):
        raise DomainError("ebank.bad_url", field="ebank.shop_url")
    contact = clean_text(contact_name, "ebank.contact_name", max_len=50)
    tel = _clean_phone(phone, "ebank.phone")
    mail = _clean_email(email)
    with uow.write() as s:
        class_id = require_customer(s, actor)
        prior = _replayed_account(s, actor, request_id)
        if prior is not None:
            return account_info(s, prior)
        if own_accounts(s, actor, MERCHANT):
            raise DomainError("ebank.already_registered", kind=MERCHANT)
        shop = links.b2c_merchant_of(s, class_id, actor.user_id)
        details = {"licence_number": licence, "shop_url": url, "contact_name": contact, "phone": tel,
                   "email": mail or links.mailbox_of(s, actor)}
        account = _open(s, actor, class_id, MERCHANT, name, details, None)
        account.b2c_merchant_ref = shop
        s.flush()
        events.record(
            s, "ebank.merchant_registered", actor=actor, subject=account.account_number, task_code="EBANK016",
            request_id=request_id, account_id=account.id, b2c_merchant_ref=shop, merchant=name,
        )
        return info(account, 0)


def link_b2c_merchant(session: Session, *, class_id: int, owner_id: int, merchant_ref: str) -> bool:
    """For the B2C module: tie the owner's special-merchant account to their shop (if not yet tied).
    Runs in the caller's transaction; True when an account was linked."""
    result = session.execute(
        update(BankAccount)
        .where(
            BankAccount.class_id == class_id, BankAccount.owner_id == owner_id, BankAccount.kind == MERCHANT,
            BankAccount.b2c_merchant_ref.is_(None),
        )
        .values(b2c_merchant_ref=str(merchant_ref)[:64])
        .execution_options(synchronize_session=False)
    )
    return bool(result.rowcount)


# ----------------------------------------------------------------------------- EBANK002


def login_challenge(uow: UnitOfWork, actor: Actor) -> Any:
    """EBANK002 step 1: a fresh, single-use challenge for the CA identity box (5 minutes)."""
    from sandbox.pki import services as pki

    with uow.write() as s:
        class_id = require_customer(s, actor)
        return pki.new_challenge(s, class_id=class_id)


def _login_failed(uow: UnitOfWork, actor: Actor, subject: str, reason: str, **data: Any) -> None:
    with uow.write() as s:
        events.record(s, "ebank.login_failed", actor=actor, subject=subject[:128], reason=reason, **data)


def verify_certificate(
    uow: UnitOfWork,
    actor: Actor,
    *,
    challenge_id: int,
    p12_bytes: bytes | None = None,
    p12_password: str | None = None,
    certificate_id: int | None = None,
) -> CertificateCheck:
    """EBANK002 step 2 (CA identity verification): prove possession of the certificate's key by
    signing the challenge — with an uploaded .p12 and its password, or with the identity installed
    in the sandbox certificate store (``certificate_id``). The certificate must be valid (chain,
    dates, CRL) and be the one a corporate registration of the actor's linked to their account.

    Raises pki.* (bad_p12, bad_p12_password, expired, revoked, foreign_ca, challenge_* ...),
    ebank.certificate_not_registered, input.required. Refusals are logged (ebank.login_failed).
    """
    from sandbox.pki import services as pki

    if certificate_id is None and not p12_bytes:
        raise DomainError("input.required", field="ebank.p12_file")
    method = "store" if certificate_id is not None else "p12"
    try:
        with uow.write() as s:
            class_id = require_customer(s, actor)
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
            account = s.scalar(
                select(BankAccount).where(
                    BankAccount.class_id == class_id, BankAccount.kind == CORPORATE,
                    BankAccount.certificate_id == record.id, BankAccount.owner_id == actor.user_id,
                )
            )
            if account is None:
                raise DomainError("ebank.certificate_not_registered", number=record.number)
            token = secrets.token_urlsafe(32)
            now = utcnow()
            s.add(BankSession(
                token_hash=_token_hash(token), class_id=class_id, user_id=actor.user_id, certificate_id=record.id,
                method=method, stage="verified", created_at=now, expires_at=now + VERIFY_LIFETIME,
            ))
            events.record(
                s, "ebank.certificate_verified", actor=actor, subject=record.number, task_code="EBANK002",
                certificate_id=record.id, method=method,
            )
            return CertificateCheck(token, record.id, record.number, account.holder_name, now + VERIFY_LIFETIME)
    except DomainError as err:
        if err.code not in ("auth.forbidden", "class.not_found", "input.required"):
            _login_failed(uow, actor, f"certificate:{certificate_id or '-'}", err.code, method=method, stage="certificate")
        raise


def complete_login(
    uow: UnitOfWork, actor: Actor, *, token: str, user_number: str, password: str
) -> BankLogin:
    """EBANK002 step 3: user number and password after the certificate check; opens the session.

    Raises ebank.not_verified (no fresh certificate check), ebank.wrong_login (user number or
    password wrong, or a user number of another certificate), ebank.login_locked.
    """
    number = clean_user_number(user_number)
    if not password:
        raise DomainError("input.required", field="ebank.login_password")
    now = utcnow()
    with uow.read() as s:
        sess = s.scalar(select(BankSession).where(BankSession.token_hash == _token_hash(str(token or ""))))
        if sess is None or sess.user_id != actor.user_id or sess.stage != "verified" or sess.expires_at <= now:
            raise DomainError("ebank.not_verified")
        account = s.scalar(
            select(BankAccount).where(
                BankAccount.class_id == sess.class_id, BankAccount.user_number == number,
                BankAccount.kind == CORPORATE,
            )
        )
        matches = account is not None and account.certificate_id == sess.certificate_id
        stored = account.login_password_hash if matches and account is not None else None
        locked = bool(matches and account is not None and account.login_locked_at is not None)
        account_id = account.id if matches and account is not None else None
    if locked:
        raise DomainError("ebank.login_locked")
    ok = len(str(password)) <= 128 and verify_password(stored, str(password))
    if not ok or account_id is None:
        tries_left = _count_failure(uow, actor, account_id, "login", number)
        if tries_left == 0:
            raise DomainError("ebank.login_locked")
        raise DomainError("ebank.wrong_login", left=tries_left)
    new_token = secrets.token_urlsafe(32)
    with uow.write() as s:
        sess = s.scalar(
            select(BankSession).where(
                BankSession.token_hash == _token_hash(str(token)), BankSession.stage == "verified"
            )
        )
        account = s.get(BankAccount, account_id)
        if sess is None or account is None:
            raise DomainError("ebank.not_verified")
        if account.login_locked_at is not None:
            raise DomainError("ebank.login_locked")
        account.login_failures = 0
        sess.stage = "active"
        sess.account_id = account.id
        sess.token_hash = _token_hash(new_token)  # a new token once logged in (no fixation)
        sess.activated_at = now
        sess.expires_at = now + SESSION_LIFETIME
        events.record(
            s, "ebank.login_succeeded", actor=actor, subject=account.account_number, task_code="EBANK002",
            account_id=account.id, certificate_id=sess.certificate_id, certificate_number=account.certificate_number,
            method=sess.method, session_id=sess.id,
        )
        return BankLogin(new_token, account_info(s, account), sess.expires_at)


def logout(uow: UnitOfWork, actor: Actor, token: str | None) -> None:
    """End a corporate online-banking session."""
    if not token:
        return
    with uow.write() as s:
        sess = s.scalar(select(BankSession).where(BankSession.token_hash == _token_hash(token)))
        if sess is None or sess.user_id != actor.user_id or sess.stage == "ended":
            return
        sess.stage = "ended"
        sess.ended_at = utcnow()
        events.record(s, "ebank.logout", actor=actor, subject=str(sess.id), account_id=sess.account_id)


def session_account(session: Session, actor: Actor, token: str | None) -> BankAccount:
    """The corporate account of an active online-banking session of ``actor``; ebank.login_required."""
    if not token:
        raise DomainError("ebank.login_required")
    sess = session.scalar(select(BankSession).where(BankSession.token_hash == _token_hash(str(token))))
    if (
        sess is None or sess.user_id != actor.user_id or sess.stage != "active" or sess.account_id is None
        or sess.expires_at <= utcnow() or sess.class_id != actor.class_id
    ):
        raise DomainError("ebank.login_required")
    account = session.get(BankAccount, sess.account_id)
    if account is None or account.owner_id != actor.user_id:
        raise DomainError("ebank.login_required")
    return account


def current_login(uow: UnitOfWork, actor: Actor, token: str | None) -> AccountInfo | None:
    """The account of a live corporate session (for the page), or None."""
    try:
        with uow.read() as s:
            return account_info(s, session_account(s, actor, token))
    except DomainError:
        return None


# ----------------------------------------------------------------------------- passwords


def _count_failure(uow: UnitOfWork, actor: Actor, account_id: int | None, which: str, subject: str) -> int:
    """Count a wrong password (committed even though the request is refused); tries left (0 = locked)."""
    failures_col = BankAccount.pay_failures if which == "pay" else BankAccount.login_failures
    locked_col = BankAccount.pay_locked_at if which == "pay" else BankAccount.login_locked_at
    with uow.write() as s:
        if account_id is None:
            events.record(s, "ebank.login_failed" if which == "login" else "ebank.password_failed", actor=actor,
                          subject=subject[:128], reason="unknown_user_number")
            return LOCK_AFTER
        s.execute(
            update(BankAccount).where(BankAccount.id == account_id)
            .values({failures_col: failures_col + 1}).execution_options(synchronize_session=False)
        )
        account = s.get(BankAccount, account_id)
        assert account is not None
        s.refresh(account)
        failures = int(getattr(account, failures_col.key))
        kind = "ebank.login_failed" if which == "login" else "ebank.password_failed"
        events.record(s, kind, actor=actor, subject=account.account_number, reason="wrong_password", failures=failures,
                      account_id=account_id)
        if failures >= LOCK_AFTER and getattr(account, locked_col.key) is None:
            setattr(account, locked_col.key, utcnow())
            events.record(s, "ebank.account_locked", actor=actor, subject=account.account_number, which=which,
                          account_id=account_id)
        return max(0, LOCK_AFTER - failures)


def check_payment(uow: UnitOfWork, actor: Actor, account_id: int, password: object) -> None:
    """Verify the payment password of ``account_id`` (outside any transaction); a wrong one is
    counted and refused: ebank.wrong_payment_password (with tries left), ebank.payment_locked,
    ebank.no_payment_password."""
    if not password:
        raise DomainError("input.required", field="ebank.payment_password")
    with uow.read() as s:
        account = s.get(BankAccount, account_id)
        if account is None:
            raise DomainError("ebank.no_account", kind="-")
        stored, locked, number = account.payment_password_hash, account.pay_locked_at, account.account_number
    if stored is None:
        raise DomainError("ebank.no_payment_password")
    if locked is not None:
        raise DomainError("ebank.payment_locked")
    if len(str(password)) <= 32 and verify_password(stored, str(password)):
        return
    left = _count_failure(uow, actor, account_id, "pay", number)
    if left == 0:
        raise DomainError("ebank.payment_locked")
    raise DomainError("ebank.wrong_payment_password", field="ebank.payment_password", left=left)


def confirm_payment_check(session: Session, account: BankAccount) -> None:
    """Inside the write: the account did not get locked meanwhile; reset the failure count."""
    session.refresh(account)
    if account.pay_locked_at is not None:
        raise DomainError("ebank.payment_locked")
    if account.pay_failures:
        account.pay_failures = 0


def unlock(uow: UnitOfWork, actor: Actor, *, account_id: int, which: str = "both") -> AccountInfo:
    """Bank officer (instructor): unlock an account's payment and/or login password.

    Raises auth.forbidden, ebank.no_account, class.not_found.
    """
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    with uow.write() as s:
        account = s.get(BankAccount, int(account_id))
        if account is None:
            raise DomainError("ebank.no_account", kind="-")
        require_class_member(s, actor, account.class_id, INSTRUCTOR)
        if which in ("pay", "both"):
            account.pay_failures = 0
            account.pay_locked_at = None
        if which in ("login", "both"):
            account.login_failures = 0
            account.login_locked_at = None
        events.record(
            s, "ebank.account_unlocked", actor=actor, class_id=account.class_id, subject=account.account_number,
            account_id=account.id, which=which,
        )
        return account_info(s, account)


# ----------------------------------------------------------------------------- EBANK004 / EBANK011


def _operating_account(session: Session, actor: Actor, kind: str, token: str | None) -> BankAccount:
    if kind not in (CORPORATE, PERSONAL):
        raise DomainError("ebank.bad_kind")
    if kind == CORPORATE:
        return session_account(session, actor, token)
    return own_account(session, actor, PERSONAL)


def _money_replay(session: Session, account: BankAccount, request_id: str | None) -> MoneyResult | None:
    done = events.replayed(session, request_id)
    if done is None:
        return None
    data = done.data or {}
    if done.actor_id != account.owner_id or data.get("account_id") != account.id:
        raise DomainError("request.duplicate")
    return MoneyResult(int(data["entry_id"]), int(data["amount_fen"]), int(data["balance_after_fen"]),
                       data.get("to_account"), True)


def deposit(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    amount: object,
    payment_password: str,
    session_token: str | None = None,
    request_id: str | None = None,
) -> MoneyResult:
    """EBANK004 (corporate, in an online-banking session) / EBANK011 (personal): deposit cash
    (a simulated counter deposit) into one's own account, confirmed with the payment password.

    Raises ledger.amount_* (ebank.amount), input.required, ebank.login_required,
    ebank.no_account, ebank.wrong_payment_password, ebank.payment_locked, ledger.key_reused.
    """
    amount_fen = ledger.parse_amount(amount, "ebank.amount")
    with uow.read() as s:
        require_customer(s, actor)
        account_id = _operating_account(s, actor, kind, session_token).id
    check_payment(uow, actor, account_id, payment_password)
    with uow.write() as s:
        account = _operating_account(s, actor, kind, session_token)
        if account.id != account_id:
            raise DomainError("ebank.login_required")
        replay = _money_replay(s, account, request_id)
        if replay is not None:
            if replay.amount_fen != amount_fen:
                raise DomainError("ledger.key_reused")
            return replay
        confirm_payment_check(s, account)
        posted = ledger.deposit(
            s, class_id=account.class_id, account_id=account.ledger_account_id, amount_fen=amount_fen,
            key=request_id, actor_id=actor.user_id, memo="deposit",
        )
        after = posted.leg_of(account.ledger_account_id).balance_after_fen
        if posted.replayed:  # a twin request with this id committed while we waited for the lock
            return MoneyResult(posted.entry_id, amount_fen, after, None, True)
        events.record(
            s, "ebank.deposit", actor=actor, subject=str(posted.entry_id), task_code=DEPOSIT_TASK[kind],
            request_id=request_id, account_id=account.id, entry_id=posted.entry_id, amount_fen=amount_fen,
            balance_after_fen=after, account_kind=kind,
        )
        return MoneyResult(posted.entry_id, amount_fen, after, None, posted.replayed)


# ----------------------------------------------------------------------------- EBANK005 / EBANK012


def transfer(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    to_account: str,
    amount: object,
    payment_password: str,
    memo: str = "",
    session_token: str | None = None,
    request_id: str | None = None,
) -> MoneyResult:
    """EBANK005 (corporate) / EBANK012 (personal): transfer to another account of the bank (the
    source's "转出账号" field is the payee account), confirmed with the payment password.

    Raises ebank.bad_account_number (ebank.to_account), ebank.unknown_account, ebank.same_account,
    ledger.amount_* (ebank.amount), ledger.insufficient_funds, ebank.wrong_payment_password,
    ebank.payment_locked, ebank.login_required, ebank.no_account, ledger.key_reused, input.*.
    """
    number = clean_account_number(to_account, "ebank.to_account")
    amount_fen = ledger.parse_amount(amount, "ebank.amount")
    note = clean_text(memo, "ebank.memo", max_len=100, required=False)
    with uow.read() as s:
        require_customer(s, actor)
        source = _operating_account(s, actor, kind, session_token)
        _payee(s, source, number)
        account_id = source.id
    check_payment(uow, actor, account_id, payment_password)
    with uow.write() as s:
        source = _operating_account(s, actor, kind, session_token)
        if source.id != account_id:
            raise DomainError("ebank.login_required")
        payee = _payee(s, source, number)
        replay = _money_replay(s, source, request_id)
        if replay is not None:
            if replay.amount_fen != amount_fen or replay.to_account != number:
                raise DomainError("ledger.key_reused")
            return replay
        confirm_payment_check(s, source)
        posted = ledger.transfer(
            s, class_id=source.class_id, from_account=source.ledger_account_id, to_account=payee.ledger_account_id,
            amount_fen=amount_fen, key=request_id, actor_id=actor.user_id, memo=note or "transfer",
        )
        after = posted.leg_of(source.ledger_account_id).balance_after_fen
        if posted.replayed:  # a twin request with this id committed while we waited for the lock
            return MoneyResult(posted.entry_id, amount_fen, after, number, True)
        events.record(
            s, "ebank.transfer", actor=actor, subject=str(posted.entry_id), task_code=TRANSFER_TASK[kind],
            request_id=request_id, account_id=source.id, entry_id=posted.entry_id, amount_fen=amount_fen,
            balance_after_fen=after, to_account=number, to_account_id=payee.id, account_kind=kind,
        )
        return MoneyResult(posted.entry_id, amount_fen, after, number, posted.replayed)


def _payee(session: Session, source: BankAccount, number: str) -> BankAccount:
    if number == source.account_number:
        raise DomainError("ebank.same_account", field="ebank.to_account")
    payee = session.scalar(select(BankAccount).where(BankAccount.account_number == number))
    if payee is None or payee.class_id != source.class_id:
        raise DomainError("ebank.unknown_account", field="ebank.to_account", number=number)
    return payee


# ----------------------------------------------------------------------------- look-ups for pages


def my_accounts(session: Session, actor: Actor) -> list[AccountInfo]:
    """The actor's accounts with balances (no event: the page header, not a graded query)."""
    rows = own_accounts(session, actor)
    balances = dict(
        session.execute(
            select(LedgerAccount.id, LedgerAccount.balance_fen).where(
                LedgerAccount.id.in_([a.ledger_account_id for a in rows])
            )
        ).all()
    ) if rows else {}
    return [info(a, balances.get(a.ledger_account_id, 0)) for a in rows]


def accounts_of_class(session: Session, actor: Actor, class_id: int) -> list[AccountInfo]:
    """Bank officer (instructor): every customer account of a class of theirs."""
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, INSTRUCTOR)
    rows = list(session.scalars(select(BankAccount).where(BankAccount.class_id == class_id).order_by(BankAccount.id)))
    balances = dict(
        session.execute(
            select(LedgerAccount.id, LedgerAccount.balance_fen).where(LedgerAccount.class_id == class_id)
        ).all()
    )
    return [info(a, balances.get(a.ledger_account_id, 0)) for a in rows]



@dataclass(frozen=True)
class Identity:
    """A certificate the CA identity box may offer (installed in the sandbox certificate store)."""

    certificate_id: int
    number: str
    common_name: str
    installed: bool


def identities(session: Session, actor: Actor) -> list[Identity]:
    """The certificates of the actor's corporate registrations, for the identity chooser
    (``installed``: downloaded with a CA-made key, so the stored identity can sign)."""
    from sandbox.pki import services as pki

    ids = {a.certificate_id for a in own_accounts(session, actor, CORPORATE) if a.certificate_id is not None}
    if not ids or actor.class_id is None:
        return []
    return [
        Identity(r.id, r.number, r.common_name, r.state == "downloaded" and r.has_stored_key)
        for r in pki.certificates_of(session, actor.class_id, actor.user_id)
        if r.id in ids
    ]


@dataclass(frozen=True)
class LedgerHealth:
    """The ledger invariants of a class, for the bank officer (every list must be empty)."""

    entries: int
    unbalanced: list[int]
    drifted: list[int]
    overdrawn: list[int]
    total_fen: int

    @property
    def ok(self) -> bool:
        return not (self.unbalanced or self.drifted or self.overdrawn or self.total_fen)


def ledger_health(session: Session, actor: Actor, class_id: int) -> LedgerHealth:
    """Bank officer (instructor): balanced entries, balances equal to their postings, no overdraft,
    and all balances of the class (the vault included) summing to zero."""
    from sqlalchemy import func

    from sandbox.ledger.models import JournalEntry

    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, INSTRUCTOR)
    entries = int(session.scalar(select(func.count(JournalEntry.id)).where(JournalEntry.class_id == class_id)) or 0)
    return LedgerHealth(
        entries, ledger_queries.unbalanced_entries(session, class_id), ledger_queries.drifted_accounts(session, class_id),
        ledger_queries.overdrawn_accounts(session, class_id), ledger_queries.total_balance(session, class_id),
    )
