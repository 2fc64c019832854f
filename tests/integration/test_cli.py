"""``python -m sandbox init`` creates (or upgrades) the database and the first instructor, once."""

from __future__ import annotations

import os
import subprocess
import sys

from sqlalchemy import select

from sandbox.config import PROJECT_ROOT
from sandbox.db import Database
from sandbox.identity import services
from sandbox.identity.models import User
from sandbox.uow import UnitOfWork
from tests.integration.helpers import fetch

SECRET = "first-run-secret-9"


def init(url: str, *args: str, password: str | None = SECRET) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("SANDBOX_")}
    if password is not None:
        env["SANDBOX_INIT_PASSWORD"] = password
    return subprocess.run(
        [sys.executable, "-m", "sandbox", "init", "--db", url, *args],
        cwd=PROJECT_ROOT, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=120,
    )


def instructors(url: str) -> list[str]:
    uow = UnitOfWork(Database.connect(url))
    try:
        return [u.username for u in fetch(uow, select(User).where(User.role == "instructor"))]
    finally:
        uow.db.dispose()


def test_init_creates_the_database_and_the_instructor_once(db_url, tmp_path):
    # SQLite: a file that does not exist yet; PostgreSQL: the test server's database.
    url = db_url if db_url.startswith("postgresql") else f"sqlite:///{tmp_path / 'fresh.db'}"
    first = init(url, "--username", "Boss", "--full-name", "Li Lei", "--language", "zh_CN")
    assert first.returncode == 0, first.stderr
    assert "instructor created: Boss" in first.stdout
    again = init(url, "--username", "Other", password="another-secret-1")
    assert again.returncode == 0, again.stderr
    assert "exists already" in again.stdout
    assert instructors(url) == ["Boss"]
    uow = UnitOfWork(Database.connect(url))
    try:
        actor = services.login(uow, username="boss", password=SECRET).actor
        assert (actor.full_name, actor.language) == ("Li Lei", "zh_CN")
    finally:
        uow.db.dispose()


def test_init_without_a_password_creates_no_default_account(tmp_path):
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    done = init(url, "--username", "boss", password=None)
    assert done.returncode == 0
    assert "SANDBOX_INIT_PASSWORD" in done.stderr
    assert instructors(url) == []


def test_init_refuses_a_weak_password_with_a_readable_message(tmp_path):
    url = f"sqlite:///{tmp_path / 'sandbox.db'}"
    done = init(url, "--username", "boss", password="short")
    assert done.returncode == 2
    assert "at least 8 characters" in done.stderr
    assert instructors(url) == []


def test_demo_chain_a_gives_each_student_a_part_and_passes_every_task_run(sqlite_url, capsys, monkeypatch):
    """``demo --chain A --students 3``: demo-01 buyer, demo-02 supplier, demo-03 logistics, each
    with bots in the other two parts; an unknown chain or part is refused with exit 2. In process
    (the subprocess style above pays real argon2 and RSA for ~20 accounts: suite time)."""
    from argon2 import PasswordHasher

    from sandbox.cli import main
    from sandbox.identity import passwords

    monkeypatch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    assert main(["demo", "--chain", "A", "--students", "3", "--db", sqlite_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "graded: 49/49 task runs passed"
    rows = [line.split() for line in out if line.startswith("  demo-")]
    assert rows == [["demo-01", "buyer", "19/19"], ["demo-02", "supplier", "19/19"], ["demo-03", "logistics", "11/11"]]
    assert main(["demo", "--chain", "Z", "--db", sqlite_url]) == 2
    assert main(["demo", "--chain", "A", "--part", "carrier", "--db", sqlite_url]) == 2
    assert main(["demo", "--part", "buyer", "--db", sqlite_url]) == 2
    err = capsys.readouterr().err
    assert "unknown chain 'Z'" in err and "no part 'carrier'" in err and "--part needs --chain" in err
