"""A foreign national living here who becomes a 中長期在留者等 (住民基本台帳法30条の47)."""

from __future__ import annotations

import pytest
from tests.register.factories import add_household, small_city

from juki.identifiers import resident_code
from juki.register.models import ResidentRecord

from .moves_helpers import (
    a_code,
    apply,
    current,
    days_ago,
    enter,
    event_counts,
    mid_long_term,
    refused,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def entry(person: dict, **overrides) -> dict:
    person = {k: v for k, v in person.items() if k != "resident_kind"}
    items = dict(persons=[person], town_block="0001001", banchi="1番1号", household="new")
    items.update(overrides)
    return items


def test_a_spouse_granted_a_status_joins_the_household_she_lives_in(city, clerk, approver):
    """住基法30条の47: 住所を有する者が中長期在留者等となった日から14日以内に届け出る; the record
    is made with the 30条の45 items, 外国人住民となった日 being that date."""
    head, = add_household(city, [{}])
    became_on = days_ago(5)
    wife = mid_long_term(family_name="SMITH", given_name="ANNA", family_name_kana="スミス", sex=2, relationship="wife",
                         residence_status="spouse_of_japanese", stay_years=1)
    change = apply(clerk, approver, "foreign_entry", entry(wife, household="join", join_household_no=head.household_id),
                   effective_on=became_on)
    rec = ResidentRecord.objects.get(is_current=True, family_name="SMITH")
    assert rec.household_id == head.household_id and (rec.relationship, rec.listing_order) == ("wife", 2)
    assert rec.resident_kind == "foreign" and rec.became_foreign_resident_on == became_on
    assert rec.became_resident_on == became_on and rec.change_reason == "foreign_entry"
    assert rec.pre_move_in_address == "" and resident_code.is_valid(rec.resident_code)
    assert event_counts(change) == {"identity_update": 1, "intra_office": 1, "delivery_info": 1}
    assert current(head.person_id).version == 1


def test_the_entry_is_refused_for_someone_already_resident(city, clerk):
    """住基法30条の47 applies to a person not yet on the register."""
    add_household(city, [{"resident_code": a_code(9001), "resident_kind": "foreign"}], block=1)
    with refused("TRANSFER_ALREADY_RESIDENT"):
        enter(clerk, "foreign_entry", entry(mid_long_term(resident_code=a_code(9001))))


@pytest.mark.parametrize("item", [{"resident_kind": "japanese"}, {"domicile": "東京都"}])
def test_the_form_has_no_japanese_resident_items(city, clerk, item):
    """住基法30条の47: only foreign nationals; 本籍 is not a foreign resident's item."""
    items = entry(mid_long_term())
    items["persons"][0].update(item)
    with refused("CHANGE_ITEM_NOT_ALLOWED", field=f"persons.0.{next(iter(item))}"):
        enter(clerk, "foreign_entry", items)


def test_the_30_45_category_is_required(city, clerk):
    """住基法30条の45: the category (中長期在留者・特別永住者・…) decides which items are recorded."""
    with refused("FOREIGN_CATEGORY_REQUIRED"):
        enter(clerk, "foreign_entry", entry(mid_long_term(foreign_category=None)))


def test_a_temporary_refuge_permit_holder_has_an_end_date_and_no_card(city, clerk, approver):
    """住基法30条の45: 一時庇護許可者 — 上陸期間 (its end recorded), no 在留カード."""
    person = mid_long_term(foreign_category="temporary_refuge", residence_status=None, stay_years=None,
                           residence_card_no="")
    apply(clerk, approver, "foreign_entry", entry(person))
    rec = ResidentRecord.objects.get(is_current=True, family_name="NGUYEN")
    assert rec.foreign_category == "temporary_refuge" and rec.residence_card_no == "" and rec.stay_expires_on


def test_a_late_entry_is_flagged(city, clerk):
    """住基法30条の47: 14日以内; later is flagged, not refused."""
    change = enter(clerk, "foreign_entry", entry(mid_long_term()), effective_on=days_ago(15))
    assert change.late_notification
