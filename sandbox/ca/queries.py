"""Read models of the CA pages: the applicant's own certificates, the officer's class list.

Invariants: an applicant sees only certificates they own, in their own class; the officer's
views require :func:`sandbox.ca.services.is_officer` for the class (else ``ca.not_officer``).
Nothing here writes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.actor import INSTRUCTOR, STUDENT, Actor
from sandbox.ca.models import Officer
from sandbox.ca.services import is_officer
from sandbox.errors import DomainError
from sandbox.identity.models import Classroom, Membership, User
from sandbox.pki import services as pki
from sandbox.pki.models import Certificate

LIST_LIMIT = 500


@dataclass(frozen=True)
class CertificateRow:
    id: int
    number: str
    common_name: str
    organization: str
    email_address: str | None
    purpose: str
    task_code: str | None
    state: str
    from_csr: bool
    not_before: datetime
    not_after: datetime
    revoked_at: datetime | None
    revocation_reason: str | None
    download_failures: int
    download_locked: bool
    owner_id: int | None
    owner_name: str
    owner_username: str
    serial_hex: str
    fingerprint: str


def _row(cert: Certificate, user: User | None) -> CertificateRow:
    return CertificateRow(
        id=cert.id,
        number=cert.number,
        common_name=cert.common_name,
        organization=cert.organization,
        email_address=cert.email_address,
        purpose=cert.purpose,
        task_code=cert.task_code,
        state=cert.state,
        from_csr=cert.from_csr,
        not_before=cert.not_before,
        not_after=cert.not_after,
        revoked_at=cert.revoked_at,
        revocation_reason=cert.revocation_reason,
        download_failures=cert.download_failures or 0,
        download_locked=cert.download_locked_at is not None,
        owner_id=cert.owner_id,
        owner_name=user.full_name if user else (cert.party or ""),
        owner_username=user.username if user else "",
        serial_hex=cert.serial_hex,
        fingerprint=cert.fingerprint,
    )


def my_certificates(session: Session, actor: Actor) -> list[CertificateRow]:
    """The actor's certificates in their class, newest first (CA001 / B2B001 / EBANK001 alike)."""
    if actor.class_id is None:
        return []
    rows = session.scalars(
        select(Certificate)
        .where(Certificate.class_id == actor.class_id, Certificate.owner_id == actor.user_id)
        .order_by(Certificate.id.desc())
        .limit(LIST_LIMIT)
    )
    return [_row(c, None) for c in rows]


def certificate_pem(session: Session, actor: Actor, certificate_id: int, class_id: int | None = None) -> bytes:
    """The public certificate (PEM) of one of the actor's own certificates, or of any certificate
    of a class the actor is an officer of. Raises pki.unknown_certificate."""
    cert = session.get(Certificate, certificate_id) if isinstance(certificate_id, int) else None
    if cert is None:
        raise DomainError("pki.unknown_certificate")
    own = cert.owner_id == actor.user_id and cert.class_id == actor.class_id
    managed = class_id is not None and cert.class_id == class_id and is_officer(session, actor, class_id)
    if not (own or managed):
        raise DomainError("pki.unknown_certificate")
    return cert.certificate_pem.encode("ascii")


@dataclass(frozen=True)
class ManagedClass:
    id: int
    name: str


def officer_classes(session: Session, actor: Actor) -> list[ManagedClass]:
    """The classes whose certificates the actor may manage: an instructor's classes, or the
    student's class when they were granted the CA-officer role."""
    if actor.role == INSTRUCTOR:
        rows = session.execute(
            select(Classroom.id, Classroom.name)
            .join(Membership, Membership.class_id == Classroom.id)
            .where(Membership.user_id == actor.user_id, Membership.role == INSTRUCTOR)
            .order_by(Classroom.created_at.desc(), Classroom.id.desc())
        ).all()
    elif actor.role == STUDENT:
        rows = session.execute(
            select(Classroom.id, Classroom.name)
            .join(Officer, Officer.class_id == Classroom.id)
            .where(Officer.user_id == actor.user_id)
            .order_by(Classroom.id)
        ).all()
    else:
        rows = []
    return [ManagedClass(int(i), str(n)) for i, n in rows]


def class_certificates(session: Session, actor: Actor, class_id: int, *, search: str = "") -> list[CertificateRow]:
    """Every certificate of the class (students', bots' and system parties'), newest first,
    optionally filtered by number, name or user name. Raises ca.not_officer."""
    if not is_officer(session, actor, class_id):
        raise DomainError("ca.not_officer")
    query = (
        select(Certificate, User)
        .outerjoin(User, User.id == Certificate.owner_id)
        .where(Certificate.class_id == class_id)
    )
    text = search.strip()
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        number = pki.normalize_number(text)
        query = query.where(
            Certificate.number.like(f"%{number}%" if number else like)
            | Certificate.common_name.like(like)
            | User.username.like(like)
            | User.full_name.like(like)
        )
    rows = session.execute(query.order_by(Certificate.id.desc()).limit(LIST_LIMIT)).all()
    return [_row(c, u) for c, u in rows]


@dataclass(frozen=True)
class StudentOfficer:
    user_id: int
    username: str
    full_name: str
    officer: bool


def officer_roster(session: Session, actor: Actor, class_id: int) -> list[StudentOfficer]:
    """The students of the class and whether each is a CA officer (instructors of the class only)."""
    if actor.role != INSTRUCTOR or not is_officer(session, actor, class_id):
        raise DomainError("auth.forbidden")
    officers = select(Officer.user_id).where(Officer.class_id == class_id)
    rows = session.execute(
        select(User.id, User.username, User.full_name, User.id.in_(officers))
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.class_id == class_id, Membership.role == STUDENT)
        .order_by(User.username)
    ).all()
    return [StudentOfficer(int(i), u, n, bool(o)) for i, u, n, o in rows]
