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


#: New personal sandboxes (self-learner mode) allowed per hour on one server, unless
#: ``SANDBOX_LEARNERS_PER_HOUR`` says otherwise; 0 turns self-learner mode off.
LEARNERS_PER_HOUR = 60


def learners_per_hour() -> int:
    """How many personal sandboxes may start per hour (``SANDBOX_LEARNERS_PER_HOUR``; 0: none, the
    *Learn on my own* page is not offered). An unreadable value keeps the default."""
    raw = os.environ.get("SANDBOX_LEARNERS_PER_HOUR", "").strip()
    try:
        return max(0, int(raw)) if raw else LEARNERS_PER_HOUR
    except ValueError:
        return LEARNERS_PER_HOUR


def database_url() -> str:
    """The SQLAlchemy URL of the sandbox database."""
    url = os.environ.get("SANDBOX_DATABASE_URL", "").strip()
    if url:
        return url
    folder = data_dir()
    folder.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{folder / 'sandbox.db'}"
