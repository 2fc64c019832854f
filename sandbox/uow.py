"""Unit of work: one transaction per service call.

Invariants: a service opens exactly one ``uow.write()`` block; everything it changes, including
its event-log rows, commits together or not at all (a DomainError or any exception rolls the
whole block back). Reads use ``uow.read()``, which never takes the SQLite write lock.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.orm import Session

from sandbox.db import Database


class UnitOfWork:
    """Hands out transactional sessions of one :class:`Database`."""

    def __init__(self, db: Database) -> None:
        self.db = db

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session inside BEGIN IMMEDIATE (SQLite) / BEGIN (PostgreSQL); commit on success."""
        with self.db.write_sessions() as session, session.begin():
            yield session

    @contextmanager
    def read(self) -> Iterator[Session]:
        """A read-only session; whatever it flushed is rolled back."""
        with self.db.read_sessions() as session:
            try:
                yield session
            finally:
                session.rollback()
