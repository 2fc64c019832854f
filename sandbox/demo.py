"""The demo class and the coverage report: bots play every implemented task.

``build_demo`` (re)builds the class named ``demo`` with N students and lets bots carry out
every implemented task as each student; ``build_chain_demo`` instead plays one chain (A …) per
student, the student in one part and fresh bots in the others; ``coverage`` runs each task's
golden run for a fresh student in a throw-away database. All report through grading, like any
class.
"""

from __future__ import annotations

import secrets
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import delete, select

from sandbox.actor import BOT, INSTRUCTOR, STUDENT, Actor
from sandbox.bots import BotWorld
from sandbox.chains import ChainRun, ChainStepFailed, chain_results, load_chains, play_chain
from sandbox.db import Database
from sandbox.errors import DomainError
from sandbox.identity import services
from sandbox.identity.models import Classroom, Membership, User
from sandbox.migrate import upgrade
from sandbox.scenarios.grading import grade
from sandbox.scenarios.model import MODULES, TaskSet, catalog_index
from sandbox.scenarios.runs import has_runs, run_golden, run_wrong
from sandbox.uow import UnitOfWork

DEMO_CLASS = "demo"
DEMO_PASSWORD = "demo-password"  # noqa: S105  (the demo students' shared, printed password)


@dataclass
class DemoReport:
    class_id: int
    students: list[Actor]
    tasks: list[str]
    passed: dict[int, dict[str, bool]]
    errors: dict[tuple[int, str], str]
    created_instructor: tuple[str, str] | None
    owner: Actor | None = None


def _demo_owner(uow: UnitOfWork) -> tuple[Actor, tuple[str, str] | None]:
    with uow.read() as s:
        first = s.scalar(select(User).where(User.role == INSTRUCTOR).order_by(User.id).limit(1))
        if first is not None:
            return services.actor_for(s, first), None
    password = secrets.token_urlsafe(9)
    actor = services.setup_first_instructor(
        uow, username="demo-teacher", full_name="Demo Teacher", password=password,
        password_confirm=password, language="en",
    )
    return actor, ("demo-teacher", password)


def _drop_demo_class(uow: UnitOfWork, owner: Actor) -> None:
    """Remove an earlier demo class with its students and bots (the database cascades the rest)."""
    with uow.write() as s:
        ids = list(s.scalars(select(Classroom.id).where(Classroom.name == DEMO_CLASS, Classroom.owner_id == owner.user_id)))
        if not ids:
            return
        users = list(
            s.scalars(select(Membership.user_id).where(Membership.class_id.in_(ids), Membership.role.in_([STUDENT, BOT])))
        )
        s.execute(delete(Classroom).where(Classroom.id.in_(ids)))
        if users:
            others = select(Membership.user_id).where(Membership.user_id.in_(users))
            s.execute(delete(User).where(User.id.in_(users), User.id.not_in(others)))


def _new_demo_class(uow: UnitOfWork, students: int, seed: int) -> tuple[Actor, tuple[str, str] | None, int, list[Actor]]:
    """(Re)build the class ``demo`` with students demo-01 … demo-NN: (owner, created instructor,
    class id, students)."""
    owner, created = _demo_owner(uow)
    _drop_demo_class(uow, owner)
    room = services.create_class(uow, owner, name=DEMO_CLASS, language="en", seed=seed)
    actors = [
        services.register_student(
            uow, enrollment_code=room.enrollment_code, username=f"demo-{i:02d}", full_name=f"Demo Student {i:02d}",
            password=DEMO_PASSWORD, password_confirm=DEMO_PASSWORD, student_number=f"D{i:03d}",
        )
        for i in range(1, students + 1)
    ]
    return owner, created, room.id, actors


def build_demo(uow: UnitOfWork, tasks: TaskSet, students: int, seed: int) -> DemoReport:
    owner, created, class_id, actors = _new_demo_class(uow, students, seed)
    codes = [code for code in tasks.tasks if has_runs(code)]
    errors: dict[tuple[int, str], str] = {}
    for actor in actors:
        world = BotWorld(uow=uow, class_id=class_id, student=actor)
        done: set[str] = set()
        for code in codes:
            try:
                run_golden(world, tasks, code, done)
            except DomainError as err:
                errors[(actor.user_id, code)] = err.code
    with uow.read() as s:
        results = grade(s, class_id, [a.user_id for a in actors], [tasks.tasks[c] for c in codes])
    passed = {uid: {code: r.passed for code, r in row.items()} for uid, row in results.items()}
    return DemoReport(class_id, actors, codes, passed, errors, created, owner)


@dataclass
class ChainDemoReport(DemoReport):
    """A chain demo: ``parts`` says which part each student played, ``passed`` holds each
    student's part codes only, ``failed_steps`` the step a run stopped at (if any)."""

    chain_id: str = ""
    parts: dict[int, str] = field(default_factory=dict)
    failed_steps: dict[int, str] = field(default_factory=dict)
    runs: list[ChainRun] = field(default_factory=list)

    @property
    def total(self) -> int:
        return sum(len(row) for row in self.passed.values())

    @property
    def passed_count(self) -> int:
        return sum(sum(row.values()) for row in self.passed.values())


def build_chain_demo(
    uow: UnitOfWork,
    tasks: TaskSet,
    chain_id: str,
    students: int,
    seed: int,
    part: str | None = None,
    *,
    on_step: Callable[[str, str], None] | None = None,
) -> ChainDemoReport:
    """(Re)build the class ``demo`` and play chain ``chain_id`` once per student: student i plays
    part ``parts[i % len(parts)]`` (buyer, supplier, logistics, buyer, … for chain A), or ``part``
    for all; fresh bots play every other part. Each student is graded on their part's codes.

    Raises chain.unknown_chain, chain.unknown_part (before anything is built).
    """
    chains = load_chains()
    chain = chains.get(chain_id)
    if chain is None:
        raise DomainError("chain.unknown_chain", chain=chain_id, known=", ".join(sorted(chains)))
    if part is not None and part not in chain.part_ids:
        raise DomainError("chain.unknown_part", chain=chain.id, part=part, known=", ".join(chain.part_ids))
    owner, created, class_id, actors = _new_demo_class(uow, students, seed)
    report = ChainDemoReport(class_id, actors, list(dict.fromkeys(s.code for s in chain.steps)), {}, {}, created,
                             owner, chain_id=chain.id)
    for i, actor in enumerate(actors):
        mine = part or chain.part_ids[i % len(chain.part_ids)]
        report.parts[actor.user_id] = mine
        try:
            run = play_chain(uow, class_id, chain.id, {mine: actor}, on_step=on_step, chains=chains)
        except ChainStepFailed as err:
            run = err.run
            report.failed_steps[actor.user_id] = str(err)
            report.errors[(actor.user_id, err.task)] = err.code
        if run is not None:
            report.runs.append(run)
            with uow.read() as s:
                report.passed.update(chain_results(s, class_id, run, tasks))
        report.passed.setdefault(actor.user_id, dict.fromkeys(chain.codes_of(mine), False))
    return report


def write_artefacts(uow: UnitOfWork, report: DemoReport, folder: Path) -> list[Path]:
    """Real artefacts of the demo class for tools we did not write (openssl) to check.

    ca-root.pem and ca.crl.pem (the class CA); student.p12 with student.p12.password (a
    certificate the first student applies for, verifies and downloads, CA001-CA003); revoked.pem
    (a second certificate, revoked by the instructor, listed in the CRL); a signed payment
    notification with its detached signature and signer certificate; and an electronic contract
    signed by both parties (contract.json, contract.json.buyer.sig / .supplier.sig,
    contract.buyer.pem / contract.supplier.pem). README says how to check them.
    """
    from sandbox.ca import services as ca
    from sandbox.ebank import gateway
    from sandbox.pki import services as pki

    assert report.owner is not None and report.students
    folder.mkdir(parents=True, exist_ok=True)
    student = report.students[0]
    issued = ca.apply(uow, student, common_name=student.full_name, organization="Demo")
    ca.verify_download(uow, student, number=issued.number, password=issued.download_password)
    p12 = ca.download(uow, student, certificate_id=issued.certificate_id, password=issued.download_password)
    (folder / "student.p12").write_bytes(p12.data)
    (folder / "student.p12.password").write_text(issued.download_password, encoding="ascii")
    (folder / "student.pem").write_text(p12.certificate.certificate_pem, encoding="ascii")
    doomed = ca.apply(uow, student, common_name=f"{student.full_name} (revoked)", organization="Demo")
    revoked = ca.revoke(
        uow, report.owner, class_id=report.class_id, certificate_id=doomed.certificate_id, reason="key_compromise"
    )
    (folder / "revoked.pem").write_text(revoked.certificate_pem, encoding="ascii")
    with uow.read() as s:
        written = list(pki.export_artefacts(s, report.class_id, folder).values())  # the CRL now lists it
    (folder / "README").write_text(
        "Artefacts of the sandbox's demo class. Check them with OpenSSL:\n\n"
        "openssl verify -CAfile ca-root.pem student.pem\n"
        "openssl verify -crl_check -CAfile ca-root.pem -CRLfile ca.crl.pem revoked.pem   # fails: revoked\n"
        "openssl pkcs12 -in student.p12 -passin file:student.p12.password -nokeys\n\n" + pki.OPENSSL_README + "\n",
        encoding="utf-8",
    )
    written += list(gateway.write_sample_notification(uow, report.class_id, folder).values())
    written += _write_contract(uow, report, folder)
    return sorted({*written, *(folder / n for n in ("student.p12", "student.p12.password", "student.pem",
                                                     "revoked.pem", "README"))})


def _write_contract(uow: UnitOfWork, report: DemoReport, folder: Path) -> list[Path]:
    """The class's newest contract signed by both parties (B2B028/B2B029) as contract.json, the two
    detached signatures and the signers' certificates; the first student's bots negotiate and sign
    one first if the class has none. README gets the openssl commands."""
    from sandbox.b2b import contracts
    from sandbox.bots import b2b as b2b_bots

    with uow.read() as s:
        paths = contracts.write_artefacts(s, report.class_id, folder)
    if not paths:
        world = BotWorld(uow=uow, class_id=report.class_id, student=report.students[0])
        b2b_bots.b2b028(world)
        b2b_bots.b2b029(world)
        b2b_bots.bots_react(world)  # a bot counterpart signs after the student
        with uow.read() as s:
            paths = contracts.write_artefacts(s, report.class_id, folder)
    with open(folder / "README", "a", encoding="utf-8") as fh:
        fh.write("\n" + contracts.README_SNIPPET)
    return list(paths.values())


@dataclass(frozen=True)
class CoverageRow:
    module: str
    in_catalog: int
    with_entry: int
    golden_pass: int
    wrong_fails: int


def coverage(tasks: TaskSet, modules: list[str]) -> tuple[list[CoverageRow], list[str]]:
    """Per module: catalog tasks, scenario entries with checks, passing golden runs (and failing
    wrong runs), each task proven on a fresh student in a throw-away SQLite database."""
    proven: list[str] = []
    rows = []
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'coverage.db'}"
        upgrade(url)
        db = Database.connect(url)
        uow = UnitOfWork(db)
        owner = services.setup_first_instructor(
            uow, username="coverage", full_name="Coverage", password=DEMO_PASSWORD,
            password_confirm=DEMO_PASSWORD, language="en",
        )
        room = services.create_class(uow, owner, name="coverage", language="en", seed=1)
        counter = 0

        def fresh_student() -> Actor:
            nonlocal counter
            counter += 1
            return services.register_student(
                uow, enrollment_code=room.enrollment_code, username=f"cov-{counter:03d}", full_name="Coverage",
                password=DEMO_PASSWORD, password_confirm=DEMO_PASSWORD,
            )

        for module in modules:
            in_catalog = [c.code for c in catalog_index() if c.module == module]
            entries = [c for c in in_catalog if c in tasks.tasks and tasks.tasks[c].checks]
            good = wrong_ok = 0
            for code in entries:
                if not has_runs(code):
                    continue
                golden_passed = _proves(uow, room.id, fresh_student(), tasks, code, golden=True)
                if golden_passed:
                    good += 1
                    proven.append(code)
                if _proves(uow, room.id, fresh_student(), tasks, code, golden=False) is False:
                    wrong_ok += 1
            rows.append(CoverageRow(module, len(in_catalog), len(entries), good, wrong_ok))
        db.dispose()
    return rows, proven


def _proves(uow: UnitOfWork, class_id: int, student: Actor, tasks: TaskSet, code: str, *, golden: bool) -> bool:
    """Whether the task's check passes after its golden (or wrong) run for ``student``."""
    from sandbox import bots

    world = BotWorld(uow=uow, class_id=class_id, student=student)
    try:
        if golden:
            run_golden(world, tasks, code, set())
        elif code in bots.WRONG:
            run_wrong(world, tasks, code, set())
        else:
            return True  # no wrong run: cannot prove the check can fail
    except DomainError:
        return False
    with uow.read() as s:
        return grade(s, class_id, [student.user_id], [tasks.tasks[code]])[student.user_id][code].passed


def modules_in_scope(module: str | None) -> list[str]:
    if module is None:
        return list(MODULES)
    if module.upper() not in MODULES:
        raise ValueError(f"unknown module {module!r}; one of {', '.join(MODULES)}")
    return [module.upper()]
