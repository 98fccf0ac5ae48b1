"""転入 from abroad (住民基本台帳法22条 for Japanese nationals, 30条の46 for 中長期在留者等)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.identifiers import my_number, resident_code
from juki.register.models import IssuedNumber, ResidentRecord
from juki.register.my_numbers import reveal

from .moves_helpers import (
    a_code,
    a_number,
    apply,
    confirm,
    current,
    days_ago,
    enter,
    event_counts,
    events,
    mid_long_term,
    refused,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def returning(**overrides):
    person = dict(family_name="帰国", given_name="一郎", family_name_kana="キコク", given_name_kana="イチロウ",
                  birth_year=1970, birth_month=1, birth_day=2, sex=1, relationship="householder",
                  domicile="東京都千代田区千代田1番地", domicile_head="帰国\u3000一郎")
    person.update(overrides)
    return person


def abroad_items(city, persons, **overrides):
    items = dict(persons=persons, town_block=city.blocks[0].code, banchi="7番8号",
                 previous_address="アメリカ合衆国カリフォルニア州")
    items.update(overrides)
    return items


def test_a_person_without_numbers_gets_them_at_confirmation_not_at_entry(city, clerk, approver):
    """番号法7条1項 / 住基法30条の3: a person put on the register for the first time gets a resident
    code and a My Number; they are issued when the change is confirmed, and J-LIS gets the
    送付先情報 for the 個人番号通知書."""
    change = enter(clerk, "move_in_abroad", abroad_items(city, [returning()]))
    assert not IssuedNumber.objects.exists()
    assert any("確定時に付番" in w for w in change.warnings)

    confirm(change, approver)

    rec = ResidentRecord.objects.get(is_current=True, family_name="帰国")
    assert resident_code.is_valid(rec.resident_code)
    number = reveal(bytes(rec.my_number_enc), rec.person_id)
    assert my_number.is_valid(number)
    assert IssuedNumber.objects.count() == 2
    assert rec.change_reason == "move_in_abroad" and rec.pre_move_in_address == "アメリカ合衆国カリフォルニア州"
    assert event_counts(change) == {"identity_update": 1, "intra_office": 1, "fuhyo_notice": 1, "delivery_info": 1}
    delivery = events(change, "delivery_info")[0]
    assert delivery.payload["resident_code"] == rec.resident_code and delivery.payload["my_number_enc"]
    assert delivery.payload["address"] == "秋田県秋田市山王一丁目7番8号"


def test_a_resident_code_already_held_is_kept_and_the_my_number_generated_from_it(city, clerk, approver):
    """住基法30条の3: a person recorded before keeps their 住民票コード."""
    change = apply(clerk, approver, "move_in_abroad", abroad_items(city, [returning(resident_code=a_code(8001))]))
    rec = ResidentRecord.objects.get(is_current=True, family_name="帰国")
    assert rec.resident_code == a_code(8001) and rec.my_number_index
    assert "delivery_info" in event_counts(change)


def test_a_my_number_already_held_is_kept_and_no_delivery_info_is_sent(city, clerk, approver):
    """番号法7条: the My Number is for life; a returning national keeps it."""
    change = apply(clerk, approver, "move_in_abroad",
                   abroad_items(city, [returning(resident_code=a_code(8001), my_number=a_number(8001))]))
    rec = ResidentRecord.objects.get(is_current=True, family_name="帰国")
    assert reveal(bytes(rec.my_number_enc), rec.person_id) == a_number(8001)
    assert "delivery_info" not in event_counts(change)


def test_a_person_who_moved_abroad_comes_back_with_their_own_record_and_my_number(city, clerk, approver):
    """住基法22条: the person is found by resident code among removed records (国外転出) and keeps
    their 宛名番号 and My Number; no new number is issued."""
    (head,) = add_household(city, [{"resident_code": a_code(8001), "my_number": a_number(8001)}])
    apply(clerk, approver, "move_abroad", {"persons": [head.person_id], "destination_address": "フランス共和国"},
          effective_on=days_ago(400), notified_on=days_ago(400))
    change = apply(clerk, approver, "move_in_abroad", abroad_items(city, [returning(resident_code=a_code(8001))]))
    back = current(head.person_id)
    assert back.status == "resident" and back.version == 3
    assert reveal(bytes(back.my_number_enc), back.person_id) == a_number(8001)
    assert "delivery_info" not in event_counts(change) and not IssuedNumber.objects.exists()


def test_a_mixed_family_moves_in_from_abroad_together(city, clerk, approver):
    """住基法22条 (the Japanese husband) and 30条の46 (his foreign wife, a 中長期在留者) in one
    notification: one new household with one householder."""
    wife = mid_long_term(family_name="SMITH", given_name="ANNA", family_name_kana="スミス", given_name_kana="アンナ",
                         alphabet_name="SMITH ANNA", sex=2, relationship="wife", nationality_code="GB",
                         nationality="英国", residence_status="spouse_of_japanese", stay_years=1, stay_months=0,
                         residence_card_no="CD87654321EF")
    moved_in_on = days_ago(2)
    change = apply(clerk, approver, "move_in_abroad", abroad_items(city, [wife, returning()]), effective_on=moved_in_on)
    husband = ResidentRecord.objects.get(is_current=True, family_name="帰国")
    anna = ResidentRecord.objects.get(is_current=True, family_name="SMITH")
    assert husband.household_id == anna.household_id
    assert (husband.listing_order, anna.listing_order) == (1, 2)
    assert anna.resident_kind == "foreign" and anna.became_foreign_resident_on == moved_in_on
    assert anna.residence_status == "spouse_of_japanese" and anna.residence_card_kind == "residence_card"
    assert event_counts(change)["delivery_info"] == 2


def test_a_permanent_resident_has_no_period_of_stay(city, clerk, approver):
    """住基法30条の45 / 入管法: 永住者 has a status but no period of stay."""
    person = mid_long_term(residence_status="permanent_resident", stay_years=None, stay_expires_on=None)
    apply(clerk, approver, "move_in_abroad", abroad_items(city, [person]))
    rec = ResidentRecord.objects.get(is_current=True, family_name="NGUYEN")
    assert rec.residence_status == "permanent_resident" and rec.stay_expires_on is None


def test_a_special_permanent_resident_moves_in_with_the_certificate_number(city, clerk, approver):
    """住基法30条の45: 特別永住者 — 特別永住者証明書の番号, no status of residence."""
    person = mid_long_term(foreign_category="special_permanent", residence_status=None, stay_years=None,
                           stay_expires_on=None, nationality_code="KR", nationality="韓国")
    apply(clerk, approver, "move_in_abroad", abroad_items(city, [person]))
    rec = ResidentRecord.objects.get(is_current=True, family_name="NGUYEN")
    assert rec.residence_card_kind == "special_permanent_certificate" and rec.residence_status == ""


@pytest.mark.parametrize(("overrides", "code", "field"), [
    ({"foreign_category": None}, "FOREIGN_CATEGORY_REQUIRED", "foreign_category"),
    ({"nationality": ""}, "FOREIGN_NATIONALITY_REQUIRED", "nationality"),
    ({"residence_status": None}, "FOREIGN_STATUS_REQUIRED", "residence_status"),
    ({"residence_status": "diplomat"}, "FOREIGN_STATUS_NOT_MID_LONG_TERM", "residence_status"),
    ({"stay_years": None, "stay_months": 3}, "FOREIGN_STAY_TOO_SHORT", "stay_years"),
    ({"stay_years": None}, "FOREIGN_STAY_REQUIRED", "stay_years"),
    ({"stay_expires_on": None}, "FOREIGN_EXPIRY_REQUIRED", "stay_expires_on"),
    ({"stay_expires_on": "2001-01-01"}, "FOREIGN_STAY_EXPIRED", "stay_expires_on"),
    ({"residence_card_no": ""}, "FOREIGN_CARD_REQUIRED", "residence_card_no"),
    ({"residence_card_no": "A1234567890B"}, "FOREIGN_CARD_NO_FORMAT", "residence_card_no"),
    ({"residence_card_kind": "special_permanent_certificate"}, "FOREIGN_CARD_KIND", "residence_card_kind"),
    ({"nationality_code": "vn"}, "FOREIGN_NATIONALITY_CODE", "nationality_code"),
    ({"domicile": "東京都"}, "MOVE_IN_DOMICILE_FOR_FOREIGN", "domicile"),
])
def test_a_mid_to_long_term_resident_needs_the_30_45_items(city, clerk, overrides, code, field):
    """住基法30条の46 (届出事項) and 30条の45 (記載事項); 入管法19条の3 (中長期在留者: more than 3
    months, not 外交・公用)."""
    with refused(code, field=f"persons.0.{field}"):
        enter(clerk, "move_in_abroad", abroad_items(city, [mid_long_term(**overrides)]))


def test_a_special_permanent_resident_has_no_status_of_residence(city, clerk):
    """住基法30条の45: 特別永住者 are recorded without 在留資格・在留期間."""
    person = mid_long_term(foreign_category="special_permanent", stay_expires_on=None)
    with refused("FOREIGN_STATUS_NOT_ALLOWED", field="persons.0.residence_status"):
        enter(clerk, "move_in_abroad", abroad_items(city, [person]))


def test_a_move_in_from_abroad_of_a_current_resident_is_refused(city, clerk):
    """住基法22条: 転入 is refused for a current resident."""
    add_household(city, [{"resident_code": a_code(8001)}])
    with refused("TRANSFER_ALREADY_RESIDENT"):
        enter(clerk, "move_in_abroad", abroad_items(city, [returning(resident_code=a_code(8001))]))


def test_a_move_in_from_abroad_takes_no_certificate_items(city, clerk):
    """住基法22条2項: the 転出証明書 is not required of a person moving in from abroad."""
    with refused("CHANGE_ITEM_NOT_ALLOWED", field="previous_lg_code"):
        enter(clerk, "move_in_abroad", abroad_items(city, [returning()], previous_lg_code="131041"))


def test_the_previous_address_abroad_is_required(city, clerk):
    """住基法22条1項4号: 従前の住所."""
    with refused("CHANGE_ITEM_INVALID", field="previous_address"):
        enter(clerk, "move_in_abroad", abroad_items(city, [returning()], previous_address=""))


def test_a_late_move_in_from_abroad_is_flagged(city, clerk):
    """住基法30条の46: within 14 days of moving in; later notifications are flagged, not refused."""
    change = enter(clerk, "move_in_abroad", abroad_items(city, [mid_long_term()]), effective_on=days_ago(30))
    assert change.late_notification


def test_the_stay_must_not_have_expired_by_the_move_in_date(city, clerk):
    """住基法30条の45: a person whose period of stay has ended is not a 中長期在留者."""
    expires = clock.today() - dt.timedelta(days=5)
    with refused("FOREIGN_STAY_EXPIRED"):
        enter(clerk, "move_in_abroad", abroad_items(city, [mid_long_term(stay_expires_on=expires.isoformat())]),
              effective_on=days_ago(2))
