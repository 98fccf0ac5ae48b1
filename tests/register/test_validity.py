"""``valid_to`` (効力の終わり) kept by the database (juki.register.validity, docs/performance.md).

The rule it encodes is the as-of rule of DESIGN §5 / juki.register.history: the version in force
on D is the one with the latest valid_from on or before D, ties broken by the higher version.
``valid_to`` is the valid_from of the next version in that order, so "in force on D" is
valid_from ≤ D < valid_to (NULL = open). These tests write versions directly (raw ORM, as the
benchmark and a database prompt could) and through the change workflow, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db import connection, transaction

from juki.register import validity
from juki.register.history import record_as_of
from juki.register.models import ResidentRecord
from juki.stats.population import in_force_on

from .changes.ex_officio_helpers import apply
from .factories import add_household, small_city

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def city():
    return small_city()


SINCE = D(2015, 4, 1)


def person(city, since=SINCE) -> ResidentRecord:
    (rec,) = add_household(city, [{"given_name": "太郎"}], since=since)
    rec.refresh_from_db()
    return rec


def add_version(base: ResidentRecord, version: int, valid_from: dt.date) -> ResidentRecord:
    """A raw INSERT of another version of ``base``'s person (not current: test setup only)."""
    fields = {f.attname: getattr(base, f.attname) for f in ResidentRecord._meta.concrete_fields if f.name != "id"}
    fields.update(version=version, valid_from=valid_from, is_current=False, valid_to=None)
    return ResidentRecord.objects.create(**fields)


def valid_to_by_version(pid: int) -> dict[int, dt.date | None]:
    return dict(ResidentRecord.objects.filter(person_id=pid).order_by("version").values_list("version", "valid_to"))


def expected(pid: int) -> dict[int, dt.date | None]:
    """The rule computed in Python from the person's versions (valid_to_of)."""
    rows = list(ResidentRecord.objects.filter(person_id=pid).order_by("version").values_list("version", "valid_from"))
    return dict(zip([v for v, _ in rows], validity.valid_to_of([f for _, f in rows]), strict=True))


def test_the_triggers_exist_after_all_migrations():
    assert validity.missing(connection) == []


def test_a_single_version_is_open_ended(city):
    rec = person(city)
    assert rec.valid_to is None


def test_a_later_version_closes_the_previous_one_on_its_valid_from(city):
    rec = person(city)
    add_version(rec, 2, D(2018, 6, 1))
    add_version(rec, 3, D(2020, 1, 1))
    assert valid_to_by_version(rec.person_id) == {1: D(2018, 6, 1), 2: D(2020, 1, 1), 3: None}


def test_a_back_dated_version_slots_into_the_history(city):
    # A late notification (遡及した異動) recorded after a later change: version 3 takes effect
    # between versions 1 and 2, so it ends where version 2 begins, and version 1 ends on it.
    rec = person(city)
    add_version(rec, 2, D(2020, 1, 1))
    add_version(rec, 3, D(2018, 6, 1))
    assert valid_to_by_version(rec.person_id) == {1: D(2018, 6, 1), 2: None, 3: D(2020, 1, 1)}
    assert valid_to_by_version(rec.person_id) == expected(rec.person_id)


def test_a_version_back_dated_before_the_first_ends_where_the_first_begins(city):
    rec = person(city, since=D(2015, 4, 1))
    add_version(rec, 2, D(2010, 1, 1))
    assert valid_to_by_version(rec.person_id) == {1: None, 2: D(2015, 4, 1)}


def test_equal_valid_from_gives_the_lower_version_an_empty_interval(city):
    # A correction given the 異動日 of the version it corrects wins over it (history.record_as_of).
    rec = person(city)
    add_version(rec, 2, D(2018, 6, 1))
    add_version(rec, 3, D(2018, 6, 1))
    assert valid_to_by_version(rec.person_id) == {1: D(2018, 6, 1), 2: D(2018, 6, 1), 3: None}


def test_deleting_the_last_version_reopens_the_previous_one(city):
    # The benchmark undoes its raw 転居 so (bench/runner.py: DELETE … WHERE id > …).
    rec = person(city)
    v2 = add_version(rec, 2, D(2018, 6, 1))
    ResidentRecord.objects.filter(pk=v2.pk).delete()
    assert valid_to_by_version(rec.person_id) == {1: None}


def test_deleting_a_middle_version_joins_its_neighbours(city):
    rec = person(city)
    v2 = add_version(rec, 2, D(2018, 6, 1))
    add_version(rec, 3, D(2020, 1, 1))
    ResidentRecord.objects.filter(pk=v2.pk).delete()
    assert valid_to_by_version(rec.person_id) == {1: D(2020, 1, 1), 3: None}


def test_changing_a_valid_from_recomputes_the_person(city):
    rec = person(city)
    v2 = add_version(rec, 2, D(2018, 6, 1))
    add_version(rec, 3, D(2020, 1, 1))
    ResidentRecord.objects.filter(pk=v2.pk).update(valid_from=D(2021, 1, 1))
    assert valid_to_by_version(rec.person_id) == {1: D(2020, 1, 1), 2: None, 3: D(2021, 1, 1)}


def test_a_stale_valid_to_written_back_is_corrected(city):
    rec = person(city)  # loaded while open-ended
    add_version(rec, 2, D(2018, 6, 1))
    rec.save()  # a full save writes the instance's stale valid_to (None) back
    assert valid_to_by_version(rec.person_id) == {1: D(2018, 6, 1), 2: None}
    ResidentRecord.objects.filter(pk=rec.pk).update(valid_to=D(2030, 1, 1))
    assert valid_to_by_version(rec.person_id) == {1: D(2018, 6, 1), 2: None}


def test_other_updates_leave_valid_to_alone(city):
    rec = person(city)
    add_version(rec, 2, D(2018, 6, 1))
    ResidentRecord.objects.filter(person_id=rec.person_id).update(remarks="備考")
    assert valid_to_by_version(rec.person_id) == {1: D(2018, 6, 1), 2: None}


def test_the_change_workflow_keeps_valid_to_through_move_correction_removal_and_restoration(city, clerk, approver):
    (head,) = add_household(city, [{"given_name": "太朗"}], since=D(2015, 4, 1))
    pid = head.person_id
    apply(clerk, approver, "move_within", {"persons": [pid], "town_block": city.blocks[1].code, "banchi": "2番3号"},
          effective_on=D(2018, 6, 1), notified_on=D(2018, 6, 5))
    apply(clerk, approver, "ex_officio_correction",
          {"person": pid, "reason": "誤記", "corrections": {"given_name": "太郎"}}, effective_on=D(2018, 6, 1))
    apply(clerk, approver, "ex_officio_removal", {"persons": [pid], "grounds": "no_residence", "reason": "実態調査"},
          effective_on=D(2022, 3, 1))
    apply(clerk, approver, "restoration", {"persons": [pid], "reason": "誤って消除"}, effective_on=D(2022, 3, 1))
    assert valid_to_by_version(pid) == {1: D(2018, 6, 1), 2: D(2018, 6, 1), 3: D(2022, 3, 1), 4: D(2022, 3, 1), 5: None}
    for day in (D(2015, 3, 31), D(2015, 4, 1), D(2018, 5, 31), D(2018, 6, 1), D(2022, 2, 28), D(2022, 3, 1)):
        in_force = list(in_force_on(day).filter(person_id=pid).values_list("version", flat=True))
        as_of = record_as_of(pid, day)
        assert in_force == ([as_of.version] if as_of else [])


def _random_histories(city, rng: random.Random, persons: int = 12) -> list[int]:
    pids = []
    for _ in range(persons):
        rec = person(city, since=D(2015, 1, 1) + dt.timedelta(days=rng.randrange(0, 400)))
        for version in range(2, rng.randrange(2, 7)):
            add_version(rec, version, D(2014, 6, 1) + dt.timedelta(days=rng.choice([0, 30, 30, 400, 800, 1200])))
        pids.append(rec.person_id)
    return pids


def test_random_histories_follow_the_rule_and_the_as_of_record(city):
    rng = random.Random(7)
    pids = _random_histories(city, rng)
    for pid in pids:
        assert valid_to_by_version(pid) == expected(pid)
    for day in (D(2014, 6, 1), D(2014, 7, 1), D(2015, 6, 1), D(2016, 8, 1), D(2018, 1, 1), D(2030, 1, 1)):
        in_force = dict(in_force_on(day).filter(person_id__in=pids).values_list("person_id", "version"))
        assert in_force == {pid: r.version for pid in pids if (r := record_as_of(pid, day)) is not None}


def test_the_backfill_equals_the_triggers_result(city):
    # The migration (and a bulk load) set valid_to with one LEAD() UPDATE: same values.
    pids = _random_histories(city, random.Random(11))
    by_triggers = {pid: valid_to_by_version(pid) for pid in pids}
    with validity.suspended(connection):
        ResidentRecord.objects.update(valid_to=None)
        assert all(v is None for v in ResidentRecord.objects.values_list("valid_to", flat=True))
        broken = validity.mismatches(connection)
        with connection.cursor() as cur:
            written = validity.set_valid_to_after_bulk_load(cur)
        assert broken == written > 0
    assert written == sum(1 for p in by_triggers.values() for v in p.values() if v is not None)
    assert {pid: valid_to_by_version(pid) for pid in pids} == by_triggers
    assert validity.mismatches(connection) == 0
    assert validity.missing(connection) == []


def test_with_the_triggers_suspended_rows_are_written_as_given_and_the_triggers_come_back(city):
    rec = person(city)
    with validity.suspended(connection):
        assert set(validity.missing(connection)) == set(validity.trigger_names(connection.vendor))
        add_version(rec, 2, D(2018, 6, 1))
        assert valid_to_by_version(rec.person_id) == {1: None, 2: None}  # nothing maintained
    assert validity.missing(connection) == []
    add_version(rec, 3, D(2020, 1, 1))
    assert valid_to_by_version(rec.person_id)[2] == D(2020, 1, 1)


def test_a_failed_bulk_load_restores_the_triggers(city):
    with pytest.raises(RuntimeError), transaction.atomic(), validity.suspended(connection):
        raise RuntimeError("load failed")
    assert validity.missing(connection) == []


@pytest.mark.parametrize(("valid_froms", "result"), [
    ([], []),
    ([D(2015, 1, 1)], [None]),
    ([D(2015, 1, 1), D(2018, 1, 1)], [D(2018, 1, 1), None]),
    ([D(2015, 1, 1), D(2020, 1, 1), D(2018, 1, 1)], [D(2018, 1, 1), None, D(2020, 1, 1)]),
    ([D(2015, 1, 1), D(2018, 1, 1), D(2018, 1, 1)], [D(2018, 1, 1), D(2018, 1, 1), None]),
])
def test_valid_to_of_gives_the_loader_the_same_rule(valid_froms, result):
    assert validity.valid_to_of(valid_froms) == result
