"""個人番号 (Individual Number, "My Number"): 12 digits, the last a check digit.

Check digit per 行政手続における特定の個人を識別するための番号の利用等に関する法律施行令
第八条 / 平成26年総務省令第85号 第5条: with P_n the n-th digit counted from the lowest of
the first eleven, Q_n = n + 1 for 1 <= n <= 6 and n - 5 for 7 <= n <= 11;
check = 11 - (sum(P_n * Q_n) mod 11), or 0 when the remainder is 0 or 1.
"""

from __future__ import annotations

from juki.core.digits import is_ascii_digits

from .errors import IdentifierError, normalise_digits

FIELD = "my_number"

LENGTH = 12


def check_digit(first11: str) -> str:
    """Check digit for the first eleven digits."""
    if len(first11) != 11 or not is_ascii_digits(first11):
        raise IdentifierError("MYNUMBER_FORMAT", "個人番号の先頭11桁は半角数字11桁で指定してください。", FIELD)
    total = 0
    for n, ch in enumerate(reversed(first11), start=1):
        weight = n + 1 if n <= 6 else n - 5
        total += int(ch) * weight
    remainder = total % 11
    return "0" if remainder <= 1 else str(11 - remainder)


def validate(raw: str) -> str:
    """Return the 12 ASCII digits or raise :class:`IdentifierError` naming the fault."""
    s = normalise_digits(raw)
    if not is_ascii_digits(s):
        raise IdentifierError("MYNUMBER_NOT_DIGITS", "個人番号は数字12桁で入力してください。", FIELD)
    if len(s) != LENGTH:
        raise IdentifierError("MYNUMBER_LENGTH", f"個人番号は12桁です（入力は{len(s)}桁）。", FIELD)
    if check_digit(s[:11]) != s[11]:
        raise IdentifierError("MYNUMBER_CHECK_DIGIT", "個人番号の検査数字が正しくありません。", FIELD)
    return s


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except IdentifierError:
        return False
    return True
