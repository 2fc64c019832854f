"""Statements as CSV and the balance chart are pure functions of statement lines."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime, timedelta

from sandbox.ledger.queries import BANK_TZ, StatementLine, bank_day, day_bounds
from sandbox.ledger.statements import CSV_COLUMNS, balance_figure, statement_csv

T0 = datetime(2026, 3, 1, 15, 30, tzinfo=UTC)  # 23:30 in Beijing


def line(n: int, amount: int, after: int, kind: str = "transfer", memo: str = "") -> StatementLine:
    return StatementLine(n, 100 + n, T0 + timedelta(hours=n - 1), kind, amount, after, memo, None, (7,))


LINES = [line(1, 10_000, 10_000, "deposit"), line(2, -2_550, 7_450, memo="=HYPERLINK(\"x\")"), line(3, 5, 7_455)]


def test_the_csv_statement_reconciles_and_is_excel_friendly():
    data = statement_csv(list(reversed(LINES)), account_number="6228880000000001", headers={"date": "日期"})
    assert data.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert rows[0] == ["account", "6228880000000001"]
    assert rows[1][0] == "日期" and rows[1][1:] == list(CSV_COLUMNS[1:])
    body = rows[2:]
    assert [r[1] for r in body] == ["101", "102", "103"]  # oldest first whatever the input order
    assert body[0][0] == "2026-03-01 23:30:00"  # bank time
    assert (body[0][4], body[0][5], body[0][6]) == ("", "100.00", "100.00")
    assert (body[1][4], body[1][5], body[1][6]) == ("25.50", "", "74.50")
    assert body[1][7].startswith("'=")  # no formula injection
    total_in = sum(int(r[5].replace(".", "")) for r in body if r[5])
    total_out = sum(int(r[4].replace(".", "")) for r in body if r[4])
    assert total_in - total_out == int(body[-1][6].replace(".", ""))


def test_the_balance_chart_is_a_step_line_in_yuan_and_bank_time():
    fig = balance_figure([(ln.at, ln.balance_after_fen) for ln in LINES], title="Balance", y_title="CNY")
    (trace,) = fig.data
    assert trace.line.shape == "hv"
    assert list(trace.y) == [100.0, 74.5, 74.55]
    assert trace.x[0] == datetime(2026, 3, 1, 23, 30)
    assert fig.layout.title.text == "Balance"
    assert len(balance_figure([]).data[0].x or ()) == 0


def test_bank_days_are_beijing_days():
    assert bank_day(T0) == datetime(2026, 3, 1).date()
    assert bank_day(T0 + timedelta(hours=1)) == datetime(2026, 3, 2).date()
    start, end = day_bounds(bank_day(T0), bank_day(T0))
    assert start == datetime(2026, 2, 28, 16, tzinfo=UTC) and end - start == timedelta(days=1)
    assert start.astimezone(BANK_TZ).hour == 0
