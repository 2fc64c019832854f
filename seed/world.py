"""Deterministic per-student worlds: names, companies, addresses and products from a class seed.

Invariants:
- ``student_world(class_seed, student_key)`` is a pure function: the same inputs give the same
  world on every machine and every run, and two students of one class get different worlds
  (so a copied answer fails its check).
- Values come from Faker's zh_CN and en_US providers, seeded with a SHA-256 of the inputs (never
  Python's salted ``hash()``); both languages describe the same entity side by side.
- Prices are integer fen; quantities are whole units.
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass, field

from faker import Faker

# Product kinds a trading company might deal in: (zh, en, unit zh, unit en, low fen, high fen).
PRODUCT_KINDS: tuple[tuple[str, str, str, str, int, int], ...] = (
    ("绿茶", "green tea", "千克", "kg", 8_000, 60_000),
    ("红茶", "black tea", "千克", "kg", 9_000, 50_000),
    ("丝绸围巾", "silk scarf", "条", "piece", 6_000, 40_000),
    ("陶瓷茶具", "ceramic tea set", "套", "set", 12_000, 150_000),
    ("竹制砧板", "bamboo cutting board", "块", "piece", 2_000, 9_000),
    ("不锈钢保温杯", "stainless steel vacuum flask", "个", "piece", 3_500, 19_000),
    ("蓝牙耳机", "Bluetooth earphones", "副", "pair", 9_900, 69_900),
    ("移动电源", "power bank", "个", "piece", 6_900, 29_900),
    ("纯棉T恤", "cotton T-shirt", "件", "piece", 2_900, 15_900),
    ("运动鞋", "running shoes", "双", "pair", 19_900, 89_900),
    ("办公椅", "office chair", "把", "piece", 39_900, 259_900),
    ("LED台灯", "LED desk lamp", "台", "piece", 5_900, 29_900),
    ("大米", "rice", "袋", "bag", 3_000, 12_000),
    ("食用油", "cooking oil", "桶", "drum", 4_500, 16_000),
    ("打印纸", "printer paper", "箱", "box", 9_000, 30_000),
    ("笔记本电脑", "laptop computer", "台", "piece", 299_900, 999_900),
)


@dataclass(frozen=True)
class Product:
    sku: str
    name_zh: str
    name_en: str
    unit_zh: str
    unit_en: str
    price_fen: int
    stock: int


@dataclass(frozen=True)
class StudentWorld:
    """One student's generated identity data, in Chinese and English."""

    person_zh: str
    person_en: str
    company_zh: str
    company_en: str
    address_zh: str
    address_en: str
    phone: str
    postcode: str
    products: tuple[Product, ...] = field(default_factory=tuple)


def world_seed(class_seed: int | str, student_key: int | str, salt: str = "world") -> int:
    """A 63-bit seed from (class seed, student, salt), stable across processes and machines."""
    digest = hashlib.sha256(f"{salt}|{class_seed}|{student_key}".encode()).digest()
    return int.from_bytes(digest[:8], "big") >> 1


def student_world(class_seed: int | str, student_key: int | str, products: int = 6) -> StudentWorld:
    """The deterministic world of one student in one class."""
    seed = world_seed(class_seed, student_key)
    zh = Faker("zh_CN")
    en = Faker("en_US")
    zh.seed_instance(seed)
    en.seed_instance(seed)
    rng = random.Random(seed)
    kinds = rng.sample(PRODUCT_KINDS, k=min(products, len(PRODUCT_KINDS)))
    items = []
    for index, (name_zh, name_en, unit_zh, unit_en, low, high) in enumerate(kinds, start=1):
        price = rng.randrange(low, high + 1, 10)  # whole jiao
        items.append(
            Product(
                sku=f"P{seed % 100_000:05d}-{index:02d}",
                name_zh=name_zh,
                name_en=name_en,
                unit_zh=unit_zh,
                unit_en=unit_en,
                price_fen=price,
                stock=rng.randrange(20, 501),
            )
        )
    company_en = en.company()
    return StudentWorld(
        person_zh=zh.name(),
        person_en=en.name(),
        company_zh=zh.company(),
        company_en=company_en,
        address_zh=zh.address().replace("\n", " "),
        address_en=en.address().replace("\n", ", "),
        phone=zh.phone_number(),
        postcode=zh.postcode(),
        products=tuple(items),
    )
