"""The B2B product catalogue: suppliers maintain their products, buyers browse them with prices.

Invariants:
- A product belongs to one supplier member (``supplier_id``) of one class; only that supplier
  adds or edits it (``b2b.not_yours`` otherwise). SKUs are unique per supplier.
- Prices are integer fen above zero (typed as yuan, parsed by ``sandbox.ledger.parse_amount``);
  ``available`` is a whole number >= 0: what the supplier can still promise. Orders reserve
  from it with a conditional update (sandbox.b2b.orders), never below zero.
- Buyers see only active products of the suppliers of their own class.
- Catalogue maintenance is not a catalog task (no task code); it is logged as
  ``b2b.product_added`` / ``b2b.product_updated`` (subject: product id).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b.access import member_of, require_party
from sandbox.b2b.models import BUYER, SUPPLIER, Member, Product
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.ledger import parse_amount
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

_SKU = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.\-]{0,31}$")
MAX_AVAILABLE = 10_000_000
MAX_BROWSE = 500


@dataclass(frozen=True)
class ProductView:
    id: int
    supplier_id: int
    supplier_company: str
    sku: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    price_fen: int
    available: int
    description: str
    active: bool
    updated_at: datetime | None


def view(product: Product, company: str) -> ProductView:
    return ProductView(
        product.id, product.supplier_id, company, product.sku, product.name_zh, product.name_en, product.unit_zh,
        product.unit_en, product.price_fen, product.available, product.description, product.active, product.updated_at,
    )


def whole_number(value: object, *, minimum: int, maximum: int = MAX_AVAILABLE) -> int | None:
    """An integer in [minimum, maximum] from an int or digit text, else None (no floats, no bools)."""
    if isinstance(value, bool) or value is None:
        return None
    if isinstance(value, int):
        number = value
    else:
        text = str(value).strip()
        if not re.fullmatch(r"[+-]?\d{1,12}", text):
            return None
        number = int(text)
    return number if minimum <= number <= maximum else None


def parse_available(value: object) -> int:
    """Raises b2b.bad_available (a whole number of units, 0 or more)."""
    number = whole_number(value, minimum=0)
    if number is None:
        raise DomainError("b2b.bad_available", field="b2b.available", max=MAX_AVAILABLE)
    return number


def _clean_sku(value: object) -> str:
    sku = clean_text(value, "b2b.sku", max_len=32, fold=True)
    if not _SKU.match(sku):
        raise DomainError("b2b.bad_sku", field="b2b.sku")
    return sku


def product_of_class(session: Session, class_id: int, product_id: object) -> Product:
    """The product ``product_id`` of the class (b2b.no_such_product otherwise)."""
    try:
        pid = int(str(product_id).strip())
    except ValueError:
        raise DomainError("b2b.no_such_product", field="b2b.product") from None
    product = session.get(Product, pid)
    if product is None or product.class_id != class_id:
        raise DomainError("b2b.no_such_product", field="b2b.product")
    return product


def browse(
    session: Session, actor: Actor, token: str | None, *, search: str = "", supplier_id: int | None = None
) -> list[ProductView]:
    """The buyer's product purchasing area (B2B005 step 1): active products of every supplier of
    the class, cheapest first within a supplier; ``search`` matches SKU or either name."""
    member = member_of(session, actor, token, BUYER)
    query = (
        select(Product, Member.company_name)
        .join(Member, Member.id == Product.supplier_id)
        .where(Product.class_id == member.class_id, Product.active.is_(True), Member.member_type == SUPPLIER)
    )
    text = clean_text(search, "b2b.search", max_len=50, required=False)
    if text:
        like = f"%{text.replace('%', '').replace('_', '')}%"
        query = query.where(or_(Product.sku.ilike(like), Product.name_zh.ilike(like), Product.name_en.ilike(like)))
    if supplier_id is not None:
        query = query.where(Product.supplier_id == int(supplier_id))
    rows = session.execute(
        query.order_by(Member.company_name, Product.supplier_id, Product.price_fen, Product.id).limit(MAX_BROWSE)
    ).all()
    return [view(p, company) for p, company in rows]


def my_products(session: Session, actor: Actor, token: str | None) -> list[ProductView]:
    """The supplier's own catalogue, inactive products included."""
    member = member_of(session, actor, token, SUPPLIER)
    rows = session.scalars(select(Product).where(Product.supplier_id == member.id).order_by(Product.sku, Product.id))
    return [view(p, member.company_name) for p in rows]


def add_product(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    *,
    sku: str,
    name_zh: str,
    name_en: str,
    unit_zh: str,
    unit_en: str,
    price: object,
    available: object,
    description: str = "",
    request_id: str | None = None,
) -> ProductView:
    """Supplier product maintenance: add a product to one's catalogue (no catalog task).

    Raises b2b.bad_sku, input.* (b2b.sku, b2b.name_zh, b2b.name_en, b2b.unit_zh, b2b.unit_en,
    b2b.description), ledger.amount_* (b2b.price), b2b.bad_available, b2b.duplicate_sku,
    b2b.login_required, b2b.wrong_member_type, request.duplicate.
    """
    code = _clean_sku(sku)
    zh = clean_text(name_zh, "b2b.name_zh", max_len=100)
    en = clean_text(name_en, "b2b.name_en", max_len=100)
    uzh = clean_text(unit_zh, "b2b.unit_zh", max_len=16)
    uen = clean_text(unit_en, "b2b.unit_en", max_len=16)
    price_fen = parse_amount(price, "b2b.price")
    units = parse_available(available)
    text = clean_text(description, "b2b.description", max_len=500, required=False, multiline=True)
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind == "b2b.product_added" and done.actor_id == actor.user_id:
                prior = s.get(Product, int(done.subject or 0))
                if prior is not None and prior.supplier_id == member.id:
                    return view(prior, member.company_name)
            raise DomainError("request.duplicate")
        taken = s.scalar(select(Product.id).where(Product.supplier_id == member.id, Product.sku == code))
        if taken is not None:
            raise DomainError("b2b.duplicate_sku", field="b2b.sku", sku=code)
        now = utcnow()
        product = Product(
            class_id=member.class_id, supplier_id=member.id, sku=code, name_zh=zh, name_en=en, unit_zh=uzh,
            unit_en=uen, price_fen=price_fen, available=units, description=text, active=True, seeded=False,
            created_at=now, updated_at=now,
        )
        s.add(product)
        s.flush()
        events.record(
            s, "b2b.product_added", actor=actor, subject=str(product.id), request_id=request_id,
            product_id=product.id, supplier_id=member.id, sku=code, price_fen=price_fen, available=units,
        )
        return view(product, member.company_name)


def update_product(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    product_id: int,
    *,
    price: object = None,
    available: object = None,
    name_zh: str | None = None,
    name_en: str | None = None,
    description: str | None = None,
    active: bool | None = None,
    request_id: str | None = None,
) -> ProductView:
    """Supplier product maintenance: change price, available units, names, description or
    whether the product is offered (``active``). Fields left None stay as they are.

    Raises b2b.no_such_product, b2b.not_yours (another supplier's product), ledger.amount_*
    (b2b.price), b2b.bad_available, input.* (b2b.name_zh, b2b.name_en, b2b.description),
    b2b.login_required, b2b.wrong_member_type, request.duplicate.
    """
    changes: dict[str, object] = {}
    if price is not None:
        changes["price_fen"] = parse_amount(price, "b2b.price")
    if available is not None:
        changes["available"] = parse_available(available)
    if name_zh is not None:
        changes["name_zh"] = clean_text(name_zh, "b2b.name_zh", max_len=100)
    if name_en is not None:
        changes["name_en"] = clean_text(name_en, "b2b.name_en", max_len=100)
    if description is not None:
        changes["description"] = clean_text(description, "b2b.description", max_len=500, required=False, multiline=True)
    if active is not None:
        changes["active"] = bool(active)
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        product = product_of_class(s, member.class_id, product_id)
        require_party(member, product.supplier_id)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind == "b2b.product_updated" and done.subject == str(product.id) and done.actor_id == actor.user_id:
                return view(product, member.company_name)
            raise DomainError("request.duplicate")
        before = {k: getattr(product, k) for k in changes}
        for key, value in changes.items():
            setattr(product, key, value)
        product.updated_at = utcnow()
        s.flush()
        events.record(
            s, "b2b.product_updated", actor=actor, subject=str(product.id), request_id=request_id,
            product_id=product.id, supplier_id=member.id,
            changes={k: {"from": before[k], "to": v} for k, v in changes.items() if before[k] != v},
        )
        return view(product, member.company_name)
