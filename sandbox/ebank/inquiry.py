"""Account inquiry (帐务查询): balance, transaction details, transfer details, e-payment details,
B2C shopping details and today's transactions — each query logged for grading.

Invariants:
- A query reads only the actor's own account (the corporate one of their online-banking
  session, or their personal / special-merchant account); another account is never shown.
- Every query writes one ``ebank.query`` event (subject ``<kind>.<screen>``, the task code, the
  filters, the account and the ids of the rows it returned), in its own short transaction.
  Grading reads these events; nothing else changes.
- Times are stored in UTC and shown, filtered and cut into days in bank time (UTC+8).

Screens → tasks: corporate.balance EBANK006, corporate.transactions EBANK007,
corporate.transfers EBANK008, corporate.epayments EBANK009, personal.balance EBANK013,
personal.transactions EBANK014, personal.shopping EBANK015, merchant.balance EBANK017,
merchant.transactions EBANK018, merchant.today EBANK019.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

import plotly.graph_objects as go
from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.db import utcnow
from sandbox.ebank import services
from sandbox.ebank.models import CORPORATE, MERCHANT, PAID, PERSONAL, BankAccount, Payment
from sandbox.ebank.numbers import mask
from sandbox.errors import DomainError
from sandbox.ledger import queries as lq
from sandbox.ledger import statements
from sandbox.ledger.models import LedgerAccount
from sandbox.uow import UnitOfWork

SCREENS: dict[tuple[str, str], str] = {
    (CORPORATE, "balance"): "EBANK006",
    (CORPORATE, "transactions"): "EBANK007",
    (CORPORATE, "transfers"): "EBANK008",
    (CORPORATE, "epayments"): "EBANK009",
    (PERSONAL, "balance"): "EBANK013",
    (PERSONAL, "transactions"): "EBANK014",
    (PERSONAL, "shopping"): "EBANK015",
    (MERCHANT, "balance"): "EBANK017",
    (MERCHANT, "transactions"): "EBANK018",
    (MERCHANT, "today"): "EBANK019",
}
MAX_ROWS = 500
DEFAULT_DAYS = 30


@dataclass(frozen=True)
class Balance:
    account_number: str
    holder_name: str
    kind: str
    balance_fen: int
    as_of: datetime


@dataclass(frozen=True)
class TxRow:
    """One line of transaction details, from the account's point of view."""

    posting_id: int
    entry_id: int
    at: datetime
    kind: str
    amount_fen: int
    balance_after_fen: int
    counterparty: str
    counterparty_name: str
    memo: str
    payment_id: int | None
    out_trade_no: str | None
    subject: str | None

    @property
    def direction(self) -> str:
        return "in" if self.amount_fen > 0 else "out"


@dataclass(frozen=True)
class PaymentRow:
    """An e-payment the account made or received (B2C shopping, B2B settlement, fees)."""

    payment_id: int
    paid_at: datetime
    purpose: str
    out_trade_no: str
    subject: str
    amount_fen: int
    direction: str
    counterparty: str
    counterparty_name: str
    reference: str | None


def _account(session: Session, actor: Actor, kind: str, token: str | None) -> BankAccount:
    services.require_customer(session, actor)
    if kind == CORPORATE:
        return services.session_account(session, actor, token)
    if kind in (PERSONAL, MERCHANT):
        return services.own_account(session, actor, kind)
    raise DomainError("ebank.bad_kind")


def _log(
    uow: UnitOfWork, actor: Actor, account: BankAccount, screen: str, filters: dict[str, Any], ids: list[int],
    **extra: Any,
) -> None:
    with uow.write() as s:
        events.record(
            s, "ebank.query", actor=actor, subject=f"{account.kind}.{screen}", task_code=SCREENS.get((account.kind, screen)),
            account_id=account.id, account_number=account.account_number, screen=screen, filters=filters,
            returned_ids=ids[:MAX_ROWS], returned_count=len(ids), **extra,
        )


def _dates(date_from: object, date_to: object) -> tuple[date, date]:
    today = lq.bank_day(utcnow())
    first = _as_date(date_from, "ebank.date_from") or today - timedelta(days=DEFAULT_DAYS)
    last = _as_date(date_to, "ebank.date_to") or today
    if first > last:
        raise DomainError("ebank.bad_date_range", field="ebank.date_from")
    return first, last


def _as_date(value: object, field: str) -> date | None:
    if value is None or value == "":
        return None
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    try:
        return date.fromisoformat(str(value).strip())
    except ValueError:
        raise DomainError("ebank.bad_date", field=field) from None


# ----------------------------------------------------------------------------- balance


def balance(
    uow: UnitOfWork, actor: Actor, *, kind: str, session_token: str | None = None, account_number: str | None = None
) -> Balance:
    """EBANK006 / EBANK013 / EBANK017: the balance of one's own account (the criterion is the
    account number; another's is ebank.not_your_account)."""
    with uow.read() as s:
        account = _account(s, actor, kind, session_token)
        if account_number and account_number.replace(" ", "") != account.account_number:
            raise DomainError("ebank.not_your_account", field="ebank.account_number")
        result = Balance(account.account_number, account.holder_name, account.kind,
                         lq.balance(s, account.ledger_account_id), utcnow())
        s.expunge(account)
    _log(uow, actor, account, "balance", {"account": account.account_number}, [account.id])
    return result


# ----------------------------------------------------------------------------- details


def _names(session: Session, ledger_ids: set[int]) -> dict[int, tuple[str, str]]:
    """ledger account id -> (account number or system code, holder name)."""
    if not ledger_ids:
        return {}
    out: dict[int, tuple[str, str]] = {}
    for lid, number, holder in session.execute(
        select(BankAccount.ledger_account_id, BankAccount.account_number, BankAccount.holder_name).where(
            BankAccount.ledger_account_id.in_(ledger_ids)
        )
    ):
        out[int(lid)] = (number, holder)
    for lid, code, name in session.execute(
        select(LedgerAccount.id, LedgerAccount.system_code, LedgerAccount.name).where(
            LedgerAccount.id.in_(ledger_ids), LedgerAccount.system_code.is_not(None)
        )
    ):
        out[int(lid)] = (f"[{code}]", name)
    return out


def _rows(session: Session, lines: list[lq.StatementLine]) -> list[TxRow]:
    names = _names(session, {i for line in lines for i in line.counterparty_ids})
    entry_ids = [line.entry_id for line in lines]
    pays = {
        int(e): (int(p), o, subj)
        for p, e, o, subj in session.execute(
            select(Payment.id, Payment.entry_id, Payment.out_trade_no, Payment.subject).where(
                Payment.entry_id.in_(entry_ids)
            )
        )
    } if entry_ids else {}
    rows = []
    for line in lines:
        other = names.get(line.counterparty_ids[0], ("", "")) if line.counterparty_ids else ("", "")
        pay = pays.get(line.entry_id)
        rows.append(TxRow(
            posting_id=line.posting_id, entry_id=line.entry_id, at=line.at, kind=line.kind, amount_fen=line.amount_fen,
            balance_after_fen=line.balance_after_fen, counterparty=other[0] if other[0].startswith("[") else mask(other[0])
            if other[0] else "", counterparty_name=other[1], memo=line.memo, payment_id=pay[0] if pay else None,
            out_trade_no=pay[1] if pay else None, subject=pay[2] if pay else None,
        ))
    return rows


def transactions(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    date_from: object = None,
    date_to: object = None,
    direction: str | None = None,
    session_token: str | None = None,
    screen: str = "transactions",
) -> list[TxRow]:
    """EBANK007 / EBANK014 / EBANK018 (screen ``transactions``) and EBANK008 (``transfers``: only
    transfers, in and out): one's own account's postings between two bank dates, newest first."""
    if screen not in ("transactions", "transfers"):
        raise DomainError("ebank.bad_screen")
    if direction not in (None, "", "in", "out"):
        raise DomainError("ebank.bad_direction", field="ebank.direction")
    first, last = _dates(date_from, date_to)
    since, until = lq.day_bounds(first, last)
    with uow.read() as s:
        account = _account(s, actor, kind, session_token)
        lines = lq.statement(
            s, account.ledger_account_id, since=since, until=until, direction=direction or None,
            kinds=["transfer"] if screen == "transfers" else None, limit=MAX_ROWS,
        )
        rows = _rows(s, lines)
        s.expunge(account)
    filters = {"from": first.isoformat(), "to": last.isoformat(), "direction": direction or "all"}
    _log(uow, actor, account, screen, filters, [r.posting_id for r in rows])
    return rows


def today(uow: UnitOfWork, actor: Actor, *, kind: str = MERCHANT, session_token: str | None = None) -> list[TxRow]:
    """EBANK019: the special merchant's transactions of the current bank day."""
    now = utcnow()
    day = lq.bank_day(now)
    since, until = lq.day_bounds(day, day)
    with uow.read() as s:
        account = _account(s, actor, kind, session_token)
        rows = _rows(s, lq.statement(s, account.ledger_account_id, since=since, until=until, limit=MAX_ROWS))
        s.expunge(account)
    _log(uow, actor, account, "today", {"day": day.isoformat()}, [r.posting_id for r in rows], day=day.isoformat())
    return rows


def epayments(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    date_from: object = None,
    date_to: object = None,
    session_token: str | None = None,
) -> list[PaymentRow]:
    """EBANK009 (corporate: e-payments paid or received, e.g. B2B settlement) and EBANK015
    (personal ``shopping``: B2C payments made with one's card), between two bank dates."""
    screen = "epayments" if kind == CORPORATE else "shopping"
    if kind not in (CORPORATE, PERSONAL):
        raise DomainError("ebank.bad_kind")
    first, last = _dates(date_from, date_to)
    since, until = lq.day_bounds(first, last)
    with uow.read() as s:
        account = _account(s, actor, kind, session_token)
        mine = (
            or_(Payment.payer_account_id == account.id, Payment.payee_account_id == account.id)
            if kind == CORPORATE else Payment.payer_account_id == account.id
        )
        scope = [Payment.status == PAID, mine] + ([Payment.purpose == "b2c"] if kind == PERSONAL else [])
        available = int(s.scalar(select(func.count(Payment.id)).where(*scope)) or 0)
        found = list(s.scalars(
            select(Payment).where(*scope, Payment.paid_at >= since, Payment.paid_at < until)
            .order_by(Payment.paid_at.desc(), Payment.id.desc()).limit(MAX_ROWS)
        ))
        others = {
            a.id: a for a in s.scalars(select(BankAccount).where(BankAccount.id.in_(
                {p.payee_account_id for p in found} | {p.payer_account_id for p in found if p.payer_account_id}
            )))
        } if found else {}
        rows = []
        for p in found:
            outgoing = p.payer_account_id == account.id
            other = others.get(p.payee_account_id if outgoing else (p.payer_account_id or 0))
            rows.append(PaymentRow(
                payment_id=p.id, paid_at=p.paid_at or p.created_at, purpose=p.purpose, out_trade_no=p.out_trade_no,
                subject=p.subject, amount_fen=p.amount_fen, direction="out" if outgoing else "in",
                counterparty=mask(other.account_number) if other else "", counterparty_name=other.holder_name if other else "",
                reference=p.reference,
            ))
        s.expunge(account)
    filters = {"from": first.isoformat(), "to": last.isoformat()}
    _log(uow, actor, account, screen, filters, [r.payment_id for r in rows], available=available)
    return rows


# ----------------------------------------------------------------------------- statements and chart


def statement_csv(
    uow: UnitOfWork,
    actor: Actor,
    *,
    kind: str,
    date_from: object = None,
    date_to: object = None,
    session_token: str | None = None,
    headers: dict[str, str] | None = None,
    kind_label: Any = str,
) -> bytes:
    """A CSV statement (对账单) of one's own account between two bank dates (not a graded query)."""
    first, last = _dates(date_from, date_to)
    since, until = lq.day_bounds(first, last)
    with uow.read() as s:
        account = _account(s, actor, kind, session_token)
        lines = lq.statement(s, account.ledger_account_id, since=since, until=until, limit=10_000)
        names = _names(s, {i for line in lines for i in line.counterparty_ids})
        return statements.statement_csv(
            lines, account_number=account.account_number, headers=headers, kind_label=kind_label,
            counterparty_label=lambda ids: " ".join(names.get(i, ("", ""))[0] for i in ids),
        )


def balance_chart(
    uow: UnitOfWork, actor: Actor, *, kind: str, session_token: str | None = None, title: str = "", y_title: str = "CNY"
) -> go.Figure:
    """The account's balance over time (a plotly step chart)."""
    with uow.read() as s:
        account = _account(s, actor, kind, session_token)
        series = lq.balance_series(s, account.ledger_account_id)
    return statements.balance_figure(series, title=title, y_title=y_title)
