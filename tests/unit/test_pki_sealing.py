"""The master key: environment first, else a key file made once (mode 0600); sealed blobs open
only with the same key and in their own context; download-password digests."""

from __future__ import annotations

import os
import stat

import pytest

from sandbox.errors import DomainError
from sandbox.pki import sealing


@pytest.fixture
def key_file(monkeypatch, tmp_path):
    monkeypatch.delenv(sealing.ENV_KEY, raising=False)
    path = tmp_path / "data" / "secret.key"
    monkeypatch.setenv(sealing.ENV_KEY_FILE, str(path))
    return path


def test_key_file_is_created_once_private(key_file):
    assert not key_file.exists()
    first = sealing.master_secret()
    assert key_file.exists()
    assert stat.S_IMODE(os.stat(key_file).st_mode) == 0o600
    assert sealing.master_secret() == first
    assert len(first) >= sealing.MIN_SECRET_CHARS


def test_key_file_in_the_data_folder_by_default(monkeypatch, tmp_path):
    monkeypatch.delenv(sealing.ENV_KEY, raising=False)
    monkeypatch.delenv(sealing.ENV_KEY_FILE, raising=False)
    monkeypatch.setenv("SANDBOX_DATA_DIR", str(tmp_path))
    assert sealing.key_file_path() == tmp_path / "secret.key"


def test_environment_wins_and_must_be_long(monkeypatch, key_file):
    monkeypatch.setenv(sealing.ENV_KEY, "s" * 40)
    assert sealing.master_secret() == b"s" * 40
    assert not key_file.exists()
    monkeypatch.setenv(sealing.ENV_KEY, "short")
    with pytest.raises(RuntimeError):
        sealing.master_secret()


def test_sealed_blob_opens_only_with_its_key_and_context(monkeypatch):
    monkeypatch.setenv(sealing.ENV_KEY, "a" * 40)
    blob = sealing.seal(b"private key bytes", "ca-root:1")
    assert blob.startswith("v1:") and b"private key bytes" not in blob.encode()
    assert sealing.unseal(blob, "ca-root:1") == b"private key bytes"
    with pytest.raises(DomainError) as err:
        sealing.unseal(blob, "ca-root:2")  # copied to another class's row
    assert err.value.code == "pki.ca_key_unavailable"
    monkeypatch.setenv(sealing.ENV_KEY, "b" * 40)  # the key was lost / replaced
    with pytest.raises(DomainError):
        sealing.unseal(blob, "ca-root:1")


def test_password_digest(monkeypatch):
    monkeypatch.setenv(sealing.ENV_KEY, "a" * 40)
    digest = sealing.password_digest("download:123456789012", "K7P2M9QXAB")
    assert len(digest) == 64 and "K7P2" not in digest
    assert sealing.digest_matches(digest, "download:123456789012", "K7P2M9QXAB")
    assert not sealing.digest_matches(digest, "download:123456789012", "K7P2M9QXAC")
    assert not sealing.digest_matches(digest, "download:999999999999", "K7P2M9QXAB")
    assert not sealing.digest_matches(None, "download:123456789012", "K7P2M9QXAB")
