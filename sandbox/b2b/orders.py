"""Purchase orders (订货单): made from the cart (B2B006), accepted by the supplier (B2B008),
confirmed by the buyer (B2B009), turned into a delivery order for the supplier's approved
logistics provider (B2B010), delivered (LGS020, through :func:`on_delivered`).

Invariants:
- One order per supplier of the selected cart lines; the order keeps a snapshot of each line
  (SKU, names, unit price) and its total in integer fen. Creating it reserves every line's
  quantity from ``products.available`` with ``UPDATE … WHERE available >= q`` and consumes the
  cart lines with ``UPDATE … WHERE consumed_at IS NULL``; one failed line refuses the whole
  request (nothing is saved).
- The order's state changes only through ``sandbox.b2b.states.move`` (ORDER table), so two
  racing accepts or confirms end with exactly one winner. Rejecting (ours) releases the
  reservation. Confirming books the settlement line (``settlement_state`` NULL → open) in the
  same conditional update.
- Only the two parties see or touch an order: the buyer member acts as buyer (confirm), the
  supplier member as supplier (accept, reject, delivery order); ``b2b.not_yours`` otherwise.
- A delivery order (配送单) is made only for a confirmed order and only to a provider that
  approved the supplier's service application (LGS022); one per order.

Events (subject: order id unless said): b2b.order_created (B2B006), b2b.order_accepted
(B2B008), b2b.order_rejected, b2b.order_confirmed (B2B009), b2b.delivery_order_created (B2B010,
subject: delivery order id), b2b.order_delivery_ordered (B2B010), b2b.order_delivered (LGS020).
Each carries from_state / to_state.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import models as m
from sandbox.b2b import states
from sandbox.b2b.access import member_of, new_number, require_party
from sandbox.b2b.models import BUYER, PAYMENT_METHODS, SUPPLIER, CartLine, Member, Order, OrderLine, Product
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.identity.models import User
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

MAX_DAYS_AHEAD = 365
MAX_LINES = 100
#: the states in which an order is a sales order (销售单) of the supplier
SALES_STATES = (m.CONFIRMED, m.DELIVERY_ORDERED, m.DELIVERED)
#: the event kinds that make up an order's history (subject: order id)
HISTORY_KINDS = (
    "b2b.order_created", "b2b.order_accepted", "b2b.order_rejected", "b2b.order_confirmed",
    "b2b.order_delivery_ordered", "b2b.order_delivered", "b2b.order_settled",
)


@dataclass(frozen=True)
class OrderLineView:
    product_id: int
    sku: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    quantity: int
    unit_price_fen: int
    amount_fen: int


@dataclass(frozen=True)
class OrderView:
    id: int
    number: str
    buyer_id: int
    buyer_company: str
    supplier_id: int
    supplier_company: str
    state: str
    settlement_state: str | None
    payment_method: str
    delivery_date: date
    delivery_address: str
    note: str
    total_fen: int
    created_at: datetime
    lines: tuple[OrderLineView, ...]


@dataclass(frozen=True)
class OrderSummary:
    """One row of a member's order list; ``side`` is the viewing member's part (buyer/supplier)."""

    id: int
    number: str
    side: str
    partner_id: int
    partner_name: str
    state: str
    settlement_state: str | None
    total_fen: int
    payment_method: str
    delivery_date: date
    created_at: datetime


@dataclass(frozen=True)
class DeliveryInfo:
    id: int
    number: str
    state: str
    provider_id: int
    provider_name: str
    consignee_name: str
    consignee_address: str


@dataclass(frozen=True)
class HistoryItem:
    event_id: int
    at: datetime
    kind: str
    from_state: str | None
    to_state: str | None
    task_code: str | None
    actor_id: int | None
    actor_name: str


@dataclass(frozen=True)
class OrderDetail:
    order: OrderView
    side: str
    payment_id: int | None
    settled_at: datetime | None
    delivery: DeliveryInfo | None
    history: tuple[HistoryItem, ...]


@dataclass(frozen=True)
class ProviderOption:
    id: int
    name: str


# ----------------------------------------------------------------------------- helpers


def parse_delivery_date(value: object, today: date | None = None) -> date:
    """A delivery date strictly after today (UTC) and at most a year ahead.

    Raises input.required, b2b.bad_date, b2b.delivery_date_past, b2b.delivery_date_too_far.
    """
    if value is None or value == "":
        raise DomainError("input.required", field="b2b.delivery_date")
    if isinstance(value, datetime):
        day = value.date()
    elif isinstance(value, date):
        day = value
    else:
        try:
            day = date.fromisoformat(str(value).strip())
        except ValueError:
            raise DomainError("b2b.bad_date", field="b2b.delivery_date") from None
    first = (today or utcnow().date()) + timedelta(days=1)
    if day < first:
        raise DomainError("b2b.delivery_date_past", field="b2b.delivery_date", first=first.isoformat())
    last = (today or utcnow().date()) + timedelta(days=MAX_DAYS_AHEAD)
    if day > last:
        raise DomainError("b2b.delivery_date_too_far", field="b2b.delivery_date", last=last.isoformat())
    return day


def _ids(values: object) -> list[int]:
    if values is None or isinstance(values, str | bytes | int):
        values = [values] if values not in (None, "", b"") else []
    out: list[int] = []
    for value in values:  # type: ignore[union-attr]
        try:
            number = int(str(value).strip())
        except ValueError:
            raise DomainError("b2b.cart_line_gone") from None
        if number not in out:
            out.append(number)
    if not out:
        raise DomainError("input.required", field="b2b.cart_lines")
    if len(out) > MAX_LINES:
        raise DomainError("b2b.too_many_lines", field="b2b.cart_lines", max=MAX_LINES)
    return out


def order_of_class(session: Session, member: Member, order_id: object) -> Order:
    """The order ``order_id`` of the member's class (b2b.no_such_order), named by the member
    as buyer or supplier (b2b.not_yours)."""
    try:
        oid = int(str(order_id).strip())
    except ValueError:
        raise DomainError("b2b.no_such_order") from None
    order = session.get(Order, oid)
    if order is None or order.class_id != member.class_id:
        raise DomainError("b2b.no_such_order")
    require_party(member, order.buyer_id, order.supplier_id)
    return order


def _companies(session: Session, ids: set[int]) -> dict[int, str]:
    if not ids:
        return {}
    return dict(session.execute(select(Member.id, Member.company_name).where(Member.id.in_(ids))).all())


def order_view(session: Session, order: Order) -> OrderView:
    names = _companies(session, {order.buyer_id, order.supplier_id})
    rows = session.execute(
        select(OrderLine, Product.unit_zh, Product.unit_en)
        .join(Product, Product.id == OrderLine.product_id)
        .where(OrderLine.order_id == order.id)
        .order_by(OrderLine.id)
    ).all()
    lines = tuple(
        OrderLineView(line.product_id, line.sku, line.name_zh, line.name_en, uzh, uen, line.quantity,
                      line.unit_price_fen, line.amount_fen)
        for line, uzh, uen in rows
    )
    return OrderView(
        order.id, order.number, order.buyer_id, names.get(order.buyer_id, ""), order.supplier_id,
        names.get(order.supplier_id, ""), order.state, order.settlement_state, order.payment_method,
        order.delivery_date, order.delivery_address, order.note, order.total_fen, order.created_at, lines,
    )


def _record_move(
    session: Session, kind: str, actor: Actor, order: Order, from_state: str | None, task_code: str | None,
    request_id: str | None, **data: Any,
) -> None:
    events.record(
        session, kind, actor=actor, subject=str(order.id), task_code=task_code, request_id=request_id,
        from_state=from_state, to_state=order.state, order_id=order.id, number=order.number, buyer_id=order.buyer_id,
        supplier_id=order.supplier_id, total_fen=order.total_fen, **data,
    )


def _replayed_move(session: Session, request_id: str | None, kind: str, actor: Actor, order: Order) -> bool:
    """True when ``request_id`` already did this move on this order; request.duplicate when it
    did something else."""
    done = events.replayed(session, request_id)
    if done is None:
        return False
    if done.kind == kind and done.subject == str(order.id) and done.actor_id == actor.user_id:
        return True
    raise DomainError("request.duplicate")


# ----------------------------------------------------------------------------- B2B006


def create_orders(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    *,
    cart_line_ids: object,
    payment_method: str,
    delivery_date: object,
    delivery_address: str = "",
    note: str = "",
    request_id: str | None = None,
) -> list[OrderView]:
    """B2B006: generate purchase orders (订货单) from open cart lines — one per supplier — with
    payment method and delivery date; reserves the quantities and consumes the lines.

    Raises input.required (b2b.cart_lines, b2b.delivery_date), b2b.too_many_lines,
    b2b.bad_payment_method, b2b.bad_date, b2b.delivery_date_past, b2b.delivery_date_too_far,
    input.* (b2b.delivery_address, b2b.note), b2b.cart_line_gone, b2b.not_yours,
    b2b.product_inactive, b2b.more_than_available, b2b.login_required, b2b.wrong_member_type,
    request.duplicate.
    """
    ids = _ids(cart_line_ids)
    if payment_method not in PAYMENT_METHODS:
        raise DomainError("b2b.bad_payment_method", field="b2b.payment_method")
    day = parse_delivery_date(delivery_date)
    address = clean_text(delivery_address, "b2b.delivery_address", max_len=200, required=False)
    remark = clean_text(note, "b2b.note", max_len=500, required=False, multiline=True)
    states.check(states.ORDER, None, m.CREATED, "B2B006")
    with uow.write() as s:
        member = member_of(s, actor, token, BUYER)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind == "b2b.order_created" and done.actor_id == actor.user_id:
                batch = [int(i) for i in (done.data or {}).get("batch_order_ids") or [done.subject]]
                found = [s.get(Order, i) for i in batch]
                return [order_view(s, o) for o in found if o is not None and o.buyer_id == member.id]
            raise DomainError("request.duplicate")
        lines = list(s.scalars(select(CartLine).where(CartLine.id.in_(ids)).order_by(CartLine.id)))
        if len(lines) != len(ids):
            raise DomainError("b2b.cart_line_gone")
        by_supplier: dict[int, list[tuple[CartLine, Product]]] = defaultdict(list)
        for line in lines:
            if line.class_id != member.class_id:
                raise DomainError("b2b.cart_line_gone")
            require_party(member, line.buyer_id)
            if line.consumed_at is not None:
                raise DomainError("b2b.cart_line_gone")
            product = s.get(Product, line.product_id)
            assert product is not None
            if not product.active or product.class_id != member.class_id:
                raise DomainError("b2b.product_inactive", field="b2b.product", product=product.name_zh)
            by_supplier[product.supplier_id].append((line, product))
        now = utcnow()
        made: list[Order] = []
        for supplier_id in sorted(by_supplier):
            chosen = sorted(by_supplier[supplier_id], key=lambda pair: (pair[1].id, pair[0].id))  # lock order
            order = Order(
                class_id=member.class_id, number=new_number("PO"), buyer_id=member.id, supplier_id=supplier_id,
                state=m.CREATED, payment_method=payment_method, delivery_date=day, delivery_address=address,
                note=remark, total_fen=sum(line.quantity * product.price_fen for line, product in chosen),
                created_by=actor.user_id, created_at=now,
            )
            s.add(order)
            s.flush()
            for line, product in chosen:
                reserved = s.execute(
                    update(Product).where(Product.id == product.id, Product.available >= line.quantity)
                    .values(available=Product.available - line.quantity).execution_options(synchronize_session=False)
                ).rowcount
                if not reserved:
                    s.refresh(product)
                    raise DomainError(
                        "b2b.more_than_available", field="b2b.quantity",
                        product=f"{product.name_zh} {product.name_en}", available=product.available,
                    )
                consumed = s.execute(
                    update(CartLine).where(CartLine.id == line.id, CartLine.consumed_at.is_(None))
                    .values(consumed_at=now, consumed_by=f"order:{order.id}")
                    .execution_options(synchronize_session=False)
                ).rowcount
                if not consumed:
                    raise DomainError("b2b.cart_line_gone")
                s.add(OrderLine(
                    order_id=order.id, product_id=product.id, sku=product.sku, name_zh=product.name_zh,
                    name_en=product.name_en, quantity=line.quantity, unit_price_fen=product.price_fen,
                    amount_fen=line.quantity * product.price_fen,
                ))
            s.flush()
            made.append(order)
        batch_ids = [o.id for o in made]
        for n, order in enumerate(made):
            lines_data = [
                {"product_id": product.id, "quantity": line.quantity, "unit_price_fen": product.price_fen}
                for line, product in by_supplier[order.supplier_id]
            ]
            _record_move(
                s, "b2b.order_created", actor, order, None, "B2B006", request_id if n == 0 else None,
                lines=lines_data, payment_method=payment_method, delivery_date=day.isoformat(),
                cart_line_ids=[line.id for line, _p in by_supplier[order.supplier_id]], batch_order_ids=batch_ids,
            )
        return [order_view(s, o) for o in made]


# ----------------------------------------------------------------------------- B2B008 / reject / B2B009


def order_from_contract(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    contract_id: object,
    *,
    payment_method: str,
    delivery_date: object,
    delivery_address: str = "",
    note: str = "",
    request_id: str | None = None,
) -> OrderView:
    """Place the purchase order of a contract in force (双方已签定): the contracted goods, quantities
    and quoted prices, reserved like any order; then the usual accept (B2B008) / confirm (B2B009).
    Ours: the source never says how a signed contract becomes an order, so B2B006 (from the cart)
    stays the graded way; this order earns no B2B006 credit. One live order per contract.

    Raises b2b.contract_not_found, b2b.not_yours, b2b.contract_not_in_force,
    b2b.contract_already_ordered, b2b.bad_payment_method, input.required, b2b.bad_date,
    b2b.delivery_date_past, b2b.delivery_date_too_far, b2b.product_inactive,
    b2b.more_than_available, b2b.login_required, b2b.wrong_member_type, request.duplicate.
    """
    from sandbox.b2b.models import Contract, InquiryLine, Negotiation

    if payment_method not in PAYMENT_METHODS:
        raise DomainError("b2b.bad_payment_method", field="b2b.payment_method")
    day = parse_delivery_date(delivery_date)
    address = clean_text(delivery_address, "b2b.delivery_address", max_len=200, required=False)
    remark = clean_text(note, "b2b.note", max_len=500, required=False, multiline=True)
    try:
        cid = int(str(contract_id).strip())
    except ValueError:
        raise DomainError("b2b.contract_not_found") from None
    with uow.write() as s:
        member = member_of(s, actor, token, BUYER)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind == "b2b.order_created" and done.actor_id == actor.user_id and done.subject:
                earlier = s.get(Order, int(done.subject))
                if earlier is not None and earlier.buyer_id == member.id:
                    return order_view(s, earlier)
            raise DomainError("request.duplicate")
        contract = s.get(Contract, cid)
        if contract is None or contract.class_id != member.class_id:
            raise DomainError("b2b.contract_not_found")
        require_party(member, contract.buyer_id)
        if contract.state != m.SIGNED_BY_BOTH:
            raise DomainError("b2b.contract_not_in_force", state=states.label(contract.state))
        live = s.scalar(select(Order.number).where(Order.contract_id == contract.id, Order.state != m.REJECTED))
        if live is not None:
            raise DomainError("b2b.contract_already_ordered", number=live)
        negotiation_row = s.get(Negotiation, contract.negotiation_id)
        assert negotiation_row is not None
        lines = list(s.scalars(
            select(InquiryLine).where(InquiryLine.inquiry_id == negotiation_row.inquiry_id).order_by(InquiryLine.id)
        ))
        now = utcnow()
        order = Order(
            class_id=member.class_id, number=new_number("PO"), buyer_id=member.id, supplier_id=contract.supplier_id,
            contract_id=contract.id, state=m.CREATED, payment_method=payment_method, delivery_date=day,
            delivery_address=address, note=remark,
            total_fen=sum(line.quantity * (line.quoted_price_fen or line.list_price_fen) for line in lines),
            created_by=actor.user_id, created_at=now,
        )
        s.add(order)
        s.flush()
        for line in sorted(lines, key=lambda row: row.product_id):  # lock order
            product = s.get(Product, line.product_id)
            assert product is not None
            if not product.active:
                raise DomainError("b2b.product_inactive", field="b2b.product", product=product.name_zh)
            reserved = s.execute(
                update(Product).where(Product.id == product.id, Product.available >= line.quantity)
                .values(available=Product.available - line.quantity).execution_options(synchronize_session=False)
            ).rowcount
            if not reserved:
                s.refresh(product)
                raise DomainError("b2b.more_than_available", field="b2b.quantity",
                                  product=f"{product.name_zh} {product.name_en}", available=product.available)
            price = line.quoted_price_fen or line.list_price_fen
            s.add(OrderLine(
                order_id=order.id, product_id=product.id, sku=line.sku, name_zh=line.name_zh, name_en=line.name_en,
                quantity=line.quantity, unit_price_fen=price, amount_fen=line.quantity * price,
            ))
        s.flush()
        _record_move(
            s, "b2b.order_created", actor, order, None, None, request_id, contract_id=contract.id,
            contract_number=contract.number, payment_method=payment_method, delivery_date=day.isoformat(),
            lines=[{"product_id": line.product_id, "quantity": line.quantity,
                    "unit_price_fen": line.quoted_price_fen or line.list_price_fen} for line in lines],
        )
        return order_view(s, order)


def order_of_contract(session: Session, actor: Actor, token: str | None, contract_id: int) -> OrderSummary | None:
    """The live (not rejected) order placed from a contract of the member, if any."""
    member = member_of(session, actor, token)
    row = session.scalar(
        select(Order).where(Order.contract_id == contract_id, Order.state != m.REJECTED,
                            or_(Order.buyer_id == member.id, Order.supplier_id == member.id))
    )
    return _summaries(session, member, [row])[0] if row is not None else None


def accept(uow: UnitOfWork, actor: Actor, token: str | None, order_id: int, request_id: str | None = None) -> OrderView:
    """B2B008: the supplier accepts (受理) an order addressed to it: created → accepted.

    Raises b2b.no_such_order, b2b.not_yours, b2b.bad_transition, b2b.state_changed,
    b2b.login_required, b2b.wrong_member_type, request.duplicate.
    """
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        order = order_of_class(s, member, order_id)
        require_party(member, order.supplier_id)
        if _replayed_move(s, request_id, "b2b.order_accepted", actor, order):
            return order_view(s, order)
        before = order.state
        states.move(s, states.ORDER, Order, order.id, before, m.ACCEPTED, "B2B008", accepted_at=utcnow())
        _record_move(s, "b2b.order_accepted", actor, order, before, "B2B008", request_id, member_id=member.id)
        return order_view(s, order)


def reject(
    uow: UnitOfWork, actor: Actor, token: str | None, order_id: int, *, reason: str, request_id: str | None = None
) -> OrderView:
    """The supplier declines an order it cannot fill (ours, not a catalog task): created →
    rejected; the reserved quantities become available again.

    Raises input.* (b2b.reject_reason), b2b.no_such_order, b2b.not_yours, b2b.bad_transition,
    b2b.state_changed, b2b.login_required, b2b.wrong_member_type, request.duplicate.
    """
    why = clean_text(reason, "b2b.reject_reason", max_len=500, multiline=True)
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        order = order_of_class(s, member, order_id)
        require_party(member, order.supplier_id)
        if _replayed_move(s, request_id, "b2b.order_rejected", actor, order):
            return order_view(s, order)
        before = order.state
        states.move(s, states.ORDER, Order, order.id, before, m.REJECTED, "B2B008")
        for product_id, quantity in s.execute(
            select(OrderLine.product_id, OrderLine.quantity).where(OrderLine.order_id == order.id)
            .order_by(OrderLine.product_id)
        ).all():
            s.execute(
                update(Product).where(Product.id == product_id).values(available=Product.available + quantity)
                .execution_options(synchronize_session=False)
            )
        _record_move(s, "b2b.order_rejected", actor, order, before, None, request_id, member_id=member.id, reason=why)
        return order_view(s, order)


def confirm(uow: UnitOfWork, actor: Actor, token: str | None, order_id: int, request_id: str | None = None) -> OrderView:
    """B2B009: the buyer confirms an order the supplier accepted: accepted → confirmed, and the
    payable/receivable is booked (settlement NULL → open) in the same update.

    Raises b2b.no_such_order, b2b.not_yours, b2b.bad_transition (e.g. not yet accepted),
    b2b.state_changed, b2b.login_required, b2b.wrong_member_type, request.duplicate.
    """
    with uow.write() as s:
        member = member_of(s, actor, token, BUYER)
        order = order_of_class(s, member, order_id)
        require_party(member, order.buyer_id)
        if _replayed_move(s, request_id, "b2b.order_confirmed", actor, order):
            return order_view(s, order)
        before = order.state
        states.check(states.ORDER, before, m.CONFIRMED, "B2B009")
        states.check(states.SETTLEMENT, order.settlement_state, m.OPEN, "B2B009")
        states.move(
            s, states.ORDER, Order, order.id, before, m.CONFIRMED, "B2B009", confirmed_at=utcnow(),
            settlement_state=m.OPEN,
        )
        _record_move(
            s, "b2b.order_confirmed", actor, order, before, "B2B009", request_id, member_id=member.id,
            settlement_from=None, settlement_to=m.OPEN,
        )
        return order_view(s, order)


# ----------------------------------------------------------------------------- B2B010


def _approved_provider(session: Session, class_id: int, supplier_id: int, provider_id: object) -> Any:
    from sandbox.logistics.models import APPROVED, Provider, ServiceApplication

    try:
        pid = int(str(provider_id).strip())
    except ValueError:
        raise DomainError("b2b.provider_not_approved", field="b2b.provider") from None
    provider = session.get(Provider, pid)
    approved = provider is not None and provider.class_id == class_id and session.scalar(
        select(ServiceApplication.id).where(
            ServiceApplication.provider_id == pid, ServiceApplication.supplier_id == supplier_id,
            ServiceApplication.state == APPROVED,
        )
    ) is not None
    if not approved:
        raise DomainError("b2b.provider_not_approved", field="b2b.provider")
    return provider


def create_delivery_order(
    uow: UnitOfWork, actor: Actor, token: str | None, order_id: int, *, provider_id: int, request_id: str | None = None
) -> DeliveryInfo:
    """B2B010: the supplier turns a confirmed sales order (销售单) into a delivery order (配送单)
    addressed to a logistics provider that approved it (LGS022): the delivery order waits for
    the provider's acceptance, the order becomes delivery_ordered.

    Raises b2b.no_such_order, b2b.not_yours, b2b.provider_not_approved, b2b.bad_transition
    (order not confirmed), b2b.state_changed, b2b.login_required, b2b.wrong_member_type,
    request.duplicate.
    """
    from sandbox.logistics import models as lm
    from sandbox.logistics import states as lstates

    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        order = order_of_class(s, member, order_id)
        require_party(member, order.supplier_id)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind == "b2b.delivery_order_created" and done.actor_id == actor.user_id and (
                (done.data or {}).get("order_id") == order.id
            ):
                row = s.get(lm.DeliveryOrder, int(done.subject or 0))
                if row is not None:
                    return _delivery_info(s, row)
            raise DomainError("request.duplicate")
        provider = _approved_provider(s, member.class_id, member.id, provider_id)
        states.check(lstates.DELIVERY_ORDER, None, lm.AWAITING, "B2B010")
        before = order.state
        now = utcnow()
        states.move(s, states.ORDER, Order, order.id, before, m.DELIVERY_ORDERED, "B2B010", delivery_ordered_at=now)
        buyer = s.get(Member, order.buyer_id)
        assert buyer is not None
        row = lm.DeliveryOrder(
            class_id=member.class_id, number=new_number("DO"), order_id=order.id, supplier_id=member.id,
            provider_id=provider.id, consignee_name=buyer.company_name,
            consignee_address=order.delivery_address or buyer.address,
            delivery_date=datetime.combine(order.delivery_date, datetime.min.time(), tzinfo=UTC),
            state=lm.AWAITING, created_by=actor.user_id, created_at=now,
        )
        s.add(row)
        s.flush()
        events.record(
            s, "b2b.delivery_order_created", actor=actor, subject=str(row.id), task_code="B2B010",
            request_id=request_id, from_state=None, to_state=lm.AWAITING, delivery_order_id=row.id, number=row.number,
            order_id=order.id, order_number=order.number, supplier_id=member.id, provider_id=provider.id,
            buyer_id=order.buyer_id,
        )
        _record_move(s, "b2b.order_delivery_ordered", actor, order, before, "B2B010", None, delivery_order_id=row.id,
                     provider_id=provider.id)
        return _delivery_info(s, row)


def _delivery_info(session: Session, row: Any) -> DeliveryInfo:
    from sandbox.logistics.models import Provider

    name = session.scalar(select(Provider.name).where(Provider.id == row.provider_id)) or ""
    return DeliveryInfo(row.id, row.number, row.state, row.provider_id, name, row.consignee_name, row.consignee_address)


def approved_providers(session: Session, actor: Actor, token: str | None) -> list[ProviderOption]:
    """The logistics providers that approved the supplier's service application (B2B010 form)."""
    from sandbox.logistics.models import APPROVED, Provider, ServiceApplication

    member = member_of(session, actor, token, SUPPLIER)
    rows = session.execute(
        select(Provider.id, Provider.name)
        .join(ServiceApplication, ServiceApplication.provider_id == Provider.id)
        .where(ServiceApplication.supplier_id == member.id, ServiceApplication.state == APPROVED,
               Provider.class_id == member.class_id)
        .order_by(Provider.name, Provider.id)
    ).all()
    return [ProviderOption(int(i), n) for i, n in rows]


# ----------------------------------------------------------------------------- LGS020 hook


def on_delivered(session: Session, order_id: int, actor_id: int | None) -> None:
    """LGS020 (called by the logistics module in its transaction when the order's delivery order
    reaches 送货完成): delivery_ordered → delivered, recorded as ``b2b.order_delivered``.

    Raises b2b.no_such_order, b2b.bad_transition, b2b.state_changed.
    """
    order = session.get(Order, int(order_id))
    if order is None:
        raise DomainError("b2b.no_such_order")
    before = order.state
    states.move(session, states.ORDER, Order, order.id, before, m.DELIVERED, "LGS020", delivered_at=utcnow())
    events.record(
        session, "b2b.order_delivered", actor_id=actor_id, class_id=order.class_id, subject=str(order.id),
        task_code="LGS020", from_state=before, to_state=order.state, order_id=order.id, number=order.number,
        buyer_id=order.buyer_id, supplier_id=order.supplier_id, total_fen=order.total_fen,
    )


# ----------------------------------------------------------------------------- queries


def _summaries(session: Session, member: Member, rows: list[Order]) -> list[OrderSummary]:
    names = _companies(session, {o.buyer_id for o in rows} | {o.supplier_id for o in rows})
    out = []
    for o in rows:
        side = BUYER if o.buyer_id == member.id else SUPPLIER
        partner = o.supplier_id if side == BUYER else o.buyer_id
        out.append(OrderSummary(
            o.id, o.number, side, partner, names.get(partner, ""), o.state, o.settlement_state, o.total_fen,
            o.payment_method, o.delivery_date, o.created_at,
        ))
    return out


def orders_for(session: Session, actor: Actor, token: str | None, *, state: str | None = None) -> list[OrderSummary]:
    """The logged-in member's orders (as buyer or as supplier), newest first; optionally one state."""
    member = member_of(session, actor, token)
    query = select(Order).where(
        Order.class_id == member.class_id, or_(Order.buyer_id == member.id, Order.supplier_id == member.id)
    )
    if state:
        query = query.where(Order.state == state)
    return _summaries(session, member, list(session.scalars(query.order_by(Order.id.desc()).limit(1000))))


def sales_orders(session: Session, actor: Actor, token: str | None) -> list[OrderSummary]:
    """The supplier's sales orders (销售单): its orders the buyer confirmed (and later states)."""
    member = member_of(session, actor, token, SUPPLIER)
    rows = session.scalars(
        select(Order).where(Order.supplier_id == member.id, Order.state.in_(SALES_STATES))
        .order_by(Order.id.desc()).limit(1000)
    )
    return _summaries(session, member, list(rows))


def order_detail(session: Session, actor: Actor, token: str | None, order_id: int) -> OrderDetail:
    """One order of the member (B2B008/B2B009/B2B010/B2B017 "order details"): lines, settlement,
    delivery order and the history of its state moves (from the event log).

    Raises b2b.no_such_order, b2b.not_yours, b2b.login_required.
    """
    from sandbox.logistics.models import DeliveryOrder

    member = member_of(session, actor, token)
    order = order_of_class(session, member, order_id)
    delivery_row = session.scalar(select(DeliveryOrder).where(DeliveryOrder.order_id == order.id))
    history_rows = session.execute(
        select(Event, User.full_name)
        .outerjoin(User, User.id == Event.actor_id)
        .where(Event.class_id == order.class_id, Event.subject == str(order.id), Event.kind.in_(HISTORY_KINDS))
        .order_by(Event.id)
    ).all()
    history = tuple(
        HistoryItem(ev.id, ev.at, ev.kind, (ev.data or {}).get("from_state"), (ev.data or {}).get("to_state"),
                    ev.task_code, ev.actor_id, name or "")
        for ev, name in history_rows
    )
    return OrderDetail(
        order_view(session, order), BUYER if order.buyer_id == member.id else SUPPLIER, order.payment_id,
        order.settled_at, _delivery_info(session, delivery_row) if delivery_row is not None else None, history,
    )
