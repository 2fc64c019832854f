"""Password hashing with argon2id (argon2-cffi).

Invariants: a password is verified once per login, never on a rerun. The classroom profile
(19 MiB, t=2, p=1) keeps 100 logins a minute affordable on two cores; hashes made with other
parameters are upgraded at the next successful login (``needs_rehash``).
"""

from __future__ import annotations

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

_HASHER = PasswordHasher(time_cost=2, memory_cost=19456, parallelism=1)
# Verified against when the user does not exist, so both paths cost the same.
_DUMMY_HASH = _HASHER.hash("not-a-real-password-0000")


def hash_password(password: str) -> str:
    return _HASHER.hash(password)


def verify_password(stored_hash: str | None, password: str) -> bool:
    """True when ``password`` matches; a missing user still spends one verification."""
    try:
        return _HASHER.verify(stored_hash or _DUMMY_HASH, password) and stored_hash is not None
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def needs_rehash(stored_hash: str) -> bool:
    return _HASHER.check_needs_rehash(stored_hash)
