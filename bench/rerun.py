"""Rerun-time benchmark (issue 2, "Figures to measure"): a bare one-widget Streamlit page
against the sandbox's home and classes pages with a class of 100 students, in one run, plus
the login time.

    python bench/rerun.py                 # AppTest (in-process) + a real `streamlit run` server
    python bench/rerun.py --no-server     # AppTest only
    python bench/rerun.py --runs 50 --warmup 5
    python bench/rerun.py --no-server --profile 50   # plus cProfile of the home / classes reruns

Four tables per back end (bench/README.md explains them): A. AppTest as is; B. AppTest keeping
compiled scripts between runs, as a server does; C. a real `streamlit run` server driven over
its websocket; D. the same with Streamlit's after-every-run gc.collect(2) switched off.

Optional: ``SANDBOX_BENCH_POSTGRES_URL=postgresql+psycopg://user@host:port/db`` repeats the
measurements on PostgreSQL. The bench creates (and afterwards drops) its own database
``sandbox_bench_<random>`` on that server, so the URL's user needs CREATEDB; the database
named in the URL is only used to connect and is never changed.

It is a benchmark, not a test: it never asserts on a time. It only checks that each timed run
rendered the intended page (no exception, the expected title / the 100-row roster), so the
figures are not those of a login screen or an error page.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import io
import logging
import os
import pstats
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # `python bench/rerun.py` puts bench/, not the project, on sys.path
    sys.path.insert(0, str(ROOT))

from sqlalchemy import create_engine, text  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1.util import patch_config_options  # noqa: E402

from sandbox.actor import Actor  # noqa: E402
from sandbox.db import Database  # noqa: E402
from sandbox.identity import services  # noqa: E402
from sandbox.migrate import upgrade  # noqa: E402
from sandbox.uow import UnitOfWork  # noqa: E402

AIM = 5.0  # a page's median rerun may take at most AIM x the bare page's
STUDENTS = 100
LOGGED_IN = 10  # students who logged in once, so the roster's 'last login' column has data
PASSWORD = "bench-horse-42"
BARE_PAGE = 'import streamlit as st\n\nst.button("Click me")\n'


# ----------------------------------------------------------------------------- figures


def quantile(samples: list[float], q: float) -> float:
    """The q-quantile (nearest rank) of ``samples``."""
    ordered = sorted(samples)
    return ordered[min(len(ordered) - 1, max(0, round(q * len(ordered) + 0.5) - 1))]


@dataclass
class Figure:
    label: str
    samples: list[float] = field(default_factory=list)  # wall seconds per rerun
    cpu: list[float] = field(default_factory=list)  # CPU seconds per rerun (one value: a mean)
    baseline: bool = False

    @property
    def median_ms(self) -> float:
        return statistics.median(self.samples) * 1000

    @property
    def p90_ms(self) -> float:
        return quantile(self.samples, 0.9) * 1000

    @property
    def cpu_ms(self) -> float:
        return statistics.median(self.cpu) * 1000 if self.cpu else float("nan")


def print_table(title: str, figures: list[Figure], bare: Figure, cpu_label: str) -> None:
    """page, median / p90 wall ms, CPU ms, ratio to the bare page (wall, and CPU), PASS/MISS on wall."""
    print(f"\n{title}")
    head = (f"  {'page':<40} {'median ms':>9} {'p90 ms':>8} {cpu_label:>8} {'ratio':>7} {'cpu ratio':>9}"
            f"   aim <= {AIM:g}x")
    print(head)
    print("  " + "-" * (len(head) - 2))
    for fig in figures:
        if fig is bare:
            ratio, cpu_ratio, verdict = "1.00x", "1.00x", "(baseline)"
        elif fig.baseline:
            ratio, cpu_ratio, verdict = "", "", "(noise check)"
        else:
            r = fig.median_ms / bare.median_ms
            ratio, cpu_ratio = f"{r:.2f}x", f"{fig.cpu_ms / bare.cpu_ms:.2f}x"
            verdict = "PASS" if r <= AIM else "MISS"
        print(f"  {fig.label:<40} {fig.median_ms:>9.1f} {fig.p90_ms:>8.1f} {fig.cpu_ms:>8.1f} {ratio:>7} "
              f"{cpu_ratio:>9}   {verdict}")


def load() -> str:
    """The 1, 5 and 15 minute load averages (other work on the machine moves wall times)."""
    return ", ".join(f"{x:.1f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"


def tree_state() -> str:
    """The commit measured and how many files differ from it (read-only git, no index lock taken)."""
    try:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True,
                              check=True, timeout=10).stdout.strip()
        lines = subprocess.run(["git", "--no-optional-locks", "status", "--porcelain"],
                               cwd=ROOT, capture_output=True, text=True, check=True, timeout=10).stdout.splitlines()
    except (OSError, subprocess.SubprocessError):
        return "tree: (not a git checkout)"
    new = sum(1 for line in lines if line.startswith("??"))
    changed = len(lines) - new
    return f"tree: {head}" + (f" + {changed} modified and {new} untracked paths" if lines else " (clean)")


# ----------------------------------------------------------------------------- the world


@dataclass
class World:
    url: str
    instructor: Actor
    instructor_token: str
    student: Actor
    student_token: str
    class_id: int
    login: Figure


def roster_csv(n: int) -> str:
    family = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
    given = ["伟", "芳", "娜", "敏", "静", "磊", "洋", "勇", "艳", "杰", "涛", "明", "超", "秀英", "丽"]
    lines = ["student_number,name"]
    for i in range(1, n + 1):
        lines.append(f"2026{i:04d},{family[i % len(family)]}{given[(i * 7) % len(given)]}")
    return "\n".join(lines) + "\n"


def build_world(url: str, login_runs: int) -> World:
    """A migrated database with an instructor, a class of ``STUDENTS`` students (roster import),
    ``LOGGED_IN`` of whom logged in once, one student who finished first login, and the login time."""
    upgrade(url)
    db = Database.connect(url)
    try:
        uow = UnitOfWork(db)
        services.setup_first_instructor(
            uow, username="teacher", full_name="Wang Fang", password=PASSWORD, password_confirm=PASSWORD,
            language="en",
        )
        teacher = services.login(uow, username="teacher", password=PASSWORD)
        room = services.create_class(uow, teacher.actor, name="EC-2026 A", language="en", seed=42)
        issued = services.import_roster(uow, teacher.actor, room.id, roster_csv(STUDENTS))
        assert len(issued) == STUDENTS
        for one in issued[1:LOGGED_IN]:
            services.login(uow, username=one.username, password=one.password)
        first = issued[0]
        pending = services.login(uow, username=first.username, password=first.password).actor
        services.change_password(uow, pending, old=first.password, new=PASSWORD, confirm=PASSWORD)
        student = services.login(uow, username=first.username, password=PASSWORD)

        login = Figure("login (services.login, argon2id verify)")
        for _ in range(login_runs):
            start = time.perf_counter()
            teacher = services.login(uow, username="teacher", password=PASSWORD)
            login.samples.append(time.perf_counter() - start)
        return World(url, teacher.actor, teacher.token, student.actor, student.token, room.id, login)
    finally:
        db.dispose()


@contextlib.contextmanager
def sqlite_url() -> Iterator[str]:
    folder = Path(tempfile.mkdtemp(prefix="sandbox-bench-"))
    try:
        yield f"sqlite:///{folder / 'bench.db'}"
    finally:
        shutil.rmtree(folder, ignore_errors=True)


@contextlib.contextmanager
def postgres_url(admin_url: str) -> Iterator[str]:
    """A fresh database on the server of ``admin_url``, dropped afterwards."""
    name = f"sandbox_bench_{secrets.token_hex(4)}"
    admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield make_url(admin_url).set(database=name).render_as_string(hide_password=False)
    finally:
        # the app's cached engines may still hold connections: end them, then drop
        with admin.connect() as conn:
            conn.execute(
                text("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = :n AND pid <> pg_backend_pid()"),
                {"n": name},
            )
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}"'))
        admin.dispose()


# ----------------------------------------------------------------------------- AppTest


def timed_reruns(fig: Figure, at: AppTest, runs: int, warmup: int, check: Callable[[AppTest], None]) -> None:
    """``warmup`` untimed runs, then ``runs`` timed ones: wall time, and this process's CPU time
    (all threads: AppTest's and the script's), which other load on the machine barely moves."""
    for _ in range(warmup):
        at.run()
    check(at)
    for _ in range(runs):
        cpu, start = time.process_time(), time.perf_counter()
        at.run()
        fig.samples.append(time.perf_counter() - start)
        fig.cpu.append(time.process_time() - cpu)
    check(at)  # still the same page after the timed reruns


def no_exception(at: AppTest) -> None:
    if at.exception:
        raise RuntimeError(f"the page raised: {at.exception[0].value}")


def title_is(prefix: str) -> Callable[[AppTest], None]:
    def check(at: AppTest) -> None:
        no_exception(at)
        titles = [t.value for t in at.title]
        if not any(t.startswith(prefix) for t in titles):
            raise RuntimeError(f"expected a page titled {prefix!r}..., got {titles} / warnings {[w.value for w in at.warning]}")

    return check


def roster_of(n: int) -> Callable[[AppTest], None]:
    def check(at: AppTest) -> None:
        no_exception(at)
        sizes = [len(df.value) for df in at.dataframe]
        if n not in sizes:
            raise RuntimeError(f"expected a {n}-row roster, got dataframes of {sizes} rows")

    return check


def app_test(actor: Actor | None) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=60)
    at.context = {"locale": "en-US"}
    if actor is not None:
        at.session_state["actor"] = actor
    return at


def bare_test(folder: Path) -> AppTest:
    script = folder / "bare_page.py"
    script.write_text(BARE_PAGE, encoding="utf-8")
    return AppTest.from_file(str(script), default_timeout=60)


@contextlib.contextmanager
def shared_script_cache() -> Iterator[None]:
    """Make AppTest keep compiled scripts between runs, as the real server's Runtime does.

    AppTest builds a new ``ScriptCache`` for every ``run()``, so each rerun re-reads, re-parses,
    magic-transforms and compiles app.py and the page: a cost that grows with the script's size
    and that a running server pays once per process.
    """
    from streamlit.runtime.scriptrunner.script_cache import ScriptCache
    from streamlit.testing.v1 import app_test as app_test_module
    from streamlit.testing.v1 import local_script_runner

    shared = ScriptCache()
    saved = (app_test_module.ScriptCache, local_script_runner.ScriptCache)
    app_test_module.ScriptCache = lambda: shared  # type: ignore[assignment,misc]
    local_script_runner.ScriptCache = lambda: shared  # type: ignore[assignment,misc]
    try:
        yield
    finally:
        app_test_module.ScriptCache, local_script_runner.ScriptCache = saved  # type: ignore[misc]


def apptest_figures(world: World, folder: Path, runs: int, warmup: int) -> tuple[Figure, list[Figure]]:
    bare = Figure("bare page (one st.button)")
    at = bare_test(folder)
    timed_reruns(bare, at, runs, warmup + 1, no_exception)

    home_i = Figure("instructor home")
    at = app_test(world.instructor)
    timed_reruns(home_i, at, runs, warmup + 1, title_is("Welcome"))

    classes = Figure(f"instructor classes (roster of {STUDENTS})")
    at.switch_page("views/classes.py")
    timed_reruns(classes, at, runs, warmup + 1, roster_of(STUDENTS))

    home_s = Figure("student home")
    at = app_test(world.student)
    timed_reruns(home_s, at, runs, warmup + 1, title_is("Welcome"))

    # the bare page once more at the end: the spread between the two is the noise floor
    bare2 = Figure("bare page again (noise check)", baseline=True)
    at = bare_test(folder)
    timed_reruns(bare2, at, runs, warmup + 1, no_exception)
    return bare, [bare, home_i, classes, home_s, bare2]


def profile_page(world: World, page: str | None, reruns: int, limit: int) -> None:
    """cProfile ``reruns`` reruns of one instructor page (after a warm-up); print the top functions.

    AppTest runs the script on its own thread, so the profiler is switched on inside that thread.
    """
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    profiles: list[cProfile.Profile] = []
    original = LocalScriptRunner._run_script_thread

    def profiled(self: LocalScriptRunner) -> None:
        prof = cProfile.Profile()
        profiles.append(prof)
        prof.enable()
        try:
            original(self)
        finally:
            prof.disable()

    at = app_test(world.instructor)
    if page:
        at.switch_page(page)
    for _ in range(3):
        at.run()
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
    print(out.getvalue())


# ----------------------------------------------------------------------------- real server


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def streamlit_server(
    script: Path, env: dict[str, str], *options: str, launcher: tuple[str, ...] = ("-m", "streamlit")
) -> Iterator[tuple[int, int]]:
    """``streamlit run script`` headless on a free loopback port (the project's
    .streamlit/config.toml applies: cwd is the project); yields (port, pid); stopped afterwards.
    ``launcher``: what follows the interpreter instead of ``-m streamlit`` (bench/profiled_streamlit.py)."""
    port = free_port()
    log = tempfile.TemporaryFile()
    proc = subprocess.Popen(
        [
            sys.executable, *launcher, "run", str(script),
            "--server.headless", "true", "--server.port", str(port), "--server.address", "127.0.0.1",
            "--browser.gatherUsageStats", "false", "--server.fileWatcherType", "none",
            "--server.runOnSave", "false", *options,
        ],
        cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT,
    )
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/_stcore/health", timeout=2) as r:
                    if r.status == 200:
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                log.seek(0)
                raise RuntimeError("streamlit did not start:\n" + log.read().decode(errors="replace"))
            time.sleep(0.2)
        yield port, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def process_cpu_seconds(pid: int) -> float:
    """User + system CPU seconds of process ``pid`` so far (Linux /proc; NaN elsewhere)."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return float("nan")
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def _server_reruns(
    fig: Figure, port: int, pid: int, cookie: str, page: str, expect: str, runs: int, warmup: int, pause: float
) -> None:
    """Time ``runs`` reruns of one session the way the browser asks for them: send a
    ``rerun_script`` BackMsg, wait for the ``script_finished`` ForwardMsg; ``pause`` seconds
    between reruns (a person does not click back to back). ``expect`` is the start of a heading
    the page must render ("" for none), so a login screen is never what gets timed; a page that
    shows an exception raises RuntimeError.
    The server's CPU time over the timed reruns (clock ticks, so only their mean) goes to ``fig.cpu``."""
    import websockets
    from streamlit.proto.BackMsg_pb2 import BackMsg
    from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

    headers = {"Cookie": cookie} if cookie else {}
    async with websockets.connect(
        f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],  # type: ignore[list-item]
        additional_headers=headers, max_size=None,
    ) as ws:

        async def rerun() -> tuple[float, list[str]]:
            back = BackMsg()
            back.rerun_script.query_string = ""
            back.rerun_script.page_name = page
            headings: list[str] = []
            start = time.perf_counter()
            await ws.send(back.SerializeToString())
            while True:
                msg = ForwardMsg()
                msg.ParseFromString(await ws.recv())
                kind = msg.WhichOneof("type")
                if kind == "page_not_found":
                    raise RuntimeError(f"page {page!r} not found")
                if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                    element = msg.delta.new_element
                    if element.WhichOneof("type") == "heading":
                        headings.append(element.heading.body)
                    elif element.WhichOneof("type") == "exception" and not element.exception.is_warning:
                        # the page raised: an error page is never what gets timed
                        raise RuntimeError(f"page {page!r} raised {element.exception.type}: "
                                           f"{element.exception.message[:200]}")
                if kind == "script_finished":
                    elapsed = time.perf_counter() - start
                    if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                        raise RuntimeError(f"script finished with status {msg.script_finished}")
                    return elapsed, headings

        for _ in range(warmup + 1):
            _, headings = await rerun()
            await asyncio.sleep(pause)
        if expect and not any(h.startswith(expect) for h in headings):
            raise RuntimeError(f"page {page!r}: expected a heading {expect!r}..., got {headings}")
        cpu = process_cpu_seconds(pid)
        for _ in range(runs):
            fig.samples.append((await rerun())[0])
            await asyncio.sleep(pause)
        fig.cpu.append((process_cpu_seconds(pid) - cpu) / runs)


def server_figures(
    world: World, folder: Path, runs: int, warmup: int, pause: float, *options: str
) -> tuple[Figure, list[Figure]]:
    env = {**os.environ, "SANDBOX_DATABASE_URL": world.url, "PYTHONPATH": str(ROOT)}
    bare = Figure("bare page (one st.button)")
    script = folder / "bare_page.py"
    script.write_text(BARE_PAGE, encoding="utf-8")
    with streamlit_server(script, env, *options) as (port, pid):
        asyncio.run(_server_reruns(bare, port, pid, "", "", "", runs, warmup, pause))
    figures = [bare]
    with streamlit_server(ROOT / "app.py", env, *options) as (port, pid):
        for label, token, page, expect in (
            ("instructor home", world.instructor_token, "", "Welcome"),  # the default page's url is ""
            (f"instructor classes (roster of {STUDENTS})", world.instructor_token, "classes", "Classes"),
            ("student home", world.student_token, "", "Welcome"),
        ):
            fig = Figure(label)
            asyncio.run(_server_reruns(fig, port, pid, f"sandbox_session={token}", page, expect, runs, warmup, pause))
            figures.append(fig)
    return bare, figures


# ----------------------------------------------------------------------------- main


def bench_backend(name: str, url: str, args: argparse.Namespace) -> None:
    os.environ["SANDBOX_DATABASE_URL"] = url  # read by sandbox.ui on every call
    start = time.perf_counter()
    world = build_world(url, args.logins)
    print(f"\n=== {name}: instructor + class of {STUDENTS} students (roster import), "
          f"{LOGGED_IN} logged in; built in {time.perf_counter() - start:.1f} s")
    timed = f"{args.runs} timed after {args.warmup + 1} untimed"
    with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
        folder = Path(tmp)
        # AppTest itself keeps every widget's format_func (a lambda) in session state, which the
        # project's runner.enforceSerializableSessionState refuses; the real server never does
        # (tests/app/conftest.py switches it off the same way).
        with patch_config_options({"runner.enforceSerializableSessionState": False}):
            before = load()
            bare, figures = apptest_figures(world, folder, args.runs, args.warmup)
            print_table(f"[{name}] A. AppTest, as is: at.run() in-process ({timed}; load {before} -> {load()})",
                        figures, bare, "cpu ms")
            before = load()
            with shared_script_cache():
                bare, figures = apptest_figures(world, folder, args.runs, args.warmup)
            print_table(
                f"[{name}] B. AppTest keeping compiled scripts between runs, as a server does ({timed}; "
                f"load {before} -> {load()})",
                figures, bare, "cpu ms",
            )
        if not args.no_server:
            variants = [("C", "as configured (runner.postScriptGC on, the default)", ())]
            variants.append(("D", "with --runner.postScriptGC false", ("--runner.postScriptGC", "false")))
            for letter, what, options in variants:
                before = load()
                try:
                    sbare, sfigures = server_figures(world, folder, args.runs, args.warmup, args.pause, *options)
                except Exception as exc:  # optional part: report, don't fail the bench
                    print(f"\n[{name}] {letter}. real server {what}: skipped ({type(exc).__name__}: {exc})")
                    continue
                print_table(
                    f"[{name}] {letter}. real `streamlit run` server, {what}: websocket rerun_script -> "
                    f"script_finished, {args.pause:g} s apart ({timed}; load {before} -> {load()})",
                    sfigures, sbare, "srv cpu",
                )
    login = world.login
    print(f"\n[{name}] login: median {login.median_ms:.1f} ms, p90 {login.p90_ms:.1f} ms "
          f"({len(login.samples)} logins of the instructor via services.login; argon2id t=2, m=19 MiB, p=1)")
    if args.profile:
        for page in (None, "views/classes.py"):
            print(f"\n[{name}] cProfile of {args.profile} AppTest reruns of {page or 'views/home.py'} (instructor):")
            with patch_config_options({"runner.enforceSerializableSessionState": False}), shared_script_cache():
                profile_page(world, page, args.profile, 30)


def on_each_backend(bench: Callable[[str, str], None]) -> None:
    """Run ``bench(name, url)`` on a fresh SQLite database and, when SANDBOX_BENCH_POSTGRES_URL is
    set, on a throw-away PostgreSQL database; print the tree state first and the load at the end."""
    print(tree_state())
    with sqlite_url() as url:
        bench("SQLite", url)
    pg = os.environ.get("SANDBOX_BENCH_POSTGRES_URL", "").strip()
    if pg:
        with postgres_url(pg) as url:
            bench("PostgreSQL", url)
    else:
        print("\n(PostgreSQL: skipped; set SANDBOX_BENCH_POSTGRES_URL to include it)")
    print(f"\nload average at the end: {load()}")


def main() -> None:
    # AppTest and the services called outside a script run log "missing ScriptRunContext": noise
    # here. A filter, because Streamlit resets its loggers' levels when it (re)reads its config.
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=30, help="timed reruns per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed reruns after the first run (default 3)")
    parser.add_argument("--logins", type=int, default=10, help="timed logins (default 10)")
    parser.add_argument("--no-server", action="store_true", help="skip the real `streamlit run` server part")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between server reruns (default 0.2)")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also cProfile N reruns per app page")
    args = parser.parse_args()

    print(f"Python {sys.version.split()[0]}, Streamlit {__import__('streamlit').__version__}, "
          f"{os.cpu_count()} CPUs, load average {load()}; aim: each page's median rerun <= {AIM:g}x the bare page's")
    on_each_backend(lambda name, url: bench_backend(name, url, args))


if __name__ == "__main__":
    main()
