"""Statements (对账单) as CSV, and an account's balance over time as a plotly figure.

Both are pure functions of statement lines, so they are tested without Streamlit; the pages
only hand the bytes to ``st.download_button`` and the figure to ``st.plotly_chart``.
Amounts are written as yuan with two decimals (never floats in the CSV); the chart's y axis
is yuan as a float, for drawing only.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from datetime import datetime

import plotly.graph_objects as go

from sandbox.ledger.money import format_fen
from sandbox.ledger.queries import BANK_TZ, StatementLine

CSV_COLUMNS = ("date", "entry", "kind", "counterparty", "debit", "credit", "balance", "memo", "reference")


def statement_csv(
    lines: Sequence[StatementLine],
    *,
    account_number: str,
    headers: dict[str, str] | None = None,
    kind_label: Callable[[str], str] = str,
    counterparty_label: Callable[[tuple[int, ...]], str] = lambda ids: " ".join(map(str, ids)),
) -> bytes:
    """A UTF-8 (with BOM, for Excel) CSV statement, oldest line first; ``headers`` translates
    the column names. Debit and credit are positive yuan amounts; balance is after the line."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["account", account_number])
    writer.writerow([(headers or {}).get(c, c) for c in CSV_COLUMNS])
    for line in sorted(lines, key=lambda x: x.posting_id):
        writer.writerow([
            line.at.astimezone(BANK_TZ).strftime("%Y-%m-%d %H:%M:%S"),
            line.entry_id,
            kind_label(line.kind),
            counterparty_label(line.counterparty_ids),
            format_fen(-line.amount_fen, grouping=False) if line.amount_fen < 0 else "",
            format_fen(line.amount_fen, grouping=False) if line.amount_fen > 0 else "",
            format_fen(line.balance_after_fen, grouping=False),
            _safe_cell(line.memo),
            _safe_cell(line.reference or ""),
        ])
    return ("\ufeff" + out.getvalue()).encode("utf-8")


def _safe_cell(text: str) -> str:
    """Text a spreadsheet will not run as a formula (CSV injection)."""
    return "'" + text if text[:1] in ("=", "+", "-", "@", "\t", "\r") else text


def balance_figure(
    series: Sequence[tuple[datetime, int]], *, title: str = "", y_title: str = "CNY", x_title: str = ""
) -> go.Figure:
    """A step chart of the balance (yuan) over time, in bank time; empty series -> empty chart."""
    xs = [at.astimezone(BANK_TZ).replace(tzinfo=None) for at, _ in series]
    ys = [fen / 100 for _, fen in series]
    fig = go.Figure(
        go.Scatter(x=xs, y=ys, mode="lines+markers", line={"shape": "hv"}, name=y_title,
                   hovertemplate="%{x|%Y-%m-%d %H:%M}<br>%{y:,.2f}<extra></extra>")
    )
    fig.update_layout(
        title=title or None, xaxis_title=x_title or None, yaxis_title=y_title, margin={"l": 10, "r": 10, "t": 40, "b": 10},
        height=320, showlegend=False,
    )
    fig.update_yaxes(tickformat=",.2f", rangemode="tozero")
    return fig
