"""Rows of the demo city for the bulk loader (デモ自治体の一括読込用の行), built in worker processes.

:func:`juki.tools.demo.loader.do_load_demo` spends most of its time in Python: generating persons,
normalising their names, hashing their My Numbers and turning ~75 columns per record version
into what the database's bulk path takes. This module does that work chunk by chunk
(:meth:`DemoCityGenerator.chunk_households`) so that several processes can share it:

- :class:`RowEncoder` turns a household plan into ready-to-write rows: on PostgreSQL the
  lines of ``COPY … FROM STDIN`` (text format), on SQLite the tuples of ``executemany``.
  The columns a person's versions share are encoded once per person; each version adds its
  own. Three values cannot be known in a worker and are left to the parent process: the
  addressee number (宛名番号, allocated from the sequence table inside the load transaction),
  the household number (世帯番号) and the My Number's ciphertext (its associated data is the
  addressee number). Their columns come first (:data:`SLOT_COLUMNS`), so the parent only
  prefixes each encoded line.
- :func:`encoded_chunks` yields the chunks in order, computed in ``workers`` forked processes
  (``fork``: they inherit the generator, the key cache and the settings; they never touch the
  database connection) with at most ``2 × workers`` chunks in flight, so memory stays bounded.
  A chunk depends on (seed, chunk number) only, so the city is the same whatever the number of
  workers.

Every stored value is what the domain functions give: names keys by
:func:`~juki.register.names.kana_search_key` / :func:`~juki.register.names.kanji_search_key`
(memoised over the name pool), the blind index by :func:`~juki.register.my_numbers.blind_index`,
``valid_to`` by :func:`~juki.register.validity.valid_to_of`.
"""

from __future__ import annotations

import functools
import multiprocessing
import operator
import os
from collections import deque
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from psycopg._copy_base import (
    format_row_text,  # psycopg's C row formatter (what Copy.write_row calls)
)
from psycopg.adapt import Transformer

from juki.register import validity
from juki.register.models import DatePrecision, FuriganaCertification, ResidentKind, ResidentRecord
from juki.register.my_numbers import blind_index
from juki.register.names import kana_search_key, kanji_search_key

if TYPE_CHECKING:
    from .generator import DemoCityGenerator
    from .plans import HouseholdPlan, PersonPlan

#: Filled in by the parent process (see the module docstring), in this order, before the rest.
SLOT_COLUMNS = ("person_id", "household_id", "my_number_enc")

#: Columns that differ between the versions of one person's record.
_VERSION_ATTNAMES = (
    "version", "is_current", "superseded_at", "valid_to", "town_block_id",
    "valid_from", "notified_on", "recorded_at", "change_reason", "furigana_certification",
    "family_name_furigana", "given_name_furigana", "banchi", "katagaki", "katagaki_kana",
    "katagaki_hidden", "domicile", "address_established_on", "address_established_notified_on",
    "previous_address", "previous_householder",
)
#: ... and those of a removal (除票).
_REMOVAL_ATTNAMES = (
    "status", "removal_reason", "removed_on", "removal_notified_on", "retention_until",
    "planned_move_out_address", "planned_move_out_on", "planned_move_out_notified_on",
    "confirmed_move_out_address", "confirmed_move_out_on", "confirmed_move_out_notice_on",
)

_FIELDS = [f for f in ResidentRecord._meta.concrete_fields if not f.primary_key]
_BY_ATTNAME = {f.attname: f for f in _FIELDS}
VERSION_FIELDS = [_BY_ATTNAME[a] for a in (*_VERSION_ATTNAMES, *_REMOVAL_ATTNAMES) if a in _BY_ATTNAME]
PERSON_FIELDS = [f for f in _FIELDS if f.attname not in SLOT_COLUMNS and f not in VERSION_FIELDS]
#: The record table's columns in the order of the encoded rows.
RECORD_COLUMNS = [*SLOT_COLUMNS, *(f.column for f in PERSON_FIELDS), *(f.column for f in VERSION_FIELDS)]
_DEFAULTS = {f.attname: f.get_default() for f in PERSON_FIELDS}
_HAS_VALID_TO = "valid_to" in _BY_ATTNAME
_person_getter = operator.itemgetter(*(f.attname for f in PERSON_FIELDS))
_version_getter = operator.itemgetter(*(f.attname for f in VERSION_FIELDS))

_kana_key = functools.lru_cache(maxsize=1 << 16)(kana_search_key)
_kanji_key = functools.lru_cache(maxsize=1 << 16)(kanji_search_key)

class RowEncoder:
    """Household plans → rows for the database's bulk path (see the module docstring)."""

    def __init__(self, *, vendor: str, ops: Any, block_ids: dict[str, int], staff_id: str):
        self.postgres = vendor == "postgresql"
        self.block_ids = block_ids
        self._tx = Transformer()  # psycopg's own dumpers, in C: exactly what copy.write_row sends
        self.staff_id = staff_id
        self._date: Callable[[Any], Any] = ops.adapt_datefield_value
        self._datetime: Callable[[Any], Any] = ops.adapt_datetimefield_value
        if not self.postgres:  # what Django's SQLite backend stores: ISO dates, naive UTC datetimes
            self._person_conv = [self._converter(f) for f in PERSON_FIELDS]
            self._version_conv = [self._converter(f) for f in VERSION_FIELDS]

    def _converter(self, field: Any) -> Callable[[Any], Any] | None:
        kind = field.get_internal_type()
        if kind == "DateField":
            return self._date
        if kind == "DateTimeField":
            return self._datetime
        return None

    # -- encoding ------------------------------------------------------------------------

    def _copy_line(self, values: tuple[Any, ...], start: bytes = b"") -> bytearray:
        """``start`` + ``values`` as a ``COPY`` text line (with its newline)."""
        out = bytearray(start)
        format_row_text(values, self._tx, out)
        return out

    def _convert(self, values: tuple[Any, ...], convert: list[Callable[[Any], Any] | None]) -> tuple[Any, ...]:
        return tuple(v if fn is None or v is None else fn(v) for v, fn in zip(values, convert, strict=True))

    # -- what the worker builds --------------------------------------------------------------

    def person_values(self, m: PersonPlan) -> tuple[Any, ...]:
        """The columns every version of ``m`` shares, in :data:`PERSON_FIELDS` order."""
        f = m.foreign
        fields: dict[str, Any] = dict(_DEFAULTS)
        fields.update({
            "recorded_by": self.staff_id, "resident_kind": m.resident_kind,
            "family_name": m.family_name, "given_name": m.given_name,
            "family_name_kana": m.family_kana, "given_name_kana": m.given_kana,
            "alphabet_name": m.alphabet_name, "concurrent_name": m.concurrent_name,
            "concurrent_name_kana": m.concurrent_name_kana, "alias_name": m.alias_name,
            "alias_name_kana": m.alias_kana, "former_surname": m.former_surname,
            "former_surname_kana": m.former_surname_kana, "former_surname_romaji": m.former_surname_romaji,
            "name_kana_key": _kana_key(m.family_kana + m.given_kana),
            "name_key": _kanji_key(m.family_name + m.given_name),
            "birth_date_precision": m.birth_precision, "birth_date_note": m.birth_note, "sex": m.sex,
            "relationship": m.relationship, "listing_order": m.listing_order,
            "domicile_head": m.domicile_head, "resident_code": m.resident_code,
            "became_resident_on": m.joined_on, "became_resident_reason": m.became_resident_reason,
            "pre_move_in_address": m.pre_move_in_address, "pre_move_in_householder": m.pre_move_in_householder,
            "my_number_index": blind_index(m.my_number),
        })
        if m.former_surname:
            fields["former_surname_furigana_certification"] = FuriganaCertification.CERTIFIED
        y = m.birth.year
        mo: int | None = m.birth.month
        d: int | None = m.birth.day
        if m.birth_precision == DatePrecision.YEAR_MONTH:
            d = None
        elif m.birth_precision == DatePrecision.YEAR:
            mo = d = None
        fields.update(birth_year=y, birth_month=mo, birth_day=d)
        if f is not None:
            fields.update(
                foreign_category=f.category, nationality_code=f.nationality_code, nationality=f.nationality,
                residence_status=f.residence_status, stay_expires_on=f.stay_expires_on,
                residence_card_no=f.card_no, residence_card_kind=f.card_kind,
                became_foreign_resident_on=m.joined_on,
            )
            if f.stay:
                fields.update(stay_years=f.stay[0], stay_months=f.stay[1], stay_days=f.stay[2])
        return _person_getter(fields)

    def version_values(self, m: PersonPlan) -> list[tuple[Any, ...]]:
        """The columns of each version of ``m``, in :data:`VERSION_FIELDS` order."""
        versions = m.versions
        last = len(versions)
        ends = validity.valid_to_of([v.valid_from for v in versions]) if _HAS_VALID_TO else [None] * last
        certified = m.furigana_certification != FuriganaCertification.NONE
        out = []
        for n, v in enumerate(versions, start=1):
            furigana = certified and v.furigana
            address = v.address
            fields = {
                "version": n, "is_current": n == last,
                "superseded_at": versions[n].recorded_at if n < last else None, "valid_to": ends[n - 1],
                "town_block_id": self.block_ids[address.block_code],
                "valid_from": v.valid_from, "notified_on": v.notified_on, "recorded_at": v.recorded_at,
                "change_reason": v.change_reason, "status": v.status, "removal_reason": v.removal_reason,
                "removed_on": v.removed_on, "removal_notified_on": v.removal_notified_on,
                "retention_until": v.retention_until,
                "furigana_certification": m.furigana_certification if v.furigana else FuriganaCertification.NONE,
                "family_name_furigana": m.family_kana if furigana else "",
                "given_name_furigana": m.given_kana if furigana else "",
                "banchi": address.banchi, "katagaki": address.katagaki,
                "katagaki_kana": address.katagaki_kana, "katagaki_hidden": address.katagaki_hidden,
                "domicile": m.domicile if v.domicile is None else v.domicile,
                "address_established_on": v.address_established_on,
                "address_established_notified_on": v.address_established_notified_on,
                "previous_address": v.previous_address,
                "previous_householder": v.previous_householder,
                "planned_move_out_address": v.planned_move_out_address,
                "planned_move_out_on": v.planned_move_out_on,
                "planned_move_out_notified_on": v.planned_move_out_notified_on,
                "confirmed_move_out_address": v.confirmed_move_out_address,
                "confirmed_move_out_on": v.confirmed_move_out_on,
                "confirmed_move_out_notice_on": v.confirmed_move_out_notice_on,
            }
            out.append(_version_getter(fields))
        return out

    def household(self, plan: HouseholdPlan) -> tuple[Any, list[tuple[Any, str, bool, bool, list[Any]]]]:
        """One household: its row without the number, and per member ``(created_at, My Number,
        resident?, foreign?, [each version's row without the slot columns])``."""
        first = min(v.recorded_at for m in plan.members for v in m.versions)
        members = []
        if self.postgres:
            tail: Any = bytes(self._copy_line((first, plan.established_on, plan.dissolved_on), b"\t"))
            for m in plan.members:
                person = self.person_values(m)
                rows: list[Any] = [bytes(self._copy_line(person + vals, b"\t")) for vals in self.version_values(m)]
                members.append((bytes(self._copy_line((m.versions[0].recorded_at,))), m.my_number, m.is_resident,
                                m.resident_kind == ResidentKind.FOREIGN, rows))
            return tail, members
        date, datetime = self._date, self._datetime
        tail = (datetime(first), *(None if d is None else date(d) for d in (plan.established_on, plan.dissolved_on)))
        for m in plan.members:
            person = self._convert(self.person_values(m), self._person_conv)
            rows = [person + self._convert(vals, self._version_conv) for vals in self.version_values(m)]
            members.append((datetime(m.versions[0].recorded_at), m.my_number, m.is_resident,
                            m.resident_kind == ResidentKind.FOREIGN, rows))
        return tail, members

    # -- what the parent adds ----------------------------------------------------------------

    def household_row(self, household_no: int, tail: Any) -> Any:
        return b"%d%b" % (household_no, tail) if self.postgres else (household_no, *tail)

    def person_row(self, addressee_no: int, created: Any) -> Any:
        return b"%d\t%b" % (addressee_no, created) if self.postgres else (addressee_no, created)

    def record_prefix(self, addressee_no: int, household_no: int, my_number_enc: bytes) -> Any:
        if self.postgres:  # bytea in hex, its backslash escaped for COPY
            return b"%d\t%d\t\\\\x%b" % (addressee_no, household_no, my_number_enc.hex().encode())
        return (addressee_no, household_no, my_number_enc)


Chunk = list[tuple[Any, list[tuple[Any, str, bool, bool, list[Any]]]]]


def encode_chunk(gen: DemoCityGenerator, encoder: RowEncoder, k: int) -> Chunk:
    """Chunk ``k`` of the city as encoded households (see :meth:`RowEncoder.household`)."""
    return [encoder.household(plan) for plan in gen.chunk_households(k)]


_FORKED: tuple[DemoCityGenerator, RowEncoder] | None = None  # what forked workers inherit


def _forked_chunk(k: int) -> Chunk:
    assert _FORKED is not None
    return encode_chunk(_FORKED[0], _FORKED[1], k)


def default_workers(residents: int) -> int:
    """Both cores from a city of some size up (forking costs more than it saves below)."""
    if residents < 20_000 or "fork" not in multiprocessing.get_all_start_methods():
        return 1
    return max(1, min(4, os.cpu_count() or 1))


def encoded_chunks(gen: DemoCityGenerator, encoder: RowEncoder, workers: int = 1) -> Iterator[Chunk]:
    """The city's chunks in order; computed by ``workers`` forked processes when > 1."""
    count = gen.chunk_count
    if workers <= 1 or count <= 1:
        for k in range(count):
            yield encode_chunk(gen, encoder, k)
        return
    global _FORKED
    _FORKED = (gen, encoder)
    try:
        with multiprocessing.get_context("fork").Pool(min(workers, count)) as pool:
            pending: deque[Any] = deque()
            submitted = 0
            while submitted < count or pending:
                while submitted < count and len(pending) < 2 * workers:
                    pending.append(pool.apply_async(_forked_chunk, (submitted,)))
                    submitted += 1
                yield pending.popleft().get()
    finally:
        _FORKED = None
