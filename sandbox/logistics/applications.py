"""Logistics service applications: a supplier applies to a provider (LGS021), proving its
identity with the CA certificate its B2B registration issued; the provider decides (LGS022).

Invariants:
- The applicant is the supplier member of the actor's live B2B session; the certificate that
  signs the single-use challenge (installed identity or uploaded .p12) must be that member's
  own certificate (``member.certificate_id``), valid and not revoked. The application keeps it.
- The supplier must accept the provider's service terms (物流服务许可协议).
- One application per (provider, supplier): applied → approved | rejected; re-applying after a
  rejection re-opens the same row (rejected → applied). Moves are conditional updates, so two
  concurrent decisions cannot both win.
- Only the provider's owner decides.

Events: lgs.service_applied (LGS021; subject application id), lgs.service_decided (LGS022;
``approved`` true/false).
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b.access import member_of
from sandbox.b2b.models import SUPPLIER
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.identity.services import require_participant
from sandbox.logistics.access import provider_of, require_own
from sandbox.logistics.models import APPLIED, APPROVED, REJECTED, Provider, ServiceApplication
from sandbox.logistics.queries import ApplicationView, application_views
from sandbox.pki.models import Certificate
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text


def _view(session: Session, row: ServiceApplication) -> ApplicationView:
    return application_views(session, [row])[0]


def _move(session: Session, row_id: int, expected: str, to_state: str, **values: Any) -> None:
    won = session.execute(
        update(ServiceApplication)
        .where(ServiceApplication.id == row_id, ServiceApplication.state == expected)
        .values(state=to_state, **values)
        .execution_options(synchronize_session=False)
    ).rowcount
    if not won:
        raise DomainError("b2b.state_changed")
    row = session.get(ServiceApplication, row_id)
    if row is not None:
        session.refresh(row)


def apply_challenge(uow: UnitOfWork, actor: Actor) -> Any:
    """LGS021 step: a fresh single-use challenge for the CA verification box (5 minutes)."""
    from sandbox.pki import services as pki

    with uow.write() as s:
        class_id = require_participant(s, actor)
        return pki.new_challenge(s, class_id=class_id)


def apply(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    *,
    provider_id: int,
    accept_terms: bool,
    challenge_id: int,
    certificate_id: int | None = None,
    p12_bytes: bytes | None = None,
    p12_password: str | None = None,
    note: str = "",
    request_id: str | None = None,
) -> ApplicationView:
    """LGS021: the logged-in supplier applies for a provider's logistics service (申请物流服务),
    proving its identity with its own CA certificate (installed ``certificate_id``, or an uploaded
    .p12 and its password) and accepting the service terms.

    Raises lgs.terms_not_accepted, input.required (lgs.certificate), input.* (lgs.note),
    b2b.login_required, b2b.wrong_member_type, lgs.provider_not_found, lgs.already_applied,
    lgs.already_approved, lgs.no_certificate, lgs.certificate_revoked, lgs.wrong_certificate,
    pki.* (not_installed, bad_p12, bad_p12_password, revoked, expired, challenge_*),
    b2b.state_changed, request.duplicate.
    """
    from sandbox.pki import services as pki

    text = clean_text(note, "lgs.note", max_len=500, required=False, multiline=True)
    if accept_terms is not True:
        raise DomainError("lgs.terms_not_accepted", field="lgs.accept_terms")
    if certificate_id is None and not p12_bytes:
        raise DomainError("input.required", field="lgs.certificate")
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.service_applied" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(ServiceApplication, int(done.subject or 0))
            assert earlier is not None
            return _view(s, earlier)
        provider = s.get(Provider, provider_id) if isinstance(provider_id, int) else None
        if provider is None or provider.class_id != member.class_id:
            raise DomainError("lgs.provider_not_found", field="lgs.provider")
        existing = s.scalar(select(ServiceApplication).where(
            ServiceApplication.provider_id == provider.id, ServiceApplication.supplier_id == member.id
        ))
        if existing is not None and existing.state == APPLIED:
            raise DomainError("lgs.already_applied", provider=provider.name)
        if existing is not None and existing.state == APPROVED:
            raise DomainError("lgs.already_approved", provider=provider.name)
        own = s.get(Certificate, member.certificate_id) if member.certificate_id is not None else None
        if own is None:
            raise DomainError("lgs.no_certificate")
        if own.revoked_at is not None:
            raise DomainError("lgs.certificate_revoked", field="lgs.certificate", number=own.number)
        if certificate_id is not None:
            record = pki.verify_stored_login(
                s, class_id=member.class_id, user_id=actor.user_id, certificate_id=int(certificate_id),
                challenge_id=int(challenge_id),
            )
            method = "store"
        else:
            record = pki.verify_p12_login(
                s, class_id=member.class_id, p12_bytes=bytes(p12_bytes or b""), password=str(p12_password or ""),
                challenge_id=int(challenge_id),
            )
            method = "p12"
        if record.id != member.certificate_id:
            raise DomainError("lgs.wrong_certificate", field="lgs.certificate", number=record.number)
        now = utcnow()
        values: dict[str, Any] = dict(certificate_id=record.id, terms_accepted=True, note=text, applied_by=actor.user_id,
                                      applied_at=now, decided_by=None, decided_at=None)
        if existing is not None:  # rejected before: re-open
            from_state: str | None = existing.state
            _move(s, existing.id, REJECTED, APPLIED, **values)
            row = existing
        else:
            from_state = None
            row = ServiceApplication(class_id=member.class_id, provider_id=provider.id, supplier_id=member.id,
                                     state=APPLIED, **values)
            try:
                with s.begin_nested():
                    s.add(row)
                    s.flush()
            except IntegrityError:  # a concurrent application of the same supplier won
                raise DomainError("lgs.already_applied", provider=provider.name) from None
        events.record(
            s, "lgs.service_applied", actor=actor, subject=str(row.id), task_code="LGS021", request_id=request_id,
            application_id=row.id, provider_id=provider.id, supplier_id=member.id, certificate_id=record.id,
            certificate_number=record.number, method=method, terms_accepted=True, from_state=from_state,
            to_state=APPLIED,
        )
        return _view(s, row)


def decide(
    uow: UnitOfWork,
    actor: Actor,
    application_id: int,
    *,
    approve: bool,
    note: str = "",
    request_id: str | None = None,
) -> ApplicationView:
    """LGS022: the provider approves (审批) or rejects a supplier's pending application.

    Raises lgs.not_registered, lgs.application_not_found, lgs.not_yours, lgs.already_decided,
    b2b.state_changed, input.* (lgs.note), request.duplicate.
    """
    text = clean_text(note, "lgs.note", max_len=500, required=False, multiline=True)
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.service_decided" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(ServiceApplication, int(done.subject or 0))
            assert earlier is not None
            return _view(s, earlier)
        row = s.get(ServiceApplication, application_id) if isinstance(application_id, int) else None
        if row is None or row.class_id != provider.class_id:
            raise DomainError("lgs.application_not_found")
        require_own(provider, row.provider_id)
        if row.state != APPLIED:
            raise DomainError("lgs.already_decided", state=row.state)
        to_state = APPROVED if approve else REJECTED
        _move(s, row.id, APPLIED, to_state, decided_by=actor.user_id, decided_at=utcnow())
        events.record(
            s, "lgs.service_decided", actor=actor, subject=str(row.id), task_code="LGS022", request_id=request_id,
            application_id=row.id, provider_id=provider.id, supplier_id=row.supplier_id, approved=bool(approve),
            note=text, from_state=APPLIED, to_state=to_state,
        )
        return _view(s, row)


def applications_for_provider(session: Session, actor: Actor, *, state: str | None = None) -> list[ApplicationView]:
    """The applications addressed to the actor's provider (客户管理), newest first."""
    provider = provider_of(session, actor)
    query = select(ServiceApplication).where(ServiceApplication.provider_id == provider.id)
    if state:
        query = query.where(ServiceApplication.state == state)
    return application_views(session, list(session.scalars(query.order_by(ServiceApplication.applied_at.desc(),
                                                                          ServiceApplication.id.desc()))))


def my_applications(session: Session, actor: Actor, token: str | None) -> list[ApplicationView]:
    """The logged-in supplier's applications, newest first."""
    member = member_of(session, actor, token, SUPPLIER)
    rows = session.scalars(select(ServiceApplication).where(ServiceApplication.supplier_id == member.id)
                           .order_by(ServiceApplication.applied_at.desc(), ServiceApplication.id.desc()))
    return application_views(session, list(rows))


def approved_providers_of(session: Session, supplier_member_id: int) -> list[Provider]:
    """The providers that approved this supplier member (its logistics service providers)."""
    return list(session.scalars(
        select(Provider)
        .join(ServiceApplication, ServiceApplication.provider_id == Provider.id)
        .where(ServiceApplication.supplier_id == supplier_member_id, ServiceApplication.state == APPROVED)
        .order_by(Provider.name_key)
    ))


def is_approved(session: Session, provider_id: int, supplier_member_id: int) -> bool:
    """Whether ``provider_id`` approved the supplier member."""
    return session.scalar(select(ServiceApplication.id).where(
        ServiceApplication.provider_id == provider_id, ServiceApplication.supplier_id == supplier_member_id,
        ServiceApplication.state == APPROVED,
    )) is not None
