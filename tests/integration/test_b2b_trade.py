"""B2B trade on a real database: the supplier's catalogue, the buyer's cart (B2B005), purchase
orders (B2B006), accept (B2B008) / reject, confirm (B2B009), the delivery order to an approved
logistics provider (B2B010), delivery (LGS020 hook) and settlement through the e-bank (B2B017) —
between two students, and for one student holding both members; and every bad input refused
with nothing changed.

The helpers at the top (``market``, ``approved_provider``, ``order_to``) are shared by the other
B2B trade test files."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from sandbox.actor import Actor
from sandbox.b2b import cart, catalogue, members, orders, reports, settlement
from sandbox.b2b import models as m
from sandbox.b2b.models import CartLine, Order, Product
from sandbox.bots import BotWorld
from sandbox.bots import ebank as bank_bots
from sandbox.bots.ebank import PAY_PASSWORD
from sandbox.db import utcnow
from sandbox.ebank import services as bank
from sandbox.ebank.models import CORPORATE, BankAccount, Payment
from sandbox.identity.models import Classroom
from sandbox.ledger import queries as lq
from sandbox.logistics.models import DeliveryOrder, Provider, ServiceApplication, Warehouse
from sandbox.uow import UnitOfWork
from tests import factories
from tests.b2b_setup import Trader, trader
from tests.integration.helpers import changes_nothing, event_kinds, events_of, fetch, refused

FUNDS_FEN = 5_000_000  # 50,000 yuan in the buyer's corporate account


def tomorrow(days: int = 1) -> date:
    return utcnow().date() + timedelta(days=days)


@dataclass
class Market:
    uow: UnitOfWork
    room: Classroom
    teacher: Actor
    buyer: Trader
    supplier: Trader
    buyer_card: str  # the buyer owner's corporate account number (funded)
    supplier_account: str  # the supplier owner's corporate account number (linked to the supplier)
    provider_id: int
    world: BotWorld

    def products(self, supplier: Trader | None = None) -> list[catalogue.ProductView]:
        with self.uow.read() as s:
            return catalogue.my_products(s, (supplier or self.supplier).actor, (supplier or self.supplier).token)


def corporate_account(world: BotWorld, actor: Actor, *, second: bool = False) -> str:
    """The actor's corporate account number (EBANK001 done now); ``second`` opens another one."""
    if not second:
        return bank_bots.ensure_corporate(world, actor).account_number
    reg = bank.register_corporate(
        world.uow, actor, agree=True, company_name=f"{actor.username} Supply Co",
        licence_number=f"93{actor.user_id:016d}", address="2 Supply Road", contact_name="Li", phone="010-62750001",
        login_password=bank_bots.LOGIN_PASSWORD, login_password_confirm=bank_bots.LOGIN_PASSWORD,
        payment_password=PAY_PASSWORD, payment_password_confirm=PAY_PASSWORD,
    )
    return reg.account.account_number


def fund(world: BotWorld, actor: Actor, at_least_fen: int = FUNDS_FEN) -> None:
    """Deposit into the actor's first corporate account (EBANK002 + EBANK004)."""
    token = bank_bots.corporate_session(world, actor)
    bank_bots.ensure_funds(world, actor, CORPORATE, at_least_fen, token)


def approved_provider(
    uow: UnitOfWork, class_id: int, supplier_member_id: int, owner: Actor, *, name: str = "Swift Logistics",
    state: str = "approved",
) -> int:
    """A logistics provider with one warehouse whose service application of the supplier is in
    ``state`` (rows made directly: the logistics services are tested elsewhere)."""
    with uow.write() as s:
        provider = s.scalar(select(Provider).where(Provider.class_id == class_id, Provider.owner_id == owner.user_id))
        if provider is None:
            provider = Provider(class_id=class_id, owner_id=owner.user_id, name=name, name_key=name.casefold(),
                                contact_name="Zhao", phone="010-55556666", address="8 Depot Road")
            s.add(provider)
            s.flush()
            s.add(Warehouse(class_id=class_id, provider_id=provider.id, code="W1", name="North", address="9 Depot Road"))
        s.add(ServiceApplication(class_id=class_id, provider_id=provider.id, supplier_id=supplier_member_id,
                                 state=state, terms_accepted=True, applied_by=owner.user_id))
        s.flush()
        return provider.id


def market(uow: UnitOfWork, *, same_student: bool = False) -> Market:
    """Ann the buyer and Bob the supplier (or Ann as both), with corporate bank accounts (the
    buyer's funded, the supplier's linked to the supplier member) and a provider (Carl's) that
    approved the supplier."""
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    buyer = trader(uow, room, "ann", "buyer")
    supplier = trader(uow, room, "ann" if same_student else "bob", "supplier",
                      actor=buyer.actor if same_student else None)
    world = BotWorld(uow=uow, class_id=room.id, student=buyer.actor)
    card = corporate_account(world, buyer.actor)
    fund(world, buyer.actor)
    account = corporate_account(world, supplier.actor, second=same_student)
    members.link_bank_account(uow, supplier.actor, supplier.token, bank_account_number=account)
    carl = factories.student(uow, room, "carl", "Carl Zhao")
    provider_id = approved_provider(uow, room.id, supplier.member_id, carl)
    return Market(uow, room, teacher, buyer, supplier, card, account, provider_id, world)


def order_to(mk: Market, lines: list[tuple[int, int]], *, buyer: Trader | None = None,
             payment_method: str = "online") -> list[orders.OrderView]:
    """The buyer puts ``(product_id, quantity)`` in the cart and orders them (B2B005 + B2B006)."""
    who = buyer or mk.buyer
    ids = [cart.add_to_cart(mk.uow, who.actor, who.token, product_id=p, quantity=q).id for p, q in lines]
    return orders.create_orders(mk.uow, who.actor, who.token, cart_line_ids=ids, payment_method=payment_method,
                                delivery_date=tomorrow(7), delivery_address="5 Buyer Street")


def balance_of(uow: UnitOfWork, number: str) -> int:
    with uow.read() as s:
        account = s.scalar(select(BankAccount).where(BankAccount.account_number == number))
        return lq.balance(s, account.ledger_account_id)


def available(uow: UnitOfWork, product_id: int) -> int:
    with uow.read() as s:
        return s.get(Product, product_id).available


@pytest.fixture
def mk(uow) -> Market:
    return market(uow)


# ----------------------------------------------------------------------------- the whole chain


def run_chain(mk: Market) -> None:
    uow, buyer, supplier = mk.uow, mk.buyer, mk.supplier
    first, second = mk.products()[:2]
    start = (first.available, second.available)
    with uow.read() as s:
        seen = {p.id for p in catalogue.browse(s, buyer.actor, buyer.token)}
    assert {first.id, second.id} <= seen
    line = cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=first.id, quantity=2, request_id="cart-1")
    again = cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=first.id, quantity=1)
    assert again.id == line.id and again.quantity == 3 and again.amount_fen == 3 * first.price_fen
    other = cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=second.id, quantity=1)
    with uow.read() as s:
        assert {v.id for v in cart.cart(s, buyer.actor, buyer.token)} == {line.id, other.id}
    (order,) = orders.create_orders(
        uow, buyer.actor, buyer.token, cart_line_ids=[line.id, other.id], payment_method="online",
        delivery_date=tomorrow(10), delivery_address="", note="首批订货", request_id="po-1",
    )
    total = 3 * first.price_fen + second.price_fen
    assert order.state == m.CREATED and order.total_fen == total and len(order.lines) == 2
    assert (available(uow, first.id), available(uow, second.id)) == (start[0] - 3, start[1] - 1)
    with uow.read() as s:
        assert cart.cart(s, buyer.actor, buyer.token) == []
        assert s.get(CartLine, line.id).consumed_by == f"order:{order.id}"
    assert orders.accept(uow, supplier.actor, supplier.token, order.id, request_id="acc-1").state == m.ACCEPTED
    confirmed = orders.confirm(uow, buyer.actor, buyer.token, order.id, request_id="conf-1")
    assert (confirmed.state, confirmed.settlement_state) == (m.CONFIRMED, m.OPEN)
    with uow.read() as s:
        assert [o.id for o in orders.sales_orders(s, supplier.actor, supplier.token)] == [order.id]
        assert [p.id for p in orders.approved_providers(s, supplier.actor, supplier.token)] == [mk.provider_id]
    delivery = orders.create_delivery_order(uow, supplier.actor, supplier.token, order.id, provider_id=mk.provider_id,
                                            request_id="do-1")
    assert delivery.state == "awaiting_acceptance" and delivery.provider_id == mk.provider_id
    with uow.read() as s:
        row = s.get(DeliveryOrder, delivery.id)
        buyer_member = members.current(uow, buyer.actor, buyer.token)
        assert row.order_id == order.id and row.consignee_name == buyer_member.company_name
        assert row.consignee_address == buyer_member.address  # the order named no address
        assert row.delivery_date.date() == tomorrow(10)
    with uow.write() as s:  # the logistics module's LGS020 calls this hook
        orders.on_delivered(s, order.id, mk.supplier.actor.user_id)
    before = (balance_of(uow, mk.buyer_card), balance_of(uow, mk.supplier_account))
    result = settlement.settle(uow, buyer.actor, buyer.token, order.id, card_number=mk.buyer_card,
                               payment_password=PAY_PASSWORD, request_id="settle-1")
    assert result.settled and result.amount_fen == total and not result.replayed
    assert (balance_of(uow, mk.buyer_card), balance_of(uow, mk.supplier_account)) == (before[0] - total,
                                                                                       before[1] + total)
    with uow.read() as s:
        detail = orders.order_detail(s, buyer.actor, buyer.token, order.id)
        assert detail.order.state == m.DELIVERED and detail.order.settlement_state == m.SETTLED
        assert detail.payment_id == result.payment_id and detail.delivery.number == delivery.number
        assert [(h.from_state, h.to_state) for h in detail.history] == [
            (None, m.CREATED), (m.CREATED, m.ACCEPTED), (m.ACCEPTED, m.CONFIRMED),
            (m.CONFIRMED, m.DELIVERY_ORDERED), (m.DELIVERY_ORDERED, m.DELIVERED), (m.OPEN, m.SETTLED),
        ]
        assert [h.actor_id for h in detail.history][:4] == [buyer.actor.user_id, supplier.actor.user_id,
                                                             buyer.actor.user_id, supplier.actor.user_id]
        assert orders.order_detail(s, supplier.actor, supplier.token, order.id).side == m.SUPPLIER
        payment = s.get(Payment, result.payment_id)
        assert (payment.purpose, payment.reference, payment.out_trade_no) == ("b2b", f"b2b-order:{order.id}",
                                                                              order.number)
        rows = reports.order_report(s, buyer.actor, buyer.token)
        assert [(r.state, r.side, r.count, r.value_fen) for r in rows] == [(m.DELIVERED, m.BUYER, 1, total)]
    kinds = event_kinds(uow)
    expected = {"b2b.cart_added": 3, "b2b.order_created": 1, "b2b.order_accepted": 1, "b2b.order_confirmed": 1,
                "b2b.delivery_order_created": 1, "b2b.order_delivery_ordered": 1, "b2b.order_delivered": 1,
                "b2b.order_settled": 1, "ebank.payment_paid": 1}
    assert {kind: kinds.count(kind) for kind in expected} == expected
    (settled,) = events_of(uow, "b2b.order_settled")
    assert (settled.actor_id, settled.task_code, settled.subject) == (buyer.actor.user_id, "B2B017", str(order.id))
    (paid,) = events_of(uow, "ebank.payment_paid")
    assert paid.task_code == "B2B017"


def test_the_whole_chain_between_two_students(mk):
    run_chain(mk)


def test_one_student_plays_buyer_and_supplier(uow):
    mk = market(uow, same_student=True)
    assert mk.buyer.actor.user_id == mk.supplier.actor.user_id and mk.buyer_card != mk.supplier_account
    run_chain(mk)


def test_replayed_requests_do_nothing_twice(mk):
    uow, buyer, supplier = mk.uow, mk.buyer, mk.supplier
    product = mk.products()[0]
    line = cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=product.id, quantity=2, request_id="r-cart")
    assert cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=product.id, quantity=2,
                            request_id="r-cart").quantity == 2
    kw = dict(cart_line_ids=[line.id], payment_method="transfer", delivery_date=tomorrow(), request_id="r-po")
    (order,) = orders.create_orders(uow, buyer.actor, buyer.token, **kw)
    (same,) = orders.create_orders(uow, buyer.actor, buyer.token, **kw)
    assert same.id == order.id and available(uow, product.id) == product.available - 2
    orders.accept(uow, supplier.actor, supplier.token, order.id, request_id="r-acc")
    assert orders.accept(uow, supplier.actor, supplier.token, order.id, request_id="r-acc").state == m.ACCEPTED
    with refused("request.duplicate"):  # a request id of another action
        orders.confirm(uow, buyer.actor, buyer.token, order.id, request_id="r-po")
    orders.confirm(uow, buyer.actor, buyer.token, order.id, request_id="r-conf")
    assert orders.confirm(uow, buyer.actor, buyer.token, order.id, request_id="r-conf").state == m.CONFIRMED
    a = orders.create_delivery_order(uow, supplier.actor, supplier.token, order.id, provider_id=mk.provider_id,
                                     request_id="r-do")
    b = orders.create_delivery_order(uow, supplier.actor, supplier.token, order.id, provider_id=mk.provider_id,
                                     request_id="r-do")
    assert a == b
    kinds = event_kinds(uow)
    assert [kinds.count(k) for k in ("b2b.cart_added", "b2b.order_created", "b2b.order_accepted",
                                     "b2b.order_confirmed", "b2b.delivery_order_created")] == [1, 1, 1, 1, 1]


# ----------------------------------------------------------------------------- catalogue


def test_the_supplier_maintains_products_and_buyers_see_the_active_ones(mk):
    uow, buyer, supplier = mk.uow, mk.buyer, mk.supplier
    added = catalogue.add_product(uow, supplier.actor, supplier.token, sku="TEA-01", name_zh="龙井茶", name_en="Longjing tea",
                                  unit_zh="千克", unit_en="kg", price="128.50", available="40", description="明前")
    assert (added.price_fen, added.available, added.supplier_id) == (12_850, 40, supplier.member_id)
    with uow.read() as s:
        found = catalogue.browse(s, buyer.actor, buyer.token, search="longjing")
    assert [p.id for p in found] == [added.id] and found[0].supplier_company == f"{supplier.login_name} Trading Co."
    changed = catalogue.update_product(uow, supplier.actor, supplier.token, added.id, price="99", available=0)
    assert (changed.price_fen, changed.available) == (9_900, 0)
    catalogue.update_product(uow, supplier.actor, supplier.token, added.id, active=False)
    with uow.read() as s:
        assert added.id not in {p.id for p in catalogue.browse(s, buyer.actor, buyer.token)}
        assert added.id in {p.id for p in catalogue.my_products(s, supplier.actor, supplier.token)}
    assert [e.subject for e in events_of(uow, "b2b.product_added")] == [str(added.id)]


@pytest.mark.parametrize(("field", "value", "code"), [
    ("price", "0", "ledger.amount_not_positive"),
    ("price", "-5", "ledger.amount_not_positive"),
    ("price", "1.234", "ledger.amount_too_precise"),
    ("price", "abc", "ledger.amount_invalid"),
    ("available", "-1", "b2b.bad_available"),
    ("available", "2.5", "b2b.bad_available"),
    ("available", True, "b2b.bad_available"),
    ("sku", "bad sku!", "b2b.bad_sku"),
    ("name_zh", "", "input.required"),
])
def test_bad_products_are_refused_and_change_nothing(mk, field, value, code):
    fields = dict(sku="NEW-1", name_zh="新品", name_en="New item", unit_zh="个", unit_en="piece", price="10",
                  available=5)
    fields[field] = value
    with changes_nothing(mk.uow), refused(code):
        catalogue.add_product(mk.uow, mk.supplier.actor, mk.supplier.token, **fields)


def test_catalogue_rules_on_owners_and_duplicates(mk, uow):
    supplier, buyer = mk.supplier, mk.buyer
    own = mk.products()[0]
    with changes_nothing(uow), refused("b2b.duplicate_sku", field="b2b.sku"):
        catalogue.add_product(uow, supplier.actor, supplier.token, sku=own.sku, name_zh="重复", name_en="Dup",
                              unit_zh="个", unit_en="piece", price="1", available=1)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):  # a buyer login cannot maintain a catalogue
        catalogue.add_product(uow, buyer.actor, buyer.token, sku="X-1", name_zh="甲", name_en="A", unit_zh="个",
                              unit_en="piece", price="1", available=1)
    dan = trader(uow, mk.room, "dan", "supplier")
    with changes_nothing(uow), refused("b2b.not_yours"):
        catalogue.update_product(uow, dan.actor, dan.token, own.id, price="1")
    with changes_nothing(uow), refused("ledger.amount_not_positive"):
        catalogue.update_product(uow, supplier.actor, supplier.token, own.id, price="-3")
    with changes_nothing(uow), refused("b2b.login_required"):
        catalogue.update_product(uow, supplier.actor, "not-a-token", own.id, price="3")


# ----------------------------------------------------------------------------- cart


@pytest.mark.parametrize("quantity", [0, -1, "0", "-2", "1.5", "", None, True, 2.0, "many"])
def test_bad_quantities_are_refused(mk, quantity):
    product = mk.products()[0]
    with changes_nothing(mk.uow), refused("b2b.bad_quantity", field="b2b.quantity"):
        cart.add_to_cart(mk.uow, mk.buyer.actor, mk.buyer.token, product_id=product.id, quantity=quantity)


def test_cart_rules(mk, uow):
    buyer, supplier = mk.buyer, mk.supplier
    product = mk.products()[0]
    with changes_nothing(uow), refused("b2b.more_than_available", available=product.available):
        cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=product.id, quantity=product.available + 1)
    line = cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=product.id, quantity=product.available)
    with changes_nothing(uow), refused("b2b.more_than_available"):  # the open line already holds them all
        cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=product.id, quantity=1)
    assert cart.set_quantity(uow, buyer.actor, buyer.token, line.id, quantity=1).quantity == 1
    with changes_nothing(uow), refused("b2b.wrong_member_type"):
        cart.add_to_cart(uow, supplier.actor, supplier.token, product_id=product.id, quantity=1)
    with changes_nothing(uow), refused("b2b.no_such_product"):
        cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=10_000, quantity=1)
    catalogue.update_product(uow, supplier.actor, supplier.token, mk.products()[1].id, active=False)
    with changes_nothing(uow), refused("b2b.product_inactive"):
        cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=mk.products()[1].id, quantity=1)
    eve = trader(uow, mk.room, "eve", "buyer")
    with changes_nothing(uow), refused("b2b.not_yours"):
        cart.remove_from_cart(uow, eve.actor, eve.token, line.id)
    cart.remove_from_cart(uow, buyer.actor, buyer.token, line.id)
    with changes_nothing(uow), refused("b2b.cart_line_gone"):
        cart.remove_from_cart(uow, buyer.actor, buyer.token, line.id)
    with uow.read() as s:
        assert cart.cart(s, buyer.actor, buyer.token) == []
        assert s.get(CartLine, line.id).consumed_by == "removed"


def test_a_product_of_another_class_cannot_be_bought(mk, uow):
    other_room = factories.classroom(uow, mk.teacher, name="EC-2026 B", seed=7)
    far = trader(uow, other_room, "fay", "supplier")
    with uow.read() as s:
        theirs = s.scalar(select(Product.id).where(Product.supplier_id == far.member_id).limit(1))
        assert theirs not in {p.id for p in catalogue.browse(s, mk.buyer.actor, mk.buyer.token)}
    with changes_nothing(uow), refused("b2b.no_such_product"):
        cart.add_to_cart(uow, mk.buyer.actor, mk.buyer.token, product_id=theirs, quantity=1)


# ----------------------------------------------------------------------------- orders


def test_one_order_per_supplier(mk, uow):
    dan = trader(uow, mk.room, "dan", "supplier")
    ours, theirs = mk.products()[0], mk.products(dan)[0]
    made = order_to(mk, [(ours.id, 1), (theirs.id, 2)])
    assert sorted((o.supplier_id, o.total_fen) for o in made) == sorted(
        [(mk.supplier.member_id, ours.price_fen), (dan.member_id, 2 * theirs.price_fen)])
    assert len({o.number for o in made}) == 2
    created = events_of(uow, "b2b.order_created")
    assert len(created) == 2 and all(e.task_code == "B2B006" and e.data["to_state"] == m.CREATED for e in created)


@pytest.mark.parametrize(("changes", "code"), [
    ({"delivery_date": "yesterday"}, "b2b.bad_date"),
    ({"delivery_date": "2001-01-01"}, "b2b.delivery_date_past"),
    ({"delivery_date": "today"}, "b2b.delivery_date_past"),
    ({"delivery_date": "next-year"}, "b2b.delivery_date_too_far"),
    ({"delivery_date": None}, "input.required"),
    ({"payment_method": "barter"}, "b2b.bad_payment_method"),
    ({"cart_line_ids": []}, "input.required"),
    ({"cart_line_ids": [99_999]}, "b2b.cart_line_gone"),
    ({"delivery_address": "x" * 201}, "input.too_long"),
])
def test_bad_orders_are_refused_and_change_nothing(mk, changes, code):
    product = mk.products()[0]
    line = cart.add_to_cart(mk.uow, mk.buyer.actor, mk.buyer.token, product_id=product.id, quantity=1)
    fields = dict(cart_line_ids=[line.id], payment_method="online", delivery_date=tomorrow(5))
    named = {"today": utcnow().date(), "next-year": tomorrow(366), "yesterday": "31/12/2025"}
    fields.update({k: named.get(v, v) if isinstance(v, str) else v for k, v in changes.items()})
    with changes_nothing(mk.uow), refused(code):
        orders.create_orders(mk.uow, mk.buyer.actor, mk.buyer.token, **fields)


def test_edge_dates_are_accepted(mk):
    product = mk.products()[0]
    for days in (1, 365):
        line = cart.add_to_cart(mk.uow, mk.buyer.actor, mk.buyer.token, product_id=product.id, quantity=1)
        (order,) = orders.create_orders(mk.uow, mk.buyer.actor, mk.buyer.token, cart_line_ids=[line.id],
                                        payment_method="on_delivery", delivery_date=tomorrow(days).isoformat())
        assert order.delivery_date == tomorrow(days)


def test_ordering_more_than_is_left_refuses_the_whole_request(mk, uow):
    buyer, supplier = mk.buyer, mk.supplier
    first, second = mk.products()[:2]
    a = cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=first.id, quantity=1)
    b = cart.add_to_cart(uow, buyer.actor, buyer.token, product_id=second.id, quantity=3)
    catalogue.update_product(uow, supplier.actor, supplier.token, second.id, available=2)  # sold elsewhere meanwhile
    with changes_nothing(uow), refused("b2b.more_than_available", available=2):
        orders.create_orders(uow, buyer.actor, buyer.token, cart_line_ids=[a.id, b.id], payment_method="online",
                             delivery_date=tomorrow())
    assert available(uow, first.id) == first.available  # the first line's reservation was rolled back
    with uow.read() as s:
        assert len(cart.cart(s, buyer.actor, buyer.token)) == 2


def test_cart_lines_of_another_buyer_or_already_ordered_are_refused(mk, uow):
    product = mk.products()[0]
    line = cart.add_to_cart(uow, mk.buyer.actor, mk.buyer.token, product_id=product.id, quantity=1)
    eve = trader(uow, mk.room, "eve", "buyer")
    with changes_nothing(uow), refused("b2b.not_yours"):
        orders.create_orders(uow, eve.actor, eve.token, cart_line_ids=[line.id], payment_method="online",
                             delivery_date=tomorrow())
    with changes_nothing(uow), refused("b2b.wrong_member_type"):
        orders.create_orders(uow, mk.supplier.actor, mk.supplier.token, cart_line_ids=[line.id],
                             payment_method="online", delivery_date=tomorrow())
    orders.create_orders(uow, mk.buyer.actor, mk.buyer.token, cart_line_ids=[line.id], payment_method="online",
                         delivery_date=tomorrow())
    with changes_nothing(uow), refused("b2b.cart_line_gone"):
        orders.create_orders(uow, mk.buyer.actor, mk.buyer.token, cart_line_ids=[line.id], payment_method="online",
                             delivery_date=tomorrow())


def test_the_order_moves_only_along_its_machine_by_its_parties(mk, uow):
    buyer, supplier = mk.buyer, mk.supplier
    (order,) = order_to(mk, [(mk.products()[0].id, 2)])
    with changes_nothing(uow), refused("b2b.bad_transition"):  # confirming an order not yet accepted
        orders.confirm(uow, buyer.actor, buyer.token, order.id)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):  # the buyer cannot accept
        orders.accept(uow, buyer.actor, buyer.token, order.id)
    dan = trader(uow, mk.room, "dan", "supplier")
    with changes_nothing(uow), refused("b2b.not_yours"):  # another company's order
        orders.accept(uow, dan.actor, dan.token, order.id)
    with changes_nothing(uow), refused("b2b.bad_transition"):  # a delivery order before confirmation
        orders.create_delivery_order(uow, supplier.actor, supplier.token, order.id, provider_id=mk.provider_id)
    orders.accept(uow, supplier.actor, supplier.token, order.id)
    with changes_nothing(uow), refused("b2b.bad_transition"):
        orders.accept(uow, supplier.actor, supplier.token, order.id)
    with changes_nothing(uow), refused("b2b.bad_transition"):  # too late to reject
        orders.reject(uow, supplier.actor, supplier.token, order.id, reason="out of stock")
    eve = trader(uow, mk.room, "eve", "buyer")
    with changes_nothing(uow), refused("b2b.not_yours"):
        orders.confirm(uow, eve.actor, eve.token, order.id)
    with uow.read() as s, refused("b2b.not_yours"):
        orders.order_detail(s, eve.actor, eve.token, order.id)
    orders.confirm(uow, buyer.actor, buyer.token, order.id)
    with changes_nothing(uow), refused("b2b.bad_transition"):
        orders.confirm(uow, buyer.actor, buyer.token, order.id)
    with changes_nothing(uow), refused("b2b.no_such_order"):
        orders.confirm(uow, buyer.actor, buyer.token, order.id + 1000)


def test_a_rejected_order_gives_its_units_back(mk, uow):
    product = mk.products()[0]
    (order,) = order_to(mk, [(product.id, 3)])
    assert available(uow, product.id) == product.available - 3
    with changes_nothing(uow), refused("input.required", field="b2b.reject_reason"):
        orders.reject(uow, mk.supplier.actor, mk.supplier.token, order.id, reason=" ")
    rejected = orders.reject(uow, mk.supplier.actor, mk.supplier.token, order.id, reason="缺货 out of stock")
    assert rejected.state == m.REJECTED and available(uow, product.id) == product.available
    with changes_nothing(uow), refused("b2b.bad_transition"):
        orders.accept(uow, mk.supplier.actor, mk.supplier.token, order.id)
    with changes_nothing(uow), refused("b2b.bad_transition"):
        orders.confirm(uow, mk.buyer.actor, mk.buyer.token, order.id)


def test_a_delivery_order_goes_only_to_a_provider_that_approved_the_supplier(mk, uow):
    (order,) = order_to(mk, [(mk.products()[0].id, 1)])
    orders.accept(uow, mk.supplier.actor, mk.supplier.token, order.id)
    orders.confirm(uow, mk.buyer.actor, mk.buyer.token, order.id)
    gus = factories.student(uow, mk.room, "gus")
    pending = approved_provider(uow, mk.room.id, mk.supplier.member_id, gus, name="Slow Freight", state="applied")
    dan = trader(uow, mk.room, "dan", "supplier")
    hal = factories.student(uow, mk.room, "hal")
    elsewhere = approved_provider(uow, mk.room.id, dan.member_id, hal, name="Other Freight")  # approved Dan only
    for provider_id in (pending, elsewhere, 10_000, "x"):
        with changes_nothing(uow), refused("b2b.provider_not_approved", field="b2b.provider"):
            orders.create_delivery_order(uow, mk.supplier.actor, mk.supplier.token, order.id, provider_id=provider_id)
    with changes_nothing(uow), refused("b2b.not_yours"):
        orders.create_delivery_order(uow, dan.actor, dan.token, order.id, provider_id=elsewhere)
    with changes_nothing(uow), refused("b2b.wrong_member_type"):
        orders.create_delivery_order(uow, mk.buyer.actor, mk.buyer.token, order.id, provider_id=mk.provider_id)
    orders.create_delivery_order(uow, mk.supplier.actor, mk.supplier.token, order.id, provider_id=mk.provider_id)
    with changes_nothing(uow), refused("b2b.bad_transition"):  # one delivery order per order
        orders.create_delivery_order(uow, mk.supplier.actor, mk.supplier.token, order.id, provider_id=mk.provider_id)
    assert len(fetch(uow, select(DeliveryOrder))) == 1


def test_order_lists_show_each_member_its_own_orders(mk, uow):
    (order,) = order_to(mk, [(mk.products()[0].id, 1)])
    eve = trader(uow, mk.room, "eve", "buyer")
    with uow.read() as s:
        (mine,) = orders.orders_for(s, mk.buyer.actor, mk.buyer.token)
        assert (mine.id, mine.side, mine.partner_id) == (order.id, m.BUYER, mk.supplier.member_id)
        (theirs,) = orders.orders_for(s, mk.supplier.actor, mk.supplier.token, state=m.CREATED)
        assert (theirs.side, theirs.partner_name) == (m.SUPPLIER, f"{mk.buyer.login_name} Trading Co.")
        assert orders.orders_for(s, mk.supplier.actor, mk.supplier.token, state=m.CONFIRMED) == []
        assert orders.sales_orders(s, mk.supplier.actor, mk.supplier.token) == []  # not confirmed yet
        assert orders.orders_for(s, eve.actor, eve.token) == []
        assert reports.order_report(s, eve.actor, eve.token) == []
        assert reports.totals_by_state(reports.order_report(s, mk.supplier.actor, mk.supplier.token)) == {
            m.CREATED: (1, order.total_fen)}
    assert len(fetch(uow, select(Order))) == 1
