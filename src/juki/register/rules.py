"""Register rules that need no database (住民基本台帳の規則). Plain functions over plain data."""

from __future__ import annotations

import calendar
import datetime as dt

#: 住基法施行令34条: removed records (除票) are kept for 150 years from the day of removal.
RETENTION_YEARS = 150


def add_years(day: dt.date, years: int) -> dt.date:
    """The same calendar day ``years`` later; 29 February falls back to the last day of
    February when the target year is not a leap year (民法143条2項)."""
    year = day.year + years
    last = calendar.monthrange(year, day.month)[1]
    return day.replace(year=year, day=min(day.day, last))


def retention_until(removed_on: dt.date) -> dt.date:
    """保存期限 of a removed record: removal date + 150 years (住基法施行令34条)."""
    return add_years(removed_on, RETENTION_YEARS)
