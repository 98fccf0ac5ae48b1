"""Typed errors for identifier validation (番号の検査エラー)."""

from __future__ import annotations

from juki.core.errors import ValidationFailed


class IdentifierError(ValidationFailed, ValueError):
    """An identifier failed validation. ``code`` is stable; ``message`` is Japanese.

    It is a :class:`juki.core.errors.JukiError` (so views and the API turn it into a 400
    problem response like any other refusal) and a :class:`ValueError` (so plain Python
    callers, e.g. other systems importing :mod:`juki.identifiers`, can catch it as one).
    """

    def __init__(self, code: str, message: str, field: str | None = None):
        super().__init__(code=code, message=message, field=field)


def normalise_digits(raw: str) -> str:
    """Accept full-width digits, spaces and hyphens (as clerks and forms type them)."""
    table = str.maketrans("０１２３４５６７８９", "0123456789", " 　-‐－−ー")
    return str(raw).translate(table)
