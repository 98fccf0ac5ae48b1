"""氏名の変更 (婚姻・離婚・養子縁組・離縁・氏又は名の変更): the record follows the family-register
notification ex officio (住基法施行令12条2項1号); foreign residents' names follow the Minister
of Justice's notice (住基法30条の50)."""

from __future__ import annotations

import pytest
from tests.register.factories import add_household, small_city

from juki.register.models import ResidentRecord

from .family_foreign_helpers import (
    OTHER_DOMICILE,
    OWN_DOMICILE,
    apply,
    current,
    enter,
    events,
    foreign,
    kinds_of,
    refused,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def test_a_marriage_changes_the_family_name_and_keeps_the_old_name_in_history(city, clerk, approver):
    """住基法施行令12条2項1号: on a 婚姻届 the family name is changed ex officio; the previous
    version keeps the old name (history is immutable)."""
    (p,) = add_household(city, [{"family_name": "佐藤", "family_name_kana": "サトウ", "given_name": "花子",
                                  "given_name_kana": "ハナコ", "sex": 2, "family_name_furigana": "サトウ",
                                  "given_name_furigana": "ハナコ", "furigana_certification": "certified"}])
    change = apply(clerk, approver, "name_change", {"persons": [p.person_id], "cause": "marriage",
                                                    "family_name": "鈴木", "family_name_kana": "スズキ"})
    rec = current(p.person_id)
    assert (rec.version, rec.family_name, rec.family_name_kana, rec.given_name) == (2, "鈴木", "スズキ", "花子")
    assert rec.name_kana_key == "ススキハナコ" and rec.name_key == "鈴木花子"
    assert rec.family_name_furigana == "" and rec.given_name_furigana == "ハナコ"  # old furigana belonged to 佐藤
    assert any("振り仮名を消去" in w for w in change.warnings)
    assert ResidentRecord.objects.get(pk=p.pk).family_name == "佐藤"
    assert kinds_of(change) == ["identity_update", "intra_office"]
    (identity,) = events(change, "identity_update")
    assert identity.payload["family_name"] == "鈴木" and identity.payload["reason"] == "name_change"
    (intra,) = events(change, "intra_office")
    assert "family_name" in intra.payload["items"]


def test_a_marriage_with_a_new_family_register_changes_domicile_and_notifies_it(city, clerk, approver):
    """婚姻 creates a new 戸籍: 本籍・筆頭者 change with the name; the new domicile municipality is
    told (住基法19条 附票記載事項通知)."""
    (p,) = add_household(city, [{"family_name": "佐藤", "family_name_kana": "サトウ", "domicile": OWN_DOMICILE}])
    change = apply(clerk, approver, "name_change", {
        "persons": [p.person_id], "cause": "marriage", "family_name": "鈴木", "family_name_kana": "スズキ",
        "family_name_furigana": "スズキ", "domicile": OTHER_DOMICILE, "domicile_head": "鈴木\u3000一郎",
    })
    rec = current(p.person_id)
    assert (rec.domicile, rec.domicile_head, rec.family_name_furigana) == (OTHER_DOMICILE, "鈴木\u3000一郎", "スズキ")
    assert rec.furigana_certification == "certified"
    (fuhyo,) = events(change, "fuhyo_notice")
    assert fuhyo.payload["previous_domicile"] == OWN_DOMICILE and fuhyo.payload["name"].startswith("鈴木")


def test_a_surname_change_applies_to_everyone_named_but_a_given_name_to_one_person(city, clerk, approver):
    """氏の変更 (戸籍法107条) affects everyone in the 戸籍; 名の変更 (107条の2) one person."""
    head, child = add_household(city, [{}, {}])
    apply(clerk, approver, "name_change", {"persons": [head.person_id, child.person_id], "cause": "surname_change",
                                           "family_name": "新井", "family_name_kana": "アライ"})
    assert {current(head.person_id).family_name, current(child.person_id).family_name} == {"新井"}
    with refused("NAME_CHANGE_GIVEN_NAME_ONE_PERSON"):
        enter(clerk, "name_change", {"persons": [head.person_id, child.person_id], "cause": "given_name_change",
                                     "given_name": "一"})


def test_a_change_that_changes_nothing_is_refused(city, clerk):
    """docs/register.md: a change must change its items."""
    (p,) = add_household(city, [{}])
    with refused("NAME_CHANGE_NOTHING"):
        enter(clerk, "name_change", {"persons": [p.person_id], "cause": "marriage", "family_name": p.family_name})


def test_a_foreign_residents_name_follows_the_ministry_of_justice_notice(city, clerk, approver):
    """住基法30条の50: a foreign resident's name changes on the Minister of Justice's notice, not a 戸籍届."""
    (p,) = add_household(city, [foreign()])
    with refused("NAME_CHANGE_CAUSE_MISMATCH"):
        enter(clerk, "name_change", {"persons": [p.person_id], "cause": "marriage", "family_name": "TRAN"})
    apply(clerk, approver, "name_change", {"persons": [p.person_id], "cause": "moj_notice", "family_name": "TRAN",
                                           "family_name_kana": "チャン", "alphabet_name": "TRAN VAN AN"})
    rec = current(p.person_id)
    assert (rec.family_name, rec.alphabet_name) == ("TRAN", "TRAN VAN AN")
    with refused("DOMICILE_JAPANESE_ONLY"):
        enter(clerk, "name_change", {"persons": [p.person_id], "cause": "moj_notice", "domicile": OTHER_DOMICILE})


def test_a_japanese_residents_name_change_is_a_family_register_matter(city, clerk):
    """住基法施行令12条2項1号: for a Japanese national the cause is a 戸籍届; no alphabet name."""
    (p,) = add_household(city, [{}])
    with refused("NAME_CHANGE_CAUSE_MISMATCH"):
        enter(clerk, "name_change", {"persons": [p.person_id], "cause": "moj_notice", "family_name": "新井"})
    with refused("NAME_CHANGE_ALPHABET_FOREIGN_ONLY"):
        enter(clerk, "name_change", {"persons": [p.person_id], "cause": "marriage", "alphabet_name": "ARAI"})


def test_a_new_family_name_equal_to_the_former_surname_is_flagged(city, clerk):
    """住基法施行令30条の13以下: when the 氏 becomes the recorded 旧氏, the 旧氏 must be removed."""
    (p,) = add_household(city, [{"family_name": "鈴木", "family_name_kana": "スズキ", "former_surname": "佐藤",
                                  "former_surname_kana": "サトウ"}])
    change = enter(clerk, "name_change", {"persons": [p.person_id], "cause": "divorce", "family_name": "佐藤",
                                          "family_name_kana": "サトウ"})
    assert any("旧氏の削除" in w for w in change.warnings)


def test_a_name_change_accepts_only_its_own_items(city, clerk):
    """docs/register.md: each change kind accepts only its own items (no address in a name change)."""
    (p,) = add_household(city, [{}])
    with refused("CHANGE_ITEM_NOT_ALLOWED") as exc:
        enter(clerk, "name_change", {"persons": [p.person_id], "cause": "marriage", "family_name": "新井",
                                     "banchi": "9番9号"})
    assert exc.value.field == "banchi"


def test_a_removed_person_cannot_change_name(city, clerk):
    """住基法施行令12条・13条: removed records change only through 回復 or 修正."""
    import datetime as dt

    (gone,) = add_household(city, [{"status": "removed", "removal_reason": "death", "removed_on": dt.date(2020, 1, 1),
                                     "retention_until": dt.date(2170, 1, 1)}])
    with refused("CHANGE_PERSON_REMOVED"):
        enter(clerk, "name_change", {"persons": [gone.person_id], "cause": "marriage", "family_name": "新井"})
