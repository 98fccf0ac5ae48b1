"""職権記載 (ex officio entry, 住基法8条・施行令12条1項) through the four-eyes workflow."""

from __future__ import annotations

import datetime as dt

import pytest

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.errors import JukiError
from juki.identifiers import my_number, resident_code
from juki.register import entry_rules
from juki.register.models import (
    Change,
    ChangeState,
    Household,
    IssuedNumber,
    OutboxEvent,
    Person,
    RecordStatus,
    ResidentRecord,
)
from juki.register.my_numbers import reveal

from ..factories import add_household, small_city
from .ex_officio_helpers import a_my_number, a_resident_code, apply, enter

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def person_items(city, **over):
    items = {
        "reason": "実態調査により居住の事実を確認したため",
        "family_name": "職権", "given_name": "記子", "family_name_kana": "ショッケン", "given_name_kana": "ノリコ",
        "birth_year": 1990, "birth_month": 4, "birth_day": 1, "sex": 2,
        "town_block": city.blocks[2].code, "banchi": "5番6号",
    }
    items.update(over)
    return items


def test_an_unnotified_person_is_entered_with_numbers_issued_only_on_confirmation(city, clerk, approver):
    """住基法8条・施行令12条1項: the mayor enters a record that should exist. No notification date
    (職権); 住民票コード and 個人番号 are issued for the new record (番号法7条1項)."""
    change = enter(clerk, "ex_officio_entry", person_items(city))
    assert change.state == ChangeState.PROVISIONAL and change.notified_on is None
    assert not Person.objects.exists() and not IssuedNumber.objects.exists()  # nothing drawn before confirmation
    assert any("確定時に払い出します" in w for w in change.warnings)

    confirmed = apply(clerk, approver, "ex_officio_entry", person_items(city))
    (pid,) = confirmed.persons
    rec = ResidentRecord.objects.get(person_id=pid, is_current=True)
    assert (rec.version, rec.status, rec.change_reason) == (1, RecordStatus.RESIDENT, "ex_officio_entry")
    assert rec.notified_on is None and rec.valid_from == clock.today()
    assert rec.became_resident_reason == "ex_officio_entry" and rec.became_resident_on == clock.today()
    assert (rec.family_name, rec.given_name, rec.birth_date_precision) == ("職権", "記子", "full")
    assert resident_code.is_valid(rec.resident_code)
    assert my_number.is_valid(reveal(bytes(rec.my_number_enc), pid))
    assert rec.relationship == "householder" and rec.listing_order == 1
    assert Household.objects.get(pk=rec.household_id).established_on == clock.today()
    kinds = sorted(OutboxEvent.objects.filter(change=confirmed).values_list("kind", flat=True))
    assert kinds == ["delivery_info", "identity_update", "intra_office"]
    delivery = OutboxEvent.objects.get(change=confirmed, kind="delivery_info")
    assert delivery.payload["resident_code"] == rec.resident_code and delivery.payload["my_number_enc"]
    assert reveal(bytes(rec.my_number_enc), pid) not in str(delivery.payload)


def test_a_person_can_join_an_existing_household_at_its_address(city, clerk, approver):
    head, child = add_household(city, [{}, {}], block=2, banchi="5番6号")
    change = apply(clerk, approver, "ex_officio_entry", person_items(
        city, household="join", join_household_no=head.household_id, relationship="lodger"))
    rec = ResidentRecord.objects.get(person_id=change.persons[0], is_current=True)
    assert (rec.household_id, rec.relationship, rec.listing_order) == (head.household_id, "lodger", 3)


def test_joining_a_household_at_another_address_is_refused(city, clerk):
    (head,) = add_household(city, [{}], block=0)
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, household="join", join_household_no=head.household_id,
                                                         relationship="lodger"))
    assert exc.value.code == "EX_OFFICIO_ENTRY_ADDRESS_MISMATCH" and exc.value.field == "town_block"
    assert not Change.objects.exists()
    refused = AuditEvent.objects.filter(event_type=EventType.CHANGE_REFUSED).last()
    assert refused.detail["code"] == "EX_OFFICIO_ENTRY_ADDRESS_MISMATCH"


def test_a_new_household_has_the_entered_person_as_its_householder(city, clerk):
    """Household invariant: a household has exactly one 世帯主."""
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, relationship="child"))
    assert exc.value.code == "HOUSEHOLD_HOUSEHOLDER_COUNT"


def test_a_resident_code_with_a_wrong_check_digit_is_refused(city, clerk):
    """住基法施行規則1条: the resident code carries a check digit, verified on every input."""
    good = a_resident_code()
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, resident_code=wrong))
    assert exc.value.code == "RESIDENT_CODE_CHECK_DIGIT" and exc.value.field == "resident_code"


def test_a_my_number_with_a_wrong_check_digit_is_refused(city, clerk):
    """総務省令85号5条: every My Number entered is check-digit verified."""
    good = a_my_number()
    wrong = good[:-1] + str((int(good[-1]) + 1) % 10)
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, resident_code=a_resident_code(), my_number=wrong))
    assert exc.value.code == "MYNUMBER_CHECK_DIGIT" and exc.value.field == "my_number"


def test_given_numbers_are_recorded_as_they_are_and_none_is_issued(city, clerk, approver):
    code, number = a_resident_code("2222222222"), a_my_number("33333333333")
    change = apply(clerk, approver, "ex_officio_entry", person_items(city, resident_code=code, my_number=number))
    rec = ResidentRecord.objects.get(person_id=change.persons[0], is_current=True)
    assert rec.resident_code == code and reveal(bytes(rec.my_number_enc), rec.person_id) == number
    assert not IssuedNumber.objects.exists()
    assert not OutboxEvent.objects.filter(change=change, kind="delivery_info").exists()


def test_a_current_resident_cannot_be_entered_again(city, clerk):
    """住基法8条: a record is entered for someone who has none; a resident already has one."""
    code = a_resident_code()
    add_household(city, [{"resident_code": code}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, resident_code=code))
    assert exc.value.code == "EX_OFFICIO_ENTRY_RESIDENT_CODE_IN_USE"


def test_a_person_with_a_removed_record_is_entered_again_on_the_same_addressee_number(city, clerk, approver):
    """A person who moved away and came back without notification: the 除票 stays in history and
    the new record continues it, keeping its resident code and My Number."""
    removed_on = dt.date(2019, 3, 31)
    code, number = a_resident_code("4444444444"), a_my_number("55555555555")
    (old,) = add_household(city, [{"resident_code": code, "my_number": number, "status": RecordStatus.REMOVED,
                                   "removal_reason": "move_out", "removed_on": removed_on,
                                   "retention_until": entry_rules.retention_until(removed_on)}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, resident_code=code))
    assert exc.value.code == "EX_OFFICIO_ENTRY_RESIDENT_CODE_IN_USE" and str(old.person_id) in exc.value.message

    change = apply(clerk, approver, "ex_officio_entry", person_items(city, person=old.person_id))
    rec = ResidentRecord.objects.get(person_id=old.person_id, is_current=True)
    assert change.persons == [old.person_id] and rec.version == 2
    assert rec.status == RecordStatus.RESIDENT and rec.retention_until is None and rec.removed_on is None
    assert rec.resident_code == code and reveal(bytes(rec.my_number_enc), rec.person_id) == number
    assert ResidentRecord.objects.get(pk=old.pk).status == RecordStatus.REMOVED  # the 除票 stays in history


def test_entering_again_on_a_resident_is_refused(city, clerk):
    (head,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, person=head.person_id))
    assert exc.value.code == "EX_OFFICIO_ENTRY_ALREADY_RESIDENT"


def test_japanese_and_foreign_residents_carry_their_own_items(city, clerk):
    """住基法7条 (日本人: 本籍・筆頭者) and 30条の45 (外国人住民: 国籍・地域, 法30条の45規定区分)."""
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, nationality="韓国"))
    assert exc.value.code == "JAPANESE_NO_FOREIGN_ITEMS" and exc.value.field == "nationality"
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, resident_kind="foreign"))
    assert exc.value.code == "FOREIGN_ITEMS_REQUIRED"
    change = enter(clerk, "ex_officio_entry", person_items(
        city, resident_kind="foreign", nationality="韓国", nationality_code="KR", foreign_category="special_permanent"))
    assert change.state == ChangeState.PROVISIONAL


def test_an_impossible_birth_date_is_refused(city, clerk):
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, birth_month=2, birth_day=30))
    assert exc.value.code == "BIRTH_DATE_INVALID"


def test_a_birth_date_with_unknown_day_is_kept_unknown(city, clerk, approver):
    change = apply(clerk, approver, "ex_officio_entry", person_items(city, birth_day=None, birth_date_note="日不詳"))
    rec = ResidentRecord.objects.get(person_id=change.persons[0], is_current=True)
    assert (rec.birth_date_precision, rec.birth_day, rec.birth_date_note) == ("year_month", None, "日不詳")


def test_the_entry_accepts_only_its_own_items(city, clerk):
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", person_items(city, status="removed"))
    assert exc.value.code == "CHANGE_ITEM_NOT_ALLOWED" and exc.value.field == "status"


def test_the_reason_is_required(city, clerk):
    items = person_items(city)
    del items["reason"]
    with pytest.raises(JukiError) as exc:
        enter(clerk, "ex_officio_entry", items)
    assert exc.value.code == "CHANGE_ITEM_INVALID" and exc.value.field == "reason"


def test_a_resident_with_the_same_kana_name_and_birth_date_is_pointed_out(city, clerk):
    (same,) = add_household(city, [{"family_name_kana": "ショッケン", "given_name_kana": "ノリコ",
                                    "birth_year": 1990, "birth_month": 4, "birth_day": 1}])
    change = enter(clerk, "ex_officio_entry", person_items(city))
    assert any(str(same.person_id) in w for w in change.warnings)


def test_the_ex_officio_entry_is_not_late_whatever_the_dates(city, clerk):
    """職権: no notification, so no notification period (住基法22条の14日) applies."""
    change = enter(clerk, "ex_officio_entry", person_items(city, became_resident_on=clock.today() - dt.timedelta(days=400)))
    assert change.late_notification is False
