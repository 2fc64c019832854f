"""Card / account numbers, corporate user numbers and payment passwords.

Invariants: an account number is 16 ASCII digits beginning with the sandbox bank's BIN
``622888`` and ending with a Luhn check digit (like a UnionPay card); typed numbers may contain
blanks or hyphens, which are dropped. Only masked numbers (first 6, last 4) go into
notifications and logs meant for another party. A payment password is exactly 6 digits.
"""

from __future__ import annotations

import secrets
import unicodedata

from sandbox.errors import DomainError

BIN = "622888"
NUMBER_LENGTH = 16
USER_NUMBER_PREFIX = "C"


def luhn_digit(payload: str) -> str:
    """The Luhn check digit that completes ``payload`` (digits only)."""
    total = 0
    for i, ch in enumerate(reversed(payload)):
        d = int(ch)
        if i % 2 == 0:
            d *= 2
            if d > 9:
                d -= 9
        total += d
    return str((10 - total % 10) % 10)


def luhn_ok(number: str) -> bool:
    return number.isdigit() and number.isascii() and len(number) >= 2 and luhn_digit(number[:-1]) == number[-1]


def new_account_number() -> str:
    body = BIN + "".join(secrets.choice("0123456789") for _ in range(NUMBER_LENGTH - len(BIN) - 1))
    return body + luhn_digit(body)


def new_user_number() -> str:
    """A corporate online-banking user number (用户编号), e.g. C40281736."""
    return USER_NUMBER_PREFIX + str(secrets.randbelow(90_000_000) + 10_000_000)


def clean_account_number(value: object, field: str = "ebank.to_account") -> str:
    """A typed account number as 16 digits; ``ebank.bad_account_number`` if it cannot be one."""
    text = unicodedata.normalize("NFKC", str(value or "")).strip().replace(" ", "").replace("-", "")
    if not text:
        raise DomainError("input.required", field=field)
    if not (text.isdigit() and text.isascii()) or len(text) != NUMBER_LENGTH or not luhn_ok(text):
        raise DomainError("ebank.bad_account_number", field=field, number=text[:24])
    return text


def clean_user_number(value: object, field: str = "ebank.user_number") -> str:
    text = unicodedata.normalize("NFKC", str(value or "")).strip().upper()
    if not text:
        raise DomainError("input.required", field=field)
    return text[:16]


def mask(number: str) -> str:
    """6222 88** **** 1234 style: first 6 and last 4 digits only."""
    return number[:6] + "*" * max(0, len(number) - 10) + number[-4:]


def group(number: str) -> str:
    """The number in blocks of four, for reading aloud: 6228 8812 3456 7890."""
    return " ".join(number[i : i + 4] for i in range(0, len(number), 4))


def check_payment_password(value: object, confirm: object | None = None, field: str = "ebank.payment_password") -> str:
    """A new payment password: exactly 6 digits (and equal to ``confirm`` when given)."""
    text = str(value or "")
    if not (len(text) == 6 and text.isdigit() and text.isascii()):
        raise DomainError("ebank.payment_password_format", field=field)
    if confirm is not None and text != str(confirm or ""):
        raise DomainError("input.password_mismatch", field=f"{field}_confirm")
    return text
