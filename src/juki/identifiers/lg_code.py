"""地方公共団体コード (local-government code): 5 digits and a check digit.

Per 総務省「全国地方公共団体コード」: weights 6,5,4,3,2 on the first five digits;
check = 11 - (sum mod 11), taking the last digit of the result (so 10 -> 0 and 11 -> 1).
Example: Akita City 05201 -> 052019.
"""

from __future__ import annotations

from juki.core.digits import is_ascii_digits

from .errors import IdentifierError, normalise_digits

FIELD = "lg_code"

WEIGHTS = (6, 5, 4, 3, 2)


def check_digit(first5: str) -> str:
    if len(first5) != 5 or not is_ascii_digits(first5):
        raise IdentifierError("LGCODE_FORMAT", "地方公共団体コードの先頭5桁は半角数字5桁で指定してください。", FIELD)
    total = sum(int(c) * w for c, w in zip(first5, WEIGHTS, strict=True))
    return str((11 - total % 11) % 10)


def validate(raw: str) -> str:
    s = normalise_digits(raw)
    if not is_ascii_digits(s):
        raise IdentifierError("LGCODE_NOT_DIGITS", "地方公共団体コードは数字6桁で入力してください。", FIELD)
    if len(s) != 6:
        raise IdentifierError("LGCODE_LENGTH", f"地方公共団体コードは6桁です（入力は{len(s)}桁）。", FIELD)
    if check_digit(s[:5]) != s[5]:
        raise IdentifierError("LGCODE_CHECK_DIGIT", "地方公共団体コードの検査数字が正しくありません。", FIELD)
    return s


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except IdentifierError:
        return False
    return True
