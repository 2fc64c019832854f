"""Translations: ``t(key, lang, **params)`` over the zh_CN and en message files.

Invariants: there is no process-global "current language" (all sessions share one process);
every call names its language. Both files hold the same keys (a test checks). A missing key
falls back to English, then to the key itself, so a page never crashes on a missing message.
"""

from __future__ import annotations

import tomllib
from functools import cache
from pathlib import Path
from typing import Any

LANGUAGES = ("zh_CN", "en")
LANGUAGE_NAMES = {"zh_CN": "简体中文", "en": "English"}
DEFAULT_LANGUAGE = "en"
_HERE = Path(__file__).parent


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for key, value in table.items():
        full = f"{prefix}.{key}" if prefix else key
        if isinstance(value, dict):
            _flatten(full, value, out)
        else:
            out[full] = str(value)


def message_files(lang: str) -> list[Path]:
    """``<lang>.toml`` then each area's ``<area>.<lang>.toml`` (b2b.en.toml ...), sorted."""
    return [_HERE / f"{lang}.toml", *sorted(_HERE.glob(f"*.{lang}.toml"))]


def _load(path: Path) -> dict[str, str]:
    with open(path, "rb") as fh:
        out: dict[str, str] = {}
        _flatten("", tomllib.load(fh), out)
        return out


@cache
def messages(lang: str) -> dict[str, str]:
    """All messages of one language, flattened to dotted keys (immutable reference data).
    A key defined in two files of one language is an error (ValueError)."""
    out: dict[str, str] = {}
    for path in message_files(lang):
        part = _load(path)
        twice = sorted(set(part) & set(out))
        if twice:
            raise ValueError(f"{path.name}: keys already defined in another message file: {twice[:5]}")
        out.update(part)
    return out


def normalize_language(value: str | None) -> str:
    """Map a browser locale or a stored preference ('zh-CN', 'zh_Hans', 'en-GB') to a language."""
    if not value:
        return DEFAULT_LANGUAGE
    low = value.replace("-", "_").lower()
    if low.startswith("zh"):
        return "zh_CN"
    if low.startswith("en"):
        return "en"
    return DEFAULT_LANGUAGE


class _Keep(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "{" + key + "}"


def t(key: str, lang: str, **params: Any) -> str:
    """The message ``key`` in ``lang`` with ``params`` filled in."""
    lang = lang if lang in LANGUAGES else DEFAULT_LANGUAGE
    text = messages(lang).get(key) or messages(DEFAULT_LANGUAGE).get(key) or key
    return text.format_map(_Keep(params)) if params else text
