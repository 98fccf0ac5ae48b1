"""The demo city generator (デモ自治体の生成): :class:`DemoCityGenerator`, pure Python, no database.

``households()`` yields one :class:`~juki.tools.demo.plans.HouseholdPlan` at a time: members
with names, dates, numbers and every version of their record. The city is made of chunks of
``CHUNK_RESIDENTS`` residents; chunk *k* draws from its own random stream seeded by (seed, k)
and from its own block of ``STRIDE`` counters of the number series (resident codes, My
Numbers and residence-card numbers are affine bijections of a counter,
:class:`~juki.tools.demo.draws.UniqueDigits`), so a chunk comes out the same wherever and in
whatever order it is generated, and a seed (and reference date) always gives the same city.

The generator is one class assembled from parts, each in its own module, each building on
the one before: :mod:`~juki.tools.demo.draws` (dates, ages, numbers),
:mod:`~juki.tools.demo.names`, :mod:`~juki.tools.demo.addresses`,
:mod:`~juki.tools.demo.households` (Japanese households, removed members),
:mod:`~juki.tools.demo.foreign` (foreign residents) and :mod:`~juki.tools.demo.history`
(numbers and record versions). This module sets up their state and runs the stream.
"""

from __future__ import annotations

import datetime as dt
import random
from collections.abc import Iterator

from faker.providers.address.ja_JP import Provider as JaAddressProvider
from faker.providers.person.ja_JP import Provider as JaPersonProvider

from juki.identifiers import my_number as my_number_id
from juki.identifiers import resident_code as resident_code_id
from juki.register.models import Relationship, RemovalReason, Sex

from . import data
from .addresses import town_block_specs
from .draws import FastRandom, UniqueDigits, WeightedChoice
from .history import History
from .plans import DEFAULT_RESIDENTS, DEFAULT_SEED, REFERENCE_DATE, TOKYO, HouseholdPlan

R = Relationship


class DemoCityGenerator(History):
    """Generates the demo city household by household. No database access."""

    FOREIGN_HOUSEHOLD_SHARE = 0.03

    def __init__(self, *, seed: int = DEFAULT_SEED, residents: int = DEFAULT_RESIDENTS,
                 reference_date: dt.date = REFERENCE_DATE):
        self.seed = seed
        self.target = residents
        self.today = reference_date
        master = random.Random(seed)
        self.blocks = town_block_specs()
        self.block_by_code = {b.code: b for b in self.blocks}
        self._block_pick = WeightedChoice(self.blocks, [b.weight for b in self.blocks])
        self._buildings: dict[str, list[tuple[str, str, str]]] = {}
        # Unique numbers without remembering them: bounded memory at millions (docs/performance.md).
        # Each chunk draws from its own block of STRIDE counters (see households()).
        self._resident_codes = UniqueDigits(master, 10, resident_code_id.check_digit)
        self._my_numbers = UniqueDigits(master, 11, my_number_id.check_digit)
        self._card_digits = UniqueDigits(master, 8, lambda digits: "")
        self._counter_limit = 0
        # Faker's ja_JP address lists, drawn from with our own rng (no Faker instance per city).
        self._prefectures = tuple(JaAddressProvider.prefectures)
        self._cities = tuple(JaAddressProvider.cities)
        self._towns = tuple(JaAddressProvider.towns)
        self._building_names = tuple(JaAddressProvider.building_names)
        surnames = [(k, kana, rom) for (k, kana, rom) in JaPersonProvider.last_name_pairs]
        weights = list(JaPersonProvider.last_name_pairs.values())
        for k, kana, rom, w in data.AKITA_SURNAMES:
            surnames.append((k, kana, rom))
            weights.append(w)
        self._surname_pick = WeightedChoice(surnames, weights)
        self._middle_male = list(JaPersonProvider.first_name_male_pairs)
        self._middle_female = list(JaPersonProvider.first_name_female_pairs)
        self.migration_at = dt.datetime(*data.MIGRATION_DATE, 9, 0, tzinfo=TOKYO)
        self.foreign_register_start = dt.date(*data.FOREIGN_REGISTER_START)
        self._begin_chunk(0)
    # -- the stream: chunks of CHUNK_RESIDENTS residents, each from its own seed ---------

    CHUNK_RESIDENTS = 5_000
    STRIDE = 2 * CHUNK_RESIDENTS  # numbers (counters) reserved per chunk: residents + removed

    @property
    def chunk_count(self) -> int:
        return -(-self.target // self.CHUNK_RESIDENTS)

    def _begin_chunk(self, k: int) -> None:
        """Start chunk ``k`` from a state that depends on (seed, k) only: its own random
        stream, its own building pool, and its own block of number counters."""
        self.rng = FastRandom(f"juki-demo:{self.seed}:{k}")
        self._buildings = {}
        base = k * self.STRIDE
        self._resident_codes.n = self._my_numbers.n = self._card_digits.n = base
        self._counter_limit = base + self.STRIDE

    def chunk_households(self, k: int) -> Iterator[HouseholdPlan]:
        """The households of chunk ``k``: ``CHUNK_RESIDENTS`` residents (the last chunk the
        rest), and their removed records. A chunk is generated alike wherever it runs, so
        worker processes can each generate some chunks (:mod:`juki.tools.demo.rows`)."""
        if not 0 <= k < self.chunk_count:
            raise IndexError(k)
        self._begin_chunk(k)
        size = min(self.CHUNK_RESIDENTS, self.target - k * self.CHUNK_RESIDENTS)
        yield from self._stream(size)

    def households(self) -> Iterator[HouseholdPlan]:
        """Yield households until exactly ``residents`` persons are on the register."""
        for k in range(self.chunk_count):
            yield from self.chunk_households(k)

    def _stream(self, remaining: int) -> Iterator[HouseholdPlan]:
        rng = self.rng
        while remaining > 0:
            if rng.random() < self.FOREIGN_HOUSEHOLD_SHARE:
                plan = self._foreign_household()
            else:
                kind = rng.choices(self._JAPANESE_KINDS, self._JAPANESE_WEIGHTS)[0]
                skeleton = self._japanese_skeleton(kind)
                if len(skeleton) > remaining:
                    kind, skeleton = "single", self._japanese_skeleton("single")
                plan = self._japanese_household(kind, skeleton)
                self._add_removed_members(plan)
            if len(plan.residents) > remaining:
                continue  # too big for what is left: draw another (ends with a single)
            remaining -= len(plan.residents)
            yield self._finish(plan)
            # Households no longer here: moved out of the city, or a single elderly resident died.
            r = rng.random()
            if r < 0.015:
                kind = rng.choices(self._JAPANESE_KINDS, self._JAPANESE_WEIGHTS)[0]
                gone = self._japanese_household(kind, self._japanese_skeleton(kind))
                self._remove_household(gone, RemovalReason.MOVE_OUT)
                if gone.members:
                    yield self._finish(gone)
            elif r < 0.021:
                skeleton = [(R.HOUSEHOLDER, rng.choice((Sex.MALE, Sex.FEMALE)), self._age(75, 100, 85))]
                gone = self._japanese_household("single", skeleton)
                self._remove_household(gone, RemovalReason.DEATH)
                if gone.members:
                    yield self._finish(gone)
            elif r < 0.0235:
                gone = self._foreign_household()
                if gone.kind in ("foreign_intern", "foreign_student"):
                    self._remove_household(gone, RemovalReason.MOVE_ABROAD)
                    if gone.members:
                        yield self._finish(gone)
