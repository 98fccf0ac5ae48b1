"""Digit strings typed by people and other systems (数字の入力).

``str.isdigit`` is true for every Unicode digit — ``'²'``, ``'٣'``, ``'①'`` — and ``int()``
refuses some of them (``int('²')`` raises) and reads others (``int('٣') == 3``). Numbers in juki
(addressee, household and change numbers, versions, counts) are ASCII digits only; input meant to
accept full-width digits normalises them (NFKC) before asking. Integers reaching the database must
also fit its 64-bit integer columns (``bigint``; SQLite's INTEGER).
"""

from __future__ import annotations

from typing import Any, TypeGuard

#: The range of a 64-bit signed integer column (PostgreSQL ``bigint``, SQLite ``INTEGER``).
INT64_MIN = -(2**63)
INT64_MAX = 2**63 - 1


def is_ascii_digits(text: Any) -> TypeGuard[str]:
    """True for a non-empty text of the digits 0-9 only (not ``'²'``, ``'１'`` or ``'٣'``)."""
    return isinstance(text, str) and text != "" and text.isascii() and text.isdigit()


def fits_int64(value: int) -> bool:
    """True if ``value`` fits a 64-bit signed integer column."""
    return INT64_MIN <= value <= INT64_MAX
