"""Load and validate scenario files (YAML) into a TaskSet.

Invariants:
- A file is accepted whole or not at all; an error names the file, the line, the task code and
  the field (``ScenarioError``), and the previously loaded TaskSet stays in force.
- Every entry matches the catalog: the code exists, and module, role, kind and points agree;
  every prerequisite is a catalog code; every check kind is registered with known parameters.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import yaml

from sandbox.errors import DomainError
from sandbox.i18n import t
from sandbox.pages import TASK_PAGES
from sandbox.scenarios.checks import REGISTRY
from sandbox.scenarios.model import SCENARIO_DIR, CheckSpec, TaskDef, TaskSet, catalog_by_code

MAX_FILE_BYTES = 1_000_000  # the shipped packs are 30-90 kB; a bigger upload is refused unread
REQUIRED_TEXT = ("code", "module", "title_zh", "title_en", "role", "kind", "page", "hint_zh", "hint_en")
MIRRORED = ("module", "role", "kind")
KNOWN_FIELDS = frozenset(
    (*REQUIRED_TEXT, "points", "requires", "requires_one_of", "steps_zh", "steps_en", "checks", "ready", "__line__")
)


class ScenarioError(DomainError):
    """A scenario file is invalid: ``file``, ``line``, ``task`` and ``field`` say where."""

    def __init__(self, file: str, problem: str, *, line: int = 0, task: str = "-", field: str = "-", **extra: Any):
        super().__init__("scenario.invalid", file=file, line=line, task=task, where=field, reason=problem, **extra)

    def plain(self) -> str:
        p = self.params
        extra = {k: v for k, v in p.items() if k not in ("file", "line", "task", "where", "reason")}
        detail = f" {extra}" if extra else ""
        reason = " / ".join(t(p["reason"], lang, **extra) for lang in ("en", "zh_CN"))
        return f"{p['file']}:{p['line']}: task {p['task']}, field {p['where']}: {reason} ({p['reason']}){detail}"


class _LineLoader(yaml.SafeLoader):
    """A safe loader (no tags that build objects, so a file can never run code) that remembers the
    line of every mapping as ``__line__`` and refuses aliases (``*name``): scenario files need none,
    and nested aliases are the "billion laughs" way to make a small file expensive."""

    def compose_node(self, parent: Any, index: Any) -> Any:
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(None, None, "aliases (*name) are not allowed", event.start_mark)
        return super().compose_node(parent, index)

    def construct_mapping(self, node: yaml.MappingNode, deep: bool = False) -> dict[Any, Any]:
        mapping = super().construct_mapping(node, deep=deep)
        mapping["__line__"] = node.start_mark.line + 1
        return mapping


def _check_spec(raw: Any, err: Any, field: str) -> CheckSpec:
    if not isinstance(raw, dict) or not isinstance(raw.get("kind"), str):
        raise err("scenario.check_kind_missing", field)
    kind = raw["kind"]
    if kind not in REGISTRY:
        raise err("scenario.unknown_check", field, kind=kind)
    params = {k: v for k, v in raw.items() if k not in ("kind", "__line__")}
    unknown = set(params) - REGISTRY[kind][1]
    if unknown:
        raise err("scenario.unknown_param", field, kind=kind, param=sorted(unknown)[0])
    return CheckSpec(kind, params)


def _str_list(value: Any, err: Any, field: str) -> tuple[str, ...]:
    if value is None:
        return ()
    if not isinstance(value, list) or not all(isinstance(v, str) and v.strip() for v in value):
        raise err("scenario.bad_list", field)
    return tuple(value)


def parse_task(raw: Any, file: str) -> TaskDef:
    """One scenario entry checked against the catalog and the check registry."""
    line = raw.get("__line__", 0) if isinstance(raw, dict) else 0
    code = raw.get("code") if isinstance(raw, dict) and isinstance(raw.get("code"), str) else "-"

    def err(problem: str, field: str, **extra: Any) -> ScenarioError:
        return ScenarioError(file, problem, line=line, task=code, field=field, **extra)

    if not isinstance(raw, dict):
        raise err("scenario.not_a_mapping", "-")
    for name in REQUIRED_TEXT:
        if not isinstance(raw.get(name), str) or not raw[name].strip():
            raise err("scenario.missing_field", name)
    unknown = set(raw) - KNOWN_FIELDS
    if unknown:
        raise err("scenario.unknown_field", sorted(unknown)[0])
    catalog = catalog_by_code()
    spec = catalog.get(code)
    if spec is None:
        raise err("scenario.unknown_code", "code")
    for name in MIRRORED:
        if raw[name] != getattr(spec, name):
            raise err("scenario.catalog_mismatch", name, expected=getattr(spec, name))
    points = raw.get("points", spec.points)
    if not isinstance(points, int | float) or isinstance(points, bool) or points <= 0:
        raise err("scenario.bad_points", "points")
    if raw["page"] not in TASK_PAGES:
        raise err("scenario.unknown_page", "page", page=raw["page"])
    requires = _str_list(raw.get("requires"), err, "requires")
    groups_raw = raw.get("requires_one_of") or []
    if not isinstance(groups_raw, list):
        raise err("scenario.bad_list", "requires_one_of")
    groups = tuple(_str_list(g, err, "requires_one_of") for g in groups_raw)
    for ref in (*requires, *(c for g in groups for c in g)):
        if ref not in catalog:
            raise err("scenario.unknown_requires", "requires", ref=ref)
    steps_zh = _str_list(raw.get("steps_zh"), err, "steps_zh")
    steps_en = _str_list(raw.get("steps_en"), err, "steps_en")
    if not steps_zh or len(steps_zh) != len(steps_en):
        raise err("scenario.steps_mismatch", "steps_en")
    checks_raw = raw.get("checks")
    if not isinstance(checks_raw, list) or not checks_raw:
        raise err("scenario.no_checks", "checks")
    checks = tuple(_check_spec(c, err, f"checks[{i}]") for i, c in enumerate(checks_raw))
    ready = _check_spec(raw["ready"], err, "ready") if raw.get("ready") is not None else None
    return TaskDef(
        code=code, module=raw["module"], title_zh=raw["title_zh"].strip(), title_en=raw["title_en"].strip(),
        role=raw["role"], kind=raw["kind"], points=float(points), page=raw["page"],
        requires=requires, requires_one_of=groups, steps_zh=steps_zh, steps_en=steps_en,
        hint_zh=raw["hint_zh"].strip(), hint_en=raw["hint_en"].strip(), checks=checks, ready=ready, source=file,
    )


def parse_text(text: str, file: str) -> list[TaskDef]:
    """All entries of one scenario file's text; ScenarioError on the first problem."""
    try:
        data = yaml.load(text, Loader=_LineLoader)  # noqa: S506  (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(file, "scenario.yaml_syntax", line=(mark.line + 1) if mark else 0,
                            detail=str(getattr(exc, "problem", exc))) from None
    if not isinstance(data, dict) or not isinstance(data.get("tasks"), list):
        raise ScenarioError(file, "scenario.no_tasks", field="tasks")
    module = data.get("module")
    tasks = [parse_task(raw, file) for raw in data["tasks"]]
    seen: set[str] = set()
    for task in tasks:
        if module is not None and task.module != module:
            raise ScenarioError(file, "scenario.catalog_mismatch", task=task.code, field="module", expected=module)
        if task.code in seen:
            raise ScenarioError(file, "scenario.duplicate_code", task=task.code, field="code")
        seen.add(task.code)
    return tasks


def read_upload(data: bytes, file: str) -> str:
    """The text of an uploaded or named scenario file: at most MAX_FILE_BYTES of UTF-8, else
    ScenarioError ``scenario.too_large`` / ``scenario.not_utf8`` (with the line of the first bad byte)."""
    if len(data) > MAX_FILE_BYTES:
        raise ScenarioError(file, "scenario.too_large", max_kb=MAX_FILE_BYTES // 1000, kb=len(data) // 1000)
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ScenarioError(file, "scenario.not_utf8", line=data[: exc.start].count(b"\n") + 1) from None


def validate_file(data: bytes, file: str) -> list[TaskDef]:
    """Every entry of one scenario file (``python -m sandbox scenarios validate``, the instructor's
    upload): the whole file is checked and nothing is loaded; ScenarioError names where it is wrong."""
    from sandbox.scenarios import registry  # noqa: F401  (registers every module's check kinds)

    return parse_text(read_upload(data, file), file)


def file_kind(text: str, file: str) -> str:
    """``"chain"`` for a chain file (``steps`` and no ``tasks`` at its top), else ``"tasks"``.

    The text is read with the same safe, alias-refusing loader as a task file, so a chain file
    with aliases or object tags is refused too: ScenarioError ``scenario.yaml_syntax`` with its line.
    """
    try:
        top = yaml.load(text, Loader=_LineLoader)  # noqa: S506  (a SafeLoader subclass)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        raise ScenarioError(file, "scenario.yaml_syntax", line=(mark.line + 1) if mark else 0,
                            detail=str(getattr(exc, "problem", exc))) from None
    return "chain" if isinstance(top, dict) and "steps" in top and "tasks" not in top else "tasks"


def load_directory(folder: Path = SCENARIO_DIR) -> TaskSet:
    """Every ``*.yaml`` file of ``folder`` as one TaskSet, in catalog order; ScenarioError if any is bad."""
    from sandbox.scenarios import registry  # noqa: F401  (registers every module's check kinds)

    found: dict[str, TaskDef] = {}
    for path in sorted(folder.glob("*.yaml")):
        for task in parse_text(path.read_text(encoding="utf-8"), path.name):
            if task.code in found:
                raise ScenarioError(path.name, "scenario.duplicate_code", task=task.code, field="code",
                                    other=found[task.code].source)
            found[task.code] = task
    order = {c: i for i, c in enumerate(catalog_by_code())}
    return TaskSet(dict(sorted(found.items(), key=lambda item: order[item[0]])))


class ScenarioLibrary:
    """The scenarios in force: reload() swaps in a new TaskSet only when every file is valid."""

    def __init__(self, folder: Path = SCENARIO_DIR) -> None:
        self.folder = folder
        self.tasks = load_directory(folder)
        self.last_error: ScenarioError | None = None

    def reload(self) -> ScenarioError | None:
        try:
            self.tasks = load_directory(self.folder)
            self.last_error = None
        except ScenarioError as exc:
            self.last_error = exc  # keep the last good TaskSet
        return self.last_error
