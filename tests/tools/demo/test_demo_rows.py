"""The demo loader's rows (docs/performance.md, bulk load ≥ 10,000 residents/s): chunks generated
alike wherever they run, worker processes, COPY text equal to psycopg's, COPY FREEZE and the
two-pass ANALYZE. Runs on SQLite and on PostgreSQL."""

from __future__ import annotations

import itertools

import pytest
from django.db import connection
from psycopg._copy_base import format_row_text
from psycopg.adapt import Transformer

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.identifiers import my_number, resident_code
from juki.register import my_numbers
from juki.register.models import (
    District,
    Household,
    Municipality,
    NumberSequence,
    Person,
    ResidentRecord,
    TownBlock,
)
from juki.tools.demo.generator import DemoCityGenerator
from juki.tools.demo.loader import do_load_demo
from juki.tools.demo.rows import RowEncoder


@pytest.fixture
def small_chunks(monkeypatch):
    """Chunks of 100 residents, so that a small city has several."""
    monkeypatch.setattr(DemoCityGenerator, "CHUNK_RESIDENTS", 100)
    monkeypatch.setattr(DemoCityGenerator, "STRIDE", 200)


def wipe_register():
    for model in (ResidentRecord, Person, Household, TownBlock, District, Municipality, NumberSequence):
        model.objects.all().delete()


def snapshot():
    return [
        (r.person_id, r.household_id, r.version, r.is_current, r.family_name, r.given_name, r.name_kana_key,
         r.name_key, r.birth_year, r.relationship, r.resident_code, r.my_number_index, r.town_block.code, r.banchi,
         r.katagaki, r.status, r.valid_from, r.valid_to, r.recorded_at, r.superseded_at, r.residence_card_no,
         my_numbers.reveal(r.my_number_enc, r.person_id))
        for r in ResidentRecord.objects.select_related("town_block").order_by("person_id", "version")
    ]


@pytest.mark.django_db
def test_the_city_is_the_same_whatever_the_number_of_worker_processes(small_chunks):
    do_load_demo(residents=450, seed=8, workers=1, actor=Actor.system("tests"))
    one = snapshot()
    assert len({r[0] for r in one}) > 450  # five chunks, removed records included
    for workers in (2, 3):
        wipe_register()
        do_load_demo(residents=450, seed=8, workers=workers, actor=Actor.system("tests"))
        assert snapshot() == one, workers
    event = AuditEvent.objects.filter(event_type=EventType.DEMO_LOADED).order_by("-seq").first()
    assert event.detail["workers"] == 3


def test_a_chunk_is_generated_alike_alone_or_in_the_stream(small_chunks):
    def shape(plans):
        return [(m.full_name, m.birth, m.resident_code, m.my_number, [v.valid_from for v in m.versions])
                for h in plans for m in h.members]

    stream = list(DemoCityGenerator(seed=4, residents=500).households())
    alone = DemoCityGenerator(seed=4, residents=500)
    chunks = [shape(alone.chunk_households(k)) for k in (3, 0, 4, 1, 2)]  # any order
    assert [p for k in (1, 3, 4, 0, 2) for p in chunks[k]] == shape(stream)
    assert sum(m.is_resident for h in stream for m in h.members) == 500


def test_numbers_stay_unique_and_valid_across_chunks(small_chunks):
    people = [m for h in DemoCityGenerator(seed=2, residents=3000).households() for m in h.members]
    cards = [m.foreign.card_no for m in people if m.foreign]
    assert len({m.resident_code for m in people}) == len({m.my_number for m in people}) == len(people)
    assert cards and len(set(cards)) == len(cards)
    assert all(resident_code.is_valid(m.resident_code) and my_number.is_valid(m.my_number) for m in people)


def test_a_chunk_that_outgrows_its_block_of_numbers_is_refused(monkeypatch):
    monkeypatch.setattr(DemoCityGenerator, "STRIDE", 10)
    with pytest.raises(JukiError, match="DEMO_CHUNK_OVERFLOW"):
        list(DemoCityGenerator(seed=1, residents=50).households())


def test_copy_lines_are_what_psycopg_writes_row_by_row():
    """The worker's COPY text must store exactly what ``copy.write_row`` stored before."""
    gen = DemoCityGenerator(seed=6, residents=300)
    encoder = RowEncoder(vendor="postgresql", ops=connection.ops, staff_id="demo",
                         block_ids={b.code: n for n, b in enumerate(gen.blocks, start=1)})
    tx = Transformer()
    columns = len(ResidentRecord._meta.concrete_fields) - 1
    for h in itertools.islice(gen.households(), 60):
        _, members = encoder.household(h)
        for m, (_, number, *_, lines) in zip(h.members, members, strict=True):
            assert number == m.my_number
            for vals, line in zip(encoder.version_values(m), lines, strict=True):
                row = (None, None, None, *encoder.person_values(m), *vals)
                expected = bytearray()
                format_row_text(row, tx, expected)
                assert b"\\N\t\\N\t\\N" + line == bytes(expected)
                assert line.count(b"\t") == columns - 3 and line.endswith(b"\n")
    assert encoder.record_prefix(7, 3, b"\x00\xff") == b"7\t3\t\\\\x00ff"


@pytest.mark.django_db
def test_bulk_load_on_postgresql_writes_frozen_all_visible_pages():
    """COPY … FREEZE into the record table truncated in the load transaction: pages are
    all-visible at once (index-only scans need no VACUUM first)."""
    if connection.vendor != "postgresql":
        pytest.skip("COPY FREEZE and the visibility map are PostgreSQL's")
    counts = do_load_demo(residents=300, seed=3, bulk_indexes=True, actor=Actor.system("tests"))
    with connection.cursor() as cur:
        cur.execute("SELECT relpages, relallvisible FROM pg_class WHERE oid = %s::regclass",
                    [ResidentRecord._meta.db_table])
        pages, visible = cur.fetchone()
    assert pages > 0 and visible == pages
    assert ResidentRecord.objects.count() == counts.versions
    event = AuditEvent.objects.get(event_type=EventType.DEMO_LOADED)
    assert event.detail["frozen"] is True


@pytest.mark.django_db
def test_the_load_analyses_its_tables_and_keeps_the_raised_statistics_targets():
    if connection.vendor != "postgresql":
        pytest.skip("per-column statistics targets are PostgreSQL's")
    with connection.cursor() as cur:  # a table the load does not write (autovacuum never analyses it)
        cur.execute("CREATE TEMPORARY TABLE not_loaded AS SELECT generate_series(1, 100) AS n")
    do_load_demo(residents=300, seed=3, bulk_indexes=True, actor=Actor.system("tests"))
    with connection.cursor() as cur:
        cur.execute("SELECT reltuples FROM pg_class WHERE oid = 'not_loaded'::regclass")
        assert cur.fetchone()[0] < 0  # never analysed: the load analyses its own tables only
        cur.execute("SELECT attname, attstattarget FROM pg_attribute WHERE attrelid = %s::regclass "
                    "AND attname IN ('name_kana_key', 'name_key') ORDER BY attname", [ResidentRecord._meta.db_table])
        assert cur.fetchall() == [("name_kana_key", 1000), ("name_key", 1000)]  # migration register.0005
        cur.execute("SELECT attname FROM pg_stats WHERE tablename = %s", [ResidentRecord._meta.db_table])
        analysed = {row[0] for row in cur.fetchall()}
    assert {"name_kana_key", "name_key", "town_block_id", "status", "birth_year", "is_current"} <= analysed


@pytest.mark.parametrize("bulk_indexes", [False, True])
@pytest.mark.django_db
def test_the_loader_writes_valid_to_as_the_triggers_would_and_puts_them_back(bulk_indexes):
    """``valid_to`` (juki.register.validity) comes with the rows; the triggers are back after."""
    from juki.register import validity

    do_load_demo(residents=300, seed=5, bulk_indexes=bulk_indexes, actor=Actor.system("tests"))
    assert ResidentRecord.objects.filter(valid_to__isnull=False).exists()
    with connection.cursor() as cur:
        assert validity.set_valid_to_after_bulk_load(cur) == 0  # nothing left to correct
    assert validity.missing() == []


@pytest.mark.django_db
def test_a_load_failing_in_a_worker_rolls_everything_back(small_chunks, monkeypatch):
    """All or nothing: an error raised in a worker process reaches the load, which leaves an
    empty register with its triggers and indexes as they were."""
    from juki.register import validity

    monkeypatch.setattr(DemoCityGenerator, "STRIDE", 101)  # chunk 0 or 1 outgrows its numbers
    with pytest.raises(JukiError, match="DEMO_CHUNK_OVERFLOW"):
        do_load_demo(residents=450, seed=8, workers=2, bulk_indexes=True, actor=Actor.system("tests"))
    assert not Person.objects.exists() and not ResidentRecord.objects.exists()
    assert not Municipality.objects.exists()
    assert validity.missing() == []
    assert not AuditEvent.objects.filter(event_type=EventType.DEMO_LOADED).exists()
