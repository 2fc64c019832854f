"""Settlement (订单结算, B2B017): the buyer reviews its payables by supplier and order and settles
one order by paying it through the e-bank payment gateway (网上支付).

Invariants:
- Only the order's buyer settles it, and only while its settlement line is open (the buyer
  confirmed the order, B2B009: state confirmed, delivery_ordered or delivered).
- The payee is the supplier member's linked corporate bank account; the payer pays from one of
  its own corporate accounts with card number and payment password at the bank's cashier.
- The payment request is one per order (trade number = order number, reference
  ``b2b-order:<id>``); asking again returns the same request, so two racing settles share one
  payment and the bank lets exactly one of them pay it. Money moves at most once.
- The order becomes ``settled`` only in the gateway's ``on_paid("b2b")`` handler, which runs
  once per verified payment notice, in the notice's transaction: settlement open → settled
  (``states.move`` on ``settlement_state``), with payment id, time and the paying user.

Events: b2b.order_settled (B2B017, actor: the payer, subject: order id, payment_id, amount_fen);
b2b.settlement_ignored (a paid notice that could not settle its order: already settled or not
matching; nothing changes). The gateway writes ebank.payment_requested / ebank.payment_paid
(task B2B017).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import accounts, states
from sandbox.b2b import models as m
from sandbox.b2b.access import member_of, require_party
from sandbox.b2b.models import BUYER, Member, Order
from sandbox.b2b.orders import SALES_STATES, order_of_class
from sandbox.db import utcnow
from sandbox.ebank import gateway
from sandbox.ebank.models import CORPORATE, CREATED, PAID, BankAccount, Payment
from sandbox.ebank.numbers import clean_account_number
from sandbox.errors import DomainError
from sandbox.uow import UnitOfWork

TASK = "B2B017"
PURPOSE = "b2b"

#: the buyer's payables per supplier and its payable lines (see sandbox.b2b.accounts)
PayableSummary = accounts.PartnerBalance
PayableLine = accounts.OrderBalanceLine


@dataclass(frozen=True)
class SettlementResult:
    order_id: int
    number: str
    payment_id: int
    amount_fen: int
    settlement_state: str | None
    settled_at: datetime | None
    replayed: bool

    @property
    def settled(self) -> bool:
        return self.settlement_state == m.SETTLED


def reference(order_id: int) -> str:
    """The payment reference that ties an e-bank payment to a B2B order."""
    return f"b2b-order:{order_id}"


def payables(session: Session, actor: Actor, token: str | None) -> list[accounts.PartnerBalance]:
    """B2B017 step 1 (应付款总计): the buyer's open payables per supplier (not logged)."""
    return accounts.payables_summary(session, actor, token)


def payable_details(
    session: Session, actor: Actor, token: str | None, supplier_id: int
) -> list[accounts.OrderBalanceLine]:
    """The buyer's payable lines to one supplier, open first (not logged; the logged query of
    B2B032 is :func:`sandbox.b2b.accounts.payable_details_query`)."""
    return accounts.payable_lines(session, actor, token, supplier_id)


def _result(order: Order, payment_id: int, *, replayed: bool) -> SettlementResult:
    return SettlementResult(
        order.id, order.number, payment_id, order.total_fen, order.settlement_state, order.settled_at, replayed
    )


def _payment_request(uow: UnitOfWork, actor: Actor, token: str | None, order_id: object, card: str) -> tuple[int, int]:
    """(order id, payment id): the order's live payment request, made now if there is none."""
    with uow.write() as s:
        member = member_of(s, actor, token, BUYER)
        order = order_of_class(s, member, order_id)
        require_party(member, order.buyer_id)
        if order.settlement_state == m.SETTLED:
            raise DomainError("b2b.already_settled", number=order.number)
        if order.settlement_state != m.OPEN or order.state not in SALES_STATES:
            raise DomainError("b2b.not_confirmed", number=order.number)
        states.check(states.SETTLEMENT, order.settlement_state, m.SETTLED, TASK)
        ref = reference(order.id)
        prior = list(s.scalars(
            select(Payment).where(Payment.class_id == order.class_id, Payment.purpose == PURPOSE,
                                  Payment.reference == ref).order_by(Payment.id)
        ))
        if any(p.status == PAID and p.amount_fen == order.total_fen for p in prior):
            raise DomainError("b2b.already_settled", number=order.number)
        payer = s.scalar(select(BankAccount).where(BankAccount.account_number == card))
        if payer is not None and payer.owner_id == actor.user_id and payer.kind != CORPORATE:
            raise DomainError("b2b.corporate_account_required", field="ebank.card_number")
        supplier = s.get(Member, order.supplier_id)
        if supplier is None or supplier.bank_account_id is None:
            raise DomainError("b2b.supplier_no_bank_account")
        now = utcnow()
        live = [p for p in prior if p.status == CREATED and p.expires_at > now and p.amount_fen == order.total_fen]
        if live:
            return order.id, live[-1].id
        trade_no = order.number if not prior else f"{order.number}-{len(prior) + 1}"
        request = gateway.create_payment(
            s, class_id=order.class_id, payee_account_id=supplier.bank_account_id, out_trade_no=trade_no,
            amount_fen=order.total_fen, subject=f"订单结算 Order settlement {order.number}", purpose=PURPOSE,
            reference=ref, actor=actor, task_code=TASK,
        )
        return order.id, request.payment_id


def settle(
    uow: UnitOfWork,
    actor: Actor,
    token: str | None,
    order_id: int,
    *,
    card_number: object,
    payment_password: str,
    request_id: str | None = None,
) -> SettlementResult:
    """B2B017: the buyer settles an order (订单结算) by paying it through the e-bank: a payment
    request to the supplier's corporate account, paid with the buyer's corporate card number
    and payment password; the bank's verified notice marks the order settled.

    Raises input.required, ebank.bad_account_number (ebank.card_number), b2b.no_such_order,
    b2b.not_yours, b2b.already_settled, b2b.not_confirmed, b2b.corporate_account_required,
    b2b.supplier_no_bank_account, b2b.login_required, b2b.wrong_member_type, request.duplicate,
    and the gateway's: ebank.payment_already_paid, ebank.unknown_account, ebank.not_your_account,
    ebank.same_account, ebank.wrong_payment_password, ebank.payment_locked,
    ledger.insufficient_funds, ebank.duplicate_trade_no.
    """
    card = clean_account_number(card_number, "ebank.card_number")
    if not payment_password:
        raise DomainError("input.required", field="ebank.payment_password")
    if request_id:
        with uow.read() as s:
            done = events.replayed(s, request_id)
            if done is not None:
                member = member_of(s, actor, token, BUYER)
                order = order_of_class(s, member, order_id)
                payment = s.get(Payment, int(done.subject or 0)) if done.kind == "ebank.payment_paid" else None
                if payment is not None and done.actor_id == actor.user_id and payment.reference == reference(order.id):
                    return _result(order, payment.id, replayed=True)
                raise DomainError("request.duplicate")
    try:
        oid, payment_id = _payment_request(uow, actor, token, order_id, card)
    except IntegrityError:  # PostgreSQL: a racing settle inserted the same trade number first
        oid, payment_id = _payment_request(uow, actor, token, order_id, card)
    gateway.pay(
        uow, actor, payment_id=payment_id, card_number=card, payment_password=payment_password, task_code=TASK,
        request_id=request_id,
    )
    with uow.read() as s:
        order = s.get(Order, oid)
        assert order is not None
        return _result(order, payment_id, replayed=False)


@gateway.on_paid(PURPOSE)
def _settle_paid(session: Session, paid: gateway.PaidPayment) -> None:
    """The bank's verified notice of a B2B payment (once per payment): settle its order."""
    order_id = None
    if paid.reference and paid.reference.startswith("b2b-order:"):
        tail = paid.reference.removeprefix("b2b-order:")
        order_id = int(tail) if tail.isdigit() else None
    order = session.get(Order, order_id) if order_id is not None else None
    supplier = session.get(Member, order.supplier_id) if order is not None else None
    buyer = session.get(Member, order.buyer_id) if order is not None else None
    payee_owner = session.scalar(select(BankAccount.owner_id).where(BankAccount.id == paid.payee_account_id))
    reason = None
    if order is None or supplier is None or buyer is None or order.class_id != paid.class_id:
        reason = "no_order"
    elif paid.amount_fen != order.total_fen or payee_owner != supplier.owner_id:
        reason = "mismatch"
    elif order.settlement_state != m.OPEN:
        reason = "not_open"
    if reason is not None:
        events.record(
            session, "b2b.settlement_ignored", actor_id=paid.payer_owner_id, class_id=paid.class_id,
            subject=str(order_id) if order_id is not None else None, payment_id=paid.payment_id,
            amount_fen=paid.amount_fen, reason=reason,
        )
        return
    assert order is not None
    states.move(
        session, states.SETTLEMENT, Order, order.id, m.OPEN, m.SETTLED, TASK, state_column="settlement_state",
        payment_id=paid.payment_id, settled_at=paid.paid_at, settled_by=paid.payer_owner_id,
    )
    events.record(
        session, "b2b.order_settled", actor_id=paid.payer_owner_id, class_id=paid.class_id, subject=str(order.id),
        task_code=TASK, from_state=m.OPEN, to_state=m.SETTLED, order_id=order.id, number=order.number,
        buyer_id=order.buyer_id, supplier_id=order.supplier_id, payment_id=paid.payment_id, amount_fen=paid.amount_fen,
        payer_account_id=paid.payer_account_id, payee_account_id=paid.payee_account_id,
    )


def payments_of(session: Session, order_id: int) -> int:
    """How many e-bank payments reference the order (for the page's "already requested" hint)."""
    return int(session.scalar(
        select(func.count(Payment.id)).where(Payment.purpose == PURPOSE, Payment.reference == reference(order_id))
    ) or 0)
