"""Copy the task index out of the specification (../shared/task-catalog.json) into the repo.

The app and the CLI must run without ../shared, so ``scenarios/catalog-index.json`` keeps what
they need of every catalog task: code, module, titles, role, kind, points and prerequisites.
Run again whenever the catalog changes:  python tools/vendor_catalog.py [path/to/task-catalog.json]
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
FIELDS = ("code", "module", "title_zh", "title_en", "role", "kind", "points", "requires", "requires_one_of")


def main() -> int:
    source = Path(sys.argv[1]) if len(sys.argv) > 1 else ROOT.parent / "shared" / "task-catalog.json"
    catalog = json.loads(source.read_text(encoding="utf-8"))
    tasks = [{f: task.get(f) or ([] if f.startswith("requires") else None) for f in FIELDS} for task in catalog["tasks"]]
    out = {"source": catalog["catalog"]["source"], "task_count": len(tasks), "tasks": tasks}
    target = ROOT / "scenarios" / "catalog-index.json"
    target.write_text(json.dumps(out, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    print(f"{len(tasks)} tasks -> {target.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
