"""The bank pages under AppTest on a fresh SQLite: views/bank.py, views/bank_merchant.py and
views/bank_officer.py render for their role and refuse the others (anonymous, a student on the
officer page, an instructor on the customer pages); a bad amount shows its zh/en error and books
nothing; a transfer to an unknown account or to the same account is refused; wrong payment
passwords are counted, lock the account after 5, and the bank officer's unlock lifts the lock."""

from __future__ import annotations

from dataclasses import replace

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.util import patch_config_options

from sandbox import ui
from sandbox.db import Database
from sandbox.ebank import services
from sandbox.ebank.models import BankAccount
from sandbox.ebank.numbers import group, new_account_number
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.i18n import t
from sandbox.ledger import parse_amount
from sandbox.ledger.models import JournalEntry, Posting
from sandbox.pki import crypto, sealing
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import check, count, en, errors, new_app, rendered, run, successes, titles, warnings, zh

PAY = "135790"
PERSONAL_OPS = "ebank_personal_op"


@pytest.fixture
def app_uow(sqlite_url, monkeypatch):
    monkeypatch.setenv("SANDBOX_DATABASE_URL", sqlite_url)
    monkeypatch.setenv(sealing.ENV_KEY, "apptest-master-key-0123456789abcdefgh")
    monkeypatch.setattr(crypto, "ROOT_KEY_BITS", 2048)
    db = Database.connect(sqlite_url)
    with patch_config_options({"runner.enforceSerializableSessionState": False}):
        yield UnitOfWork(db)
    ui._database.clear()
    db.dispose()


def open_personal(uow, actor, name: str, id_number: str, funds: str = "") -> str:
    account = services.register_personal(
        uow, actor, full_name=name, id_number=id_number, phone="13800138000", payment_password=PAY,
        payment_password_confirm=PAY,
    )
    if funds:
        services.deposit(uow, actor, kind="personal", amount=funds, payment_password=PAY)
    return account.account_number


@pytest.fixture
def people(app_uow):
    teacher = factories.instructor(app_uow)
    room = factories.classroom(app_uow, teacher)
    ann = factories.student(app_uow, room, "ann", "Ann Li")
    bob = factories.student(app_uow, room, "bob", "Bob Wang")
    return {"uow": app_uow, "teacher": teacher, "room": room, "ann": ann, "bob": bob}


@pytest.fixture
def accounts(people):
    """Ann's personal account with ¥500.00, Bob's with nothing."""
    uow = people["uow"]
    return {
        "ann": open_personal(uow, people["ann"], "Ann Li", "110101200001011234", funds="500"),
        "bob": open_personal(uow, people["bob"], "Bob Wang", "110101200002022345"),
    }


def press(at: AppTest, key: str) -> AppTest:
    """Click a (form submit) button by key and run."""
    found = [b for b in [*at.button, *at.form_submit_button] if b.key == key]
    assert found, f"no button {key!r}"
    return check(found[0].click().run())


def fill(at: AppTest, **values: str) -> None:
    for key, value in values.items():
        at.text_input(key=key).input(value)


def personal_op(at: AppTest, op: str) -> AppTest:
    at.segmented_control(key=PERSONAL_OPS).set_value(op)
    at = run(at)
    assert at.segmented_control(key=PERSONAL_OPS).value == op
    return at


def error_in(lang: str, err: DomainError) -> str:
    """What ``ui.error_text`` shows for ``err`` in ``lang`` (user text in it escaped for Markdown)."""
    params = {k: ui.plain(v) if isinstance(v, str) else v for k, v in err.params.items()}
    if err.field:
        params["field"] = t(f"field.{err.field}", lang)
    return t(err.code, lang, **params)


def refusal(fn, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as caught:
        fn(*args, **kwargs)
    return caught.value


def balance(uow, number: str) -> int:
    with uow.read() as s:
        account = s.query(BankAccount).filter_by(account_number=number).one()
        return services.account_info(s, account).balance_fen


# ----------------------------------------------------------------------------- roles


@pytest.mark.parametrize("script", ["views/bank.py", "views/bank_merchant.py", "views/bank_officer.py"])
def test_anonymous_is_refused(people, script):
    at = run(new_app(script))
    assert warnings(at) == [en("auth.login_required")]
    assert not titles(at) and not at.text_input and not at.button


def test_a_student_cannot_open_the_officer_page_nor_an_instructor_the_customer_pages(people, accounts):
    at = run(new_app("views/bank_officer.py", actor=people["ann"]))
    assert warnings(at) == [en("auth.forbidden")]
    assert accounts["ann"] not in rendered(at) and group(accounts["ann"]) not in rendered(at)
    for script in ("views/bank.py", "views/bank_merchant.py"):
        at = run(new_app(script, actor=people["teacher"]))
        assert warnings(at) == [en("auth.forbidden")], script


def test_each_role_sees_its_page(people, accounts):
    ann, bob = people["ann"], people["bob"]
    # a student with a personal account: header, deposit form; corporate and cashier tabs there
    at = run(new_app("views/bank.py", actor=ann))
    assert titles(at) == [en("ebank.ui.title")]
    assert [tab.label for tab in at.tabs] == [
        en("ebank.ui.tab_personal"), en("ebank.ui.tab_corporate"), en("ebank.ui.tab_cashier")
    ]
    assert [m.value for m in at.metric][:2] == [group(accounts["ann"]), "¥500.00"]
    assert at.text_input(key="ebank_personal_deposit_amount") is not None
    assert [i.value for i in at.info if "corporate" in i.value.lower()] == [en("ebank.ui.corporate_intro")]
    # ... and in 简体中文
    at = run(new_app("views/bank.py", actor=replace(ann, language="zh_CN")))
    assert titles(at) == [zh("ebank.ui.title")]
    assert [tab.label for tab in at.tabs] == [
        zh("ebank.ui.tab_personal"), zh("ebank.ui.tab_corporate"), zh("ebank.ui.tab_cashier")
    ]
    # the merchant page: the application form, then the merchant's header
    at = run(new_app("views/bank_merchant.py", actor=bob))
    assert titles(at) == [en("ebank.ui.merchant_title")]
    fill(at, ebank_merchant_register_name="Bob's Shop", ebank_merchant_register_licence="92110000123456789X",
         ebank_merchant_register_url="shop.bob.test", ebank_merchant_register_contact="Bob Wang",
         ebank_merchant_register_phone="021-55550000")
    at = press(at, "ebank_merchant_register_submit")
    assert not errors(at), errors(at)
    at = run(new_app("views/bank_merchant.py", actor=bob))
    assert [m.value for m in at.metric][1] == "¥0.00"
    assert "Bob's Shop" in at.text[0].value
    # the officer page: every account of the class, the books balanced, nothing locked
    at = run(new_app("views/bank_officer.py", actor=people["teacher"]))
    assert titles(at) == [en("ebank.ui.officer_title")]
    (table,) = at.dataframe
    assert list(table.value[en("ebank.ui.account_number")])[:2] == [group(accounts["ann"]), group(accounts["bob"])]
    assert at.metric[0].value == "3" and at.metric[3].value == en("ebank.ui.officer_ok")
    assert [c.value for c in at.caption] == [en("ebank.ui.officer_nothing_locked")]


# ----------------------------------------------------------------------------- bad amounts


@pytest.mark.parametrize("lang", ["en", "zh_CN"])
def test_bad_amounts_show_the_error_and_book_nothing(people, accounts, lang, monkeypatch):
    # AppTest sends a segmented control's choice as its format_func label, computed in the test
    # process where no session exists (ui.lang() would answer English): pin the language
    monkeypatch.setattr(ui, "lang", lambda: lang)
    uow, ann = people["uow"], replace(people["ann"], language=lang)
    before = (count(uow, JournalEntry), count(uow, Posting), count(uow, Event), balance(uow, accounts["ann"]))
    at = run(new_app("views/bank.py", actor=ann))
    for bad in ("0", "-1", "1.234", "abc"):
        expected = error_in(lang, refusal(parse_amount, bad, "ebank.amount"))
        fill(at, ebank_personal_deposit_amount=bad, ebank_personal_deposit_pw=PAY)
        at = press(at, "ebank_personal_deposit_submit")
        assert errors(at) == [expected], bad
    at = personal_op(at, "transfer")
    for bad in ("0", "-1", "1.234", "abc"):
        fill(at, ebank_personal_transfer_to=accounts["bob"], ebank_personal_transfer_amount=bad,
             ebank_personal_transfer_pw=PAY)
        at = press(at, "ebank_personal_transfer_submit")
        assert errors(at) == [error_in(lang, refusal(parse_amount, bad, "ebank.amount"))], bad
    after = (count(uow, JournalEntry), count(uow, Posting), count(uow, Event), balance(uow, accounts["ann"]))
    assert after == before
    # the message is the page's language, not the other one
    zero = error_in(lang, refusal(parse_amount, "0", "ebank.amount"))
    assert zero.startswith("Amount (yuan) must be more than zero" if lang == "en" else "金额（元）必须大于零")


# ----------------------------------------------------------------------------- payees


def test_transfer_to_an_unknown_or_the_same_account_is_refused(people, accounts):
    uow = people["uow"]
    before = (count(uow, JournalEntry), count(uow, Posting), balance(uow, accounts["ann"]))
    at = personal_op(run(new_app("views/bank.py", actor=people["ann"])), "transfer")
    stranger = next(n for n in iter(new_account_number, None) if n not in accounts.values())
    cases = [
        (stranger, "ebank.unknown_account"),
        (accounts["ann"], "ebank.same_account"),
        (group(accounts["ann"]), "ebank.same_account"),  # typed with spaces, still the same account
        ("6228 abc", "ebank.bad_account_number"),
    ]
    for payee, code in cases:
        fill(at, ebank_personal_transfer_to=payee, ebank_personal_transfer_amount="10", ebank_personal_transfer_pw=PAY)
        at = press(at, "ebank_personal_transfer_submit")
        err = refusal(services.transfer, uow, people["ann"], kind="personal", to_account=payee, amount="10",
                      payment_password=PAY)
        assert err.code == code
        assert errors(at) == [error_in("en", err)], payee
    assert (count(uow, JournalEntry), count(uow, Posting), balance(uow, accounts["ann"])) == before
    # the right payee goes through, with the flash and the new balance
    fill(at, ebank_personal_transfer_to=accounts["bob"], ebank_personal_transfer_amount="12.50",
         ebank_personal_transfer_pw=PAY)
    at = press(at, "ebank_personal_transfer_submit")
    assert successes(at) == [en("ebank.ui.transfer_done", amount="¥12.50", to=group(accounts["bob"]),
                                balance="¥487.50")]
    assert balance(uow, accounts["bob"]) == 1250 and at.metric[1].value == "¥487.50"


# ----------------------------------------------------------------------------- payment password


def test_wrong_payment_passwords_lock_after_five_and_the_officer_unlocks(people, accounts):
    uow, ann = people["uow"], people["ann"]
    before = (count(uow, JournalEntry), count(uow, Posting))
    at = run(new_app("views/bank.py", actor=ann))
    field = en("field.ebank.payment_password")
    for left in (4, 3, 2, 1):
        fill(at, ebank_personal_deposit_amount="10", ebank_personal_deposit_pw="000000")
        at = press(at, "ebank_personal_deposit_submit")
        assert errors(at) == [en("ebank.wrong_payment_password", field=field, left=left)]
    fill(at, ebank_personal_deposit_amount="10", ebank_personal_deposit_pw="000000")
    at = press(at, "ebank_personal_deposit_submit")
    assert errors(at) == [en("ebank.payment_locked")]
    # locked: even the right password is refused, and the header says so
    fill(at, ebank_personal_deposit_amount="10", ebank_personal_deposit_pw=PAY)
    at = press(at, "ebank_personal_deposit_submit")
    assert errors(at) == [en("ebank.payment_locked")]
    at = run(new_app("views/bank.py", actor=ann))
    assert warnings(at) == [en("ebank.payment_locked")]
    assert (count(uow, JournalEntry), count(uow, Posting)) == before
    with uow.read() as s:
        row = s.query(BankAccount).filter_by(account_number=accounts["ann"]).one()
        assert row.pay_failures == 5 and row.pay_locked_at is not None

    # the bank officer sees the lock and lifts it
    officer = run(new_app("views/bank_officer.py", actor=people["teacher"]))
    (table,) = officer.dataframe
    locked = dict(zip(table.value[en("ebank.ui.account_number")], table.value[en("ebank.ui.col_locked")], strict=True))
    assert locked[group(accounts["ann"])] == en("ebank.ui.locked_pay") and locked[group(accounts["bob"])] == ""
    assert officer.selectbox(key="ebank_officer_pick").options == [f"{group(accounts['ann'])} · Ann Li"]
    officer = press(officer, "ebank_officer_submit")
    assert successes(officer) == [en("ebank.ui.officer_unlocked", number=group(accounts["ann"]))]
    assert [c.value for c in officer.caption] == [en("ebank.ui.officer_nothing_locked")]

    # Ann pays again with the right password
    at = run(new_app("views/bank.py", actor=ann))
    assert not warnings(at)
    fill(at, ebank_personal_deposit_amount="10", ebank_personal_deposit_pw=PAY)
    at = press(at, "ebank_personal_deposit_submit")
    assert successes(at) == [en("ebank.ui.deposit_done", amount="¥10.00", balance="¥510.00")]
    with uow.read() as s:
        row = s.query(BankAccount).filter_by(account_number=accounts["ann"]).one()
        assert row.pay_failures == 0 and row.pay_locked_at is None


def test_arriving_from_a_shop_opens_the_cashier_tab(people, accounts):
    at = new_app("views/bank.py", actor=people["ann"])
    at.query_params["pay"] = "123456"
    at = run(at)
    assert at.session_state["ebank_tab"] == en("ebank.ui.tab_cashier")
    assert at.text_input(key="ebank_pay_id").value == "123456"
    # a later rerun (the student chose another tab) is not pulled back to the cashier
    at.session_state["ebank_tab"] = en("ebank.ui.tab_personal")
    at = run(at)
    assert at.session_state["ebank_tab"] == en("ebank.ui.tab_personal")


# ----------------------------------------------------------------------------- the sidebar tracker


def test_a_balance_query_is_ticked_in_the_sidebar_on_the_same_run(people, accounts):
    """EBANK013 is graded from the logged query; the tracker is drawn after the page body, so the
    tick appears on the very run in which the student pressed Query."""

    def ticked(at: AppTest) -> bool:
        tracker = "  \n".join(m.value for m in at.sidebar.markdown)
        return ":green[:material/check_circle:] `EBANK013`" in tracker

    at = personal_op(run(new_app("views/bank.py", actor=people["ann"])), "inquiry")
    assert not ticked(at)
    at = press(at, "ebank_personal_balance_submit")
    assert at.metric and ticked(at)
