"""B2B028/B2B029: both parties sign the electronic contract with their certificates' keys (installed
identity or uploaded .p12); the contract page verifies the signatures over the stored bytes; a
changed text shows as not verified and cannot be signed; the demo artefacts verify with OpenSSL."""

from __future__ import annotations

import base64
import hashlib
import json
import subprocess
from pathlib import Path

import pytest
from sqlalchemy import select

from sandbox.b2b import contracts
from sandbox.b2b.models import Contract
from sandbox.ca import services as ca
from sandbox.pki import crypto
from sandbox.pki.models import Certificate
from sandbox.uow import UnitOfWork
from tests.b2b_setup import Trader, trader
from tests.integration.helpers import changes_nothing, events_of, fetch, refused
from tests.integration.test_b2b_negotiation import Deal, agreed_contract, setup_deal


def p12_of(uow: UnitOfWork, who: Trader) -> bytes:
    """The .p12 the student downloads again from the CA (CA003), protected by the download password."""
    return ca.download(uow, who.actor, certificate_id=who.certificate_id, password=who.download_password).data


def detail(uow: UnitOfWork, who: Trader, contract_id: int) -> contracts.ContractDetail:
    with uow.read() as s:
        return contracts.contract_detail(s, who.actor, who.token, contract_id)


def contract_row(uow: UnitOfWork, contract_id: int) -> Contract:
    (row,) = fetch(uow, select(Contract).where(Contract.id == contract_id))
    return row


def tamper(uow: UnitOfWork, contract_id: int, *, rehash: bool = False) -> None:
    """Change the stored contract text behind the services' back (as a database edit would)."""
    with uow.write() as s:
        row = s.get(Contract, contract_id)
        assert row is not None
        doc = json.loads(row.document)
        doc["total_fen"] = 1
        row.document = crypto.canonical_json(doc).decode("utf-8")
        if rehash:
            row.document_sha256 = hashlib.sha256(row.document.encode("utf-8")).hexdigest()


def signed_by_both(uow: UnitOfWork) -> tuple[Deal, int]:
    deal = setup_deal(uow)
    cid = agreed_contract(uow, deal)
    contracts.sign(uow, deal.buyer.actor, deal.buyer.token, cid, certificate_id=deal.buyer.certificate_id)
    contracts.sign(uow, deal.supplier.actor, deal.supplier.token, cid, p12_bytes=p12_of(uow, deal.supplier),
                   p12_password=deal.supplier.download_password)
    return deal, cid


@pytest.mark.parametrize("first", ["buyer", "supplier"])
def test_both_sign_and_the_page_verifies_both(uow, first):
    deal = setup_deal(uow)
    cid = agreed_contract(uow, deal, first="buyer" if first == "supplier" else "supplier")
    start = detail(uow, deal.buyer, cid)
    assert start.state == "unsigned" and start.document_intact and not start.buyer.signed and not start.supplier.signed
    assert start.terms is not None and start.terms.written_by == "supplier" and start.lines
    one = deal.buyer if first == "buyer" else deal.supplier
    two = deal.supplier if first == "buyer" else deal.buyer
    view = contracts.sign(uow, one.actor, one.token, cid, certificate_id=one.certificate_id, request_id="s-1")
    assert view.state == f"signed_by_{first}" and getattr(view, first).verified and not view.both_verified
    with changes_nothing(uow):  # replay of the same click
        contracts.sign(uow, one.actor, one.token, cid, certificate_id=one.certificate_id, request_id="s-1")
    view = contracts.sign(uow, two.actor, two.token, cid, p12_bytes=p12_of(uow, two), p12_password=two.download_password)
    assert view.state == "signed_by_both" and view.both_verified
    for who in (deal.buyer, deal.supplier):
        page = detail(uow, who, cid)
        assert page.buyer.verified and page.supplier.verified and page.document_intact
        assert page.buyer.certificate_number == deal.buyer.certificate_number
        assert page.supplier.certificate_number == deal.supplier.certificate_number
        assert page.buyer.signed_by == deal.buyer.actor.user_id and page.buyer.signed_at is not None
    row = contract_row(uow, cid)
    data = row.document.encode("utf-8")
    for side, who in (("buyer", deal.buyer), ("supplier", deal.supplier)):  # independent check with the certificate
        (pem,) = fetch(uow, select(Certificate.certificate_pem).where(Certificate.id == who.certificate_id))
        signature = base64.b64decode(getattr(row, f"{side}_signature_b64"))
        assert crypto.verify_signature(crypto.load_certificate(pem), data, signature)
    signed = events_of(uow, "b2b.contract_signed")
    assert [(e.task_code, e.data["side"], e.data["to_state"]) for e in signed] == [
        ("B2B028" if first == "buyer" else "B2B029", first, f"signed_by_{first}"),
        ("B2B029" if first == "buyer" else "B2B028", two.member_type, "signed_by_both"),
    ]
    assert {e.data["method"] for e in signed} == {"store", "p12"}
    assert all(e.data["document_sha256"] == row.document_sha256 for e in signed)
    with uow.read() as s:
        assert contracts.verify_contract(s, cid)["verified"]
        assert [c.id for c in contracts.contracts_for(s, deal.supplier.actor, deal.supplier.token)] == [cid]


def test_a_changed_text_is_not_verified_and_cannot_be_signed(uow):
    deal = setup_deal(uow)
    cid = agreed_contract(uow, deal)
    contracts.sign(uow, deal.buyer.actor, deal.buyer.token, cid, certificate_id=deal.buyer.certificate_id)
    tamper(uow, cid)
    page = detail(uow, deal.supplier, cid)
    assert not page.document_intact and page.buyer.signed and not page.buyer.verified
    assert page.buyer.problem == "bad_signature" and not page.both_verified
    with changes_nothing(uow), refused("b2b.contract_tampered"):
        contracts.sign(uow, deal.supplier.actor, deal.supplier.token, cid, certificate_id=deal.supplier.certificate_id)
    tamper(uow, cid, rehash=True)  # even with a matching hash, the buyer's signature no longer holds
    assert detail(uow, deal.buyer, cid).document_intact and not detail(uow, deal.buyer, cid).buyer.verified
    with changes_nothing(uow), refused("b2b.contract_tampered"):
        contracts.sign(uow, deal.supplier.actor, deal.supplier.token, cid, certificate_id=deal.supplier.certificate_id)


def test_a_text_changed_after_both_signed_shows_not_verified(uow):
    deal, cid = signed_by_both(uow)
    assert detail(uow, deal.buyer, cid).both_verified
    tamper(uow, cid, rehash=True)
    page = detail(uow, deal.buyer, cid)
    assert not page.buyer.verified and not page.supplier.verified and not page.both_verified
    with uow.read() as s:
        assert not contracts.verify_contract(s, cid)["verified"]


def test_bad_signing_is_refused_and_changes_nothing(uow):
    deal = setup_deal(uow)
    bob = trader(uow, deal.room, "bob", "buyer")
    buy, sup = deal.buyer, deal.supplier
    with changes_nothing(uow), refused("b2b.contract_not_found"):  # nothing agreed yet: no contract
        contracts.sign(uow, buy.actor, buy.token, 1, certificate_id=buy.certificate_id)
    cid = agreed_contract(uow, deal)
    with changes_nothing(uow), refused("input.required", field="b2b.certificate"):
        contracts.sign(uow, buy.actor, buy.token, cid)
    with changes_nothing(uow), refused("b2b.not_yours"):
        contracts.sign(uow, bob.actor, bob.token, cid, certificate_id=bob.certificate_id)
    with changes_nothing(uow), refused("b2b.contract_wrong_certificate", number=buy.certificate_number):
        contracts.sign(uow, buy.actor, buy.token, cid, certificate_id=bob.certificate_id)
    with changes_nothing(uow), refused("b2b.contract_wrong_certificate"):  # the buyer's key signs no supplier side
        contracts.sign(uow, sup.actor, sup.token, cid, certificate_id=buy.certificate_id)
    bobs_p12 = p12_of(uow, bob)
    with changes_nothing(uow), refused("b2b.contract_wrong_certificate", field="pki.p12"):
        contracts.sign(uow, buy.actor, buy.token, cid, p12_bytes=bobs_p12, p12_password=bob.download_password)
    mine = p12_of(uow, buy)
    with changes_nothing(uow), refused("pki.bad_p12_password"):
        contracts.sign(uow, buy.actor, buy.token, cid, p12_bytes=mine, p12_password="WRONGPASS2")
    with changes_nothing(uow), refused("pki.bad_p12"):
        contracts.sign(uow, buy.actor, buy.token, cid, p12_bytes=b"not a p12 file", p12_password="x")
    contracts.sign(uow, buy.actor, buy.token, cid, p12_bytes=mine, p12_password=buy.download_password,
                   request_id="sig-buyer")
    with changes_nothing(uow), refused("b2b.contract_already_signed"):
        contracts.sign(uow, buy.actor, buy.token, cid, certificate_id=buy.certificate_id)
    with changes_nothing(uow), refused("request.duplicate"):  # the buyer's request id, reused for another action
        contracts.sign(uow, sup.actor, sup.token, cid, certificate_id=sup.certificate_id, request_id="sig-buyer")
    with uow.read() as s, refused("b2b.not_yours"):
        contracts.contract_detail(s, bob.actor, bob.token, cid)
    assert contract_row(uow, cid).state == "signed_by_buyer"


def test_a_revoked_certificate_signs_nothing(uow):
    deal = setup_deal(uow)
    cid = agreed_contract(uow, deal)
    ca.revoke(uow, deal.teacher, class_id=deal.room.id, certificate_id=deal.supplier.certificate_id,
              reason="key_compromise")
    with changes_nothing(uow), refused("pki.revoked"):
        contracts.sign(uow, deal.supplier.actor, deal.supplier.token, cid, certificate_id=deal.supplier.certificate_id)
    assert contract_row(uow, cid).state == "unsigned"


def openssl(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=folder, capture_output=True, text=True, check=False)


def test_artefacts_verify_with_openssl_and_a_tampered_copy_does_not(uow, tmp_path):
    deal, cid = signed_by_both(uow)
    with uow.read() as s:
        assert contracts.write_artefacts(s, deal.room.id + 1, tmp_path / "none") == {}
        paths = contracts.write_artefacts(s, deal.room.id, tmp_path)
    assert sorted(paths) == sorted(contracts.ARTEFACT_FILES) and all(p.exists() for p in paths.values())
    assert paths["contract.json"].read_bytes() == contract_row(uow, cid).document.encode("utf-8")
    (tmp_path / "tampered.json").write_bytes(paths["contract.json"].read_bytes().replace(b'"total_fen":', b'"total_fen":1'))
    for side in ("buyer", "supplier"):
        pub = openssl(tmp_path, "x509", "-in", f"contract.{side}.pem", "-pubkey", "-noout")
        assert pub.returncode == 0, pub.stderr
        (tmp_path / f"{side}-pub.pem").write_text(pub.stdout)
        verify = ["dgst", "-sha256", "-verify", f"{side}-pub.pem", "-sigopt", "rsa_padding_mode:pss",
                  "-sigopt", "rsa_pss_saltlen:-1", "-signature", f"contract.json.{side}.sig"]
        good = openssl(tmp_path, *verify, "contract.json")
        assert good.stdout.strip() == "Verified OK", good.stderr
        bad = openssl(tmp_path, *verify, "tampered.json")
        assert bad.returncode != 0 and "Verified OK" not in bad.stdout
    other = ["dgst", "-sha256", "-verify", "buyer-pub.pem", "-sigopt", "rsa_padding_mode:pss",
             "-sigopt", "rsa_pss_saltlen:-1", "-signature", "contract.json.supplier.sig", "contract.json"]
    assert openssl(tmp_path, *other).returncode != 0  # the supplier's signature is not the buyer's
    assert "rsa_pss_saltlen:-1" in contracts.README_SNIPPET and "contract.json.buyer.sig" in contracts.VERIFY_COMMANDS
