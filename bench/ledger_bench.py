"""Ledger benchmark (issue 4, "Figures to measure"): transfers per second through the e-bank's
transfer path on SQLite beside raw two-row SQLite transactions in the same run (aim: at least
2,000/s and within 20x of raw), the argon2 payment-password cost, the certificate-login time, and
the bank pages' rerun time on a real server with 10,000 postings in the class.

    python bench/ledger_bench.py                   # everything (about 1-2 minutes)
    python bench/ledger_bench.py --no-server       # throughput and login only
    python bench/ledger_bench.py --transfers 5000 --profile 20   # plus cProfile of the ledger path

What each throughput row includes (every row commits each transfer on its own):

- raw: sqlite3 alone on a file with the app's settings (WAL, synchronous=NORMAL, BEGIN IMMEDIATE):
  UPDATE two rows (debit, credit), COMMIT.
- ledger path (one write transaction): the actor check (``services.require_customer``: role,
  class membership), ``ledger.transfer`` with an idempotency key (entry row with the request
  hash, conditional debit, credit, two postings with balances after) and one ``ebank.transfer``
  event (``events.record``).
- e-bank service minus argon2: ``sandbox.ebank.services.transfer`` exactly as a page calls it
  (a read transaction: actor check, own account, payee; the payment-password read; the write
  transaction: re-check of account and payee, request-id replay check, lock re-check, ledger
  transfer, event), with ``verify_password`` answered True instead of running argon2.
- e-bank service, full: the same with the real argon2id check (classroom profile).

Optional: ``SANDBOX_BENCH_POSTGRES_URL`` repeats the throughput and login figures on PostgreSQL
in a database of its own (created and dropped; the user needs CREATEDB).
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
import random
import sqlite3
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (ROOT, BENCH):  # `python bench/ledger_bench.py` puts only bench/ on sys.path
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from rerun import (  # noqa: E402
    BARE_PAGE,
    Figure,
    _server_reruns,
    load,
    on_each_backend,
    print_table,
    process_cpu_seconds,
    quantile,
    sqlite_url,
    streamlit_server,
)
from sqlalchemy import func, select  # noqa: E402

from sandbox import events, ledger  # noqa: E402
from sandbox.actor import Actor  # noqa: E402
from sandbox.bots import BotWorld  # noqa: E402
from sandbox.bots import ebank as bank_bots  # noqa: E402
from sandbox.db import Database  # noqa: E402
from sandbox.ebank import services as bank  # noqa: E402
from sandbox.ebank.models import PERSONAL, BankAccount  # noqa: E402
from sandbox.identity import passwords  # noqa: E402
from sandbox.identity import services as identity  # noqa: E402
from sandbox.ledger.models import LedgerAccount, Posting  # noqa: E402
from sandbox.migrate import upgrade  # noqa: E402
from sandbox.uow import UnitOfWork  # noqa: E402

AIM_PER_S = 2000.0
AIM_RATIO = 20.0
PAGE_AIM = 5.0
PASSWORD = "bench-horse-42"
CUSTOMERS = 10  # students with a personal account; the first also has a corporate one
POSTINGS = 10_000  # postings in the class when the pages are measured


# ----------------------------------------------------------------------------- the class


@dataclass
class BankWorld:
    url: str
    uow: UnitOfWork
    world: BotWorld
    instructor: Actor
    instructor_token: str
    customers: list[Actor]
    tokens: list[str]  # sandbox_session cookies of the customers
    personal: list[str]  # personal account numbers, one per customer
    ledger_ids: list[int]  # their ledger accounts
    corporate: str  # the first customer's corporate account number
    corporate_ledger_id: int
    merchant: str  # the first customer's special-merchant account
    class_id: int


def build_bank_world(url: str) -> BankWorld:
    """An instructor, a class of ``CUSTOMERS`` students (registered with the enrollment code),
    each with a personal account holding 1,000,000 yuan; the first also with a corporate account
    (EBANK001, a real certificate) and a special-merchant account (EBANK016). All through the
    services with the real argon2 profile."""
    upgrade(url)
    db = Database.connect(url)
    uow = UnitOfWork(db)
    identity.setup_first_instructor(uow, username="teacher", full_name="Wang Fang", password=PASSWORD,
                                    password_confirm=PASSWORD, language="en")
    teacher = identity.login(uow, username="teacher", password=PASSWORD)
    room = identity.create_class(uow, teacher.actor, name="EC-2026 A", language="en", seed=42)
    customers, tokens = [], []
    for i in range(CUSTOMERS):
        identity.register_student(uow, enrollment_code=room.enrollment_code, username=f"s{i:02d}",
                                  full_name=f"Student {i:02d}", password=PASSWORD, password_confirm=PASSWORD)
        done = identity.login(uow, username=f"s{i:02d}", password=PASSWORD)
        customers.append(done.actor)
        tokens.append(done.token)
    world = BotWorld(uow=uow, class_id=room.id, student=customers[0])
    personal = [bank_bots.ensure_personal(world, actor) for actor in customers]
    corporate = bank_bots.ensure_corporate(world, customers[0]).account_number
    merchant = bank_bots.ensure_merchant(world, customers[0])
    with uow.write() as s:
        ids = {}
        for row in s.query(BankAccount.account_number, BankAccount.ledger_account_id):
            ids[row[0]] = row[1]
        for number in [*personal, corporate, merchant]:
            ledger.deposit(s, class_id=room.id, account_id=ids[number], amount_fen=100_000_000, memo="bench funds")
    return BankWorld(url, uow, world, teacher.actor, teacher.token, customers, tokens, personal,
                     [ids[n] for n in personal], corporate, ids[corporate], merchant, room.id)


# ----------------------------------------------------------------------------- throughput


@dataclass
class Rate:
    label: str
    n: int
    seconds: float
    cpu: float
    per_op: list[float] = field(default_factory=list)

    @property
    def per_s(self) -> float:
        return self.n / self.seconds


def timed(label: str, n: int, op: Callable[[int], object]) -> Rate:
    for i in range(min(50, n)):  # warm caches (statement cache, pools) untimed
        op(-1 - i)
    cpu, start = time.process_time(), time.perf_counter()
    for i in range(n):
        op(i)
    return Rate(label, n, time.perf_counter() - start, time.process_time() - cpu)


def raw_rate(folder: Path, n: int) -> Rate:
    """Two-row transactions with sqlite3 alone: the file settings of sandbox.db."""
    conn = sqlite3.connect(folder / "raw.db", isolation_level=None)
    for pragma in ("journal_mode=WAL", "busy_timeout=10000", "foreign_keys=ON", "synchronous=NORMAL"):
        conn.execute(f"PRAGMA {pragma}")
    conn.execute("CREATE TABLE IF NOT EXISTS accounts (id INTEGER PRIMARY KEY, balance_fen BIGINT NOT NULL)")
    conn.executemany("INSERT OR REPLACE INTO accounts VALUES (?, ?)", [(i, 10**12) for i in range(1, CUSTOMERS + 1)])

    def op(i: int) -> None:
        a, b = i % CUSTOMERS + 1, (i + 1) % CUSTOMERS + 1
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("UPDATE accounts SET balance_fen = balance_fen - ? WHERE id = ?", (1, a))
        conn.execute("UPDATE accounts SET balance_fen = balance_fen + ? WHERE id = ?", (1, b))
        conn.execute("COMMIT")

    try:
        return timed("raw sqlite3: BEGIN IMMEDIATE, 2 UPDATEs, COMMIT", n, op)
    finally:
        conn.close()


def ledger_path(bw: BankWorld) -> Callable[[int], object]:
    """One write transaction: actor check, ledger transfer with a key, one event."""
    n = len(bw.customers)

    def op(i: int) -> None:
        j = i % n
        actor, src, dst = bw.customers[j], bw.ledger_ids[j], bw.ledger_ids[(j + 1) % n]
        key = uuid.uuid4().hex
        with bw.uow.write() as s:
            class_id = bank.require_customer(s, actor)
            posted = ledger.transfer(s, class_id=class_id, from_account=src, to_account=dst, amount_fen=100,
                                     key=key, actor_id=actor.user_id, memo="bench")
            events.record(s, "ebank.transfer", actor=actor, subject=str(posted.entry_id), task_code="EBANK012",
                          request_id=key, entry_id=posted.entry_id, amount_fen=100,
                          balance_after_fen=posted.leg_of(src).balance_after_fen, account_kind=PERSONAL)

    return op


def service_path(bw: BankWorld) -> Callable[[int], object]:
    """``services.transfer`` as the personal-banking page calls it."""
    n = len(bw.customers)

    def op(i: int) -> None:
        j = i % n
        bank.transfer(bw.uow, bw.customers[j], kind=PERSONAL, to_account=bw.personal[(j + 1) % n], amount="1.00",
                      payment_password=bank_bots.PAY_PASSWORD, memo="bench", request_id=uuid.uuid4().hex)

    return op


@contextlib.contextmanager
def no_argon2() -> Iterator[None]:
    """The e-bank service's payment-password check answers True without argon2 (bench only)."""
    saved = bank.verify_password
    bank.verify_password = lambda stored, password: stored is not None  # type: ignore[assignment]
    try:
        yield
    finally:
        bank.verify_password = saved


def throughput(name: str, bw: BankWorld, folder: Path | None, args: argparse.Namespace) -> None:
    rates = []
    raw = raw_rate(folder, args.raw) if folder is not None else None
    if raw is not None:
        rates.append(raw)
    rates.append(timed("ledger path: actor check + ledger.transfer(key) + event, 1 tx", args.transfers,
                       ledger_path(bw)))
    with no_argon2():
        rates.append(timed("e-bank services.transfer minus argon2 (3 tx)", args.transfers, service_path(bw)))
    full = timed("e-bank services.transfer, full (argon2id t=2, 19 MiB)", args.full, service_path(bw))
    rates.append(full)
    print(f"\n[{name}] transfers per second (each committed on its own; load {load()})")
    print(f"  {'path':<58} {'n':>6} {'per s':>9} {'ms each':>8} {'cpu ms':>7} {'raw/this':>9}   aim")
    for r in rates:
        ratio = f"{raw.per_s / r.per_s:.1f}x" if raw is not None else "-"
        verdict = ""
        if r is not raw and r is not full:
            ok = r.per_s >= AIM_PER_S and (raw is None or raw.per_s / r.per_s <= AIM_RATIO)
            verdict = "PASS" if ok else "MISS"
        print(f"  {r.label:<58} {r.n:>6} {r.per_s:>9,.0f} {1000 * r.seconds / r.n:>8.3f} "
              f"{1000 * r.cpu / r.n:>7.3f} {ratio:>9}   {verdict}")
    print(f"  (aim: >= {AIM_PER_S:,.0f}/s and raw/this <= {AIM_RATIO:g}x; the full service's rate is bounded by argon2)")
    with bw.uow.read() as s:
        stored = s.scalar(s.query(BankAccount.payment_password_hash).filter(
            BankAccount.account_number == bw.personal[0]).statement)
    samples = []
    for _ in range(args.argon2_runs):
        start = time.perf_counter()
        assert passwords.verify_password(stored, bank_bots.PAY_PASSWORD)
        samples.append(time.perf_counter() - start)
    print(f"  argon2id verify of the payment password alone: median {1000 * statistics.median(samples):.1f} ms "
          f"({args.argon2_runs} runs)")


def profile_ledger(bw: BankWorld, n: int, limit: int) -> None:
    op = ledger_path(bw)
    prof = cProfile.Profile()
    prof.enable()
    for i in range(n):
        op(i)
    prof.disable()
    for order in ("cumulative", "tottime"):
        out = io.StringIO()
        pstats.Stats(prof, stream=out).strip_dirs().sort_stats(order).print_stats(limit)
        print(out.getvalue())


# ----------------------------------------------------------------------------- certificate login


def certificate_logins(name: str, bw: BankWorld, runs: int) -> None:
    """EBANK002 as the page drives it: a challenge, the .p12 signs it (verify_p12_login: PKCS#12
    decryption, chain, dates, CRL), then user number and login password (one argon2id verify)."""
    actor = bw.customers[0]
    reg = bank_bots.ensure_corporate(bw.world, actor)
    p12 = bank_bots._p12_of(bw.world, actor, reg)  # CA002 verify + CA003 download, once
    steps: dict[str, list[float]] = {"challenge": [], "verify_certificate (.p12)": [], "complete_login": [],
                                     "total": []}
    for i in range(runs + 2):
        t0 = time.perf_counter()
        challenge = bank.login_challenge(bw.uow, actor)
        t1 = time.perf_counter()
        check = bank.verify_certificate(bw.uow, actor, challenge_id=challenge.id, p12_bytes=p12,
                                        p12_password=reg.download_password)
        t2 = time.perf_counter()
        bank.complete_login(bw.uow, actor, token=check.token, user_number=reg.user_number,
                            password=bank_bots.LOGIN_PASSWORD)
        t3 = time.perf_counter()
        if i >= 2:  # two untimed
            for label, seconds in zip(steps, (t1 - t0, t2 - t1, t3 - t2, t3 - t0), strict=True):
                steps[label].append(seconds)
    parts = ", ".join(f"{k} {1000 * statistics.median(v):.1f}" for k, v in steps.items() if k != "total")
    print(f"\n[{name}] certificate login (challenge + .p12 verify + complete_login), median of {runs}: "
          f"{1000 * statistics.median(steps['total']):.1f} ms (p90 {1000 * quantile(steps['total'], 0.9):.1f}); "
          f"steps, median ms: {parts}")


# ----------------------------------------------------------------------------- bank pages


def fill_postings(bw: BankWorld, target: int) -> tuple[int, dict[str, int]]:
    """Transfers among the class's accounts (personal, the corporate and the merchant one) until
    the class holds ``target`` postings; the measured accounts' posting counts."""
    with bw.uow.read() as s:
        ids = dict(s.query(BankAccount.account_number, BankAccount.ledger_account_id).filter(
            BankAccount.class_id == bw.class_id).all())
        have = s.scalar(select(func.count()).select_from(Posting).join(LedgerAccount).where(
            LedgerAccount.class_id == bw.class_id))
    accounts = [*bw.ledger_ids, bw.corporate_ledger_id, ids[bw.merchant]]
    rng = random.Random(7)
    left = (target - have) // 2
    while left > 0:
        with bw.uow.write() as s:
            for _ in range(min(500, left)):
                a, b = rng.sample(accounts, 2)
                ledger.transfer(s, class_id=bw.class_id, from_account=a, to_account=b, amount_fen=rng.randint(1, 500),
                                actor_id=None, memo="bench fill")
                left -= 1
    with bw.uow.read() as s:
        total = s.scalar(select(func.count()).select_from(Posting).join(LedgerAccount).where(
            LedgerAccount.class_id == bw.class_id))
        counts = {label: s.scalar(select(func.count()).select_from(Posting).where(Posting.account_id == lid))
                  for label, lid in (("personal", bw.ledger_ids[0]), ("corporate", bw.corporate_ledger_id),
                                     ("merchant", ids[bw.merchant]))}
    return int(total), counts


class Browser:
    """One browser tab over Streamlit's websocket: keeps every widget's value the way the frontend
    does (sent with each rerun; a button's trigger only once) and reads widget ids and options
    from the elements the server sends. Timing is from sending ``rerun_script`` to the
    ``script_finished`` of the last run it caused (an ``st.rerun()`` adds a run)."""

    def __init__(self, ws: object, page: str) -> None:
        self.ws, self.page = ws, page
        self.values: dict[str, tuple[str, object]] = {}  # widget id -> (proto field, value)
        self.widgets: dict[str, tuple[str, object]] = {}  # user key -> (widget id, element proto)
        self.kinds: list[str] = []  # element kinds of the last run

    async def rerun(self, triggers: tuple[str, ...] = ()) -> float:
        from streamlit.proto.BackMsg_pb2 import BackMsg
        from streamlit.proto.ForwardMsg_pb2 import ForwardMsg

        back = BackMsg()
        back.rerun_script.query_string = ""
        back.rerun_script.page_name = self.page
        sent = [*self.values.items(), *((self.widgets[k][0], ("trigger_value", True)) for k in triggers)]
        for wid, (kind, value) in sent:
            state = back.rerun_script.widget_states.widgets.add()
            state.id = wid
            if kind == "string_array_value":
                state.string_array_value.data.extend(value)  # type: ignore[arg-type]
            else:
                setattr(state, kind, value)
        self.kinds = []
        start = time.perf_counter()
        await self.ws.send(back.SerializeToString())  # type: ignore[attr-defined]
        while True:
            msg = ForwardMsg()
            msg.ParseFromString(await self.ws.recv())  # type: ignore[attr-defined]
            kind = msg.WhichOneof("type")
            if kind == "page_not_found":
                raise RuntimeError(f"page {self.page!r} not found")
            if kind == "delta" and msg.delta.WhichOneof("type") == "new_element":
                element = msg.delta.new_element
                what = element.WhichOneof("type")
                self.kinds.append(what)
                if what == "exception" and not element.exception.is_warning:
                    raise RuntimeError(f"page {self.page!r} raised {element.exception.type}: "
                                       f"{element.exception.message[:200]}")
                wid = getattr(getattr(element, what), "id", "")
                if isinstance(wid, str) and wid.startswith("$$ID-") and wid.count("-") >= 2:
                    self.widgets[wid.split("-", 2)[2]] = (wid, getattr(element, what))
            if kind == "script_finished":
                if msg.script_finished == ForwardMsg.FINISHED_EARLY_FOR_RERUN:
                    self.kinds = []
                    continue
                if msg.script_finished != ForwardMsg.FINISHED_SUCCESSFULLY:
                    raise RuntimeError(f"script finished with status {msg.script_finished}")
                return time.perf_counter() - start

    def choose(self, key: str, index: int) -> None:
        """Pick option ``index`` of a radio / segmented control (sent as its shown label)."""
        wid, proto = self.widgets[key]
        if hasattr(proto, "click_mode"):  # st.segmented_control / st.pills
            self.values[wid] = ("string_array_value", [proto.options[index].content])  # type: ignore[attr-defined]
        else:
            self.values[wid] = ("string_value", proto.options[index])  # type: ignore[attr-defined]

    def type_text(self, key: str, text: str) -> None:
        self.values[self.widgets[key][0]] = ("string_value", text)


@dataclass
class PageCase:
    label: str
    page: str
    submit: str  # the form's submit button pressed on each timed rerun ("" for a plain rerun)


async def drive_bank(port: int, pid: int, bw: BankWorld, cases: list[PageCase], runs: int, warmup: int,
                     pause: float) -> list[Figure]:
    """Log the first customer in to corporate banking through the page (stored identity, then user
    number and password), open the inquiry screens (transactions), then time reruns that press
    each case's Query button."""
    import websockets

    reg = bank_bots.ensure_corporate(bw.world, bw.customers[0])
    figures = []
    headers = {"Cookie": f"sandbox_session={bw.tokens[0]}"}
    for page in ("bank", "bank-merchant"):
        async with websockets.connect(
            f"ws://127.0.0.1:{port}/_stcore/stream", subprotocols=["streamlit"],  # type: ignore[list-item]
            additional_headers=headers, max_size=None,
        ) as ws:
            tab = Browser(ws, page)
            await tab.rerun()
            if page == "bank":
                tab.choose("ebank_ca_method", 1)  # "store": the identity installed by CA003
                await tab.rerun()
                await tab.rerun(("ebank_ca_submit",))
                tab.type_text("ebank_login_user", reg.user_number)
                tab.type_text("ebank_login_pw", bank_bots.LOGIN_PASSWORD)
                await tab.rerun(("ebank_login_submit",))
                tab.values.pop(tab.widgets["ebank_login_pw"][0], None)
                if "ebank_corp_op" not in tab.widgets:
                    raise RuntimeError("the corporate login through the page did not open a session")
                for kind in ("personal", "corp"):
                    tab.choose(f"ebank_{kind}_op", 2)  # inquiry
                await tab.rerun()
                for kind in ("personal", "corporate"):
                    tab.choose(f"ebank_{kind}_screen", 1)  # transactions
            else:
                tab.choose("ebank_merchant_screen", 1)  # transactions
            await tab.rerun()
            for case in (c for c in cases if c.page == page):
                fig = Figure(case.label)
                press = (case.submit,) if case.submit else ()
                for _ in range(warmup + 1):
                    await tab.rerun(press)
                    await asyncio.sleep(pause)
                if case.submit and not any("frame" in k for k in tab.kinds):
                    raise RuntimeError(f"{case.label}: no table after the query ({tab.kinds})")
                cpu = process_cpu_seconds(pid)
                for _ in range(runs):
                    fig.samples.append(await tab.rerun(press))
                    await asyncio.sleep(pause)
                fig.cpu.append((process_cpu_seconds(pid) - cpu) / runs)
                figures.append(fig)
    return figures


def page_figures(name: str, bw: BankWorld, folder: Path, args: argparse.Namespace) -> None:
    total, counts = fill_postings(bw, POSTINGS)
    # CA002 + CA003: the corporate certificate downloaded, so the page's identity box offers it
    bank_bots._p12_of(bw.world, bw.customers[0], bank_bots.ensure_corporate(bw.world, bw.customers[0]))
    env = {**os.environ, "SANDBOX_DATABASE_URL": bw.url, "PYTHONPATH": str(ROOT)}
    cases = [
        PageCase("bank, no query (personal+corporate tabs)", "bank", ""),
        PageCase(f"bank, personal inquiry ({counts['personal']} postings)", "bank", "ebank_personal_transactions_submit"),
        PageCase(f"bank, corporate inquiry ({counts['corporate']} postings)", "bank",
                 "ebank_corporate_transactions_submit"),
        PageCase("bank_merchant, no query", "bank-merchant", ""),
        PageCase(f"bank_merchant, inquiry ({counts['merchant']} postings)", "bank-merchant",
                 "ebank_merchant_transactions_submit"),
    ]
    before = load()
    bare = Figure("bare page (one st.button)")
    script = folder / "bare_page.py"
    script.write_text(BARE_PAGE, encoding="utf-8")
    with streamlit_server(script, env) as (port, pid):
        asyncio.run(_server_reruns(bare, port, pid, "", "", "", args.runs, args.warmup, args.pause))
    with streamlit_server(ROOT / "app.py", env) as (port, pid):
        figures = asyncio.run(drive_bank(port, pid, bw, cases, args.runs, args.warmup, args.pause))
    print_table(
        f"[{name}] bank pages on a real `streamlit run` server, {total:,} postings in the class; a rerun that "
        f"presses Query (transactions, last 30 days) or a plain rerun, {args.pause:g} s apart ({args.runs} timed "
        f"after {args.warmup + 1}; load {before} -> {load()})",
        [bare, *figures], bare, "srv cpu",
    )


# ----------------------------------------------------------------------------- main


def bench_backend(name: str, url: str, args: argparse.Namespace, folder: Path) -> None:
    os.environ["SANDBOX_DATABASE_URL"] = url  # read by sandbox.ui on every call
    start = time.perf_counter()
    bw = build_bank_world(url)
    print(f"\n=== {name}: instructor + class of {CUSTOMERS} students with a personal account each, the first "
          f"also corporate (certificate) and merchant; built in {time.perf_counter() - start:.1f} s through the "
          f"services (real argon2 profile)")
    try:
        throughput(name, bw, folder if name == "SQLite" else None, args)
        if args.profile:
            print(f"\n[{name}] cProfile of {args.profile} ledger-path transfers:")
            profile_ledger(bw, args.profile, 30)
        certificate_logins(name, bw, args.logins)
    finally:
        bw.uow.db.dispose()
    if not args.no_server and name == "SQLite":  # a class of its own: exactly POSTINGS postings
        with sqlite_url() as page_url:
            os.environ["SANDBOX_DATABASE_URL"] = page_url
            pw = build_bank_world(page_url)
            try:
                page_figures(name, pw, folder, args)
            except Exception as exc:  # a page mid-edit by someone else: report, don't fail the bench
                print(f"\n[{name}] bank pages: NOT MEASURED ({type(exc).__name__}: {exc})")
            finally:
                pw.uow.db.dispose()


def main() -> None:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--transfers", type=int, default=3000, help="timed transfers per path (default 3000)")
    parser.add_argument("--raw", type=int, default=20000, help="timed raw sqlite3 transactions (default 20000)")
    parser.add_argument("--full", type=int, default=40, help="timed full-service transfers, with argon2 (default 40)")
    parser.add_argument("--argon2-runs", type=int, default=20, help="timed argon2 verifies alone (default 20)")
    parser.add_argument("--logins", type=int, default=20, help="timed certificate logins (default 20)")
    parser.add_argument("--runs", type=int, default=30, help="timed reruns per page (default 30)")
    parser.add_argument("--warmup", type=int, default=3, help="untimed reruns after the first (default 3)")
    parser.add_argument("--pause", type=float, default=0.2, help="seconds between server reruns (default 0.2)")
    parser.add_argument("--no-server", action="store_true", help="skip the bank pages on a real server")
    parser.add_argument("--profile", type=int, default=0, metavar="N", help="also cProfile N ledger-path transfers")
    args = parser.parse_args()

    print(f"Python {sys.version.split()[0]}, SQLite {sqlite3.sqlite_version}, Streamlit "
          f"{__import__('streamlit').__version__}, {os.cpu_count()} CPUs, load average {load()}")

    def bench(name: str, url: str) -> None:
        with tempfile.TemporaryDirectory(prefix="sandbox-bench-") as tmp:
            bench_backend(name, url, args, Path(tmp))

    on_each_backend(bench)


if __name__ == "__main__":
    main()
