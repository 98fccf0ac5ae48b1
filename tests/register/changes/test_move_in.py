"""転入 from another municipality (住民基本台帳法22条) through the four-eyes workflow."""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.register.models import Change, ChangeState, Household, Person, ResidentRecord
from juki.register.my_numbers import reveal

from .moves_helpers import (
    OWN_DOMICILE,
    SHINJUKU,
    a_code,
    a_number,
    apply,
    confirm,
    current,
    days_ago,
    enter,
    event_counts,
    events,
    incoming,
    mid_long_term,
    move_in_items,
    refused,
    wrong_check_digit,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def family() -> list[dict]:
    return [
        incoming(2, given_name="花子", given_name_kana="はなこ", sex=2, relationship="wife"),
        incoming(1),
        incoming(3, given_name="次郎", given_name_kana="ジロウ", relationship="child", birth_year=2015),
    ]


def test_a_family_moving_in_becomes_a_new_household_only_when_another_staff_member_confirms(city, clerk, approver):
    """住基法22条: 転入届 — 氏名, 住所, 転入をした年月日, 従前の住所, 世帯主・続柄, 転入前の住民票コード.
    The 転出証明書's resident code and My Number are carried over; the record says when the
    person became resident and from where."""
    moved_in_on = days_ago(3)
    change = enter(clerk, "move_in", move_in_items(city, family()), effective_on=moved_in_on)
    assert change.state == ChangeState.PROVISIONAL
    assert not Person.objects.exists() and not ResidentRecord.objects.exists()

    confirm(change, approver)

    records = list(ResidentRecord.objects.filter(is_current=True).order_by("listing_order"))
    assert [(r.given_name, r.relationship, r.listing_order) for r in records] == [
        ("太郎1", "householder", 1), ("花子", "wife", 2), ("次郎", "child", 3),
    ]
    assert len({r.household_id for r in records}) == 1
    assert Household.objects.get(pk=records[0].household_id).established_on == moved_in_on
    head = records[0]
    assert head.version == 1 and head.valid_from == moved_in_on and head.notified_on == clock.today()
    assert head.status == "resident" and head.change_reason == "move_in"
    assert head.became_resident_on == moved_in_on and head.became_resident_reason == "move_in"
    assert head.address_established_on == moved_in_on
    assert head.pre_move_in_address == "東京都新宿区西新宿二丁目8番1号" == head.previous_address
    assert head.town_block_id == city.blocks[2].pk and head.banchi == "5番6号"
    assert head.resident_code == a_code(7001)
    assert reveal(bytes(head.my_number_enc), head.person_id) == a_number(7001)
    assert records[1].given_name_kana == "ハナコ"  # kana kept in katakana whatever was typed
    assert Change.objects.get(pk=change.pk).state == ChangeState.CONFIRMED


def test_a_confirmed_move_in_queues_identity_updates_a_move_in_notice_and_fuhyo_notices(city, clerk, approver):
    """住基法9条1項: the previous municipality is told of the move-in (転入通知); 住基法19条1項:
    the domicile municipality is told of the new address (附票記載事項通知)."""
    change = apply(clerk, approver, "move_in", move_in_items(city, family()))
    assert event_counts(change) == {"identity_update": 3, "intra_office": 3, "move_in_notice": 3, "fuhyo_notice": 3}
    notice = events(change, "move_in_notice")[0]
    assert notice.payload["to_lg_code"] == SHINJUKU and notice.payload["from_lg_code"] == "052019"
    assert notice.payload["address"] == "秋田県秋田市旭北栄町5番6号"
    identity = events(change, "identity_update")[0]
    assert identity.payload["reason"] == "move_in" and identity.payload["my_number_enc"]
    assert a_number(7001) not in json.dumps([e.payload for e in events(change)])


def test_no_fuhyo_notice_when_the_domicile_is_in_this_municipality(city, clerk, approver):
    """住基法19条1項: the 附票 notice goes to the domicile municipality only when it is another one."""
    change = apply(clerk, approver, "move_in", move_in_items(city, [incoming(domicile=OWN_DOMICILE)]))
    assert "fuhyo_notice" not in event_counts(change)


def test_the_my_number_is_kept_encrypted_in_the_provisional_change(city, clerk):
    """番号法12条 (安全管理措置) / DESIGN §6: My Numbers are never stored in clear, not even in a provisional change."""
    change = enter(clerk, "move_in", move_in_items(city, [incoming()]))
    stored = Change.objects.get(pk=change.pk).payload["persons"][0]["my_number"]
    assert isinstance(stored, dict) and "enc" in stored
    assert a_number(7001) not in json.dumps(Change.objects.get(pk=change.pk).payload)


def test_joining_an_existing_household_at_the_same_address(city, clerk, approver):
    """住基法22条1項5号: a person who is not the householder gives the householder and relationship."""
    head, child = add_household(city, [{}, {}], block=2, banchi="5番6号")
    apply(clerk, approver, "move_in", move_in_items(city, [incoming(relationship="husband_father")],
                                                    household="join", join_household_no=head.household_id))
    joined = ResidentRecord.objects.get(is_current=True, given_name="太郎1", family_name="転入")
    assert joined.household_id == head.household_id
    assert (joined.relationship, joined.listing_order) == ("husband_father", 3)
    assert current(head.person_id).version == 1 and current(child.person_id).version == 1


def test_a_late_notification_is_flagged_not_refused(city, clerk):
    """住基法22条1項: 転入をした日から14日以内. A later notification is processed and flagged."""
    change = enter(clerk, "move_in", move_in_items(city, [incoming()], planned_move_out_on=days_ago(25).isoformat()),
                   effective_on=days_ago(20))
    assert change.late_notification and any("14日" in w for w in change.warnings)


def test_a_person_who_moved_out_and_comes_back_keeps_their_addressee_number(city, clerk, approver):
    """住基法22条: 転入 is refused only for a *current* resident; a person whose record was removed
    (除票) comes back under the same 宛名番号 and My Number, the 除票 kept as an earlier version."""
    (head,) = add_household(city, [{"resident_code": a_code(7001), "my_number": a_number(7001)}])
    apply(clerk, approver, "move_out", {"persons": [head.person_id], "destination_address": "東京都新宿区西新宿1番1号"},
          effective_on=days_ago(60), notified_on=days_ago(60))
    assert current(head.person_id).status == "removed"

    apply(clerk, approver, "move_in", move_in_items(city, [incoming(1)]))

    back = current(head.person_id)
    assert back.status == "resident" and back.version == 3 and back.resident_code == a_code(7001)
    assert back.removal_reason == "" and back.retention_until is None
    assert ResidentRecord.objects.get(person_id=head.person_id, version=2).status == "removed"
    assert Person.objects.count() == 1


# --- refusals ------------------------------------------------------------------------------

def test_move_in_of_a_current_resident_is_refused(city, clerk):
    """住基法22条 and the Akita logic check (別添1): a 転入 for someone already resident is an error."""
    add_household(city, [{"resident_code": a_code(7001)}])
    with refused("TRANSFER_ALREADY_RESIDENT", field="persons.0.resident_code"):
        enter(clerk, "move_in", move_in_items(city, [incoming()]))


def test_move_in_of_a_current_resident_is_refused_when_found_by_my_number(city, clerk):
    """住基法22条: the same person found by My Number is already resident."""
    add_household(city, [{"my_number": a_number(7001)}])
    with refused("TRANSFER_ALREADY_RESIDENT", field="persons.0.my_number"):
        enter(clerk, "move_in", move_in_items(city, [incoming()]))


def test_the_second_of_two_entered_move_ins_of_one_person_is_refused_at_confirmation(city, clerk, approver):
    """住基法22条: confirmation re-checks the rule against the register as it is then."""
    first = enter(clerk, "move_in", move_in_items(city, [incoming()]))
    second = enter(clerk, "move_in", move_in_items(city, [incoming()]))
    confirm(first, approver)
    with refused("TRANSFER_ALREADY_RESIDENT"):
        confirm(second, approver)
    assert Change.objects.get(pk=second.pk).state == ChangeState.PROVISIONAL


@pytest.mark.parametrize(("item", "value", "code"), [
    ("my_number", wrong_check_digit(a_number(7001)), "MYNUMBER_CHECK_DIGIT"),
    ("my_number", "12345", "MYNUMBER_LENGTH"),
    ("resident_code", wrong_check_digit(a_code(7001)), "RESIDENT_CODE_CHECK_DIGIT"),
])
def test_numbers_on_the_certificate_are_check_digit_verified(city, clerk, item, value, code):
    """総務省令85号5条 (個人番号の検査用数字), 住基法施行規則1条 (住民票コードの検査数字)."""
    with refused(code, field=f"persons.0.{item}"):
        enter(clerk, "move_in", move_in_items(city, [incoming(**{item: value})]))


def test_the_previous_municipality_code_is_check_digit_verified(city, clerk):
    """住基法9条1項: the 転入通知 goes to the municipality named by its 地方公共団体コード, whose 検査数字 is verified."""
    with refused("LGCODE_CHECK_DIGIT", field="previous_lg_code"):
        enter(clerk, "move_in", move_in_items(city, [incoming()], previous_lg_code=wrong_check_digit(SHINJUKU)))


def test_a_move_from_inside_the_municipality_is_not_a_move_in(city, clerk):
    """住基法22条 (転入 = 新たに市町村の区域内に住所を定めること); within the city it is 転居 (23条)."""
    with refused("MOVE_IN_FROM_SAME_MUNICIPALITY"):
        enter(clerk, "move_in", move_in_items(city, [incoming()], previous_lg_code="052019"))


def test_the_resident_code_from_the_certificate_is_required(city, clerk):
    """住基法22条1項6号: 転入前の住民票コード."""
    with refused("CHANGE_ITEM_INVALID", field="persons.0.resident_code"):
        enter(clerk, "move_in", move_in_items(city, [incoming(resident_code="")]))


@pytest.mark.parametrize("relationships", [("wife", "child"), ("householder", "householder")])
def test_a_new_household_needs_exactly_one_householder(city, clerk, relationships):
    """住基法7条4号 (世帯主・続柄): a household has exactly one 世帯主."""
    persons = [incoming(1, relationship=relationships[0]), incoming(2, relationship=relationships[1])]
    with refused("HOUSEHOLD_HOUSEHOLDER_COUNT"):
        enter(clerk, "move_in", move_in_items(city, persons))


def test_joining_a_household_with_a_second_householder_is_refused(city, clerk):
    """住基法7条4号: the household joined already has its 世帯主."""
    (head,) = add_household(city, [{}], block=2, banchi="5番6号")
    with refused("HOUSEHOLD_HOUSEHOLDER_COUNT"):
        enter(clerk, "move_in", move_in_items(city, [incoming()], household="join", join_household_no=head.household_id))


def test_joining_a_household_at_another_address_is_refused(city, clerk):
    """住基法25条 / 7条: a household lives at one address."""
    (head,) = add_household(city, [{}], block=0)
    with refused("MOVE_JOIN_ADDRESS_MISMATCH"):
        enter(clerk, "move_in", move_in_items(city, [incoming(relationship="lodger")], household="join",
                                              join_household_no=head.household_id))


def test_an_unknown_town_block_is_refused(city, clerk):
    """住基法7条7号 (住所): an address is built from the town-block master; unknown codes are refused."""
    with refused("TOWN_BLOCK_UNKNOWN", field="town_block"):
        enter(clerk, "move_in", move_in_items(city, [incoming()], town_block="9999999"))


def test_an_impossible_date_of_birth_is_refused(city, clerk):
    """住基法7条2号 (出生の年月日): an impossible date is refused naming the field."""
    with refused("CHANGE_IMPOSSIBLE_DATE", field="persons.0.birth_day"):
        enter(clerk, "move_in", move_in_items(city, [incoming(birth_month=2, birth_day=30)]))


def test_a_move_in_before_birth_is_refused(city, clerk):
    """Dates are consistent (docs/register.md): nobody moves before being born."""
    born = days_ago(1)
    with refused("CHANGE_BEFORE_BIRTH"):
        enter(clerk, "move_in", move_in_items(city, [incoming(birth_year=born.year, birth_month=born.month,
                                                               birth_day=born.day)]), effective_on=days_ago(3))


def test_a_move_in_dated_in_the_future_is_refused(city, clerk):
    """住基法22条1項: 転入をした者 — the move-in has happened; a future 異動日 is refused."""
    with refused("CHANGE_EFFECTIVE_IN_FUTURE"):
        enter(clerk, "move_in", move_in_items(city, [incoming()]), effective_on=clock.today() + dt.timedelta(days=2))


def test_the_same_person_twice_in_one_move_in_is_refused(city, clerk):
    """住基法22条 / 6条: one person has one resident record."""
    with refused("MOVE_IN_DUPLICATE_PERSON"):
        enter(clerk, "move_in", move_in_items(city, [incoming(1), incoming(1, relationship="child")]))


@pytest.mark.parametrize(("where", "extra"), [("items", {"remarks": "x"}), ("person", {"status": "removed"})])
def test_a_move_in_accepts_only_its_own_items(city, clerk, where, extra):
    """Only the items on the form can be entered (docs/register.md; Akita §5 input validation)."""
    items = (move_in_items(city, [incoming()], **extra) if where == "items"
             else move_in_items(city, [incoming(**extra)]))
    with refused("CHANGE_ITEM_NOT_ALLOWED"):
        enter(clerk, "move_in", items)


# --- foreign residents moving in from another municipality ------------------------------------

def test_a_foreign_resident_moving_in_carries_the_30_45_items(city, clerk, approver):
    """住基法30条の45: 国籍・地域, 外国人住民となった年月日, 区分, 在留資格, 在留期間, 満了の日, 在留カード番号."""
    since = dt.date(2020, 4, 1)
    person = mid_long_term(resident_code=a_code(7101), my_number=a_number(7101),
                           became_foreign_resident_on=since.isoformat(), alias_name="中村\u3000安")
    change = apply(clerk, approver, "move_in", move_in_items(city, [person]))
    rec = ResidentRecord.objects.get(is_current=True, resident_code=a_code(7101))
    assert rec.resident_kind == "foreign" and rec.nationality == "ベトナム"
    assert (rec.foreign_category, rec.residence_status, rec.stay_years) == ("mid_long_term", "engineer_humanities", 3)
    assert rec.residence_card_no == "AB12345678CD" and rec.residence_card_kind == "residence_card"
    assert rec.became_foreign_resident_on == since and rec.alias_name == "中村\u3000安"
    assert "fuhyo_notice" not in event_counts(change)  # no 本籍, no 附票


def test_a_foreign_resident_moving_in_needs_the_date_they_became_a_foreign_resident(city, clerk):
    """住基法30条の45: 外国人住民となった年月日 is on the 転出証明書 and carried over."""
    person = mid_long_term(resident_code=a_code(7101), my_number=a_number(7101))
    with refused("MOVE_IN_FOREIGN_SINCE_REQUIRED"):
        enter(clerk, "move_in", move_in_items(city, [person]))


def test_a_japanese_resident_cannot_carry_foreign_resident_items(city, clerk):
    """住基法7条 vs 30条の45: 30条の45 items belong to foreign residents only."""
    with refused("MOVE_IN_FOREIGN_ITEM_FOR_JAPANESE", field="persons.0.nationality"):
        enter(clerk, "move_in", move_in_items(city, [incoming(nationality="ベトナム")]))


def test_a_foreign_resident_has_no_domicile(city, clerk):
    """住基法30条の45: 本籍 (7条5号) is not recorded for foreign residents."""
    person = mid_long_term(resident_code=a_code(7101), my_number=a_number(7101), domicile="東京都",
                           became_foreign_resident_on="2020-04-01")
    with refused("MOVE_IN_DOMICILE_FOR_FOREIGN", field="persons.0.domicile"):
        enter(clerk, "move_in", move_in_items(city, [person]))
