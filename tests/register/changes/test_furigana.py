"""振り仮名の記載・変更: 氏名の振り仮名 (住基法7条1号, 令和5年法律48号による改正), normally from
the family register (戸籍法13条) ex officio (住基法施行令12条2項1号)."""

from __future__ import annotations

import pytest
from tests.register.factories import add_household, small_city

from .family_foreign_helpers import apply, current, enter, events, foreign, kinds_of, refused

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def test_furigana_is_recorded_with_its_certification(city, clerk, approver):
    """住基法7条1号 (令和7年5月26日施行): 氏名の振り仮名 is a record item and an identity item (5情報)."""
    (p,) = add_household(city, [{}])
    change = apply(clerk, approver, "furigana", {"person": p.person_id, "family_name_furigana": "しけん",
                                                 "given_name_furigana": "タロウイチ", "certification": "certified"})
    rec = current(p.person_id)
    assert (rec.family_name_furigana, rec.given_name_furigana, rec.furigana_certification) == (
        "シケン", "タロウイチ", "certified")
    assert rec.change_reason == "furigana"
    assert kinds_of(change) == ["identity_update", "intra_office"]
    (identity,) = events(change, "identity_update")
    assert identity.payload["furigana"] == "シケン タロウイチ"


def test_certified_furigana_is_for_japanese_residents_only(city, clerk, approver):
    """戸籍法13条: certified (公証) furigana is the one in the family register; a foreign resident's
    furigana is recorded uncertified."""
    (f,) = add_household(city, [foreign()])
    with refused("FURIGANA_CERTIFIED_JAPANESE_ONLY"):
        enter(clerk, "furigana", {"person": f.person_id, "family_name_furigana": "グエン",
                                  "given_name_furigana": "ヴァンアン", "certification": "certified"})
    apply(clerk, approver, "furigana", {"person": f.person_id, "family_name_furigana": "グエン",
                                        "given_name_furigana": "ヴァンアン", "certification": "uncertified"})
    assert current(f.person_id).furigana_certification == "uncertified"


def test_the_given_name_furigana_is_required_when_there_is_a_given_name(city, clerk):
    """住基法7条1号: 氏名の振り仮名 covers the whole name."""
    (p,) = add_household(city, [{}])
    with refused("FURIGANA_GIVEN_REQUIRED"):
        enter(clerk, "furigana", {"person": p.person_id, "family_name_furigana": "シケン", "certification": "uncertified"})


def test_the_same_furigana_again_is_refused(city, clerk):
    """A change must change its items."""
    (p,) = add_household(city, [{"family_name_furigana": "シケン", "given_name_furigana": "タロウ",
                                  "furigana_certification": "certified"}])
    with refused("FURIGANA_UNCHANGED"):
        enter(clerk, "furigana", {"person": p.person_id, "family_name_furigana": "シケン",
                                  "given_name_furigana": "タロウ", "certification": "certified"})


def test_furigana_must_be_katakana(city, clerk):
    """戸籍法13条: 振り仮名 is written in 片仮名."""
    (p,) = add_household(city, [{}])
    with refused("CHANGE_ITEM_INVALID") as exc:
        enter(clerk, "furigana", {"person": p.person_id, "family_name_furigana": "Shiken",
                                  "given_name_furigana": "タロウ", "certification": "uncertified"})
    assert exc.value.field == "family_name_furigana"
