"""Delivery fees (配送费): what a provider charges a supplier for one delivery order, booked when
the provider accepts it (LGS002). The supplier's payable (B2B031) and the provider's receivable
(LGS018) are these rows.

Invariants:
- amount = provider's base fee + fee per unit × units of the order's lines, integer fen, > 0;
  the basis text records the rate used (rates may change later, the fee does not).
- At most one fee per delivery order (unique ``delivery_order_id``), booked in the same
  transaction as the acceptance; open until paid.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.db import utcnow
from sandbox.ledger.money import format_fen
from sandbox.logistics.models import FEE_OPEN, DeliveryFee, DeliveryOrder, Provider
from sandbox.logistics.queries import FeeView, fee_views


def quote(provider: Provider, units: int) -> tuple[int, str]:
    """(amount in fen, basis text) of a delivery of ``units`` units at the provider's rates."""
    base, per = int(provider.fee_base_fen), int(provider.fee_per_unit_fen)
    amount = base + per * int(units)
    basis = f"{format_fen(base)} + {units} × {format_fen(per)} = {format_fen(amount)} CNY"
    return amount, basis


def book(session: Session, order: DeliveryOrder, provider: Provider, units: int) -> DeliveryFee | None:
    """Book the fee of a delivery order being accepted (None when the rates make it zero)."""
    amount, basis = quote(provider, units)
    if amount <= 0:
        return None
    row = DeliveryFee(
        class_id=order.class_id, delivery_order_id=order.id, provider_id=provider.id, supplier_id=order.supplier_id,
        amount_fen=amount, basis=basis[:200], state=FEE_OPEN, booked_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def fees_of_provider(session: Session, provider_id: int, *, state: str | None = None) -> list[FeeView]:
    """A provider's delivery fees (its receivables), newest first."""
    query = select(DeliveryFee).where(DeliveryFee.provider_id == provider_id)
    if state:
        query = query.where(DeliveryFee.state == state)
    return fee_views(session, list(session.scalars(query.order_by(DeliveryFee.booked_at.desc(), DeliveryFee.id.desc()))))


def fees_of_supplier(session: Session, supplier_member_id: int, *, state: str | None = None) -> list[FeeView]:
    """A supplier member's delivery fees (what it owes its providers), newest first."""
    query = select(DeliveryFee).where(DeliveryFee.supplier_id == supplier_member_id)
    if state:
        query = query.where(DeliveryFee.state == state)
    return fee_views(session, list(session.scalars(query.order_by(DeliveryFee.booked_at.desc(), DeliveryFee.id.desc()))))
