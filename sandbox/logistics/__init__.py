"""Logistics (物流): providers, warehouses, service applications, stock moves, shipments,
inbound/outbound, transfer and delivery orders, delivery fees. See models.py for the invariants."""
