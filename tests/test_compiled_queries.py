"""juki.core.compiled (decision 0005): queries compiled once give exactly what their querysets give;
inserts and updates written once store exactly what save() stores."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.core.compiled import CompiledInsert, CompiledQuery, update_fields
from juki.register.models import Change, OutboxEvent, ResidentRecord, TownBlock

pytestmark = pytest.mark.django_db

RECORDS = CompiledQuery(
    lambda household: ResidentRecord.objects.filter(household_id=household, is_current=True)
    .select_related("town_block__municipality").order_by("-listing_order"),
    household=int,
)
BLOCK = CompiledQuery(lambda code: TownBlock.objects.filter(code=code), code=str)


def _values(obj) -> dict:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def test_a_compiled_query_gives_what_its_queryset_gives():
    city = small_city()
    recs = add_household(city, [{}, {"katagaki": "ハイツ101"}, {}], block=2)
    (_other,) = add_household(city, [{}])
    household = recs[0].household_id
    expected = list(ResidentRecord.objects.filter(household_id=household, is_current=True)
                    .select_related("town_block__municipality").order_by("-listing_order"))
    got = RECORDS.fetch(household=household)
    assert [_values(r) for r in got] == [_values(r) for r in expected]
    assert [r.listing_order for r in got] == [3, 2, 1]
    # select_related objects come populated, with converted values (dates, booleans)
    with CaptureQueriesContext(connection) as q:
        assert got[0].town_block.name == city.blocks[2].name
        assert got[0].town_block.municipality.name == "秋田市"
    assert q.captured_queries == []
    assert isinstance(got[0].valid_from, dt.date) and got[0].is_current is True


def test_each_run_takes_its_own_values():
    city = small_city()
    (a,) = add_household(city, [{}])
    b, _ = add_household(city, [{}, {}])
    assert [r.person_id for r in RECORDS.fetch(household=a.household_id)] == [a.person_id]
    assert len(RECORDS.fetch(household=b.household_id)) == 2
    assert RECORDS.fetch(household=10**9) == []
    assert BLOCK.first(code=city.blocks[1].code).pk == city.blocks[1].pk
    assert BLOCK.first(code="nothing") is None


@pytest.mark.parametrize("value", [2**63, 10**30, -(2**63) - 1])
def test_an_integer_beyond_the_column_range_is_answered_as_django_answers_it(value):
    """Django turns an out-of-range integer lookup into "no match" (``exact``, ``gt``) or "no
    condition" (``gt`` below the range) without asking the database; a compiled query too,
    instead of handing the driver a number it cannot send (OverflowError on SQLite)."""
    city = small_city()
    (a,) = add_household(city, [{}])
    by_pk = CompiledQuery(lambda change: Change.objects.select_for_update().filter(pk=change), change=int)
    above = CompiledQuery(lambda pk: ResidentRecord.objects.filter(pk__gt=pk, is_current=True), pk=int)
    with transaction.atomic():
        assert by_pk.fetch(change=value) == list(Change.objects.filter(pk=value)) == []
    # a foreign key (Django itself does not check these): an integer column all the same
    assert RECORDS.fetch(household=value) == []
    expected = list(ResidentRecord.objects.filter(pk__gt=value, is_current=True))  # none, or all below the range
    assert [r.pk for r in above.fetch(pk=value)] == [r.pk for r in expected]
    assert len(expected) == (1 if value < 0 else 0)
    assert [r.pk for r in above.fetch(pk=0)] == [a.pk]  # in range: the compiled statement


def test_a_value_that_is_not_a_plain_parameter_is_refused_when_compiling():
    small_city()
    q = CompiledQuery(lambda person: ResidentRecord.objects.filter(person_id__in=[1, 2]), person=int)
    with pytest.raises(ValueError, match="person"):
        q.fetch(person=1)


def test_a_compiled_insert_stores_what_save_stores():
    city = small_city()
    (rec,) = add_household(city, [{}])
    now = clock.now()

    def change() -> Change:
        return Change(kind="move_within", reason="move_within", notified_on=now.date(), effective_on=now.date(),
                      payload={"persons": [rec.person_id], "町": "山王"}, persons=[rec.person_id],
                      entered_by="clerk", entered_at=now)

    saved = change()
    saved.save()
    inserted = CompiledInsert(Change).insert(change())
    assert inserted.pk is not None and inserted.pk != saved.pk and not inserted._state.adding
    a, b = Change.objects.get(pk=saved.pk), Change.objects.get(pk=inserted.pk)
    assert {k: v for k, v in _values(a).items() if k != "id"} == {k: v for k, v in _values(b).items() if k != "id"}
    assert b.state == "provisional" and b.payload == {"persons": [rec.person_id], "町": "山王"}


def test_insert_many_keeps_the_order_in_one_statement():
    city = small_city()
    (rec,) = add_household(city, [{}])
    change = Change.objects.create(kind="move_within", reason="move_within", effective_on=clock.today(),
                                   entered_by="clerk", entered_at=clock.now())
    events = [OutboxEvent(kind=k, change=change, person_id=rec.person_id, payload={"n": n}, created_at=clock.now())
              for n, k in enumerate(["identity_update", "intra_office", "fuhyo_notice"])]
    with transaction.atomic(), CaptureQueriesContext(connection) as q:
        CompiledInsert(OutboxEvent).insert_many(events)
    assert len([x for x in q.captured_queries if x["sql"].startswith("INSERT")]) == 1
    stored = list(OutboxEvent.objects.filter(change=change).order_by("id"))
    assert [e.pk for e in stored] == [e.pk for e in events]
    assert [(e.kind, e.payload["n"]) for e in stored] == [("identity_update", 0), ("intra_office", 1), ("fuhyo_notice", 2)]


def test_update_fields_writes_only_the_fields_named():
    change = Change.objects.create(kind="move_within", reason="move_within", effective_on=clock.today(),
                                   entered_by="clerk", entered_at=clock.now(), decision_comment="")
    Change.objects.filter(pk=change.pk).update(warnings=["meanwhile"])
    change.state, change.decided_by, change.decision_comment = "confirmed", "approver", "確認済"
    change.warnings = ["not written"]
    update_fields(change, ("state", "decided_by", "decision_comment"))
    stored = Change.objects.get(pk=change.pk)
    assert (stored.state, stored.decided_by, stored.decision_comment) == ("confirmed", "approver", "確認済")
    assert stored.warnings == ["meanwhile"]
