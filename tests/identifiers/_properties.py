"""Shared property checks for check-digit identifiers (one module per identifier uses them)."""

from __future__ import annotations

from collections.abc import Callable

FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


def substitute(s: str, position: int, digit: str) -> str:
    return s[:position] + digit + s[position + 1:]


def undetected_substitutions(payload: str, check_digit: Callable[[str], str]) -> list[tuple[int, str]]:
    """Every single-digit substitution in the payload that leaves the check digit unchanged."""
    original = check_digit(payload)
    missed = []
    for position in range(len(payload)):
        for digit in "0123456789":
            if digit != payload[position]:
                if check_digit(substitute(payload, position, digit)) == original:
                    missed.append((position, digit))
    return missed
