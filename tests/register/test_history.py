"""History and the record as of a past date (DESIGN §5: "A record 'as of' any past date must be
reproducible"; docs/register-history.md: immutable versions with notified / effective / recorded dates)."""

from __future__ import annotations

import datetime as dt

import pytest

from juki.core import clock
from juki.register.history import history, household_as_of, known_as_of, record_as_of
from juki.register.models import RecordStatus

from .changes.ex_officio_helpers import apply
from .factories import add_household, small_city

pytestmark = pytest.mark.django_db

SINCE = dt.date(2015, 4, 1)
MOVED = dt.date(2018, 6, 1)
REMOVED = dt.date(2022, 3, 1)


@pytest.fixture
def city():
    return small_city()


@pytest.fixture
def lived(city, clerk, approver):
    """A person changed several times; returns (person id, moments after each change was recorded)."""
    (head,) = add_household(city, [{"given_name": "太朗"}], since=SINCE)
    pid = head.person_id
    moments = {"created": clock.now()}
    apply(clerk, approver, "move_within", {"persons": [pid], "town_block": city.blocks[1].code, "banchi": "2番3号"},
          effective_on=MOVED, notified_on=MOVED + dt.timedelta(days=4))
    moments["moved"] = clock.now()
    # The name was wrong from the start; corrected over the current version's whole validity.
    apply(clerk, approver, "ex_officio_correction",
          {"person": pid, "reason": "誤記", "corrections": {"given_name": "太郎"}}, effective_on=MOVED)
    moments["corrected"] = clock.now()
    apply(clerk, approver, "ex_officio_removal", {"persons": [pid], "grounds": "no_residence", "reason": "実態調査"},
          effective_on=REMOVED)
    moments["removed"] = clock.now()
    apply(clerk, approver, "restoration", {"persons": [pid], "reason": "誤って消除"}, effective_on=REMOVED)
    moments["restored"] = clock.now()
    return pid, moments


def test_before_registration_there_is_no_record(lived):
    pid, _ = lived
    assert record_as_of(pid, SINCE - dt.timedelta(days=1)) is None


def test_the_record_as_of_each_past_date_is_the_version_in_force_that_day(lived, city):
    pid, _ = lived
    first = record_as_of(pid, dt.date(2016, 1, 1))
    assert (first.version, first.town_block_id, first.given_name) == (1, city.blocks[0].pk, "太朗")
    assert record_as_of(pid, SINCE).version == 1  # in force from its 異動日
    # From the move on, the correction (same 異動日, higher version) is in force: the right name.
    moved = record_as_of(pid, dt.date(2019, 1, 1))
    assert (moved.version, moved.town_block_id, moved.given_name) == (3, city.blocks[1].pk, "太郎")
    # The restoration, dated back to the removal, replaces it on every day since.
    later = record_as_of(pid, dt.date(2023, 1, 1))
    assert (later.version, later.status) == (5, RecordStatus.RESIDENT)
    assert record_as_of(pid, clock.today()).is_current


def test_what_was_known_at_a_past_moment_excludes_later_corrections(lived):
    pid, moments = lived
    before_correction = known_as_of(pid, dt.date(2019, 1, 1), at=moments["moved"])
    assert (before_correction.version, before_correction.given_name) == (2, "太朗")
    after_correction = known_as_of(pid, dt.date(2019, 1, 1), at=moments["corrected"])
    assert (after_correction.version, after_correction.given_name) == (3, "太郎")
    before_restoration = known_as_of(pid, dt.date(2023, 1, 1), at=moments["removed"])
    assert (before_restoration.version, before_restoration.status) == (4, RecordStatus.REMOVED)
    assert known_as_of(pid, dt.date(2023, 1, 1), at=moments["created"]).version == 1
    assert known_as_of(pid, dt.date(2023, 1, 1), at=moments["created"] - dt.timedelta(days=1)) is None


def test_past_answers_do_not_change_when_the_record_changes_later(lived, city, clerk, approver):
    pid, moments = lived
    days = [SINCE, dt.date(2017, 7, 7), MOVED, dt.date(2020, 12, 31), REMOVED, dt.date(2024, 1, 1)]
    as_of = {d: record_as_of(pid, d).pk for d in days}
    known = {(d, m): getattr(known_as_of(pid, d, at=t), "pk", None) for d in days for m, t in moments.items()}

    apply(clerk, approver, "move_within", {"persons": [pid], "town_block": city.blocks[2].code},
          notified_on=clock.today())
    apply(clerk, approver, "ex_officio_correction", {"person": pid, "reason": "誤記", "corrections": {"banchi": "9番"}})

    assert {d: record_as_of(pid, d).pk for d in days} == as_of
    assert {(d, m): getattr(known_as_of(pid, d, at=t), "pk", None) for d in days for m, t in moments.items()} == known


def test_known_as_of_needs_an_aware_moment(lived):
    pid, _ = lived
    with pytest.raises(ValueError):
        known_as_of(pid, dt.date(2020, 1, 1), at=dt.datetime(2020, 1, 1, 12, 0))  # noqa: DTZ001


def test_history_lists_every_version_with_its_three_dates(lived):
    pid, _ = lived
    versions = history(pid)
    assert [v.version for v in versions] == [1, 2, 3, 4, 5]
    assert [v.change_reason for v in versions] == [
        "initial", "move_within", "ex_officio_correction", "ex_officio_removal", "restoration"]
    assert [v.valid_from for v in versions] == [SINCE, MOVED, MOVED, REMOVED, REMOVED]
    assert versions[1].notified_on == MOVED + dt.timedelta(days=4)
    assert all(v.notified_on is None for v in versions[2:])  # 職権: no notification
    assert [v.recorded_at for v in versions] == sorted(v.recorded_at for v in versions)
    assert all(v.superseded_at is not None for v in versions[:-1]) and versions[-1].superseded_at is None
    assert versions[1].given_name == "太朗"  # what was wrong stays in history


def test_the_household_as_of_a_date_has_the_members_in_force_that_day(city, clerk, approver):
    head, child, other = add_household(city, [{}, {}, {}], since=SINCE)
    apply(clerk, approver, "move_within", {
        "persons": [child.person_id], "town_block": city.blocks[1].code, "household": "new",
        "relationships": {str(child.person_id): "householder"},
    }, effective_on=MOVED, notified_on=MOVED)
    apply(clerk, approver, "ex_officio_removal", {"persons": [other.person_id], "grounds": "no_residence",
                                                  "reason": "実態調査"}, effective_on=REMOVED)
    hh = head.household_id

    assert household_as_of(hh, SINCE - dt.timedelta(days=1)) == []
    assert [r.person_id for r in household_as_of(hh, dt.date(2017, 1, 1))] == [
        head.person_id, child.person_id, other.person_id]
    assert [r.person_id for r in household_as_of(hh, dt.date(2020, 1, 1))] == [head.person_id, other.person_id]
    assert [r.person_id for r in household_as_of(hh, clock.today())] == [head.person_id]
    new_hh = record_as_of(child.person_id, clock.today()).household_id
    assert household_as_of(new_hh, dt.date(2017, 1, 1)) == []
    assert [r.person_id for r in household_as_of(new_hh, dt.date(2020, 1, 1))] == [child.person_id]
