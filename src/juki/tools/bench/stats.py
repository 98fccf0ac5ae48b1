"""Population statistics beside their raw baseline (人口統計の性能測定), for ``juki bench``.

:func:`bench_population` times :func:`juki.stats.population.population` as of a date and, in
the same call, :func:`raw_population_baseline`: one raw ``GROUP BY`` over the current
versions. See docs/statistics.md and docs/performance.md.
"""

from __future__ import annotations

import datetime as dt
import time
from typing import Any

from django.db import connection

from juki.core import clock
from juki.register.models import RecordStatus
from juki.stats.population import population

RAW_BASELINE_SQL = (
    "SELECT town_block_id, sex, resident_kind, COUNT(*) FROM register_residentrecord "
    "WHERE is_current = %s AND status = %s GROUP BY town_block_id, sex, resident_kind"
)


def raw_population_baseline() -> dict[str, Any]:
    """The baseline: one raw GROUP BY over the *current* versions (no history, no age).

    It answers only "today, by block and sex", which is what a naive count would do; the as-of
    computation must stay within a small factor of it.
    """
    started = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute(RAW_BASELINE_SQL, [True, RecordStatus.RESIDENT.value])
        rows = cur.fetchall()
    return {"seconds": time.perf_counter() - started, "residents": sum(r[3] for r in rows), "groups": len(rows)}


def bench_population(on: dt.date | None = None) -> dict[str, Any]:
    """Time :func:`population` as of ``on`` (default today) beside :func:`raw_population_baseline`.

    Returns ``{"on", "seconds", "residents", "households", "cells", "baseline_seconds",
    "baseline_residents", "ratio"}`` (ratio = seconds / baseline_seconds).
    """
    on = on or clock.today()
    started = time.perf_counter()
    pop = population(on)
    seconds = time.perf_counter() - started
    base = raw_population_baseline()
    return {
        "on": on.isoformat(), "seconds": seconds, "residents": pop.total, "households": pop.households,
        "cells": len(pop.cells), "baseline_seconds": base["seconds"], "baseline_residents": base["residents"],
        "ratio": seconds / base["seconds"] if base["seconds"] else None,
    }
