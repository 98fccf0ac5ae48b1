"""The ``juki bench`` measurements (docs/performance.md): each figure beside its baseline.

Every figure is measured through juki's own path and, in the same run, the *baseline*: the
minimal raw SQL (or raw library call) doing the same data work. ``ratio`` is always the
**cost factor** of juki's path over the baseline — for a rate ``baseline / value``, for a
latency or a time ``value / baseline`` — so 1.0 means "no overhead" and 3.0 "three times the
raw work".

==================  ============================================  ===========================================
figure              juki's path                                   baseline (same run)
==================  ============================================  ===========================================
``load``            :func:`juki.tools.demo.loader.do_load_demo`   the rows' ``COPY`` / ``executemany`` alone
                    generation, sealing of My Numbers, rows,       (time spent inside the bulk write, measured
                    ``COPY``, index rebuild, ``ANALYZE``           by the loader itself)
``changes_seq``     転居 entered + confirmed through                per change one transaction: ``UPDATE`` the
                    :mod:`juki.register.changes.workflow`          current version, ``INSERT … SELECT`` the new
                    (rules, audit chain, outbox), one client       one (the same rows; rolled back afterwards)
``changes_par``     the same with ``clients`` threads (PostgreSQL)  the same raw SQL with ``clients`` threads
``search_*``        :func:`juki.register.search.search_residents`  one ``SELECT … JOIN town block … LIMIT 51``
                    (validation, two queries, audit event)         on the same indexed keys
``view``            :func:`juki.register.access.access_resident`   ``SELECT`` of the person's versions and of
                    (history, household, audit event)              the household's current members
``certificate``     :func:`juki.tools.bench.certificates.bench`     its ``naive`` WeasyPrint rendering
                    (``optimised``: pages per CPU second)
``stats``           :func:`juki.tools.bench.stats.bench_population` its raw ``GROUP BY`` baseline
==================  ============================================  ===========================================

The run writes to the database: confirmed 転居 of sampled single-person households (kept —
they are real confirmed changes), audit events of every search and view, and three bench
staff accounts (``bench-clerk``, ``bench-approver``, ``bench-officer``) at the terminal
``BENCH``, created and granted their roles through the security actions, with their audit
events (:mod:`juki.tools.bench.staff`). Run it on a demo or benchmark database, never on a
production register.
"""

from __future__ import annotations

import datetime as dt
import math
import os
import platform
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, TextIO

from django.db import connection, connections, transaction

from juki.audit.events import EventType
from juki.audit.log import record as audit_record
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.actor import Actor
from juki.register import queries
from juki.register.access import access_resident
from juki.register.changes.workflow import do_confirm_change, do_enter_change
from juki.register.models import DatePrecision, RecordStatus, ResidentRecord, TownBlock
from juki.register.my_numbers import blind_index, reveal
from juki.register.names import kana_search_key
from juki.register.search import SearchCriteria, search_residents
from juki.tools.demo.loader import do_load_demo, register_is_empty
from juki.tools.demo.plans import DEFAULT_SEED

from .certificates import bench as bench_rendering
from .errors import BenchError
from .staff import bench_actor
from .stats import bench_population

FIGURES = ("load", "changes", "search", "view", "certificate", "stats")
SEARCH_KINDS = ("kana_birth", "kana_prefix_address", "resident_code", "my_number")
SEARCH_LABELS = {
    "kana_birth": "検索 カナ氏名＋生年月日",
    "kana_prefix_address": "検索 カナ前方一致＋町丁字",
    "resident_code": "検索 住民票コード",
    "my_number": "検索 個人番号（ブラインドインデックス）",
}
# docs/performance.md: PostgreSQL, 3.8 M residents, 2 cores.
TARGETS = {
    "load": ("≥ 10,000 住民/s", lambda f: f["value"] >= 10_000),
    "changes_seq": ("≥ 100 件/s", lambda f: f["value"] >= 100),
    "search_kana_birth": ("p95 ≤ 50 ms", lambda f: f["p95_ms"] <= 50),
    "search_kana_prefix_address": ("p95 ≤ 50 ms", lambda f: f["p95_ms"] <= 50),
    "search_resident_code": ("p95 ≤ 50 ms", lambda f: f["p95_ms"] <= 50),
    "search_my_number": ("p95 ≤ 50 ms", lambda f: f["p95_ms"] <= 50),
    "view": ("p95 ≤ 50 ms", lambda f: f["p95_ms"] <= 50),
    "stats": ("≤ 10 s", lambda f: f["value"] <= 10),
}
RECORD_TABLE = ResidentRecord._meta.db_table
BLOCK_TABLE = TownBlock._meta.db_table


@dataclass
class Options:
    quick: bool = False
    only: frozenset[str] = frozenset(FIGURES)
    residents: int | None = None  # load a demo city of this size first (the register must be empty)
    seed: int = DEFAULT_SEED
    samples: int | None = None  # per search kind and for the view
    changes: int | None = None  # sequential changes
    clients: int = 4
    progress: TextIO | None = None

    @property
    def n_samples(self) -> int:
        return self.samples or (20 if self.quick else 300)

    @property
    def n_changes(self) -> int:
        return self.changes or (8 if self.quick else 200)


# --- small helpers -------------------------------------------------------------------------------

def percentile(values: list[float], p: float) -> float:
    """Nearest-rank percentile of ``values`` (not empty)."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def latency(values_s: list[float]) -> dict[str, Any]:
    ms = [v * 1000 for v in values_s]
    return {"n": len(ms), "p50_ms": round(percentile(ms, 50), 2), "p95_ms": round(percentile(ms, 95), 2),
            "p99_ms": round(percentile(ms, 99), 2), "mean_ms": round(sum(ms) / len(ms), 2)}


def _timed(fn: Callable[[], Any]) -> float:
    started = time.perf_counter()
    fn()
    return time.perf_counter() - started


def _say(opts: Options, text: str) -> None:
    if opts.progress is not None:
        opts.progress.write(text + "\n")
        opts.progress.flush()


def not_available(reason: str) -> dict[str, Any]:
    return {"available": False, "reason": reason}


# --- load ----------------------------------------------------------------------------------------

def bench_load(opts: Options) -> dict[str, Any]:
    """Residents per second of the demo loader, and of the bare bulk write of the same rows."""
    if opts.residents:
        if not register_is_empty():
            raise BenchError("BENCH_NOT_EMPTY", "住民基本台帳が空ではないため --residents で作成できません。"
                             "既存のデータで測定するには --residents を省いてください。")
        _say(opts, f"デモ自治体 {opts.residents:,} 人を作成します…")
        counts = do_load_demo(residents=opts.residents, seed=opts.seed, progress_stream=opts.progress,
                              batch_persons=10_000 if opts.residents >= 100_000 else 2000, actor=Actor.cli())
        detail, source = counts.as_dict(), "this run"
    else:
        # the city's event carries counts; the demo staff are announced under the same type
        events = AuditEvent.objects.filter(event_type=int(EventType.DEMO_LOADED)).order_by("-seq")[:20]
        event = next((e for e in events if "residents" in (e.detail or {})), None)
        if event is None:
            return not_available("デモ自治体の作成記録（DEMO_LOADED）がありません。--residents で作成してください。")
        detail, source = dict(event.detail or {}), f"DEMO_LOADED event of {event.occurred_at}"
        if not detail.get("seconds") or not detail.get("write_seconds"):
            return not_available("作成記録に所要時間がありません（旧版の juki で作成）。")
    residents, seconds, write = detail["residents"], detail["seconds"], detail["write_seconds"]
    value, baseline = residents / seconds, residents / write
    return {
        "unit": "residents/s", "value": round(value, 1), "baseline": round(baseline, 1),
        "ratio": round(baseline / value, 2), "source": source, "residents": residents,
        "persons": detail.get("persons"), "versions": detail.get("versions"), "households": detail.get("households"),
        "seconds": seconds, "write_seconds": write, "index_seconds": detail.get("index_seconds"),
        "bulk_indexes": detail.get("bulk_indexes"), "workers": detail.get("workers"), "frozen": detail.get("frozen"),
        "baseline_is": "the rows' COPY (PostgreSQL) / executemany (SQLite) alone, timed inside the same load",
    }


# --- sampling ------------------------------------------------------------------------------------

def sample_residents(rng: random.Random, n: int) -> list[ResidentRecord]:
    """``n`` random current residents with a full date of birth (distinct persons)."""
    bounds = queries.current_versions().order_by("person_id").values_list("person_id", flat=True)
    first, last = bounds.first(), bounds.last()
    if first is None or last is None:
        raise BenchError("BENCH_EMPTY", "住民基本台帳にデータがありません。juki demo か --residents で作成してください。")
    found: dict[int, ResidentRecord] = {}
    attempts = 0
    while len(found) < n and attempts < n * 20:
        attempts += 1
        start = rng.randint(first, last)
        rec = (queries.current_residents().filter(person_id__gte=start, birth_date_precision=DatePrecision.FULL)
               .exclude(my_number_index="").select_related("town_block").order_by("person_id").first())
        if rec is not None:
            found.setdefault(rec.person_id, rec)
    return list(found.values())


def sample_single_households(rng: random.Random, n: int, before: dt.date) -> list[tuple[int, int, int]]:
    """``n`` single-person households: ``(person_id, record id, town block id)`` of the member."""
    with connection.cursor() as cur:
        cur.execute(f"SELECT MIN(household_id), MAX(household_id) FROM {RECORD_TABLE} WHERE is_current = %s",  # noqa: S608
                    [True])
        low, high = cur.fetchone()
        if low is None:
            return []
        found: dict[int, tuple[int, int, int]] = {}
        for _ in range(200):
            if len(found) >= n:
                break
            start = rng.randint(low, high)
            cur.execute(
                f"SELECT MIN(person_id), MIN(id), MIN(town_block_id) FROM {RECORD_TABLE} "  # noqa: S608
                "WHERE is_current = %s AND status = %s AND household_id BETWEEN %s AND %s "
                "GROUP BY household_id HAVING COUNT(*) = 1 AND MAX(valid_from) < %s",
                [True, RecordStatus.RESIDENT.value, start, start + 4 * n, before])
            for pid, rid, block in cur.fetchall():
                found.setdefault(pid, (pid, rid, block))
    return list(found.values())[:n]


# --- confirmed changes -----------------------------------------------------------------------------

_MOVE_FIELDS = ("town_block_id", "banchi", "katagaki", "katagaki_kana", "valid_from", "notified_on", "recorded_at",
                "change_reason", "address_established_on", "address_established_notified_on", "previous_address")


def _raw_move_sql() -> tuple[str, str, list[str]]:
    """The raw 転居 of one person: supersede the current version, copy it as the next one."""
    qn = connection.ops.quote_name
    columns = [f.column for f in ResidentRecord._meta.concrete_fields if not f.primary_key]
    exprs = []
    params_order: list[str] = []
    for c in columns:
        if c == "version":
            exprs.append("version + 1")
        elif c == "superseded_at":
            exprs.append("NULL")
        elif c == "is_current" or c in _MOVE_FIELDS:
            exprs.append("%s")
            params_order.append(c)
        else:
            exprs.append(qn(c))
    insert = (f"INSERT INTO {RECORD_TABLE} ({', '.join(qn(c) for c in columns)}) "  # noqa: S608
              f"SELECT {', '.join(exprs)} FROM {RECORD_TABLE} WHERE id = %s")
    update = f"UPDATE {RECORD_TABLE} SET is_current = %s, superseded_at = %s WHERE id = %s"  # noqa: S608
    return update, insert, params_order


def _raw_moves(targets: list[tuple[int, int, int]], blocks: list[int], effective: dt.date,
               written: list[tuple[int, int]]) -> None:
    update, insert, order = _raw_move_sql()
    today = clock.today()
    for n, (pid, rid, block) in enumerate(targets):
        new_block = next(b for b in blocks if b != block)
        now = clock.now()
        values: dict[str, Any] = {"is_current": True, "town_block_id": new_block, "banchi": f"{n % 30 + 1}番{n % 20 + 1}号",
                  "katagaki": "", "katagaki_kana": "", "valid_from": effective, "notified_on": today,
                  "recorded_at": now, "change_reason": "move_within", "address_established_on": effective,
                  "address_established_notified_on": today, "previous_address": "（性能測定）"}
        with transaction.atomic(), connection.cursor() as cur:
            cur.execute(update, [False, now, rid])
            cur.execute(insert, [values[c] for c in order] + [rid])
        written.append((pid, rid))


def _undo_raw_moves(written: list[tuple[int, int]]) -> None:
    """Remove the baseline's versions and make the originals current again."""
    with transaction.atomic(), connection.cursor() as cur:
        for pid, rid in written:
            cur.execute(f"DELETE FROM {RECORD_TABLE} WHERE person_id = %s AND id > %s", [pid, rid])  # noqa: S608
            cur.execute(f"UPDATE {RECORD_TABLE} SET is_current = %s, superseded_at = NULL WHERE id = %s",  # noqa: S608
                        [True, rid])


def _juki_moves(targets: list[tuple[int, int, int]], codes: dict[int, str], effective: dt.date,
                clerk: Actor, approver: Actor) -> None:
    today = clock.today()
    for n, (pid, _rid, block) in enumerate(targets):
        code = next(c for b, c in codes.items() if b != block)
        change = do_enter_change("move_within", {"persons": [pid], "town_block": code,
                                                 "banchi": f"{n % 30 + 1}番{n % 20 + 1}号"},
                                 effective_on=effective, notified_on=today, actor=clerk)
        do_confirm_change(change.pk, actor=approver)


def _in_threads(work: Callable[[list[Any]], None], chunks: list[list[Any]]) -> float:
    errors: list[BaseException] = []

    def run(chunk: list[Any]) -> None:
        try:
            work(chunk)
        except BaseException as exc:  # noqa: BLE001 - reported after the join
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(c,)) for c in chunks]
    started = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    elapsed = time.perf_counter() - started
    if errors:
        raise errors[0]
    return elapsed


def bench_changes(opts: Options, rng: random.Random) -> dict[str, Any]:
    seq_n = opts.n_changes
    par_n = seq_n if connection.vendor == "postgresql" else 0
    effective = clock.today() - dt.timedelta(days=2)
    targets = sample_single_households(rng, seq_n + par_n, effective)
    if len(targets) < 2:
        na = not_available("単身世帯の住民が見つかりません。")
        return {"changes_seq": na, "changes_par": na}
    half = len(targets) // 2 if par_n else len(targets)
    seq, par = targets[:half], targets[half:]
    codes = dict(TownBlock.objects.values_list("pk", "code")[:50])
    blocks = list(codes)
    clerk, approver = bench_actor("bench-clerk"), bench_actor("bench-approver")
    out: dict[str, Any] = {}

    _say(opts, f"異動（転居）確定: 逐次 {len(seq)} 件…")
    written: list[tuple[int, int]] = []
    raw_s = _timed(lambda: _raw_moves(seq, blocks, effective, written))
    _undo_raw_moves(written)
    juki_s = _timed(lambda: _juki_moves(seq, codes, effective, clerk, approver))
    value, baseline = len(seq) / juki_s, len(seq) / raw_s
    out["changes_seq"] = {"unit": "changes/s", "value": round(value, 1), "baseline": round(baseline, 1),
                          "ratio": round(baseline / value, 2), "n": len(seq), "clients": 1,
                          "ms_per_change": round(1000 * juki_s / len(seq), 1),
                          "baseline_is": "UPDATE + INSERT…SELECT of the same versions, one transaction each"}
    if not par:
        out["changes_par"] = not_available("SQLite は同時に1つの書込みしかできないため、同時実行は PostgreSQL で測定します。")
        return out
    _say(opts, f"異動（転居）確定: {opts.clients} 並行 {len(par)} 件…")
    chunks = [par[i:: opts.clients] for i in range(opts.clients)]
    written_lock = threading.Lock()
    written = []

    def raw_chunk(chunk: list[Any]) -> None:
        mine: list[tuple[int, int]] = []
        _raw_moves(chunk, blocks, effective, mine)
        with written_lock:
            written.extend(mine)

    raw_s = _in_threads(raw_chunk, chunks)
    _undo_raw_moves(written)
    juki_s = _in_threads(lambda chunk: _juki_moves(chunk, codes, effective, clerk, approver), chunks)
    value, baseline = len(par) / juki_s, len(par) / raw_s
    out["changes_par"] = {"unit": "changes/s", "value": round(value, 1), "baseline": round(baseline, 1),
                          "ratio": round(baseline / value, 2), "n": len(par), "clients": opts.clients,
                          "baseline_is": "the same raw SQL from the same number of threads"}
    return out


# --- search and view -------------------------------------------------------------------------------

_RAW_COLUMNS = ("r.id, r.person_id, r.family_name, r.given_name, r.family_name_kana, r.given_name_kana, r.birth_year, "
                "r.birth_month, r.birth_day, r.sex, r.banchi, r.katagaki, r.status, r.household_id, b.name")
_RAW_ORDER = "r.name_kana_key, r.birth_year, r.birth_month, r.birth_day, r.person_id"
_RAW_SELECT = f"SELECT {_RAW_COLUMNS} FROM {RECORD_TABLE} r JOIN {BLOCK_TABLE} b ON b.id = r.town_block_id "  # noqa: S608
_RAW_SELECT += "WHERE r.is_current = %s AND r.status = %s AND {where} ORDER BY " + _RAW_ORDER + " LIMIT 51"


def _upper(key: str) -> str:
    return key[:-1] + chr(ord(key[-1]) + 1)


def _raw_search(where: str, params: Iterable[Any]) -> list[tuple[Any, ...]]:
    with connection.cursor() as cur:
        cur.execute(_RAW_SELECT.format(where=where), [True, RecordStatus.RESIDENT.value, *params])
        return cur.fetchall()


def search_cases(rec: ResidentRecord, number: str) -> dict[str, tuple[SearchCriteria, Callable[[], Any]]]:
    """For one sampled resident: each search kind's criteria and its raw baseline."""
    kana = rec.family_name_kana + rec.given_name_kana
    key = kana_search_key(kana)
    family_key = kana_search_key(rec.family_name_kana)
    y, m, d = rec.birth_year, rec.birth_month, rec.birth_day
    return {
        "kana_birth": (
            SearchCriteria(name=kana, birth=f"{y:04d}-{m:02d}-{d:02d}"),
            lambda: _raw_search("r.name_kana_key >= %s AND r.name_kana_key < %s AND r.birth_year = %s "
                                "AND r.birth_month = %s AND r.birth_day = %s", [key, _upper(key), y, m, d])),
        "kana_prefix_address": (
            SearchCriteria(name=rec.family_name_kana, town_block=rec.town_block.code),
            lambda: _raw_search("r.name_kana_key >= %s AND r.name_kana_key < %s AND r.town_block_id = %s",
                                [family_key, _upper(family_key), rec.town_block_id])),
        "resident_code": (
            SearchCriteria(resident_code=rec.resident_code),
            lambda: _raw_search("r.resident_code = %s", [rec.resident_code])),
        "my_number": (
            SearchCriteria(my_number=number),
            lambda: _raw_search("r.my_number_index = %s", [blind_index(number)])),
    }


def bench_search(opts: Options, sample: list[ResidentRecord]) -> dict[str, Any]:
    officer = bench_actor("bench-officer")
    juki: dict[str, list[float]] = {k: [] for k in SEARCH_KINDS}
    raw: dict[str, list[float]] = {k: [] for k in SEARCH_KINDS}
    _say(opts, f"検索: {len(sample)} 人 × {len(SEARCH_KINDS)} 種類…")
    for rec in sample:
        if rec.my_number_enc is None:  # sampled with a My Number index, so sealed with one
            raise BenchError("BENCH_MY_NUMBER_MISSING", f"宛名番号 {rec.person_id} の個人番号がありません。")
        number = reveal(bytes(rec.my_number_enc), rec.person_id)
        for kind, (criteria, baseline) in search_cases(rec, number).items():
            raw[kind].append(_timed(baseline))
            juki[kind].append(_timed(partial(search_residents, officer, criteria)))
    out = {}
    for kind in SEARCH_KINDS:
        value, base = latency(juki[kind]), latency(raw[kind])
        out[f"search_{kind}"] = {"unit": "ms", **value, "baseline": base,
                                 "ratio": round(value["p95_ms"] / max(base["p95_ms"], 0.001), 2)}
    return out


def _raw_view(pid: int, household_id: int) -> None:
    with connection.cursor() as cur:
        cur.execute(f"SELECT r.*, b.name FROM {RECORD_TABLE} r JOIN {BLOCK_TABLE} b ON b.id = r.town_block_id "  # noqa: S608
                    "WHERE r.person_id = %s ORDER BY r.version", [pid])
        cur.fetchall()
        cur.execute(f"SELECT r.*, b.name FROM {RECORD_TABLE} r JOIN {BLOCK_TABLE} b ON b.id = r.town_block_id "  # noqa: S608
                    "WHERE r.household_id = %s AND r.is_current = %s AND r.status = %s "
                    "ORDER BY r.listing_order, r.person_id", [household_id, True, RecordStatus.RESIDENT.value])
        cur.fetchall()


def bench_view(opts: Options, sample: list[ResidentRecord]) -> dict[str, Any]:
    clerk = bench_actor("bench-clerk")
    juki, raw = [], []
    _say(opts, f"住民票照会: {len(sample)} 人…")
    for rec in sample:
        raw.append(_timed(partial(_raw_view, rec.person_id, rec.household_id)))
        juki.append(_timed(partial(access_resident, clerk, rec.person_id)))
    value, base = latency(juki), latency(raw)
    return {"unit": "ms", **value, "baseline": base, "ratio": round(value["p95_ms"] / max(base["p95_ms"], 0.001), 2)}


# --- certificates and statistics ---------------------------------------------------------------------

def bench_certificate(opts: Options) -> dict[str, Any]:
    _say(opts, "証明書（住民票の写し）の描画…")
    r = bench_rendering(pages=2 if opts.quick else 20, rounds=1 if opts.quick else 3, include_fonttools=False)
    value, baseline = r["optimised"]["pages_per_second"], r["naive"]["pages_per_second"]
    return {"unit": "pages/s (CPU)", "value": value, "baseline": baseline, "ratio": round(baseline / value, 2),
            "batch_pages_per_second": r.get("optimised_batch", {}).get("pages_per_second"),
            "pages": r["optimised"]["pages"], "baseline_is": "WeasyPrint defaults on the full font (naive)"}


def bench_stats(opts: Options) -> dict[str, Any]:
    _say(opts, "人口統計…")
    r = bench_population()
    return {"unit": "s", "value": round(r["seconds"], 3), "baseline": round(r["baseline_seconds"], 3),
            "ratio": round(r["ratio"], 2) if r.get("ratio") else None, "residents": r.get("residents"),
            "baseline_is": "one raw GROUP BY over the current versions"}


# --- the run -----------------------------------------------------------------------------------

#: The PostgreSQL settings a figure depends on, recorded with every run (docs/postgresql.md).
SERVER_SETTINGS = ("server_version", "shared_buffers", "effective_cache_size", "work_mem", "maintenance_work_mem",
                   "max_wal_size", "synchronous_commit", "fsync", "jit", "max_parallel_workers_per_gather")


def server_settings() -> dict[str, str]:
    """The database server's settings that move the figures (PostgreSQL), or SQLite's version."""
    with connection.cursor() as cur:
        if connection.vendor != "postgresql":
            cur.execute("SELECT sqlite_version()")
            return {"sqlite_version": cur.fetchone()[0]}
        cur.execute("SELECT name, current_setting(name) FROM pg_settings WHERE name = ANY(%s) ORDER BY name",
                    [list(SERVER_SETTINGS)])
        return dict(cur.fetchall())


def run(opts: Options) -> dict[str, Any]:
    """Measure the selected figures; return the result (see :func:`format_table`)."""
    rng = random.Random(opts.seed)
    started = time.perf_counter()
    figures: dict[str, Any] = {}
    if "load" in opts.only or opts.residents:
        figures["load"] = bench_load(opts)
    records = queries.all_versions().count()
    residents = queries.current_residents().count()
    sample: list[ResidentRecord] = []
    if {"search", "view"} & opts.only:
        sample = sample_residents(rng, opts.n_samples)
    if "search" in opts.only:
        figures.update(bench_search(opts, sample))
    if "view" in opts.only:
        figures["view"] = bench_view(opts, sample)
    if "changes" in opts.only:
        figures.update(bench_changes(opts, rng))
    if "certificate" in opts.only:
        figures["certificate"] = bench_certificate(opts)
    if "stats" in opts.only:
        figures["stats"] = bench_stats(opts)
    targets = {}
    for name, (text, met) in TARGETS.items():
        f = figures.get(name)
        if f and f.get("available", True):
            targets[name] = {"target": text, "met": bool(met(f))}
    result = {
        "date": clock.now().isoformat(timespec="seconds"),
        "database": connection.vendor,
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "load_average": list(os.getloadavg()) if hasattr(os, "getloadavg") else None,
        "server": server_settings(),
        "residents": residents, "records": records, "quick": opts.quick,
        "seconds": round(time.perf_counter() - started, 1),
        "ratio_is": "cost factor of juki's path over the baseline (baseline/value for rates, value/baseline for times)",
        "figures": figures, "targets": targets,
    }
    audit_record(EventType.BENCH_RUN, action="bench", function="cli.bench",
                 detail={"database": connection.vendor, "residents": residents, "quick": opts.quick,
                         "figures": sorted(figures)})
    return result


def _fmt_value(f: dict[str, Any]) -> tuple[str, str]:
    if not f.get("available", True):
        return "測定不可", f["reason"]
    if f["unit"] == "ms":
        b = f["baseline"]
        return (f"{f['p50_ms']:.1f} / {f['p95_ms']:.1f} / {f['p99_ms']:.1f} ms",
                f"{b['p50_ms']:.1f} / {b['p95_ms']:.1f} / {b['p99_ms']:.1f} ms")
    return f"{f['value']:,} {f['unit']}", f"{f['baseline']:,} {f['unit']}"


LABELS = {
    "load": "一括読込（世帯・履歴・索引込み）",
    "changes_seq": "異動確定（転居）逐次",
    "changes_par": "異動確定（転居）並行",
    **{f"search_{k}": v for k, v in SEARCH_LABELS.items()},
    "view": "住民票照会",
    "certificate": "証明書 描画",
    "stats": "人口統計",
}


def format_table(result: dict[str, Any]) -> str:
    """The result as a plain-text table: figure, juki, baseline, ratio, target."""
    rows = [("項目", "juki (p50 / p95 / p99)", "基準（生SQL等）", "倍率", "目標")]
    for name, f in result["figures"].items():
        value, base = _fmt_value(f)
        ratio = f"{f['ratio']}×" if f.get("ratio") is not None else "—"
        t = result["targets"].get(name)
        target = f"{t['target']} {'達成' if t['met'] else '未達'}" if t else ""
        rows.append((LABELS.get(name, name), value, base, ratio, target))
    widths = [max(_width(r[i]) for r in rows) for i in range(5)]
    server = ", ".join(f"{k} {v}" for k, v in result.get("server", {}).items())
    lines = [f"juki bench — {result['database']}, 住民 {result['residents']:,} 人, 住民票の版 {result['records']:,}, "
             f"{result['machine']}, {result['seconds']} 秒", f"サーバ設定: {server}"]
    for n, r in enumerate(rows):
        lines.append("  ".join(_pad(c, widths[i]) for i, c in enumerate(r)).rstrip())
        if n == 0:
            lines.append("  ".join("-" * w for w in widths))
    return "\n".join(lines)


def _width(text: str) -> int:
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
