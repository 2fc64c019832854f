"""Class archive: export → import gives a new class with the same roster, scores and event log;
bad archives are refused with a named reason and create nothing."""

from __future__ import annotations

import csv
import io
import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import func, select

from sandbox.actor import STUDENT
from sandbox.bots import BotWorld, new_request_id
from sandbox.db import Database
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.identity import services as identity
from sandbox.identity.models import Classroom, Membership, User
from sandbox.scenarios.loader import load_directory
from sandbox.scenarios.runs import run_golden
from sandbox.teaching import archive, interventions, reset
from sandbox.teaching.assignments import create_assignment
from sandbox.teaching.models import Assignment, GradeSnapshot, Team, TeamMember
from sandbox.teaching.scores import Rules, notes_for, score_class
from sandbox.teaching.teams import create_team, set_part
from sandbox.uow import UnitOfWork
from tests import factories
from tests.conftest import fresh_sqlite_url

TASKS = load_directory()
CODES = ["EMAIL001", "EMAIL002", "EMAIL003", "CA001"]


def _count(uow: UnitOfWork, model: type, *where: object) -> int:
    with uow.read() as s:
        return int(s.scalar(select(func.count()).select_from(model).where(*where)) or 0)


@pytest.fixture
def world(uow: UnitOfWork):
    """EC-2026 A: Ann did EMAIL003 (and what it needs), Bob EMAIL001; one team with parts, an
    assignment, an adjusted score with a note, a reset (so a snapshot) and Ann's work again."""
    teacher = factories.instructor(uow)
    room = factories.classroom(uow, teacher, "EC-2026 A")
    ann = factories.student(uow, room, "ann", "Ann Li", number="2026001")
    bob = factories.student(uow, room, "bob", "Bob Wang", number="2026002")
    run_golden(BotWorld(uow, room.id, ann), TASKS, "EMAIL003", set())
    run_golden(BotWorld(uow, room.id, bob), TASKS, "EMAIL001", set())
    reset.reset_class(uow, teacher, room.id, keep_roster=True, confirm=room.name, request_id=new_request_id(),
                      tasks=TASKS)
    run_golden(BotWorld(uow, room.id, ann), TASKS, "EMAIL003", set())
    team = create_team(uow, teacher, room.id, "Team 1", [ann.user_id, bob.user_id])
    set_part(uow, teacher, room.id, ann.user_id, "buyer")
    assignment = create_assignment(uow, teacher, room.id, title="Mail first", kind="tasks", task_codes=CODES)
    interventions.adjust_score(uow, teacher, room.id, bob.user_id, "CA001", 1.5, "Done on paper", new_request_id())
    return {"uow": uow, "teacher": teacher, "room": room, "ann": ann, "bob": bob, "team": team,
            "assignment": assignment}


def _export(world) -> bytes:
    with world["uow"].read() as s:
        return archive.export_class(s, world["teacher"], world["room"].id, TASKS)


def _files(data: bytes) -> dict[str, bytes]:
    with zipfile.ZipFile(io.BytesIO(data)) as zf:
        return {n: zf.read(n) for n in zf.namelist()}


def _zip(files: dict[str, bytes | str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, body in files.items():
            zf.writestr(name, body)
    return buffer.getvalue()


def test_the_archive_holds_manifest_roster_scores_per_task_and_the_event_log(world) -> None:
    uow, room = world["uow"], world["room"]
    files = _files(_export(world))
    assert set(files) == set(archive.FILES)
    manifest = json.loads(files["manifest.json"])
    assert (manifest["version"], manifest["class"]["name"], manifest["class"]["seed"]) == (1, "EC-2026 A", 42)
    roster = list(csv.DictReader(io.StringIO(files["roster.csv"].decode("utf-8-sig"))))
    assert [(r["role"], r["username"], r["student_number"]) for r in roster] == [
        ("instructor", "teacher", ""), ("student", "ann", "2026001"), ("student", "bob", "2026002")]
    header, *rows = list(csv.reader(io.StringIO(files["scores.csv"].decode("utf-8-sig"))))
    assert header[:3] == ["student_number", "username", "full_name"] and header[-1] == "total"
    assert header[3:-1] == list(TASKS.tasks)  # one column per task
    bob_row = dict(zip(header, rows[1], strict=True))
    assert bob_row["CA001"] == "1.5" and bob_row["EMAIL001"] == "0"  # Bob's EMAIL001 was before the reset
    lines = [json.loads(x) for x in files["events.jsonl"].decode().splitlines()]
    assert len(lines) == _count(uow, Event, Event.class_id == room.id) == manifest["counts"]["events"]
    adjusted = [e for e in lines if e["kind"] == "grade.adjusted"]
    assert adjusted[0]["actor"] == "teacher" and adjusted[0]["data"]["student"] == "bob"
    assert all("actor_id" not in e for e in lines)
    (snap,) = json.loads(files["snapshots.json"])
    assert snap["reason"] == "before reset" and snap["scores"]["bob"]["EMAIL001"] > 0


def test_a_student_cannot_export(world) -> None:
    with world["uow"].read() as s, pytest.raises(DomainError) as err:
        archive.export_class(s, world["ann"], world["room"].id, TASKS)
    assert err.value.code == "auth.forbidden"


def test_round_trip_on_the_same_server_matches_users_and_keeps_scores_and_events(world) -> None:
    uow, teacher, room, ann, bob = world["uow"], world["teacher"], world["room"], world["ann"], world["bob"]
    data = _export(world)
    users = _count(uow, User)
    with uow.read() as s:
        before = score_class(s, room.id, [ann.user_id, bob.user_id], list(TASKS.tasks.values()), Rules())
    n_events = _count(uow, Event, Event.class_id == room.id)

    result = archive.import_class(uow, teacher, data, new_request_id())

    assert result.name.startswith("EC-2026 A (imported 导入 ") and result.students == 2 and result.issued == []
    assert _count(uow, User) == users  # ann and bob matched by user name
    with uow.read() as s:
        new = s.get(Classroom, result.class_id)
        assert new.owner_id == teacher.user_id and new.id != room.id
        roster = s.execute(select(User.username, Membership.student_number).join(Membership)
                           .where(Membership.class_id == new.id, Membership.role == STUDENT)
                           .order_by(User.username)).all()
        assert [tuple(r) for r in roster] == [("ann", "2026001"), ("bob", "2026002")]
        kinds = list(s.scalars(select(Event.kind).where(Event.class_id == new.id).order_by(Event.id)))
        assert len(kinds) == n_events + 1 and kinds[-1] == "class.imported"
        assert s.scalar(select(func.count()).select_from(Event).where(
            Event.class_id == new.id, Event.request_id.is_not(None))) == 1  # only the import's own
        snaps = {g.reason: g.scores for g in s.scalars(select(GradeSnapshot).where(GradeSnapshot.class_id == new.id))}
        assert snaps[archive.IMPORTED_SCORES][str(bob.user_id)]["CA001"] == 1.5
        assert snaps[archive.IMPORTED_SCORES][str(ann.user_id)] == {c: sc.points for c, sc in before[ann.user_id].items()}
        assert snaps["before reset"][str(bob.user_id)]["EMAIL001"] > 0
        (a,) = s.scalars(select(Assignment).where(Assignment.class_id == new.id))
        assert (a.title, sorted(a.task_codes)) == ("Mail first", sorted(CODES))
        (team,) = s.scalars(select(Team).where(Team.class_id == new.id))
        parts = dict(s.execute(select(TeamMember.user_id, TeamMember.part).where(TeamMember.team_id == team.id)).all())
        assert parts == {ann.user_id: "buyer", bob.user_id: None}
        notes = notes_for(s, new.id, bob.user_id)
        assert [(n.kind, n.task_code, n.note) for n in notes] == [("grade.adjusted", "CA001", "Done on paper")]
        assert new.kind == "archive"
    # the archive is for looking back: the students' logins still land in their live class
    again = identity.login(uow, username="ann", password=factories.PASSWORD).actor
    assert again.class_id == room.id


def test_import_on_another_server_creates_the_missing_students_with_one_time_passwords(
        world, sqlite_template: Path, tmp_path: Path) -> None:
    data = _export(world)
    (tmp_path / "other").mkdir()
    other = UnitOfWork(Database.connect(fresh_sqlite_url(sqlite_template, tmp_path / "other")))
    teacher = factories.instructor(other, "lina", "Li Na")
    result = archive.import_class(other, teacher, data, new_request_id())
    assert sorted(p.username for p in result.issued) == ["ann", "bob"]
    issued = {p.username: p for p in result.issued}
    logged = identity.login(other, username="ann", password=issued["ann"].password).actor
    assert logged.must_change_password and logged.class_id == result.class_id
    with other.read() as s:
        # events of the unknown instructor "teacher" keep no actor; the students' keep theirs
        rows = s.execute(select(Event.kind, Event.actor_id).where(Event.class_id == result.class_id)).all()
    assert any(actor == logged.user_id for _k, actor in rows)
    assert all(actor is None for kind, actor in rows if kind == "grade.adjusted")
    other.db.dispose()


def test_the_same_import_twice_creates_one_class(world) -> None:
    uow, teacher = world["uow"], world["teacher"]
    data, rid = _export(world), new_request_id()
    first = archive.import_class(uow, teacher, data, rid)
    again = archive.import_class(uow, teacher, data, rid)
    assert again.class_id == first.class_id
    assert _count(uow, Classroom) == 2


def _refused(uow: UnitOfWork, teacher, data: bytes) -> DomainError:
    classes, users, n_events = _count(uow, Classroom), _count(uow, User), _count(uow, Event)
    with pytest.raises(DomainError) as err:
        archive.import_class(uow, teacher, data, new_request_id())
    assert (_count(uow, Classroom), _count(uow, User), _count(uow, Event)) == (classes, users, n_events)
    return err.value


def test_bad_archives_are_refused_and_create_nothing(world) -> None:
    uow, teacher = world["uow"], world["teacher"]
    good = _files(_export(world))
    assert _refused(uow, teacher, b"student_number,name\n1,Ann\n").code == "archive.not_zip"
    assert _refused(uow, teacher, b"PK\x03\x04" + b"\0" * 100).code == "archive.not_zip"
    corrupt = bytearray(_zip(good))
    for i in range(60, 200):  # the first member's compressed bytes
        corrupt[i] ^= 0x55
    assert _refused(uow, teacher, bytes(corrupt)).code == "archive.not_zip"
    assert _refused(uow, teacher, b"x" * (archive.MAX_ARCHIVE_BYTES + 1)).code == "archive.too_big"
    bomb = _zip({**good, "padding.bin": b"\0" * (archive.MAX_UNCOMPRESSED_BYTES + 1)})
    assert len(bomb) < archive.MAX_ARCHIVE_BYTES
    assert _refused(uow, teacher, bomb).code == "archive.too_large_unpacked"
    assert _refused(uow, teacher, _zip({k: v for k, v in good.items() if k != "manifest.json"})).code == \
        "archive.no_manifest"
    assert _refused(uow, teacher, _zip({k: v for k, v in good.items() if k != "events.jsonl"})).params == \
        {"file": "events.jsonl"}
    manifest = json.loads(good["manifest.json"])
    err = _refused(uow, teacher, _zip({**good, "manifest.json": json.dumps({**manifest, "version": 2})}))
    assert (err.code, err.params["version"]) == ("archive.bad_version", "2")
    no_version = {k: v for k, v in manifest.items() if k != "version"}
    assert _refused(uow, teacher, _zip({**good, "manifest.json": json.dumps(no_version)})).code == "archive.no_version"


def test_a_malformed_row_names_the_file_and_line(world) -> None:
    uow, teacher = world["uow"], world["teacher"]
    good = _files(_export(world))
    roster = good["roster.csv"].decode("utf-8-sig").splitlines()
    roster[2] = roster[2].replace("ann", "a", 1)  # a user name of one letter
    err = _refused(uow, teacher, _zip({**good, "roster.csv": "\n".join(roster)}))
    assert (err.code, err.params["file"], err.params["line"], err.params["reason"]) == \
        ("archive.bad_row", "roster.csv", 3, "archive.reason.bad_user")
    events = good["events.jsonl"].decode().splitlines()
    events[1] = '{"kind": 5}'
    err = _refused(uow, teacher, _zip({**good, "events.jsonl": "\n".join(events)}))
    assert (err.params["file"], err.params["line"]) == ("events.jsonl", 2)
    err = _refused(uow, teacher, _zip({**good, "teams.json": '[{"name": "T", "members": [{"username": "zed"}]}]'}))
    assert (err.params["file"], err.params["reason"]) == ("teams.json", "archive.reason.bad_member")


def test_a_student_cannot_import(world) -> None:
    assert _refused(world["uow"], world["ann"], _export(world)).code == "auth.forbidden"
