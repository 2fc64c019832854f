"""Golden and wrong runs of the EBANK tasks (EBANK001–EBANK019; EBANK003 does not exist).

Golden runs do the task as the student through the e-bank services; wrong runs make a plausible
mistake the task's check must not credit (a refused amount or password, another screen, an empty
date range, a partner bot doing the task instead). Refused attempts raise DomainError and change
nothing but a counted wrong password, so the runs swallow them.

Counterparts are bots of the class: ``bank-payee`` (a personal account to transfer to),
``bank-shop`` (a special merchant that asks the student for payments) and ``bank-shopper`` (a
funded customer who pays the student's shop). Golden runs make whatever money or payments their
check needs themselves, so each passes after its ``requires`` closure alone — and after the
catalog's longer chains (E2: EBANK001 → CA002 → CA003 → EBANK002, where the CA bots act on the
certificate EBANK001 issued, found in ``world.scratch["ca:<student id>"]``).
"""

from __future__ import annotations

import hashlib
import uuid
from dataclasses import dataclass

from cryptography.hazmat.primitives.serialization import Encoding, pkcs12

from sandbox.actor import Actor
from sandbox.bots import BotWorld, expect_refusal, golden, new_request_id, wrong
from sandbox.ebank import gateway, inquiry, links, services
from sandbox.ebank.models import CORPORATE, MERCHANT, PERSONAL
from sandbox.ledger import parse_amount

PAY_PASSWORD = "135790"  # noqa: S105  (a scripted customer's known payment password)
LOGIN_PASSWORD = "corp-login-2026"  # noqa: S105
PAST = ("2001-01-01", "2001-01-31")  # a date range with no banking at all
WRONG_PAY_PASSWORD = "000000"  # noqa: S105  (a deliberate mistake)
SHORT_PAY_PASSWORD = "12345"  # noqa: S105
WRONG_P12_PASSWORD = "WRONGPASS1"  # noqa: S105


@dataclass(frozen=True)
class Registration:
    """What EBANK001 handed the company (as a person copies it from the screen)."""

    account_number: str
    user_number: str
    certificate_id: int
    certificate_number: str
    download_password: str




def _accounts(world: BotWorld, actor: Actor, kind: str) -> list[services.AccountInfo]:
    with world.uow.read() as s:
        return [a for a in services.my_accounts(s, actor) if a.kind == kind]


# ----------------------------------------------------------------------------- customers


def ensure_corporate(world: BotWorld, actor: Actor) -> Registration:
    """``actor``'s corporate registration (EBANK001), made now if the world has none."""
    key = f"ebank-reg:{actor.user_id}"
    found = world.scratch.get(key)
    if isinstance(found, Registration):
        return found
    with world.uow.read() as s:
        mailbox = links.mailbox_of(s, actor)
    name = f"{actor.full_name or actor.username} 贸易有限公司"[:100]
    reg = services.register_corporate(
        world.uow, actor, agree=True, company_name=name, licence_number=f"91{actor.user_id:016d}",
        address="北京市海淀区中关村大街1号", contact_name=(actor.full_name or actor.username)[:50],
        phone="010-62750000", email=mailbox, login_password=LOGIN_PASSWORD, login_password_confirm=LOGIN_PASSWORD,
        payment_password=PAY_PASSWORD, payment_password_confirm=PAY_PASSWORD, request_id=new_request_id(),
    )
    assert reg.download_password is not None
    held = Registration(reg.account.account_number, reg.user_number, reg.certificate_id, reg.certificate_number,
                        reg.download_password)
    world.scratch[key] = held
    from sandbox.bots.ca import Held  # the CA bots (CA002/CA003) act on the certificate held here

    world.scratch[f"ca:{actor.user_id}"] = Held(reg.certificate_id, reg.certificate_number, reg.download_password)
    return held


def _p12_of(world: BotWorld, actor: Actor, reg: Registration) -> bytes:
    """The .p12 of the EBANK001 certificate: the one CA003 served, else verified (CA002) and
    downloaded (CA003) now, as the student would before logging in."""
    from sandbox.ca import services as ca
    from sandbox.pki import services as pki

    with world.uow.read() as s:
        record = pki.certificate_record(s, world.class_id, reg.certificate_id)
    for key in (f"ebank-p12:{reg.certificate_id}", f"ca-p12:{actor.user_id}"):
        data = world.scratch.get(key)
        if isinstance(data, bytes):
            try:
                _k, cert, _more = pkcs12.load_key_and_certificates(data, reg.download_password.encode())
            except ValueError:
                continue
            if cert is not None and hashlib.sha256(cert.public_bytes(Encoding.DER)).hexdigest() == record.fingerprint_sha256:
                return data
    if record.state == "issued":
        ca.verify_download(world.uow, actor, number=reg.certificate_number, password=reg.download_password,
                           request_id=new_request_id())
    got = ca.download(world.uow, actor, certificate_id=reg.certificate_id, password=reg.download_password,
                      request_id=new_request_id())
    world.scratch[f"ebank-p12:{reg.certificate_id}"] = got.data
    return got.data


def corporate_session(world: BotWorld, actor: Actor, *, fresh: bool = False) -> str:
    """A live online-banking session token of ``actor`` (EBANK002 done now if needed)."""
    key = f"ebank-token:{actor.user_id}"
    token = world.scratch.get(key)
    if isinstance(token, str) and not fresh and services.current_login(world.uow, actor, token) is not None:
        return token
    reg = ensure_corporate(world, actor)
    p12 = _p12_of(world, actor, reg)
    challenge = services.login_challenge(world.uow, actor)
    check = services.verify_certificate(
        world.uow, actor, challenge_id=challenge.id, p12_bytes=p12, p12_password=reg.download_password,
    )
    login = services.complete_login(world.uow, actor, token=check.token, user_number=reg.user_number,
                                    password=LOGIN_PASSWORD)
    world.scratch[key] = login.token
    return login.token


def ensure_personal(world: BotWorld, actor: Actor) -> str:
    """``actor``'s personal card number (EBANK010 done now if needed)."""
    found = _accounts(world, actor, PERSONAL)
    if found:
        return found[0].account_number
    return services.register_personal(
        world.uow, actor, full_name=(actor.full_name or actor.username)[:50], id_number=f"ID{actor.user_id:010d}",
        phone="13800138000", payment_password=PAY_PASSWORD, payment_password_confirm=PAY_PASSWORD, request_id=new_request_id(),
    ).account_number


def ensure_merchant(world: BotWorld, actor: Actor) -> str:
    """``actor``'s special-merchant account number (EBANK016 done now if needed)."""
    found = _accounts(world, actor, MERCHANT)
    if found:
        return found[0].account_number
    return services.register_merchant(
        world.uow, actor, merchant_name=f"{actor.full_name or actor.username} 网上商城"[:100],
        licence_number=f"92{actor.user_id:016d}", shop_url=f"shop{actor.user_id}.sandbox.test",
        contact_name=(actor.full_name or actor.username)[:50], phone="021-55550000", request_id=new_request_id(),
    ).account_number


def ensure_funds(world: BotWorld, actor: Actor, kind: str, at_least_fen: int, token: str | None = None) -> None:
    """Deposit so that ``actor``'s account of ``kind`` holds at least ``at_least_fen``."""
    found = _accounts(world, actor, kind)
    balance = found[0].balance_fen if found else 0
    if balance < at_least_fen:
        services.deposit(
            world.uow, actor, kind=kind, amount=f"{(at_least_fen - balance) / 100 + 1000:.2f}",
            payment_password=PAY_PASSWORD, session_token=token, request_id=new_request_id(),
        )


def _payee(world: BotWorld) -> str:
    partner = world.partner("bank-payee")
    return ensure_personal(world, partner)


def _shop_requests(world: BotWorld, amount: str, purpose: str = "b2c") -> int:
    """The partner shop asks for a payment (as a B2C order's "pay online" would)."""
    shop = world.partner("bank-shop")
    ensure_merchant(world, shop)
    return gateway.request_payment(
        world.uow, shop, out_trade_no=f"T{uuid.uuid4().hex[:20]}", amount=amount, subject="网上购物 Online order",
        purpose=purpose, reference=f"order-{uuid.uuid4().hex[:8]}",
    ).payment_id


def _shopper_pays(world: BotWorld, amount: str, purpose: str = "b2c") -> None:
    """A partner customer pays the student's special-merchant account."""
    shopper = world.partner("bank-shopper")
    card = ensure_personal(world, shopper)
    ensure_funds(world, shopper, PERSONAL, 100_000)
    with world.uow.read() as s:
        merchant = services.own_account(s, world.student, MERCHANT)
        merchant_id = merchant.id
    with world.uow.write() as s:
        request = gateway.create_payment(
            s, class_id=world.class_id, payee_account_id=merchant_id, out_trade_no=f"T{uuid.uuid4().hex[:20]}",
            amount_fen=parse_amount(amount), subject="网上购物 Online order", purpose=purpose,
            reference=f"order-{uuid.uuid4().hex[:8]}", actor=shopper,
        )
    gateway.pay(world.uow, shopper, payment_id=request.payment_id, card_number=card, payment_password=PAY_PASSWORD,
                request_id=new_request_id())


# ----------------------------------------------------------------------------- EBANK001 / EBANK002


@golden("EBANK001")
def ebank001(world: BotWorld) -> None:
    ensure_corporate(world, world.student)


@wrong("EBANK001")
def ebank001_wrong(world: BotWorld) -> None:
    """The student forgets to accept the terms and types a 5-digit payment password (both
    refused); a partner company registers instead."""
    s = world.student
    common = dict(company_name="Wrong Way Ltd", licence_number="91110000123456789X", address="Beijing",
                  contact_name="Li", phone="010-12345678", login_password=LOGIN_PASSWORD,
                  login_password_confirm=LOGIN_PASSWORD)
    expect_refusal(lambda: services.register_corporate(world.uow, s, agree=False, payment_password=PAY_PASSWORD,
                                                 payment_password_confirm=PAY_PASSWORD, **common))
    expect_refusal(lambda: services.register_corporate(world.uow, s, agree=True, payment_password=SHORT_PAY_PASSWORD,
                                                 payment_password_confirm=SHORT_PAY_PASSWORD, **common))
    ensure_corporate(world, world.partner("bank-company"))


@golden("EBANK002")
def ebank002(world: BotWorld) -> None:
    corporate_session(world, world.student, fresh=True)


@wrong("EBANK002")
def ebank002_wrong(world: BotWorld) -> None:
    """The student opens the .p12 with a wrong password, then passes the certificate check but
    types a wrong login password, then replays the used challenge: no login succeeds."""
    actor = world.student
    reg = ensure_corporate(world, actor)
    p12 = _p12_of(world, actor, reg)
    first = services.login_challenge(world.uow, actor)
    expect_refusal(lambda: services.verify_certificate(world.uow, actor, challenge_id=first.id, p12_bytes=p12,
                                                 p12_password=WRONG_P12_PASSWORD))
    second = services.login_challenge(world.uow, actor)
    check = services.verify_certificate(world.uow, actor, challenge_id=second.id, p12_bytes=p12,
                                        p12_password=reg.download_password)
    expect_refusal(lambda: services.complete_login(world.uow, actor, token=check.token, user_number=reg.user_number,
                                             password=LOGIN_PASSWORD + "x"))
    expect_refusal(lambda: services.verify_certificate(world.uow, actor, challenge_id=second.id, p12_bytes=p12,
                                                 p12_password=reg.download_password))


# ----------------------------------------------------------------------------- deposits and transfers


@golden("EBANK004")
def ebank004(world: BotWorld) -> None:
    token = corporate_session(world, world.student)
    services.deposit(world.uow, world.student, kind=CORPORATE, amount="5000.00", payment_password=PAY_PASSWORD,
                     session_token=token, request_id=new_request_id())


@wrong("EBANK004")
def ebank004_wrong(world: BotWorld) -> None:
    """Zero, negative and over-precise amounts, a wrong payment password and a deposit without
    logging in are refused; the partner deposits into its own account."""
    actor = world.student
    token = corporate_session(world, actor)
    for amount in ("0", "-100", "12.345", "abc"):
        expect_refusal(lambda amount=amount: services.deposit(world.uow, actor, kind=CORPORATE, amount=amount,
                                                        payment_password=PAY_PASSWORD, session_token=token))
    expect_refusal(lambda: services.deposit(world.uow, actor, kind=CORPORATE, amount="100", payment_password=WRONG_PAY_PASSWORD,
                                      session_token=token))
    expect_refusal(lambda: services.deposit(world.uow, actor, kind=CORPORATE, amount="100", payment_password=PAY_PASSWORD,
                                      session_token=None))
    partner = world.partner("bank-payee")
    ensure_personal(world, partner)
    services.deposit(world.uow, partner, kind=PERSONAL, amount="100", payment_password=PAY_PASSWORD)


def _transfer_wrong(world: BotWorld, kind: str, token: str | None) -> None:
    actor = world.student
    mine = _accounts(world, actor, kind)[0].account_number
    payee = _payee(world)

    def attempt(to: str, amount: str) -> None:
        expect_refusal(lambda: services.transfer(world.uow, actor, kind=kind, to_account=to, amount=amount,
                                           payment_password=PAY_PASSWORD, session_token=token))

    attempt(mine, "10")                      # to the same account
    attempt("6228880000000008", "10")        # no such account (Luhn-valid)
    attempt("62288800abc", "10")             # not a number
    attempt(payee, "999999999")              # more than the balance
    # the payee sends the student money: a transfer, but not the student's
    partner = world.partner("bank-payee")
    ensure_funds(world, partner, PERSONAL, 5_000)
    services.transfer(world.uow, partner, kind=PERSONAL, to_account=mine, amount="20.00",
                      payment_password=PAY_PASSWORD, request_id=new_request_id())


@golden("EBANK005")
def ebank005(world: BotWorld) -> None:
    token = corporate_session(world, world.student)
    ensure_funds(world, world.student, CORPORATE, 120_000, token)
    services.transfer(world.uow, world.student, kind=CORPORATE, to_account=_payee(world), amount="1200.00",
                      payment_password=PAY_PASSWORD, memo="货款 payment for goods", session_token=token,
                      request_id=new_request_id())


@wrong("EBANK005")
def ebank005_wrong(world: BotWorld) -> None:
    """To the same account, to no account, to a non-number and beyond the balance (refused); the
    payee transfers to the student instead."""
    _transfer_wrong(world, CORPORATE, corporate_session(world, world.student))


@golden("EBANK010")
def ebank010(world: BotWorld) -> None:
    ensure_personal(world, world.student)


@wrong("EBANK010")
def ebank010_wrong(world: BotWorld) -> None:
    """The payment passwords differ, then it is not 6 digits (refused); a partner applies."""
    for pw, confirm in (("135790", "135791"), ("abc123", "abc123")):
        expect_refusal(lambda pw=pw, confirm=confirm: services.register_personal(
            world.uow, world.student, full_name="Zhang San", id_number="110101199001011234", phone="13800138000",
            payment_password=pw, payment_password_confirm=confirm,
        ))
    ensure_personal(world, world.partner("bank-payee"))


@golden("EBANK011")
def ebank011(world: BotWorld) -> None:
    ensure_personal(world, world.student)
    services.deposit(world.uow, world.student, kind=PERSONAL, amount="800.00", payment_password=PAY_PASSWORD,
                     request_id=new_request_id())


@wrong("EBANK011")
def ebank011_wrong(world: BotWorld) -> None:
    """Over-precise and zero amounts and a wrong payment password (refused); a partner deposits."""
    ensure_personal(world, world.student)
    for amount, pw in (("1.001", PAY_PASSWORD), ("0.00", PAY_PASSWORD), ("50", "999999")):
        expect_refusal(lambda amount=amount, pw=pw: services.deposit(world.uow, world.student, kind=PERSONAL, amount=amount,
                                                               payment_password=pw))
    partner = world.partner("bank-payee")
    ensure_personal(world, partner)
    services.deposit(world.uow, partner, kind=PERSONAL, amount="50", payment_password=PAY_PASSWORD)


@golden("EBANK012")
def ebank012(world: BotWorld) -> None:
    ensure_personal(world, world.student)
    ensure_funds(world, world.student, PERSONAL, 15_000)
    services.transfer(world.uow, world.student, kind=PERSONAL, to_account=_payee(world), amount="150.00",
                      payment_password=PAY_PASSWORD, memo="还款 repayment", request_id=new_request_id())


@wrong("EBANK012")
def ebank012_wrong(world: BotWorld) -> None:
    """As EBANK005's wrong run, from the personal account."""
    ensure_personal(world, world.student)
    _transfer_wrong(world, PERSONAL, None)


# ----------------------------------------------------------------------------- corporate queries


@golden("EBANK006")
def ebank006(world: BotWorld) -> None:
    inquiry.balance(world.uow, world.student, kind=CORPORATE, session_token=corporate_session(world, world.student))


@wrong("EBANK006")
def ebank006_wrong(world: BotWorld) -> None:
    """The student asks for another account's balance (refused) and without logging in
    (refused); the partner company queries its own."""
    token = corporate_session(world, world.student)
    expect_refusal(lambda: inquiry.balance(world.uow, world.student, kind=CORPORATE, session_token=token,
                                     account_number=_payee(world)))
    expect_refusal(lambda: inquiry.balance(world.uow, world.student, kind=CORPORATE, session_token=None))
    partner = world.partner("bank-company")
    inquiry.balance(world.uow, partner, kind=CORPORATE, session_token=corporate_session(world, partner))


@golden("EBANK007")
def ebank007(world: BotWorld) -> None:
    token = corporate_session(world, world.student)
    ensure_funds(world, world.student, CORPORATE, 1, token)
    inquiry.transactions(world.uow, world.student, kind=CORPORATE, session_token=token)


@wrong("EBANK007")
def ebank007_wrong(world: BotWorld) -> None:
    """A date range with no transactions, and an impossible one (refused)."""
    token = corporate_session(world, world.student)
    inquiry.transactions(world.uow, world.student, kind=CORPORATE, session_token=token, date_from=PAST[0],
                         date_to=PAST[1])
    expect_refusal(lambda: inquiry.transactions(world.uow, world.student, kind=CORPORATE, session_token=token,
                                          date_from="2026-02-01", date_to="2026-01-01"))


@golden("EBANK008")
def ebank008(world: BotWorld) -> None:
    token = corporate_session(world, world.student)
    if not any(r.kind == "transfer" for r in _quiet_statement(world, token)):
        ebank005(world)
    inquiry.transactions(world.uow, world.student, kind=CORPORATE, session_token=token, screen="transfers")


def _quiet_statement(world: BotWorld, token: str) -> list[object]:
    from sandbox.ledger import queries as lq

    with world.uow.read() as s:
        account = services.session_account(s, world.student, token)
        return list(lq.statement(s, account.ledger_account_id))


@wrong("EBANK008")
def ebank008_wrong(world: BotWorld) -> None:
    """Transfer details of a range with none; transaction details (the wrong screen) of today."""
    token = corporate_session(world, world.student)
    inquiry.transactions(world.uow, world.student, kind=CORPORATE, session_token=token, screen="transfers",
                         date_from=PAST[0], date_to=PAST[1])
    inquiry.transactions(world.uow, world.student, kind=CORPORATE, session_token=token)


def _corporate_epayment(world: BotWorld, token: str) -> None:
    """The company pays a partner shop's payment request with its corporate card."""
    ensure_funds(world, world.student, CORPORATE, 50_000, token)
    payment_id = _shop_requests(world, "300.00", purpose="other")
    card = _accounts(world, world.student, CORPORATE)[0].account_number
    gateway.pay(world.uow, world.student, payment_id=payment_id, card_number=card, payment_password=PAY_PASSWORD,
                request_id=new_request_id())


@golden("EBANK009")
def ebank009(world: BotWorld) -> None:
    token = corporate_session(world, world.student)
    _corporate_epayment(world, token)
    inquiry.epayments(world.uow, world.student, kind=CORPORATE, session_token=token)


@wrong("EBANK009")
def ebank009_wrong(world: BotWorld) -> None:
    """The account has an e-payment, but the query's dates miss it."""
    token = corporate_session(world, world.student)
    _corporate_epayment(world, token)
    inquiry.epayments(world.uow, world.student, kind=CORPORATE, session_token=token, date_from=PAST[0],
                      date_to=PAST[1])


# ----------------------------------------------------------------------------- personal queries


@golden("EBANK013")
def ebank013(world: BotWorld) -> None:
    ensure_personal(world, world.student)
    inquiry.balance(world.uow, world.student, kind=PERSONAL)


@wrong("EBANK013")
def ebank013_wrong(world: BotWorld) -> None:
    """The student asks for the payee's balance (refused); the payee queries its own."""
    ensure_personal(world, world.student)
    payee = _payee(world)
    expect_refusal(lambda: inquiry.balance(world.uow, world.student, kind=PERSONAL, account_number=payee))
    inquiry.balance(world.uow, world.partner("bank-payee"), kind=PERSONAL)


@golden("EBANK014")
def ebank014(world: BotWorld) -> None:
    ensure_personal(world, world.student)
    ensure_funds(world, world.student, PERSONAL, 1)
    inquiry.transactions(world.uow, world.student, kind=PERSONAL)


@wrong("EBANK014")
def ebank014_wrong(world: BotWorld) -> None:
    """History of a range without transactions, and with an unreadable date (refused)."""
    ensure_personal(world, world.student)
    inquiry.transactions(world.uow, world.student, kind=PERSONAL, date_from=PAST[0], date_to=PAST[1])
    expect_refusal(lambda: inquiry.transactions(world.uow, world.student, kind=PERSONAL, date_from="yesterday"))


def _student_shops(world: BotWorld, purpose: str) -> None:
    card = ensure_personal(world, world.student)
    ensure_funds(world, world.student, PERSONAL, 20_000)
    payment_id = _shop_requests(world, "99.50", purpose=purpose)
    gateway.pay(world.uow, world.student, payment_id=payment_id, card_number=card, payment_password=PAY_PASSWORD,
                request_id=new_request_id())


@golden("EBANK015")
def ebank015(world: BotWorld) -> None:
    _student_shops(world, "b2c")
    inquiry.epayments(world.uow, world.student, kind=PERSONAL)


@wrong("EBANK015")
def ebank015_wrong(world: BotWorld) -> None:
    """The card paid for something that is not B2C shopping; the shopping query shows nothing."""
    _student_shops(world, "other")
    inquiry.epayments(world.uow, world.student, kind=PERSONAL)


# ----------------------------------------------------------------------------- special merchant


@golden("EBANK016")
def ebank016(world: BotWorld) -> None:
    ensure_merchant(world, world.student)


@wrong("EBANK016")
def ebank016_wrong(world: BotWorld) -> None:
    """An unreadable licence number and a bad shop address (refused); a partner shop applies."""
    for licence, url in (("??", "shop.sandbox.test"), ("91110000123456789X", "not a url")):
        expect_refusal(lambda licence=licence, url=url: services.register_merchant(
            world.uow, world.student, merchant_name="My Shop", licence_number=licence, shop_url=url,
            contact_name="Li", phone="021-55550000",
        ))
    ensure_merchant(world, world.partner("bank-shop"))


@golden("EBANK017")
def ebank017(world: BotWorld) -> None:
    ensure_merchant(world, world.student)
    inquiry.balance(world.uow, world.student, kind=MERCHANT)


@wrong("EBANK017")
def ebank017_wrong(world: BotWorld) -> None:
    """The student queries the balance of their personal account instead; the shop bot queries its own."""
    ensure_merchant(world, world.student)
    ensure_personal(world, world.student)
    inquiry.balance(world.uow, world.student, kind=PERSONAL)
    shop = world.partner("bank-shop")
    ensure_merchant(world, shop)
    inquiry.balance(world.uow, shop, kind=MERCHANT)


@golden("EBANK018")
def ebank018(world: BotWorld) -> None:
    ensure_merchant(world, world.student)
    _shopper_pays(world, "256.00")
    inquiry.transactions(world.uow, world.student, kind=MERCHANT)


@wrong("EBANK018")
def ebank018_wrong(world: BotWorld) -> None:
    """History before any B2C payment arrived, then after a payment that is not B2C."""
    ensure_merchant(world, world.student)
    inquiry.transactions(world.uow, world.student, kind=MERCHANT)
    _shopper_pays(world, "30.00", purpose="other")
    inquiry.transactions(world.uow, world.student, kind=MERCHANT)


@golden("EBANK019")
def ebank019(world: BotWorld) -> None:
    ensure_merchant(world, world.student)
    _shopper_pays(world, "88.80")
    inquiry.today(world.uow, world.student)


@wrong("EBANK019")
def ebank019_wrong(world: BotWorld) -> None:
    """Today's details before the payment arrives; afterwards only the history screen."""
    ensure_merchant(world, world.student)
    inquiry.today(world.uow, world.student)
    _shopper_pays(world, "88.80")
    inquiry.transactions(world.uow, world.student, kind=MERCHANT, date_from=PAST[0], date_to=PAST[1])
