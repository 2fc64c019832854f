"""E-bank services on SQLite and PostgreSQL: registrations, the certificate login, deposits and
transfers with their bad inputs, payment-password locks and the officer's unlock, logged queries."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sandbox.bots import BotWorld
from sandbox.bots import ebank as bank_bots
from sandbox.bots.ebank import LOGIN_PASSWORD, PAY_PASSWORD
from sandbox.bots.email import ensure_mailbox
from sandbox.ebank import inquiry, services
from sandbox.ebank.models import CORPORATE, MERCHANT, PERSONAL, BankAccount
from sandbox.ebank.numbers import check_payment_password, clean_account_number, luhn_ok, mask, new_account_number
from sandbox.email import queries as mail_queries
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.ledger import queries as lq
from sandbox.pki.models import Certificate
from tests import factories
from tests.integration.helpers import changes_nothing, event_kinds, events_of, fetch, refused


@pytest.fixture
def bank(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann = factories.student(uow, room, "ann", "Ann Li")
    bob = factories.student(uow, room, "bob", "Bob Wang")
    return {"uow": uow, "room": room, "ann": ann, "bob": bob, "teacher": teacher,
            "world": BotWorld(uow=uow, class_id=room.id, student=ann)}


def personal(bank, who="ann") -> str:
    return bank_bots.ensure_personal(bank["world"], bank[who])


def balance_of(uow, number: str) -> int:
    with uow.read() as s:
        account = s.scalar(select(BankAccount).where(BankAccount.account_number == number))
        return lq.balance(s, account.ledger_account_id)


# ----------------------------------------------------------------------------- numbers


def test_account_numbers_are_luhn_valid_cards_and_typed_numbers_are_cleaned():
    numbers = {new_account_number() for _ in range(200)}
    assert all(len(n) == 16 and n.startswith("622888") and luhn_ok(n) for n in numbers)
    n = next(iter(numbers))
    assert clean_account_number(f" {n[:4]} {n[4:8]}-{n[8:]} ") == n
    assert clean_account_number("".join(chr(ord(c) + 0xFEE0) for c in n)) == n  # full-width digits
    broken = n[:-1] + str((int(n[-1]) + 1) % 10)
    for bad in (broken, n[:-1], "abc", "62288800000000ab"):
        with pytest.raises(DomainError) as caught:
            clean_account_number(bad)
        assert caught.value.code == "ebank.bad_account_number"
    assert mask(n) == n[:6] + "******" + n[-4:]
    assert check_payment_password("012345") == "012345"
    for bad in ("12345", "1234567", "abcdef", "１２３４５６"):
        with pytest.raises(DomainError):
            check_payment_password(bad)


# ----------------------------------------------------------------------------- EBANK001 / EBANK002


def test_corporate_registration_opens_an_account_and_mails_the_certificate(bank):
    uow, ann = bank["uow"], bank["ann"]
    box = ensure_mailbox(bank["world"], ann)
    reg = bank_bots.ensure_corporate(bank["world"], ann)
    with uow.read() as s:
        account = s.scalar(select(BankAccount).where(BankAccount.account_number == reg.account_number))
        cert = s.get(Certificate, reg.certificate_id)
        inbox = mail_queries.folder(s, ann, "inbox")
        assert account.kind == CORPORATE and account.owner_id == ann.user_id and account.certificate_id == cert.id
        assert (cert.owner_id, cert.task_code, cert.state) == (ann.user_id, "EBANK001", "issued")
        assert account.user_number == reg.user_number and account.login_password_hash != LOGIN_PASSWORD
    assert balance_of(uow, reg.account_number) == 0
    senders = {m.sender for m in inbox}
    assert {"bank@sandbox.test"} <= senders and len(inbox) >= 1, (box, senders)
    assert "ebank.corporate_registered" in event_kinds(uow)


def test_bad_corporate_registrations_change_nothing(bank):
    uow, ann = bank["uow"], bank["ann"]
    good = dict(agree=True, company_name="Acme", licence_number="91110000123456789X", address="Beijing",
                contact_name="Li", phone="010-12345678", login_password=LOGIN_PASSWORD,
                login_password_confirm=LOGIN_PASSWORD, payment_password=PAY_PASSWORD,
                payment_password_confirm=PAY_PASSWORD)
    cases = [
        ({"agree": False}, "ebank.terms_not_accepted"),
        ({"company_name": "  "}, "input.required"),
        ({"licence_number": "??"}, "ebank.bad_licence"),
        ({"phone": "call me"}, "ebank.bad_phone"),
        ({"email": "not-an-address"}, "ebank.bad_email"),
        ({"payment_password": "12a456", "payment_password_confirm": "12a456"}, "ebank.payment_password_format"),
        ({"payment_password_confirm": "135791"}, "input.password_mismatch"),
        ({"login_password": "short", "login_password_confirm": "short"}, "input.password_short"),
    ]
    with changes_nothing(uow):
        for change, code in cases:
            with refused(code):
                services.register_corporate(uow, ann, **{**good, **change})
    services.register_corporate(uow, ann, **good, request_id="reg-1")
    again = services.register_corporate(uow, ann, **good, request_id="reg-1")  # a double click
    assert again.download_password is None
    with refused("ebank.company_taken", field="ebank.company_name"):
        services.register_corporate(uow, ann, **good)
    with refused("auth.forbidden"):
        services.register_corporate(uow, bank["teacher"], **good)


def test_certificate_login_then_user_number_and_password(bank):
    uow, ann, world = bank["uow"], bank["ann"], bank["world"]
    reg = bank_bots.ensure_corporate(world, ann)
    p12 = bank_bots._p12_of(world, ann, reg)
    challenge = services.login_challenge(uow, ann)
    with refused("pki.bad_p12_password"):
        services.verify_certificate(uow, ann, challenge_id=challenge.id, p12_bytes=p12, p12_password="WRONG12345")
    fresh = services.login_challenge(uow, ann)
    check = services.verify_certificate(uow, ann, challenge_id=fresh.id, p12_bytes=p12,
                                        p12_password=reg.download_password)
    assert check.certificate_number == reg.certificate_number
    with pytest.raises(DomainError) as replay:  # the challenge was used up
        services.verify_certificate(uow, ann, challenge_id=fresh.id, p12_bytes=p12, p12_password=reg.download_password)
    assert replay.value.code.startswith("pki.challenge")
    with refused("ebank.not_verified"):  # Bob cannot use Ann's verification
        services.complete_login(uow, bank["bob"], token=check.token, user_number=reg.user_number,
                                password=LOGIN_PASSWORD)
    with refused("ebank.wrong_login"):
        services.complete_login(uow, ann, token=check.token, user_number=reg.user_number, password="nope-nope")
    login = services.complete_login(uow, ann, token=check.token, user_number=reg.user_number, password=LOGIN_PASSWORD)
    assert login.account.account_number == reg.account_number and login.token != check.token
    with refused("ebank.not_verified"):  # a verification opens one session only
        services.complete_login(uow, ann, token=check.token, user_number=reg.user_number, password=LOGIN_PASSWORD)
    assert services.current_login(uow, ann, login.token) is not None
    assert services.current_login(uow, bank["bob"], login.token) is None
    kinds = event_kinds(uow)
    assert kinds.count("ebank.login_succeeded") == 1 and kinds.count("ebank.login_failed") >= 2
    services.logout(uow, ann, login.token)
    assert services.current_login(uow, ann, login.token) is None


def test_the_installed_identity_also_logs_in_and_a_revoked_certificate_does_not(bank):
    from sandbox.ca import services as ca

    uow, ann, world = bank["uow"], bank["ann"], bank["world"]
    reg = bank_bots.ensure_corporate(world, ann)
    bank_bots._p12_of(world, ann, reg)  # CA002 + CA003 install the identity
    with uow.read() as s:
        [ident] = services.identities(s, ann)
    assert ident.installed and ident.number == reg.certificate_number
    challenge = services.login_challenge(uow, ann)
    check = services.verify_certificate(uow, ann, challenge_id=challenge.id, certificate_id=ident.certificate_id)
    assert check.certificate_id == reg.certificate_id
    ca.revoke(uow, bank["teacher"], class_id=bank["room"].id, certificate_id=reg.certificate_id, reason="key_compromise")
    challenge = services.login_challenge(uow, ann)
    with refused("pki.revoked"):
        services.verify_certificate(uow, ann, challenge_id=challenge.id, certificate_id=ident.certificate_id)


def test_a_certificate_not_from_the_bank_registration_is_refused(bank):
    from sandbox.bots import ca as ca_bots
    from sandbox.ca import services as ca

    uow, ann, world = bank["uow"], bank["ann"], bank["world"]
    bank_bots.ensure_corporate(world, ann)
    held = ca_bots.apply_as(world, ann)  # CA001: a stand-alone certificate
    ca.verify_download(uow, ann, number=held.number, password=held.password)
    p12 = ca.download(uow, ann, certificate_id=held.certificate_id, password=held.password).data
    challenge = services.login_challenge(uow, ann)
    with refused("ebank.certificate_not_registered"):
        services.verify_certificate(uow, ann, challenge_id=challenge.id, p12_bytes=p12, p12_password=held.password)


def test_five_wrong_login_passwords_lock_until_the_officer_unlocks(bank):
    uow, ann, world = bank["uow"], bank["ann"], bank["world"]
    reg = bank_bots.ensure_corporate(world, ann)
    p12 = bank_bots._p12_of(world, ann, reg)

    def verified() -> str:
        challenge = services.login_challenge(uow, ann)
        return services.verify_certificate(uow, ann, challenge_id=challenge.id, p12_bytes=p12,
                                           p12_password=reg.download_password).token

    token = verified()
    for left in (4, 3, 2, 1):
        with refused("ebank.wrong_login", left=left):
            services.complete_login(uow, ann, token=token, user_number=reg.user_number, password="wrong-password")
    with refused("ebank.login_locked"):
        services.complete_login(uow, ann, token=token, user_number=reg.user_number, password="wrong-password")
    with refused("ebank.login_locked"):  # the right password does not help now
        services.complete_login(uow, ann, token=token, user_number=reg.user_number, password=LOGIN_PASSWORD)
    with uow.read() as s:
        account_id = s.scalar(select(BankAccount.id).where(BankAccount.account_number == reg.account_number))
    with refused("auth.forbidden"):
        services.unlock(uow, ann, account_id=account_id)
    assert not services.unlock(uow, bank["teacher"], account_id=account_id).login_locked
    services.complete_login(uow, ann, token=token, user_number=reg.user_number, password=LOGIN_PASSWORD)


# ----------------------------------------------------------------------------- money


def test_deposit_and_transfer_move_money_between_classmates(bank):
    uow, ann, bob = bank["uow"], bank["ann"], bank["bob"]
    a, b = personal(bank), personal(bank, "bob")
    done = services.deposit(uow, ann, kind=PERSONAL, amount="1,000.50", payment_password=PAY_PASSWORD,
                            request_id="dep-1")
    assert (done.amount_fen, done.balance_after_fen) == (100_050, 100_050)
    sent = services.transfer(uow, ann, kind=PERSONAL, to_account=b, amount="250.25", payment_password=PAY_PASSWORD,
                             memo="lunch", request_id="tr-1")
    assert sent.balance_after_fen == 75_025 and sent.to_account == b
    assert (balance_of(uow, a), balance_of(uow, b)) == (75_025, 25_025)
    [ev] = events_of(uow, "ebank.transfer")
    assert (ev.actor_id, ev.task_code, ev.data["to_account"]) == (ann.user_id, "EBANK012", b)
    with uow.read() as s:
        assert lq.unbalanced_entries(s) == [] and lq.drifted_accounts(s) == []
    assert services.deposit(uow, bob, kind=PERSONAL, amount="1", payment_password=PAY_PASSWORD).amount_fen == 100


def test_a_double_click_books_once_and_a_changed_replay_is_refused(bank):
    uow, ann = bank["uow"], bank["ann"]
    personal(bank)
    b = personal(bank, "bob")
    services.deposit(uow, ann, kind=PERSONAL, amount="500", payment_password=PAY_PASSWORD, request_id="d")
    again = services.deposit(uow, ann, kind=PERSONAL, amount="500", payment_password=PAY_PASSWORD, request_id="d")
    assert again.replayed and balance_of(uow, b) == 0
    first = services.transfer(uow, ann, kind=PERSONAL, to_account=b, amount="10", payment_password=PAY_PASSWORD,
                              request_id="t")
    twice = services.transfer(uow, ann, kind=PERSONAL, to_account=b, amount="10", payment_password=PAY_PASSWORD,
                              request_id="t")
    assert twice.replayed and twice.entry_id == first.entry_id
    with changes_nothing(uow):
        with refused("ledger.key_reused"):
            services.transfer(uow, ann, kind=PERSONAL, to_account=b, amount="11", payment_password=PAY_PASSWORD,
                              request_id="t")
        with refused("request.duplicate"):  # Bob cannot replay Ann's request id
            services.deposit(uow, bank["bob"], kind=PERSONAL, amount="500", payment_password=PAY_PASSWORD,
                             request_id="d")
    assert balance_of(uow, b) == 1_000


@pytest.mark.parametrize(
    ("to", "amount", "code", "field"),
    [
        ("self", "10", "ebank.same_account", "ebank.to_account"),
        ("6228880000000008", "10", "ebank.unknown_account", "ebank.to_account"),
        ("6228 88ab", "10", "ebank.bad_account_number", "ebank.to_account"),
        ("", "10", "input.required", "ebank.to_account"),
        ("bob", "0", "ledger.amount_not_positive", "ebank.amount"),
        ("bob", "-5", "ledger.amount_not_positive", "ebank.amount"),
        ("bob", "1.234", "ledger.amount_too_precise", "ebank.amount"),
        ("bob", "ten", "ledger.amount_invalid", "ebank.amount"),
        ("bob", "100.01", "ledger.insufficient_funds", None),
        ("other-class", "10", "ebank.unknown_account", "ebank.to_account"),
    ],
)
def test_bad_transfers_are_refused_and_change_nothing(bank, to, amount, code, field):
    uow, ann = bank["uow"], bank["ann"]
    mine = personal(bank)
    targets = {"self": mine, "bob": personal(bank, "bob")}
    if to == "other-class":
        other = factories.classroom(uow, bank["teacher"], name="Other", seed=5)
        cid = factories.student(uow, other, "cid")
        targets[to] = bank_bots.ensure_personal(BotWorld(uow=uow, class_id=other.id, student=cid), cid)
    services.deposit(uow, ann, kind=PERSONAL, amount="100", payment_password=PAY_PASSWORD)
    with changes_nothing(uow), refused(code, **({"field": field} if field else {})):
        services.transfer(uow, ann, kind=PERSONAL, to_account=targets.get(to, to), amount=amount,
                          payment_password=PAY_PASSWORD)


def test_five_wrong_payment_passwords_lock_the_account_and_nothing_moves(bank):
    uow, ann = bank["uow"], bank["ann"]
    card = personal(bank)
    services.deposit(uow, ann, kind=PERSONAL, amount="100", payment_password=PAY_PASSWORD)
    for left in (4, 3, 2, 1):
        with refused("ebank.wrong_payment_password", left=left, field="ebank.payment_password"):
            services.deposit(uow, ann, kind=PERSONAL, amount="100", payment_password="000000")
    with refused("ebank.payment_locked"):
        services.deposit(uow, ann, kind=PERSONAL, amount="100", payment_password="000000")
    with refused("ebank.payment_locked"):
        services.deposit(uow, ann, kind=PERSONAL, amount="100", payment_password=PAY_PASSWORD)
    assert balance_of(uow, card) == 10_000
    assert event_kinds(uow).count("ebank.password_failed") == 5
    assert "ebank.account_locked" in event_kinds(uow)
    with uow.read() as s:
        account_id = s.scalar(select(BankAccount.id).where(BankAccount.account_number == card))
    other_teacher = factories.instructor(uow, "other-teacher", "Zhao Lei")
    with refused("class.not_found"):  # not the officer of this class
        services.unlock(uow, other_teacher, account_id=account_id)
    services.unlock(uow, bank["teacher"], account_id=account_id)
    services.deposit(uow, ann, kind=PERSONAL, amount="1", payment_password=PAY_PASSWORD)
    assert balance_of(uow, card) == 10_100


def test_a_correct_password_resets_the_count_of_wrong_ones(bank):
    uow, ann = bank["uow"], bank["ann"]
    personal(bank)
    for _ in range(3):
        with refused("ebank.wrong_payment_password"):
            services.deposit(uow, ann, kind=PERSONAL, amount="1", payment_password="000000")
    services.deposit(uow, ann, kind=PERSONAL, amount="1", payment_password=PAY_PASSWORD)
    with refused("ebank.wrong_payment_password", left=4):
        services.deposit(uow, ann, kind=PERSONAL, amount="1", payment_password="000000")


def test_corporate_money_needs_a_live_online_banking_session(bank):
    uow, ann, world = bank["uow"], bank["ann"], bank["world"]
    bank_bots.ensure_corporate(world, ann)
    with changes_nothing(uow):
        with refused("ebank.login_required"):
            services.deposit(uow, ann, kind=CORPORATE, amount="10", payment_password=PAY_PASSWORD)
        with refused("ebank.login_required"):
            inquiry.balance(uow, ann, kind=CORPORATE, session_token="forged")
    token = bank_bots.corporate_session(world, ann)
    services.deposit(uow, ann, kind=CORPORATE, amount="10", payment_password=PAY_PASSWORD, session_token=token)
    with refused("ebank.login_required"):  # Bob cannot use Ann's session
        services.deposit(uow, bank["bob"], kind=CORPORATE, amount="10", payment_password=PAY_PASSWORD,
                         session_token=token)


def test_personal_and_merchant_registrations(bank):
    uow, ann = bank["uow"], bank["ann"]
    with changes_nothing(uow):
        for change, code in (({"id_number": "x"}, "ebank.bad_id_number"), ({"phone": "12"}, "ebank.bad_phone"),
                             ({"payment_password_confirm": "000000"}, "input.password_mismatch")):
            with refused(code):
                services.register_personal(uow, ann, **{"full_name": "Ann", "id_number": "ID0001", "phone": "13800138000",
                                                        "payment_password": PAY_PASSWORD,
                                                        "payment_password_confirm": PAY_PASSWORD, **change})
        with refused("ebank.bad_url"):
            services.register_merchant(uow, ann, merchant_name="Shop", licence_number="92110000", shop_url="a b",
                                       contact_name="Ann", phone="021-1234567")
    personal(bank)
    with refused("ebank.already_registered"):
        services.register_personal(uow, ann, full_name="Ann", id_number="ID0001", phone="13800138000",
                                   payment_password=PAY_PASSWORD, payment_password_confirm=PAY_PASSWORD)
    shop = services.register_merchant(uow, ann, merchant_name="Ann's Shop", licence_number="92110000",
                                      shop_url="https://ann.sandbox.test/shop", contact_name="Ann", phone="021-1234567")
    assert shop.kind == MERCHANT and not shop.has_payment_password
    with uow.read() as s:
        assert {a.kind for a in services.my_accounts(s, ann)} == {PERSONAL, MERCHANT}


# ----------------------------------------------------------------------------- inquiry


def test_queries_are_logged_with_what_they_returned_and_only_show_own_accounts(bank):
    uow, ann = bank["uow"], bank["ann"]
    card = personal(bank)
    other = personal(bank, "bob")
    services.deposit(uow, ann, kind=PERSONAL, amount="80", payment_password=PAY_PASSWORD)
    services.transfer(uow, ann, kind=PERSONAL, to_account=other, amount="30", payment_password=PAY_PASSWORD)
    found = inquiry.balance(uow, ann, kind=PERSONAL, account_number=card)
    assert found.balance_fen == 5_000
    rows = inquiry.transactions(uow, ann, kind=PERSONAL)
    assert [r.direction for r in rows] == ["out", "in"] and rows[0].counterparty.endswith(other[-4:])
    assert inquiry.transactions(uow, ann, kind=PERSONAL, direction="in")[0].amount_fen == 8_000
    assert inquiry.transactions(uow, ann, kind=PERSONAL, date_from="2001-01-01", date_to="2001-02-01") == []
    with refused("ebank.not_your_account"):
        inquiry.balance(uow, ann, kind=PERSONAL, account_number=other)
    with refused("ebank.bad_date_range"):
        inquiry.transactions(uow, ann, kind=PERSONAL, date_from="2026-05-02", date_to="2026-05-01")
    with refused("ebank.no_account"):
        inquiry.balance(uow, ann, kind=MERCHANT)
    logged = fetch(uow, select(Event).where(Event.kind == "ebank.query").order_by(Event.id))
    assert [(e.subject, e.task_code, e.data["returned_count"]) for e in logged] == [
        ("personal.balance", "EBANK013", 1), ("personal.transactions", "EBANK014", 2),
        ("personal.transactions", "EBANK014", 1), ("personal.transactions", "EBANK014", 0),
    ]
    assert logged[1].data["returned_ids"] == [r.posting_id for r in rows]
    assert logged[1].data["filters"]["direction"] == "all"


def test_statement_csv_and_chart_of_ones_own_account(bank):
    uow, ann = bank["uow"], bank["ann"]
    personal(bank)
    for amount in ("10", "20.5"):
        services.deposit(uow, ann, kind=PERSONAL, amount=amount, payment_password=PAY_PASSWORD)
    data = inquiry.statement_csv(uow, ann, kind=PERSONAL).decode("utf-8-sig").splitlines()
    assert len(data) == 4 and data[-1].split(",")[6] == "30.50"
    fig = inquiry.balance_chart(uow, ann, kind=PERSONAL)
    assert list(fig.data[0].y) == [10.0, 30.5]
    with pytest.raises(DomainError):
        inquiry.statement_csv(uow, bank["bob"], kind=PERSONAL)
