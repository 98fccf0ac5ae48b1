"""``juki bench --quick`` end to end on a small city (docs/performance.md): every figure with its
baseline and ratio, as a table and as JSON. No timing assertions — only that each figure is
measured through juki's path beside a baseline from the same run."""

from __future__ import annotations

import io
import json

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.register.models import Change, ChangeState, OutboxEvent
from juki.tools.bench.runner import latency, percentile
from juki.tools.demo.loader import do_load_demo

MINE = ("load", "changes_seq", "search_kana_birth", "search_kana_prefix_address", "search_resident_code",
        "search_my_number", "view")


@pytest.mark.django_db(transaction=True)
def test_quick_bench_runs_end_to_end_and_writes_every_figure_with_its_baseline(tmp_path):
    out = io.StringIO()
    path = tmp_path / "bench.json"
    call_command("bench", quick=True, residents=300, samples=5, changes=4, json_path=str(path), stdout=out)

    result = json.loads(path.read_text(encoding="utf-8"))
    figures = result["figures"]
    assert set(figures) == {*MINE, "changes_par", "certificate", "stats"}
    for name in MINE:
        f = figures[name]
        assert f.get("available", True), name
        assert f["ratio"] > 0 and f["baseline"], name
        if f["unit"] == "ms":
            assert f["p50_ms"] <= f["p95_ms"] <= f["p99_ms"]
            assert {"p50_ms", "p95_ms", "p99_ms"} <= set(f["baseline"])
        else:
            assert f["value"] > 0 and f["baseline"] > 0
    for name in ("changes_par", "certificate", "stats"):  # measured, or said why not
        f = figures[name]
        assert (f["value"] > 0 and f["baseline"] > 0) if f.get("available", True) else f["reason"]
    if connection.vendor == "postgresql":  # 4 concurrent clients are measured on PostgreSQL
        assert figures["changes_par"]["clients"] == 4 and figures["changes_par"]["value"] > 0
    assert figures["load"]["source"] == "this run" and figures["load"]["residents"] == 300
    assert result["residents"] >= 300 and result["database"] == connection.vendor
    # the server's settings are recorded with the figures (docs/postgresql.md)
    if connection.vendor == "postgresql":
        assert {"shared_buffers", "synchronous_commit", "work_mem", "server_version"} <= set(result["server"])
    else:
        assert set(result["server"]) == {"sqlite_version"}
    assert set(result["targets"]) >= {"load", "changes_seq", "view", "search_kana_birth"}

    # the changes went through the four-eyes workflow, with outbox events
    confirmed = Change.objects.filter(state=ChangeState.CONFIRMED, kind="move_within", entered_by="bench-clerk")
    assert confirmed.count() == figures["changes_seq"]["n"] + figures["changes_par"].get("n", 0)
    assert OutboxEvent.objects.filter(change__in=confirmed).exists()
    # searches and views were audited; the run itself too
    assert AuditEvent.objects.filter(event_type=EventType.RESIDENT_SEARCH, staff_id="bench-officer").count() == 4 * 5
    assert AuditEvent.objects.filter(event_type=EventType.BENCH_RUN).count() == 1

    table = out.getvalue()
    assert "一括読込" in table and "住民票照会" in table and "倍率" in table and str(path) in table


@pytest.mark.django_db(transaction=True)
def test_the_raw_baseline_leaves_the_register_as_it_found_it(tmp_path):
    """The raw UPDATE/INSERT baseline is undone; only the workflow's changes remain."""
    from juki.register.models import ResidentRecord

    do_load_demo(residents=200, seed=4, actor=Actor.system("tests"))
    versions = ResidentRecord.objects.count()
    call_command("bench", quick=True, only="changes", changes=3, stdout=io.StringIO())
    confirmed = Change.objects.filter(state=ChangeState.CONFIRMED).count()
    assert ResidentRecord.objects.count() == versions + confirmed  # one new version per single-person move
    assert not ResidentRecord.objects.filter(previous_address="（性能測定）").exists()


@pytest.mark.django_db
def test_residents_option_refuses_a_register_that_is_not_empty():
    do_load_demo(residents=30, seed=1, actor=Actor.system("tests"))
    with pytest.raises(CommandError, match="空ではない"):
        call_command("bench", quick=True, residents=30, only="load", stdout=io.StringIO())


@pytest.mark.django_db
def test_unknown_figure_is_refused():
    with pytest.raises(CommandError, match="不明な項目"):
        call_command("bench", only="search,speed", stdout=io.StringIO())


def test_percentiles_are_nearest_rank():
    values = [float(v) for v in range(1, 101)]
    assert (percentile(values, 50), percentile(values, 95), percentile(values, 99)) == (50.0, 95.0, 99.0)
    assert latency([0.001, 0.002, 0.003])["p50_ms"] == 2.0
