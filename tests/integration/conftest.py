"""Integration-test settings: a cheap argon2id profile, so hundreds of accounts cost milliseconds.

The real classroom profile is checked in tests/unit/test_passwords.py; the services only ever
call ``sandbox.identity.passwords``, so swapping its hasher changes cost, not behaviour.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from sandbox.identity import passwords


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    patch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    patch.undo()
