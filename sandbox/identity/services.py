"""Identity services: first-run setup, login/logout, classes, enrollment, rosters, passwords.

Invariants:
- Each public service is one transaction (``uow.write()``) and writes its event row in it;
  a DomainError leaves the database untouched.
- A wrong password gets ``auth.bad_credentials`` whether or not the user exists, after the
  same argon2 work. After ``LOCK_AFTER`` failures in ``LOCK_WINDOW`` for one user name, logins
  for that name are refused without verifying for a growing delay (``auth.slow_down``).
- Instructors reach only classes they are members of; students only their own.
"""

from __future__ import annotations

import csv
import hashlib
import io
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import case, func, select
from sqlalchemy import text as sql_text
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import BOT, INSTRUCTOR, STUDENT, Actor
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.i18n import LANGUAGES
from sandbox.identity.models import Classroom, LoginSession, Membership, User
from sandbox.identity.passwords import hash_password, needs_rehash, verify_password
from sandbox.uow import UnitOfWork
from sandbox.validation import (
    check_new_password,
    clean_text,
    clean_username,
    username_key,
)

SESSION_LIFETIME = timedelta(days=14)
LOCK_AFTER = 5
LOCK_WINDOW = timedelta(minutes=15)
MAX_LOCK = timedelta(minutes=15)
CODE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
ROSTER_MAX_LINES = 2000


@dataclass(frozen=True)
class LoginResult:
    actor: Actor
    token: str


@dataclass(frozen=True)
class IssuedPassword:
    """A first-login password handed out to one user (shown once to the instructor)."""

    student_number: str | None
    full_name: str
    username: str
    password: str


# ----------------------------------------------------------------------------- helpers


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def temp_password() -> str:
    """A one-time first-login password (10 characters, no look-alikes)."""
    return "".join(secrets.choice(CODE_ALPHABET.lower() + "23456789") for _ in range(10))


def new_enrollment_code(session: Session) -> str:
    """A fresh 8-character class enrollment code, unique across classes."""
    while True:
        code = "".join(secrets.choice(CODE_ALPHABET) for _ in range(8))
        if session.scalar(select(Classroom.id).where(Classroom.enrollment_code == code)) is None:
            return code


def normalize_code(value: object) -> str:
    """An enrollment code as typed ('abcd-efgh', full-width, spaces) in canonical form."""
    text = unicodedata.normalize("NFKC", str(value or "")).upper()
    return "".join(ch for ch in text if ch.isalnum())


def ensure_username_free(session: Session, username: str, field: str = "username") -> None:
    """Raises identity.username_taken if the name (after NFKC and case folding) is in use."""
    if session.scalar(select(User.id).where(User.username_key == username_key(username))):
        raise DomainError("identity.username_taken", field=field, username=username)


def new_user(
    session: Session, *, username: str, full_name: str, role: str, password: str, must_change: bool
) -> User:
    user = User(
        username=username,
        username_key=username_key(username),
        full_name=full_name,
        role=role,
        password_hash=hash_password(password),
        must_change_password=must_change,
    )
    session.add(user)
    session.flush()
    return user


def actor_for(session: Session, user: User, class_id: int | None = None) -> Actor:
    """The Actor of ``user``; a student acts in ``class_id`` or their latest class."""
    if user.role == STUDENT and class_id is None:
        class_id = session.scalar(
            select(Membership.class_id)
            .join(Classroom, Classroom.id == Membership.class_id)
            .where(Membership.user_id == user.id)
            # a live class before an imported archive (an archive is looked at, not worked in)
            .order_by(case((Classroom.kind == "archive", 1), else_=0), Membership.joined_at.desc(), Membership.id.desc())
            .limit(1)
        )
    return Actor(
        user_id=user.id,
        username=user.username,
        full_name=user.full_name,
        role=user.role,
        language=user.language or "",
        class_id=class_id,
        must_change_password=user.must_change_password,
    )


def _require_instructor(actor: Actor) -> None:
    if not actor.is_instructor:
        raise DomainError("auth.forbidden")


def require_class_member(session: Session, actor: Actor, class_id: int, role: str | None = None) -> Classroom:
    """The class, if ``actor`` belongs to it (as ``role``); else ``class.not_found``."""
    query = (
        select(Classroom)
        .join(Membership, Membership.class_id == Classroom.id)
        .where(Classroom.id == class_id, Membership.user_id == actor.user_id)
    )
    if role:
        query = query.where(Membership.role == role)
    found = session.scalar(query)
    if found is None:
        raise DomainError("class.not_found")
    return found


def require_participant(session: Session, actor: Actor) -> int:
    """The class a student (or a bot) acts in; ``auth.forbidden`` for instructors, ``class.not_found``
    when the actor has no class or is no longer a member of it. Module services (mail, CA, bank) use it."""
    if actor.role not in (STUDENT, BOT):
        raise DomainError("auth.forbidden")
    if actor.class_id is None:
        raise DomainError("class.not_found")
    require_class_member(session, actor, actor.class_id)
    return actor.class_id


# ----------------------------------------------------------------------------- first run


def instructor_exists(session: Session) -> bool:
    return session.scalar(select(User.id).where(User.role == INSTRUCTOR).limit(1)) is not None


def setup_first_instructor(
    uow: UnitOfWork, *, username: str, full_name: str, password: str, password_confirm: str, language: str
) -> Actor:
    """First-run setup: create the first instructor. Raises setup.done, identity.*, input.*."""
    name = clean_username(username)
    full = clean_text(full_name, "full_name", max_len=100)
    pw = check_new_password(password, password_confirm)
    with uow.write() as s:
        if s.get_bind().dialect.name == "postgresql":  # SQLite's BEGIN IMMEDIATE already serialises this
            s.execute(sql_text("SELECT pg_advisory_xact_lock(774412)"))  # two setup screens submitted at once
        if instructor_exists(s):
            raise DomainError("setup.done")
        ensure_username_free(s, name)
        user = new_user(s, username=name, full_name=full, role=INSTRUCTOR, password=pw, must_change=False)
        user.language = language if language in LANGUAGES else None
        events.record(s, "setup.completed", actor_id=user.id, subject=user.username_key)
        return actor_for(s, user)


# ----------------------------------------------------------------------------- login


def _failures_since_success(s: Session, key: str, now: datetime) -> tuple[int, datetime | None]:
    last_ok = s.scalar(
        select(func.max(events.Event.at)).where(
            events.Event.kind == "login.succeeded", events.Event.subject == key
        )
    )
    since = max(now - LOCK_WINDOW, last_ok) if last_ok else now - LOCK_WINDOW
    count, last = s.execute(
        select(func.count(events.Event.id), func.max(events.Event.at)).where(
            events.Event.kind == "login.failed", events.Event.subject == key, events.Event.at > since
        )
    ).one()
    return int(count), last


def lock_remaining(s: Session, key: str, now: datetime | None = None) -> int:
    """Seconds until the next login for user name ``key`` may be tried (0 = not throttled)."""
    now = now or utcnow()
    failures, last = _failures_since_success(s, key, now)
    if failures < LOCK_AFTER or last is None:
        return 0
    delay = min(timedelta(seconds=30 * 2 ** (failures - LOCK_AFTER)), MAX_LOCK)
    return max(0, int((last + delay - now).total_seconds()) + 1) if last + delay > now else 0


def login(uow: UnitOfWork, *, username: str, password: str) -> LoginResult:
    """Log in with user name and password. Raises auth.bad_credentials, auth.slow_down."""
    key = username_key(str(username or ""))[:64]
    if not key or not password or any(unicodedata.category(ch) == "Cc" for ch in key):
        raise DomainError("auth.bad_credentials")  # no user name holds a control character (NUL breaks PostgreSQL)
    with uow.read() as s:
        wait = lock_remaining(s, key)
        user = s.scalar(select(User).where(User.username_key == key))
        user_id, stored = (user.id, user.password_hash) if user else (None, None)
    if wait:
        raise DomainError("auth.slow_down", seconds=wait)
    # argon2 outside any transaction; an over-long password is simply wrong (never truncated)
    ok = len(str(password)) <= 128 and verify_password(stored, str(password))
    with uow.write() as s:
        if not ok or user_id is None:
            events.record(s, "login.failed", actor_id=user_id, subject=key)
            failed = True
        else:
            failed = False
            fresh = s.get(User, user_id)
            assert fresh is not None
            if needs_rehash(fresh.password_hash):
                fresh.password_hash = hash_password(str(password))
            token = secrets.token_urlsafe(32)
            now = utcnow()
            s.add(
                LoginSession(
                    token_hash=_token_hash(token), user_id=fresh.id, created_at=now, expires_at=now + SESSION_LIFETIME
                )
            )
            actor = actor_for(s, fresh)
            events.record(s, "login.succeeded", actor=actor, subject=key)
    if failed:  # the failure event is committed; now refuse
        raise DomainError("auth.bad_credentials")
    return LoginResult(actor=actor, token=token)


def resume(uow: UnitOfWork, token: str | None) -> Actor | None:
    """The Actor of a live login session token (from the browser cookie), or None."""
    if not token or len(token) > 128:
        return None
    with uow.read() as s:
        row = s.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
        if row is None or row.revoked_at is not None or row.expires_at <= utcnow():
            return None
        user = s.get(User, row.user_id)
        return actor_for(s, user) if user else None


def logout(uow: UnitOfWork, actor: Actor, token: str | None) -> None:
    """End this browser's login session (its cookie token stops working)."""
    with uow.write() as s:
        if token:
            row = s.scalar(select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
            if row is not None and row.user_id == actor.user_id and row.revoked_at is None:
                row.revoked_at = utcnow()
        events.record(s, "logout", actor=actor, subject=username_key(actor.username))


def change_password(
    uow: UnitOfWork, actor: Actor, *, old: str, new: str, confirm: str, keep_token: str | None = None
) -> Actor:
    """Change one's own password; every other login session of the user ends.

    ``keep_token`` is the cookie token of the browser making the change (it stays logged in).
    Raises auth.bad_old_password, auth.same_password, input.*.
    """
    pw = check_new_password(new, confirm, field="new_password")
    with uow.read() as s:
        user = s.get(User, actor.user_id)
        stored = user.password_hash if user else None
    if len(str(old or "")) > 128 or not verify_password(stored, str(old or "")):
        raise DomainError("auth.bad_old_password", field="old_password")
    if pw == old:
        raise DomainError("auth.same_password", field="new_password")
    with uow.write() as s:
        user = s.get(User, actor.user_id)
        assert user is not None
        user.password_hash = hash_password(pw)
        user.must_change_password = False
        others = LoginSession.__table__.update().where(
            LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None)
        )
        if keep_token:
            others = others.where(LoginSession.token_hash != _token_hash(keep_token))
        s.execute(others.values(revoked_at=utcnow()))
        events.record(s, "password.changed", actor=actor, subject=user.username_key)
        return actor_for(s, user, actor.class_id)


def set_language(uow: UnitOfWork, actor: Actor, language: str) -> Actor:
    """Store a user's UI language (zh_CN or en). Raises input.bad_language."""
    if language not in LANGUAGES:
        raise DomainError("input.bad_language", field="language")
    with uow.write() as s:
        user = s.get(User, actor.user_id)
        assert user is not None
        if user.language != language:
            user.language = language
            events.record(s, "language.set", actor=actor, language=language)
        return actor_for(s, user, actor.class_id)


# ----------------------------------------------------------------------------- classes


def create_class(
    uow: UnitOfWork, actor: Actor, *, name: str, language: str, seed: object, request_id: str | None = None
) -> Classroom:
    """Create a class with its enrollment code. Raises auth.forbidden, input.*."""
    _require_instructor(actor)
    title = clean_text(name, "name", max_len=100)
    if language not in LANGUAGES:
        raise DomainError("input.bad_language", field="language")
    try:
        seed_value = int(str(seed).strip())
    except ValueError:
        raise DomainError("input.bad_seed", field="seed") from None
    if not 0 <= seed_value <= 2_000_000_000:
        raise DomainError("input.bad_seed", field="seed")
    with uow.write() as s:
        done = events.replayed(s, request_id)
        if done is not None:
            existing = s.get(Classroom, done.class_id)
            assert existing is not None
            return existing
        room = Classroom(
            name=title, language=language, seed=seed_value, enrollment_code=new_enrollment_code(s), owner_id=actor.user_id
        )
        s.add(room)
        s.flush()
        s.add(Membership(class_id=room.id, user_id=actor.user_id, role=INSTRUCTOR))
        events.record(s, "class.created", actor=actor, class_id=room.id, request_id=request_id, name=title)
        return room


def register_student(
    uow: UnitOfWork,
    *,
    enrollment_code: str,
    username: str,
    full_name: str,
    password: str,
    password_confirm: str,
    student_number: str = "",
    language: str | None = None,
) -> Actor:
    """A student joins a class with its enrollment code. Raises class.bad_code, identity.*, input.*."""
    code = normalize_code(enrollment_code)
    if not code:
        raise DomainError("input.required", field="enrollment_code")
    name = clean_username(username)
    full = clean_text(full_name, "full_name", max_len=100)
    number = clean_text(student_number, "student_number", max_len=32, required=False, fold=True) or None
    pw = check_new_password(password, password_confirm)
    try:
        with uow.write() as s:
            room = s.scalar(select(Classroom).where(Classroom.enrollment_code == code))
            if room is None:
                raise DomainError("class.bad_code", field="enrollment_code")
            ensure_username_free(s, name)
            if number and s.scalar(
                select(Membership.id).where(Membership.class_id == room.id, Membership.student_number == number)
            ):
                raise DomainError("class.number_taken", field="student_number", number=number)
            user = new_user(s, username=name, full_name=full, role=STUDENT, password=pw, must_change=False)
            user.language = language if language in LANGUAGES else None
            s.add(Membership(class_id=room.id, user_id=user.id, role=STUDENT, student_number=number))
            s.flush()
            actor = actor_for(s, user, room.id)
            events.record(s, "class.student_registered", actor=actor, class_id=room.id, subject=user.username_key)
            return actor
    except IntegrityError:  # a simultaneous registration took the name or number first
        raise DomainError("identity.username_or_number_taken", field="username") from None


def _decode_csv(data: bytes | str) -> str:
    if isinstance(data, str):
        return data.removeprefix("\ufeff")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise DomainError("roster.encoding", field="roster")


_HEADER_WORDS = {"student_number", "number", "no", "学号", "name", "姓名", "username", "用户名", "full_name"}


def parse_roster(data: bytes | str) -> list[tuple[int, str, str, str]]:
    """Roster rows ``(line, student_number, name, username)``; DomainError names the line."""
    text = _decode_csv(data)
    reader = csv.reader(io.StringIO(text, newline=None))  # universal newlines: \r\n, \r (old Mac) and \n
    out: list[tuple[int, str, str, str]] = []
    seen: dict[str, int] = {}
    first = True
    while True:
        try:
            row = next(reader)
        except StopIteration:
            break
        except csv.Error as exc:
            raise DomainError("roster.malformed", field="roster", line=reader.line_num, detail=str(exc)) from None
        line = reader.line_num
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if first and cells[0].casefold().replace(" ", "_") in _HEADER_WORDS:
            first = False
            continue
        first = False
        if len(cells) < 2 or len(cells) > 3:
            raise DomainError("roster.columns", field="roster", line=line)
        try:
            number = clean_text(cells[0], "roster", max_len=32, fold=True)
            full = clean_text(cells[1], "roster", max_len=100)
            # The user name is the third column, or else the student number itself.
            uname = clean_username(cells[2] if len(cells) == 3 and cells[2] else number, "roster")
        except DomainError as err:
            raise DomainError("roster.bad_value", field="roster", line=line, reason=err.code, **err.params) from None
        if number in seen:
            raise DomainError("roster.duplicate", field="roster", line=line, other=seen[number])
        seen[number] = line
        out.append((line, number, full, uname))
        if len(out) > ROSTER_MAX_LINES:
            raise DomainError("roster.too_long", field="roster", max=ROSTER_MAX_LINES)
    if not out:
        raise DomainError("roster.empty", field="roster")
    return out


def import_roster(
    uow: UnitOfWork, actor: Actor, class_id: int, data: bytes | str, *, request_id: str | None = None
) -> list[IssuedPassword]:
    """Import a roster CSV (student number, name[, user name]) into a class, all or nothing.

    Each new student gets a first-login password (changed at first login). Raises roster.*
    (naming the line), class.not_found, auth.forbidden.
    """
    _require_instructor(actor)
    rows = parse_roster(data)
    issued: list[IssuedPassword] = []
    with uow.write() as s:
        require_class_member(s, actor, class_id, INSTRUCTOR)
        if events.replayed(s, request_id) is not None:
            raise DomainError("roster.already_imported", field="roster")
        taken_numbers = set(
            s.scalars(select(Membership.student_number).where(Membership.class_id == class_id)).all()
        )
        keys = [username_key(u) for _, _, _, u in rows]
        taken_keys = set(s.scalars(select(User.username_key).where(User.username_key.in_(keys))).all())
        for (line, number, _full, uname), key in zip(rows, keys, strict=True):
            if number in taken_numbers:
                raise DomainError("roster.number_in_class", field="roster", line=line, number=number)
            if key in taken_keys:
                raise DomainError("roster.username_taken", field="roster", line=line, username=uname)
            taken_keys.add(key)
        for _line, number, full, uname in rows:
            password = temp_password()
            user = new_user(
                s, username=uname, full_name=full, role=STUDENT, password=password, must_change=True
            )
            s.add(Membership(class_id=class_id, user_id=user.id, role=STUDENT, student_number=number))
            issued.append(IssuedPassword(number, full, user.username, password))
        events.record(
            s, "class.roster_imported", actor=actor, class_id=class_id, request_id=request_id, count=len(issued)
        )
    return issued


def reset_student_password(uow: UnitOfWork, actor: Actor, class_id: int, user_id: int) -> IssuedPassword:
    """An instructor hands a student of their class a new first-login password."""
    _require_instructor(actor)
    password = temp_password()
    with uow.write() as s:
        require_class_member(s, actor, class_id, INSTRUCTOR)
        member = s.scalar(
            select(Membership).where(
                Membership.class_id == class_id, Membership.user_id == user_id, Membership.role == STUDENT
            )
        )
        if member is None:
            raise DomainError("class.no_such_student")
        user = member.user
        user.password_hash = hash_password(password)
        user.must_change_password = True
        s.execute(
            LoginSession.__table__.update()
            .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
            .values(revoked_at=utcnow())
        )
        events.record(s, "password.reset", actor=actor, class_id=class_id, subject=user.username_key)
        return IssuedPassword(member.student_number, user.full_name, user.username, password)


def add_instructor(
    uow: UnitOfWork, actor: Actor, *, username: str, full_name: str, request_id: str | None = None
) -> IssuedPassword:
    """An instructor adds another instructor, who gets a first-login password."""
    _require_instructor(actor)
    name = clean_username(username)
    full = clean_text(full_name, "full_name", max_len=100)
    password = temp_password()
    with uow.write() as s:
        if events.replayed(s, request_id) is not None:
            raise DomainError("request.duplicate")
        ensure_username_free(s, name)
        user = new_user(s, username=name, full_name=full, role=INSTRUCTOR, password=password, must_change=True)
        events.record(s, "instructor.added", actor=actor, subject=user.username_key, request_id=request_id)
        return IssuedPassword(None, full, user.username, password)
