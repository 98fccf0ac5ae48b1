"""和暦 (Japanese era) dates: parse what clerks type, format what screens show. No Django.

Eras and their first day in the Gregorian calendar:

====  ====  ==========  ==============================================================
era   abbr  first day   note
====  ====  ==========  ==============================================================
明治  M     1873-01-01  改元 1868-10-23, but Japan used the lunisolar calendar until
                        明治5年12月2日; 明治6年1月1日 = 1873-01-01 is the first Gregorian
                        day (改暦ノ布告, 明治5年太政官布告第337号). Earlier 明治 dates are
                        lunisolar and are refused rather than converted wrongly.
大正  T     1912-07-30
昭和  S     1926-12-25
平成  H     1989-01-08  (元号を改める政令, 昭和64年政令第1号)
令和  R     2019-05-01  (元号を改める政令, 平成31年政令第143号)
====  ====  ==========  ==============================================================

Accepted input (full-width digits and letters, spaces, and kanji numerals are accepted;
元年 is year 1):

- Western: ``1980-05-01``, ``1980/5/1``, ``1980.5.1``, ``1980年5月1日``, ``19800501``;
  partial ``1980-05``, ``198005``, ``1980年5月``, ``1980``.
- 和暦: ``昭和55年5月1日``, ``昭和五十五年五月一日``, ``S55.5.1``, ``s55/5/1``, ``昭55.5.1``,
  ``R元.5.1``, ``S550501`` (era letter + YYMMDD); partial ``昭和55年5月``, ``S55.5``,
  ``昭和55年``; and the seven-digit era-code form of register systems ``3550501``
  (1 明治, 2 大正, 3 昭和, 4 平成, 5 令和).

A date that does not exist (2月30日) or lies outside its era (昭和64年1月8日, 平成31年5月1日)
is refused with :class:`DateParseError`, whose message is Japanese.

japanera (PyPI) was considered; the five-era table, the 1873 cut-over and the input forms
above are shorter to state here than to adapt, so this is plain code.
"""

from __future__ import annotations

import calendar
import datetime as dt
import re
import unicodedata
from dataclasses import dataclass

from juki.core.digits import is_ascii_digits


class DateParseError(ValueError):
    """An unreadable or impossible date; ``message`` is Japanese (shown to the clerk)."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass(frozen=True)
class Era:
    name: str  # 昭和
    letter: str  # S
    code: int  # 3 (era code of register systems)
    start: dt.date  # first Gregorian day accepted
    first_year: int  # Gregorian year of 元年

    def year_of(self, gregorian_year: int) -> int:
        return gregorian_year - self.first_year + 1

    def gregorian(self, era_year: int) -> int:
        return self.first_year + era_year - 1


ERAS: tuple[Era, ...] = (
    Era("明治", "M", 1, dt.date(1873, 1, 1), 1868),
    Era("大正", "T", 2, dt.date(1912, 7, 30), 1912),
    Era("昭和", "S", 3, dt.date(1926, 12, 25), 1926),
    Era("平成", "H", 4, dt.date(1989, 1, 8), 1989),
    Era("令和", "R", 5, dt.date(2019, 5, 1), 2019),
)
_BY_KEY: dict[str, Era] = {}
for _e in ERAS:
    _BY_KEY[_e.name] = _BY_KEY[_e.letter] = _BY_KEY[_e.name[0]] = _e


def era_end(era: Era) -> dt.date | None:
    """Last day of ``era`` (None for the current era)."""
    i = ERAS.index(era)
    return ERAS[i + 1].start - dt.timedelta(days=1) if i + 1 < len(ERAS) else None


def era_of(day: dt.date) -> Era:
    """The era ``day`` falls in; refuses days before 明治6年1月1日 (1873-01-01)."""
    if day < ERAS[0].start:
        raise DateParseError("明治6年1月1日（1873年1月1日）より前の日付は和暦に換算できません。")
    for era in reversed(ERAS):
        if day >= era.start:
            return era
    raise AssertionError("unreachable")


@dataclass(frozen=True)
class PartialDate:
    """A date whose day, or month and day, may be unknown (年月のみ・年のみ)."""

    year: int
    month: int | None = None
    day: int | None = None

    @property
    def is_full(self) -> bool:
        return self.month is not None and self.day is not None

    def first_day(self) -> dt.date:
        return dt.date(self.year, self.month or 1, self.day or 1)

    def last_day(self) -> dt.date:
        month = self.month or 12
        return dt.date(self.year, month, self.day or calendar.monthrange(self.year, month)[1])

    def to_date(self) -> dt.date:
        if not self.is_full:
            raise DateParseError("年月日をすべて入力してください。")
        return self.first_day()


# --- formatting ---------------------------------------------------------------------------------


def _era_year_text(era_year: int) -> str:
    return "元" if era_year == 1 else str(era_year)


def format_wareki(day: dt.date) -> str:
    """``date(1980, 5, 1)`` -> ``"昭和55年5月1日"``; year 1 is written 元年."""
    era = era_of(day)
    return f"{era.name}{_era_year_text(era.year_of(day.year))}年{day.month}月{day.day}日"


def format_wareki_partial(year: int, month: int | None = None, day: int | None = None) -> str:
    """和暦 of a possibly partial date: ``"昭和55年5月"``, ``"昭和55年"``.

    A partial period spanning two eras is named by the era of its first day (昭和64年1月 for
    January 1989, 平成元年 would be as right); a full date is exact.
    """
    if month is not None and day is not None:
        return format_wareki(dt.date(year, month, day))
    era = era_of(PartialDate(year, month, None).first_day())
    text = f"{era.name}{_era_year_text(era.year_of(year))}年"
    return f"{text}{month}月" if month is not None else text


def format_western(year: int, month: int | None = None, day: int | None = None) -> str:
    """``"1980年5月1日"`` (foreign residents' records use the Western calendar)."""
    text = f"{year}年"
    if month is not None:
        text += f"{month}月"
        if day is not None:
            text += f"{day}日"
    return text


# --- parsing ------------------------------------------------------------------------------------

_KANJI_DIGITS = {"〇": 0, "零": 0, "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_NUM = r"(?:\d{1,4}|[〇零一二三四五六七八九十]{1,4}|元)"
_ERA = r"(?P<era>明治|大正|昭和|平成|令和|[明大昭平令]|[MTSHR])"
_SEP_Y = r"(?:年|[-/.])"
_SEP_M = r"(?:月|[-/.])"
_WAREKI = re.compile(
    rf"^{_ERA}\.?(?P<y>{_NUM})(?:{_SEP_Y}(?:(?P<m>{_NUM}){_SEP_M}?(?:(?P<d>{_NUM})日?)?)?)?$"
)
_WAREKI_COMPACT = re.compile(r"^(?P<era>[MTSHR])(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})?$")
_ERA_CODE = re.compile(r"^(?P<code>[1-5])(?P<y>\d{2})(?P<m>\d{2})(?P<d>\d{2})$")
_WESTERN = re.compile(rf"^(?P<y>\d{{4}})(?:{_SEP_Y}(?P<m>\d{{1,2}}){_SEP_M}?(?:(?P<d>\d{{1,2}})日?)?)?年?$")
_WESTERN_COMPACT = re.compile(r"^(?P<y>\d{4})(?P<m>\d{2})(?P<d>\d{2})?$")
_BLANKS = re.compile(r"[\s\u3000]+")


def _number(text: str) -> int:
    """``"55"``, ``"五十五"``, ``"一九八〇"``, ``"元"`` -> int."""
    if text == "元":
        return 1
    if is_ascii_digits(text):
        return int(text)
    if "十" in text:
        tens, _, ones = text.partition("十")
        if "十" in ones or len(tens) > 1 or len(ones) > 1:
            raise DateParseError("漢数字の書き方が正しくありません。")
        return (_KANJI_DIGITS[tens] if tens else 1) * 10 + (_KANJI_DIGITS[ones] if ones else 0)
    value = 0
    for ch in text:
        value = value * 10 + _KANJI_DIGITS[ch]
    return value


def _normalise(text: str) -> str:
    s = unicodedata.normalize("NFKC", str(text))  # full-width digits/letters, ㍼ -> 昭和
    s = _BLANKS.sub("", s).upper()
    return s.replace("ー", "-").replace("−", "-").replace("‐", "-")


def _check(year: int, month: int | None, day: int | None) -> PartialDate:
    if month is not None and not 1 <= month <= 12:
        raise DateParseError(f"月は1から12で入力してください（{month}月）。")
    if day is not None:
        if month is None:
            raise DateParseError("日を入力する場合は月も入力してください。")
        if not 1 <= day <= calendar.monthrange(year, month)[1]:
            raise DateParseError(f"{year}年{month}月{day}日は存在しない日付です。")
    if not 1 <= year <= 9999:
        raise DateParseError("年が正しくありません。")
    return PartialDate(year, month, day)


def _from_era(era: Era, era_year: int, month: int | None, day: int | None) -> PartialDate:
    if era_year < 1:
        raise DateParseError(f"{era.name}の年は1（元年）以上で入力してください。")
    partial = _check(era.gregorian(era_year), month, day)
    end = era_end(era)
    label = f"{era.name}{_era_year_text(era_year)}年" + (f"{month}月" if month else "") + (f"{day}日" if day else "")
    if partial.last_day() < era.start:
        if era is ERAS[0]:
            raise DateParseError(f"{label}は改暦（明治6年1月1日）前の日付のため入力できません。")
        raise DateParseError(f"{label}は{era.name}の始まり（{format_wareki(era.start)}）より前です。")
    if end is not None and partial.first_day() > end:
        raise DateParseError(f"{label}は{era.name}の終わり（{format_wareki(end)}）より後です。")
    return partial


def parse_partial_date(text: str) -> PartialDate:
    """Parse a Western or 和暦 date, possibly without day (or month and day)."""
    s = _normalise(text)
    if not s:
        raise DateParseError("日付を入力してください。")
    try:
        if m := _ERA_CODE.match(s):
            era = ERAS[int(m["code"]) - 1]
            return _from_era(era, int(m["y"]), int(m["m"]), int(m["d"]))
        if m := _WAREKI_COMPACT.match(s):
            d = int(m["d"]) if m["d"] else None
            return _from_era(_BY_KEY[m["era"]], int(m["y"]), int(m["m"]), d)
        if m := _WAREKI.match(s):
            month = _number(m["m"]) if m["m"] else None
            day = _number(m["d"]) if m["d"] else None
            return _from_era(_BY_KEY[m["era"]], _number(m["y"]), month, day)
        if m := (_WESTERN_COMPACT.match(s) or _WESTERN.match(s)):
            month = int(m["m"]) if m["m"] else None
            day = int(m["d"]) if m["d"] else None
            return _check(int(m["y"]), month, day)
    except (KeyError, ValueError) as exc:
        if isinstance(exc, DateParseError):
            raise
        raise DateParseError("日付の形式が正しくありません。") from exc
    raise DateParseError(
        f"日付の形式が正しくありません（「{str(text)[:20]}」）。例: 1980-05-01、昭和55年5月1日、S55.5.1"
    )


def parse_date(text: str) -> dt.date:
    """Parse a full Western or 和暦 date (``1980-05-01``, ``昭和55年5月1日``, ``S55.5.1``)."""
    return parse_partial_date(text).to_date()
