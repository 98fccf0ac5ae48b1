"""住民検索 (search_residents): the breadth rule, the cap, matching, My Number, the audit event.

Sources: akita-000-digest §5.1 item 47 (an identity search needs at least two items other
than sex — name + address or name + date of birth; a single item or sex + one item is
refused), §5.2 item 34 (search by My Number only for the My Number role), §4.2 (清音化かな
氏名 as the search key); DESIGN §6 (results capped, every search logged with its criteria).
"""

from __future__ import annotations

import json

import pytest

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core.errors import PermissionDenied, ValidationFailed
from juki.register.models import RecordStatus, ResidentKind, Sex
from juki.register.search import SearchCriteria, search_residents

from .conftest import new_version, person, valid_my_number, valid_resident_code


def searches() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(EventType.RESIDENT_SEARCH)).order_by("seq"))


def found(result) -> set[str]:
    return {row.addressee_no for row in result.rows}


def no(rec) -> str:
    return f"{rec.person_id:010d}"


# --- the breadth rule (akita §5.1 item 47) ------------------------------------------------------


@pytest.mark.parametrize("criteria", [
    SearchCriteria(),
    SearchCriteria(name="シケン"),
    SearchCriteria(birth="1980-05-01"),
    SearchCriteria(town_block="0001001"),
    SearchCriteria(town_block="0001001", address="1番"),  # an address is one criterion
    SearchCriteria(name="シケン", sex=Sex.MALE),  # sex never counts
    SearchCriteria(birth="S55.5.1", sex=Sex.MALE),
], ids=["nothing", "name", "birth", "town-block", "town-block+banchi", "name+sex", "birth+sex"])
def test_a_search_with_fewer_than_two_criteria_besides_sex_is_refused(city, clerk, act, criteria):
    """akita-000-digest §5.1 item 47: a single item, or sex plus one item, is refused."""
    person(city)
    with pytest.raises(ValidationFailed) as refused:
        search_residents(act(clerk), criteria)
    assert refused.value.code == "SEARCH_TOO_BROAD"
    assert "2つ以上" in refused.value.message
    (event,) = searches()
    assert event.outcome == Outcome.INVALID and event.detail["code"] == "SEARCH_TOO_BROAD"
    assert list(event.targets) == []


def test_name_and_birth_find_the_person(city, clerk, act):
    """akita §5.1 item 47: name + date of birth is a valid identity search."""
    rec = person(city, family_name="山田", given_name="花子", family_name_kana="ヤマダ", given_name_kana="ハナコ",
                 birth_year=1980, birth_month=5, birth_day=1)
    person(city, family_name="山田", given_name="一郎", birth_year=1975, birth_month=1, birth_day=2)
    result = search_residents(act(clerk), SearchCriteria(name="山田", birth="1980-05-01"))
    assert found(result) == {no(rec)}
    row = result.rows[0]
    assert row.full_name == "山田\u3000花子" and row.kana == "ヤマダ\u3000ハナコ"
    assert row.birth == "昭和55年5月1日" and row.sex == "男" and row.status == "住民"
    assert row.address == "山王一丁目1番1号" and row.household_no == f"{rec.household_id:010d}"


def test_name_and_address_find_the_person(city, clerk, act):
    """akita §5.1 item 47: name + address is a valid identity search."""
    here = person(city, family_name="佐藤", family_name_kana="サトウ", _block=1, banchi="3番5号")
    person(city, family_name="佐藤", family_name_kana="サトウ", _block=2, banchi="3番5号")
    result = search_residents(act(clerk), SearchCriteria(name="サトウ", town_block=city.blocks[1].code))
    assert found(result) == {no(here)}
    result = search_residents(act(clerk), SearchCriteria(name="佐藤", address="3番"))
    assert len(result.rows) == 2


def test_birth_and_address_without_a_name_are_two_criteria(city, clerk, act):
    rec = person(city, _block=2, birth_year=1990, birth_month=12, birth_day=24)
    result = search_residents(act(clerk), SearchCriteria(birth="平成2年12月24日", town_block=city.blocks[2].code))
    assert found(result) == {no(rec)}


def test_exact_identifiers_may_be_used_alone(city, clerk, act):
    code = valid_resident_code(1234567)
    rec, other = person(city, resident_code=code), person(city)
    assert found(search_residents(act(clerk), SearchCriteria(resident_code=code))) == {no(rec)}
    assert found(search_residents(act(clerk), SearchCriteria(household_no=str(other.household_id)))) == {no(other)}


def test_a_resident_code_with_a_wrong_check_digit_is_refused(city, clerk, act):
    code = valid_resident_code(1234567)
    wrong = code[:-1] + str((int(code[-1]) + 1) % 10)
    with pytest.raises(ValidationFailed) as refused:
        search_residents(act(clerk), SearchCriteria(resident_code=wrong))
    assert refused.value.code.startswith("RESIDENT_CODE") and refused.value.field == "resident_code"


def test_sex_narrows_a_valid_search(city, clerk, act):
    man = person(city, sex=Sex.MALE)
    woman = person(city, sex=Sex.FEMALE, given_name="花子")
    both = search_residents(act(clerk), SearchCriteria(name="試験", birth="1980-05"))
    assert found(both) == {no(man), no(woman)}
    only = search_residents(act(clerk), SearchCriteria(name="試験", birth="1980-05", sex=Sex.FEMALE))
    assert found(only) == {no(woman)}


def test_unknown_town_block_and_impossible_birth_are_refused_naming_the_field(city, clerk, act):
    with pytest.raises(ValidationFailed) as refused:
        search_residents(act(clerk), SearchCriteria(name="試験", town_block="9999999"))
    assert (refused.value.code, refused.value.field) == ("TOWN_BLOCK_UNKNOWN", "town_block")
    with pytest.raises(ValidationFailed) as refused:
        search_residents(act(clerk), SearchCriteria(name="試験", birth="昭和64年1月8日"))
    assert (refused.value.code, refused.value.field) == ("BIRTH_INVALID", "birth")
    assert "昭和の終わり" in refused.value.message


# --- the cap ---------------------------------------------------------------------------------


def test_results_are_capped_with_a_narrow_your_search_message(city, clerk, act, settings):
    """DESIGN §6: results are capped; the rest is not shown, the clerk is asked to narrow."""
    settings.JUKI_SEARCH_LIMIT = 3
    for i in range(5):
        person(city, given_name=f"次郎{i}", given_name_kana="ジロウ")
    result = search_residents(act(clerk), SearchCriteria(name="シケン", birth="1980"), count_matches=True)
    assert len(result.rows) == 3 and result.truncated and result.total_capped == 5
    assert "検索条件を絞り込んでください" in result.message
    (event,) = searches()
    assert event.detail["truncated"] is True and len(event.targets) == 3
    uncounted = search_residents(act(clerk), SearchCriteria(name="シケン", birth="1980"))  # the staff screen
    assert uncounted.rows == result.rows and uncounted.truncated and uncounted.total_capped == 4  # "more than 3"


def test_a_caller_may_lower_the_cap_but_not_raise_it(city, clerk, act, settings):
    settings.JUKI_SEARCH_LIMIT = 2
    for i in range(3):
        person(city, given_name=f"次郎{i}")
    assert len(search_residents(act(clerk), SearchCriteria(name="試験", birth="1980"), limit=1).rows) == 1
    assert len(search_residents(act(clerk), SearchCriteria(name="試験", birth="1980"), limit=100).rows) == 2


def test_a_result_within_the_cap_is_not_truncated(city, clerk, act):
    person(city)
    result = search_residents(act(clerk), SearchCriteria(name="試験", birth="1980"))
    assert not result.truncated and result.message == "" and result.total_capped == 1


# --- matching names --------------------------------------------------------------------------


def test_hiragana_and_half_width_input_find_a_katakana_registered_name(city, clerk, act):
    """akita §4.2: kana names are compared 清音化 (voiced→unvoiced, small→large)."""
    rec = person(city, family_name="渡部", given_name="譲", family_name_kana="ワタナベ", given_name_kana="ジョウ")
    for typed in ("わたなべ", "ワタナベ　ジョウ", "ﾜﾀﾅﾍﾞ ｼﾞｮｳ", "わたなへしよう", "ワタナ"):
        result = search_residents(act(clerk), SearchCriteria(name=typed, birth="1980-05-01"))
        assert found(result) == {no(rec)}, typed


def test_kana_prefix_does_not_reach_past_the_prefix(city, clerk, act):
    yamata = person(city, family_name_kana="ヤマダ", given_name_kana="タロウ")
    person(city, family_name_kana="ヤマチ", given_name_kana="タロウ")
    person(city, family_name_kana="ヤマ", given_name_kana="")
    result = search_residents(act(clerk), SearchCriteria(name="やまだ", birth="1980"))
    assert found(result) == {no(yamata)}


def test_variant_kanji_are_folded_so_taka_finds_hashigo_daka(city, clerk, act):
    """髙 (はしごだか) and 高 match each other; 渡邉・渡邊 match 渡辺 (ja-itaiji families)."""
    hashigo = person(city, family_name="髙橋", given_name="一")
    plain = person(city, family_name="高橋", given_name="二")
    watanabe = [person(city, family_name=n, given_name="三") for n in ("渡辺", "渡邉", "渡邊")]
    assert found(search_residents(act(clerk), SearchCriteria(name="高橋", birth="1980"))) == {no(hashigo), no(plain)}
    assert found(search_residents(act(clerk), SearchCriteria(name="髙橋", birth="1980"))) == {no(hashigo), no(plain)}
    for typed in ("渡辺", "渡邉", "渡邊"):
        assert found(search_residents(act(clerk), SearchCriteria(name=typed, birth="1980"))) == {
            no(r) for r in watanabe}


def test_a_name_registered_with_an_ivs_variant_is_found_by_its_base_character(city, clerk, act):
    """IVS (MJ glyph variants) are ignored for matching; the registered name keeps them."""
    tsuji = person(city, family_name="辻\U000e0103", given_name="太郎")
    result = search_residents(act(clerk), SearchCriteria(name="辻 太郎", birth="1980"))
    assert found(result) == {no(tsuji)}
    assert result.rows[0].full_name == "辻\U000e0103\u3000太郎"


def test_alphabet_alias_and_former_surname_are_searched_too(city, clerk, act):
    foreign = person(city, resident_kind=ResidentKind.FOREIGN, family_name="NGUYEN", given_name="",
                     family_name_kana="グエン", given_name_kana="", alphabet_name="NGUYEN VAN AN",
                     alias_name="中村 安", alias_name_kana="ナカムラ ヤス")
    married = person(city, family_name="鈴木", given_name="花子", family_name_kana="スズキ", given_name_kana="ハナコ",
                     former_surname="佐藤", former_surname_kana="サトウ")
    assert found(search_residents(act(clerk), SearchCriteria(name="nguyen van", birth="1980"))) == {no(foreign)}
    assert found(search_residents(act(clerk), SearchCriteria(name="中村安", birth="1980"))) == {no(foreign)}
    assert found(search_residents(act(clerk), SearchCriteria(name="なかむら", birth="1980"))) == {no(foreign)}
    assert found(search_residents(act(clerk), SearchCriteria(name="佐藤 花子", birth="1980"))) == {no(married)}
    assert found(search_residents(act(clerk), SearchCriteria(name="サトウハナコ", birth="1980"))) == {no(married)}
    # a foreign resident's date of birth is shown in the Western calendar
    row = search_residents(act(clerk), SearchCriteria(name="NGUYEN", birth="1980")).rows[0]
    assert row.birth == "1980年5月1日"


def test_furigana_is_searched(city, clerk, act):
    rec = person(city, family_name="東海林", family_name_kana="トウカイリン", family_name_furigana="しょうじ",
                 given_name_furigana="たろう1")
    assert found(search_residents(act(clerk), SearchCriteria(name="しょうじ", birth="1980"))) == {no(rec)}


# --- dates of birth ----------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["1980-05-01", "19800501", "昭和55年5月1日", "S55.5.1", "s55/5/1",
                                   "昭和五十五年五月一日", "３５５０５０１"])
def test_birth_may_be_typed_in_western_or_japanese_era_form(city, clerk, act, typed):
    rec = person(city, birth_year=1980, birth_month=5, birth_day=1)
    person(city, birth_year=1980, birth_month=5, birth_day=2, given_name="二郎")
    assert found(search_residents(act(clerk), SearchCriteria(name="試験", birth=typed))) == {no(rec)}


def test_a_year_month_birth_matches_the_whole_month_and_unknown_days(city, clerk, act):
    may1 = person(city, birth_year=1980, birth_month=5, birth_day=1)
    day_unknown = person(city, birth_year=1980, birth_month=5, birth_day=None, birth_date_precision="year_month")
    june = person(city, birth_year=1980, birth_month=6, birth_day=1)
    assert found(search_residents(act(clerk), SearchCriteria(name="試験", birth="昭和55年5月"))) == {
        no(may1), no(day_unknown)}
    assert found(search_residents(act(clerk), SearchCriteria(name="試験", birth="1980-05-17"))) == {no(day_unknown)}
    assert no(june) not in found(search_residents(act(clerk), SearchCriteria(name="試験", birth="1980-05")))


# --- removed records (除票) -------------------------------------------------------------------


def test_removed_records_are_found_only_when_asked_for(city, clerk, act):
    rec = person(city)
    new_version(rec, valid_from=rec.valid_from.replace(year=2024), status=RecordStatus.REMOVED,
                removal_reason="move_out")
    criteria = SearchCriteria(name="試験", birth="1980-05-01")
    assert search_residents(act(clerk), criteria).rows == []
    result = search_residents(act(clerk), SearchCriteria(name="試験", birth="1980-05-01", include_removed=True))
    assert found(result) == {no(rec)} and result.rows[0].status == "消除（除票）"


def test_only_current_versions_are_matched(city, clerk, act):
    rec = person(city, family_name="旧姓", family_name_kana="キュウセイ")
    new_version(rec, valid_from=rec.valid_from.replace(year=2024), family_name="新姓", family_name_kana="シンセイ")
    assert search_residents(act(clerk), SearchCriteria(name="旧姓", birth="1980")).rows == []
    assert found(search_residents(act(clerk), SearchCriteria(name="新姓", birth="1980"))) == {no(rec)}


# --- My Number (akita §5.2 item 34) -------------------------------------------------------------


def test_my_number_search_is_refused_for_a_clerk_and_audited_without_the_number(city, clerk, act):
    """akita §5.2 item 34: search by My Number only for the My Number business role."""
    number = valid_my_number(12345678901)
    person(city, my_number=number)
    with pytest.raises(PermissionDenied):
        search_residents(act(clerk), SearchCriteria(my_number=number))
    (event,) = searches()
    assert event.outcome == Outcome.DENIED and event.function == "mynumber.search"
    assert event.criteria["my_number"].startswith("mynumber-hmac:")
    assert number not in json.dumps([event.criteria, event.detail, event.purpose], ensure_ascii=False)


def test_my_number_search_finds_the_person_for_the_officer(city, officer, act):
    number = valid_my_number(12345678901)
    rec = person(city, my_number=number)
    person(city, my_number=valid_my_number(22345678901))
    typed = f"{number[:4]}－{number[4:8]} {number[8:]}".translate(str.maketrans("0123456789", "０１２３４５６７８９"))
    result = search_residents(act(officer), SearchCriteria(my_number=typed))
    assert found(result) == {no(rec)}
    (event,) = searches()
    assert event.outcome == Outcome.OK and list(event.targets) == [no(rec)]
    assert number not in json.dumps(event.criteria) and "mynumber-hmac:" in event.criteria["my_number"]


def test_a_my_number_with_a_wrong_check_digit_is_refused_and_not_logged_in_clear(city, officer, act):
    number = valid_my_number(12345678901)
    wrong = number[:-1] + str((int(number[-1]) + 1) % 10)
    with pytest.raises(ValidationFailed) as refused:
        search_residents(act(officer), SearchCriteria(my_number=wrong))
    assert refused.value.code == "MYNUMBER_CHECK_DIGIT"
    (event,) = searches()
    assert wrong not in json.dumps(event.criteria) and event.outcome == Outcome.INVALID


# --- who may search, and the audit event ------------------------------------------------------------


def test_staff_without_the_search_function_are_refused_and_audited(city, auditor, admin, act):
    person(city)
    for staff in (auditor, admin):
        with pytest.raises(PermissionDenied):
            search_residents(act(staff), SearchCriteria(name="試験", birth="1980"))
    events = searches()
    assert [(e.staff_id, e.outcome) for e in events] == [("auditor01", "denied"), ("admin01", "denied")]


def test_every_search_is_audited_with_its_criteria_and_the_persons_found(city, clerk, approver, act, terminal):
    a, b = person(city), person(city, given_name="花子", sex=Sex.FEMALE)
    search_residents(act(clerk), SearchCriteria(name="しけん", birth="S55.5", sex=Sex.FEMALE))
    search_residents(act(approver), SearchCriteria(name="試験", birth="1980", town_block=city.blocks[0].code))
    first, second = searches()
    assert first.staff_id == "clerk01" and first.terminal_id == terminal.terminal_id and first.ip == "127.0.0.1"
    assert first.criteria == {"name": "しけん", "birth": "S55.5", "sex": 2}
    assert list(first.targets) == [no(b)] and first.outcome == Outcome.OK and first.detail["count"] == 1
    assert second.staff_id == "approver01" and set(second.targets) == {no(a), no(b)}
    assert second.criteria["town_block"] == city.blocks[0].code
