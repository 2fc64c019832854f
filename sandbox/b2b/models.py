"""B2B trade tables: members (采购商 / 供应商), their products, carts, orders (订货单), inquiries
(询价单), negotiation forms (洽谈单) with their entries, and electronic contracts (电子合同).

Invariants:
- Everything is scoped by ``class_id``; a member belongs to one user (``owner_id``, a student or
  a bot) and has one type, buyer or supplier. A user holds at most one member of each type in
  a class. Member names (``login_name``) are unique in the class.
- A member's registration (B2B001) issued its CA certificate (``certificate_id``), which its
  logins (B2B003/B2B004) and contract signatures (B2B028/B2B029) use.
- Money is integer fen. ``products.available`` is what the supplier can still promise: an
  order reserves its quantities with a conditional update and never drives it below zero.
- Documents move only along the tables in ``sandbox.b2b.states`` (catalog state machines);
  every move is an event (``from_state``/``to_state``/task code/actor) in the same transaction.
  Concurrent moves of one document use ``UPDATE … WHERE state = <expected>``: one wins.
- An order's settlement (``settlement_state``) is its own line: NULL until the buyer confirms
  (B2B009 books payable/receivable = ``open``), ``settled`` after B2B017 paid it through the
  e-bank (``payment_id``).
- A contract keeps the exact bytes that were signed (``document``, canonical JSON, UTF-8) and
  each party's RSA-PSS signature over them with the certificate that made it. The bytes are
  never rewritten after the first signature.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.db import Base, UTCDateTime, utcnow

BUYER = "buyer"
SUPPLIER = "supplier"
MEMBER_TYPES = (BUYER, SUPPLIER)
APPROVED = "approved"

# payment methods a buyer may choose on the order (B2B006)
PAYMENT_METHODS = ("online", "transfer", "on_delivery")

# b2b_order states
CART = "cart"
CREATED = "created"
ACCEPTED = "accepted"
CONFIRMED = "confirmed"
DELIVERY_ORDERED = "delivery_ordered"
DELIVERED = "delivered"
REJECTED = "rejected"  # ours: the supplier declines an order it cannot accept (not in the catalog)
ORDER_STATES = (CREATED, ACCEPTED, CONFIRMED, DELIVERY_ORDERED, DELIVERED, REJECTED)

# b2b_order_settlement states
OPEN = "open"
SETTLED = "settled"

# b2b_inquiry states
INQUIRY = "inquiry"
QUOTED = "quoted"
NEGOTIATING = "negotiating"

# b2b_negotiation states
NONE_AGREED = "none_agreed"
ONE_AGREED = "one_agreed"
BOTH_AGREED = "both_agreed"

# b2b_contract states
UNSIGNED = "unsigned"
SIGNED_BY_BUYER = "signed_by_buyer"
SIGNED_BY_SUPPLIER = "signed_by_supplier"
SIGNED_BY_BOTH = "signed_by_both"


class Member(Base):
    """A company registered on the B2B trading platform as buyer (采购商) or supplier (供应商)."""

    __tablename__ = "b2b_members"
    __table_args__ = (
        CheckConstraint("member_type IN ('buyer', 'supplier')", name="member_type"),
        UniqueConstraint("class_id", "login_name_key"),
        UniqueConstraint("class_id", "owner_id", "member_type"),
        Index("ix_b2b_members_class_type", "class_id", "member_type"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    member_type: Mapped[str] = mapped_column(String(16))
    login_name: Mapped[str] = mapped_column(String(50))
    login_name_key: Mapped[str] = mapped_column(String(50))
    password_hash: Mapped[str] = mapped_column(String(255))
    company_name: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(24))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(200))
    postcode: Mapped[str | None] = mapped_column(String(10))
    licence_number: Mapped[str | None] = mapped_column(String(32))
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("ebank_accounts.id", ondelete="SET NULL"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("pki_certificates.id", ondelete="SET NULL"))
    certificate_number: Mapped[str | None] = mapped_column(String(16))
    status: Mapped[str] = mapped_column(String(16), default=APPROVED)
    approved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class MemberSession(Base):
    """A B2B workspace login (B2B003/B2B004): member name + password + CA identity; token hashed."""

    __tablename__ = "b2b_sessions"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("pki_certificates.id", ondelete="SET NULL"))
    method: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Product(Base):
    """A supplier's catalogue product (seeded from the student's world, or added by the supplier)."""

    __tablename__ = "b2b_products"
    __table_args__ = (
        UniqueConstraint("supplier_id", "sku"),
        CheckConstraint("price_fen > 0", name="positive_price"),
        CheckConstraint("available >= 0", name="available_not_negative"),
        Index("ix_b2b_products_class_active", "class_id", "active"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"), index=True)
    sku: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    unit_zh: Mapped[str] = mapped_column(String(16))
    unit_en: Mapped[str] = mapped_column(String(16))
    price_fen: Mapped[int] = mapped_column(BigInteger)
    available: Mapped[int] = mapped_column(Integer, default=0)
    description: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    seeded: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class CartLine(Base):
    """Goods in a buyer's cart (B2B005); consumed (``consumed_at``) by an order or an inquiry."""

    __tablename__ = "b2b_cart_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive_quantity"),
        Index("ix_b2b_cart_open", "buyer_id", "consumed_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    buyer_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("b2b_products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    added_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    consumed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    consumed_by: Mapped[str | None] = mapped_column(String(32))  # "order:<id>" / "inquiry:<id>" / "removed"


class Order(Base):
    """A purchase order (订货单, B2B006) from one buyer to one supplier, and its settlement line."""

    __tablename__ = "b2b_orders"
    __table_args__ = (
        CheckConstraint(
            "state IN ('created', 'accepted', 'confirmed', 'delivery_ordered', 'delivered', 'rejected')", name="state"
        ),
        CheckConstraint("settlement_state IS NULL OR settlement_state IN ('open', 'settled')", name="settlement"),
        CheckConstraint("total_fen > 0", name="positive_total"),
        CheckConstraint("payment_method IN ('online', 'transfer', 'on_delivery')", name="payment_method"),
        Index("ix_b2b_orders_buyer", "buyer_id", "state"),
        Index("ix_b2b_orders_supplier", "supplier_id", "state"),
        Index("ix_b2b_orders_class", "class_id", "created_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(24), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    contract_id: Mapped[int | None] = mapped_column(ForeignKey("b2b_contracts.id", ondelete="SET NULL"))
    state: Mapped[str] = mapped_column(String(20), default=CREATED)
    payment_method: Mapped[str] = mapped_column(String(16))
    delivery_date: Mapped[date] = mapped_column(Date)
    delivery_address: Mapped[str] = mapped_column(String(200), default="")
    note: Mapped[str] = mapped_column(String(500), default="")
    total_fen: Mapped[int] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivery_ordered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settlement_state: Mapped[str | None] = mapped_column(String(16))
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("ebank_payments.id", ondelete="SET NULL"))
    settled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    settled_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))


class OrderLine(Base):
    """One product line of an order: a snapshot of name and unit price at ordering time."""

    __tablename__ = "b2b_order_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive_quantity"),
        CheckConstraint("unit_price_fen > 0", name="positive_price"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("b2b_orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("b2b_products.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    unit_price_fen: Mapped[int] = mapped_column(BigInteger)
    amount_fen: Mapped[int] = mapped_column(BigInteger)


class Inquiry(Base):
    """An inquiry (询价单, B2B007) from a buyer to one supplier; quoted (报价, B2B022)."""

    __tablename__ = "b2b_inquiries"
    __table_args__ = (
        CheckConstraint("state IN ('inquiry', 'quoted', 'negotiating')", name="state"),
        Index("ix_b2b_inquiries_buyer", "buyer_id", "state"),
        Index("ix_b2b_inquiries_supplier", "supplier_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(24), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=INQUIRY)
    note: Mapped[str] = mapped_column(String(1000))
    quote_note: Mapped[str] = mapped_column(String(1000), default="")
    quoted_total_fen: Mapped[int | None] = mapped_column(BigInteger)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    quoted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    quoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class InquiryLine(Base):
    """One product of an inquiry: requested quantity, list price, and the supplier's quoted price."""

    __tablename__ = "b2b_inquiry_lines"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive_quantity"),
        CheckConstraint("quoted_price_fen IS NULL OR quoted_price_fen > 0", name="positive_quote"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("b2b_inquiries.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("b2b_products.id", ondelete="CASCADE"))
    sku: Mapped[str] = mapped_column(String(32))
    name_zh: Mapped[str] = mapped_column(String(100))
    name_en: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    list_price_fen: Mapped[int] = mapped_column(BigInteger)
    quoted_price_fen: Mapped[int | None] = mapped_column(BigInteger)


class Negotiation(Base):
    """A negotiation form (洽谈单, B2B023) opened from a quoted inquiry; agreement by both sides."""

    __tablename__ = "b2b_negotiations"
    __table_args__ = (
        CheckConstraint("state IN ('none_agreed', 'one_agreed', 'both_agreed')", name="state"),
        Index("ix_b2b_negotiations_buyer", "buyer_id", "state"),
        Index("ix_b2b_negotiations_supplier", "supplier_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(24), unique=True)
    inquiry_id: Mapped[int] = mapped_column(ForeignKey("b2b_inquiries.id", ondelete="CASCADE"), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=NONE_AGREED)
    buyer_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supplier_agreed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    version: Mapped[int] = mapped_column(Integer, default=0)  # bumped by every entry and agreement
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class NegotiationEntry(Base):
    """One submission in the negotiation room (B2B024 supplier / B2B025 buyer): contract terms."""

    __tablename__ = "b2b_negotiation_entries"
    __table_args__ = (CheckConstraint("side IN ('buyer', 'supplier')", name="side"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("b2b_negotiations.id", ondelete="CASCADE"), index=True)
    side: Mapped[str] = mapped_column(String(16))
    author_member_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    author_user_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    quality: Mapped[str] = mapped_column(String(500), default="")
    inspection: Mapped[str] = mapped_column(String(500), default="")
    delivery_place: Mapped[str] = mapped_column(String(200), default="")
    payment_terms: Mapped[str] = mapped_column(String(200), default="")
    message: Mapped[str] = mapped_column(String(2000), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Contract(Base):
    """An electronic contract (电子合同) generated when a negotiation reaches 双方同意; signed by
    each party with its certificate's private key (B2B028 buyer, B2B029 supplier)."""

    __tablename__ = "b2b_contracts"
    __table_args__ = (
        CheckConstraint(
            "state IN ('unsigned', 'signed_by_buyer', 'signed_by_supplier', 'signed_by_both')", name="state"
        ),
        Index("ix_b2b_contracts_buyer", "buyer_id", "state"),
        Index("ix_b2b_contracts_supplier", "supplier_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(24), unique=True)
    negotiation_id: Mapped[int] = mapped_column(ForeignKey("b2b_negotiations.id", ondelete="CASCADE"), unique=True)
    buyer_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(20), default=UNSIGNED)
    document: Mapped[str] = mapped_column(Text)  # canonical JSON: the exact text that is signed (UTF-8)
    document_sha256: Mapped[str] = mapped_column(String(64))
    total_fen: Mapped[int] = mapped_column(BigInteger)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    buyer_signature_b64: Mapped[str | None] = mapped_column(Text)
    buyer_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("pki_certificates.id", ondelete="SET NULL"))
    buyer_signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    buyer_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    supplier_signature_b64: Mapped[str | None] = mapped_column(Text)
    supplier_certificate_id: Mapped[int | None] = mapped_column(ForeignKey("pki_certificates.id", ondelete="SET NULL"))
    supplier_signed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    supplier_signed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
