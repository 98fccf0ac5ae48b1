"""Population as of a date from history (docs/statistics.md): equal to hand-computed counts and to
the record in force on that date person by person (juki.register.history.record_as_of)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection

from juki.register.history import record_as_of
from juki.register.models import Person, RecordStatus, ResidentRecord, Sex
from juki.stats.population import (
    POPULATION_SQL,
    aggregate_transaction,
    band_of,
    population,
    residents_on,
)
from juki.tools.bench.stats import bench_population, raw_population_baseline

from .city import build

pytestmark = pytest.mark.django_db
D = dt.date
M, F = Sex.MALE, Sex.FEMALE


@pytest.fixture
def hist(clerk, approver):
    return build(clerk, approver)


def by_block(pop, hist):
    return [pop.count(block=b.pk) for b in hist.city.blocks]


def counted_person_by_person(on):
    return sum(1 for pid in Person.objects.values_list("pk", flat=True)
               if (r := record_as_of(pid, on)) is not None and r.status == RecordStatus.RESIDENT)


def test_before_any_change_the_initial_city_is_counted_by_block_sex_and_kind(hist):
    pop = population(D(2024, 5, 31))
    assert pop.total == 9
    assert by_block(pop, hist) == [2, 5, 2]
    assert (pop.count(sex=M), pop.count(sex=F)) == (5, 4)
    assert (pop.count(kind="japanese"), pop.count(kind="foreign")) == (8, 1)
    assert (pop.households, pop.households_japanese, pop.households_foreign, pop.households_mixed) == (5, 4, 1, 0)


def test_a_birth_counts_from_its_date_and_not_the_day_before(hist):
    assert population(D(2024, 5, 31)).count(band="0-4") == 0
    after = population(D(2024, 6, 1))
    assert after.count(band="0-4", sex=F, block=hist.city.blocks[0].pk) == 1
    assert after.total == 10


def test_a_death_removes_the_person_from_the_date_of_death(hist):
    block = hist.city.blocks[1].pk
    assert population(D(2024, 9, 9)).count(block=block, sex=M) == 3
    assert population(D(2024, 9, 10)).count(block=block, sex=M) == 2


def test_a_move_within_counts_the_person_in_the_old_block_before_and_the_new_block_from_its_date(hist):
    old, new = hist.city.blocks[2].pk, hist.city.blocks[0].pk
    before, after = population(D(2024, 9, 30)), population(D(2024, 10, 1))
    assert (before.count(block=old, kind="foreign"), before.count(block=new, kind="foreign")) == (1, 0)
    assert (after.count(block=old, kind="foreign"), after.count(block=new, kind="foreign")) == (0, 1)
    assert before.total == after.total


def test_move_in_and_move_out_change_the_population_on_their_dates(hist):
    assert population(D(2024, 11, 4)).total == 9
    assert population(D(2024, 11, 5)).total == 11
    assert population(D(2024, 12, 19)).total == 11
    assert population(D(2024, 12, 20)).total == 10


def test_after_all_changes_every_cell_matches_the_hand_count(hist):
    pop = population(D(2025, 1, 1))
    b0, b1, b2 = (b.pk for b in hist.city.blocks)
    expected = {
        (b0, "40-44", M, "japanese"): 1, (b0, "40-44", F, "japanese"): 1, (b0, "0-4", F, "japanese"): 1,
        (b0, "25-29", F, "foreign"): 1,
        (b1, "65-69", F, "japanese"): 1, (b1, "95-99", F, "japanese"): 1, (b1, "unknown", M, "japanese"): 1,
        (b1, "100+", M, "japanese"): 1,
        (b2, "35-39", M, "japanese"): 1, (b2, "35-39", F, "japanese"): 1,
    }
    assert pop.cells == expected
    assert (pop.households, pop.households_foreign) == (5, 1)


def test_unknown_birth_parts_are_read_as_the_earliest_day_they_allow(hist):
    # The mother was born in 1930, month and day unknown: 1 January 1930, so 94 on 2024-05-31.
    b1 = hist.city.blocks[1].pk
    assert population(D(2024, 5, 31)).count(block=b1, band="90-94", sex=F) == 1
    # A person with no birth year is in 「年齢不詳」.
    assert population(D(2024, 5, 31)).count(band="unknown") == 1


def test_the_age_is_the_age_on_the_date_counting_birthdays(hist):
    # A's householder, born 1980-05-01: 39 the day before his 40th birthday, 40 on it.
    b0 = hist.city.blocks[0].pk
    assert population(D(2020, 4, 30)).count(block=b0, sex=M, band="35-39") == 1
    assert population(D(2020, 5, 1)).count(block=b0, sex=M, band="40-44") == 1


@pytest.mark.parametrize("on", [D(2015, 3, 31), D(2024, 6, 1), D(2024, 9, 10), D(2024, 11, 5), D(2025, 1, 1)])
def test_the_set_based_count_equals_the_record_in_force_person_by_person(hist, on):
    assert population(on).total == counted_person_by_person(on)


def test_bands_are_five_years_with_an_open_top_and_unknown():
    assert [band_of(a) for a in (0, 4, 5, 99, 100, 117, None)] == ["0-4", "0-4", "5-9", "95-99", "100+", "100+", "unknown"]


def test_bench_gives_the_figure_beside_the_raw_group_by_baseline(hist):
    result = bench_population(D(2025, 1, 1))
    assert result["residents"] == 10 and result["households"] == 5
    assert result["baseline_residents"] == raw_population_baseline()["residents"] == 10
    assert result["seconds"] > 0 and result["baseline_seconds"] > 0


# --- back-dated versions (docs/performance.md: the as-of rule through valid_to, juki.register.validity) ----------

def counted_by_block_person_by_person(on):
    out: dict[int, int] = {}
    for pid in Person.objects.values_list("pk", flat=True):
        r = record_as_of(pid, on)
        if r is not None and r.status == RecordStatus.RESIDENT:
            out[r.town_block_id] = out.get(r.town_block_id, 0) + 1
    return out


def raw_version(rec, *, version, valid_from, **changes):
    """A version inserted directly (a late notification recorded after later changes; test setup)."""
    fields = {f.attname: getattr(rec, f.attname) for f in ResidentRecord._meta.concrete_fields if f.name != "id"}
    fields.update(version=version, valid_from=valid_from, is_current=False, **changes)
    return ResidentRecord.objects.create(**fields)


@pytest.fixture
def back_dated(hist):
    """hist plus versions recorded out of order: A's householder moved to 旭北栄町 from 2016-01-01
    (recorded after the later versions), E's record corrected on its own 異動日 (same valid_from,
    higher version: wins), and E removed as of 2019-07-01 then restored on 2020-01-01."""
    blocks = hist.city.blocks
    a = ResidentRecord.objects.filter(person_id=hist.a_head.person_id).order_by("-version").first()
    raw_version(a, version=a.version + 1, valid_from=D(2016, 1, 1), town_block_id=blocks[2].pk)
    e = ResidentRecord.objects.filter(person_id=hist.e_single.person_id).order_by("version").first()
    top = ResidentRecord.objects.filter(person_id=e.person_id).order_by("-version").first().version
    raw_version(e, version=top + 1, valid_from=e.valid_from, town_block_id=blocks[1].pk)
    raw_version(e, version=top + 2, valid_from=D(2019, 7, 1), status=RecordStatus.REMOVED,
                removal_reason="no_residence", removed_on=D(2019, 7, 1), retention_until=D(2169, 7, 1))
    raw_version(e, version=top + 3, valid_from=D(2020, 1, 1), town_block_id=blocks[1].pk)
    return hist


@pytest.mark.parametrize("on", [D(2015, 4, 1), D(2015, 12, 31), D(2016, 1, 1), D(2019, 6, 30), D(2019, 7, 1),
                                D(2019, 12, 31), D(2020, 1, 1), D(2024, 10, 1), D(2025, 1, 1)])
def test_with_back_dated_versions_the_count_by_block_equals_the_record_in_force(back_dated, on):
    pop = population(on)
    expected = counted_by_block_person_by_person(on)
    assert pop.total == sum(expected.values())
    assert {b.block_id: b.total for b in pop.blocks if b.total} == expected
    assert residents_on(on).count() == pop.total


def test_a_back_dated_move_counts_in_the_new_block_from_its_date_until_the_next_version(back_dated):
    a_block, c_block = back_dated.city.blocks[0].pk, back_dated.city.blocks[2].pk
    assert population(D(2015, 12, 31)).count(block=a_block, sex=M, band="35-39") == 1
    on = population(D(2016, 1, 1))
    assert (on.count(block=a_block, sex=M, band="35-39"), on.count(block=c_block, sex=M, band="35-39")) == (0, 1)


def test_a_removal_in_the_past_drops_the_person_until_the_restoration(back_dated):
    assert population(D(2019, 6, 30)).total - population(D(2019, 7, 1)).total == 1
    assert population(D(2020, 1, 1)).total == population(D(2019, 6, 30)).total


def _plan(on):
    params = {"on": on, "year": on.year, "month": on.month, "day": on.day,
              "japanese": "japanese", "foreign": "foreign"}
    with aggregate_transaction(), connection.cursor() as cur:
        if connection.vendor == "postgresql":
            # A test table is tiny, so the planner would rightly read it any way. Penalise
            # sequential and bitmap scans (and parallel plans, whose per-worker costs blur the
            # penalty), and take away the per-person index the old anti-join used (the DROP is
            # undone with the test's transaction), to see that the covering index answers each
            # arm alone. (Not enable_indexscan = off: it penalises index-only scans as well.)
            cur.execute("SET LOCAL enable_seqscan = off")
            cur.execute("SET LOCAL enable_bitmapscan = off")
            cur.execute("SET LOCAL max_parallel_workers_per_gather = 0")
            cur.execute("DROP INDEX record_person_asof")
            cur.execute("EXPLAIN " + POPULATION_SQL, params)
        else:
            cur.execute("EXPLAIN QUERY PLAN " + POPULATION_SQL, params)
        return "\n".join(str(row[-1]) for row in cur.fetchall())


def test_the_population_reads_only_the_covering_index_of_the_rows_in_force(hist):
    plan = _plan(D(2025, 1, 1))
    if connection.vendor == "postgresql":
        # each arm is a range of the covering index (an index-only scan where the visibility map
        # allows, as after a bulk load's COPY FREEZE or a VACUUM: docs/performance.md, 3.8 M)
        assert plan.count("Scan using record_resident_in_force") == 2, plan
        assert "Seq Scan on register_residentrecord" not in plan, plan
    else:
        assert plan.count("COVERING INDEX record_resident_in_force") == 2, plan
        assert "record_person_asof" not in plan  # no per-person comparison of versions


def test_a_household_with_members_in_two_blocks_counts_in_each_block_and_once_in_the_city(hist):
    # One member of B's household (山王二丁目) registered at another address from 2025-02-01
    # without leaving the household (raw version: test setup). Households are counted per block
    # where they have members, and once for the city (docs/statistics.md, Households).
    b_blocks = hist.city.blocks
    wife = ResidentRecord.objects.filter(household_id=hist.b_husband.household_id, is_current=True,
                                         status=RecordStatus.RESIDENT).order_by("listing_order").first()
    before = population(D(2025, 1, 31))
    raw_version(wife, version=wife.version + 1, valid_from=D(2025, 2, 1), town_block_id=b_blocks[0].pk)
    after = population(D(2025, 2, 1))
    rows = {r.block_id: r for r in after.blocks}
    old_rows = {r.block_id: r for r in before.blocks}
    assert rows[b_blocks[0].pk].households == old_rows[b_blocks[0].pk].households + 1
    assert rows[b_blocks[1].pk].households == old_rows[b_blocks[1].pk].households
    assert after.households == before.households
    assert sum(r.households for r in after.blocks) == after.households + 1
