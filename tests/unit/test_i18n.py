"""Both languages say everything, with the same placeholders; every error a service raises has a message."""

from __future__ import annotations

import ast
import string
from pathlib import Path

import pytest

from sandbox.config import PROJECT_ROOT
from sandbox.i18n import LANGUAGES, messages, normalize_language, t

SANDBOX = PROJECT_ROOT / "sandbox"
# Checkers that raise input.* errors naming a form field: (position of the field argument, its default).
FIELD_CHECKERS = {"clean_text": (1, None), "clean_username": (1, "username"), "check_new_password": (2, "password")}


def placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name is not None}


def engine_sources() -> list[Path]:
    return [p for p in SANDBOX.rglob("*.py") if "ui" not in p.relative_to(SANDBOX).parts[:1]]


def calls(name: str) -> list[tuple[Path, ast.Call]]:
    """Every call of a function called ``name`` in the engine (not the UI)."""
    found = []
    for path in engine_sources():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Call):
                func = node.func
                called = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else ""
                if called == name:
                    found.append((path, node))
    return found


def raise_sites() -> list[tuple[str, set[str], bool, str]]:
    """(code, param names, passes field=, where) for every DomainError the engine can raise."""
    sites = []
    for path, call in calls("DomainError"):
        where = f"{path.relative_to(PROJECT_ROOT)}:{call.lineno}"
        assert call.args and isinstance(call.args[0], ast.Constant), f"{where}: error code must be a literal"
        kwargs = {kw.arg for kw in call.keywords if kw.arg}
        splat = any(kw.arg is None for kw in call.keywords)
        sites.append((call.args[0].value, kwargs - {"field"} | ({"*"} if splat else set()), "field" in kwargs, where))
    return sites


def test_both_languages_have_the_same_messages():
    en, zh = messages("en"), messages("zh_CN")
    assert sorted(set(en) - set(zh)) == []
    assert sorted(set(zh) - set(en)) == []


@pytest.mark.parametrize("lang", LANGUAGES)
def test_no_message_is_empty(lang):
    assert [k for k, v in messages(lang).items() if not v.strip()] == []


def test_each_message_has_the_same_placeholders_in_both_languages():
    en, zh = messages("en"), messages("zh_CN")
    differ = {k: (placeholders(en[k]), placeholders(zh[k])) for k in en if placeholders(en[k]) != placeholders(zh[k])}
    assert differ == {}


def test_the_error_walk_finds_the_errors_we_know():
    codes = {code for code, *_ in raise_sites()}
    assert {"auth.bad_credentials", "setup.done", "roster.bad_value", "input.required"} <= codes


def test_every_error_the_engine_raises_has_a_message_in_both_languages():
    missing = [
        (where, code, lang) for code, _, _, where in raise_sites() for lang in LANGUAGES if code not in messages(lang)
    ]
    assert missing == []


def test_every_placeholder_of_an_error_message_is_supplied_where_it_is_raised():
    unfilled = []
    for code, params, has_field, where in raise_sites():
        needed = placeholders(messages("en")[code]) - {"field"}
        if needed - params and "*" not in params:  # "*": more parameters passed on from another error
            unfilled.append((where, code, sorted(needed - params)))
        if "field" in placeholders(messages("en")[code]) and not has_field:
            unfilled.append((where, code, ["field"]))
    assert unfilled == []


def field_argument(call: ast.Call, position: int, default: str | None) -> str | None:
    for kw in call.keywords:
        if kw.arg == "field":
            return kw.value.value if isinstance(kw.value, ast.Constant) else None
    if len(call.args) > position:
        arg = call.args[position]
        return arg.value if isinstance(arg, ast.Constant) else None
    return default


def test_every_form_field_an_error_can_name_has_a_label():
    fields: set[str] = set()
    for _, call in calls("DomainError"):
        fields.add(field_argument(call, 99, None))
    for name, (position, default) in FIELD_CHECKERS.items():
        for _, call in calls(name):
            field = field_argument(call, position, default)
            fields.add(field)
            if name == "check_new_password" and field:  # a mismatch names "<field>_confirm"
                fields.add(f"{field}_confirm")
    fields.discard(None)
    assert {"old_password", "new_password", "new_password_confirm", "password_confirm", "enrollment_code"} <= fields
    unlabelled = sorted((f, lang) for f in fields for lang in LANGUAGES if f"field.{f}" not in messages(lang))
    assert unlabelled == []


def test_roster_reasons_render_fully_with_the_params_they_bring():
    for lang in LANGUAGES:
        reason = t("input.too_long", lang, field=t("field.roster_value", lang), max=100)
        line = t("roster.bad_value", lang, line=3, reason=reason)
        assert "3" in line and "100" in line and "{" not in line


def test_t_fills_placeholders_in_the_language_asked():
    assert t("auth.slow_down", "en", seconds=31) == (
        "Too many failed attempts for this user name. Please wait 31 seconds and try again."
    )
    assert "31" in t("auth.slow_down", "zh_CN", seconds=31)
    assert t("auth.slow_down", "zh_CN", seconds=31) != t("auth.slow_down", "en", seconds=31)


def test_t_never_crashes_on_an_unknown_language_key_or_missing_param():
    assert t("auth.bad_credentials", "fr") == t("auth.bad_credentials", "en")
    assert t("no.such.key", "zh_CN") == "no.such.key"
    assert "{seconds}" in t("auth.slow_down", "en", other=1)


def test_a_param_holding_braces_is_not_formatted_again():
    assert t("identity.username_taken", "en", username="{0}{x}").count("{0}{x}") == 1


@pytest.mark.parametrize(
    ("browser", "lang"),
    [("zh-CN", "zh_CN"), ("zh_Hans", "zh_CN"), ("zh-TW", "zh_CN"), ("en-GB", "en"), ("fr-FR", "en"), (None, "en")],
)
def test_the_browser_language_picks_the_ui_language(browser, lang):
    assert normalize_language(browser) == lang
