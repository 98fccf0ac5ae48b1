"""What a change reads (ChangeContext, decision 0005): one query brings the person's current record
with their household's resident members; the change's base versions — the versions a
confirmation checks for staleness — are still only the records the plan read."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.core.errors import ValidationFailed
from juki.register.changes.base import ChangeContext

pytestmark = pytest.mark.django_db


def _ctx(*, lock: bool = False) -> ChangeContext:
    today = clock.today()
    return ChangeContext(effective_on=today - dt.timedelta(days=1), notified_on=today, today=today, lock=lock)


def test_the_household_comes_with_the_person_but_joins_the_base_only_when_read():
    city = small_city()
    a, b, c = add_household(city, [{}, {}, {}])
    (other,) = add_household(city, [{}])
    ctx = _ctx()
    with CaptureQueriesContext(connection) as first:
        assert ctx.current(a.person_id).pk == a.pk
    assert len(first.captured_queries) == 1
    # the household was fetched, but a change that read only A is based on A alone
    assert ctx.base_versions == {str(a.person_id): 1}
    with CaptureQueriesContext(connection) as more:
        assert ctx.current(b.person_id).pk == b.pk
        members = ctx.household_members(a.household_id)
    assert more.captured_queries == []
    assert [m.person_id for m in members] == [a.person_id, b.person_id, c.person_id]
    assert ctx.base_versions == {str(p.person_id): 1 for p in (a, b, c)}
    # another household is asked for when needed
    with CaptureQueriesContext(connection) as again:
        assert [m.person_id for m in ctx.household_members(other.household_id)] == [other.person_id]
    assert len(again.captured_queries) == 1


def test_household_members_are_the_current_residents_in_listing_order():
    city = small_city()
    head, child, removed = add_household(city, [{"listing_order": 2}, {"listing_order": 1}, {"listing_order": 3}])
    type(removed).objects.filter(pk=removed.pk).update(status="removed", retention_until=dt.date(2170, 1, 1))
    ctx = _ctx()
    ctx.current(removed.person_id)  # a removed record still brings its household's residents
    assert [m.person_id for m in ctx.household_members(head.household_id)] == [child.person_id, head.person_id]
    fresh = _ctx()
    assert ([m.person_id for m in fresh.household_members(head.household_id)]
            == [child.person_id, head.person_id])


def test_an_unknown_person_is_refused():
    small_city()
    with pytest.raises(ValidationFailed) as exc:
        _ctx().current(999_999)
    assert exc.value.code == "CHANGE_PERSON_NOT_FOUND"


def test_the_town_block_and_municipality_come_with_the_record():
    city = small_city()
    (a,) = add_household(city, [{}], block=1)
    ctx = _ctx()
    rec = ctx.current(a.person_id)
    with CaptureQueriesContext(connection) as q:
        assert ctx.town_block(city.blocks[1].code).pk == rec.town_block_id
        assert ctx.municipality().pk == city.municipality.pk
    assert q.captured_queries == []


def test_confirming_locks_the_person_and_household_rows_only():
    city = small_city()
    (a,) = add_household(city, [{}])
    with transaction.atomic(), CaptureQueriesContext(connection) as q:
        _ctx(lock=True).current(a.person_id)
    (sql,) = [x["sql"] for x in q.captured_queries if x["sql"].startswith("SELECT")]
    if connection.vendor == "postgresql":
        assert sql.endswith('FOR UPDATE OF "register_residentrecord"')
