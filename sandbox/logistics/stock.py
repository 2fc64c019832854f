"""Stock (库存): the ONLY code that changes ``lgs_stock_levels``. Every change is one move of a
supplier's goods from one location to another, written as an ``lgs_stock_moves`` row in the
caller's transaction.

Invariants:
- A level never goes below zero: the source is decremented with ``UPDATE … SET quantity =
  quantity - :n WHERE … AND quantity >= :n`` and a row count of 0 refuses the move
  (``lgs.not_enough_stock``). The CHECK constraint backs this up.
- The supplier's own premises (``models.SUPPLIER_PREMISES``) are outside the books: moves from
  there are unbounded and moves to there leave the books; no level is kept for them.
- Per (owner, product), the sum of all kept levels equals the units moved in from the
  supplier's premises minus those moved back there: moves conserve stock.
- Incrementing a target is race-safe on SQLite and PostgreSQL: UPDATE; if no row, INSERT
  inside a SAVEPOINT; if a concurrent transaction inserted it first (IntegrityError), UPDATE.
- A refused move raises; the caller's transaction rolls back, so a refused document changes
  no level at all (all its moves are in one transaction).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import and_, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox.b2b.models import Member, Product
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics.models import SUPPLIER_PREMISES, StockLevel, StockMove, Warehouse
from sandbox.logistics.queries import LevelView, location_label

DOC_KINDS = ("shipment", "inbound", "transfer", "outbound", "delivery", "damage", "adjustment")


def warehouse_of(location: str) -> int | None:
    """The warehouse id of a ``wh:<id>`` location, else None."""
    if location.startswith("wh:") and location[3:].isdigit():
        return int(location[3:])
    return None


def _level_filter(owner_id: int, product_id: int, location: str) -> list[object]:
    return [StockLevel.owner_id == owner_id, StockLevel.product_id == product_id, StockLevel.location == location]


def level(session: Session, owner_id: int, product_id: int, location: str) -> int:
    """Units of ``product_id`` that supplier ``owner_id`` holds at ``location`` (0 if none)."""
    found = session.scalar(select(StockLevel.quantity).where(*_level_filter(owner_id, product_id, location)))
    return int(found or 0)


def _increment(session: Session, *, class_id: int, owner_id: int, product_id: int, location: str, quantity: int,
               now: datetime) -> None:
    bump = (
        update(StockLevel)
        .where(*_level_filter(owner_id, product_id, location))
        .values(quantity=StockLevel.quantity + quantity, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    if session.execute(bump).rowcount:
        return
    try:
        with session.begin_nested():
            session.execute(insert(StockLevel).values(
                class_id=class_id, owner_id=owner_id, product_id=product_id, location=location,
                warehouse_id=warehouse_of(location), quantity=quantity, updated_at=now,
            ))
    except IntegrityError:  # a concurrent transaction created the level first: add to it
        if not session.execute(bump).rowcount:
            raise


def move(
    session: Session,
    *,
    class_id: int,
    owner_id: int,
    product_id: int,
    quantity: int,
    from_location: str,
    to_location: str,
    doc_kind: str,
    doc_id: int,
    actor_id: int | None,
) -> StockMove:
    """Move ``quantity`` units of a supplier's product between two locations for one document.

    Raises lgs.not_enough_stock (the source holds fewer units; nothing moved). ValueError for a
    programming error (quantity not a positive int, same location, unknown document kind).
    """
    if isinstance(quantity, bool) or not isinstance(quantity, int) or quantity <= 0:
        raise ValueError(f"a stock move needs a positive whole quantity, not {quantity!r}")
    if from_location == to_location:
        raise ValueError("a stock move needs two different locations")
    if doc_kind not in DOC_KINDS:
        raise ValueError(f"unknown document kind {doc_kind!r}")
    now = utcnow()
    if from_location != SUPPLIER_PREMISES:
        taken = session.execute(
            update(StockLevel)
            .where(*_level_filter(owner_id, product_id, from_location), StockLevel.quantity >= quantity)
            .values(quantity=StockLevel.quantity - quantity, updated_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not taken:
            sku = session.scalar(select(Product.sku).where(Product.id == product_id)) or str(product_id)
            raise DomainError(
                "lgs.not_enough_stock", product=sku, location=location_label(session, from_location),
                held=level(session, owner_id, product_id, from_location), wanted=quantity,
            )
    if to_location != SUPPLIER_PREMISES:
        _increment(session, class_id=class_id, owner_id=owner_id, product_id=product_id, location=to_location,
                   quantity=quantity, now=now)
    row = StockMove(
        class_id=class_id, owner_id=owner_id, product_id=product_id, quantity=quantity, from_location=from_location,
        to_location=to_location, doc_kind=doc_kind, doc_id=doc_id, actor_id=actor_id, at=now,
    )
    session.add(row)
    session.flush()
    return row


def levels(
    session: Session, *, owner_id: int | None = None, warehouse_id: int | None = None, provider_id: int | None = None
) -> list[LevelView]:
    """Non-zero stock levels of one supplier, one warehouse and/or one provider's warehouses
    (at least one filter is required), ordered by location and product."""
    if owner_id is None and warehouse_id is None and provider_id is None:
        raise ValueError("levels() needs owner_id, warehouse_id or provider_id")
    query = (
        select(StockLevel.owner_id, Member.company_name, StockLevel.product_id, Product.sku, Product.name_zh,
               Product.name_en, StockLevel.location, StockLevel.warehouse_id, StockLevel.quantity)
        .join(Product, Product.id == StockLevel.product_id)
        .join(Member, Member.id == StockLevel.owner_id)
        .where(StockLevel.quantity > 0)
    )
    if owner_id is not None:
        query = query.where(StockLevel.owner_id == owner_id)
    if warehouse_id is not None:
        query = query.where(StockLevel.warehouse_id == warehouse_id)
    if provider_id is not None:
        query = query.join(Warehouse, and_(Warehouse.id == StockLevel.warehouse_id,
                                           Warehouse.provider_id == provider_id))
    rows = session.execute(query.order_by(StockLevel.location, Product.sku, StockLevel.owner_id)).all()
    return [LevelView(o, name, p, sku, zh, en, loc, wh, int(q)) for o, name, p, sku, zh, en, loc, wh, q in rows]


def held_in(session: Session, owner_id: int, warehouse_id: int, needs: dict[int, int]) -> bool:
    """Whether supplier ``owner_id`` holds at least ``needs`` ({product: units}) in the warehouse."""
    location = f"wh:{warehouse_id}"
    have = dict(session.execute(
        select(StockLevel.product_id, StockLevel.quantity).where(
            StockLevel.owner_id == owner_id, StockLevel.location == location,
            StockLevel.product_id.in_(list(needs)),
        )
    ).all()) if needs else {}
    return all(int(have.get(pid, 0)) >= qty for pid, qty in needs.items())
