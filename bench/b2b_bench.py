"""B2B benchmark (issue 5, "Figures to measure"): the full B2B chain for N buyer/supplier pairs
driven by bots — wall time and service calls per second — then, with the class filled to 10,000
documents, the rerun time of the B2B pages' heaviest sections.

    python bench/b2b_bench.py                   # 100 pairs, 10,000 documents, SQLite
    python bench/b2b_bench.py --pairs 20 --documents 2000 --runs 10   # a quick look

The chain: each student of the class registers a buyer and a supplier company and the bots
(sandbox/bots/b2b.py) carry out all 25 B2B golden runs as that student — with the CA, e-bank and
the bot logistics provider wherever a task needs them — exactly as ``python -m sandbox demo``
does; every run is then graded. A *service call* is one unit of work (``uow.write()`` or
``uow.read()``): every service opens exactly one write, every page query one read, so this
counts what the pages would have asked of the engine. Passwords are hashed with a cheap argon2
profile while building (nothing timed verifies one at the real cost: the bank's payment
password checks would otherwise dominate at ~20 ms each), which the output says; certificate
keys (RSA-2048 per member and account) are generated for real.

The fill: to reach ``--documents`` documents (orders, inquiries, negotiation forms, contracts,
delivery orders, shipments, transfer orders) the class gets extra purchase orders between the
pairs — student i's buyer orders from student i+1's supplier — inserted directly as rows in
states spread over the order machine (services would take minutes and measure nothing new).
The pages are then rerun in AppTest with the script cache shared between runs (as a server
keeps compiled scripts; table B of bench/rerun.py) for the student whose companies see the most
orders, each against a bare one-widget page measured in the same run.

Optional: ``SANDBOX_BENCH_POSTGRES_URL=postgresql+psycopg://user@host:port/db`` repeats
everything on PostgreSQL in a database of its own (created and dropped; the user needs CREATEDB).
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import random
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
for _path in (ROOT, BENCH):
    if str(_path) not in sys.path:
        sys.path.insert(0, str(_path))

from email_bench import cheap_argon2  # noqa: E402
from rerun import (  # noqa: E402
    AIM,
    Figure,
    app_test,
    bare_test,
    load,
    no_exception,
    on_each_backend,
    print_table,
    shared_script_cache,
    timed_reruns,
)
from sqlalchemy import func, insert, select  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1.util import patch_config_options  # noqa: E402

from sandbox import bots  # noqa: E402
from sandbox.actor import Actor  # noqa: E402
from sandbox.b2b import models as m  # noqa: E402
from sandbox.bots import BotWorld  # noqa: E402
from sandbox.bots import b2b as b2b_bots  # noqa: E402
from sandbox.db import Database, utcnow  # noqa: E402
from sandbox.identity import services  # noqa: E402
from sandbox.logistics import models as lm  # noqa: E402
from sandbox.migrate import upgrade  # noqa: E402
from sandbox.scenarios.grading import grade  # noqa: E402
from sandbox.scenarios.loader import load_directory  # noqa: E402
from sandbox.scenarios.runs import run_golden  # noqa: E402
from sandbox.uow import UnitOfWork  # noqa: E402

PASSWORD = "bench-horse-42"
DOCUMENT_TABLES = (m.Order, m.Inquiry, m.Negotiation, m.Contract, lm.DeliveryOrder, lm.Shipment, lm.TransferOrder)
FILL_STATES = (m.CREATED, m.ACCEPTED, m.CONFIRMED, m.CONFIRMED, m.DELIVERY_ORDERED, m.REJECTED)


# ----------------------------------------------------------------------------- counting calls


@contextlib.contextmanager
def counted_units_of_work() -> Iterator[Counter[str]]:
    """Count every ``uow.write()`` and ``uow.read()`` while the block runs."""
    counts: Counter[str] = Counter()
    saved = UnitOfWork.write, UnitOfWork.read

    def write(self: UnitOfWork):  # type: ignore[no-untyped-def]
        counts["write"] += 1
        return saved[0](self)

    def read(self: UnitOfWork):  # type: ignore[no-untyped-def]
        counts["read"] += 1
        return saved[1](self)

    UnitOfWork.write, UnitOfWork.read = write, read  # type: ignore[method-assign]
    try:
        yield counts
    finally:
        UnitOfWork.write, UnitOfWork.read = saved  # type: ignore[method-assign]


# ----------------------------------------------------------------------------- the chain


@dataclass
class ChainWorld:
    url: str
    uow: UnitOfWork
    class_id: int
    students: list[Actor]
    worlds: list[BotWorld]
    wall_s: float
    calls: Counter[str]
    task_runs: int
    passed: int
    errors: dict[str, int]


def run_chain(url: str, pairs: int) -> ChainWorld:
    tasks = load_directory()
    codes = [t.code for t in tasks.in_module("B2B")]
    db = Database.connect(url)
    uow = UnitOfWork(db)
    with cheap_argon2():
        owner = services.setup_first_instructor(
            uow, username="teacher", full_name="Bench Teacher", password=PASSWORD, password_confirm=PASSWORD,
            language="en",
        )
        room = services.create_class(uow, owner, name="B2B bench", language="en", seed=7)
        students = [
            services.register_student(
                uow, enrollment_code=room.enrollment_code, username=f"pair-{i:03d}", full_name=f"Pair {i:03d}",
                password=PASSWORD, password_confirm=PASSWORD,
            )
            for i in range(pairs)
        ]
        errors: Counter[str] = Counter()
        worlds = [BotWorld(uow=uow, class_id=room.id, student=s) for s in students]
        bots.load_all()
        with counted_units_of_work() as calls:
            start = time.perf_counter()
            for world in worlds:
                done: set[str] = set()
                for code in codes:
                    try:
                        run_golden(world, tasks, code, done)
                    except Exception as exc:  # a figure, not a test: count and go on
                        errors[f"{code}: {type(exc).__name__} {getattr(exc, 'code', exc)}"] += 1
            wall = time.perf_counter() - start
    with uow.read() as s:
        results = grade(s, room.id, [a.user_id for a in students], [tasks.tasks[c] for c in codes])
    passed = sum(1 for row in results.values() for r in row.values() if r.passed)
    return ChainWorld(url, uow, room.id, students, worlds, wall, calls, len(students) * len(codes), passed,
                      dict(errors))


def documents(uow: UnitOfWork, class_id: int) -> dict[str, int]:
    with uow.read() as s:
        return {
            t.__tablename__: int(s.scalar(select(func.count()).select_from(t).where(t.class_id == class_id)) or 0)
            for t in DOCUMENT_TABLES
        }


def fill_orders(cw: ChainWorld, target: int) -> int:
    """Extra orders (with one line each) between the pairs until the class holds ``target``
    documents; returns how many were added."""
    have = sum(documents(cw.uow, cw.class_id).values())
    missing = max(0, target - have)
    if not missing:
        return 0
    rng = random.Random(11)
    with cw.uow.read() as s:
        buyers = dict(s.execute(select(m.Member.owner_id, m.Member.id).where(
            m.Member.class_id == cw.class_id, m.Member.member_type == m.BUYER)).all())
        suppliers = dict(s.execute(select(m.Member.owner_id, m.Member.id).where(
            m.Member.class_id == cw.class_id, m.Member.member_type == m.SUPPLIER)).all())
        products: dict[int, list[tuple[int, str, str, str, int]]] = {}
        for row in s.execute(select(m.Product.supplier_id, m.Product.id, m.Product.sku, m.Product.name_zh,
                                    m.Product.name_en, m.Product.price_fen).where(m.Product.class_id == cw.class_id)):
            products.setdefault(row[0], []).append(tuple(row[1:]))
    ring = [a.user_id for a in cw.students if a.user_id in buyers and a.user_id in suppliers]
    now = utcnow()
    orders, lines = [], []
    with cw.uow.write() as s:
        first_id = int(s.scalar(select(func.coalesce(func.max(m.Order.id), 0))) or 0) + 1
        for n in range(missing):
            buyer_owner = ring[n % len(ring)]
            supplier_owner = ring[(n + 1) % len(ring)]
            supplier_id = suppliers[supplier_owner]
            pid, sku, name_zh, name_en, price = rng.choice(products[supplier_id])
            qty = rng.randint(1, 20)
            state = FILL_STATES[n % len(FILL_STATES)]
            oid = first_id + n
            confirmed = state in (m.CONFIRMED, m.DELIVERY_ORDERED)
            orders.append(dict(
                id=oid, class_id=cw.class_id, number=f"PF{oid:010d}", buyer_id=buyers[buyer_owner],
                supplier_id=supplier_id, state=state, payment_method="online",
                delivery_date=(now + timedelta(days=7)).date(), delivery_address="", note="", total_fen=qty * price,
                created_by=buyer_owner, created_at=now - timedelta(minutes=missing - n),
                settlement_state=m.OPEN if confirmed else None, confirmed_at=now if confirmed else None,
            ))
            lines.append(dict(order_id=oid, product_id=pid, sku=sku, name_zh=name_zh, name_en=name_en, quantity=qty,
                              unit_price_fen=price, amount_fen=qty * price))
        s.execute(insert(m.Order), orders)
        s.execute(insert(m.OrderLine), lines)
    return missing


# ----------------------------------------------------------------------------- pages


@dataclass(frozen=True)
class Section:
    label: str
    member_type: str
    section: str


SECTIONS = (
    Section("buyer · shop (all suppliers' products)", m.BUYER, "shop"),
    Section("buyer · orders", m.BUYER, "orders"),
    Section("buyer · negotiation", m.BUYER, "negotiation"),
    Section("buyer · contracts", m.BUYER, "contracts"),
    Section("buyer · payables", m.BUYER, "payables"),
    Section("buyer · reports (plotly)", m.BUYER, "reports"),
    Section("supplier · orders + sales orders", m.SUPPLIER, "orders"),
    Section("supplier · products", m.SUPPLIER, "products"),
    Section("supplier · shipping", m.SUPPLIER, "shipping"),
    Section("supplier · transfers", m.SUPPLIER, "transfers"),
    Section("supplier · receivables/payables", m.SUPPLIER, "accounts"),
    Section("supplier · reports (plotly)", m.SUPPLIER, "reports"),
)
VIEW = {m.BUYER: "views/b2b_buyer.py", m.SUPPLIER: "views/b2b_supplier.py"}
TITLE = {m.BUYER: "B2B", m.SUPPLIER: "B2B"}


def busiest(cw: ChainWorld) -> BotWorld:
    """The pair whose buyer and supplier see the most orders."""
    with cw.uow.read() as s:
        seen = Counter()
        for owner, n in s.execute(
            select(m.Member.owner_id, func.count(m.Order.id))
            .join(m.Order, (m.Order.buyer_id == m.Member.id) | (m.Order.supplier_id == m.Member.id))
            .where(m.Member.class_id == cw.class_id).group_by(m.Member.owner_id)
        ):
            seen[owner] = n
    top = seen.most_common(1)[0][0]
    return next(w for w in cw.worlds if w.student.user_id == top)


def section_check(section: Section) -> Callable[[AppTest], None]:
    def check(at: AppTest) -> None:
        no_exception(at)
        if at.session_state[f"b2b_{section.member_type}_section"] != section.section:
            raise RuntimeError(f"not on section {section.section}")
        if not any(t.value.startswith("B2B") for t in at.title):
            raise RuntimeError(f"not a B2B page: {[t.value for t in at.title]}")
        if at.text_input and any(ti.key and ti.key.endswith("login_name") for ti in at.text_input):
            raise RuntimeError("the page shows the login form: the session token was not taken")

    return check


def page_figures(cw: ChainWorld, folder: Path, runs: int, warmup: int) -> tuple[Figure, list[Figure], str]:
    world = busiest(cw)
    with cheap_argon2():
        tokens = {t: b2b_bots.session(world, t, fresh=True).token for t in (m.BUYER, m.SUPPLIER)}
    with cw.uow.read() as s:
        member_ids = dict(s.execute(select(m.Member.member_type, m.Member.id).where(
            m.Member.owner_id == world.student.user_id, m.Member.class_id == cw.class_id)).all())
        as_buyer = s.scalar(select(func.count()).select_from(m.Order).where(m.Order.buyer_id == member_ids[m.BUYER]))
        as_supplier = s.scalar(select(func.count()).select_from(m.Order).where(
            m.Order.supplier_id == member_ids[m.SUPPLIER]))
    who = f"{world.student.username}: {as_buyer} orders as buyer, {as_supplier} as supplier"
    bare = Figure("bare page (one st.button)")
    timed_reruns(bare, bare_test(folder), runs, warmup + 1, no_exception)
    figures = [bare]
    for section in SECTIONS:
        at = app_test(world.student)
        at.session_state[f"b2b_{section.member_type}_token"] = tokens[section.member_type]
        at.session_state[f"b2b_{section.member_type}_section"] = section.section
        at.session_state["b2b_partners_ready"] = True
        at.run()
        at.switch_page(VIEW[section.member_type])
        fig = Figure(section.label)
        timed_reruns(fig, at, runs, warmup + 1, section_check(section))
        figures.append(fig)
    again = Figure("bare page again (noise check)", baseline=True)
    timed_reruns(again, bare_test(folder), runs, warmup + 1, no_exception)
    figures.append(again)
    return bare, figures, who


# ----------------------------------------------------------------------------- driver


def bench_backend(name: str, url: str, args: argparse.Namespace) -> None:
    os.environ["SANDBOX_DATABASE_URL"] = url  # read by sandbox.ui on every call
    upgrade(url)
    cw = run_chain(url, args.pairs)
    calls = cw.calls["write"] + cw.calls["read"]
    print(f"\n[{name}] B2B chain for {args.pairs} buyer/supplier pairs (25 golden runs each, bots as every other"
          f" party; cheap argon2 while building):")
    print(f"  wall time            {cw.wall_s:8.1f} s   ({cw.wall_s / args.pairs * 1000:.0f} ms per pair)")
    print(f"  service calls        {calls:8d}     ({cw.calls['write']} writes + {cw.calls['read']} reads)")
    print(f"  service calls / s    {calls / cw.wall_s:8.0f}     (writes / s {cw.calls['write'] / cw.wall_s:.0f})")
    print(f"  task runs passed     {cw.passed:8d} / {cw.task_runs}   ({cw.task_runs / cw.wall_s:.1f} task runs / s)")
    for what, n in sorted(cw.errors.items()):
        print(f"  ! {n} x {what}")
    docs = documents(cw.uow, cw.class_id)
    print(f"  documents after the chain: {sum(docs.values())} ({', '.join(f'{k} {v}' for k, v in docs.items())})")
    added = fill_orders(cw, args.documents)
    docs = documents(cw.uow, cw.class_id)
    print(f"  filled with {added} more orders: {sum(docs.values())} documents in the class")
    with tempfile.TemporaryDirectory(prefix="sandbox-b2b-bench-") as tmp, patch_config_options(
        {"runner.enforceSerializableSessionState": False}
    ), shared_script_cache():
        before = load()
        bare, figures, who = page_figures(cw, Path(tmp), args.runs, args.warmup)
    print_table(
        f"[{name}] B2B page sections, AppTest with shared script cache ({who}); {args.runs} reruns each "
        f"(load {before} -> {load()})", figures, bare, "cpu",
    )
    slowest = max(figures[1:-1], key=lambda f: f.median_ms)
    print(f"\n[{name}] slowest section: {slowest.label}: median {slowest.median_ms:.1f} ms "
          f"({slowest.median_ms / bare.median_ms:.1f}x the bare page; aim {AIM:g}x)")
    cw.uow.db.dispose()


def main() -> None:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--pairs", type=int, default=100, help="students, each a buyer/supplier pair (default 100)")
    parser.add_argument("--documents", type=int, default=10_000, help="documents in the class for the pages")
    parser.add_argument("--runs", type=int, default=20, help="timed reruns per section (default 20)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed reruns first (default 2)")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, Streamlit {__import__('streamlit').__version__}, "
          f"{os.cpu_count()} CPUs, load average {load()}")
    on_each_backend(lambda name, url: bench_backend(name, url, args))


if __name__ == "__main__":
    main()
