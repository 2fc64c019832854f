"""CA centre services: apply (CA001), verify the download (CA002), download the .p12 (CA003);
the CA officer's revoke, new download password, and the instructor's officer grants.

Invariants:
- One transaction per call (``uow.write()``); its event carries the task code and, for the
  task services, the form's ``request_id`` (a repeat with the same id does nothing more).
- Applicants are students (or bots) acting in their own class; they can verify and download
  only their own certificates. CA officers (the class's instructors, or students granted the
  role) manage the class's certificates; anyone else gets ``ca.not_officer``.
- A wrong download password is *counted*: the failure (counter, event, and the lock after
  ``MAX_DOWNLOAD_FAILURES``) commits, then ``ca.bad_download_password`` / ``ca.download_locked``
  is raised — nothing else changes. Unknown numbers and other classes' certificates change
  nothing at all.
- The .p12 is built in memory for the response and never stored; its password is the download
  password the student typed (checked again against the stored HMAC).

Events (kind → task): ca.certificate_issued → CA001 (via ``pki.issue_certificate``),
ca.download_verified → CA002, ca.download_failed → CA002 (failed try), ca.download_locked,
ca.downloaded → CA003 (subject: certificate id), ca.certificate_revoked,
ca.download_password_reset, ca.officer_granted / ca.officer_withdrawn (subject: user id).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from cryptography import x509
from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import INSTRUCTOR, STUDENT, Actor
from sandbox.ca import states
from sandbox.ca.models import Officer
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.identity.models import Membership
from sandbox.identity.services import require_class_member, require_participant
from sandbox.pki import crypto, sealing
from sandbox.pki import services as pki
from sandbox.pki.models import DOWNLOAD_VERIFIED, DOWNLOADED, Certificate
from sandbox.uow import UnitOfWork

MAX_DOWNLOAD_FAILURES = 5
KEY_SOURCES = ("ca", "csr")


# ----------------------------------------------------------------------------- who may act




def is_officer(session: Session, actor: Actor, class_id: int) -> bool:
    """Whether ``actor`` may manage the certificates of ``class_id``."""
    role = session.scalar(
        select(Membership.role).where(Membership.class_id == class_id, Membership.user_id == actor.user_id)
    )
    if role is None:
        return False
    if role == INSTRUCTOR and actor.role == INSTRUCTOR:
        return True
    granted = session.scalar(select(Officer.id).where(Officer.class_id == class_id, Officer.user_id == actor.user_id))
    return granted is not None and actor.role == STUDENT


def _require_officer(session: Session, actor: Actor, class_id: int) -> None:
    if not is_officer(session, actor, class_id):
        raise DomainError("ca.not_officer")


def _require_instructor_of(session: Session, actor: Actor, class_id: int) -> None:
    if actor.role != INSTRUCTOR:
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, role=INSTRUCTOR)


# ----------------------------------------------------------------------------- CA001


def apply(
    uow: UnitOfWork,
    actor: Actor,
    *,
    common_name: str,
    organization: str = "",
    email_address: str | None = None,
    key_source: str = "ca",
    csr_pem: str | bytes | None = None,
    request_id: str | None = None,
) -> pki.IssuedCertificate:
    """CA001: apply for a certificate on the form; the CA makes the key pair (``key_source="ca"``)
    or certifies the key of the applicant's CSR (``"csr"``). Returns number + download password.

    Raises input.* (pki.common_name, pki.organization, pki.csr), pki.bad_email, pki.not_a_mailbox,
    pki.bad_csr, pki.csr_signature, pki.weak_key, ca.bad_key_source, auth.forbidden, class.not_found.
    """
    if key_source not in KEY_SOURCES:
        raise DomainError("ca.bad_key_source", field="ca.key_source")
    csr: str | bytes | None = None
    if key_source == "csr":
        if not csr_pem or not (csr_pem.strip() if isinstance(csr_pem, str | bytes) else csr_pem):
            raise DomainError("input.required", field="pki.csr")
        crypto.parse_csr(csr_pem)  # refuse a bad CSR before taking the write lock
        csr = csr_pem
    with uow.write() as s:
        class_id = require_participant(s, actor)
        return pki.issue_certificate(
            s, class_id=class_id, owner_id=actor.user_id, actor=actor, common_name=common_name,
            organization=organization, email_address=email_address, purpose="ca", task_code="CA001",
            csr_pem=csr, request_id=request_id,
        )


# ----------------------------------------------------------------------------- CA002 / CA003


def _own_certificate(s: Session, actor: Actor, class_id: int, *, number: str | None = None,
                     certificate_id: int | None = None) -> Certificate:
    if number is not None:
        num = pki.normalize_number(number)
        if not num:
            raise DomainError("input.required", field="ca.number")
        row = pki.row_by_number(s, class_id, num, for_update=True)
    else:
        row = pki.row_by_id(s, class_id, certificate_id)
    if row.owner_id != actor.user_id:
        raise DomainError("ca.not_yours", field="ca.number" if number is not None else None)
    return row


def _downloadable(row: Certificate) -> None:
    if row.revoked_at is not None:
        raise DomainError("ca.revoked", number=row.number)
    if row.download_digest is None:
        raise DomainError("ca.no_download", number=row.number)
    if row.download_locked_at is not None:
        raise DomainError("ca.download_locked", field="ca.password", number=row.number)
    if row.download_expires_at is not None and utcnow() > row.download_expires_at:
        raise DomainError("ca.download_expired", field="ca.password", number=row.number)


def _password_ok(s: Session, actor: Actor, row: Certificate, password: str, task_code: str) -> DomainError | None:
    """None when ``password`` is right; else the error to raise after the failure was counted."""
    if sealing.digest_matches(row.download_digest, pki.password_context(row.number), password):
        row.download_failures = 0
        return None
    row.download_failures = (row.download_failures or 0) + 1
    left = max(MAX_DOWNLOAD_FAILURES - row.download_failures, 0)
    events.record(
        s, "ca.download_failed", actor=actor, subject=str(row.id), task_code=task_code,
        number=row.number, failures=row.download_failures, left=left,
    )
    if left == 0:
        row.download_locked_at = utcnow()
        events.record(s, "ca.download_locked", actor=actor, subject=str(row.id), number=row.number)
        return DomainError("ca.download_locked", field="ca.password", number=row.number)
    return DomainError("ca.bad_download_password", field="ca.password", left=left)


def verify_download(
    uow: UnitOfWork, actor: Actor, *, number: str, password: str, request_id: str | None = None
) -> pki.CertificateRecord:
    """CA002: verify the download of one's certificate with its number and download password.

    Raises input.required (ca.number, ca.password), pki.unknown_certificate, pki.other_class,
    ca.not_yours, ca.revoked, ca.no_download, ca.download_expired, ca.bad_download_password
    (counted), ca.download_locked.
    """
    pw = pki.normalize_password(password)
    if not pki.normalize_number(number):
        raise DomainError("input.required", field="ca.number")
    if not pw:
        raise DomainError("input.required", field="ca.password")
    failure: DomainError | None = None
    with uow.write() as s:
        class_id = require_participant(s, actor)
        done = events.replayed(s, request_id)
        if done is not None and done.subject and done.subject.isdigit():
            return pki.certificate_record(s, class_id, int(done.subject))
        row = _own_certificate(s, actor, class_id, number=number)
        _downloadable(row)
        failure = _password_ok(s, actor, row, pw, "CA002")
        if failure is None:
            before = states.transition(row, DOWNLOADED if row.state == DOWNLOADED else DOWNLOAD_VERIFIED, "CA002")
            row.verified_at = utcnow()
            events.record(
                s, "ca.download_verified", actor=actor, subject=str(row.id), task_code="CA002",
                request_id=request_id, number=row.number, from_state=before, to_state=row.state,
            )
            return pki.record_of(row)
    assert failure is not None
    raise failure  # the counted failure has been committed


@dataclass(frozen=True)
class Download:
    """A served PKCS#12 file: name, bytes, whether it holds the private key, and the certificate."""

    filename: str
    data: bytes
    with_key: bool
    certificate: pki.CertificateRecord


def download(
    uow: UnitOfWork, actor: Actor, *, certificate_id: int, password: str, request_id: str | None = None
) -> Download:
    """CA003: download one's verified certificate as a PKCS#12 file protected by the download
    password (key, certificate and the class root; a CSR certificate comes without key). The
    identity is then installed in the student's sandbox certificate store.

    Raises input.required (ca.password), pki.unknown_certificate, pki.other_class, ca.not_yours,
    ca.not_verified, ca.revoked, ca.no_download, ca.download_expired, ca.bad_download_password
    (counted), ca.download_locked.
    """
    pw = pki.normalize_password(password)
    if not pw:
        raise DomainError("input.required", field="ca.password")
    failure: DomainError | None = None
    with uow.write() as s:
        class_id = require_participant(s, actor)
        row = _own_certificate(s, actor, class_id, certificate_id=certificate_id)
        replay = events.replayed(s, request_id) is not None
        _downloadable(row)
        if row.state not in (DOWNLOAD_VERIFIED, DOWNLOADED):
            raise DomainError("ca.not_verified", number=row.number)
        failure = _password_ok(s, actor, row, pw, "CA003")
        if failure is None:
            key = pki.leaf_private_key(row)
            cert = x509_of(row)
            p12 = crypto.build_p12(f"{row.common_name} {row.number}", key, cert, [pki.root_certificate(s, class_id)], pw)
            if not replay:
                before = states.transition(row, DOWNLOADED, "CA003")
                row.downloaded_at = utcnow()
                events.record(
                    s, "ca.downloaded", actor=actor, subject=str(row.id), task_code="CA003", request_id=request_id,
                    number=row.number, from_state=before, with_key=key is not None, bytes=len(p12),
                    p12_sha256=hashlib.sha256(p12).hexdigest(), installed=key is not None,
                )
            return Download(f"certificate-{row.number}.p12", p12, key is not None, pki.record_of(row))
    assert failure is not None
    raise failure


def x509_of(row: Certificate) -> x509.Certificate:
    return crypto.load_certificate(row.certificate_pem)


# ----------------------------------------------------------------------------- officer


def revoke(
    uow: UnitOfWork, actor: Actor, *, class_id: int, certificate_id: int, reason: str, note: str = "",
    request_id: str | None = None,
) -> pki.CertificateRecord:
    """Revoke a certificate of the class with a reason (CA officer); the CRL is regenerated.

    Raises ca.not_officer, pki.unknown_certificate, pki.other_class, pki.already_revoked, pki.bad_reason.
    """
    with uow.write() as s:
        _require_officer(s, actor, class_id)
        done = events.replayed(s, request_id)
        if done is not None and done.subject and done.subject.isdigit():
            return pki.certificate_record(s, class_id, int(done.subject))
        return pki.revoke_certificate(s, class_id=class_id, certificate_id=certificate_id, actor=actor,
                                      reason=reason, note=note, request_id=request_id)


@dataclass(frozen=True)
class NewPassword:
    number: str
    download_password: str
    mailed_to: str | None


def reset_download_password(
    uow: UnitOfWork, actor: Actor, *, class_id: int, certificate_id: int, request_id: str | None = None
) -> NewPassword:
    """Give a certificate a new download password (unlocks it, 30 more days); mailed to the
    certificate's mailbox if it has one. CA officer only.

    Raises ca.not_officer, pki.unknown_certificate, pki.other_class, ca.revoked, ca.no_download.
    """
    with uow.write() as s:
        _require_officer(s, actor, class_id)
        if events.replayed(s, request_id) is not None:
            raise DomainError("ca.already_done")
        row = pki.row_by_id(s, class_id, certificate_id)
        if row.revoked_at is not None:
            raise DomainError("ca.revoked", number=row.number)
        if row.party is not None or row.owner_id is None:
            raise DomainError("ca.no_download", number=row.number)
        password, mailed = pki.reset_download_password(s, row, actor=actor)
        events.record(
            s, "ca.download_password_reset", actor=actor, class_id=class_id, subject=str(row.id),
            request_id=request_id, number=row.number, mailed_to=mailed,
        )
        return NewPassword(row.number, password, mailed)


def grant_officer(uow: UnitOfWork, actor: Actor, *, class_id: int, user_id: int) -> None:
    """Make a student of the class a CA officer (instructor of the class only).
    Raises auth.forbidden, class.not_found, ca.not_a_student, ca.already_officer."""
    with uow.write() as s:
        _require_instructor_of(s, actor, class_id)
        role = s.scalar(select(Membership.role).where(Membership.class_id == class_id, Membership.user_id == user_id))
        if role != STUDENT:
            raise DomainError("ca.not_a_student")
        if s.scalar(select(Officer.id).where(Officer.class_id == class_id, Officer.user_id == user_id)) is not None:
            raise DomainError("ca.already_officer")
        s.add(Officer(class_id=class_id, user_id=user_id, granted_by=actor.user_id, granted_at=utcnow()))
        s.flush()
        events.record(s, "ca.officer_granted", actor=actor, class_id=class_id, subject=str(user_id))


def withdraw_officer(uow: UnitOfWork, actor: Actor, *, class_id: int, user_id: int) -> None:
    """Take the CA-officer role away from a student (instructor of the class only).
    Raises auth.forbidden, class.not_found, ca.not_officer_user."""
    with uow.write() as s:
        _require_instructor_of(s, actor, class_id)
        row = s.scalar(select(Officer).where(Officer.class_id == class_id, Officer.user_id == user_id))
        if row is None:
            raise DomainError("ca.not_officer_user")
        s.delete(row)
        s.flush()
        events.record(s, "ca.officer_withdrawn", actor=actor, class_id=class_id, subject=str(user_id))


# ----------------------------------------------------------------------------- published files


def published_files(uow: UnitOfWork, actor: Actor, class_id: int | None = None) -> tuple[bytes, bytes]:
    """The class root certificate and current CRL (PEM) for download; anyone of the class.
    Writes only when the CA is new or the CRL is due (once a week). Raises class.not_found."""
    target = class_id if class_id is not None else actor.class_id
    if target is None:
        raise DomainError("class.not_found")
    with uow.read() as s:
        require_class_member(s, actor, target)
        if not pki.crl_needs_refresh(s, target):
            return pki.root_certificate_pem(s, target), pki.crl_pem(s, target)
    with uow.write() as s:
        return pki.root_certificate_pem(s, target), pki.crl_pem(s, target)
