"""Guided-tour texts (引导教程): why each step of a chain matters, in zh and en.

One file per chain, ``scenarios/tours/<chain id>.yaml``::

    chain: A
    intro_zh: …            # what the tour is about
    intro_en: …
    steps:
    - code: EMAIL001
      part: [buyer, supplier]   # one part or a list of parts sharing the text
      page: mailbox             # optional: where to do it (default: the task's ``page``)
      why_zh: …
      why_en: …

Invariants:
- A tour file is accepted whole or not at all (``TourError`` names the file, the line, the step
  and the field), and is read with the YAML safe loader (no code can run).
- Every step of the chain, each ``(code, part)`` pair, has exactly one text, in both languages;
  a text for a step the chain does not have is an error, and so is an unknown page id.
- Tours are content, like chains: read once per process (``load_tours``), never written.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

import yaml

from sandbox.chains import Chain, load_chains
from sandbox.errors import DomainError
from sandbox.pages import TASK_PAGES
from sandbox.scenarios.model import SCENARIO_DIR

TOUR_DIR = SCENARIO_DIR / "tours"
TOP_FIELDS = frozenset(("chain", "intro_zh", "intro_en", "steps", "__line__"))
STEP_FIELDS = frozenset(("code", "part", "page", "why_zh", "why_en", "__line__"))
_CJK = "\u3000-\u303f\u4e00-\u9fff\uff00-\uffef"
# a folded YAML line break becomes a space; Chinese text has none next to its characters
_CJK_SPACE = re.compile(f"(?<=[{_CJK}])\\s+|\\s+(?=[{_CJK}])")


class TourError(DomainError):
    """A tour file is invalid: ``file``, ``line``, ``step`` and ``where`` (the field) say where."""

    def __init__(self, file: str, reason: str, *, line: int = 0, step: str = "-", where: str = "-",
                 **extra: Any) -> None:
        super().__init__("tour.invalid", file=file, line=line, step=step, where=where,
                         reason=f"tour.file.{reason}", **extra)

    def __str__(self) -> str:
        p = self.params
        return f"{p['file']}:{p['line']}: step {p['step']}, field {p['where']}: {p['reason']}"


@dataclass(frozen=True)
class StepText:
    """Why one step of a chain matters, and where (page id) it is done, if not the task's page."""

    code: str
    part: str
    why_zh: str
    why_en: str
    page: str | None = None

    def why(self, lang: str) -> str:
        return self.why_zh if lang == "zh_CN" else self.why_en


@dataclass(frozen=True)
class TourText:
    chain_id: str
    intro_zh: str
    intro_en: str
    steps: dict[tuple[str, str], StepText]  # (code, part) -> text

    def intro(self, lang: str) -> str:
        return self.intro_zh if lang == "zh_CN" else self.intro_en


class _LineLoader(yaml.SafeLoader):
    """The safe loader, remembering each mapping's line as ``__line__``."""

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _text(raw: dict[str, Any], name: str) -> str | None:
    value = raw.get(name)
    if not isinstance(value, str) or not value.strip():
        return None
    return _CJK_SPACE.sub("", value.strip()) if name.endswith("_zh") else value.strip()


def parse_tour(text: str, file: str, chains: dict[str, Chain]) -> TourText:
    """One tour file's text, checked against its chain; TourError on the first problem."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506  (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise TourError(file, "yaml_syntax", line=(mark.line + 1) if mark else 0) from None
    if not isinstance(data, dict):
        raise TourError(file, "not_a_mapping")
    top = data.get("__line__", 0)
    unknown = sorted(set(data) - TOP_FIELDS)
    if unknown:
        raise TourError(file, "unknown_field", line=top, where=str(unknown[0]))
    chain = chains.get(str(data.get("chain")))
    if chain is None:
        raise TourError(file, "unknown_chain", line=top, where="chain", known=", ".join(sorted(chains)))
    intro = {}
    for name in ("intro_zh", "intro_en"):
        value = _text(data, name)
        if value is None:
            raise TourError(file, "missing_text", line=top, where=name)
        intro[name] = value
    wanted = {(s.code, s.part) for s in chain.steps}
    raw_steps = data.get("steps")
    if not isinstance(raw_steps, list) or not raw_steps:
        raise TourError(file, "no_steps", line=top, where="steps")
    texts: dict[tuple[str, str], StepText] = {}
    for i, raw in enumerate(raw_steps):
        where = f"steps[{i}]"
        if not isinstance(raw, dict):
            raise TourError(file, "not_a_mapping", line=top, where=where)
        line = raw.get("__line__", 0)
        code = raw.get("code") if isinstance(raw.get("code"), str) else "-"
        if set(raw) - STEP_FIELDS:
            raise TourError(file, "unknown_field", line=line, step=code, where=f"{where}.{sorted(set(raw) - STEP_FIELDS)[0]}")
        parts = raw.get("part")
        parts = [parts] if isinstance(parts, str) else parts
        if not isinstance(parts, list) or not parts or not all(isinstance(p, str) for p in parts):
            raise TourError(file, "missing_part", line=line, step=code, where=f"{where}.part")
        why = {}
        for name in ("why_zh", "why_en"):
            value = _text(raw, name)
            if value is None:
                raise TourError(file, "missing_text", line=line, step=code, where=f"{where}.{name}")
            why[name] = value
        page = raw.get("page")
        if page is not None and page not in TASK_PAGES:
            raise TourError(file, "unknown_page", line=line, step=code, where=f"{where}.page", page=str(page))
        for part in parts:
            key = (code, part)
            if key not in wanted:
                raise TourError(file, "not_in_chain", line=line, step=code, where=f"{where}.part", part=part)
            if key in texts:
                raise TourError(file, "duplicate_step", line=line, step=code, where=f"{where}.part", part=part)
            texts[key] = StepText(code, part, why["why_zh"], why["why_en"], page)
    missing = [f"{c}/{p}" for s in chain.steps if (c := s.code, p := s.part) not in texts]
    if missing:
        raise TourError(file, "step_not_covered", line=top, step=missing[0], where="steps", missing=", ".join(missing))
    return TourText(chain.id, intro["intro_zh"], intro["intro_en"], texts)


def load_tours(folder: Path | None = None) -> dict[str, TourText]:
    """Every tour file of ``folder`` (default scenarios/tours), by chain id; TourError if one is bad."""
    if folder is None:
        return _shipped_tours()
    return _read(folder)


@cache
def _shipped_tours() -> dict[str, TourText]:
    return _read(TOUR_DIR)


def _read(folder: Path) -> dict[str, TourText]:
    chains = load_chains()
    out: dict[str, TourText] = {}
    for path in sorted(folder.glob("*.yaml")):
        tour = parse_tour(path.read_text(encoding="utf-8"), path.name, chains)
        if tour.chain_id in out:
            raise TourError(path.name, "duplicate_chain", where="chain")
        out[tour.chain_id] = tour
    return out
