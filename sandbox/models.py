"""Imports every model module so ``Base.metadata`` is complete (migrations, create_all)."""

from sandbox.b2b.models import (
    CartLine,
    Contract,
    Inquiry,
    InquiryLine,
    Member,
    MemberSession,
    Negotiation,
    NegotiationEntry,
    Order,
    OrderLine,
    Product,
)
from sandbox.ca.models import Officer as CaOfficer
from sandbox.ebank.models import BankAccount, BankSession, MerchantKey, Payment, PaymentNotification
from sandbox.email.models import Mailbox, MailItem, Message
from sandbox.events import Event
from sandbox.identity.models import Classroom, LoginSession, Membership, User
from sandbox.ledger.models import JournalEntry, LedgerAccount, Posting
from sandbox.logistics.models import (
    DamageLine,
    DamageReport,
    DeliveryFee,
    DeliveryOrder,
    DispatchOrder,
    InboundOrder,
    OutboundOrder,
    Provider,
    ServiceApplication,
    Shipment,
    ShipmentLine,
    StockLevel,
    StockMove,
    TransferLine,
    TransferOrder,
    Vehicle,
    Warehouse,
)
from sandbox.pki.models import Authority as PkiAuthority
from sandbox.pki.models import Certificate as PkiCertificate
from sandbox.pki.models import Challenge as PkiChallenge

__all__ = [
    "BankAccount",
    "BankSession",
    "CaOfficer",
    "CartLine",
    "Classroom",
    "Contract",
    "DamageLine",
    "DamageReport",
    "DeliveryFee",
    "DeliveryOrder",
    "DispatchOrder",
    "Event",
    "InboundOrder",
    "Inquiry",
    "InquiryLine",
    "JournalEntry",
    "LedgerAccount",
    "LoginSession",
    "MailItem",
    "Mailbox",
    "Member",
    "MemberSession",
    "Membership",
    "MerchantKey",
    "Message",
    "Negotiation",
    "NegotiationEntry",
    "Order",
    "OrderLine",
    "OutboundOrder",
    "Payment",
    "PaymentNotification",
    "PkiAuthority",
    "PkiCertificate",
    "PkiChallenge",
    "Posting",
    "Product",
    "Provider",
    "ServiceApplication",
    "Shipment",
    "ShipmentLine",
    "StockLevel",
    "StockMove",
    "TransferLine",
    "TransferOrder",
    "User",
    "Vehicle",
    "Warehouse",
]
