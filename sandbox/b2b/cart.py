"""The buyer's shopping cart (购物车, B2B005): supplier products and quantities before an order
(B2B006) or an inquiry (B2B007) is made from them.

Invariants:
- A cart line belongs to one buyer member; it is *open* until an order or an inquiry consumes
  it (``consumed_at``/``consumed_by`` set with a conditional update) or the buyer removes it
  (``consumed_by = "removed"``). Lines are never deleted, so the event log and the rows agree.
- A buyer has at most one open line per product: adding the product again increases it.
- A quantity is a whole number above zero and never more than the product's ``available`` at
  the time it is put in the cart (the order checks again when it reserves).
- Only active products of suppliers of the buyer's own class can be put in the cart.

Events: b2b.cart_added (B2B005; product_id, supplier_id, quantity, cart_line_id, buyer_id),
b2b.cart_updated, b2b.cart_removed (subject: cart line id).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b.access import member_of, require_party
from sandbox.b2b.catalogue import product_of_class, whole_number
from sandbox.b2b.models import BUYER, SUPPLIER, CartLine, Member, Product
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.uow import UnitOfWork

MAX_QUANTITY = 1_000_000


@dataclass(frozen=True)
class CartLineView:
    id: int
    product_id: int
    supplier_id: int
    supplier_company: str
    sku: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    price_fen: int
    quantity: int
    amount_fen: int
    available: int
    active: bool
    added_at: datetime


def parse_quantity(value: object) -> int:
    """Raises b2b.bad_quantity (a whole number above zero)."""
    number = whole_number(value, minimum=1, maximum=MAX_QUANTITY)
    if number is None:
        raise DomainError("b2b.bad_quantity", field="b2b.quantity", max=MAX_QUANTITY)
    return number


def _line_view(line: CartLine, product: Product, company: str) -> CartLineView:
    return CartLineView(
        line.id, product.id, product.supplier_id, company, product.sku, product.name_zh, product.name_en,
        product.unit_zh, product.unit_en, product.price_fen, line.quantity, line.quantity * product.price_fen,
        product.available, product.active, line.added_at,
    )


def _view_of(session: Session, line: CartLine) -> CartLineView:
    product = session.get(Product, line.product_id)
    assert product is not None
    company = session.scalar(select(Member.company_name).where(Member.id == product.supplier_id)) or ""
    return _line_view(line, product, company)


def _orderable(session: Session, member: Member, product_id: object) -> Product:
    product = product_of_class(session, member.class_id, product_id)
    supplier_type = session.scalar(select(Member.member_type).where(Member.id == product.supplier_id))
    if not product.active or supplier_type != SUPPLIER:
        raise DomainError("b2b.product_inactive", field="b2b.product", product=product.name_zh)
    return product


def _check_available(product: Product, quantity: int) -> None:
    if quantity > product.available:
        raise DomainError(
            "b2b.more_than_available", field="b2b.quantity", product=f"{product.name_zh} {product.name_en}",
            available=product.available,
        )


def _open_line(session: Session, member: Member, line_id: object) -> CartLine:
    try:
        lid = int(str(line_id).strip())
    except ValueError:
        raise DomainError("b2b.cart_line_gone") from None
    line = session.get(CartLine, lid)
    if line is None or line.class_id != member.class_id:
        raise DomainError("b2b.cart_line_gone")
    require_party(member, line.buyer_id)
    if line.consumed_at is not None:
        raise DomainError("b2b.cart_line_gone")
    return line


def add_to_cart(
    uow: UnitOfWork, actor: Actor, token: str | None, *, product_id: int, quantity: object, request_id: str | None = None
) -> CartLineView:
    """B2B005: put a supplier product in the buyer's cart (again: the open line grows).

    Raises b2b.bad_quantity, b2b.no_such_product, b2b.product_inactive, b2b.more_than_available,
    b2b.login_required, b2b.wrong_member_type, request.duplicate.
    """
    q = parse_quantity(quantity)
    with uow.write() as s:
        member = member_of(s, actor, token, BUYER)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind == "b2b.cart_added" and done.actor_id == actor.user_id:
                line = s.get(CartLine, int((done.data or {}).get("cart_line_id") or 0))
                if line is not None and line.buyer_id == member.id:
                    return _view_of(s, line)
            raise DomainError("request.duplicate")
        product = _orderable(s, member, product_id)
        line = s.scalar(
            select(CartLine).where(
                CartLine.buyer_id == member.id, CartLine.product_id == product.id, CartLine.consumed_at.is_(None)
            ).order_by(CartLine.id).limit(1)
        )
        total = q + (line.quantity if line is not None else 0)
        _check_available(product, total)
        if line is None:
            line = CartLine(class_id=member.class_id, buyer_id=member.id, product_id=product.id, quantity=q,
                            added_at=utcnow())
            s.add(line)
        else:
            line.quantity = total
        s.flush()
        events.record(
            s, "b2b.cart_added", actor=actor, subject=str(line.id), task_code="B2B005", request_id=request_id,
            buyer_id=member.id, product_id=product.id, supplier_id=product.supplier_id, quantity=q,
            line_quantity=total, cart_line_id=line.id, price_fen=product.price_fen,
        )
        company = s.scalar(select(Member.company_name).where(Member.id == product.supplier_id)) or ""
        return _line_view(line, product, company)


def set_quantity(
    uow: UnitOfWork, actor: Actor, token: str | None, line_id: int, *, quantity: object, request_id: str | None = None
) -> CartLineView:
    """Change the quantity of an open cart line.

    Raises b2b.bad_quantity, b2b.cart_line_gone, b2b.not_yours, b2b.product_inactive,
    b2b.more_than_available, b2b.login_required, b2b.wrong_member_type, request.duplicate.
    """
    q = parse_quantity(quantity)
    with uow.write() as s:
        member = member_of(s, actor, token, BUYER)
        done = events.replayed(s, request_id)
        if done is not None:
            line = s.get(CartLine, int(done.subject or 0)) if done.kind == "b2b.cart_updated" else None
            if line is not None and done.actor_id == actor.user_id and line.buyer_id == member.id:
                return _view_of(s, line)
            raise DomainError("request.duplicate")
        line = _open_line(s, member, line_id)
        product = _orderable(s, member, line.product_id)
        _check_available(product, q)
        before = line.quantity
        line.quantity = q
        s.flush()
        events.record(
            s, "b2b.cart_updated", actor=actor, subject=str(line.id), request_id=request_id, buyer_id=member.id,
            product_id=product.id, quantity_before=before, quantity=q,
        )
        return _view_of(s, line)


def remove_from_cart(
    uow: UnitOfWork, actor: Actor, token: str | None, line_id: int, request_id: str | None = None
) -> None:
    """Take an open line out of the cart (it stays on record as removed).

    Raises b2b.cart_line_gone, b2b.not_yours, b2b.login_required, b2b.wrong_member_type.
    """
    with uow.write() as s:
        member = member_of(s, actor, token, BUYER)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind == "b2b.cart_removed" and done.actor_id == actor.user_id:
                return
            raise DomainError("request.duplicate")
        line = _open_line(s, member, line_id)
        gone = s.execute(
            update(CartLine).where(CartLine.id == line.id, CartLine.consumed_at.is_(None))
            .values(consumed_at=utcnow(), consumed_by="removed").execution_options(synchronize_session=False)
        ).rowcount
        if not gone:
            raise DomainError("b2b.cart_line_gone")
        events.record(
            s, "b2b.cart_removed", actor=actor, subject=str(line.id), request_id=request_id, buyer_id=member.id,
            product_id=line.product_id, quantity=line.quantity,
        )


def cart(session: Session, actor: Actor, token: str | None) -> list[CartLineView]:
    """The buyer's open cart lines with supplier, unit price and amount (in fen), by supplier."""
    member = member_of(session, actor, token, BUYER)
    rows = session.execute(
        select(CartLine, Product, Member.company_name)
        .join(Product, Product.id == CartLine.product_id)
        .join(Member, Member.id == Product.supplier_id)
        .where(CartLine.buyer_id == member.id, CartLine.consumed_at.is_(None))
        .order_by(Member.company_name, Product.supplier_id, CartLine.id)
    ).all()
    return [_line_view(line, product, company) for line, product, company in rows]
