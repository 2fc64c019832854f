"""E-mail benchmark (issue 3, "Figures to measure"): with a class of 100 students and 50 mails
each, the rerun time of the student's mailbox page (inbox open) and of "My tasks", and the
instructor's whole-class gradebook page, each as a ratio to a bare one-widget page measured in the
same run (aim: at most 5x); and the time to grade the whole class for EMAIL (aim: under 0.5 s).

    python bench/email_bench.py                  # AppTest + a real `streamlit run` server, SQLite
    python bench/email_bench.py --no-server      # AppTest and grading only
    python bench/email_bench.py --no-gc-variant  # skip table D (the server with postScriptGC off)
    python bench/email_bench.py --profile 30     # also cProfile 30 server reruns of each app page
    python bench/email_bench.py --no-apptest --no-server --profile 30   # build, grading, profiles only

(Not ``bench/email.py``: run as a script, bench/ comes first on sys.path and a file named
email.py would hide the standard library's ``email`` package from everything, Streamlit included.)

Building the class goes through the real services (register_student, register_mailbox, send,
reply, save_draft, delete, configure) but with a cheap argon2 profile swapped in for the build
only (``sandbox.identity.passwords._HASHER``), which the output says; nothing that is timed
hashes or verifies a password. bench/rerun.py supplies the figures, tables and server driver.

Optional: ``SANDBOX_BENCH_POSTGRES_URL=postgresql+psycopg://user@host:port/db`` repeats
everything on PostgreSQL in a database of its own (created and dropped; the user needs CREATEDB).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import os
import pstats
import statistics
import sys
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (ROOT, BENCH):  # `python bench/email_bench.py` puts only bench/ on sys.path
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from rerun import (  # noqa: E402
    AIM,
    BARE_PAGE,
    Figure,
    _server_reruns,
    app_test,
    bare_test,
    load,
    no_exception,
    on_each_backend,
    print_table,
    shared_script_cache,
    streamlit_server,
    timed_reruns,
    title_is,
)
from sqlalchemy import func, select  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1.util import patch_config_options  # noqa: E402

from sandbox.actor import Actor  # noqa: E402
from sandbox.db import Database  # noqa: E402
from sandbox.email import queries as mail_queries  # noqa: E402
from sandbox.email import services as mail  # noqa: E402
from sandbox.email.models import MailItem, Message  # noqa: E402
from sandbox.events import Event  # noqa: E402
from sandbox.identity import services  # noqa: E402
from sandbox.migrate import upgrade  # noqa: E402
from sandbox.scenarios.checks import REGISTRY, CheckContext  # noqa: E402
from sandbox.scenarios.grading import class_students  # noqa: E402
from sandbox.scenarios.loader import load_directory  # noqa: E402
from sandbox.scenarios.progress import gradebook_for  # noqa: E402
from sandbox.uow import UnitOfWork  # noqa: E402

GRADE_AIM_MS = 500.0
PASSWORD = "bench-horse-42"
MAIL_PASSWORD = "mailbox-pass-2026"
PER_MAIL = 5  # recipients of each mail the students send to one another
BODY = (
    "Dear colleague,\n\nplease find below our quotation for the 200 units discussed on Monday. "
    "Prices are valid for 30 days; delivery within two weeks of the order.\n\nBest regards\n"
)


# ----------------------------------------------------------------------------- the class


@dataclass
class MailWorld:
    url: str
    instructor: Actor
    instructor_token: str
    student: Actor
    student_token: str
    class_id: int
    students: int
    inbox: int  # rows of the measured student's inbox table
    described: str


@contextlib.contextmanager
def cheap_argon2() -> Iterator[None]:
    """For building only: argon2id t=1, m=8 KiB instead of the classroom profile (t=2, m=19 MiB).
    ``hash_password`` / ``verify_password`` read the module's ``_HASHER`` on every call; hashes
    carry their parameters, so they still verify under the real profile."""
    from argon2 import PasswordHasher

    from sandbox.identity import passwords

    saved = passwords._HASHER
    passwords._HASHER = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    try:
        yield
    finally:
        passwords._HASHER = saved


def build_mail_world(url: str, students: int, mails: int) -> MailWorld:
    """An instructor, a class of ``students`` (self-registered with the enrollment code), each with
    a mailbox (EMAIL001) holding ``mails`` received mails: each student sends ceil(mails/5) mails
    to 5 classmates each (EMAIL003), arranged so every inbox receives exactly ``mails``. Then a
    varied share of the class does the other tasks: every 2nd replies (EMAIL002), every 3rd saves
    a draft (EMAIL007), every 4th deletes a mail (EMAIL004), every 5th configures (EMAIL006).
    The measured student is the first: inbox, sent mail and a reply, EMAIL001-003 done."""
    if not 0 < mails < students:
        raise SystemExit(f"--mails must be between 1 and {students - 1} (one mail from each other student at most)")
    upgrade(url)
    db = Database.connect(url)
    try:
        uow = UnitOfWork(db)
        with cheap_argon2():
            services.setup_first_instructor(
                uow, username="teacher", full_name="Wang Fang", password=PASSWORD, password_confirm=PASSWORD,
                language="en",
            )
            teacher = services.login(uow, username="teacher", password=PASSWORD)
            room = services.create_class(uow, teacher.actor, name="EC-2026 B", language="en", seed=7)
            actors = [
                services.register_student(
                    uow, enrollment_code=room.enrollment_code, username=f"stu{i:03d}", full_name=f"Student {i:03d}",
                    password=PASSWORD, password_confirm=PASSWORD, student_number=f"2026{i:04d}", language="en",
                )
                for i in range(1, students + 1)
            ]
            addresses = [
                mail.register_mailbox(
                    uow, a, local_part=a.username, full_name=a.full_name, password=MAIL_PASSWORD,
                    password_confirm=MAIL_PASSWORD,
                ).address
                for a in actors
            ]
            for i, a in enumerate(actors):
                for k, start in enumerate(range(1, mails + 1, PER_MAIL)):
                    to = [addresses[(i + d) % students] for d in range(start, min(start + PER_MAIL, mails + 1))]
                    mail.send(uow, a, to=to, subject=f"Quotation {i + 1}-{k + 1}: 200 units", body=BODY)
            for i, a in enumerate(actors):
                if i % 2 == 0:
                    with uow.read() as s:
                        newest = mail_queries.folder(s, a, mail_queries.INBOX, limit=1)[0]
                    mail.reply(uow, a, item_id=newest.item_id, body="Thank you, the quotation is accepted.")
                if i % 3 == 1:
                    mail.save_draft(uow, a, to=addresses[(i + 1) % students], subject="Draft: order", body=BODY)
                if i % 4 == 1:
                    with uow.read() as s:
                        oldest = mail_queries.folder(s, a, mail_queries.INBOX)[-1]
                    mail.delete(uow, a, item_id=oldest.item_id)
                if i % 5 == 1:
                    mail.configure(
                        uow, a, display_name=a.full_name, address=addresses[i], username=a.username,
                        password=MAIL_PASSWORD,
                    )
            student = services.login(uow, username=actors[0].username, password=PASSWORD)
            teacher = services.login(uow, username="teacher", password=PASSWORD)
        with uow.read() as s:
            c = mail_queries.folder_counts(s, student.actor)
            n_msg = s.scalar(select(func.count(Message.id)))
            n_items = s.scalar(select(func.count(MailItem.id)))
            n_events = s.scalar(select(func.count(Event.id)))
        described = (
            f"{n_msg} messages, {n_items} mail items, {n_events} events; measured student {actors[0].username}: "
            f"inbox {c.inbox} ({c.unread} unread), sent {c.sent}, drafts {c.drafts}, trash {c.trash}"
        )
        return MailWorld(url, teacher.actor, teacher.token, student.actor, student.token, room.id, students,
                         c.inbox, described)
    finally:
        db.dispose()


# ----------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Page:
    label: str
    who: str  # "student" or "instructor"
    view: str  # for AppTest.switch_page
    url: str  # the page's url path, for the server's rerun_script
    heading: str  # the start of the page's title
    check: Callable[[AppTest], None]


def table_of(n: int, title: str) -> Callable[[AppTest], None]:
    """The page is titled ``title``... and shows a dataframe of ``n`` rows."""
    titled = title_is(title)

    def check(at: AppTest) -> None:
        titled(at)
        sizes = [len(df.value) for df in at.dataframe]
        if n not in sizes:
            raise RuntimeError(f"expected a {n}-row table, got dataframes of {sizes} rows")

    return check


def pages(world: MailWorld) -> list[Page]:
    return [
        Page(f"student mailbox (inbox of {world.inbox})", "student", "views/mailbox.py", "mailbox", "E-mail",
             table_of(world.inbox, "E-mail")),
        Page("student My tasks", "student", "views/tasks.py", "tasks", "My tasks", title_is("My tasks")),
        Page(f"instructor gradebook ({world.students} students)", "instructor", "views/gradebook.py", "gradebook",
             "Gradebook", table_of(world.students, "Gradebook")),
    ]


def apptest_figures(
    world: MailWorld, folder: Path, runs: int, warmup: int, skipped: list[str]
) -> tuple[Figure, list[Figure]]:
    """A page that fails its check is left out of the table and named in ``skipped``."""
    bare = Figure("bare page (one st.button)")
    timed_reruns(bare, bare_test(folder), runs, warmup + 1, no_exception)
    figures = [bare]
    for page in pages(world):
        at = app_test(world.student if page.who == "student" else world.instructor)
        at.run()  # the home page first: switch_page needs the pages the router registers
        at.switch_page(page.view)
        fig = Figure(page.label)
        try:
            timed_reruns(fig, at, runs, warmup + 1, page.check)
        except RuntimeError as exc:  # Streamlit has logged the traceback above
            skipped.append(f"{page.label}: {exc}")
            continue
        figures.append(fig)
    again = Figure("bare page again (noise check)", baseline=True)
    timed_reruns(again, bare_test(folder), runs, warmup + 1, no_exception)
    figures.append(again)
    return bare, figures


def server_env(world: MailWorld) -> dict[str, str]:
    return {**os.environ, "SANDBOX_DATABASE_URL": world.url, "PYTHONPATH": str(ROOT)}


def server_figures(
    world: MailWorld, folder: Path, runs: int, warmup: int, pause: float, skipped: list[str], *options: str
) -> tuple[Figure, list[Figure]]:
    env = server_env(world)
    bare = Figure("bare page (one st.button)")
    script = folder / "bare_page.py"
    script.write_text(BARE_PAGE, encoding="utf-8")
    with streamlit_server(script, env, *options) as (port, pid):
        asyncio.run(_server_reruns(bare, port, pid, "", "", "", runs, warmup, pause))
    figures = [bare]
    with streamlit_server(ROOT / "app.py", env, *options) as (port, pid):
        for page in pages(world):
            token = world.student_token if page.who == "student" else world.instructor_token
            fig = Figure(page.label)
            try:
                asyncio.run(_server_reruns(fig, port, pid, f"sandbox_session={token}", page.url, page.heading,
                                           runs, warmup, pause))
            except RuntimeError as exc:
                skipped.append(f"{page.label}: {exc}")
                continue
            figures.append(fig)
    return bare, figures


def server_profiles(world: MailWorld, runs: int, warmup: int, pause: float, limit: int, keep: str) -> None:
    """cProfile ``runs`` reruns of each app page inside a real server (bench/profiled_streamlit.py);
    the stats files (``<page>.prof``) go to ``keep`` if given (for snakeviz or pstats)."""
    env = server_env(world)
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-prof-") as tmp:
        folder = Path(keep) if keep else Path(tmp)
        folder.mkdir(parents=True, exist_ok=True)
        for page in pages(world):
            out = folder / f"{page.url}.prof"
            penv = {**env, "BENCH_PROFILE_OUT": str(out), "BENCH_PROFILE_SKIP": str(warmup + 1)}
            token = world.student_token if page.who == "student" else world.instructor_token
            fig = Figure(page.label)
            with streamlit_server(ROOT / "app.py", penv, launcher=(str(BENCH / "profiled_streamlit.py"),)) as (
                port, pid,
            ):
                try:
                    asyncio.run(_server_reruns(fig, port, pid, f"sandbox_session={token}", page.url, page.heading,
                                               runs, warmup, pause))
                except RuntimeError as exc:
                    print_skipped([f"{page.label}: {exc}"])
                    continue
                time.sleep(0.5)  # the last run's stats are written after its script_finished
            stats = pstats.Stats(str(out))
            total = stats.total_tt  # type: ignore[attr-defined]
            print(f"\ncProfile of {runs} real-server reruns of {page.label} (script thread, under the profiler: "
                  f"{total / runs * 1000:.1f} ms per rerun; load {load()}):")
            stats.sort_stats("cumulative").print_stats(limit)
            stats.sort_stats("tottime").print_stats(limit)


# ----------------------------------------------------------------------------- grading


def grading_figures(world: MailWorld, runs: int) -> None:
    """gradebook_for(session, class_id, load_directory(), "EMAIL"), each in its own read session as
    a page does; one untimed run first. Then each EMAIL check kind alone, for the breakdown."""
    tasks = load_directory()
    db = Database.connect(world.url)
    try:
        uow = UnitOfWork(db)
        fig = Figure("grade the class for EMAIL")
        for i in range(runs + 1):
            cpu, start = time.process_time(), time.perf_counter()
            with uow.read() as s:
                book = gradebook_for(s, world.class_id, tasks, "EMAIL")
            if i:
                fig.samples.append(time.perf_counter() - start)
                fig.cpu.append(time.process_time() - cpu)
        if len(book.students) != world.students or not book.tasks:
            raise RuntimeError(f"graded {len(book.students)} students x {len(book.tasks)} tasks")
        passed = ", ".join(f"{t.code} {book.passed_count(t.code)}" for t in book.tasks)
        verdict = "PASS" if fig.median_ms < GRADE_AIM_MS else "MISS"
        print(f"\n[grading] gradebook_for(session, class_id, load_directory(), 'EMAIL'), {len(book.students)} "
              f"students x {len(book.tasks)} tasks, {runs} timed after 1 untimed (load {load()}):")
        print(f"  median {fig.median_ms:.1f} ms, p90 {fig.p90_ms:.1f} ms, cpu median {fig.cpu_ms:.1f} ms"
              f"   aim < {GRADE_AIM_MS:g} ms: {verdict}")
        print(f"  passed per task: {passed}")
        specs = {(c.kind, repr(sorted(c.params.items()))): c for t in book.tasks for c in (*t.checks, *(
            [t.ready] if t.ready else []))}
        parts = []
        with uow.read() as s:
            ids = [ref.user_id for ref in class_students(s, world.class_id)]
            for spec in specs.values():
                fn = REGISTRY[spec.kind][0]
                cpu_samples = []
                for _ in range(runs):
                    cpu = time.process_time()
                    fn(CheckContext(session=s, class_id=world.class_id, students=ids), dict(spec.params))
                    cpu_samples.append(time.process_time() - cpu)
                parts.append(f"{spec.kind} {statistics.median(cpu_samples) * 1000:.1f}")
        print(f"  per check kind, cpu ms (median, one session): {'; '.join(parts)}")
    finally:
        db.dispose()


def print_skipped(skipped: list[str]) -> None:
    for line in skipped:
        print(f"  NOT MEASURED, the page failed its check: {line}")


# ----------------------------------------------------------------------------- main


def bench_backend(name: str, url: str, args: argparse.Namespace) -> None:
    os.environ["SANDBOX_DATABASE_URL"] = url  # read by sandbox.ui on every call
    start = time.perf_counter()
    world = build_mail_world(url, args.students, args.mails)
    print(f"\n=== {name}: instructor + class of {world.students} students, each with a mailbox receiving "
          f"{args.mails} mails; built in {time.perf_counter() - start:.1f} s through the services, with a cheap "
          f"argon2 profile (t=1, m=8 KiB) patched in for the build only")
    print(f"    {world.described}")
    timed = f"{args.runs} timed after {args.warmup + 1} untimed"
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        folder = Path(tmp)
        if not args.no_apptest:
            # AppTest keeps widgets' format_func lambdas in session state (see bench/rerun.py)
            with patch_config_options({"runner.enforceSerializableSessionState": False}):
                before, skipped = load(), []
                bare, figures = apptest_figures(world, folder, args.runs, args.warmup, skipped)
                print_table(f"[{name}] A. AppTest, as is: at.run() in-process ({timed}; load {before} -> {load()})",
                            figures, bare, "cpu ms")
                print_skipped(skipped)
                before, skipped = load(), []
                with shared_script_cache():
                    bare, figures = apptest_figures(world, folder, args.runs, args.warmup, skipped)
                print_table(f"[{name}] B. AppTest keeping compiled scripts between runs ({timed}; load {before} -> "
                            f"{load()})", figures, bare, "cpu ms")
                print_skipped(skipped)
        if not args.no_server:
            variants = [("C", "as configured (runner.postScriptGC on)", ())]
            if not args.no_gc_variant:
                variants.append(("D", "with --runner.postScriptGC false", ("--runner.postScriptGC", "false")))
            for letter, what, options in variants:
                before, skipped = load(), []
                sbare, sfigures = server_figures(world, folder, args.runs, args.warmup, args.pause, skipped, *options)
                print_table(
                    f"[{name}] {letter}. real `streamlit run` server, {what}: websocket rerun_script -> "
                    f"script_finished, {args.pause:g} s apart ({timed}; load {before} -> {load()})",
                    sfigures, sbare, "srv cpu",
                )
                print_skipped(skipped)
    grading_figures(world, args.grade_runs)
    if args.profile:  # a real server too, even with --no-server
        server_profiles(world, args.profile, args.warmup, args.pause, args.profile_limit, args.profile_dir)


def main() -> None:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--students", type=int, default=100, help="students in the class (default 100)")
    parser.add_argument("--mails", type=int, default=50, help="mails each student's inbox receives (default 50)")
    parser.add_argument("--runs", type=int, default=30, help="timed reruns per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed reruns after the first run (default 3)")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between server reruns (default 0.2)")
    parser.add_argument("--grade-runs", type=int, default=10, help="timed gradings of the class (default 10)")
    parser.add_argument("--no-server", action="store_true", help="skip the real `streamlit run` server part")
    parser.add_argument("--no-apptest", action="store_true", help="skip the AppTest tables")
    parser.add_argument("--no-gc-variant", action="store_true",
                        help="skip table D (the server again with runner.postScriptGC off)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile N real-server reruns of each app page")
    parser.add_argument("--profile-limit", type=int, default=25, help="functions per profile listing (default 25)")
    parser.add_argument("--profile-dir", default="", help="keep the profiles' .prof files in this folder")
    args = parser.parse_args()

    print(f"Python {sys.version.split()[0]}, Streamlit {__import__('streamlit').__version__}, "
          f"{os.cpu_count()} CPUs, load average {load()}; aims: each page's median rerun <= {AIM:g}x the bare "
          f"page's, grading the class for EMAIL < {GRADE_AIM_MS:g} ms")
    on_each_backend(lambda name, url: bench_backend(name, url, args))


if __name__ == "__main__":
    main()
