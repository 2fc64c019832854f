"""Concurrency-test settings: the cheap argon2id profile of the integration tests (hundreds of
payment-password checks), so the tests measure the database, not the password hash."""

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
