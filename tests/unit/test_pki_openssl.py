"""Tools we did not write check our artefacts: OpenSSL verifies the certificates, honours the
CRL, opens the PKCS#12 file with its password, and verifies our signatures — and what OpenSSL
makes (a CSR, an RSA-PSS signature) is accepted by us."""

from __future__ import annotations

import shutil
import subprocess
from datetime import timedelta
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization

from sandbox.db import utcnow
from sandbox.pki import crypto

pytestmark = pytest.mark.skipif(shutil.which("openssl") is None, reason="openssl is not installed")


def openssl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=cwd, capture_output=True, text=True, timeout=60, check=False)


@pytest.fixture(scope="module")
def pki_dir(tmp_path_factory: pytest.TempPathFactory) -> dict[str, object]:
    folder = tmp_path_factory.mktemp("pki")
    now = utcnow()
    ca_key, root = crypto.build_root("Sandbox Root CA 1", "E-commerce Sandbox", now=now, key=crypto.new_rsa_key(2048))
    keys = {name: crypto.new_rsa_key() for name in ("good", "revoked")}
    certs = {
        name: crypto.build_leaf(
            issuer_key=ca_key, issuer_cert=root, public_key=key.public_key(), common_name=f"Student {name}",
            organization="ACME", number=f"10000000000{i}", email_address=f"{name}@sandbox.test", now=now,
        )
        for i, (name, key) in enumerate(keys.items())
    }
    crl = crypto.build_crl(
        issuer_key=ca_key, issuer_cert=root, revoked=[(certs["revoked"].serial_number, now, "key_compromise")],
        number=1, now=now,
    )
    (folder / "root.pem").write_text(crypto.cert_pem(root))
    (folder / "crl.pem").write_bytes(crl.public_bytes(serialization.Encoding.PEM))
    for name, cert in certs.items():
        (folder / f"{name}.pem").write_text(crypto.cert_pem(cert))
    return {"dir": folder, "ca_key": ca_key, "root": root, "keys": keys, "certs": certs}


def test_openssl_verifies_issued_certificates(pki_dir):
    out = openssl("verify", "-CAfile", "root.pem", "good.pem", "revoked.pem", cwd=pki_dir["dir"])
    assert out.returncode == 0, out.stderr
    assert "good.pem: OK" in out.stdout and "revoked.pem: OK" in out.stdout


def test_openssl_with_the_crl_rejects_the_revoked_one(pki_dir):
    good = openssl("verify", "-crl_check", "-CAfile", "root.pem", "-CRLfile", "crl.pem", "good.pem", cwd=pki_dir["dir"])
    assert good.returncode == 0, good.stderr
    bad = openssl("verify", "-crl_check", "-CAfile", "root.pem", "-CRLfile", "crl.pem", "revoked.pem", cwd=pki_dir["dir"])
    assert bad.returncode != 0
    assert "certificate revoked" in (bad.stdout + bad.stderr)


def test_openssl_rejects_a_certificate_of_another_ca(pki_dir, tmp_path):
    key, stranger = crypto.build_root("Sandbox Root CA 1", "E-commerce Sandbox", now=utcnow(), key=crypto.new_rsa_key(2048))
    cert = crypto.build_leaf(
        issuer_key=key, issuer_cert=stranger, public_key=crypto.new_rsa_key().public_key(), common_name="Mallory",
        organization=None, number="999999999999", email_address=None, now=utcnow(),
    )
    (tmp_path / "root.pem").write_text(crypto.cert_pem(pki_dir["root"]))
    (tmp_path / "foreign.pem").write_text(crypto.cert_pem(cert))
    assert openssl("verify", "-CAfile", "root.pem", "foreign.pem", cwd=tmp_path).returncode != 0


def test_openssl_opens_the_p12_with_its_password_only(pki_dir, tmp_path):
    data = crypto.build_p12("Student good", pki_dir["keys"]["good"], pki_dir["certs"]["good"], [pki_dir["root"]],
                            "K7P2M9QXAB")
    (tmp_path / "x.p12").write_bytes(data)
    out = openssl("pkcs12", "-in", "x.p12", "-passin", "pass:K7P2M9QXAB", "-nokeys", cwd=tmp_path)
    assert out.returncode == 0, out.stderr
    assert "Student good" in out.stdout and out.stdout.count("BEGIN CERTIFICATE") == 2
    info = openssl("pkcs12", "-in", "x.p12", "-passin", "pass:K7P2M9QXAB", "-info", "-noout", cwd=tmp_path)
    assert "AES-256-CBC" in info.stderr + info.stdout and "MAC: sha256" in info.stderr + info.stdout
    keys = openssl("pkcs12", "-in", "x.p12", "-passin", "pass:K7P2M9QXAB", "-nocerts", "-nodes", cwd=tmp_path)
    assert "PRIVATE KEY" in keys.stdout
    assert openssl("pkcs12", "-in", "x.p12", "-passin", "pass:WRONG", "-nokeys", cwd=tmp_path).returncode != 0


def test_openssl_dgst_verifies_our_rsa_pss_signature(pki_dir, tmp_path):
    cert = pki_dir["certs"]["good"]
    data = crypto.canonical_json({"order": "B2C-000123", "amount_fen": 129900, "status": "paid"})
    (tmp_path / "data").write_bytes(data)
    (tmp_path / "sig").write_bytes(crypto.sign(pki_dir["keys"]["good"], data))
    (tmp_path / "pub.pem").write_bytes(crypto.public_key_pem(cert))
    pss = ["-sigopt", "rsa_padding_mode:pss", "-sigopt", "rsa_pss_saltlen:-1"]
    out = openssl("dgst", "-sha256", "-verify", "pub.pem", *pss, "-signature", "sig", "data", cwd=tmp_path)
    assert out.returncode == 0 and "Verified OK" in out.stdout, out.stderr
    (tmp_path / "data").write_bytes(data.replace(b"129900", b"129901"))
    bad = openssl("dgst", "-sha256", "-verify", "pub.pem", *pss, "-signature", "sig", "data", cwd=tmp_path)
    assert bad.returncode != 0


def test_we_accept_what_openssl_makes(pki_dir, tmp_path):
    """A student's own key and CSR from ``openssl req``, and a challenge signed by ``openssl dgst``."""
    made = openssl(
        "req", "-new", "-newkey", "rsa:2048", "-nodes", "-keyout", "my.key", "-subj", "/CN=Ann Li/O=ACME",
        "-out", "my.csr", cwd=tmp_path,
    )
    assert made.returncode == 0, made.stderr
    info = crypto.parse_csr((tmp_path / "my.csr").read_bytes())
    assert info.common_name == "Ann Li"
    cert = crypto.build_leaf(
        issuer_key=pki_dir["ca_key"], issuer_cert=pki_dir["root"], public_key=info.public_key, common_name="Ann Li",
        organization="ACME", number="123412341234", email_address=None, now=utcnow(),
    )
    assert crypto.verify_chain(cert, pki_dir["root"], at=utcnow() + timedelta(minutes=1)) == crypto.CHAIN_OK
    (tmp_path / "challenge").write_text("ab" * 32)
    signed = openssl(
        "dgst", "-sha256", "-sign", "my.key", "-sigopt", "rsa_padding_mode:pss", "-out", "challenge.sig", "challenge",
        cwd=tmp_path,
    )
    assert signed.returncode == 0, signed.stderr
    assert crypto.verify_signature(cert, b"ab" * 32, (tmp_path / "challenge.sig").read_bytes())
