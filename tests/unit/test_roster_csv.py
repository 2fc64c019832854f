"""Reading a roster CSV as teachers export it (Excel, WPS, Notepad): every refusal names its line."""

from __future__ import annotations

import pytest

from sandbox.errors import DomainError
from sandbox.i18n import t
from sandbox.identity.services import ROSTER_MAX_LINES, parse_roster

THREE = "2026001,Ann Lee\n2026002,Bob Wu\n2026003,Cai Hong\n"


def refusal(data):
    with pytest.raises(DomainError) as info:
        parse_roster(data)
    return info.value


def test_a_plain_roster_gives_number_name_and_user_name_per_line():
    assert parse_roster(THREE) == [
        (1, "2026001", "Ann Lee", "2026001"),
        (2, "2026002", "Bob Wu", "2026002"),
        (3, "2026003", "Cai Hong", "2026003"),
    ]


@pytest.mark.parametrize("header", ["学号,姓名", "student number,name", "Student_Number,Name,Username", "No,Name"])
def test_a_header_line_is_optional(header):
    rows = parse_roster(f"{header}\n{THREE}")
    assert [r[1] for r in rows] == ["2026001", "2026002", "2026003"]
    assert rows[0][0] == 2  # line numbers still count the header


def test_a_third_column_chooses_the_user_name():
    assert parse_roster("2026001,Ann Lee,ann.lee\n2026002,Bob Wu,\n") == [
        (1, "2026001", "Ann Lee", "ann.lee"),
        (2, "2026002", "Bob Wu", "2026002"),
    ]


def test_gb18030_bytes_from_chinese_excel_are_read():
    data = "学号,姓名\n2026001,张三\n2026002,李四\n".encode("gb18030")
    assert [(r[1], r[2]) for r in parse_roster(data)] == [("2026001", "张三"), ("2026002", "李四")]


def test_a_utf8_byte_order_mark_does_not_hide_the_header():
    data = "\ufeff学号,姓名\n2026001,张三\n".encode()
    assert parse_roster(data) == [(2, "2026001", "张三", "2026001")]


def test_a_byte_order_mark_in_already_decoded_text_does_not_hide_the_header():
    assert parse_roster("\ufeff学号,姓名\r\n2026001,张三\r\n") == [(2, "2026001", "张三", "2026001")]


@pytest.mark.parametrize("newline", ["\r\n", "\r", "\n"])
def test_windows_old_mac_and_unix_line_ends_all_work(newline):
    assert len(parse_roster(THREE.replace("\n", newline))) == 3


def test_quoted_cells_and_blank_lines_are_fine():
    rows = parse_roster('"2026001","Lee, Ann"\n\n  \n2026002 , Bob Wu \n')
    assert [(r[0], r[2]) for r in rows] == [(1, "Lee, Ann"), (4, "Bob Wu")]


def test_bytes_that_are_neither_utf8_nor_gb18030_are_refused():
    assert refusal(b"2026001,\x80\xff\n").code == "roster.encoding"


@pytest.mark.parametrize(
    ("text", "code", "line"),
    [
        ("2026001,Ann\n2026002,Bob\n2026003\n", "roster.columns", 3),
        ("2026001,Ann\n2026002,Bob\n2026003,Cai,cai,extra\n", "roster.columns", 3),
        ("2026001,Ann\n2026002,\n", "roster.bad_value", 2),
        ("2026001,Ann\n2026002,Bob\n2026003,Cai,bad name!\n", "roster.bad_value", 3),
        ("2026001,Ann\n2026002,Bob\x00\n", "roster.bad_value", 2),
        ("2026001,Ann\n2026002,Bob\n2026001,Cai\n", "roster.duplicate", 3),
        ("2026001,Ann\n2026002,Bob\n2026003," + "x" * 200_000 + "\n", "roster.malformed", 3),
    ],
)
def test_a_bad_line_is_named_by_its_number(text, code, line):
    err = refusal(text)
    assert (err.code, err.params["line"], err.field) == (code, line, "roster")


def test_a_duplicate_number_names_both_lines():
    err = refusal("2026001,Ann\n2026002,Bob\n\n2026001,Cai\n")
    assert (err.code, err.params) == ("roster.duplicate", {"line": 4, "other": 1})


def test_a_bad_value_carries_what_its_reason_message_needs():
    err = refusal("2026001,Ann\n2026002," + "B" * 101 + "\n")
    assert err.params["reason"] == "input.too_long"
    for lang in ("en", "zh_CN"):
        reason = t(err.params["reason"], lang, **{**err.params, "field": "x"})
        assert "{" not in reason and "100" in reason


@pytest.mark.parametrize("text", ["", "\n\n", "学号,姓名\n", b""])
def test_a_roster_without_students_is_refused(text):
    assert refusal(text).code == "roster.empty"


def test_a_roster_may_hold_up_to_the_limit_and_no_more():
    lines = [f"{2026_00000 + i},Student {i}" for i in range(ROSTER_MAX_LINES + 1)]
    assert len(parse_roster("\n".join(lines[:-1]))) == ROSTER_MAX_LINES
    err = refusal("\n".join(lines))
    assert (err.code, err.params) == ("roster.too_long", {"max": ROSTER_MAX_LINES})


def test_html_in_a_name_is_kept_as_text():
    [(_, _, name, _)] = parse_roster('2026001,"<script>alert(1)</script>"\n')
    assert name == "<script>alert(1)</script>"
