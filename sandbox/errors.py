"""Domain errors: a code that is an i18n key, plus parameters. Never an English sentence.

Only the UI turns a DomainError into a zh/en message (``sandbox.i18n.t(err.code, lang, **err.params)``).
A service that raises one has changed nothing: the unit of work rolls the transaction back.
"""

from __future__ import annotations

from typing import Any


class DomainError(Exception):
    """A business rule refused the request. ``field`` names the form field at fault, if any."""

    def __init__(self, code: str, *, field: str | None = None, **params: Any) -> None:
        super().__init__(code)
        self.code = code
        self.field = field
        self.params = params

    def __repr__(self) -> str:
        return f"DomainError({self.code!r}, field={self.field!r}, {self.params!r})"
