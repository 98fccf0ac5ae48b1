"""住民票コード (resident record code): 11 digits — 10 random digits and a check digit.

住民基本台帳法施行規則（平成11年自治省令第35号）第1条: a resident code is ten randomly made
digits followed by one check digit (検査数字) computed by the formula the Minister fixes in
「住民基本台帳法施行規則第一条第二号の規定に基づき、同号の総務大臣が定める算式を定める件」
(平成14年総務省告示第436号, 官報 2002-07-25 p. 6).

**The formula below is unconfirmed.** We could not obtain the text of 告示436号. Until it is
checked against the 官報, juki uses modulus 11 with weights 2, 3, 4, 5, 6, 7 cycling from the
lowest digit (the same family as the My Number formula of 総務省令85号 第5条):

    P_n = the n-th digit of the first ten, counted from the lowest (n = 1..10)
    Q_n = (n - 1) mod 6 + 2                      -> 2,3,4,5,6,7,2,3,4,5
    check = 11 - (sum(P_n * Q_n) mod 11), or 0 when the remainder is 0 or 1

Like every "remainder 0 or 1 gives 0" rule, a single substituted digit that moves the
remainder between 0 and 1 goes undetected; any other single-digit error is caught. If the
告示 turns out to differ, only :func:`check_digit` changes.

Plain Python, no Django.
"""

from __future__ import annotations

from juki.core.digits import is_ascii_digits

from .errors import IdentifierError, normalise_digits

LENGTH = 11
FIELD = "resident_code"


def _weight(n: int) -> int:
    """Weight of the n-th payload digit counted from the lowest (n >= 1)."""
    return (n - 1) % 6 + 2


def check_digit(first10: str) -> str:
    """Check digit for the ten random digits."""
    if len(first10) != 10 or not is_ascii_digits(first10):
        raise IdentifierError(
            "RESIDENT_CODE_FORMAT", "住民票コードの先頭10桁は半角数字10桁で指定してください。", FIELD
        )
    total = sum(int(ch) * _weight(n) for n, ch in enumerate(reversed(first10), start=1))
    remainder = total % 11
    return "0" if remainder <= 1 else str(11 - remainder)


def validate(raw: str) -> str:
    """Return the 11 ASCII digits or raise :class:`IdentifierError` naming the fault.

    Full-width digits, spaces and hyphens are accepted (as clerks and forms type them).
    """
    s = normalise_digits(raw)
    if not is_ascii_digits(s):
        raise IdentifierError("RESIDENT_CODE_NOT_DIGITS", "住民票コードは数字11桁で入力してください。", FIELD)
    if len(s) != LENGTH:
        raise IdentifierError(
            "RESIDENT_CODE_LENGTH", f"住民票コードは11桁です（入力は{len(s)}桁）。", FIELD
        )
    if check_digit(s[:10]) != s[10]:
        raise IdentifierError("RESIDENT_CODE_CHECK_DIGIT", "住民票コードの検査数字が正しくありません。", FIELD)
    return s


def is_valid(raw: str) -> bool:
    try:
        validate(raw)
    except IdentifierError:
        return False
    return True
