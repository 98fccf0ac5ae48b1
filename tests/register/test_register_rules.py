"""Plain register rules: retention of removed records and name search keys (no database)."""

from __future__ import annotations

import datetime as dt

from hypothesis import given
from hypothesis import strategies as st

from juki.register.entry_rules import RETENTION_YEARS, retention_until
from juki.register.names import has_variation_selector, kana_search_key, kanji_search_key


def test_removed_record_is_kept_150_years_from_removal():
    # 住基法施行令34条: 除票 are kept 150 years from the day of removal.
    assert RETENTION_YEARS == 150
    assert retention_until(dt.date(2024, 3, 31)) == dt.date(2174, 3, 31)


def test_removal_on_29_february_is_kept_until_28_february_when_not_a_leap_year():
    # 2174 is not a leap year: the period ends on the last day of February (民法143条2項).
    assert retention_until(dt.date(2024, 2, 29)) == dt.date(2174, 2, 28)


@given(st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2500, 12, 31)))
def test_retention_is_never_shorter_than_150_years(day):
    kept = retention_until(day)
    assert kept.year == day.year + 150
    assert (kept.month, kept.day) <= (day.month, day.day)
    assert (day - dt.date(day.year, 1, 1)) - (kept - dt.date(kept.year, 1, 1)) <= dt.timedelta(days=1)


def test_kana_key_folds_script_width_voicing_and_small_kana():
    # Identity searches compare kana 清音化: voiced→unvoiced, small→large, no spaces.
    expected = "ワタナヘシユン"
    assert kana_search_key("ワタナベ　ジュン") == expected
    assert kana_search_key("わたなべ じゅん") == expected
    assert kana_search_key("ﾜﾀﾅﾍﾞ ｼﾞｭﾝ") == expected
    assert kana_search_key("グエン・ヴァン　アン") == "クエンウアンアン"
    assert kana_search_key("パク") == "ハク"


def test_kanji_key_ignores_ivs_but_the_registered_name_keeps_it():
    tsuji_e0102 = "辻\U000e0102"
    tsuji_e0103 = "辻\U000e0103"
    assert tsuji_e0102 != tsuji_e0103
    assert kanji_search_key(tsuji_e0102 + "　太郎") == kanji_search_key(tsuji_e0103 + "太郎") == "辻太郎"
    assert has_variation_selector(tsuji_e0102)
    assert not has_variation_selector("辻")
