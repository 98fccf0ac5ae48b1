"""Random draws of the demo city (乱数): weighted choice, a fast ``random.Random``, unique
number series, and the dates and numbers every part of the generator draws.

:class:`Draws` is the base of the generator's parts (:mod:`juki.tools.demo.generator`): it
declares the state they share (the chunk's random stream, the reference date, the number
series), which :class:`~juki.tools.demo.generator.DemoCityGenerator` sets up.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
from collections.abc import Callable
from typing import Any

from juki.core.errors import JukiError
from juki.register.entry_rules import add_years

from .plans import TOKYO, PersonPlan


class WeightedChoice:
    """Weighted choice with precomputed cumulative weights (fast for long lists)."""

    def __init__(self, items: list[Any], weights: list[float]):
        self.items = items
        self.cum = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


class FastRandom(random.Random):
    """``random.Random`` with ``randint`` and ``choice`` drawn from one ``random()`` each (the
    library's go through ``randrange`` and ``getrandbits``: a tenth of the generator's time)."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]


class UniqueDigits:
    """Distinct random-looking numbers of ``digits`` digits (plus a check digit) in O(1) memory.

    The n-th number is ``(a * (start + n)) mod 10**digits`` with ``a`` coprime to 10: a
    bijection of the counter, so no number repeats before 10**digits draws and nothing has
    to be remembered (a set of 3.8 million numbers would take ~300 MB).
    """

    def __init__(self, rng: random.Random, digits: int, check_digit: Callable[[str], str]):
        self.modulus = 10 ** digits
        self.digits = digits
        self.check_digit = check_digit
        self.start = rng.randrange(self.modulus)
        multiplier = rng.randrange(self.modulus // 10, self.modulus)
        while multiplier % 2 == 0 or multiplier % 5 == 0:
            multiplier += 1
        self.multiplier = multiplier
        self.n = 0

    def next(self) -> str:
        value = (self.multiplier * (self.start + self.n)) % self.modulus
        self.n += 1
        if value == 0:  # all zeros is never issued (juki.identifiers.my_number.NEVER_ISSUED)
            return self.next()
        first = f"{value:0{self.digits}d}"
        return first + self.check_digit(first)


class Draws:
    """Dates, ages and numbers drawn from the current chunk's random stream."""

    rng: FastRandom
    today: dt.date  # the reference date (基準日)
    _resident_codes: UniqueDigits
    _my_numbers: UniqueDigits
    _card_digits: UniqueDigits
    _counter_limit: int  # the end of the current chunk's block of counters

    def _between(self, start: dt.date, end: dt.date) -> dt.date:
        if end <= start:
            return start
        return start + dt.timedelta(days=self.rng.randint(0, (end - start).days))

    def _birth(self, age: int) -> dt.date:
        age = max(0, min(age, 105))
        start = add_years(self.today, -(age + 1)) + dt.timedelta(days=1)
        return self._between(start, min(add_years(self.today, -age), self.today - dt.timedelta(days=1)))

    def _notify(self, day: dt.date, max_days: int = 13) -> dt.date:
        return min(day + dt.timedelta(days=self.rng.randint(0, max_days)), self.today)

    def _at(self, day: dt.date) -> dt.datetime:
        minutes = self.rng.randint(8 * 60 + 30, 17 * 60 + 15)
        return dt.datetime(day.year, day.month, day.day, minutes // 60, minutes % 60, tzinfo=TOKYO)

    def _resident_code(self) -> str:
        if self._resident_codes.n >= self._counter_limit:
            raise JukiError("DEMO_CHUNK_OVERFLOW", "デモ自治体の生成単位の人数が上限を超えました。")
        return self._resident_codes.next()

    def _my_number(self) -> str:
        return self._my_numbers.next()

    def _card_no(self) -> str:
        """在留カード番号: two letters, eight digits, two letters; unique by the digits."""
        letters = "ABCDEFGHJKLMNPRSTUVWXYZ"
        choice = self.rng.choice
        return choice(letters) + choice(letters) + self._card_digits.next() + choice(letters) + choice(letters)

    def _age(self, low: int, high: int, mode: float | None = None) -> int:
        if mode is None:
            return self.rng.randint(low, high)
        return int(round(self.rng.triangular(low, high, mode)))

    def _age_of(self, p: PersonPlan) -> int:
        years = self.today.year - p.birth.year
        return years - ((self.today.month, self.today.day) < (p.birth.month, p.birth.day))
