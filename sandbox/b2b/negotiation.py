"""Online negotiation (网上洽谈): the buyer opens a negotiation form (洽谈单) from a quoted inquiry
(B2B023); both sides write in the negotiation room (B2B024 supplier, B2B025 buyer) and agree
(B2B026 supplier, B2B027 buyer): 双方不同意 → 一方同意 → 双方同意, which makes the electronic
contract (``sandbox.b2b.contracts``).

Invariants:
- A quoted inquiry gets at most one form (unique ``inquiry_id``); opening it moves the inquiry
  报价 → 已生成洽谈单 in the same transaction.
- An entry either carries all four contract terms (quality requirement, inspection method,
  delivery place, payment method) or none of them (then it is a message). Agreement needs at
  least one entry with all four terms on the form; the newest such entry is the contract's
  terms.
- New content on a 一方同意 form withdraws the earlier agreement (back to 双方不同意, both
  ``*_agreed_at`` cleared), so both agree to the final text (the catalog's inferred rule).
  Nothing can be added once 双方同意.
- ``version`` goes up with every entry and every agreement; an "Agree" click carries the version
  the page showed, and is refused (``b2b.negotiation_changed``) when the form changed since.
  The form row is locked (PostgreSQL) while an entry or agreement is written, and every state
  change is a conditional move (``states.move``).
- Reaching 双方同意 creates the unsigned contract in the same transaction.

Events: b2b.negotiation_opened (B2B023), b2b.negotiation_entry (B2B024 supplier / B2B025 buyer),
b2b.negotiation_agreed (B2B026 supplier / B2B027 buyer), b2b.contract_created (on 双方同意);
subject: the negotiation id (the contract id for b2b.contract_created).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import contracts, states
from sandbox.b2b import models as m
from sandbox.b2b.access import member_of, new_number, require_party
from sandbox.b2b.inquiries import InquiryLineView
from sandbox.b2b.inquiries import views as inquiry_views
from sandbox.b2b.models import BUYER, SUPPLIER, Contract, Inquiry, Member, Negotiation, NegotiationEntry
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

ENTRY_TASK = {SUPPLIER: "B2B024", BUYER: "B2B025"}
AGREE_TASK = {SUPPLIER: "B2B026", BUYER: "B2B027"}
NEGOTIATION_STATES = (m.NONE_AGREED, m.ONE_AGREED, m.BOTH_AGREED)
NUMBER_PREFIX = "NG"
TERMS_MAX = 500
PLACE_MAX = 200
MESSAGE_MAX = 2000


@dataclass(frozen=True)
class EntryView:
    id: int
    side: str
    author_member_id: int
    author_company: str
    author_user_id: int | None
    quality: str
    inspection: str
    delivery_place: str
    payment_terms: str
    message: str
    created_at: datetime

    @property
    def has_terms(self) -> bool:
        return all((self.quality, self.inspection, self.delivery_place, self.payment_terms))


@dataclass(frozen=True)
class NegotiationView:
    """A negotiation form with its room: entries oldest first, the version the page must send
    back with "Agree", and who agreed."""

    id: int
    number: str
    state: str
    state_zh: str
    inquiry_id: int
    inquiry_number: str
    buyer_id: int
    buyer_company: str
    supplier_id: int
    supplier_company: str
    version: int
    buyer_agreed_at: datetime | None
    supplier_agreed_at: datetime | None
    created_at: datetime
    quoted_total_fen: int | None
    lines: tuple[InquiryLineView, ...]
    entries: tuple[EntryView, ...]
    contract_id: int | None

    @property
    def buyer_agreed(self) -> bool:
        return self.buyer_agreed_at is not None

    @property
    def supplier_agreed(self) -> bool:
        return self.supplier_agreed_at is not None

    @property
    def terms(self) -> EntryView | None:
        """The newest entry with all four terms: what an agreement agrees to."""
        return next((e for e in reversed(self.entries) if e.has_terms), None)


def _views(session: Session, rows: list[Negotiation]) -> list[NegotiationView]:
    if not rows:
        return []
    ids = [r.id for r in rows]
    inquiries = {
        v.id: v
        for v in inquiry_views(
            session, list(session.scalars(select(Inquiry).where(Inquiry.id.in_([r.inquiry_id for r in rows]))))
        )
    }
    entries: dict[int, list[NegotiationEntry]] = {i: [] for i in ids}
    for e in session.scalars(
        select(NegotiationEntry).where(NegotiationEntry.negotiation_id.in_(ids)).order_by(NegotiationEntry.id)
    ):
        entries[e.negotiation_id].append(e)
    member_ids = {r.buyer_id for r in rows} | {r.supplier_id for r in rows}
    names = dict(session.execute(select(Member.id, Member.company_name).where(Member.id.in_(member_ids))).all())
    contract_of = dict(
        session.execute(select(Contract.negotiation_id, Contract.id).where(Contract.negotiation_id.in_(ids))).all()
    )
    out = []
    for r in rows:
        inq = inquiries[r.inquiry_id]
        out.append(NegotiationView(
            r.id, r.number, r.state, states.LABELS_ZH.get(r.state, r.state), r.inquiry_id, inq.number, r.buyer_id,
            names.get(r.buyer_id, ""), r.supplier_id, names.get(r.supplier_id, ""), r.version, r.buyer_agreed_at,
            r.supplier_agreed_at, r.created_at, inq.quoted_total_fen, inq.lines,
            tuple(
                EntryView(
                    e.id, e.side, e.author_member_id, names.get(e.author_member_id, ""), e.author_user_id, e.quality,
                    e.inspection, e.delivery_place, e.payment_terms, e.message, e.created_at,
                )
                for e in entries[r.id]
            ),
            contract_of.get(r.id),
        ))
    return out


def _load(session: Session, class_id: int, negotiation_id: object) -> Negotiation:
    """The form, locked for the rest of the transaction (PostgreSQL)."""
    row = (
        session.get(Negotiation, negotiation_id, with_for_update=True, populate_existing=True)
        if isinstance(negotiation_id, int) and not isinstance(negotiation_id, bool)
        else None
    )
    if row is None or row.class_id != class_id:
        raise DomainError("b2b.negotiation_not_found")
    return row


def _side(member: Member, negotiation: Negotiation) -> str:
    """The side the member plays on this form (b2b.not_yours if none)."""
    require_party(member, negotiation.buyer_id if member.member_type == BUYER else negotiation.supplier_id)
    return member.member_type


def _replay(session: Session, request_id: str | None, kind: str, actor: Actor, subject: object) -> bool:
    done = events.replayed(session, request_id)
    if done is None:
        return False
    if done.kind != kind or done.actor_id != actor.user_id or done.subject != str(subject):
        raise DomainError("request.duplicate")
    return True


def open_negotiation(
    uow: UnitOfWork, actor: Actor, token: str | None, inquiry_id: int, *, request_id: str | None = None
) -> NegotiationView:
    """B2B023: the buyer generates the negotiation form (洽谈单) of a quoted (报价) inquiry; the
    inquiry becomes 已生成洽谈单 and the form starts 双方不同意.

    Raises b2b.inquiry_not_found, b2b.not_yours, b2b.bad_transition (not quoted, or a form exists),
    b2b.state_changed, b2b.login_required, b2b.wrong_member_type, request.duplicate.
    """
    with uow.write() as s:
        member = member_of(s, actor, token, BUYER)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "b2b.negotiation_opened" or done.actor_id != actor.user_id or (
                (done.data or {}).get("inquiry_id") != inquiry_id
            ):
                raise DomainError("request.duplicate")
            return _views(s, [_load(s, member.class_id, int(done.subject or 0))])[0]
        inquiry = (
            s.get(Inquiry, inquiry_id, with_for_update=True, populate_existing=True)
            if isinstance(inquiry_id, int) and not isinstance(inquiry_id, bool)
            else None
        )
        if inquiry is None or inquiry.class_id != member.class_id:
            raise DomainError("b2b.inquiry_not_found")
        require_party(member, inquiry.buyer_id)
        before = inquiry.state
        states.move(s, states.INQUIRY, Inquiry, inquiry.id, before, m.NEGOTIATING, "B2B023")
        states.check(states.NEGOTIATION, None, m.NONE_AGREED, "B2B023")
        now = utcnow()
        form = Negotiation(
            class_id=member.class_id, number=new_number(NUMBER_PREFIX), inquiry_id=inquiry.id, buyer_id=member.id,
            supplier_id=inquiry.supplier_id, state=m.NONE_AGREED, version=0, created_by=actor.user_id,
            created_at=now,
        )
        s.add(form)
        s.flush()
        events.record(
            s, "b2b.negotiation_opened", actor=actor, subject=str(form.id), task_code="B2B023", request_id=request_id,
            from_state=None, to_state=m.NONE_AGREED, negotiation_id=form.id, number=form.number,
            inquiry_id=inquiry.id, inquiry_number=inquiry.number, inquiry_state_before=before,
            inquiry_state_after=m.NEGOTIATING, buyer_id=member.id, supplier_id=inquiry.supplier_id,
            quoted_total_fen=inquiry.quoted_total_fen,
        )
        return _views(s, [form])[0]


def _clean_entry(
    quality: object, inspection: object, delivery_place: object, payment_terms: object, message: object
) -> tuple[str, str, str, str, str]:
    q = clean_text(quality, "b2b.negotiation_quality", max_len=TERMS_MAX, required=False, multiline=True)
    i = clean_text(inspection, "b2b.negotiation_inspection", max_len=TERMS_MAX, required=False, multiline=True)
    d = clean_text(delivery_place, "b2b.negotiation_delivery_place", max_len=PLACE_MAX, required=False)
    p = clean_text(payment_terms, "b2b.negotiation_payment_terms", max_len=PLACE_MAX, required=False)
    msg = clean_text(message, "b2b.negotiation_message", max_len=MESSAGE_MAX, required=False, multiline=True)
    if not any((q, i, d, p, msg)):
        raise DomainError("b2b.negotiation_empty_entry", field="b2b.negotiation_message")
    if any((q, i, d, p)):  # terms come as a set of four: a half-filled contract is no proposal
        if not q:
            raise DomainError("b2b.negotiation_incomplete_terms", field="b2b.negotiation_quality")
        if not i:
            raise DomainError("b2b.negotiation_incomplete_terms", field="b2b.negotiation_inspection")
        if not d:
            raise DomainError("b2b.negotiation_incomplete_terms", field="b2b.negotiation_delivery_place")
        if not p:
            raise DomainError("b2b.negotiation_incomplete_terms", field="b2b.negotiation_payment_terms")
    return q, i, d, p, msg


def submit_entry(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    negotiation_id: int,
    *,
    quality: str = "",
    inspection: str = "",
    delivery_place: str = "",
    payment_terms: str = "",
    message: str = "",
    request_id: str | None = None,
) -> NegotiationView:
    """B2B024 (supplier) / B2B025 (buyer): write in the negotiation room — the contract terms
    (quality requirement, inspection method, delivery place, payment method: all four together)
    and/or a message. On a 一方同意 form this withdraws the agreement (back to 双方不同意).

    Raises b2b.negotiation_empty_entry, b2b.negotiation_incomplete_terms, input.too_long /
    input.bad_chars (b2b.negotiation_*), b2b.negotiation_not_found, b2b.not_yours,
    b2b.negotiation_closed (双方同意), b2b.state_changed, b2b.login_required, request.duplicate.
    """
    q, i, d, p, msg = _clean_entry(quality, inspection, delivery_place, payment_terms, message)
    with uow.write() as s:
        member = member_of(s, actor, token)
        if _replay(s, request_id, "b2b.negotiation_entry", actor, negotiation_id):
            return _views(s, [_load(s, member.class_id, negotiation_id)])[0]
        form = _load(s, member.class_id, negotiation_id)
        side = _side(member, form)
        if form.state == m.BOTH_AGREED:
            raise DomainError("b2b.negotiation_closed")
        before = form.state
        task = ENTRY_TASK[side]
        states.move(
            s, states.NEGOTIATION, Negotiation, form.id, before, m.NONE_AGREED, task,
            buyer_agreed_at=None, supplier_agreed_at=None, version=Negotiation.version + 1,
        )
        entry = NegotiationEntry(
            negotiation_id=form.id, side=side, author_member_id=member.id, author_user_id=actor.user_id, quality=q,
            inspection=i, delivery_place=d, payment_terms=p, message=msg, created_at=utcnow(),
        )
        s.add(entry)
        s.flush()
        has_terms = all((q, i, d, p))
        events.record(
            s, "b2b.negotiation_entry", actor=actor, subject=str(form.id), task_code=task, request_id=request_id,
            from_state=before, to_state=m.NONE_AGREED, negotiation_id=form.id, entry_id=entry.id, side=side,
            member_id=member.id, has_terms=has_terms, has_message=bool(msg), version=form.version,
            agreement_withdrawn=before == m.ONE_AGREED,
        )
        return _views(s, [form])[0]


def agree(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    negotiation_id: int,
    *,
    version: int | None = None,
    request_id: str | None = None,
) -> NegotiationView:
    """B2B026 (supplier) / B2B027 (buyer): agree to the form as shown (``version``): 双方不同意 →
    一方同意, or 一方同意 → 双方同意 when the other side had agreed — which generates the unsigned
    electronic contract from the newest complete terms.

    Raises b2b.negotiation_changed (the form changed since ``version``), b2b.negotiation_already_agreed,
    b2b.negotiation_no_terms, b2b.negotiation_not_found, b2b.not_yours, b2b.bad_transition,
    b2b.state_changed, b2b.login_required, request.duplicate.
    """
    with uow.write() as s:
        member = member_of(s, actor, token)
        if _replay(s, request_id, "b2b.negotiation_agreed", actor, negotiation_id):
            return _views(s, [_load(s, member.class_id, negotiation_id)])[0]
        form = _load(s, member.class_id, negotiation_id)
        side = _side(member, form)
        if version is not None and version != form.version:
            raise DomainError("b2b.negotiation_changed")
        if getattr(form, f"{side}_agreed_at") is not None or form.state == m.BOTH_AGREED:
            raise DomainError("b2b.negotiation_already_agreed")
        terms = contracts.latest_terms(s, form.id)
        if terms is None:
            raise DomainError("b2b.negotiation_no_terms")
        before = form.state
        to_state = m.BOTH_AGREED if before == m.ONE_AGREED else m.ONE_AGREED
        task = AGREE_TASK[side]
        states.move(
            s, states.NEGOTIATION, Negotiation, form.id, before, to_state, task,
            **{f"{side}_agreed_at": utcnow()}, version=Negotiation.version + 1,
        )
        events.record(
            s, "b2b.negotiation_agreed", actor=actor, subject=str(form.id), task_code=task, request_id=request_id,
            from_state=before, to_state=to_state, side=side, negotiation_id=form.id, member_id=member.id,
            version=form.version, terms_entry_id=terms.id,
        )
        if to_state == m.BOTH_AGREED:
            contracts.create_contract(s, form, terms, actor=actor, task_code=task)
        return _views(s, [form])[0]


def negotiations_for(
    session: Session, actor: Actor, token: str | None, *, state: str | None = None
) -> list[NegotiationView]:
    """The negotiation forms of the logged-in buyer or supplier, newest first, optionally of one
    ``state``. Raises b2b.negotiation_bad_filter, b2b.login_required."""
    if state is not None and state not in NEGOTIATION_STATES:
        raise DomainError("b2b.negotiation_bad_filter")
    member = member_of(session, actor, token)
    mine = Negotiation.buyer_id == member.id if member.member_type == BUYER else Negotiation.supplier_id == member.id
    query = select(Negotiation).where(Negotiation.class_id == member.class_id, mine)
    if state is not None:
        query = query.where(Negotiation.state == state)
    return _views(session, list(session.scalars(query.order_by(Negotiation.id.desc()))))


def negotiation_detail(session: Session, actor: Actor, token: str | None, negotiation_id: int) -> NegotiationView:
    """One form of the logged-in member (its buyer or supplier) with its room.
    Raises b2b.negotiation_not_found, b2b.not_yours, b2b.login_required."""
    member = member_of(session, actor, token)
    row = session.get(Negotiation, negotiation_id) if isinstance(negotiation_id, int) else None
    if row is None or row.class_id != member.class_id:
        raise DomainError("b2b.negotiation_not_found")
    _side(member, row)
    return _views(session, [row])[0]
