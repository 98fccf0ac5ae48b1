"""A small, obviously synthetic city for register tests (試験市).

Raw ORM writes are allowed here (test setup), nowhere else: changes in tests go through the
workflow actions like everywhere in the product.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from juki.core import clock
from juki.register import numbering
from juki.register.models import (
    ChangeReason,
    Household,
    Municipality,
    Person,
    Relationship,
    ResidentKind,
    ResidentRecord,
    Sex,
    TownBlock,
)
from juki.register.my_numbers import seal
from juki.register.names import kana_search_key, kanji_search_key


@dataclass
class City:
    municipality: Municipality
    blocks: list[TownBlock]


def small_city() -> City:
    city = Municipality.objects.create(lg_code="052019", name="秋田市", prefecture="秋田県",
                                       mayor_title="秋田市長", mayor_name="試験 太郎")
    blocks = [
        TownBlock.objects.create(municipality=city, code=f"00010{i:02d}", name=name, name_kana=kana,
                                 postcode=f"01009{i:02d}", uses_residence_indication=True)
        for i, (name, kana) in enumerate(
            [("山王一丁目", "サンノウ1チョウメ"), ("山王二丁目", "サンノウ2チョウメ"), ("旭北栄町", "キョクホクサカエマチ")], start=1
        )
    ]
    return City(city, blocks)


def add_household(city: City, members: list[dict[str, Any]], *, block: int = 0, banchi: str = "1番1号",
                  since: dt.date = dt.date(2015, 4, 1)) -> list[ResidentRecord]:
    """Create a household; each member dict overrides record fields (first is the householder)."""
    now = clock.now()
    (hh_no,) = numbering.allocate(numbering.HOUSEHOLD)
    household = Household.objects.create(household_no=hh_no, created_at=now, established_on=since)
    records = []
    for order, overrides in enumerate(members, start=1):
        (pid,) = numbering.allocate(numbering.ADDRESSEE)
        Person.objects.create(addressee_no=pid, created_at=now)
        my_number = overrides.pop("my_number", None)
        fields: dict[str, Any] = dict(
            person_id=pid, version=1, valid_from=since, notified_on=since, recorded_at=now,
            change_reason=ChangeReason.INITIAL, resident_kind=ResidentKind.JAPANESE,
            family_name="試験", given_name=f"太郎{order}", family_name_kana="シケン", given_name_kana=f"タロウ{order}",
            birth_year=1980, birth_month=5, birth_day=order, sex=Sex.MALE,
            town_block=city.blocks[block], banchi=banchi, household=household,
            relationship=Relationship.HOUSEHOLDER if order == 1 else Relationship.CHILD, listing_order=order,
            became_resident_on=since, address_established_on=since,
        )
        fields.update(overrides)
        fields["name_kana_key"] = kana_search_key(fields["family_name_kana"] + fields["given_name_kana"])
        fields["name_key"] = kanji_search_key(fields["family_name"] + fields["given_name"])
        if my_number:
            fields["my_number_enc"], fields["my_number_index"] = seal(my_number, pid)
        records.append(ResidentRecord.objects.create(**fields))
    return records
