"""和暦 dates (parse and format), property-based round trips and the era boundaries.

Era first days: 大正 1912-07-30, 昭和 1926-12-25, 平成 1989-01-08 (昭和64年政令第1号),
令和 2019-05-01 (平成31年政令第143号); 明治 dates are Gregorian from 明治6年1月1日
(改暦ノ布告, 明治5年太政官布告第337号).
"""

from __future__ import annotations

import datetime as dt

import pytest
from hypothesis import given
from hypothesis import strategies as st

from juki.register.wareki import (
    ERAS,
    DateParseError,
    PartialDate,
    era_of,
    format_wareki,
    format_wareki_partial,
    parse_date,
    parse_partial_date,
)

gregorian = st.dates(min_value=dt.date(1873, 1, 1), max_value=dt.date(2200, 12, 31))
FULL_WIDTH = str.maketrans("0123456789", "０１２３４５６７８９")


@given(gregorian)
def test_format_then_parse_gives_the_same_date(day):
    text = format_wareki(day)
    assert parse_date(text) == day
    assert parse_date(text.translate(FULL_WIDTH)) == day


@given(gregorian)
def test_abbreviated_and_era_code_forms_round_trip(day):
    era = era_of(day)
    y = era.year_of(day.year)
    assert parse_date(f"{era.letter}{y}.{day.month}.{day.day}") == day
    assert parse_date(f"{era.letter.lower()}{y}/{day.month}/{day.day}") == day
    if y < 100:
        assert parse_date(f"{era.code}{y:02d}{day.month:02d}{day.day:02d}") == day
        assert parse_date(f"{era.letter}{y:02d}{day.month:02d}{day.day:02d}") == day


@given(gregorian)
def test_western_forms_parse(day):
    for text in (day.isoformat(), day.strftime("%Y%m%d"), f"{day.year}年{day.month}月{day.day}日",
                 f"{day.year}/{day.month}/{day.day}"):
        assert parse_date(text) == day


@given(gregorian)
def test_partial_dates_round_trip(day):
    assert parse_partial_date(format_wareki_partial(day.year, day.month)) == PartialDate(day.year, day.month)
    assert parse_partial_date(format_wareki_partial(day.year)) == PartialDate(day.year)


@pytest.mark.parametrize(("text", "expected"), [
    ("明治6年1月1日", dt.date(1873, 1, 1)),
    ("明治45年7月29日", dt.date(1912, 7, 29)),
    ("大正元年7月30日", dt.date(1912, 7, 30)),
    ("大正15年12月24日", dt.date(1926, 12, 24)),
    ("昭和元年12月25日", dt.date(1926, 12, 25)),
    ("昭和64年1月7日", dt.date(1989, 1, 7)),
    ("平成元年1月8日", dt.date(1989, 1, 8)),
    ("平成31年4月30日", dt.date(2019, 4, 30)),
    ("令和元年5月1日", dt.date(2019, 5, 1)),
])
def test_era_boundaries(text, expected):
    assert parse_date(text) == expected
    assert format_wareki(expected) == text


@pytest.mark.parametrize("text", ["R2.1.1", "r２．１．１", "令2年1月1日", "令和二年一月一日", "5020101", "R020101"])
def test_other_ways_of_writing_a_wareki_date(text):
    assert parse_date(text) == dt.date(2020, 1, 1)


def test_era_ligature_is_read():
    assert parse_date("㍼55年5月1日") == dt.date(1980, 5, 1)


@pytest.mark.parametrize("text", [
    "昭和64年1月8日", "平成31年5月1日", "令和元年4月30日", "大正15年12月25日", "明治5年12月2日",
    "昭和0年1月1日", "1980-02-30", "S55.13.1", "昭和55年", "abc", "",
])
def test_impossible_or_out_of_era_dates_are_refused_with_a_japanese_message(text):
    with pytest.raises(DateParseError) as refused:
        parse_date(text)
    assert any("\u3040" <= c <= "\u9fff" for c in refused.value.message)


def test_first_days_of_the_eras():
    assert [(e.name, e.start) for e in ERAS] == [
        ("明治", dt.date(1873, 1, 1)), ("大正", dt.date(1912, 7, 30)), ("昭和", dt.date(1926, 12, 25)),
        ("平成", dt.date(1989, 1, 8)), ("令和", dt.date(2019, 5, 1))]
    with pytest.raises(DateParseError):
        format_wareki(dt.date(1872, 12, 31))


def test_partial_dates():
    assert parse_partial_date("昭和55年5月") == PartialDate(1980, 5)
    assert parse_partial_date("198005") == PartialDate(1980, 5)
    assert parse_partial_date("S55") == PartialDate(1980)
    assert format_wareki_partial(1989, 1) == "昭和64年1月"
    assert format_wareki_partial(2019, 5) == "令和元年5月"
