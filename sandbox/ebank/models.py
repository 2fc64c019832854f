"""E-bank tables: the bank's customer accounts, online-banking sessions, merchant keys, and the
payment gateway's payments and signed notifications.

Invariants:
- A bank account (``ebank_accounts``) is one customer's view of one ledger account (1:1); its
  ``account_number`` (card number) is 16 digits, Luhn-valid and unique in the installation.
  ``kind`` is corporate (EBANK001), personal (EBANK010) or merchant (special merchant, EBANK016).
- Passwords are stored only as argon2id hashes. After ``LOCK_AFTER`` wrong payment passwords
  (or login passwords) in a row the account is locked (``pay_locked_at`` / ``login_locked_at``)
  until the bank officer unlocks it.
- A corporate account is tied to the CA certificate its registration issued (``certificate_id``).
- An online-banking session (``ebank_sessions``) stores only the SHA-256 of its token. It is
  born ``verified`` by a certificate check and becomes ``active`` once, with user number and
  password; it then serves one corporate account until it expires or ends.
- A merchant's signing key (``ebank_merchant_keys``) lives apart from the business rows.
- A payment is unique per (payee account, ``out_trade_no``), is paid at most once (one ledger
  entry, ``entry_id`` unique), and has at most one notification; a notification's body is the
  exact signed bytes, and ``processed_at`` is set exactly once.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.db import Base, UTCDateTime, utcnow

CORPORATE = "corporate"
PERSONAL = "personal"
MERCHANT = "merchant"
ACCOUNT_KINDS = (CORPORATE, PERSONAL, MERCHANT)
LOCK_AFTER = 5

# payment status
CREATED = "created"
PAID = "paid"
CANCELLED = "cancelled"
# what a payment is for (the module that asked for it)
PURPOSES = ("b2c", "b2b", "logistics", "other")


class BankAccount(Base):
    """A customer's account at the sandbox bank (企业账户 / 个人账户 / 特约商户账户)."""

    __tablename__ = "ebank_accounts"
    __table_args__ = (
        CheckConstraint("kind IN ('corporate', 'personal', 'merchant')", name="kind"),
        Index("ix_ebank_accounts_class_owner", "class_id", "owner_id", "kind"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(16))
    account_number: Mapped[str] = mapped_column(String(19), unique=True)
    ledger_account_id: Mapped[int] = mapped_column(ForeignKey("ledger_accounts.id", ondelete="CASCADE"), unique=True)
    holder_name: Mapped[str] = mapped_column(String(100))
    details: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    user_number: Mapped[str | None] = mapped_column(String(16), unique=True)
    login_password_hash: Mapped[str | None] = mapped_column(String(255))
    payment_password_hash: Mapped[str | None] = mapped_column(String(255))
    pay_failures: Mapped[int] = mapped_column(Integer, default=0)
    pay_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    login_failures: Mapped[int] = mapped_column(Integer, default=0)
    login_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("pki_certificates.id", ondelete="SET NULL"))
    certificate_number: Mapped[str | None] = mapped_column(String(16))
    b2c_merchant_ref: Mapped[str | None] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class BankSession(Base):
    """A corporate online-banking session: certificate verified, then user number + password."""

    __tablename__ = "ebank_sessions"
    __table_args__ = (CheckConstraint("stage IN ('verified', 'active', 'ended')", name="stage"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("pki_certificates.id", ondelete="SET NULL"))
    account_id: Mapped[int | None] = mapped_column(ForeignKey("ebank_accounts.id", ondelete="CASCADE"))
    method: Mapped[str] = mapped_column(String(16))
    stage: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    activated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MerchantKey(Base):
    """The secret a payee signs its payment requests with (HMAC-SHA256), apart from business rows."""

    __tablename__ = "ebank_merchant_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("ebank_accounts.id", ondelete="CASCADE"), unique=True)
    secret_hex: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Payment(Base):
    """A payment request of a payee (merchant / supplier / carrier) and, once paid, its settlement."""

    __tablename__ = "ebank_payments"
    __table_args__ = (
        UniqueConstraint("payee_account_id", "out_trade_no"),
        CheckConstraint("amount_fen > 0", name="positive"),
        CheckConstraint("status IN ('created', 'paid', 'cancelled')", name="status"),
        CheckConstraint("purpose IN ('b2c', 'b2b', 'logistics', 'other')", name="purpose"),
        Index("ix_ebank_payments_payer", "payer_account_id", "paid_at"),
        Index("ix_ebank_payments_class_paid", "class_id", "paid_at"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    payee_account_id: Mapped[int] = mapped_column(ForeignKey("ebank_accounts.id", ondelete="CASCADE"))
    out_trade_no: Mapped[str] = mapped_column(String(64))
    purpose: Mapped[str] = mapped_column(String(16))
    reference: Mapped[str | None] = mapped_column(String(64))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    currency: Mapped[str] = mapped_column(String(3), default="CNY")
    subject: Mapped[str] = mapped_column(String(200))
    request_body: Mapped[str] = mapped_column(Text)
    request_signature: Mapped[str] = mapped_column(String(128))
    status: Mapped[str] = mapped_column(String(16), default=CREATED)
    payer_account_id: Mapped[int | None] = mapped_column(ForeignKey("ebank_accounts.id", ondelete="SET NULL"))
    entry_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_entries.id", ondelete="SET NULL"), unique=True)
    task_code: Mapped[str | None] = mapped_column(String(16))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    paid_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    merchant_confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class PaymentNotification(Base):
    """The bank's signed notice to the payee that a payment succeeded (the outbox row)."""

    __tablename__ = "ebank_notifications"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    payment_id: Mapped[int] = mapped_column(ForeignKey("ebank_payments.id", ondelete="CASCADE"), unique=True)
    body: Mapped[str] = mapped_column(Text)
    signature_b64: Mapped[str] = mapped_column(Text)
    signer_certificate_pem: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    deliveries: Mapped[int] = mapped_column(Integer, default=0)
    last_delivery_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    processed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
