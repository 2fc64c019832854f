"""B2B trade (B2B001–B2B032): members, catalogue, cart, orders, inquiries, negotiation,
electronic contracts, settlement and receivables. See models.py for the invariants."""
