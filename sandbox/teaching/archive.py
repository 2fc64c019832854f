"""Class archive (班级存档): export a whole class as a ZIP, import it again as a new class to look at.

Archive format (``FORMAT_VERSION`` 1), a ZIP holding:
- ``manifest.json``: format, version, exported_at, class {name, language, seed, kind}, exported_by,
  task codes, row counts;
- ``roster.csv``: role, username, full_name, student_number, joined_at (instructors and students);
- ``scores.csv``: student_number, username, full_name, one column per task (points, adjustments
  included, default rules), total;
- ``events.jsonl``: every event of the class, oldest first, ``actor`` as a user name (never an
  id); ``data.student_id`` is joined by ``data.student`` (the user name) so notes survive;
- ``assignments.json``, ``teams.json`` (members by user name, with their part), ``snapshots.json``
  (scores keyed by user name).

Invariants:
- Export is read-only and only for an instructor of the class. Import creates a NEW class
  "<name> (imported 导入 <date>)" owned by the importer, in ONE transaction: roster (existing users
  matched by user name; missing ones created as students with a one-time password, returned once
  like ``import_roster``), assignments, teams, snapshots (plus one made from ``scores.csv``) and
  the events (actor remapped by user name, ``request_id`` dropped, time kept). The world itself
  (documents, money, certificates, mail) is NOT restored: an imported class is for looking at
  old scores and the event log.
- A bad archive is refused before anything is written, with a bilingual error: not a ZIP, more
  than ``MAX_ARCHIVE_BYTES``, more than ``MAX_UNCOMPRESSED_BYTES`` unpacked (a zip bomb; sizes
  are counted while reading, not taken from the headers), a missing file, a missing or unknown
  format version, a malformed row (the file and line are named).
"""

from __future__ import annotations

import csv
import io
import json
import zipfile
import zlib
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import INSTRUCTOR, STUDENT, Actor
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.i18n import LANGUAGES
from sandbox.identity.models import Classroom, Membership, User
from sandbox.identity.passwords import hash_password
from sandbox.identity.services import IssuedPassword, new_enrollment_code, require_class_member, temp_password
from sandbox.scenarios.model import TaskSet
from sandbox.teaching.models import Assignment, GradeSnapshot, Team, TeamMember
from sandbox.teaching.scores import Rules, score_class
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text, clean_username, username_key

FORMAT = "ecommerce-sandbox-class-archive"
FORMAT_VERSION = 1
MAX_ARCHIVE_BYTES = 20 * 1024 * 1024
MAX_UNCOMPRESSED_BYTES = 100 * 1024 * 1024
MAX_MEMBERS = 50
FILES = ("manifest.json", "roster.csv", "scores.csv", "events.jsonl", "assignments.json", "teams.json",
         "snapshots.json")
IMPORTED_EVENT = "class.imported"
IMPORTED_SCORES = "imported: scores at export"
ROSTER_COLUMNS = ["role", "username", "full_name", "student_number", "joined_at"]


@dataclass(frozen=True)
class ImportResult:
    class_id: int
    name: str
    students: int
    events: int
    assignments: int
    teams: int
    snapshots: int
    issued: list[IssuedPassword] = field(default_factory=list)  # users created, with one-time passwords


# ----------------------------------------------------------------------------- export


def _iso(value: datetime | None) -> str | None:
    return value.astimezone(UTC).isoformat() if value is not None else None


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, indent=1, sort_keys=True).encode("utf-8")


def _csv(rows: Iterable[list[Any]]) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode("utf-8-sig")  # BOM: opens correctly in Excel


def archive_name(room_name: str, at: datetime | None = None) -> str:
    """A file name for the download: ``class-<name>-<yyyymmdd-hhmm>.zip`` (unsafe characters dropped)."""
    safe = "".join(ch if ch.isalnum() or ch in "-_" else "-" for ch in room_name).strip("-") or "class"
    return f"class-{safe[:40]}-{(at or utcnow()).strftime('%Y%m%d-%H%M')}.zip"


def export_class(session: Session, actor: Actor, class_id: int, tasks: TaskSet) -> bytes:
    """The ZIP archive of a class (see module docstring). Raises auth.forbidden, class.not_found."""
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    room = require_class_member(session, actor, class_id, INSTRUCTOR)
    members = session.execute(
        select(Membership.role, User.id, User.username, User.full_name, Membership.student_number, Membership.joined_at)
        .join(User, User.id == Membership.user_id)
        .where(Membership.class_id == class_id, Membership.role.in_([INSTRUCTOR, STUDENT]))
        .order_by(Membership.role, Membership.student_number.nulls_last(), User.username)
    ).all()
    students = [m for m in members if m.role == STUDENT]
    task_list = list(tasks.tasks.values())
    scores = score_class(session, class_id, [m.id for m in students], task_list, Rules())
    names: dict[int, str] = {m.id: m.username for m in members}

    def username(uid: int | None) -> str | None:
        if uid is None:
            return None
        if uid not in names:
            found = session.scalar(select(User.username).where(User.id == uid))
            names[uid] = found or ""
        return names[uid] or None

    event_lines: list[str] = []
    for ev in session.scalars(select(Event).where(Event.class_id == class_id).order_by(Event.id)):
        data = dict(ev.data or {})
        if isinstance(data.get("student_id"), int):
            data["student"] = username(data["student_id"])
        event_lines.append(json.dumps(
            {"at": _iso(ev.at), "kind": ev.kind, "actor": username(ev.actor_id), "subject": ev.subject,
             "task_code": ev.task_code, "data": data}, ensure_ascii=False, sort_keys=True, default=str))
    assignments = [
        {"id": a.id, "title": a.title, "kind": a.kind, "chain_id": a.chain_id, "task_codes": list(a.task_codes or []),
         "parties": dict(a.parties or {}), "opens_at": _iso(a.opens_at), "due_at": _iso(a.due_at),
         "late_counts": a.late_counts, "late_penalty_pct": a.late_penalty_pct, "hint_cost": a.hint_cost,
         "created_at": _iso(a.created_at)}
        for a in session.scalars(select(Assignment).where(Assignment.class_id == class_id).order_by(Assignment.id))
    ]
    teams = []
    for team in session.scalars(select(Team).where(Team.class_id == class_id).order_by(Team.id)):
        rows = session.execute(
            select(TeamMember.user_id, TeamMember.part).where(TeamMember.team_id == team.id).order_by(TeamMember.id)
        ).all()
        teams.append({"name": team.name, "members": [{"username": username(u), "part": p} for u, p in rows]})
    snapshots = [
        {"taken_at": _iso(snap.taken_at), "taken_by": username(snap.taken_by), "reason": snap.reason,
         "scores": {username(int(uid)) or str(uid): row for uid, row in (snap.scores or {}).items()}}
        for snap in session.scalars(select(GradeSnapshot).where(GradeSnapshot.class_id == class_id)
                                    .order_by(GradeSnapshot.id))
    ]
    now = utcnow()
    manifest = {
        "format": FORMAT, "version": FORMAT_VERSION, "exported_at": _iso(now), "exported_by": actor.username,
        "class": {"name": room.name, "language": room.language, "seed": room.seed, "kind": room.kind},
        "tasks": [t.code for t in task_list],
        "counts": {"students": len(students), "events": len(event_lines), "assignments": len(assignments),
                   "teams": len(teams), "snapshots": len(snapshots)},
    }
    roster = [ROSTER_COLUMNS] + [
        [m.role, m.username, m.full_name, m.student_number or "", _iso(m.joined_at)] for m in members
    ]
    score_rows = [["student_number", "username", "full_name", *[t.code for t in task_list], "total"]]
    for m in students:
        row = scores[m.id]
        score_rows.append([m.student_number or "", m.username, m.full_name,
                           *[f"{row[t.code].points:g}" for t in task_list],
                           f"{sum(sc.points for sc in row.values()):g}"])
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        zf.writestr("manifest.json", _dump(manifest))
        zf.writestr("roster.csv", _csv(roster))
        zf.writestr("scores.csv", _csv(score_rows))
        zf.writestr("events.jsonl", ("\n".join(event_lines) + ("\n" if event_lines else "")).encode("utf-8"))
        zf.writestr("assignments.json", _dump(assignments))
        zf.writestr("teams.json", _dump(teams))
        zf.writestr("snapshots.json", _dump(snapshots))
    return buffer.getvalue()


# ----------------------------------------------------------------------------- reading an archive


def _bad(file: str, line: int, reason: str, value: object = "") -> DomainError:
    """archive.bad_row naming file and line; ``reason`` is a key under ``archive.reason`` (translated)."""
    return DomainError("archive.bad_row", field="archive.file", file=file, line=line, reason=f"archive.reason.{reason}",
                       value=str(value)[:60])


def _unpack(data: bytes) -> dict[str, bytes]:
    if not isinstance(data, bytes | bytearray) or not data:
        raise DomainError("archive.not_zip", field="archive.file")
    if len(data) > MAX_ARCHIVE_BYTES:
        raise DomainError("archive.too_big", field="archive.file", mb=MAX_ARCHIVE_BYTES // (1024 * 1024))
    try:
        zf = zipfile.ZipFile(io.BytesIO(bytes(data)))
        infos = zf.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError):
        raise DomainError("archive.not_zip", field="archive.file") from None
    if len(infos) > MAX_MEMBERS or sum(i.file_size for i in infos) > MAX_UNCOMPRESSED_BYTES:
        raise DomainError("archive.too_large_unpacked", field="archive.file", mb=MAX_UNCOMPRESSED_BYTES // (1024 * 1024))
    names = {i.filename for i in infos}
    if "manifest.json" not in names:
        raise DomainError("archive.no_manifest", field="archive.file")
    missing = [f for f in FILES if f not in names]
    if missing:
        raise DomainError("archive.missing_file", field="archive.file", file=missing[0])
    out: dict[str, bytes] = {}
    budget = MAX_UNCOMPRESSED_BYTES
    try:
        for name in FILES:  # headers can lie: count what really comes out
            with zf.open(name) as fh:
                chunk = fh.read(budget + 1)
            if len(chunk) > budget:
                raise DomainError("archive.too_large_unpacked", field="archive.file",
                                  mb=MAX_UNCOMPRESSED_BYTES // (1024 * 1024))
            budget -= len(chunk)
            out[name] = chunk
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, OSError, EOFError, NotImplementedError,
            RuntimeError, zlib.error):  # RuntimeError: an encrypted member
        raise DomainError("archive.not_zip", field="archive.file") from None
    return out


def _text(raw: bytes, file: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise _bad(file, 1, "not_utf8") from None


def _json(raw: bytes, file: str, kind: type) -> Any:
    try:
        value = json.loads(_text(raw, file))
    except json.JSONDecodeError as err:
        raise _bad(file, err.lineno, "not_json") from None
    if not isinstance(value, kind):
        raise _bad(file, 1, "wrong_shape", "{}" if kind is dict else "[]")
    return value


def _when(value: object, file: str, line: int, *, required: bool = False) -> datetime | None:
    if value in (None, "") and not required:
        return None
    try:
        at = datetime.fromisoformat(str(value))
    except ValueError:
        raise _bad(file, line, "bad_time", value) from None
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _name(value: object, file: str, line: int) -> str:
    try:
        return clean_username(value)
    except DomainError:
        raise _bad(file, line, "bad_user", value) from None


def _opt_name(value: object, file: str, line: int) -> str | None:
    return None if value in (None, "") else _name(value, file, line)


@dataclass
class _Archive:
    manifest: dict[str, Any]
    roster: list[tuple[str, str, str, str | None]]  # role, username, full name, student number
    scores: dict[str, dict[str, float]]  # username -> code -> points
    events: list[dict[str, Any]]
    assignments: list[dict[str, Any]]
    teams: list[dict[str, Any]]
    snapshots: list[dict[str, Any]]


def _manifest(raw: bytes) -> dict[str, Any]:
    manifest = _json(raw, "manifest.json", dict)
    version = manifest.get("version")
    if manifest.get("format") != FORMAT or version is None:
        raise DomainError("archive.no_version", field="archive.file")
    if version != FORMAT_VERSION:
        raise DomainError("archive.bad_version", field="archive.file", version=str(version)[:20], supported=FORMAT_VERSION)
    room = manifest.get("class")
    if not isinstance(room, dict) or not isinstance(room.get("name"), str) or not room["name"].strip():
        raise _bad("manifest.json", 1, "fields_missing", "class.name")
    if room.get("language") not in LANGUAGES or not isinstance(room.get("seed"), int):
        raise _bad("manifest.json", 1, "fields_missing", "class.language, class.seed")
    return manifest


def _roster(raw: bytes) -> list[tuple[str, str, str, str | None]]:
    rows = list(csv.reader(io.StringIO(_text(raw, "roster.csv"))))
    if not rows or [c.strip() for c in rows[0]] != ROSTER_COLUMNS:
        raise _bad("roster.csv", 1, "header", ",".join(ROSTER_COLUMNS))
    out = []
    seen: set[str] = set()
    numbers: set[str] = set()
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(ROSTER_COLUMNS):
            raise _bad("roster.csv", line, "columns", len(ROSTER_COLUMNS))
        role, uname, full, number = row[0].strip(), _name(row[1], "roster.csv", line), row[2], row[3].strip() or None
        if role not in (INSTRUCTOR, STUDENT):
            raise _bad("roster.csv", line, "bad_role", role)
        try:
            full = clean_text(full, "full_name", max_len=100)
        except DomainError:
            raise _bad("roster.csv", line, "bad_full_name", full) from None
        if number is not None and (len(number) > 32 or number in numbers):
            raise _bad("roster.csv", line, "bad_number", number)
        if username_key(uname) in seen:
            raise _bad("roster.csv", line, "repeated_user", uname)
        seen.add(username_key(uname))
        if number is not None:
            numbers.add(number)
        out.append((role, uname, full, number))
    return out


def _points(value: object, file: str, line: int) -> float:
    try:
        points = float(str(value))
    except ValueError:
        raise _bad(file, line, "bad_points", value) from None
    if not 0 <= points <= 1_000_000:
        raise _bad(file, line, "bad_points", value)
    return points


def _scores(raw: bytes) -> dict[str, dict[str, float]]:
    rows = list(csv.reader(io.StringIO(_text(raw, "scores.csv"))))
    if not rows or rows[0][:3] != ["student_number", "username", "full_name"] or rows[0][-1:] != ["total"]:
        raise _bad("scores.csv", 1, "header", "student_number,username,full_name,<tasks>,total")
    codes = rows[0][3:-1]
    out: dict[str, dict[str, float]] = {}
    for line, row in enumerate(rows[1:], start=2):
        if not row:
            continue
        if len(row) != len(rows[0]):
            raise _bad("scores.csv", line, "columns", len(rows[0]))
        out[_name(row[1], "scores.csv", line)] = {c: _points(v, "scores.csv", line) for c, v in zip(codes, row[3:-1],
                                                                                                   strict=True)}
    return out


def _events(raw: bytes) -> list[dict[str, Any]]:
    out = []
    for line, text in enumerate(_text(raw, "events.jsonl").splitlines(), start=1):
        if not text.strip():
            continue
        try:
            row = json.loads(text)
        except json.JSONDecodeError:
            raise _bad("events.jsonl", line, "not_json") from None
        if not isinstance(row, dict) or not isinstance(row.get("kind"), str) or not 0 < len(row["kind"]) <= 64:
            raise _bad("events.jsonl", line, "fields_missing", "kind")
        data = row.get("data") or {}
        if not isinstance(data, dict):
            raise _bad("events.jsonl", line, "bad_field", "data")
        for key, width in (("subject", 128), ("task_code", 16)):
            if row.get(key) is not None and (not isinstance(row[key], str) or len(row[key]) > width):
                raise _bad("events.jsonl", line, "bad_field", key)
        out.append({"at": _when(row.get("at"), "events.jsonl", line, required=True), "kind": row["kind"],
                    "actor": _opt_name(row.get("actor"), "events.jsonl", line), "subject": row.get("subject"),
                    "task_code": row.get("task_code"), "data": data})
    return out


def _assignments(raw: bytes) -> list[dict[str, Any]]:
    out = []
    for line, row in enumerate(_json(raw, "assignments.json", list), start=1):
        file = "assignments.json"
        if not isinstance(row, dict) or not isinstance(row.get("title"), str) or row.get("kind") not in ("tasks", "chain"):
            raise _bad(file, line, "fields_missing", "title, kind")
        codes, parties = row.get("task_codes") or [], row.get("parties") or {}
        if not isinstance(codes, list) or not all(isinstance(c, str) and len(c) <= 16 for c in codes):
            raise _bad(file, line, "bad_field", "task_codes")
        if not isinstance(parties, dict) or not all(isinstance(v, str) for v in parties.values()):
            raise _bad(file, line, "bad_field", "parties")
        penalty, cost = row.get("late_penalty_pct", 0), row.get("hint_cost", 0)
        if not isinstance(penalty, int) or not 0 <= penalty <= 100 or not isinstance(cost, int | float) or cost < 0:
            raise _bad(file, line, "bad_field", "late_penalty_pct, hint_cost")
        chain = row.get("chain_id")
        if chain is not None and (not isinstance(chain, str) or len(chain) > 8):
            raise _bad(file, line, "bad_field", "chain_id")
        out.append({"old_id": row.get("id"), "title": row["title"][:100], "kind": row["kind"], "chain_id": chain,
                    "task_codes": codes, "parties": parties, "opens_at": _when(row.get("opens_at"), file, line),
                    "due_at": _when(row.get("due_at"), file, line), "late_counts": bool(row.get("late_counts", True)),
                    "late_penalty_pct": penalty, "hint_cost": float(cost),
                    "created_at": _when(row.get("created_at"), file, line)})
    return out


def _teams(raw: bytes) -> list[dict[str, Any]]:
    out = []
    for line, row in enumerate(_json(raw, "teams.json", list), start=1):
        if not isinstance(row, dict) or not isinstance(row.get("name"), str) or not isinstance(row.get("members"), list):
            raise _bad("teams.json", line, "fields_missing", "name, members")
        members = []
        for m in row["members"]:
            if not isinstance(m, dict) or (m.get("part") is not None and not isinstance(m["part"], str)):
                raise _bad("teams.json", line, "bad_field", "members")
            members.append((_name(m.get("username"), "teams.json", line), (m.get("part") or None)))
        out.append({"name": row["name"][:50], "members": members})
    return out


def _snapshots(raw: bytes) -> list[dict[str, Any]]:
    out = []
    for line, row in enumerate(_json(raw, "snapshots.json", list), start=1):
        if not isinstance(row, dict) or not isinstance(row.get("scores"), dict):
            raise _bad("snapshots.json", line, "fields_missing", "scores")
        scores: dict[str, dict[str, float]] = {}
        for uname, codes in row["scores"].items():
            if not isinstance(codes, dict):
                raise _bad("snapshots.json", line, "bad_field", "scores")
            scores[_name(uname, "snapshots.json", line)] = {
                str(c)[:16]: _points(p, "snapshots.json", line) for c, p in codes.items()}
        out.append({"taken_at": _when(row.get("taken_at"), "snapshots.json", line, required=True),
                    "taken_by": _opt_name(row.get("taken_by"), "snapshots.json", line),
                    "reason": str(row.get("reason") or "")[:200], "scores": scores})
    return out


def read_archive(data: bytes) -> _Archive:
    """Unpack and validate an archive completely (nothing is written). Raises archive.*."""
    files = _unpack(data)
    manifest = _manifest(files["manifest.json"])
    return _Archive(manifest, _roster(files["roster.csv"]), _scores(files["scores.csv"]), _events(files["events.jsonl"]),
                    _assignments(files["assignments.json"]), _teams(files["teams.json"]),
                    _snapshots(files["snapshots.json"]))


# ----------------------------------------------------------------------------- import


def imported_name(name: str, at: datetime) -> str:
    suffix = f" (imported 导入 {at.strftime('%Y-%m-%d')})"  # a class name is one string for both languages
    return name.strip()[: 100 - len(suffix)] + suffix


def _remap(data: Mapping[str, Any], users: Mapping[str, int], assignments: Mapping[int, int]) -> dict[str, Any]:
    out = dict(data)
    if "student_id" in out:
        student = out.get("student")
        out["student_id"] = users.get(username_key(student)) if isinstance(student, str) else None
    if isinstance(out.get("assignment_id"), int) and out["assignment_id"] in assignments:
        out["assignment_id"] = assignments[out["assignment_id"]]
    return out


def import_class(uow: UnitOfWork, actor: Actor, data: bytes, request_id: str | None) -> ImportResult:
    """Import an archive as a new class owned by ``actor`` (see module docstring). Raises
    auth.forbidden, archive.not_zip|too_big|too_large_unpacked|no_manifest|missing_file|no_version|
    bad_version|bad_row|user_conflict, request.duplicate."""
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")
    archive = read_archive(data)
    students = [(u, f, n) for role, u, f, n in archive.roster if role == STUDENT]
    with uow.read() as s:
        done = events.replayed(s, request_id)
        if done is not None:
            return _replayed(s, done)
        existing = set(s.scalars(select(User.username_key).where(
            User.username_key.in_([username_key(u) for u, _, _ in students])))) if students else set()
    passwords = {username_key(u): temp_password() for u, _, _ in students if username_key(u) not in existing}
    hashes = {k: hash_password(p) for k, p in passwords.items()}  # argon2 outside the write
    room_meta = archive.manifest["class"]
    now = utcnow()
    with uow.write() as s:
        if events.replayed(s, request_id) is not None:
            raise DomainError("request.duplicate")
        room = Classroom(name=imported_name(room_meta["name"], now), language=room_meta["language"],
                         seed=min(max(int(room_meta["seed"]), 0), 2_000_000_000),
                         enrollment_code=new_enrollment_code(s), owner_id=actor.user_id, kind="archive")
        s.add(room)
        s.flush()
        s.add(Membership(class_id=room.id, user_id=actor.user_id, role=INSTRUCTOR))
        users: dict[str, int] = {username_key(actor.username): actor.user_id}
        issued: list[IssuedPassword] = []
        student_ids: set[int] = set()
        for uname, full, number in students:
            key = username_key(uname)
            user = s.scalar(select(User).where(User.username_key == key))
            if user is None:
                password = passwords.get(key) or temp_password()
                user = User(username=uname, username_key=key, full_name=full, role=STUDENT,
                            password_hash=hashes.get(key) or hash_password(password), must_change_password=True)
                s.add(user)
                s.flush()
                issued.append(IssuedPassword(number, full, uname, password))
            elif user.role != STUDENT:
                raise DomainError("archive.user_conflict", field="archive.file", username=uname, role=user.role)
            users[key] = user.id
            student_ids.add(user.id)
            s.add(Membership(class_id=room.id, user_id=user.id, role=STUDENT, student_number=number))
        # instructors and other actors of the old class: matched by name when they exist here
        names = {username_key(n) for n in
                 [e["actor"] for e in archive.events] + [sn["taken_by"] for sn in archive.snapshots]
                 + [u for _r, u, _f, _n in archive.roster] if n} - set(users)
        if names:
            users.update(dict(s.execute(select(User.username_key, User.id).where(User.username_key.in_(names))).all()))
        assignment_ids: dict[int, int] = {}
        for a in archive.assignments:
            old = a.pop("old_id")
            row = Assignment(class_id=room.id, created_by=actor.user_id,
                             **{k: v for k, v in a.items() if k != "created_at"}, created_at=a["created_at"] or now)
            s.add(row)
            s.flush()
            if isinstance(old, int):
                assignment_ids[old] = row.id
        team_names: set[str] = set()
        in_team: set[int] = set()
        for line, team in enumerate(archive.teams, start=1):
            if team["name"] in team_names:
                raise _bad("teams.json", line, "repeated_team", team["name"])
            team_names.add(team["name"])
            row = Team(class_id=room.id, name=team["name"], created_at=now)
            s.add(row)
            s.flush()
            for uname, part in team["members"]:
                uid = users.get(username_key(uname))
                if uid is None or uid in in_team or uid not in student_ids:
                    raise _bad("teams.json", line, "bad_member", uname)
                in_team.add(uid)
                s.add(TeamMember(class_id=room.id, team_id=row.id, user_id=uid, part=(part or None) and part[:32]))

        def by_id(scores: dict[str, dict[str, float]]) -> dict[str, dict[str, float]]:
            return {str(users[username_key(u)]): row for u, row in scores.items() if username_key(u) in users}

        snaps = 0
        for snap in archive.snapshots:
            s.add(GradeSnapshot(class_id=room.id, taken_at=snap["taken_at"], reason=snap["reason"],
                                taken_by=users.get(username_key(snap["taken_by"])) if snap["taken_by"] else None,
                                scores=by_id(snap["scores"])))
            snaps += 1
        exported_at = _when(archive.manifest.get("exported_at"), "manifest.json", 1)
        s.add(GradeSnapshot(class_id=room.id, taken_at=exported_at or now, taken_by=actor.user_id,
                            reason=IMPORTED_SCORES, scores=by_id(archive.scores)))
        snaps += 1
        rows = [
            {"at": e["at"], "actor_id": users.get(username_key(e["actor"])) if e["actor"] else None,
             "class_id": room.id, "kind": e["kind"], "subject": e["subject"], "task_code": e["task_code"],
             "request_id": None, "data": _remap(e["data"], users, assignment_ids)}
            for e in archive.events
        ]
        if rows:
            s.execute(insert(Event), rows)
        events.record(s, IMPORTED_EVENT, actor=actor, class_id=room.id, subject=f"class:{room.id}",
                      request_id=request_id, source=room_meta["name"], exported_at=archive.manifest.get("exported_at"),
                      students=len(students), events=len(rows), created_users=len(issued))
        return ImportResult(room.id, room.name, len(students), len(rows), len(archive.assignments), len(archive.teams),
                            snaps, issued)


def _replayed(session: Session, done: Event) -> ImportResult:
    if done.kind != IMPORTED_EVENT or done.class_id is None:
        raise DomainError("request.duplicate")
    d = done.data or {}
    room = session.get(Classroom, done.class_id)
    name = room.name if room is not None else ""
    return ImportResult(done.class_id, name, int(d.get("students", 0)), int(d.get("events", 0)), 0, 0, 0, [])
