"""Typed errors for identifier validation."""

from __future__ import annotations


class IdentifierError(ValueError):
    """An identifier failed validation. ``code`` is stable; ``message`` is Japanese."""

    def __init__(self, code: str, message: str):
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message


def normalise_digits(raw: str) -> str:
    """Accept full-width digits, spaces and hyphens (as clerks and forms type them)."""
    table = str.maketrans("０１２３４５６７８９", "0123456789", " 　-‐－−ー")
    return str(raw).translate(table)
