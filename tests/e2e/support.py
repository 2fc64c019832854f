"""Support for the browser tests: a real server, Debian's Chromium settings, waits, screenshots.

- ``serve`` starts ``streamlit run app.py`` on a free loopback port with its own empty data
  folder (SQLite created by the app itself, ``SANDBOX_DATABASE_URL`` unset), waits for
  ``/_stcore/health``, and stops it afterwards.
- ``CHROMIUM``/``CHROMIUM_ARGS``: pytest-playwright's launch arguments (``conftest.py``) point at ``/usr/bin/chromium`` with flags that keep it
  off the network (streamlit-notes 3.3).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from playwright.sync_api import Locator, Page, expect

from sandbox.i18n import t

ROOT = Path(__file__).resolve().parents[2]
# Screenshots go to test-artifacts/ (ignored by git); SANDBOX_SCREENSHOTS=docs/screenshots
# refreshes the README's pictures instead.
SCREENSHOTS = ROOT / os.environ.get("SANDBOX_SCREENSHOTS", "test-artifacts/screenshots")
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-dev-shm-usage",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]

expect.set_options(timeout=15_000)


@dataclass(frozen=True)
class Server:
    url: str
    data_dir: Path

    @property
    def database_url(self) -> str:
        return f"sqlite:///{self.data_dir / 'sandbox.db'}"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def serve(data_dir: Path) -> Iterator[Server]:
    """A freshly started app server on an empty data folder."""
    port = _free_port()
    env = {k: v for k, v in os.environ.items() if k != "SANDBOX_DATABASE_URL"}
    env["SANDBOX_DATA_DIR"] = str(data_dir)
    log = data_dir.parent / f"server-{port}.log"
    cmd = [
        sys.executable, "-m", "streamlit", "run", "app.py",
        "--server.headless=true", "--server.address=127.0.0.1", f"--server.port={port}",
        "--server.fileWatcherType=none", "--browser.gatherUsageStats=false",
    ]
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as resp:  # noqa: S310 (loopback)
                    if resp.read().strip() == b"ok":
                        break
            except OSError:
                pass
            if proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"streamlit did not start:\n{log.read_text(errors='replace')[-3000:]}")
            time.sleep(0.2)
        yield Server(url, data_dir)
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def settle(page: Page) -> None:
    """Wait until the app is connected and no script run is going (Streamlit's own e2e helper)."""
    page.wait_for_timeout(160)  # a rerun may not have started yet right after an action
    app = page.locator("[data-testid=stApp]")
    expect(app).to_have_attribute("data-test-connection-state", "CONNECTED")
    expect(app).to_have_attribute("data-test-script-state", "notRunning")


def shoot(page: Page, name: str) -> None:
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(SCREENSHOTS / name))


# ----------------------------------------------------------------------------- page helpers

PASSWORD = "correct-horse-1"


def en(key: str, **params: object) -> str:
    return t(key, "en", **params)


def zh(key: str, **params: object) -> str:
    return t(key, "zh_CN", **params)


def fill(page: Page, **values: str) -> None:
    """Type into keyed text inputs (every widget has a key: ``.st-key-<key>``)."""
    for key, value in values.items():
        page.locator(f".st-key-{key} input").fill(value)


def nav(page: Page, title: str) -> Locator:
    return page.get_by_test_id("stSidebarNavLink").filter(has_text=title)


def go(page: Page, title: str, heading: str) -> None:
    """Open a page from the sidebar menu and wait for its heading."""
    nav(page, title).click()
    expect(page.locator("h1")).to_have_text([heading])  # the new page's one h1 (the old one can linger a moment)
    settle(page)


def set_up_class(page: Page, server: Server, name: str = "EC-2026 A") -> str:
    """On a fresh server: first-run setup as instructor Wang Fang, then a class; its enrollment code."""
    page.goto(server.url + "/")
    settle(page)
    expect(page.locator("h1")).to_have_text([en("setup.title")])
    fill(page, setup_username="teacher", setup_full_name="Wang Fang", setup_password=PASSWORD, setup_confirm=PASSWORD)
    page.get_by_role("button", name=en("setup.submit")).click()
    expect(page.locator("h1")).to_have_text([en("home.title", name="Wang Fang")])
    settle(page)
    go(page, en("page.classes"), en("classes.title"))
    fill(page, new_class_name=name)
    page.get_by_role("button", name=en("classes.create")).click()
    flash = page.get_by_test_id("stAlertContentSuccess")
    expect(flash).to_contain_text(en("classes.created", name=name, code=""))
    return re.search(r"([A-Z2-9]{8})\s*$", flash.inner_text().strip()).group(1)
