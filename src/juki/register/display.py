"""How the register writes a resident's items for people to read (表示): 住所 and 生年月日.

Shared by the register's own screens, search results, the API and the certificates (which
print what the register shows), so none of them reaches into the change workflow or search.
"""

from __future__ import annotations

import functools
from typing import Protocol

from .models import DatePrecision, Municipality, ResidentKind, TownBlock
from .wareki import DateParseError, format_wareki_partial, format_western


def format_address(municipality: Municipality, town_block: TownBlock, banchi: str, katagaki: str = "") -> str:
    """住所 as written on records: prefecture, municipality, town block, 番地, 方書."""
    text = f"{municipality.prefecture}{municipality.name}{town_block.name}{banchi}"
    return f"{text}\u3000{katagaki}" if katagaki else text


class BirthItems(Protocol):
    """The date-of-birth items of a record version or of a search match."""

    @property
    def birth_date_precision(self) -> str: ...
    @property
    def birth_year(self) -> int | None: ...
    @property
    def birth_month(self) -> int | None: ...
    @property
    def birth_day(self) -> int | None: ...
    @property
    def birth_date_note(self) -> str: ...
    @property
    def resident_kind(self) -> str: ...


def birth_display(rec: BirthItems) -> str:
    """生年月日 as a result line shows it: 和暦 for Japanese residents, 西暦 for foreign residents
    (住民票の記載の例による), with the unknown-date forms (日不詳・月日不詳・不詳)."""
    return _birth_text(rec.birth_date_precision, rec.birth_year, rec.birth_month, rec.birth_day,
                       rec.birth_date_note, rec.resident_kind == ResidentKind.FOREIGN)


@functools.lru_cache(maxsize=16384)
def _birth_text(precision: str, year: int | None, month: int | None, day: int | None, note: str,
                foreign: bool) -> str:
    """:func:`birth_display` on plain values (cached per process: dates of birth recur across searches)."""
    if precision == DatePrecision.UNKNOWN or year is None:
        return note or "不詳"
    day = day if precision == DatePrecision.FULL else None
    month = month if precision in (DatePrecision.FULL, DatePrecision.YEAR_MONTH) else None
    text = format_western(year, month, day)
    if not foreign:
        try:
            text = format_wareki_partial(year, month, day)
        except DateParseError:
            pass  # before 1873: the Western date
    if precision == DatePrecision.YEAR_MONTH:
        text += "（日不詳）"
    elif precision == DatePrecision.YEAR:
        text += "（月日不詳）"
    return text
