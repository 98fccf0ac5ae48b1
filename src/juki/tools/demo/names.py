"""Names of the demo city's residents (氏名): Faker's ja_JP pairs, Akita surnames, surnames
with variation selectors (IVS) and given names by generation (:mod:`juki.tools.demo.data`)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from juki.register.models import Sex

from . import data
from .draws import Draws, WeightedChoice


class Names(Draws):
    """Surnames and given names (kanji, kana, romaji)."""

    _surname_pick: WeightedChoice
    _middle_male: list[tuple[str, str, str]]
    _middle_female: list[tuple[str, str, str]]

    def _surname(self) -> tuple[str, str, str]:
        if self.rng.random() < data.IVS_SURNAME_SHARE:
            return self.rng.choice(data.IVS_SURNAMES)
        return self._surname_pick.pick(self.rng)

    def _given(self, sex: int, birth: dt.date) -> tuple[str, str, str]:
        male = sex == Sex.MALE
        pool: Sequence[tuple[str, str, str]]
        if birth.year < 1955 and self.rng.random() < 0.7:
            pool = data.OLD_MALE if male else data.OLD_FEMALE
        elif birth.year >= 2000 and self.rng.random() < 0.7:
            pool = data.YOUNG_MALE if male else data.YOUNG_FEMALE
        else:
            pool = self._middle_male if male else self._middle_female
        return self.rng.choice(pool)
