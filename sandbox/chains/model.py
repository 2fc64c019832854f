"""Chains: catalog tasks played end to end by several parties, as declared in scenarios/chains/*.yaml.

A chain (catalog-notes.md §2: A, B, C ...) is an ordered list of steps; each step is one catalog
task done by one *part* (a party such as the buyer company, the supplier company or the logistics
company). The same code may appear for two parts (identity tasks done once per company).

Invariants:
- A chain file is accepted whole or not at all; ``ChainError`` names the file, the line, the
  chain, the step (its position and code) and the field at fault.
- Every step's code is a catalog task (``catalog_index()``), every step's part is declared, a
  part does a code at most once, every part has a step, and a code's catalog ``requires`` that
  occur in the chain come earlier in it.
- What each step *does* is code (``sandbox/chains/chain_<id>.py``); this module is only the data.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sandbox.errors import DomainError
from sandbox.i18n import t
from sandbox.scenarios.model import SCENARIO_DIR, catalog_by_code

CHAIN_DIR = SCENARIO_DIR / "chains"
CHAIN_ID = re.compile(r"^[A-Z][A-Za-z0-9]{0,7}$")
PART_ID = re.compile(r"^[a-z][a-z0-9_]{0,23}$")
CHAIN_TEXT = ("id", "title_zh", "title_en", "description_zh", "description_en")
CHAIN_FIELDS = frozenset((*CHAIN_TEXT, "parts", "steps", "__line__"))
PART_TEXT = ("id", "label_zh", "label_en", "role_zh", "role_en")
PART_FIELDS = frozenset((*PART_TEXT, "__line__"))
STEP_FIELDS = frozenset(("code", "part", "__line__"))


class ChainError(DomainError):
    """A chain file is invalid: ``file``, ``line``, ``chain``, ``step`` and ``field`` say where."""

    def __init__(self, file: str, problem: str, *, line: int = 0, chain: str = "-", step: str = "-",
                 field: str = "-", **extra: Any) -> None:
        super().__init__("chain.invalid", file=file, line=line, chain=chain, step=step, where=field, reason=problem,
                         **extra)

    def plain(self) -> str:
        p = self.params
        extra = {k: v for k, v in p.items() if k not in ("file", "line", "chain", "step", "where", "reason")}
        detail = f" {extra}" if extra else ""
        reason = " / ".join(t("chain.file." + p["reason"].removeprefix("chain."), lang, **extra) for lang in ("en", "zh_CN"))
        return (f"{p['file']}:{p['line']}: chain {p['chain']}, step {p['step']}, field {p['where']}: "
                f"{reason} ({p['reason']}){detail}")

    def __str__(self) -> str:
        return self.plain()


@dataclass(frozen=True)
class Part:
    """One party of a chain (e.g. ``buyer``), with its label and what it does."""

    id: str
    label_zh: str
    label_en: str
    role_zh: str
    role_en: str

    def label(self, lang: str) -> str:
        return self.label_zh if lang == "zh_CN" else self.label_en

    def role(self, lang: str) -> str:
        return self.role_zh if lang == "zh_CN" else self.role_en


@dataclass(frozen=True)
class Step:
    """One step: catalog task ``code`` done by part ``part``; ``index`` counts from 1 in chain order."""

    index: int
    code: str
    part: str

    def __str__(self) -> str:
        return f"{self.index} {self.code} ({self.part})"


@dataclass(frozen=True)
class Chain:
    id: str
    title_zh: str
    title_en: str
    description_zh: str
    description_en: str
    parts: tuple[Part, ...]
    steps: tuple[Step, ...]
    source: str = ""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh_CN" else self.title_en

    def description(self, lang: str) -> str:
        return self.description_zh if lang == "zh_CN" else self.description_en

    @property
    def part_ids(self) -> tuple[str, ...]:
        return tuple(p.id for p in self.parts)

    def part(self, part_id: str) -> Part:
        for p in self.parts:
            if p.id == part_id:
                return p
        raise KeyError(part_id)

    def codes_of(self, part_id: str) -> list[str]:
        """The codes ``part_id`` does, in chain order (KeyError for an undeclared part)."""
        self.part(part_id)
        return [s.code for s in self.steps if s.part == part_id]

    @property
    def task_runs(self) -> int:
        """How many graded task runs one play of the chain makes (one per step)."""
        return len(self.steps)


class _LineLoader(yaml.SafeLoader):
    """A safe loader that remembers the line of every mapping as ``__line__``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


@cache
def _catalog_requires() -> dict[str, tuple[str, ...]]:
    data = json.loads((SCENARIO_DIR / "catalog-index.json").read_text(encoding="utf-8"))
    return {t["code"]: tuple(t.get("requires") or ()) for t in data["tasks"]}


def _text(raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    return value.strip() if isinstance(value, str) and value.strip() else None


def parse_chain(text: str, file: str) -> Chain:
    """One chain file's text as a Chain; ChainError on the first problem."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506  (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ChainError(file, "chain.yaml_syntax", line=(mark.line + 1) if mark else 0,
                         detail=str(getattr(exc, "problem", exc))) from None
    if not isinstance(data, dict):
        raise ChainError(file, "chain.not_a_mapping")
    chain_id = data.get("id") if isinstance(data.get("id"), str) else "-"

    def err(problem: str, field: str, line: int = 0, step: str = "-", **extra: Any) -> ChainError:
        return ChainError(file, problem, line=line or data.get("__line__", 0), chain=chain_id, step=step,
                          field=field, **extra)

    texts: dict[str, str] = {}
    for name in CHAIN_TEXT:
        value = _text(data, name)
        if value is None:
            raise err("chain.missing_field", name)
        texts[name] = value
    if not CHAIN_ID.match(texts["id"]):
        raise err("chain.bad_id", "id")
    unknown = set(data) - CHAIN_FIELDS
    if unknown:
        raise err("chain.unknown_field", sorted(unknown)[0])
    parts_raw = data.get("parts")
    if not isinstance(parts_raw, list) or not parts_raw:
        raise err("chain.no_parts", "parts")
    parts: list[Part] = []
    for i, raw in enumerate(parts_raw):
        where = f"parts[{i}]"
        if not isinstance(raw, dict):
            raise err("chain.not_a_mapping", where)
        line = raw.get("__line__", 0)
        if set(raw) - PART_FIELDS:
            raise err("chain.unknown_field", f"{where}.{sorted(set(raw) - PART_FIELDS)[0]}", line)
        values: dict[str, str] = {}
        for name in PART_TEXT:
            value = _text(raw, name)
            if value is None:
                raise err("chain.missing_field", f"{where}.{name}", line)
            values[name] = value
        if not PART_ID.match(values["id"]):
            raise err("chain.bad_part_id", f"{where}.id", line)
        if any(p.id == values["id"] for p in parts):
            raise err("chain.duplicate_part", f"{where}.id", line, part=values["id"])
        parts.append(Part(**values))
    declared = {p.id for p in parts}
    steps_raw = data.get("steps")
    if not isinstance(steps_raw, list) or not steps_raw:
        raise err("chain.no_steps", "steps")
    catalog = catalog_by_code()
    requires = _catalog_requires()
    in_chain = {x.get("code") for x in steps_raw if isinstance(x, dict)}
    steps: list[Step] = []
    done: set[tuple[str, str]] = set()
    for i, raw in enumerate(steps_raw, start=1):
        if not isinstance(raw, dict):
            raise err("chain.not_a_mapping", "steps", step=str(i))
        line = raw.get("__line__", 0)
        code = raw.get("code") if isinstance(raw.get("code"), str) else "-"
        name = f"{i} {code}"
        if set(raw) - STEP_FIELDS:
            raise err("chain.unknown_field", sorted(set(raw) - STEP_FIELDS)[0], line, name)
        if code not in catalog:
            raise err("chain.unknown_code", "code", line, name)
        part = raw.get("part")
        if not isinstance(part, str) or part not in declared:
            raise err("chain.undeclared_part", "part", line, name, part=str(part), declared=sorted(declared))
        if (code, part) in done:
            raise err("chain.duplicate_step", "code", line, name, part=part)
        earlier = {s.code for s in steps}
        later = [r for r in requires.get(code, ()) if r in in_chain and r not in earlier]
        if later:
            raise err("chain.requires_later", "code", line, name, requires=later[0])
        done.add((code, part))
        steps.append(Step(i, code, part))
    idle = [p.id for p in parts if not any(s.part == p.id for s in steps)]
    if idle:
        raise err("chain.part_without_steps", "parts", part=idle[0])
    return Chain(parts=tuple(parts), steps=tuple(steps), source=file, **texts)


def load_chains(folder: Path = CHAIN_DIR) -> dict[str, Chain]:
    """Every chain of ``folder``'s ``*.yaml`` files by id; ChainError if any file is bad or two
    files declare the same id."""
    found: dict[str, Chain] = {}
    for path in sorted(folder.glob("*.yaml")):
        chain = parse_chain(path.read_text(encoding="utf-8"), path.name)
        if chain.id in found:
            raise ChainError(path.name, "chain.duplicate_id", chain=chain.id, field="id", other=found[chain.id].source)
        found[chain.id] = chain
    return found
