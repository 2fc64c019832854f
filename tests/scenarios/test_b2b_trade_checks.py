"""The B2B trade check kinds (B2B001, B2B003–B2B006, B2B008–B2B010, B2B017, B2B030–B2B032): the
student who did the task passes; a classmate, a bot, seeded rows, a task stopped half way or
done by the wrong person do not."""

from __future__ import annotations

import pytest
from sqlalchemy import select, update

import sandbox.b2b.checks  # noqa: F401  (registers the B2B trade check kinds)
from sandbox.b2b import accounts, cart, orders, settlement
from sandbox.b2b import models as m
from sandbox.b2b.checks import TASK_CHECKS
from sandbox.b2b.models import Order, OrderLine
from sandbox.bots import ensure_bot
from sandbox.bots.ebank import PAY_PASSWORD
from sandbox.db import utcnow
from sandbox.ebank import gateway
from sandbox.ebank.models import Payment
from sandbox.email import services as mail
from sandbox.email.models import Message
from sandbox.identity.models import Membership
from sandbox.logistics.models import DeliveryOrder, ServiceApplication
from sandbox.scenarios.checks import REGISTRY
from tests import factories
from tests.b2b_setup import trader
from tests.integration.helpers import refused
from tests.integration.test_b2b_accounts import book_fee
from tests.integration.test_b2b_trade import Market, approved_provider, corporate_account, fund, market, order_to
from tests.scenarios.helpers import grade_kind

CODES = sorted(TASK_CHECKS)



@pytest.fixture
def mk(uow) -> Market:
    return market(uow)


def passers(mk: Market, code: str, students: list[int] | None = None) -> set[int]:
    kind, params = TASK_CHECKS[code]
    found = grade_kind(mk.uow, mk.room.id, students or everyone(mk), kind, params)
    return {uid for uid, outcome in found.items() if outcome.passed}


def everyone(mk: Market) -> list[int]:
    with mk.uow.read() as s:
        return list(s.scalars(select(Membership.user_id).where(Membership.class_id == mk.room.id,
                                                              Membership.role == "student")))


def ann(mk: Market) -> int:
    return mk.buyer.actor.user_id


def bob(mk: Market) -> int:
    return mk.supplier.actor.user_id


def golden_chain(mk: Market) -> orders.OrderView:
    """Ann (buyer) and Bob (supplier) do every trade task, settlement and queries included."""
    uow, buyer, supplier = mk.uow, mk.buyer, mk.supplier
    (order,) = order_to(mk, [(mk.products()[0].id, 2)])
    orders.accept(uow, supplier.actor, supplier.token, order.id)
    orders.confirm(uow, buyer.actor, buyer.token, order.id)
    delivery = orders.create_delivery_order(uow, supplier.actor, supplier.token, order.id, provider_id=mk.provider_id)
    book_fee(uow, delivery.id, 5_400)
    settlement.settle(uow, buyer.actor, buyer.token, order.id, card_number=mk.buyer_card, payment_password=PAY_PASSWORD)
    accounts.receivable_details(uow, supplier.actor, supplier.token, buyer.member_id)
    accounts.logistics_payable_details(uow, supplier.actor, supplier.token, mk.provider_id)
    accounts.payable_details_query(uow, buyer.actor, buyer.token, supplier.member_id)
    return order


EXPECTED_GOLDEN = {
    "B2B001": "both", "B2B003": "ann", "B2B004": "bob", "B2B005": "ann", "B2B006": "ann", "B2B008": "bob",
    "B2B009": "ann", "B2B010": "bob", "B2B017": "ann", "B2B030": "bob", "B2B031": "bob", "B2B032": "ann",
}


def test_every_trade_task_has_a_registered_kind_with_allowed_params():
    for code, (kind, params) in TASK_CHECKS.items():
        _fn, allowed = REGISTRY[kind]
        assert set(params) <= allowed, code


def test_the_golden_chain_credits_exactly_the_student_who_did_each_task(mk):
    golden_chain(mk)
    who = {"ann": {ann(mk)}, "bob": {bob(mk)}, "both": {ann(mk), bob(mk)}}
    got = {code: passers(mk, code) for code in CODES}
    assert got == {code: who[EXPECTED_GOLDEN[code]] for code in CODES}
    # grading one student alone gives the same answer as grading the class
    assert passers(mk, "B2B017", [ann(mk)]) == {ann(mk)} and passers(mk, "B2B017", [bob(mk)]) == set()


def test_nothing_passes_before_anything_is_done(mk):
    for code in CODES:
        if code not in ("B2B001", "B2B003", "B2B004"):
            assert passers(mk, code) == set(), code


def test_registration_by_member_type_and_the_certificate_mail(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    kim = factories.student(uow, room, "kim")
    mail.register_mailbox(uow, kim, local_part="kim", full_name="Kim", password="mail-pass-1",
                          password_confirm="mail-pass-1")
    buyer = trader(uow, room, "kim", "buyer", actor=kim)
    kinds = {t: grade_kind(uow, room.id, [kim.user_id], "b2b.member_registered", {"member_type": t}) for t in
             ("buyer", "supplier")}
    assert kinds["buyer"][kim.user_id].evidence["mailed_to"] == "kim@sandbox.test"
    assert kim.user_id not in kinds["supplier"]
    with uow.write() as s:  # the mail no longer quotes the certificate number: not graded as sent
        s.execute(update(Message).where(Message.system_kind == "ca.certificate_issued").values(body="lost"))
    assert grade_kind(uow, room.id, [kim.user_id], "b2b.member_registered", {}) == {}
    assert buyer.member_id


def test_a_task_stopped_half_way_or_refused_earns_nothing(mk):
    uow = mk.uow
    (waiting,) = order_to(mk, [(mk.products()[0].id, 1)])  # never accepted
    (rejected,) = order_to(mk, [(mk.products()[1].id, 1)])
    orders.reject(uow, mk.supplier.actor, mk.supplier.token, rejected.id, reason="no")
    assert passers(mk, "B2B006") == {ann(mk)}
    for code in ("B2B008", "B2B009", "B2B010", "B2B017", "B2B030", "B2B032"):
        assert passers(mk, code) == set(), code
    accounts.receivable_details(uow, mk.supplier.actor, mk.supplier.token, mk.buyer.member_id)  # nothing confirmed
    accounts.payable_details_query(uow, mk.buyer.actor, mk.buyer.token, mk.supplier.member_id)
    assert passers(mk, "B2B030") == set() and passers(mk, "B2B032") == set()
    orders.accept(uow, mk.supplier.actor, mk.supplier.token, waiting.id)
    assert passers(mk, "B2B008") == {bob(mk)} and passers(mk, "B2B009") == set()


def test_a_classmate_paying_the_order_does_not_settle_it_for_the_buyer(mk):
    uow = mk.uow
    (order,) = order_to(mk, [(mk.products()[0].id, 1)])
    orders.accept(uow, mk.supplier.actor, mk.supplier.token, order.id)
    orders.confirm(uow, mk.buyer.actor, mk.buyer.token, order.id)
    with refused("ebank.wrong_payment_password"):  # the buyer gets as far as the cashier and gives up
        settlement.settle(uow, mk.buyer.actor, mk.buyer.token, order.id, card_number=mk.buyer_card,
                          payment_password="000000")
    dave = factories.student(uow, mk.room, "dave")
    card = corporate_account(mk.world, dave)
    fund(mk.world, dave)
    with uow.read() as s:
        payment_id = s.scalar(select(Payment.id))
    gateway.pay(uow, dave, payment_id=payment_id, card_number=card, payment_password=PAY_PASSWORD)
    with uow.read() as s:
        assert s.get(Order, order.id).settlement_state == m.SETTLED  # the supplier got its money
    assert passers(mk, "B2B017") == set()


def test_bots_and_another_students_members_earn_the_student_nothing(mk):
    uow = mk.uow
    bot = ensure_bot(uow, mk.room.id, f"bot-{mk.room.id}-buyer", "Bot Buyer")
    robo = trader(uow, mk.room, "robo", "buyer", actor=bot)
    (order,) = order_to(mk, [(mk.products()[0].id, 1)], buyer=robo)  # a bot buys from Bob
    orders.accept(uow, mk.supplier.actor, mk.supplier.token, order.id)
    orders.confirm(uow, robo.actor, robo.token, order.id)
    assert passers(mk, "B2B005") == set() and passers(mk, "B2B006") == set() and passers(mk, "B2B009") == set()
    assert passers(mk, "B2B008") == {bob(mk)}  # Bob's own accept counts for Bob, whoever the buyer is
    accounts.receivable_details(uow, mk.supplier.actor, mk.supplier.token, robo.member_id)
    assert passers(mk, "B2B030") == {bob(mk)}
    # Ann's order accepted by a bot supplier: Ann's confirmation counts, the bot's accept counts for nobody
    bot_supplier = trader(uow, mk.room, "robos", "supplier", actor=ensure_bot(uow, mk.room.id, "bot-s", "Bot S"))
    (mine,) = order_to(mk, [(mk.products(bot_supplier)[0].id, 1)])
    orders.accept(uow, bot_supplier.actor, bot_supplier.token, mine.id)
    orders.confirm(uow, mk.buyer.actor, mk.buyer.token, mine.id)
    assert passers(mk, "B2B009") == {ann(mk)} and passers(mk, "B2B008") == {bob(mk)}


def test_seeded_rows_without_the_students_actions_earn_nothing(mk):
    uow = mk.uow
    with uow.write() as s:
        order = Order(class_id=mk.room.id, number="PO-SEEDED", buyer_id=mk.buyer.member_id,
                      supplier_id=mk.supplier.member_id, state=m.DELIVERY_ORDERED, payment_method="online",
                      delivery_date=utcnow().date(), total_fen=100, settlement_state=m.SETTLED,
                      settled_by=ann(mk), confirmed_at=utcnow(), created_at=utcnow())
        s.add(order)
        s.flush()
        s.add(OrderLine(order_id=order.id, product_id=mk.products()[0].id, sku="X", name_zh="甲", name_en="A",
                        quantity=1, unit_price_fen=100, amount_fen=100))
        s.add(DeliveryOrder(class_id=mk.room.id, number="DO-SEEDED", order_id=order.id,
                            supplier_id=mk.supplier.member_id, provider_id=mk.provider_id, consignee_name="x",
                            consignee_address="y"))
    for code in ("B2B005", "B2B006", "B2B008", "B2B009", "B2B010", "B2B017"):
        assert passers(mk, code) == set(), code


def test_a_delivery_order_counts_only_with_the_providers_approval(mk):
    uow = mk.uow
    (order,) = order_to(mk, [(mk.products()[0].id, 1)])
    orders.accept(uow, mk.supplier.actor, mk.supplier.token, order.id)
    orders.confirm(uow, mk.buyer.actor, mk.buyer.token, order.id)
    orders.create_delivery_order(uow, mk.supplier.actor, mk.supplier.token, order.id, provider_id=mk.provider_id)
    assert passers(mk, "B2B010") == {bob(mk)}
    with uow.write() as s:  # the approval was not (or no longer) there
        s.execute(update(ServiceApplication).values(state="rejected"))
    assert passers(mk, "B2B010") == set()


def test_the_logistics_payables_query_needs_the_suppliers_own_fee(mk):
    uow = mk.uow
    accounts.logistics_payable_details(uow, mk.supplier.actor, mk.supplier.token, mk.provider_id)
    assert passers(mk, "B2B031") == set()  # no fee booked yet: an empty result
    dan = trader(uow, mk.room, "dan", "supplier")
    ivy = factories.student(uow, mk.room, "ivy")
    approved_provider(uow, mk.room.id, dan.member_id, ivy, name="Ivy Express")
    (order,) = order_to(mk, [(mk.products()[0].id, 1)])
    orders.accept(uow, mk.supplier.actor, mk.supplier.token, order.id)
    orders.confirm(uow, mk.buyer.actor, mk.buyer.token, order.id)
    delivery = orders.create_delivery_order(uow, mk.supplier.actor, mk.supplier.token, order.id,
                                            provider_id=mk.provider_id)
    book_fee(uow, delivery.id, 5_000)
    accounts.logistics_payable_details(uow, dan.actor, dan.token, mk.provider_id)  # Dan looks at Bob's provider
    assert passers(mk, "B2B031") == set()
    accounts.logistics_payable_details(uow, mk.supplier.actor, mk.supplier.token, mk.provider_id)
    assert passers(mk, "B2B031") == {bob(mk)}


def test_cart_and_login_checks_read_the_members_own_events(mk):
    uow = mk.uow
    product = mk.products()[0]
    line = cart.add_to_cart(uow, mk.buyer.actor, mk.buyer.token, product_id=product.id, quantity=1)
    cart.remove_from_cart(uow, mk.buyer.actor, mk.buyer.token, line.id)
    assert passers(mk, "B2B005") == {ann(mk)}  # the line may since have gone
    # Ann has no supplier member: her buyer login does not pass the supplier login task
    assert passers(mk, "B2B004") == {bob(mk)} and passers(mk, "B2B003") == {ann(mk)}
