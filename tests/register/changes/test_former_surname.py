"""旧氏の記載・削除: a former surname from the family register, on the person's request, with its
振り仮名 and romaji (住基法施行令30条の13以下; 旧氏の振り仮名は令和7年政令17号)."""

from __future__ import annotations

import pytest
from tests.register.factories import add_household, small_city

from juki.register.models import ResidentRecord

from .family_foreign_helpers import (
    OTHER_DOMICILE,
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


@pytest.fixture
def married(city):
    (p,) = add_household(city, [{"family_name": "鈴木", "family_name_kana": "スズキ", "given_name": "花子",
                                  "given_name_kana": "ハナコ", "sex": 2}])
    return p


ENTRY = {"former_surname": "佐藤", "former_surname_kana": "さとう", "former_surname_romaji": "Sato"}


def test_a_former_surname_is_recorded_with_its_furigana_and_romaji(married, clerk, approver):
    """住基法施行令30条の13: the 旧氏 is recorded on request with its 振り仮名 (片仮名) and romaji;
    旧氏 is an identity item sent to the community server (akita digest §3.7)."""
    change = apply(clerk, approver, "former_surname_entry", {"person": married.person_id, **ENTRY})
    rec = current(married.person_id)
    assert (rec.former_surname, rec.former_surname_kana, rec.former_surname_romaji) == ("佐藤", "サトウ", "SATO")
    assert rec.former_surname_furigana_certification == "uncertified" and rec.change_reason == "former_surname"
    assert rec.notified_on is not None
    assert kinds_of(change) == ["identity_update", "intra_office"]
    (identity,) = events(change, "identity_update")
    assert identity.payload["former_surname"] == "佐藤"


def test_a_former_surname_entry_needs_the_request_date(married, clerk):
    """住基法施行令30条の13: the entry is made on the person's request (請求), so its date is required."""
    with refused("CHANGE_NOTIFIED_ON_REQUIRED"):
        enter(clerk, "former_surname_entry", {"person": married.person_id, **ENTRY}, notified_on=None)


def test_a_former_surname_needs_both_kanji_and_furigana(married, clerk):
    """令和7年政令17号: a 旧氏 and its 振り仮名 are recorded together, never one alone."""
    with refused("CHANGE_ITEM_INVALID") as exc:
        enter(clerk, "former_surname_entry", {"person": married.person_id, "former_surname": "佐藤"})
    assert exc.value.field == "former_surname_kana"


def test_the_current_surname_is_not_a_former_surname(married, clerk):
    """住基法施行令30条の13: a 旧氏 is a surname the person bore before, not the current 氏."""
    with refused("FORMER_SURNAME_SAME_AS_SURNAME"):
        enter(clerk, "former_surname_entry", {"person": married.person_id, "former_surname": "鈴木",
                                              "former_surname_kana": "スズキ"})


def test_only_japanese_residents_have_a_former_surname(city, clerk):
    """住基法施行令30条の13: 旧氏 is a family-register surname — foreign residents have 通称 instead."""
    (f,) = add_household(city, [foreign()])
    with refused("FORMER_SURNAME_JAPANESE_ONLY"):
        enter(clerk, "former_surname_entry", {"person": f.person_id, **ENTRY})


def test_removal_clears_kanji_kana_and_romaji_and_history_keeps_them(married, clerk, approver):
    """住基法施行令30条の13以下: the 旧氏 is removed on request; the previous version keeps it."""
    apply(clerk, approver, "former_surname_entry", {"person": married.person_id, **ENTRY})
    change = apply(clerk, approver, "former_surname_removal", {"person": married.person_id})
    rec = current(married.person_id)
    assert (rec.version, rec.former_surname, rec.former_surname_kana, rec.former_surname_romaji) == (3, "", "", "")
    assert rec.former_surname_furigana_certification == "none"
    assert ResidentRecord.objects.get(person_id=married.person_id, version=2).former_surname == "佐藤"
    (identity,) = events(change, "identity_update")
    assert identity.payload["former_surname"] == ""


def test_removing_a_former_surname_needs_one_and_the_request_date(married, clerk, approver):
    """住基法施行令30条の13以下: the removal is on the person's request (請求), dated; it needs a 旧氏."""
    with refused("FORMER_SURNAME_NONE"):
        enter(clerk, "former_surname_removal", {"person": married.person_id})
    apply(clerk, approver, "former_surname_entry", {"person": married.person_id, **ENTRY})
    with refused("CHANGE_NOTIFIED_ON_REQUIRED"):
        enter(clerk, "former_surname_removal", {"person": married.person_id}, notified_on=None)


def test_a_removed_former_surname_cannot_be_recorded_again_until_the_surname_changes(married, clerk, approver):
    """Municipal guidance on 住基法施行令30条の13以下: a removed 旧氏 is not recorded again; after a
    removal only a 旧氏 arising from a later change of 氏 may be recorded."""
    apply(clerk, approver, "former_surname_entry", {"person": married.person_id, **ENTRY})
    apply(clerk, approver, "former_surname_removal", {"person": married.person_id})
    with refused("FORMER_SURNAME_REENTRY"):
        enter(clerk, "former_surname_entry", {"person": married.person_id, **ENTRY})
    with refused("FORMER_SURNAME_REENTRY"):
        enter(clerk, "former_surname_entry", {"person": married.person_id, "former_surname": "田中",
                                              "former_surname_kana": "タナカ"})
    apply(clerk, approver, "name_change", {"persons": [married.person_id], "cause": "marriage",
                                           "family_name": "高橋", "family_name_kana": "タカハシ"})
    apply(clerk, approver, "former_surname_entry", {"person": married.person_id, "former_surname": "鈴木",
                                                    "former_surname_kana": "スズキ"})
    assert current(married.person_id).former_surname == "鈴木"


def test_a_former_surname_change_notifies_a_domicile_elsewhere(city, clerk, approver):
    """住基法19条: 旧氏 is a 附票 item, so the domicile municipality is told."""
    (p,) = add_household(city, [{"family_name": "鈴木", "family_name_kana": "スズキ", "domicile": OTHER_DOMICILE}])
    change = apply(clerk, approver, "former_surname_entry", {"person": p.person_id, **ENTRY})
    (fuhyo,) = events(change, "fuhyo_notice")
    assert fuhyo.payload["former_surname"] == "佐藤" and fuhyo.payload["items"] == [
        "former_surname", "former_surname_kana"]


def test_a_former_surname_entry_accepts_only_its_items_and_valid_romaji(married, clerk):
    """docs/register.md: only the form's items; romaji is written in Roman letters."""
    with refused("CHANGE_ITEM_NOT_ALLOWED"):
        enter(clerk, "former_surname_entry", {"person": married.person_id, **ENTRY, "family_name": "佐藤"})
    with refused("CHANGE_ITEM_INVALID") as exc:
        enter(clerk, "former_surname_entry", {"person": married.person_id, **ENTRY, "former_surname_romaji": "佐藤"})
    assert exc.value.field == "former_surname_romaji"
