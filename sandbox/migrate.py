"""Alembic migrations, run programmatically (no alembic.ini needed).

Invariant: the schema is upgraded once per process (``sandbox.ui`` at start-up) or by
``python -m sandbox init``, never on a rerun. On PostgreSQL an advisory lock keeps two
replicas from migrating at once.
"""

from __future__ import annotations

from pathlib import Path

from alembic import command
from alembic.config import Config

MIGRATIONS = Path(__file__).parent / "migrations"


def alembic_config(url: str) -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS))
    cfg.set_main_option("sqlalchemy.url", url.replace("%", "%%"))
    return cfg


def upgrade(url: str) -> None:
    """Create or upgrade the database at ``url`` to the newest schema."""
    command.upgrade(alembic_config(url), "head")
