"""Digits in juki mean ASCII 0-9 (juki.core.digits): ``str.isdigit`` accepts every Unicode digit —
``'²'`` (which ``int`` refuses) and ``'٣'`` (which ``int`` reads as 3) — so no code asks it."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import juki
from juki.core.digits import fits_int64, is_ascii_digits

SRC = Path(juki.__file__).parent


@pytest.mark.parametrize("text", ["0", "0123456789", "9" * 40])
def test_ascii_digits(text):
    assert is_ascii_digits(text)


@pytest.mark.parametrize("text", ["", "²", "1²", "１", "٣", "①", "-1", "1.0", " 1", None, 1])
def test_anything_else_is_not(text):
    assert not is_ascii_digits(text)


def test_the_64_bit_range():
    assert fits_int64(2**63 - 1) and fits_int64(-(2**63))
    assert not fits_int64(2**63) and not fits_int64(-(2**63) - 1)


def test_no_code_asks_str_isdigit_isdecimal_or_isnumeric():
    pattern = re.compile(r"\.(isdigit|isdecimal|isnumeric)\(")
    offenders = [f"{p.relative_to(SRC)}:{n}" for p in SRC.rglob("*.py") if p.name != "digits.py"
                 for n, line in enumerate(p.read_text(encoding="utf-8").splitlines(), 1) if pattern.search(line)]
    assert offenders == []
