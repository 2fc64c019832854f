"""The Alembic migrations build exactly the schema the models describe, on SQLite and PostgreSQL."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import create_engine, inspect

import sandbox.models  # noqa: F401  (fills Base.metadata)
from sandbox.db import Base
from sandbox.migrate import alembic_config, upgrade


def schema_differences(url: str) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(
                conn, opts={"compare_type": True, "compare_server_default": True, "render_as_batch": True}
            )
            return compare_metadata(context, Base.metadata)
    finally:
        engine.dispose()


def test_the_migrated_schema_matches_the_models(db_url):
    assert schema_differences(db_url) == []


def test_the_database_is_at_the_newest_revision(db_url):
    head = ScriptDirectory.from_config(alembic_config(db_url)).get_current_head()
    engine = create_engine(db_url)
    try:
        with engine.connect() as conn:
            assert MigrationContext.configure(conn).get_current_revision() == head
    finally:
        engine.dispose()


def test_a_model_change_without_a_migration_would_be_noticed(sqlite_url):
    """The control: dropping a table from the database makes compare_metadata speak up."""
    engine = create_engine(sqlite_url)
    with engine.begin() as conn:
        conn.exec_driver_sql("DROP TABLE login_sessions")
    engine.dispose()
    assert any(diff[0] == "add_table" for diff in schema_differences(sqlite_url))


def test_migrations_go_down_to_nothing_and_up_again(tmp_path):
    url = f"sqlite:///{tmp_path / 'fresh.db'}"
    upgrade(url)
    upgrade(url)  # a second run is a no-op
    command.downgrade(alembic_config(url), "base")
    engine = create_engine(url)
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    engine.dispose()
    upgrade(url)
    assert schema_differences(url) == []
