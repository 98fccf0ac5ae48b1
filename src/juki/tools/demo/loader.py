"""The demo loader (デモ自治体の読込): :func:`do_load_demo` writes the generated city into an empty
register in one transaction — the master (municipality, districts, town blocks), then the rows
encoded by :mod:`juki.tools.demo.rows` a batch at a time through :mod:`juki.tools.demo.bulk` —
and audits it with one ``DEMO_LOADED`` event carrying counts only."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Callable
from dataclasses import dataclass
from io import TextIOBase
from typing import Any, TextIO

from django.db import connection, transaction

from juki.audit.events import EventType
from juki.audit.log import record as audit_record
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.register import numbering, validity
from juki.register.models import (
    District,
    DistrictKind,
    Household,
    Municipality,
    Person,
    ResidentRecord,
    TownBlock,
)
from juki.register.my_numbers import encrypt as encrypt_my_number

from . import data
from .bulk import drop_secondary_indexes, rebuild_indexes, truncate_for_freeze, write_rows
from .generator import DemoCityGenerator
from .plans import DEFAULT_RESIDENTS, DEFAULT_SEED, DEMO_STAFF_ID, REFERENCE_DATE
from .progress import Progress
from .rows import RECORD_COLUMNS, Chunk, RowEncoder, default_workers, encoded_chunks


@dataclass
class DemoCounts:
    town_blocks: int = 0
    districts: int = 0
    households: int = 0
    persons: int = 0
    residents: int = 0
    removed: int = 0
    foreign_residents: int = 0
    versions: int = 0
    seconds: float = 0.0  # the whole load, indexes included
    write_seconds: float = 0.0  # inside COPY / executemany
    index_seconds: float = 0.0  # rebuilding indexes and ANALYZE (0 when they were kept)
    bulk_indexes: bool = False  # indexes dropped before the rows and rebuilt after
    workers: int = 1  # processes that generated and encoded the rows
    frozen: bool = False  # the record table written with COPY … FREEZE

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


def register_is_empty() -> bool:
    """True when no municipality and no person has been registered yet."""
    return not Person.objects.exists() and not Municipality.objects.exists()


def _write_master(gen: DemoCityGenerator) -> tuple[dict[str, int], DemoCounts]:
    municipality = Municipality.objects.create(**data.MUNICIPALITY)
    wanted: dict[tuple[str, str], str] = {}
    for b in gen.blocks:
        wanted.setdefault((DistrictKind.ELEMENTARY_SCHOOL, b.elementary), b.elementary)
        wanted.setdefault((DistrictKind.JUNIOR_HIGH_SCHOOL, b.junior_high), b.junior_high)
        wanted.setdefault((DistrictKind.VOTING, b.voting), f"第{int(b.voting)}投票区")
    districts = []
    for n, ((kind, key), name) in enumerate(wanted.items(), start=1):
        code = key if kind == DistrictKind.VOTING else f"{n:03d}"
        districts.append(District(municipality=municipality, kind=kind, code=code, name=name))
    District.objects.bulk_create(districts)
    by_name = {(d.kind, d.name): d.pk for d in District.objects.filter(municipality=municipality)}
    blocks = [
        TownBlock(
            municipality=municipality, code=b.code, name=b.name, name_kana=b.kana, postcode=b.postcode,
            uses_residence_indication=b.residence_indication,
            elementary_school_district_id=by_name[(DistrictKind.ELEMENTARY_SCHOOL, b.elementary)],
            junior_high_school_district_id=by_name[(DistrictKind.JUNIOR_HIGH_SCHOOL, b.junior_high)],
            voting_district_id=by_name[(DistrictKind.VOTING, f"第{int(b.voting)}投票区")],
        )
        for b in gen.blocks
    ]
    TownBlock.objects.bulk_create(blocks)
    ids = dict(TownBlock.objects.filter(municipality=municipality).values_list("code", "pk"))
    return ids, DemoCounts(town_blocks=len(blocks), districts=len(districts))

_HOUSEHOLD_COLUMNS = ("household_no", "created_at", "established_on", "dissolved_on")
_PERSON_COLUMNS = ("addressee_no", "created_at")
BULK_INDEX_THRESHOLD = 50_000  # from this many residents, indexes are dropped and rebuilt


class _BatchWriter:
    """Writes encoded chunks (:mod:`juki.tools.demo.rows`) a batch at a time with the
    database's bulk path: PostgreSQL ``COPY … FROM STDIN``, SQLite ``executemany``, inside the
    one load transaction. Per batch it allocates the household and addressee numbers and
    encrypts each My Number under its addressee number — the only per-person work left to
    this process — so memory holds one batch (and the chunks in flight) only."""

    def __init__(self, encoder: RowEncoder, counts: DemoCounts, batch_persons: int,
                 progress: Callable[[DemoCounts], None], *, freeze: bool = False):
        self.encoder = encoder
        self.counts = counts
        self.batch_persons = batch_persons
        self.progress = progress
        self.freeze = freeze
        self.buffer: list[Any] = []
        self.buffered_persons = 0
        self.write_seconds = 0.0

    def add_chunk(self, chunk: Chunk) -> None:
        for household in chunk:
            self.buffer.append(household)
            self.buffered_persons += len(household[1])
            if self.buffered_persons >= self.batch_persons:
                self.flush()

    def flush(self) -> None:
        if not self.buffer:
            return
        enc, counts = self.encoder, self.counts
        households: list[Any] = []
        persons: list[Any] = []
        records: list[Any] = []
        addressee_nos = iter(numbering.allocate(numbering.ADDRESSEE, self.buffered_persons))
        for household_no, (tail, members) in zip(numbering.allocate(numbering.HOUSEHOLD, len(self.buffer)),
                                                 self.buffer, strict=True):
            households.append(enc.household_row(household_no, tail))
            for created, number, resident, foreign, rows in members:
                addressee_no = next(addressee_nos)
                persons.append(enc.person_row(addressee_no, created))
                prefix = enc.record_prefix(addressee_no, household_no, encrypt_my_number(number, addressee_no))
                records += [prefix + row for row in rows]
                if resident:
                    counts.residents += 1
                    counts.foreign_residents += foreign
                else:
                    counts.removed += 1
        started = time.perf_counter()
        write_rows(Household._meta.db_table, _HOUSEHOLD_COLUMNS, households)
        write_rows(Person._meta.db_table, _PERSON_COLUMNS, persons)
        write_rows(ResidentRecord._meta.db_table, RECORD_COLUMNS, records, freeze=self.freeze)
        self.write_seconds += time.perf_counter() - started
        counts.households += len(households)
        counts.persons += len(persons)
        counts.versions += len(records)
        self.buffer, self.buffered_persons = [], 0
        self.progress(counts)


def do_load_demo(*, residents: int = DEFAULT_RESIDENTS, seed: int = DEFAULT_SEED,
                 reference_date: dt.date = REFERENCE_DATE, batch_persons: int = 2000,
                 stdout: TextIO | TextIOBase | None = None, progress_stream: TextIO | None = None,
                 bulk_indexes: bool | None = None, workers: int | None = None, actor: Actor) -> DemoCounts:
    """Write the demo city into an empty register, in one transaction, and audit it (as an
    operations job: :meth:`~juki.core.actor.Actor.job_audit_fields`).

    Streams: the city is generated in chunks (:meth:`DemoCityGenerator.chunk_households`),
    encoded into rows by ``workers`` processes (default: both cores from 20,000 residents;
    the city is the same whatever the number), and written a batch of ``batch_persons``
    persons at a time, so memory does not grow with ``residents``. With ``bulk_indexes``
    (default: from ``BULK_INDEX_THRESHOLD`` residents) the record table's secondary indexes
    and constraints are dropped first and rebuilt after the rows are in (on PostgreSQL the
    table is truncated first and written with ``COPY … FREEZE``). ``valid_to`` is written
    with the rows, its triggers suspended for the load. ``progress_stream`` (e.g.
    ``sys.stderr``) gets a progress bar with rate and ETA.
    """
    if residents < 1:
        raise JukiError("DEMO_RESIDENTS", "住民数は1以上で指定してください。")
    bar = Progress(residents, progress_stream)
    if bulk_indexes is None:
        bulk_indexes = residents >= BULK_INDEX_THRESHOLD
    if workers is None:
        workers = default_workers(residents)

    def progress(counts: DemoCounts) -> None:
        if stdout is not None:
            stdout.write(f"  住民 {counts.residents:,} / {residents:,} 人（除票 {counts.removed:,} 件）\n")
        bar(counts.residents)

    started = time.perf_counter()
    gen = DemoCityGenerator(seed=seed, residents=residents, reference_date=reference_date)
    table = ResidentRecord._meta.db_table
    with transaction.atomic():
        if not register_is_empty():
            raise JukiError("DEMO_NOT_EMPTY", "住民基本台帳に既にデータがあるため、デモ自治体を作成できません。")
        block_ids, counts = _write_master(gen)
        # the loader writes valid_to itself (validity.valid_to_of); no per-row trigger may run
        with validity.suspended():
            freeze = bulk_indexes and truncate_for_freeze(table)
            restore = drop_secondary_indexes(table) if bulk_indexes else []
            encoder = RowEncoder(vendor=connection.vendor, ops=connection.ops, block_ids=block_ids,
                                 staff_id=DEMO_STAFF_ID)
            writer = _BatchWriter(encoder, counts, batch_persons, progress, freeze=freeze)
            for chunk in encoded_chunks(gen, encoder, workers):
                writer.add_chunk(chunk)
            writer.flush()
            bar(counts.residents, final=True)
            index_started = time.perf_counter()
            if bulk_indexes:
                if progress_stream is not None:
                    progress_stream.write(f"索引を作成しています（{len(restore)} 件）…\n")
                rebuild_indexes(restore)
        counts.index_seconds = round(time.perf_counter() - index_started, 2)
        counts.bulk_indexes, counts.workers, counts.frozen = bulk_indexes, workers, freeze
        counts.write_seconds = round(writer.write_seconds, 2)
        counts.seconds = round(time.perf_counter() - started, 2)
        audit_record(
            EventType.DEMO_LOADED, action="create", function="cli.demo", **actor.job_audit_fields(),
            detail={"seed": seed, "reference_date": reference_date.isoformat(), **counts.as_dict()},
        )
    return counts
