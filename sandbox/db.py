"""Engine factory, declarative base and portable column types.

Invariants:
- SQLite runs in WAL mode with ``busy_timeout`` and foreign keys on; pysqlite's implicit
  transaction handling is switched off and every transaction on the *write* engine starts with
  ``BEGIN IMMEDIATE`` (a plain ``BEGIN`` loses or refuses concurrent read-then-write work).
  The *read* engine starts ordinary deferred transactions so readers never queue behind writers.
- PostgreSQL (``postgresql+psycopg://``) uses one pooled engine for both.
- Datetimes are stored timezone-aware in UTC; money is never stored as a float or Numeric.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import DateTime, MetaData, create_engine, event
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import DeclarativeBase, sessionmaker
from sqlalchemy.types import TypeDecorator

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model; constraints get stable names (Alembic batch mode)."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


def utcnow() -> datetime:
    """The current time, timezone-aware UTC."""
    return datetime.now(UTC)


class UTCDateTime(TypeDecorator[datetime]):
    """A timezone-aware UTC datetime on every back end (SQLite keeps no zone itself)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


def _sqlite_hooks(engine: Engine, *, immediate: bool, foreign_keys: bool) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we issue BEGIN ourselves
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA busy_timeout=10000")
        cur.execute(f"PRAGMA foreign_keys={'ON' if foreign_keys else 'OFF'}")
        cur.execute("PRAGMA synchronous=NORMAL")
        cur.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


def make_engine(url: str, *, immediate: bool = True, foreign_keys: bool = True) -> Engine:
    """An engine for ``url``; on SQLite ``immediate`` picks BEGIN IMMEDIATE (writers) or BEGIN.

    ``foreign_keys=False`` is for migrations only: SQLite's batch "move and copy" drops and
    recreates tables, which with enforcement on would cascade-delete the referencing rows.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        engine = create_engine(url, connect_args={"check_same_thread": False, "timeout": 10})
        _sqlite_hooks(engine, immediate=immediate, foreign_keys=foreign_keys)
        return engine
    return create_engine(url, pool_pre_ping=True, pool_size=10, max_overflow=10)


@dataclass
class Database:
    """The write and read engines of one database URL, and their session factories."""

    url: str
    write_engine: Engine
    read_engine: Engine
    write_sessions: sessionmaker[Any]
    read_sessions: sessionmaker[Any]

    @classmethod
    def connect(cls, url: str) -> Database:
        write = make_engine(url, immediate=True)
        read = make_engine(url, immediate=False) if write.dialect.name == "sqlite" else write
        return cls(
            url=url,
            write_engine=write,
            read_engine=read,
            write_sessions=sessionmaker(write, expire_on_commit=False),
            read_sessions=sessionmaker(read, expire_on_commit=False),
        )

    def dispose(self) -> None:
        self.write_engine.dispose()
        if self.read_engine is not self.write_engine:
            self.read_engine.dispose()
