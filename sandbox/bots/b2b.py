"""Golden and wrong runs of the 25 B2B tasks (B2B001, B2B003–B2B011, B2B013–B2B015, B2B017,
B2B022–B2B032).

Golden runs act as the student through the B2B, logistics and bank services, like a person at
the pages "B2B 采购商 / buyer" and "B2B 供应商 / supplier"; wrong runs make a plausible mistake
the task's check must not credit (a refused input, stopping half way, the counterpart or a bot
doing it instead, another company's document). Refused attempts raise DomainError and change
nothing, so the runs swallow them.

Who plays the other side: the student plays both companies when they registered both (the
golden B2B001 registers a buyer and a supplier). A document of the student's buyer goes to the
student's own supplier when there is one, else to the class's bot supplier; a step that is the
counterpart's (the supplier accepting the student buyer's order, the buyer opening a
negotiation on the student supplier's quote, …) is done by the student's own other company
when it is the party, else by the bots (:func:`sandbox.bots.b2b_partners.react`). Logistics
prerequisites (LGS021/LGS022/LGS003/LGS002) are the student's supplier applying to the bot
provider "沙盒物流 Sandbox Logistics", which approves, receives and accepts.

A golden run may assume the golden runs of its ``requires`` closure ran for the student (shared
``world.scratch``); whatever else it needs it finds or makes itself, so each passes on its own.
Remembered in ``world.scratch``: ``b2b-reg:<user>:<type>`` (registration: member, certificate
number and download password, as copied from the screen) and ``b2b-token:<user>:<type>`` (the
page's B2B session token).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from sandbox.actor import Actor
from sandbox.b2b import accounts, catalogue, contracts, inquiries, members, negotiation, orders, settlement, shipping
from sandbox.b2b import models as m
from sandbox.b2b import transfers as b2b_transfers
from sandbox.b2b.cart import add_to_cart, cart
from sandbox.b2b.models import BUYER, SUPPLIER
from sandbox.bots import BotWorld, b2b_partners, expect_refusal, golden, new_request_id, wrong
from sandbox.bots.b2b_partners import BUYER_TERMS, SUPPLIER_TERMS, Partners, delivery_day, quote_prices
from sandbox.errors import DomainError
from sandbox.logistics import delivery, inbound, stock
from sandbox.logistics import models as lm

PASSWORD = "trade-pass-2026"  # noqa: S105  (the member password a scripted student chooses)
WRONG_PASSWORD = "not-the-password"  # noqa: S105
UNITS = 3  # units per cart line
SHIP_UNITS = 30  # units per product of a shipment (B2B011)
TRANSFER_UNITS = 5
NO_SUCH_ID = 987_654_321
INQUIRY_NOTE = "请报最优价格，并说明供货周期。\nPlease quote your best price and the lead time."
ADDRESS = "北京市海淀区中关村大街1号 1 Zhongguancun St, Haidian, Beijing"


@dataclass(frozen=True)
class Held:
    """What B2B001 showed once: the member and its certificate's number and download password."""

    member_id: int
    member_type: str
    login_name: str
    certificate_id: int
    certificate_number: str
    download_password: str


@dataclass(frozen=True)
class Trader:
    """A live B2B workspace session of one of the student's members (as a page holds it)."""

    actor: Actor
    token: str
    member_id: int
    member_type: str
    certificate_id: int


# ----------------------------------------------------------------------------- the student's companies


def _member(world: BotWorld, member_type: str) -> members.MemberInfo | None:
    with world.uow.read() as s:
        found = [x for x in members.my_members(s, world.student) if x.member_type == member_type]
    return found[0] if found else None


def _login_name(actor: Actor, member_type: str, attempt: int) -> str:
    base = re.sub(r"[^\w.\-]", "", actor.username)[:18] or f"user{actor.user_id}"
    name = f"{base}-{member_type}"
    return name if attempt == 0 else f"{name}-{actor.user_id}-{attempt}"


def register_member(world: BotWorld, member_type: str) -> Held:
    """B2B001 as the student: register a buyer (采购商) or supplier (供应商) company."""
    actor = world.student
    who = actor.full_name or actor.username
    company = f"{who} {'采购' if member_type == BUYER else '工贸'}有限公司 ({member_type})"[:100]
    for attempt in range(5):
        try:
            reg = members.register(
                world.uow, actor, member_type=member_type, login_name=_login_name(actor, member_type, attempt),
                password=PASSWORD, password_confirm=PASSWORD, company_name=company, contact_name=who[:50],
                phone="010-62751234", address=ADDRESS, postcode="100080", request_id=new_request_id(),
            )
            break
        except DomainError as err:
            if err.code != "b2b.login_name_taken" or attempt == 4:
                raise
    assert reg.download_password is not None
    held = Held(reg.member.id, member_type, reg.member.login_name, reg.certificate_id, reg.certificate_number,
                reg.download_password)
    world.scratch[f"b2b-reg:{actor.user_id}:{member_type}"] = held
    return held


def ensure_member(world: BotWorld, member_type: str) -> members.MemberInfo:
    """The student's member of ``member_type`` (registered now, B2B001, if missing)."""
    found = _member(world, member_type)
    if found is None:
        register_member(world, member_type)
        found = _member(world, member_type)
    assert found is not None
    return found


def install(world: BotWorld, info: members.MemberInfo) -> None:
    """The member's certificate installed in the student's store (CA002 + CA003 with the number
    and download password B2B001 showed), as the student does before logging in."""
    assert info.certificate_id is not None
    if b2b_partners.certificate_installed(world.uow, world.class_id, info.certificate_id):
        return
    held = world.scratch.get(f"b2b-reg:{world.student.user_id}:{info.member_type}")
    if isinstance(held, Held) and held.certificate_id == info.certificate_id:
        b2b_partners.install_certificate(world.uow, world.student, held.certificate_id, held.certificate_number,
                                         held.download_password)
    else:  # the password is lost: the CA officer gives a new one
        b2b_partners.reinstall_certificate(world.uow, world.student, world.class_id, info.certificate_id)


def session(world: BotWorld, member_type: str, *, fresh: bool = False) -> Trader:
    """A live workspace session of the student's member (B2B003/B2B004 done now if needed)."""
    actor = world.student
    info = ensure_member(world, member_type)
    assert info.certificate_id is not None
    key = f"b2b-token:{actor.user_id}:{member_type}"
    token = world.scratch.get(key)
    live = isinstance(token, str) and members.current(world.uow, actor, token) is not None
    if fresh or not live:
        install(world, info)
        token = b2b_partners.login_member(world.uow, actor, member_type, PASSWORD)
        world.scratch[key] = token
    assert isinstance(token, str)
    return Trader(actor, token, info.id, member_type, info.certificate_id)


def _own(world: BotWorld, member_type: str) -> Trader | None:
    """The student's session of ``member_type`` if they have such a company, else None (a bot plays it)."""
    return session(world, member_type) if _member(world, member_type) is not None else None


def partners(world: BotWorld) -> Partners:
    return b2b_partners.ensure_partners(world.uow, world.class_id)


def bots_react(world: BotWorld) -> list[str]:
    """The bot counterparts do their pending work (as after every action on a page)."""
    return b2b_partners.react(world.uow, world.class_id)


# ----------------------------------------------------------------------------- goods and orders


def seller_id(world: BotWorld) -> int:
    """Where the student's buyer shops: their own supplier if they have one, else the bot supplier."""
    own = _member(world, SUPPLIER)
    return own.id if own is not None else partners(world).supplier_member_id


def fill_cart(world: BotWorld, buyer: Trader, supplier_member_id: int, lines: int = 2) -> list[int]:
    """B2B005: browse the supplier's goods and put ``lines`` of them in the cart; the cart line ids."""
    with world.uow.read() as s:
        offered = [x for x in catalogue.browse(s, buyer.actor, buyer.token, supplier_id=supplier_member_id)
                   if x.available >= UNITS * 4]
    if not offered:
        raise DomainError("b2b.bots_nothing_to_buy")
    return [
        add_to_cart(world.uow, buyer.actor, buyer.token, product_id=x.id, quantity=UNITS,
                    request_id=new_request_id()).id
        for x in sorted(offered, key=lambda x: x.id)[:lines]
    ]


def _open_lines(world: BotWorld, buyer: Trader, supplier_member_id: int | None = None) -> list[int]:
    with world.uow.read() as s:
        return [x.id for x in cart(s, buyer.actor, buyer.token)
                if supplier_member_id is None or x.supplier_id == supplier_member_id]


def order_from(world: BotWorld, buyer: Trader, supplier_member_id: int) -> int:
    """B2B005 + B2B006: the student's buyer orders goods of the supplier; the order id."""
    lines = _open_lines(world, buyer, supplier_member_id) or fill_cart(world, buyer, supplier_member_id)
    made = orders.create_orders(
        world.uow, buyer.actor, buyer.token, cart_line_ids=lines, payment_method="transfer",
        delivery_date=delivery_day(), delivery_address=ADDRESS, note="请按期交货 Please deliver on time",
        request_id=new_request_id(),
    )
    return next(o.id for o in made if o.supplier_id == supplier_member_id)


def _orders(world: BotWorld, trader: Trader, state: str | None = None) -> list[orders.OrderSummary]:
    """The member's orders on its own side (oldest first)."""
    with world.uow.read() as s:
        found = orders.orders_for(s, trader.actor, trader.token, state=state)
    return [o for o in reversed(found) if o.side == trader.member_type]


def order_for_supplier(world: BotWorld, supplier: Trader) -> int:
    """An order to the student's supplier in state created: found, or made by the counterpart
    buyer (the student's own buyer if they have one, else the bot buyer)."""
    found = _orders(world, supplier, m.CREATED)
    if found:
        return found[-1].id
    buyer = _own(world, BUYER)
    if buyer is not None:
        return order_from(world, buyer, supplier.member_id)
    number = b2b_partners.invite_buyer(world.uow, supplier.actor, supplier.token, what="order")
    return next(o.id for o in _orders(world, supplier, m.CREATED) if o.number == number)


def supplier_accepts(world: BotWorld, order_id: int, supplier_member_id: int) -> None:
    """The order's supplier accepts it: the student's own supplier, or the bot supplier."""
    own = _own(world, SUPPLIER)
    if own is not None and own.member_id == supplier_member_id:
        orders.accept(world.uow, own.actor, own.token, order_id, request_id=new_request_id())
    else:
        bots_react(world)


def buyer_confirms(world: BotWorld, order_id: int, buyer_member_id: int) -> None:
    """The order's buyer confirms it: the student's own buyer, or the bot buyer."""
    own = _own(world, BUYER)
    if own is not None and own.member_id == buyer_member_id:
        orders.confirm(world.uow, own.actor, own.token, order_id, request_id=new_request_id())
    else:
        bots_react(world)


def accepted_order_of_buyer(world: BotWorld, buyer: Trader) -> int:
    """An order of the student's buyer the supplier accepted (made and accepted now if needed)."""
    found = _orders(world, buyer, m.ACCEPTED)
    if found:
        return found[-1].id
    created = _orders(world, buyer, m.CREATED)
    order = created[-1] if created else None
    order_id = order.id if order is not None else order_from(world, buyer, seller_id(world))
    supplier = order.partner_id if order is not None else seller_id(world)
    supplier_accepts(world, order_id, supplier)
    return order_id


def confirmed_order_of_buyer(world: BotWorld, buyer: Trader) -> orders.OrderSummary:
    """An order of the student's buyer that is confirmed with its settlement open (B2B009 done
    now if needed)."""
    for o in reversed(_orders(world, buyer)):
        if o.settlement_state == m.OPEN and o.state in orders.SALES_STATES:
            return o
    order_id = accepted_order_of_buyer(world, buyer)
    orders.confirm(world.uow, buyer.actor, buyer.token, order_id, request_id=new_request_id())
    return next(o for o in _orders(world, buyer) if o.id == order_id)


def confirmed_order_of_supplier(world: BotWorld, supplier: Trader, *, exactly: bool = True) -> orders.OrderSummary:
    """An order to the student's supplier the buyer confirmed (``exactly``: still confirmed, so a
    delivery order can be made); the missing steps are done now by whoever plays each side."""
    with world.uow.read() as s:
        sales = orders.sales_orders(s, supplier.actor, supplier.token)  # newest first
    for o in sales:
        if o.state == m.CONFIRMED or not exactly:
            return o
    accepted = _orders(world, supplier, m.ACCEPTED)
    if accepted:
        order_id, buyer_id = accepted[-1].id, accepted[-1].partner_id
    else:
        order_id = order_for_supplier(world, supplier)
        orders.accept(world.uow, supplier.actor, supplier.token, order_id, request_id=new_request_id())
        buyer_id = next(o.partner_id for o in _orders(world, supplier) if o.id == order_id)
    buyer_confirms(world, order_id, buyer_id)
    return next(o for o in _orders(world, supplier) if o.id == order_id)


# ----------------------------------------------------------------------------- logistics


def approved(world: BotWorld, supplier: Trader) -> Partners:
    """LGS021 by the student's supplier to the bot provider, which approves (LGS022)."""
    bots = partners(world)
    b2b_partners.apply_for_service(world.uow, supplier.actor, supplier.token, bots)
    return bots


def _levels(world: BotWorld, supplier: Trader, provider_id: int) -> list[stock.LevelView]:
    with world.uow.read() as s:
        return [x for x in stock.levels(s, owner_id=supplier.member_id, provider_id=provider_id) if x.quantity > 0]


def _receive_pending(world: BotWorld, supplier: Trader, bots: Partners) -> None:
    """The bot provider receives the student's shipments waiting at its warehouses (LGS003)."""
    with world.uow.read() as s:
        waiting = [x for x in inbound.inbound_for_provider(s, bots.provider, state=lm.PENDING)
                   if x.supplier_id == supplier.member_id]
    for row in waiting:
        inbound.receive(world.uow, bots.provider, row.id, request_id=new_request_id())


def stocked(world: BotWorld, supplier: Trader) -> tuple[Partners, list[stock.LevelView]]:
    """The student's supplier holds goods in a bot warehouse: shipped (B2B011) and received
    (LGS003) now if needed."""
    bots = approved(world, supplier)
    if not _levels(world, supplier, bots.provider_id):
        _receive_pending(world, supplier, bots)
    if not _levels(world, supplier, bots.provider_id):
        b2b_partners.stock_up(world.uow, supplier.actor, supplier.token, bots, _shipment_lines(world, supplier))
    return bots, _levels(world, supplier, bots.provider_id)


def _shipment_lines(world: BotWorld, supplier: Trader) -> dict[int, int]:
    with world.uow.read() as s:
        goods = [x for x in catalogue.my_products(s, supplier.actor, supplier.token) if x.active]
    return {x.id: SHIP_UNITS for x in sorted(goods, key=lambda x: x.id)[:2]}


def make_transfer(world: BotWorld, supplier: Trader) -> int:
    """B2B013: a transfer order of goods the supplier holds to the provider's other warehouse."""
    bots, held = stocked(world, supplier)
    level = max(held, key=lambda x: x.quantity)
    target = next(w for w in bots.warehouse_ids if w != level.warehouse_id)
    assert level.warehouse_id is not None
    return b2b_transfers.create_transfer(
        world.uow, supplier.actor, supplier.token, from_warehouse_id=level.warehouse_id, to_warehouse_id=target,
        lines={level.product_id: min(level.quantity, TRANSFER_UNITS)}, note="调往上海中转仓 To the Shanghai hub",
        request_id=new_request_id(),
    ).id


def delivery_ordered(world: BotWorld, supplier: Trader) -> tuple[Partners, int]:
    """B2B010: a delivery order of the student's supplier to the bot provider (made now if none);
    (partners, order id)."""
    bots = approved(world, supplier)
    with world.uow.read() as s:
        sales = orders.sales_orders(s, supplier.actor, supplier.token)
    for o in sales:
        if o.state == m.DELIVERY_ORDERED:
            return bots, o.id
    order = confirmed_order_of_supplier(world, supplier)
    orders.create_delivery_order(world.uow, supplier.actor, supplier.token, order.id, provider_id=bots.provider_id,
                                 request_id=new_request_id())
    return bots, order.id


def delivery_fee(world: BotWorld, supplier: Trader) -> int:
    """A delivery fee the bot provider charged the student's supplier (LGS002): the provider
    accepts a delivery order of theirs after the goods for it were shipped in; its provider id."""
    with world.uow.read() as s:
        owed = accounts.logistics_payables_summary(s, supplier.actor, supplier.token)
    if owed:
        return owed[0].partner_id
    bots, order_id = delivery_ordered(world, supplier)
    with world.uow.read() as s:
        detail = orders.order_detail(s, supplier.actor, supplier.token, order_id)
    needs: dict[int, int] = {}
    for line in detail.order.lines:
        needs[line.product_id] = needs.get(line.product_id, 0) + line.quantity
    b2b_partners.stock_up(world.uow, supplier.actor, supplier.token, bots, needs)
    assert detail.delivery is not None
    delivery.accept_delivery_order(world.uow, bots.provider, detail.delivery.id, request_id=new_request_id())
    return bots.provider_id


# ----------------------------------------------------------------------------- inquiries, negotiation


def _inquiries(world: BotWorld, trader: Trader, state: str) -> list[inquiries.InquiryView]:
    with world.uow.read() as s:
        return list(reversed(inquiries.inquiries_for(s, trader.actor, trader.token, state=state)))


def ask(world: BotWorld, buyer: Trader, supplier_member_id: int) -> int:
    """B2B005 + B2B007: the student's buyer sends the supplier an inquiry; its id."""
    lines = _open_lines(world, buyer, supplier_member_id) or fill_cart(world, buyer, supplier_member_id)
    made = inquiries.create_inquiries(world.uow, buyer.actor, buyer.token, cart_line_ids=lines, note=INQUIRY_NOTE,
                                      request_id=new_request_id())
    return next(i.id for i in made if i.supplier_id == supplier_member_id)


def inquiry_for_supplier(world: BotWorld, supplier: Trader) -> inquiries.InquiryView:
    """An inquiry (询价) to the student's supplier: found, or sent by the counterpart buyer."""
    found = _inquiries(world, supplier, m.INQUIRY)
    if not found:
        buyer = _own(world, BUYER)
        if buyer is not None:
            ask(world, buyer, supplier.member_id)
        else:
            b2b_partners.invite_buyer(world.uow, supplier.actor, supplier.token, what="inquiry")
        found = _inquiries(world, supplier, m.INQUIRY)
    return found[-1]


def quote(world: BotWorld, supplier: Trader, inquiry: inquiries.InquiryView) -> None:
    """B2B022: the student's supplier quotes every line (list price less 5%)."""
    inquiries.quote(world.uow, supplier.actor, supplier.token, inquiry.id, prices=quote_prices(inquiry),
                    quote_note="含税价，30天内有效 Tax included, valid for 30 days", request_id=new_request_id())


def quoted_inquiry_of_buyer(world: BotWorld, buyer: Trader) -> int:
    """A quoted (报价) inquiry of the student's buyer: found, or asked now and quoted by the supplier
    (the student's own supplier, or the bot)."""
    found = _inquiries(world, buyer, m.QUOTED)
    if found:
        return found[-1].id
    asked = _inquiries(world, buyer, m.INQUIRY)
    inquiry_id = asked[-1].id if asked else ask(world, buyer, seller_id(world))
    with world.uow.read() as s:
        view = inquiries.inquiry_detail(s, buyer.actor, buyer.token, inquiry_id)
    own = _own(world, SUPPLIER)
    if own is not None and own.member_id == view.supplier_id:
        with world.uow.read() as s:
            quote(world, own, inquiries.inquiry_detail(s, own.actor, own.token, inquiry_id))
    else:
        bots_react(world)
    return inquiry_id


def _forms(world: BotWorld, trader: Trader) -> list[negotiation.NegotiationView]:
    """The member's negotiation forms still open (not 双方同意), oldest first."""
    with world.uow.read() as s:
        found = negotiation.negotiations_for(s, trader.actor, trader.token)
    return [f for f in reversed(found) if f.state != m.BOTH_AGREED]


def _form(world: BotWorld, trader: Trader, form_id: int) -> negotiation.NegotiationView:
    with world.uow.read() as s:
        return negotiation.negotiation_detail(s, trader.actor, trader.token, form_id)


def open_form(world: BotWorld, buyer: Trader) -> int:
    """B2B023: the student's buyer opens a negotiation form on a quoted inquiry; the bot supplier,
    if it is the counterpart, writes its terms and agrees at once (as after the page's action)."""
    inquiry_id = quoted_inquiry_of_buyer(world, buyer)
    form = negotiation.open_negotiation(world.uow, buyer.actor, buyer.token, inquiry_id, request_id=new_request_id())
    own_supplier = _member(world, SUPPLIER)
    if own_supplier is None or form.supplier_id != own_supplier.id:
        bots_react(world)
    return form.id


def form_of_buyer(world: BotWorld, buyer: Trader) -> negotiation.NegotiationView:
    """An open negotiation form of the student's buyer (B2B023 done now if none)."""
    found = _forms(world, buyer)
    return found[-1] if found else _form(world, buyer, open_form(world, buyer))


def form_of_supplier(world: BotWorld, supplier: Trader) -> negotiation.NegotiationView:
    """An open negotiation form of the student's supplier: found, or made now — the counterpart
    buyer asks, the student's supplier quotes (B2B022), the buyer opens the form (the student's
    own buyer, or the bot buyer, which also writes its terms)."""
    found = _forms(world, supplier)
    if found:
        return found[-1]
    inquiry = inquiry_for_supplier(world, supplier)
    quote(world, supplier, inquiry)
    buyer = _own(world, BUYER)
    if buyer is not None and buyer.member_id == inquiry.buyer_id:
        negotiation.open_negotiation(world.uow, buyer.actor, buyer.token, inquiry.id, request_id=new_request_id())
    else:
        bots_react(world)
    return _forms(world, supplier)[-1]


def write_terms(world: BotWorld, trader: Trader, form_id: int) -> negotiation.NegotiationView:
    """B2B024 (supplier) / B2B025 (buyer): the contract terms and a message in the room."""
    terms = SUPPLIER_TERMS if trader.member_type == SUPPLIER else BUYER_TERMS
    return negotiation.submit_entry(world.uow, trader.actor, trader.token, form_id, request_id=new_request_id(),
                                    **terms)


def agree(world: BotWorld, trader: Trader, form_id: int) -> None:
    """B2B026 / B2B027: agree to the form as shown (terms written first if there are none)."""
    form = _form(world, trader, form_id)
    if form.terms is None:
        form = write_terms(world, trader, form_id)
    negotiation.agree(world.uow, trader.actor, trader.token, form_id, version=form.version,
                      request_id=new_request_id())


def _form_for(world: BotWorld, trader: Trader) -> negotiation.NegotiationView:
    return form_of_supplier(world, trader) if trader.member_type == SUPPLIER else form_of_buyer(world, trader)


def both_agree(world: BotWorld, trader: Trader, form_id: int) -> int:
    """Drive a form of the student's member to 双方同意 (the supplier side first, then the buyer;
    each by the student's own company when it is the party, else the bots); the contract id."""
    for _ in range(3):
        form = _form(world, trader, form_id)
        if form.state == m.BOTH_AGREED:
            break
        for side, agreed, party in ((SUPPLIER, form.supplier_agreed, form.supplier_id),
                                    (BUYER, form.buyer_agreed, form.buyer_id)):
            if agreed:
                continue
            own = _own(world, side)
            if own is not None and own.member_id == party:
                agree(world, own, form_id)
            else:
                bots_react(world)
            break
    form = _form(world, trader, form_id)
    if form.contract_id is None:
        raise DomainError("b2b.contract_not_found")
    return form.contract_id


def contract_for(world: BotWorld, trader: Trader) -> int:
    """A contract of the student's member that this side has not signed yet (negotiated to
    双方同意 now if there is none)."""
    with world.uow.read() as s:
        found = contracts.contracts_for(s, trader.actor, trader.token)
    side = trader.member_type
    for c in reversed(found):
        if (c.buyer_signed_at if side == BUYER else c.supplier_signed_at) is None:
            return c.id
    return both_agree(world, trader, _form_for(world, trader).id)


def sign(world: BotWorld, trader: Trader, contract_id: int) -> None:
    """B2B028 / B2B029: sign with the member's installed certificate."""
    contracts.sign(world.uow, trader.actor, trader.token, contract_id, certificate_id=trader.certificate_id,
                   request_id=new_request_id())


# ----------------------------------------------------------------------------- settlement


def supplier_bank(world: BotWorld, supplier_member_id: int) -> None:
    """The order's supplier has a linked corporate account: when it is the student's own
    company, the student opens a second corporate account (EBANK001) for it and links it."""
    from sandbox.bots.ebank import LOGIN_PASSWORD, PAY_PASSWORD, ensure_corporate
    from sandbox.ebank import services as bank
    from sandbox.ebank.models import CORPORATE

    own = _own(world, SUPPLIER)
    if own is None or own.member_id != supplier_member_id:
        return  # the bot supplier linked its account when it was made
    current = members.current(world.uow, own.actor, own.token)
    if current is not None and current.bank_account_id is not None:
        return
    paying = ensure_corporate(world, world.student)  # the buyer company's account stays the first one
    actor = world.student
    with world.uow.read() as s:
        others = [a for a in bank.my_accounts(s, actor) if a.kind == CORPORATE and a.account_number
                  != paying.account_number]
    if others:
        number = others[0].account_number
    else:
        who = actor.full_name or actor.username
        number = bank.register_corporate(
            world.uow, actor, agree=True, company_name=f"{who} 工贸有限公司 (supplier)"[:100],
            licence_number=f"92{actor.user_id:016d}", address=ADDRESS, contact_name=who[:50], phone="010-62751234",
            login_password=LOGIN_PASSWORD, login_password_confirm=LOGIN_PASSWORD, payment_password=PAY_PASSWORD,
            payment_password_confirm=PAY_PASSWORD, request_id=new_request_id(),
        ).account.account_number
    members.link_bank_account(world.uow, own.actor, own.token, bank_account_number=number,
                              request_id=new_request_id())


def _paying_card(world: BotWorld, amount_fen: int) -> str:
    """The student's first corporate account (EBANK001/EBANK004), funded for ``amount_fen``."""
    from sandbox.bots.ebank import corporate_session, ensure_corporate, ensure_funds
    from sandbox.ebank.models import CORPORATE

    reg = ensure_corporate(world, world.student)
    ensure_funds(world, world.student, CORPORATE, amount_fen, corporate_session(world, world.student))
    return reg.account_number


# ----------------------------------------------------------------------------- B2B001 / B2B003 / B2B004


@golden("B2B001")
def b2b001(world: BotWorld) -> None:
    for kind in (BUYER, SUPPLIER):
        ensure_member(world, kind)


@wrong("B2B001")
def b2b001_wrong(world: BotWorld) -> None:
    """The form is refused three times (no member type, a phone of letters, passwords that
    differ); then the bot companies register instead."""
    fields = dict(login_name=_login_name(world.student, BUYER, 0), password=PASSWORD, password_confirm=PASSWORD,
                  company_name="Wrong Way Trading", contact_name="Li", phone="010-62751234", address=ADDRESS)
    for change in ({"member_type": "vendor"}, {"member_type": BUYER, "phone": "call me"},
                   {"member_type": SUPPLIER, "password_confirm": PASSWORD + "x"}):
        expect_refusal(lambda change=change: members.register(world.uow, world.student, **{**fields, **change}))
    partners(world)


def _login_wrong(world: BotWorld, member_type: str) -> None:
    """A wrong password, then the other company's member name on this login form (refused); the
    student then logs in as the other company instead."""
    other = SUPPLIER if member_type == BUYER else BUYER
    mine, theirs = ensure_member(world, member_type), ensure_member(world, other)
    install(world, mine)
    install(world, theirs)
    for name, password in ((mine.login_name, WRONG_PASSWORD), (theirs.login_name, PASSWORD)):
        challenge = members.login_challenge(world.uow, world.student)
        expect_refusal(lambda name=name, password=password, challenge=challenge: members.login(
            world.uow, world.student, member_type=member_type, login_name=name, password=password,
            challenge_id=challenge.id, certificate_id=mine.certificate_id))
    session(world, other, fresh=True)


@golden("B2B003")
def b2b003(world: BotWorld) -> None:
    session(world, BUYER, fresh=True)


@wrong("B2B003")
def b2b003_wrong(world: BotWorld) -> None:
    _login_wrong(world, BUYER)


@golden("B2B004")
def b2b004(world: BotWorld) -> None:
    session(world, SUPPLIER, fresh=True)


@wrong("B2B004")
def b2b004_wrong(world: BotWorld) -> None:
    _login_wrong(world, SUPPLIER)


# ----------------------------------------------------------------------------- B2B005–B2B007


@golden("B2B005")
def b2b005(world: BotWorld) -> None:
    fill_cart(world, session(world, BUYER), seller_id(world))


@wrong("B2B005")
def b2b005_wrong(world: BotWorld) -> None:
    """No units, more units than offered, a product that does not exist (all refused); the bot
    buyer fills its own cart."""
    buyer = session(world, BUYER)
    with world.uow.read() as s:
        product = catalogue.browse(s, buyer.actor, buyer.token, supplier_id=seller_id(world))[0]
    for product_id, quantity in ((product.id, 0), (product.id, product.available + 1), (NO_SUCH_ID, 1)):
        expect_refusal(lambda product_id=product_id, quantity=quantity: add_to_cart(
            world.uow, buyer.actor, buyer.token, product_id=product_id, quantity=quantity))
    bots = partners(world)
    add_to_cart(world.uow, bots.buyer, b2b_partners.member_token(world.uow, bots.buyer, BUYER), product_id=product.id,
                quantity=1, request_id=new_request_id())


@golden("B2B006")
def b2b006(world: BotWorld) -> None:
    buyer = session(world, BUYER)
    lines = _open_lines(world, buyer) or fill_cart(world, buyer, seller_id(world))
    orders.create_orders(world.uow, buyer.actor, buyer.token, cart_line_ids=lines, payment_method="transfer",
                         delivery_date=delivery_day(), delivery_address=ADDRESS, request_id=new_request_id())


@wrong("B2B006")
def b2b006_wrong(world: BotWorld) -> None:
    """A delivery date in the past, a payment method not on the list, no goods selected (all
    refused): the goods stay in the cart."""
    buyer = session(world, BUYER)
    lines = _open_lines(world, buyer) or fill_cart(world, buyer, seller_id(world))
    for selected, method, day in ((lines, "transfer", "2001-01-01"), (lines, "cash", delivery_day()),
                                  ([], "transfer", delivery_day())):
        expect_refusal(lambda selected=selected, method=method, day=day: orders.create_orders(
            world.uow, buyer.actor, buyer.token, cart_line_ids=selected, payment_method=method, delivery_date=day))


@golden("B2B007")
def b2b007(world: BotWorld) -> None:
    buyer = session(world, BUYER)
    lines = _open_lines(world, buyer) or fill_cart(world, buyer, seller_id(world))  # B2B006 may have used them
    inquiries.create_inquiries(world.uow, buyer.actor, buyer.token, cart_line_ids=lines, note=INQUIRY_NOTE,
                               request_id=new_request_id())


@wrong("B2B007")
def b2b007_wrong(world: BotWorld) -> None:
    """An inquiry without a note and one without goods (refused); the bot buyer sends the
    student's supplier an inquiry instead."""
    buyer = session(world, BUYER)
    lines = _open_lines(world, buyer) or fill_cart(world, buyer, seller_id(world))
    for selected, note in ((lines, "   "), ([], INQUIRY_NOTE)):
        expect_refusal(lambda selected=selected, note=note: inquiries.create_inquiries(
            world.uow, buyer.actor, buyer.token, cart_line_ids=selected, note=note))
    supplier = _own(world, SUPPLIER)
    if supplier is not None:
        b2b_partners.invite_buyer(world.uow, supplier.actor, supplier.token, what="inquiry")


# ----------------------------------------------------------------------------- B2B008–B2B010


@golden("B2B008")
def b2b008(world: BotWorld) -> None:
    supplier = session(world, SUPPLIER)
    orders.accept(world.uow, supplier.actor, supplier.token, order_for_supplier(world, supplier),
                  request_id=new_request_id())


@wrong("B2B008")
def b2b008_wrong(world: BotWorld) -> None:
    """The supplier rejects the order instead of accepting it, then tries to accept the rejected
    order (refused) and an order that is not addressed to it (refused)."""
    supplier = session(world, SUPPLIER)
    order_id = order_for_supplier(world, supplier)
    orders.reject(world.uow, supplier.actor, supplier.token, order_id, reason="暂时缺货 Out of stock",
                  request_id=new_request_id())
    expect_refusal(lambda: orders.accept(world.uow, supplier.actor, supplier.token, order_id))
    expect_refusal(lambda: orders.accept(world.uow, supplier.actor, supplier.token, NO_SUCH_ID))


@golden("B2B009")
def b2b009(world: BotWorld) -> None:
    buyer = session(world, BUYER)
    orders.confirm(world.uow, buyer.actor, buyer.token, accepted_order_of_buyer(world, buyer),
                   request_id=new_request_id())


@wrong("B2B009")
def b2b009_wrong(world: BotWorld) -> None:
    """The buyer confirms its order before the supplier accepted it (refused), and stops there."""
    buyer = session(world, BUYER)
    created = _orders(world, buyer, m.CREATED)
    order_id = created[-1].id if created else order_from(world, buyer, seller_id(world))
    expect_refusal(lambda: orders.confirm(world.uow, buyer.actor, buyer.token, order_id))


@golden("B2B010")
def b2b010(world: BotWorld) -> None:
    supplier = session(world, SUPPLIER)
    bots = approved(world, supplier)
    order = confirmed_order_of_supplier(world, supplier)
    orders.create_delivery_order(world.uow, supplier.actor, supplier.token, order.id, provider_id=bots.provider_id,
                                 request_id=new_request_id())


@wrong("B2B010")
def b2b010_wrong(world: BotWorld) -> None:
    """The supplier sends the delivery order to a logistics provider it never applied to, and to
    a provider that does not exist (both refused)."""
    supplier = session(world, SUPPLIER)
    bots = partners(world)
    order = confirmed_order_of_supplier(world, supplier)
    for provider_id in (bots.provider_id, NO_SUCH_ID):
        expect_refusal(lambda provider_id=provider_id: orders.create_delivery_order(
            world.uow, supplier.actor, supplier.token, order.id, provider_id=provider_id))


# ----------------------------------------------------------------------------- B2B011, B2B013–B2B015


@golden("B2B011")
def b2b011(world: BotWorld) -> None:
    supplier = session(world, SUPPLIER)
    bots = approved(world, supplier)
    draft = shipping.new_shipment(world.uow, supplier.actor, supplier.token, lines=_shipment_lines(world, supplier),
                                  note="首批入库 First stock", request_id=new_request_id())
    shipping.confirm_shipment(world.uow, supplier.actor, supplier.token, draft.id, provider_id=bots.provider_id,
                              warehouse_id=bots.warehouse_ids[0], request_id=new_request_id())


@wrong("B2B011")
def b2b011_wrong(world: BotWorld) -> None:
    """The supplier composes a shipment but sends it to a provider that has not approved it
    (refused): the shipment stays a draft."""
    supplier = session(world, SUPPLIER)
    bots = partners(world)
    draft = shipping.new_shipment(world.uow, supplier.actor, supplier.token, lines=_shipment_lines(world, supplier),
                                  request_id=new_request_id())
    expect_refusal(lambda: shipping.confirm_shipment(world.uow, supplier.actor, supplier.token, draft.id,
                                                     provider_id=bots.provider_id, warehouse_id=bots.warehouse_ids[0]))


@golden("B2B013")
def b2b013(world: BotWorld) -> None:
    make_transfer(world, session(world, SUPPLIER))


@wrong("B2B013")
def b2b013_wrong(world: BotWorld) -> None:
    """A transfer of far more than the warehouse holds, and one into the same warehouse (both
    refused)."""
    supplier = session(world, SUPPLIER)
    bots = approved(world, supplier)
    product = next(iter(_shipment_lines(world, supplier)))
    first, second = bots.warehouse_ids[:2]
    for source, target, units in ((first, second, 99_999), (first, first, 1)):
        expect_refusal(lambda source=source, target=target, units=units: b2b_transfers.create_transfer(
            world.uow, supplier.actor, supplier.token, from_warehouse_id=source, to_warehouse_id=target,
            lines={product: units}))


def _a_transfer(world: BotWorld, supplier: Trader) -> int:
    with world.uow.read() as s:
        found = b2b_transfers.transfers_of(s, supplier.actor, supplier.token)
    return found[0].id if found else make_transfer(world, supplier)


@golden("B2B014")
def b2b014(world: BotWorld) -> None:
    supplier = session(world, SUPPLIER)
    b2b_transfers.view_transfer(world.uow, supplier.actor, supplier.token, _a_transfer(world, supplier))


@wrong("B2B014")
def b2b014_wrong(world: BotWorld) -> None:
    """The detail of a transfer order that does not exist (refused); the list is searched instead."""
    supplier = session(world, SUPPLIER)
    _a_transfer(world, supplier)
    expect_refusal(lambda: b2b_transfers.view_transfer(world.uow, supplier.actor, supplier.token, NO_SUCH_ID))
    b2b_transfers.search_transfers(world.uow, supplier.actor, supplier.token)


@golden("B2B015")
def b2b015(world: BotWorld) -> None:
    supplier = session(world, SUPPLIER)
    _a_transfer(world, supplier)
    b2b_transfers.search_transfers(world.uow, supplier.actor, supplier.token, state=lm.TRANSFER_CREATED)
    b2b_transfers.search_transfers(world.uow, supplier.actor, supplier.token)


@wrong("B2B015")
def b2b015_wrong(world: BotWorld) -> None:
    """A number that matches nothing, dates the wrong way round (refused); then only a detail view."""
    supplier = session(world, SUPPLIER)
    transfer_id = _a_transfer(world, supplier)
    b2b_transfers.search_transfers(world.uow, supplier.actor, supplier.token, number="NOPE-0000")
    expect_refusal(lambda: b2b_transfers.search_transfers(world.uow, supplier.actor, supplier.token,
                                                          date_from="2026-02-01", date_to="2026-01-01"))
    b2b_transfers.view_transfer(world.uow, supplier.actor, supplier.token, transfer_id)


# ----------------------------------------------------------------------------- B2B017


@golden("B2B017")
def b2b017(world: BotWorld) -> None:
    from sandbox.bots.ebank import PAY_PASSWORD

    buyer = session(world, BUYER)
    order = confirmed_order_of_buyer(world, buyer)
    supplier_bank(world, order.partner_id)
    card = _paying_card(world, order.total_fen)
    accounts.payable_details_query(world.uow, buyer.actor, buyer.token, order.partner_id)
    settlement.settle(world.uow, buyer.actor, buyer.token, order.id, card_number=card, payment_password=PAY_PASSWORD,
                      request_id=new_request_id())


@wrong("B2B017")
def b2b017_wrong(world: BotWorld) -> None:
    """The buyer opens the payables, settles before the supplier has a bank account (refused),
    then types a wrong payment password (refused): the order stays unsettled."""
    from sandbox.bots.ebank import WRONG_PAY_PASSWORD

    buyer = session(world, BUYER)
    order = confirmed_order_of_buyer(world, buyer)
    card = _paying_card(world, order.total_fen)
    accounts.payable_details_query(world.uow, buyer.actor, buyer.token, order.partner_id)
    expect_refusal(lambda: settlement.settle(world.uow, buyer.actor, buyer.token, order.id, card_number=card,
                                             payment_password=WRONG_PAY_PASSWORD))
    supplier_bank(world, order.partner_id)
    expect_refusal(lambda: settlement.settle(world.uow, buyer.actor, buyer.token, order.id, card_number=card,
                                             payment_password=WRONG_PAY_PASSWORD))


# ----------------------------------------------------------------------------- B2B022–B2B029


@golden("B2B022")
def b2b022(world: BotWorld) -> None:
    supplier = session(world, SUPPLIER)
    quote(world, supplier, inquiry_for_supplier(world, supplier))


@wrong("B2B022")
def b2b022_wrong(world: BotWorld) -> None:
    """A quote of zero yuan, and a quote that leaves lines without a price (both refused)."""
    supplier = session(world, SUPPLIER)
    inquiry = inquiry_for_supplier(world, supplier)
    first = inquiry.lines[0].id
    for prices in ({line.id: "0" for line in inquiry.lines}, {first: "9.90"} if len(inquiry.lines) > 1 else {}):
        expect_refusal(lambda prices=prices: inquiries.quote(world.uow, supplier.actor, supplier.token, inquiry.id,
                                                             prices=prices))


@golden("B2B023")
def b2b023(world: BotWorld) -> None:
    open_form(world, session(world, BUYER))


@wrong("B2B023")
def b2b023_wrong(world: BotWorld) -> None:
    """The buyer asks again and opens a negotiation form on the new inquiry before it is quoted
    (refused)."""
    buyer = session(world, BUYER)
    inquiry_id = ask(world, buyer, seller_id(world))
    expect_refusal(lambda: negotiation.open_negotiation(world.uow, buyer.actor, buyer.token, inquiry_id))


@golden("B2B024")
def b2b024(world: BotWorld) -> None:
    supplier = session(world, SUPPLIER)
    write_terms(world, supplier, form_of_supplier(world, supplier).id)


@wrong("B2B024")
def b2b024_wrong(world: BotWorld) -> None:
    """Half the contract terms (refused), then only a chat message without terms."""
    supplier = session(world, SUPPLIER)
    form = form_of_supplier(world, supplier)
    expect_refusal(lambda: negotiation.submit_entry(world.uow, supplier.actor, supplier.token, form.id,
                                                    quality=SUPPLIER_TERMS["quality"],
                                                    inspection=SUPPLIER_TERMS["inspection"]))
    negotiation.submit_entry(world.uow, supplier.actor, supplier.token, form.id, message="价格可以再谈 Price negotiable",
                             request_id=new_request_id())


@golden("B2B025")
def b2b025(world: BotWorld) -> None:
    buyer = session(world, BUYER)
    write_terms(world, buyer, form_of_buyer(world, buyer).id)


@wrong("B2B025")
def b2b025_wrong(world: BotWorld) -> None:
    """An empty entry (refused); the student's supplier company writes in the room instead."""
    buyer = session(world, BUYER)
    form = form_of_buyer(world, buyer)
    expect_refusal(lambda: negotiation.submit_entry(world.uow, buyer.actor, buyer.token, form.id, message="  "))
    supplier = _own(world, SUPPLIER)
    if supplier is not None and supplier.member_id == form.supplier_id:
        write_terms(world, supplier, form.id)


def _agree_golden(world: BotWorld, member_type: str) -> None:
    trader = session(world, member_type)
    found = [f for f in _forms(world, trader) if not (f.supplier_agreed if member_type == SUPPLIER
                                                       else f.buyer_agreed)]
    form = found[-1] if found else _form_for(world, trader)
    if (form.supplier_agreed if member_type == SUPPLIER else form.buyer_agreed):
        write_terms(world, trader, form.id)  # agreed before: new content withdraws it, then agree again
    agree(world, trader, form.id)


def _agree_wrong(world: BotWorld, member_type: str) -> None:
    """The member writes its terms, then clicks "Agree" on the page it read before (a stale
    version: refused), and leaves it there."""
    trader = session(world, member_type)
    form = _form_for(world, trader)
    before = form.version
    write_terms(world, trader, form.id)
    expect_refusal(lambda: negotiation.agree(world.uow, trader.actor, trader.token, form.id, version=before))


@golden("B2B026")
def b2b026(world: BotWorld) -> None:
    _agree_golden(world, SUPPLIER)


@wrong("B2B026")
def b2b026_wrong(world: BotWorld) -> None:
    _agree_wrong(world, SUPPLIER)


@golden("B2B027")
def b2b027(world: BotWorld) -> None:
    _agree_golden(world, BUYER)


@wrong("B2B027")
def b2b027_wrong(world: BotWorld) -> None:
    _agree_wrong(world, BUYER)


def _sign_wrong(world: BotWorld, member_type: str) -> None:
    """Signing without choosing a certificate, and with the other company's certificate (both
    refused); the other company signs instead."""
    trader = session(world, member_type)
    contract_id = contract_for(world, trader)
    expect_refusal(lambda: contracts.sign(world.uow, trader.actor, trader.token, contract_id))
    other = _own(world, SUPPLIER if member_type == BUYER else BUYER)
    if other is not None:
        expect_refusal(lambda: contracts.sign(world.uow, trader.actor, trader.token, contract_id,
                                              certificate_id=other.certificate_id))
        with world.uow.read() as s:
            mine = {c.id for c in contracts.contracts_for(s, other.actor, other.token)}
        if contract_id in mine:
            expect_refusal(lambda: sign(world, other, contract_id))
    else:
        bots_react(world)


@golden("B2B028")
def b2b028(world: BotWorld) -> None:
    buyer = session(world, BUYER)
    sign(world, buyer, contract_for(world, buyer))


@wrong("B2B028")
def b2b028_wrong(world: BotWorld) -> None:
    _sign_wrong(world, BUYER)


@golden("B2B029")
def b2b029(world: BotWorld) -> None:
    supplier = session(world, SUPPLIER)
    sign(world, supplier, contract_for(world, supplier))


@wrong("B2B029")
def b2b029_wrong(world: BotWorld) -> None:
    _sign_wrong(world, SUPPLIER)


# ----------------------------------------------------------------------------- B2B030–B2B032


@golden("B2B030")
def b2b030(world: BotWorld) -> None:
    supplier = session(world, SUPPLIER)
    order = confirmed_order_of_supplier(world, supplier, exactly=False)
    with world.uow.read() as s:
        accounts.receivables_summary(s, supplier.actor, supplier.token)
    accounts.receivable_details(world.uow, supplier.actor, supplier.token, order.partner_id)


@wrong("B2B030")
def b2b030_wrong(world: BotWorld) -> None:
    """The receivable details of a buyer that never ordered from the supplier (empty), and of
    nobody (refused)."""
    supplier = session(world, SUPPLIER)
    with world.uow.read() as s:
        buyers = {o.partner_id for o in orders.orders_for(s, supplier.actor, supplier.token)}
    stranger = partners(world).buyer_member_id
    accounts.receivable_details(world.uow, supplier.actor, supplier.token,
                                stranger if stranger not in buyers else NO_SUCH_ID)
    expect_refusal(lambda: accounts.receivable_details(world.uow, supplier.actor, supplier.token, "somebody"))


@golden("B2B031")
def b2b031(world: BotWorld) -> None:
    supplier = session(world, SUPPLIER)
    provider_id = delivery_fee(world, supplier)
    accounts.logistics_payable_details(world.uow, supplier.actor, supplier.token, provider_id)


@wrong("B2B031")
def b2b031_wrong(world: BotWorld) -> None:
    """The payables of the provider before it accepted the delivery order (no fee yet), and of a
    provider that does not exist."""
    supplier = session(world, SUPPLIER)
    bots = partners(world)
    for provider_id in (bots.provider_id, NO_SUCH_ID):
        accounts.logistics_payable_details(world.uow, supplier.actor, supplier.token, provider_id)


@golden("B2B032")
def b2b032(world: BotWorld) -> None:
    buyer = session(world, BUYER)
    order = confirmed_order_of_buyer(world, buyer)
    with world.uow.read() as s:
        accounts.payables_summary(s, buyer.actor, buyer.token)
    accounts.payable_details_query(world.uow, buyer.actor, buyer.token, order.partner_id)


@wrong("B2B032")
def b2b032_wrong(world: BotWorld) -> None:
    """The payable details of a supplier the buyer has no confirmed order with (empty), and of
    nobody (refused)."""
    buyer = session(world, BUYER)
    with world.uow.read() as s:
        sellers = {o.partner_id for o in orders.orders_for(s, buyer.actor, buyer.token) if o.settlement_state}
    stranger = partners(world).supplier_member_id
    accounts.payable_details_query(world.uow, buyer.actor, buyer.token,
                                   stranger if stranger not in sellers else NO_SUCH_ID)
    expect_refusal(lambda: accounts.payable_details_query(world.uow, buyer.actor, buyer.token, "somebody"))
