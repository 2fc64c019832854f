"""PKI tables: the class root CAs, the certificates they issued, login challenges.

Invariants:
- One root CA per class (``pki_authorities.class_id`` unique); its private key is stored only
  sealed (AES-256-GCM under the master key, see ``sealing``). Its current CRL is kept beside it,
  with a CRL number that only grows.
- A certificate row holds the exact DER-encoded certificate (as PEM) the CA signed; its SHA-256
  fingerprint and its 证书编号 (``number``) are unique in the installation, its serial unique
  per authority. ``state`` follows ``sandbox.ca.states`` (issued → download_verified →
  downloaded); revocation is separate (``revoked_at`` + reason), so it never takes away the
  credit of a task that moved the state.
- The download password is stored only as an HMAC (``download_digest``) with a failure counter,
  a lock time and an expiry. A key the CA generated is stored sealed (``key_sealed``) and is the
  identity "installed" in the owner's sandbox certificate store after CA003.
- A system party's certificate (``party`` = "bank" ...) has no owner; at most one per class and party.
- A challenge is single use (``used_at``) and short-lived (``expires_at``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
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

ISSUED = "issued"
DOWNLOAD_VERIFIED = "download_verified"
DOWNLOADED = "downloaded"
STATES = (ISSUED, DOWNLOAD_VERIFIED, DOWNLOADED)


class Authority(Base):
    """The root CA of one class, and its current CRL."""

    __tablename__ = "pki_authorities"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), unique=True)
    common_name: Mapped[str] = mapped_column(String(128))
    certificate_pem: Mapped[str] = mapped_column(Text)
    key_sealed: Mapped[str] = mapped_column(Text)
    key_id: Mapped[str] = mapped_column(String(64))
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    crl_number: Mapped[int] = mapped_column(Integer, default=0)
    crl_pem: Mapped[str | None] = mapped_column(Text)
    crl_next_update: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Certificate(Base):
    """An X.509 certificate issued by a class root CA, with its download state."""

    __tablename__ = "pki_certificates"
    __table_args__ = (
        UniqueConstraint("authority_id", "serial_hex"),
        UniqueConstraint("class_id", "party"),
        CheckConstraint("state IN ('issued', 'download_verified', 'downloaded')", name="state"),
        Index("ix_pki_certificates_class_owner", "class_id", "owner_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    authority_id: Mapped[int] = mapped_column(ForeignKey("pki_authorities.id", ondelete="CASCADE"))
    number: Mapped[str] = mapped_column(String(16), unique=True)
    serial_hex: Mapped[str] = mapped_column(String(48))
    fingerprint: Mapped[str] = mapped_column(String(64), unique=True)
    owner_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    party: Mapped[str | None] = mapped_column(String(32))
    purpose: Mapped[str] = mapped_column(String(32))
    task_code: Mapped[str | None] = mapped_column(String(16))
    common_name: Mapped[str] = mapped_column(String(100))
    organization: Mapped[str] = mapped_column(String(100), default="")
    email_address: Mapped[str | None] = mapped_column(String(120))
    state: Mapped[str] = mapped_column(String(24), default=ISSUED)
    certificate_pem: Mapped[str] = mapped_column(Text)
    from_csr: Mapped[bool] = mapped_column(Boolean, default=False)
    key_sealed: Mapped[str | None] = mapped_column(Text)
    not_before: Mapped[datetime] = mapped_column(UTCDateTime)
    not_after: Mapped[datetime] = mapped_column(UTCDateTime)
    download_digest: Mapped[str | None] = mapped_column(String(64))
    download_failures: Mapped[int] = mapped_column(Integer, default=0)
    download_locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    download_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    verified_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    downloaded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revocation_reason: Mapped[str | None] = mapped_column(String(32))
    revoked_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Challenge(Base):
    """A single-use login nonce, bound to one certificate when the number was given."""

    __tablename__ = "pki_challenges"
    __table_args__ = (Index("ix_pki_challenges_class_created", "class_id", "created_at"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("pki_certificates.id", ondelete="CASCADE"))
    nonce: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

