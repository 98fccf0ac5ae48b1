"""Fixtures for the search and access tests: a small synthetic city, the My Number officer
persona, and actors as the read functions take them."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from tests.register.factories import City, add_household, small_city

from juki.core import clock
from juki.core.actor import Actor
from juki.identifiers import my_number, resident_code
from juki.register.entry_rules import retention_until
from juki.register.models import RecordStatus, ResidentRecord
from juki.register.names import kana_search_key, kanji_search_key
from juki.security.models import Staff
from juki.security.roles import Role


@pytest.fixture
def city(db: None) -> City:
    return small_city()


@pytest.fixture
def officer(make_staff: Callable[..., Staff]) -> Staff:
    """個人番号事務担当 (the only role that may search by or reveal a My Number)."""
    return make_staff("officer01", Role.MY_NUMBER_OFFICER, name="番号 三郎")


@pytest.fixture
def act(terminal: Any) -> Callable[[Staff], Actor]:
    """``act(clerk)``: the staff member at the test terminal, as the read functions take them."""
    return lambda staff: Actor(staff, terminal.terminal_id, "127.0.0.1")


def person(city: City, **fields: Any) -> ResidentRecord:
    """One resident alone in a household (fields override the factory defaults)."""
    block = fields.pop("_block", 0)
    return add_household(city, [fields], block=block)[0]


def valid_my_number(seed: int) -> str:
    first11 = f"{seed:011d}"
    return first11 + my_number.check_digit(first11)


def valid_resident_code(seed: int) -> str:
    first10 = f"{seed:010d}"
    return first10 + resident_code.check_digit(first10)


def new_version(rec: ResidentRecord, *, valid_from: dt.date, **changes: Any) -> ResidentRecord:
    """Test setup only: write the next version of a person's record (as a confirmed change would)."""
    now = clock.now()
    ResidentRecord.objects.filter(pk=rec.pk).update(is_current=False, superseded_at=now)
    fields = {f.attname: getattr(rec, f.attname) for f in ResidentRecord._meta.concrete_fields if f.attname != "id"}
    fields.update(version=rec.version + 1, is_current=True, valid_from=valid_from, notified_on=valid_from,
                  recorded_at=now, superseded_at=None, **changes)
    if changes.get("status") == RecordStatus.REMOVED:
        fields["removed_on"] = fields.get("removed_on") or valid_from
        fields["retention_until"] = retention_until(fields["removed_on"])
    fields["name_kana_key"] = kana_search_key(fields["family_name_kana"] + fields["given_name_kana"])
    fields["name_key"] = kanji_search_key(fields["family_name"] + fields["given_name"])
    return ResidentRecord.objects.create(**fields)
