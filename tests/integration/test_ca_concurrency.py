"""Concurrency on both back ends: simultaneous first applications make one class root CA, every
certificate chains to it; simultaneous wrong download passwords are all counted and lock once;
simultaneous revocations publish CRLs with distinct, growing numbers."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest
from cryptography import x509
from sqlalchemy import func, select

from sandbox.ca import services
from sandbox.ca.services import MAX_DOWNLOAD_FAILURES
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.pki import crypto, sealing
from sandbox.pki import services as pki
from sandbox.pki.models import Authority, Certificate
from tests import factories

THREADS = 8


@pytest.fixture(autouse=True)
def master_key(monkeypatch):
    monkeypatch.setenv(sealing.ENV_KEY, "concurrency-test-master-key-0123456789")
    monkeypatch.setattr(crypto, "ROOT_KEY_BITS", 2048)


@pytest.fixture
def room(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    students = [factories.student(uow, room, f"s{i:02d}", f"Student {i}") for i in range(THREADS)]
    return {"uow": uow, "teacher": teacher, "room": room, "students": students}


def test_first_applications_at_once_share_one_root(room):
    uow = room["uow"]
    with ThreadPoolExecutor(THREADS) as pool:
        issued = list(pool.map(lambda who: services.apply(uow, who, common_name=who.full_name), room["students"]))
    with uow.read() as s:
        assert s.scalar(select(func.count(Authority.id))) == 1
        root = pki.root_certificate(s, room["room"].id)
        pems = list(s.scalars(select(Certificate.certificate_pem)))
    assert len({i.number for i in issued}) == THREADS == len(pems)
    for pem in pems:
        assert crypto.verify_chain(x509.load_pem_x509_certificate(pem.encode()), root, at=utcnow()) == crypto.CHAIN_OK


def test_wrong_passwords_at_once_are_all_counted(room):
    uow, ann = room["uow"], room["students"][0]
    issued = services.apply(uow, ann, common_name="Ann")

    def attempt(_: int) -> str:
        try:
            services.verify_download(uow, ann, number=issued.number, password="WRONGPASS1")
        except DomainError as err:
            return err.code
        return "ok"

    with ThreadPoolExecutor(THREADS) as pool:
        codes = list(pool.map(attempt, range(THREADS)))
    assert codes.count("ca.bad_download_password") == MAX_DOWNLOAD_FAILURES - 1
    assert codes.count("ca.download_locked") == THREADS - (MAX_DOWNLOAD_FAILURES - 1)
    with uow.read() as s:
        row = s.get(Certificate, issued.certificate_id)
        assert row.download_failures == MAX_DOWNLOAD_FAILURES and row.download_locked_at is not None
        assert s.scalar(select(func.count(Event.id)).where(Event.kind == "ca.download_failed")) == MAX_DOWNLOAD_FAILURES
        assert s.scalar(select(func.count(Event.id)).where(Event.kind == "ca.download_locked")) == 1


def test_revocations_at_once_publish_distinct_crl_numbers(room):
    uow, class_id = room["uow"], room["room"].id
    issued = [services.apply(uow, who, common_name=who.full_name) for who in room["students"]]
    with ThreadPoolExecutor(THREADS) as pool:
        list(pool.map(
            lambda i: services.revoke(uow, room["teacher"], class_id=class_id, certificate_id=i.certificate_id,
                                      reason="superseded"),
            issued,
        ))
    with uow.read() as s:
        numbers = sorted(e.data["crl_number"] for e in s.scalars(select(Event).where(Event.kind == "ca.certificate_revoked")))
        crl = x509.load_pem_x509_crl(pki.crl_pem(s, class_id))
    assert len(set(numbers)) == THREADS
    assert len(list(crl)) == THREADS  # the last CRL lists every revocation
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == numbers[-1]
