"""Electronic contracts (电子合同): generated when a negotiation form reaches 双方同意 (B2B026/B2B027)
and signed by the buyer (B2B028) and the supplier (B2B029) with their certificates' private keys.

Invariants:
- ``document`` is the contract text that is signed: canonical JSON (``pki.canonical_json``:
  sorted keys, no blanks, NFC, UTF-8) of the parties, goods, total and agreed terms, decoded to
  a str; ``document_sha256`` is the SHA-256 of its UTF-8 bytes. Both are written once, when the
  contract is made, and never rewritten.
- A party signs those exact bytes with RSA-PSS / SHA-256 (``pki.sign``) using the key of its
  member's own CA certificate: the identity installed in the student's certificate store
  (certificate downloaded, CA003) or an uploaded .p12 whose certificate is that certificate.
  A revoked, expired or foreign certificate signs nothing; the fresh signature is verified
  before it is stored; nobody signs a text whose bytes no longer hash to ``document_sha256``.
- "Verified" is recomputed from what is stored *now*: the signature verifies over the current
  ``document`` bytes with the stored signer certificate, and that certificate chains to the
  class CA (at signing time). A text changed after signing shows as not verified.
- States move along ``states.CONTRACT`` (未签定 → 采购商已签定 / 供应商已签定 → 双方已签定) with
  conditional updates; each side signs once.

Events: b2b.contract_created (B2B026/B2B027, written by ``sandbox.b2b.negotiation.agree``),
b2b.contract_signed (B2B028 buyer / B2B029 supplier, subject contract id).
"""

from __future__ import annotations

import base64
import hashlib
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from cryptography import x509
from sqlalchemy import or_, select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import models as m
from sandbox.b2b import states
from sandbox.b2b.access import member_of, new_number, require_party
from sandbox.b2b.models import (
    BUYER,
    SUPPLIER,
    Contract,
    Inquiry,
    InquiryLine,
    Member,
    Negotiation,
    NegotiationEntry,
    Product,
)
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.identity.models import User
from sandbox.ledger import CURRENCY
from sandbox.pki import crypto
from sandbox.pki import services as pki
from sandbox.pki.models import DOWNLOADED, Authority, Certificate
from sandbox.uow import UnitOfWork

SIGN_TASK = {BUYER: "B2B028", SUPPLIER: "B2B029"}
SIGNED_STATE = {BUYER: m.SIGNED_BY_BUYER, SUPPLIER: m.SIGNED_BY_SUPPLIER}
DOCUMENT_FORMAT = 1
NUMBER_PREFIX = "CT"

#: ``demo --artefacts``: the files :func:`write_artefacts` writes.
ARTEFACT_FILES = (
    "contract.json",
    "contract.json.buyer.sig",
    "contract.json.supplier.sig",
    "contract.buyer.pem",
    "contract.supplier.pem",
)

#: For the demo README: how to check both contract signatures with OpenSSL. ``pki.sign`` uses
#: RSA-PSS with MGF1-SHA256 and a salt as long as the digest (32 bytes): saltlen -1.
VERIFY_COMMANDS = (
    "openssl x509 -in contract.buyer.pem -pubkey -noout > buyer-pub.pem\n"
    "openssl dgst -sha256 -verify buyer-pub.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 \\\n"
    "    -signature contract.json.buyer.sig contract.json\n"
    "openssl x509 -in contract.supplier.pem -pubkey -noout > supplier-pub.pem\n"
    "openssl dgst -sha256 -verify supplier-pub.pem -sigopt rsa_padding_mode:pss -sigopt rsa_pss_saltlen:-1 \\\n"
    "    -signature contract.json.supplier.sig contract.json\n"
)
README_SNIPPET = (
    "# Electronic contract (B2B028/B2B029): contract.json holds the exact signed bytes; each party's\n"
    "# RSA-PSS/SHA-256 signature (salt = digest length) verifies with its certificate's public key:\n"
    + VERIFY_COMMANDS
)


# ----------------------------------------------------------------------------- views


@dataclass(frozen=True)
class ContractLine:
    sku: str
    name_zh: str
    name_en: str
    quantity: int
    unit_zh: str
    unit_en: str
    unit_price_fen: int
    amount_fen: int


@dataclass(frozen=True)
class ContractTerms:
    quality: str
    inspection: str
    delivery_place: str
    payment_terms: str
    written_by: str  # "buyer" | "supplier"


@dataclass(frozen=True)
class SignatureView:
    """One party's signature as the contract page shows it."""

    side: str
    signed: bool
    signed_by: int | None
    signed_by_name: str | None
    signed_at: datetime | None
    certificate_id: int | None
    certificate_number: str | None
    verified: bool
    problem: str | None  # None when verified; "unsigned", "bad_signature", "no_certificate", "chain"


@dataclass(frozen=True)
class ContractDetail:
    id: int
    number: str
    state: str
    state_zh: str
    negotiation_id: int
    negotiation_number: str
    inquiry_number: str
    buyer_id: int
    buyer_company: str
    supplier_id: int
    supplier_company: str
    total_fen: int
    currency: str
    created_at: datetime
    lines: tuple[ContractLine, ...]
    terms: ContractTerms | None
    document: str
    document_sha256: str
    document_intact: bool
    buyer: SignatureView
    supplier: SignatureView

    @property
    def both_verified(self) -> bool:
        return self.document_intact and self.buyer.verified and self.supplier.verified


@dataclass(frozen=True)
class ContractSummary:
    id: int
    number: str
    state: str
    state_zh: str
    negotiation_id: int
    buyer_id: int
    buyer_company: str
    supplier_id: int
    supplier_company: str
    total_fen: int
    created_at: datetime
    buyer_signed_at: datetime | None
    supplier_signed_at: datetime | None


# ----------------------------------------------------------------------------- making the contract


def _iso(at: datetime | None) -> str | None:
    return at.astimezone(UTC).isoformat(timespec="seconds") if at is not None else None


def _party(member: Member) -> dict[str, Any]:
    return {
        "company": member.company_name,
        "member_name": member.login_name,
        "contact": member.contact_name,
        "address": member.address,
        "certificate_number": member.certificate_number or "",
    }


def latest_terms(session: Session, negotiation_id: int) -> NegotiationEntry | None:
    """The newest entry of the form that carries all four contract terms (what both agree to)."""
    return session.scalar(
        select(NegotiationEntry)
        .where(
            NegotiationEntry.negotiation_id == negotiation_id, NegotiationEntry.quality != "",
            NegotiationEntry.inspection != "", NegotiationEntry.delivery_place != "",
            NegotiationEntry.payment_terms != "",
        )
        .order_by(NegotiationEntry.id.desc())
        .limit(1)
    )


def build_document(
    session: Session, negotiation: Negotiation, terms: NegotiationEntry, number: str, now: datetime
) -> dict[str, Any]:
    """The contract text (a JSON-like dict; money in integer fen, times in ISO 8601 UTC)."""
    inquiry = session.get(Inquiry, negotiation.inquiry_id)
    buyer = session.get(Member, negotiation.buyer_id)
    supplier = session.get(Member, negotiation.supplier_id)
    assert inquiry is not None and buyer is not None and supplier is not None
    rows = session.execute(
        select(InquiryLine, Product.unit_zh, Product.unit_en)
        .join(Product, Product.id == InquiryLine.product_id)
        .where(InquiryLine.inquiry_id == inquiry.id)
        .order_by(InquiryLine.id)
    ).all()
    lines = []
    for n, (ln, unit_zh, unit_en) in enumerate(rows, start=1):
        price = int(ln.quoted_price_fen or 0)
        lines.append({
            "line": n, "sku": ln.sku, "name_zh": ln.name_zh, "name_en": ln.name_en, "quantity": ln.quantity,
            "unit_zh": unit_zh, "unit_en": unit_en, "unit_price_fen": price, "amount_fen": price * ln.quantity,
        })
    return {
        "document": "b2b.contract",
        "format": DOCUMENT_FORMAT,
        "contract_number": number,
        "class_id": negotiation.class_id,
        "negotiation_number": negotiation.number,
        "inquiry_number": inquiry.number,
        "buyer": _party(buyer),
        "supplier": _party(supplier),
        "lines": lines,
        "total_fen": sum(int(x["amount_fen"]) for x in lines),
        "currency": CURRENCY,
        "terms": {
            "quality": terms.quality,
            "inspection": terms.inspection,
            "delivery_place": terms.delivery_place,
            "payment_terms": terms.payment_terms,
            "written_by": terms.side,
            "written_by_company": buyer.company_name if terms.side == BUYER else supplier.company_name,
            "written_at": _iso(terms.created_at),
        },
        "buyer_agreed_at": _iso(negotiation.buyer_agreed_at),
        "supplier_agreed_at": _iso(negotiation.supplier_agreed_at),
        "created_at": _iso(now),
    }


def create_contract(
    session: Session, negotiation: Negotiation, terms: NegotiationEntry, *, actor: Actor, task_code: str
) -> Contract:
    """Make the unsigned contract of a negotiation that just reached 双方同意 (in the caller's
    transaction) and record ``b2b.contract_created``."""
    states.check(states.CONTRACT, None, m.UNSIGNED, task_code)
    now = utcnow()
    number = new_number(NUMBER_PREFIX)
    doc = build_document(session, negotiation, terms, number, now)
    data = pki.canonical_json(doc)
    contract = Contract(
        class_id=negotiation.class_id, number=number, negotiation_id=negotiation.id, buyer_id=negotiation.buyer_id,
        supplier_id=negotiation.supplier_id, state=m.UNSIGNED, document=data.decode("utf-8"),
        document_sha256=hashlib.sha256(data).hexdigest(), total_fen=int(doc["total_fen"]), created_at=now,
        details={"format": DOCUMENT_FORMAT, "inquiry_id": negotiation.inquiry_id, "terms_entry_id": terms.id},
    )
    session.add(contract)
    session.flush()
    events.record(
        session, "b2b.contract_created", actor=actor, subject=str(contract.id), task_code=task_code,
        from_state=None, to_state=m.UNSIGNED, contract_id=contract.id, number=number, negotiation_id=negotiation.id,
        buyer_id=contract.buyer_id, supplier_id=contract.supplier_id, total_fen=contract.total_fen,
        document_sha256=contract.document_sha256, terms_entry_id=terms.id,
    )
    return contract


# ----------------------------------------------------------------------------- verifying


def _root(session: Session, class_id: int) -> x509.Certificate | None:
    pem = session.scalar(select(Authority.certificate_pem).where(Authority.class_id == class_id))
    return crypto.load_certificate(pem) if pem else None


def _side_check(
    contract: Contract, side: str, data: bytes, certs: dict[int, Certificate], root: x509.Certificate | None
) -> dict[str, Any]:
    signature_b64 = getattr(contract, f"{side}_signature_b64")
    cert_id = getattr(contract, f"{side}_certificate_id")
    signed_at = getattr(contract, f"{side}_signed_at")
    row = certs.get(cert_id) if cert_id is not None else None
    out: dict[str, Any] = {
        "signed": bool(signature_b64), "verified": False, "certificate_id": cert_id,
        "certificate_number": row.number if row is not None else None, "signed_at": _iso(signed_at),
        "signature_sha256": None, "problem": None,
    }
    if not signature_b64:
        out["problem"] = "unsigned"
        return out
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except ValueError:
        out["problem"] = "bad_signature"
        return out
    out["signature_sha256"] = hashlib.sha256(signature).hexdigest()
    if row is None:
        out["problem"] = "no_certificate"
        return out
    cert = crypto.load_certificate(row.certificate_pem)
    if not crypto.verify_signature(cert, data, signature):
        out["problem"] = "bad_signature"
        return out
    if root is None or crypto.verify_chain(cert, root, at=signed_at or utcnow()) != crypto.CHAIN_OK:
        out["problem"] = "chain"
        return out
    out["verified"] = True
    return out


def _verify(session: Session, contract: Contract) -> dict[str, Any]:
    data = contract.document.encode("utf-8")
    actual = hashlib.sha256(data).hexdigest()
    ids = [i for i in (contract.buyer_certificate_id, contract.supplier_certificate_id) if i is not None]
    certs = {c.id: c for c in session.scalars(select(Certificate).where(Certificate.id.in_(ids)))} if ids else {}
    root = _root(session, contract.class_id)
    buyer = _side_check(contract, BUYER, data, certs, root)
    supplier = _side_check(contract, SUPPLIER, data, certs, root)
    intact = actual == contract.document_sha256
    return {
        "contract_id": contract.id, "number": contract.number, "state": contract.state,
        "document_sha256": contract.document_sha256, "actual_sha256": actual, "document_intact": intact,
        BUYER: buyer, SUPPLIER: supplier, "verified": intact and buyer["verified"] and supplier["verified"],
    }


def verify_contract(session: Session, contract_id: int) -> dict[str, Any]:
    """Whether the contract's stored signatures hold *now* (read-only; for checks and the page):
    ``document_intact`` (the bytes hash to ``document_sha256``), and per side ``signed``,
    ``verified`` (the signature verifies over the current bytes with the stored signer
    certificate, which chains to the class CA), ``problem``; ``verified`` overall = intact and
    both sides verified. Raises b2b.contract_not_found."""
    contract = session.get(Contract, contract_id) if isinstance(contract_id, int) else None
    if contract is None:
        raise DomainError("b2b.contract_not_found")
    return _verify(session, contract)


# ----------------------------------------------------------------------------- signing


def _load(session: Session, class_id: int, contract_id: object) -> Contract:
    row = (
        session.get(Contract, contract_id, with_for_update=True, populate_existing=True)
        if isinstance(contract_id, int) and not isinstance(contract_id, bool)
        else None
    )
    if row is None or row.class_id != class_id:
        raise DomainError("b2b.contract_not_found")
    return row


def _signing_key(
    session: Session,
    actor: Actor,
    member: Member,
    certificate_id: int | None,
    opened: tuple[crypto.PrivateKey | None, x509.Certificate] | None,
) -> tuple[crypto.PrivateKey, x509.Certificate, Certificate, str]:
    """The member's own certificate row, its key and certificate, and how it was presented."""
    if member.certificate_id is None:
        raise DomainError("b2b.contract_key_not_installed")
    row = pki.row_by_id(session, member.class_id, member.certificate_id)
    if opened is not None:
        key, cert = opened
        if crypto.fingerprint(cert) != row.fingerprint:
            raise DomainError("b2b.contract_wrong_certificate", field="pki.p12", number=member.certificate_number or "")
        if key is None:
            raise DomainError("pki.no_private_key", field="pki.p12")
        return key, cert, row, "p12"
    if certificate_id != row.id:
        raise DomainError("b2b.contract_wrong_certificate", field="b2b.certificate",
                          number=member.certificate_number or "")
    installed = row.owner_id == actor.user_id and row.state == DOWNLOADED
    stored = pki.leaf_private_key(row) if installed else None
    if stored is None:
        raise DomainError("b2b.contract_key_not_installed", field="b2b.certificate")
    return stored, crypto.load_certificate(row.certificate_pem), row, "store"


def sign(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    contract_id: int,
    *,
    certificate_id: int | None = None,
    p12_bytes: bytes | None = None,
    p12_password: str | None = None,
    request_id: str | None = None,
) -> ContractDetail:
    """B2B028 (buyer) / B2B029 (supplier): sign the contract's stored bytes with the private key
    of the member's own CA certificate — the identity installed in the student's certificate
    store (``certificate_id``) or an uploaded .p12 (``p12_bytes`` + ``p12_password``).

    Raises input.required (b2b.certificate), pki.bad_p12, pki.bad_p12_password, pki.no_private_key,
    pki.weak_key, b2b.contract_not_found (also: no contract yet, the form is not 双方同意),
    b2b.not_yours, b2b.contract_already_signed, b2b.contract_tampered, b2b.contract_wrong_certificate,
    b2b.contract_key_not_installed, pki.revoked, pki.expired, pki.not_yet_valid, pki.foreign_ca,
    pki.tampered, pki.other_class, pki.unknown_certificate, b2b.contract_bad_signature,
    b2b.bad_transition, b2b.state_changed, b2b.login_required, request.duplicate.
    """
    opened: tuple[crypto.PrivateKey | None, x509.Certificate] | None = None
    if p12_bytes:
        opened = crypto.open_p12(bytes(p12_bytes), str(p12_password or ""))  # slow KDF: outside the write lock
    elif certificate_id is None:
        raise DomainError("input.required", field="b2b.certificate")
    with uow.write() as s:
        member = member_of(s, actor, token)
        side = member.member_type
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "b2b.contract_signed" or done.actor_id != actor.user_id or done.subject != str(contract_id):
                raise DomainError("request.duplicate")
            return _detail(s, _load(s, member.class_id, contract_id))
        contract = _load(s, member.class_id, contract_id)
        require_party(member, contract.buyer_id if side == BUYER else contract.supplier_id)
        if getattr(contract, f"{side}_signature_b64"):
            raise DomainError("b2b.contract_already_signed")
        data = contract.document.encode("utf-8")
        document_sha256 = hashlib.sha256(data).hexdigest()
        if document_sha256 != contract.document_sha256:
            raise DomainError("b2b.contract_tampered")
        other = SUPPLIER if side == BUYER else BUYER
        if getattr(contract, f"{other}_signature_b64") and not _verify(s, contract)[other]["verified"]:
            raise DomainError("b2b.contract_tampered")  # text and hash both changed after the first signature
        key, cert, row, method = _signing_key(s, actor, member, certificate_id, opened)
        pki.check_certificate(s, class_id=member.class_id, certificate=cert)
        signature = pki.sign(key, data)
        if not pki.verify_signature(cert, data, signature):
            raise DomainError("b2b.contract_bad_signature")
        before = contract.state
        to_state = m.SIGNED_BY_BOTH if before == SIGNED_STATE[other] else SIGNED_STATE[side]
        now = utcnow()
        states.move(
            s, states.CONTRACT, Contract, contract.id, before, to_state, SIGN_TASK[side],
            **{
                f"{side}_signature_b64": base64.b64encode(signature).decode("ascii"),
                f"{side}_certificate_id": row.id,
                f"{side}_signed_by": actor.user_id,
                f"{side}_signed_at": now,
            },
        )
        events.record(
            s, "b2b.contract_signed", actor=actor, subject=str(contract.id), task_code=SIGN_TASK[side],
            request_id=request_id, from_state=before, to_state=to_state, side=side, contract_id=contract.id,
            number=contract.number, negotiation_id=contract.negotiation_id, member_id=member.id,
            certificate_id=row.id, certificate_number=row.number, method=method,
            signature_sha256=hashlib.sha256(signature).hexdigest(), document_sha256=document_sha256,
        )
        return _detail(s, contract)


# ----------------------------------------------------------------------------- reading


def _parsed(document: str) -> dict[str, Any]:
    try:
        doc = json.loads(document)
    except ValueError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _lines(doc: dict[str, Any]) -> tuple[ContractLine, ...]:
    out = []
    for x in doc.get("lines") or []:
        if not isinstance(x, dict):
            continue
        try:
            out.append(ContractLine(
                str(x.get("sku", "")), str(x.get("name_zh", "")), str(x.get("name_en", "")), int(x.get("quantity", 0)),
                str(x.get("unit_zh", "")), str(x.get("unit_en", "")), int(x.get("unit_price_fen", 0)),
                int(x.get("amount_fen", 0)),
            ))
        except (TypeError, ValueError):
            continue
    return tuple(out)


def _terms(doc: dict[str, Any]) -> ContractTerms | None:
    t = doc.get("terms")
    if not isinstance(t, dict):
        return None
    return ContractTerms(
        str(t.get("quality", "")), str(t.get("inspection", "")), str(t.get("delivery_place", "")),
        str(t.get("payment_terms", "")), str(t.get("written_by", "")),
    )


def _detail(session: Session, c: Contract) -> ContractDetail:
    result = _verify(session, c)
    negotiation = session.get(Negotiation, c.negotiation_id)
    inquiry = session.get(Inquiry, negotiation.inquiry_id) if negotiation is not None else None
    names = dict(
        session.execute(select(Member.id, Member.company_name).where(Member.id.in_([c.buyer_id, c.supplier_id])))
        .all()
    )
    users = [u for u in (c.buyer_signed_by, c.supplier_signed_by) if u is not None]
    people = dict(session.execute(select(User.id, User.full_name).where(User.id.in_(users))).all()) if users else {}

    def sig(side: str) -> SignatureView:
        r = result[side]
        by = getattr(c, f"{side}_signed_by")
        return SignatureView(
            side, bool(r["signed"]), by, people.get(by) if by is not None else None, getattr(c, f"{side}_signed_at"),
            r["certificate_id"], r["certificate_number"], bool(r["verified"]), r["problem"],
        )

    doc = _parsed(c.document)
    return ContractDetail(
        c.id, c.number, c.state, states.LABELS_ZH.get(c.state, c.state), c.negotiation_id,
        negotiation.number if negotiation is not None else "", inquiry.number if inquiry is not None else "",
        c.buyer_id, names.get(c.buyer_id, ""), c.supplier_id, names.get(c.supplier_id, ""), c.total_fen,
        str(doc.get("currency", CURRENCY)), c.created_at, _lines(doc), _terms(doc), c.document, c.document_sha256,
        bool(result["document_intact"]), sig(BUYER), sig(SUPPLIER),
    )


def contract_detail(session: Session, actor: Actor, token: str | None, contract_id: int) -> ContractDetail:
    """One contract of the logged-in member (its buyer or supplier): parties, goods, agreed terms,
    state, and each side's signature with whether it verifies over the stored text now.
    Raises b2b.contract_not_found, b2b.not_yours, b2b.login_required."""
    member = member_of(session, actor, token)
    contract = session.get(Contract, contract_id) if isinstance(contract_id, int) else None
    if contract is None or contract.class_id != member.class_id:
        raise DomainError("b2b.contract_not_found")
    require_party(member, contract.buyer_id if member.member_type == BUYER else contract.supplier_id)
    return _detail(session, contract)


def contracts_for(session: Session, actor: Actor, token: str | None) -> list[ContractSummary]:
    """The contracts of the logged-in buyer or supplier, newest first. Raises b2b.login_required."""
    member = member_of(session, actor, token)
    mine = Contract.buyer_id == member.id if member.member_type == BUYER else Contract.supplier_id == member.id
    rows = list(session.scalars(
        select(Contract).where(Contract.class_id == member.class_id, mine).order_by(Contract.id.desc())
    ))
    ids = {r.buyer_id for r in rows} | {r.supplier_id for r in rows}
    names = (
        dict(session.execute(select(Member.id, Member.company_name).where(Member.id.in_(ids))).all())
        if ids else {}
    )
    return [
        ContractSummary(
            r.id, r.number, r.state, states.LABELS_ZH.get(r.state, r.state), r.negotiation_id, r.buyer_id,
            names.get(r.buyer_id, ""), r.supplier_id, names.get(r.supplier_id, ""), r.total_fen, r.created_at,
            r.buyer_signed_at, r.supplier_signed_at,
        )
        for r in rows
    ]


# ----------------------------------------------------------------------------- artefacts


def write_artefacts(session: Session, class_id: int, folder: str | Path) -> dict[str, Path]:
    """For ``python -m sandbox demo --artefacts DIR``: write the class's newest contract signed by
    both parties — ``contract.json`` (the exact signed bytes), ``contract.json.buyer.sig`` and
    ``contract.json.supplier.sig`` (raw RSA-PSS signatures), ``contract.buyer.pem`` and
    ``contract.supplier.pem`` (the signers' certificates) — into ``folder`` and return the paths
    by file name ({} when the class has no such contract). :data:`README_SNIPPET` says how to
    verify them with OpenSSL."""
    contract = session.scalar(
        select(Contract)
        .where(Contract.class_id == class_id, Contract.state == m.SIGNED_BY_BOTH,
               Contract.buyer_signature_b64.is_not(None), Contract.supplier_signature_b64.is_not(None))
        .order_by(Contract.id.desc())
        .limit(1)
    )
    if contract is None:
        return {}
    certs = {
        c.id: c
        for c in session.scalars(
            select(Certificate).where(
                or_(Certificate.id == contract.buyer_certificate_id, Certificate.id == contract.supplier_certificate_id)
            )
        )
    }
    out = Path(folder)
    out.mkdir(parents=True, exist_ok=True)
    paths = {name: out / name for name in ARTEFACT_FILES}
    paths["contract.json"].write_bytes(contract.document.encode("utf-8"))
    for side in (BUYER, SUPPLIER):
        paths[f"contract.json.{side}.sig"].write_bytes(base64.b64decode(getattr(contract, f"{side}_signature_b64")))
        row = certs.get(getattr(contract, f"{side}_certificate_id"))
        if row is None:
            raise DomainError("b2b.contract_not_found")
        paths[f"contract.{side}.pem"].write_text(row.certificate_pem, encoding="ascii")
    return paths
