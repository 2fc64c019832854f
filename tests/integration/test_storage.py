"""Storage: SQLite settings, writers that queue instead of losing work, UTC times, foreign keys."""

from __future__ import annotations

import sqlite3
import threading
from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import IntegrityError, StatementError

from sandbox import events
from sandbox.db import Database, utcnow
from sandbox.events import Event
from sandbox.identity.models import Membership
from sandbox.uow import UnitOfWork
from tests import factories
from tests.integration.helpers import fetch


def sqlite_file(url: str) -> str:
    return str(make_url(url).database)


def test_sqlite_runs_in_wal_with_foreign_keys_and_a_busy_timeout(sqlite_url):
    db = Database.connect(sqlite_url)
    try:
        for engine in (db.write_engine, db.read_engine):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
                assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
                assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
    finally:
        db.dispose()


def test_a_sqlite_writer_holds_the_write_lock_from_its_first_statement(sqlite_url):
    """BEGIN IMMEDIATE: a read-then-write transaction cannot be overtaken by another writer."""
    uow = UnitOfWork(Database.connect(sqlite_url))
    other = sqlite3.connect(sqlite_file(sqlite_url), timeout=0, isolation_level=None)
    try:
        with uow.write() as s:
            s.execute(text("SELECT count(*) FROM users")).scalar()  # only a read so far
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                other.execute("BEGIN IMMEDIATE")
        other.execute("BEGIN IMMEDIATE")  # free again once the unit of work committed
        other.execute("ROLLBACK")
    finally:
        other.close()
        uow.db.dispose()


def test_a_sqlite_reader_does_not_queue_behind_a_writer(sqlite_url):
    uow = UnitOfWork(Database.connect(sqlite_url))
    try:
        factories.instructor(uow)
        with uow.write() as w:
            events.record(w, "test.pending")
            with uow.read() as r:  # a reader sees the last committed state, without waiting
                assert r.scalars(select(Event.kind)).all() == ["setup.completed"]
    finally:
        uow.db.dispose()


THREADS, ROUNDS = 8, 25


def test_concurrent_read_modify_write_transactions_lose_no_update(uow):
    """8 threads x 25 increments of one counter: SQLite queues writers (BEGIN IMMEDIATE),
    PostgreSQL locks the row (SELECT ... FOR UPDATE); either way the counter ends at 200."""
    with uow.write() as s:
        counter_id = events.record(s, "test.counter", n=0).id
    failures: list[BaseException] = []
    start = threading.Barrier(THREADS)

    def worker() -> None:
        try:
            start.wait()
            for _ in range(ROUNDS):
                with uow.write() as s:
                    row = s.scalars(select(Event).where(Event.id == counter_id).with_for_update()).one()
                    seen = row.data["n"]
                    row.data = {"n": seen + 1}
        except BaseException as exc:  # reported below
            failures.append(exc)

    threads = [threading.Thread(target=worker) for _ in range(THREADS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert failures == []
    [counter] = fetch(uow, select(Event).where(Event.id == counter_id))
    assert counter.data == {"n": THREADS * ROUNDS}


def test_a_deferred_sqlite_transaction_would_lose_that_race(sqlite_url):
    """The control for the test above: plain BEGIN lets two read-modify-writes collide."""
    path = sqlite_file(sqlite_url)
    first = sqlite3.connect(path, timeout=0, isolation_level=None)
    second = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        first.execute("PRAGMA journal_mode=WAL")
        first.execute("CREATE TABLE counter (n INTEGER)")
        first.execute("INSERT INTO counter VALUES (0)")
        first.execute("BEGIN")
        second.execute("BEGIN")
        n1 = first.execute("SELECT n FROM counter").fetchone()[0]
        n2 = second.execute("SELECT n FROM counter").fetchone()[0]
        first.execute("UPDATE counter SET n = ?", (n1 + 1,))
        first.execute("COMMIT")
        with pytest.raises(sqlite3.OperationalError):  # SQLITE_BUSY: its snapshot is stale
            second.execute("UPDATE counter SET n = ?", (n2 + 1,))
    finally:
        first.close()
        second.close()


def test_foreign_keys_are_enforced(uow):
    boss = factories.instructor(uow)
    with pytest.raises(IntegrityError), uow.write() as s:
        s.add(Membership(class_id=999_999, user_id=boss.user_id, role="student"))
        s.flush()


def test_times_are_stored_as_utc_instants_and_come_back_aware(uow):
    beijing = timezone(timedelta(hours=8))
    moment = datetime(2026, 3, 2, 16, 30, 15, 123456, tzinfo=beijing)
    with uow.write() as s:
        event_id = events.record(s, "test.time").id
        s.get(Event, event_id).at = moment
    [stored] = fetch(uow, select(Event).where(Event.id == event_id))
    assert stored.at == moment
    assert stored.at.utcoffset() == timedelta(0)
    assert stored.at.hour == 8


def test_a_naive_time_is_refused(uow):
    with pytest.raises(StatementError, match="naive"), uow.write() as s:
        events.record(s, "test.time").at = datetime(2026, 3, 2, 8, 0)
        s.flush()


def test_now_is_aware_utc():
    assert utcnow().tzinfo is UTC
