"""Checks for user-typed text, shared by every service.

Invariants: text is stripped and NFC-normalised — what the student typed, full-width Chinese
punctuation (，。！（）) included; numbers, codes, phone numbers and user names are NFKC-folded
instead (``fold=True``: full-width letters and digits become ASCII, so "１２３" matches "123").
Control characters, empty required values and over-long values are refused with a DomainError
naming the field. HTML is *allowed* as
text (a student may type "<b>"); it is never rendered as HTML, only shown as text.
"""

from __future__ import annotations

import re
import unicodedata

from sandbox.errors import DomainError

USERNAME_RE = re.compile(r"^[\w.\-]+$")
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f]")  # C0 and C1 controls; tab allowed


def clean_text(
    value: object, field: str, *, max_len: int, required: bool = True, multiline: bool = False, fold: bool = False
) -> str:
    """The normalised text of ``value`` (NFC; NFKC with ``fold``), or DomainError
    ``input.required|too_long|bad_chars``."""
    text = unicodedata.normalize("NFKC" if fold else "NFC", str(value or "")).strip()
    if required and not text:
        raise DomainError("input.required", field=field)
    if len(text) > max_len:
        raise DomainError("input.too_long", field=field, max=max_len)
    if _CONTROL.search(text) or (not multiline and ("\n" in text or "\r" in text)):
        raise DomainError("input.bad_chars", field=field)
    return text


def username_key(username: str) -> str:
    """The identity of a user name: NFKC (full-width to ASCII) and case-folded."""
    return unicodedata.normalize("NFKC", username).strip().casefold()


def clean_username(value: object, field: str = "username") -> str:
    """A user name of 3-32 letters, digits, '.', '_' or '-' (CJK letters allowed)."""
    name = clean_text(value, field, max_len=32, fold=True)
    if len(name) < 3 or not USERNAME_RE.match(name) or len(username_key(name)) > 64:  # key column is 64 wide
        raise DomainError("input.bad_username", field=field)
    return name


def check_new_password(password: object, confirm: object | None = None, field: str = "password") -> str:
    """A new password: 8-128 characters, not all blank; equal to ``confirm`` when given."""
    text = str(password or "")
    if len(text) < 8 or not text.strip():
        raise DomainError("input.password_short", field=field, min=8)
    if len(text) > 128:
        raise DomainError("input.too_long", field=field, max=128)
    if confirm is not None and text != str(confirm or ""):
        raise DomainError("input.password_mismatch", field=f"{field}_confirm")
    return text
