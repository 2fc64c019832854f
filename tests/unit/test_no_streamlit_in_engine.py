"""House rule 2: no module under sandbox/ (except sandbox/ui) or seed/ imports Streamlit."""

from __future__ import annotations

import ast
from pathlib import Path

from sandbox.config import PROJECT_ROOT


def streamlit_imports(source: str) -> list[int]:
    """Line numbers where ``source`` imports streamlit (import, from-import or importlib/__import__)."""
    lines = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            names = [node.module or ""] if node.level == 0 else []
        elif isinstance(node, ast.Call) and node.args and isinstance(node.args[0], ast.Constant):
            func = node.func
            called = func.id if isinstance(func, ast.Name) else getattr(func, "attr", "")
            names = [str(node.args[0].value)] if called in ("import_module", "__import__") else []
        else:
            continue
        if any(name == "streamlit" or name.startswith("streamlit.") for name in names):
            lines.append(node.lineno)
    return lines


def engine_files() -> list[Path]:
    files = [*(PROJECT_ROOT / "sandbox").rglob("*.py"), *(PROJECT_ROOT / "seed").rglob("*.py")]
    ui = PROJECT_ROOT / "sandbox" / "ui"
    return [f for f in files if ui not in f.parents]


def test_the_detector_sees_every_way_of_importing_streamlit():
    for source in (
        "import streamlit as st",
        "import os, streamlit.components.v1",
        "from streamlit import session_state",
        "from streamlit.testing.v1 import AppTest",
        "import importlib\nimportlib.import_module('streamlit')",
        "def f():\n    import streamlit",
    ):
        assert streamlit_imports(source), source
    assert streamlit_imports("import streamlit_like\nfrom . import streamlit_helpers") == []


def test_the_walk_covers_the_engine():
    names = {f.relative_to(PROJECT_ROOT).as_posix() for f in engine_files()}
    assert {"sandbox/db.py", "sandbox/identity/services.py", "seed/world.py"} <= names
    assert not any(name.startswith("sandbox/ui/") for name in names)


def test_no_engine_module_imports_streamlit():
    offenders = [
        f"{path.relative_to(PROJECT_ROOT)}:{line}"
        for path in engine_files()
        for line in streamlit_imports(path.read_text(encoding="utf-8"))
    ]
    assert offenders == []
