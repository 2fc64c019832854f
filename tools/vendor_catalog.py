"""Copy the task index out of the specification (../shared/task-catalog.json) into the repo.

The app and the CLI must run without ../shared, so ``scenarios/catalog-index.json`` keeps what
they need of every catalog task: code, module, titles, role, kind, points and prerequisites,
and ``scenarios/catalog-machines.json`` keeps the document state machines (id, module, state ids
with their zh/en words, transitions from/to/task/actor), against which tests check the
transition tables in ``sandbox/*/states.py``.
Run again whenever the catalog changes:  python tools/vendor_catalog.py [path/to/task-catalog.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("code", "module", "title_zh", "title_en", "role", "kind", "points", "requires", "requires_one_of")
STATE_FIELDS = ("id", "zh", "en")
TRANSITION_FIELDS = ("from", "to", "task", "actor")


def machines(catalog: dict[str, Any]) -> list[dict[str, Any]]:
    """The catalog's ``state_machines``, trimmed to what the transition-table tests compare."""
    return [
        {
            "id": machine["id"],
            "module": machine.get("module"),
            "states": [{f: state.get(f) for f in STATE_FIELDS} for state in machine.get("states", [])],
            "transitions": [{f: move.get(f) for f in TRANSITION_FIELDS} for move in machine.get("transitions", [])],
        }
        for machine in catalog.get("state_machines", [])
    ]


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "task-catalog.json"
    catalog = json.loads(source.read_text(encoding="utf-8"))
    tasks = [{f: task.get(f) or ([] if f.startswith("requires") else None) for f in FIELDS} for task in catalog["tasks"]]
    out = {"source": catalog["catalog"]["source"], "task_count": len(tasks), "tasks": tasks}
    target = ROOT / "scenarios" / "catalog-index.json"
    target.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(tasks)} tasks -> {target.relative_to(ROOT)}")
    found = machines(catalog)
    target = ROOT / "scenarios" / "catalog-machines.json"
    target.write_text(
        json.dumps({"source": catalog["catalog"]["source"], "machines": found}, ensure_ascii=False, indent=1) + "\n",
        encoding="utf-8",
    )
    print(f"{len(found)} state machines -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
