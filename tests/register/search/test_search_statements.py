"""住民検索 at scale (docs/performance.md): the matches come from ONE ordered, limited statement.

search p95 ≤ 50 ms at 3.8 M residents (docs/performance.md, "Session 3: search"):
a name search used to collect up to 1,000 ids from the name-key query and from the
other-names query (振り仮名・旧氏・通称) in Python and fetch the page with a third query.
It now asks the database once — the two arms each ordered and limited, merged by ``UNION``
with the outer ``ORDER BY … LIMIT`` — and counts the matches (「該当件数」, shown by the API as
``total_capped``) only when the page is truncated. The results must not change: same rows,
same order, a person found by two names listed once (DESIGN §6, docs/register-search.md).
"""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from juki.register.models import ResidentRecord
from juki.register.search import SearchCriteria, search_residents

from .conftest import person

RECORD_TABLE = ResidentRecord._meta.db_table


def record_selects(ctx: CaptureQueriesContext) -> list[str]:
    """The statements that read the register (the audit event and the town-block check aside)."""
    return [q["sql"] for q in ctx.captured_queries
            if q["sql"].lstrip().upper().startswith("SELECT") and RECORD_TABLE in q["sql"]]


def addressees(result) -> list[str]:
    return [row.addressee_no for row in result.rows]


def no(rec) -> str:
    return f"{rec.person_id:010d}"


@pytest.mark.parametrize("criteria", [
    SearchCriteria(name="シケン", birth="1980"),  # kana: name key + 振り仮名・旧氏・通称
    SearchCriteria(name="試験", birth="1980-05-01"),  # kanji: name key + 旧氏・通称
    SearchCriteria(name="シケン", town_block="0001001"),  # the bench's kana prefix + town block
], ids=["kana+birth", "kanji+birth", "kana+town-block"])
def test_a_name_search_reads_the_register_with_one_select(city, clerk, act, criteria):
    """docs/performance.md: one ordered LIMIT statement for the matches, not two id queries and a fetch."""
    person(city, _block=0)
    person(city, _block=1, birth_year=1990)
    with CaptureQueriesContext(connection) as ctx:
        result = search_residents(act(clerk), criteria)
    assert len(result.rows) == 1 and not result.truncated
    (statement,) = record_selects(ctx)
    assert "UNION" in statement.upper() and "ORDER BY" in statement.upper()


def test_a_truncated_search_counts_the_matches_only_when_asked(city, clerk, act, settings):
    """The count (「該当件数」, API ``total_capped``) is a second statement, run only for a
    truncated page and only when the caller shows it (the API; the staff screen does not)."""
    settings.JUKI_SEARCH_LIMIT = 2
    for i in range(4):
        person(city, given_name=f"次郎{i}", given_name_kana="ジロウ")
    criteria = SearchCriteria(name="シケン", birth="1980")
    with CaptureQueriesContext(connection) as ctx:
        screen = search_residents(act(clerk), criteria)
    assert screen.truncated and len(screen.rows) == 2 and screen.total_capped == 3  # more than the limit
    assert len(record_selects(ctx)) == 1
    with CaptureQueriesContext(connection) as ctx:
        counted = search_residents(act(clerk), criteria, count_matches=True)
    assert counted.rows == screen.rows and counted.truncated and counted.total_capped == 4
    page, count = record_selects(ctx)
    assert "COUNT(" in count.upper() and "COUNT(" not in page.upper()


def other_names_city(city):
    """Residents whose searched name is only a 振り仮名, a 旧氏 or a 通称, beside ones whose
    registered kana name matches, and one whose registered name AND 旧氏 both match."""
    return {
        "furigana": person(city, family_name="東海林", given_name="一", family_name_kana="トウカイリン",
                           given_name_kana="ハジメ", family_name_furigana="さかい", given_name_furigana="はじめ"),
        "former": person(city, family_name="鈴木", given_name="二郎", family_name_kana="スズキ",
                         given_name_kana="ジロウ", former_surname="酒井", former_surname_kana="サカイ",
                         birth_day=3),
        "alias": person(city, family_name="LEE", given_name="", family_name_kana="リー", given_name_kana="",
                        alias_name="酒井 三郎", alias_name_kana="サカイ サブロウ", birth_day=2),
        "key": person(city, family_name="坂井", given_name="四郎", family_name_kana="サカイ",
                      given_name_kana="シロウ", birth_day=4),
        "both": person(city, family_name="酒井", given_name="五郎", family_name_kana="サカイ",
                       given_name_kana="ゴロウ", former_surname="酒井", former_surname_kana="サカイ",
                       birth_day=5),
        "other": person(city, family_name="佐藤", given_name="六郎", family_name_kana="サトウ",
                        given_name_kana="ロクロウ"),
    }


def test_names_found_only_as_furigana_former_surname_or_alias_are_merged_in_display_order(city, clerk, act):
    """docs/register-search.md: 振り仮名・旧氏・通称 are searched too; the merged list is ordered like every
    result (kana key, date of birth, addressee number) and lists a person once."""
    people = other_names_city(city)
    result = search_residents(act(clerk), SearchCriteria(name="さかい", birth="1980"))
    expected = sorted((people[k] for k in ("furigana", "former", "alias", "key", "both")),
                      key=lambda r: (r.name_kana_key, r.birth_year, r.birth_month, r.birth_day, r.person_id))
    assert addressees(result) == [no(r) for r in expected]
    assert not result.truncated and result.total_capped == 5
    kanji = search_residents(act(clerk), SearchCriteria(name="酒井", birth="1980"))
    assert set(addressees(kanji)) == {no(people[k]) for k in ("former", "alias", "both")}
    assert len(kanji.rows) == 3  # 酒井 五郎 matches by name and by 旧氏: one line


def test_a_page_cut_across_both_arms_keeps_the_order_and_counts_each_person_once(city, clerk, act, settings):
    """The cap applies after the merge: the first rows may come from either arm; the count
    (API ``total_capped``) is of distinct persons."""
    settings.JUKI_SEARCH_LIMIT = 3
    people = other_names_city(city)
    result = search_residents(act(clerk), SearchCriteria(name="さかい", birth="1980"), count_matches=True)
    everyone = sorted((people[k] for k in ("furigana", "former", "alias", "key", "both")),
                      key=lambda r: (r.name_kana_key, r.birth_year, r.birth_month, r.birth_day, r.person_id))
    assert addressees(result) == [no(r) for r in everyone[:3]]
    assert result.truncated and result.total_capped == 5
    assert "検索条件を絞り込んでください" in result.message
