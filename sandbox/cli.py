"""Command line: ``python -m sandbox init | demo | coverage | grade | export | reset | scenarios validate``.

Invariant: the CLI calls the same services as the web pages; it never writes SQL itself.
"""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from pathlib import Path

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


def _tasks():
    from sandbox.scenarios.loader import ScenarioError, load_directory

    try:
        return load_directory()
    except ScenarioError as err:
        print(f"invalid scenario file: {err.plain()}", file=sys.stderr)
        raise SystemExit(2) from None


def cmd_demo(args: argparse.Namespace) -> int:
    """Build the class 'demo' and let bots do every implemented task as each student (with
    ``--chain``: play that chain once per student instead)."""
    from sandbox.demo import DEMO_PASSWORD, build_demo
    from sandbox.scenarios.model import MODULES

    if args.chain is not None:
        return cmd_demo_chain(args)
    if args.part is not None:
        print("--part needs --chain", file=sys.stderr)
        return 2
    url = args.db or database_url()
    upgrade(url)
    tasks = _tasks()
    report = build_demo(_uow(url), tasks, args.students, args.seed)
    if report.created_instructor:
        print(f"created instructor {report.created_instructor[0]} with password {report.created_instructor[1]}")
    print(f"class 'demo': {len(report.students)} students (password {DEMO_PASSWORD}), seed {args.seed}")
    total = passed = 0
    for module in MODULES:
        codes = [c for c in report.tasks if tasks.tasks[c].module == module]
        if not codes:
            continue
        print(f"\n{module}")
        print("  " + "student".ljust(12) + " ".join(c.ljust(9) for c in codes) + "passed")
        for actor in report.students:
            row = report.passed[actor.user_id]
            marks = ["ok" if row[c] else "FAIL" for c in codes]
            count = sum(row[c] for c in codes)
            total += len(codes)
            passed += count
            print("  " + actor.username.ljust(12) + " ".join(m.ljust(9) for m in marks) + f"{count}/{len(codes)}")
    for (uid, code), error in sorted(report.errors.items()):
        print(f"  error: student {uid} {code}: {error}", file=sys.stderr)
    if args.artefacts:
        from pathlib import Path

        from sandbox.demo import write_artefacts

        for path in write_artefacts(_uow(url), report, Path(args.artefacts)):
            print(f"artefact: {path}")
    print(f"\ngraded: {passed}/{total} task runs passed")
    return 0 if passed == total else 1


def cmd_demo_chain(args: argparse.Namespace) -> int:
    """``demo --chain A [--part buyer]``: each student plays one part of the chain (in turn, or the
    part given) with bots in the others; one line per student, then ``graded: X/Y``."""
    from sandbox.chains import ChainError, load_chains
    from sandbox.demo import DEMO_PASSWORD, build_chain_demo

    try:
        chains = load_chains()
    except ChainError as err:
        print(f"invalid chain file: {err.plain()}", file=sys.stderr)
        return 2
    chain = chains.get(args.chain) or chains.get(args.chain.upper())
    if chain is None:
        print(f"unknown chain {args.chain!r}; known chains: {', '.join(sorted(chains)) or 'none'}", file=sys.stderr)
        return 2
    if args.part is not None and args.part not in chain.part_ids:
        print(f"chain {chain.id} has no part {args.part!r}; its parts: {', '.join(chain.part_ids)}", file=sys.stderr)
        return 2
    url = args.db or database_url()
    upgrade(url)
    tasks = _tasks()

    last = chain.steps[-1]

    def progress(code: str, part: str) -> None:  # a dot per step, a line per student
        print(".", end="\n" if (code, part) == (last.code, last.part) else "", file=sys.stderr, flush=True)

    report = build_chain_demo(_uow(url), tasks, chain.id, args.students, args.seed, args.part, on_step=progress)
    if report.created_instructor:
        print(f"created instructor {report.created_instructor[0]} with password {report.created_instructor[1]}")
    print(f"class 'demo': {len(report.students)} students (password {DEMO_PASSWORD}), seed {args.seed}")
    print(f"chain {chain.id}: {chain.title_en}")
    for actor in report.students:
        row = report.passed.get(actor.user_id, {})
        failing = [c for c, ok in row.items() if not ok]
        line = (f"  {actor.username:<12}{report.parts[actor.user_id]:<12}{sum(row.values())}/{len(row)}"
                + (f"  failing: {' '.join(failing)}" if failing else ""))
        print(line)
        if actor.user_id in report.failed_steps:
            print(f"  error: {actor.username}: {report.failed_steps[actor.user_id]}", file=sys.stderr)
    if args.artefacts:
        from pathlib import Path

        from sandbox.demo import write_artefacts

        for path in write_artefacts(_uow(url), report, Path(args.artefacts)):
            print(f"artefact: {path}")
    print(f"\ngraded: {report.passed_count}/{report.total} task runs passed")
    return 0 if report.passed_count == report.total else 1


def cmd_coverage(args: argparse.Namespace) -> int:
    """Per module: catalog tasks, entries with a check, golden runs passing; last line coverage: X/N."""
    from sandbox.demo import coverage, modules_in_scope

    try:
        modules = modules_in_scope(args.module)
    except ValueError as exc:
        print(exc, file=sys.stderr)
        return 2
    rows, proven = coverage(_tasks(), modules)
    print(f"{'module':<9}{'catalog':>8}{'entries':>9}{'golden':>8}{'wrong':>7}")
    for r in rows:
        print(f"{r.module:<9}{r.in_catalog:>8}{r.with_entry:>9}{r.golden_pass:>8}{r.wrong_fails:>7}")
    print("(entries: scenario entry with a check; golden: its golden run passes; wrong: its wrong run fails)")
    print(f"coverage: {len(proven)}/{sum(r.in_catalog for r in rows)}")
    return 0


def cmd_grade(args: argparse.Namespace) -> int:
    """Print a class's gradebook as CSV: one column per task (the class's loaded packs in force; with
    ``--assignment ID`` its tasks under its late and hint rules), instructor adjustments included."""
    from sqlalchemy import select

    from sandbox.identity.models import Classroom
    from sandbox.teaching.board import grades_for
    from sandbox.teaching.packs import class_tasks

    url = args.db or database_url()
    upgrade(url)
    uow = _uow(url)
    with uow.read() as s:
        found = list(s.scalars(select(Classroom).where(Classroom.name == args.class_name, Classroom.kind != "personal")))
        if len(found) != 1:
            print(f"{len(found)} classes named {args.class_name!r}", file=sys.stderr)
            return 2
        try:
            book = grades_for(s, found[0].id, class_tasks(s, found[0].id, _tasks()),
                              assignment_id=args.assignment, module=args.module)
        except DomainError as err:
            print(t(err.code, "en", **err.params), file=sys.stderr)
            return 2
    sys.stdout.write(book.csv())
    return 0


def _class_and_owner(s, name: str):  # (session, name) -> (class id, name, owner Actor) | None
    """The one instructor class called ``name`` and its owner acting in it (the CLI acts as the owner)."""
    from sqlalchemy import select

    from sandbox.identity.models import Classroom, User

    found = list(s.scalars(select(Classroom).where(Classroom.name == name, Classroom.kind != "personal")))
    if len(found) != 1:
        print(f"{len(found)} classes named {name!r}", file=sys.stderr)
        return None
    room = found[0]
    return room.id, room.name, services.actor_for(s, s.get(User, room.owner_id), room.id)


def cmd_export(args: argparse.Namespace) -> int:
    """Write a class's archive (roster, scores, event log, assignments, teams, snapshots) as a ZIP."""
    from sandbox.teaching.archive import export_class
    from sandbox.teaching.packs import class_tasks

    url = args.db or database_url()
    upgrade(url)
    with _uow(url).read() as s:
        found = _class_and_owner(s, args.class_name)
        if found is None:
            return 2
        class_id, name, owner = found
        data = export_class(s, owner, class_id, class_tasks(s, class_id, _tasks()))
    out = Path(args.out or f"class-{class_id}-{name.replace(' ', '-')}.zip")
    out.write_bytes(data)
    print(f"{out}: {len(data)} bytes")
    return 0


def cmd_reset(args: argparse.Namespace) -> int:
    """Empty a class's world for the next group (as on Classes → Reset): ``--confirm`` must repeat the
    class name; users, classes, packs and assignments stay, and the roster unless ``--drop-roster``."""
    import secrets

    from sandbox.teaching.reset import reset_class

    url = args.db or database_url()
    upgrade(url)
    uow = _uow(url)
    with uow.read() as s:
        found = _class_and_owner(s, args.class_name)
        if found is None:
            return 2
        class_id, name, owner = found
    try:
        result = reset_class(uow, owner, class_id, keep_roster=not args.drop_roster, confirm=args.confirm,
                             request_id=f"cli-reset-{secrets.token_hex(8)}", tasks=_tasks())
    except DomainError as err:
        print(t(err.code, "en", **err.params), file=sys.stderr)
        return 2
    print(f"class {name!r} reset: {result.total} rows deleted"
          + (", roster kept" if result.keep_roster else ", roster removed"))
    for table, count in sorted(result.deleted.items()):
        print(f"  {table}: {count}")
    return 0


def cmd_prune_sandboxes(args: argparse.Namespace) -> int:
    """Remove self-learners' personal sandboxes idle for ``--idle-days`` days, whole (world, class,
    learner); ``--dry-run`` lists them only. Classes and archives are never touched."""
    from sandbox.teaching.prune import prune_sandboxes

    if args.idle_days < 0:
        print("--idle-days must be 0 or more", file=sys.stderr)
        return 2
    url = args.db or database_url()
    upgrade(url)
    found = prune_sandboxes(_uow(url), idle_days=args.idle_days, dry_run=args.dry_run)
    for p in found:
        print(f"  {p.username}  (class {p.class_id}, last active {p.last_active:%Y-%m-%d %H:%M} UTC)"
              + ("" if args.dry_run else f": {p.rows} rows"))
    if args.dry_run:
        print(f"{len(found)} personal sandbox(es) idle for {args.idle_days} days would be removed")
    else:
        print(f"{len(found)} personal sandbox(es) removed")
    return 0


def cmd_scenarios_validate(args: argparse.Namespace) -> int:
    """Check scenario files (tasks) or chain files (``parts`` and ``steps``) without loading them:
    one line per file, "OK" with what it holds or the first problem with file, line, task and field."""
    from sandbox.chains.model import ChainError, parse_chain
    from sandbox.scenarios.loader import ScenarioError, file_kind, read_upload, validate_file

    bad = 0
    for name in args.files:
        path = Path(name)
        try:
            data = path.read_bytes()
        except OSError as exc:
            print(f"{name}: cannot read: {exc.strerror}", file=sys.stderr)
            bad += 1
            continue
        try:
            text = read_upload(data, path.name)
            if file_kind(text, path.name) == "chain":  # aliases and tags are refused for chain files too
                chain = parse_chain(text, path.name)
                print(f"{name}: OK, chain {chain.id}: {len(chain.steps)} steps, parts "
                      + ", ".join(p.id for p in chain.parts))
            else:
                tasks = validate_file(data, path.name)
                print(f"{name}: OK, {len(tasks)} tasks: {' '.join(t.code for t in tasks)}")
        except (ScenarioError, ChainError) as exc:
            print(f"{name}: invalid: {exc.plain()}", file=sys.stderr)
            bad += 1
    return 1 if bad else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m sandbox", description="E-commerce role-play sandbox")
    sub = parser.add_subparsers(dest="command", required=True)
    init = sub.add_parser("init", help="create or upgrade the database; create the first instructor")
    init.add_argument("--db", help="database URL (default: SANDBOX_DATABASE_URL or data/sandbox.db)")
    init.add_argument("--username")
    init.add_argument("--full-name")
    init.add_argument("--language", default="en", choices=["en", "zh_CN"])
    init.set_defaults(func=cmd_init)
    demo = sub.add_parser("demo", help="build the class 'demo' and let bots do every implemented task")
    demo.add_argument("--students", type=int, default=3)
    demo.add_argument("--seed", type=int, default=2026)
    demo.add_argument("--db", help="database URL")
    demo.add_argument("--artefacts", metavar="DIR", help="also write CA, PKCS#12 and signed-payment files to DIR")
    demo.add_argument("--chain", metavar="ID", help="play this chain (e.g. A) once per student, bots in the other parts")
    demo.add_argument("--part", help="with --chain: the part every student plays (default: the parts in turn)")
    demo.set_defaults(func=cmd_demo)
    cov = sub.add_parser("coverage", help="how many catalog tasks are walkable and graded")
    cov.add_argument("--module")
    cov.set_defaults(func=cmd_coverage)
    gr = sub.add_parser("grade", help="a class's gradebook")
    gr.add_argument("--class", dest="class_name", required=True)
    gr.add_argument("--format", choices=["csv"], default="csv")
    gr.add_argument("--module")
    gr.add_argument("--assignment", type=int, metavar="ID", help="only this assignment's tasks, under its rules")
    gr.add_argument("--db", help="database URL")
    gr.set_defaults(func=cmd_grade)
    ex = sub.add_parser("export", help="write a class's archive (roster, scores, event log) as a ZIP")
    ex.add_argument("--class", dest="class_name", required=True)
    ex.add_argument("--out", metavar="FILE", help="default: class-<id>-<name>.zip")
    ex.add_argument("--db", help="database URL")
    ex.set_defaults(func=cmd_export)
    rs = sub.add_parser("reset", help="empty a class's world for the next group (users and content stay)")
    rs.add_argument("--class", dest="class_name", required=True)
    rs.add_argument("--confirm", required=True, metavar="NAME", help="the class name again")
    rs.add_argument("--drop-roster", action="store_true", help="also remove the students from the class")
    rs.add_argument("--db", help="database URL")
    rs.set_defaults(func=cmd_reset)
    pr = sub.add_parser("prune-sandboxes", help="remove self-learners' sandboxes idle for N days")
    pr.add_argument("--idle-days", type=int, required=True, metavar="N")
    pr.add_argument("--dry-run", action="store_true", help="list them, remove nothing")
    pr.add_argument("--db", help="database URL")
    pr.set_defaults(func=cmd_prune_sandboxes)
    sc = sub.add_parser("scenarios", help="scenario files")
    sc_sub = sc.add_subparsers(dest="scenarios_command", required=True)
    val = sc_sub.add_parser("validate", help="check scenario or chain files; exit 1 if any is invalid")
    val.add_argument("files", nargs="+", metavar="FILE")
    val.set_defaults(func=cmd_scenarios_validate)
    args = parser.parse_args(argv)
    return int(args.func(args))
