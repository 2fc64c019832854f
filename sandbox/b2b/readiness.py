"""Readiness of the B2B tasks whose prerequisite is another party's action (check kind
``b2b.world_ready``, used as a scenario entry's ``ready``).

Readiness is not credit: it asks whether the student's WORLD is ready for the task — an order
addressed to their supplier exists, a logistics provider approved their supplier, … — whoever
did it (the student's other company, a classmate, a bot). The walkthrough uses it instead of
the ``requires_one_of`` tasks, so a student playing one side against bots is not blocked.

Needs (``need`` parameter; "the student's buyer/supplier" = a member of that type the student
owns in the class):

- ``order_for_supplier``: an order to the student's supplier, state created or later (B2B008);
- ``accepted_order_for_buyer``: an order of the student's buyer, accepted or later (B2B009);
- ``confirmed_order_and_provider``: an order of the student's supplier in state confirmed, and
  a logistics provider that approved that supplier (B2B010);
- ``provider_with_warehouse``: a provider that approved the student's supplier has an active
  warehouse (B2B011);
- ``stock_in_warehouse``: the student's supplier holds stock in a warehouse of a provider that
  approved it and has at least two active warehouses (B2B013);
- ``inquiry_for_supplier``: an inquiry to the student's supplier in state 询价 (B2B022);
- ``quoted_inquiry_for_buyer``: an inquiry of the student's buyer in state 报价 (B2B023);
- ``negotiation_for_supplier``: a negotiation form of the student's supplier not yet 双方同意 (B2B024);
- ``terms_for_supplier`` / ``terms_for_buyer``: a negotiation form of the student's supplier /
  buyer, not yet 双方同意, holding a complete terms entry (quality, inspection, delivery place,
  payment terms) by either side, so there is something to agree to (B2B026 / B2B027);
- ``contract_for_buyer`` / ``contract_for_supplier``: a contract of the student's buyer /
  supplier that this side has not signed (B2B028 / B2B029);
- ``confirmed_order_for_supplier``: an order of the student's supplier confirmed or later (B2B030);
- ``fee_for_supplier``: a delivery fee a provider charged the student's supplier (B2B031).

An unknown need is a scenario error: grading raises ValueError naming it.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import and_, exists, func, select
from sqlalchemy.orm import aliased

from sandbox.b2b import models as m
from sandbox.b2b.models import BUYER, SUPPLIER, Contract, Inquiry, Member, Negotiation, NegotiationEntry, Order
from sandbox.logistics import models as lm
from sandbox.scenarios.checks import CheckContext, Outcome, check

CREATED_OR_LATER = (m.CREATED, m.ACCEPTED, m.CONFIRMED, m.DELIVERY_ORDERED, m.DELIVERED)
ACCEPTED_OR_LATER = (m.ACCEPTED, m.CONFIRMED, m.DELIVERY_ORDERED, m.DELIVERED)
CONFIRMED_OR_LATER = (m.CONFIRMED, m.DELIVERY_ORDERED, m.DELIVERED)


def _owned(ctx: CheckContext, member_type: str) -> Any:
    return and_(Member.class_id == ctx.class_id, Member.owner_id.in_(ctx.students), Member.member_type == member_type)


def _approved(provider_id: Any) -> Any:
    """The provider approved the supplier member of the query."""
    app = aliased(lm.ServiceApplication)
    return exists().where(app.provider_id == provider_id, app.supplier_id == Member.id, app.state == lm.APPROVED)


def _active_warehouses(provider_id: Any) -> Any:
    room = aliased(lm.Warehouse)
    return (
        select(func.count(room.id)).where(room.provider_id == provider_id, room.active.is_(True)).scalar_subquery()
    )


def _orders(ctx: CheckContext, member_type: str, states: tuple[str, ...]) -> Any:
    party = Order.buyer_id if member_type == BUYER else Order.supplier_id
    return (
        select(Member.owner_id, Order.id)
        .join(Order, and_(party == Member.id, Order.class_id == ctx.class_id))
        .where(_owned(ctx, member_type), Order.state.in_(states))
    )


def _confirmed_with_provider(ctx: CheckContext) -> Any:
    provider = aliased(lm.Provider)
    return (
        _orders(ctx, SUPPLIER, (m.CONFIRMED,))
        .join(provider, provider.class_id == ctx.class_id)
        .where(_approved(provider.id))
    )


def _provider_with_warehouse(ctx: CheckContext) -> Any:
    provider = aliased(lm.Provider)
    return (
        select(Member.owner_id, provider.id)
        .join(provider, provider.class_id == ctx.class_id)
        .where(_owned(ctx, SUPPLIER), _approved(provider.id), _active_warehouses(provider.id) >= 1)
    )


def _stock_in_warehouse(ctx: CheckContext) -> Any:
    return (
        select(Member.owner_id, lm.StockLevel.id)
        .join(lm.StockLevel, and_(lm.StockLevel.owner_id == Member.id, lm.StockLevel.quantity > 0))
        .join(lm.Warehouse, and_(lm.Warehouse.id == lm.StockLevel.warehouse_id, lm.Warehouse.class_id == ctx.class_id))
        .where(_owned(ctx, SUPPLIER), _approved(lm.Warehouse.provider_id),
               _active_warehouses(lm.Warehouse.provider_id) >= 2)
    )


def _inquiries(ctx: CheckContext, member_type: str, state: str) -> Any:
    party = Inquiry.buyer_id if member_type == BUYER else Inquiry.supplier_id
    return (
        select(Member.owner_id, Inquiry.id)
        .join(Inquiry, and_(party == Member.id, Inquiry.class_id == ctx.class_id))
        .where(_owned(ctx, member_type), Inquiry.state == state)
    )


def _open_negotiations(ctx: CheckContext) -> Any:
    return (
        select(Member.owner_id, Negotiation.id)
        .join(Negotiation, and_(Negotiation.supplier_id == Member.id, Negotiation.class_id == ctx.class_id))
        .where(_owned(ctx, SUPPLIER), Negotiation.state != m.BOTH_AGREED)
    )


def _terms_to_agree(ctx: CheckContext, member_type: str) -> Any:
    party = Negotiation.buyer_id if member_type == BUYER else Negotiation.supplier_id
    entry = aliased(NegotiationEntry)
    complete = exists().where(
        entry.negotiation_id == Negotiation.id, entry.quality != "", entry.inspection != "",
        entry.delivery_place != "", entry.payment_terms != "",
    )
    return (
        select(Member.owner_id, Negotiation.id)
        .join(Negotiation, and_(party == Member.id, Negotiation.class_id == ctx.class_id))
        .where(_owned(ctx, member_type), Negotiation.state != m.BOTH_AGREED, complete)
    )


def _unsigned_contracts(ctx: CheckContext, member_type: str) -> Any:
    party, signature = (
        (Contract.buyer_id, Contract.buyer_signature_b64) if member_type == BUYER
        else (Contract.supplier_id, Contract.supplier_signature_b64)
    )
    return (
        select(Member.owner_id, Contract.id)
        .join(Contract, and_(party == Member.id, Contract.class_id == ctx.class_id))
        .where(_owned(ctx, member_type), signature.is_(None))
    )


def _fees(ctx: CheckContext) -> Any:
    return (
        select(Member.owner_id, lm.DeliveryFee.id)
        .join(lm.DeliveryFee, and_(lm.DeliveryFee.supplier_id == Member.id, lm.DeliveryFee.class_id == ctx.class_id))
        .where(_owned(ctx, SUPPLIER))
    )


NEEDS: dict[str, Any] = {
    "order_for_supplier": lambda ctx: _orders(ctx, SUPPLIER, CREATED_OR_LATER),
    "accepted_order_for_buyer": lambda ctx: _orders(ctx, BUYER, ACCEPTED_OR_LATER),
    "confirmed_order_and_provider": _confirmed_with_provider,
    "provider_with_warehouse": _provider_with_warehouse,
    "stock_in_warehouse": _stock_in_warehouse,
    "inquiry_for_supplier": lambda ctx: _inquiries(ctx, SUPPLIER, m.INQUIRY),
    "quoted_inquiry_for_buyer": lambda ctx: _inquiries(ctx, BUYER, m.QUOTED),
    "negotiation_for_supplier": _open_negotiations,
    "terms_for_supplier": lambda ctx: _terms_to_agree(ctx, SUPPLIER),
    "terms_for_buyer": lambda ctx: _terms_to_agree(ctx, BUYER),
    "contract_for_buyer": lambda ctx: _unsigned_contracts(ctx, BUYER),
    "contract_for_supplier": lambda ctx: _unsigned_contracts(ctx, SUPPLIER),
    "confirmed_order_for_supplier": lambda ctx: _orders(ctx, SUPPLIER, CONFIRMED_OR_LATER),
    "fee_for_supplier": _fees,
}


@check("b2b.world_ready", params=("need",))
def world_ready(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """Readiness: the student's world has what ``need`` names (see the module docstring), made
    by anyone. Raises ValueError for an unknown need."""
    need = str(params.get("need", ""))
    build = NEEDS.get(need)
    if build is None:
        raise ValueError(f"unknown b2b.world_ready need {need!r}; one of {', '.join(sorted(NEEDS))}")
    out: dict[int, Outcome] = {}
    for owner, found in ctx.session.execute(build(ctx).order_by(Member.owner_id)).all():
        if owner not in out:
            out[int(owner)] = Outcome(True, {"need": need, "id": int(found)})
    return out
