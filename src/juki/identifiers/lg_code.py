"""地方公共団体コード (local-government code): 5 digits and a check digit.

Per 総務省「全国地方公共団体コード」 (its first two digits are the JIS X 0401 prefecture code):
weights 6,5,4,3,2 on the first five digits;
check = 11 - (sum mod 11), taking the last digit of the result (so 10 -> 0 and 11 -> 1).
Example: Akita City 05201 -> 052019.
"""

from __future__ import annotations

from . import check_digits

FIELD = "lg_code"

#: The 総務省 weights on the first five digits, from the highest.
WEIGHTS = (6, 5, 4, 3, 2)


def _digit(remainder: int) -> str:
    """11 - remainder, keeping its last digit (remainder 1 gives 0 and remainder 0 gives 1)."""
    return str((check_digits.MODULUS - remainder) % 10)


SCHEME = check_digits.CheckDigitScheme(
    label="地方公共団体コード", code="LGCODE", field=FIELD, length=6, weights=tuple(reversed(WEIGHTS)), digit=_digit)


def check_digit(first5: str) -> str:
    return SCHEME.check_digit(first5)


def validate(raw: str) -> str:
    return SCHEME.validate(raw)


def is_valid(raw: str) -> bool:
    return check_digits.is_valid(validate, raw)
