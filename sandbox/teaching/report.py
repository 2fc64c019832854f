"""The evidence report (实验报告) of one student, as data and as a printable HTML page, and the
student's event log for a step-by-step replay.

Invariants:
- Who may read: an instructor of the class (any of its students), or the student themself in
  their own class. Any other student gets ``auth.forbidden`` — a student can never read another
  student's report or event log, whatever ids they send. A student who is not in the class
  gets ``report.student_not_found`` (an instructor asking for a non-member too).
- Scores come from ``sandbox.teaching.scores.score_class`` (the assignment's rules if one is
  given), so the report says exactly what the gradebook says; nothing is stored here.
- Secrets never leave: values whose key names a password, token, private key, body, PKCS#12
  file, PIN … are dropped from evidence and event summaries, recursively; PEM blocks too.
- Everything shown comes from the database and is untrusted: ``render_html`` escapes every
  piece of text (a full name ``<script>`` stays text); the page has no script.
- Times are shown in China Standard Time (UTC+8), money (``*_fen``) in yuan.
"""

from __future__ import annotations

import html
import re
from collections import Counter
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox.actor import INSTRUCTOR, STUDENT, Actor
from sandbox.clock import CHINA
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.events import Event
from sandbox.i18n import t
from sandbox.identity.models import Classroom, Membership, User
from sandbox.identity.services import require_class_member
from sandbox.scenarios.model import MODULES, TaskDef, TaskSet, catalog_by_code
from sandbox.teaching import scores
from sandbox.teaching.assignments import assigned_codes
from sandbox.teaching.models import Assignment

TZ = CHINA
OTHER = "OTHER"  # events of no module (logins, registration, hints …)
_PREFIX_MODULE = {m.lower(): m for m in MODULES}
_SECRET_PARTS = frozenset({
    "password", "passwd", "pwd", "passphrase", "token", "secret", "private", "body", "pkcs12", "p12",
    "pin", "cvv", "otp", "challenge", "cookie", "pem", "salt", "key", "credential", "credentials",
})
_SECRET_WORDS = ("password", "passwd", "token", "secret", "private", "pkcs12", "passphrase")
_MAX_TEXT = 80
_MAX_ITEMS = 6


# ----------------------------------------------------------------------------- readable values


def is_secret(key: object) -> bool:
    """Whether a data key may hold a secret (its value is never shown)."""
    low = str(key).lower()
    if any(word in low for word in _SECRET_WORDS):
        return True
    return any(part in _SECRET_PARTS for part in re.split(r"[^a-z0-9]+", low))


def fmt_time(at: datetime | None) -> str:
    """``2026-11-23 21:06:37`` in UTC+8, or an empty string."""
    if at is None:
        return ""
    if at.tzinfo is None:
        at = at.replace(tzinfo=UTC)
    return at.astimezone(TZ).strftime("%Y-%m-%d %H:%M:%S")


def fmt_yuan(fen: int) -> str:
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def fmt_points(value: float) -> str:
    return f"{value:g}"


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= _MAX_TEXT else text[: _MAX_TEXT - 1] + "…"


def _value(key: str, value: Any) -> str | None:
    """One value made readable; None when it must not be shown."""
    low = key.lower()
    if value is None:
        return "—"
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, int | float) and low.endswith("_fen"):
        return fmt_yuan(int(value))
    if isinstance(value, int | float):
        return f"{value:g}" if isinstance(value, float) else str(value)
    if isinstance(value, datetime):
        return fmt_time(value)
    if isinstance(value, str):
        if "-----BEGIN" in value:
            return None
        if low == "at" or low.endswith("_at"):
            try:
                return fmt_time(datetime.fromisoformat(value))
            except ValueError:
                pass
        if any(w in low for w in ("sha256", "hash", "serial", "fingerprint")) and len(value) > 16:
            return value[:12] + "…"
        return _short(value)
    if isinstance(value, Mapping):
        inner = readable(value)
        return _short("; ".join(f"{k}={v}" for k, v in inner)) if inner else None
    if isinstance(value, list | tuple | set):
        items = [v for v in (_value(key, x) for x in list(value)[:_MAX_ITEMS]) if v is not None]
        more = f" … (+{len(value) - _MAX_ITEMS})" if len(value) > _MAX_ITEMS else ""
        return "[" + ", ".join(items) + more + "]"
    return _short(str(value))


def readable(data: Mapping[str, Any] | None) -> list[tuple[str, str]]:
    """``(label, value)`` pairs of a data dict: secrets dropped, money in yuan, times in UTC+8,
    ids and numbers as they are, long text shortened."""
    out: list[tuple[str, str]] = []
    for key, value in (data or {}).items():
        if is_secret(key):
            continue
        shown = _value(str(key), value)
        if shown is None:
            continue
        label = str(key)[:-4] if str(key).lower().endswith("_fen") else str(key)
        out.append((label, shown))
    return out


def summarize(data: Mapping[str, Any] | None, subject: str | None = None) -> str:
    """One line for an event: the state change first (``a → b``), then the other values."""
    data = dict(data or {})
    parts: list[str] = []
    if subject:
        parts.append(_short(subject))
    if data.get("to_state") is not None:
        before, after = data.pop("from_state", None), data.pop("to_state")
        parts.append(f"{before or '∅'} → {after}")
    parts.extend(f"{k}: {v}" for k, v in readable(data))
    line = " · ".join(parts)
    return line if len(line) <= 240 else line[:239] + "…"


def module_of(kind: str, task_code: str | None) -> str:
    """The module an event belongs to: its task's module, else its kind's prefix, else OTHER."""
    if task_code:
        found = catalog_by_code().get(task_code)
        if found is not None:
            return found.module
    return _PREFIX_MODULE.get(kind.split(".", 1)[0].lower(), OTHER)


def _titles(code: str | None, tasks: TaskSet | None = None) -> tuple[str, str]:
    if not code:
        return "", ""
    if tasks is not None and code in tasks.tasks:
        task = tasks.tasks[code]
        return task.title_zh, task.title_en
    found = catalog_by_code().get(code)
    return (found.title_zh, found.title_en) if found else ("", "")


# ----------------------------------------------------------------------------- the report


@dataclass(frozen=True)
class TaskLine:
    code: str
    module: str
    title_zh: str
    title_en: str
    max_points: float
    passed: bool
    completed_at: datetime | None
    evidence: tuple[tuple[str, str], ...]
    evidence_event_id: int | None
    hints: int
    late: bool
    late_deduction: float
    hint_deduction: float
    adjusted: float | None
    note: str
    points: float


@dataclass(frozen=True)
class NoteLine:
    at: datetime
    kind: str
    by: str
    task_code: str | None
    note: str


@dataclass(frozen=True)
class Report:
    class_id: int
    class_name: str
    student_id: int
    username: str
    full_name: str
    student_number: str
    generated_at: datetime
    generated_by: str
    assignment_id: int | None
    assignment_title: str
    due_at: datetime | None
    late_counts: bool
    late_penalty_pct: int
    hint_cost: float
    tasks: tuple[TaskLine, ...]
    notes: tuple[NoteLine, ...]
    activity: tuple[tuple[str, int], ...]  # (module, number of the student's events), busiest first

    @property
    def total_points(self) -> float:
        return round(sum(line.points for line in self.tasks), 2)

    @property
    def max_points(self) -> float:
        return round(sum(line.max_points for line in self.tasks), 2)

    @property
    def passed_count(self) -> int:
        return sum(1 for line in self.tasks if line.passed)

    @property
    def hints_used(self) -> int:
        return sum(line.hints for line in self.tasks)

    @property
    def events_total(self) -> int:
        return sum(n for _, n in self.activity)

    def completed_by_event(self) -> dict[int, list[str]]:
        """``{event id: [task codes whose check found that event]}``."""
        out: dict[int, list[str]] = {}
        for line in self.tasks:
            if line.passed and line.evidence_event_id is not None:
                out.setdefault(line.evidence_event_id, []).append(line.code)
        return out


def _authorize(session: Session, actor: Actor, class_id: int, student_id: int) -> tuple[Classroom, User, Membership]:
    """The class, student and membership, if ``actor`` may read this student's work."""
    if actor.role == STUDENT:
        if student_id != actor.user_id:
            raise DomainError("auth.forbidden")
        room = require_class_member(session, actor, class_id, STUDENT)
    elif actor.role == INSTRUCTOR:
        room = require_class_member(session, actor, class_id, INSTRUCTOR)
    else:
        raise DomainError("auth.forbidden")
    found = session.execute(
        select(User, Membership)
        .join(Membership, Membership.user_id == User.id)
        .where(Membership.class_id == class_id, Membership.user_id == student_id, Membership.role == STUDENT)
    ).first()
    if found is None:
        raise DomainError("report.student_not_found")
    return room, found[0], found[1]


def _assignment(session: Session, class_id: int, assignment_id: int | None) -> Assignment | None:
    if assignment_id is None:
        return None
    row = session.get(Assignment, assignment_id)
    if row is None or row.class_id != class_id:
        raise DomainError("report.assignment_not_found")
    return row


@dataclass(frozen=True)
class AssignmentChoice:
    id: int
    title: str
    due_at: datetime | None


def report_assignments(session: Session, actor: Actor, class_id: int) -> list[AssignmentChoice]:
    """The assignments of a class a report can be scoped to (instructor or a student of the class),
    newest first. Raises auth.forbidden, class.not_found."""
    if actor.role not in (INSTRUCTOR, STUDENT):
        raise DomainError("auth.forbidden")
    require_class_member(session, actor, class_id, actor.role)
    rows = session.scalars(
        select(Assignment).where(Assignment.class_id == class_id).order_by(Assignment.created_at.desc(), Assignment.id.desc())
    )
    return [AssignmentChoice(r.id, r.title, r.due_at) for r in rows]


def _touched(session: Session, class_id: int, student_id: int) -> set[str]:
    codes = session.scalars(
        select(Event.task_code).where(Event.class_id == class_id, Event.actor_id == student_id,
                                      Event.task_code.is_not(None)).distinct()
    )
    return {c for c in codes if c}


def student_report(
    session: Session,
    actor: Actor,
    class_id: int,
    student_id: int,
    tasks: TaskSet,
    *,
    assignment_id: int | None = None,
    all_tasks: bool = False,
) -> Report:
    """The lab report of one student: per task (an assignment's tasks, else every task the student
    passed or worked on, or all with ``all_tasks``) time, evidence, hints, deductions, adjustment and
    points; the instructor's notes; events per module. Raises auth.forbidden, class.not_found,
    report.student_not_found, report.assignment_not_found."""
    room, user, membership = _authorize(session, actor, class_id, student_id)
    assignment = _assignment(session, class_id, assignment_id)
    rules = scores.Rules.of(assignment)
    if assignment is not None:
        # the student's own codes: with chain parts, only the part they play (assignments.assigned_codes)
        mine = [code for code, _part in assigned_codes(session, assignment.id, student_id)]
        chosen: list[TaskDef] = [tasks.tasks[c] for c in mine if c in tasks.tasks]
    else:
        chosen = list(tasks.tasks.values())
    scored = scores.score_class(session, class_id, [student_id], chosen, rules)[student_id] if chosen else {}
    if assignment is None and not all_tasks:
        touched = _touched(session, class_id, student_id)
        chosen = [t for t in chosen if t.code in touched or scored[t.code].passed or scored[t.code].hints
                  or scored[t.code].adjusted is not None]
    lines = []
    for task in chosen:
        sc = scored[task.code]
        event_id = sc.evidence.get("event_id")
        lines.append(TaskLine(
            code=task.code, module=task.module, title_zh=task.title_zh, title_en=task.title_en,
            max_points=float(task.points), passed=sc.passed, completed_at=sc.completed_at,
            evidence=tuple(readable(sc.evidence)) if sc.passed else (),
            evidence_event_id=event_id if isinstance(event_id, int) and not isinstance(event_id, bool) else None,
            hints=sc.hints, late=sc.late, late_deduction=sc.late_deduction, hint_deduction=sc.hint_deduction,
            adjusted=sc.adjusted, note=sc.note, points=sc.points,
        ))
    raw_notes = scores.notes_for(session, class_id, student_id)
    names = _names(session, {n.by for n in raw_notes if n.by is not None} | {actor.user_id})
    notes = tuple(NoteLine(n.at, n.kind, names.get(n.by, "") if n.by is not None else "", n.task_code, n.note)
                  for n in raw_notes)
    counts: Counter[str] = Counter()
    for kind, code in session.execute(
        select(Event.kind, Event.task_code).where(Event.class_id == class_id, Event.actor_id == student_id)
    ):
        counts[module_of(kind, code)] += 1
    return Report(
        class_id=room.id, class_name=room.name, student_id=user.id, username=user.username,
        full_name=user.full_name, student_number=membership.student_number or "", generated_at=utcnow(),
        generated_by=names.get(actor.user_id, actor.username), assignment_id=assignment.id if assignment else None,
        assignment_title=assignment.title if assignment else "", due_at=rules.due_at, late_counts=rules.late_counts,
        late_penalty_pct=rules.late_penalty_pct, hint_cost=rules.hint_cost, tasks=tuple(lines), notes=notes,
        activity=tuple(sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))),
    )


def _names(session: Session, ids: Iterable[int]) -> dict[int, str]:
    wanted = list(ids)
    if not wanted:
        return {}
    return {uid: f"{name} ({username})" for uid, name, username in
            session.execute(select(User.id, User.full_name, User.username).where(User.id.in_(wanted)))}


# ----------------------------------------------------------------------------- the event log


@dataclass(frozen=True)
class EventStep:
    index: int  # 1-based position in the student's log
    event_id: int
    at: datetime
    kind: str
    module: str
    task_code: str | None
    title_zh: str
    title_en: str
    subject: str
    summary: str
    completes: tuple[str, ...]  # tasks whose check found this event (given a report)


def event_log(
    session: Session,
    actor: Actor,
    class_id: int,
    student_id: int,
    *,
    tasks: TaskSet | None = None,
    report: Report | None = None,
) -> list[EventStep]:
    """The student's own events in the class, oldest first, each with a one-line summary (no
    secrets) and, given their ``report``, the tasks it completed. Raises auth.forbidden,
    class.not_found, report.student_not_found."""
    _authorize(session, actor, class_id, student_id)
    done = report.completed_by_event() if report is not None and report.student_id == student_id else {}
    done_at: dict[tuple[str, datetime], str] = {}
    if report is not None and report.student_id == student_id:
        for line in report.tasks:
            if line.passed and line.evidence_event_id is None and line.completed_at is not None:
                done_at[(line.code, line.completed_at)] = line.code
    rows = session.scalars(
        select(Event).where(Event.class_id == class_id, Event.actor_id == student_id).order_by(Event.id)
    )
    out = []
    for i, ev in enumerate(rows, start=1):
        zh, en = _titles(ev.task_code, tasks)
        completes = list(done.get(ev.id, ()))
        if ev.task_code and (ev.task_code, ev.at) in done_at and ev.task_code not in completes:
            completes.append(ev.task_code)
        out.append(EventStep(i, ev.id, ev.at, ev.kind, module_of(ev.kind, ev.task_code), ev.task_code, zh, en,
                             ev.subject or "", summarize(ev.data, None), tuple(completes)))
    return out


# ----------------------------------------------------------------------------- HTML


def _h(text: object) -> str:
    return html.escape(str(text), quote=True)


def heading(key: str, lang: str) -> str:
    """A bilingual heading: the page language first, the other one after it."""
    other = "en" if lang == "zh_CN" else "zh_CN"
    first, second = t(key, lang), t(key, other)
    return first if first == second else f"{first} · {second}"


def status_text(line: TaskLine, lang: str) -> str:
    return t("report.passed" if line.passed else "report.not_passed", lang)


def deductions_text(line: TaskLine, lang: str) -> str:
    parts = []
    if line.late:
        parts.append(t("report.late_minus", lang, points=fmt_points(line.late_deduction)))
    if line.hint_deduction:
        parts.append(t("report.hints_minus", lang, points=fmt_points(line.hint_deduction)))
    return "; ".join(parts)


def adjustment_text(line: TaskLine, lang: str) -> str:
    if line.adjusted is None:
        return ""
    text = t("report.adjusted_to", lang, points=fmt_points(line.adjusted))
    return f"{text} — {line.note}" if line.note else text


def rules_text(report: Report, lang: str) -> str:
    if report.assignment_id is None:
        return t("report.no_assignment", lang)
    parts = [report.assignment_title]
    parts.append(t("report.due", lang, due=fmt_time(report.due_at)) if report.due_at else t("report.no_due", lang))
    if report.due_at:
        parts.append(t("report.late_rule", lang, pct=report.late_penalty_pct) if report.late_counts
                     else t("report.late_zero", lang))
    if report.hint_cost:
        parts.append(t("report.hint_rule", lang, cost=fmt_points(report.hint_cost)))
    return " · ".join(parts)


def module_name(module: str, lang: str) -> str:
    return t("report.module_other", lang) if module == OTHER else t(f"module.{module}", lang)


_CSS = """
body{font-family:"Noto Sans CJK SC","WenQuanYi Zen Hei","Microsoft YaHei","PingFang SC",sans-serif;
 margin:2em auto;max-width:1100px;color:#222;font-size:14px;line-height:1.45;padding:0 1em}
h1{font-size:1.6em;margin:0 0 .3em}h2{font-size:1.2em;margin:1.4em 0 .5em;border-bottom:2px solid #555}
table{border-collapse:collapse;width:100%}th,td{border:1px solid #bbb;padding:4px 6px;vertical-align:top;text-align:left}
th{background:#eee}td.num{text-align:right;white-space:nowrap}.ok{color:#176f2c;font-weight:bold}
.no{color:#a33}.small{font-size:12px;color:#444}td.task{min-width:13em}td.ev{min-width:18em}
table.meta{width:auto}.meta td{border:none;padding:2px 24px 2px 0}
tr{page-break-inside:avoid}@media print{body{margin:0;max-width:none}h2{page-break-after:avoid}}
"""


def render_html(report: Report, lang: str) -> str:
    """A standalone, printable HTML page of the report (inline CSS, no script, all text escaped)."""
    def h2(key: str) -> str:
        return f"<h2>{_h(heading(key, lang))}</h2>"

    meta = [
        ("report.class", report.class_name),
        ("report.student", report.full_name),
        ("report.student_number", report.student_number or "—"),
        ("report.username", report.username),
        ("report.assignment", rules_text(report, lang)),
        ("report.generated", f"{fmt_time(report.generated_at)} (UTC+8) · {report.generated_by}"),
    ]
    out = [
        "<!DOCTYPE html>",
        f'<html lang="{"zh-CN" if lang == "zh_CN" else "en"}"><head><meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_h(heading('report.title', lang))} — {_h(report.username)}</title>",
        f"<style>{_CSS}</style></head><body>",
        f"<h1>{_h(heading('report.title', lang))}</h1>",
        '<table class="meta">',
        *(f"<tr><td><b>{_h(heading(k, lang))}</b></td><td>{_h(v)}</td></tr>" for k, v in meta),
        "</table>",
        h2("report.summary"),
        '<table class="meta">',
        f"<tr><td><b>{_h(heading('report.total', lang))}</b></td><td>"
        f"{_h(fmt_points(report.total_points))} / {_h(fmt_points(report.max_points))}</td></tr>",
        f"<tr><td><b>{_h(heading('report.passed_tasks', lang))}</b></td><td>"
        f"{report.passed_count} / {len(report.tasks)}</td></tr>",
        f"<tr><td><b>{_h(heading('report.hints_used', lang))}</b></td><td>{report.hints_used}</td></tr>",
        f"<tr><td><b>{_h(heading('report.events', lang))}</b></td><td>{report.events_total}</td></tr>",
        "</table>",
        h2("report.tasks"),
    ]
    if not report.tasks:
        out.append(f"<p>{_h(t('report.no_tasks', lang))}</p>")
    else:
        cols = ["report.col_task", "report.col_status", "report.col_completed", "report.col_evidence",
                "report.col_hints", "report.col_deductions", "report.col_adjustment", "report.col_points"]
        out.append("<table><thead><tr>" + "".join(f"<th>{_h(heading(c, lang))}</th>" for c in cols) + "</tr></thead><tbody>")
        for line in report.tasks:
            evidence = "".join(f"<div><b>{_h(k)}</b>: {_h(v)}</div>" for k, v in line.evidence)
            out.append(
                "<tr>"
                f"<td class=task><b>{_h(line.code)}</b> {_h(line.title_zh)}<br><span class=small>{_h(line.title_en)}</span>"
                f"<br><span class=small>{_h(line.module)}</span></td>"
                f'<td class="{"ok" if line.passed else "no"}">{_h(status_text(line, lang))}'
                f"{'<br>' + _h(t('report.late', lang)) if line.late else ''}</td>"
                f"<td class=small>{_h(fmt_time(line.completed_at))}</td>"
                f'<td class="small ev">{evidence}</td>'
                f"<td class=num>{line.hints}</td>"
                f"<td class=small>{_h(deductions_text(line, lang))}</td>"
                f"<td class=small>{_h(adjustment_text(line, lang))}</td>"
                f"<td class=num>{_h(fmt_points(line.points))} / {_h(fmt_points(line.max_points))}</td>"
                "</tr>"
            )
        out.append("</tbody></table>")
    out.append(h2("report.notes"))
    if report.notes:
        out.append("<table><thead><tr>" + "".join(
            f"<th>{_h(heading(c, lang))}</th>" for c in ("report.col_time", "report.col_by", "report.col_task", "report.col_note")
        ) + "</tr></thead><tbody>")
        for note in report.notes:
            out.append(f"<tr><td class=small>{_h(fmt_time(note.at))}</td><td>{_h(note.by)}</td>"
                       f"<td>{_h(note.task_code or '')}</td><td>{_h(note_text(note, lang))}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append(f"<p>{_h(t('report.no_notes', lang))}</p>")
    out.append(h2("report.activity"))
    if report.activity:
        out.append("<table><thead><tr>" + "".join(
            f"<th>{_h(heading(c, lang))}</th>" for c in ("report.col_module", "report.col_events")) + "</tr></thead><tbody>")
        for module, n in report.activity:
            out.append(f"<tr><td>{_h(module_name(module, lang))}</td><td class=num>{n}</td></tr>")
        out.append("</tbody></table>")
    else:
        out.append(f"<p>{_h(t('report.no_events', lang))}</p>")
    out.append(f"<p class=small>{_h(t('report.footer', lang))}</p></body></html>")
    return "\n".join(out)


def note_text(note: NoteLine, lang: str) -> str:
    """What a note says: the kind of intervention, then the instructor's words."""
    kind = t(f"report.note_kind.{note.kind.replace('.', '_')}", lang)
    if kind.startswith("report.note_kind."):
        kind = note.kind
    colon = "：" if lang == "zh_CN" else ": "
    return f"{kind}{colon}{note.note}" if note.note else kind
