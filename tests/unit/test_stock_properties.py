"""Property test of ``sandbox.logistics.stock.move``: random sequences of shipments in, receipts,
transfers, deliveries and over-draws (single moves and several in one transaction) keep every
level >= 0, keep each level equal to its moves (in − out), conserve each item's total (what
came in from the supplier's premises), and a refused document changes nothing."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from argon2 import PasswordHasher
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import delete, func, select

from sandbox.b2b.members import seed_products
from sandbox.b2b.models import SUPPLIER, Member, Product
from sandbox.errors import DomainError
from sandbox.identity import passwords
from sandbox.logistics import providers, stock, warehouses
from sandbox.logistics.models import SUPPLIER_PREMISES, StockLevel, StockMove
from sandbox.uow import UnitOfWork
from tests import factories

Key = tuple[int, int, str]  # owner, product, location


@pytest.fixture(autouse=True, scope="module")
def fast_password_hashing() -> Iterator[None]:
    patch = pytest.MonkeyPatch()
    patch.setattr(passwords, "_HASHER", PasswordHasher(time_cost=1, memory_cost=1024, parallelism=1))
    yield
    patch.undo()


@dataclass(frozen=True)
class StockWorld:
    uow: UnitOfWork
    class_id: int
    items: list[tuple[int, int]]  # (owner member id, product id)
    warehouses: list[str]  # wh:<id> locations
    user_id: int


@pytest.fixture
def stock_world(uow: UnitOfWork) -> StockWorld:
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher)
    ann, bob, pat = (factories.student(uow, room, n) for n in ("ann", "bob", "pat"))
    items: list[tuple[int, int]] = []
    with uow.write() as s:
        for who in (ann, bob):
            member = Member(class_id=room.id, owner_id=who.user_id, member_type=SUPPLIER, login_name=who.username,
                            login_name_key=who.username, password_hash="-", company_name=f"{who.username} Co.",
                            contact_name="Li", phone="010-88886666", address="1 Road")
            s.add(member)
            s.flush()
            seed_products(s, member, count=2)
            items += [(member.id, pid) for pid in s.scalars(select(Product.id).where(Product.supplier_id == member.id))]
    providers.register_provider(uow, pat, name="Swift", contact_name="Zhao", phone="021-66668888", address="8 Road")
    houses = [warehouses.add_warehouse(uow, pat, code=c, name=c, address="Dock", capacity=10_000).id
              for c in ("WH01", "WH02", "WH03")]
    return StockWorld(uow, room.id, items, [f"wh:{h}" for h in houses], pat.user_id)


# A document is one or more moves (owner, product, quantity, from, to) in one transaction. Moves are
# drawn against the model so most succeed (ship in, receive, transfer, deliver) and some over-draw.
Move = tuple[tuple[int, int], int, str, str]
PLACES = ["transit:1", "transit:2", "road:1", "customer", "damaged"]


def _draw_move(data: st.DataObject, w: StockWorld, trial: Counter[Key], over: bool) -> Move:
    held = sorted(k for k, q in trial.items() if q > 0)
    if not held or data.draw(st.integers(0, 4), label="ship?") == 0:
        item = data.draw(st.sampled_from(w.items), label="item")
        return item, data.draw(st.integers(1, 30), label="qty"), SUPPLIER_PREMISES, data.draw(
            st.sampled_from(["transit:1", "transit:2", *w.warehouses]), label="to")
    owner, product, src = data.draw(st.sampled_from(held), label="source")
    dst = data.draw(st.sampled_from([x for x in [*w.warehouses, *PLACES] if x != src]), label="to")
    have = trial[(owner, product, src)]
    qty = have + data.draw(st.integers(1, 10), label="extra") if over else data.draw(st.integers(1, have), label="qty")
    return (owner, product), qty, src, dst


def _apply(trial: Counter[Key], move: Move) -> bool:
    (owner, product), qty, src, dst = move
    if src != SUPPLIER_PREMISES:
        if trial[(owner, product, src)] < qty:
            return False
        trial[(owner, product, src)] -= qty
    trial[(owner, product, dst)] += qty
    return True


def _db_levels(uow: UnitOfWork) -> Counter[Key]:
    with uow.read() as s:
        rows = s.execute(select(StockLevel.owner_id, StockLevel.product_id, StockLevel.location, StockLevel.quantity))
        return Counter({(o, p, loc): int(q) for o, p, loc, q in rows})


def _move_balances(uow: UnitOfWork) -> tuple[Counter[Key], Counter[tuple[int, int]], int]:
    """Per key: Σ moves in − Σ moves out (outside the supplier's premises); per item: units in from
    the supplier's premises; and the number of moves."""
    bal: Counter[Key] = Counter()
    came_in: Counter[tuple[int, int]] = Counter()
    with uow.read() as s:
        rows = list(s.execute(select(StockMove.owner_id, StockMove.product_id, StockMove.quantity,
                                     StockMove.from_location, StockMove.to_location)))
    for o, p, q, src, dst in rows:
        if src == SUPPLIER_PREMISES:
            came_in[(o, p)] += q
        else:
            bal[(o, p, src)] -= q
        if dst != SUPPLIER_PREMISES:
            bal[(o, p, dst)] += q
    return bal, came_in, len(rows)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_random_moves_keep_levels_non_negative_and_conserve_stock(stock_world: StockWorld, data: st.DataObject):
    w = stock_world
    with w.uow.write() as s:  # a fresh start for each example
        s.execute(delete(StockMove))
        s.execute(delete(StockLevel))
    model: Counter[Key] = Counter()
    steps = data.draw(st.integers(1, 25), label="documents")
    for doc_id in range(1, steps + 1):
        size = data.draw(st.integers(1, 3), label="moves")
        trial = model.copy()
        moves: list[Move] = []
        expect_ok = True
        for _ in range(size):
            move = _draw_move(data, w, trial, over=data.draw(st.integers(0, 7), label="over?") == 0)
            moves.append(move)
            expect_ok = _apply(trial, move) and expect_ok
            if not expect_ok:
                break
        before_moves = _move_balances(w.uow)[2]
        try:
            with w.uow.write() as s:
                for (owner, product), qty, src, dst in moves:
                    stock.move(s, class_id=w.class_id, owner_id=owner, product_id=product, quantity=qty,
                               from_location=src, to_location=dst, doc_kind="transfer", doc_id=doc_id,
                               actor_id=w.user_id)
            ok = True
        except DomainError as err:
            assert err.code == "lgs.not_enough_stock"
            ok = False
        assert ok == expect_ok, (moves, model)
        if ok:
            model = trial
        levels = _db_levels(w.uow)
        assert all(q >= 0 for q in levels.values())
        assert +levels == +model  # equal, ignoring zero levels
        balances, came_in, count = _move_balances(w.uow)
        if not ok:
            assert count == before_moves  # a refused document wrote no move
        assert +balances == +levels  # every level is the sum of its moves
        for owner, product in w.items:
            total = sum(q for (o, p, _loc), q in levels.items() if (o, p) == (owner, product))
            assert total == came_in[(owner, product)]
    with w.uow.read() as s:  # warehouse rows of wh: locations are filled in
        unlinked = s.scalar(select(func.count()).select_from(StockLevel).where(
            StockLevel.location.like("wh:%"), StockLevel.warehouse_id.is_(None)))
    assert unlinked == 0


def test_a_move_refuses_what_the_source_does_not_hold(stock_world: StockWorld):
    w = stock_world
    (owner, product), wh = w.items[0], w.warehouses[0]
    with w.uow.write() as s:
        stock.move(s, class_id=w.class_id, owner_id=owner, product_id=product, quantity=5,
                   from_location=SUPPLIER_PREMISES, to_location=wh, doc_kind="shipment", doc_id=1, actor_id=None)
    with pytest.raises(DomainError) as info, w.uow.write() as s:
        stock.move(s, class_id=w.class_id, owner_id=owner, product_id=product, quantity=6, from_location=wh,
                   to_location="customer", doc_kind="delivery", doc_id=1, actor_id=None)
    assert info.value.code == "lgs.not_enough_stock"
    assert (info.value.params["held"], info.value.params["wanted"], info.value.params["location"]) == (5, 6, "WH01")
    for bad in (0, -1, True):
        with pytest.raises(ValueError), w.uow.write() as s:
            stock.move(s, class_id=w.class_id, owner_id=owner, product_id=product, quantity=bad, from_location=wh,
                       to_location="customer", doc_kind="delivery", doc_id=1, actor_id=None)
    with w.uow.read() as s:
        assert stock.level(s, owner, product, wh) == 5
        assert [lv.quantity for lv in stock.levels(s, warehouse_id=int(wh[3:]))] == [5]
