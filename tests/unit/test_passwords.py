"""Passwords are stored as argon2id hashes and verified without revealing whether the user exists."""

from __future__ import annotations

from argon2 import PasswordHasher

from sandbox.identity.passwords import hash_password, needs_rehash, verify_password


def test_a_password_is_stored_as_an_argon2id_hash_never_as_itself():
    stored = hash_password("correct-horse-1")
    assert stored.startswith("$argon2id$")
    assert "correct-horse-1" not in stored
    assert hash_password("correct-horse-1") != stored  # salted


def test_only_the_right_password_verifies():
    stored = hash_password("correct-horse-1")
    assert verify_password(stored, "correct-horse-1")
    assert not verify_password(stored, "correct-horse-2")
    assert not verify_password(stored, "")


def test_a_missing_or_broken_hash_never_verifies():
    assert not verify_password(None, "not-a-real-password-0000")  # not even the dummy's own password
    assert not verify_password("plain-text", "plain-text")


def test_hashes_made_with_older_parameters_are_upgraded():
    assert not needs_rehash(hash_password("correct-horse-1"))
    assert needs_rehash(PasswordHasher(time_cost=1, memory_cost=8192, parallelism=1).hash("correct-horse-1"))
