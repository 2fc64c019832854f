"""Amounts typed at the edge become integer fen, or a clear refusal naming the field."""

from __future__ import annotations

from decimal import Decimal

import pytest

from sandbox.errors import DomainError
from sandbox.ledger.money import MAX_AMOUNT_FEN, format_fen, parse_amount, to_decimal


@pytest.mark.parametrize(
    ("typed", "fen"),
    [
        ("12.34", 1234), ("12", 1200), ("12.3", 1230), ("0.01", 1), ("1,234.50", 123450), (" 7.5 ", 750),
        ("１２．３４", 1234), ("¥99", 9900), ("￥0.10", 10), ("+3", 300), (".5", 50), ("5.", 500),
        (Decimal("2.50"), 250), ("100000000", MAX_AMOUNT_FEN),
    ],
)
def test_a_typed_amount_becomes_fen(typed, fen):
    assert parse_amount(typed) == fen


@pytest.mark.parametrize(
    ("typed", "code"),
    [
        ("0", "ledger.amount_not_positive"), ("0.00", "ledger.amount_not_positive"),
        ("-5", "ledger.amount_not_positive"), ("-0.01", "ledger.amount_not_positive"),
        ("1.234", "ledger.amount_too_precise"), ("0.001", "ledger.amount_too_precise"),
        ("1.230", "ledger.amount_too_precise"),
        ("abc", "ledger.amount_invalid"), ("1e3", "ledger.amount_invalid"), ("NaN", "ledger.amount_invalid"),
        ("Infinity", "ledger.amount_invalid"), ("1,23", "ledger.amount_invalid"), ("12.3.4", "ledger.amount_invalid"),
        ("--5", "ledger.amount_invalid"), (".", "ledger.amount_invalid"), ("٣", "ledger.amount_invalid"),
        (1.5, "ledger.amount_invalid"), (True, "ledger.amount_invalid"),
        ("", "input.required"), ("   ", "input.required"), (None, "input.required"),
        ("100000000.01", "ledger.amount_too_large"), ("99999999999999999999", "ledger.amount_too_large"),
    ],
)
def test_bad_amounts_are_refused_naming_the_field(typed, code):
    with pytest.raises(DomainError) as caught:
        parse_amount(typed, "ebank.amount")
    assert caught.value.code == code
    assert caught.value.field == "ebank.amount"


@pytest.mark.parametrize(("fen", "text"), [(0, "0.00"), (1, "0.01"), (123456, "1,234.56"), (-250, "-2.50")])
def test_fen_is_shown_as_yuan(fen, text):
    assert format_fen(fen) == text
    assert format_fen(fen, grouping=False) == text.replace(",", "")
    assert to_decimal(fen) == Decimal(text.replace(",", ""))


def test_formatting_and_parsing_round_trip():
    for fen in (1, 9, 10, 99, 100, 12345, 100_000_001, MAX_AMOUNT_FEN):
        assert parse_amount(format_fen(fen)) == fen
