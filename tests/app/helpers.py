"""Helpers for AppTest: build, run, submit, read back; every run checks for exceptions."""

from __future__ import annotations

import pickle
from pathlib import Path

from sqlalchemy import func, select
from streamlit.testing.v1 import AppTest

from sandbox.actor import Actor
from sandbox.i18n import t
from sandbox.uow import UnitOfWork

ROOT = Path(__file__).resolve().parents[2]


def new_app(script: str = "app.py", *, locale: str | None = None, actor: Actor | None = None) -> AppTest:
    """An AppTest of ``script`` (relative to the project root), not yet run."""
    at = AppTest.from_file(str(ROOT / script), default_timeout=30)
    if locale:
        at.context = {"locale": locale}
    if actor is not None:
        at.session_state["actor"] = actor
    return at


def check(at: AppTest) -> AppTest:
    """No uncaught exception, and every session-state value of ours pickles."""
    assert not at.exception, [e.value for e in at.exception]
    for key, value in at.session_state.items():
        try:
            pickle.dumps(value)
        except Exception as exc:
            raise AssertionError(f"session_state[{key!r}] does not pickle: {exc}") from exc
    return at


def run(at: AppTest) -> AppTest:
    return check(at.run())


def submit(at: AppTest, form: str) -> AppTest:
    """Click the submit button of ``form`` and run."""
    (button,) = [b for b in at.button if b.form_id == form]
    return check(button.click().run())


def fill(at: AppTest, **values: str) -> None:
    for key, value in values.items():
        at.text_input(key=key).input(value)


def titles(at: AppTest) -> list[str]:
    return [e.value for e in at.title]


def errors(at: AppTest) -> list[str]:
    return [e.value for e in at.error]


def warnings(at: AppTest) -> list[str]:
    return [e.value for e in at.warning]


def successes(at: AppTest) -> list[str]:
    return [e.value for e in at.success]


def rendered(at: AppTest) -> str:
    """Everything rendered (main area and sidebar), as text, for "no data shown" checks."""
    return repr(at.main) + repr(at.sidebar)


def en(key: str, **params: object) -> str:
    return t(key, "en", **params)


def zh(key: str, **params: object) -> str:
    return t(key, "zh_CN", **params)


def count(uow: UnitOfWork, model: type, *where: object) -> int:
    with uow.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)
