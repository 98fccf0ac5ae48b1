"""The register model's own guarantees: constraints the database enforces, number sequences,
and My Numbers sealed rather than stored."""

from __future__ import annotations

import datetime as dt

import pytest
from cryptography.exceptions import InvalidTag
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction

from juki.core import clock
from juki.core.errors import ValidationFailed
from juki.identifiers.errors import IdentifierError
from juki.register import my_numbers, numbering
from juki.register.models import (
    ChangeReason,
    DatePrecision,
    Household,
    Municipality,
    Person,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidentKind,
    ResidentRecord,
    Sex,
    TownBlock,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def town_block():
    city = Municipality.objects.create(lg_code="052019", name="秋田市", prefecture="秋田県",
                                       mayor_title="秋田市長", mayor_name="試験 太郎")
    return TownBlock.objects.create(municipality=city, code="0001001", name="山王一丁目",
                                    name_kana="サンノウイッチョウメ", postcode="0100951")


def make_record(town_block, **overrides):
    now = clock.now()
    person = Person.objects.get_or_create(addressee_no=overrides.pop("addressee_no", 1), defaults={"created_at": now})[0]
    household = Household.objects.get_or_create(household_no=1, defaults={"created_at": now})[0]
    fields = dict(
        person=person, version=1, valid_from=dt.date(2020, 4, 1), recorded_at=now,
        change_reason=ChangeReason.MOVE_IN, resident_kind=ResidentKind.JAPANESE, family_name="試験",
        given_name="花子", birth_year=1990, birth_month=1, birth_day=2, sex=Sex.FEMALE,
        town_block=town_block, household=household, relationship=Relationship.HOUSEHOLDER, listing_order=1,
    )
    fields.update(overrides)
    return ResidentRecord.objects.create(**fields)


def test_municipality_code_with_a_wrong_check_digit_is_refused():
    city = Municipality(lg_code="052010", name="秋田市", prefecture="秋田県", mayor_title="秋田市長", mayor_name="x")
    with pytest.raises(ValidationError) as exc:
        city.full_clean()
    assert exc.value.error_dict["lg_code"][0].code == "LGCODE_CHECK_DIGIT"


def test_resident_code_with_a_wrong_check_digit_is_refused(town_block):
    record = make_record(town_block, resident_code="12345678903")
    record.full_clean()
    record.resident_code = "12345678904"
    with pytest.raises(ValidationError) as exc:
        record.full_clean()
    assert exc.value.error_dict["resident_code"][0].code == "RESIDENT_CODE_CHECK_DIGIT"


def test_a_person_has_at_most_one_current_version(town_block):
    make_record(town_block)
    with pytest.raises(IntegrityError), transaction.atomic():
        make_record(town_block, version=2)
    make_record(town_block, version=2, is_current=False)  # history is fine
    assert ResidentRecord.objects.filter(person_id=1).count() == 2


def test_two_current_records_cannot_share_a_resident_code(town_block):
    make_record(town_block, resident_code="12345678903")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_record(town_block, addressee_no=2, resident_code="12345678903")


def test_a_removed_record_must_carry_its_retention_date(town_block):
    # 住基法施行令34条: a removed record is kept for 150 years, so its end must be known.
    with pytest.raises(IntegrityError), transaction.atomic():
        make_record(town_block, status=RecordStatus.REMOVED, removal_reason=RemovalReason.DEATH,
                    removed_on=dt.date(2025, 1, 1))
    make_record(town_block, status=RecordStatus.REMOVED, removal_reason=RemovalReason.DEATH,
                removed_on=dt.date(2025, 1, 1), retention_until=dt.date(2175, 1, 1))


def test_unknown_birth_date_parts_are_stored_empty_not_invented(town_block):
    make_record(town_block, birth_day=None, birth_date_precision=DatePrecision.YEAR_MONTH, birth_date_note="日不詳")
    with pytest.raises(IntegrityError), transaction.atomic():
        make_record(town_block, addressee_no=2, birth_day=None)  # says "full" but has no day
    with pytest.raises(IntegrityError), transaction.atomic():
        make_record(town_block, addressee_no=3, birth_date_precision=DatePrecision.UNKNOWN)


def test_numbers_are_allocated_in_blocks_and_never_handed_out_twice():
    first = numbering.allocate(numbering.ADDRESSEE, 3)
    second = numbering.allocate(numbering.ADDRESSEE)
    other = numbering.allocate(numbering.HOUSEHOLD, 2)
    assert list(first) == [1, 2, 3]
    assert list(second) == [4]
    assert list(other) == [1, 2]


def test_allocating_nothing_is_refused():
    with pytest.raises(ValidationFailed) as exc:
        numbering.allocate(numbering.ADDRESSEE, 0)
    assert exc.value.code == "NUMBERING_COUNT"


def test_my_number_is_sealed_not_stored_and_opens_only_for_its_person():
    blob, index = my_numbers.seal("123456789018", 42)
    assert b"123456789018" not in blob
    assert "123456789018" not in index
    assert my_numbers.reveal(blob, 42) == "123456789018"
    assert index == my_numbers.blind_index("1234-5678-9018")
    with pytest.raises(InvalidTag):  # bound to addressee 42 as associated data
        my_numbers.reveal(blob, 43)


def test_sealing_a_number_with_a_wrong_check_digit_is_refused():
    with pytest.raises(IdentifierError) as exc:
        my_numbers.seal("123456789010", 1)
    assert exc.value.code == "MYNUMBER_CHECK_DIGIT"
