"""The lab report (实验报告) as a PDF, drawn with reportlab.

Invariants:
- Chinese needs no font file: every piece of text uses Adobe's standard CID font
  ``STSong-Light`` (``UnicodeCIDFont``, encoding UniGB-UCS2-H), which PDF readers supply
  themselves; the file embeds no font and stays small.
- All text is untrusted: it is escaped before it reaches reportlab's paragraph markup, so a
  name like ``<b>`` or ``<script>`` prints as itself.
- The same facts as ``render_html`` (same Report, same helper texts), A4 landscape.
"""

from __future__ import annotations

import io
from functools import cache
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from sandbox.i18n import t
from sandbox.teaching.report import (
    Report,
    adjustment_text,
    deductions_text,
    fmt_points,
    fmt_time,
    heading,
    module_name,
    note_text,
    rules_text,
    status_text,
)

FONT = "STSong-Light"


@cache
def _font() -> str:
    pdfmetrics.registerFont(UnicodeCIDFont(FONT))
    return FONT


@cache
def _styles() -> dict[str, ParagraphStyle]:
    font = _font()
    return {
        "title": ParagraphStyle("title", fontName=font, fontSize=18, leading=24, spaceAfter=6),
        "h2": ParagraphStyle("h2", fontName=font, fontSize=13, leading=18, spaceBefore=10, spaceAfter=4),
        "body": ParagraphStyle("body", fontName=font, fontSize=9.5, leading=13),
        "cell": ParagraphStyle("cell", fontName=font, fontSize=8, leading=10.5),
        "head": ParagraphStyle("head", fontName=font, fontSize=8, leading=10.5, textColor=colors.black),
        "small": ParagraphStyle("small", fontName=font, fontSize=7.5, leading=10, textColor=colors.HexColor("#444444")),
    }


def _p(text: object, style: str = "cell") -> Paragraph:
    """A paragraph of plain (untrusted) text: escaped, line breaks kept."""
    return Paragraph(escape(str(text)).replace("\n", "<br/>"), _styles()[style])


def _table(rows: list[list[object]], widths: list[float], *, header: bool = True) -> Table:
    table = Table(rows, colWidths=widths, repeatRows=1 if header else 0)
    style = [
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
        ("FONTNAME", (0, 0), (-1, -1), _font()),
        ("LEFTPADDING", (0, 0), (-1, -1), 3),
        ("RIGHTPADDING", (0, 0), (-1, -1), 3),
    ]
    if header:
        style += [("GRID", (0, 0), (-1, -1), 0.4, colors.HexColor("#999999")),
                  ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#eeeeee"))]
    table.setStyle(TableStyle(style))
    return table


def render_pdf(report: Report, lang: str) -> bytes:
    """The report as PDF bytes (A4 landscape, Chinese via the STSong-Light CID font)."""
    buf = io.BytesIO()
    title = f"{heading('report.title', lang)} — {report.username}"
    doc = SimpleDocTemplate(
        buf, pagesize=landscape(A4), leftMargin=12 * mm, rightMargin=12 * mm, topMargin=12 * mm,
        bottomMargin=12 * mm, title=title, author="e-commerce sandbox", subject=report.class_name,
    )
    width = doc.width
    story: list[object] = [_p(heading("report.title", lang), "title")]
    meta = [
        ("report.class", report.class_name),
        ("report.student", report.full_name),
        ("report.student_number", report.student_number or "—"),
        ("report.username", report.username),
        ("report.assignment", rules_text(report, lang)),
        ("report.generated", f"{fmt_time(report.generated_at)} (UTC+8) · {report.generated_by}"),
        ("report.total", f"{fmt_points(report.total_points)} / {fmt_points(report.max_points)}"),
        ("report.passed_tasks", f"{report.passed_count} / {len(report.tasks)}"),
        ("report.hints_used", report.hints_used),
        ("report.events", report.events_total),
    ]
    story.append(_table([[_p(heading(k, lang), "body"), _p(v, "body")] for k, v in meta],
                        [width * 0.25, width * 0.75], header=False))

    story.append(_p(heading("report.tasks", lang), "h2"))
    if report.tasks:
        cols = ["report.col_task", "report.col_status", "report.col_completed", "report.col_evidence",
                "report.col_hints", "report.col_deductions", "report.col_adjustment", "report.col_points"]
        fractions = [0.2, 0.08, 0.1, 0.3, 0.05, 0.09, 0.11, 0.07]
        rows: list[list[object]] = [[_p(heading(c, lang), "head") for c in cols]]
        for line in report.tasks:
            status = status_text(line, lang) + (f"\n{t('report.late', lang)}" if line.late else "")
            rows.append([
                _p(f"{line.code} {line.title_zh}\n{line.title_en}\n{line.module}"),
                _p(status),
                _p(fmt_time(line.completed_at), "small"),
                _p("\n".join(f"{k}: {v}" for k, v in line.evidence), "small"),
                _p(line.hints),
                _p(deductions_text(line, lang), "small"),
                _p(adjustment_text(line, lang), "small"),
                _p(f"{fmt_points(line.points)} / {fmt_points(line.max_points)}"),
            ])
        table = _table(rows, [width * f for f in fractions])
        for i, line in enumerate(report.tasks, start=1):
            color = colors.HexColor("#eaf6ec") if line.passed else colors.HexColor("#fbeaea")
            table.setStyle(TableStyle([("BACKGROUND", (1, i), (1, i), color)]))
        story.append(table)
    else:
        story.append(_p(t("report.no_tasks", lang), "body"))

    story.append(_p(heading("report.notes", lang), "h2"))
    if report.notes:
        rows = [[_p(heading(c, lang), "head") for c in ("report.col_time", "report.col_by", "report.col_task",
                                                         "report.col_note")]]
        rows += [[_p(fmt_time(n.at)), _p(n.by), _p(n.task_code or ""), _p(note_text(n, lang))] for n in report.notes]
        story.append(_table(rows, [width * f for f in (0.15, 0.2, 0.1, 0.55)]))
    else:
        story.append(_p(t("report.no_notes", lang), "body"))

    story.append(_p(heading("report.activity", lang), "h2"))
    if report.activity:
        rows = [[_p(heading("report.col_module", lang), "head"), _p(heading("report.col_events", lang), "head")]]
        rows += [[_p(module_name(m, lang)), _p(n)] for m, n in report.activity]
        story.append(_table(rows, [width * 0.5, width * 0.15]))
    else:
        story.append(_p(t("report.no_events", lang), "body"))
    story += [Spacer(1, 6 * mm), _p(t("report.footer", lang), "small")]
    doc.build(story)
    return buf.getvalue()
