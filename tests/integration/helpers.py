"""Small assertions shared by the integration tests (people and classes come from tests.factories)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from sqlalchemy import func, select

import sandbox.models  # noqa: F401  (fills Base.metadata)
from sandbox.db import Base
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.uow import UnitOfWork


@contextmanager
def refused(code: str, **expected: Any) -> Iterator[pytest.ExceptionInfo[DomainError]]:
    """The block must raise DomainError ``code``; ``expected`` are params (or ``field``) it must carry."""
    with pytest.raises(DomainError) as info:
        yield info
    err = info.value
    assert err.code == code, f"expected {code}, got {err!r}"
    for name, value in expected.items():
        actual = err.field if name == "field" else err.params.get(name)
        assert actual == value, f"{code}: {name} is {actual!r}, expected {value!r}"


def row_counts(uow: UnitOfWork) -> dict[str, int]:
    """How many rows every table of the schema holds (a cheap 'nothing changed' witness)."""
    with uow.read() as s:
        return {t.name: int(s.scalar(select(func.count()).select_from(t)) or 0) for t in Base.metadata.sorted_tables}


def event_kinds(uow: UnitOfWork) -> list[str]:
    with uow.read() as s:
        return list(s.scalars(select(Event.kind).order_by(Event.id)).all())


def events_of(uow: UnitOfWork, kind: str) -> list[Event]:
    """The events of one kind, oldest first, detached with their values loaded."""
    return fetch(uow, select(Event).where(Event.kind == kind).order_by(Event.id))


def fetch(uow: UnitOfWork, query: Any) -> list[Any]:
    """The ORM rows of ``query``, detached with their values loaded (usable after the session ends)."""
    with uow.read() as s:
        rows = list(s.scalars(query).all())
        s.expunge_all()
        return rows


@contextmanager
def changes_nothing(uow: UnitOfWork) -> Iterator[None]:
    """The block (which is expected to be refused) leaves every table as it was."""
    before = row_counts(uow)
    yield
    assert row_counts(uow) == before
