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
告示 turns out to differ, only :data:`WEIGHTS` and the digit rule of :data:`SCHEME` change
(the mechanics are :mod:`.check_digits`).

Plain Python, no Django.
"""

from __future__ import annotations

from . import check_digits

LENGTH = 11
FIELD = "resident_code"

#: Q_n = (n - 1) mod 6 + 2 for the n-th payload digit counted from the lowest (n = 1..10).
WEIGHTS = tuple((n - 1) % 6 + 2 for n in range(1, LENGTH))

SCHEME = check_digits.CheckDigitScheme(label="住民票コード", code="RESIDENT_CODE", field=FIELD, length=LENGTH,
                                       weights=WEIGHTS, digit=check_digits.eleven_minus_or_zero)


def check_digit(first10: str) -> str:
    """Check digit for the ten random digits."""
    return SCHEME.check_digit(first10)


def validate(raw: str) -> str:
    """Return the 11 ASCII digits or raise :class:`IdentifierError` naming the fault.

    Full-width digits, spaces and hyphens are accepted (as clerks and forms type them).
    """
    return SCHEME.validate(raw)


def is_valid(raw: str) -> bool:
    return check_digits.is_valid(validate, raw)
