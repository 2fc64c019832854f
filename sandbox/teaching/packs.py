"""Scenario packs (实验场景包): the library of task and chain files, and which of them a class uses.

Invariants:
- The library is the shipped files (``scenarios/*.yaml`` task packs, ``scenarios/chains/*.yaml``
  chain packs; read-only) plus the uploaded packs every instructor of the server shares.
- An uploaded pack is stored only after the whole file validated with the same loader as
  ``python -m sandbox scenarios validate`` (``read_upload``, ``file_kind``, ``validate_file`` /
  ``parse_chain``): an invalid file raises ``ScenarioError``/``ChainError`` (file, line, task or
  step, field) and stores nothing. Its ``content`` is the exact uploaded text (a BOM kept), so
  the export gives back the uploaded bytes; ``sha256`` is of those bytes, and uploading the
  same bytes again returns the existing pack.
- Only an instructor reads the library, uploads, loads or unloads (a student gets
  ``auth.forbidden``); a class is changed only by one of its instructors (``class.not_found``
  otherwise). Every change is one transaction with its event (``pack.uploaded``,
  ``pack.loaded``, ``pack.unloaded``); a repeated ``request_id`` changes nothing more.
- The tasks a class uses are the shipped tasks with each loaded task pack's tasks replacing the
  same codes, in load order (the later load wins). Loading a pack that is already loaded moves
  it to the end (it wins again). Parsed packs are cached by sha256 (their text never changes);
  a stored pack that no longer validates (a check kind removed from the code since) is skipped,
  so the class falls back to the shipped tasks instead of every page failing.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path, PurePath

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import INSTRUCTOR, Actor
from sandbox.chains.model import CHAIN_DIR, Chain, ChainError, load_chains, parse_chain
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.identity.models import User
from sandbox.identity.services import require_class_member
from sandbox.scenarios.loader import ScenarioError, file_kind, parse_text, read_upload, validate_file
from sandbox.scenarios.model import SCENARIO_DIR, TaskDef, TaskSet, catalog_by_code
from sandbox.teaching.models import ClassPack, ScenarioPack
from sandbox.uow import UnitOfWork
from sandbox.validation import clean_text

TASKS, CHAIN = "tasks", "chain"
SHIPPED_PREFIX, UPLOADED_PREFIX = "shipped:", "pack:"


# ----------------------------------------------------------------------------- views


@dataclass(frozen=True)
class PackInfo:
    """One library entry. ``key`` names it for preview/export: ``shipped:<file>`` or ``pack:<id>``."""

    key: str
    id: int | None  # the uploaded pack's id (None for a shipped file)
    name: str
    file_name: str
    kind: str  # tasks | chain
    shipped: bool
    task_codes: tuple[str, ...]
    sha256: str
    uploaded_by: str | None = None
    uploaded_at: datetime | None = None
    new: bool = False  # upload_pack: stored now (False: the same bytes were already in the library)
    title_zh: str = ""  # a shipped chain's title (its name is "<id> · <English title>")
    title_en: str = ""

    def label(self, lang: str) -> str:
        """The name to show: a shipped chain's id and title in ``lang``, else the stored name."""
        if self.title_zh and self.title_en:
            return f"{self.name.split(' · ')[0]} · {self.title_zh if lang == 'zh_CN' else self.title_en}"
        return self.name


@dataclass(frozen=True)
class TaskRow:
    code: str
    title_zh: str
    title_en: str
    module: str
    role: str
    points: float
    shipped_points: float | None  # the same code's points in the shipped files (None: not shipped)
    check_kinds: tuple[str, ...]
    requires: tuple[str, ...]


@dataclass(frozen=True)
class StepRow:
    index: int
    code: str
    part: str
    part_zh: str
    part_en: str
    title_zh: str
    title_en: str


@dataclass(frozen=True)
class Preview:
    """What a pack holds: its tasks, or its chain's parts and steps."""

    pack: PackInfo
    tasks: tuple[TaskRow, ...] = ()
    chain_id: str | None = None
    chain_title_zh: str = ""
    chain_title_en: str = ""
    steps: tuple[StepRow, ...] = ()


@dataclass(frozen=True)
class LoadedPack:
    pack_id: int
    name: str
    file_name: str
    kind: str
    task_codes: tuple[str, ...]
    loaded_at: datetime
    loaded_by: str | None


# ----------------------------------------------------------------------------- parsing (cached)


def _sha(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _plain_text(content: str) -> str:
    return content.removeprefix("\ufeff")


_PARSED: dict[str, tuple[TaskDef, ...] | Chain] = {}
_STALE: set[str] = set()


def _parsed(sha256: str, kind: str, file_name: str, content: str | None) -> tuple[TaskDef, ...] | Chain:
    """The parsed pack of these bytes (``content`` is needed only the first time)."""
    found = _PARSED.get(sha256)
    if found is None:
        if content is None:
            raise KeyError(sha256)
        from sandbox.scenarios import registry  # noqa: F401  (registers every module's check kinds)

        text = _plain_text(content)
        found = parse_chain(text, file_name) if kind == CHAIN else tuple(parse_text(text, file_name))
        _PARSED[sha256] = found
    return found


@cache
def _shipped_files() -> dict[str, Path]:
    """Shipped pack files by key (``shipped:b2b.yaml``, ``shipped:chains/A.yaml``)."""
    out = {f"{SHIPPED_PREFIX}{p.name}": p for p in sorted(SCENARIO_DIR.glob("*.yaml"))}
    out.update({f"{SHIPPED_PREFIX}chains/{p.name}": p for p in sorted(CHAIN_DIR.glob("*.yaml"))})
    return out


@cache
def _shipped_info() -> tuple[PackInfo, ...]:
    infos = []
    for key, path in _shipped_files().items():
        data = path.read_bytes()
        kind = CHAIN if path.parent == CHAIN_DIR else TASKS
        parsed = _parsed(_sha(data), kind, path.name, data.decode("utf-8"))
        codes = _codes(parsed)
        rel = key.removeprefix(SHIPPED_PREFIX)
        name = f"{parsed.id} · {parsed.title_en}" if isinstance(parsed, Chain) else Path(rel).stem.upper()
        titles = (parsed.title_zh, parsed.title_en) if isinstance(parsed, Chain) else ("", "")
        infos.append(PackInfo(key, None, name, rel, kind, True, codes, _sha(data), title_zh=titles[0],
                              title_en=titles[1]))
    return tuple(infos)


@cache
def _shipped_points() -> dict[str, float]:
    from sandbox.scenarios.loader import load_directory

    return {c: t.points for c, t in load_directory().tasks.items()}


def _codes(parsed: tuple[TaskDef, ...] | Chain) -> tuple[str, ...]:
    if isinstance(parsed, Chain):
        return tuple(dict.fromkeys(s.code for s in parsed.steps))
    return tuple(t.code for t in parsed)


# ----------------------------------------------------------------------------- guards


def _require_instructor(actor: Actor) -> None:
    if actor.role != INSTRUCTOR:
        raise DomainError("auth.forbidden")


def _clean_file_name(file_name: str) -> str:
    name = PurePath(str(file_name or "").replace("\\", "/")).name.strip()
    return clean_text(name or "upload.yaml", "packs.file_name", max_len=200)


def _info(row: ScenarioPack, uploader: str | None, new: bool = False) -> PackInfo:
    return PackInfo(f"{UPLOADED_PREFIX}{row.id}", row.id, row.name, row.file_name, row.kind, False,
                    tuple(row.task_codes or ()), row.sha256, uploader, row.uploaded_at, new)


def _uploader(session: Session, user_id: int | None) -> str | None:
    return session.scalar(select(User.username).where(User.id == user_id)) if user_id else None


# ----------------------------------------------------------------------------- services


def check_pack(data: bytes, file_name: str) -> tuple[str, tuple[TaskDef, ...] | Chain]:
    """Validate one pack file without storing it: ``(kind, tasks or chain)``; raises
    ``scenario.invalid`` (ScenarioError) or ``chain.invalid`` (ChainError) naming file, line and field."""
    file = _clean_file_name(file_name)
    if not data.strip():
        raise ScenarioError(file, "packs.empty_file")
    text = read_upload(data, file)
    kind = file_kind(text, file)
    if kind == CHAIN:
        return kind, parse_chain(text.removeprefix("\ufeff"), file)
    tasks = tuple(validate_file(data, file))
    if not tasks:
        raise ScenarioError(file, "scenario.no_tasks", field="tasks")
    return kind, tasks


def upload_pack(uow: UnitOfWork, actor: Actor, data: bytes, file_name: str, name: str,
                request_id: str | None = None) -> PackInfo:
    """Store a validated scenario pack (tasks or chain) in the library. Raises auth.forbidden,
    scenario.invalid, chain.invalid, input.required|too_long|bad_chars; same bytes → the stored pack."""
    _require_instructor(actor)
    file = _clean_file_name(file_name)
    kind, parsed = check_pack(data, file)
    label = clean_text(name, "packs.name", max_len=100, required=False) or PurePath(file).stem[:100]
    digest = _sha(data)
    content = data.decode("utf-8")  # exact text: read_upload proved it is UTF-8
    with uow.write() as s:
        earlier = events.replayed(s, request_id)
        if earlier is not None:
            row = s.get(ScenarioPack, earlier.data.get("pack_id"))
            if row is not None:
                return _info(row, _uploader(s, row.uploaded_by))
        row = s.scalar(select(ScenarioPack).where(ScenarioPack.sha256 == digest))
        if row is not None:
            return _info(row, _uploader(s, row.uploaded_by))
        row = ScenarioPack(name=label, file_name=file, kind=kind, content=content, sha256=digest,
                           task_codes=list(_codes(parsed)), uploaded_by=actor.user_id)
        s.add(row)
        s.flush()
        events.record(s, "pack.uploaded", actor=actor, class_id=None, subject=f"pack:{row.id}",
                      request_id=request_id, pack_id=row.id, name=label, file_name=file, pack_kind=kind,
                      sha256=digest, task_codes=list(row.task_codes))
        _PARSED.setdefault(digest, parsed)
        return _info(row, actor.username, new=True)


def load_into_class(uow: UnitOfWork, actor: Actor, class_id: int, pack_id: int,
                    request_id: str | None = None) -> LoadedPack:
    """Make a class use an uploaded pack (its tasks replace the same codes; a chain pack adds or
    replaces that chain). Raises auth.forbidden, class.not_found, packs.not_found."""
    _require_instructor(actor)
    with uow.write() as s:
        require_class_member(s, actor, class_id, INSTRUCTOR)
        pack = s.get(ScenarioPack, pack_id)
        if pack is None:
            raise DomainError("packs.not_found")
        if events.replayed(s, request_id) is None:
            for old in s.scalars(select(ClassPack).where(ClassPack.class_id == class_id,
                                                         ClassPack.pack_id == pack_id)):
                s.delete(old)  # loaded again: it moves to the end and wins again
            s.flush()
            s.add(ClassPack(class_id=class_id, pack_id=pack_id, loaded_by=actor.user_id))
            events.record(s, "pack.loaded", actor=actor, class_id=class_id, subject=f"pack:{pack_id}",
                          request_id=request_id, pack_id=pack_id, name=pack.name, pack_kind=pack.kind,
                          task_codes=list(pack.task_codes or ()))
        s.flush()
        row = s.scalars(select(ClassPack).where(ClassPack.class_id == class_id, ClassPack.pack_id == pack_id)
                        .order_by(ClassPack.id.desc())).first()
        return LoadedPack(pack.id, pack.name, pack.file_name, pack.kind, tuple(pack.task_codes or ()),
                          row.loaded_at if row is not None else utcnow(), actor.username)


def unload_from_class(uow: UnitOfWork, actor: Actor, class_id: int, pack_id: int,
                      request_id: str | None = None) -> None:
    """Stop a class using a pack (its shipped tasks apply again). Raises auth.forbidden,
    class.not_found, packs.not_loaded."""
    _require_instructor(actor)
    with uow.write() as s:
        require_class_member(s, actor, class_id, INSTRUCTOR)
        if events.replayed(s, request_id) is not None:
            return
        rows = list(s.scalars(select(ClassPack).where(ClassPack.class_id == class_id, ClassPack.pack_id == pack_id)))
        if not rows:
            raise DomainError("packs.not_loaded")
        for row in rows:
            s.delete(row)
        pack = s.get(ScenarioPack, pack_id)
        events.record(s, "pack.unloaded", actor=actor, class_id=class_id, subject=f"pack:{pack_id}",
                      request_id=request_id, pack_id=pack_id, name=pack.name if pack else "")


# ----------------------------------------------------------------------------- queries


def library(session: Session, actor: Actor) -> list[PackInfo]:
    """Shipped packs (read-only) then uploaded packs, newest first. Raises auth.forbidden."""
    _require_instructor(actor)
    rows = session.execute(
        select(ScenarioPack, User.username).outerjoin(User, User.id == ScenarioPack.uploaded_by)
        .order_by(ScenarioPack.id.desc())
    ).all()
    return [*_shipped_info(), *(_info(row, who) for row, who in rows)]


def _pack_source(session: Session, key: str) -> tuple[PackInfo, bytes]:
    if key.startswith(SHIPPED_PREFIX):
        path = _shipped_files().get(key)
        info = next((p for p in _shipped_info() if p.key == key), None)
        if path is None or info is None:
            raise DomainError("packs.not_found")
        return info, path.read_bytes()
    if key.startswith(UPLOADED_PREFIX) and key.removeprefix(UPLOADED_PREFIX).isdigit():
        row = session.get(ScenarioPack, int(key.removeprefix(UPLOADED_PREFIX)))
        if row is not None:
            return _info(row, _uploader(session, row.uploaded_by)), row.content.encode("utf-8")
    raise DomainError("packs.not_found")


def preview(session: Session, actor: Actor, key: str) -> Preview:
    """The tasks (code, titles, module, role, points, check kinds, requires) or chain steps of a
    library pack. Raises auth.forbidden, packs.not_found."""
    _require_instructor(actor)
    info, data = _pack_source(session, key)
    parsed = _parsed(info.sha256, info.kind, info.file_name, data.decode("utf-8"))
    if isinstance(parsed, Chain):
        catalog = catalog_by_code()
        steps = tuple(
            StepRow(st.index, st.code, st.part, parsed.part(st.part).label_zh, parsed.part(st.part).label_en,
                    catalog[st.code].title_zh, catalog[st.code].title_en)
            for st in parsed.steps
        )
        return Preview(info, chain_id=parsed.id, chain_title_zh=parsed.title_zh, chain_title_en=parsed.title_en,
                       steps=steps)
    shipped = _shipped_points()
    rows = tuple(
        TaskRow(t.code, t.title_zh, t.title_en, t.module, t.role, t.points, shipped.get(t.code),
                tuple(c.kind for c in t.checks), t.requires)
        for t in parsed
    )
    return Preview(info, tasks=rows)


def export_pack(session: Session, actor: Actor, key: str) -> tuple[str, bytes]:
    """``(file name, exact bytes)`` of a shipped or uploaded pack. Raises auth.forbidden, packs.not_found."""
    _require_instructor(actor)
    info, data = _pack_source(session, key)
    return PurePath(info.file_name).name, data


def class_packs(session: Session, actor: Actor, class_id: int) -> list[LoadedPack]:
    """The packs a class uses, in load order (the last wins). Raises auth.forbidden, class.not_found."""
    _require_instructor(actor)
    require_class_member(session, actor, class_id, INSTRUCTOR)
    rows = session.execute(
        select(ScenarioPack, ClassPack.loaded_at, User.username)
        .join(ClassPack, ClassPack.pack_id == ScenarioPack.id)
        .outerjoin(User, User.id == ClassPack.loaded_by)
        .where(ClassPack.class_id == class_id)
        .order_by(ClassPack.id)
    ).all()
    return [LoadedPack(p.id, p.name, p.file_name, p.kind, tuple(p.task_codes or ()), at, who) for p, at, who in rows]


def _loaded(session: Session, class_id: int, kind: str) -> list[tuple[tuple[TaskDef, ...] | Chain, str]]:
    """The parsed packs of ``kind`` loaded into a class, in load order (content read only when not cached)."""
    rows = session.execute(
        select(ScenarioPack.id, ScenarioPack.sha256, ScenarioPack.file_name)
        .join(ClassPack, ClassPack.pack_id == ScenarioPack.id)
        .where(ClassPack.class_id == class_id, ScenarioPack.kind == kind)
        .order_by(ClassPack.id)
    ).all()
    out = []
    for pack_id, digest, file_name in rows:
        if digest in _STALE:
            continue
        content = None if digest in _PARSED else session.scalar(
            select(ScenarioPack.content).where(ScenarioPack.id == pack_id))
        try:
            out.append((_parsed(digest, kind, file_name, content), digest))
        except (ScenarioError, ChainError):
            _STALE.add(digest)  # valid when stored, no longer (a check kind removed since): skipped
    return out


_MERGED: dict[tuple[int, tuple[str, ...]], tuple[TaskSet, TaskSet]] = {}


def class_tasks(session: Session, class_id: int, shipped: TaskSet) -> TaskSet:
    """The tasks a class uses: ``shipped`` with each loaded task pack's tasks replacing the same
    codes (the later load wins), in catalog order. One small query per call when nothing changed."""
    loaded = _loaded(session, class_id, TASKS)
    if not loaded:
        return shipped
    key = (id(shipped), tuple(d for _, d in loaded))
    hit = _MERGED.get(key)
    if hit is not None and hit[0] is shipped:
        return hit[1]
    merged: dict[str, TaskDef] = dict(shipped.tasks)
    for parsed, _ in loaded:
        assert not isinstance(parsed, Chain)
        merged.update({t.code: t for t in parsed})
    order = {c: i for i, c in enumerate(catalog_by_code())}
    result = TaskSet(dict(sorted(merged.items(), key=lambda item: order.get(item[0], len(order)))))
    if len(_MERGED) > 256:
        _MERGED.clear()
    _MERGED[key] = (shipped, result)
    return result


@cache
def _shipped_chains() -> dict[str, Chain]:
    return load_chains()


def class_chains(session: Session, class_id: int) -> dict[str, Chain]:
    """The chains a class can assign, by id: the shipped chains, with each loaded chain pack
    adding or replacing the chain of its id (the later load wins)."""
    out = dict(_shipped_chains())
    for parsed, _ in _loaded(session, class_id, CHAIN):
        assert isinstance(parsed, Chain)
        out[parsed.id] = parsed
    return out

