"""Alembic environment: batch mode for SQLite, an advisory lock on PostgreSQL."""

from __future__ import annotations

from alembic import context
from sqlalchemy import text

import sandbox.models  # noqa: F401  (fills Base.metadata)
from sandbox.db import Base, make_engine

config = context.config
target_metadata = Base.metadata


def run_migrations_online() -> None:
    engine = make_engine(config.get_main_option("sqlalchemy.url"), immediate=False, foreign_keys=False)
    with engine.connect() as connection:
        is_pg = connection.dialect.name == "postgresql"
        if is_pg:
            connection.execute(text("SELECT pg_advisory_lock(774411)"))
            connection.commit()
        context.configure(
            connection=connection,
            target_metadata=target_metadata,
            render_as_batch=True,
            compare_server_default=True,
        )
        with context.begin_transaction():
            context.run_migrations()
        if is_pg:
            connection.execute(text("SELECT pg_advisory_unlock(774411)"))
            connection.commit()
    engine.dispose()


run_migrations_online()
