"""Self-learner partners of the B2B chain: bot companies that play the counterparts a student
playing one side alone needs (the pages and the B2B golden runs call these).

- :func:`ensure_partners` makes, once per class, a bot logistics provider "沙盒物流 Sandbox
  Logistics" with two warehouses, two vehicles and a linked corporate bank account (its delivery
  fees are paid into it); a bot supplier (registered B2B member with its seeded
  catalogue, certificate installed, linked funded corporate bank account, approved by the bot
  provider, stock shipped and received into the bot's first warehouse); and a bot buyer
  (registered, certificate installed, linked funded corporate bank account). Calling it again is
  cheap (one read) while they exist.
- :func:`react` lets every bot do its pending work once, through the services: the provider
  approves applications, receives inbound orders, confirms transfers, accepts delivery orders
  and carries each one through — outbound (LGS004), an idle vehicle big enough (LGS009), the
  dispatch confirmed (LGS010), delivered (LGS020, so the buyer sees 送货完成);
  the supplier quotes inquiries (list price × 0.95, rounded to 0.10 yuan), writes its terms on a
  new negotiation form and agrees whenever the current text has complete terms it has not agreed
  to, signs contracts, accepts orders, turns confirmed ones into delivery orders and pays its
  open delivery fees through the e-bank (to providers that linked an account); the buyer
  confirms accepted orders, opens a negotiation form on a quoted inquiry and writes its entry,
  agrees after the supplier agreed, signs after the supplier signed and settles confirmed orders
  through the bank (when the supplier linked an account).
- :func:`invite_buyer` has the bot buyer order from (or send an inquiry to) a student's supplier.
- Logistics mode (a self-learner playing chain A's logistics provider, 物流商): the bots know the
  learner's part from the class alone — the class is ``personal`` and the latest
  ``learner.part_chosen`` event recorded in it (:mod:`sandbox.teaching.learner`) has
  ``chain_id`` A and ``part`` logistics — and the learner (that event's actor) owns a provider in
  the class (LGS001); :func:`learner_carrier` reads this on every :func:`react`. Then, besides all
  of the above, the bot supplier applies for the learner's service (LGS021, again after a
  rejection); once approved and while it holds no stock there and has no shipment on the way, it
  ships goods (``LEARNER_LINES`` products, ``LEARNER_SHIP_UNITS`` each, fewer if the warehouse is
  fuller) into the learner's roomiest active warehouse (B2B011, the learner receives it: LGS003);
  its confirmed orders become delivery orders to the learner's provider (B2B010) once a warehouse
  there holds the order's goods (else it ships them first and waits for the receipt). The bot
  buyer trades on its own: when it has no trade in progress with the bot supplier (no open
  inquiry, negotiation, unsigned contract, or order not yet delivered) and the supplier holds goods
  at the learner's, it sends an inquiry for them (at most ``LEARNER_ORDER_UNITS`` of each, B2B007);
  quote, negotiation and signatures follow as above, then it orders the contract's goods
  (``orders.order_from_contract``), confirms and settles. The bot supplier pays the learner's
  delivery fees when the learner's provider linked a bank account. Each trade delivered, the next
  begins. A :func:`react` in this mode runs up to ``LEARNER_PASSES`` passes, so one call carries a
  trade from inquiry to delivery order.

Invariants:
- Bots act only through services, as their own users (role ``bot``), and only on documents
  where their member (or provider) is a party; their actions never earn a student credit.
- One item's DomainError (a document moved meanwhile, a supplier without bank account ...) is
  skipped: :func:`react` never raises for it.
- Bot members log in like everybody (member name, password, installed certificate); their B2B
  and bank session tokens are kept in this process and renewed when they expire.
"""

from __future__ import annotations

import random
import threading
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from sandbox.actor import Actor
from sandbox.b2b import catalogue, contracts, inquiries, members, negotiation, orders, settlement
from sandbox.b2b import models as m
from sandbox.b2b.cart import add_to_cart, cart, remove_from_cart
from sandbox.b2b.models import BUYER, SUPPLIER, Member
from sandbox.bots import ensure_bot, new_request_id
from sandbox.db import utcnow
from sandbox.ebank import services as bank
from sandbox.ebank.models import CORPORATE
from sandbox.errors import DomainError
from sandbox.logistics import (
    applications,
    delivery,
    dispatch,
    fees,
    inbound,
    outbound,
    providers,
    stock,
    transfers,
    vehicles,
    warehouses,
)
from sandbox.logistics import models as lm
from sandbox.logistics.access import provider_or_none
from sandbox.logistics.models import InboundOrder, Provider, Warehouse
from sandbox.logistics.queries import ShipmentView, units_held
from sandbox.uow import UnitOfWork

PROVIDER_BOT = "b2b-logistics"
SUPPLIER_BOT = "b2b-supplier"
BUYER_BOT = "b2b-buyer"
PROVIDER_NAME = "沙盒物流 Sandbox Logistics"
SUPPLIER_COMPANY = "沙盒供应商 Sandbox Supplier Co."
BUYER_COMPANY = "沙盒采购商 Sandbox Buyer Co."
MEMBER_PASSWORD = "bot-trade-pass-1"  # noqa: S105  (a scripted company's known password)
BANK_LOGIN_PASSWORD = "bot-bank-login-1"  # noqa: S105
PAY_PASSWORD = "246810"  # noqa: S105
WAREHOUSES = (
    ("BOT-BJ", "北京中心仓 Beijing central warehouse", "北京市大兴区物流园路1号 1 Logistics Park Rd, Daxing, Beijing"),
    ("BOT-SH", "上海中转仓 Shanghai hub warehouse", "上海市嘉定区物流园路2号 2 Logistics Park Rd, Jiading, Shanghai"),
)
WAREHOUSE_CAPACITY = 1_000_000
VEHICLES = (("BOT-TRUCK-1", "厢式货车 Box truck"), ("BOT-TRUCK-2", "厢式货车 Box truck"))
VEHICLE_CAPACITY = 1_000_000  # the most a vehicle may carry: any order fits
STOCK_UNITS = 300  # units of each product the bot supplier keeps at the bot warehouse
RESTOCK_BELOW = 100  # catalogue units below which the bot supplier offers more
RESTOCK_TO = 500
FUNDS_FEN = 1_000_000_00  # a bot company's bank balance after a top-up (1,000,000 yuan)
FUNDS_BELOW_FEN = 100_000_00
REACT_PASSES = 3
LEARNER_PART = ("A", "logistics")  # (chain, part) of a learner whose provider the bots work with
LEARNER_LINES = 2  # products the bot supplier keeps at the learner's warehouse
LEARNER_SHIP_UNITS = 30  # units of each it ships there (fewer when the warehouse has less room)
LEARNER_ORDER_UNITS = 3  # units of each product the bot buyer asks for and orders in logistics mode
LEARNER_PASSES = 8
SERVICE_TERMS = (
    "沙盒物流为入驻供应商提供仓储、调拨和配送服务；配送费按每单50元加每件2元计收。\n"
    "Sandbox Logistics stores, transfers and delivers goods for approved suppliers; delivery costs "
    "50 yuan per order plus 2 yuan per unit."
)
#: the contract terms bots propose in the negotiation room (B2B024 / B2B025)
SUPPLIER_TERMS = {
    "quality": "符合国家标准及样品要求 Conforms to the national standard and the approved sample",
    "inspection": "到货后7日内按GB/T 2828.1抽样检验 Sampling inspection (GB/T 2828.1) within 7 days of arrival",
    "delivery_place": "采购商仓库（物流商送货上门） The buyer's warehouse, delivered by the logistics provider",
    "payment_terms": "确认订单后网上银行结算 Online bank settlement after the order is confirmed",
    "message": "以上为我方合同条款，请确认。 These are our contract terms; please confirm.",
}
BUYER_TERMS = {
    "quality": "全新正品，符合样品及国家标准 Brand new, genuine, as the sample and the national standard",
    "inspection": "收货时开箱抽检 Open-box sampling inspection on receipt",
    "delivery_place": "采购商注册地址 The buyer's registered address",
    "payment_terms": "网上银行电汇，确认订单后结算 Online bank transfer, settled after order confirmation",
    "message": "我方同意贵方报价，条款如上。 We accept your quote on the terms above.",
}

_LOCK = threading.Lock()
_PARTNERS: dict[tuple[str, int], Partners] = {}
_TOKENS: dict[tuple[str, int, str], str] = {}


@dataclass(frozen=True)
class Partners:
    """The bot counterparts of one class and the ids of what they run."""

    class_id: int
    provider: Actor
    provider_id: int
    warehouse_ids: tuple[int, ...]
    supplier: Actor
    supplier_member_id: int
    supplier_certificate_id: int
    buyer: Actor
    buyer_member_id: int
    buyer_certificate_id: int


@dataclass(frozen=True)
class Carrier:
    """The self-learner's own logistics company the bots work with (logistics mode)."""

    provider_id: int
    owner_id: int
    name: str
    warehouse_ids: tuple[int, ...]  # its active warehouses, oldest first


# ----------------------------------------------------------------------------- shared steps


def bot_actor(uow: UnitOfWork, class_id: int, name: str) -> Actor:
    """The bot user ``name`` of the class (the same user ``BotWorld.partner(name)`` gives)."""
    return ensure_bot(uow, class_id, f"bot-{class_id}-{name}", f"Bot {name}")


def install_certificate(uow: UnitOfWork, actor: Actor, certificate_id: int, number: str, password: str) -> None:
    """Verify (CA002) and download (CA003) one's certificate, installing its key in the sandbox store."""
    from sandbox.ca import services as ca

    ca.verify_download(uow, actor, number=number, password=password, request_id=new_request_id())
    ca.download(uow, actor, certificate_id=certificate_id, password=password, request_id=new_request_id())


def certificate_installed(uow: UnitOfWork, class_id: int, certificate_id: int) -> bool:
    from sandbox.pki import services as pki
    from sandbox.pki.models import DOWNLOADED

    with uow.read() as s:
        return pki.certificate_record(s, class_id, certificate_id).state == DOWNLOADED


def reinstall_certificate(uow: UnitOfWork, actor: Actor, class_id: int, certificate_id: int) -> None:
    """Install a certificate whose download password was lost: the CA gives it a new one (as the
    CA officer would, on request) and the owner verifies and downloads it."""
    from sandbox.pki import services as pki

    with uow.write() as s:
        row = pki.row_by_id(s, class_id, certificate_id)
        number = row.number
        password, _mailed = pki.reset_download_password(s, row, actor=actor)
    install_certificate(uow, actor, certificate_id, number, password)


def login_member(uow: UnitOfWork, actor: Actor, member_type: str, password: str) -> str:
    """Log in as the actor's member of ``member_type`` with its installed certificate (B2B003/B2B004)."""
    with uow.read() as s:
        found = [x for x in members.my_members(s, actor) if x.member_type == member_type]
    if not found or found[0].certificate_id is None:
        raise DomainError("b2b.login_required")
    challenge = members.login_challenge(uow, actor)
    return members.login(
        uow, actor, member_type=member_type, login_name=found[0].login_name, password=password,
        challenge_id=challenge.id, certificate_id=found[0].certificate_id,
    ).token


def apply_for_service(uow: UnitOfWork, actor: Actor, token: str, partners: Partners) -> None:
    """LGS021 by the supplier of ``token`` (its installed certificate) to the bot provider, and
    LGS022 by the provider bot: afterwards the provider has approved the supplier."""
    member = members.current(uow, actor, token)
    if member is None or member.certificate_id is None:
        raise DomainError("b2b.login_required")
    with uow.read() as s:
        mine = [a for a in applications.my_applications(s, actor, token) if a.provider_id == partners.provider_id]
    state = mine[0].state if mine else None
    if state == lm.APPROVED:
        return
    if state != lm.APPLIED:
        _apply(uow, actor, token, member.certificate_id, partners.provider_id)
    with uow.read() as s:
        pending = [a for a in applications.applications_for_provider(s, partners.provider, state=lm.APPLIED)
                   if a.supplier_id == member.id]
    for app in pending:
        applications.decide(uow, partners.provider, app.id, approve=True, note="欢迎入驻 Welcome",
                            request_id=new_request_id())


def _apply(uow: UnitOfWork, actor: Actor, token: str, certificate_id: int, provider_id: int) -> None:
    """LGS021 by the supplier of ``token`` to ``provider_id`` with its installed certificate."""
    challenge = applications.apply_challenge(uow, actor)
    applications.apply(
        uow, actor, token, provider_id=provider_id, accept_terms=True, challenge_id=challenge.id,
        certificate_id=certificate_id, note="申请仓储配送服务 Applying for storage and delivery",
        request_id=new_request_id(),
    )


def _ship(uow: UnitOfWork, actor: Actor, token: str, provider_id: int, warehouse_id: int,
          lines: dict[int, int]) -> ShipmentView:
    """B2B011 by the supplier of ``token``: ``lines`` ({product id: units}) shipped to a warehouse."""
    from sandbox.b2b import shipping

    shipment = shipping.new_shipment(uow, actor, token, lines=lines, note="补货入库 Restocking the warehouse",
                                     request_id=new_request_id()).id
    return shipping.confirm_shipment(uow, actor, token, shipment, provider_id=provider_id, warehouse_id=warehouse_id,
                                     request_id=new_request_id())


def stock_up(
    uow: UnitOfWork, actor: Actor, token: str, partners: Partners, lines: dict[int, int], warehouse_id: int | None = None
) -> int:
    """The supplier of ``token`` ships ``lines`` ({product id: units}) to a bot warehouse (B2B011)
    and the bot provider receives them (LGS003); returns the shipment id."""
    target = warehouse_id if warehouse_id is not None else partners.warehouse_ids[0]
    shipment = _ship(uow, actor, token, partners.provider_id, target, lines).id
    with uow.read() as s:
        pending = [i for i in inbound.inbound_for_provider(s, partners.provider, state=lm.PENDING)
                   if i.shipment_id == shipment]
    for row in pending:
        inbound.receive(uow, partners.provider, row.id, request_id=new_request_id())
    return shipment


def quote_prices(inquiry: inquiries.InquiryView) -> dict[int, str]:
    """The bot price rule: list price × 0.95, rounded to 0.10 yuan (at least 0.10), per line, in yuan."""
    out: dict[int, str] = {}
    for line in inquiry.lines:
        fen = max(10, (line.list_price_fen * 95 + 500) // 1000 * 10)
        out[line.id] = f"{fen // 100}.{fen % 100:02d}"
    return out


def delivery_day() -> str:
    """A delivery date a week ahead (ISO)."""
    return (utcnow().date() + timedelta(days=7)).isoformat()


# ----------------------------------------------------------------------------- bot companies


def _db(uow: UnitOfWork) -> str:
    return str(uow.db.url)


def _register_member(uow: UnitOfWork, actor: Actor, member_type: str, company: str) -> members.MemberInfo:
    """The bot's member of ``member_type`` (B2B001 now if missing), certificate installed."""
    with uow.read() as s:
        found = [x for x in members.my_members(s, actor) if x.member_type == member_type]
    if found:
        info = found[0]
        assert info.certificate_id is not None
        if not certificate_installed(uow, actor.class_id or 0, info.certificate_id):
            reinstall_certificate(uow, actor, actor.class_id or 0, info.certificate_id)
        return info
    for attempt in range(20):
        name = f"bot-{member_type}-{actor.class_id}" + (f"-{attempt}" if attempt else "")
        try:
            reg = members.register(
                uow, actor, member_type=member_type, login_name=name, password=MEMBER_PASSWORD,
                password_confirm=MEMBER_PASSWORD, company_name=company, contact_name="王经理 Manager Wang",
                phone="010-66668888", address="北京市朝阳区建国路88号 88 Jianguo Rd, Chaoyang, Beijing",
                postcode="100022", request_id=new_request_id(),
            )
        except DomainError as err:
            if err.code == "b2b.login_name_taken":
                continue
            if err.code == "b2b.already_registered":  # a concurrent call registered it
                return _register_member(uow, actor, member_type, company)
            raise
        assert reg.download_password is not None
        install_certificate(uow, actor, reg.certificate_id, reg.certificate_number, reg.download_password)
        return reg.member
    raise DomainError("b2b.login_name_taken", field="b2b.login_name", name=f"bot-{member_type}")


def member_token(uow: UnitOfWork, actor: Actor, member_type: str) -> str:
    """A live B2B session token of the bot's member (logs in again when the old one expired)."""
    key = (_db(uow), actor.user_id, member_type)
    token = _TOKENS.get(key)
    if token is not None:
        now = members.current(uow, actor, token)
        if now is not None and now.member_type == member_type:
            return token
    token = login_member(uow, actor, member_type, MEMBER_PASSWORD)
    _TOKENS[key] = token
    return token


def _corporate(uow: UnitOfWork, actor: Actor) -> bank.AccountInfo | None:
    with uow.read() as s:
        found = [a for a in bank.my_accounts(s, actor) if a.kind == CORPORATE]
    return found[0] if found else None


def _bank_account(uow: UnitOfWork, actor: Actor, company: str) -> bank.AccountInfo:
    """The bot's corporate account (EBANK001 now if missing), its certificate installed."""
    from sandbox.pki import services as pki

    account = _corporate(uow, actor)
    if account is None:
        reg = bank.register_corporate(
            uow, actor, agree=True, company_name=company, licence_number=f"91{actor.user_id:016d}",
            address="北京市朝阳区建国路88号", contact_name="王经理", phone="010-66668888",
            login_password=BANK_LOGIN_PASSWORD, login_password_confirm=BANK_LOGIN_PASSWORD,
            payment_password=PAY_PASSWORD, payment_password_confirm=PAY_PASSWORD, request_id=new_request_id(),
        )
        assert reg.download_password is not None
        install_certificate(uow, actor, reg.certificate_id, reg.certificate_number, reg.download_password)
        account = _corporate(uow, actor)
        assert account is not None
        return account
    with uow.read() as s:
        cert_id = pki.certificate_by_number(s, account.class_id, account.certificate_number or "").id
    if not certificate_installed(uow, account.class_id, cert_id):
        reinstall_certificate(uow, actor, account.class_id, cert_id)
    return account


def _bank_token(uow: UnitOfWork, actor: Actor, account: bank.AccountInfo) -> str:
    """A live corporate online-banking session of the bot (EBANK002 with its installed certificate)."""
    from sandbox.pki import services as pki

    key = (_db(uow), actor.user_id, "bank")
    token = _TOKENS.get(key)
    if token is not None and bank.current_login(uow, actor, token) is not None:
        return token
    with uow.read() as s:
        cert_id = pki.certificate_by_number(s, account.class_id, account.certificate_number or "").id
    challenge = bank.login_challenge(uow, actor)
    check = bank.verify_certificate(uow, actor, challenge_id=challenge.id, certificate_id=cert_id)
    token = bank.complete_login(uow, actor, token=check.token, user_number=account.user_number or "",
                                password=BANK_LOGIN_PASSWORD).token
    _TOKENS[key] = token
    return token


def _fund(uow: UnitOfWork, actor: Actor, account: bank.AccountInfo, at_least_fen: int = FUNDS_BELOW_FEN) -> None:
    """Deposit (EBANK004) so the bot's corporate account holds at least ``at_least_fen``."""
    fresh = _corporate(uow, actor) or account
    if fresh.balance_fen >= at_least_fen:
        return
    top = max(FUNDS_FEN, at_least_fen) - fresh.balance_fen
    bank.deposit(uow, actor, kind=CORPORATE, amount=f"{top // 100}.{top % 100:02d}", payment_password=PAY_PASSWORD,
                 session_token=_bank_token(uow, actor, fresh), request_id=new_request_id())


def _linked(uow: UnitOfWork, actor: Actor, member_type: str, company: str) -> None:
    """The bot's member has its funded corporate account linked (for settlement)."""
    account = _bank_account(uow, actor, company)
    _fund(uow, actor, account)
    token = member_token(uow, actor, member_type)
    current = members.current(uow, actor, token)
    if current is not None and current.bank_account_id != account.id:
        members.link_bank_account(uow, actor, token, bank_account_number=account.account_number,
                                  request_id=new_request_id())


def _provider(uow: UnitOfWork, actor: Actor) -> tuple[int, tuple[int, ...]]:
    """The bot provider (LGS001 now if missing) and its two active warehouses (LGS007)."""
    with uow.read() as s:
        row = provider_or_none(s, actor)
        provider_id = row.id if row is not None else None
    if provider_id is None:
        for suffix in ("", " (2)", " (3)", " (4)"):
            try:
                provider_id = providers.register_provider(
                    uow, actor, name=PROVIDER_NAME + suffix, contact_name="赵调度 Dispatcher Zhao",
                    phone="010-60006000", address=WAREHOUSES[0][2], service_terms=SERVICE_TERMS, fee_base="50",
                    fee_per_unit="2", request_id=new_request_id(),
                ).id
                break
            except DomainError as err:
                if err.code == "lgs.already_registered":
                    return _provider(uow, actor)
                if err.code != "lgs.name_taken":
                    raise
        if provider_id is None:
            raise DomainError("lgs.name_taken", field="lgs.name", name=PROVIDER_NAME)
    with uow.read() as s:
        found = warehouses.warehouses_of(s, provider_id)
    codes = {w.code for w in found}
    active = [w.id for w in found if w.active]
    for code, name, address in WAREHOUSES:
        if len(active) >= len(WAREHOUSES):
            break
        if code in codes:
            continue
        try:
            active.append(warehouses.add_warehouse(uow, actor, code=code, name=name, address=address,
                                                   capacity=WAREHOUSE_CAPACITY, request_id=new_request_id()).id)
        except DomainError as err:
            if err.code != "lgs.duplicate_warehouse_code":
                raise
    with uow.read() as s:
        active = [w.id for w in warehouses.warehouses_of(s, provider_id) if w.active]
    return provider_id, tuple(sorted(active))


def _fleet(uow: UnitOfWork, actor: Actor, provider_id: int) -> None:
    """The bot provider's vehicles (LGS012 now for those missing)."""
    with uow.read() as s:
        codes = {v.code for v in vehicles.vehicles_of(s, provider_id)}
    for code, kind in VEHICLES:
        if code in codes:
            continue
        try:
            vehicles.add_vehicle(uow, actor, code=code, kind=kind, capacity_units=VEHICLE_CAPACITY,
                                 note="沙盒物流车队 Sandbox Logistics fleet", request_id=new_request_id())
        except DomainError as err:
            if err.code != "lgs.duplicate_vehicle_code":
                raise


def _receiving_account(uow: UnitOfWork, actor: Actor) -> None:
    """The bot provider's corporate account (EBANK001 now if missing), linked as the account its
    delivery fees are paid into."""
    account = _bank_account(uow, actor, PROVIDER_NAME)
    with uow.read() as s:
        linked = providers.linked_account(s, actor)
    if linked is None or linked.account_id != account.id:
        providers.link_bank_account(uow, actor, bank_account_number=account.account_number,
                                    request_id=new_request_id())


def _still_there(uow: UnitOfWork, p: Partners) -> bool:
    with uow.read() as s:
        provider = s.scalar(select(Provider.owner_id).where(Provider.id == p.provider_id, Provider.class_id == p.class_id))
        held = dict(s.execute(
            select(Member.id, Member.owner_id).where(
                Member.id.in_([p.supplier_member_id, p.buyer_member_id]), Member.class_id == p.class_id
            )
        ).all())
        rooms = s.scalar(select(func.count(Warehouse.id)).where(
            Warehouse.id.in_(p.warehouse_ids), Warehouse.provider_id == p.provider_id, Warehouse.active.is_(True)
        ))
    return (
        provider == p.provider.user_id and held.get(p.supplier_member_id) == p.supplier.user_id
        and held.get(p.buyer_member_id) == p.buyer.user_id and rooms == len(p.warehouse_ids) >= 2
    )


def ensure_partners(uow: UnitOfWork, class_id: int) -> Partners:
    """The class's bot provider, supplier and buyer, made (idempotently) on first use; see the
    module docstring for what each has. Cheap when they exist."""
    key = (_db(uow), class_id)
    found = _PARTNERS.get(key)
    if found is not None and _still_there(uow, found):
        return found
    with _LOCK:
        found = _PARTNERS.get(key)
        if found is not None and _still_there(uow, found):
            return found
        made = _build(uow, class_id)
        _PARTNERS[key] = made
        return made


def _build(uow: UnitOfWork, class_id: int) -> Partners:
    carrier = bot_actor(uow, class_id, PROVIDER_BOT)
    provider_id, rooms = _provider(uow, carrier)
    _fleet(uow, carrier, provider_id)
    _receiving_account(uow, carrier)
    seller = bot_actor(uow, class_id, SUPPLIER_BOT)
    supplier = _register_member(uow, seller, SUPPLIER, SUPPLIER_COMPANY)
    shopper = bot_actor(uow, class_id, BUYER_BOT)
    buyer = _register_member(uow, shopper, BUYER, BUYER_COMPANY)
    assert supplier.certificate_id is not None and buyer.certificate_id is not None
    made = Partners(class_id, carrier, provider_id, rooms, seller, supplier.id, supplier.certificate_id, shopper,
                    buyer.id, buyer.certificate_id)
    _linked(uow, seller, SUPPLIER, SUPPLIER_COMPANY)
    _linked(uow, shopper, BUYER, BUYER_COMPANY)
    token = member_token(uow, seller, SUPPLIER)
    apply_for_service(uow, seller, token, made)
    with uow.read() as s:
        held = stock.levels(s, owner_id=supplier.id, provider_id=provider_id)
        goods = [p for p in catalogue.my_products(s, seller, token) if p.active]
    if not held and goods:
        stock_up(uow, seller, token, made, {p.id: STOCK_UNITS for p in goods})
    return made


# ----------------------------------------------------------------------------- react


class _Log:
    """What the bots did in one :func:`react` call (short language-neutral descriptions)."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.done: list[str] = []

    @property
    def full(self) -> bool:
        return len(self.done) >= self.limit

    def attempt(self, label: str, action: Callable[[], object]) -> bool:
        """Run one bot action; a DomainError skips it (the document moved meanwhile, ...)."""
        if self.full:
            return False
        try:
            action()
        except DomainError:
            return False
        self.done.append(label)
        return True

    def attempt_as(self, what: str, action: Callable[[], str]) -> bool:
        """Like :meth:`attempt` for an action that names its document: logged as ``what:<doc>``."""
        if self.full:
            return False
        try:
            doc = action()
        except DomainError:
            return False
        self.done.append(f"{what}:{doc}")
        return True


def learner_carrier(uow: UnitOfWork, class_id: int) -> Carrier | None:
    """The learner's provider when the class is a personal sandbox whose learner plays chain A's
    logistics part (their latest ``learner.part_chosen`` event) and registered one (LGS001); else None."""
    from sandbox.events import Event
    from sandbox.identity.models import Classroom
    from sandbox.teaching.learner import PART_CHOSEN, PERSONAL

    with uow.read() as s:
        if s.scalar(select(Classroom.kind).where(Classroom.id == class_id)) != PERSONAL:
            return None
        chosen = s.scalar(select(Event).where(Event.kind == PART_CHOSEN, Event.class_id == class_id)
                          .order_by(Event.id.desc()).limit(1))
        data = (chosen.data or {}) if chosen is not None else {}
        if chosen is None or chosen.actor_id is None or (data.get("chain_id"), data.get("part")) != LEARNER_PART:
            return None
        row = s.scalar(select(Provider).where(Provider.class_id == class_id, Provider.owner_id == chosen.actor_id))
        if row is None:
            return None
        rooms = tuple(s.scalars(select(Warehouse.id).where(Warehouse.provider_id == row.id, Warehouse.active.is_(True))
                                .order_by(Warehouse.id)))
        return Carrier(row.id, row.owner_id, row.name, rooms)


def react(uow: UnitOfWork, class_id: int, *, limit: int = 50) -> list[str]:
    """Every bot of the class does its pending work (at most ``limit`` actions); what they did,
    e.g. ``["quoted:IQ20260101-0A1B2C", "agreed:NG…"]``. Never raises for one item's DomainError."""
    partners = ensure_partners(uow, class_id)
    carrier = learner_carrier(uow, class_id)
    log = _Log(limit)
    for _ in range(REACT_PASSES if carrier is None else LEARNER_PASSES):
        before = len(log.done)
        for turn in (_supplier_turn, _buyer_turn, _provider_turn):
            if log.full:
                break
            try:
                turn(uow, partners, log, carrier)
            except DomainError:
                continue  # e.g. a bot could not log in just now; the next call tries again
        if len(log.done) == before or log.full:
            break
    return log.done


def _supplier_turn(uow: UnitOfWork, p: Partners, log: _Log, carrier: Carrier | None = None) -> None:
    actor = p.supplier
    token = member_token(uow, actor, SUPPLIER)
    if carrier is not None:
        _serve_carrier(uow, p, token, carrier, log)
    with uow.read() as s:
        asked = inquiries.inquiries_for(s, actor, token, state=m.INQUIRY)
        forms = _open_forms(s, actor, token)
        unsigned = [c for c in contracts.contracts_for(s, actor, token) if c.supplier_signed_at is None]
        created = [o for o in orders.orders_for(s, actor, token, state=m.CREATED) if o.side == SUPPLIER]
        confirmed = [o for o in orders.sales_orders(s, actor, token) if o.state == m.CONFIRMED]
        low = [x for x in catalogue.my_products(s, actor, token) if x.active and x.available < RESTOCK_BELOW]
    for product in low:
        log.attempt(f"restocked:{product.sku}", lambda product=product: catalogue.update_product(
            uow, actor, token, product.id, available=RESTOCK_TO, request_id=new_request_id()))
    for inq in reversed(asked):
        log.attempt(f"quoted:{inq.number}", lambda inq=inq: inquiries.quote(
            uow, actor, token, inq.id, prices=quote_prices(inq),
            quote_note="按目录价九五折报价 5% off the list price", request_id=new_request_id()))
    for form in reversed(forms):
        _negotiate(uow, actor, token, form, SUPPLIER, SUPPLIER_TERMS, log, agree_first=True)
    for c in reversed(unsigned):
        log.attempt(f"signed:{c.number}", lambda c=c: contracts.sign(
            uow, actor, token, c.id, certificate_id=p.supplier_certificate_id, request_id=new_request_id()))
    for o in reversed(created):
        log.attempt(f"accepted:{o.number}", lambda o=o: orders.accept(uow, actor, token, o.id,
                                                                      request_id=new_request_id()))
    for o in reversed(confirmed):
        if carrier is None:
            log.attempt(f"delivery_ordered:{o.number}", lambda o=o: _deliver(uow, p, token, o.id))
        else:
            _deliver_by_carrier(uow, p, token, carrier, o.id, o.number, log)
    with uow.read() as s:
        owed = fees.payable_providers(s, p.supplier_member_id)
    for provider_id, fee_ids in owed.items():
        log.attempt(f"fees_paid:{provider_id}:{len(fee_ids)}", lambda fee_ids=fee_ids: _pay_fees(
            uow, p, token, fee_ids))


def _pay_fees(uow: UnitOfWork, p: Partners, token: str, fee_ids: list[int]) -> None:
    """The bot supplier pays open delivery fees of one provider through the e-bank, from its
    corporate account (topped up first if it runs low)."""
    account = _corporate(uow, p.supplier)
    if account is None:
        raise DomainError("ebank.no_account", kind=CORPORATE)
    _fund(uow, p.supplier, account)
    fees.pay_fees(uow, p.supplier, token, fee_ids[:fees.MAX_FEES], card_number=account.account_number,
                  payment_password=PAY_PASSWORD, request_id=new_request_id())


def _open_forms(session: Session, actor: Actor, token: str) -> list[negotiation.NegotiationView]:
    """The bot's negotiation forms not yet 双方同意 (closed ones are never loaded)."""
    return [f for state in (m.NONE_AGREED, m.ONE_AGREED)
            for f in negotiation.negotiations_for(session, actor, token, state=state)]


def _negotiate(
    uow: UnitOfWork, actor: Actor, token: str, form: negotiation.NegotiationView, side: str, terms: dict[str, str],
    log: _Log, *, agree_first: bool,
) -> None:
    """Write the bot's entry on a form it has not written on yet; agree when the text has complete
    terms the bot has not agreed to (the buyer bot only after the supplier agreed)."""
    if form.state == m.NONE_AGREED and not any(e.side == side for e in form.entries):
        out: list[negotiation.NegotiationView] = []
        if log.attempt(f"terms:{form.number}", lambda: out.append(negotiation.submit_entry(
                uow, actor, token, form.id, request_id=new_request_id(), **terms))):
            form = out[0]
    agreed = form.supplier_agreed if side == SUPPLIER else form.buyer_agreed
    other_agreed = form.buyer_agreed if side == SUPPLIER else form.supplier_agreed
    if form.terms is None or agreed or form.state == m.BOTH_AGREED or not (agree_first or other_agreed):
        return
    log.attempt(f"agreed:{form.number}", lambda: negotiation.agree(
        uow, actor, token, form.id, version=form.version, request_id=new_request_id()))


def _deliver(uow: UnitOfWork, p: Partners, token: str, order_id: int) -> None:
    """B2B010 by the bot supplier: stock for the order's lines at a bot warehouse (shipped and
    received now if missing), then the delivery order to the bot provider."""
    actor = p.supplier
    with uow.read() as s:
        detail = orders.order_detail(s, actor, token, order_id)
        needs: dict[int, int] = {}
        for line in detail.order.lines:
            needs[line.product_id] = needs.get(line.product_id, 0) + line.quantity
        stocked = any(stock.held_in(s, p.supplier_member_id, wid, needs) for wid in p.warehouse_ids)
    if not stocked:
        stock_up(uow, actor, token, p, {pid: qty + STOCK_UNITS for pid, qty in needs.items()})
    orders.create_delivery_order(uow, actor, token, order_id, provider_id=p.provider_id, request_id=new_request_id())


def _buyer_turn(uow: UnitOfWork, p: Partners, log: _Log, carrier: Carrier | None = None) -> None:
    actor = p.buyer
    token = member_token(uow, actor, BUYER)
    with uow.read() as s:
        accepted = [o for o in orders.orders_for(s, actor, token, state=m.ACCEPTED) if o.side == BUYER]
        quoted = inquiries.inquiries_for(s, actor, token, state=m.QUOTED)
        forms = _open_forms(s, actor, token)
        to_sign = [c for c in contracts.contracts_for(s, actor, token)
                   if c.supplier_signed_at is not None and c.buyer_signed_at is None]
        payable = [o for state in orders.SALES_STATES for o in orders.orders_for(s, actor, token, state=state)
                   if o.side == BUYER and o.settlement_state == m.OPEN]
    for o in reversed(accepted):
        log.attempt(f"confirmed:{o.number}", lambda o=o: orders.confirm(uow, actor, token, o.id,
                                                                        request_id=new_request_id()))
    for inq in reversed(quoted):
        opened: list[negotiation.NegotiationView] = []
        if log.attempt(f"negotiation_opened:{inq.number}", lambda inq=inq, opened=opened: opened.append(
                negotiation.open_negotiation(uow, actor, token, inq.id, request_id=new_request_id()))):
            forms.append(opened[0])
    for form in forms:
        _negotiate(uow, actor, token, form, BUYER, BUYER_TERMS, log, agree_first=False)
    for c in reversed(to_sign):
        log.attempt(f"signed:{c.number}", lambda c=c: contracts.sign(
            uow, actor, token, c.id, certificate_id=p.buyer_certificate_id, request_id=new_request_id()))
    for o in reversed(payable):
        log.attempt(f"settled:{o.number}", lambda o=o: _settle(uow, p, token, o.id, o.total_fen))
    if carrier is not None:
        _shop_for_carrier(uow, p, token, carrier, log)


def _settle(uow: UnitOfWork, p: Partners, token: str, order_id: int, amount_fen: int) -> None:
    """B2B017 by the bot buyer from its corporate account (topped up first if it runs low)."""
    account = _corporate(uow, p.buyer)
    if account is None:
        raise DomainError("ebank.no_account", kind=CORPORATE)
    _fund(uow, p.buyer, account, at_least_fen=amount_fen + FUNDS_BELOW_FEN)
    settlement.settle(uow, p.buyer, token, order_id, card_number=account.account_number,
                      payment_password=PAY_PASSWORD, request_id=new_request_id())


def _provider_turn(uow: UnitOfWork, p: Partners, log: _Log, carrier: Carrier | None = None) -> None:
    del carrier  # the bot provider works only on its own documents, whatever the mode
    actor = p.provider
    with uow.read() as s:
        asked = applications.applications_for_provider(s, actor, state=lm.APPLIED)
        arriving = inbound.inbound_for_provider(s, actor, state=lm.PENDING)
        moving = transfers.transfers_for_provider(s, actor, state=lm.TRANSFER_CREATED)
        to_deliver = delivery.delivery_orders_for_provider(s, actor, state=lm.AWAITING)
    for app in reversed(asked):
        log.attempt(f"approved:{app.supplier_name}", lambda app=app: applications.decide(
            uow, actor, app.id, approve=True, note="欢迎入驻 Welcome", request_id=new_request_id()))
    for row in reversed(arriving):
        log.attempt(f"received:{row.number}", lambda row=row: inbound.receive(uow, actor, row.id,
                                                                             request_id=new_request_id()))
    for tr in reversed(moving):
        log.attempt(f"transfer_confirmed:{tr.number}", lambda tr=tr: transfers.confirm_transfer(
            uow, actor, tr.id, request_id=new_request_id()))
    for do in reversed(to_deliver):
        log.attempt(f"delivery_accepted:{do.number}", lambda do=do: delivery.accept_delivery_order(
            uow, actor, do.id, request_id=new_request_id()))
    _carry(uow, p, log)


def _carry(uow: UnitOfWork, p: Partners, log: _Log) -> None:
    """The bot provider carries each accepted delivery order through, oldest first: outbound
    (LGS004), an idle vehicle that fits (LGS009), the dispatch confirmed (LGS010), delivered
    (LGS020). A step that is refused leaves that order where it is until the next call."""
    actor = p.provider
    with uow.read() as s:
        waiting = {o.delivery_order_id: o for o in outbound.outbound_for_provider(s, actor, state=lm.PENDING)}
        trips = sorted((d for state in (lm.UNALLOCATED, lm.ALLOCATED, lm.DISPATCH_CONFIRMED)
                        for d in dispatch.dispatches_for_provider(s, actor, state=state)), key=lambda d: d.id)
    for trip in trips:
        ob = waiting.get(trip.delivery_order_id)
        if ob is not None and not log.attempt(f"issued:{ob.number}", lambda ob=ob: outbound.confirm_outbound(
                uow, actor, ob.id, request_id=new_request_id())):
            continue
        state = trip.state
        if state == lm.UNALLOCATED:
            with uow.read() as s:
                fits = [v for v in vehicles.vehicles_of(s, p.provider_id, idle_only=True)
                        if v.capacity_units >= trip.units]
            if not fits or not log.attempt(f"vehicle_allocated:{trip.number}", lambda t=trip, v=fits[0]: (
                    dispatch.allocate_vehicle(uow, actor, t.id, vehicle_id=v.id, request_id=new_request_id()))):
                continue
            state = lm.ALLOCATED
        if state == lm.ALLOCATED:
            if not log.attempt(f"dispatched:{trip.number}", lambda t=trip: dispatch.confirm_dispatch(
                    uow, actor, t.id, request_id=new_request_id())):
                continue
            state = lm.DISPATCH_CONFIRMED
        if state == lm.DISPATCH_CONFIRMED:
            log.attempt(f"delivered:{trip.delivery_number}", lambda t=trip: dispatch.deliver(
                uow, actor, t.delivery_order_id, request_id=new_request_id()))


# ----------------------------------------------------------------------------- logistics mode


def _serve_carrier(uow: UnitOfWork, p: Partners, token: str, carrier: Carrier, log: _Log) -> None:
    """The bot supplier and the learner's provider: apply (LGS021) until approved; approved, keep
    goods there (B2B011) whenever none are held and no shipment is on the way."""
    actor = p.supplier
    with uow.read() as s:
        mine = [a for a in applications.my_applications(s, actor, token) if a.provider_id == carrier.provider_id]
    state = mine[0].state if mine else None
    if state in (None, lm.REJECTED):
        log.attempt(f"applied:{carrier.name}", lambda: _apply(uow, actor, token, p.supplier_certificate_id,
                                                              carrier.provider_id))
        return
    if state != lm.APPROVED:
        return
    with uow.read() as s:
        held = stock.levels(s, owner_id=p.supplier_member_id, provider_id=carrier.provider_id)
        goods = sorted(x.id for x in catalogue.my_products(s, actor, token) if x.active)[:LEARNER_LINES]
    if not held and goods:
        _ship_to_carrier(uow, p, token, carrier, {pid: LEARNER_SHIP_UNITS for pid in goods}, log)


def _ship_to_carrier(uow: UnitOfWork, p: Partners, token: str, carrier: Carrier, lines: dict[int, int], log: _Log,
                     *, at_least: dict[int, int] | None = None) -> None:
    """B2B011 to the learner's roomiest active warehouse, unless a shipment of the bot supplier is
    still waiting there (未入库); fewer units when it has less room (never fewer than ``at_least``)."""
    with uow.read() as s:
        waiting = s.scalar(select(func.count(InboundOrder.id)).where(
            InboundOrder.provider_id == carrier.provider_id, InboundOrder.supplier_id == p.supplier_member_id,
            InboundOrder.state == lm.PENDING))
        rooms = list(s.execute(select(Warehouse.id, Warehouse.capacity).where(
            Warehouse.id.in_(carrier.warehouse_ids), Warehouse.active.is_(True))).all())
        held = units_held(s, [wid for wid, _ in rooms])
    if waiting or not rooms or not lines:
        return
    free, target = max((int(cap) - held.get(wid, 0), wid) for wid, cap in rooms)
    if sum(lines.values()) > free:
        each = free // len(lines)
        lines = {pid: max(min(qty, each), (at_least or {}).get(pid, 0)) for pid, qty in lines.items()}
        if sum(lines.values()) > free or min(lines.values()) < 1:
            return  # no room: the learner's warehouses are full
    log.attempt_as("shipped", lambda: _ship(uow, p.supplier, token, carrier.provider_id, target, lines).number)


def _deliver_by_carrier(uow: UnitOfWork, p: Partners, token: str, carrier: Carrier, order_id: int, number: str,
                        log: _Log) -> None:
    """B2B010 to the learner's provider once one of its warehouses holds the order's goods; until
    then the goods are shipped there (and the delivery order waits for the learner's receipt)."""
    actor = p.supplier
    with uow.read() as s:
        detail = orders.order_detail(s, actor, token, order_id)
        needs: dict[int, int] = {}
        for line in detail.order.lines:
            needs[line.product_id] = needs.get(line.product_id, 0) + line.quantity
        stocked = any(stock.held_in(s, p.supplier_member_id, wid, needs) for wid in carrier.warehouse_ids)
    if stocked:
        log.attempt(f"delivery_ordered:{number}", lambda: orders.create_delivery_order(
            uow, actor, token, order_id, provider_id=carrier.provider_id, request_id=new_request_id()))
    else:
        _ship_to_carrier(uow, p, token, carrier, {pid: qty + LEARNER_SHIP_UNITS for pid, qty in needs.items()}, log,
                         at_least=needs)


def _trading(session: Session, p: Partners, token: str) -> bool:
    """Whether the bot buyer has a trade in progress with the bot supplier: an inquiry not yet
    negotiated, an open negotiation form, a contract not signed by both (or signed and not yet
    ordered), or an order not yet delivered."""
    actor, supplier_id = p.buyer, p.supplier_member_id
    asked = [i for state in (m.INQUIRY, m.QUOTED) for i in inquiries.inquiries_for(session, actor, token, state=state)
             if i.supplier_id == supplier_id]
    forms = [f for f in _open_forms(session, actor, token) if f.supplier_id == supplier_id]
    deals = [c for c in contracts.contracts_for(session, actor, token) if c.supplier_id == supplier_id and (
        c.state != m.SIGNED_BY_BOTH or orders.order_of_contract(session, actor, token, c.id) is None)]
    live = [o for o in orders.orders_for(session, actor, token) if o.side == BUYER and o.partner_id == supplier_id
            and o.state not in (m.DELIVERED, m.REJECTED)]
    return bool(asked or forms or deals or live)


def _shop_for_carrier(uow: UnitOfWork, p: Partners, token: str, carrier: Carrier, log: _Log) -> None:
    """The bot buyer in logistics mode: orders the goods of each contract signed by both and not
    yet ordered; with no trade in progress, asks the bot supplier for a quote on goods it holds
    at the learner's (B2B005/B2B007)."""
    actor = p.buyer
    with uow.read() as s:
        signed = [c for c in contracts.contracts_for(s, actor, token) if c.supplier_id == p.supplier_member_id
                  and c.state == m.SIGNED_BY_BOTH and orders.order_of_contract(s, actor, token, c.id) is None]
    for c in reversed(signed):
        log.attempt_as("ordered", lambda c=c: orders.order_from_contract(
            uow, actor, token, c.id, payment_method="transfer", delivery_date=delivery_day(),
            note=f"按合同 {c.number} 订货 Ordered under the contract", request_id=new_request_id()).number)
    with uow.read() as s:
        if _trading(s, p, token):
            return
        by_room: dict[int, dict[int, int]] = {}
        for x in stock.levels(s, owner_id=p.supplier_member_id, provider_id=carrier.provider_id):
            if x.warehouse_id is not None:
                by_room.setdefault(x.warehouse_id, {})[x.product_id] = x.quantity
        leftovers = [line.id for line in cart(s, actor, token)]
    if not by_room:
        return
    held = max(by_room.values(), key=len)  # the goods of one warehouse, so one delivery can carry them
    wanted = {pid: min(qty, LEARNER_ORDER_UNITS) for pid, qty in sorted(held.items())[:LEARNER_LINES]}

    def ask() -> str:
        for line_id in leftovers:
            remove_from_cart(uow, actor, token, line_id, request_id=new_request_id())
        line_ids = [add_to_cart(uow, actor, token, product_id=pid, quantity=qty, request_id=new_request_id()).id
                    for pid, qty in wanted.items()]
        return inquiries.create_inquiries(
            uow, actor, token, cart_line_ids=line_ids,
            note="请就以上商品报价，谢谢。 Please quote your best price for these goods.", request_id=new_request_id(),
        )[0].number

    log.attempt_as("asked", ask)


# ----------------------------------------------------------------------------- invite_buyer


def invite_buyer(uow: UnitOfWork, actor: Actor, token: str | None, *, what: str) -> str:
    """The bot buyer puts 1–3 of the logged-in supplier's products in its cart and sends that
    supplier an order (``what="order"``, B2B006) or an inquiry (``"inquiry"``, B2B007); returns
    the document number. For a student playing supplier alone.

    Raises b2b.login_required, b2b.wrong_member_type, b2b.bots_nothing_to_buy (no product with
    units available), and the order/inquiry services' errors. ValueError for another ``what``.
    """
    if what not in ("order", "inquiry"):
        raise ValueError(f"what must be 'order' or 'inquiry', not {what!r}")
    member = members.current(uow, actor, token)
    if member is None:
        raise DomainError("b2b.login_required")
    if member.member_type != SUPPLIER:
        raise DomainError("b2b.wrong_member_type", expected=SUPPLIER)
    partners = ensure_partners(uow, actor.class_id or 0)
    shopper = partners.buyer
    btoken = member_token(uow, shopper, BUYER)
    with uow.read() as s:
        leftovers = [line.id for line in cart(s, shopper, btoken)]
        offered = [x for x in catalogue.browse(s, shopper, btoken, supplier_id=member.id) if x.available > 0]
    for line_id in leftovers:  # an earlier invitation that failed half way
        remove_from_cart(uow, shopper, btoken, line_id, request_id=new_request_id())
    if not offered:
        raise DomainError("b2b.bots_nothing_to_buy")
    rng = random.Random()
    chosen = rng.sample(offered, k=min(len(offered), rng.randint(1, 3)))
    line_ids = [
        add_to_cart(uow, shopper, btoken, product_id=x.id, quantity=min(x.available, rng.randint(1, 5)),
                    request_id=new_request_id()).id
        for x in chosen
    ]
    if what == "order":
        made = orders.create_orders(
            uow, shopper, btoken, cart_line_ids=line_ids, payment_method="transfer", delivery_date=delivery_day(),
            note="机器人采购商的订单 An order from the bot buyer", request_id=new_request_id(),
        )
        return made[0].number
    asked = inquiries.create_inquiries(
        uow, shopper, btoken, cart_line_ids=line_ids,
        note="请就以上商品报价，谢谢。 Please quote your best price for these goods.", request_id=new_request_id(),
    )
    return asked[0].number
