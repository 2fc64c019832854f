"""Check kinds of the EBANK module (importing this module registers them).

Each kind grades all ``ctx.students`` with a few queries and credits only the student's own
recorded action: an event whose actor is the student, joined to the bank account the student
owns and to the ledger rows or payments the action produced. Seeded rows without such an event,
bots, partners and other students never earn credit; later activity never takes credit away
(checks read entries, postings and events, never a current balance — except EBANK004/EBANK011's
"balance equals the sum of the account's transactions", a consistency that always holds).

Kinds:
- ``ebank.corporate_registered`` (EBANK001) · ``ebank.corporate_login`` (EBANK002) ·
  ``ebank.personal_registered`` (EBANK010) · ``ebank.merchant_registered`` (EBANK016);
- ``ebank.deposit_made`` (account: corporate|personal; EBANK004 / EBANK011);
- ``ebank.transfer_made`` (account: corporate|personal; EBANK005 / EBANK012);
- ``ebank.query_logged`` (screen: ``<kind>.<screen>``; need: any | rows | transfers |
  b2c_payments | incoming_b2c | same_day_b2c | epayments_if_any) — the ten query tasks;
- ``ebank.has_account`` (account): readiness — the student has a bank account of that kind;
- ``ebank.has_b2c_payment`` (side: payer|payee): readiness for EBANK015 / EBANK018 / EBANK019 —
  a paid B2C e-payment left the student's personal account / reached their merchant account
  (B2C028 done in the student's world, by whoever played the consumer).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import String, and_, cast, func, select
from sqlalchemy.orm import aliased

from sandbox.ebank import links
from sandbox.ebank.models import CORPORATE, MERCHANT, PAID, PERSONAL, BankAccount, Payment
from sandbox.events import Event
from sandbox.ledger.models import JournalEntry, LedgerAccount, Posting
from sandbox.ledger.queries import bank_day
from sandbox.scenarios.checks import CheckContext, Outcome, check

#: task code -> (check kind, parameters) as the scenario file names them.
TASK_CHECKS: dict[str, tuple[str, dict[str, str]]] = {
    "EBANK001": ("ebank.corporate_registered", {}),
    "EBANK002": ("ebank.corporate_login", {}),
    "EBANK004": ("ebank.deposit_made", {"account": CORPORATE}),
    "EBANK005": ("ebank.transfer_made", {"account": CORPORATE}),
    "EBANK006": ("ebank.query_logged", {"screen": "corporate.balance", "need": "any"}),
    "EBANK007": ("ebank.query_logged", {"screen": "corporate.transactions", "need": "rows"}),
    "EBANK008": ("ebank.query_logged", {"screen": "corporate.transfers", "need": "transfers"}),
    "EBANK009": ("ebank.query_logged", {"screen": "corporate.epayments", "need": "epayments_if_any"}),
    "EBANK010": ("ebank.personal_registered", {}),
    "EBANK011": ("ebank.deposit_made", {"account": PERSONAL}),
    "EBANK012": ("ebank.transfer_made", {"account": PERSONAL}),
    "EBANK013": ("ebank.query_logged", {"screen": "personal.balance", "need": "any"}),
    "EBANK014": ("ebank.query_logged", {"screen": "personal.transactions", "need": "rows"}),
    "EBANK015": ("ebank.query_logged", {"screen": "personal.shopping", "need": "b2c_payments"}),
    "EBANK016": ("ebank.merchant_registered", {}),
    "EBANK017": ("ebank.query_logged", {"screen": "merchant.balance", "need": "any"}),
    "EBANK018": ("ebank.query_logged", {"screen": "merchant.transactions", "need": "incoming_b2c"}),
    "EBANK019": ("ebank.query_logged", {"screen": "merchant.today", "need": "same_day_b2c"}),
}
NEEDS = ("any", "rows", "transfers", "b2c_payments", "incoming_b2c", "same_day_b2c", "epayments_if_any")


def _own(ctx: CheckContext, kind: str) -> Any:
    return and_(BankAccount.class_id == ctx.class_id, BankAccount.owner_id.in_(ctx.students), BankAccount.kind == kind)


def _first(rows: Iterable[Any], evidence: Any) -> dict[int, Outcome]:
    out: dict[int, Outcome] = {}
    for row in rows:
        if row[0] not in out:
            out[row[0]] = Outcome(True, evidence(row))
    return out


def _registered(ctx: CheckContext, kind: str, event_kind: str, *extra: Any) -> list[Any]:
    return list(ctx.session.execute(
        select(BankAccount.owner_id, BankAccount.id, BankAccount.account_number, Event.id, BankAccount.certificate_id,
               BankAccount.b2c_merchant_ref)
        .join(Event, and_(Event.kind == event_kind, Event.subject == BankAccount.account_number,
                          Event.actor_id == BankAccount.owner_id))
        .where(_own(ctx, kind), func.length(BankAccount.account_number) > 0, *extra)
        .order_by(BankAccount.owner_id, BankAccount.id)
    ))


@check("ebank.corporate_registered")
def corporate_registered(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EBANK001: a corporate account the student registered (their own event) with an account
    number, linked to the CA certificate this registration issued to the student."""
    from sandbox.pki.models import Certificate

    rows = ctx.session.execute(
        select(BankAccount.owner_id, BankAccount.id, BankAccount.account_number, Certificate.number, Event.id)
        .join(Event, and_(Event.kind == "ebank.corporate_registered", Event.subject == BankAccount.account_number,
                          Event.actor_id == BankAccount.owner_id))
        .join(Certificate, and_(Certificate.id == BankAccount.certificate_id, Certificate.owner_id == BankAccount.owner_id,
                                Certificate.class_id == BankAccount.class_id, Certificate.task_code == "EBANK001"))
        .where(_own(ctx, CORPORATE), func.length(BankAccount.account_number) > 0)
        .order_by(BankAccount.owner_id, BankAccount.id)
    ).all()
    return _first(rows, lambda r: {"account_id": r[1], "account_number": r[2], "certificate_number": r[3], "event_id": r[4]})


@check("ebank.corporate_login")
def corporate_login(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EBANK002: the bank login log has the student's successful corporate login that presented
    the certificate EBANK001 issued to them, downloaded (CA003) before."""
    from sandbox.pki.models import DOWNLOADED, Certificate

    rows = ctx.session.execute(
        select(BankAccount.owner_id, Event.id, Event.data, BankAccount.certificate_id, BankAccount.account_number,
               Certificate.number)
        .join(Event, and_(Event.kind == "ebank.login_succeeded", Event.subject == BankAccount.account_number,
                          Event.actor_id == BankAccount.owner_id))
        .join(Certificate, and_(Certificate.id == BankAccount.certificate_id, Certificate.owner_id == BankAccount.owner_id,
                                Certificate.task_code == "EBANK001", Certificate.state == DOWNLOADED))
        .where(_own(ctx, CORPORATE))
        .order_by(BankAccount.owner_id, Event.id)
    ).all()
    ok = [r for r in rows if (r[2] or {}).get("certificate_id") == r[3]]
    return _first(ok, lambda r: {"event_id": r[1], "account_number": r[4], "certificate_number": r[5],
                                 "method": (r[2] or {}).get("method")})


@check("ebank.personal_registered")
def personal_registered(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EBANK010: a personal account the student applied for, with a card number and a payment password."""
    rows = _registered(ctx, PERSONAL, "ebank.personal_registered", BankAccount.payment_password_hash.is_not(None))
    return _first(rows, lambda r: {"account_id": r[1], "account_number": r[2], "event_id": r[3]})


@check("ebank.merchant_registered")
def merchant_registered(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EBANK016: a special-merchant account the student applied for, linked to the student's B2C
    shop when they have one."""
    rows = _registered(ctx, MERCHANT, "ebank.merchant_registered")
    ok = []
    for row in rows:
        shop = links.b2c_merchant_of(ctx.session, ctx.class_id, row[0])
        if shop is None or row[5] == shop:
            ok.append(row)
    return _first(ok, lambda r: {"account_id": r[1], "account_number": r[2], "event_id": r[3], "b2c_merchant": r[5]})


@check("ebank.has_account", params=("account",))
def has_account(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """Readiness: the student has a bank account of kind ``account``."""
    rows = ctx.session.execute(
        select(BankAccount.owner_id, BankAccount.id).where(_own(ctx, params.get("account", PERSONAL)))
        .order_by(BankAccount.owner_id, BankAccount.id)
    ).all()
    return _first(rows, lambda r: {"account_id": r[1]})


@check("ebank.has_b2c_payment", params=("side",))
def has_b2c_payment(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """Readiness: a paid B2C payment from the student's personal account (``side=payer``) or to
    their special-merchant account (``side=payee``)."""
    payee = params.get("side", "payer") == "payee"
    column = Payment.payee_account_id if payee else Payment.payer_account_id
    rows = ctx.session.execute(
        select(BankAccount.owner_id, func.min(Payment.id))
        .join(Payment, column == BankAccount.id)
        .where(_own(ctx, MERCHANT if payee else PERSONAL), Payment.status == PAID, Payment.purpose == "b2c")
        .group_by(BankAccount.owner_id)
    ).all()
    return {uid: Outcome(True, {"payment_id": pid}) for uid, pid in rows}


def _drifted(ctx: CheckContext, ledger_ids: list[int]) -> set[int]:
    if not ledger_ids:
        return set()
    sums = dict(ctx.session.execute(
        select(Posting.account_id, func.sum(Posting.amount_fen)).where(Posting.account_id.in_(ledger_ids))
        .group_by(Posting.account_id)
    ).all())
    balances = dict(ctx.session.execute(
        select(LedgerAccount.id, LedgerAccount.balance_fen).where(LedgerAccount.id.in_(ledger_ids))
    ).all())
    return {i for i in ledger_ids if int(balances.get(i, 0)) != int(sums.get(i) or 0)}


@check("ebank.deposit_made", params=("account",))
def deposit_made(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EBANK004 / EBANK011: the student's own deposit above zero on their account of ``account``, and
    that account's balance equals the sum of its postings."""
    kind = params.get("account", PERSONAL)
    rows = ctx.session.execute(
        select(BankAccount.owner_id, JournalEntry.id, Posting.amount_fen, BankAccount.ledger_account_id,
               BankAccount.account_number)
        .join(Posting, Posting.account_id == BankAccount.ledger_account_id)
        .join(JournalEntry, and_(JournalEntry.id == Posting.entry_id, JournalEntry.kind == "deposit"))
        .join(Event, and_(Event.kind == "ebank.deposit", Event.subject == cast(JournalEntry.id, String),
                          Event.actor_id == BankAccount.owner_id))
        .where(_own(ctx, kind), Posting.amount_fen > 0)
        .order_by(BankAccount.owner_id, JournalEntry.id)
    ).all()
    bad = _drifted(ctx, sorted({int(r[3]) for r in rows}))
    ok = [r for r in rows if r[3] not in bad]
    return _first(ok, lambda r: {"entry_id": r[1], "amount_fen": int(r[2]), "account_number": r[4]})


@check("ebank.transfer_made", params=("account",))
def transfer_made(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """EBANK005 / EBANK012: the student's own transfer from their account of ``account`` to a different
    existing account, with equal debit and credit legs and no negative balance after it."""
    kind = params.get("account", PERSONAL)
    credit = aliased(Posting)
    rows = ctx.session.execute(
        select(BankAccount.owner_id, JournalEntry.id, Posting.amount_fen, credit.account_id, Posting.balance_after_fen)
        .join(Posting, Posting.account_id == BankAccount.ledger_account_id)
        .join(JournalEntry, and_(JournalEntry.id == Posting.entry_id, JournalEntry.kind == "transfer"))
        .join(credit, and_(credit.entry_id == JournalEntry.id, credit.account_id != Posting.account_id,
                           credit.amount_fen == -Posting.amount_fen))
        .join(Event, and_(Event.kind == "ebank.transfer", Event.subject == cast(JournalEntry.id, String),
                          Event.actor_id == BankAccount.owner_id))
        .where(_own(ctx, kind), Posting.amount_fen < 0, Posting.balance_after_fen >= 0)
        .order_by(BankAccount.owner_id, JournalEntry.id)
    ).all()
    return _first(rows, lambda r: {"entry_id": r[1], "amount_fen": -int(r[2]), "to_ledger_account": r[3]})


# ----------------------------------------------------------------------------- queries


@check("ebank.query_logged", params=("screen", "need"))
def query_logged(ctx: CheckContext, params: dict[str, Any]) -> dict[int, Outcome]:
    """The ten query tasks: the student's own ``ebank.query`` event on ``screen`` for their own
    account, whose logged result satisfies ``need`` (see the module docstring)."""
    screen = str(params["screen"])
    need = str(params.get("need", "any"))
    if need not in NEEDS:
        raise ValueError(f"unknown need {need!r}")
    kind = screen.split(".", 1)[0]
    evs = list(ctx.session.execute(
        select(Event.id, Event.actor_id, Event.at, Event.data).where(
            Event.kind == "ebank.query", Event.subject == screen, Event.class_id == ctx.class_id,
            Event.actor_id.in_(ctx.students),
        ).order_by(Event.id)
    ))
    if not evs:
        return {}
    accounts = {
        a.id: a for a in ctx.session.scalars(select(BankAccount).where(_own(ctx, kind)))
    }
    candidates = []
    for ev in evs:
        data = ev.data or {}
        account = accounts.get(data.get("account_id"))
        if account is None or account.owner_id != ev.actor_id:
            continue
        ids = [i for i in (data.get("returned_ids") or []) if isinstance(i, int)]
        candidates.append((ev, account, ids, data))
    good = _satisfied(ctx, need, candidates)
    out: dict[int, Outcome] = {}
    for ev, account, ids, _data in candidates:
        if ev.id in good and ev.actor_id not in out:
            out[ev.actor_id] = Outcome(True, {"event_id": ev.id, "account_number": account.account_number,
                                              "returned": len(ids)})
    return out


def _satisfied(ctx: CheckContext, need: str, candidates: list[tuple[Any, BankAccount, list[int], dict[str, Any]]]) -> set[int]:
    if need == "any":
        return {ev.id for ev, account, ids, _ in candidates if account.id in ids}
    all_ids = sorted({i for _, _, ids, _ in candidates for i in ids})
    if need in ("b2c_payments", "epayments_if_any"):
        pays = {
            p.id: p for p in ctx.session.scalars(select(Payment).where(Payment.id.in_(all_ids), Payment.status == PAID))
        } if all_ids else {}
        good = set()
        for ev, account, ids, data in candidates:
            mine = [pays[i] for i in ids if i in pays]
            if need == "b2c_payments":
                if any(p.payer_account_id == account.id and p.purpose == "b2c" for p in mine):
                    good.add(ev.id)
            elif any(account.id in (p.payer_account_id, p.payee_account_id) for p in mine) or data.get("available") == 0:
                good.add(ev.id)
        return good
    postings = {
        r.id: r for r in ctx.session.execute(
            select(Posting.id, Posting.account_id, Posting.amount_fen, JournalEntry.kind, Payment.purpose,
                   Payment.paid_at, Payment.payee_account_id)
            .join(JournalEntry, JournalEntry.id == Posting.entry_id)
            .outerjoin(Payment, and_(Payment.entry_id == JournalEntry.id, Payment.status == PAID))
            .where(Posting.id.in_(all_ids))
        )
    } if all_ids else {}
    good = set()
    for ev, account, ids, _ in candidates:
        rows = [postings[i] for i in ids if i in postings and postings[i].account_id == account.ledger_account_id]
        if need == "rows":
            hit = bool(rows)
        elif need == "transfers":
            hit = any(r.kind == "transfer" for r in rows)
        else:
            incoming = [r for r in rows if r.amount_fen > 0 and r.purpose == "b2c" and r.payee_account_id == account.id]
            if need == "same_day_b2c":
                incoming = [r for r in incoming if r.paid_at is not None and bank_day(r.paid_at) == bank_day(ev.at)]
            hit = bool(incoming)
        if hit:
            good.add(ev.id)
    return good
