"""The demo municipality (デモ自治体): a deterministic synthetic Akita City (052019).

Three stages, so that millions of residents stream with bounded memory on both cores (issue #7):

1. :class:`DemoCityGenerator` — pure Python, no database. ``households()`` yields one
   :class:`HouseholdPlan` at a time: members with names, dates, numbers and every version of
   their record. The city is made of chunks of ``CHUNK_RESIDENTS`` residents; chunk *k* draws
   from its own ``random.Random`` seeded by (seed, k) and from its own block of ``STRIDE``
   counters of the number series (resident codes, My Numbers and residence-card numbers are
   affine bijections of a counter, :class:`_UniqueDigits`), so a chunk comes out the same
   wherever and in whatever order it is generated, and a seed (and reference date) always
   gives the same city. Names and addresses are drawn from Faker's ja_JP lists. My Numbers
   exist in clear only inside these plans and the rows on their way to the parent, in memory.
2. :mod:`juki.register.demo_rows` — turns chunks into ready-to-write rows (PostgreSQL ``COPY``
   text, SQLite tuples), in worker processes; the blind index of each My Number is computed
   there.
3. :func:`load_demo` — in one transaction: allocates household and addressee numbers from the
   sequence table a batch at a time, encrypts each My Number (AES-GCM, bound to the addressee
   number), writes households, persons and record versions with ``COPY`` / ``executemany``,
   rebuilds the indexes, analyses the tables and writes one ``DEMO_LOADED`` audit event
   carrying counts only.

``--residents N`` counts persons on the register at the reference date. Removed records
(除票: households that moved out, deaths, children who moved away) come on top, about 3 % of
N, each with ``retention_until`` = removal date + 150 years.
"""

from __future__ import annotations

import bisect
import datetime as dt
import itertools
import random
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any, TextIO
from zoneinfo import ZoneInfo

from django.db import connection, transaction
from faker.providers.address.ja_JP import Provider as JaAddressProvider
from faker.providers.person.ja_JP import Provider as JaPersonProvider

from juki.audit.events import EventType
from juki.audit.log import record as audit_record
from juki.core.errors import JukiError
from juki.identifiers import my_number as my_number_id
from juki.identifiers import resident_code as resident_code_id

from . import demo_data as data
from . import numbering, validity
from .demo_rows import RECORD_COLUMNS, Chunk, RowEncoder, default_workers, encoded_chunks
from .models import (
    ChangeReason,
    DatePrecision,
    District,
    DistrictKind,
    ForeignResidentCategory,
    FuriganaCertification,
    Household,
    Municipality,
    Person,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidenceCardKind,
    ResidenceStatus,
    ResidentKind,
    ResidentRecord,
    Sex,
    TownBlock,
)
from .my_numbers import encrypt as encrypt_my_number
from .rules import add_years, retention_until

REFERENCE_DATE = dt.date(2026, 4, 1)
DEFAULT_SEED = 52019
DEFAULT_RESIDENTS = 10_000
TOKYO = ZoneInfo("Asia/Tokyo")
DEMO_STAFF_ID = "demo"
R = Relationship

# Listing order (記載順位): householder, spouse, ascendants, children, children's spouses,
# grandchildren, siblings, other kin, lodgers; within a rank the elder first.
_RANK = {
    R.HOUSEHOLDER: 0, R.WIFE: 1, R.HUSBAND: 1, R.WIFE_UNREGISTERED: 1, R.HUSBAND_UNREGISTERED: 1,
    R.FATHER: 2, R.MOTHER: 2, R.WIFE_FATHER: 2, R.WIFE_MOTHER: 2, R.HUSBAND_FATHER: 2,
    R.HUSBAND_MOTHER: 2, R.GRANDFATHER: 2, R.GRANDMOTHER: 2, R.CHILD: 3, R.WIFE_CHILD: 3,
    R.HUSBAND_CHILD: 3, R.CHILD_WIFE: 4, R.CHILD_HUSBAND: 4, R.GRANDCHILD: 5,
    R.GREAT_GRANDCHILD: 5, R.ELDER_BROTHER: 6, R.ELDER_SISTER: 6, R.YOUNGER_BROTHER: 6,
    R.YOUNGER_SISTER: 6, R.KIN: 7, R.LODGER: 8,
}


# --- plans (plain data) ------------------------------------------------------------------

@dataclass(frozen=True)
class TownBlockSpec:
    code: str
    name: str
    kana: str
    postcode: str
    residence_indication: bool
    elementary: str
    junior_high: str
    voting: str
    weight: float


@dataclass(frozen=True)
class Address:
    block_code: str
    banchi: str
    katagaki: str = ""
    katagaki_kana: str = ""
    katagaki_hidden: bool = False


@dataclass
class VersionPlan:
    """One version of a person's record: what changed, when, and the address it records."""

    valid_from: dt.date
    notified_on: dt.date | None
    recorded_at: dt.datetime
    change_reason: str
    address: Address
    previous_address: str = ""
    previous_householder: str = ""
    address_established_on: dt.date | None = None
    address_established_notified_on: dt.date | None = None
    status: str = RecordStatus.RESIDENT
    removal_reason: str = ""
    removed_on: dt.date | None = None
    removal_notified_on: dt.date | None = None
    retention_until: dt.date | None = None
    planned_move_out_address: str = ""
    planned_move_out_on: dt.date | None = None
    planned_move_out_notified_on: dt.date | None = None
    confirmed_move_out_address: str = ""
    confirmed_move_out_on: dt.date | None = None
    confirmed_move_out_notice_on: dt.date | None = None
    furigana: bool = True  # False: before the 振り仮名 was recorded (改正戸籍法, 2025)
    domicile: str | None = None  # the 本籍 before a change of domicile (None: the person's)


@dataclass
class ForeignPlan:
    category: str
    nationality_code: str
    nationality: str
    residence_status: str = ""
    stay: tuple[int, int, int] | None = None  # years, months, days
    stay_expires_on: dt.date | None = None
    card_no: str = ""
    card_kind: str = ""


@dataclass
class PersonPlan:
    relationship: str
    sex: int
    birth: dt.date
    family_name: str = ""
    given_name: str = ""
    family_kana: str = ""
    given_kana: str = ""
    romaji: str = ""
    resident_kind: str = ResidentKind.JAPANESE
    birth_precision: str = DatePrecision.FULL
    birth_note: str = ""
    furigana_certification: str = FuriganaCertification.NONE
    alphabet_name: str = ""
    concurrent_name: str = ""
    concurrent_name_kana: str = ""
    alias_name: str = ""
    alias_kana: str = ""
    former_surname: str = ""
    former_surname_kana: str = ""
    former_surname_romaji: str = ""
    domicile: str = ""
    domicile_head: str = ""
    foreign: ForeignPlan | None = None
    resident_code: str = ""
    my_number: str = ""
    joined_on: dt.date | None = None
    became_resident_reason: str = ""
    pre_move_in_address: str = ""
    pre_move_in_householder: str = ""
    removal: tuple[str, dt.date] | None = None  # (RemovalReason, date)
    listing_order: int = 0
    versions: list[VersionPlan] = field(default_factory=list)

    @property
    def full_name(self) -> str:
        return f"{self.family_name}\u3000{self.given_name}" if self.given_name else self.family_name

    @property
    def is_resident(self) -> bool:
        return self.removal is None


@dataclass
class HouseholdPlan:
    kind: str
    address: Address
    members: list[PersonPlan]
    established_on: dt.date | None = None
    dissolved_on: dt.date | None = None
    counts: bool = True  # counts toward --residents (False: a household wholly removed)

    @property
    def residents(self) -> list[PersonPlan]:
        return [m for m in self.members if m.is_resident]


def town_block_specs() -> list[TownBlockSpec]:
    """The town-block master: each town expanded into its 丁目, with districts."""
    specs: list[TownBlockSpec] = []
    for index, town in enumerate(data.TOWNS, start=1):
        voting = f"{(index + 1) // 2:02d}"  # two neighbouring towns share a voting district
        chomes = range(1, town.chome + 1) if town.chome else [0]
        for chome in chomes:
            name = town.name + (f"{data.CHOME_KANJI[chome]}丁目" if chome else "")
            kana = town.kana + (f"{data.CHOME_KANA[chome]}チョウメ" if chome else "")
            specs.append(TownBlockSpec(
                code=f"{index:04d}{chome:03d}", name=name, kana=kana, postcode=town.postcode,
                residence_indication=town.residence_indication, elementary=town.elementary,
                junior_high=town.junior_high, voting=voting, weight=town.weight,
            ))
    return specs


# --- generator ---------------------------------------------------------------------------

class _Weighted:
    """Weighted choice with precomputed cumulative weights (fast for long lists)."""

    def __init__(self, items: list[Any], weights: list[float]):
        self.items = items
        self.cum = list(itertools.accumulate(weights))

    def pick(self, rng: random.Random) -> Any:
        return self.items[bisect.bisect_right(self.cum, rng.random() * self.cum[-1])]


class _Random(random.Random):
    """``random.Random`` with ``randint`` and ``choice`` drawn from one ``random()`` each (the
    library's go through ``randrange`` and ``getrandbits``: a tenth of the generator's time)."""

    def randint(self, a: int, b: int) -> int:
        return a + int(self.random() * (b - a + 1))

    def choice(self, seq: Any) -> Any:
        return seq[int(self.random() * len(seq))]


class _UniqueDigits:
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


class DemoCityGenerator:
    """Generates the demo city household by household. No database access."""

    FOREIGN_HOUSEHOLD_SHARE = 0.03
    MAX_BUILDINGS_PER_BLOCK = 400  # keeps the building pool (and memory) bounded at millions

    def __init__(self, *, seed: int = DEFAULT_SEED, residents: int = DEFAULT_RESIDENTS,
                 reference_date: dt.date = REFERENCE_DATE):
        self.seed = seed
        self.target = residents
        self.today = reference_date
        master = random.Random(seed)
        self.blocks = town_block_specs()
        self.block_by_code = {b.code: b for b in self.blocks}
        self._block_pick = _Weighted(self.blocks, [b.weight for b in self.blocks])
        self._buildings: dict[str, list[tuple[str, str, str]]] = {}
        # Unique numbers without remembering them: bounded memory at millions (issue #7).
        # Each chunk draws from its own block of STRIDE counters (see households()).
        self._resident_codes = _UniqueDigits(master, 10, resident_code_id.check_digit)
        self._my_numbers = _UniqueDigits(master, 11, my_number_id.check_digit)
        self._card_digits = _UniqueDigits(master, 8, lambda digits: "")
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
        self._surname_pick = _Weighted(surnames, weights)
        self._middle_male = list(JaPersonProvider.first_name_male_pairs)
        self._middle_female = list(JaPersonProvider.first_name_female_pairs)
        self.migration_at = dt.datetime(*data.MIGRATION_DATE, 9, 0, tzinfo=TOKYO)
        self.foreign_register_start = dt.date(*data.FOREIGN_REGISTER_START)
        self._begin_chunk(0)

    # -- small helpers --------------------------------------------------------------------

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

    def _surname(self) -> tuple[str, str, str]:
        if self.rng.random() < data.IVS_SURNAME_SHARE:
            return self.rng.choice(data.IVS_SURNAMES)
        return self._surname_pick.pick(self.rng)  # type: ignore[no-any-return]

    def _given(self, sex: int, birth: dt.date) -> tuple[str, str, str]:
        male = sex == Sex.MALE
        if birth.year < 1955 and self.rng.random() < 0.7:
            pool = data.OLD_MALE if male else data.OLD_FEMALE
        elif birth.year >= 2000 and self.rng.random() < 0.7:
            pool = data.YOUNG_MALE if male else data.YOUNG_FEMALE
        else:
            pool = self._middle_male if male else self._middle_female
        return self.rng.choice(pool)  # type: ignore[no-any-return]

    def _banchi(self, block: TownBlockSpec) -> str:
        if block.residence_indication:
            return f"{self.rng.randint(1, 30)}番{self.rng.randint(1, 25)}号"
        branch = f"{self.rng.randint(1, 30)}" if self.rng.random() < 0.5 else ""
        return f"{self.rng.randint(1, 450)}番地{branch}"

    def _address(self, block: TownBlockSpec | None = None) -> Address:
        block = block or self._block_pick.pick(self.rng)
        assert block is not None
        if self.rng.random() < 0.27:  # flat in an apartment building: 方書
            pool = self._buildings.setdefault(block.code, [])
            if pool and (self.rng.random() < 0.75 or len(pool) >= self.MAX_BUILDINGS_PER_BLOCK):
                banchi, name, kana = self.rng.choice(pool)
            else:
                stem = self.rng.choice(self._building_names)
                root = block.name.split("丁目")[0][:4]
                root_kana = block.kana.split("チョウメ")[0][:6]
                banchi, name, kana = self._banchi(block), f"{stem}{root}", f"{stem}{root_kana}"
                pool.append((banchi, name, kana))
            room = f"{self.rng.randint(1, 5)}{self.rng.randint(1, 12):02d}"
            return Address(block.code, banchi, f"{name} {room}号室", f"{kana} {room}ゴウシツ",
                           katagaki_hidden=self.rng.random() < 0.02)
        return Address(block.code, self._banchi(block))

    def address_text(self, address: Address) -> str:
        block = self.block_by_code[address.block_code]
        text = f"{data.MUNICIPALITY['prefecture']}{data.MUNICIPALITY['name']}{block.name}{address.banchi}"
        return f"{text}\u3000{address.katagaki}" if address.katagaki else text

    def _elsewhere(self) -> str:
        r = self.rng.random()
        if r < 0.4:
            city = self.rng.choice(data.OTHER_AKITA_CITIES)
        elif r < 0.85:
            city = self.rng.choice(data.METROPOLITAN_CITIES)
        else:
            city = f"{self.rng.choice(self._prefectures)}{self.rng.choice(self._cities)}"
        return (f"{city}{self.rng.choice(self._towns)}{self.rng.randint(1, 5)}丁目"
                f"{self.rng.randint(1, 30)}番{self.rng.randint(1, 20)}号")

    def _domicile(self) -> str:
        if self.rng.random() < 0.7:
            town = self.rng.choice(data.TOWNS)
            return f"秋田県秋田市{town.name}{self.rng.randint(1, 300)}番地"
        choice = self.rng.choice
        return f"{choice(self._prefectures)}{choice(self._cities)}{choice(self._towns)}{self.rng.randint(1, 999)}番地"

    # -- composition: who lives in the household ------------------------------------------

    def _age(self, low: int, high: int, mode: float | None = None) -> int:
        if mode is None:
            return self.rng.randint(low, high)
        return int(round(self.rng.triangular(low, high, mode)))

    def _spouse_age(self, age: int) -> int:
        return max(18, min(100, age - int(round(self.rng.gauss(2, 3)))))

    def _children(self, mother_age: int, n: int, max_age: int = 24) -> list[tuple[str, int, int]]:
        ages = []
        for _ in range(n):
            age = mother_age - self.rng.randint(22, 42)  # mothers give birth at 22..42
            if age < 0:
                age = self.rng.randint(0, max(0, mother_age - 18))
            if age > max_age:
                age = self.rng.randint(min(18, max_age), max_age)
            ages.append(age)
        return [(R.CHILD, self.rng.choice((Sex.MALE, Sex.FEMALE)), a) for a in sorted(ages, reverse=True)]

    def _japanese_skeleton(self, kind: str) -> list[tuple[str, int, int]]:
        """(relationship, sex, age) of each member, householder first."""
        rng = self.rng
        M, F = Sex.MALE, Sex.FEMALE
        if kind == "single":
            r = rng.random()
            if r < 0.25:
                return [(R.HOUSEHOLDER, M if rng.random() < 0.55 else F, self._age(18, 34, 25))]
            if r < 0.57:
                return [(R.HOUSEHOLDER, M if rng.random() < 0.55 else F, self._age(35, 69, 58))]
            return [(R.HOUSEHOLDER, F if rng.random() < 0.65 else M, self._age(65, 100, 78))]
        if kind == "couple":
            h = self._age(25, 40) if rng.random() < 0.12 else self._age(55, 92, 72)
            w = self._spouse_age(h)
            if rng.random() < 0.05:
                return [(R.HOUSEHOLDER, F, w), (R.HUSBAND, M, h)]
            partner = R.WIFE_UNREGISTERED if rng.random() < 0.03 else R.WIFE
            return [(R.HOUSEHOLDER, M, h), (partner, F, w)]
        if kind == "nuclear":
            h = self._age(28, 66, 50)
            w = self._spouse_age(h)
            n = rng.choices((1, 2, 3), (0.5, 0.4, 0.1))[0]
            return [(R.HOUSEHOLDER, M, h), (R.WIFE, F, w), *self._children(w, n, 30)]
        if kind == "single_parent":
            sex = F if rng.random() < 0.85 else M
            p = self._age(26, 64, 48)
            return [(R.HOUSEHOLDER, sex, p), *self._children(p, rng.choice((1, 1, 2)), 28)]
        if kind == "three_gen_up":
            h = self._age(40, 64, 54)
            w = self._spouse_age(h)
            members = [(R.HOUSEHOLDER, M, h), (R.WIFE, F, w), *self._children(w, rng.choice((0, 1, 2)), 30)]
            has_father = rng.random() < 0.7
            if has_father:
                members.append((R.FATHER, M, min(100, h + self._age(24, 36))))
            if rng.random() < 0.9 or not has_father:
                members.append((R.MOTHER, F, min(100, h + self._age(22, 33))))
            return members
        if kind == "three_gen_down":
            h = self._age(60, 85, 70)
            members = [(R.HOUSEHOLDER, M, h)]
            if rng.random() < 0.8:
                members.append((R.WIFE, F, self._spouse_age(h)))
            c = max(25, h - self._age(25, 35))
            members += [(R.CHILD, M, c), (R.CHILD_WIFE, F, self._spouse_age(c))]
            members += [(R.GRANDCHILD, s, a) for _, s, a in self._children(self._spouse_age(c), rng.choice((1, 2)), 15)]
            return members
        # other: siblings, kin or a lodger
        h = self._age(30, 85, 60)
        hs = rng.choice((M, F))
        other_sex = rng.choice((M, F))
        other_age = max(18, h + rng.randint(-8, 8))
        if rng.random() < 0.6:
            older = other_age > h
            rel = {(True, M): R.ELDER_BROTHER, (True, F): R.ELDER_SISTER,
                   (False, M): R.YOUNGER_BROTHER, (False, F): R.YOUNGER_SISTER}[(older, other_sex)]
        else:
            rel = rng.choice((R.KIN, R.LODGER))
        return [(R.HOUSEHOLDER, hs, h), (rel, other_sex, other_age)]

    _JAPANESE_KINDS = ("single", "couple", "nuclear", "single_parent", "three_gen_up", "three_gen_down", "other")
    _JAPANESE_WEIGHTS = (0.37, 0.24, 0.19, 0.09, 0.05, 0.03, 0.03)

    # -- filling in a Japanese household ------------------------------------------------

    def _japanese_household(self, kind: str, skeleton: list[tuple[str, int, int]]) -> HouseholdPlan:
        rng = self.rng
        family = self._surname()
        members: list[PersonPlan] = []
        for rel, sex, age in skeleton:
            birth = self._birth(age)
            if rel in (R.LODGER, R.KIN, R.WIFE_UNREGISTERED, R.HUSBAND_UNREGISTERED):
                surname = self._surname()
            else:
                surname = family
            given = self._given(sex, birth)
            p = PersonPlan(relationship=rel, sex=sex, birth=birth,
                           family_name=surname[0], given_name=given[0],
                           family_kana=surname[1], given_kana=given[1], romaji=surname[2])
            p.furigana_certification = (FuriganaCertification.CERTIFIED if rng.random() < 0.75
                                        else FuriganaCertification.UNCERTIFIED)
            if rel in (R.WIFE, R.CHILD_WIFE) and rng.random() < 0.06:
                former = self._surname()
                if former[0] != surname[0]:
                    p.former_surname, p.former_surname_kana = former[0], former[1]
                    p.former_surname_romaji = former[2].upper()
            members.append(p)
        head = members[0]
        # 本籍・筆頭者: the couple's family register is headed by the husband (or the single
        # householder); ascendants are in the father's, a married child's family in the child's.
        base = self._domicile()
        father_name = next((m.full_name for m in members if m.relationship == R.FATHER),
                           f"{head.family_name}\u3000{self.rng.choice(data.OLD_MALE)[0]}")
        married_child = next((m for m in members if m.relationship == R.CHILD and kind == "three_gen_down"), None)
        husband = next((m for m in members if m.relationship == R.HUSBAND), None)
        couple_head = husband.full_name if husband else head.full_name
        for m in members:
            if m.relationship in (R.FATHER, R.MOTHER):
                m.domicile, m.domicile_head = base, father_name
            elif m.relationship in (R.CHILD_WIFE, R.GRANDCHILD) and married_child:
                m.domicile, m.domicile_head = base, married_child.full_name
            elif m.relationship == R.CHILD and married_child is m:
                m.domicile, m.domicile_head = base, m.full_name
            elif m.relationship in (R.LODGER, R.KIN, R.WIFE_UNREGISTERED, R.HUSBAND_UNREGISTERED):
                m.domicile = self._domicile()
                m.domicile_head = f"{m.family_name}\u3000{self.rng.choice(data.OLD_MALE)[0]}"
            elif kind == "single" and head.birth > add_years(self.today, -30):
                m.domicile, m.domicile_head = base, father_name
            else:
                m.domicile, m.domicile_head = base, couple_head
        plan = HouseholdPlan(kind=kind, address=self._address(), members=members)
        self._settle_dates(plan, native=rng.random() < (0.35 if kind == "single" else 0.5))
        return plan

    def _settle_dates(self, plan: HouseholdPlan, *, native: bool, from_abroad: str = "") -> None:
        """Decide when each member joined (birth, move-in) and where they came from."""
        head = plan.members[0]
        earliest = max(add_years(head.birth, 18), add_years(self.today, -45))
        arrival = self._between(earliest, self.today - dt.timedelta(days=30))
        origin = from_abroad or self._elsewhere()
        plan.established_on = arrival
        natives = {R.HOUSEHOLDER, R.FATHER, R.MOTHER, R.ELDER_BROTHER, R.ELDER_SISTER,
                   R.YOUNGER_BROTHER, R.YOUNGER_SISTER}
        for m in plan.members:
            joined = arrival
            if m.relationship in (R.CHILD_WIFE, R.CHILD_HUSBAND):
                joined = self._between(max(arrival, add_years(m.birth, 20)), self.today - dt.timedelta(days=30))
            if native and m.relationship in natives:
                m.joined_on, m.became_resident_reason = m.birth, ChangeReason.BIRTH
            elif m.birth >= joined:
                m.joined_on, m.became_resident_reason = m.birth, ChangeReason.BIRTH
            else:
                m.joined_on = joined
                m.became_resident_reason = (ChangeReason.MOVE_IN_FROM_ABROAD if from_abroad
                                            else ChangeReason.MOVE_IN)
                m.pre_move_in_address = origin
                m.pre_move_in_householder = "" if from_abroad else head.full_name
        if native:
            plan.established_on = min(m.joined_on for m in plan.members if m.joined_on)

    # -- foreign residents ----------------------------------------------------------------

    def _foreign_person(self, nat: data.Nationality, rel: str, sex: int, age: int,
                        family: data.ForeignName | None = None) -> PersonPlan:
        rng = self.rng
        family = family or rng.choice(nat.families)
        given = rng.choice(nat.male if sex == Sex.MALE else nat.female)
        p = PersonPlan(relationship=rel, sex=sex, birth=self._birth(age),
                       resident_kind=ResidentKind.FOREIGN)
        p.alphabet_name = f"{family.alpha} {given.alpha}"
        if family.kanji and given.kanji:
            p.family_name, p.given_name = family.kanji, given.kanji
        else:
            p.family_name, p.given_name = family.alpha, given.alpha
        p.family_kana, p.given_kana = family.kana, given.kana
        r = rng.random()
        if r < 0.03:
            p.birth_precision, p.birth_note = DatePrecision.YEAR_MONTH, "日不詳"
        elif r < 0.04:
            p.birth_precision, p.birth_note = DatePrecision.YEAR, "月日不詳"
        p.foreign = ForeignPlan(ForeignResidentCategory.MID_TO_LONG_TERM, nat.code, nat.name,
                                card_no=self._card_no(), card_kind=ResidenceCardKind.RESIDENCE_CARD)
        return p

    def _stay(self, p: PersonPlan, status: str, stay: tuple[int, int, int] | None) -> None:
        assert p.foreign is not None
        p.foreign.residence_status = status
        p.foreign.stay = stay
        if stay:
            span = stay[0] * 365 + stay[1] * 30 + stay[2]
            p.foreign.stay_expires_on = self.today + dt.timedelta(days=self.rng.randint(20, max(21, span)))

    def _foreign_household(self) -> HouseholdPlan:
        rng = self.rng
        M, F = Sex.MALE, Sex.FEMALE
        kind = rng.choices(("intern", "student", "engineer", "special_permanent", "permanent", "mixed"),
                           (0.33, 0.15, 0.12, 0.12, 0.15, 0.13))[0]
        nats = data.NATIONALITIES

        def nat_of(codes: tuple[str, ...], weights: tuple[float, ...]) -> data.Nationality:
            return nats[rng.choices(codes, weights)[0]]

        if kind == "intern":
            nat = nat_of(("VN", "ID", "PH", "CN"), (0.5, 0.2, 0.15, 0.15))
            p = self._foreign_person(nat, R.HOUSEHOLDER, rng.choice((M, F)), self._age(19, 33, 24))
            if rng.random() < 0.6:
                self._stay(p, ResidenceStatus.TECHNICAL_INTERN, (1, 0, 0))
            else:
                self._stay(p, ResidenceStatus.SPECIFIED_SKILLED, (1, 0, 0))
            plan = HouseholdPlan(kind="foreign_" + kind, address=self._address(), members=[p])
            self._settle_foreign(plan, nat, years_back=3)
            return plan
        if kind == "student":
            nat = nat_of(("CN", "VN", "NP"), (0.4, 0.3, 0.3))
            p = self._foreign_person(nat, R.HOUSEHOLDER, rng.choice((M, F)), self._age(19, 29, 22))
            self._stay(p, ResidenceStatus.STUDENT, rng.choice(((1, 3, 0), (2, 0, 0), (2, 3, 0), (4, 3, 0))))
            plan = HouseholdPlan(kind="foreign_" + kind, address=self._address(), members=[p])
            self._settle_foreign(plan, nat, years_back=4)
            return plan
        if kind == "engineer":
            nat = nat_of(("CN", "US", "NP", "VN"), (0.4, 0.2, 0.2, 0.2))
            h_age = self._age(27, 48, 35)
            head = self._foreign_person(nat, R.HOUSEHOLDER, M, h_age)
            stay = rng.choice(((1, 0, 0), (3, 0, 0), (5, 0, 0)))
            self._stay(head, ResidenceStatus.ENGINEER_HUMANITIES, stay)
            members = [head]
            if rng.random() < 0.7:
                keep = nat.code in ("US",)
                wife = self._foreign_person(nat, R.WIFE, F, self._spouse_age(h_age),
                                            family=None if not keep else self._family_of(head, nat))
                self._stay(wife, ResidenceStatus.DEPENDENT, stay)
                assert wife.foreign and head.foreign
                wife.foreign.stay_expires_on = head.foreign.stay_expires_on
                members.append(wife)
                for _, sex, age in self._children(self._age_of(wife), rng.choice((0, 1, 2)), 12):
                    child = self._foreign_person(nat, R.CHILD, sex, age, family=self._family_of(head, nat))
                    self._stay(child, ResidenceStatus.DEPENDENT, stay)
                    child.foreign.stay_expires_on = head.foreign.stay_expires_on  # type: ignore[union-attr]
                    members.append(child)
            plan = HouseholdPlan(kind="foreign_" + kind, address=self._address(), members=members)
            self._settle_foreign(plan, nat, years_back=10)
            return plan
        if kind == "special_permanent":
            nat = nats["KR"]
            h_age = self._age(60, 95, 75)
            head = self._foreign_person(nat, R.HOUSEHOLDER, rng.choice((M, F)), h_age)
            members = [head]
            if head.sex == M and rng.random() < 0.4:
                members.append(self._foreign_person(nat, R.WIFE, F, self._spouse_age(h_age)))
            alias_family = rng.choice(data.KOREAN_ALIAS_FAMILIES)
            for m in members:
                assert m.foreign is not None
                m.foreign.category = ForeignResidentCategory.SPECIAL_PERMANENT
                m.foreign.card_kind = ResidenceCardKind.SPECIAL_PERMANENT_CERTIFICATE
                given = rng.choice(data.KOREAN_ALIAS_MALE if m.sex == M else data.KOREAN_ALIAS_FEMALE)
                m.alias_name = f"{alias_family[0]}\u3000{given[0]}"
                m.alias_kana = f"{alias_family[1]}\u3000{given[1]}"
            plan = HouseholdPlan(kind="foreign_" + kind, address=self._address(), members=members)
            self._settle_foreign(plan, nat, years_back=45)
            return plan
        if kind == "permanent":
            nat = nat_of(("CN", "PH", "BR", "KR"), (0.45, 0.3, 0.15, 0.1))
            h_age = self._age(35, 70, 48)
            head = self._foreign_person(nat, R.HOUSEHOLDER, rng.choice((M, F)), h_age)
            self._stay(head, ResidenceStatus.PERMANENT_RESIDENT, None)
            members = [head]
            if rng.random() < 0.6:
                spouse_rel, spouse_sex = (R.WIFE, F) if head.sex == M else (R.HUSBAND, M)
                spouse = self._foreign_person(nat, spouse_rel, spouse_sex, self._spouse_age(h_age))
                self._stay(spouse, ResidenceStatus.SPOUSE_OF_PERMANENT, (3, 0, 0))
                members.append(spouse)
                for _, sex, age in self._children(min(h_age, self._age_of(spouse)), rng.choice((0, 1, 2)), 20):
                    child = self._foreign_person(nat, R.CHILD, sex, age, family=self._family_of(head, nat))
                    self._stay(child, ResidenceStatus.SPOUSE_OF_PERMANENT, (3, 0, 0))
                    members.append(child)
            plan = HouseholdPlan(kind="foreign_" + kind, address=self._address(), members=members)
            self._settle_foreign(plan, nat, years_back=25)
            return plan
        # mixed: a Japanese householder with a foreign spouse and Japanese children
        nat = nat_of(("PH", "CN", "KR", "VN", "ID"), (0.35, 0.3, 0.15, 0.1, 0.1))
        skeleton = [(R.HOUSEHOLDER, M, self._age(30, 60, 42))]
        plan = self._japanese_household("mixed", skeleton)
        head = plan.members[0]
        h_age = self._age_of(head)
        wife = self._foreign_person(nat, R.WIFE, F, max(20, h_age - rng.randint(0, 12)))
        self._stay(wife, ResidenceStatus.SPOUSE_OF_JAPANESE, rng.choice(((1, 0, 0), (3, 0, 0), (5, 0, 0))))
        if rng.random() < 0.5:
            wife.alias_name = f"{head.family_name}\u3000{wife.given_kana.replace(chr(0x3000), '')}"
            wife.alias_kana = f"{head.family_kana}\u3000{wife.given_kana.replace(chr(0x3000), '')}"
        wife.joined_on = self._between(max(add_years(wife.birth, 20), plan.established_on or wife.birth),
                                       self.today - dt.timedelta(days=30))
        wife.became_resident_reason = ChangeReason.MOVE_IN_FROM_ABROAD
        wife.pre_move_in_address = nat.name
        plan.members.append(wife)
        for _, sex, age in self._children(self._age_of(wife), rng.choice((0, 1, 2)), 18):
            birth = self._birth(age)
            given = self._given(sex, birth)
            child = PersonPlan(relationship=R.CHILD, sex=sex, birth=birth, family_name=head.family_name,
                               given_name=given[0], family_kana=head.family_kana, given_kana=given[1],
                               romaji=head.romaji, domicile=head.domicile, domicile_head=head.full_name,
                               furigana_certification=FuriganaCertification.CERTIFIED)
            child.joined_on, child.became_resident_reason = birth, ChangeReason.BIRTH
            if birth < wife.joined_on:  # born before the mother came: moved in with her
                child.joined_on, child.became_resident_reason = wife.joined_on, ChangeReason.MOVE_IN_FROM_ABROAD
                child.pre_move_in_address = nat.name
            plan.members.append(child)
        plan.kind = "foreign_mixed"
        return plan

    def _age_of(self, p: PersonPlan) -> int:
        years = self.today.year - p.birth.year
        return years - ((self.today.month, self.today.day) < (p.birth.month, p.birth.day))

    def _family_of(self, head: PersonPlan, nat: data.Nationality) -> data.ForeignName:
        for f in nat.families:
            if f.alpha == head.alphabet_name.split(" ")[0]:
                return f
        return nat.families[0]

    def _settle_foreign(self, plan: HouseholdPlan, nat: data.Nationality, *, years_back: int) -> None:
        """Foreign households arrive from abroad; those here before 2012-07-09 got their
        record when the amended 住基法 took effect (法施行)."""
        head = plan.members[0]
        earliest = max(add_years(head.birth, 18), add_years(self.today, -years_back))
        arrival = self._between(earliest, self.today - dt.timedelta(days=30))
        plan.established_on = arrival
        for m in plan.members:
            if m.birth >= arrival:
                m.joined_on, m.became_resident_reason = m.birth, ChangeReason.BIRTH
            elif arrival < self.foreign_register_start:
                m.joined_on, m.became_resident_reason = self.foreign_register_start, ChangeReason.LAW_ENFORCEMENT
            else:
                m.joined_on, m.became_resident_reason = arrival, ChangeReason.MOVE_IN_FROM_ABROAD
                m.pre_move_in_address = nat.name
            if m.joined_on < self.foreign_register_start:
                m.joined_on, m.became_resident_reason = self.foreign_register_start, ChangeReason.LAW_ENFORCEMENT

    # -- removals and history ---------------------------------------------------------------

    def _add_removed_members(self, plan: HouseholdPlan) -> None:
        """Members no longer on the register who stay listed in the household: a parent who
        died, a grown child who moved away."""
        rng = self.rng
        window_start = add_years(self.today, -5)
        last = self.today - dt.timedelta(days=14)
        head = plan.members[0]
        if plan.kind == "three_gen_up":
            rels = {m.relationship for m in plan.members}
            missing = {R.FATHER: Sex.MALE, R.MOTHER: Sex.FEMALE}
            for rel, sex in missing.items():
                if rel not in rels and rng.random() < 0.4:
                    age = min(102, self._age_of(head) + self._age(25, 36))
                    p = self._person_like(head, rel, sex, age)
                    father = next((m for m in plan.members if m.relationship == R.FATHER), None)
                    parents_base = next((m.domicile for m in plan.members if m.relationship in missing), head.domicile)
                    if rel == R.FATHER:  # the surviving mother's family register was headed by him
                        p.domicile, p.domicile_head = parents_base, p.full_name
                        for mother in (m for m in plan.members if m.relationship == R.MOTHER):
                            mother.domicile_head = p.full_name
                    else:
                        p.domicile = parents_base
                        p.domicile_head = father.full_name if father else p.full_name
                    p.joined_on, p.became_resident_reason = p.birth, ChangeReason.BIRTH
                    start = max(window_start, (plan.established_on or window_start) + dt.timedelta(days=30))
                    if start < last:
                        p.removal = (RemovalReason.DEATH, self._between(start, last))
                        plan.members.append(p)
        if plan.kind == "nuclear" and self._age_of(head) >= 45 and rng.random() < 0.12:
            p = self._person_like(head, R.CHILD, rng.choice((Sex.MALE, Sex.FEMALE)), self._age(19, 27))
            p.domicile, p.domicile_head = head.domicile, head.full_name
            if plan.established_on and plan.established_on < p.birth:
                p.joined_on, p.became_resident_reason = p.birth, ChangeReason.BIRTH
            else:
                p.joined_on, p.became_resident_reason = plan.established_on, ChangeReason.MOVE_IN
                p.pre_move_in_address = head.pre_move_in_address
                p.pre_move_in_householder = head.full_name
            start = max(window_start, add_years(p.birth, 18), (p.joined_on or p.birth) + dt.timedelta(days=30))
            if start < last:
                p.removal = (RemovalReason.MOVE_OUT, self._between(start, last))
                plan.members.append(p)

    def _person_like(self, head: PersonPlan, rel: str, sex: int, age: int) -> PersonPlan:
        birth = self._birth(age)
        given = self._given(sex, birth)
        return PersonPlan(relationship=rel, sex=sex, birth=birth, family_name=head.family_name,
                          given_name=given[0], family_kana=head.family_kana, given_kana=given[1],
                          romaji=head.romaji, furigana_certification=FuriganaCertification.CERTIFIED)

    def _remove_household(self, plan: HouseholdPlan, reason: str) -> None:
        start = max(add_years(self.today, -5), (plan.established_on or self.today) + dt.timedelta(days=60))
        day = self._between(start, self.today - dt.timedelta(days=14))
        plan.members = [m for m in plan.members if m.joined_on and m.joined_on < day]
        for m in plan.members:
            m.removal = (reason, day)
        plan.dissolved_on = day
        plan.counts = False

    def _finish(self, plan: HouseholdPlan) -> HouseholdPlan:
        """Listing order, numbers, and the versions of each member's record."""
        plan.members.sort(key=lambda m: (_RANK[Relationship(m.relationship)], m.birth))
        for order, m in enumerate(plan.members, start=1):
            m.listing_order = order
            m.resident_code = self._resident_code()
            m.my_number = self._my_number()
        removals = [m.removal[1] for m in plan.members if m.removal]
        latest_end = min(removals) if removals else self.today
        # Moves within the city (転居) are history only when they happened after the records
        # were computerised (before that, the migrated record shows the address of the day).
        # Most households moved 0-2 times; each move is a version for every member then present.
        start = max((plan.established_on or self.today) + dt.timedelta(days=365),
                    self.migration_at.date() + dt.timedelta(days=1))
        moves: list[tuple[dt.date, Address]] = []  # (moved on, the address left), oldest first
        if start < latest_end - dt.timedelta(days=60):
            count = self.rng.choices((0, 1, 2, 3, 4), (0.40, 0.27, 0.18, 0.10, 0.05))[0]
            days = sorted({self._between(start, latest_end - dt.timedelta(days=60)) for _ in range(count)})
            moves = [(day, self._address()) for day in days]
        for m in plan.members:
            m.versions = self._versions(plan, m, moves)
        return plan

    def _later_events(self, m: PersonPlan, lo: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
        """Changes other than moves in ``[lo, end)``: 振り仮名の記載 (改正戸籍法, 2025-05-26),
        本籍の変更 (転籍), 職権修正, and for foreign residents 在留期間の更新."""
        rng = self.rng
        events: list[tuple[dt.date, str]] = []
        last = end - dt.timedelta(days=1)
        if lo > last:
            return events
        if m.resident_kind == ResidentKind.FOREIGN:
            if m.foreign and m.foreign.stay:
                lo_f = max(lo, self.foreign_register_start)
                if lo_f <= last:
                    for _ in range(rng.choice((0, 1, 1, 2, 3))):
                        events.append((self._between(lo_f, last), ChangeReason.FOREIGN_STATUS_CHANGE))
            return events
        furigana_start = dt.date(2025, 5, 26)
        if (m.furigana_certification != FuriganaCertification.NONE and max(lo, furigana_start) <= last
                and rng.random() < 0.8):
            events.append((self._between(max(lo, furigana_start), last), ChangeReason.FURIGANA))
        if rng.random() < 0.15:
            events.append((self._between(lo, last), ChangeReason.DOMICILE_CHANGE))
        if rng.random() < 0.08:
            events.append((self._between(lo, last), ChangeReason.EX_OFFICIO_CORRECTION))
        return events

    def _versions(self, plan: HouseholdPlan, m: PersonPlan,
                  moves: list[tuple[dt.date, Address]]) -> list[VersionPlan]:
        assert m.joined_on is not None
        joined = m.joined_on
        mine = [(day, old) for day, old in moves if joined < day]
        first_address = mine[0][1] if mine else plan.address
        if joined < self.migration_at.date():
            notified, recorded, reason = None, self.migration_at, ChangeReason.INITIAL
        elif m.became_resident_reason == ChangeReason.LAW_ENFORCEMENT:
            notified, recorded, reason = None, dt.datetime.combine(joined, dt.time(8, 30), TOKYO), ChangeReason.LAW_ENFORCEMENT
        else:
            notified = self._notify(joined)
            recorded, reason = self._at(notified), m.became_resident_reason
        established = joined
        if m.became_resident_reason == ChangeReason.LAW_ENFORCEMENT and plan.established_on:
            established = min(plan.established_on, joined)
        versions = [VersionPlan(
            valid_from=joined, notified_on=notified, recorded_at=recorded, change_reason=reason,
            address=first_address, previous_address=m.pre_move_in_address,
            previous_householder=m.pre_move_in_householder,
            address_established_on=established, address_established_notified_on=notified,
        )]
        end = m.removal[1] if m.removal else self.today
        lo = max(joined, self.migration_at.date()) + dt.timedelta(days=1)
        events: list[tuple[dt.date, str, int]] = [(day, ChangeReason.MOVE_WITHIN, i) for i, (day, _) in enumerate(mine)]
        events += [(day, why, -1) for day, why in self._later_events(m, lo, end)]
        events.sort(key=lambda e: (e[0], e[2]))
        furigana_at = domicile_at = None
        for day, why, i in events:
            prev = versions[-1]
            notified = self._notify(day)
            v = VersionPlan(
                valid_from=day, notified_on=notified,
                recorded_at=max(self._at(notified), prev.recorded_at + dt.timedelta(minutes=1)),
                change_reason=why, address=prev.address, previous_address=prev.previous_address,
                previous_householder=prev.previous_householder,
                address_established_on=prev.address_established_on,
                address_established_notified_on=prev.address_established_notified_on,
            )
            if why == ChangeReason.MOVE_WITHIN:
                v.address = mine[i + 1][1] if i + 1 < len(mine) else plan.address
                v.previous_address = self.address_text(mine[i][1])
                v.previous_householder = plan.members[0].full_name
                v.address_established_on, v.address_established_notified_on = day, notified
            elif why == ChangeReason.FURIGANA:
                furigana_at = len(versions)
            elif why == ChangeReason.DOMICILE_CHANGE and domicile_at is None:
                domicile_at = len(versions)
            versions.append(v)
        if furigana_at is not None:
            for v in versions[:furigana_at]:
                v.furigana = False
        if domicile_at is not None:
            old = self._domicile()
            for v in versions[:domicile_at]:
                v.domicile = old
        if m.removal:
            reason_code, day = m.removal
            prev = versions[-1]
            v = VersionPlan(
                valid_from=day, notified_on=None, recorded_at=prev.recorded_at, change_reason="",
                address=prev.address, previous_address=prev.previous_address,
                previous_householder=prev.previous_householder,
                address_established_on=prev.address_established_on,
                address_established_notified_on=prev.address_established_notified_on,
                status=RecordStatus.REMOVED, removal_reason=reason_code, removed_on=day,
                retention_until=retention_until(day),
            )
            if reason_code == RemovalReason.DEATH:
                v.change_reason = ChangeReason.DEATH
                v.notified_on = self._notify(day, 6)
            else:
                v.change_reason = (ChangeReason.MOVE_ABROAD if reason_code == RemovalReason.MOVE_ABROAD
                                   else ChangeReason.MOVE_OUT)
                destination = (m.foreign.nationality if m.foreign and reason_code == RemovalReason.MOVE_ABROAD
                               else self._elsewhere())
                v.notified_on = max(prev.valid_from + dt.timedelta(days=1),
                                    day - dt.timedelta(days=self.rng.randint(0, 14)))
                v.planned_move_out_address = destination
                v.planned_move_out_on = day
                v.planned_move_out_notified_on = v.notified_on
                notice = day + dt.timedelta(days=self.rng.randint(3, 30))
                if notice <= self.today and reason_code == RemovalReason.MOVE_OUT:
                    v.confirmed_move_out_address = destination
                    v.confirmed_move_out_on = day
                    v.confirmed_move_out_notice_on = notice
            v.removal_notified_on = v.notified_on
            v.recorded_at = max(self._at(v.notified_on), prev.recorded_at + dt.timedelta(minutes=1))
            versions.append(v)
        return versions

    # -- the stream -----------------------------------------------------------------------

    # -- the stream: chunks of CHUNK_RESIDENTS residents, each from its own seed ---------

    CHUNK_RESIDENTS = 5_000
    STRIDE = 2 * CHUNK_RESIDENTS  # numbers (counters) reserved per chunk: residents + removed

    @property
    def chunk_count(self) -> int:
        return -(-self.target // self.CHUNK_RESIDENTS)

    def _begin_chunk(self, k: int) -> None:
        """Start chunk ``k`` from a state that depends on (seed, k) only: its own random
        stream, its own building pool, and its own block of number counters."""
        self.rng = _Random(f"juki-demo:{self.seed}:{k}")
        self._buildings = {}
        base = k * self.STRIDE
        self._resident_codes.n = self._my_numbers.n = self._card_digits.n = base
        self._counter_limit = base + self.STRIDE

    def chunk_households(self, k: int) -> Iterator[HouseholdPlan]:
        """The households of chunk ``k``: ``CHUNK_RESIDENTS`` residents (the last chunk the
        rest), and their removed records. A chunk is generated alike wherever it runs, so
        worker processes can each generate some chunks (:mod:`juki.register.demo_rows`)."""
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


# --- loader ------------------------------------------------------------------------------

@dataclass
class DemoCounts:
    town_blocks: int = 0
    districts: int = 0
    households: int = 0
    persons: int = 0
    residents: int = 0
    removed: int = 0
    foreign_residents: int = 0
    versions: int = 0
    seconds: float = 0.0  # the whole load, indexes included
    write_seconds: float = 0.0  # inside COPY / executemany
    index_seconds: float = 0.0  # rebuilding indexes and ANALYZE (0 when they were kept)
    bulk_indexes: bool = False  # indexes dropped before the rows and rebuilt after
    workers: int = 1  # processes that generated and encoded the rows
    frozen: bool = False  # the record table written with COPY … FREEZE

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def register_is_empty() -> bool:
    """True when no municipality and no person has been registered yet."""
    return not Person.objects.exists() and not Municipality.objects.exists()


def _write_master(gen: DemoCityGenerator) -> tuple[dict[str, int], DemoCounts]:
    municipality = Municipality.objects.create(**data.MUNICIPALITY)
    wanted: dict[tuple[str, str], str] = {}
    for b in gen.blocks:
        wanted.setdefault((DistrictKind.ELEMENTARY_SCHOOL, b.elementary), b.elementary)
        wanted.setdefault((DistrictKind.JUNIOR_HIGH_SCHOOL, b.junior_high), b.junior_high)
        wanted.setdefault((DistrictKind.VOTING, b.voting), f"第{int(b.voting)}投票区")
    districts = []
    for n, ((kind, key), name) in enumerate(wanted.items(), start=1):
        code = key if kind == DistrictKind.VOTING else f"{n:03d}"
        districts.append(District(municipality=municipality, kind=kind, code=code, name=name))
    District.objects.bulk_create(districts)
    by_name = {(d.kind, d.name): d.pk for d in District.objects.filter(municipality=municipality)}
    blocks = [
        TownBlock(
            municipality=municipality, code=b.code, name=b.name, name_kana=b.kana, postcode=b.postcode,
            uses_residence_indication=b.residence_indication,
            elementary_school_district_id=by_name[(DistrictKind.ELEMENTARY_SCHOOL, b.elementary)],
            junior_high_school_district_id=by_name[(DistrictKind.JUNIOR_HIGH_SCHOOL, b.junior_high)],
            voting_district_id=by_name[(DistrictKind.VOTING, f"第{int(b.voting)}投票区")],
        )
        for b in gen.blocks
    ]
    TownBlock.objects.bulk_create(blocks)
    ids = dict(TownBlock.objects.filter(municipality=municipality).values_list("code", "pk"))
    return ids, DemoCounts(town_blocks=len(blocks), districts=len(districts))


_RECORD_COLUMNS = [f for f in ResidentRecord._meta.concrete_fields if not f.primary_key]
_HOUSEHOLD_COLUMNS = ("household_no", "created_at", "established_on", "dissolved_on")
_PERSON_COLUMNS = ("addressee_no", "created_at")
BULK_INDEX_THRESHOLD = 50_000  # from this many residents, indexes are dropped and rebuilt


class _Progress:
    """A small progress printer on stderr: done / total, rate and ETA (no dependency).

    On a terminal it redraws one line at most once a second; otherwise (a log file) it
    writes a line every ``log_every`` seconds.
    """

    def __init__(self, total: int, stream: TextIO | None, *, label: str = "住民", log_every: float = 10.0):
        self.total = total
        self.stream = stream
        self.label = label
        self.started = time.monotonic()
        self.last = 0.0
        self.tty = bool(stream is not None and getattr(stream, "isatty", lambda: False)())
        self.every = 1.0 if self.tty else log_every

    def __call__(self, done: int, *, final: bool = False) -> None:
        if self.stream is None:
            return
        now = time.monotonic()
        if not final and now - self.last < self.every:
            return
        self.last = now
        elapsed = max(now - self.started, 1e-9)
        rate = done / elapsed
        eta = (self.total - done) / rate if rate > 0 else 0.0
        width = 30
        filled = int(width * done / self.total) if self.total else width
        line = (f"{self.label} [{'#' * filled}{'.' * (width - filled)}] {done:,}/{self.total:,} "
                f"{rate:,.0f}/s 経過 {_hms(elapsed)} 残り {_hms(eta)}")
        self.stream.write(("\r" + line + ("\n" if final else "")) if self.tty else line + "\n")
        self.stream.flush()


def _hms(seconds: float) -> str:
    seconds = int(seconds)
    return f"{seconds // 3600:d}:{seconds // 60 % 60:02d}:{seconds % 60:02d}"


class _BatchWriter:
    """Writes encoded chunks (:mod:`juki.register.demo_rows`) a batch at a time with the
    database's bulk path: PostgreSQL ``COPY … FROM STDIN``, SQLite ``executemany``, inside the
    one load transaction. Per batch it allocates the household and addressee numbers and
    encrypts each My Number under its addressee number — the only per-person work left to
    this process — so memory holds one batch (and the chunks in flight) only."""

    def __init__(self, encoder: RowEncoder, counts: DemoCounts, batch_persons: int,
                 progress: Callable[[DemoCounts], None], *, freeze: bool = False):
        self.encoder = encoder
        self.counts = counts
        self.batch_persons = batch_persons
        self.progress = progress
        self.freeze = freeze
        self.buffer: list[Any] = []
        self.buffered_persons = 0
        self.write_seconds = 0.0

    def add_chunk(self, chunk: Chunk) -> None:
        for household in chunk:
            self.buffer.append(household)
            self.buffered_persons += len(household[1])
            if self.buffered_persons >= self.batch_persons:
                self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        enc, counts = self.encoder, self.counts
        households: list[Any] = []
        persons: list[Any] = []
        records: list[Any] = []
        addressee_nos = iter(numbering.allocate(numbering.ADDRESSEE, self.buffered_persons))
        for household_no, (tail, members) in zip(numbering.allocate(numbering.HOUSEHOLD, len(self.buffer)),
                                                 self.buffer, strict=True):
            households.append(enc.household_row(household_no, tail))
            for created, number, resident, foreign, rows in members:
                addressee_no = next(addressee_nos)
                persons.append(enc.person_row(addressee_no, created))
                prefix = enc.record_prefix(addressee_no, household_no, encrypt_my_number(number, addressee_no))
                records += [prefix + row for row in rows]
                if resident:
                    counts.residents += 1
                    counts.foreign_residents += foreign
                else:
                    counts.removed += 1
        started = time.perf_counter()
        write_rows(Household._meta.db_table, _HOUSEHOLD_COLUMNS, households)
        write_rows(Person._meta.db_table, _PERSON_COLUMNS, persons)
        write_rows(ResidentRecord._meta.db_table, RECORD_COLUMNS, records, freeze=self.freeze)
        self.write_seconds += time.perf_counter() - started
        counts.households += len(households)
        counts.persons += len(persons)
        counts.versions += len(records)
        self.buffer, self.buffered_persons = [], 0
        self.progress(counts)


def write_rows(table: str, columns: Any, rows: list[Any], *, freeze: bool = False) -> None:
    """The raw bulk write: ``COPY`` on PostgreSQL, ``executemany`` on SQLite (in the caller's
    transaction). Also the baseline ``juki bench`` compares the loader with. On PostgreSQL
    ``rows`` may be lines already in ``COPY`` text format (bytes) (:mod:`juki.register.demo_rows`);
    ``freeze`` (``COPY … FREEZE``) only for a table truncated in the current transaction."""
    if not rows:
        return
    qn = connection.ops.quote_name
    cols = ", ".join(qn(c) for c in columns)
    raw = connection.connection
    if connection.vendor == "postgresql":
        options = " WITH (FREEZE)" if freeze else ""
        with raw.cursor() as cur, cur.copy(f"COPY {qn(table)} ({cols}) FROM STDIN{options}") as copy:
            if isinstance(rows[0], bytes | bytearray):
                copy.write(b"".join(rows))
            else:
                for row in rows:
                    copy.write_row(row)
    else:
        marks = ", ".join("?" for _ in columns)
        cur = raw.cursor()
        try:
            cur.executemany(f"INSERT INTO {qn(table)} ({cols}) VALUES ({marks})", rows)  # noqa: S608 - names from model meta
        finally:
            cur.close()


# --- indexes: dropped before a large load, rebuilt after (faster than maintaining them) ----

def drop_secondary_indexes(table: str) -> list[str]:
    """Drop ``table``'s indexes, unique and foreign-key constraints except the primary key;
    return the SQL that recreates them (in order). Runs inside the load transaction, so a
    failed load restores them with the rollback."""
    restore: list[str] = []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            cur.execute(
                "SELECT c.conname, pg_get_constraintdef(c.oid) FROM pg_constraint c "
                "WHERE c.conrelid = %s::regclass AND c.contype IN ('f', 'u') ORDER BY c.contype DESC, c.conname",
                [table])
            constraints = cur.fetchall()
            cur.execute(
                "SELECT ci.relname, pg_get_indexdef(i.indexrelid) FROM pg_index i "
                "JOIN pg_class ci ON ci.oid = i.indexrelid "
                "WHERE i.indrelid = %s::regclass AND NOT i.indisprimary "
                "AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid) ORDER BY 1",
                [table])
            indexes = cur.fetchall()
            cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks may block ALTER TABLE
            cur.execute("SET CONSTRAINTS ALL DEFERRED")
            for name, _ in constraints:
                cur.execute(f'ALTER TABLE "{table}" DROP CONSTRAINT "{name}"')
            for name, _ in indexes:
                cur.execute(f'DROP INDEX "{name}"')
            restore += [definition for _, definition in indexes]
            restore += [f'ALTER TABLE "{table}" ADD CONSTRAINT "{name}" {definition}'
                        for name, definition in reversed(constraints)]  # unique first, then FKs
        else:
            cur.execute("SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name = %s "
                        "AND sql IS NOT NULL ORDER BY name", [table])
            for name, sql in cur.fetchall():
                cur.execute(f'DROP INDEX "{name}"')
                restore.append(sql)
    return restore


def rebuild_indexes(restore: list[str]) -> None:
    """Recreate what :func:`drop_secondary_indexes` dropped, then refresh planner statistics
    of the tables the load wrote (:func:`analyze_loaded_tables`)."""
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # Sorts of millions of keys in memory; the parallel btree build uses both cores.
            cur.execute("SET LOCAL maintenance_work_mem = '1GB'")
            cur.execute("SET LOCAL max_parallel_maintenance_workers = 2")
        for sql in restore:
            cur.execute(sql)
    analyze_loaded_tables()


#: What the demo load writes (and so what it analyses).
LOADED_MODELS = (Municipality, District, TownBlock, Household, Person, ResidentRecord)


def analyze_loaded_tables() -> None:
    """``ANALYZE`` the tables the load wrote (not the whole database).

    On PostgreSQL a table with raised per-column statistics targets (the record table's name
    keys, 1000: migration register.0005) is analysed in two passes: every column and
    expression index at the default target, then those columns alone at theirs. One plain
    ``ANALYZE`` would sample 300 × 1000 rows for *every* one of its ~80 columns; this gives
    the raised columns the same statistics for a tenth of the time, and the others those of
    the default target. The targets are restored in the same transaction."""
    with connection.cursor() as cur:
        for model in LOADED_MODELS:
            table = connection.ops.quote_name(model._meta.db_table)
            raised: list[tuple[str, int]] = []
            if connection.vendor == "postgresql":
                cur.execute("SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = %s::regclass "
                            "AND attnum > 0 AND NOT attisdropped AND attstattarget > 0 ORDER BY attnum",
                            [model._meta.db_table])
                raised = [(name, int(target)) for name, target in cur.fetchall()]
            if not raised:
                cur.execute(f"ANALYZE {table}")
                continue
            cols = [connection.ops.quote_name(name) for name, _ in raised]
            cur.execute(f"ALTER TABLE {table} " + ", ".join(f"ALTER COLUMN {c} SET STATISTICS -1" for c in cols))
            cur.execute(f"ANALYZE {table}")
            cur.execute(f"ALTER TABLE {table} " + ", ".join(
                f"ALTER COLUMN {c} SET STATISTICS {target}" for c, (_, target) in zip(cols, raised, strict=True)))
            cur.execute(f"ANALYZE {table} ({', '.join(cols)})")


def _truncate_for_freeze(table: str) -> bool:
    """PostgreSQL: ``TRUNCATE`` the (empty) ``table`` so that ``COPY … FREEZE`` may write it
    in this transaction: rows frozen and pages all-visible at once, so no later VACUUM is
    needed for index-only scans. False (nothing done) when another table references it."""
    if connection.vendor != "postgresql":
        return False
    with connection.cursor() as cur:
        cur.execute("SELECT 1 FROM pg_constraint WHERE contype = 'f' AND confrelid = %s::regclass "
                    "AND conrelid <> confrelid", [table])
        if cur.fetchone() is not None:
            return False
        cur.execute("SET CONSTRAINTS ALL IMMEDIATE")  # no pending FK checks may block TRUNCATE
        cur.execute("SET CONSTRAINTS ALL DEFERRED")
        cur.execute(f"TRUNCATE {connection.ops.quote_name(table)}")
    return True


def load_demo(*, residents: int = DEFAULT_RESIDENTS, seed: int = DEFAULT_SEED,
              reference_date: dt.date = REFERENCE_DATE, batch_persons: int = 2000,
              stdout: TextIO | None = None, progress_stream: TextIO | None = None,
              bulk_indexes: bool | None = None, workers: int | None = None) -> DemoCounts:
    """Write the demo city into an empty register, in one transaction, and audit it.

    Streams: the city is generated in chunks (:meth:`DemoCityGenerator.chunk_households`),
    encoded into rows by ``workers`` processes (default: both cores from 20,000 residents;
    the city is the same whatever the number), and written a batch of ``batch_persons``
    persons at a time, so memory does not grow with ``residents``. With ``bulk_indexes``
    (default: from ``BULK_INDEX_THRESHOLD`` residents) the record table's secondary indexes
    and constraints are dropped first and rebuilt after the rows are in (on PostgreSQL the
    table is truncated first and written with ``COPY … FREEZE``). ``valid_to`` is written
    with the rows, its triggers suspended for the load. ``progress_stream`` (e.g.
    ``sys.stderr``) gets a progress bar with rate and ETA.
    """
    if residents < 1:
        raise JukiError("DEMO_RESIDENTS", "住民数は1以上で指定してください。")
    bar = _Progress(residents, progress_stream)
    if bulk_indexes is None:
        bulk_indexes = residents >= BULK_INDEX_THRESHOLD
    if workers is None:
        workers = default_workers(residents)

    def progress(counts: DemoCounts) -> None:
        if stdout is not None:
            stdout.write(f"  住民 {counts.residents:,} / {residents:,} 人（除票 {counts.removed:,} 件）\n")
        bar(counts.residents)

    started = time.perf_counter()
    gen = DemoCityGenerator(seed=seed, residents=residents, reference_date=reference_date)
    table = ResidentRecord._meta.db_table
    with transaction.atomic():
        if not register_is_empty():
            raise JukiError("DEMO_NOT_EMPTY", "住民基本台帳に既にデータがあるため、デモ自治体を作成できません。")
        block_ids, counts = _write_master(gen)
        # the loader writes valid_to itself (validity.valid_to_of); no per-row trigger may run
        with validity.suspended():
            freeze = bulk_indexes and _truncate_for_freeze(table)
            restore = drop_secondary_indexes(table) if bulk_indexes else []
            encoder = RowEncoder(vendor=connection.vendor, ops=connection.ops, block_ids=block_ids,
                                 staff_id=DEMO_STAFF_ID)
            writer = _BatchWriter(encoder, counts, batch_persons, progress, freeze=freeze)
            for chunk in encoded_chunks(gen, encoder, workers):
                writer.add_chunk(chunk)
            writer.flush()
            bar(counts.residents, final=True)
            index_started = time.perf_counter()
            if bulk_indexes:
                if progress_stream is not None:
                    progress_stream.write(f"索引を作成しています（{len(restore)} 件）…\n")
                rebuild_indexes(restore)
        counts.index_seconds = round(time.perf_counter() - index_started, 2)
        counts.bulk_indexes, counts.workers, counts.frozen = bulk_indexes, workers, freeze
        counts.write_seconds = round(writer.write_seconds, 2)
        counts.seconds = round(time.perf_counter() - started, 2)
        audit_record(
            EventType.DEMO_LOADED, action="create", function="cli.demo",
            detail={"seed": seed, "reference_date": reference_date.isoformat(), **counts.as_dict()},
        )
    return counts
