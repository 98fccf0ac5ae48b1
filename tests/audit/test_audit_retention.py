"""Retention of the audit log (10 years) and provision records (7 years) — decision 0002,
Hiroshima digest D2.9 (保存期間: 操作記録10年以上、提供記録7年) and D2.11 (offline media:
archive file with manifest and signed boundary checkpoint)."""

from __future__ import annotations

import datetime as dt
import gzip
import io
import json
from collections.abc import Callable
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from django.db import connection
from django.utils import timezone

from juki.audit import retention, triggers
from juki.audit.checkpoints import do_write_checkpoint
from juki.audit.events import EVENT_TYPE_LABELS, EventType, Outcome
from juki.audit.models import AuditCheckpoint, AuditEvent, AuditEventTarget
from juki.audit.retention import (
    RetentionTooShort,
    do_archive_audit_log,
    verify_archive,
    years_before,
)
from juki.audit.verify import FaultKind, verify
from juki.core import clock
from juki.core.actor import Actor
from juki.register import provision_records

from .helpers import append_events, execute

TODAY = clock.today


def _at(when: dt.datetime, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock, "now", lambda: when)


@pytest.fixture
def aged_log(db: None, monkeypatch: pytest.MonkeyPatch) -> dict[str, int]:
    """Five events twelve years old (seq 1–5), then three of today (seq 6–8)."""
    real_now = timezone.now
    old = timezone.make_aware(dt.datetime.combine(years_before(TODAY(), 12), dt.time(10)))
    _at(old, monkeypatch)
    append_events(5)
    monkeypatch.setattr(clock, "now", real_now)
    append_events(3, start=5)
    return {"old": 5, "new": 3}


def _cutoff(years: int = 11) -> dt.date:
    return years_before(TODAY(), years)


def _run(command: str, *args: str) -> tuple[int, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command(command, *args, stdout=out, stderr=err)
        return 0, out.getvalue()
    except CommandError as exc:
        return exc.returncode, out.getvalue() + str(exc)


# --- the 10-year rule ----------------------------------------------------------------------


def test_archive_of_a_log_dated_9_years_364_days_ago_is_refused(aged_log: dict[str, int], tmp_path: Path) -> None:
    """D2.9: the audit log is kept at least 10 years; one day short is refused."""
    before = years_before(TODAY(), 10) + dt.timedelta(days=1)  # 9 years 364/365 days ago
    with pytest.raises(RetentionTooShort) as info:
        do_archive_audit_log(before=before, out_dir=tmp_path, actor=Actor.system("tests"))
    assert info.value.code == "RETENTION_TOO_SHORT"
    assert "10年間" in info.value.message
    assert AuditEvent.objects.count() == 8
    assert not list(tmp_path.iterdir())


def test_cutoff_exactly_ten_years_ago_is_allowed() -> None:
    retention.check_cutoff(years_before(TODAY(), 10), years=10, what="操作記録")


def test_a_shorter_retention_setting_cannot_lower_the_legal_minimum(settings: object) -> None:
    settings.JUKI_AUDIT_RETENTION_YEARS = 3  # type: ignore[attr-defined]
    settings.JUKI_PROVISION_RETENTION_YEARS = 1  # type: ignore[attr-defined]
    assert retention.audit_retention_years() == 10
    assert retention.provision_retention_years() == 7


def test_cli_refusal_exits_2_and_is_audited(aged_log: dict[str, int], tmp_path: Path) -> None:
    code, out = _run("audit", "archive", "--before", (TODAY() - dt.timedelta(days=365 * 9)).isoformat(),
                     "--out", str(tmp_path))
    assert code == 2 and "RETENTION_TOO_SHORT" in out
    last = AuditEvent.objects.order_by("-seq").first()
    assert last.event_type == EventType.AUDIT_ARCHIVED and last.outcome == Outcome.DENIED
    assert AuditEvent.objects.filter(seq=1).exists()


# --- archive and purge ---------------------------------------------------------------------


def test_archive_exports_then_deletes_only_events_before_the_cutoff(aged_log: dict[str, int], tmp_path: Path) -> None:
    result = do_archive_audit_log(before=_cutoff(), out_dir=tmp_path, actor=Actor.cli())

    assert (result.first_seq, result.last_seq, result.count) == (1, 5, 5)
    assert AuditEvent.objects.order_by("seq").first().seq == 6
    assert not AuditEventTarget.objects.filter(event__seq__lte=5).exists()
    assert AuditEventTarget.objects.filter(event__seq=6).exists()
    # the boundary checkpoint signs the last archived event
    cp = AuditCheckpoint.objects.get(pk=result.checkpoint_id)
    assert cp.seq == 5
    assert AuditEvent.objects.get(seq=6).prev_hash == cp.hash
    # the archive holds the five events with their person index
    lines = [json.loads(x) for x in gzip.open(result.archive_path, "rb")]
    assert [x["seq"] for x in lines] == [1, 2, 3, 4, 5]
    assert all(x["target_rows"] == x["targets"] for x in lines)
    manifest = json.loads(Path(result.manifest_path).read_text())
    assert (manifest["first_seq"], manifest["last_seq"], manifest["count"]) == (1, 5, 5)
    assert manifest["checkpoint"]["signature"] == cp.signature
    assert manifest["sha256"] == result.sha256
    # audited: range and manifest hash
    archived = AuditEvent.objects.get(event_type=EventType.AUDIT_ARCHIVED)
    assert archived.detail["first_seq"] == 1 and archived.detail["last_seq"] == 5
    assert archived.detail["manifest_sha256"] == result.manifest_sha256
    assert archived.detail["sha256"] == result.sha256
    # the append-only guard is back
    assert triggers.missing(connection) == []
    with pytest.raises(Exception):  # noqa: B017,PT011 — the database's own refusal
        execute("DELETE FROM audit_auditevent WHERE seq = 6")


def test_event_type_labels_exist_for_the_retention_events() -> None:
    assert EVENT_TYPE_LABELS[EventType.AUDIT_ARCHIVED]
    assert EVENT_TYPE_LABELS[EventType.PROVISION_RECORDS_PURGED]


def test_dry_run_changes_nothing(aged_log: dict[str, int], tmp_path: Path) -> None:
    events, cps = AuditEvent.objects.count(), AuditCheckpoint.objects.count()
    result = do_archive_audit_log(before=_cutoff(), out_dir=tmp_path, dry_run=True, actor=Actor.system("tests"))
    assert (result.first_seq, result.last_seq, result.count) == (1, 5, 5)
    assert AuditEvent.objects.count() == events and AuditCheckpoint.objects.count() == cps
    assert not list(tmp_path.iterdir())


def test_cli_dry_run_then_archive_then_verify(aged_log: dict[str, int], tmp_path: Path) -> None:
    code, out = _run("audit", "archive", "--before", _cutoff().isoformat(), "--out", str(tmp_path), "--dry-run")
    assert code == 0 and "DRY RUN" in out
    assert AuditEvent.objects.filter(seq=1).exists() and not list(tmp_path.iterdir())
    code, out = _run("audit", "archive", "--before", _cutoff().isoformat(), "--out", str(tmp_path))
    assert code == 0 and "seq 1-5" in out
    assert not AuditEvent.objects.filter(seq__lte=5).exists()
    code, out = _run("audit", "verify")
    assert code == 0, out
    code, out = _run("audit", "verify-archive", str(next(tmp_path.glob("*.jsonl.gz"))))
    assert code == 0 and "Archive intact" in out


def test_a_broken_log_is_not_archived(aged_log: dict[str, int], tmp_path: Path,
                                      drop_triggers: Callable[[], None]) -> None:
    drop_triggers()
    execute("UPDATE audit_auditevent SET purpose = 'x' WHERE seq = 2")
    triggers.install(connection)
    with pytest.raises(retention.ArchiveRefused):
        do_archive_audit_log(before=_cutoff(), out_dir=tmp_path, actor=Actor.system("tests"))
    assert AuditEvent.objects.filter(seq=2).exists() and not list(tmp_path.iterdir())


# --- verification after an archive ---------------------------------------------------------


def test_verify_starts_at_the_boundary_checkpoint_after_archive(aged_log: dict[str, int], tmp_path: Path) -> None:
    result = do_archive_audit_log(before=_cutoff(), out_dir=tmp_path, actor=Actor.system("tests"))
    full = verify()
    assert full.ok, full.summary()
    assert full.start_seq == 5 and full.start_checkpoint_id == result.checkpoint_id
    assert full.first_seq == 6
    assert verify(from_checkpoint=True).ok
    append_events(2, start=20)
    do_write_checkpoint(actor=Actor.system("tests"))
    assert verify().ok and verify(from_checkpoint=True).ok


def test_verify_fails_when_the_boundary_checkpoint_is_removed(
    aged_log: dict[str, int], tmp_path: Path, drop_triggers: Callable[[], None],
) -> None:
    result = do_archive_audit_log(before=_cutoff(), out_dir=tmp_path, actor=Actor.system("tests"))
    drop_triggers()
    execute("DELETE FROM audit_auditcheckpoint WHERE id = %s", [result.checkpoint_id])
    res = verify()
    assert not res.ok
    assert res.first.kind == FaultKind.DELETED and res.first.seq == 1


def test_verify_fails_when_the_boundary_checkpoint_is_forged(
    aged_log: dict[str, int], tmp_path: Path, drop_triggers: Callable[[], None],
) -> None:
    result = do_archive_audit_log(before=_cutoff(), out_dir=tmp_path, actor=Actor.system("tests"))
    drop_triggers()
    execute("UPDATE audit_auditcheckpoint SET signature = %s WHERE id = %s", ["00" * 64, result.checkpoint_id])
    res = verify()
    kinds = {f.kind for f in res.faults}
    assert not res.ok
    assert FaultKind.CHECKPOINT_SIGNATURE in kinds and FaultKind.DELETED in kinds


def test_deleting_old_events_outside_the_archive_path_is_still_detected(
    aged_log: dict[str, int], drop_triggers: Callable[[], None],
) -> None:
    """A valid ordinary checkpoint at the gap is not enough: only an audited archive counts."""
    do_write_checkpoint(actor=Actor.system("tests"))  # seq 8 signed, AUDIT_CHECKPOINT at 9
    append_events(1, start=30)
    drop_triggers()
    execute("DELETE FROM audit_auditeventtarget WHERE event_id IN (SELECT id FROM audit_auditevent WHERE seq <= 8)")
    execute("DELETE FROM audit_auditevent WHERE seq <= 8")
    res = verify()
    assert not res.ok and res.first.kind == FaultKind.DELETED and res.first.seq == 1


# --- the archive file ----------------------------------------------------------------------


def test_archive_file_verifies_and_a_modified_archive_is_detected(aged_log: dict[str, int], tmp_path: Path) -> None:
    result = do_archive_audit_log(before=_cutoff(), out_dir=tmp_path, actor=Actor.system("tests"))
    check = verify_archive(result.archive_path)
    assert check.ok, check.problems
    assert check.count == 5
    assert verify_archive(result.manifest_path).ok  # either file names the pair

    lines = [json.loads(x) for x in gzip.open(result.archive_path, "rb")]
    lines[2]["purpose"] = "改ざん"
    with gzip.open(result.archive_path, "wb") as gz:
        for item in lines:
            gz.write(json.dumps(item, ensure_ascii=False).encode() + b"\n")
    check = verify_archive(result.archive_path)
    assert not check.ok
    assert any("SHA-256" in p for p in check.problems)
    assert any("seq 3 modified" in p for p in check.problems)


def test_archive_with_a_dropped_event_and_rewritten_manifest_is_detected(aged_log: dict[str, int],
                                                                         tmp_path: Path) -> None:
    """Someone who rewrites both the file and the manifest hash still cannot sign a new boundary."""
    result = do_archive_audit_log(before=_cutoff(), out_dir=tmp_path, actor=Actor.system("tests"))
    lines = [json.loads(x) for x in gzip.open(result.archive_path, "rb")][:-1]
    with gzip.open(result.archive_path, "wb") as gz:
        for item in lines:
            gz.write(json.dumps(item, ensure_ascii=False).encode() + b"\n")
    manifest_path = Path(result.manifest_path)
    manifest = json.loads(manifest_path.read_text())
    manifest.update(sha256=retention._sha256_file(Path(result.archive_path)), count=4, last_seq=4)
    manifest["checkpoint"]["seq"] = 4
    manifest["checkpoint"]["hash"] = lines[-1]["hash"]
    manifest_path.write_text(json.dumps(manifest))
    check = verify_archive(result.archive_path)
    assert not check.ok
    assert any("signature" in p for p in check.problems)


def test_cli_verify_archive_exits_1_on_a_modified_archive(aged_log: dict[str, int], tmp_path: Path) -> None:
    result = do_archive_audit_log(before=_cutoff(), out_dir=tmp_path, actor=Actor.system("tests"))
    data = bytearray(Path(result.archive_path).read_bytes())
    data[-12] ^= 0xFF
    Path(result.archive_path).write_bytes(bytes(data))
    code, _out = _run("audit", "verify-archive", result.archive_path)
    assert code == 1
    last = AuditEvent.objects.order_by("-seq").first()
    assert last.event_type == EventType.AUDIT_VERIFIED and last.outcome == Outcome.ERROR


# --- provision records: 7 years ------------------------------------------------------------


@pytest.fixture
def outbox(db: None) -> dict[str, int]:
    from juki.register.models import Change, OutboxEvent

    now = timezone.now()
    change = Change.objects.create(kind="move_in", reason="転入", effective_on=TODAY(), entered_by="clerk01",
                                   entered_at=now)
    eight_years = now - dt.timedelta(days=365 * 8 + 2)

    def make(sent: dt.datetime | None, created: dt.datetime) -> int:
        return OutboxEvent.objects.create(kind=OutboxEvent.Kind.INTRA_OFFICE, change=change, person_id=1,
                                          payload={"x": 1}, created_at=created, sent_at=sent).pk

    return {
        "old_sent": make(eight_years, eight_years),
        "old_unsent": make(None, eight_years),
        "recent_sent": make(now - dt.timedelta(days=365 * 6), now - dt.timedelta(days=365 * 6)),
    }


def test_provision_records_younger_than_7_years_cannot_be_purged(outbox: dict[str, int]) -> None:
    """D2.9: provision records are kept 7 years; a cut-off 6 years 364 days ago is refused."""
    from juki.register.models import OutboxEvent

    before = years_before(TODAY(), 7) + dt.timedelta(days=1)
    with pytest.raises(RetentionTooShort):
        provision_records.do_purge_provision_records(before=before, actor=Actor.system("tests"))
    assert OutboxEvent.objects.count() == 3


def test_provision_records_sent_before_the_cutoff_are_purged_and_audited(outbox: dict[str, int]) -> None:
    from juki.register.models import OutboxEvent

    before = years_before(TODAY(), 7)
    dry = provision_records.do_purge_provision_records(before=before, dry_run=True, actor=Actor.system("tests"))
    assert dry.purged == 1 and OutboxEvent.objects.count() == 3
    result = provision_records.do_purge_provision_records(before=before, actor=Actor.cli())
    assert result.purged == 1 and result.unsent_kept == 1
    assert set(OutboxEvent.objects.values_list("pk", flat=True)) == {outbox["old_unsent"], outbox["recent_sent"]}
    event = AuditEvent.objects.get(event_type=EventType.PROVISION_RECORDS_PURGED)
    assert event.detail["purged"] == 1 and event.detail["first_id"] == outbox["old_sent"]


def test_cli_outbox_purge_refuses_and_purges(outbox: dict[str, int]) -> None:
    from juki.register.models import OutboxEvent

    code, out = _run("outbox", "purge", "--before", (TODAY() - dt.timedelta(days=365 * 5)).isoformat())
    assert code == 2 and "RETENTION_TOO_SHORT" in out and OutboxEvent.objects.count() == 3
    refused = AuditEvent.objects.get(event_type=EventType.PROVISION_RECORDS_PURGED)
    assert refused.outcome == Outcome.DENIED
    code, out = _run("outbox", "purge", "--before", years_before(TODAY(), 7).isoformat())
    assert code == 0 and "purged: 1" in out
    assert not OutboxEvent.objects.filter(pk=outbox["old_sent"]).exists()


def test_archives_chain_one_after_another(db: None, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    """A second archive continues from the first one's boundary; both files verify and so does the log."""
    real_now = timezone.now
    for years, n, start in ((14, 3, 0), (12, 2, 3)):
        _at(timezone.make_aware(dt.datetime.combine(years_before(TODAY(), years), dt.time(9))), monkeypatch)
        append_events(n, start=start)
    monkeypatch.setattr(clock, "now", real_now)
    append_events(2, start=10)
    first = do_archive_audit_log(before=_cutoff(13), out_dir=tmp_path, actor=Actor.system("tests"))
    second = do_archive_audit_log(before=_cutoff(11), out_dir=tmp_path, actor=Actor.system("tests"))
    assert (first.first_seq, first.last_seq) == (1, 3)
    assert (second.first_seq, second.last_seq) == (4, 5)
    assert verify_archive(first.archive_path).ok and verify_archive(second.archive_path).ok
    res = verify()
    assert res.ok, res.summary()
    assert res.start_seq == 5
