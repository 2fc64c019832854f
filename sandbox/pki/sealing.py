"""The master key and what it protects: private keys at rest, download-password digests.

Invariants:
- The master secret is ``SANDBOX_SECRET_KEY`` (any string of at least 32 characters) or, when
  that is unset, the key file ``SANDBOX_SECRET_KEY_FILE`` / ``<data folder>/secret.key``:
  32 random bytes (URL-safe base64), created once with mode 0600 (O_EXCL, so concurrent first
  starts agree on one file).
- Purpose keys are derived with HKDF-SHA256 (one ``info`` label per purpose), so the secret
  itself never encrypts anything.
- A sealed blob is ``v1:`` + base64(nonce ‖ AES-256-GCM ciphertext ‖ tag); the associated
  data binds it to its row (e.g. ``ca-root:<class id>``), so a blob copied to another row does
  not open. A blob that does not open raises ``pki.ca_key_unavailable`` (wrong or lost key).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets as pysecrets
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from sandbox.config import data_dir
from sandbox.errors import DomainError

ENV_KEY = "SANDBOX_SECRET_KEY"
ENV_KEY_FILE = "SANDBOX_SECRET_KEY_FILE"
KEY_FILE_NAME = "secret.key"
MIN_SECRET_CHARS = 32
PREFIX = "v1:"


def key_file_path() -> Path:
    """Where the key file lives when ``SANDBOX_SECRET_KEY`` is not set."""
    explicit = os.environ.get(ENV_KEY_FILE, "").strip()
    return Path(explicit) if explicit else data_dir() / KEY_FILE_NAME


def _read_or_create(path: Path) -> bytes:
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first: use theirs
        else:
            with os.fdopen(fd, "w", encoding="ascii") as fh:
                fh.write(base64.urlsafe_b64encode(pysecrets.token_bytes(32)).decode("ascii") + "\n")
    text = path.read_text(encoding="ascii").strip()
    if len(text) < MIN_SECRET_CHARS:
        raise RuntimeError(f"the key file {path} is too short (need {MIN_SECRET_CHARS}+ characters)")
    return text.encode("ascii")


def master_secret() -> bytes:
    """The master secret (environment first, else the key file, created on first use)."""
    env = os.environ.get(ENV_KEY, "").strip()
    if env:
        if len(env) < MIN_SECRET_CHARS:
            raise RuntimeError(f"{ENV_KEY} must be at least {MIN_SECRET_CHARS} characters")
        return env.encode("utf-8")
    return _read_or_create(key_file_path())


@lru_cache(maxsize=64)
def _derive(secret: bytes, label: str) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=b"ecommerce-sandbox", info=label.encode()).derive(secret)


def purpose_key(label: str) -> bytes:
    return _derive(master_secret(), label)


def seal(plaintext: bytes, context: str) -> str:
    """Encrypt ``plaintext`` bound to ``context`` (AES-256-GCM under the derived key)."""
    nonce = pysecrets.token_bytes(12)
    body = AESGCM(purpose_key("pki-seal")).encrypt(nonce, plaintext, context.encode("utf-8"))
    return PREFIX + base64.b64encode(nonce + body).decode("ascii")


def unseal(blob: str, context: str) -> bytes:
    """The plaintext of a sealed blob; ``pki.ca_key_unavailable`` if it does not open here."""
    try:
        if not blob.startswith(PREFIX):
            raise ValueError("unknown format")
        raw = base64.b64decode(blob[len(PREFIX):])
        return AESGCM(purpose_key("pki-seal")).decrypt(raw[:12], raw[12:], context.encode("utf-8"))
    except Exception:  # InvalidTag, binascii.Error, ValueError: a wrong or lost master key
        raise DomainError("pki.ca_key_unavailable") from None


def password_digest(context: str, password: str) -> str:
    """HMAC-SHA256 of a (random, high-entropy) download password, bound to ``context``."""
    mac = hmac.new(purpose_key("pki-download-password"), context.encode("utf-8") + b"\0", hashlib.sha256)
    mac.update(password.encode("utf-8"))
    return mac.hexdigest()


def digest_matches(stored: str | None, context: str, password: str) -> bool:
    return stored is not None and hmac.compare_digest(stored, password_digest(context, password))
