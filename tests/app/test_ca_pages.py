"""The CA pages under AppTest on a fresh SQLite: apply → number and password shown once → verify
(a wrong password shows how many tries are left) → download the .p12; a bad CSR shows an error on
the form; the officer page refuses non-officers, asks to confirm a revocation, grants the role."""

from __future__ import annotations

import pytest
from streamlit.testing.v1.util import patch_config_options

from sandbox import ui
from sandbox.ca import services
from sandbox.db import Database
from sandbox.pki import crypto, sealing
from sandbox.uow import UnitOfWork
from tests import factories
from tests.app.helpers import check, en, errors, new_app, run, submit, successes, warnings


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


@pytest.fixture
def people(app_uow):
    teacher = factories.instructor(app_uow)
    room = factories.classroom(app_uow, teacher)
    ann = factories.student(app_uow, room, "ann", "Ann Li")
    bob = factories.student(app_uow, room, "bob", "Bob Wang")
    return {"uow": app_uow, "teacher": teacher, "room": room, "ann": ann, "bob": bob}


def test_apply_verify_download_flow(people):
    at = run(new_app("views/ca.py", actor=people["ann"]))
    assert at.title[0].value == en("ca.title")
    at.text_input(key="ca_app_org").input("ACME")
    at = submit(at, "ca_apply_form")
    codes = [c.value for c in at.code]
    number, password = codes[0], codes[1]
    assert len(number) == 12 and len(password) == 10
    at = check(at.button(key="ca_go_download").click().run())
    assert at.text_input(key="ca_dl_number_input").value == number
    at.text_input(key="ca_dl_password_input").input("WRONGPASSX")
    at = submit(at, "ca_verify_form")
    assert errors(at) == [en("ca.bad_download_password", left=4)]
    at.text_input(key="ca_dl_password_input").input(password)
    at = submit(at, "ca_verify_form")
    assert any("verified" in s.lower() for s in successes(at)), successes(at)
    at = check(at.button(key="ca_download").click().run())
    assert successes(at) == [en("ca.downloaded_done")]
    at.radio(key="ca_view").set_value("mine")
    at = run(at)
    at.selectbox(key="ca_my_pick").select_index(0)
    at = run(at)
    at.radio(key="ca_view").set_value("files")
    at = run(at)


def test_bad_csr_shows_error(people):
    at = run(new_app("views/ca.py", actor=people["ann"]))
    at.radio(key="ca_app_source").set_value("csr")
    at = run(at)
    at.text_area(key="ca_app_csr").input("garbage")
    at = submit(at, "ca_apply_form")
    assert errors(at) == [en("pki.bad_csr")]


def test_officer_page(people):
    uow = people["uow"]
    issued = services.apply(uow, people["ann"], common_name="Ann Li")
    at = run(new_app("views/ca_officer.py", actor=people["bob"]))
    assert warnings(at) == [en("ca.not_officer")]
    at = run(new_app("views/ca_officer.py", actor=people["teacher"]))
    at.selectbox(key="ca_off_pick").select_index(0)
    at = run(at)
    at = submit(at, f"ca_revoke_form_{issued.certificate_id}")
    assert errors(at) == [en("ca.revoke_unconfirmed")]
    at.checkbox(key=f"ca_off_sure_{issued.certificate_id}").check()
    at = submit(at, f"ca_revoke_form_{issued.certificate_id}")
    assert any("revoked" in s for s in successes(at)), successes(at)
    at.selectbox(key="ca_off_grant_pick").select_index(0)
    at = run(at)
    at = check(at.button(key="ca_off_grant").click().run())
