"""Imports every model module so ``Base.metadata`` is complete (migrations, create_all)."""

from sandbox.ca.models import Officer as CaOfficer
from sandbox.ebank.models import BankAccount, BankSession, MerchantKey, Payment, PaymentNotification
from sandbox.email.models import Mailbox, MailItem, Message
from sandbox.events import Event
from sandbox.identity.models import Classroom, LoginSession, Membership, User
from sandbox.ledger.models import JournalEntry, LedgerAccount, Posting
from sandbox.pki.models import Authority as PkiAuthority
from sandbox.pki.models import Certificate as PkiCertificate
from sandbox.pki.models import Challenge as PkiChallenge

__all__ = [
    "BankAccount",
    "BankSession",
    "CaOfficer",
    "Classroom",
    "Event",
    "JournalEntry",
    "LedgerAccount",
    "LoginSession",
    "MailItem",
    "Mailbox",
    "Membership",
    "MerchantKey",
    "Message",
    "Payment",
    "PaymentNotification",
    "PkiAuthority",
    "PkiCertificate",
    "PkiChallenge",
    "Posting",
    "User",
]
