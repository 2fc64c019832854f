"""What users may type: normalised text, refused control characters, one identity per user name."""

from __future__ import annotations

import sys
import unicodedata

import pytest

from sandbox.errors import DomainError
from sandbox.identity.services import normalize_code
from sandbox.validation import check_new_password, clean_text, clean_username, username_key


def refusal(func, *args, **kwargs) -> DomainError:
    with pytest.raises(DomainError) as info:
        func(*args, **kwargs)
    return info.value


def test_text_is_kept_as_typed_nfc_normalised_and_stripped():
    # a Chinese sentence keeps its full-width punctuation; combining marks are composed (NFC)
    assert clean_text("  你好，世界！（测试）　", "note", max_len=20) == "你好，世界！（测试）"
    assert clean_text("Cafe\u0301", "note", max_len=10) == "Caf\u00e9"


def test_codes_and_numbers_are_folded_to_ascii():
    assert clean_text("  ＡＢＣ　１２３ ", "number", max_len=10, fold=True) == "ABC 123"
    assert clean_username("ｌｉｎ＿０１") == "lin_01"


def test_required_text_may_not_be_blank():
    for blank in ("", "   ", "\u3000", None):
        err = refusal(clean_text, blank, "name", max_len=10)
        assert (err.code, err.field) == ("input.required", "name")
    assert clean_text("", "name", max_len=10, required=False) == ""


def test_over_long_text_is_refused_with_its_limit():
    err = refusal(clean_text, "x" * 11, "name", max_len=10)
    assert (err.code, err.field, err.params) == ("input.too_long", "name", {"max": 10})
    assert clean_text("x" * 10, "name", max_len=10) == "x" * 10


def test_every_control_character_inside_text_is_refused():
    controls = [chr(c) for c in range(sys.maxunicode + 1) if unicodedata.category(chr(c)) == "Cc" and chr(c) != "\t"]
    assert len(controls) == 64  # C0, DEL and C1, without the tab
    accepted = []
    for char in controls:
        try:
            clean_text(f"Ann{char}Lee", "full_name", max_len=100)
        except DomainError as err:
            assert (err.code, err.field) == ("input.bad_chars", "full_name")
        else:
            accepted.append(f"U+{ord(char):04X}")
    assert accepted == []


def test_line_breaks_are_allowed_only_in_multiline_text():
    assert clean_text("line one\nline two", "body", max_len=100, multiline=True) == "line one\nline two"
    assert refusal(clean_text, "Ann\rLee", "body", max_len=100).code == "input.bad_chars"
    assert refusal(clean_text, "a\x00b", "body", max_len=100, multiline=True).code == "input.bad_chars"


def test_html_is_just_text():
    assert clean_text("<script>alert('x')</script>", "name", max_len=100) == "<script>alert('x')</script>"


@pytest.mark.parametrize("typed", ["Ann", "ANN", "ＡＮＮ", "ａｎｎ", " ann "])
def test_user_names_differing_in_case_or_width_are_one_identity(typed):
    assert username_key(typed) == "ann"


@pytest.mark.parametrize("name", ["ann", "ann.lee", "ann_lee-2", "张三丰", "2026001", "ῷ" * 10])
def test_good_user_names(name):
    assert clean_username(name) == name


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("", "input.required"),
        ("ab", "input.bad_username"),
        ("ann lee", "input.bad_username"),
        ("ann@example.com", "input.bad_username"),
        ("<b>ann</b>", "input.bad_username"),
        ("a" * 33, "input.too_long"),
        ("ῷ" * 32, "input.bad_username"),  # case-folds to 96 characters: would not fit the key column
    ],
)
def test_bad_user_names(name, code):
    err = refusal(clean_username, name)
    assert (err.code, err.field) == (code, "username")


def test_a_user_name_key_always_fits_its_column():
    for name in ("ß" * 32, "ﬃ" * 10, "İ" * 32):
        try:
            accepted = clean_username(name)
        except DomainError:
            continue
        assert len(username_key(accepted)) <= 64


def test_new_passwords_have_a_minimum_and_a_maximum_length():
    assert check_new_password("12345678") == "12345678"
    err = refusal(check_new_password, "1234567")
    assert (err.code, err.params, err.field) == ("input.password_short", {"min": 8}, "password")
    assert refusal(check_new_password, " " * 8).code == "input.password_short"
    assert refusal(check_new_password, "p" * 129).code == "input.too_long"
    assert check_new_password("p" * 128) == "p" * 128


def test_a_new_password_must_match_its_confirmation():
    err = refusal(check_new_password, "correct-horse-1", "correct-horse-2", field="new_password")
    assert (err.code, err.field) == ("input.password_mismatch", "new_password_confirm")
    assert check_new_password("correct-horse-1", "correct-horse-1") == "correct-horse-1"


@pytest.mark.parametrize("typed", ["ABCD2345", "abcd-2345", " abcd 2345 ", "ａｂｃｄ－２３４５"])
def test_enrollment_codes_are_read_as_typed(typed):
    assert normalize_code(typed) == "ABCD2345"
