"""The public PKI API other modules import (CA001–CA003, EBANK001/EBANK002, B2B001, bank signatures).

Every function that takes a ``session`` works inside the caller's transaction (the caller's
``uow.write()`` block) and never commits; after a DomainError the caller's transaction rolls
back, so nothing is changed. The class's root CA is created on first use in that transaction.

Error codes (i18n keys): pki.bad_p12, pki.bad_p12_password, pki.no_private_key, pki.expired,
pki.not_yet_valid, pki.revoked, pki.foreign_ca, pki.tampered, pki.unknown_certificate,
pki.other_class, pki.bad_certificate, pki.bad_signature, pki.challenge_unknown,
pki.challenge_expired, pki.challenge_replayed, pki.challenge_wrong_certificate, pki.bad_csr,
pki.csr_signature, pki.weak_key, pki.bad_email, pki.not_a_mailbox, pki.already_revoked,
pki.bad_reason, pki.not_installed, pki.ca_key_unavailable, pki.name_too_long, input.* (pki.common_name,
pki.organization, pki.email).

Events: ``ca.certificate_issued`` (subject: certificate id; task code and actor of the caller)
and ``ca.certificate_revoked`` (subject: certificate id). A login is not logged here: the
caller (the bank, the logistics application) logs its own event.
"""

from __future__ import annotations

import hashlib
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from pathlib import Path
from typing import Any

from cryptography import x509
from sqlalchemy import delete, func, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.pki import crypto, sealing
from sandbox.pki.crypto import PrivateKey
from sandbox.pki.models import DOWNLOADED, ISSUED, Authority, Certificate
from sandbox.pki.models import Challenge as ChallengeRow
from sandbox.validation import clean_text

__all__ = [
    "CertificateRecord",
    "Challenge",
    "IssuedCertificate",
    "PrivateKey",
    "canonical_json",
    "certificate_by_number",
    "certificate_record",
    "certificates_of",
    "check_certificate",
    "crl_pem",
    "export_artefacts",
    "issue_certificate",
    "load_certificate",
    "new_challenge",
    "revoke_certificate",
    "root_certificate",
    "root_certificate_pem",
    "sign",
    "system_identity",
    "verify_p12_login",
    "verify_signature",
    "verify_signed_challenge",
    "verify_stored_login",
]

CHALLENGE_TTL = timedelta(minutes=5)
CHALLENGE_KEEP = timedelta(days=1)  # used or expired challenges are deleted after a day
DOWNLOAD_PASSWORD_TTL = timedelta(days=30)
DOWNLOAD_PASSWORD_LENGTH = 10
#: Upper-case letters and digits without look-alikes (0/O, 1/I/L): 31 symbols, ~49 bits in 10.
PASSWORD_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # noqa: S105 - an alphabet, not a password
NUMBER_DIGITS = 12
MAX_NAME = 64  # RFC 5280 ub-common-name / ub-organization-name
MAX_EMAIL = 120
EMAIL_RE = re.compile(r"^[a-z0-9._%+\-]+@[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9\-]*[a-z0-9])?)+$")
MAIL_DOMAIN = "sandbox.test"

#: Display names of the system parties that sign in a class (others get "Sandbox <party>").
SYSTEM_PARTIES: dict[str, tuple[str, str]] = {
    "bank": ("沙盒银行 Sandbox Bank", "电子商务沙盒 E-commerce Sandbox"),
    "b2b": ("B2B交易平台 Sandbox B2B Platform", "电子商务沙盒 E-commerce Sandbox"),
    "b2c": ("B2C商城 Sandbox B2C Shop", "电子商务沙盒 E-commerce Sandbox"),
    "logistics": ("物流中心 Sandbox Logistics", "电子商务沙盒 E-commerce Sandbox"),
}
PARTY_RE = re.compile(r"^[a-z][a-z0-9_]{1,31}$")


# ----------------------------------------------------------------------------- value objects


@dataclass(frozen=True)
class IssuedCertificate:
    """What an issuance gives the applicant. ``download_password`` is None on a replayed request
    (only its HMAC is stored, so it cannot be shown twice)."""

    certificate_id: int
    number: str
    download_password: str | None
    mailed_to: str | None = None


@dataclass(frozen=True)
class Challenge:  # the value handed out; the table row is ``models.Challenge``
    """A single-use login challenge. Sign :attr:`message` (the ASCII hex of 32 random bytes)."""

    id: int
    nonce: str
    expires_at: datetime
    certificate_number: str | None

    @property
    def message(self) -> bytes:
        return self.nonce.encode("ascii")



@dataclass(frozen=True)
class CertificateRecord:
    """A certificate as the sandbox knows it (state: issued | download_verified | downloaded)."""

    id: int
    class_id: int
    number: str
    serial_hex: str
    owner_id: int | None
    party: str | None
    purpose: str
    task_code: str | None
    common_name: str
    organization: str
    email_address: str | None
    state: str
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    fingerprint_sha256: str
    from_csr: bool
    has_stored_key: bool
    certificate_pem: str
    download_failures: int = 0
    download_locked: bool = False
    download_expires_at: datetime | None = None
    created_at: datetime | None = None

    @property
    def revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def certificate(self) -> x509.Certificate:
        return x509.load_pem_x509_certificate(self.certificate_pem.encode("ascii"))


def _record(row: Certificate) -> CertificateRecord:
    return CertificateRecord(
        id=row.id,
        class_id=row.class_id,
        number=row.number,
        serial_hex=row.serial_hex,
        owner_id=row.owner_id,
        party=row.party,
        purpose=row.purpose,
        task_code=row.task_code,
        common_name=row.common_name,
        organization=row.organization,
        email_address=row.email_address,
        state=row.state,
        not_before=row.not_before,
        not_after=row.not_after,
        revoked_at=row.revoked_at,
        revocation_reason=row.revocation_reason,
        fingerprint_sha256=row.fingerprint,
        from_csr=row.from_csr,
        has_stored_key=row.key_sealed is not None,
        certificate_pem=row.certificate_pem,
        download_failures=row.download_failures or 0,
        download_locked=row.download_locked_at is not None,
        download_expires_at=row.download_expires_at,
        created_at=row.created_at,
    )


record_of = _record  # for sandbox.ca (same package family), not for other modules


# ----------------------------------------------------------------------------- normalising input


def normalize_number(value: object) -> str:
    """A 证书编号 as typed (full-width digits, blanks, hyphens) → its 12 digits."""
    text = unicodedata.normalize("NFKC", str(value or ""))
    return re.sub(r"[\s\-_]", "", text)


def normalize_password(value: object) -> str:
    """A download password as typed (full-width, blanks, lower case) → canonical upper case."""
    return unicodedata.normalize("NFKC", str(value or "")).strip().upper()


def format_number(number: str) -> str:
    """``123456789012`` → ``1234 5678 9012`` for display."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def clean_email(value: object, field: str = "pki.email") -> str | None:
    """An e-mail address (any domain) in lower case, or None when empty; ``pki.bad_email``."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip().lower()
    if not text:
        return None
    if len(text) > MAX_EMAIL or not EMAIL_RE.match(text) or ".." in text:
        raise DomainError("pki.bad_email", field=field)
    return text


def clean_name(value: object, field: str, *, required: bool = True) -> str:
    """A name for the certificate subject: at most 64 characters *and* 64 UTF-8 bytes (the X.509
    upper bound, about 21 Chinese characters); ``pki.name_too_long`` otherwise."""
    text = clean_text(value, field, max_len=MAX_NAME, required=required)
    if len(text.encode("utf-8")) > MAX_NAME:
        raise DomainError("pki.name_too_long", field=field, max=MAX_NAME)
    return text


def new_download_password() -> str:
    return "".join(secrets.choice(PASSWORD_ALPHABET) for _ in range(DOWNLOAD_PASSWORD_LENGTH))


def password_context(number: str) -> str:
    return f"download:{number}"


# ----------------------------------------------------------------------------- authority


def _insert_ignoring(session: Session, table: Any, values: dict[str, Any], keys: list[str]) -> None:
    """INSERT … ON CONFLICT (keys) DO NOTHING: a concurrent first use makes one row, not an error."""
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        stmt: Any = postgresql.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    elif dialect == "sqlite":
        stmt = sqlite.insert(table).values(**values).on_conflict_do_nothing(index_elements=keys)
    else:  # pragma: no cover - the sandbox runs on SQLite or PostgreSQL
        stmt = table.insert().values(**values)
    session.execute(stmt)


def _authority(session: Session, class_id: int, *, create: bool = True) -> Authority | None:
    auth = session.scalar(select(Authority).where(Authority.class_id == class_id))
    if auth is not None or not create:
        return auth
    now = utcnow()
    common = f"电子商务沙盒CA 班级{class_id} Sandbox Root CA {class_id}"
    key, cert = crypto.build_root(common, "电子商务沙盒 E-commerce Sandbox", now=now)
    _insert_ignoring(
        session,
        Authority.__table__,
        {
            "class_id": class_id,
            "common_name": common,
            "certificate_pem": crypto.cert_pem(cert),
            "key_sealed": sealing.seal(crypto.private_key_der(key), f"ca-root:{class_id}"),
            "key_id": cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest.hex(),
            "not_after": cert.not_valid_after_utc,
            "crl_number": 0,
            "created_at": now,
        },
        ["class_id"],
    )
    auth = session.scalar(select(Authority).where(Authority.class_id == class_id).execution_options(populate_existing=True))
    assert auth is not None
    return auth


def _require_authority(session: Session, class_id: int) -> Authority:
    auth = _authority(session, class_id)
    assert auth is not None
    return auth


@lru_cache(maxsize=256)
def _load_cert_cached(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii"))


@lru_cache(maxsize=128)
def _unseal_key_cached(secret_digest: str, blob: str, context: str) -> PrivateKey:
    del secret_digest  # part of the cache key only: another master key must not reuse the entry
    return crypto.load_private_key_der(sealing.unseal(blob, context))


def _unseal_key(blob: str, context: str) -> PrivateKey:
    digest = hashlib.sha256(sealing.master_secret()).hexdigest()
    return _unseal_key_cached(digest, blob, context)


def _ca_pair(auth: Authority) -> tuple[PrivateKey, x509.Certificate]:
    return _unseal_key(auth.key_sealed, f"ca-root:{auth.class_id}"), _load_cert_cached(auth.certificate_pem)


def _leaf_key_context(row: Certificate) -> str:
    return f"leaf:{row.class_id}:{row.number}"


def root_certificate(session: Session, class_id: int) -> x509.Certificate:
    """The class root CA certificate (created on first use)."""
    return _load_cert_cached(_require_authority(session, class_id).certificate_pem)


def root_certificate_pem(session: Session, class_id: int) -> bytes:
    """The class root CA certificate in PEM (created on first use)."""
    return _require_authority(session, class_id).certificate_pem.encode("ascii")


def _refresh_crl(session: Session, auth: Authority, now: datetime | None = None) -> None:
    """Publish a new CRL. The authority row is locked first (PostgreSQL), so concurrent
    publications queue and each reads the number and the revocations the previous one left."""
    now = now or utcnow()
    session.execute(
        select(Authority.id).where(Authority.id == auth.id).with_for_update()
    )
    session.refresh(auth)
    key, cert = _ca_pair(auth)
    rows = session.execute(
        select(Certificate.serial_hex, Certificate.revoked_at, Certificate.revocation_reason)
        .where(Certificate.authority_id == auth.id, Certificate.revoked_at.is_not(None))
        .order_by(Certificate.revoked_at, Certificate.id)
    ).all()
    number = (auth.crl_number or 0) + 1
    crl = crypto.build_crl(
        issuer_key=key,
        issuer_cert=cert,
        revoked=[(int(serial, 16), at, reason or "unspecified") for serial, at, reason in rows],
        number=number,
        now=now,
    )
    auth.crl_number = number
    auth.crl_pem = crl.public_bytes(crypto.serialization.Encoding.PEM).decode("ascii")
    auth.crl_next_update = crl.next_update_utc
    session.flush()


def _crl_is_fresh(auth: Authority, now: datetime) -> bool:
    # Re-published a day before it expires, so a downloaded CRL is good for at least a day.
    return bool(auth.crl_pem) and auth.crl_next_update is not None and now < auth.crl_next_update - timedelta(days=1)


def _current_crl(session: Session, auth: Authority) -> x509.CertificateRevocationList:
    if not _crl_is_fresh(auth, utcnow()):
        _refresh_crl(session, auth)
    assert auth.crl_pem is not None
    return x509.load_pem_x509_crl(auth.crl_pem.encode("ascii"))


def crl_pem(session: Session, class_id: int) -> bytes:
    """The class's current CRL in PEM (regenerated first when missing or about to go stale)."""
    auth = _require_authority(session, class_id)
    _current_crl(session, auth)
    assert auth.crl_pem is not None
    return auth.crl_pem.encode("ascii")


def crl_needs_refresh(session: Session, class_id: int) -> bool:
    """Whether :func:`crl_pem` would write (no CA yet, or the CRL is missing or going stale)."""
    auth = _authority(session, class_id, create=False)
    return auth is None or not _crl_is_fresh(auth, utcnow())


# ----------------------------------------------------------------------------- issuing


def _new_number(session: Session) -> str:
    for _ in range(20):
        number = str(secrets.randbelow(9 * 10 ** (NUMBER_DIGITS - 1)) + 10 ** (NUMBER_DIGITS - 1))
        if session.scalar(select(Certificate.id).where(Certificate.number == number)) is None:
            return number
    raise RuntimeError("could not draw a free certificate number")  # pragma: no cover


def _class_mailbox(session: Session, class_id: int, address: str) -> bool:
    from sandbox.email.models import Mailbox

    found = session.scalar(
        select(Mailbox.id).where(Mailbox.address == address, Mailbox.class_id == class_id, Mailbox.owner_id.is_not(None))
    )
    return found is not None


def _mail_body(common_name: str, number: str, password: str) -> tuple[str, str]:
    subject = f"数字证书编号与下载密码 Your certificate number and download password ({number})"
    body = (
        f"{common_name}，您好：\n\n"
        f"您的数字证书已签发。\n"
        f"证书编号：{number}\n"
        f"下载密码：{password}\n\n"
        "请到“CA证书中心”输入证书编号和下载密码完成下载验证（CA002），然后下载证书（CA003）。"
        "下载密码只能试错5次，请妥善保管，不要转发。\n\n"
        f"Dear {common_name},\n\n"
        "your digital certificate has been issued.\n"
        f"Certificate number: {number}\n"
        f"Download password: {password}\n\n"
        "Open the CA centre, enter the certificate number and the download password to verify the "
        "download (CA002), then download the certificate (CA003). Five wrong tries lock the "
        "download; keep the password to yourself.\n\n"
        "—— 沙盒CA中心 Sandbox CA"
    )
    return subject, body


def issue_certificate(
    session: Session,
    *,
    class_id: int,
    owner_id: int,
    actor: Actor | None,
    common_name: str,
    organization: str,
    email_address: str | None = None,
    purpose: str,
    task_code: str | None = None,
    csr_pem: str | bytes | None = None,
    request_id: str | None = None,
    valid_days: int = 365,
) -> IssuedCertificate:
    """Issue an X.509 certificate to ``owner_id`` (CA001, EBANK001, B2B001 ...), state ``issued``.

    The CA generates an RSA-2048 key pair (kept sealed; after CA003 it is the identity installed
    in the owner's sandbox certificate store) unless ``csr_pem`` brings the applicant's own
    public key (the CSR's subject is ignored: the form's names are certified). ``purpose``
    names the issuing route ("ca", "ebank", "b2b" ...), ``task_code`` the task that asked for
    it. Mails the number and download password (sender "ca") when ``email_address`` is a
    mailbox of the class; an address in the sandbox mail domain that is not one is refused.
    Records ``ca.certificate_issued``. Pass ``request_id`` only when this is the one event of
    the request (the event log's request ids are unique); with a request id seen before it
    returns the first certificate (download_password None) and does nothing more.

    Raises input.* (pki.common_name, pki.organization), pki.name_too_long, pki.bad_email,
    pki.not_a_mailbox, pki.bad_csr, pki.csr_signature, pki.weak_key.
    """
    done = events.replayed(session, request_id)
    if done is not None and done.subject and done.subject.isdigit():
        row = session.get(Certificate, int(done.subject))
        if row is not None:
            return IssuedCertificate(row.id, row.number, None, None)
    cn = clean_name(common_name, "pki.common_name")
    org = clean_name(organization, "pki.organization", required=False)
    email = clean_email(email_address)
    purpose_text = clean_text(purpose, "pki.purpose", max_len=32)
    public_key: Any
    private_key: PrivateKey | None = None
    if csr_pem is not None and (csr_pem.strip() if isinstance(csr_pem, str | bytes) else csr_pem):
        public_key = crypto.parse_csr(csr_pem).public_key
    else:
        private_key = crypto.new_rsa_key()
        public_key = private_key.public_key()
    mail_to = None
    if email is not None:
        if _class_mailbox(session, class_id, email):
            mail_to = email
        elif email.endswith("@" + MAIL_DOMAIN):
            raise DomainError("pki.not_a_mailbox", field="pki.email", address=email)
    auth = _require_authority(session, class_id)
    ca_key, ca_cert = _ca_pair(auth)
    now = utcnow()
    number = _new_number(session)
    cert = crypto.build_leaf(
        issuer_key=ca_key,
        issuer_cert=ca_cert,
        public_key=public_key,
        common_name=cn,
        organization=org or None,
        number=number,
        email_address=email,
        now=now,
        valid_days=valid_days,
    )
    password = new_download_password()
    row = Certificate(
        class_id=class_id,
        authority_id=auth.id,
        number=number,
        serial_hex=crypto.serial_hex(cert),
        fingerprint=crypto.fingerprint(cert),
        owner_id=owner_id,
        purpose=purpose_text,
        task_code=task_code,
        common_name=cn,
        organization=org,
        email_address=email,
        state=ISSUED,
        certificate_pem=crypto.cert_pem(cert),
        from_csr=private_key is None,
        key_sealed=None,
        not_before=cert.not_valid_before_utc,
        not_after=cert.not_valid_after_utc,
        download_digest=sealing.password_digest(password_context(number), password),
        download_failures=0,
        download_expires_at=now + DOWNLOAD_PASSWORD_TTL,
        created_by=actor.user_id if actor else None,
        created_at=now,
    )
    if private_key is not None:
        row.key_sealed = sealing.seal(crypto.private_key_der(private_key), f"leaf:{class_id}:{number}")
    session.add(row)
    session.flush()
    if mail_to is not None:
        from sandbox.email.services import deliver_system_mail

        subject, body = _mail_body(cn, number, password)
        deliver_system_mail(
            session, class_id, mail_to, subject, body, "ca.certificate_issued", sender="ca",
            sender_name="沙盒CA中心 Sandbox CA", actor=actor, task_code=task_code,
            certificate_id=row.id, number=number,
        )
    events.record(
        session, "ca.certificate_issued", actor=actor, class_id=class_id, subject=str(row.id),
        task_code=task_code, request_id=request_id, number=number, owner_id=owner_id, purpose=purpose_text,
        serial=row.serial_hex, from_csr=row.from_csr, mailed_to=mail_to,
    )
    return IssuedCertificate(row.id, number, password, mail_to)


def reset_download_password(session: Session, row: Certificate, *, actor: Actor | None) -> tuple[str, str | None]:
    """A new download password for ``row`` (unlocked, 30 days); mailed like the first one.
    Returns the password and the address it was mailed to. For ``sandbox.ca`` (the officer's
    service checks authority)."""
    password = new_download_password()
    now = utcnow()
    row.download_digest = sealing.password_digest(password_context(row.number), password)
    row.download_failures = 0
    row.download_locked_at = None
    row.download_expires_at = now + DOWNLOAD_PASSWORD_TTL
    mailed = None
    if row.email_address and _class_mailbox(session, row.class_id, row.email_address):
        mailed = row.email_address
        from sandbox.email.services import deliver_system_mail

        subject, body = _mail_body(row.common_name, row.number, password)
        deliver_system_mail(
            session, row.class_id, row.email_address, subject, body, "ca.download_password_reset", sender="ca",
            sender_name="沙盒CA中心 Sandbox CA", actor=actor, certificate_id=row.id, number=row.number,
        )
    session.flush()
    return password, mailed


def leaf_private_key(row: Certificate) -> PrivateKey | None:
    """The sealed key the CA made for ``row`` (None for a CSR certificate). For ``sandbox.ca``."""
    return _unseal_key(row.key_sealed, _leaf_key_context(row)) if row.key_sealed else None


# ----------------------------------------------------------------------------- looking up


def row_by_id(session: Session, class_id: int, certificate_id: int) -> Certificate:
    """The certificate row, locked for the rest of the transaction (PostgreSQL)."""
    row = (
        session.get(Certificate, certificate_id, with_for_update=True, populate_existing=True)
        if isinstance(certificate_id, int)
        else None
    )
    if row is None:
        raise DomainError("pki.unknown_certificate")
    if row.class_id != class_id:
        raise DomainError("pki.other_class")
    return row


def certificate_record(session: Session, class_id: int, certificate_id: int) -> CertificateRecord:
    """One certificate of the class; pki.unknown_certificate / pki.other_class otherwise."""
    return _record(row_by_id(session, class_id, certificate_id))


def row_by_number(session: Session, class_id: int, number: str, *, for_update: bool = False) -> Certificate:
    """The certificate row with 证书编号 ``number`` in this class (for ``sandbox.ca``)."""
    num = normalize_number(number)
    query = select(Certificate).where(Certificate.number == num)
    if for_update:
        query = query.with_for_update().execution_options(populate_existing=True)
    row = session.scalar(query) if num.isdigit() and len(num) == NUMBER_DIGITS else None
    if row is None:
        raise DomainError("pki.unknown_certificate", field="ca.number", number=num[:20])
    if row.class_id != class_id:
        raise DomainError("pki.other_class", field="ca.number", number=num)
    return row


def certificate_by_number(session: Session, class_id: int, number: str) -> CertificateRecord:
    """The certificate with 证书编号 ``number`` (blanks and hyphens ignored) in this class;
    pki.unknown_certificate / pki.other_class otherwise."""
    return _record(row_by_number(session, class_id, number))


def certificates_of(
    session: Session, class_id: int, owner_id: int, *, purpose: str | None = None
) -> list[CertificateRecord]:
    """The certificates of ``owner_id`` in the class, newest first (the identity chooser)."""
    query = select(Certificate).where(Certificate.class_id == class_id, Certificate.owner_id == owner_id)
    if purpose is not None:
        query = query.where(Certificate.purpose == purpose)
    return [_record(r) for r in session.scalars(query.order_by(Certificate.id.desc()))]


def load_certificate(pem_or_der: str | bytes) -> x509.Certificate:
    """A certificate from PEM or DER bytes; pki.bad_certificate otherwise."""
    return crypto.load_certificate(pem_or_der)


# ----------------------------------------------------------------------------- verifying


def _chain_error(verdict: str, certificate: x509.Certificate) -> DomainError:
    if verdict == crypto.CHAIN_EXPIRED:
        return DomainError("pki.expired", not_after=certificate.not_valid_after_utc.strftime("%Y-%m-%d %H:%M UTC"))
    if verdict == crypto.CHAIN_NOT_YET_VALID:
        return DomainError("pki.not_yet_valid")
    if verdict == crypto.CHAIN_TAMPERED:
        return DomainError("pki.tampered")
    return DomainError("pki.foreign_ca")


def check_certificate(
    session: Session, *, class_id: int, certificate: x509.Certificate, at: datetime | None = None
) -> CertificateRecord:
    """The record of ``certificate`` if it is valid now (or at ``at``) for this class.

    Checks, in order: a certificate of another class's CA (pki.other_class), the validity period
    (pki.expired, pki.not_yet_valid), the chain to the class root with
    ``cryptography.x509.verification`` (pki.foreign_ca, pki.tampered), the class CRL (pki.revoked),
    and that this class's CA issued exactly these bytes (pki.unknown_certificate).
    """
    when = at or utcnow()
    fp = crypto.fingerprint(certificate)
    row = session.scalar(select(Certificate).where(Certificate.fingerprint == fp))
    if row is not None and row.class_id != class_id:
        raise DomainError("pki.other_class")
    auth = _authority(session, class_id, create=False)
    if auth is None:
        raise DomainError("pki.foreign_ca")
    root = _load_cert_cached(auth.certificate_pem)
    verdict = crypto.verify_chain(certificate, root, at=when)
    if verdict != crypto.CHAIN_OK:
        raise _chain_error(verdict, certificate)
    crl = _current_crl(session, auth)
    try:
        revoked = crypto.crl_revokes(crl, root, certificate.serial_number, at=utcnow())
    except ValueError:  # a CRL that does not verify is no CRL: refuse rather than trust
        raise DomainError("pki.revoked") from None
    if revoked or (row is not None and row.revoked_at is not None):
        raise DomainError("pki.revoked")
    if row is None:
        raise DomainError("pki.unknown_certificate")
    return _record(row)


def new_challenge(session: Session, *, class_id: int, certificate_number: str | None = None) -> Challenge:
    """A fresh single-use login challenge (5 minutes), bound to ``certificate_number`` if given.

    Raises pki.unknown_certificate / pki.other_class for a number not of this class.
    """
    cert_id = None
    number = None
    if certificate_number:
        row = row_by_number(session, class_id, certificate_number)
        cert_id, number = row.id, row.number
    now = utcnow()
    session.execute(
        delete(ChallengeRow).where(ChallengeRow.class_id == class_id, ChallengeRow.created_at < now - CHALLENGE_KEEP)
    )
    nonce = secrets.token_hex(32)
    item = ChallengeRow(
        class_id=class_id, certificate_id=cert_id, nonce=nonce, created_at=now, expires_at=now + CHALLENGE_TTL
    )
    session.add(item)
    session.flush()
    return Challenge(item.id, nonce, item.expires_at, number)


def _open_challenge(session: Session, class_id: int, challenge_id: int) -> ChallengeRow:
    item = session.get(ChallengeRow, challenge_id) if isinstance(challenge_id, int) else None
    if item is None or item.class_id != class_id:
        raise DomainError("pki.challenge_unknown")
    if item.used_at is not None:
        raise DomainError("pki.challenge_replayed")
    if utcnow() > item.expires_at:
        raise DomainError("pki.challenge_expired")
    return item


def _finish_login(
    session: Session, class_id: int, item: ChallengeRow, cert: x509.Certificate, signature: bytes, at: datetime | None
) -> CertificateRecord:
    if not crypto.verify_signature(cert, item.nonce.encode("ascii"), signature):
        raise DomainError("pki.bad_signature")
    record = check_certificate(session, class_id=class_id, certificate=cert, at=at)
    if item.certificate_id is not None and item.certificate_id != record.id:
        raise DomainError("pki.challenge_wrong_certificate")
    burned = session.execute(
        update(ChallengeRow)
        .where(ChallengeRow.id == item.id, ChallengeRow.used_at.is_(None))
        .values(used_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    if getattr(burned, "rowcount", 1) != 1:  # a concurrent login used it first
        raise DomainError("pki.challenge_replayed")
    session.expire(item)
    return record


def verify_p12_login(
    session: Session,
    *,
    class_id: int,
    p12_bytes: bytes,
    password: str,
    challenge_id: int,
    at: datetime | None = None,
) -> CertificateRecord:
    """EBANK002 / LGS021: prove possession of the key in an uploaded .p12 (opened with ``password``).

    Signs the challenge with the .p12 key, verifies that signature against the .p12
    certificate, then :func:`check_certificate` (chain to the class root, validity at ``at`` or
    now, CRL, issued by this class's CA); burns the challenge. Raises pki.bad_p12,
    pki.bad_p12_password, pki.no_private_key, pki.challenge_*, pki.bad_signature, and the
    errors of :func:`check_certificate`.
    """
    item = _open_challenge(session, class_id, challenge_id)
    key, cert = crypto.open_p12(p12_bytes, password)
    if key is None:
        raise DomainError("pki.no_private_key", field="pki.p12")
    return _finish_login(session, class_id, item, cert, crypto.sign(key, item.nonce.encode("ascii")), at)


def verify_stored_login(
    session: Session,
    *,
    class_id: int,
    user_id: int,
    certificate_id: int,
    challenge_id: int,
    at: datetime | None = None,
) -> CertificateRecord:
    """Like :func:`verify_p12_login` with the identity installed in ``user_id``'s sandbox
    certificate store (a certificate of theirs in state ``downloaded`` whose key the CA made).

    Raises pki.not_installed (not theirs, not downloaded, or a CSR certificate), and the errors
    of :func:`verify_p12_login`.
    """
    item = _open_challenge(session, class_id, challenge_id)
    row = session.get(Certificate, certificate_id) if isinstance(certificate_id, int) else None
    if row is None or row.class_id != class_id or row.owner_id != user_id or row.state != DOWNLOADED:
        raise DomainError("pki.not_installed")
    key = leaf_private_key(row)
    if key is None:
        raise DomainError("pki.not_installed")
    cert = _load_cert_cached(row.certificate_pem)
    return _finish_login(session, class_id, item, cert, crypto.sign(key, item.nonce.encode("ascii")), at)


def verify_signed_challenge(
    session: Session,
    *,
    class_id: int,
    certificate_pem: str | bytes,
    signature: bytes,
    challenge_id: int,
    at: datetime | None = None,
) -> CertificateRecord:
    """Like :func:`verify_p12_login` when the applicant signed :attr:`Challenge.message` with
    their own key (``openssl dgst -sha256 -sign key.pem -sigopt rsa_padding_mode:pss``).
    Raises pki.bad_certificate and the errors of :func:`verify_p12_login`."""
    item = _open_challenge(session, class_id, challenge_id)
    cert = crypto.load_certificate(certificate_pem)
    return _finish_login(session, class_id, item, cert, bytes(signature or b""), at)


# ----------------------------------------------------------------------------- system parties


def system_identity(session: Session, class_id: int, party: str) -> tuple[PrivateKey, x509.Certificate]:
    """The signing key and certificate of a system party ("bank", "b2b", "logistics" ...) in this
    class, issued by the class CA on first use (its key sealed); renewed when expired or revoked."""
    if not PARTY_RE.match(party):
        raise ValueError(f"bad system party {party!r}")
    now = utcnow()
    row = session.scalar(select(Certificate).where(Certificate.class_id == class_id, Certificate.party == party))
    if row is not None and (row.revoked_at is not None or row.not_after <= now + timedelta(days=1)):
        row.party = None  # retire it: the next lines issue a successor
        session.flush()
        row = None
    if row is None:
        common, org = SYSTEM_PARTIES.get(party, (f"Sandbox {party}", "电子商务沙盒 E-commerce Sandbox"))
        auth = _require_authority(session, class_id)
        ca_key, ca_cert = _ca_pair(auth)
        key = crypto.new_rsa_key()
        number = _new_number(session)
        cert = crypto.build_leaf(
            issuer_key=ca_key, issuer_cert=ca_cert, public_key=key.public_key(), common_name=common,
            organization=org, number=number, email_address=f"{party}@{MAIL_DOMAIN}", now=now,
        )
        _insert_ignoring(
            session,
            Certificate.__table__,
            {
                "class_id": class_id, "authority_id": auth.id, "number": number, "serial_hex": crypto.serial_hex(cert),
                "fingerprint": crypto.fingerprint(cert), "owner_id": None, "party": party, "purpose": "system",
                "task_code": None, "common_name": common, "organization": org,
                "email_address": f"{party}@{MAIL_DOMAIN}", "state": ISSUED, "certificate_pem": crypto.cert_pem(cert),
                "from_csr": False, "key_sealed": sealing.seal(crypto.private_key_der(key), f"leaf:{class_id}:{number}"),
                "not_before": cert.not_valid_before_utc, "not_after": cert.not_valid_after_utc,
                "download_failures": 0, "created_at": now,
            },
            ["class_id", "party"],
        )
        row = session.scalar(
            select(Certificate)
            .where(Certificate.class_id == class_id, Certificate.party == party)
            .execution_options(populate_existing=True)
        )
        assert row is not None
        if row.number == number:
            events.record(
                session, "ca.certificate_issued", class_id=class_id, subject=str(row.id), number=number,
                party=party, purpose="system", serial=row.serial_hex, from_csr=False, mailed_to=None,
            )
    key = leaf_private_key(row)
    assert key is not None
    return key, _load_cert_cached(row.certificate_pem)


# ----------------------------------------------------------------------------- signatures


def sign(private_key: PrivateKey, data: bytes) -> bytes:
    """A detached signature of ``data``: RSA-PSS (MGF1-SHA256, salt 32) / ECDSA, SHA-256."""
    return crypto.sign(private_key, bytes(data))


def verify_signature(certificate: x509.Certificate, data: bytes, signature: bytes) -> bool:
    """True when ``signature`` over ``data`` verifies with the certificate's public key (no chain
    check: use :func:`check_certificate` for that). Any PSS salt length is accepted."""
    return crypto.verify_signature(certificate, data, signature)


def canonical_json(document: Any) -> bytes:
    """The bytes to sign for a JSON-like document: sorted keys, no blanks, UTF-8, NFC strings;
    floats are refused (give money as integer fen or a decimal string)."""
    return crypto.canonical_json(document)


# ----------------------------------------------------------------------------- revocation


def revoke_certificate(
    session: Session,
    *,
    class_id: int,
    certificate_id: int,
    actor: Actor | None,
    reason: str,
    note: str = "",
    request_id: str | None = None,
) -> CertificateRecord:
    """Revoke a certificate with an RFC 5280 reason and regenerate the CRL; records
    ``ca.certificate_revoked``. Raises pki.unknown_certificate, pki.other_class,
    pki.already_revoked, pki.bad_reason. (Authorisation is the caller's: see
    ``sandbox.ca.services.revoke``.)"""
    if reason not in crypto.REASONS:
        raise DomainError("pki.bad_reason", field="ca.reason", reason=str(reason)[:40])
    text = clean_text(note, "ca.note", max_len=200, required=False)
    row = row_by_id(session, class_id, certificate_id)
    if row.revoked_at is not None:
        raise DomainError("pki.already_revoked", number=row.number)
    now = utcnow()
    row.revoked_at = now
    row.revocation_reason = reason
    row.revoked_by = actor.user_id if actor else None
    session.flush()
    auth = session.get(Authority, row.authority_id)
    assert auth is not None
    _refresh_crl(session, auth, now)
    events.record(
        session, "ca.certificate_revoked", actor=actor, class_id=class_id, subject=str(row.id),
        request_id=request_id, number=row.number, serial=row.serial_hex, reason=reason, note=text, crl_number=auth.crl_number,
    )
    return _record(row)


# ----------------------------------------------------------------------------- artefacts


def export_artefacts(session: Session, class_id: int, folder: str | Path) -> dict[str, Path]:
    """Write ``ca-root.pem`` and ``ca.crl.pem`` of the class into ``folder`` (created if needed)
    and return their paths by name."""
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    root = out / "ca-root.pem"
    root.write_text(_require_authority(session, class_id).certificate_pem, encoding="ascii")
    crl = out / "ca.crl.pem"
    crl.write_bytes(crl_pem(session, class_id))
    return {"ca-root.pem": root, "ca.crl.pem": crl}


#: Lines for a demo README: how to check the artefacts with OpenSSL.
OPENSSL_README = """\
Certificates: openssl verify -CAfile ca-root.pem cert.pem
Revocation:   openssl verify -crl_check -CAfile ca-root.pem -CRLfile ca.crl.pem cert.pem
PKCS#12:      openssl pkcs12 -in student.p12 -passin file:student.p12.password -nokeys
Signatures are RSA-PSS (MGF1-SHA256, salt length 32 = digest length) over SHA-256:
  openssl x509 -in signer.pem -pubkey -noout > signer.pub.pem
  openssl dgst -sha256 -verify signer.pub.pem -sigopt rsa_padding_mode:pss \\
      -sigopt rsa_pss_saltlen:-1 -signature data.sig data
"""


def count_certificates(session: Session, class_id: int) -> int:
    return int(session.scalar(select(func.count(Certificate.id)).where(Certificate.class_id == class_id)) or 0)
