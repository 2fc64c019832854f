"""Command line: ``python -m sandbox init`` (and, as modules arrive, demo / coverage / grade).

Invariant: the CLI calls the same services as the web pages; it never writes SQL itself.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys

from sandbox.config import database_url
from sandbox.db import Database
from sandbox.errors import DomainError
from sandbox.i18n import t
from sandbox.identity import services
from sandbox.migrate import upgrade
from sandbox.uow import UnitOfWork


def _uow(url: str) -> UnitOfWork:
    return UnitOfWork(Database.connect(url))


def cmd_init(args: argparse.Namespace) -> int:
    """Create or upgrade the database; create the first instructor if there is none."""
    url = args.db or database_url()
    upgrade(url)
    uow = _uow(url)
    with uow.read() as s:
        has_instructor = services.instructor_exists(s)
    print(f"database ready: {url.split('@')[-1]}")
    if has_instructor:
        print("an instructor exists already; nothing else to do")
        return 0
    username = args.username
    full_name = args.full_name
    password = os.environ.get("SANDBOX_INIT_PASSWORD") or ""
    if not username or not password:
        if not sys.stdin.isatty():
            print("no instructor yet: pass --username and set SANDBOX_INIT_PASSWORD, "
                  "or open the app for the setup screen", file=sys.stderr)
            return 0
        username = username or input("instructor user name: ").strip()
        full_name = full_name or input("full name: ").strip()
        password = getpass.getpass("password: ")
        confirm = getpass.getpass("password again: ")
    else:
        confirm = password
    try:
        actor = services.setup_first_instructor(
            uow, username=username, full_name=full_name or username, password=password,
            password_confirm=confirm, language=args.language,
        )
    except DomainError as err:
        print(t(err.code, args.language, **err.params), file=sys.stderr)
        return 2
    print(f"instructor created: {actor.username}")
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="E-commerce role-play sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create or upgrade the database; create the first instructor")
    init.add_argument("--db", help="database URL (default: SANDBOX_DATABASE_URL or data/sandbox.db)")
    init.add_argument("--username")
    init.add_argument("--full-name")
    init.add_argument("--language", default="en", choices=["en", "zh_CN"])
    init.set_defaults(func=cmd_init)
    args = parser.parse_args(argv)
    return int(args.func(args))
