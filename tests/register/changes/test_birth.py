"""出生 (birth): 戸籍法49条 and 住基法施行令12条2項1号, through the four-eyes workflow."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.core.actor import Actor
from juki.identifiers import my_number as my_number_id
from juki.identifiers import resident_code as resident_code_id
from juki.register.changes.workflow import do_reject_change
from juki.register.models import Change, Household, IssuedNumber, Person, ResidentRecord
from juki.register.my_numbers import blind_index, reveal

from .family_foreign_helpers import (
    OTHER_DOMICILE,
    OWN_DOMICILE,
    apply,
    confirm,
    current,
    enter,
    events,
    everything_stored_as_text,
    kinds_of,
    refused,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


@pytest.fixture
def family(city):
    head, wife = add_household(city, [
        {"domicile": OWN_DOMICILE, "domicile_head": "試験\u3000太郎1"},
        {"domicile": OWN_DOMICILE, "domicile_head": "試験\u3000太郎1", "relationship": "wife", "sex": 2,
         "given_name": "花子", "given_name_kana": "ハナコ"},
    ], block=1, banchi="3番4号")
    return head, wife


def child_items(household_no, **extra):
    items = {"household_no": household_no, "family_name": "試験", "given_name": "一郎", "family_name_kana": "シケン",
             "given_name_kana": "イチロウ", "family_name_furigana": "シケン", "given_name_furigana": "イチロウ",
             "sex": 1, "domicile": OWN_DOMICILE, "domicile_head": "試験\u3000太郎1"}
    items.update(extra)
    return items


def _new_person(change):
    change.refresh_from_db()
    (pid,) = change.persons
    return current(pid)


def test_a_birth_enters_the_child_into_the_household_with_new_numbers_only_on_confirmation(city, family, clerk, approver):
    """戸籍法49条・住基法施行令12条2項1号: the child is entered from the 出生届; 住民票コード and
    個人番号 are issued (番号法8条) when the change is confirmed, not when it is entered."""
    head, _ = family
    born = clock.today() - dt.timedelta(days=5)
    issued_before = IssuedNumber.objects.count()
    change = enter(clerk, "birth", child_items(head.household_id), effective_on=born)
    assert change.state == "provisional"
    assert IssuedNumber.objects.count() == issued_before and Person.objects.count() == 2
    assert any("確定時に払い出されます" in w for w in change.warnings)

    confirm(change, approver)

    child = _new_person(change)
    assert (child.version, child.status, child.change_reason) == (1, "resident", "birth")
    assert (child.birth_year, child.birth_month, child.birth_day) == (born.year, born.month, born.day)
    assert child.birth_date_precision == "full"
    assert child.became_resident_on == born and child.became_resident_reason == "birth"
    assert child.address_established_on == born and child.valid_from == born
    assert (child.household_id, child.relationship, child.listing_order) == (head.household_id, "child", 3)
    assert (child.town_block_id, child.banchi) == (head.town_block_id, "3番4号")
    assert (child.domicile, child.family_name_furigana, child.furigana_certification) == (OWN_DOMICILE, "シケン", "certified")
    assert resident_code_id.is_valid(child.resident_code)
    number = reveal(bytes(child.my_number_enc), child.person_id)
    assert my_number_id.is_valid(number) and child.my_number_index == blind_index(number)
    assert IssuedNumber.objects.count() == issued_before + 2
    assert current(head.person_id).version == 1


def test_a_birth_writes_identity_delivery_and_linkage_events_with_the_number_sealed(city, family, clerk, approver):
    """住基法30条の6 (本人確認情報), 送付先情報 for the 個人番号通知書 (akita digest 1-⑦); the My Number
    is never in clear in the record, the change or the outbox."""
    head, _ = family
    change = apply(clerk, approver, "birth", child_items(head.household_id))
    child = _new_person(change)
    assert kinds_of(change) == ["delivery_info", "identity_update", "intra_office"]
    (identity,) = events(change, "identity_update")
    (delivery,) = events(change, "delivery_info")
    assert identity.person_id == child.person_id and identity.payload["resident_code"] == child.resident_code
    assert identity.payload["reason"] == "birth" and identity.payload["my_number_enc"]
    assert delivery.payload["my_number_enc"] and delivery.payload["name"] == "試験\u3000一郎"
    assert delivery.payload["address"] == "秋田県秋田市山王二丁目3番4号"
    number = reveal(bytes(child.my_number_enc), child.person_id)
    assert number not in everything_stored_as_text()


def test_a_birth_with_the_domicile_in_another_municipality_sends_a_fuhyo_notice(city, clerk, approver):
    """住基法19条: the domicile municipality is told, so it can enter the 附票 (住基法17条)."""
    (head,) = add_household(city, [{"domicile": OTHER_DOMICILE}])
    change = apply(clerk, approver, "birth", child_items(head.household_id, domicile=OTHER_DOMICILE))
    (fuhyo,) = events(change, "fuhyo_notice")
    assert fuhyo.payload["domicile"] == OTHER_DOMICILE and fuhyo.payload["name"] == "試験\u3000一郎"
    assert "my_number_enc" not in fuhyo.payload
    own = apply(clerk, approver, "birth", child_items(head.household_id, given_name="二郎", given_name_kana="ジロウ",
                                                       given_name_furigana="ジロウ"))
    assert not events(own, "fuhyo_notice")


def test_a_birth_may_form_a_new_household_at_its_own_address(city, clerk, approver):
    """戸籍法49条: a child whose household is new (e.g. born to a non-resident mother living here)
    is its own householder at the address entered."""
    change = apply(clerk, approver, "birth", {
        "household": "new", "town_block": city.blocks[2].code, "banchi": "7番地", "family_name": "試験",
        "given_name": "三郎", "family_name_kana": "シケン", "given_name_kana": "サブロウ", "sex": 1,
        "domicile": OWN_DOMICILE, "domicile_head": "試験\u3000花子",
    })
    child = _new_person(change)
    assert (child.relationship, child.listing_order, child.town_block_id, child.banchi) == (
        "householder", 1, city.blocks[2].pk, "7番地")
    assert Household.objects.filter(pk=child.household_id, established_on=child.valid_from).exists()
    assert child.furigana_certification == "none"


def test_a_foreign_child_is_a_transitional_stayer_by_birth_without_domicile(city, clerk, approver):
    """住基法30条の45: a foreign child born here is an 出生による経過滞在者, with nationality, no 本籍."""
    (head,) = add_household(city, [{"resident_kind": "foreign", "family_name": "NGUYEN", "given_name": "VAN AN",
                                     "nationality_code": "VN", "nationality": "ベトナム"}])
    change = apply(clerk, approver, "birth", {
        "household_no": head.household_id, "resident_kind": "foreign", "family_name": "NGUYEN", "given_name": "MINH",
        "family_name_kana": "グエン", "given_name_kana": "ミン", "sex": 2, "nationality_code": "vn",
        "nationality": "ベトナム", "alphabet_name": "NGUYEN MINH",
    })
    child = _new_person(change)
    assert (child.resident_kind, child.foreign_category, child.nationality_code) == ("foreign", "transitional_birth", "VN")
    assert child.became_foreign_resident_on == child.valid_from and child.domicile == ""


def test_a_birth_in_the_future_is_refused(family, clerk):
    """住基法施行令12条: a birth is recorded when it has happened — the birth date is not in the future."""
    head, _ = family
    with refused("CHANGE_EFFECTIVE_IN_FUTURE"):
        enter(clerk, "birth", child_items(head.household_id), effective_on=clock.today() + dt.timedelta(days=1))


def test_a_birth_into_an_unknown_or_ended_household_is_refused(city, clerk):
    """住基法6条: a resident belongs to a household of residents; the household must exist and
    still have resident members."""
    with refused("BIRTH_HOUSEHOLD_UNKNOWN"):
        enter(clerk, "birth", child_items(999999))
    (gone,) = add_household(city, [{"status": "removed", "removal_reason": "death", "removed_on": dt.date(2020, 1, 1),
                                     "retention_until": dt.date(2170, 1, 1)}])
    with refused("BIRTH_HOUSEHOLD_NOT_RESIDENT"):
        enter(clerk, "birth", child_items(gone.household_id))


def test_a_japanese_child_needs_its_domicile(family, clerk):
    """住基法7条5号: the record of a Japanese national holds 本籍 and 筆頭者."""
    head, _ = family
    with refused("BIRTH_DOMICILE_REQUIRED"):
        enter(clerk, "birth", child_items(head.household_id, domicile="", domicile_head=""))


def test_a_foreign_child_needs_its_nationality_and_has_no_domicile(family, clerk):
    """住基法30条の45: 国籍・地域 is recorded for a foreign resident; 本籍 is not."""
    head, _ = family
    with refused("BIRTH_NATIONALITY_REQUIRED"):
        enter(clerk, "birth", child_items(head.household_id, resident_kind="foreign", domicile="", domicile_head=""))
    with refused("DOMICILE_JAPANESE_ONLY"):
        enter(clerk, "birth", child_items(head.household_id, resident_kind="foreign", nationality_code="VN",
                                          nationality="ベトナム"))


def test_a_child_cannot_be_a_second_householder_and_takes_the_household_address(family, clerk, city):
    """Household invariant (住基法7条4号): exactly one 世帯主; a member lives at the household's address."""
    head, _ = family
    with refused("HOUSEHOLD_HOUSEHOLDER_COUNT"):
        enter(clerk, "birth", child_items(head.household_id, relationship="householder"))
    with refused("BIRTH_ADDRESS_NOT_FOR_JOIN"):
        enter(clerk, "birth", child_items(head.household_id, town_block=city.blocks[0].code))
    with refused("BIRTH_RELATIONSHIP_INVALID"):
        enter(clerk, "birth", child_items(head.household_id, relationship="長男"))


def test_a_birth_accepts_only_its_own_items_and_never_a_typed_my_number(family, clerk):
    """docs/register.md: each kind accepts only its own items; a My Number is generated, never typed."""
    head, _ = family
    with refused("CHANGE_ITEM_NOT_ALLOWED") as exc:
        enter(clerk, "birth", child_items(head.household_id, my_number="123456789018"))
    assert exc.value.field == "my_number"
    with refused("CHANGE_ITEM_INVALID") as exc:
        enter(clerk, "birth", child_items(head.household_id, family_name_kana="Shiken"))
    assert exc.value.field == "family_name_kana" and "片仮名" in exc.value.message


def test_hiragana_kana_is_stored_as_katakana(family, clerk, approver):
    """Kana items are katakana (戸籍法13条: 振り仮名は片仮名); hiragana input is converted."""
    head, _ = family
    change = apply(clerk, approver, "birth", child_items(head.household_id, given_name_kana="いちろう",
                                                           given_name_furigana="いちろう"))
    child = _new_person(change)
    assert (child.given_name_kana, child.given_name_furigana) == ("イチロウ", "イチロウ")


def test_a_rejected_birth_issues_no_numbers(family, clerk, approver):
    """Numbers are issued only on confirmation: a rejected change burns no 住民票コード or 個人番号
    (jlis-001a digest §3.1: an issued number is never issued again)."""
    head, _ = family
    before = IssuedNumber.objects.count()
    change = enter(clerk, "birth", child_items(head.household_id))
    do_reject_change(change.pk, actor=Actor(approver), comment="出生届の記載誤り")
    assert IssuedNumber.objects.count() == before
    assert ResidentRecord.objects.count() == 2


def test_a_birth_entered_on_the_staff_screen_waits_for_confirmation(family, as_staff, clerk, approver):
    """docs/register.md: the entry form shows the kind's items; blank optional inputs (the new-household
    address) do not count as entered; the change then waits for a different staff member."""
    head, _ = family
    today = clock.today()
    response = as_staff(clerk).post("/register/changes/new/birth/", {
        "effective_on": (today - dt.timedelta(days=2)).isoformat(), "household": "join",
        "household_no": str(head.household_id), "family_name": "試験", "given_name": "一郎",
        "family_name_kana": "シケン", "given_name_kana": "イチロウ", "sex": "1", "resident_kind": "japanese",
        "domicile": OWN_DOMICILE, "domicile_head": "試験\u3000太郎1",
    })
    assert response.status_code == 302, response.content.decode()[:2000]
    change = Change.objects.get(kind="birth")
    assert change.state == "provisional" and change.notified_on is None
    confirm(change, approver)
    assert _new_person(change).relationship == "child"
