"""A contract in force (双方已签定) becomes a purchase order at the contracted prices, once; then the
usual acceptance and confirmation. Not a catalog task: it earns no B2B006 credit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

import sandbox.scenarios.registry  # noqa: F401  (registers the check kinds)
from sandbox.b2b import contracts, orders
from sandbox.b2b.models import ACCEPTED, CONFIRMED, REJECTED, InquiryLine, Negotiation, Order, OrderLine, Product
from sandbox.bots import new_request_id
from sandbox.db import utcnow
from tests.integration.helpers import changes_nothing, fetch, refused
from tests.integration.test_b2b_contracts import signed_by_both
from tests.integration.test_b2b_negotiation import agreed_contract, setup_deal
from tests.scenarios.helpers import grade_kind

WEEK = (utcnow() + timedelta(days=7)).date()


def test_a_contract_signed_by_both_becomes_one_order_at_its_prices(uow):
    deal, cid = signed_by_both(uow)
    (neg,) = fetch(uow, select(Negotiation).where(Negotiation.id == select(Negotiation.id).scalar_subquery()))
    quoted = {r.product_id: (r.quantity, r.quoted_price_fen) for r in
              fetch(uow, select(InquiryLine).where(InquiryLine.inquiry_id == neg.inquiry_id))}
    before = {p.id: p.available for p in fetch(uow, select(Product).where(Product.id.in_(list(quoted))))}
    rid = new_request_id()
    order = orders.order_from_contract(uow, deal.buyer.actor, deal.buyer.token, cid, payment_method="transfer",
                                       delivery_date=WEEK, request_id=rid)
    again = orders.order_from_contract(uow, deal.buyer.actor, deal.buyer.token, cid, payment_method="transfer",
                                       delivery_date=WEEK, request_id=rid)
    assert again.id == order.id  # a double click places one order
    lines = {r.product_id: (r.quantity, r.unit_price_fen) for r in
             fetch(uow, select(OrderLine).where(OrderLine.order_id == order.id))}
    assert lines == quoted and all(price is not None for _q, price in quoted.values())
    (row,) = fetch(uow, select(Order).where(Order.id == order.id))
    assert row.contract_id == cid and row.total_fen == sum(q * p for q, p in quoted.values())
    after = {p.id: p.available for p in fetch(uow, select(Product).where(Product.id.in_(list(quoted))))}
    assert after == {pid: before[pid] - quoted[pid][0] for pid in quoted}
    with changes_nothing(uow), refused("b2b.contract_already_ordered", number=row.number):
        orders.order_from_contract(uow, deal.buyer.actor, deal.buyer.token, cid, payment_method="transfer",
                                   delivery_date=WEEK)
    orders.accept(uow, deal.supplier.actor, deal.supplier.token, order.id, request_id=new_request_id())
    orders.confirm(uow, deal.buyer.actor, deal.buyer.token, order.id, request_id=new_request_id())
    assert fetch(uow, select(Order.state).where(Order.id == order.id)) == [CONFIRMED]
    # not the catalog's B2B006 (from the cart): no credit for it
    assert deal.buyer.actor.user_id not in grade_kind(uow, deal.room.id, [deal.buyer.actor.user_id],
                                                      "b2b.order_created")


def test_only_the_buyer_of_a_contract_in_force_orders_from_it(uow):
    deal = setup_deal(uow)
    cid = agreed_contract(uow, deal)
    with changes_nothing(uow), refused("b2b.contract_not_in_force"):
        orders.order_from_contract(uow, deal.buyer.actor, deal.buyer.token, cid, payment_method="transfer",
                                   delivery_date=WEEK)
    contracts.sign(uow, deal.buyer.actor, deal.buyer.token, cid, certificate_id=deal.buyer.certificate_id)
    with changes_nothing(uow), refused("b2b.contract_not_in_force"):  # the supplier has not signed yet
        orders.order_from_contract(uow, deal.buyer.actor, deal.buyer.token, cid, payment_method="transfer",
                                   delivery_date=WEEK)
    contracts.sign(uow, deal.supplier.actor, deal.supplier.token, cid, certificate_id=deal.supplier.certificate_id)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):
        orders.order_from_contract(uow, deal.supplier.actor, deal.supplier.token, cid, payment_method="transfer",
                                   delivery_date=WEEK)
    with changes_nothing(uow), refused("b2b.delivery_date_past"):
        orders.order_from_contract(uow, deal.buyer.actor, deal.buyer.token, cid, payment_method="transfer",
                                   delivery_date=utcnow().date())
    with changes_nothing(uow), refused("b2b.contract_not_found"):
        orders.order_from_contract(uow, deal.buyer.actor, deal.buyer.token, "nonsense", payment_method="transfer",
                                   delivery_date=WEEK)
    first = orders.order_from_contract(uow, deal.buyer.actor, deal.buyer.token, cid, payment_method="online",
                                       delivery_date=WEEK)
    orders.reject(uow, deal.supplier.actor, deal.supplier.token, first.id, reason="out of stock",
                  request_id=new_request_id())
    assert fetch(uow, select(Order.state).where(Order.id == first.id)) == [REJECTED]
    second = orders.order_from_contract(uow, deal.buyer.actor, deal.buyer.token, cid, payment_method="online",
                                        delivery_date=WEEK)  # a rejected order frees the contract
    orders.accept(uow, deal.supplier.actor, deal.supplier.token, second.id, request_id=new_request_id())
    assert fetch(uow, select(Order.state).where(Order.id == second.id)) == [ACCEPTED]
