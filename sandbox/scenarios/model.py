"""Task definitions as loaded from scenario files, and the catalog index they are held against.

Invariants: a TaskDef mirrors one catalog task (same code, module, titles, role, kind, points,
prerequisites) and adds how the sandbox walks and grades it (page, hints, checks, readiness).
A TaskSet is immutable once loaded; ``order`` is the module's catalog order.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from sandbox.config import PROJECT_ROOT

SCENARIO_DIR = PROJECT_ROOT / "scenarios"
MODULES = ("B2B", "B2C", "C2C", "CA", "EBANK", "EDI", "EMAIL", "LGS", "NETSELL")


@dataclass(frozen=True)
class CheckSpec:
    kind: str
    params: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class TaskDef:
    code: str
    module: str
    title_zh: str
    title_en: str
    role: str
    kind: str
    points: float
    page: str
    requires: tuple[str, ...]
    requires_one_of: tuple[tuple[str, ...], ...]
    steps_zh: tuple[str, ...]
    steps_en: tuple[str, ...]
    hint_zh: str
    hint_en: str
    checks: tuple[CheckSpec, ...]
    ready: CheckSpec | None = None
    source: str = ""

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh_CN" else self.title_en

    def steps(self, lang: str) -> tuple[str, ...]:
        return self.steps_zh if lang == "zh_CN" else self.steps_en

    def hint(self, lang: str) -> str:
        return self.hint_zh if lang == "zh_CN" else self.hint_en


@dataclass(frozen=True)
class TaskSet:
    """The loaded tasks, by code, in catalog order."""

    tasks: dict[str, TaskDef]

    def in_module(self, module: str) -> list[TaskDef]:
        return [t for t in self.tasks.values() if t.module == module]

    def closure(self, code: str) -> list[str]:
        """Every task that ``requires`` (transitively) puts before ``code``, in order, then ``code``."""
        seen: list[str] = []

        def visit(c: str) -> None:
            task = self.tasks.get(c)
            if task is None or c in seen:
                return
            for r in task.requires:
                visit(r)
            seen.append(c)

        visit(code)
        return seen


@dataclass(frozen=True)
class CatalogTask:
    code: str
    module: str
    title_zh: str
    title_en: str
    role: str
    kind: str
    points: float

    def title(self, lang: str) -> str:
        return self.title_zh if lang == "zh_CN" else self.title_en


@cache
def catalog_index(path: Path | None = None) -> tuple[CatalogTask, ...]:
    """The 178 catalog tasks (vendored copy of the specification's index), in catalog order."""
    data = json.loads((path or SCENARIO_DIR / "catalog-index.json").read_text(encoding="utf-8"))
    return tuple(
        CatalogTask(t["code"], t["module"], t["title_zh"], t["title_en"], t["role"], t["kind"], float(t["points"]))
        for t in data["tasks"]
    )


def catalog_by_code() -> dict[str, CatalogTask]:
    return {t.code: t for t in catalog_index()}
