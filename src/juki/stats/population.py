"""Population as of a date (基準日現在の人口・世帯数), computed from the record history.

As of a date D, a person is counted when the version of their record in force on D is a
resident one (``status = resident``). "In force" is the rule of :mod:`juki.register.history`:
the version with the latest ``valid_from`` (異動日) on or before D, ties broken by the higher
``version``. Each version carries ``valid_to`` (効力の終わり), the ``valid_from`` of the next
version in that order, kept by the database (:mod:`juki.register.validity`); the version in
force on D is then the one row of the person with ``valid_from <= D < valid_to`` (NULL = open),
so :func:`in_force_on` is a plain filter and the counts are exactly those of
:func:`juki.register.history.record_as_of` person by person, computed by the database.
:func:`population` runs the same rule as one portable SQL statement (:data:`POPULATION_SQL`)
that reads only a covering index of the resident rows in force — docs/performance.md: the former
anti-join over every version took 33 s at 3,800,000 residents (11.5 M versions); see
docs/performance.md "Session 3: population statistics" and docs/statistics.md.

Age (年齢) is the age on D (満年齢, 年齢計算ニ関スル法律). Unknown parts of a birth date
(生年月日不詳, partial dates) are read as the *earliest* day they allow: an unknown day as the
1st of the month, an unknown month and day as 1 January — SQL compares NULL as "not later",
which gives exactly that. A person with no known birth year is in the band 「年齢不詳」.

Households (世帯数) are distinct household numbers among the counted residents, split into
日本人のみの世帯, 外国人のみの世帯 and 複数国籍世帯 (both), as the 住民基本台帳に基づく
人口、人口動態及び世帯数調査 reports them. A household is counted in each town block where it has
members (normally one).
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from django.db import connection, transaction
from django.db.models import QuerySet

from juki.register.history import in_force_on
from juki.register.models import RecordStatus, ResidentKind, ResidentRecord, Sex, TownBlock

BAND_WIDTH = 5
#: The last band is open: 100歳以上.
TOP_AGE = 100
UNKNOWN_BAND = "unknown"
BANDS: list[str] = [f"{a}-{a + BAND_WIDTH - 1}" for a in range(0, TOP_AGE, BAND_WIDTH)] + [f"{TOP_AGE}+", UNKNOWN_BAND]
SEXES = (Sex.MALE, Sex.FEMALE)
KINDS = (ResidentKind.JAPANESE, ResidentKind.FOREIGN)


def band_label(band: str) -> str:
    """「0〜4歳」…「95〜99歳」「100歳以上」「年齢不詳」."""
    if band == UNKNOWN_BAND:
        return "年齢不詳"
    if band.endswith("+"):
        return f"{band[:-1]}歳以上"
    lo, hi = band.split("-")
    return f"{lo}〜{hi}歳"


def band_of(age: int | None) -> str:
    if age is None or age < 0:
        return UNKNOWN_BAND
    if age >= TOP_AGE:
        return f"{TOP_AGE}+"
    lo = age // BAND_WIDTH * BAND_WIDTH
    return f"{lo}-{lo + BAND_WIDTH - 1}"


def residents_on(on: dt.date) -> QuerySet[ResidentRecord]:
    """The resident versions in force on ``on``: the population of that day, one row per person."""
    return in_force_on(on).filter(status=RecordStatus.RESIDENT)


@dataclass
class BlockRow:
    """One town block's totals (町丁字別)."""

    block_id: int
    code: str
    name: str
    male: int = 0
    female: int = 0
    japanese: int = 0
    foreign: int = 0
    households: int = 0
    households_japanese: int = 0
    households_foreign: int = 0
    households_mixed: int = 0

    @property
    def total(self) -> int:
        return self.male + self.female


@dataclass
class Population:
    """The population of one day. ``cells`` maps (block id, band, sex, kind) to a count."""

    on: dt.date
    cells: dict[tuple[int, str, int, str], int]
    blocks: list[BlockRow]
    households: int
    households_japanese: int
    households_foreign: int
    households_mixed: int
    _index: dict[tuple[bool, ...], dict[tuple[Any, ...], int]] = field(default_factory=dict, repr=False)

    @property
    def total(self) -> int:
        return sum(self.cells.values())

    def count(self, *, block: int | None = None, band: str | None = None, sex: int | None = None,
              kind: str | None = None) -> int:
        """Sum of the cells matching every given dimension (each combination of dimensions is
        summed once over the cells, then looked up: tables of thousands of cells stay fast)."""
        wanted = (block, band, sex, kind)
        mask = tuple(v is not None for v in wanted)
        index = self._index.get(mask)
        if index is None:
            index = defaultdict(int)
            for key, n in self.cells.items():
                index[tuple(k for k, m in zip(key, mask, strict=True) if m)] += n
            self._index[mask] = index
        return index.get(tuple(v for v, m in zip(wanted, mask, strict=True) if m), 0)

    def pyramid(self, *, block: int | None = None) -> list[tuple[str, int, int]]:
        """(band, male, female) for every band, youngest first."""
        return [(band, self.count(block=block, band=band, sex=Sex.MALE),
                 self.count(block=block, band=band, sex=Sex.FEMALE)) for band in BANDS]


def _in_force_arm(valid_to: str) -> str:
    """One arm of the population's rows: resident versions in force whose ``valid_to`` is
    ``valid_to`` (an SQL condition), with the age on the day."""
    return f"""
  SELECT r.town_block_id AS tb, r.household_id AS hh, r.sex AS sex, r.resident_kind AS kind,
         %(year)s - r.birth_year
           - CASE WHEN r.birth_month > %(month)s OR (r.birth_month = %(month)s AND r.birth_day > %(day)s)
                  THEN 1 ELSE 0 END AS age
  FROM register_residentrecord r
  WHERE r.status = '{RecordStatus.RESIDENT.value}' AND r.{valid_to} AND r.valid_from <= %(on)s"""  # noqa: S608 - constants only


#: One statement computes everything (docs/performance.md: one pass over the rows in force, not three). The
#: CTE ``pop`` is the population of the day — the resident versions in force, one per person
#: (``valid_from <= D < valid_to``, :func:`in_force_on`), with the age on the day; ``pop`` is a
#: UNION ALL of the open versions (``valid_to IS NULL``) and the closed ones still in force
#: (``valid_to > D``), each arm one range of the covering index ``record_resident_in_force``
#: (status, valid_to, valid_from, then the columns counted), so neither database reads the
#: wide record rows. PostgreSQL materialises ``pop`` once (it is referenced three times). The
#: cells are one GROUP BY of ``pop``. Households are grouped once (``hh``: one row per
#: household, with its lowest and highest town block): that gives the city's households, and
#: the households per block for the households in one block; the rare household with members in
#: several blocks is counted in each of them from its members' rows (the join finds no row in
#: the usual case, and then costs nothing). Portable SQL: it runs as is on SQLite and PostgreSQL.
POPULATION_SQL = f"""
WITH pop AS ({_in_force_arm("valid_to IS NULL")}
  UNION ALL{_in_force_arm("valid_to > %(on)s")}
), hh AS (
  SELECT hh, MIN(tb) AS tb, MAX(tb) AS tb_hi,
         MAX(CASE WHEN kind = %(japanese)s THEN 1 ELSE 0 END) AS has_j,
         MAX(CASE WHEN kind = %(foreign)s THEN 1 ELSE 0 END) AS has_f
  FROM pop GROUP BY hh
)
SELECT 'c' AS part, tb, sex, kind, age, COUNT(*) AS n, 0 AS with_j, 0 AS with_f
  FROM pop GROUP BY tb, sex, kind, age
UNION ALL
SELECT 'b', tb, NULL, NULL, NULL, COUNT(*), SUM(has_j), SUM(has_f) FROM (
  SELECT tb, has_j, has_f FROM hh WHERE tb = tb_hi
  UNION ALL
  SELECT p.tb, MAX(CASE WHEN p.kind = %(japanese)s THEN 1 ELSE 0 END),
         MAX(CASE WHEN p.kind = %(foreign)s THEN 1 ELSE 0 END)
  FROM pop AS p JOIN hh AS several ON p.hh = several.hh AND several.tb <> several.tb_hi
  GROUP BY p.tb, p.hh
) AS per_block GROUP BY tb
UNION ALL
SELECT 't', NULL, NULL, NULL, NULL, COUNT(*), SUM(has_j), SUM(has_f) FROM hh
"""  # noqa: S608 - the arms are constants


#: PostgreSQL ``work_mem`` for the statistics' aggregates (per hash table; one query at a time).
AGGREGATE_WORK_MEM = "256MB"


@contextmanager
def aggregate_transaction() -> Iterator[None]:
    """A read transaction for the statistics' one-off aggregates.

    On PostgreSQL, JIT compilation costs more than it saves on them (measured: 4.5 s of 9 s for
    the population at 1,000,000 residents), so it is switched off for this transaction only;
    and ``work_mem`` is raised for it (:data:`AGGREGATE_WORK_MEM`) so that the hash aggregates
    over a city's households (~1.7 million groups at 3.8 million residents) stay in memory
    instead of spilling to temporary files in batches.
    """
    with transaction.atomic():
        if connection.vendor == "postgresql":
            with connection.cursor() as cur:
                cur.execute("SET LOCAL jit = off")
                cur.execute(f"SET LOCAL work_mem = '{AGGREGATE_WORK_MEM}'")
        yield


def _population_rows(on: dt.date) -> list[tuple[Any, ...]]:
    params: dict[str, Any] = {"on": on, "year": on.year, "month": on.month, "day": on.day,
              "japanese": ResidentKind.JAPANESE.value, "foreign": ResidentKind.FOREIGN.value}
    with aggregate_transaction(), connection.cursor() as cur:
        cur.execute(POPULATION_SQL, params)
        return cur.fetchall()


def population(on: dt.date) -> Population:
    """Population by town block × 5-year age band × sex × Japanese/foreign, and households, on ``on``.

    One set-based statement (:data:`POPULATION_SQL`); nothing is read person by person. The
    ORM form of the same rule, :func:`residents_on`, serves the other statistics and the tests.
    """
    cells: dict[tuple[int, str, int, str], int] = defaultdict(int)
    per_block: dict[int, tuple[int, int, int]] = {}
    city = (0, 0, 0)
    for part, tb, sex, kind, age, n, with_j, with_f in _population_rows(on):
        if part == "c":
            cells[(tb, band_of(age), int(sex), kind)] += n
        elif part == "b":
            per_block[tb] = (n, int(with_j or 0), int(with_f or 0))
        elif n:
            city = (n, int(with_j or 0), int(with_f or 0))
    rows: dict[int, BlockRow] = {
        b.pk: BlockRow(b.pk, b.code, b.name) for b in TownBlock.objects.order_by("code")
    }
    for (block, _band, sex, kind), n in cells.items():
        r = rows[block]
        if sex == Sex.MALE:
            r.male += n
        else:
            r.female += n
        if kind == ResidentKind.JAPANESE:
            r.japanese += n
        else:
            r.foreign += n
    for block, (total, with_j, with_f) in per_block.items():
        r = rows[block]
        r.households = total
        r.households_japanese = total - with_f
        r.households_foreign = total - with_j
        r.households_mixed = with_j + with_f - total
    blocks = [r for r in rows.values() if r.total or r.households]
    total, with_j, with_f = city
    return Population(
        on=on, cells=dict(cells), blocks=blocks, households=total,
        households_japanese=total - with_f, households_foreign=total - with_j,
        households_mixed=with_j + with_f - total,
    )
