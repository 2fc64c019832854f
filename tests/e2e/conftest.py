"""Browser-test fixtures: servers, and pytest-playwright pointed at Debian's Chromium."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.support import CHROMIUM, CHROMIUM_ARGS, Server, serve


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """One server for the main-flow tests of the session."""
    data = tmp_path_factory.mktemp("e2e-server") / "data"
    data.mkdir()
    with serve(data) as srv:
        yield srv


@pytest.fixture
def fresh_server(tmp_path: Path) -> Iterator[Server]:
    """A server of its own that no browser has visited yet (the pages/ trap of streamlit-notes 2.4)."""
    data = tmp_path / "data"
    data.mkdir()
    with serve(data) as srv:
        yield srv


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args: dict) -> dict:
    if not Path(CHROMIUM).exists():
        pytest.skip("Debian chromium is not installed (scripts/test installs it)")
    return {**browser_type_launch_args, "executable_path": CHROMIUM, "args": CHROMIUM_ARGS}


@pytest.fixture(scope="session")
def browser_context_args(browser_context_args: dict) -> dict:
    return {**browser_context_args, "locale": "en-US", "viewport": {"width": 1280, "height": 860}}
