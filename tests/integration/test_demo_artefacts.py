"""`python -m sandbox demo --artefacts DIR` writes files that OpenSSL (a tool we did not write) accepts."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def openssl(folder: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["openssl", *args], cwd=folder, capture_output=True, text=True, check=False)


def test_demo_artefacts_verify_with_openssl(tmp_path: Path) -> None:
    out = tmp_path / "artefacts"
    env = {**os.environ, "SANDBOX_DATA_DIR": str(tmp_path / "data")}
    env.pop("SANDBOX_DATABASE_URL", None)
    run = subprocess.run(
        [sys.executable, "-m", "sandbox", "demo", "--students", "1", "--artefacts", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False, timeout=300,
    )
    assert run.returncode == 0, run.stderr
    last = run.stdout.strip().splitlines()[-1]
    done, total = last.removeprefix("graded: ").split(" ")[0].split("/")
    assert done == total

    assert openssl(out, "verify", "-CAfile", "ca-root.pem", "student.pem").returncode == 0
    assert openssl(out, "verify", "-crl_check", "-CAfile", "ca-root.pem", "-CRLfile", "ca.crl.pem",
                   "student.pem").returncode == 0
    revoked = openssl(out, "verify", "-crl_check", "-CAfile", "ca-root.pem", "-CRLfile", "ca.crl.pem", "revoked.pem")
    assert revoked.returncode != 0 and "certificate revoked" in revoked.stdout + revoked.stderr
    p12 = openssl(out, "pkcs12", "-in", "student.p12", "-passin", "file:student.p12.password", "-nokeys")
    assert p12.returncode == 0 and "BEGIN CERTIFICATE" in p12.stdout
    wrong = openssl(out, "pkcs12", "-in", "student.p12", "-passin", "pass:not-the-password", "-nokeys")
    assert wrong.returncode != 0

    pub = openssl(out, "x509", "-in", "payment-notification.signer.pem", "-pubkey", "-noout")
    (out / "bank-pub.pem").write_text(pub.stdout)
    verify = ["dgst", "-sha256", "-verify", "bank-pub.pem", "-sigopt", "rsa_padding_mode:pss",
              "-sigopt", "rsa_pss_saltlen:-1", "-signature", "payment-notification.json.sig"]
    assert openssl(out, *verify, "payment-notification.json").stdout.strip() == "Verified OK"
    tampered = out / "tampered.json"
    tampered.write_bytes((out / "payment-notification.json").read_bytes().replace(b'"amount', b'"amounT'))
    assert openssl(out, *verify, "tampered.json").returncode != 0
    assert "rsa_padding_mode:pss" in (out / "README").read_text()
    check_contract(out)


def check_contract(out: Path) -> None:
    """The electronic contract (B2B028/B2B029): both signatures verify with openssl over the exact
    bytes of contract.json — with the commands the README prints — and not over a tampered copy;
    both signer certificates chain to the class CA."""
    readme = (out / "README").read_text(encoding="utf-8")
    for name in ("contract.json", "contract.json.buyer.sig", "contract.json.supplier.sig", "contract.buyer.pem",
                 "contract.supplier.pem"):
        assert (out / name).is_file(), name
        assert name in readme
    for side in ("buyer", "supplier"):
        assert openssl(out, "verify", "-CAfile", "ca-root.pem", f"contract.{side}.pem").returncode == 0
    commands = readme[readme.index("# Electronic contract"):]
    script = "\n".join(line for line in commands.splitlines() if not line.startswith("#"))
    run = subprocess.run(["bash", "-e", "-c", script], cwd=out, capture_output=True, text=True, check=False)
    assert run.returncode == 0, run.stderr
    assert run.stdout.count("Verified OK") == 2
    document = (out / "contract.json").read_bytes()
    assert b'"total_fen"' in document
    tampered = out / "contract.tampered.json"
    tampered.write_bytes(document.replace(b'"total_fen":', b'"total_fen":1', 1))
    for side in ("buyer", "supplier"):
        verify = ["dgst", "-sha256", "-verify", f"{side}-pub.pem", "-sigopt", "rsa_padding_mode:pss",
                  "-sigopt", "rsa_pss_saltlen:-1", "-signature", f"contract.json.{side}.sig"]
        assert openssl(out, *verify, "contract.json").stdout.strip() == "Verified OK"
        assert openssl(out, *verify, "contract.tampered.json").returncode != 0
