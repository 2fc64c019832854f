"""Logistics tables (物流): providers (物流商 / 配送中心), their warehouses, suppliers' service
applications, stock kept as moves between locations, and the documents that move it —
shipments (发货单) → inbound orders (入库单), transfer orders (调拨单), delivery orders (配送单) →
outbound orders (出库单), vehicle dispatch orders (车辆调度单), damage reports (残损单) — plus the
provider's vehicles (车辆) and the delivery fee a provider charges a supplier.

Invariants:
- Everything is scoped by ``class_id``. A provider belongs to one user (a student or a bot);
  a user runs at most one provider per class. Warehouse codes are unique per provider.
- Stock is owned by a supplier (``b2b_members.id``) per product and location. A location is a
  string: ``supplier`` (the supplier's own premises, outside the provider's books: the source of
  shipments), ``transit:<shipment id>`` (shipped, not yet received), ``wh:<warehouse id>``,
  ``road:<delivery order id>`` (issued, on the way), ``customer`` (delivered), ``damaged``.
- ``lgs_stock_levels.quantity`` is never negative (CHECK + conditional update); every change of
  a level is one ``lgs_stock_moves`` row (append-only) from one location to another in the same
  transaction, so stock per item is conserved across moves.
- Documents move only along ``sandbox.logistics.states`` (the catalog's state machines), each
  move recorded as an event in the same transaction; concurrent moves of one document use
  ``UPDATE … WHERE state = <expected>``.
- A delivery fee is booked once per delivery order when the provider accepts it (LGS002): the
  provider's receivable and the supplier's payable (B2B031, LGS018); integer fen.
- Vehicle codes (plates) are unique per provider; capacity_units > 0. A vehicle is ``idle`` or
  ``in_transit``: idle → in_transit when a dispatch is confirmed (LGS010), back to idle when the
  delivery is complete (LGS020), each by a conditional update, so one vehicle makes one trip at a
  time. Only an idle, active vehicle of the provider whose capacity covers the order's units is
  allocated (LGS009).
- One dispatch order per delivery order, created with the acceptance (LGS002); its confirmed
  dispatch orders are the vehicles' transport records (LGS011).
- A damage report names one owner (supplier) and one warehouse of the provider; confirming it
  (LGS023) moves each line ``wh:<warehouse>`` → ``damaged`` (never more than held).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, Boolean, CheckConstraint, ForeignKey, Index, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from sandbox.db import Base, UTCDateTime, utcnow

# service application states (LGS021 / LGS022)
APPLIED = "applied"
APPROVED = "approved"
REJECTED = "rejected"

# shipment states
DRAFT = "draft"
SHIPPED = "shipped"

# inbound order states
PENDING = "pending"
RECEIVED = "received"

# outbound order states (PENDING, then:)
ISSUED = "dispatched"  # 已出库

# transfer order states
TRANSFER_CREATED = "created"
TRANSFER_CONFIRMED = "confirmed"

# delivery order states
AWAITING = "awaiting_acceptance"
DO_ACCEPTED = "accepted"
VEHICLE_ALLOCATED = "vehicle_allocated"
DISPATCHED = "dispatched"
DO_DELIVERED = "delivered"

# fee states
FEE_OPEN = "open"
FEE_PAID = "paid"

# vehicle status
VEHICLE_IDLE = "idle"
VEHICLE_IN_TRANSIT = "in_transit"

# dispatch order states (车辆调度单)
UNALLOCATED = "unallocated"
ALLOCATED = "allocated"
DISPATCH_CONFIRMED = "confirmed"
DISPATCH_COMPLETED = "completed"

# damage report states (残损单): DRAFT, then:
DAMAGE_CONFIRMED = "confirmed"

SUPPLIER_PREMISES = "supplier"
CUSTOMER = "customer"
DAMAGED = "damaged"


def warehouse_location(warehouse_id: int) -> str:
    return f"wh:{warehouse_id}"


def transit_location(shipment_id: int) -> str:
    return f"transit:{shipment_id}"


def road_location(delivery_order_id: int) -> str:
    return f"road:{delivery_order_id}"


class Provider(Base):
    """A logistics company (物流商) registered by a user (LGS001), with its delivery rate table."""

    __tablename__ = "lgs_providers"
    __table_args__ = (
        UniqueConstraint("class_id", "owner_id"),
        UniqueConstraint("class_id", "name_key"),
        CheckConstraint("fee_base_fen >= 0 AND fee_per_unit_fen >= 0", name="fees_not_negative"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    name_key: Mapped[str] = mapped_column(String(100))
    contact_name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(24))
    email: Mapped[str | None] = mapped_column(String(254))
    address: Mapped[str] = mapped_column(String(200))
    licence_number: Mapped[str | None] = mapped_column(String(32))
    service_terms: Mapped[str] = mapped_column(String(2000), default="")
    fee_base_fen: Mapped[int] = mapped_column(BigInteger, default=5_000)
    fee_per_unit_fen: Mapped[int] = mapped_column(BigInteger, default=200)
    bank_account_id: Mapped[int | None] = mapped_column(ForeignKey("ebank_accounts.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Warehouse(Base):
    """A provider's warehouse (仓库, LGS007/LGS008)."""

    __tablename__ = "lgs_warehouses"
    __table_args__ = (
        UniqueConstraint("provider_id", "code"),
        CheckConstraint("capacity > 0", name="positive_capacity"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(100))
    address: Mapped[str] = mapped_column(String(200))
    capacity: Mapped[int] = mapped_column(Integer, default=10_000)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ServiceApplication(Base):
    """A supplier's application for a provider's logistics service (LGS021), decided by the
    provider (LGS022). The certificate that proved the supplier's identity is kept."""

    __tablename__ = "lgs_service_applications"
    __table_args__ = (
        UniqueConstraint("provider_id", "supplier_id"),
        CheckConstraint("state IN ('applied', 'approved', 'rejected')", name="state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"), index=True)
    state: Mapped[str] = mapped_column(String(16), default=APPLIED)
    certificate_id: Mapped[int | None] = mapped_column(ForeignKey("pki_certificates.id", ondelete="SET NULL"))
    terms_accepted: Mapped[bool] = mapped_column(Boolean, default=False)
    note: Mapped[str] = mapped_column(String(500), default="")
    applied_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    applied_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    decided_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class StockLevel(Base):
    """How many units of a product a supplier holds at one location (never negative)."""

    __tablename__ = "lgs_stock_levels"
    __table_args__ = (
        UniqueConstraint("owner_id", "product_id", "location"),
        CheckConstraint("quantity >= 0", name="not_negative"),
        Index("ix_lgs_stock_levels_warehouse", "warehouse_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    owner_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("b2b_products.id", ondelete="CASCADE"))
    location: Mapped[str] = mapped_column(String(32))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("lgs_warehouses.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class StockMove(Base):
    """One movement of stock between two locations, caused by one document (append-only)."""

    __tablename__ = "lgs_stock_moves"
    __table_args__ = (
        CheckConstraint("quantity > 0", name="positive_quantity"),
        CheckConstraint("from_location <> to_location", name="moves"),
        Index("ix_lgs_stock_moves_class_at", "class_id", "at"),
        Index("ix_lgs_stock_moves_doc", "doc_kind", "doc_id"),
        Index("ix_lgs_stock_moves_owner_product", "owner_id", "product_id"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    product_id: Mapped[int] = mapped_column(ForeignKey("b2b_products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
    from_location: Mapped[str] = mapped_column(String(32))
    to_location: Mapped[str] = mapped_column(String(32))
    doc_kind: Mapped[str] = mapped_column(String(16))  # shipment, inbound, transfer, outbound, delivery, damage
    doc_id: Mapped[int] = mapped_column(Integer)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class Shipment(Base):
    """A supplier's shipment (发货单, B2B011) of goods to a provider's warehouse."""

    __tablename__ = "lgs_shipments"
    __table_args__ = (CheckConstraint("state IN ('draft', 'shipped')", name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int | None] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("lgs_warehouses.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    shipped_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    shipped_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ShipmentLine(Base):
    __tablename__ = "lgs_shipment_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="positive_quantity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("lgs_shipments.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("b2b_products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)


class InboundOrder(Base):
    """A warehouse inbound order (入库单) spawned by a confirmed shipment; received in LGS003."""

    __tablename__ = "lgs_inbound_orders"
    __table_args__ = (CheckConstraint("state IN ('pending', 'received')", name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    shipment_id: Mapped[int] = mapped_column(ForeignKey("lgs_shipments.id", ondelete="CASCADE"), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("lgs_warehouses.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    received_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    received_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TransferOrder(Base):
    """A stock transfer order (调拨单, B2B013) between two warehouses of one provider; the provider
    confirms it (LGS005), which moves the stock."""

    __tablename__ = "lgs_transfer_orders"
    __table_args__ = (
        CheckConstraint("state IN ('created', 'confirmed')", name="state"),
        CheckConstraint("from_warehouse_id <> to_warehouse_id", name="two_warehouses"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"), index=True)
    from_warehouse_id: Mapped[int] = mapped_column(ForeignKey("lgs_warehouses.id", ondelete="CASCADE"))
    to_warehouse_id: Mapped[int] = mapped_column(ForeignKey("lgs_warehouses.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=TRANSFER_CREATED)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class TransferLine(Base):
    __tablename__ = "lgs_transfer_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="positive_quantity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    transfer_id: Mapped[int] = mapped_column(ForeignKey("lgs_transfer_orders.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("b2b_products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)


class DeliveryOrder(Base):
    """A delivery order (配送单, B2B010) for one confirmed B2B order, addressed to the supplier's
    approved provider; the provider accepts it (LGS002), picks the issuing warehouse and books
    the fee. Its lines are the order's lines."""

    __tablename__ = "lgs_delivery_orders"
    __table_args__ = (
        CheckConstraint(
            "state IN ('awaiting_acceptance', 'accepted', 'vehicle_allocated', 'dispatched', 'delivered')",
            name="state",
        ),
        Index("ix_lgs_delivery_orders_provider", "provider_id", "state"),
        Index("ix_lgs_delivery_orders_supplier", "supplier_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    order_id: Mapped[int] = mapped_column(ForeignKey("b2b_orders.id", ondelete="CASCADE"), unique=True)
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    provider_id: Mapped[int] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"))
    warehouse_id: Mapped[int | None] = mapped_column(ForeignKey("lgs_warehouses.id", ondelete="SET NULL"))
    consignee_name: Mapped[str] = mapped_column(String(100))
    consignee_address: Mapped[str] = mapped_column(String(200))
    delivery_date: Mapped[datetime | None] = mapped_column(UTCDateTime)
    state: Mapped[str] = mapped_column(String(24), default=AWAITING)
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    accepted_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    accepted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    delivered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class OutboundOrder(Base):
    """A warehouse outbound order (出库单) generated when the provider accepts a delivery order."""

    __tablename__ = "lgs_outbound_orders"
    __table_args__ = (CheckConstraint("state IN ('pending', 'dispatched')", name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    delivery_order_id: Mapped[int] = mapped_column(ForeignKey("lgs_delivery_orders.id", ondelete="CASCADE"), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("lgs_warehouses.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=PENDING)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    issued_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    issued_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DeliveryFee(Base):
    """The fee a provider charges a supplier for one delivery order (booked at LGS002)."""

    __tablename__ = "lgs_delivery_fees"
    __table_args__ = (
        CheckConstraint("amount_fen > 0", name="positive"),
        CheckConstraint("state IN ('open', 'paid')", name="state"),
        Index("ix_lgs_fees_supplier", "supplier_id", "state"),
        Index("ix_lgs_fees_provider", "provider_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    delivery_order_id: Mapped[int] = mapped_column(ForeignKey("lgs_delivery_orders.id", ondelete="CASCADE"), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"))
    supplier_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    amount_fen: Mapped[int] = mapped_column(BigInteger)
    basis: Mapped[str] = mapped_column(String(200), default="")
    state: Mapped[str] = mapped_column(String(16), default=FEE_OPEN)
    booked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    payment_id: Mapped[int | None] = mapped_column(ForeignKey("ebank_payments.id", ondelete="SET NULL"))
    paid_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class Vehicle(Base):
    """A provider's vehicle (车辆, LGS012/LGS013): idle or on a trip (in_transit)."""

    __tablename__ = "lgs_vehicles"
    __table_args__ = (
        UniqueConstraint("provider_id", "code"),
        CheckConstraint("capacity_units > 0", name="positive_capacity"),
        CheckConstraint("status IN ('idle', 'in_transit')", name="status"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"))
    code: Mapped[str] = mapped_column(String(16))  # plate number or fleet code
    kind: Mapped[str] = mapped_column(String(50))
    capacity_units: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(16), default=VEHICLE_IDLE)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    note: Mapped[str] = mapped_column(String(500), default="")
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DispatchOrder(Base):
    """The vehicle dispatch order (车辆调度单) of one accepted delivery order: a vehicle is
    allocated (LGS009), the allocation confirmed (LGS010), the trip completed (LGS020)."""

    __tablename__ = "lgs_dispatch_orders"
    __table_args__ = (
        CheckConstraint("state IN ('unallocated', 'allocated', 'confirmed', 'completed')", name="state"),
        CheckConstraint("units > 0", name="positive_units"),
        Index("ix_lgs_dispatch_orders_provider", "provider_id", "state"),
        Index("ix_lgs_dispatch_orders_vehicle", "vehicle_id", "state"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    delivery_order_id: Mapped[int] = mapped_column(ForeignKey("lgs_delivery_orders.id", ondelete="CASCADE"), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"))
    vehicle_id: Mapped[int | None] = mapped_column(ForeignKey("lgs_vehicles.id", ondelete="SET NULL"))
    units: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16), default=UNALLOCATED)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    allocated_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    allocated_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    completed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DamageReport(Base):
    """A damage report (残损单, LGS023) for one owner's goods in one of the provider's warehouses."""

    __tablename__ = "lgs_damage_reports"
    __table_args__ = (CheckConstraint("state IN ('draft', 'confirmed')", name="state"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    class_id: Mapped[int] = mapped_column(ForeignKey("classes.id", ondelete="CASCADE"), index=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)
    provider_id: Mapped[int] = mapped_column(ForeignKey("lgs_providers.id", ondelete="CASCADE"), index=True)
    warehouse_id: Mapped[int] = mapped_column(ForeignKey("lgs_warehouses.id", ondelete="CASCADE"))
    owner_id: Mapped[int] = mapped_column(ForeignKey("b2b_members.id", ondelete="CASCADE"))
    state: Mapped[str] = mapped_column(String(16), default=DRAFT)
    reason: Mapped[str] = mapped_column(String(200))
    created_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class DamageLine(Base):
    __tablename__ = "lgs_damage_lines"
    __table_args__ = (CheckConstraint("quantity > 0", name="positive_quantity"),)

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    report_id: Mapped[int] = mapped_column(ForeignKey("lgs_damage_reports.id", ondelete="CASCADE"), index=True)
    product_id: Mapped[int] = mapped_column(ForeignKey("b2b_products.id", ondelete="CASCADE"))
    quantity: Mapped[int] = mapped_column(Integer)
