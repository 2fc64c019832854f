"""Transfer processing (处理调拨单, LGS005): the provider confirms a supplier's transfer order
between two of its warehouses; the stock moves from the source to the target warehouse.

Invariants:
- Only the provider the transfer order names confirms it.
- created → confirmed once (conditional update). The guard is re-checked now: every line must
  still be held at the source (``lgs.not_enough_stock``, nothing moves) and the target must
  have room (``lgs.over_capacity``). All lines move in the same transaction, so goods never
  vanish from both warehouses or appear in both.

Events: lgs.transfer_confirmed (LGS005; subject transfer order id).
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from sandbox import events
from sandbox.actor import Actor
from sandbox.b2b import states
from sandbox.db import utcnow
from sandbox.errors import DomainError
from sandbox.logistics import stock
from sandbox.logistics.access import json_lines, provider_of, require_own
from sandbox.logistics.models import TRANSFER_CONFIRMED, TransferLine, TransferOrder, warehouse_location
from sandbox.logistics.queries import TransferDetail, TransferSummary, transfer_detail, transfer_summaries
from sandbox.logistics.states import TRANSFER_ORDER
from sandbox.logistics.warehouses import check_capacity
from sandbox.uow import UnitOfWork


def confirm_transfer(uow: UnitOfWork, actor: Actor, transfer_id: int, request_id: str | None = None) -> TransferDetail:
    """LGS005: confirm a transfer (调拨确认): created → confirmed, the supplier's goods move from
    the source warehouse to the target warehouse.

    Raises lgs.not_registered, lgs.transfer_not_found, lgs.not_yours, b2b.bad_transition
    (already confirmed), b2b.state_changed, lgs.not_enough_stock, lgs.over_capacity,
    request.duplicate.
    """
    with uow.write() as s:
        provider = provider_of(s, actor)
        done = events.replayed(s, request_id)
        if done is not None:
            if done.kind != "lgs.transfer_confirmed" or done.actor_id != actor.user_id:
                raise DomainError("request.duplicate")
            earlier = s.get(TransferOrder, int(done.subject or 0))
            assert earlier is not None
            return transfer_detail(s, earlier)
        row = s.get(TransferOrder, transfer_id) if isinstance(transfer_id, int) else None
        if row is None or row.class_id != provider.class_id:
            raise DomainError("lgs.transfer_not_found")
        require_own(provider, row.provider_id)
        states.check(TRANSFER_ORDER, row.state, TRANSFER_CONFIRMED, "LGS005")
        lines = {
            pid: int(qty) for pid, qty in s.execute(
                select(TransferLine.product_id, TransferLine.quantity).where(TransferLine.transfer_id == row.id)
            ).all()
        }
        check_capacity(s, row.to_warehouse_id, sum(lines.values()))
        before = row.state
        states.move(s, TRANSFER_ORDER, TransferOrder, row.id, before, TRANSFER_CONFIRMED, "LGS005",
                    confirmed_by=actor.user_id, confirmed_at=utcnow())
        source, target = warehouse_location(row.from_warehouse_id), warehouse_location(row.to_warehouse_id)
        for pid, qty in sorted(lines.items()):
            stock.move(s, class_id=row.class_id, owner_id=row.supplier_id, product_id=pid, quantity=qty,
                       from_location=source, to_location=target, doc_kind="transfer", doc_id=row.id,
                       actor_id=actor.user_id)
        events.record(
            s, "lgs.transfer_confirmed", actor=actor, subject=str(row.id), task_code="LGS005", request_id=request_id,
            transfer_id=row.id, provider_id=provider.id, supplier_id=row.supplier_id,
            from_warehouse_id=row.from_warehouse_id, to_warehouse_id=row.to_warehouse_id, lines=json_lines(lines),
            from_state=before, to_state=TRANSFER_CONFIRMED,
        )
        return transfer_detail(s, row)


def transfers_for_provider(session: Session, actor: Actor, *, state: str | None = None) -> list[TransferSummary]:
    """The transfer orders addressed to the actor's provider, newest first."""
    provider = provider_of(session, actor)
    query = select(TransferOrder).where(TransferOrder.provider_id == provider.id)
    if state:
        query = query.where(TransferOrder.state == state)
    rows = list(session.scalars(query.order_by(TransferOrder.created_at.desc(), TransferOrder.id.desc())))
    return transfer_summaries(session, rows)


def transfer_for_provider(session: Session, actor: Actor, transfer_id: int) -> TransferDetail:
    """One transfer order of the actor's provider (调拨单明细). Raises lgs.transfer_not_found, lgs.not_yours."""
    provider = provider_of(session, actor)
    row = session.get(TransferOrder, transfer_id) if isinstance(transfer_id, int) else None
    if row is None or row.class_id != provider.class_id:
        raise DomainError("lgs.transfer_not_found")
    require_own(provider, row.provider_id)
    return transfer_detail(session, row)
