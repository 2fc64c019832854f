"""Check kinds of the B2B negotiation branch: inquiry (B2B007), quote (B2B022), negotiation form
(B2B023), negotiation entries (B2B024/B2B025), agreement (B2B026/B2B027) and contract signatures
(B2B028/B2B029). Importing this module registers them.

Each kind reads the student's own events (``actor_id`` in ``ctx.students``) and the documents
they name, and credits the student only when the document's party of that side is a member the
student owns and the row says the student did it (``created_by``, ``quoted_by``, the entry's
author, ``*_signed_by``). Bots, classmates and the counterparty never earn the credit. Later
legitimate moves keep it ("status X or later"): a 一方同意 form reset by new content still
counts for the agreement that was recorded. The signature checks recompute the verification
from the stored bytes *now*, so a contract whose text changed after signing fails.

Kinds:
- ``b2b.inquiry_created`` (B2B007) · ``b2b.inquiry_quoted`` (B2B022) ·
  ``b2b.negotiation_opened`` (B2B023);
- ``b2b.negotiation_entry`` (side: supplier — needs all four contract terms, B2B024 | buyer —
  any entry, B2B025);
- ``b2b.negotiation_agreed`` (side: supplier B2B026 | buyer B2B027);
- ``b2b.contract_signed`` (side: buyer B2B028 | supplier B2B029).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.b2b import models as m
from sandbox.b2b.contracts import verify_contract
from sandbox.b2b.models import (
    BUYER,
    MEMBER_TYPES,
    SUPPLIER,
    Contract,
    Inquiry,
    InquiryLine,
    Member,
    Negotiation,
    NegotiationEntry,
)
from sandbox.events import Event
from sandbox.scenarios.checks import CheckContext, Outcome, check

#: task code -> (check kind, parameters) as the scenario file names them.
TASK_CHECKS: dict[str, tuple[str, dict[str, str]]] = {
    "B2B007": ("b2b.inquiry_created", {}),
    "B2B022": ("b2b.inquiry_quoted", {}),
    "B2B023": ("b2b.negotiation_opened", {}),
    "B2B024": ("b2b.negotiation_entry", {"side": SUPPLIER}),
    "B2B025": ("b2b.negotiation_entry", {"side": BUYER}),
    "B2B026": ("b2b.negotiation_agreed", {"side": SUPPLIER}),
    "B2B027": ("b2b.negotiation_agreed", {"side": BUYER}),
    "B2B028": ("b2b.contract_signed", {"side": BUYER}),
    "B2B029": ("b2b.contract_signed", {"side": SUPPLIER}),
}
ENTRY_TASK = {SUPPLIER: "B2B024", BUYER: "B2B025"}
AGREE_TASK = {SUPPLIER: "B2B026", BUYER: "B2B027"}
SIGN_TASK = {BUYER: "B2B028", SUPPLIER: "B2B029"}


def _side(params: dict[str, Any]) -> str:
    side = str(params.get("side", ""))
    if side not in MEMBER_TYPES:
        raise ValueError(f"side must be buyer or supplier, not {side!r}")
    return side


def _subject_ids(evs: Iterable[Event]) -> set[int]:
    return {int(e.subject) for e in evs if e.subject and e.subject.isdigit()}


def _owners(session: Session, member_ids: Iterable[int]) -> dict[int, tuple[int, str]]:
    """member id -> (owner user id, member type)."""
    ids = sorted(set(member_ids))
    if not ids:
        return {}
    rows = session.execute(select(Member.id, Member.owner_id, Member.member_type).where(Member.id.in_(ids)))
    return {mid: (owner, kind) for mid, owner, kind in rows}


def _owned(owners: dict[int, tuple[int, str]], member_id: int | None, user_id: int | None, side: str) -> bool:
    found = owners.get(member_id) if member_id is not None else None
    return found is not None and user_id is not None and found == (user_id, side)


def _first(evs: Iterable[Event], ok: Callable[[Event], dict[str, Any] | None]) -> dict[int, Outcome]:
    """A passing Outcome per student: the first of their events that ``ok`` accepts (its evidence)."""
    out: dict[int, Outcome] = {}
    for ev in evs:
        if ev.actor_id is None or ev.actor_id in out:
            continue
        evidence = ok(ev)
        if evidence is not None:
            out[ev.actor_id] = Outcome(True, {"event_id": ev.id, "at": ev.at.isoformat(), **evidence})
    return out


@check("b2b.inquiry_created")
def inquiry_created(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B007: an inquiry the student's buyer created (their own event) with a non-empty inquiry
    note, status 询价 or later (报价, 已生成洽谈单)."""
    evs = ctx.own_events(kinds=["b2b.inquiry_created"], task_code="B2B007")
    rows = {
        r.id: r
        for r in ctx.session.scalars(
            select(Inquiry).where(Inquiry.id.in_(_subject_ids(evs)), Inquiry.class_id == ctx.class_id)
        )
    }
    owners = _owners(ctx.session, [r.buyer_id for r in rows.values()])

    def ok(ev: Event) -> dict[str, Any] | None:
        row = rows.get(int(ev.subject)) if ev.subject and ev.subject.isdigit() else None
        if (
            row is None or row.created_by != ev.actor_id or not _owned(owners, row.buyer_id, ev.actor_id, BUYER)
            or not (row.note or "").strip() or row.state not in (m.INQUIRY, m.QUOTED, m.NEGOTIATING)
        ):
            return None
        return {"inquiry_id": row.id, "number": row.number, "state": row.state}

    return _first(evs, ok)


@check("b2b.inquiry_quoted")
def inquiry_quoted(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B022: an inquiry addressed to the student's supplier has status 报价 or later and a
    positive quoted price on every line, entered by that supplier (the student's own event)."""
    evs = ctx.own_events(kinds=["b2b.inquiry_quoted"], task_code="B2B022")
    ids = _subject_ids(evs)
    rows = {
        r.id: r
        for r in ctx.session.scalars(select(Inquiry).where(Inquiry.id.in_(ids), Inquiry.class_id == ctx.class_id))
    }
    unpriced = set(ctx.session.scalars(
        select(InquiryLine.inquiry_id).where(
            InquiryLine.inquiry_id.in_(list(rows)),
            (InquiryLine.quoted_price_fen.is_(None)) | (InquiryLine.quoted_price_fen <= 0),
        )
    ))
    owners = _owners(ctx.session, [r.supplier_id for r in rows.values()])

    def ok(ev: Event) -> dict[str, Any] | None:
        row = rows.get(int(ev.subject)) if ev.subject and ev.subject.isdigit() else None
        if (
            row is None or row.quoted_by != ev.actor_id or not _owned(owners, row.supplier_id, ev.actor_id, SUPPLIER)
            or row.state not in (m.QUOTED, m.NEGOTIATING) or not row.quoted_total_fen or row.quoted_total_fen <= 0
            or row.id in unpriced
        ):
            return None
        return {"inquiry_id": row.id, "number": row.number, "quoted_total_fen": int(row.quoted_total_fen)}

    return _first(evs, ok)


@check("b2b.negotiation_opened")
def negotiation_opened(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B023: a negotiation form the student's buyer generated (their own event) from an inquiry
    that was 报价 at that moment and is now 已生成洽谈单; the form is 双方不同意 or later."""
    evs = [
        e for e in ctx.own_events(kinds=["b2b.negotiation_opened"], task_code="B2B023")
        if (e.data or {}).get("inquiry_state_before") == m.QUOTED
    ]
    rows = {
        r.id: (r, inq)
        for r, inq in ctx.session.execute(
            select(Negotiation, Inquiry)
            .join(Inquiry, Inquiry.id == Negotiation.inquiry_id)
            .where(Negotiation.id.in_(_subject_ids(evs)), Negotiation.class_id == ctx.class_id)
        )
    }
    owners = _owners(ctx.session, [r.buyer_id for r, _ in rows.values()])

    def ok(ev: Event) -> dict[str, Any] | None:
        found = rows.get(int(ev.subject)) if ev.subject and ev.subject.isdigit() else None
        if found is None:
            return None
        form, inquiry = found
        if (
            form.created_by != ev.actor_id or not _owned(owners, form.buyer_id, ev.actor_id, BUYER)
            or inquiry.buyer_id != form.buyer_id or inquiry.state != m.NEGOTIATING or inquiry.quoted_at is None
            or form.state not in (m.NONE_AGREED, m.ONE_AGREED, m.BOTH_AGREED)
        ):
            return None
        return {"negotiation_id": form.id, "number": form.number, "inquiry_id": inquiry.id}

    return _first(evs, ok)


@check("b2b.negotiation_entry", params=("side",))
def negotiation_entry(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B024 (side=supplier) / B2B025 (side=buyer): a submitted entry on a negotiation form
    authored by the student's member of that side (their own event); a supplier's entry must
    carry the contract terms (quality requirement, inspection method, delivery place, payment
    method, all four)."""
    side = _side(params)
    evs = [
        e for e in ctx.own_events(kinds=["b2b.negotiation_entry"], task_code=ENTRY_TASK[side])
        if (e.data or {}).get("side") == side
    ]
    entry_ids = {int(e.data["entry_id"]) for e in evs if isinstance((e.data or {}).get("entry_id"), int)}
    rows = {
        entry.id: (entry, form)
        for entry, form in ctx.session.execute(
            select(NegotiationEntry, Negotiation)
            .join(Negotiation, Negotiation.id == NegotiationEntry.negotiation_id)
            .where(NegotiationEntry.id.in_(entry_ids), Negotiation.class_id == ctx.class_id)
        )
    }
    owners = _owners(ctx.session, [entry.author_member_id for entry, _ in rows.values()])

    def ok(ev: Event) -> dict[str, Any] | None:
        found = rows.get((ev.data or {}).get("entry_id"))  # type: ignore[arg-type]
        if found is None:
            return None
        entry, form = found
        terms = all((entry.quality, entry.inspection, entry.delivery_place, entry.payment_terms))
        if (
            entry.side != side or entry.author_user_id != ev.actor_id or str(form.id) != ev.subject
            or getattr(form, f"{side}_id") != entry.author_member_id
            or not _owned(owners, entry.author_member_id, ev.actor_id, side) or (side == SUPPLIER and not terms)
        ):
            return None
        return {"negotiation_id": form.id, "entry_id": entry.id, "has_terms": terms}

    return _first(evs, ok)


@check("b2b.negotiation_agreed", params=("side",))
def negotiation_agreed(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B026 (side=supplier) / B2B027 (side=buyer): the student's member of that side agreed to
    one of its negotiation forms (their own event), moving it to 一方同意 or 双方同意."""
    side = _side(params)
    evs = [
        e for e in ctx.own_events(kinds=["b2b.negotiation_agreed"], task_code=AGREE_TASK[side])
        if (e.data or {}).get("side") == side and (e.data or {}).get("to_state") in (m.ONE_AGREED, m.BOTH_AGREED)
    ]
    rows = {
        r.id: r
        for r in ctx.session.scalars(
            select(Negotiation).where(Negotiation.id.in_(_subject_ids(evs)), Negotiation.class_id == ctx.class_id)
        )
    }
    owners = _owners(ctx.session, [getattr(r, f"{side}_id") for r in rows.values()])

    def ok(ev: Event) -> dict[str, Any] | None:
        form = rows.get(int(ev.subject)) if ev.subject and ev.subject.isdigit() else None
        if form is None or not _owned(owners, getattr(form, f"{side}_id"), ev.actor_id, side):
            return None
        return {"negotiation_id": form.id, "number": form.number, "to_state": ev.data["to_state"]}

    return _first(evs, ok)


@check("b2b.contract_signed", params=("side",))
def contract_signed(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """B2B028 (side=buyer) / B2B029 (side=supplier): an electronic contract generated from a
    双方同意 negotiation form carries that side's signature, set by the student's member of that
    side (their own event, the signing time in the audit trail), and the signature verifies
    *now* over the stored contract bytes with the signer's certificate, which chains to the
    class CA (a contract whose text changed fails)."""
    side = _side(params)
    evs = [
        e for e in ctx.own_events(kinds=["b2b.contract_signed"], task_code=SIGN_TASK[side])
        if (e.data or {}).get("side") == side
    ]
    rows = {
        c.id: (c, form)
        for c, form in ctx.session.execute(
            select(Contract, Negotiation)
            .join(Negotiation, Negotiation.id == Contract.negotiation_id)
            .where(Contract.id.in_(_subject_ids(evs)), Contract.class_id == ctx.class_id)
        )
    }
    owners = _owners(ctx.session, [getattr(c, f"{side}_id") for c, _ in rows.values()])
    verdicts: dict[int, dict[str, Any]] = {}

    def ok(ev: Event) -> dict[str, Any] | None:
        found = rows.get(int(ev.subject)) if ev.subject and ev.subject.isdigit() else None
        if found is None:
            return None
        contract, form = found
        if (
            form.state != m.BOTH_AGREED or getattr(contract, f"{side}_signed_by") != ev.actor_id
            or not _owned(owners, getattr(contract, f"{side}_id"), ev.actor_id, side)
        ):
            return None
        if contract.id not in verdicts:
            verdicts[contract.id] = verify_contract(ctx.session, contract.id)
        verdict = verdicts[contract.id]
        if not verdict["document_intact"] or not verdict[side]["verified"]:
            return None
        return {
            "contract_id": contract.id, "number": contract.number, "certificate_number": verdict[side]["certificate_number"],
            "signed_at": verdict[side]["signed_at"],
        }

    return _first(evs, ok)
