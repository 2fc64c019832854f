"""Pure X.509 / PKCS#12 / CRL / signature functions (``cryptography``), no database.

Invariants:
- Every datetime given or returned is timezone-aware UTC; naive datetimes are refused.
- A CA certificate has critical ``BasicConstraints(ca=True, path_length=0)``, critical
  ``KeyUsage(keyCertSign, cRLSign)`` and an SKI; a leaf has a SAN, critical
  ``BasicConstraints(ca=False)``, critical ``KeyUsage(digitalSignature, contentCommitment)``,
  ``ExtendedKeyUsage(clientAuth, emailProtection)``, SKI and AKI — what the
  ``cryptography.x509.verification`` client verifier requires (see domain-standards §1.4).
- Serial numbers are random (159 bits); a leaf never outlives its issuer.
- Accepted leaf keys: RSA 2048–8192 bits (e = 65537) or EC P-256 / P-384. Ed25519 and weak
  RSA keys are refused (``pki.weak_key``).
- Signatures: RSA-PSS (MGF1-SHA256, salt = 32 bytes) with SHA-256, or ECDSA-SHA256 (DER);
  verification accepts any PSS salt length.
"""

from __future__ import annotations

import hashlib
import json
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, padding, rsa
from cryptography.hazmat.primitives.serialization import pkcs12
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID
from cryptography.x509.verification import PolicyBuilder, Store, VerificationError

from sandbox.errors import DomainError

PrivateKey = rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey
PublicKey = rsa.RSAPublicKey | ec.EllipticCurvePublicKey

ROOT_KEY_BITS = 3072
LEAF_KEY_BITS = 2048
ROOT_YEARS = 10
BACKDATE = timedelta(minutes=1)
CRL_LIFETIME = timedelta(days=7)
PSS_SALT = 32  # bytes = SHA-256 digest length
MIN_RSA_BITS = 2048
MAX_RSA_BITS = 8192
EC_CURVES = (ec.SECP256R1, ec.SECP384R1)
P12_KDF_ROUNDS = 100_000

#: RFC 5280 revocation reasons a CA officer may give (certificateHold is not permanent, and
#: the CA-side reasons do not apply to a leaf).
REASONS: dict[str, x509.ReasonFlags] = {
    "unspecified": x509.ReasonFlags.unspecified,
    "key_compromise": x509.ReasonFlags.key_compromise,
    "affiliation_changed": x509.ReasonFlags.affiliation_changed,
    "superseded": x509.ReasonFlags.superseded,
    "cessation_of_operation": x509.ReasonFlags.cessation_of_operation,
    "privilege_withdrawn": x509.ReasonFlags.privilege_withdrawn,
}


def _aware(at: datetime) -> datetime:
    if at.tzinfo is None:
        raise ValueError("naive datetime given to the PKI")
    return at


# ----------------------------------------------------------------------------- keys


def new_rsa_key(bits: int = LEAF_KEY_BITS) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def check_public_key(key: Any) -> PublicKey:
    """``key`` if it is an acceptable leaf key (RSA ≥ 2048 with e = 65537, EC P-256/P-384)."""
    if isinstance(key, rsa.RSAPublicKey):
        if MIN_RSA_BITS <= key.key_size <= MAX_RSA_BITS and key.public_numbers().e == 65537:
            return key
        raise DomainError("pki.weak_key", field="pki.csr", detail=f"RSA-{key.key_size}")
    if isinstance(key, ec.EllipticCurvePublicKey):
        if isinstance(key.curve, EC_CURVES):
            return key
        raise DomainError("pki.weak_key", field="pki.csr", detail=key.curve.name)
    raise DomainError("pki.weak_key", field="pki.csr", detail=type(key).__name__)


def private_key_der(key: PrivateKey) -> bytes:
    """PKCS#8 DER, unencrypted (the caller seals it)."""
    return key.private_bytes(serialization.Encoding.DER, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())


def load_private_key_der(data: bytes) -> PrivateKey:
    key = serialization.load_der_private_key(data, password=None)
    if not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise ValueError("unsupported private key type")
    return key


def public_key_pem(cert: x509.Certificate) -> bytes:
    return cert.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)


def fingerprint(cert: x509.Certificate) -> str:
    """The SHA-256 fingerprint of the certificate's DER, lower-case hex."""
    return cert.fingerprint(hashes.SHA256()).hex()


def serial_hex(cert: x509.Certificate) -> str:
    return format(cert.serial_number, "x")


def cert_pem(cert: x509.Certificate) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


def load_certificate(data: str | bytes) -> x509.Certificate:
    """A certificate from PEM or DER; ``pki.bad_certificate`` otherwise."""
    raw = data.encode("ascii", "replace") if isinstance(data, str) else bytes(data)
    try:
        if raw.lstrip().startswith(b"-----BEGIN"):
            return x509.load_pem_x509_certificate(raw)
        return x509.load_der_x509_certificate(raw)
    except ValueError:
        raise DomainError("pki.bad_certificate", field="pki.certificate") from None


# ----------------------------------------------------------------------------- names


def name(common_name: str, organization: str | None = None, number: str | None = None) -> x509.Name:
    """``C=CN, O=organization, CN=common_name, serialNumber=number`` (RFC 4514 order reversed)."""
    attrs = [x509.NameAttribute(NameOID.COUNTRY_NAME, "CN")]
    if organization:
        attrs.append(x509.NameAttribute(NameOID.ORGANIZATION_NAME, organization))
    attrs.append(x509.NameAttribute(NameOID.COMMON_NAME, common_name))
    if number:
        attrs.append(x509.NameAttribute(NameOID.SERIAL_NUMBER, number))
    return x509.Name(attrs)


def name_value(n: x509.Name, oid: x509.ObjectIdentifier) -> str | None:
    found = n.get_attributes_for_oid(oid)
    if not found:
        return None
    value = found[0].value
    return value if isinstance(value, str) else value.decode("utf-8", "replace")


# ----------------------------------------------------------------------------- root CA


def build_root(common_name: str, organization: str, *, now: datetime, key: PrivateKey | None = None,
               years: int = ROOT_YEARS) -> tuple[PrivateKey, x509.Certificate]:
    """A self-signed root CA (RSA-3072 unless ``key`` is given), valid ``years`` years."""
    now = _aware(now)
    key = key or new_rsa_key(ROOT_KEY_BITS)
    subject = name(common_name, organization)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(now + timedelta(days=365 * years + years // 4))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=False, content_commitment=False, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=True, crl_sign=True,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


# ----------------------------------------------------------------------------- CSR


@dataclass(frozen=True)
class CsrInfo:
    public_key: PublicKey
    common_name: str | None
    organization: str | None


def parse_csr(data: str | bytes) -> CsrInfo:
    """A PKCS#10 request (PEM or DER) whose self-signature verifies and whose key is acceptable.

    Raises pki.bad_csr (not a CSR), pki.csr_signature (signature does not verify), pki.weak_key.
    """
    raw = data.encode("utf-8", "replace") if isinstance(data, str) else bytes(data)
    raw = raw.strip()
    if not raw or len(raw) > 64_000:
        raise DomainError("pki.bad_csr", field="pki.csr")
    try:
        csr = x509.load_pem_x509_csr(raw) if raw.startswith(b"-----BEGIN") else x509.load_der_x509_csr(raw)
        key = csr.public_key()
        valid = csr.is_signature_valid
    except (ValueError, TypeError, x509.UnsupportedGeneralNameType):
        raise DomainError("pki.bad_csr", field="pki.csr") from None
    if not valid:
        raise DomainError("pki.csr_signature", field="pki.csr")
    public = check_public_key(key)
    try:
        cn = name_value(csr.subject, NameOID.COMMON_NAME)
        org = name_value(csr.subject, NameOID.ORGANIZATION_NAME)
    except ValueError:
        cn = org = None
    return CsrInfo(public, cn, org)


def build_csr(key: PrivateKey, common_name: str, organization: str | None = None) -> bytes:
    """A PEM CSR signed by ``key`` (what an applicant's own tool would make; used by bots and tests)."""
    csr = x509.CertificateSigningRequestBuilder().subject_name(name(common_name, organization)).sign(key, hashes.SHA256())
    return csr.public_bytes(serialization.Encoding.PEM)


# ----------------------------------------------------------------------------- leaf


def build_leaf(
    *,
    issuer_key: PrivateKey,
    issuer_cert: x509.Certificate,
    public_key: PublicKey,
    common_name: str,
    organization: str | None,
    number: str,
    email_address: str | None,
    now: datetime,
    valid_days: int = 365,
    serial: int | None = None,
) -> x509.Certificate:
    """An end-entity certificate signed by the issuer; its end is capped at the issuer's end."""
    now = _aware(now)
    subject = name(common_name, organization, number)
    not_after = min(now + timedelta(days=valid_days), issuer_cert.not_valid_after_utc)
    san: list[x509.GeneralName] = [x509.RFC822Name(email_address)] if email_address else [x509.DirectoryName(subject)]
    ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer_cert.subject)
        .public_key(public_key)
        .serial_number(serial or x509.random_serial_number())
        .not_valid_before(now - BACKDATE)
        .not_valid_after(not_after)
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=True, key_encipherment=False,
                data_encipherment=False, key_agreement=False, key_cert_sign=False, crl_sign=False,
                encipher_only=False, decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(
            x509.ExtendedKeyUsage([ExtendedKeyUsageOID.CLIENT_AUTH, ExtendedKeyUsageOID.EMAIL_PROTECTION]),
            critical=False,
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(public_key), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(issuer_key, hashes.SHA256())
    )


# ----------------------------------------------------------------------------- CRL


def build_crl(
    *,
    issuer_key: PrivateKey,
    issuer_cert: x509.Certificate,
    revoked: Iterable[tuple[int, datetime, str]],
    number: int,
    now: datetime,
    lifetime: timedelta = CRL_LIFETIME,
) -> x509.CertificateRevocationList:
    """A CRL of ``(serial, revoked_at, reason)`` entries, numbered ``number``, valid ``lifetime``."""
    now = _aware(now)
    ski = issuer_cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
    builder = (
        x509.CertificateRevocationListBuilder()
        .issuer_name(issuer_cert.subject)
        .last_update(now - BACKDATE)
        .next_update(now + lifetime)
        .add_extension(x509.CRLNumber(number), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
    )
    for serial, at, reason in revoked:
        entry = x509.RevokedCertificateBuilder().serial_number(serial).revocation_date(_aware(at))
        flag = REASONS.get(reason, x509.ReasonFlags.unspecified)
        if flag is not x509.ReasonFlags.unspecified:  # RFC 5280: omit reasonCode rather than "unspecified"
            entry = entry.add_extension(x509.CRLReason(flag), critical=False)
        builder = builder.add_revoked_certificate(entry.build())
    return builder.sign(issuer_key, hashes.SHA256())


def crl_revokes(crl: x509.CertificateRevocationList, issuer_cert: x509.Certificate, serial: int, *, at: datetime) -> bool:
    """True when the (valid, current) CRL lists ``serial``. A CRL with a bad signature, another
    issuer or past its next update raises ``ValueError`` (the caller must not trust it)."""
    public = issuer_cert.public_key()
    if crl.issuer != issuer_cert.subject or not isinstance(public, rsa.RSAPublicKey | ec.EllipticCurvePublicKey):
        raise ValueError("CRL of another issuer")
    if not crl.is_signature_valid(public):
        raise ValueError("CRL signature does not verify")
    next_update = crl.next_update_utc
    if next_update is not None and _aware(at) > next_update:
        raise ValueError("CRL is stale")
    return crl.get_revoked_certificate_by_serial_number(serial) is not None


# ----------------------------------------------------------------------------- chain


CHAIN_OK = "ok"
CHAIN_EXPIRED = "expired"
CHAIN_NOT_YET_VALID = "not_yet_valid"
CHAIN_FOREIGN = "foreign_ca"
CHAIN_TAMPERED = "tampered"


def verify_chain(leaf: x509.Certificate, root: x509.Certificate, *, at: datetime,
                 intermediates: Sequence[x509.Certificate] = ()) -> str:
    """One of ``CHAIN_*``: the leaf's validity at ``at`` and its chain to ``root`` through the
    ``cryptography`` client verifier (which checks signatures, extensions and validity but not
    revocation). A leaf naming our root as issuer whose signature fails is ``tampered``."""
    at = _aware(at)
    if at < leaf.not_valid_before_utc:
        return CHAIN_NOT_YET_VALID
    if at > leaf.not_valid_after_utc:
        return CHAIN_EXPIRED
    verifier = PolicyBuilder().store(Store([root])).time(at).build_client_verifier()
    try:
        verifier.verify(leaf, list(intermediates))
    except VerificationError:
        return CHAIN_TAMPERED if _claims_issuer(leaf, root) else CHAIN_FOREIGN
    return CHAIN_OK


def _claims_issuer(leaf: x509.Certificate, root: x509.Certificate) -> bool:
    """Whether ``leaf`` says ``root`` issued it (same issuer name and authority key id)."""
    if leaf.issuer != root.subject:
        return False
    try:
        aki = leaf.extensions.get_extension_for_class(x509.AuthorityKeyIdentifier).value.key_identifier
        ski = root.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value.digest
    except x509.ExtensionNotFound:
        return True
    return aki == ski


# ----------------------------------------------------------------------------- PKCS#12


def p12_encryption(password: str) -> serialization.KeySerializationEncryption:
    """PBES2 / PBKDF2-HMAC-SHA256 / AES-256-CBC with a SHA-256 MAC (readable by OpenSSL 3)."""
    return (
        serialization.PrivateFormat.PKCS12.encryption_builder()
        .kdf_rounds(P12_KDF_ROUNDS)
        .key_cert_algorithm(pkcs12.PBES.PBESv2SHA256AndAES256CBC)
        .hmac_hash(hashes.SHA256())
        .build(password.encode("utf-8"))
    )


def build_p12(friendly_name: str, key: PrivateKey | None, cert: x509.Certificate,
              chain: Sequence[x509.Certificate], password: str) -> bytes:
    """A password-protected PKCS#12 bundle: key (if any), certificate and CA chain."""
    return pkcs12.serialize_key_and_certificates(
        friendly_name.encode("utf-8")[:64], key, cert, list(chain), p12_encryption(password)
    )


def open_p12(data: bytes, password: str) -> tuple[PrivateKey | None, x509.Certificate]:
    """The key and certificate of a .p12. Raises pki.bad_p12 (not a PKCS#12 file or no
    certificate) or pki.bad_p12_password."""
    if not data or len(data) > 200_000:
        raise DomainError("pki.bad_p12", field="pki.p12")
    try:
        key, cert, chain = pkcs12.load_key_and_certificates(bytes(data), str(password or "").encode("utf-8"))
    except ValueError as err:
        if "password" in str(err).lower():
            raise DomainError("pki.bad_p12_password", field="pki.p12_password") from None
        raise DomainError("pki.bad_p12", field="pki.p12") from None
    if cert is None:  # a bundle without key: its end-entity certificate is among the others
        cert = next((c for c in chain if not _is_ca(c)), None)
    if cert is None:
        raise DomainError("pki.bad_p12", field="pki.p12")
    if key is not None and not isinstance(key, rsa.RSAPrivateKey | ec.EllipticCurvePrivateKey):
        raise DomainError("pki.weak_key", field="pki.p12", detail=type(key).__name__)
    return key, cert


def _is_ca(cert: x509.Certificate) -> bool:
    try:
        return bool(cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca)
    except x509.ExtensionNotFound:
        return False


# ----------------------------------------------------------------------------- signatures


def _pss(salt: int) -> padding.PSS:
    return padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=salt)


def sign(private_key: PrivateKey, data: bytes) -> bytes:
    """RSA-PSS (MGF1-SHA256, salt 32) or ECDSA, both with SHA-256."""
    if isinstance(private_key, rsa.RSAPrivateKey):
        return private_key.sign(data, _pss(PSS_SALT), hashes.SHA256())
    if isinstance(private_key, ec.EllipticCurvePrivateKey):
        return private_key.sign(data, ec.ECDSA(hashes.SHA256()))
    raise TypeError(f"unsupported key {type(private_key).__name__}")


def verify_with_key(public_key: Any, data: bytes, signature: bytes) -> bool:
    try:
        if isinstance(public_key, rsa.RSAPublicKey):
            public_key.verify(signature, data, _pss(padding.PSS.AUTO), hashes.SHA256())
        elif isinstance(public_key, ec.EllipticCurvePublicKey):
            public_key.verify(signature, data, ec.ECDSA(hashes.SHA256()))
        else:
            return False
    except (InvalidSignature, ValueError):
        return False
    return True


def verify_signature(certificate: x509.Certificate, data: bytes, signature: bytes) -> bool:
    return verify_with_key(certificate.public_key(), bytes(data), bytes(signature))


def key_matches(private_key: PrivateKey, cert: x509.Certificate) -> bool:
    """Whether the private key belongs to the certificate's public key."""
    mine = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    theirs = cert.public_key().public_bytes(serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo)
    return mine == theirs


def _nfc(value: Any) -> Any:
    if isinstance(value, str):
        return unicodedata.normalize("NFC", value)
    if isinstance(value, dict):
        return {_nfc(str(k)): _nfc(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_nfc(v) for v in value]
    if isinstance(value, float):
        raise TypeError("floats are not signed: give money as integer fen or a decimal string")
    return value


def canonical_json(document: Any) -> bytes:
    """Sorted keys, no blanks, UTF-8, NFC strings; floats refused (amounts are integers or strings).

    For documents of integers, strings, booleans and nulls with ASCII keys (what the sandbox
    signs) this equals RFC 8785 (JCS) output; JCS sorts non-ASCII keys by UTF-16 units.
    """
    return json.dumps(_nfc(document), ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode("utf-8")


def sha256_hex(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()
