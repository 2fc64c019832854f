"""AppTest fixtures: the real app (``app.py`` or one view) on a fresh migrated SQLite per test.

- ``app_db`` points the app at a copy of the session's migrated template
  (``SANDBOX_DATABASE_URL``) and yields a unit of work on the same file for seeding and checks.
- ``runner.enforceSerializableSessionState`` is switched off while AppTest runs: AppTest itself
  stores every widget's ``format_func`` (a lambda) in an internal session-state key, which the
  real server never does. ``tests.app.helpers.run`` checks our own keys with pickle instead.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from streamlit.testing.v1.util import patch_config_options

from sandbox import ui
from sandbox.db import Database
from sandbox.uow import UnitOfWork


@pytest.fixture
def app_db(sqlite_url: str, monkeypatch: pytest.MonkeyPatch) -> Iterator[UnitOfWork]:
    monkeypatch.setenv("SANDBOX_DATABASE_URL", sqlite_url)
    db = Database.connect(sqlite_url)
    with patch_config_options({"runner.enforceSerializableSessionState": False}):
        yield UnitOfWork(db)
    ui._database.clear()  # drop the cached engine of this test's throw-away file
    db.dispose()
