"""Delivery fees (配送费): what a provider charges a supplier for one delivery order, booked when
the provider accepts it (LGS002). The supplier's payable (B2B031) and the provider's receivable
(LGS018) are these rows. The supplier pays them through the e-bank payment gateway (网上支付).

Invariants:
- amount = provider's base fee + fee per unit × units of the order's lines, integer fen, > 0;
  the basis text records the rate used (rates may change later, the fee does not).
- At most one fee per delivery order (unique ``delivery_order_id``), booked in the same
  transaction as the acceptance; open until paid.
- Paying: the supplier's logged-in member pays one or several open fees of ONE provider in one
  gateway payment (purpose ``logistics``) to the provider's linked corporate account, from one
  of its owner's corporate accounts with card number and payment password. A fee becomes
  ``paid`` (with ``paid_at``) only in the ``on_paid("logistics")`` handler, which runs once per
  verified bank notice, in the notice's transaction.
- While a fee is open, ``payment_id`` names the payment request that covers it; the request
  claims its fees with a conditional update (``WHERE payment_id`` is what was read), so two
  racing requests cannot both claim a fee. Asking again for the same fees reuses the live
  request (so two racing payers share one payment, and the bank lets exactly one pay it); a
  request for another set of fees first withdraws (cancels) the unpaid requests covering any
  of them, by ``UPDATE … WHERE status = 'created'`` — a request the bank already paid is not
  withdrawn, and its fees count as paid. Money for a fee moves at most once.

Events: lgs.fee_paid (no task code of its own — paying is the follow-up of B2B031 / LGS018;
actor: the paying user, subject: fee id, payment_id, amount_fen); lgs.fee_payment_ignored (a paid
notice whose fees did not match: nothing changes). The gateway writes ebank.payment_requested /
ebank.payment_paid (task code None).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b.access import member_of
from sandbox.b2b.models import SUPPLIER, Order
from sandbox.db import utcnow
from sandbox.ebank import gateway
from sandbox.ebank.models import CANCELLED, CORPORATE, CREATED, PAID, BankAccount, Payment
from sandbox.ebank.numbers import clean_account_number
from sandbox.errors import DomainError
from sandbox.ledger.money import format_fen
from sandbox.logistics.access import as_id
from sandbox.logistics.models import FEE_OPEN, FEE_PAID, DeliveryFee, DeliveryOrder, Provider
from sandbox.logistics.queries import FeeView, fee_views
from sandbox.uow import UnitOfWork

PURPOSE = "logistics"
MAX_FEES = 50  # fees paid in one payment


@dataclass(frozen=True)
class FeePayment:
    """The outcome of paying delivery fees: ``paid`` once the bank's notice marked them paid."""

    payment_id: int
    provider_id: int
    provider_name: str
    fee_ids: tuple[int, ...]
    amount_fen: int
    paid: bool
    paid_at: datetime | None
    replayed: bool


@dataclass(frozen=True)
class PayableFee:
    """One delivery fee as the supplier's page lists it (B2B031 details, read fresh)."""

    fee_id: int
    provider_id: int
    provider_name: str
    delivery_order_id: int
    delivery_number: str
    order_number: str
    amount_fen: int
    basis: str
    state: str
    booked_at: datetime
    paid_at: datetime | None


def quote(provider: Provider, units: int) -> tuple[int, str]:
    """(amount in fen, basis text) of a delivery of ``units`` units at the provider's rates."""
    base, per = int(provider.fee_base_fen), int(provider.fee_per_unit_fen)
    amount = base + per * int(units)
    basis = f"{format_fen(base)} + {units} × {format_fen(per)} = {format_fen(amount)} CNY"
    return amount, basis


def book(session: Session, order: DeliveryOrder, provider: Provider, units: int) -> DeliveryFee | None:
    """Book the fee of a delivery order being accepted (None when the rates make it zero)."""
    amount, basis = quote(provider, units)
    if amount <= 0:
        return None
    row = DeliveryFee(
        class_id=order.class_id, delivery_order_id=order.id, provider_id=provider.id, supplier_id=order.supplier_id,
        amount_fen=amount, basis=basis[:200], state=FEE_OPEN, booked_at=utcnow(),
    )
    session.add(row)
    session.flush()
    return row


def fees_of_provider(session: Session, provider_id: int, *, state: str | None = None) -> list[FeeView]:
    """A provider's delivery fees (its receivables), newest first."""
    query = select(DeliveryFee).where(DeliveryFee.provider_id == provider_id)
    if state:
        query = query.where(DeliveryFee.state == state)
    return fee_views(session, list(session.scalars(query.order_by(DeliveryFee.booked_at.desc(), DeliveryFee.id.desc()))))


def fees_of_supplier(session: Session, supplier_member_id: int, *, state: str | None = None) -> list[FeeView]:
    """A supplier member's delivery fees (what it owes its providers), newest first."""
    query = select(DeliveryFee).where(DeliveryFee.supplier_id == supplier_member_id)
    if state:
        query = query.where(DeliveryFee.state == state)
    return fee_views(session, list(session.scalars(query.order_by(DeliveryFee.booked_at.desc(), DeliveryFee.id.desc()))))


def payable_fees(session: Session, actor: Actor, token: str | None, provider_id: int) -> list[PayableFee]:
    """The logged-in supplier's delivery fees owed to one provider, open first (a plain read: the
    page shows them fresh after a payment; the graded B2B031 query is
    :func:`sandbox.b2b.accounts.logistics_payable_details`). Raises b2b.login_required,
    b2b.wrong_member_type."""
    member = member_of(session, actor, token, SUPPLIER)
    rows = session.execute(
        select(DeliveryFee, Provider.name, DeliveryOrder.number, Order.number)
        .join(Provider, Provider.id == DeliveryFee.provider_id)
        .join(DeliveryOrder, DeliveryOrder.id == DeliveryFee.delivery_order_id)
        .join(Order, Order.id == DeliveryOrder.order_id)
        .where(DeliveryFee.supplier_id == member.id, DeliveryFee.provider_id == provider_id)
        .order_by(DeliveryFee.state != FEE_OPEN, DeliveryFee.booked_at, DeliveryFee.id)
        .limit(500)
    ).all()
    return [
        PayableFee(f.id, f.provider_id, pname, f.delivery_order_id, dnum, onum, int(f.amount_fen), f.basis, f.state,
                   f.booked_at, f.paid_at)
        for f, pname, dnum, onum in rows
    ]


def payable_providers(session: Session, supplier_member_id: int) -> dict[int, list[int]]:
    """{provider id: open fee ids} of a supplier's open fees whose provider linked a bank account
    (what can be paid online now; the bot supplier pays these)."""
    rows = session.execute(
        select(DeliveryFee.provider_id, DeliveryFee.id)
        .join(Provider, Provider.id == DeliveryFee.provider_id)
        .where(DeliveryFee.supplier_id == supplier_member_id, DeliveryFee.state == FEE_OPEN,
               Provider.bank_account_id.is_not(None))
        .order_by(DeliveryFee.provider_id, DeliveryFee.id)
    ).all()
    out: dict[int, list[int]] = {}
    for provider_id, fee_id in rows:
        out.setdefault(int(provider_id), []).append(int(fee_id))
    return out


# ----------------------------------------------------------------------------- paying


def clean_fee_ids(value: object) -> list[int]:
    """The fees picked on the form: one id or a list of ids, sorted and without repeats.

    Raises lgs.no_fees, lgs.too_many_fees, lgs.bad_id (lgs.fees)."""
    picked = [value] if isinstance(value, int | str) else value
    if not isinstance(picked, list | tuple | set | frozenset) or not picked:
        raise DomainError("lgs.no_fees", field="lgs.fees")
    if len(picked) > MAX_FEES:
        raise DomainError("lgs.too_many_fees", field="lgs.fees", max=MAX_FEES)
    return sorted({as_id(v, "lgs.fees") for v in picked})


def _numbers(session: Session, rows: list[DeliveryFee]) -> dict[int, str]:
    ids = [r.delivery_order_id for r in rows]
    return dict(session.execute(select(DeliveryOrder.id, DeliveryOrder.number).where(DeliveryOrder.id.in_(ids))).all())


def _withdraw(session: Session, payment_ids: set[int], number: str) -> None:
    """Cancel the payee's unpaid payment requests ``payment_ids`` (the fees get a new one); one
    the bank has paid meanwhile stays, and its fees count as paid (lgs.fee_already_paid)."""
    for payment_id in sorted(payment_ids):
        session.execute(
            update(Payment).where(Payment.id == payment_id, Payment.status == CREATED)
            .values(status=CANCELLED).execution_options(synchronize_session=False)
        )
        if session.scalar(select(Payment.status).where(Payment.id == payment_id)) == PAID:
            raise DomainError("lgs.fee_already_paid", delivery=number)


def _payment_request(uow: UnitOfWork, actor: Actor, token: str | None, ids: list[int], card: str) -> tuple[int, int]:
    """(provider id, payment id): the live payment request covering exactly the fees ``ids``,
    made (and the fees claimed) now if there is none."""
    with uow.write() as s:
        member = member_of(s, actor, token, SUPPLIER)
        rows = list(s.scalars(select(DeliveryFee).where(DeliveryFee.id.in_(ids)).order_by(DeliveryFee.id)))
        if len(rows) != len(ids) or any(r.supplier_id != member.id or r.class_id != member.class_id for r in rows):
            raise DomainError("lgs.fee_not_found", field="lgs.fees")
        numbers = _numbers(s, rows)
        if len({r.provider_id for r in rows}) != 1:
            raise DomainError("lgs.fees_of_one_provider", field="lgs.fees")
        claims = {r.payment_id for r in rows if r.payment_id is not None}
        requests = {p.id: p for p in s.scalars(select(Payment).where(Payment.id.in_(claims)))} if claims else {}
        for r in rows:
            claim = requests.get(r.payment_id) if r.payment_id is not None else None
            if r.state != FEE_OPEN or (claim is not None and claim.status == PAID):
                raise DomainError("lgs.fee_already_paid", delivery=numbers.get(r.delivery_order_id, ""))
        payer = s.scalar(select(BankAccount).where(BankAccount.account_number == card))
        if payer is not None and payer.owner_id == actor.user_id and payer.kind != CORPORATE:
            raise DomainError("lgs.fee_corporate_account_required", field="ebank.card_number")
        provider = s.get(Provider, rows[0].provider_id)
        assert provider is not None
        if provider.bank_account_id is None:
            raise DomainError("lgs.provider_no_bank_account", provider=provider.name)
        amount = sum(int(r.amount_fen) for r in rows)
        if len(claims) == 1:  # the same fees asked for again: the same live request
            live = requests.get(next(iter(claims)))
            covers = list(s.scalars(select(DeliveryFee.id).where(DeliveryFee.payment_id == next(iter(claims)))))
            if (
                live is not None and live.status == CREATED and live.expires_at > utcnow()
                and all(r.payment_id == live.id for r in rows) and sorted(covers) == ids
                and live.amount_fen == amount and live.payee_account_id == provider.bank_account_id
            ):
                return provider.id, live.id
        first = numbers.get(rows[0].delivery_order_id, "")
        _withdraw(s, {p for p, row in requests.items() if row.status == CREATED}, first)
        more = f" +{len(rows) - 1}" if len(rows) > 1 else ""
        request = gateway.create_payment(
            s, class_id=member.class_id, payee_account_id=provider.bank_account_id,
            out_trade_no=f"LF{ids[0]}-{secrets.token_hex(4).upper()}", amount_fen=amount,
            subject=f"配送费 Delivery fee {first}{more}", purpose=PURPOSE, reference=f"lgs-fees:{ids[0]}+{len(ids)}",
            actor=actor, task_code=None,
        )
        seen = [and_(DeliveryFee.id == r.id, DeliveryFee.payment_id.is_(None) if r.payment_id is None
                     else DeliveryFee.payment_id == r.payment_id) for r in rows]
        claimed = s.execute(
            update(DeliveryFee).where(DeliveryFee.state == FEE_OPEN, or_(*seen))
            .values(payment_id=request.payment_id).execution_options(synchronize_session=False)
        ).rowcount
        if claimed != len(rows):  # another request claimed one of them meanwhile: nothing is kept
            raise DomainError("lgs.fee_changed")
        return provider.id, request.payment_id


def _result(session: Session, payment_id: int, ids: list[int], *, replayed: bool) -> FeePayment:
    rows = list(session.scalars(select(DeliveryFee).where(DeliveryFee.id.in_(ids)).order_by(DeliveryFee.id)))
    provider = session.get(Provider, rows[0].provider_id) if rows else None
    paid = bool(rows) and all(r.state == FEE_PAID and r.payment_id == payment_id for r in rows)
    stamps = [r.paid_at for r in rows if r.paid_at is not None]
    return FeePayment(
        payment_id, provider.id if provider else 0, provider.name if provider else "", tuple(r.id for r in rows),
        sum(int(r.amount_fen) for r in rows), paid, max(stamps) if paid and stamps else None, replayed,
    )


def pay_fees(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    fee_ids: object,
    *,
    card_number: object,
    payment_password: str,
    request_id: str | None = None,
) -> FeePayment:
    """The supplier pays one or several open delivery fees of one provider (its B2B031 payables,
    the provider's LGS018 receivables) through the e-bank: one payment request to the provider's
    linked corporate account, paid with the supplier owner's corporate card number and payment
    password; the bank's verified notice marks the fees paid. No catalog task of its own.

    Raises lgs.no_fees, lgs.too_many_fees, lgs.bad_id, input.required (ebank.payment_password),
    ebank.bad_account_number (ebank.card_number), b2b.login_required, b2b.wrong_member_type,
    lgs.fee_not_found (not a fee of this supplier), lgs.fees_of_one_provider,
    lgs.fee_already_paid, lgs.fee_corporate_account_required, lgs.provider_no_bank_account,
    lgs.fee_changed, request.duplicate, and the gateway's: ebank.payment_already_paid,
    ebank.unknown_account, ebank.not_your_account, ebank.same_account,
    ebank.wrong_payment_password, ebank.payment_locked, ledger.insufficient_funds.
    """
    ids = clean_fee_ids(fee_ids)
    card = clean_account_number(card_number, "ebank.card_number")
    if not payment_password:
        raise DomainError("input.required", field="ebank.payment_password")
    if request_id:
        with uow.read() as s:
            done = events.replayed(s, request_id)
            if done is not None:
                member_of(s, actor, token, SUPPLIER)
                payment = s.get(Payment, int(done.subject or 0)) if done.kind == "ebank.payment_paid" else None
                if payment is not None and done.actor_id == actor.user_id and payment.purpose == PURPOSE:
                    covers = sorted(s.scalars(select(DeliveryFee.id).where(DeliveryFee.payment_id == payment.id)))
                    if covers == ids:
                        return _result(s, payment.id, ids, replayed=True)
                raise DomainError("request.duplicate")
    for attempt in (1, 2):
        try:
            _provider_id, payment_id = _payment_request(uow, actor, token, ids, card)
            break
        except IntegrityError:  # PostgreSQL: a racing request inserted the same trade number first
            if attempt == 2:
                raise
        except DomainError as err:  # a racing request claimed the fees first: take its request
            if err.code != "lgs.fee_changed" or attempt == 2:
                raise
    gateway.pay(
        uow, actor, payment_id=payment_id, card_number=card, payment_password=payment_password, task_code=None,
        request_id=request_id,
    )
    with uow.read() as s:
        return _result(s, payment_id, ids, replayed=False)


@gateway.on_paid(PURPOSE)
def _fees_paid(session: Session, paid: gateway.PaidPayment) -> None:
    """The bank's verified notice of a delivery-fee payment (once per payment): its fees are paid."""
    rows = list(session.scalars(
        select(DeliveryFee).where(DeliveryFee.payment_id == paid.payment_id).order_by(DeliveryFee.id)
    ))
    providers = {r.provider_id for r in rows}
    provider = session.get(Provider, rows[0].provider_id) if rows else None
    payee_owner = session.scalar(select(BankAccount.owner_id).where(BankAccount.id == paid.payee_account_id))
    reason = None
    if provider is None or len(providers) != 1 or any(r.class_id != paid.class_id for r in rows):
        reason = "no_fees"
    elif sum(int(r.amount_fen) for r in rows) != paid.amount_fen or payee_owner != provider.owner_id:
        reason = "mismatch"
    elif any(r.state != FEE_OPEN for r in rows):
        reason = "not_open"
    if reason is not None:
        events.record(
            session, "lgs.fee_payment_ignored", actor_id=paid.payer_owner_id, class_id=paid.class_id,
            subject=str(paid.payment_id), payment_id=paid.payment_id, amount_fen=paid.amount_fen, reason=reason,
            fee_ids=[r.id for r in rows],
        )
        return
    assert provider is not None
    won = session.execute(
        update(DeliveryFee).where(DeliveryFee.payment_id == paid.payment_id, DeliveryFee.state == FEE_OPEN)
        .values(state=FEE_PAID, paid_at=paid.paid_at).execution_options(synchronize_session=False)
    ).rowcount
    if won != len(rows):
        raise DomainError("lgs.fee_changed")  # the notice stays unprocessed; the bank can send it again
    for r in rows:
        session.refresh(r)
        events.record(
            session, "lgs.fee_paid", actor_id=paid.payer_owner_id, class_id=paid.class_id, subject=str(r.id),
            from_state=FEE_OPEN, to_state=FEE_PAID, fee_id=r.id, delivery_order_id=r.delivery_order_id,
            provider_id=r.provider_id, supplier_id=r.supplier_id, payment_id=paid.payment_id,
            amount_fen=int(r.amount_fen), payer_account_id=paid.payer_account_id,
            payee_account_id=paid.payee_account_id,
        )
