"""Shared fixtures: a migrated database per test, on SQLite and (when configured) PostgreSQL.

- ``db_url`` is parametrised over the back ends: ``sqlite`` always, ``postgresql`` when
  ``SANDBOX_TEST_POSTGRES_URL`` is set (``scripts/test`` starts a real server and sets it).
- SQLite: the migrations run once per test session into a template file, copied per test.
- PostgreSQL: the migrations run once per session; each test starts from emptied tables.
"""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, make_url, text

import sandbox.models  # noqa: F401  (fills Base.metadata)
from sandbox.db import Base, Database
from sandbox.migrate import upgrade
from sandbox.uow import UnitOfWork

PG_URL = os.environ.get("SANDBOX_TEST_POSTGRES_URL", "")


@pytest.fixture(autouse=True)
def pooled_rsa_keys(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> None:
    """Outside tests/unit, certificates and class CAs take their keys from tests/keypool.py
    (real key generation is ~65 ms per RSA-2048 key and ~470 ms per class CA)."""
    if "unit" in request.path.parts:
        return
    from sandbox.pki import crypto
    from tests.keypool import pooled

    monkeypatch.setattr(crypto, "new_rsa_key", pooled(crypto.new_rsa_key))


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("template") / "template.db"
    upgrade(f"sqlite:///{path}")
    return path


def worker_database(url: str) -> str:
    """The PostgreSQL URL for this pytest process: the configured database itself, or under
    pytest-xdist (``scripts/test`` runs ``-n auto``) a database of this worker's own,
    ``<name>_<worker>``, created on the same server so workers never share tables."""
    worker = os.environ.get("PYTEST_XDIST_WORKER", "")
    if not worker:
        return url
    target = make_url(url)
    name = f"{target.database}_{worker}"
    admin = create_engine(url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return target.set(database=name).render_as_string(hide_password=False)


@pytest.fixture(scope="session")
def pg_migrated() -> str:
    if not PG_URL:
        pytest.skip("SANDBOX_TEST_POSTGRES_URL not set (scripts/test sets it)")
    url = worker_database(PG_URL)
    engine = create_engine(url)
    with engine.begin() as conn:
        conn.execute(text("DROP SCHEMA public CASCADE"))
        conn.execute(text("CREATE SCHEMA public"))
    engine.dispose()
    upgrade(url)
    return url


def fresh_sqlite_url(template: Path, folder: Path) -> str:
    target = folder / "sandbox.db"
    shutil.copyfile(template, target)
    return f"sqlite:///{target}"


def empty_postgres(url: str) -> str:
    """Every table emptied and every id sequence restarted, as TRUNCATE … RESTART IDENTITY would,
    but with DELETE (children first) in one round trip: TRUNCATE of 54 tables takes ~0.3 s per
    test (new files for each table), DELETE of a test's few rows ~0.01 s."""
    engine = create_engine(url)
    tables = reversed(Base.metadata.sorted_tables)  # every model: sandbox.models is imported above
    deletes = "; ".join(f'DELETE FROM "{t.name}"' for t in tables)  # noqa: S608 (our own table names)
    restart = ("SELECT setval(c.oid, 1, false) FROM pg_class c "
               "WHERE c.relkind = 'S' AND c.relnamespace = 'public'::regnamespace")
    with engine.begin() as conn:
        conn.exec_driver_sql(f"{deletes}; {restart}")
    engine.dispose()
    return url


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def db_url(request: pytest.FixtureRequest, sqlite_template: Path, tmp_path: Path) -> str:
    if request.param == "sqlite":
        return fresh_sqlite_url(sqlite_template, tmp_path)
    return empty_postgres(request.getfixturevalue("pg_migrated"))


@pytest.fixture
def sqlite_url(sqlite_template: Path, tmp_path: Path) -> str:
    """A fresh migrated SQLite database (for tests that need only the embedded default)."""
    return fresh_sqlite_url(sqlite_template, tmp_path)


@pytest.fixture
def uow(db_url: str) -> Iterator[UnitOfWork]:
    db = Database.connect(db_url)
    yield UnitOfWork(db)
    db.dispose()
