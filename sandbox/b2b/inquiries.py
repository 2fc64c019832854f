"""Inquiries (询价单): the buyer asks its suppliers for prices on goods from the cart (B2B007), and
the supplier quotes (报价, B2B022).

Invariants:
- An inquiry goes to exactly one supplier: generating inquiries from cart lines of several
  suppliers makes one inquiry per supplier, all in one transaction.
- Its lines are snapshots (sku, names, quantity, list price) taken when it was made; later
  catalogue edits do not change them.
- The selected cart lines are consumed with one conditional update (``consumed_at IS NULL``,
  ``consumed_by = "inquiry:<id>"``): a cart line becomes at most one order or inquiry.
- A quote prices every line of the inquiry with a positive amount (fen); ``quoted_total_fen`` is
  the sum of quantity × quoted price. Only the inquiry's own supplier quotes, only once
  (询价 → 报价, a conditional state move).

Events: b2b.inquiry_created (B2B007, subject inquiry id, one per inquiry; the request id is on
the first), b2b.inquiry_quoted (B2B022, subject inquiry id).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import models as m
from sandbox.b2b import states
from sandbox.b2b.access import member_of, new_number, require_party
from sandbox.b2b.models import BUYER, SUPPLIER, CartLine, Inquiry, InquiryLine, Member, Product
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.ledger import parse_amount
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

NOTE_MAX = 1000
MAX_LINES = 100
INQUIRY_STATES = (m.INQUIRY, m.QUOTED, m.NEGOTIATING)
NUMBER_PREFIX = "IQ"


@dataclass(frozen=True)
class InquiryLineView:
    id: int
    product_id: int
    sku: str
    name_zh: str
    name_en: str
    quantity: int
    list_price_fen: int
    quoted_price_fen: int | None

    @property
    def list_amount_fen(self) -> int:
        return self.quantity * self.list_price_fen

    @property
    def quoted_amount_fen(self) -> int | None:
        return None if self.quoted_price_fen is None else self.quantity * self.quoted_price_fen


@dataclass(frozen=True)
class InquiryView:
    """An inquiry as the buyer and its supplier see it."""

    id: int
    number: str
    state: str
    state_zh: str
    buyer_id: int
    buyer_company: str
    supplier_id: int
    supplier_company: str
    note: str
    quote_note: str
    quoted_total_fen: int | None
    created_at: datetime
    quoted_at: datetime | None
    lines: tuple[InquiryLineView, ...]
    negotiation_id: int | None = None

    @property
    def list_total_fen(self) -> int:
        return sum(line.list_amount_fen for line in self.lines)


def _companies(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = sorted(set(ids))
    if not wanted:
        return {}
    return dict(session.execute(select(Member.id, Member.company_name).where(Member.id.in_(wanted))).all())


def views(session: Session, rows: list[Inquiry]) -> list[InquiryView]:
    """Inquiry rows as views (lines, company names and the negotiation form, if any, in three queries)."""
    if not rows:
        return []
    ids = [r.id for r in rows]
    lines: dict[int, list[InquiryLineView]] = {i: [] for i in ids}
    for ln in session.scalars(select(InquiryLine).where(InquiryLine.inquiry_id.in_(ids)).order_by(InquiryLine.id)):
        lines[ln.inquiry_id].append(InquiryLineView(
            ln.id, ln.product_id, ln.sku, ln.name_zh, ln.name_en, ln.quantity, ln.list_price_fen, ln.quoted_price_fen
        ))
    names = _companies(session, [r.buyer_id for r in rows] + [r.supplier_id for r in rows])
    negotiations = dict(
        session.execute(select(m.Negotiation.inquiry_id, m.Negotiation.id).where(m.Negotiation.inquiry_id.in_(ids)))
        .all()
    )
    return [
        InquiryView(
            r.id, r.number, r.state, states.LABELS_ZH.get(r.state, r.state), r.buyer_id, names.get(r.buyer_id, ""),
            r.supplier_id, names.get(r.supplier_id, ""), r.note, r.quote_note or "", r.quoted_total_fen, r.created_at,
            r.quoted_at, tuple(lines[r.id]), negotiations.get(r.id),
        )
        for r in rows
    ]


def _clean_ids(values: object, field: str) -> list[int]:
    if isinstance(values, int | str) or not isinstance(values, Iterable):
        raise DomainError("b2b.inquiry_no_lines", field="b2b.inquiry_lines")
    out: list[int] = []
    for value in values:
        if isinstance(value, bool) or not isinstance(value, int | str) or not str(value).strip().isdigit():
            raise DomainError("b2b.inquiry_line_gone", field=field)
        if int(value) not in out:
            out.append(int(value))
    if not out:
        raise DomainError("b2b.inquiry_no_lines", field=field)
    if len(out) > MAX_LINES:
        raise DomainError("b2b.inquiry_too_many_lines", field=field, max=MAX_LINES)
    return out


def _load(session: Session, class_id: int, inquiry_id: object) -> Inquiry:
    row = (
        session.get(Inquiry, inquiry_id, with_for_update=True, populate_existing=True)
        if isinstance(inquiry_id, int) and not isinstance(inquiry_id, bool)
        else None
    )
    if row is None or row.class_id != class_id:
        raise DomainError("b2b.inquiry_not_found")
    return row


def create_inquiries(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    *,
    cart_line_ids: Iterable[int],
    note: str,
    request_id: str | None = None,
) -> list[InquiryView]:
    """B2B007: generate inquiries (询价单) from open cart lines of the buyer, one per supplier of the
    selected goods, with the inquiry note (询价说明, required, up to 1000 characters, several lines
    allowed). The cart lines are consumed.

    Raises b2b.inquiry_no_lines, b2b.inquiry_too_many_lines, b2b.inquiry_line_gone (not an open
    line of the buyer's cart any more), b2b.inquiry_product_unavailable, input.* (b2b.inquiry_note),
    b2b.login_required, b2b.wrong_member_type, request.duplicate, auth.forbidden, class.not_found.
    """
    ids = _clean_ids(cart_line_ids, "b2b.inquiry_lines")
    text = clean_text(note, "b2b.inquiry_note", max_len=NOTE_MAX, multiline=True)
    with uow.write() as s:
        member = member_of(s, actor, token, BUYER)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "b2b.inquiry_created" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = [int(i) for i in (done.data or {}).get("inquiry_ids", [])]
            return views(s, list(s.scalars(select(Inquiry).where(Inquiry.id.in_(earlier)).order_by(Inquiry.id))))
        rows = s.execute(
            select(CartLine, Product)
            .join(Product, Product.id == CartLine.product_id)
            .where(CartLine.id.in_(ids))
            .order_by(CartLine.id)
        ).all()
        found = {line.id for line, _ in rows}
        if found != set(ids):
            raise DomainError("b2b.inquiry_line_gone", field="b2b.inquiry_lines")
        by_supplier: dict[int, list[tuple[CartLine, Product]]] = {}
        for line, product in rows:
            if line.buyer_id != member.id or line.class_id != member.class_id or line.consumed_at is not None:
                raise DomainError("b2b.inquiry_line_gone", field="b2b.inquiry_lines")
            if not product.active or product.class_id != member.class_id:
                raise DomainError("b2b.inquiry_product_unavailable", field="b2b.inquiry_lines", sku=product.sku)
            by_supplier.setdefault(product.supplier_id, []).append((line, product))
        states.check(states.INQUIRY, None, m.INQUIRY, "B2B007")
        now = utcnow()
        made: list[Inquiry] = []
        for supplier_id in sorted(by_supplier):
            inquiry = Inquiry(
                class_id=member.class_id, number=new_number(NUMBER_PREFIX), buyer_id=member.id,
                supplier_id=supplier_id, state=m.INQUIRY, note=text, quote_note="", created_by=actor.user_id,
                created_at=now,
            )
            s.add(inquiry)
            s.flush()
            group = by_supplier[supplier_id]
            for line, product in group:
                s.add(InquiryLine(
                    inquiry_id=inquiry.id, product_id=product.id, sku=product.sku, name_zh=product.name_zh,
                    name_en=product.name_en, quantity=line.quantity, list_price_fen=product.price_fen,
                ))
            used = s.execute(
                update(CartLine)
                .where(CartLine.id.in_([line.id for line, _ in group]), CartLine.consumed_at.is_(None),
                       CartLine.buyer_id == member.id)
                .values(consumed_at=now, consumed_by=f"inquiry:{inquiry.id}")
                .execution_options(synchronize_session=False)
            ).rowcount
            if used != len(group):  # another request took a line meanwhile: nothing is saved
                raise DomainError("b2b.inquiry_line_gone", field="b2b.inquiry_lines")
            made.append(inquiry)
        s.flush()
        all_ids = [i.id for i in made]
        for n, inquiry in enumerate(made):
            group = by_supplier[inquiry.supplier_id]
            events.record(
                s, "b2b.inquiry_created", actor=actor, subject=str(inquiry.id), task_code="B2B007",
                request_id=request_id if n == 0 else None, from_state=None, to_state=m.INQUIRY,
                inquiry_id=inquiry.id, number=inquiry.number, buyer_id=member.id, supplier_id=inquiry.supplier_id,
                line_count=len(group), list_total_fen=sum(p.price_fen * ln.quantity for ln, p in group),
                cart_line_ids=[ln.id for ln, _ in group], note_length=len(text), inquiry_ids=all_ids,
            )
        return views(s, made)


def _clean_prices(prices: Mapping[object, object] | None) -> dict[int, int]:
    if not isinstance(prices, Mapping) or not prices:
        raise DomainError("b2b.quote_missing_price", field="b2b.quote_price", sku="-")
    out: dict[int, int] = {}
    for key, value in prices.items():
        if isinstance(key, bool) or not isinstance(key, int | str) or not str(key).strip().isdigit():
            raise DomainError("b2b.quote_unknown_line", field="b2b.quote_price")
        out[int(key)] = parse_amount(value, "b2b.quote_price")
    return out


def quote(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    inquiry_id: int,
    *,
    prices: Mapping[int, object],
    quote_note: str = "",
    request_id: str | None = None,
) -> InquiryView:
    """B2B022: the inquiry's supplier quotes a positive unit price (yuan) for every line; the
    inquiry goes 询价 → 报价 with its quoted total.

    Raises input.required / ledger.amount_* (b2b.quote_price: empty, zero, negative, malformed),
    b2b.quote_missing_price (a line without price), b2b.quote_unknown_line, input.* (b2b.quote_note),
    b2b.inquiry_not_found, b2b.not_yours, b2b.bad_transition (already quoted), b2b.state_changed,
    b2b.login_required, b2b.wrong_member_type, request.duplicate.
    """
    cleaned = _clean_prices(prices)
    note = clean_text(quote_note, "b2b.quote_note", max_len=NOTE_MAX, required=False, multiline=True)
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "b2b.inquiry_quoted" or done.actor_id != actor.user_id or done.subject != str(inquiry_id):
                raise DomainError("request.duplicate")
            return views(s, [_load(s, member.class_id, inquiry_id)])[0]
        inquiry = _load(s, member.class_id, inquiry_id)
        require_party(member, inquiry.supplier_id)
        lines = list(s.scalars(select(InquiryLine).where(InquiryLine.inquiry_id == inquiry.id).order_by(InquiryLine.id)))
        known = {ln.id for ln in lines}
        if set(cleaned) - known:
            raise DomainError("b2b.quote_unknown_line", field="b2b.quote_price")
        for ln in lines:
            if ln.id not in cleaned:
                raise DomainError("b2b.quote_missing_price", field="b2b.quote_price", sku=ln.sku)
        total = sum(cleaned[ln.id] * ln.quantity for ln in lines)
        before = inquiry.state
        now = utcnow()
        states.move(
            s, states.INQUIRY, Inquiry, inquiry.id, before, m.QUOTED, "B2B022",
            quoted_total_fen=total, quoted_by=actor.user_id, quoted_at=now, quote_note=note,
        )
        for ln in lines:
            ln.quoted_price_fen = cleaned[ln.id]
        s.flush()
        events.record(
            s, "b2b.inquiry_quoted", actor=actor, subject=str(inquiry.id), task_code="B2B022", request_id=request_id,
            from_state=before, to_state=m.QUOTED, inquiry_id=inquiry.id, number=inquiry.number,
            buyer_id=inquiry.buyer_id, supplier_id=member.id, quoted_total_fen=total,
            prices={str(k): v for k, v in sorted(cleaned.items())},
        )
        return views(s, [inquiry])[0]


def inquiries_for(session: Session, actor: Actor, token: str | None, *, state: str | None = None) -> list[InquiryView]:
    """The inquiries the logged-in buyer sent or the logged-in supplier received, newest first,
    optionally of one ``state``. Raises b2b.inquiry_bad_filter, b2b.login_required."""
    if state is not None and state not in INQUIRY_STATES:
        raise DomainError("b2b.inquiry_bad_filter")
    member = member_of(session, actor, token)
    mine = Inquiry.buyer_id == member.id if member.member_type == BUYER else Inquiry.supplier_id == member.id
    query = select(Inquiry).where(Inquiry.class_id == member.class_id, mine)
    if state is not None:
        query = query.where(Inquiry.state == state)
    return views(session, list(session.scalars(query.order_by(Inquiry.id.desc()))))


def inquiry_detail(session: Session, actor: Actor, token: str | None, inquiry_id: int) -> InquiryView:
    """One inquiry of the logged-in member (its buyer or its supplier).
    Raises b2b.inquiry_not_found, b2b.not_yours, b2b.login_required."""
    member = member_of(session, actor, token)
    row = session.get(Inquiry, inquiry_id) if isinstance(inquiry_id, int) else None
    if row is None or row.class_id != member.class_id:
        raise DomainError("b2b.inquiry_not_found")
    require_party(member, row.buyer_id if member.member_type == BUYER else row.supplier_id)
    return views(session, [row])[0]


__all__ = [
    "InquiryLineView",
    "InquiryView",
    "create_inquiries",
    "inquiries_for",
    "inquiry_detail",
    "quote",
]
