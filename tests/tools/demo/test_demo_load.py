"""`juki demo`: the demo city loaded into the database (README.md, "juki demo")."""

from __future__ import annotations

import importlib.util
import io
import re
from collections import defaultdict

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.identifiers import my_number, resident_code
from juki.register import my_numbers
from juki.register.entry_rules import add_years
from juki.register.models import (
    District,
    ForeignResidentCategory,
    Household,
    Municipality,
    NumberSequence,
    Person,
    RecordStatus,
    Relationship,
    ResidenceStatus,
    ResidentKind,
    ResidentRecord,
    TownBlock,
)
from juki.register.names import has_variation_selector, kanji_search_key
from juki.tools.demo.generator import DemoCityGenerator
from juki.tools.demo.loader import do_load_demo
from juki.tools.demo.management.commands import demo as demo_command

pytestmark = pytest.mark.django_db
SEED = 3  # a 300-resident city with foreign and removed residents (seed 7 has no foreign household since session 3's chunked generator)
N = 300
REAL_ENSURE_DEMO_STAFF = demo_command.ensure_demo_staff


@pytest.fixture(autouse=True)
def no_demo_staff(monkeypatch):
    """The demo staff belong to the security app's tests; here we only record the call."""
    calls = []
    monkeypatch.setattr(demo_command, "ensure_demo_staff", lambda stdout: calls.append(stdout))
    return calls


@pytest.fixture
def city():
    return do_load_demo(residents=N, seed=SEED, actor=Actor.system("tests"))


def current():
    return ResidentRecord.objects.filter(is_current=True)


def wipe_register():
    ResidentRecord.objects.all().delete()
    Person.objects.all().delete()
    Household.objects.all().delete()
    TownBlock.objects.all().delete()
    District.objects.all().delete()
    Municipality.objects.all().delete()
    NumberSequence.objects.all().delete()


def db_snapshot():
    return [
        (r.person_id, r.household_id, r.version, r.family_name, r.given_name, r.family_name_kana,
         r.birth_year, r.birth_month, r.birth_day, r.relationship, r.listing_order, r.resident_code,
         r.town_block.code, r.banchi, r.katagaki, r.status, r.valid_from,
         my_numbers.reveal(r.my_number_enc, r.person_id))
        for r in ResidentRecord.objects.select_related("town_block").order_by("person_id", "version")
    ]


def test_demo_city_is_akita_with_the_requested_residents(city):
    town = Municipality.objects.get()
    assert (town.lg_code, town.name, town.prefecture) == ("052019", "秋田市", "秋田県")
    assert current().filter(status=RecordStatus.RESIDENT).count() == N == city.residents
    assert current().filter(status=RecordStatus.REMOVED).count() == city.removed > 0
    assert 40 <= TownBlock.objects.count() <= 80
    block = TownBlock.objects.select_related("elementary_school_district", "voting_district").first()
    assert block.name_kana and len(block.postcode) == 7
    assert block.elementary_school_district.name.endswith("小学校")
    assert block.voting_district.name.endswith("投票区")


def test_loading_the_same_seed_twice_gives_the_same_register(city):
    first = db_snapshot()
    wipe_register()
    do_load_demo(residents=N, seed=SEED, actor=Actor.system("tests"))
    assert db_snapshot() == first


def test_every_household_has_exactly_one_householder(city):
    householders = defaultdict(int)
    members = defaultdict(int)
    for household_id, relationship, status in current().values_list("household_id", "relationship", "status"):
        dissolved = Household.objects.filter(pk=household_id, dissolved_on__isnull=False).exists()
        if status == RecordStatus.RESIDENT or dissolved:
            members[household_id] += 1
            householders[household_id] += relationship == Relationship.HOUSEHOLDER
    assert members and set(members) == set(Household.objects.values_list("pk", flat=True))
    assert all(count == 1 for count in householders.values())


def test_resident_codes_and_my_numbers_are_valid_and_unique(city):
    rows = list(current().values_list("person_id", "resident_code", "my_number_enc", "my_number_index"))
    codes = [code for _, code, _, _ in rows]
    numbers = [my_numbers.reveal(blob, person) for person, _, blob, _ in rows]
    assert all(resident_code.is_valid(c) for c in codes)
    assert all(my_number.is_valid(n) for n in numbers)
    assert len(set(codes)) == len(set(numbers)) == len({i for *_, i in rows}) == len(rows)


def test_no_my_number_is_stored_in_clear_anywhere(city):
    # Scan every column of every table, the audit log included, for the demo's My Numbers.
    numbers = {m.my_number for h in DemoCityGenerator(seed=SEED, residents=N).households() for m in h.members}
    assert numbers == {my_numbers.reveal(b, p) for p, b in ResidentRecord.objects.values_list("person_id", "my_number_enc")}
    twelve = re.compile(r"\d{12}")
    found = []
    with connection.cursor() as cursor:
        for table in connection.introspection.table_names():
            cursor.execute(f"SELECT * FROM {connection.ops.quote_name(table)}")  # noqa: S608
            for row in cursor.fetchall():
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        value = bytes(value).decode("latin-1")
                    text = str(value)
                    digits = re.sub(r"\D", "", text) if len(text) <= 40 else ""
                    hits = {m for m in twelve.findall(text) if m in numbers}
                    if digits in numbers:
                        hits.add(digits)
                    found += [(table, hit) for hit in hits]
    assert found == []


def test_some_registered_names_carry_ivs_variants(city):
    names = list(current().values_list("family_name", "name_key"))
    with_ivs = [(name, key) for name, key in names if has_variation_selector(name)]
    assert with_ivs
    for name, key in with_ivs:
        # the key folds variant kanji too (齋 → 斎), so compare with the folded first character
        assert not has_variation_selector(key) and key.startswith(kanji_search_key(name[0]))


def test_foreign_residents_have_nationality_status_and_period_of_stay(city):
    foreign = list(current().filter(resident_kind=ResidentKind.FOREIGN, status=RecordStatus.RESIDENT))
    assert foreign
    for r in foreign:
        assert r.nationality and r.nationality_code and r.alphabet_name and r.foreign_category
        assert re.fullmatch(r"[A-Z]{2}\d{8}[A-Z]{2}", r.residence_card_no)
        assert r.became_foreign_resident_on is not None
        if r.foreign_category == ForeignResidentCategory.SPECIAL_PERMANENT:
            assert not r.residence_status  # 特別永住者 have no status of residence
        else:
            assert r.residence_status
            if r.residence_status != ResidenceStatus.PERMANENT_RESIDENT:
                assert r.stay_years is not None and r.stay_expires_on is not None
                assert r.stay_expires_on > r.valid_from


def test_removed_records_are_kept_150_years_and_keep_their_history(city):
    removed = list(current().filter(status=RecordStatus.REMOVED))
    assert removed
    for r in removed:
        # 住基法施行令34条
        assert r.removal_reason and r.removed_on is not None
        assert r.retention_until == add_years(r.removed_on, 150)
        history = list(ResidentRecord.objects.filter(person_id=r.person_id).order_by("version"))
        assert len(history) >= 2 and history[-1] == r
        assert history[-2].status == RecordStatus.RESIDENT and not history[-2].is_current
        assert history[-2].superseded_at == r.recorded_at


def test_versions_carry_notified_effective_and_recorded_times(city):
    for person_id in ResidentRecord.objects.filter(version=2).values_list("person_id", flat=True):
        versions = list(ResidentRecord.objects.filter(person_id=person_id).order_by("version"))
        assert [v.is_current for v in versions] == [False] * (len(versions) - 1) + [True]
        for older, newer in zip(versions, versions[1:], strict=False):
            assert older.superseded_at == newer.recorded_at > older.recorded_at
            assert older.valid_from <= newer.valid_from
            assert newer.notified_on is not None


def test_loading_is_audited_with_counts_only(city):
    event = AuditEvent.objects.get(event_type=EventType.DEMO_LOADED)
    assert event.detail["residents"] == N and event.detail["removed"] == city.removed
    assert event.targets == []
    some_name = current().first().family_name
    assert some_name not in str(event.detail)


def test_command_loads_prints_progress_and_shows_demo_staff(no_demo_staff):
    out = io.StringIO()
    call_command("demo", residents=120, seed=3, stdout=out)
    assert current().filter(status=RecordStatus.RESIDENT).count() == 120
    assert "住民 120 / 120 人" in out.getvalue()
    assert len(no_demo_staff) == 1


def test_if_empty_does_not_load_twice(no_demo_staff):
    call_command("demo", residents=60, seed=3, if_empty=True, stdout=io.StringIO())
    persons = Person.objects.count()
    out = io.StringIO()
    call_command("demo", residents=60, seed=4, if_empty=True, stdout=out)
    assert Person.objects.count() == persons
    assert AuditEvent.objects.filter(event_type=EventType.DEMO_LOADED).count() == 1
    assert "作成しません" in out.getvalue()
    assert len(no_demo_staff) == 2  # staff are shown even when the city is already there


def test_loading_into_a_non_empty_register_is_refused():
    do_load_demo(residents=30, seed=1, actor=Actor.system("tests"))
    with pytest.raises(CommandError, match="DEMO_NOT_EMPTY"):
        call_command("demo", residents=30, seed=2, stdout=io.StringIO())
    assert AuditEvent.objects.filter(event_type=EventType.DEMO_LOADED).count() == 1


def test_demo_staff_come_from_the_security_app_when_it_provides_them(monkeypatch):
    import juki.security.demo as security_demo

    calls = []
    monkeypatch.setattr(security_demo, "ensure_demo_staff", lambda stdout: calls.append(stdout))
    out = io.StringIO()
    REAL_ENSURE_DEMO_STAFF(out)
    assert calls == [out]


def test_command_works_without_the_security_demo_module(monkeypatch):
    real_find_spec = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec",
                        lambda name, *a: None if name == "juki.security.demo" else real_find_spec(name, *a))
    out = io.StringIO()
    REAL_ENSURE_DEMO_STAFF(out)
    assert out.getvalue() == ""
