"""The payment gateway on SQLite and PostgreSQL: a signed request, authorisation with card number
and payment password, the bank's signed notification processed exactly once, refusals of tampered
requests and notices, and ``openssl dgst -sha256 -verify`` accepting the exported notification."""

from __future__ import annotations

import base64
import json
import shutil
import subprocess

import pytest
from sqlalchemy import select, update

from sandbox.bots import BotWorld
from sandbox.bots import ebank as bank_bots
from sandbox.bots.ebank import PAY_PASSWORD
from sandbox.ebank import gateway, inquiry, services
from sandbox.ebank.models import MERCHANT, PERSONAL, BankAccount, Payment, PaymentNotification
from sandbox.errors import DomainError
from sandbox.ledger import queries as lq
from tests import factories
from tests.integration.helpers import changes_nothing, event_kinds, refused

CALLS: list[gateway.PaidPayment] = []


@pytest.fixture
def shop(uow):
    """Ann (a shopper with 500 yuan) and Bob (a special merchant) in one class."""
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann", "Ann Li")
    bob = factories.student(uow, room, "bob", "Bob Wang")
    world = BotWorld(uow=uow, class_id=room.id, student=ann)
    card = bank_bots.ensure_personal(world, ann)
    services.deposit(uow, ann, kind=PERSONAL, amount="500", payment_password=PAY_PASSWORD)
    merchant = bank_bots.ensure_merchant(world, bob)
    CALLS.clear()
    return {"uow": uow, "room": room, "ann": ann, "bob": bob, "card": card, "merchant": merchant, "world": world,
            "teacher": teacher}


@pytest.fixture(autouse=True)
def logistics_handler():
    """A module's 'paid' handler (here for purpose logistics), to count how often it runs."""
    gateway.load_handlers()  # the real handlers first, so a later notice's import cannot replace this one
    previous = gateway._HANDLERS.get("logistics")
    gateway.on_paid("logistics")(lambda session, paid: CALLS.append(paid))
    yield
    if previous is None:
        gateway._HANDLERS.pop("logistics", None)
    else:
        gateway._HANDLERS["logistics"] = previous


def ask(shop, amount="88.80", purpose="logistics", trade_no="ORDER-1") -> gateway.PaymentRequest:
    return gateway.request_payment(shop["uow"], shop["bob"], out_trade_no=trade_no, amount=amount,
                                   subject="运费 Freight", purpose=purpose, reference="delivery-7")


def balances(shop) -> tuple[int, int]:
    with shop["uow"].read() as s:
        rows = dict(s.execute(select(BankAccount.account_number, BankAccount.ledger_account_id)).all())
        return lq.balance(s, rows[shop["card"]]), lq.balance(s, rows[shop["merchant"]])


def test_a_payment_moves_money_once_and_the_merchant_processes_the_notice_once(shop):
    uow = shop["uow"]
    request = ask(shop)
    assert request.request_body.count("&") >= 8 and len(request.signature) == 64
    receipt = gateway.pay(uow, shop["ann"], payment_id=request.payment_id, card_number=shop["card"],
                          payment_password=PAY_PASSWORD, task_code="LGS018", request_id="pay-1")
    assert receipt.merchant_confirmed and receipt.amount_fen == 8_880
    assert balances(shop) == (50_000 - 8_880, 8_880)
    assert len(CALLS) == 1 and CALLS[0].reference == "delivery-7" and CALLS[0].payer_owner_id == shop["ann"].user_id
    again = gateway.deliver(uow, request.payment_id)  # the dispatcher retries: acknowledged, nothing twice
    assert not again.first_time and len(CALLS) == 1
    assert gateway.pay(uow, shop["ann"], payment_id=request.payment_id, card_number=shop["card"],
                       payment_password=PAY_PASSWORD, request_id="pay-1").replayed  # a double click
    with refused("ebank.payment_already_paid"):
        gateway.pay(uow, shop["ann"], payment_id=request.payment_id, card_number=shop["card"],
                    payment_password=PAY_PASSWORD)
    assert balances(shop) == (50_000 - 8_880, 8_880)
    with uow.read() as s:
        note = s.scalar(select(PaymentNotification))
        assert note.deliveries == 2 and note.processed_at is not None
        body = note.body
        [row] = gateway.received_payments(s, shop["bob"])
    assert row.confirmed and row.status == "paid"
    kinds = event_kinds(uow)
    assert kinds.count("ebank.notification_processed") == 1 and kinds.count("ebank.notification_repeated") == 1
    doc = json.loads(body)
    assert doc["amount"] == "88.80" and doc["payer_account"].count("*") == 6 and doc["trade_status"] == "TRADE_SUCCESS"


def test_the_merchant_sees_paid_only_after_the_verified_notice(shop):
    uow = shop["uow"]
    request = ask(shop)
    gateway.pay(uow, shop["ann"], payment_id=request.payment_id, card_number=shop["card"],
                payment_password=PAY_PASSWORD, deliver_now=False)
    with uow.read() as s:
        assert not gateway.received_payments(s, shop["bob"])[0].confirmed
        assert not gateway.payment_view(s, shop["ann"], request.payment_id).merchant_confirmed
    assert CALLS == []
    assert gateway.redeliver(uow, shop["bob"], request.payment_id).first_time
    with refused("ebank.no_such_payment"):
        gateway.redeliver(uow, shop["ann"], request.payment_id)  # not the payee
    with uow.read() as s:
        assert gateway.received_payments(s, shop["bob"])[0].confirmed


def test_a_tampered_notice_or_a_foreign_signature_is_refused(shop):
    from sandbox.pki import crypto

    uow = shop["uow"]
    request = ask(shop)
    gateway.pay(uow, shop["ann"], payment_id=request.payment_id, card_number=shop["card"],
                payment_password=PAY_PASSWORD, deliver_now=False)
    with uow.read() as s:
        body, signature, _pem = gateway.notification_of(s, request.payment_id)
    doc = json.loads(body)
    changed = body.replace(b'"amount_fen":8880', b'"amount_fen":1').replace(b'"88.80"', b'"0.01"')
    assert changed != body
    forged = crypto.sign(crypto.new_rsa_key(), body)
    with changes_nothing(uow):
        for data, sig, code in (
            (changed, signature, "ebank.notify_bad_signature"),      # amount changed after signing
            (body, forged, "ebank.notify_bad_signature"),            # signed by someone else's key
            (body + b" ", signature, "ebank.notify_bad_signature"),  # not the exact signed bytes
            (b"{not json", signature, "ebank.notify_malformed"),
        ):
            with refused(code):
                gateway.receive_notification(uow, body=data, signature=sig)
    assert CALLS == []
    # a notice the bank really signed, but whose amount is not the payment's, is refused too
    from sandbox.pki import services as pki

    with uow.write() as s:
        key, _cert = pki.system_identity(s, shop["room"].id, "bank")
        bad = pki.canonical_json({**doc, "amount": "1.00", "amount_fen": 100})
        bad_sig = pki.sign(key, bad)
    with refused("ebank.notify_mismatch"):
        gateway.receive_notification(uow, body=bad, signature=bad_sig)
    assert gateway.receive_notification(uow, body=body, signature=signature).first_time
    assert len(CALLS) == 1


def test_a_request_changed_after_signing_is_not_paid(shop):
    uow = shop["uow"]
    request = ask(shop)
    with uow.write() as s:  # someone edits the stored amount behind the shop's back
        s.execute(update(Payment).where(Payment.id == request.payment_id).values(amount_fen=1))
    with changes_nothing(uow), refused("ebank.payment_tampered"):
        gateway.pay(uow, shop["ann"], payment_id=request.payment_id, card_number=shop["card"],
                    payment_password=PAY_PASSWORD)


def test_bad_payments_are_refused_and_nothing_moves(shop):
    uow, ann, bob = shop["uow"], shop["ann"], shop["bob"]
    big = ask(shop, amount="600.00", trade_no="BIG")
    small = ask(shop, amount="1.00", trade_no="SMALL")
    bob_card = bank_bots.ensure_personal(shop["world"], bob)
    with changes_nothing(uow):
        with refused("ledger.insufficient_funds"):
            gateway.pay(uow, ann, payment_id=big.payment_id, card_number=shop["card"], payment_password=PAY_PASSWORD)
        with refused("ebank.not_your_account"):
            gateway.pay(uow, ann, payment_id=small.payment_id, card_number=bob_card, payment_password=PAY_PASSWORD)
        with refused("ebank.same_account"):  # the shop paying itself
            gateway.pay(uow, bob, payment_id=small.payment_id, card_number=shop["merchant"],
                        payment_password=PAY_PASSWORD)
        with refused("ebank.bad_account_number"):
            gateway.pay(uow, ann, payment_id=small.payment_id, card_number="12345", payment_password=PAY_PASSWORD)
        with refused("ebank.no_such_payment"):
            gateway.pay(uow, ann, payment_id="nope", card_number=shop["card"], payment_password=PAY_PASSWORD)
        with refused("ebank.duplicate_trade_no"):
            ask(shop, amount="2.00", trade_no="SMALL")
        with refused("ledger.amount_not_positive"):
            ask(shop, amount="0", trade_no="ZERO")
        with refused("ebank.bad_trade_no"):
            ask(shop, trade_no="no spaces please")
    assert ask(shop, amount="1.00", trade_no="SMALL").payment_id == small.payment_id  # same request: same payment
    with refused("ebank.wrong_payment_password"):
        gateway.pay(uow, ann, payment_id=small.payment_id, card_number=shop["card"], payment_password="000000")
    with uow.read() as s:
        assert s.get(Payment, small.payment_id).status == "created"
    assert balances(shop) == (50_000, 0)


def test_an_expired_request_cannot_be_paid(shop):
    uow = shop["uow"]
    with uow.write() as s:
        payee = s.scalar(select(BankAccount.id).where(BankAccount.account_number == shop["merchant"]))
        from datetime import timedelta

        request = gateway.create_payment(s, class_id=shop["room"].id, payee_account_id=payee, out_trade_no="OLD",
                                         amount_fen=100, subject="old", purpose="b2c", lifetime=timedelta(seconds=-1))
    with refused("ebank.payment_expired"):
        gateway.pay(uow, shop["ann"], payment_id=request.payment_id, card_number=shop["card"],
                    payment_password=PAY_PASSWORD)


def test_b2c_payments_show_in_the_shoppers_and_the_merchants_inquiries(shop):
    uow = shop["uow"]
    request = ask(shop, amount="12.34", purpose="b2c", trade_no="B2C-1")
    gateway.pay(uow, shop["ann"], payment_id=request.payment_id, card_number=shop["card"], payment_password=PAY_PASSWORD)
    [mine] = inquiry.epayments(uow, shop["ann"], kind=PERSONAL)
    assert (mine.payment_id, mine.direction, mine.purpose, mine.amount_fen) == (request.payment_id, "out", "b2c", 1_234)
    today = inquiry.today(uow, shop["bob"], kind=MERCHANT)
    assert today[0].payment_id == request.payment_id and today[0].out_trade_no == "B2C-1" and today[0].amount_fen > 0


def test_the_exported_notification_verifies_with_openssl(shop, tmp_path):
    if shutil.which("openssl") is None:
        pytest.skip("openssl not installed")
    uow = shop["uow"]
    request = ask(shop)
    gateway.pay(uow, shop["ann"], payment_id=request.payment_id, card_number=shop["card"], payment_password=PAY_PASSWORD)
    with uow.read() as s:
        paths = gateway.write_notification_files(s, request.payment_id, tmp_path)
    assert sorted(p.name for p in paths.values()) == sorted(gateway.NOTIFY_FILES)
    pub = tmp_path / "bank-pub.pem"
    subprocess.run(["openssl", "x509", "-in", str(paths["payment-notification.signer.pem"]), "-pubkey", "-noout",
                    "-out", str(pub)], check=True, capture_output=True)
    verify = ["openssl", "dgst", "-sha256", "-verify", str(pub), "-sigopt", "rsa_padding_mode:pss", "-sigopt",
              "rsa_pss_saltlen:-1", "-signature", str(paths["payment-notification.json.sig"])]
    ok = subprocess.run([*verify, str(paths["payment-notification.json"])], capture_output=True, text=True)
    assert ok.returncode == 0 and "Verified OK" in ok.stdout
    tampered = tmp_path / "tampered.json"
    tampered.write_bytes(paths["payment-notification.json"].read_bytes().replace(b"88.80", b"88.81"))
    bad = subprocess.run([*verify, str(tampered)], capture_output=True, text=True)
    assert bad.returncode != 0
    with uow.read() as s:  # the exported bytes are exactly the stored, signed ones
        body, signature, _ = gateway.notification_of(s, request.payment_id)
    assert paths["payment-notification.json"].read_bytes() == body
    assert base64.b64encode(paths["payment-notification.json.sig"].read_bytes()) == base64.b64encode(signature)


def test_a_sample_notification_is_made_for_an_empty_class(uow, tmp_path):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    paths = gateway.write_sample_notification(uow, room.id, tmp_path)
    assert all(p.exists() and p.stat().st_size > 0 for p in paths.values())
    assert "rsa_padding_mode:pss" in (tmp_path / "README").read_text()
    assert json.loads(paths["payment-notification.json"].read_bytes())["purpose"] == "b2c"
    again = gateway.write_sample_notification(uow, room.id, tmp_path / "again", readme=False)
    assert again["payment-notification.json"].read_bytes() == paths["payment-notification.json"].read_bytes()


def test_payment_requests_need_a_payee_account(shop):
    with refused("ebank.no_account"):
        gateway.request_payment(shop["uow"], shop["ann"], out_trade_no="X", amount="1", subject="s")
    with shop["uow"].write() as s, pytest.raises(DomainError) as caught:
        card = s.scalar(select(BankAccount.id).where(BankAccount.account_number == shop["card"]))
        gateway.create_payment(s, class_id=shop["room"].id, payee_account_id=card, out_trade_no="X", amount_fen=1,
                               subject="s", purpose="b2c")
    assert caught.value.code == "ebank.not_a_payee"
