"""Pruning benchmark: what ``python -m sandbox prune-sandboxes`` costs on a server where many
self-learners came and went.

    python bench/prune_bench.py                           # 10 played + 500 empty sandboxes, SQLite
    python bench/prune_bench.py --played 3 --empty 100    # a quick look
    SANDBOX_BENCH_POSTGRES_URL=postgresql+psycopg://user@127.0.0.1:5432/postgres python bench/prune_bench.py

The server, built through the services (cheap argon2 while building, as in email_bench.py;
the hourly cap on new sandboxes lifted):
an ordinary class of 30 students who each opened a mailbox and sent a mail (it must survive the
prune untouched); ``--played`` personal sandboxes whose learner played the whole of chain A as
the buyer against the bots (``sandbox.chains.play_chain``: mail, bank, certificates, B2B,
logistics, ledger rows); ``--empty`` sandboxes started and never used. Everything is then aged
40 days.

Figures: ``idle_sandboxes`` (the listing a dry run prints, one call); ``prune_sandboxes`` (one
call) with its time per sandbox, played and empty apart (each pruned alone, in its own
transaction), and the rows it deleted. Checked afterwards: no personal class is left and the
ordinary class has every row it had.

It is a benchmark, not a test: nothing asserts on a time.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (ROOT, BENCH):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from email_bench import cheap_argon2  # noqa: E402
from rerun import on_each_backend  # noqa: E402
from sqlalchemy import func, select  # noqa: E402

from sandbox.bots import BotWorld, new_request_id  # noqa: E402
from sandbox.chains import play_chain  # noqa: E402
from sandbox.db import Database  # noqa: E402
from sandbox.events import Event  # noqa: E402
from sandbox.identity import services  # noqa: E402
from sandbox.identity.models import Classroom  # noqa: E402
from sandbox.migrate import upgrade  # noqa: E402
from sandbox.scenarios.loader import load_directory  # noqa: E402
from sandbox.scenarios.runs import run_golden  # noqa: E402
from sandbox.teaching import learner, prune, reset  # noqa: E402
from sandbox.uow import UnitOfWork  # noqa: E402

PASSWORD = "bench-horse-42"


def build(uow: UnitOfWork, played: int, empty: int) -> tuple[int, set[int]]:
    """The ordinary class's id, and the ids of the played sandboxes."""
    tasks = load_directory()
    teacher = services.setup_first_instructor(uow, username="teacher", full_name="Wang Fang",
                                              password=PASSWORD, password_confirm=PASSWORD, language="en")
    room = services.create_class(uow, teacher, name="Prune bench class", language="zh_CN", seed=7)
    for i in range(30):
        student = services.register_student(uow, enrollment_code=room.enrollment_code, username=f"s{i:03d}",
                                            full_name=f"Student {i}", password=PASSWORD, password_confirm=PASSWORD,
                                            student_number=f"2026{i:04d}")
        done: set[str] = set()
        for code in ("EMAIL001", "EMAIL003"):
            run_golden(BotWorld(uow, room.id, student), tasks, code, done)
    busy = set()
    for i in range(played + empty):
        started = learner.start_personal_sandbox(uow, username=f"learner{i:04d}", full_name=f"Learner {i}",
                                                 password=PASSWORD, password_confirm=PASSWORD, language="en",
                                                 request_id=new_request_id())
        if i < played:
            play_chain(uow, started.class_id, "A", {"buyer": started.actor})
            busy.add(started.class_id)
    with uow.write() as s:  # 40 days pass (in Python: the UTC column type takes datetimes only)
        for ev in s.scalars(select(Event)):
            ev.at -= timedelta(days=40)
        for room_ in s.scalars(select(Classroom)):
            room_.created_at -= timedelta(days=40)
    return room.id, busy


def bench(name: str, url: str, played: int, empty: int) -> None:
    upgrade(url)
    db = Database.connect(url)
    uow = UnitOfWork(db)
    t0 = time.perf_counter()
    with cheap_argon2():
        class_id, busy = build(uow, played, empty)
    built = time.perf_counter() - t0
    with uow.read() as s:
        kept_before = reset.world_counts(s, class_id)
        events_before = s.scalar(select(func.count()).select_from(Event).where(Event.class_id == class_id))

    t0 = time.perf_counter()
    with uow.read() as s:
        idle = prune.idle_sandboxes(s, 30)
    listing = time.perf_counter() - t0

    per: dict[bool, list[float]] = {True: [], False: []}
    rows: dict[bool, list[int]] = {True: [], False: []}
    original = prune._delete_sandbox

    def timed(session, class_id_):  # type: ignore[no-untyped-def]
        t = time.perf_counter()
        n = original(session, class_id_)
        per[class_id_ in busy].append(time.perf_counter() - t)
        rows[class_id_ in busy].append(n)
        return n

    prune._delete_sandbox = timed
    try:
        t0 = time.perf_counter()
        pruned = prune.prune_sandboxes(uow, idle_days=30)
        total = time.perf_counter() - t0
    finally:
        prune._delete_sandbox = original

    with uow.read() as s:
        left = s.scalar(select(func.count()).select_from(Classroom).where(Classroom.kind == "personal"))
        kept_after = reset.world_counts(s, class_id)
        events_after = s.scalar(select(func.count()).select_from(Event).where(Event.class_id == class_id))
        orphans = s.scalar(select(func.count()).select_from(Event).where(Event.class_id.in_(busy)))
    db.dispose()

    def ms(values: list[float]) -> str:
        return f"{statistics.median(values) * 1000:.0f} ms median, {max(values) * 1000:.0f} ms max" if values else "—"

    print(f"\n{name}: built {played} played + {empty} empty sandboxes and a class of 30 in {built:.0f} s")
    print(f"  idle_sandboxes (listing {len(idle)}): {listing * 1000:.0f} ms")
    print(f"  prune_sandboxes: {len(pruned)} sandboxes in {total:.2f} s")
    print(f"    played sandbox: {ms(per[True])}; rows deleted each: "
          f"{statistics.median(rows[True]) if rows[True] else 0:.0f}")
    print(f"    empty sandbox:  {ms(per[False])}; rows deleted each: "
          f"{statistics.median(rows[False]) if rows[False] else 0:.0f}")
    print(f"  check: personal classes left {left}; the class's world unchanged "
          f"{kept_before == kept_after}, its events unchanged {events_before == events_after}; "
          f"events of pruned sandboxes left {orphans}")


def main() -> None:
    os.environ["SANDBOX_LEARNERS_PER_HOUR"] = "100000"  # the hourly cap would stop the build at 60
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--played", type=int, default=10, help="sandboxes that played chain A (default 10)")
    parser.add_argument("--empty", type=int, default=500, help="sandboxes never used (default 500)")
    args = parser.parse_args()
    on_each_backend(lambda name, url: bench(name, url, args.played, args.empty))


if __name__ == "__main__":
    main()
