"""Check kinds of the CA module (importing this module registers them).

Each kind grades all ``ctx.students`` with one query and credits only the student's own action:
the task's event whose actor is the student, about a certificate of this class the student
owns. Certificates issued as a side effect of B2B001 / EBANK001 do not earn CA001; a
verification or download by anyone else (a classmate, a bot, the system) earns nothing. A later
revocation does not take the credit away (revocation is not a state).

Kinds (all without parameters):
- ``ca.applied`` (CA001): a certificate issued through the CA001 form the student submitted
  (``ca.certificate_issued`` event by the student with task CA001; purpose "ca"), with a number
  and a download password, in state issued or later.
- ``ca.download_verified`` (CA002): a certificate of the student in state download_verified or
  later, with the student's successful ``ca.download_verified`` event for it (the number and
  password were checked by the service; failed tries are ``ca.download_failed``).
- ``ca.downloaded`` (CA003): a certificate of the student that passed CA002 (the student's own
  verification event) is in state downloaded, with the student's ``ca.downloaded`` event.
- ``ca.has_certificate``: the student owns a certificate of the class (from any route). A
  readiness test standing in for CA002's ``requires_one_of`` [CA001, B2B001, EBANK001].
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import String, and_, cast, exists, func, select
from sqlalchemy.orm import aliased

from sandbox.events import Event
from sandbox.pki.models import DOWNLOAD_VERIFIED, DOWNLOADED, ISSUED, Certificate
from sandbox.scenarios.checks import CheckContext, Outcome, check

#: The check kind that grades each CA task (the scenario file names the same kinds).
TASK_CHECKS = {"CA001": "ca.applied", "CA002": "ca.download_verified", "CA003": "ca.downloaded"}


def _own(ctx: CheckContext) -> Any:
    return and_(Certificate.class_id == ctx.class_id, Certificate.owner_id.in_(ctx.students))


def _event_of_owner(kind: str, alias: Any = Event) -> Any:
    """The event ``kind`` about the certificate (subject = its id) done by its owner."""
    return and_(
        alias.kind == kind,
        alias.subject == cast(Certificate.id, String),
        alias.actor_id == Certificate.owner_id,
        alias.class_id == Certificate.class_id,
    )


def _first(rows: Any, evidence: Any) -> dict[int, Outcome]:
    out: dict[int, Outcome] = {}
    for row in rows:
        if row[0] not in out:
            out[row[0]] = Outcome(True, evidence(row))
    return out


@check("ca.applied")
def applied(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """CA001: a certificate the student applied for on the CA001 form, numbered, with a download
    password, in state issued or later."""
    rows = ctx.session.execute(
        select(Certificate.owner_id, Certificate.id, Certificate.number, Certificate.state, Event.id)
        .join(Event, and_(_event_of_owner("ca.certificate_issued"), Event.task_code == "CA001"))
        .where(
            _own(ctx),
            Certificate.task_code == "CA001",
            Certificate.purpose == "ca",
            Certificate.party.is_(None),
            Certificate.number.is_not(None),
            Certificate.download_digest.is_not(None),
            Certificate.state.in_((ISSUED, DOWNLOAD_VERIFIED, DOWNLOADED)),
        )
        .order_by(Certificate.owner_id, Certificate.id)
    ).all()
    return _first(rows, lambda r: {"certificate_id": r[1], "number": r[2], "state": r[3], "event_id": r[4]})


@check("ca.download_verified")
def download_verified(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """CA002: a certificate of the student in state download_verified or later, verified by the
    student with its own number and download password."""
    rows = ctx.session.execute(
        select(Certificate.owner_id, Certificate.id, Certificate.number, func.min(Event.id))
        .join(Event, and_(_event_of_owner("ca.download_verified"), Event.task_code == "CA002"))
        .where(_own(ctx), Certificate.state.in_((DOWNLOAD_VERIFIED, DOWNLOADED)))
        .group_by(Certificate.owner_id, Certificate.id, Certificate.number)
        .order_by(Certificate.owner_id, Certificate.id)
    ).all()
    return _first(rows, lambda r: {"certificate_id": r[1], "number": r[2], "event_id": r[3]})


@check("ca.downloaded")
def downloaded(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """CA003: a certificate of the student that the student verified (CA002) is in state
    downloaded, with the student's download event."""
    verified = aliased(Event)
    passed_ca002 = exists().where(_event_of_owner("ca.download_verified", verified), verified.task_code == "CA002")
    rows = ctx.session.execute(
        select(Certificate.owner_id, Certificate.id, Certificate.number, func.min(Event.id))
        .join(Event, and_(_event_of_owner("ca.downloaded"), Event.task_code == "CA003"))
        .where(_own(ctx), Certificate.state == DOWNLOADED, passed_ca002)
        .group_by(Certificate.owner_id, Certificate.id, Certificate.number)
        .order_by(Certificate.owner_id, Certificate.id)
    ).all()
    return _first(rows, lambda r: {"certificate_id": r[1], "number": r[2], "event_id": r[3]})


@check("ca.has_certificate")
def has_certificate(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """Readiness for CA002: the student owns a certificate of the class (CA001, B2B001 or EBANK001)."""
    rows = ctx.session.execute(
        select(Certificate.owner_id, func.min(Certificate.id), func.count(Certificate.id))
        .where(_own(ctx), Certificate.download_digest.is_not(None))
        .group_by(Certificate.owner_id)
    ).all()
    return {uid: Outcome(True, {"certificate_id": first, "certificates": int(n)}) for uid, first, n in rows}
