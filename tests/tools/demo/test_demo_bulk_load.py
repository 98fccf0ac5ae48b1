"""The streaming demo loader at small N (docs/performance.md): counts, history, removed records,
bulk index rebuild, bounded memory, progress. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import io
import itertools

import pytest
from django.db import connection

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.identifiers import my_number, resident_code
from juki.register.models import Household, Person, RecordStatus, ResidentRecord
from juki.tools.demo import draws, loader
from juki.tools.demo.generator import DemoCityGenerator
from juki.tools.demo.loader import do_load_demo

pytestmark = pytest.mark.django_db
N = 400


def index_names(table: str) -> set[str]:
    with connection.cursor() as cur:
        constraints = connection.introspection.get_constraints(cur, table)
    return {name for name, c in constraints.items() if (c["index"] or c["unique"] or c["foreign_key"])
            and not c["primary_key"]}


def test_counts_in_the_database_match_what_the_loader_reports():
    counts = do_load_demo(residents=N, seed=5, actor=Actor.system("tests"))
    assert ResidentRecord.objects.filter(is_current=True, status=RecordStatus.RESIDENT).count() == N == counts.residents
    assert Person.objects.count() == counts.persons == N + counts.removed
    assert Household.objects.count() == counts.households
    assert ResidentRecord.objects.count() == counts.versions


def test_persons_have_several_history_versions_on_average():
    """docs/performance.md: "several history versions per person on average"."""
    counts = do_load_demo(residents=N, seed=5, actor=Actor.system("tests"))
    assert counts.versions / counts.persons >= 2
    reasons = set(ResidentRecord.objects.filter(version__gt=1).values_list("change_reason", flat=True))
    assert {"move_within", "furigana", "domicile_change"} <= reasons
    # 振り仮名 appears only from the version that recorded it (改正戸籍法, 2025-05-26)
    for rec in ResidentRecord.objects.filter(change_reason="furigana")[:20]:
        before = ResidentRecord.objects.get(person_id=rec.person_id, version=rec.version - 1)
        assert before.family_name_furigana == "" and rec.family_name_furigana != ""
        assert str(rec.valid_from) >= "2025-05-26"


def test_removed_records_stay_with_retention_and_history():
    counts = do_load_demo(residents=N, seed=5, actor=Actor.system("tests"))
    removed = ResidentRecord.objects.filter(is_current=True, status=RecordStatus.REMOVED)
    assert removed.count() == counts.removed > 0
    assert not removed.filter(retention_until__isnull=True).exists()
    assert all(r.version >= 2 for r in removed)  # the removal is a version on top of the record's history


def test_bulk_index_rebuild_restores_every_index_and_constraint():
    table = ResidentRecord._meta.db_table
    before = index_names(table)
    counts = do_load_demo(residents=N, seed=5, bulk_indexes=True, actor=Actor.system("tests"))
    assert index_names(table) == before
    assert ResidentRecord.objects.count() == counts.versions
    event = AuditEvent.objects.get(event_type=EventType.DEMO_LOADED)
    assert event.detail["bulk_indexes"] is True and event.detail["index_seconds"] >= 0


def test_bulk_and_row_by_row_index_paths_give_the_same_register():
    def snapshot():
        return list(ResidentRecord.objects.order_by("person_id", "version").values_list(
            "person_id", "version", "is_current", "family_name", "valid_from", "recorded_at", "town_block__code",
            "banchi", "resident_code", "status"))

    do_load_demo(residents=150, seed=9, bulk_indexes=False, actor=Actor.system("tests"))
    plain = snapshot()
    for model in (ResidentRecord, Person, Household):
        model.objects.all().delete()
    from juki.register.models import District, Municipality, NumberSequence, TownBlock
    for model in (TownBlock, District, Municipality, NumberSequence):
        model.objects.all().delete()
    do_load_demo(residents=150, seed=9, bulk_indexes=True, actor=Actor.system("tests"))
    assert snapshot() == plain


def test_writer_holds_one_batch_at_a_time(monkeypatch):
    """Memory is bounded: rows reach the database batch by batch, never all at once."""
    calls = []
    real = loader.write_rows

    def spy(table, columns, rows, **options):
        calls.append((table, len(rows)))
        real(table, columns, rows, **options)

    monkeypatch.setattr(loader, "write_rows", spy)
    counts = do_load_demo(residents=N, seed=5, batch_persons=50, actor=Actor.system("tests"))
    person_batches = [n for table, n in calls if table == Person._meta.db_table]
    assert len(person_batches) >= N // 60
    assert max(person_batches) < 50 + 15  # a batch ends with the household that filled it
    assert sum(person_batches) == counts.persons


def test_generator_streams_households_lazily_and_keeps_no_number_sets():
    gen = DemoCityGenerator(seed=3, residents=3_800_000)
    first = list(itertools.islice(gen.households(), 50))  # the first households of a 3.8 M city, at once
    assert len(first) == 50
    assert not any(isinstance(v, set | list | dict) and len(v) > 1000 for v in vars(gen).values())
    codes = [m.resident_code for h in first for m in h.members]
    numbers = [m.my_number for h in first for m in h.members]
    assert len(set(codes)) == len(codes) and len(set(numbers)) == len(numbers)
    assert all(resident_code.is_valid(c) for c in codes) and all(my_number.is_valid(n) for n in numbers)


def test_unique_digits_never_repeat_and_carry_a_valid_check_digit():
    import random

    seq = draws.UniqueDigits(random.Random(1), 11, my_number.check_digit)
    drawn = [seq.next() for _ in range(50_000)]
    assert len(set(drawn)) == len(drawn)
    assert all(my_number.is_valid(x) for x in drawn[:2000])


def test_progress_bar_shows_rate_and_eta():
    stream = io.StringIO()
    do_load_demo(residents=120, seed=2, progress_stream=stream, actor=Actor.system("tests"))
    last = stream.getvalue().strip().splitlines()[-1]
    assert "120/120" in last and "/s" in last and "残り" in last and "経過" in last
