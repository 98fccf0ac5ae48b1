"""Weighted modulus-11 check digits (検査数字) shared by the register's identifiers.

All three identifiers compute their check digit the same way — the sum of each payload digit
times a weight, taken modulo 11 — and differ only in their length, their weights and how the
remainder becomes a digit. Each module keeps its own as its source defines them:

- 個人番号: 行政手続における特定の個人を識別するための番号の利用等に関する法律施行令8条,
  平成26年総務省令第85号 第5条 (:mod:`.my_number`);
- 住民票コード: 住民基本台帳法施行規則1条, 平成14年総務省告示第436号 (:mod:`.resident_code`);
- 地方公共団体コード: 総務省「全国地方公共団体コード」(JIS X 0401 の都道府県コードを含む)
  (:mod:`.lg_code`).

This module holds the mechanics: the weighted remainder, and the validation every identifier
shares (full-width digits, spaces and hyphens accepted; refusals with stable codes and
Japanese messages that never echo the number). Plain Python, no Django.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from juki.core.digits import is_ascii_digits

from .errors import IdentifierError, normalise_digits

MODULUS = 11


def weighted_remainder(payload: str, weights: tuple[int, ...], modulus: int = MODULUS) -> int:
    """sum(P_n * Q_n) mod ``modulus``, with P_n the n-th digit of ``payload`` counted from the
    lowest and Q_n = ``weights[n - 1]`` (so ``weights`` is read from the lowest digit too)."""
    return sum(int(ch) * w for ch, w in zip(reversed(payload), weights, strict=True)) % modulus


def eleven_minus_or_zero(remainder: int) -> str:
    """11 - remainder, or 0 when the remainder is 0 or 1 (個人番号, 住民票コード)."""
    return "0" if remainder <= 1 else str(MODULUS - remainder)


@dataclass(frozen=True)
class CheckDigitScheme:
    """One identifier: its label and error-code prefix, its full length (check digit included),
    its weights (from the lowest payload digit) and its remainder → check digit rule."""

    label: str  # e.g. 個人番号, used in the refusal messages
    code: str  # error-code prefix, e.g. MYNUMBER -> MYNUMBER_CHECK_DIGIT
    field: str
    length: int
    weights: tuple[int, ...]
    digit: Callable[[int], str]

    def __post_init__(self) -> None:
        if len(self.weights) != self.length - 1:
            raise ValueError(f"{self.code}: {len(self.weights)} weights for {self.length - 1} payload digits")

    def check_digit(self, payload: str) -> str:
        """The check digit of the payload (every digit but the last)."""
        n = self.length - 1
        if len(payload) != n or not is_ascii_digits(payload):
            raise IdentifierError(f"{self.code}_FORMAT", f"{self.label}の先頭{n}桁は半角数字{n}桁で指定してください。",
                                  self.field)
        return self.digit(weighted_remainder(payload, self.weights))

    def validate(self, raw: str) -> str:
        """The identifier as ASCII digits, or :class:`IdentifierError` naming the fault."""
        s = normalise_digits(raw)
        if not is_ascii_digits(s):
            raise IdentifierError(f"{self.code}_NOT_DIGITS", f"{self.label}は数字{self.length}桁で入力してください。",
                                  self.field)
        if len(s) != self.length:
            raise IdentifierError(f"{self.code}_LENGTH", f"{self.label}は{self.length}桁です（入力は{len(s)}桁）。",
                                  self.field)
        if self.check_digit(s[:-1]) != s[-1]:
            raise IdentifierError(f"{self.code}_CHECK_DIGIT", f"{self.label}の検査数字が正しくありません。", self.field)
        return s


def is_valid(validate: Callable[[str], str], raw: str) -> bool:
    """Whether ``validate`` accepts ``raw`` (an identifier module's ``is_valid``)."""
    try:
        validate(raw)
    except IdentifierError:
        return False
    return True
