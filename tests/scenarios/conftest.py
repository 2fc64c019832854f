"""Scenario-test settings: the class stage (``room``) and a cheap argon2id profile for the whole
directory (bots register many accounts; the classroom profile is checked in tests/unit)."""

from collections.abc import Iterator

import pytest
from argon2 import PasswordHasher

from sandbox.identity import passwords
from tests.scenarios.helpers import room

__all__ = ["room"]


@pytest.fixture(autouse=True, scope="session")
def fast_password_hashing() -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    patch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    patch.undo()
