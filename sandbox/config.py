"""Where the sandbox keeps its data, read from the environment once per call.

Invariant: with no environment set, the database is one SQLite file in ``./data`` beside the
project, created on first use; ``SANDBOX_DATABASE_URL`` points it at PostgreSQL instead.
"""

from __future__ import annotations

import os
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent


def data_dir() -> Path:
    """The folder for the default SQLite file (``SANDBOX_DATA_DIR`` or ``./data``)."""
    return Path(os.environ.get("SANDBOX_DATA_DIR") or PROJECT_ROOT / "data")


def database_url() -> str:
    """The SQLAlchemy URL of the sandbox database."""
    url = os.environ.get("SANDBOX_DATABASE_URL", "").strip()
    if url:
        return url
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'sandbox.db'}"
