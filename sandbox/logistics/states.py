"""The logistics documents' state tables (catalog ``state_machines``: delivery_order, shipment,
transfer_order, inbound_order, outbound_order, dispatch_order, damage_report). Moves go through :func:`sandbox.b2b.states.move` with these tables.
"""

from __future__ import annotations

from sandbox.logistics import models as m

DELIVERY_ORDER: dict[tuple[str | None, str], str] = {
    (None, m.AWAITING): "B2B010",
    (m.AWAITING, m.DO_ACCEPTED): "LGS002",
    (m.DO_ACCEPTED, m.VEHICLE_ALLOCATED): "LGS009",
    (m.VEHICLE_ALLOCATED, m.DISPATCHED): "LGS010",
    (m.DISPATCHED, m.DO_DELIVERED): "LGS020",
}

SHIPMENT: dict[tuple[str | None, str], str] = {
    (None, m.DRAFT): "B2B011",
    (m.DRAFT, m.SHIPPED): "B2B011",
}

TRANSFER_ORDER: dict[tuple[str | None, str], str] = {
    (None, m.TRANSFER_CREATED): "B2B013",
    (m.TRANSFER_CREATED, m.TRANSFER_CONFIRMED): "LGS005",
}

INBOUND_ORDER: dict[tuple[str | None, str], str] = {
    (None, m.PENDING): "B2B011",
    (m.PENDING, m.RECEIVED): "LGS003",
}

OUTBOUND_ORDER: dict[tuple[str | None, str], str] = {
    (None, m.PENDING): "LGS002",
    (m.PENDING, m.ISSUED): "LGS004",
}

DISPATCH_ORDER: dict[tuple[str | None, str], str] = {
    (None, m.UNALLOCATED): "LGS002",
    (m.UNALLOCATED, m.ALLOCATED): "LGS009",
    (m.ALLOCATED, m.DISPATCH_CONFIRMED): "LGS010",
    (m.DISPATCH_CONFIRMED, m.DISPATCH_COMPLETED): "LGS020",
}

DAMAGE_REPORT: dict[tuple[str | None, str], str] = {
    (None, m.DRAFT): "LGS023",
    (m.DRAFT, m.DAMAGE_CONFIRMED): "LGS023",
}

MACHINES: dict[str, dict[tuple[str | None, str], str]] = {
    "delivery_order": DELIVERY_ORDER,
    "shipment": SHIPMENT,
    "transfer_order": TRANSFER_ORDER,
    "inbound_order": INBOUND_ORDER,
    "outbound_order": OUTBOUND_ORDER,
    "dispatch_order": DISPATCH_ORDER,
    "damage_report": DAMAGE_REPORT,
}

LABELS_ZH: dict[str, str] = {
    m.AWAITING: "待受理", m.DO_ACCEPTED: "已受理", m.VEHICLE_ALLOCATED: "已分配车辆", m.DISPATCHED: "已调度",
    m.DO_DELIVERED: "送货完成", m.DRAFT: "新建发货单", m.SHIPPED: "已发货", m.TRANSFER_CREATED: "待调拨",
    m.TRANSFER_CONFIRMED: "已调拨", m.PENDING: "未入库", m.RECEIVED: "已入库", m.APPLIED: "待审批",
    m.APPROVED: "已审批", m.REJECTED: "已拒绝", m.FEE_OPEN: "未付款", m.FEE_PAID: "已付款",
    m.UNALLOCATED: "未分配", m.ALLOCATED: "已分配", m.DISPATCH_COMPLETED: "送货完成",
    m.VEHICLE_IDLE: "空闲", m.VEHICLE_IN_TRANSIT: "运输中",
}

#: words of states whose id another machine also uses with another meaning (by machine)
MACHINE_LABELS_ZH: dict[str, dict[str, str]] = {
    "outbound_order": {m.PENDING: "未出库", m.ISSUED: "已出库"},
    "dispatch_order": {m.DISPATCH_CONFIRMED: "确定分配"},
    "damage_report": {m.DRAFT: "新建残损单", m.DAMAGE_CONFIRMED: "已确认"},
}
