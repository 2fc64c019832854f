"""Logistics benchmark (issue 6, "Figures to measure"): one logistics provider with 100
warehouses and 20,000 stock moves made through the real services, then the rerun time of the
logistics page's sections (the stock query LGS006, dispatch LGS009/LGS010, the charts); and
chain A for 100 students with bots as the other parties, when ``sandbox.chains`` exists.

    python bench/lgs_bench.py                                   # 100 warehouses, 20,000 moves, 100 students
    python bench/lgs_bench.py --moves 2000 --warehouses 20 --students 10 --runs 10   # a quick look
    python bench/lgs_bench.py --no-chain --profile 20           # part 1 only, plus cProfile of the sections

Part 1, the build: a class with one student running the logistics provider (LGS001) and
``--suppliers`` students each running a supplier and a buyer company (B2B001, certificates
installed, B2B003/B2B004 logged in); each supplier has ``--items`` products, applies for the
provider's service (LGS021), which approves it (LGS022). The provider adds ``--warehouses``
warehouses (LGS007) and 5 vehicles (LGS012). Then rounds of real work until the class's
``lgs_stock_moves`` table holds ``--moves`` rows: every round a supplier ships all its items into
a warehouse (B2B011) which the provider receives (LGS003), and transfers some of them to the
next warehouse (B2B013 → LGS005); every 2nd round a buyer orders every item of that supplier
(B2B005/B2B006), the supplier accepts, the buyer confirms, the supplier orders the delivery
(B2B010), and the provider accepts it (LGS002, the default issuing warehouse), issues it
(LGS004), allocates and confirms a vehicle (LGS009/LGS010) and delivers (LGS020); every 5th
round the provider writes off damaged goods (LGS023). Finally a few documents are left open in
every state the dispatch section shows (unallocated, allocated, on the road), plus one pending
inbound order, one created transfer and one delivery order awaiting acceptance. A *service
call* is one unit of work, as in b2b_bench.py. Passwords are hashed with a cheap argon2 profile
while building; certificate keys are generated for real.

Part 1, the pages: views/logistics.py for the provider, each section rerun in AppTest with the
script cache shared (as a server keeps compiled scripts; table B of bench/rerun.py) against a
bare one-widget page of the same run. The page keeps its section and forms in the browser
session, so — as for the B2B pages — these are AppTest figures; a real server adds Streamlit's
own per-rerun cost (bench/README.md, rerun.py table C).

Part 2, chain A: ``--students`` students, student i playing part i mod 3 of chain A (buyer,
supplier, logistics) with bots as the other parties, through ``sandbox.chains.play_chain``;
every run graded; wall time, graded task runs per second and service calls per second. Skipped
(with a note) while ``sandbox.chains`` does not exist.

Optional: ``SANDBOX_BENCH_POSTGRES_URL=postgresql+psycopg://user@host:port/db`` repeats
everything on PostgreSQL in a database of its own (created and dropped; the user needs CREATEDB).
It is a benchmark, not a test: nothing asserts on a time; every timed rerun is checked to have
rendered the intended section.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import importlib
import io
import logging
import os
import pstats
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
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
    postgres_url,
    print_table,
    shared_script_cache,
    sqlite_url,
    timed_reruns,
    tree_state,
)
from sqlalchemy import func, select  # noqa: E402
from streamlit.testing.v1 import AppTest  # noqa: E402
from streamlit.testing.v1.util import patch_config_options  # noqa: E402

from sandbox.actor import Actor  # noqa: E402
from sandbox.b2b import cart, catalogue, orders, shipping  # noqa: E402
from sandbox.b2b import transfers as b2b_transfers  # noqa: E402
from sandbox.b2b.models import BUYER, SUPPLIER  # noqa: E402
from sandbox.bots import BotWorld, new_request_id  # noqa: E402
from sandbox.bots import b2b as b2b_bots  # noqa: E402
from sandbox.bots import logistics as lgs_bots  # noqa: E402
from sandbox.bots.b2b import Trader  # noqa: E402
from sandbox.db import Database  # noqa: E402
from sandbox.events import Event  # noqa: E402
from sandbox.identity import services  # noqa: E402
from sandbox.logistics import (  # noqa: E402
    applications,
    damage,
    delivery,
    dispatch,
    inbound,
    outbound,
    transfers,
    vehicles,
    warehouses,
)
from sandbox.logistics import models as lm  # noqa: E402
from sandbox.migrate import upgrade  # noqa: E402
from sandbox.scenarios.loader import load_directory  # noqa: E402
from sandbox.uow import UnitOfWork  # noqa: E402

PASSWORD = "bench-horse-42"
SHIP_UNITS = 100  # per item and shipment
TRANSFER_UNITS = 40  # per item and transfer
ORDER_UNITS = 10  # per item and B2B order
VEHICLES = 5
OPEN = {"accepted": 2, "allocated": 2, "confirmed": 2}  # delivery orders left open for the dispatch section


# ----------------------------------------------------------------------------- part 1: the build


@dataclass
class Party:
    """A student running a supplier and a buyer company."""

    world: BotWorld
    supplier: Trader
    buyer: Trader
    items: list[int]


@dataclass
class LgsWorld:
    url: str
    uow: UnitOfWork
    class_id: int
    provider: Actor
    provider_id: int
    warehouse_ids: list[int]
    vehicle_ids: list[int]
    parties: list[Party]
    setup_s: float = 0.0
    setup_calls: Counter[str] = field(default_factory=Counter)
    moves_s: float = 0.0
    moves_calls: Counter[str] = field(default_factory=Counter)
    rounds: int = 0
    documents: Counter[str] = field(default_factory=Counter)


def count_moves(db: Database, class_id: int) -> int:
    """Rows of the class in lgs_stock_moves (read outside the counted units of work)."""
    with db.read_sessions() as s:
        return int(s.scalar(select(func.count()).select_from(lm.StockMove).where(lm.StockMove.class_id == class_id))
                   or 0)


def setup(url: str, n_warehouses: int, n_suppliers: int, n_items: int) -> LgsWorld:
    """Instructor, class, the provider student with warehouses and vehicles, and the suppliers
    (approved customers with ``n_items`` products each, stocked without limit in the catalogue)."""
    db = Database.connect(url)
    uow = UnitOfWork(db)
    owner = services.setup_first_instructor(
        uow, username="teacher", full_name="Bench Teacher", password=PASSWORD, password_confirm=PASSWORD,
        language="en",
    )
    room = services.create_class(uow, owner, name="Logistics bench", language="en", seed=7)

    def student(name: str) -> Actor:
        return services.register_student(uow, enrollment_code=room.enrollment_code, username=name,
                                         full_name=name.title(), password=PASSWORD, password_confirm=PASSWORD)

    lgs = student("lgs-provider")
    pworld = BotWorld(uow=uow, class_id=room.id, student=lgs)
    pid = lgs_bots.register(pworld)  # LGS001
    houses = [
        warehouses.add_warehouse(uow, lgs, code=f"WH{n:03d}", name=f"{n}号仓库 Warehouse {n}",
                                 address=f"上海市浦东新区物流园{n}号 {n} Logistics Park, Pudong", capacity=5_000_000,
                                 request_id=new_request_id()).id
        for n in range(1, n_warehouses + 1)
    ]  # LGS007
    fleet = [
        vehicles.add_vehicle(uow, lgs, code=f"沪A{10000 + n}", kind="厢式货车 Van", capacity_units=100_000,
                             request_id=new_request_id()).id
        for n in range(VEHICLES)
    ]  # LGS012
    parties = []
    for i in range(n_suppliers):
        world = BotWorld(uow=uow, class_id=room.id, student=student(f"trader-{i:02d}"))
        sup = b2b_bots.session(world, SUPPLIER)
        buy = b2b_bots.session(world, BUYER)
        with uow.read() as s:
            have = catalogue.my_products(s, sup.actor, sup.token)
        for n in range(len(have), n_items):
            catalogue.add_product(uow, sup.actor, sup.token, sku=f"BX-{i:02d}-{n:02d}", name_zh=f"周转箱{n}号",
                                  name_en=f"Tote box no. {n}", unit_zh="个", unit_en="pc", price="12.50",
                                  available=catalogue.MAX_AVAILABLE, request_id=new_request_id())
        for p in have:
            catalogue.update_product(uow, sup.actor, sup.token, p.id, available=catalogue.MAX_AVAILABLE,
                                     request_id=new_request_id())
        with uow.read() as s:
            items = sorted(p.id for p in catalogue.my_products(s, sup.actor, sup.token))[:n_items]
        lgs_bots.apply(world, sup, pid)  # LGS021
        with uow.read() as s:
            app_id = next(a.id for a in applications.my_applications(s, sup.actor, sup.token) if a.provider_id == pid)
        applications.decide(uow, lgs, app_id, approve=True, note="欢迎 Welcome", request_id=new_request_id())  # LGS022
        parties.append(Party(world, sup, buy, items))
    return LgsWorld(url, uow, room.id, lgs, pid, houses, fleet, parties)


def ship_in(lw: LgsWorld, party: Party, warehouse_id: int, *, receive: bool = True) -> int:
    """B2B011 (all items, SHIP_UNITS each) into the warehouse, then LGS003 unless told not to."""
    uow, sup = lw.uow, party.supplier
    draft = shipping.new_shipment(uow, sup.actor, sup.token, lines={p: SHIP_UNITS for p in party.items},
                                  note="入库 Into storage", request_id=new_request_id())
    shipped = shipping.confirm_shipment(uow, sup.actor, sup.token, draft.id, provider_id=lw.provider_id,
                                        warehouse_id=warehouse_id, request_id=new_request_id())
    assert shipped.inbound_order_id is not None
    if receive:
        inbound.receive(uow, lw.provider, shipped.inbound_order_id, request_id=new_request_id())
    lw.documents["shipments"] += 1
    return shipped.inbound_order_id


def transfer(lw: LgsWorld, party: Party, source: int, target: int, *, confirm: bool = True) -> int:
    """B2B013 (all items, TRANSFER_UNITS each) from ``source`` to ``target``, then LGS005 unless told not to."""
    uow, sup = lw.uow, party.supplier
    made = b2b_transfers.create_transfer(
        uow, sup.actor, sup.token, from_warehouse_id=source, to_warehouse_id=target,
        lines={p: TRANSFER_UNITS for p in party.items}, note="调拨 Rebalance", request_id=new_request_id(),
    )
    if confirm:
        transfers.confirm_transfer(uow, lw.provider, made.id, request_id=new_request_id())
    lw.documents["transfers"] += 1
    return made.id


def delivery_order(lw: LgsWorld, party: Party, buyer: Party) -> int:
    """B2B005/B2B006 by ``buyer`` (every item of ``party``'s supplier, ORDER_UNITS each), the
    supplier accepts (B2B007), the buyer confirms (B2B009), the supplier orders the delivery
    from the provider (B2B010); the delivery order's id (awaiting acceptance)."""
    uow, sup, buy = lw.uow, party.supplier, buyer.buyer
    lines = [cart.add_to_cart(uow, buy.actor, buy.token, product_id=p, quantity=ORDER_UNITS,
                              request_id=new_request_id()).id for p in party.items]
    made = orders.create_orders(uow, buy.actor, buy.token, cart_line_ids=lines, payment_method="transfer",
                                delivery_date=b2b_bots.delivery_day(), delivery_address=b2b_bots.ADDRESS,
                                request_id=new_request_id())
    order_id = next(o.id for o in made if o.supplier_id == sup.member_id)
    orders.accept(uow, sup.actor, sup.token, order_id, request_id=new_request_id())
    orders.confirm(uow, buy.actor, buy.token, order_id, request_id=new_request_id())
    lw.documents["orders"] += 1
    return orders.create_delivery_order(uow, sup.actor, sup.token, order_id, provider_id=lw.provider_id,
                                        request_id=new_request_id()).id


def carry(lw: LgsWorld, do_id: int, upto: str, vehicle_id: int) -> None:
    """The provider takes a delivery order through LGS002, LGS004, LGS009, LGS010, LGS020 up to
    ``upto`` (one of lgs_bots.STAGES)."""
    uow, me = lw.uow, lw.provider
    last = lgs_bots.STAGES.index(upto)
    accepted = delivery.accept_delivery_order(uow, me, do_id, request_id=new_request_id())  # default warehouse
    lw.documents["deliveries"] += 1
    if last >= 1:
        assert accepted.outbound_order_id is not None
        outbound.confirm_outbound(uow, me, accepted.outbound_order_id, request_id=new_request_id())
    if last >= 2:
        with uow.read() as s:
            trip = dispatch.dispatch_of_delivery(s, me, do_id)
        dispatch.allocate_vehicle(uow, me, trip.id, vehicle_id=vehicle_id, request_id=new_request_id())
    if last >= 3:
        dispatch.confirm_dispatch(uow, me, trip.id, request_id=new_request_id())
    if last >= 4:
        dispatch.deliver(uow, me, do_id, request_id=new_request_id())


def write_off(lw: LgsWorld, party: Party, warehouse_id: int) -> None:
    """LGS023: one unit of two items damaged in the warehouse, reported and confirmed."""
    report = damage.create_damage_report(
        lw.uow, lw.provider, owner_id=party.supplier.member_id, warehouse_id=warehouse_id,
        lines={p: 1 for p in party.items[:2]}, reason="搬运中包装破损 Packaging damaged in handling",
        request_id=new_request_id(),
    )
    damage.confirm_damage_report(lw.uow, lw.provider, report.id, request_id=new_request_id())
    lw.documents["damage reports"] += 1


def make_moves(lw: LgsWorld, target: int) -> None:
    """Rounds of work (see the module docstring) until the class has ``target`` stock moves, then
    the open documents the pages show."""
    n_wh, n_sup = len(lw.warehouse_ids), len(lw.parties)
    r = 0
    while count_moves(lw.uow.db, lw.class_id) < target:
        party = lw.parties[(r + r // n_wh) % n_sup]
        here, there = lw.warehouse_ids[r % n_wh], lw.warehouse_ids[(r + 1) % n_wh]
        ship_in(lw, party, here)
        transfer(lw, party, here, there)
        if r % 2 == 0:
            buyer = lw.parties[(lw.parties.index(party) + 1) % n_sup]
            carry(lw, delivery_order(lw, party, buyer), "deliver", lw.vehicle_ids[r % VEHICLES])
        if r % 5 == 0:
            write_off(lw, party, here)
        r += 1
    lw.rounds = r
    # left open for the pages: dispatch orders unallocated, allocated and on the road, one
    # delivery order awaiting acceptance, one pending inbound order, one created transfer
    party, buyer = lw.parties[0], lw.parties[1 % n_sup]
    for _ in range(2):
        ship_in(lw, party, lw.warehouse_ids[0])
    transfer(lw, party, lw.warehouse_ids[0], lw.warehouse_ids[1 % n_wh], confirm=False)
    vehicle = iter(lw.vehicle_ids)
    for stage, upto in (("accepted", "outbound"), ("allocated", "allocate"), ("confirmed", "confirm")):
        for _ in range(OPEN[stage]):
            carry(lw, delivery_order(lw, party, buyer), upto, next(vehicle) if upto != "outbound" else 0)
    delivery_order(lw, party, buyer)
    ship_in(lw, party, lw.warehouse_ids[-1], receive=False)


def build(url: str, args: argparse.Namespace) -> LgsWorld:
    with cheap_argon2():
        with counted_units_of_work() as calls:
            start = time.perf_counter()
            lw = setup(url, args.warehouses, args.suppliers, args.items)
            lw.setup_s, lw.setup_calls = time.perf_counter() - start, Counter(calls)
        with counted_units_of_work() as calls:
            start = time.perf_counter()
            make_moves(lw, args.moves)
            lw.moves_s, lw.moves_calls = time.perf_counter() - start, Counter(calls)
    return lw


def table_counts(lw: LgsWorld) -> dict[str, int]:
    with lw.uow.read() as s:
        def rows(model: Any) -> int:
            return int(s.scalar(select(func.count()).select_from(model).where(model.class_id == lw.class_id)) or 0)

        levels = int(s.scalar(select(func.count()).select_from(lm.StockLevel).where(
            lm.StockLevel.class_id == lw.class_id, lm.StockLevel.quantity > 0, lm.StockLevel.warehouse_id.is_not(None),
        )) or 0)
        return {
            "stock moves": rows(lm.StockMove), "non-zero levels in warehouses": levels,
            "shipments": rows(lm.Shipment), "inbound orders": rows(lm.InboundOrder),
            "transfer orders": rows(lm.TransferOrder), "delivery orders": rows(lm.DeliveryOrder),
            "dispatch orders": rows(lm.DispatchOrder), "damage reports": rows(lm.DamageReport),
            "events": int(s.scalar(select(func.count()).select_from(Event)) or 0),
        }


def report_build(name: str, lw: LgsWorld, args: argparse.Namespace) -> None:
    def calls(c: Counter[str], wall: float) -> str:
        n = c["write"] + c["read"]
        return (f"{n} service calls ({c['write']} writes + {c['read']} reads): {n / wall:.0f}/s "
                f"(writes {c['write'] / wall:.0f}/s)")

    counts = table_counts(lw)
    moves = counts["stock moves"]
    print(f"\n[{name}] build through the services (cheap argon2; RSA keys for real):")
    print(f"  setup: provider, {args.warehouses} warehouses, {VEHICLES} vehicles, {args.suppliers} suppliers x "
          f"{args.items} items, applied and approved: {lw.setup_s:.1f} s, {calls(lw.setup_calls, lw.setup_s)}")
    print(f"  moves: {lw.rounds} rounds + the open documents: {lw.moves_s:.1f} s, "
          f"{calls(lw.moves_calls, lw.moves_s)}")
    print(f"         {moves} stock moves: {moves / lw.moves_s:.0f} moves/s, "
          f"{moves / max(1, lw.moves_calls['write']):.2f} moves per write")
    print("  class now holds: " + ", ".join(f"{k} {v}" for k, v in counts.items()))


# ----------------------------------------------------------------------------- part 1: the pages


PAGE = "views/logistics.py"


@dataclass(frozen=True)
class Section:
    label: str
    section: str
    prepare: Callable[[AppTest, LgsWorld], None] | None = None  # before the first run
    click: str | None = None  # a button pressed before every timed rerun
    expect: Callable[[AppTest], None] | None = None  # what the section must show


def _has_rows(at: AppTest, minimum: int) -> None:
    sizes = [len(df.value) for df in at.dataframe]
    if not any(n >= minimum for n in sizes):
        raise RuntimeError(f"expected a table of at least {minimum} rows, got {sizes}")


def _stock_result(at: AppTest) -> None:
    if at.session_state["lgs_stock_query_result"] is None or not at.session_state["lgs_stock_query_result"]:
        raise RuntimeError("no stock query result")
    _has_rows(at, len(at.session_state["lgs_stock_query_result"]))


def _query_stock_once(at: AppTest, lw: LgsWorld) -> None:
    """Press 查询库存 once (no filter), as a person would; the next run shows the result."""
    at.run()
    press(at, "lgs_stock_query_submit")


def _pick_open_dispatches(at: AppTest, lw: LgsWorld) -> None:
    with lw.uow.read() as s:
        rows = dispatch.dispatches_for_provider(s, lw.provider)
    first = {state: next(r.id for r in rows if r.state == state)
             for state in (lm.UNALLOCATED, lm.ALLOCATED, lm.DISPATCH_CONFIRMED)}
    at.session_state["lgs_dp_alloc_pick"] = first[lm.UNALLOCATED]
    at.session_state["lgs_dp_confirm_pick"] = first[lm.ALLOCATED]
    at.session_state["lgs_dp_deliver_pick"] = first[lm.DISPATCH_CONFIRMED]


def _dispatch_forms(at: AppTest) -> None:
    keys = {b.key or "" for b in [*at.button, *at.form_submit_button]}
    for prefix in ("lgs_alloc_", "lgs_dp_confirm_", "lgs_deliver_"):
        if not any(k.startswith(prefix) for k in keys):
            raise RuntimeError(f"dispatch section without its {prefix}* button: {sorted(keys)}")
    _has_rows(at, sum(OPEN.values()))


def _charts(at: AppTest) -> None:
    charts = at.get("plotly_chart")
    if len(charts) < 3:
        raise RuntimeError(f"expected at least 3 plotly charts, got {len(charts)}")


def press(at: AppTest, key: str) -> None:
    found = [b for b in [*at.button, *at.form_submit_button] if b.key == key]
    if not found:
        raise RuntimeError(f"no button {key!r}")
    found[0].click()


SECTIONS = (
    Section("stock · query result shown (LGS006)", "stock", _query_stock_once, None, _stock_result),
    Section("stock · query pressed every rerun", "stock", _query_stock_once, "lgs_stock_query_submit",
            _stock_result),
    Section("dispatch · lists + 3 forms", "dispatch", _pick_open_dispatches, None, _dispatch_forms),
    Section("charts (5 plotly, stock history)", "charts", None, None, _charts),
    Section("warehouses (table of all)", "warehouses"),
    Section("vehicles", "vehicles"),
    Section("customers (applications)", "customers"),
    Section("inbound (pending + query form)", "inbound"),
    Section("delivery (awaiting + query form)", "delivery"),
    Section("outbound (pending + query form)", "outbound"),
    Section("transfers (created + query form)", "transfers"),
    Section("receivables (summary)", "receivables"),
)


def section_check(section: Section) -> Callable[[AppTest], None]:
    def check(at: AppTest) -> None:
        no_exception(at)
        if at.session_state["lgs_section"] != section.section:
            raise RuntimeError(f"not on section {section.section}")
        if not any(t.value.startswith("Logistics") for t in at.title):
            raise RuntimeError(f"not the logistics page: {[t.value for t in at.title]}")
        if at.error:
            raise RuntimeError(f"the section shows an error: {[e.value for e in at.error]}")
        if section.expect is not None:
            section.expect(at)

    return check


def section_app(lw: LgsWorld, section: Section) -> AppTest:
    """The provider on the logistics page with ``section`` open (and prepared)."""
    at = app_test(lw.provider)
    at.session_state["lgs_section"] = section.section
    at.session_state["b2b_partners_ready"] = lw.class_id  # the bot partners are not part of the figure
    at.run()
    at.switch_page(PAGE)
    if section.prepare is not None:
        section.prepare(at, lw)
    return at


def timed_presses(fig: Figure, at: AppTest, key: str, runs: int, warmup: int, check: Callable[[AppTest], None]) -> None:
    """Like rerun.timed_reruns, but the button ``key`` is pressed before every run."""
    for _ in range(warmup):
        press(at, key)
        at.run()
    check(at)
    for _ in range(runs):
        press(at, key)
        cpu, start = time.process_time(), time.perf_counter()
        at.run()
        fig.samples.append(time.perf_counter() - start)
        fig.cpu.append(time.process_time() - cpu)
    check(at)


def page_figures(lw: LgsWorld, folder: Path, runs: int, warmup: int) -> tuple[Figure, list[Figure]]:
    bare = Figure("bare page (one st.button)")
    timed_reruns(bare, bare_test(folder), runs, warmup + 1, no_exception)
    figures = [bare]
    for section in SECTIONS:
        at = section_app(lw, section)
        fig = Figure(section.label)
        if section.click:
            timed_presses(fig, at, section.click, runs, warmup + 1, section_check(section))
        else:
            timed_reruns(fig, at, runs, warmup + 1, section_check(section))
        figures.append(fig)
    again = Figure("bare page again (noise check)", baseline=True)
    timed_reruns(again, bare_test(folder), runs, warmup + 1, no_exception)
    figures.append(again)
    return bare, figures


def profile_sections(lw: LgsWorld, reruns: int, limit: int) -> None:
    """cProfile ``reruns`` reruns of the stock, dispatch and charts sections (script thread only)."""
    from streamlit.testing.v1.local_script_runner import LocalScriptRunner

    for section in SECTIONS[:4]:
        at = section_app(lw, section)
        for _ in range(3):
            if section.click:
                press(at, section.click)
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
                if section.click:
                    press(at, section.click)
                at.run()
        finally:
            LocalScriptRunner._run_script_thread = original  # type: ignore[method-assign]
        out = io.StringIO()
        stats = pstats.Stats(*profiles, stream=out)
        stats.sort_stats("cumulative").print_stats(limit)
        stats.sort_stats("tottime").print_stats(limit)
        print(f"\ncProfile of {reruns} reruns: {section.label}\n{out.getvalue()}")


# ----------------------------------------------------------------------------- part 2: chain A


PARTS = ("buyer", "supplier", "logistics")


@dataclass
class ChainFigures:
    wall_s: float
    calls: Counter[str]
    task_runs: int
    passed: int
    errors: dict[str, int]
    by_part: dict[str, tuple[int, int]]
    grading_s: float


def chains_module() -> Any | None:
    try:
        return importlib.import_module("sandbox.chains")
    except ImportError:
        return None


def run_chain_a(url: str, students: int, chains: Any) -> ChainFigures:
    """``students`` students, student i playing PARTS[i % 3] of chain A with bots as the other
    parties (``chains.play_chain``), then every student graded on their part's codes
    (``chains.chain_results``; a run stopped by a refused step is graded on what it did)."""
    db = Database.connect(url)
    uow = UnitOfWork(db)
    errors: Counter[str] = Counter()
    with cheap_argon2():
        owner = services.setup_first_instructor(
            uow, username="teacher", full_name="Bench Teacher", password=PASSWORD, password_confirm=PASSWORD,
            language="en",
        )
        room = services.create_class(uow, owner, name="Chain A bench", language="en", seed=7)
        actors = [
            services.register_student(uow, enrollment_code=room.enrollment_code, username=f"chain-{i:03d}",
                                      full_name=f"Chain {i:03d}", password=PASSWORD, password_confirm=PASSWORD)
            for i in range(students)
        ]
        runs: list[tuple[str, Any]] = []
        with counted_units_of_work() as calls:
            start = time.perf_counter()
            for i, actor in enumerate(actors):
                part = PARTS[i % len(PARTS)]
                try:
                    runs.append((part, chains.play_chain(uow, room.id, "A", {part: actor})))
                except Exception as err:  # a figure, not a test: count, and grade what was done
                    errors[f"{part}: {type(err).__name__} {err}"] += 1
                    if getattr(err, "run", None) is not None:
                        runs.append((part, err.run))  # type: ignore[attr-defined]
            wall = time.perf_counter() - start
    tasks = load_directory()
    by_part: dict[str, tuple[int, int]] = {}
    start = time.perf_counter()
    with uow.read() as s:
        for part, run in runs:
            for row in chains.chain_results(s, room.id, run, tasks).values():
                had = by_part.get(part, (0, 0))
                by_part[part] = (had[0] + len(row), had[1] + sum(row.values()))
    grading_s = time.perf_counter() - start
    db.dispose()
    task_runs = sum(n for n, _ in by_part.values())
    passed = sum(ok for _, ok in by_part.values())
    return ChainFigures(wall, calls, task_runs, passed, dict(errors), by_part, grading_s)


def report_chain(name: str, cf: ChainFigures, students: int) -> None:
    calls = cf.calls["write"] + cf.calls["read"]
    print(f"\n[{name}] chain A for {students} students (parts rotating {', '.join(PARTS)}; bots as the other"
          f" parties; cheap argon2):")
    print(f"  wall time            {cf.wall_s:8.1f} s   ({cf.wall_s / students * 1000:.0f} ms per student)")
    print(f"  service calls        {calls:8d}     ({cf.calls['write']} writes + {cf.calls['read']} reads)")
    print(f"  service calls / s    {calls / cf.wall_s:8.0f}     (writes / s {cf.calls['write'] / cf.wall_s:.0f})")
    print(f"  task runs passed     {cf.passed:8d} / {cf.task_runs}   ({cf.task_runs / cf.wall_s:.1f} graded task "
          f"runs / s)")
    for part, (n, ok) in cf.by_part.items():
        print(f"    {part:<10} {ok} / {n}")
    print(f"  grading them: {cf.grading_s:.1f} s (chain_results per student, after the wall time above)")
    for what, n in sorted(cf.errors.items()):
        print(f"  ! {n} x {what}")


# ----------------------------------------------------------------------------- driver


def bench_backend(name: str, url: str, args: argparse.Namespace) -> None:
    os.environ["SANDBOX_DATABASE_URL"] = url  # read by sandbox.ui on every call
    if not args.no_build:
        build_and_pages(name, url, args)
    if args.no_chain:
        return
    chains = chains_module()
    if chains is None or not hasattr(chains, "play_chain"):
        print(f"\n[{name}] chain A: skipped (sandbox.chains.play_chain does not exist yet)")
        return
    with on_fresh_database(url) as chain_url:
        upgrade(chain_url)
        report_chain(name, run_chain_a(chain_url, args.students, chains), args.students)


def build_and_pages(name: str, url: str, args: argparse.Namespace) -> None:
    """Part 1: the build (100 warehouses, 20,000 moves) and the logistics page's reruns."""
    upgrade(url)
    lw = build(url, args)
    report_build(name, lw, args)
    if args.keep and url.startswith("sqlite"):
        keep_copy(lw, Path(args.keep))
    if not args.no_pages:
        with tempfile.TemporaryDirectory(prefix="sandbox-lgs-bench-") as tmp, patch_config_options(
            {"runner.enforceSerializableSessionState": False}
        ), shared_script_cache():
            before = load()
            bare, figures = page_figures(lw, Path(tmp), args.runs, args.warmup)
            print_table(
                f"[{name}] logistics page sections, AppTest with shared script cache (provider with "
                f"{len(lw.warehouse_ids)} warehouses); {args.runs} reruns each (load {before} -> {load()})",
                figures, bare, "cpu",
            )
            if args.profile:
                profile_sections(lw, args.profile, args.profile_limit)
    lw.uow.db.dispose()


def keep_copy(lw: LgsWorld, target: Path) -> None:
    """A copy of the built SQLite database (for profiling by hand: the provider is user ``lgs-provider``)."""
    import sqlite3

    source = sqlite3.connect(lw.url.removeprefix("sqlite:///"))
    target.unlink(missing_ok=True)
    copy = sqlite3.connect(target)
    with copy:
        source.backup(copy)
    copy.close()
    source.close()
    print(f"  kept a copy of the built database: {target}")


def on_fresh_database(url: str) -> Any:
    """A second empty database beside ``url`` (same back end) for chain A."""
    if url.startswith("sqlite"):
        return sqlite_url()
    admin = os.environ.get("SANDBOX_BENCH_POSTGRES_URL", "").strip()
    return postgres_url(admin) if admin else contextlib.nullcontext(url)


def main() -> None:
    logging.getLogger("streamlit.runtime.scriptrunner_utils.script_run_context").addFilter(
        lambda record: "missing ScriptRunContext" not in record.getMessage()
    )
    parser = argparse.ArgumentParser(description=(__doc__ or "").splitlines()[0])
    parser.add_argument("--moves", type=int, default=20_000, help="stock moves to make (default 20,000)")
    parser.add_argument("--warehouses", type=int, default=100, help="warehouses of the provider (default 100)")
    parser.add_argument("--suppliers", type=int, default=10, help="supplier/buyer students (default 10)")
    parser.add_argument("--items", type=int, default=8, help="products per supplier, all in every shipment (8)")
    parser.add_argument("--students", type=int, default=100, help="students playing chain A (default 100)")
    parser.add_argument("--runs", type=int, default=30, help="timed reruns per section (default 30)")
    parser.add_argument("--warmup", type=int, default=2, help="untimed reruns first (default 2)")
    parser.add_argument("--only", choices=("sqlite", "postgresql"), help="one back end only")
    parser.add_argument("--keep", metavar="PATH", help="SQLite: keep a copy of the built database at PATH")
    parser.add_argument("--no-pages", action="store_true", help="build only, no page reruns")
    parser.add_argument("--no-build", action="store_true", help="skip part 1 (build and pages)")
    parser.add_argument("--no-chain", action="store_true", help="skip chain A (part 2)")
    parser.add_argument("--profile", type=int, default=0, metavar="N",
                        help="also cProfile N reruns of the stock, dispatch and charts sections")
    parser.add_argument("--profile-limit", type=int, default=25, help="functions shown per profile (25)")
    args = parser.parse_args()
    print(f"Python {sys.version.split()[0]}, Streamlit {__import__('streamlit').__version__}, "
          f"{os.cpu_count()} CPUs, load average {load()}")
    bench = lambda name, url: bench_backend(name, url, args)  # noqa: E731
    if args.only == "postgresql":
        admin = os.environ.get("SANDBOX_BENCH_POSTGRES_URL", "").strip()
        if not admin:
            parser.error("--only postgresql needs SANDBOX_BENCH_POSTGRES_URL")
        print(tree_state())
        with postgres_url(admin) as url:
            bench("PostgreSQL", url)
    elif args.only == "sqlite":
        print(tree_state())
        with sqlite_url() as url:
            bench("SQLite", url)
    else:
        on_each_backend(bench)


if __name__ == "__main__":
    main()
