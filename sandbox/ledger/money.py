"""Money at the edges: typed amounts ("12.34" yuan) to integer fen, and fen back to text.

Invariants: inside the sandbox an amount is an ``int`` of fen (分) in CNY. Parsing accepts
plain decimal text with at most two decimal places (full-width digits, a ¥ sign and thousands
commas are tolerated) and refuses zero, negative, over-precise, non-numeric and absurdly large
amounts with a DomainError naming the form field. Never a float.
"""

from __future__ import annotations

import re
import unicodedata
from decimal import Decimal, InvalidOperation

from sandbox.errors import DomainError

CURRENCY = "CNY"
FEN_PER_YUAN = 100
#: The largest single amount the sandbox accepts: 100 million yuan.
MAX_AMOUNT_FEN = 100_000_000 * FEN_PER_YUAN

_NUMBER = re.compile(r"^(?:\d{1,3}(?:,\d{3})+|\d*)(?:\.(\d*))?$")


def parse_amount(value: object, field: str = "ebank.amount") -> int:
    """The fen of a typed yuan amount ("12.34" -> 1234).

    Raises input.required, ledger.amount_invalid, ledger.amount_not_positive,
    ledger.amount_too_precise, ledger.amount_too_large (all naming ``field``).
    """
    if isinstance(value, bool) or isinstance(value, float):
        raise DomainError("ledger.amount_invalid", field=field, value=str(value)[:20])
    if isinstance(value, Decimal):
        text = format(value, "f")
    else:
        text = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    text = text.removeprefix("¥").removeprefix("CNY").strip().replace(" ", "")
    if not text:
        raise DomainError("input.required", field=field)
    shown = text[:20]
    if text.startswith("-"):
        digits = text[1:]
        if _NUMBER.match(digits) and any(ch.isdigit() for ch in digits):
            raise DomainError("ledger.amount_not_positive", field=field, value=shown)
        raise DomainError("ledger.amount_invalid", field=field, value=shown)
    text = text.removeprefix("+")
    match = _NUMBER.match(text)
    if not match or not any(ch.isdigit() for ch in text) or not text.isascii():
        raise DomainError("ledger.amount_invalid", field=field, value=shown)
    decimals = match.group(1)
    if decimals is not None and len(decimals) > 2:
        raise DomainError("ledger.amount_too_precise", field=field, value=shown)
    try:
        yuan = Decimal(text.replace(",", ""))
    except InvalidOperation:
        raise DomainError("ledger.amount_invalid", field=field, value=shown) from None
    fen = int(yuan * FEN_PER_YUAN)
    if fen <= 0:
        raise DomainError("ledger.amount_not_positive", field=field, value=shown)
    if fen > MAX_AMOUNT_FEN:
        raise DomainError("ledger.amount_too_large", field=field, max=format_fen(MAX_AMOUNT_FEN))
    return fen


def to_decimal(fen: int) -> Decimal:
    """Fen as a yuan Decimal with two places (for statements and displays)."""
    return (Decimal(int(fen)) / FEN_PER_YUAN).quantize(Decimal("0.01"))


def format_fen(fen: int, *, grouping: bool = True) -> str:
    """Fen as yuan text: 123456 -> "1,234.56" (or "1234.56" without grouping); negatives keep "-"."""
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), FEN_PER_YUAN)
    head = f"{whole:,}" if grouping else str(whole)
    return f"{sign}{head}.{cents:02d}"
