"""Table rows for the bank pages (pure functions: data in, list of dicts out).

The pages pass their translator ``t(key, **params)``; amounts are formatted yuan text (never
floats), times are bank time (UTC+8). Kept out of ``views/`` so that every file there is a page.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from typing import Any

from sandbox.ebank.inquiry import PaymentRow, TxRow
from sandbox.ledger.money import format_fen
from sandbox.ledger.queries import BANK_TZ

Translate = Callable[..., str]


def when(at: datetime | None) -> str:
    return at.astimezone(BANK_TZ).strftime("%Y-%m-%d %H:%M:%S") if at is not None else ""


def yuan(fen: int) -> str:
    return f"¥{format_fen(fen)}"


def kind_label(t: Translate, kind: str) -> str:
    return t(f"ebank.ui.entry_{kind}")


def tx_table(rows: Sequence[TxRow], t: Translate) -> list[dict[str, Any]]:
    return [
        {
            t("ebank.ui.col_time"): when(r.at),
            t("ebank.ui.col_kind"): kind_label(t, r.kind),
            t("ebank.ui.col_in"): format_fen(r.amount_fen) if r.amount_fen > 0 else "",
            t("ebank.ui.col_out"): format_fen(-r.amount_fen) if r.amount_fen < 0 else "",
            t("ebank.ui.col_balance"): format_fen(r.balance_after_fen),
            t("ebank.ui.col_counterparty"): f"{r.counterparty} {r.counterparty_name}".strip(),
            t("ebank.ui.col_memo"): r.subject or r.memo,
            t("ebank.ui.col_entry"): r.entry_id,
        }
        for r in rows
    ]


def payment_table(rows: Sequence[PaymentRow], t: Translate) -> list[dict[str, Any]]:
    return [
        {
            t("ebank.ui.col_time"): when(r.paid_at),
            t("ebank.ui.col_trade_no"): r.out_trade_no,
            t("ebank.ui.col_subject"): r.subject,
            t("ebank.ui.col_purpose"): t(f"ebank.ui.purpose_{r.purpose}"),
            t("ebank.ui.col_direction"): t(f"ebank.ui.direction_{r.direction}"),
            t("ebank.ui.col_amount"): format_fen(r.amount_fen),
            t("ebank.ui.col_counterparty"): f"{r.counterparty} {r.counterparty_name}".strip(),
        }
        for r in rows
    ]


def csv_headers(t: Translate) -> dict[str, str]:
    from sandbox.ledger.statements import CSV_COLUMNS

    return {c: t(f"ebank.ui.csv_{c}") for c in CSV_COLUMNS}
