"""The lab report as PDF (reportlab, Chinese through the STSong-Light CID font, no font file) and
the readable values it shows: a valid PDF that another library (pypdf) reads back, with the task
codes, titles in both languages, the student's user name and escaped user text; money in yuan,
times in UTC+8, secrets dropped.
"""

from __future__ import annotations

import io
from datetime import UTC, datetime

import pypdf

from sandbox.teaching.pdf import render_pdf
from sandbox.teaching.report import NoteLine, Report, TaskLine, is_secret, readable, summarize

AT = datetime(2026, 11, 23, 5, 6, 7, tzinfo=UTC)


def line(code: str, zh: str, en: str, *, passed: bool = True, **kw) -> TaskLine:
    values = {
        "code": code, "module": code.rstrip("0123456789"), "title_zh": zh, "title_en": en, "max_points": 2.0,
        "passed": passed, "completed_at": AT if passed else None,
        "evidence": (("event_id", "7"), ("number", "PO20261123-40B33E")) if passed else (),
        "evidence_event_id": 7 if passed else None, "hints": 0, "late": False, "late_deduction": 0.0,
        "hint_deduction": 0.0, "adjusted": None, "note": "", "points": 2.0 if passed else 0.0,
    }
    values.update(kw)
    return TaskLine(**values)


def report(**kw) -> Report:
    values = {
        "class_id": 1, "class_name": "电子商务 2026 A", "student_id": 2, "username": "hanmm",
        "full_name": "<b>韩梅梅</b> & Co", "student_number": "2026001", "generated_at": AT,
        "generated_by": "Wang Fang (teacher)", "assignment_id": None, "assignment_title": "", "due_at": None,
        "late_counts": True, "late_penalty_pct": 0, "hint_cost": 0.0,
        "tasks": (
            line("B2B001", "会员注册", "Member registration"),
            line("B2B006", "生成订货单", "Generate purchase order", hints=2, hint_deduction=1.0, points=1.0),
            line("EMAIL003", "发送邮件", "Send a message", passed=False),
        ),
        "notes": (NoteLine(AT, "grade.adjusted", "Wang Fang (teacher)", "B2B006", "数量有误 <wrong qty>"),),
        "activity": (("B2B", 12), ("OTHER", 1)),
    }
    values.update(kw)
    return Report(**values)


def text_of(data: bytes) -> str:
    reader = pypdf.PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages)


def test_the_pdf_is_valid_and_holds_the_codes_titles_and_user_name() -> None:
    for lang in ("zh_CN", "en"):
        data = render_pdf(report(), lang)
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF")
        reader = pypdf.PdfReader(io.BytesIO(data))
        assert len(reader.pages) >= 1
        assert reader.metadata.title == ("实验报告 · Lab report — hanmm" if lang == "zh_CN" else
                                         "Lab report · 实验报告 — hanmm")
        text = text_of(data)
        for expected in ("B2B001", "B2B006", "EMAIL003", "hanmm", "会员注册", "Member registration", "2026001",
                         "电子商务 2026 A", "实验报告", "Lab report", "PO20261123-40B33E"):
            assert expected in text, (lang, expected)
        assert "<b>韩梅梅</b> & Co" in text  # printed as typed, not taken as markup
        assert "数量有误 <wrong qty>" in text
    zh = text_of(render_pdf(report(), "zh_CN"))
    for expected in ("已通过", "未通过", "提示 −1", "3 / 6", "2 / 3", "成绩调整：数量有误"):
        assert expected in zh, expected


def test_the_pdf_embeds_no_font_file() -> None:
    data = render_pdf(report(), "zh_CN")
    assert b"/STSong-Light" in data
    assert b"/FontFile" not in data  # FontFile, FontFile2, FontFile3: none embedded
    assert len(data) < 60_000


def test_an_empty_report_still_renders() -> None:
    data = render_pdf(report(tasks=(), notes=(), activity=()), "en")
    text = text_of(data)
    assert "No task done or started yet." in text and "No notes." in text and "No actions logged yet." in text


def test_readable_values_money_times_and_secrets() -> None:
    shown = dict(readable({
        "amount_fen": 131610, "at": "2026-11-23T13:08:19+00:00", "ok": True, "missing": None,
        "password": "x", "login_token": "y", "private_key": "z", "body": "w", "p12_password": "v",
        "pem": "-----BEGIN CERTIFICATE-----", "signature_sha256": "d36bb347661e4b81144f0123456789",
        "lines": [[1, 30], [2, 30]], "ids": list(range(10)), "changes": {"note": ["", "done"], "pin": "1"},
    }))
    assert shown == {
        "amount": "¥1,316.10", "at": "2026-11-23 21:08:19", "ok": "yes", "missing": "—",
        "signature_sha256": "d36bb347661e…", "lines": "[[1, 30], [2, 30]]", "ids": "[0, 1, 2, 3, 4, 5 … (+4)]",
        "changes": "note=[, done]",
    }
    assert is_secret("payment_password") and is_secret("PIN") and is_secret("session_token")
    assert not is_secret("shipping_fee_fen") and not is_secret("opinion") and not is_secret("spinner")


def test_an_event_summary_puts_the_state_change_first() -> None:
    line = summarize({"order_id": 1, "from_state": "created", "to_state": "accepted", "total_fen": 500})
    assert line == "created → accepted · order_id: 1 · total: ¥5.00"
    assert summarize({"from_state": "issued", "number": "1"}) == "from_state: issued · number: 1"
    assert len(summarize({"note": "x" * 500, "more": "y" * 500})) <= 240
