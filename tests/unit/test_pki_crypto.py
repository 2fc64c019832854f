"""The pure PKI functions: root and leaf profiles, chain verification (valid, expired, not yet
valid, tampered, foreign CA), CRLs, CSRs, PKCS#12 and signatures — with a fixed clock."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from sandbox.errors import DomainError
from sandbox.pki import crypto

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)


@pytest.fixture(scope="module")
def ca() -> tuple[crypto.PrivateKey, x509.Certificate]:
    return crypto.build_root("Test Root CA", "Sandbox", now=NOW, key=crypto.new_rsa_key(2048))


@pytest.fixture(scope="module")
def other_ca() -> tuple[crypto.PrivateKey, x509.Certificate]:
    return crypto.build_root("Test Root CA", "Sandbox", now=NOW, key=crypto.new_rsa_key(2048))  # same name, other key


@pytest.fixture(scope="module")
def holder_key() -> rsa.RSAPrivateKey:
    return crypto.new_rsa_key()


def leaf(ca, key, *, email: str | None = "ann@sandbox.test", now: datetime = NOW, days: int = 365) -> x509.Certificate:
    ca_key, ca_cert = ca
    return crypto.build_leaf(
        issuer_key=ca_key, issuer_cert=ca_cert, public_key=key.public_key(), common_name="李安 Ann Li",
        organization="ACME 有限公司", number="123456789012", email_address=email, now=now,
    )


# ----------------------------------------------------------------------------- profiles


def test_root_is_a_critical_ca_with_cert_and_crl_signing(ca):
    _key, cert = ca
    bc = cert.extensions.get_extension_for_class(x509.BasicConstraints)
    ku = cert.extensions.get_extension_for_class(x509.KeyUsage)
    assert bc.critical and bc.value.ca and bc.value.path_length == 0
    assert ku.critical and ku.value.key_cert_sign and ku.value.crl_sign and not ku.value.digital_signature
    assert cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier)
    assert cert.not_valid_before_utc == NOW - crypto.BACKDATE
    assert cert.not_valid_after_utc - cert.not_valid_before_utc > timedelta(days=3650)


def test_leaf_profile(ca, holder_key):
    cert = leaf(ca, holder_key)
    ext = cert.extensions
    assert ext.get_extension_for_class(x509.BasicConstraints).critical
    assert not ext.get_extension_for_class(x509.BasicConstraints).value.ca
    ku = ext.get_extension_for_class(x509.KeyUsage)
    assert ku.critical and ku.value.digital_signature and ku.value.content_commitment and not ku.value.key_cert_sign
    eku = ext.get_extension_for_class(x509.ExtendedKeyUsage).value
    assert list(eku) == [ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]
    san = ext.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.RFC822Name) == ["ann@sandbox.test"]
    aki = ext.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
    assert aki == ca[1].extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    assert cert.subject.get_attributes_for_oid(NameOID.SERIAL_NUMBER)[0].value == "123456789012"
    assert cert.subject.get_attributes_for_oid(NameOID.COMMON_NAME)[0].value == "李安 Ann Li"
    assert cert.serial_number.bit_length() >= 64
    assert cert.not_valid_before_utc.tzinfo is not None


def test_leaf_without_email_carries_its_subject_as_san(ca, holder_key):
    cert = leaf(ca, holder_key, email=None)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DirectoryName) == [cert.subject]
    assert crypto.verify_chain(cert, ca[1], at=NOW) == crypto.CHAIN_OK


def test_leaf_never_outlives_its_root(ca, holder_key):
    _key, root = ca
    cert = leaf(ca, holder_key, now=root.not_valid_after_utc - timedelta(days=10))
    assert cert.not_valid_after_utc == root.not_valid_after_utc


def test_naive_datetimes_are_refused(ca, holder_key):
    with pytest.raises(ValueError, match="naive"):
        leaf(ca, holder_key, now=datetime(2026, 3, 1, 8, 0))


# ----------------------------------------------------------------------------- chain


def test_chain_of_an_issued_leaf_verifies(ca, holder_key):
    assert crypto.verify_chain(leaf(ca, holder_key), ca[1], at=NOW + timedelta(days=30)) == crypto.CHAIN_OK


def test_expired_and_not_yet_valid_by_injected_clock(ca, holder_key):
    cert = leaf(ca, holder_key)
    assert crypto.verify_chain(cert, ca[1], at=NOW + timedelta(days=366)) == crypto.CHAIN_EXPIRED
    assert crypto.verify_chain(cert, ca[1], at=NOW - timedelta(hours=1)) == crypto.CHAIN_NOT_YET_VALID


def test_foreign_ca_with_the_same_name_is_refused(ca, other_ca, holder_key):
    cert = leaf(other_ca, holder_key)
    assert crypto.verify_chain(cert, ca[1], at=NOW) == crypto.CHAIN_FOREIGN


def test_foreign_ca_with_another_name_is_refused(ca, holder_key):
    stranger = crypto.build_root("Evil CA", "Elsewhere", now=NOW, key=crypto.new_rsa_key(2048))
    assert crypto.verify_chain(leaf(stranger, holder_key), ca[1], at=NOW) == crypto.CHAIN_FOREIGN


def test_tampered_certificate_is_detected(ca, holder_key):
    der = bytearray(leaf(ca, holder_key).public_bytes(serialization.Encoding.DER))
    name = b"Ann Li"
    at = bytes(der).index(name)
    der[at : at + len(name)] = b"Bob Li"  # same length: still parses, the CA signature no longer matches
    forged = x509.load_der_x509_certificate(bytes(der))
    assert crypto.verify_chain(forged, ca[1], at=NOW) == crypto.CHAIN_TAMPERED


def test_self_signed_look_alike_is_refused(ca, holder_key):
    _key, root = ca
    fake = (
        x509.CertificateBuilder()
        .subject_name(crypto.name("Ann Li"))
        .issuer_name(root.subject)
        .public_key(holder_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=30))
        .sign(holder_key, hashes.SHA256())
    )
    assert crypto.verify_chain(fake, root, at=NOW) in (crypto.CHAIN_TAMPERED, crypto.CHAIN_FOREIGN)


# ----------------------------------------------------------------------------- CRL


def test_crl_lists_revoked_serials_with_reasons(ca, holder_key):
    ca_key, root = ca
    good, bad = leaf(ca, holder_key), leaf(ca, holder_key)
    crl = crypto.build_crl(
        issuer_key=ca_key, issuer_cert=root, revoked=[(bad.serial_number, NOW, "key_compromise")], number=7, now=NOW,
    )
    assert crl.is_signature_valid(root.public_key())
    assert crl.extensions.get_extension_for_class(x509.CRLNumber).value.crl_number == 7
    assert crl.next_update_utc == NOW + crypto.CRL_LIFETIME
    entry = crl.get_revoked_certificate_by_serial_number(bad.serial_number)
    assert entry is not None
    assert entry.extensions.get_extension_for_class(x509.CRLReason).value.reason == x509.ReasonFlags.key_compromise
    assert crypto.crl_revokes(crl, root, bad.serial_number, at=NOW) is True
    assert crypto.crl_revokes(crl, root, good.serial_number, at=NOW) is False


def test_stale_or_foreign_crl_is_not_trusted(ca, other_ca):
    ca_key, root = ca
    crl = crypto.build_crl(issuer_key=ca_key, issuer_cert=root, revoked=[], number=1, now=NOW)
    with pytest.raises(ValueError, match="stale"):
        crypto.crl_revokes(crl, root, 1, at=NOW + timedelta(days=8))
    forged = crypto.build_crl(issuer_key=other_ca[0], issuer_cert=other_ca[1], revoked=[], number=1, now=NOW)
    with pytest.raises(ValueError, match="signature"):
        crypto.crl_revokes(forged, root, 1, at=NOW)


# ----------------------------------------------------------------------------- CSR


def test_csr_gives_its_public_key():
    key = crypto.new_rsa_key()
    info = crypto.parse_csr(crypto.build_csr(key, "Ann Li", "ACME"))
    assert info.common_name == "Ann Li" and info.organization == "ACME"
    assert info.public_key.public_numbers() == key.public_key().public_numbers()


def test_ec_csr_is_accepted():
    key = ec.generate_private_key(ec.SECP256R1())
    assert isinstance(crypto.parse_csr(crypto.build_csr(key, "Ann")).public_key, ec.EllipticCurvePublicKey)


@pytest.mark.parametrize(
    "text", ["", "hello", "-----BEGIN CERTIFICATE REQUEST-----\nAAAA\n-----END CERTIFICATE REQUEST-----\n"]
)
def test_malformed_csr_is_refused(text):
    with pytest.raises(DomainError) as err:
        crypto.parse_csr(text)
    assert err.value.code == "pki.bad_csr" and err.value.field == "pki.csr"


def test_csr_with_a_broken_signature_is_refused():
    csr = x509.load_pem_x509_csr(crypto.build_csr(crypto.new_rsa_key(), "Ann Li"))
    der = bytearray(csr.public_bytes(serialization.Encoding.DER))
    der[-5] ^= 0xFF  # inside the signature
    with pytest.raises(DomainError) as err:
        crypto.parse_csr(bytes(der))
    assert err.value.code in ("pki.csr_signature", "pki.bad_csr")


@pytest.mark.parametrize(
    "make", [lambda: rsa.generate_private_key(65537, 1024), ed25519.Ed25519PrivateKey.generate]  # noqa: S505
)
def test_weak_or_unsupported_keys_are_refused(make):
    key = make()
    algorithm = None if isinstance(key, ed25519.Ed25519PrivateKey) else hashes.SHA256()
    csr = x509.CertificateSigningRequestBuilder().subject_name(crypto.name("Ann")).sign(key, algorithm)
    with pytest.raises(DomainError) as err:
        crypto.parse_csr(csr.public_bytes(serialization.Encoding.PEM))
    assert err.value.code == "pki.weak_key"


# ----------------------------------------------------------------------------- PKCS#12


def test_p12_round_trip_and_wrong_password(ca, holder_key):
    cert = leaf(ca, holder_key)
    data = crypto.build_p12("Ann 123456789012", holder_key, cert, [ca[1]], "K7P2M9QXAB")
    key, got = crypto.open_p12(data, "K7P2M9QXAB")
    assert got == cert and key is not None and crypto.key_matches(key, cert)
    with pytest.raises(DomainError) as err:
        crypto.open_p12(data, "WRONGWRONG")
    assert err.value.code == "pki.bad_p12_password"
    with pytest.raises(DomainError) as err:
        crypto.open_p12(b"definitely not a pkcs12 file", "x")
    assert err.value.code == "pki.bad_p12"


def test_p12_without_key_opens_with_no_key(ca, holder_key):
    cert = leaf(ca, holder_key)
    key, got = crypto.open_p12(crypto.build_p12("Ann", None, cert, [ca[1]], "PASSWORD22"), "PASSWORD22")
    assert key is None and got == cert


# ----------------------------------------------------------------------------- signatures


def test_rsa_pss_signature_verifies_and_detects_changes(ca, holder_key):
    cert = leaf(ca, holder_key)
    data = crypto.canonical_json({"amount_fen": 12345, "order": "B2C-1", "payee": "商户"})
    sig = crypto.sign(holder_key, data)
    assert len(sig) == 256
    assert crypto.verify_signature(cert, data, sig)
    assert not crypto.verify_signature(cert, data.replace(b"12345", b"12346"), sig)
    assert not crypto.verify_signature(cert, data, sig[:-1] + bytes([sig[-1] ^ 1]))
    assert not crypto.verify_signature(leaf(ca, crypto.new_rsa_key()), data, sig)


def test_ecdsa_signature_verifies():
    key = ec.generate_private_key(ec.SECP256R1())
    sig = crypto.sign(key, b"hello")
    assert crypto.verify_with_key(key.public_key(), b"hello", sig)
    assert not crypto.verify_with_key(key.public_key(), b"hellO", sig)


def test_canonical_json_is_order_and_normalisation_independent():
    a = crypto.canonical_json({"b": 1, "a": "e\u0301"})  # e + combining accent (NFD)
    b = crypto.canonical_json({"a": "\u00e9", "b": 1})  # é precomposed (NFC)
    assert a == b == '{"a":"é","b":1}'.encode()
    with pytest.raises(TypeError):
        crypto.canonical_json({"amount": 1.5})
