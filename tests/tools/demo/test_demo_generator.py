"""The demo city generator (no database): deterministic for a seed, realistic in shape."""

from __future__ import annotations

import collections

import pytest

from juki.identifiers import my_number, resident_code
from juki.register.models import Relationship, ResidentKind
from juki.register.names import has_variation_selector
from juki.tools.demo.addresses import town_block_specs
from juki.tools.demo.generator import DemoCityGenerator
from juki.tools.demo.plans import REFERENCE_DATE


def snapshot(seed: int, residents: int) -> list[tuple]:
    gen = DemoCityGenerator(seed=seed, residents=residents)
    return [
        (h.kind, h.address, m.relationship, m.full_name, m.family_kana, m.given_kana, m.birth,
         m.resident_code, m.my_number, m.listing_order, [(v.change_reason, v.valid_from) for v in m.versions])
        for h in gen.households() for m in h.members
    ]


@pytest.fixture(scope="module")
def city():
    gen = DemoCityGenerator(seed=11, residents=3000)
    return gen, list(gen.households())


def test_same_seed_gives_the_same_city():
    assert snapshot(5, 400) == snapshot(5, 400)


def test_another_seed_gives_another_city():
    assert snapshot(5, 400) != snapshot(6, 400)


def test_exactly_the_requested_number_of_residents_plus_removed_records(city):
    _, households = city
    people = [m for h in households for m in h.members]
    assert sum(m.is_resident for m in people) == 3000
    removed = [m for m in people if not m.is_resident]
    assert 0.01 * 3000 < len(removed) < 0.06 * 3000


def test_town_block_master_is_akita_sized_with_codes_kana_postcodes_and_districts():
    blocks = town_block_specs()
    assert 40 <= len(blocks) <= 80
    assert len({b.code for b in blocks}) == len(blocks)
    for b in blocks:
        assert len(b.code) == 7 and b.code.isdigit()
        assert len(b.postcode) == 7 and b.postcode[:2] in {"01"}
        assert b.kana and b.elementary.endswith("小学校") and b.junior_high.endswith("中学校") and b.voting


def test_age_pyramid_is_that_of_an_ageing_regional_city(city):
    gen, households = city
    ages = [gen._age_of(m) for h in households for m in h.members if m.is_resident]
    elderly = sum(a >= 65 for a in ages) / len(ages)
    children = sum(a < 15 for a in ages) / len(ages)
    assert 0.25 <= elderly <= 0.40  # Akita City: about a third aged 65 and over
    assert 0.08 <= children <= 0.16


def test_households_list_the_householder_first_and_use_standard_relationship_wording(city):
    _, households = city
    seen = collections.Counter()
    for h in households:
        assert [m.listing_order for m in h.members] == list(range(1, len(h.members) + 1))
        assert h.members[0].relationship == Relationship.HOUSEHOLDER
        assert sum(m.relationship == Relationship.HOUSEHOLDER for m in h.members) == 1
        seen.update(Relationship(m.relationship).label for m in h.members)
    for wording in ("世帯主", "妻", "子", "父", "母", "孫", "子の妻"):
        assert seen[wording] > 0, wording


def test_numbers_are_valid_and_unique(city):
    _, households = city
    people = [m for h in households for m in h.members]
    assert all(resident_code.is_valid(m.resident_code) for m in people)
    assert all(my_number.is_valid(m.my_number) for m in people)
    assert len({m.resident_code for m in people}) == len(people)
    assert len({m.my_number for m in people}) == len(people)


def test_some_names_carry_mj_variants_as_ivs(city):
    _, households = city
    people = [m for h in households for m in h.members]
    with_ivs = [m for m in people if has_variation_selector(m.family_name)]
    assert 0.01 * len(people) < len(with_ivs) < 0.1 * len(people)
    assert any(m.family_name == "辻\U000e0102" for m in with_ivs) or any("\u9089\U000e0110" in m.family_name for m in with_ivs)


def test_about_two_percent_are_foreign_residents_with_their_items(city):
    _, households = city
    residents = [m for h in households for m in h.members if m.is_resident]
    foreign = [m for m in residents if m.resident_kind == ResidentKind.FOREIGN]
    assert 0.01 <= len(foreign) / len(residents) <= 0.035
    for m in foreign:
        assert m.foreign and m.foreign.nationality and m.foreign.category and m.alphabet_name
        assert not m.domicile  # foreign residents have no 本籍


def test_dates_are_consistent(city):
    gen, households = city
    for h in households:
        for m in h.members:
            assert m.joined_on is not None and m.birth <= m.joined_on <= REFERENCE_DATE
            times = [v.recorded_at for v in m.versions]
            assert times == sorted(times)
            for v in m.versions:
                assert v.notified_on is None or v.notified_on <= REFERENCE_DATE
                assert v.valid_from >= m.birth
            if m.removal:
                assert m.versions[-1].removed_on == m.removal[1] > m.joined_on
                assert m.versions[-1].removed_on <= REFERENCE_DATE

