"""Teaching-workflow benchmark (issue 7): a class of 100 students with real recorded work, then
the time of the teaching services and pages an instructor uses on it — scores, the live board,
the gradebook, regrade, the class archive (export / import), reset, and one student's lab report
(HTML and PDF).

    python bench/teaching_bench.py                          # 100 students, SQLite (about 2 minutes)
    python bench/teaching_bench.py --students 20 --runs 5   # a quick look
    python bench/teaching_bench.py --profile 5              # plus cProfile of the board and gradebook reruns
    SANDBOX_BENCH_POSTGRES_URL=postgresql+psycopg://user@127.0.0.1:5432/postgres python bench/teaching_bench.py

The class, built through the services (cheap argon2 while building, as in email_bench.py; RSA
keys for real): an instructor; ``--students`` students registered with the enrollment code and a
student number. Student i (all but the last ``3 × --chain-teams``) does a varied handful of tasks
by the bots' golden runs (``sandbox.scenarios.runs.run_golden``): EMAIL001/EMAIL003 and
EBANK010/EBANK011 for almost everybody, then EMAIL002, EMAIL006, CA002/CA003, EBANK012/EBANK013
and CA001 for every 2nd / 3rd / 4th / 5th …; every 17th student does nothing (not started).
Then an assignment "Week 1" (7 EMAIL/EBANK tasks) due at the build's midpoint (so about half the
work is late: 20 % off) with a hint cost of 1 point; every 4th student opens a paid hint
(``hint.viewed``), every 10th gets a ``grade.adjusted``. The reserved students form
``--chain-teams`` teams of three that play chain A (buyer, supplier, logistics) together
(``sandbox.chains.play_chain``); everybody else goes into random teams of 3 with parts set, and a
chain-A assignment gives every part to the team.

Figures (each a median of ``--runs`` unless "one call"; each service call in its own read
session, as a page does):
- ``scores.score_class`` for all students × all tasks of the class;
- ``board.class_board``: all tasks; the task assignment; the team chain assignment;
- AppTest reruns (script cache shared, as a server keeps compiled scripts; table B of
  bench/rerun.py) of views/board.py and views/gradebook.py (all tasks, and the task assignment),
  each checked to show its 100-row table, against a bare one-widget page of the same run;
- ``regrade.regrade`` (one call: the first snapshot; then one more: the diff against it);
- ``archive.export_class`` (time, ZIP bytes), ``archive.import_class`` (one call: a new class);
- ``report.student_report`` + ``render_html`` + ``pdf.render_pdf`` for the busiest solo student;
- ``reset.reset_class`` (one call, last: time and rows deleted).

It is a benchmark, not a test: nothing asserts on a time.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import io
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (ROOT, BENCH):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from b2b_bench import counted_units_of_work  # noqa: E402
from email_bench import cheap_argon2  # noqa: E402
from rerun import (  # noqa: E402
    Figure,
    app_test,
    bare_test,
    load,
    no_exception,
    on_each_backend,
    print_table,
    quantile,
    shared_script_cache,
    timed_reruns,
)
from sqlalchemy import event as sa_event  # noqa: E402
from sqlalchemy import func, select  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1.util import patch_config_options  # noqa: E402

from sandbox.actor import Actor  # noqa: E402
from sandbox.bots import BotWorld, new_request_id  # noqa: E402
from sandbox.chains import ChainStepFailed, play_chain  # noqa: E402
from sandbox.db import Database, utcnow  # noqa: E402
from sandbox.events import Event  # noqa: E402
from sandbox.identity import services  # noqa: E402
from sandbox.migrate import upgrade  # noqa: E402
from sandbox.scenarios.grading import class_students  # noqa: E402
from sandbox.scenarios.loader import load_directory  # noqa: E402
from sandbox.scenarios.model import TaskSet  # noqa: E402
from sandbox.scenarios.runs import run_golden  # noqa: E402
from sandbox.teaching import archive, assignments, board, interventions, packs, pdf, regrade, report, reset, teams  # noqa: E402
from sandbox.teaching.scores import GRADE_ADJUSTED, HINT_VIEWED, score_class  # noqa: E402
from sandbox.uow import UnitOfWork  # noqa: E402

PASSWORD = "bench-horse-42"
CLASS_NAME = "Teaching bench"
WEEK1 = ["EMAIL001", "EMAIL002", "EMAIL003", "EMAIL006", "EBANK010", "EBANK011", "EBANK012"]
PARTS = ("buyer", "supplier", "logistics")


# ----------------------------------------------------------------------------- the class


def plan(i: int) -> list[str]:
    """The tasks solo student ``i`` does (golden runs, prerequisites first)."""
    if i % 17 == 16:
        return []  # not started
    codes = ["EMAIL001", "EMAIL003", "EBANK010", "EBANK011"]
    if i % 2 == 0:
        codes += ["EMAIL002", "CA002", "CA003"]
    if i % 3 == 0:
        codes += ["EMAIL006", "EBANK012"]
    if i % 4 == 0:
        codes += ["EBANK013", "EMAIL004"]
    if i % 5 == 0:
        codes += ["CA001", "EMAIL007"]
    return codes


@dataclass
class ClassWorld:
    url: str
    uow: UnitOfWork
    tasks: TaskSet
    class_id: int
    teacher: Actor
    students: list[Actor]
    week1_id: int = 0
    chain_id: int = 0
    build_s: float = 0.0
    calls: Counter[str] = field(default_factory=Counter)
    task_runs: int = 0
    errors: Counter[str] = field(default_factory=Counter)
    chain_teams_ok: int = 0
    counts: dict[str, int] = field(default_factory=dict)


def build(url: str, n_students: int, chain_teams: int) -> ClassWorld:
    """The class described in the module docstring, through the services."""
    upgrade(url)
    db = Database.connect(url)
    uow = UnitOfWork(db)
    tasks = load_directory()
    with cheap_argon2(), counted_units_of_work() as calls:
        start = time.perf_counter()
        teacher = services.setup_first_instructor(
            uow, username="teacher", full_name="Bench Teacher", password=PASSWORD, password_confirm=PASSWORD,
            language="en",
        )
        room = services.create_class(uow, teacher, name=CLASS_NAME, language="en", seed=7)
        students = [
            services.register_student(
                uow, enrollment_code=room.enrollment_code, username=f"stu-{i:03d}", full_name=f"Student {i:03d}",
                password=PASSWORD, password_confirm=PASSWORD, student_number=f"2026{i:04d}",
            )
            for i in range(n_students)
        ]
        cw = ClassWorld(url, uow, tasks, room.id, teacher, students)
        reserved = min(3 * chain_teams, max(0, n_students - 6))
        solo = students[: n_students - reserved]
        midpoint: datetime | None = None
        for i, student in enumerate(solo):
            if i == len(solo) // 2:
                midpoint = utcnow()
            world = BotWorld(uow=uow, class_id=room.id, student=student)
            done: set[str] = set()
            for code in plan(i):
                try:
                    run_golden(world, tasks, code, done)
                    cw.task_runs += 1
                except Exception as err:  # a figure, not a test: count and go on
                    cw.errors[f"{code}: {type(err).__name__} {getattr(err, 'code', err)}"] += 1
        # the task assignment, due at the midpoint: the later half of the work is late
        cw.week1_id = assignments.create_assignment(
            uow, teacher, room.id, title="Week 1 · 第一周: mail and bank", kind="tasks", task_codes=WEEK1,
            due_at=midpoint or utcnow(), late_counts=True, late_penalty_pct=20, hint_cost=1,
            request_id=new_request_id(), tasks=tasks,
        )
        for i, student in enumerate(solo):
            if i % 4 == 1:
                for code in WEEK1[: 1 + i % 3]:
                    assignments.view_hint(uow, student, cw.week1_id, code, request_id=new_request_id())
            if i % 10 == 3:
                interventions.adjust_score(uow, teacher, room.id, student.user_id, "EMAIL003",
                                           tasks.tasks["EMAIL003"].points / 2,
                                           "完成了，但邮件主题不对 Done, wrong subject", new_request_id(), tasks=tasks)
        # chain A by teams of three (the reserved students), the rest in random teams
        team_ids = []
        for t in range(reserved // 3):
            members = students[n_students - reserved + 3 * t: n_students - reserved + 3 * t + 3]
            team_ids.append(teams.create_team(uow, teacher, room.id, f"Chain team {t + 1}",
                                              [m.user_id for m in members], request_id=new_request_id()))
            for member, part in zip(members, PARTS, strict=True):
                teams.set_part(uow, teacher, room.id, member.user_id, part, request_id=new_request_id())
            try:
                play_chain(uow, room.id, "A", dict(zip(PARTS, members, strict=True)))
                cw.chain_teams_ok += 1
            except ChainStepFailed as err:
                cw.errors[f"chain A: {err}"] += 1
        if len(students) - reserved >= 2:
            teams.random_teams(uow, teacher, room.id, 3, request_id=new_request_id())
        with uow.read() as s:
            views = teams.teams(s, teacher, room.id)
        for view in views:
            for member, part in zip(view.members, PARTS, strict=False):
                if member.part is None:
                    teams.set_part(uow, teacher, room.id, member.user_id, part, request_id=new_request_id())
        cw.chain_id = assignments.create_assignment(
            uow, teacher, room.id, title="Chain A · 供应链 A (teams)", kind="chain", chain_id="A",
            parties=dict.fromkeys(PARTS, "team"), request_id=new_request_id(), tasks=tasks,
        )
        cw.build_s = time.perf_counter() - start
    cw.calls = Counter(calls)
    cw.counts = class_counts(cw)
    return cw


def class_counts(cw: ClassWorld) -> dict[str, int]:
    with cw.uow.read() as s:
        def events(*where: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(Event).where(Event.class_id == cw.class_id, *where))
                       or 0)

        return {"events": events(), "with a task code": events(Event.task_code.is_not(None)),
                "hint.viewed": events(Event.kind == HINT_VIEWED), "grade.adjusted": events(Event.kind == GRADE_ADJUSTED),
                "teams": len(teams.teams(s, cw.teacher, cw.class_id))}


# ----------------------------------------------------------------------------- timing services


@dataclass
class Row:
    label: str
    samples: list[float] = field(default_factory=list)  # wall seconds
    cpu: list[float] = field(default_factory=list)
    note: str = ""
    statements: int | None = None  # SQL statements of one call

    def line(self) -> str:
        med = statistics.median(self.samples) * 1000
        p90 = quantile(self.samples, 0.9) * 1000
        cpu = statistics.median(self.cpu) * 1000
        n = len(self.samples)
        sql = "" if self.statements is None else str(self.statements)
        return (f"  {self.label:<60} {med:>9.1f} {p90 if n > 1 else float('nan'):>8.1f} {cpu:>8.1f} {n:>4} {sql:>5}"
                f"   {self.note}")


@contextlib.contextmanager
def counted_statements(db: Database) -> Iterator[list[int]]:
    """Count the SQL statements sent to ``db`` (both engines) while the block runs."""
    seen = [0]

    def count(*_: Any) -> None:
        seen[0] += 1

    engines = {id(e): e for e in (db.write_engine, db.read_engine)}.values()
    for engine in engines:
        sa_event.listen(engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        for engine in engines:
            sa_event.remove(engine, "before_cursor_execute", count)


def timed(row: Row, fn: Callable[[], Any], runs: int, warmup: int = 1, db: Database | None = None) -> Any:
    """``warmup`` untimed calls, then ``runs`` timed ones; the last result. With ``db``, the SQL
    statements of one untimed call (without warm-up: of the first timed one) go to ``row.statements``."""
    out = None
    for _ in range(warmup):
        out = fn()
    if db is not None and warmup:
        with counted_statements(db) as seen:
            out = fn()
        row.statements = seen[0]
    for n in range(runs):
        counting = counted_statements(db) if db is not None and not warmup and n == 0 else contextlib.nullcontext([0])
        with counting as seen:
            cpu, start = time.process_time(), time.perf_counter()
            out = fn()
            row.samples.append(time.perf_counter() - start)
            row.cpu.append(time.process_time() - cpu)
        if db is not None and not warmup and n == 0:
            row.statements = seen[0]
    return out


def print_rows(title: str, rows: list[Row]) -> None:
    print(f"\n{title}")
    head = f"  {'what':<60} {'median ms':>9} {'p90 ms':>8} {'cpu ms':>8} {'n':>4} {'SQL':>5}   notes"
    print(head)
    print("  " + "-" * (len(head) - 2))
    for row in rows:
        print(row.line())


def service_rows(cw: ClassWorld, runs: int) -> list[Row]:
    uow, me, cid = cw.uow, cw.teacher, cw.class_id
    with uow.read() as s:
        tasks = packs.class_tasks(s, cid, cw.tasks)
        ids = [r.user_id for r in class_students(s, cid)]
    all_tasks = list(tasks.tasks.values())
    rows = []

    def read(fn: Callable[[Any], Any]) -> Callable[[], Any]:
        def call() -> Any:
            with uow.read() as s:
                return fn(s)
        return call

    row = Row(f"scores.score_class ({len(ids)} students x {len(all_tasks)} tasks)")
    scored = timed(row, read(lambda s: score_class(s, cid, ids, all_tasks)), runs, db=uow.db)
    row.note = f"{sum(1 for r in scored.values() for t in r.values() if t.passed)} passed cells"
    rows.append(row)
    for label, aid in (("all tasks", None), ("assignment Week 1 (7 tasks, rules)", cw.week1_id),
                       ("chain-A team assignment", cw.chain_id)):
        row = Row(f"board.class_board, {label}")
        b = timed(row, read(lambda s, a=aid: board.class_board(s, me, cid, tasks, assignment_id=a)), runs,
                  db=uow.db)
        row.note = ", ".join(f"{k} {b.count(k)}" for k in board.STATUSES)
        rows.append(row)
    return rows


def mutation_rows(cw: ClassWorld, runs: int) -> tuple[list[Row], Row]:
    """regrade (x2), export (median), import (one call), the lab report; reset comes later."""
    uow, me, cid = cw.uow, cw.teacher, cw.class_id
    with uow.read() as s:
        tasks = packs.class_tasks(s, cid, cw.tasks)
    rows = []
    for label in ("first snapshot", "second: diff against the first"):
        row = Row(f"regrade.regrade, one call ({label})")
        res = timed(row, lambda: regrade.regrade(uow, me, cid, tasks, reason="bench", request_id=new_request_id()),
                    1, 0, uow.db)
        row.note = f"{len(res.changes)} changes, total {res.total_after:g}"
        rows.append(row)

    row = Row("archive.export_class")

    def export() -> bytes:
        with uow.read() as s:
            return archive.export_class(s, me, cid, tasks)

    data = timed(row, export, runs, db=uow.db)
    row.note = f"ZIP {len(data):,} bytes"
    rows.append(row)
    row = Row("archive.import_class, one call (a new class)")
    with cheap_argon2():
        imported = timed(row, lambda: archive.import_class(uow, me, data, new_request_id()), 1, 0, uow.db)
    row.note = (f"{imported.students} students, {imported.events} events, {imported.assignments} assignments, "
                f"{imported.teams} teams, {imported.snapshots} snapshots")
    rows.append(row)

    # the lab report of the busiest solo student (student 0 does every planned task)
    student = cw.students[0]
    row = Row(f"report.student_report ({student.username})")
    rep = timed(row, lambda: _report(cw, tasks, student), runs, db=uow.db)
    row.note = f"{len(rep.tasks)} tasks, {rep.events_total} events"
    rows.append(row)
    for label, fn in (("report.render_html (zh_CN)", lambda: report.render_html(rep, "zh_CN")),
                      ("pdf.render_pdf (zh_CN)", lambda: pdf.render_pdf(rep, "zh_CN"))):
        row = Row(label)
        out = timed(row, fn, runs)
        row.note = f"{len(out.encode('utf-8') if isinstance(out, str) else out):,} bytes"
        rows.append(row)
    both = Row("student_report + render_html + render_pdf")
    timed(both, lambda: (report.render_html(r := _report(cw, tasks, student), "zh_CN"), pdf.render_pdf(r, "zh_CN")),
          runs)
    rows.append(both)
    return rows, Row("reset.reset_class, one call (keep roster)")


def _report(cw: ClassWorld, tasks: TaskSet, student: Actor) -> report.Report:
    with cw.uow.read() as s:
        return report.student_report(s, cw.teacher, cw.class_id, student.user_id, tasks)


def reset_row(cw: ClassWorld, row: Row) -> Row:
    with cw.uow.read() as s:
        tasks = packs.class_tasks(s, cw.class_id, cw.tasks)
    res = timed(row, lambda: reset.reset_class(cw.uow, cw.teacher, cw.class_id, keep_roster=True, confirm=CLASS_NAME,
                                               request_id=new_request_id(), tasks=tasks), 1, 0, cw.uow.db)
    top = sorted(res.deleted.items(), key=lambda kv: -kv[1])[:4]
    row.note = f"{res.total:,} rows deleted ({', '.join(f'{k} {v}' for k, v in top)}, ...)"
    return row


# ----------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    state: dict[str, Any]  # session state set before the first run (widget keys)


def pages(cw: ClassWorld) -> list[Page]:
    return [
        Page("board page, all tasks", "views/board.py", {}),
        Page("board page, assignment Week 1", "views/board.py", {"board_assignment": cw.week1_id}),
        Page("board page, chain-A team assignment", "views/board.py", {"board_assignment": cw.chain_id}),
        Page("gradebook page, all tasks", "views/gradebook.py", {}),
        Page("gradebook page, assignment Week 1", "views/gradebook.py", {"gb_assignment": cw.week1_id}),
    ]


def page_check(page: Page, students: int) -> Callable[[AppTest], None]:
    def check(at: AppTest) -> None:
        no_exception(at)
        if at.error:
            raise RuntimeError(f"{page.label}: the page shows an error: {[e.value for e in at.error]}")
        for key, value in page.state.items():
            if at.session_state[key] != value:
                raise RuntimeError(f"{page.label}: {key} is {at.session_state[key]!r}, not {value!r}")
        sizes = [len(df.value) for df in at.dataframe]
        if students not in sizes:
            raise RuntimeError(f"{page.label}: expected a {students}-row table, got {sizes}; "
                               f"titles {[t.value for t in at.title]}")

    return check


def page_app(cw: ClassWorld, page: Page) -> AppTest:
    at = app_test(cw.teacher)
    at.run()
    at.switch_page(page.path)
    for key, value in page.state.items():
        at.session_state[key] = value
    return at


def page_figures(cw: ClassWorld, folder: Path, runs: int, warmup: int) -> tuple[Figure, list[Figure]]:
    bare = Figure("bare page (one st.button)")
    timed_reruns(bare, bare_test(folder), runs, warmup + 1, no_exception)
    figures = [bare]
    for page in pages(cw):
        fig = Figure(page.label)
        timed_reruns(fig, page_app(cw, page), runs, warmup + 1, page_check(page, len(cw.students)))
        figures.append(fig)
    again = Figure("bare page again (noise check)", baseline=True)
    timed_reruns(again, bare_test(folder), runs, warmup + 1, no_exception)
    figures.append(again)
    return bare, figures


def profile_pages(cw: ClassWorld, reruns: int, limit: int) -> None:
    """cProfile ``reruns`` AppTest reruns of the board and gradebook pages (script thread only)."""
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    for page in pages(cw)[0::3]:
        at = page_app(cw, page)
        for _ in range(2):
            at.run()
        profiles: list[cProfile.Profile] = []
        original = LocalScriptRunner._run_script_thread

        def profiled(self: LocalScriptRunner, _original: Any = original, _profiles: list = profiles) -> None:
            prof = cProfile.Profile()
            _profiles.append(prof)
            prof.enable()
            try:
                _original(self)
            finally:
                prof.disable()

        LocalScriptRunner._run_script_thread = profiled  # type: ignore[method-assign]
        try:
            for _ in range(reruns):
                at.run()
        finally:
            LocalScriptRunner._run_script_thread = original  # type: ignore[method-assign]
        out = io.StringIO()
        stats = pstats.Stats(*profiles, stream=out)
        stats.sort_stats("cumulative").print_stats(limit)
        stats.sort_stats("tottime").print_stats(limit)
        print(f"\ncProfile of {reruns} reruns: {page.label}\n{out.getvalue()}")


# ----------------------------------------------------------------------------- driver


def bench_backend(name: str, url: str, args: argparse.Namespace) -> None:
    os.environ["SANDBOX_DATABASE_URL"] = url  # read by sandbox.ui on every call
    cw = build(url, args.students, args.chain_teams)
    c = cw.calls
    print(f"\n[{name}] class of {len(cw.students)} students built through the services in {cw.build_s:.1f} s "
          f"({c['write'] + c['read']} service calls: {c['write']} writes + {c['read']} reads; cheap argon2): "
          f"{cw.task_runs} solo golden runs, chain A played by {cw.chain_teams_ok} teams of three")
    print("  class holds: " + ", ".join(f"{k} {v}" for k, v in cw.counts.items()))
    for what, n in sorted(cw.errors.items()):
        print(f"  ! {n} x {what}")

    before = load()
    rows = service_rows(cw, args.runs)
    print_rows(f"[{name}] read services, each in its own read session ({args.runs} timed after 1 untimed; "
               f"load {before} -> {load()})", rows)

    if not args.no_pages:
        with tempfile.TemporaryDirectory(prefix="sandbox-teach-bench-") as tmp, patch_config_options(
            {"runner.enforceSerializableSessionState": False}
        ), shared_script_cache():
            before = load()
            bare, figures = page_figures(cw, Path(tmp), args.page_runs, args.warmup)
            print_table(
                f"[{name}] pages, AppTest with shared script cache (instructor, class of {len(cw.students)}); "
                f"{args.page_runs} reruns each (load {before} -> {load()})", figures, bare, "cpu",
            )
            if args.profile:
                profile_pages(cw, args.profile, args.profile_limit)

    before = load()
    rows, last = mutation_rows(cw, args.runs)
    rows.append(reset_row(cw, last))
    print_rows(f"[{name}] regrade, archive, lab report, reset ({args.runs} timed unless 'one call'; "
               f"load {before} -> {load()})", rows)
    cw.uow.db.dispose()


def main() -> None:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--students", type=int, default=100, help="students in the class (default 100)")
    parser.add_argument("--chain-teams", type=int, default=5, help="teams of three playing chain A (default 5)")
    parser.add_argument("--runs", type=int, default=10, help="timed calls per service figure (default 10)")
    parser.add_argument("--page-runs", type=int, default=10, help="timed reruns per page (default 10)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed page reruns first (default 2)")
    parser.add_argument("--no-pages", action="store_true", help="skip the AppTest page reruns")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile N reruns of the board and gradebook pages (all tasks)")
    parser.add_argument("--profile-limit", type=int, default=25, help="functions shown per profile (25)")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, Streamlit {__import__('streamlit').__version__}, "
          f"{os.cpu_count()} CPUs, load average {load()}")
    on_each_backend(lambda name, url: bench_backend(name, url, args))


if __name__ == "__main__":
    main()
