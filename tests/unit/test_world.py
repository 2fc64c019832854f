"""Each student's world is their own, the same on every run and machine; prices are whole fen."""

from __future__ import annotations

import os
import subprocess
import sys

from sandbox.config import PROJECT_ROOT
from seed.world import PRODUCT_KINDS, student_world, world_seed


def test_the_same_class_and_student_give_the_same_world():
    assert student_world(42, "ann") == student_world(42, "ann")
    assert student_world(42, 7) == student_world("42", "7")


def test_the_world_is_the_same_in_another_process_with_another_hash_seed():
    code = "from seed.world import student_world; print(repr(student_world(42, 'ann')))"
    env = {**os.environ, "PYTHONHASHSEED": "12345"}
    out = subprocess.run(
        [sys.executable, "-c", code], cwd=PROJECT_ROOT, env=env, capture_output=True, text=True, check=True, timeout=60
    ).stdout.strip()
    assert out == repr(student_world(42, "ann"))


def test_every_student_of_a_class_gets_a_different_world():
    worlds = [student_world(42, f"2026{i:03d}") for i in range(40)]
    assert len(set(worlds)) == 40
    assert len({tuple(p.price_fen for p in w.products) for w in worlds}) == 40
    assert len({w.company_en for w in worlds}) == 40


def test_the_same_student_gets_another_world_in_another_class():
    assert student_world(42, "ann") != student_world(43, "ann")
    assert world_seed(42, "ann") != world_seed(43, "ann") != world_seed(42, "bob")


def test_prices_are_whole_fen_within_the_range_of_their_kind():
    ranges = {kind[1]: (kind[4], kind[5]) for kind in PRODUCT_KINDS}
    for student in range(20):
        world = student_world(7, student)
        assert len(world.products) == 6
        assert len({p.sku for p in world.products}) == 6
        assert len({p.name_en for p in world.products}) == 6
        for product in world.products:
            assert type(product.price_fen) is int
            low, high = ranges[product.name_en]
            assert low <= product.price_fen <= high
            assert product.price_fen % 10 == 0  # whole jiao
            assert type(product.stock) is int and product.stock > 0


def test_the_world_speaks_both_languages():
    world = student_world(42, "ann")
    assert any("\u4e00" <= ch <= "\u9fff" for ch in world.person_zh + world.company_zh)
    assert world.person_en.isascii() and world.company_en.isascii()
    assert "\n" not in world.address_zh + world.address_en
