"""Payment gateway (网上支付): the payee asks for a payment with a signed request; the payer
authorises it at the bank's cashier with card (account) number and payment password; the bank
posts the transfer and sends the payee a signed notification, which the payee's handler
verifies and processes exactly once.

Used by B2C028 (online payment of a B2C order, payee = special-merchant account), B2B017
(settlement, payee = the supplier's corporate account) and logistics fees. Other modules call
:func:`create_payment` inside their own transaction and register what "paid" means for them
with :func:`on_paid`; the page calls :func:`pay` and shows the order paid only once
:func:`receive_notification` accepted the bank's notice.

Protocol (mirrors Alipay-style gateways, see domain-standards §4):
- Request: the fields ``payee, out_trade_no, amount, currency, subject, purpose, reference,
  timestamp, nonce, class`` as a canonical ``k=v&…`` string sorted by key, signed HMAC-SHA256
  with the payee's merchant key (kept in its own table). The bank checks that signature and
  that the stored row still says what was signed before it takes any money.
- Notification: canonical JSON (``pki.canonical_json``) of the paid payment, signed by the
  bank's system certificate (``pki.system_identity(…, "bank")``, RSA-PSS/SHA-256). The handler
  verifies the signature over the exact bytes, then checks payment id, out_trade_no, amount,
  currency and payee against its own record; a changed amount or a bad signature is refused.
- Exactly once: ``processed_at`` is set by ``UPDATE … WHERE processed_at IS NULL``; only the
  delivery that wins runs the ``on_paid`` handler; a repeat delivery is acknowledged and
  changes nothing.

Events: ebank.payment_requested (subject: payment id, task code of the caller),
ebank.payment_paid (task code of the caller, e.g. B2C028), ebank.notification_processed,
ebank.notification_repeated (subject: payment id; actor: the payee).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import re
import secrets
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.orm import Session

from sandbox import events, ledger
from sandbox.actor import Actor
from sandbox.db import utcnow
from sandbox.ebank import services
from sandbox.ebank.models import (
    CORPORATE,
    CREATED,
    MERCHANT,
    PAID,
    PERSONAL,
    PURPOSES,
    BankAccount,
    MerchantKey,
    Payment,
    PaymentNotification,
)
from sandbox.ebank.numbers import clean_account_number, mask
from sandbox.errors import DomainError
from sandbox.ledger.money import format_fen
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

PAYMENT_LIFETIME = timedelta(hours=24)
TRADE_NO = re.compile(r"^[A-Za-z0-9_\-]{1,64}$")
NOTIFY_FILES = ("payment-notification.json", "payment-notification.json.sig", "payment-notification.signer.pem")
VERIFY_COMMANDS = (
    "openssl x509 -in payment-notification.signer.pem -pubkey -noout > bank-pub.pem\n"
    "openssl dgst -sha256 -verify bank-pub.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 \\\n"
    "    -signature payment-notification.json.sig payment-notification.json\n"
)


@dataclass(frozen=True)
class PaymentRequest:
    payment_id: int
    payee_account: str
    out_trade_no: str
    amount_fen: int
    subject: str
    purpose: str
    request_body: str
    signature: str
    status: str


@dataclass(frozen=True)
class PaymentView:
    """What the bank's cashier page shows the payer."""

    payment_id: int
    payee_name: str
    payee_account_masked: str
    out_trade_no: str
    amount_fen: int
    subject: str
    purpose: str
    status: str
    expires_at: datetime
    paid_at: datetime | None
    merchant_confirmed: bool


@dataclass(frozen=True)
class PaidPayment:
    """Handed to a module's ``on_paid`` handler (once per payment)."""

    payment_id: int
    class_id: int
    purpose: str
    reference: str | None
    out_trade_no: str
    amount_fen: int
    payee_account_id: int
    payer_account_id: int
    payer_owner_id: int | None
    payee_owner_id: int | None
    paid_at: datetime
    task_code: str | None


@dataclass(frozen=True)
class PaymentReceipt:
    payment_id: int
    entry_id: int
    amount_fen: int
    paid_at: datetime
    payer_account_masked: str
    merchant_confirmed: bool
    replayed: bool


@dataclass(frozen=True)
class NotifyResult:
    payment_id: int
    out_trade_no: str
    amount_fen: int
    first_time: bool


PaidHandler = Callable[[Session, PaidPayment], None]
_HANDLERS: dict[str, PaidHandler] = {}
#: the modules whose import registers an ``on_paid`` handler (loaded before a notice is processed)
HANDLER_MODULES = ("sandbox.b2b.settlement", "sandbox.logistics.fees")


def load_handlers() -> None:
    """Import every module that registers what a paid notice means, so no notice finds none."""
    import importlib

    for name in HANDLER_MODULES:
        importlib.import_module(name)


def on_paid(purpose: str) -> Callable[[PaidHandler], PaidHandler]:
    """Register what a verified payment notice does for ``purpose`` (b2c, b2b, logistics):
    the handler runs in the notice's transaction, exactly once per payment."""
    if purpose not in PURPOSES:
        raise ValueError(f"unknown payment purpose {purpose!r}")

    def register(fn: PaidHandler) -> PaidHandler:
        _HANDLERS[purpose] = fn
        return fn

    return register


# ----------------------------------------------------------------------------- signing


def canonical_request(fields: dict[str, str]) -> str:
    """``k=v&…`` sorted by key, empty values left out (the string the payee signs)."""
    return "&".join(f"{k}={fields[k]}" for k in sorted(fields) if fields[k] != "")


def parse_request(body: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for part in body.split("&"):
        key, _, value = part.partition("=")
        out[key] = value
    return out


def merchant_key(session: Session, account_id: int) -> bytes:
    """The payee's request-signing secret (made on first use)."""
    row = session.scalar(select(MerchantKey).where(MerchantKey.account_id == account_id))
    if row is None:
        row = MerchantKey(account_id=account_id, secret_hex=secrets.token_hex(32), created_at=utcnow())
        session.add(row)
        session.flush()
    return bytes.fromhex(row.secret_hex)


def _sign_request(key: bytes, body: str) -> str:
    return hmac.new(key, body.encode("utf-8"), hashlib.sha256).hexdigest()


def _request_intact(session: Session, payment: Payment, payee: BankAccount) -> bool:
    key = merchant_key(session, payee.id)
    if not hmac.compare_digest(_sign_request(key, payment.request_body), payment.request_signature):
        return False
    fields = parse_request(payment.request_body)
    return (
        fields.get("payee") == payee.account_number
        and fields.get("out_trade_no") == payment.out_trade_no
        and fields.get("amount") == format_fen(payment.amount_fen, grouping=False)
        and fields.get("currency") == payment.currency
        and fields.get("purpose") == payment.purpose
        and fields.get("class") == str(payment.class_id)
    )


# ----------------------------------------------------------------------------- request


def create_payment(
    session: Session,
    *,
    class_id: int,
    payee_account_id: int,
    out_trade_no: str,
    amount_fen: int,
    subject: str,
    purpose: str,
    reference: str | None = None,
    actor: Actor | None = None,
    task_code: str | None = None,
    lifetime: timedelta = PAYMENT_LIFETIME,
) -> PaymentRequest:
    """A signed payment request of the payee ``payee_account_id`` (a corporate or special-merchant
    account), inside the caller's transaction. The same ``out_trade_no`` again returns the first
    request if amount, subject and purpose agree, else ebank.duplicate_trade_no.

    Raises ebank.not_a_payee, ebank.bad_trade_no, ledger.amount_not_positive, input.*
    (ebank.subject), ebank.bad_purpose, ebank.duplicate_trade_no.
    """
    if purpose not in PURPOSES:
        raise DomainError("ebank.bad_purpose")
    trade_no = str(out_trade_no or "").strip()
    if not TRADE_NO.match(trade_no):
        raise DomainError("ebank.bad_trade_no", field="ebank.out_trade_no")
    if type(amount_fen) is not int or amount_fen <= 0:
        raise DomainError("ledger.amount_not_positive", field="ebank.amount", value=str(amount_fen))
    title = clean_text(subject, "ebank.subject", max_len=200)
    ref = str(reference)[:64] if reference is not None else None
    payee = session.get(BankAccount, payee_account_id)
    if payee is None or payee.class_id != class_id or payee.kind not in (CORPORATE, MERCHANT):
        raise DomainError("ebank.not_a_payee")
    prior = session.scalar(
        select(Payment).where(Payment.payee_account_id == payee.id, Payment.out_trade_no == trade_no)
    )
    if prior is not None:
        if (prior.amount_fen, prior.subject, prior.purpose, prior.reference) != (amount_fen, title, purpose, ref):
            raise DomainError("ebank.duplicate_trade_no", field="ebank.out_trade_no", trade_no=trade_no)
        return _request(prior, payee)
    now = utcnow()
    fields = {
        "payee": payee.account_number, "out_trade_no": trade_no, "amount": format_fen(amount_fen, grouping=False),
        "currency": "CNY", "subject": title.replace("&", " ").replace("=", " "), "purpose": purpose,
        "reference": (ref or "").replace("&", " ").replace("=", " "), "timestamp": now.isoformat(timespec="seconds"),
        "nonce": secrets.token_hex(8), "class": str(class_id),
    }
    body = canonical_request(fields)
    payment = Payment(
        class_id=class_id, payee_account_id=payee.id, out_trade_no=trade_no, purpose=purpose, reference=ref,
        amount_fen=amount_fen, currency="CNY", subject=title, request_body=body,
        request_signature=_sign_request(merchant_key(session, payee.id), body), status=CREATED, task_code=task_code,
        created_by=actor.user_id if actor else None, created_at=now, expires_at=now + lifetime,
    )
    session.add(payment)
    session.flush()
    events.record(
        session, "ebank.payment_requested", actor=actor, class_id=class_id, subject=str(payment.id),
        task_code=task_code, payee_account_id=payee.id, out_trade_no=trade_no, amount_fen=amount_fen, purpose=purpose,
        reference=ref,
    )
    return _request(payment, payee)


def _request(payment: Payment, payee: BankAccount) -> PaymentRequest:
    return PaymentRequest(
        payment.id, payee.account_number, payment.out_trade_no, payment.amount_fen, payment.subject, payment.purpose,
        payment.request_body, payment.request_signature, payment.status,
    )


def request_payment(
    uow: UnitOfWork,
    actor: Actor,
    *,
    out_trade_no: str,
    amount: object,
    subject: str,
    purpose: str = "other",
    reference: str | None = None,
    payee_kind: str = MERCHANT,
    task_code: str | None = None,
) -> PaymentRequest:
    """A payee (the actor's special-merchant or corporate account) asks for a payment.

    Raises ebank.no_account and the errors of :func:`create_payment`, ledger.amount_*.
    """
    amount_fen = ledger.parse_amount(amount, "ebank.amount")
    with uow.write() as s:
        class_id = services.require_customer(s, actor)
        payee = services.own_account(s, actor, payee_kind)
        return create_payment(
            s, class_id=class_id, payee_account_id=payee.id, out_trade_no=out_trade_no, amount_fen=amount_fen,
            subject=subject, purpose=purpose, reference=reference, actor=actor, task_code=task_code,
        )


def payment_view(session: Session, actor: Actor, payment_id: object) -> PaymentView:
    """The cashier's view of a payment of the actor's class; ebank.no_such_payment otherwise."""
    payment = _payment_of_class(session, actor, payment_id)
    payee = session.get(BankAccount, payment.payee_account_id)
    assert payee is not None
    return PaymentView(
        payment.id, payee.holder_name, mask(payee.account_number), payment.out_trade_no, payment.amount_fen,
        payment.subject, payment.purpose, payment.status, payment.expires_at, payment.paid_at,
        payment.merchant_confirmed_at is not None,
    )


def _payment_of_class(session: Session, actor: Actor, payment_id: object) -> Payment:
    try:
        pid = int(str(payment_id).strip())
    except ValueError:
        raise DomainError("ebank.no_such_payment", field="ebank.payment_id") from None
    payment = session.get(Payment, pid)
    if payment is None or payment.class_id != actor.class_id:
        raise DomainError("ebank.no_such_payment", field="ebank.payment_id")
    return payment


# ----------------------------------------------------------------------------- pay


def pay(
    uow: UnitOfWork,
    actor: Actor,
    *,
    payment_id: object,
    card_number: object,
    payment_password: str,
    task_code: str | None = None,
    request_id: str | None = None,
    deliver_now: bool = True,
) -> PaymentReceipt:
    """The payer authorises a payment at the bank's cashier with their card (account) number and
    payment password; the bank moves the money, signs the notification and (``deliver_now``)
    delivers it to the payee at once. ``task_code`` names the caller's task (B2C028, B2B017 …).

    Raises ebank.no_such_payment, ebank.payment_already_paid, ebank.payment_expired,
    ebank.payment_cancelled, ebank.payment_tampered, ebank.bad_account_number (ebank.card_number),
    ebank.unknown_account, ebank.not_your_account, ebank.same_account, ebank.cannot_pay_from,
    ebank.wrong_payment_password, ebank.payment_locked, ledger.insufficient_funds.
    """
    number = clean_account_number(card_number, "ebank.card_number")
    with uow.read() as s:
        services.require_customer(s, actor)
        payment = _payment_of_class(s, actor, payment_id)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind == "ebank.payment_paid" and done.subject == str(payment.id) and done.actor_id == actor.user_id:
                return _receipt(s, payment, replayed=True)
            raise DomainError("request.duplicate")
        payer = _check_payable(s, actor, payment, number)
        payer_id, pid = payer.id, payment.id
    services.check_payment(uow, actor, payer_id, payment_password)
    with uow.write() as s:
        payment = s.get(Payment, pid)
        payer = s.get(BankAccount, payer_id)
        assert payment is not None and payer is not None
        _check_payable(s, actor, payment, number)
        services.confirm_payment_check(s, payer)
        now = utcnow()
        won = s.execute(
            update(Payment).where(Payment.id == pid, Payment.status == CREATED)
            .values(status=PAID, payer_account_id=payer.id, paid_by=actor.user_id, paid_at=now)
            .execution_options(synchronize_session=False)
        ).rowcount
        if not won:  # paid by a concurrent request meanwhile
            raise DomainError("ebank.payment_already_paid")
        s.refresh(payment)
        payee = s.get(BankAccount, payment.payee_account_id)
        assert payee is not None
        posted = ledger.transfer(
            s, class_id=payment.class_id, from_account=payer.ledger_account_id, to_account=payee.ledger_account_id,
            amount_fen=payment.amount_fen, key=f"payment:{payment.id}", actor_id=actor.user_id, kind="payment",
            memo=payment.subject[:200], reference=f"payment:{payment.id}",
        )
        payment.entry_id = posted.entry_id
        payment.task_code = task_code or payment.task_code
        s.flush()
        _write_notification(s, payment, payer, payee)
        events.record(
            s, "ebank.payment_paid", actor=actor, subject=str(payment.id), task_code=task_code, request_id=request_id,
            payment_id=payment.id, entry_id=posted.entry_id, amount_fen=payment.amount_fen, purpose=payment.purpose,
            payer_account_id=payer.id, payee_account_id=payee.id, out_trade_no=payment.out_trade_no,
        )
        receipt = _receipt(s, payment, replayed=False)
    if deliver_now:
        try:
            deliver(uow, pid)
        except DomainError:
            pass  # stays in the outbox; the payee's page can fetch it again
        with uow.read() as s:
            payment = s.get(Payment, pid)
            assert payment is not None
            receipt = _receipt(s, payment, replayed=False)
    return receipt


def _check_payable(session: Session, actor: Actor, payment: Payment, number: str) -> BankAccount:
    if payment.status == PAID:
        raise DomainError("ebank.payment_already_paid")
    if payment.status != CREATED:
        raise DomainError("ebank.payment_cancelled")
    if payment.expires_at <= utcnow():
        raise DomainError("ebank.payment_expired")
    payee = session.get(BankAccount, payment.payee_account_id)
    if payee is None or not _request_intact(session, payment, payee):
        raise DomainError("ebank.payment_tampered")
    payer = session.scalar(select(BankAccount).where(BankAccount.account_number == number))
    if payer is None or payer.class_id != payment.class_id:
        raise DomainError("ebank.unknown_account", field="ebank.card_number", number=number)
    if payer.owner_id != actor.user_id:
        raise DomainError("ebank.not_your_account", field="ebank.card_number")
    if payer.id == payee.id:
        raise DomainError("ebank.same_account", field="ebank.card_number")
    if payer.kind not in (PERSONAL, CORPORATE):
        raise DomainError("ebank.cannot_pay_from", field="ebank.card_number")
    return payer


def _receipt(session: Session, payment: Payment, *, replayed: bool) -> PaymentReceipt:
    payer = session.get(BankAccount, payment.payer_account_id) if payment.payer_account_id else None
    return PaymentReceipt(
        payment.id, int(payment.entry_id or 0), payment.amount_fen, payment.paid_at or payment.created_at,
        mask(payer.account_number) if payer else "", payment.merchant_confirmed_at is not None, replayed,
    )


# ----------------------------------------------------------------------------- notification


def notification_document(payment: Payment, payer: BankAccount, payee: BankAccount) -> dict[str, Any]:
    """The fields of the bank's payment notice (what the payee's handler checks)."""
    assert payment.paid_at is not None
    return {
        "notify_type": "trade_status_sync",
        "trade_status": "TRADE_SUCCESS",
        "bank": "沙盒银行 Sandbox Bank",
        "class_id": payment.class_id,
        "payment_id": payment.id,
        "out_trade_no": payment.out_trade_no,
        "purpose": payment.purpose,
        "reference": payment.reference,
        "subject": payment.subject,
        "amount": format_fen(payment.amount_fen, grouping=False),
        "amount_fen": payment.amount_fen,
        "currency": payment.currency,
        "payee_account": payee.account_number,
        "payer_account": mask(payer.account_number),
        "entry_id": payment.entry_id,
        "paid_at": payment.paid_at.isoformat(timespec="seconds"),
        "sign_type": "RSA-PSS-SHA256",
    }


def _write_notification(session: Session, payment: Payment, payer: BankAccount, payee: BankAccount) -> None:
    from cryptography.hazmat.primitives.serialization import Encoding

    from sandbox.pki import services as pki

    body = pki.canonical_json(notification_document(payment, payer, payee))
    key, cert = pki.system_identity(session, payment.class_id, "bank")
    session.add(PaymentNotification(
        class_id=payment.class_id, payment_id=payment.id, body=body.decode("utf-8"),
        signature_b64=base64.b64encode(pki.sign(key, body)).decode("ascii"),
        signer_certificate_pem=cert.public_bytes(Encoding.PEM).decode("ascii"), created_at=utcnow(), deliveries=0,
    ))
    session.flush()


def notification_of(session: Session, payment_id: int) -> tuple[bytes, bytes, str]:
    """(exact body bytes, raw signature, signer certificate PEM) of a payment's notification."""
    row = session.scalar(select(PaymentNotification).where(PaymentNotification.payment_id == payment_id))
    if row is None:
        raise DomainError("ebank.no_notification")
    return row.body.encode("utf-8"), base64.b64decode(row.signature_b64), row.signer_certificate_pem


def deliver(uow: UnitOfWork, payment_id: int) -> NotifyResult:
    """The dispatcher: hand the stored notification of ``payment_id`` to the payee's handler
    (Streamlit has no webhook routes, so this is a function call, repeatable at will)."""
    with uow.read() as s:
        body, signature, _pem = notification_of(s, payment_id)
    return receive_notification(uow, body=body, signature=signature)


def receive_notification(uow: UnitOfWork, *, body: bytes, signature: bytes) -> NotifyResult:
    """The payee's notification handler: verify the bank's signature over the exact bytes, check
    the notice against the payment on record, and process it exactly once (a repeat is
    acknowledged with ``first_time`` False and changes nothing).

    Raises ebank.notify_malformed, ebank.notify_bad_signature, ebank.notify_mismatch.
    """
    from sandbox.pki import services as pki

    try:
        doc = json.loads(body.decode("utf-8"))
        class_id, payment_id = int(doc["class_id"]), int(doc["payment_id"])
        amount_fen = int(doc["amount_fen"])
        amount_text = Decimal(str(doc["amount"])) * 100
    except (ValueError, KeyError, TypeError, UnicodeDecodeError, ArithmeticError):
        raise DomainError("ebank.notify_malformed") from None
    with uow.write() as s:
        _key, cert = pki.system_identity(s, class_id, "bank")
        if not pki.verify_signature(cert, body, signature):
            raise DomainError("ebank.notify_bad_signature")
        payment = s.get(Payment, payment_id)
        row = s.scalar(select(PaymentNotification).where(PaymentNotification.payment_id == payment_id))
        payee = s.get(BankAccount, payment.payee_account_id) if payment is not None else None
        if (
            payment is None or row is None or payee is None or payment.class_id != class_id
            or payment.status != PAID or doc.get("trade_status") != "TRADE_SUCCESS"
            or doc.get("out_trade_no") != payment.out_trade_no or amount_fen != payment.amount_fen
            or amount_text != payment.amount_fen
            or doc.get("currency") != payment.currency or doc.get("payee_account") != payee.account_number
        ):
            raise DomainError("ebank.notify_mismatch")
        now = utcnow()
        s.execute(
            update(PaymentNotification).where(PaymentNotification.id == row.id)
            .values(deliveries=PaymentNotification.deliveries + 1, last_delivery_at=now)
            .execution_options(synchronize_session=False)
        )
        first = s.execute(
            update(PaymentNotification).where(PaymentNotification.id == row.id, PaymentNotification.processed_at.is_(None))
            .values(processed_at=now).execution_options(synchronize_session=False)
        ).rowcount == 1
        if first:
            payment.merchant_confirmed_at = now
            payer = s.get(BankAccount, payment.payer_account_id) if payment.payer_account_id else None
            load_handlers()
            handler = _HANDLERS.get(payment.purpose)
            if handler is not None:
                handler(s, PaidPayment(
                    payment.id, payment.class_id, payment.purpose, payment.reference, payment.out_trade_no,
                    payment.amount_fen, payee.id, payer.id if payer else 0, payer.owner_id if payer else None,
                    payee.owner_id, payment.paid_at or now, payment.task_code,
                ))
        events.record(
            s, "ebank.notification_processed" if first else "ebank.notification_repeated", class_id=class_id,
            actor_id=payee.owner_id, subject=str(payment.id), payment_id=payment.id, out_trade_no=payment.out_trade_no,
            amount_fen=payment.amount_fen,
        )
        return NotifyResult(payment.id, payment.out_trade_no, payment.amount_fen, first)


# ----------------------------------------------------------------------------- artefacts


def write_notification_files(session: Session, payment_id: int, folder: str | Path) -> dict[str, Path]:
    """Write a payment's signed notification as ``payment-notification.json`` (the exact signed
    bytes), ``.json.sig`` (the raw signature) and ``.signer.pem`` (the bank's certificate) into
    ``folder``; verifiable with :data:`VERIFY_COMMANDS` (``openssl dgst -sha256 -verify``)."""
    body, signature, pem = notification_of(session, payment_id)
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in NOTIFY_FILES}
    paths[NOTIFY_FILES[0]].write_bytes(body)
    paths[NOTIFY_FILES[1]].write_bytes(signature)
    paths[NOTIFY_FILES[2]].write_text(pem, encoding="ascii")
    return paths


def write_sample_notification(uow: UnitOfWork, class_id: int, folder: str | Path, *, readme: bool = True) -> dict[str, Path]:
    """For ``demo --artefacts``: the class's latest payment notification (a bot merchant and a bot
    customer make one first if the class has none) written by :func:`write_notification_files`;
    with ``readme`` the openssl commands are appended to ``folder/README``."""
    with uow.read() as s:
        latest = s.scalar(
            select(PaymentNotification.payment_id).where(PaymentNotification.class_id == class_id)
            .order_by(PaymentNotification.id.desc()).limit(1)
        )
    if latest is None:
        latest = sample_payment(uow, class_id)
    with uow.read() as s:
        paths = write_notification_files(s, int(latest), folder)
    if readme:
        with open(Path(folder) / "README", "a", encoding="utf-8") as fh:
            fh.write(
                "\n# Payment notification (bank -> merchant), signed RSA-PSS / SHA-256 (salt length 32)\n"
                "# Verify the detached signature with the signer's public key:\n" + VERIFY_COMMANDS
            )
    return paths


def sample_payment(uow: UnitOfWork, class_id: int) -> int:
    """A paid B2C-style payment between two bots of the class (merchant and shopper); its id."""
    from sandbox.bots import ensure_bot

    merchant = ensure_bot(uow, class_id, f"bot-{class_id}-bank-merchant", "Bot Merchant")
    shopper = ensure_bot(uow, class_id, f"bot-{class_id}-bank-shopper", "Bot Shopper")
    password = "246810"  # noqa: S105  (a bot's known payment password)
    with uow.read() as s:
        has_shop = bool(services.own_accounts(s, merchant, MERCHANT))
        card = services.own_accounts(s, shopper, PERSONAL)
    if not has_shop:
        services.register_merchant(
            uow, merchant, merchant_name="Sandbox Sample Shop", licence_number="91110000SAMPLE01",
            shop_url="shop.sandbox.test", contact_name="Bot", phone="010-12345678",
        )
    if not card:
        services.register_personal(
            uow, shopper, full_name="Bot Shopper", id_number="SAMPLE001", phone="13800000000",
            payment_password=password, payment_password_confirm=password,
        )
    with uow.read() as s:
        number = services.own_account(s, shopper, PERSONAL).account_number
    services.deposit(uow, shopper, kind=PERSONAL, amount="100.00", payment_password=password)
    request = request_payment(
        uow, merchant, out_trade_no=f"SAMPLE{secrets.token_hex(4).upper()}", amount="12.34", subject="Sample order",
        purpose="b2c",
    )
    pay(uow, shopper, payment_id=request.payment_id, card_number=number, payment_password=password)
    return request.payment_id


@dataclass(frozen=True)
class ReceivedPayment:
    """A payment to one of the actor's accounts, as the payee's back office sees it."""

    payment_id: int
    out_trade_no: str
    subject: str
    purpose: str
    amount_fen: int
    status: str
    created_at: datetime
    paid_at: datetime | None
    confirmed: bool
    deliveries: int


def received_payments(session: Session, actor: Actor, kind: str = MERCHANT, limit: int = 200) -> list[ReceivedPayment]:
    """The payment requests of the actor's payee account (newest first), with whether the bank's
    notice was verified and processed — the only thing that makes an order "paid" for the payee."""
    accounts = [a.id for a in services.own_accounts(session, actor, kind)]
    if not accounts:
        return []
    rows = session.execute(
        select(Payment, PaymentNotification.deliveries)
        .outerjoin(PaymentNotification, PaymentNotification.payment_id == Payment.id)
        .where(Payment.payee_account_id.in_(accounts))
        .order_by(Payment.id.desc())
        .limit(limit)
    ).all()
    return [
        ReceivedPayment(p.id, p.out_trade_no, p.subject, p.purpose, p.amount_fen, p.status, p.created_at, p.paid_at,
                        p.merchant_confirmed_at is not None, int(n or 0))
        for p, n in rows
    ]


def redeliver(uow: UnitOfWork, actor: Actor, payment_id: object) -> NotifyResult:
    """The payee asks the bank to send a payment's notice again (processed at most once)."""
    with uow.read() as s:
        payment = _payment_of_class(s, actor, payment_id)
        payee = s.get(BankAccount, payment.payee_account_id)
        if payee is None or payee.owner_id != actor.user_id:
            raise DomainError("ebank.no_such_payment", field="ebank.payment_id")
        pid = payment.id
    return deliver(uow, pid)
