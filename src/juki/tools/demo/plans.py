"""Plans of the demo city (デモ自治体の計画): plain data, no database.

The generator (:mod:`juki.tools.demo.generator`) describes each household as a
:class:`HouseholdPlan`: its members (:class:`PersonPlan`) with every version of their record
(:class:`VersionPlan`); the loader (:mod:`juki.tools.demo.loader`) writes them. The constants
fix the city: a seed and a reference date always give the same city.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from zoneinfo import ZoneInfo

from juki.register.models import DatePrecision, FuriganaCertification, RecordStatus, ResidentKind

REFERENCE_DATE = dt.date(2026, 4, 1)
DEFAULT_SEED = 52019
DEFAULT_RESIDENTS = 10_000
TOKYO = ZoneInfo("Asia/Tokyo")
DEMO_STAFF_ID = "demo"


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
