"""CA services and the PKI API on a real database (SQLite and PostgreSQL): CA001–CA003 happy
paths, certificate login by challenge–response, revocation and the CRL, system identities, and
every bad input refused with a clear code that changes nothing (a wrong download password
changes only its own failure counter)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import serialization
from sqlalchemy import select, update

from sandbox.ca import queries, services
from sandbox.ca.services import MAX_DOWNLOAD_FAILURES
from sandbox.db import utcnow
from sandbox.email import queries as mail_queries
from sandbox.email import services as mail
from sandbox.events import Event
from sandbox.pki import crypto, sealing
from sandbox.pki import services as pki
from sandbox.pki.models import Authority, Certificate
from sandbox.pki.models import Challenge as ChallengeRow
from tests import factories
from tests.integration.helpers import refused, row_counts


@pytest.fixture(autouse=True)
def master_key(monkeypatch):
    monkeypatch.setenv(sealing.ENV_KEY, "integration-test-master-key-0123456789")
    monkeypatch.setattr(crypto, "ROOT_KEY_BITS", 2048)  # faster class roots; the profile is unchanged


@pytest.fixture
def world(uow):
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    other_room = factories.classroom(uow, teacher, name="EC-2026 B", seed=7)
    ann = factories.student(uow, room, "ann", "Ann Li")
    bob = factories.student(uow, room, "bob", "Bob Wang")
    dee = factories.student(uow, other_room, "dee", "Dee Sun")
    return {"uow": uow, "teacher": teacher, "room": room, "other_room": other_room, "ann": ann, "bob": bob, "dee": dee}


def apply(world, who="ann", **kw):
    args = {"common_name": world[who].full_name, "organization": "ACME 有限公司"} | kw
    return services.apply(world["uow"], world[who], **args)


def verified(world, who="ann", **kw):
    issued = apply(world, who, **kw)
    services.verify_download(world["uow"], world[who], number=issued.number, password=issued.download_password)
    return issued


def downloaded(world, who="ann", **kw):
    issued = verified(world, who, **kw)
    got = services.download(world["uow"], world[who], certificate_id=issued.certificate_id,
                            password=issued.download_password)
    return issued, got


def cert_row(uow, certificate_id) -> Certificate:
    with uow.read() as s:
        row = s.get(Certificate, certificate_id)
        s.expunge(row)
        return row


def events_of(uow, kind):
    with uow.read() as s:
        found = list(s.scalars(select(Event).where(Event.kind == kind).order_by(Event.id)))
        s.expunge_all()
        return found


# ----------------------------------------------------------------------------- CA001


def test_apply_issues_a_certificate_signed_by_the_class_root(world):
    uow = world["uow"]
    issued = apply(world, request_id="req-1")
    assert len(issued.number) == 12 and issued.number.isdigit()
    assert len(issued.download_password) == 10 and issued.download_password.isascii()
    row = cert_row(uow, issued.certificate_id)
    assert (row.state, row.purpose, row.task_code, row.owner_id) == ("issued", "ca", "CA001", world["ann"].user_id)
    assert row.key_sealed is not None and not row.from_csr
    assert issued.download_password not in (row.download_digest or "")
    cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    with uow.read() as s:
        root = pki.root_certificate(s, world["room"].id)
    assert crypto.verify_chain(cert, root, at=utcnow()) == crypto.CHAIN_OK
    assert cert.not_valid_after_utc - cert.not_valid_before_utc >= timedelta(days=365)
    (event,) = events_of(uow, "ca.certificate_issued")
    assert (event.actor_id, event.task_code, event.subject, event.request_id) == (
        world["ann"].user_id, "CA001", str(row.id), "req-1",
    )
    assert issued.download_password not in str(event.data)


def test_apply_twice_with_one_request_id_issues_once(world):
    first = apply(world, request_id="req-1")
    again = apply(world, request_id="req-1")
    assert again.certificate_id == first.certificate_id and again.download_password is None
    with world["uow"].read() as s:
        assert len(pki.certificates_of(s, world["room"].id, world["ann"].user_id)) == 1


def test_apply_with_a_csr_certifies_the_applicants_own_key(world):
    key = crypto.new_rsa_key()
    issued = apply(world, key_source="csr", csr_pem=crypto.build_csr(key, "whatever the CSR says").decode())
    row = cert_row(world["uow"], issued.certificate_id)
    cert = x509.load_pem_x509_certificate(row.certificate_pem.encode())
    assert row.from_csr and row.key_sealed is None
    assert cert.public_key().public_numbers() == key.public_key().public_numbers()
    assert row.common_name == "Ann Li"  # the form's name is certified, not the CSR's


def test_apply_mails_number_and_password_to_the_class_mailbox(world):
    uow, ann = world["uow"], world["ann"]
    mail.register_mailbox(uow, ann, local_part="ann", full_name="Ann Li", password="mail-pass-1",
                          password_confirm="mail-pass-1")
    issued = apply(world, email_address="ANN@sandbox.test")
    assert issued.mailed_to == "ann@sandbox.test"
    with uow.read() as s:
        (row,) = mail_queries.folder(s, ann, "inbox")
        body = mail_queries.message(s, ann, row.item_id).body
    assert row.sender == "ca@sandbox.test" and row.is_system
    assert issued.number in body and issued.download_password in body
    san = x509.load_pem_x509_certificate(cert_row(uow, issued.certificate_id).certificate_pem.encode())
    assert san.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.RFC822Name
    ) == ["ann@sandbox.test"]


def test_an_outside_address_is_certified_but_not_mailed(world):
    issued = apply(world, email_address="ann@example.com")
    assert issued.mailed_to is None
    assert cert_row(world["uow"], issued.certificate_id).email_address == "ann@example.com"


@pytest.mark.parametrize(
    ("kwargs", "code", "field"),
    [
        ({"common_name": "  "}, "input.required", "pki.common_name"),
        ({"common_name": "x" * 65}, "input.too_long", "pki.common_name"),
        ({"common_name": "电子商务" * 6}, "pki.name_too_long", "pki.common_name"),
        ({"organization": "有限公司" * 6}, "pki.name_too_long", "pki.organization"),
        ({"email_address": "not-an-address"}, "pki.bad_email", "pki.email"),
        ({"email_address": "nobody@sandbox.test"}, "pki.not_a_mailbox", "pki.email"),
        ({"key_source": "csr", "csr_pem": ""}, "input.required", "pki.csr"),
        ({"key_source": "csr", "csr_pem": "-----BEGIN CERTIFICATE REQUEST-----\nxx\n-----END CERTIFICATE REQUEST-----"},
         "pki.bad_csr", "pki.csr"),
        ({"key_source": "usb-key"}, "ca.bad_key_source", "ca.key_source"),
    ],
)
def test_bad_applications_change_nothing(world, kwargs, code, field):
    before = row_counts(world["uow"])
    with refused(code, field=field):
        apply(world, **kwargs)
    assert row_counts(world["uow"]) == before


def test_weak_csr_key_is_refused(world):
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import rsa

    weak = rsa.generate_private_key(65537, 1024)  # noqa: S505  (the point of the test)
    csr = x509.CertificateSigningRequestBuilder().subject_name(crypto.name("Ann")).sign(weak, hashes.SHA256())
    before = row_counts(world["uow"])
    with refused("pki.weak_key"):
        apply(world, key_source="csr", csr_pem=csr.public_bytes(serialization.Encoding.PEM))
    assert row_counts(world["uow"]) == before


def test_instructors_do_not_apply(world):
    with refused("auth.forbidden"):
        services.apply(world["uow"], world["teacher"], common_name="Teacher")


# ----------------------------------------------------------------------------- CA002


def test_verify_download_moves_the_certificate_on(world):
    issued = apply(world)
    typed = f"{issued.number[:4]}-{issued.number[4:8]} {issued.number[8:]}"
    record = services.verify_download(world["uow"], world["ann"], number=typed,
                                      password=issued.download_password.lower(), request_id="v-1")
    assert record.state == "download_verified"
    (event,) = events_of(world["uow"], "ca.download_verified")
    assert (event.actor_id, event.task_code, event.subject) == (world["ann"].user_id, "CA002", str(issued.certificate_id))


def test_wrong_download_passwords_are_counted_then_locked(world):
    uow, ann = world["uow"], world["ann"]
    issued = apply(world)
    for left in range(MAX_DOWNLOAD_FAILURES - 1, 0, -1):
        with refused("ca.bad_download_password", field="ca.password", left=left):
            services.verify_download(uow, ann, number=issued.number, password="WRONGPASS1")
    before = row_counts(uow)
    with refused("ca.download_locked"):
        services.verify_download(uow, ann, number=issued.number, password="WRONGPASS1")
    row = cert_row(uow, issued.certificate_id)
    assert row.download_failures == MAX_DOWNLOAD_FAILURES and row.download_locked_at is not None
    assert row.state == "issued"
    assert len(events_of(uow, "ca.download_failed")) == MAX_DOWNLOAD_FAILURES
    assert len(events_of(uow, "ca.download_locked")) == 1
    assert row_counts(uow)["events"] == before["events"] + 2
    # locked: even the right password no longer works, and nothing more is counted
    with refused("ca.download_locked"):
        services.verify_download(uow, ann, number=issued.number, password=issued.download_password)
    assert cert_row(uow, issued.certificate_id).state == "issued"
    # a CA officer issues a new password; the old one is dead, the new one works
    fresh = services.reset_download_password(uow, world["teacher"], class_id=world["room"].id,
                                             certificate_id=issued.certificate_id)
    with refused("ca.bad_download_password"):
        services.verify_download(uow, ann, number=issued.number, password=issued.download_password)
    assert services.verify_download(uow, ann, number=issued.number, password=fresh.download_password).state == (
        "download_verified"
    )


def test_a_right_password_resets_the_counter(world):
    uow, ann = world["uow"], world["ann"]
    issued = apply(world)
    with refused("ca.bad_download_password"):
        services.verify_download(uow, ann, number=issued.number, password="WRONGPASS1")
    services.verify_download(uow, ann, number=issued.number, password=issued.download_password)
    assert cert_row(uow, issued.certificate_id).download_failures == 0


def test_unknown_number_and_other_classes_certificates_change_nothing(world):
    uow = world["uow"]
    mine = apply(world)
    theirs = apply(world, "dee")
    before = row_counts(uow)
    with refused("pki.unknown_certificate", field="ca.number"):
        services.verify_download(uow, world["ann"], number="000000000000", password=mine.download_password)
    with refused("pki.unknown_certificate"):
        services.verify_download(uow, world["ann"], number="12ab", password=mine.download_password)
    with refused("pki.other_class", field="ca.number"):
        services.verify_download(uow, world["ann"], number=theirs.number, password=theirs.download_password)
    with refused("input.required", field="ca.number"):
        services.verify_download(uow, world["ann"], number=" ", password="x")
    with refused("input.required", field="ca.password"):
        services.verify_download(uow, world["ann"], number=mine.number, password="")
    assert row_counts(uow) == before
    assert cert_row(uow, theirs.certificate_id).download_failures == 0


def test_a_classmates_certificate_cannot_be_verified_even_with_its_password(world):
    uow = world["uow"]
    bobs = apply(world, "bob")
    before = row_counts(uow)
    with refused("ca.not_yours"):
        services.verify_download(uow, world["ann"], number=bobs.number, password=bobs.download_password)
    assert row_counts(uow) == before and cert_row(uow, bobs.certificate_id).state == "issued"


# ----------------------------------------------------------------------------- CA003


def test_download_serves_a_p12_protected_by_the_download_password(world):
    uow = world["uow"]
    issued, got = downloaded(world)
    assert got.filename == f"certificate-{issued.number}.p12" and got.with_key
    key, cert = crypto.open_p12(got.data, issued.download_password)
    assert key is not None and crypto.key_matches(key, cert)
    assert crypto.fingerprint(cert) == cert_row(uow, issued.certificate_id).fingerprint
    with refused("pki.bad_p12_password"):
        crypto.open_p12(got.data, "WRONGPASS1")
    row = cert_row(uow, issued.certificate_id)
    assert row.state == "downloaded" and row.downloaded_at is not None
    (event,) = events_of(uow, "ca.downloaded")
    assert (event.actor_id, event.task_code, event.data["with_key"]) == (world["ann"].user_id, "CA003", True)


def test_download_again_keeps_the_state_and_logs_again(world):
    uow = world["uow"]
    issued, _got = downloaded(world)
    again = services.download(uow, world["ann"], certificate_id=issued.certificate_id,
                              password=issued.download_password)
    assert again.certificate.state == "downloaded"
    assert len(events_of(uow, "ca.downloaded")) == 2


def test_csr_certificate_downloads_without_a_key(world):
    issued = verified(world, key_source="csr", csr_pem=crypto.build_csr(crypto.new_rsa_key(), "Ann"))
    got = services.download(world["uow"], world["ann"], certificate_id=issued.certificate_id,
                            password=issued.download_password)
    key, _cert = crypto.open_p12(got.data, issued.download_password)
    assert key is None and not got.with_key


def test_download_before_verification_is_refused(world):
    uow = world["uow"]
    issued = apply(world)
    before = row_counts(uow)
    with refused("ca.not_verified"):
        services.download(uow, world["ann"], certificate_id=issued.certificate_id, password=issued.download_password)
    assert row_counts(uow) == before


def test_download_of_someone_elses_certificate_is_refused(world):
    uow = world["uow"]
    bobs = verified(world, "bob")
    theirs = verified(world, "dee")
    before = row_counts(uow)
    with refused("ca.not_yours"):
        services.download(uow, world["ann"], certificate_id=bobs.certificate_id, password=bobs.download_password)
    with refused("pki.other_class"):
        services.download(uow, world["ann"], certificate_id=theirs.certificate_id, password=theirs.download_password)
    with refused("pki.unknown_certificate"):
        services.download(uow, world["ann"], certificate_id=999_999, password="x")
    assert row_counts(uow) == before


def test_wrong_password_at_download_is_counted(world):
    uow = world["uow"]
    issued = verified(world)
    with refused("ca.bad_download_password", left=MAX_DOWNLOAD_FAILURES - 1):
        services.download(uow, world["ann"], certificate_id=issued.certificate_id, password="WRONGPASS1")
    row = cert_row(uow, issued.certificate_id)
    assert row.state == "download_verified" and row.download_failures == 1
    assert events_of(uow, "ca.downloaded") == []


def test_expired_download_password(world):
    uow = world["uow"]
    issued = apply(world)
    with uow.write() as s:
        s.execute(update(Certificate).values(download_expires_at=utcnow() - timedelta(seconds=1)))
    with refused("ca.download_expired"):
        services.verify_download(uow, world["ann"], number=issued.number, password=issued.download_password)


# ----------------------------------------------------------------------------- officer


def test_revoke_publishes_a_crl_and_refuses_twice(world):
    uow, room = world["uow"], world["room"]
    issued = apply(world)
    record = services.revoke(uow, world["teacher"], class_id=room.id, certificate_id=issued.certificate_id,
                             reason="key_compromise", note="lost laptop", request_id="rv-1")
    assert record.revoked and record.revocation_reason == "key_compromise"
    with uow.read() as s:
        crl = x509.load_pem_x509_crl(pki.crl_pem(s, room.id))
        root = pki.root_certificate(s, room.id)
    entry = crl.get_revoked_certificate_by_serial_number(int(record.serial_hex, 16))
    assert entry is not None and crl.is_signature_valid(root.public_key())
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    # the same request again is a no-op; a new revocation of the same certificate is refused
    assert services.revoke(uow, world["teacher"], class_id=room.id, certificate_id=issued.certificate_id,
                           reason="key_compromise", request_id="rv-1").revoked
    before = row_counts(uow)
    with refused("pki.already_revoked"):
        services.revoke(uow, world["teacher"], class_id=room.id, certificate_id=issued.certificate_id,
                        reason="superseded")
    assert row_counts(uow) == before
    with refused("ca.revoked"):
        services.verify_download(uow, world["ann"], number=issued.number, password=issued.download_password)
    (event,) = events_of(uow, "ca.certificate_revoked")
    assert (event.actor_id, event.data["reason"], event.data["note"]) == (world["teacher"].user_id,
                                                                          "key_compromise", "lost laptop")


def test_crl_numbers_grow(world):
    uow, room = world["uow"], world["room"]
    first, second = apply(world), apply(world, "bob")
    numbers = []
    for issued in (first, second):
        services.revoke(uow, world["teacher"], class_id=room.id, certificate_id=issued.certificate_id,
                        reason="superseded")
        with uow.read() as s:
            crl = x509.load_pem_x509_crl(pki.crl_pem(s, room.id))
        numbers.append(crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number)
    assert numbers[1] > numbers[0]


def test_only_officers_revoke(world):
    uow, room = world["uow"], world["room"]
    issued = apply(world)
    before = row_counts(uow)
    with refused("ca.not_officer"):
        services.revoke(uow, world["bob"], class_id=room.id, certificate_id=issued.certificate_id, reason="superseded")
    with refused("ca.not_officer"):  # a student cannot revoke their own either
        services.revoke(uow, world["ann"], class_id=room.id, certificate_id=issued.certificate_id, reason="superseded")
    with refused("ca.not_officer"):  # another class's student
        services.revoke(uow, world["dee"], class_id=room.id, certificate_id=issued.certificate_id, reason="superseded")
    with refused("ca.not_officer"):
        services.reset_download_password(uow, world["bob"], class_id=room.id, certificate_id=issued.certificate_id)
    assert row_counts(uow) == before
    with refused("pki.bad_reason", field="ca.reason"):
        services.revoke(uow, world["teacher"], class_id=room.id, certificate_id=issued.certificate_id, reason="bored")
    with refused("pki.other_class"):
        services.revoke(uow, world["teacher"], class_id=room.id, certificate_id=apply(world, "dee").certificate_id,
                        reason="superseded")


def test_a_student_granted_the_role_can_revoke(world):
    uow, room = world["uow"], world["room"]
    issued = apply(world)
    with refused("auth.forbidden"):
        services.grant_officer(uow, world["bob"], class_id=room.id, user_id=world["bob"].user_id)
    services.grant_officer(uow, world["teacher"], class_id=room.id, user_id=world["bob"].user_id)
    with refused("ca.already_officer"):
        services.grant_officer(uow, world["teacher"], class_id=room.id, user_id=world["bob"].user_id)
    with uow.read() as s:
        assert [c.id for c in queries.officer_classes(s, world["bob"])] == [room.id]
        assert len(queries.class_certificates(s, world["bob"], room.id)) == 1
        with refused("ca.not_officer"):
            queries.class_certificates(s, world["ann"], room.id)
    services.revoke(uow, world["bob"], class_id=room.id, certificate_id=issued.certificate_id, reason="superseded")
    services.withdraw_officer(uow, world["teacher"], class_id=room.id, user_id=world["bob"].user_id)
    with refused("ca.not_officer"):
        services.reset_download_password(uow, world["bob"], class_id=room.id, certificate_id=issued.certificate_id)


# ----------------------------------------------------------------------------- certificate login


def login(world, p12, password, *, number=None, at=None, room="room"):
    with world["uow"].write() as s:
        challenge = pki.new_challenge(s, class_id=world[room].id, certificate_number=number)
    with world["uow"].write() as s:
        return pki.verify_p12_login(s, class_id=world[room].id, p12_bytes=p12, password=password,
                                    challenge_id=challenge.id, at=at), challenge


def test_p12_login_proves_possession_and_burns_the_challenge(world):
    issued, got = downloaded(world)
    record, challenge = login(world, got.data, issued.download_password, number=issued.number)
    assert (record.id, record.owner_id) == (issued.certificate_id, world["ann"].user_id)
    with refused("pki.challenge_replayed"), world["uow"].write() as s:
        pki.verify_p12_login(s, class_id=world["room"].id, p12_bytes=got.data, password=issued.download_password,
                             challenge_id=challenge.id)


def test_login_refusals(world):
    uow, room = world["uow"], world["room"]
    issued, got = downloaded(world)
    pw = issued.download_password
    with refused("pki.bad_p12_password"):
        login(world, got.data, "WRONGPASS1")
    with refused("pki.bad_p12"):
        login(world, b"junk" * 10, pw)
    with refused("pki.expired"):
        login(world, got.data, pw, at=utcnow() + timedelta(days=400))
    with refused("pki.not_yet_valid"):
        login(world, got.data, pw, at=utcnow() - timedelta(days=1))
    with refused("pki.other_class"):
        login(world, got.data, pw, room="other_room")
    with refused("pki.challenge_wrong_certificate"):
        login(world, got.data, pw, number=apply(world, "bob").number)
    with uow.write() as s:
        item = pki.new_challenge(s, class_id=room.id)
        s.execute(update(ChallengeRow).where(ChallengeRow.id == item.id).values(expires_at=utcnow() - timedelta(seconds=1)))
    with refused("pki.challenge_expired"), uow.write() as s:
        pki.verify_p12_login(s, class_id=room.id, p12_bytes=got.data, password=pw, challenge_id=item.id)
    with refused("pki.challenge_unknown"), uow.write() as s:
        pki.verify_p12_login(s, class_id=room.id, p12_bytes=got.data, password=pw, challenge_id=987654)
    services.revoke(uow, world["teacher"], class_id=room.id, certificate_id=issued.certificate_id, reason="superseded")
    with refused("pki.revoked"):
        login(world, got.data, pw)


def root_cn(cert: x509.Certificate) -> str:
    return str(cert.issuer.get_attributes_for_oid(x509.NameOID.COMMON_NAME)[0].value)


def test_login_refuses_a_foreign_ca_and_a_tampered_certificate(world):
    room = world["room"]
    issued, got = downloaded(world)
    key, cert = crypto.open_p12(got.data, issued.download_password)
    assert key is not None
    stranger_key, stranger = crypto.build_root(root_cn(cert), None, now=utcnow(),
                                               key=crypto.new_rsa_key(2048))
    forged = crypto.build_leaf(
        issuer_key=stranger_key, issuer_cert=stranger, public_key=key.public_key(), common_name="Ann Li",
        organization=None, number=issued.number, email_address=None, now=utcnow(),
    )
    with refused("pki.foreign_ca"):
        login(world, crypto.build_p12("x", key, forged, [stranger], "PASSWORD99"), "PASSWORD99")
    der = bytearray(cert.public_bytes(serialization.Encoding.DER))
    at = bytes(der).index(b"Ann Li")
    der[at : at + 6] = b"Eve Li"
    tampered = x509.load_der_x509_certificate(bytes(der))
    with refused("pki.tampered"):
        login(world, crypto.build_p12("x", key, tampered, [], "PASSWORD99"), "PASSWORD99")
    with refused("pki.no_private_key"):
        login(world, crypto.build_p12("x", None, cert, [], "PASSWORD99"), "PASSWORD99")
    with world["uow"].write() as s:  # a key that is not the certificate's signs the challenge
        challenge = pki.new_challenge(s, class_id=room.id)
    with refused("pki.bad_signature"), world["uow"].write() as s:
        pki.verify_signed_challenge(s, class_id=room.id, certificate_pem=crypto.cert_pem(cert),
                                    signature=crypto.sign(crypto.new_rsa_key(), challenge.message),
                                    challenge_id=challenge.id)
    with world["uow"].read() as s:
        assert s.scalar(select(Authority.id).where(Authority.class_id == room.id)) is not None


def test_stored_identity_login(world):
    uow, room = world["uow"], world["room"]
    only_verified = verified(world, "bob")
    issued, _got = downloaded(world)
    with uow.write() as s:
        challenge = pki.new_challenge(s, class_id=room.id, certificate_number=issued.number)
        record = pki.verify_stored_login(s, class_id=room.id, user_id=world["ann"].user_id,
                                         certificate_id=issued.certificate_id, challenge_id=challenge.id)
    assert record.id == issued.certificate_id
    for user, cert_id in ((world["bob"], issued.certificate_id), (world["bob"], only_verified.certificate_id)):
        with refused("pki.not_installed"), uow.write() as s:
            challenge = pki.new_challenge(s, class_id=room.id)
            pki.verify_stored_login(s, class_id=room.id, user_id=user.user_id, certificate_id=cert_id,
                                    challenge_id=challenge.id)


def test_signed_challenge_with_the_applicants_own_key(world):
    uow, room = world["uow"], world["room"]
    key = crypto.new_rsa_key()
    issued = apply(world, key_source="csr", csr_pem=crypto.build_csr(key, "Ann"))
    pem = cert_row(uow, issued.certificate_id).certificate_pem
    with uow.write() as s:
        challenge = pki.new_challenge(s, class_id=room.id, certificate_number=issued.number)
    with uow.write() as s:
        record = pki.verify_signed_challenge(s, class_id=room.id, certificate_pem=pem,
                                             signature=crypto.sign(key, challenge.message), challenge_id=challenge.id)
    assert record.id == issued.certificate_id
    with uow.write() as s:
        challenge = pki.new_challenge(s, class_id=room.id)
    with refused("pki.bad_signature"), uow.write() as s:
        pki.verify_signed_challenge(s, class_id=room.id, certificate_pem=pem, signature=b"\x00" * 256,
                                    challenge_id=challenge.id)


# ----------------------------------------------------------------------------- system parties


def test_system_identity_is_made_once_and_signs(world):
    uow, room = world["uow"], world["room"]
    with uow.write() as s:
        key, cert = pki.system_identity(s, room.id, "bank")
        _again_key, again = pki.system_identity(s, room.id, "bank")
        record = pki.check_certificate(s, class_id=room.id, certificate=cert)
    assert again == cert and record.party == "bank" and record.owner_id is None
    data = pki.canonical_json({"payment": 1, "amount_fen": 100})
    signature = pki.sign(key, data)
    assert pki.verify_signature(cert, data, signature)
    assert not pki.verify_signature(cert, data + b" ", signature)
    with uow.write() as s:
        _other_key, other = pki.system_identity(s, world["other_room"].id, "bank")
        with refused("pki.other_class"):
            pki.check_certificate(s, class_id=room.id, certificate=other)
    with uow.read() as s:
        assert pki.certificates_of(s, room.id, world["ann"].user_id) == []


def test_revoked_system_identity_is_renewed(world):
    uow, room = world["uow"], world["room"]
    with uow.write() as s:
        _key, cert = pki.system_identity(s, room.id, "bank")
        record = pki.check_certificate(s, class_id=room.id, certificate=cert)
    services.revoke(uow, world["teacher"], class_id=room.id, certificate_id=record.id, reason="superseded")
    with uow.write() as s:
        _key, fresh = pki.system_identity(s, room.id, "bank")
        assert fresh != cert
        assert pki.check_certificate(s, class_id=room.id, certificate=fresh).party == "bank"


def test_export_artefacts(world, tmp_path):
    with world["uow"].write() as s:
        paths = pki.export_artefacts(s, world["room"].id, tmp_path / "out")
    root = x509.load_pem_x509_certificate(paths["ca-root.pem"].read_bytes())
    crl = x509.load_pem_x509_crl(paths["ca.crl.pem"].read_bytes())
    assert crl.is_signature_valid(root.public_key()) and crl.issuer == root.subject


def test_published_files_for_students(world):
    root, crl = services.published_files(world["uow"], world["ann"])
    assert root.startswith(b"-----BEGIN CERTIFICATE") and crl.startswith(b"-----BEGIN X509 CRL")
    with refused("class.not_found"):
        services.published_files(world["uow"], world["dee"], world["room"].id)


def test_queries_show_only_ones_own(world):
    uow = world["uow"]
    apply(world)
    bobs = apply(world, "bob")
    with uow.read() as s:
        mine = queries.my_certificates(s, world["ann"])
        assert [r.owner_id for r in mine] == [world["ann"].user_id]
        with refused("pki.unknown_certificate"):
            queries.certificate_pem(s, world["ann"], bobs.certificate_id)
        assert queries.certificate_pem(s, world["teacher"], bobs.certificate_id, world["room"].id).startswith(b"-----")
        assert len(queries.class_certificates(s, world["teacher"], world["room"].id, search="Bob")) == 1
        assert len(queries.class_certificates(s, world["teacher"], world["room"].id, search=bobs.number[:6])) == 1


def test_a_stale_crl_is_published_again_before_use(world):
    uow, room = world["uow"], world["room"]
    issued, got = downloaded(world)
    with uow.write() as s:
        first = x509.load_pem_x509_crl(pki.crl_pem(s, room.id))
        s.execute(update(Authority).values(crl_next_update=utcnow() + timedelta(hours=1)))
    with uow.read() as s:
        assert pki.crl_needs_refresh(s, room.id)
    record, _challenge = login(world, got.data, issued.download_password)  # the login check refreshes it
    assert record.id == issued.certificate_id
    with uow.read() as s:
        assert not pki.crl_needs_refresh(s, room.id)
        fresh = x509.load_pem_x509_crl(pki.crl_pem(s, room.id))
    number = lambda crl: crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number  # noqa: E731
    assert number(fresh) > number(first) and fresh.next_update_utc > utcnow() + timedelta(days=6)
