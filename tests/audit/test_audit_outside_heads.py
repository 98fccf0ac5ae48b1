"""Signed chain heads outside the database and automatic checkpoints.

The attack (reported from a week of real use): as a database superuser, drop the append-only
triggers, delete the events after some seq with their person-index rows, delete the
checkpoints after it, move the chain head back and reinstall the triggers. What remains is a
valid, shorter chain, and ``juki audit verify`` used to exit 0. Now every checkpoint is also
appended to a heads file outside the database (juki.audit.heads), checkpoints are written
automatically every N events or T seconds (juki.audit.autocheckpoint), and verify checks the
database against the outside heads (docs/security.md §4, docs/decisions/0002-audit-log.md).

Tests that need checkpoints to be *published* commit for real (``transaction=True``): heads
are appended only after the checkpoint's transaction commits.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import os
import stat
import sys
import threading

import pytest
from django.conf import settings
from django.db import connection

from juki.audit import autocheckpoint, heads, triggers
from juki.audit.checkpoints import do_write_checkpoint, statement
from juki.audit.models import AuditChainHead, AuditCheckpoint, AuditEvent
from juki.audit.verify import FaultKind, verify
from juki.core import clock
from juki.core.actor import Actor
from juki.core.keys import provider

from .helpers import append_events, execute, rehash_from, truncate_tail
from .test_audit_cli import run

committing = pytest.mark.django_db(transaction=True)


def heads_in_file() -> list[dict]:
    path = settings.JUKI_AUDIT_HEADS_FILE
    return [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


@pytest.fixture
def manual_only(settings):
    """Automatic checkpoints off: the test decides when checkpoints are written."""
    settings.JUKI_AUDIT_CHECKPOINT_EVENTS = 0
    settings.JUKI_AUDIT_CHECKPOINT_SECONDS = 0


@pytest.fixture
def every_10_events(settings):
    settings.JUKI_AUDIT_CHECKPOINT_EVENTS = 10
    settings.JUKI_AUDIT_CHECKPOINT_SECONDS = 0


@pytest.fixture
def every_300_seconds(settings, monkeypatch):
    """Time limit only, and a clock the test moves (juki.core.clock)."""
    settings.JUKI_AUDIT_CHECKPOINT_EVENTS = 0
    settings.JUKI_AUDIT_CHECKPOINT_SECONDS = 300
    now = [clock.now()]
    monkeypatch.setattr(clock, "now", lambda: now[0])

    def advance(seconds: float) -> None:
        now[0] += dt.timedelta(seconds=seconds)

    return advance


# --- the attack -------------------------------------------------------------------------

@committing
def test_deleting_the_tail_with_its_checkpoints_and_moving_the_head_back_fails_verify(manual_only, capsys):
    append_events(20)
    assert run(capsys, "checkpoint")[0] == 0  # signs seq 20 (its own event is 21)
    append_events(10, start=20)  # 22–31
    assert run(capsys, "checkpoint")[0] == 0  # signs seq 31
    append_events(8, start=30)  # 33–40
    assert run(capsys, "verify")[0] == 0  # 41: the run itself

    truncate_tail(25)

    assert AuditChainHead.objects.get(pk=1).seq == 25 and not AuditCheckpoint.objects.filter(seq__gt=25).exists()
    fault = verify().first
    assert (fault.kind, fault.seq) == (FaultKind.OUTSIDE_HEAD_MISSING, 26)
    code, out, err = run(capsys, "verify")
    assert code == 1, out + err
    # The first missing event is named, and the outside head that still knows of it.
    assert "連番 26: 外部保管のチェーン先頭以前の記録の削除" in out
    assert "連番 31" in out and "seq 31" in out and "tail deleted" in out


@committing
def test_automatic_checkpoints_leave_no_undetectable_tail_beyond_n_events(every_10_events):
    append_events(35)
    # seq 10 signed (its event is 11), then 10 events after that event, and again.
    assert list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True)) == [10, 21, 32]
    assert [h["seq"] for h in heads_in_file()] == [10, 21, 32]
    assert AuditChainHead.objects.get(pk=1).seq == 38
    assert verify().ok

    truncate_tail(15)

    result = verify()
    assert not result.ok and result.first.kind == FaultKind.OUTSIDE_HEAD_MISSING and result.first.seq == 16
    assert "seq 32" in result.first.message_en


@committing
def test_a_rewritten_and_rehashed_chain_whose_checkpoints_were_removed_differs_from_the_outside_head(manual_only):
    append_events(10)
    do_write_checkpoint(actor=Actor.system("tests"))  # seq 10, event 11
    # The superuser removes the checkpoint and its event, rewrites seq 3 and re-hashes onwards.
    triggers.remove(connection)
    execute("DELETE FROM audit_auditevent WHERE seq = 11")
    execute("DELETE FROM audit_auditcheckpoint")
    AuditEvent.objects.filter(seq=3).update(staff_id="clerk99")
    rehash_from(3)
    triggers.install(connection)

    fault = verify().first
    assert (fault.kind, fault.seq) == (FaultKind.OUTSIDE_HEAD_MISMATCH, 10)


# --- automatic checkpoints ----------------------------------------------------------------

@committing
def test_forged_checkpoint_rows_do_not_stop_automatic_checkpoints(every_10_events):
    """INSERT is not refused: a row far ahead of the head, or one whose signature does not
    verify, must not count as the latest checkpoint."""
    append_events(3)
    fake = {"hash": "f" * 64, "created_at": clock.now(), "key_id": "audit-signing-x", "signature": "00" * 64}
    AuditCheckpoint.objects.create(seq=10**9, **fake)
    AuditCheckpoint.objects.create(seq=2, **fake)
    append_events(7, start=3)
    assert AuditCheckpoint.objects.filter(seq=10).exists()
    assert [h["seq"] for h in heads_in_file()] == [10]


@committing
def test_a_checkpoint_is_written_once_the_latest_is_older_than_t_seconds(every_300_seconds):
    advance = every_300_seconds
    append_events(3)
    assert not AuditCheckpoint.objects.exists()
    advance(299)
    append_events(1, start=3)
    assert not AuditCheckpoint.objects.exists()  # the window opened with the first event, 299 s ago
    advance(2)
    append_events(1, start=4)  # seq 5, 301 s after the first
    cp = AuditCheckpoint.objects.get()
    assert cp.seq == 5 and AuditEvent.objects.get(seq=6).detail["automatic"] is True
    assert [h["seq"] for h in heads_in_file()] == [5]
    append_events(1, start=5)  # a new window: nothing due
    assert AuditCheckpoint.objects.count() == 1


@committing
def test_an_idle_log_is_signed_by_the_ticker_when_t_has_passed(every_300_seconds):
    advance = every_300_seconds
    ticker = autocheckpoint.CheckpointTicker()
    assert ticker.interval == 30  # a tenth of the limit
    assert ticker.tick() is None  # nothing to sign
    append_events(2)
    advance(100)
    assert ticker.tick() is None  # not yet
    advance(200)
    cp = ticker.tick()
    assert cp is not None and cp.seq == 2 and [h["seq"] for h in heads_in_file()] == [2]
    advance(1000)
    assert ticker.tick() is None  # only the checkpoint's own event since: nothing to sign
    assert AuditCheckpoint.objects.count() == 1 and verify().ok


@committing
def test_checkpoint_if_due_command_for_cron(every_300_seconds, capsys):
    advance = every_300_seconds
    append_events(2)
    code, out, _ = run(capsys, "checkpoint", "--if-due")
    assert code == 0 and "no checkpoint due" in out and not AuditCheckpoint.objects.exists()
    advance(301)
    code, out, _ = run(capsys, "checkpoint", "--if-due")
    assert code == 0 and "Checkpoint written" in out and AuditCheckpoint.objects.get().seq == 2


def test_the_write_path_queues_one_check_per_transaction(every_10_events, db, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks() as callbacks:
        append_events(4)
    # This process does not know the latest checkpoint yet: one check after commit, not four.
    assert [cb.__name__ for cb in callbacks] == ["_after_commit"]


def test_the_write_path_check_runs_no_statement(every_10_events, db, django_capture_on_commit_callbacks,
                                                django_assert_num_queries):
    autocheckpoint._known.covered, autocheckpoint._known.since = 0, clock.now()  # as after a check
    with django_capture_on_commit_callbacks() as callbacks:
        append_events(9)  # fewer than 10 since the last checkpoint (none)
    assert callbacks == []
    # The event that reaches the limit costs the same statements as any other (lock the head;
    # then event + targets + head: one statement on PostgreSQL, three elsewhere).
    statements = 2 if connection.vendor == "postgresql" else 4
    with django_capture_on_commit_callbacks() as callbacks, django_assert_num_queries(statements):
        append_events(1, start=9)
    assert [cb.__name__ for cb in callbacks] == ["_after_commit"]


@committing
def test_concurrent_writers_write_each_due_checkpoint_once(every_10_events):
    from django.db import connections

    errors: list[BaseException] = []

    def work() -> None:
        try:
            append_events(10)
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(4 if connection.vendor == "postgresql" else 2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert errors == []
    seqs = list(AuditCheckpoint.objects.order_by("seq").values_list("seq", flat=True))
    assert len(seqs) == len(set(seqs)) and all(b - a >= 10 for a, b in zip(seqs, seqs[1:], strict=False))
    assert sorted(h["seq"] for h in heads_in_file()) == seqs
    assert verify().ok


# --- the heads file and its hooks ---------------------------------------------------------

collected: list[tuple[dict, str]] = []


def collect(head: dict, line: str) -> None:
    collected.append((head, line))


def fail(head: dict, line: str) -> None:
    raise RuntimeError("the shipping target is down")


@committing
def test_each_head_is_one_signed_json_line_in_an_owner_only_append_only_file(manual_only):
    path = settings.JUKI_AUDIT_HEADS_FILE
    append_events(3)
    first = do_write_checkpoint(actor=Actor.system("tests"))
    append_events(2, start=3)
    second = do_write_checkpoint(actor=Actor.system("tests"))
    lines = path.read_text().splitlines()
    assert len(lines) == 2 and stat.S_IMODE(os.stat(path).st_mode) == 0o600
    head = json.loads(lines[1])
    assert head == {"v": "juki-audit-checkpoint/1", "seq": second.seq, "hash": second.hash,
                    "created_at": head["created_at"], "key_id": second.key_id, "signature": second.signature,
                    "checkpoint_id": second.pk}
    # Checkable from the line alone, with the public key.
    created = dt.datetime.fromisoformat(head["created_at"])
    provider().verify_key(head["key_id"]).verify(bytes.fromhex(head["signature"]),
                                                 statement(head["seq"], head["hash"], created, head["key_id"]))
    assert json.loads(lines[0])["seq"] == first.seq
    result = verify()
    assert result.ok and result.outside_heads_checked == 2 and result.last_outside_seq == second.seq


@committing
def test_heads_go_to_the_hooks_and_the_command_and_a_failing_hook_changes_nothing(manual_only, settings, tmp_path):
    shipped = tmp_path / "shipped.jsonl"
    settings.JUKI_AUDIT_HEAD_HOOKS = [f"{__name__}.fail", f"{__name__}.collect"]
    settings.JUKI_AUDIT_HEAD_COMMAND = (f"{sys.executable} -c \"import sys; "
                                        f"open({str(shipped)!r}, 'ab').write(sys.stdin.buffer.read())\"")
    collected.clear()
    append_events(2)
    cp = do_write_checkpoint(actor=Actor.system("tests"))
    line = settings.JUKI_AUDIT_HEADS_FILE.read_text()
    assert collected == [(heads.head_record(cp), line)]
    assert shipped.read_text() == line
    assert AuditCheckpoint.objects.filter(pk=cp.pk).exists()


def test_a_head_that_rolled_back_is_never_published(db, manual_only, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        do_write_checkpoint(actor=Actor.system("tests"))
    assert len(callbacks) == 1  # published only on commit; the test's transaction rolls back
    assert heads_in_file() == []


@committing
def test_a_forged_or_unreadable_line_in_the_heads_file_fails_verify(manual_only):
    append_events(3)
    cp = do_write_checkpoint(actor=Actor.system("tests"))
    record = heads.head_record(cp)
    path = settings.JUKI_AUDIT_HEADS_FILE
    heads.append_line(path, json.dumps({**record, "seq": 2, "hash": AuditEvent.objects.get(seq=2).hash}) + "\n")
    heads.append_line(path, "{not json\n")
    result = verify()
    kinds = sorted((f.kind, f.seq) for f in result.faults)
    assert kinds == [(FaultKind.OUTSIDE_HEAD_INVALID, 0), (FaultKind.OUTSIDE_HEAD_INVALID, 2)]


@committing
def test_verify_checks_a_shipped_copy_named_with_heads(manual_only, capsys, tmp_path):
    append_events(5)
    do_write_checkpoint(actor=Actor.system("tests"))
    copy = tmp_path / "copy.jsonl"
    copy.write_text(settings.JUKI_AUDIT_HEADS_FILE.read_text())
    settings.JUKI_AUDIT_HEADS_FILE.unlink()  # the local file is gone (or was never kept)
    truncate_tail(3)
    assert run(capsys, "verify")[0] == 0  # without any outside head the tail is undetectable
    code, out, _ = run(capsys, "verify", "--heads", str(copy))  # the run above is seq 4 now
    assert code == 1 and "連番 5: 外部保管" in out and "seq 5" in out


@committing
def test_from_checkpoint_still_checks_the_last_outside_head(manual_only):
    append_events(5)
    do_write_checkpoint(actor=Actor.system("tests"))  # 5
    append_events(5, start=5)
    do_write_checkpoint(actor=Actor.system("tests"))  # 11
    truncate_tail(8)
    result = verify(from_checkpoint=True)
    assert result.start_seq == 5 and result.first.kind == FaultKind.OUTSIDE_HEAD_MISSING


@committing
def test_heads_in_an_archived_range_are_left_to_the_archive_and_the_boundary_is_published(manual_only, monkeypatch,
                                                                                          tmp_path):
    from django.core.management import call_command
    from django.utils import timezone

    from juki.audit.retention import years_before

    real_now = clock.now
    monkeypatch.setattr(clock, "now", lambda: timezone.make_aware(
        dt.datetime.combine(years_before(clock.today(), 12), dt.time(10))))
    append_events(3)
    do_write_checkpoint(actor=Actor.system("tests"))  # seq 3, twelve years ago
    append_events(1, start=3)  # seq 5
    monkeypatch.setattr(clock, "now", real_now)
    append_events(3, start=5)  # 6–8, today
    call_command("audit", "archive", "--before", years_before(clock.today(), 11).isoformat(),
                 "--out", str(tmp_path), stdout=io.StringIO())
    assert [h["seq"] for h in heads_in_file()] == [3, 5]  # the boundary checkpoint too
    assert AuditEvent.objects.order_by("seq").first().seq == 6
    result = verify()
    assert result.ok, result.summary()
    assert result.outside_heads_checked == 1  # the boundary; seq 3 is in the archive


def test_serve_runs_the_checkpoint_ticker_beside_the_server(monkeypatch, settings):
    import waitress

    from juki.web.management.commands.serve import Command

    settings.JUKI_AUDIT_CHECKPOINT_SECONDS = 300
    seen: list[bool] = []
    class Server:  # stands in for waitress's server: records whether the ticker runs beside it
        def run(self) -> None:
            seen.append(any(t.name == "juki-audit-checkpoints" and t.is_alive() for t in threading.enumerate()))

    monkeypatch.setattr(waitress, "create_server", lambda *a, **k: Server())
    monkeypatch.setattr(Command, "_prepare_certificate_font", lambda self: None)
    Command().handle(host="127.0.0.1", port=0, threads=1)
    assert seen == [True]
    assert not any(t.name == "juki-audit-checkpoints" and not t.stopped.is_set()  # type: ignore[attr-defined]
                   for t in threading.enumerate())
