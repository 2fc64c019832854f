"""The signed contract text and its verification, without a database: canonical bytes are stable
through str storage, a contract signature verifies only over the exact bytes, with the signer's
certificate, chained to the class CA; the PSS salt is the digest length (OpenSSL saltlen -1)."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, datetime, timedelta

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding

from sandbox.b2b import contracts
from sandbox.b2b.models import Contract
from sandbox.pki import crypto
from sandbox.pki import services as pki
from sandbox.pki.models import Certificate

NOW = datetime(2026, 3, 1, 8, 0, tzinfo=UTC)
DOC = {
    "document": "b2b.contract",
    "contract_number": "CT20260301-ABC123",
    "buyer": {"company": "北京采购有限公司 Beijing Buying Co.", "certificate_number": "123456789012"},
    "supplier": {"company": "上海供应有限公司", "certificate_number": "210987654321"},
    "lines": [{"sku": "TEA-01", "name_zh": "龙井茶", "quantity": 3, "unit_price_fen": 12_50, "amount_fen": 37_50}],
    "total_fen": 37_50,
    "currency": "CNY",
    "terms": {"quality": "一等品", "inspection": "抽检", "delivery_place": "北京", "payment_terms": "电汇",
              "written_by": "supplier"},
}


@pytest.fixture(scope="module")
def ca() -> tuple[crypto.PrivateKey, x509.Certificate]:
    return crypto.build_root("Class Root CA", "Sandbox", now=NOW - timedelta(days=1), key=crypto.new_rsa_key(2048))


@pytest.fixture(scope="module")
def signer(ca) -> tuple[crypto.PrivateKey, Certificate]:
    key = crypto.new_rsa_key()
    cert = crypto.build_leaf(
        issuer_key=ca[0], issuer_cert=ca[1], public_key=key.public_key(), common_name="上海供应有限公司",
        organization=None, number="210987654321", email_address=None, now=NOW - timedelta(hours=1),
    )
    return key, Certificate(id=7, number="210987654321", certificate_pem=crypto.cert_pem(cert))


def signed_contract(key: crypto.PrivateKey, text: str, side: str = "supplier") -> Contract:
    data = text.encode("utf-8")
    row = Contract(id=1, class_id=1, number="CT1", negotiation_id=1, buyer_id=1, supplier_id=2, state="unsigned",
                   document=text, document_sha256=hashlib.sha256(data).hexdigest(), total_fen=3750)
    setattr(row, f"{side}_signature_b64", base64.b64encode(pki.sign(key, data)).decode("ascii"))
    setattr(row, f"{side}_certificate_id", 7)
    setattr(row, f"{side}_signed_at", NOW)
    return row


def test_the_stored_text_gives_back_the_signed_bytes():
    data = pki.canonical_json(DOC)
    text = data.decode("utf-8")
    assert text.encode("utf-8") == data
    assert pki.canonical_json(json.loads(text)) == data  # reading and re-encoding changes nothing
    assert b'": ' not in data and b', "' not in data and "龙井茶" in text  # compact, not \\u-escaped
    with pytest.raises(TypeError):
        pki.canonical_json({**DOC, "total": 37.5})  # money is never a float in a signed text


def test_a_signature_verifies_only_over_the_exact_bytes(ca, signer):
    key, row = signer
    text = pki.canonical_json(DOC).decode("utf-8")
    contract = signed_contract(key, text)
    data = contract.document.encode("utf-8")
    ok = contracts._side_check(contract, "supplier", data, {7: row}, ca[1])
    assert ok["verified"] and ok["signed"] and ok["problem"] is None and ok["certificate_number"] == "210987654321"
    changed = text.replace('"total_fen":3750', '"total_fen":375')
    assert changed != text
    bad = contracts._side_check(contract, "supplier", changed.encode("utf-8"), {7: row}, ca[1])
    assert not bad["verified"] and bad["problem"] == "bad_signature"
    unsigned = contracts._side_check(contract, "buyer", data, {7: row}, ca[1])
    assert not unsigned["signed"] and unsigned["problem"] == "unsigned"
    lost = contracts._side_check(contract, "supplier", data, {}, ca[1])
    assert not lost["verified"] and lost["problem"] == "no_certificate"


def test_a_certificate_of_another_ca_is_not_verified(signer):
    key, row = signer
    contract = signed_contract(key, pki.canonical_json(DOC).decode("utf-8"))
    _, foreign = crypto.build_root("Class Root CA", "Sandbox", now=NOW - timedelta(days=1), key=crypto.new_rsa_key(2048))
    result = contracts._side_check(contract, "supplier", contract.document.encode("utf-8"), {7: row}, foreign)
    assert not result["verified"] and result["problem"] == "chain"
    none = contracts._side_check(contract, "supplier", contract.document.encode("utf-8"), {7: row}, None)
    assert not none["verified"]


def test_another_key_does_not_verify_with_the_signers_certificate(ca, signer):
    _, row = signer
    contract = signed_contract(crypto.new_rsa_key(), pki.canonical_json(DOC).decode("utf-8"))
    result = contracts._side_check(contract, "supplier", contract.document.encode("utf-8"), {7: row}, ca[1])
    assert not result["verified"] and result["problem"] == "bad_signature"


def test_pss_salt_is_the_digest_length_as_the_readme_says(signer):
    key, row = signer
    data = pki.canonical_json(DOC)
    signature = pki.sign(key, data)
    public = crypto.load_certificate(row.certificate_pem).public_key()
    public.verify(  # raises if the salt were not 32 bytes (= SHA-256 length, OpenSSL rsa_pss_saltlen:-1)
        signature, data, padding.PSS(mgf=padding.MGF1(hashes.SHA256()), salt_length=padding.PSS.DIGEST_LENGTH),
        hashes.SHA256(),
    )
    assert "-sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1" in contracts.VERIFY_COMMANDS
    for name in contracts.ARTEFACT_FILES:
        assert name in contracts.VERIFY_COMMANDS
