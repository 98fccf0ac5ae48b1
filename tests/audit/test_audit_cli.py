"""``juki audit verify`` / ``juki audit checkpoint`` (decision 0002: the command
"exits non-zero naming the first altered, inserted or deleted event"; every subcommand has
--help; the run is itself audited)."""

from __future__ import annotations

import io
import os
import subprocess
import sys
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from juki.audit import triggers
from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditCheckpoint, AuditEvent, AuditEventTarget

from .helpers import append_events, renumber

JUKI = Path(sys.executable).with_name("juki")


def run(capsys, *args: str) -> tuple[int, str, str]:
    """``juki audit ...`` in this process, on the test database; returns (exit code, out, err).

    ``call_command`` rather than ``juki.cli.main``: the latter closes the database
    connections when it ends, as a command line run should. The console script itself is
    exercised by the subprocess test at the end.
    """
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("audit", *args, stdout=out, stderr=err)
        code = 0
    except CommandError as exc:
        err.write(str(exc))
        code = exc.returncode
    except SystemExit as exc:  # --help
        code = int(exc.code or 0)
    captured = capsys.readouterr()
    return code, out.getvalue() + captured.out, err.getvalue() + captured.err


def test_verify_exits_zero_with_a_bilingual_summary_when_intact(log, capsys):
    code, out, _ = run(capsys, "verify")
    assert code == 0
    assert "操作記録は改ざんされていません" in out and "Audit log intact" in out and "10" in out


def test_each_verification_run_is_audited(log, capsys):
    run(capsys, "verify")
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.event_type == EventType.AUDIT_VERIFIED and event.outcome == Outcome.OK
    assert event.detail["intact"] is True and event.detail["events_checked"] == 10


def test_a_changed_event_makes_verify_fail_and_name_it(log, drop_triggers, capsys):
    drop_triggers()
    AuditEvent.objects.filter(seq=7).update(outcome="ok", staff_id="clerk09")
    code, out, err = run(capsys, "verify")
    assert code == 1
    assert f"連番 7（ID {log[6].pk}）" in out and "seq 7" in out and "modified" in out
    assert "連番 7" in err  # the CommandError line, for scripts reading stderr
    failed = AuditEvent.objects.order_by("-seq").first()
    assert failed.event_type == EventType.AUDIT_VERIFIED and failed.outcome == Outcome.ERROR
    assert failed.detail["first_fault"]["seq"] == 7


def test_a_deleted_event_makes_verify_fail_and_name_it(log, drop_triggers, capsys):
    drop_triggers()
    AuditEventTarget.objects.filter(event_id=log[4].pk).delete()
    AuditEvent.objects.filter(seq=5).delete()
    code, out, _ = run(capsys, "verify")
    assert code == 1 and "連番 5" in out and "deleted" in out


def test_an_inserted_event_makes_verify_fail_and_name_it(log, drop_triggers, capsys):
    drop_triggers()
    renumber(after_seq=5, delta=+1)
    forged = AuditEvent.objects.create(**{f.name: getattr(log[5], f.name) for f in AuditEvent._meta.fields
                                          if f.name not in ("id",)})  # a copy of seq 6, now at seq 6 again
    code, out, _ = run(capsys, "verify")
    assert code == 1 and f"連番 6（ID {forged.pk}）" in out and "inserted" in out


def test_verify_from_checkpoint(log, capsys):
    assert run(capsys, "checkpoint")[0] == 0
    code, out, _ = run(capsys, "verify", "--from-checkpoint")
    assert code == 0 and "チェックポイント #" in out and "from checkpoint" in out


def test_checkpoint_command_writes_a_signed_checkpoint(log, capsys):
    code, out, _ = run(capsys, "checkpoint")
    cp = AuditCheckpoint.objects.get()
    assert code == 0 and f"#{cp.pk}" in out and "Checkpoint written" in out and cp.seq == 10
    assert AuditEvent.objects.get(seq=11).event_type == EventType.AUDIT_CHECKPOINT


@pytest.mark.parametrize("args", [("--help",), ("verify", "--help"), ("checkpoint", "--help")])
def test_every_audit_subcommand_has_help(db, capsys, args):
    code, out, _ = run(capsys, *args)
    assert code == 0 and "usage:" in out


def test_verify_help_names_the_exit_codes(db, capsys):
    _, out, _ = run(capsys, "verify", "--help")
    assert "--from-checkpoint" in out and "終了コード" in out


@pytest.mark.django_db(transaction=True)
def test_the_installed_juki_command_exits_non_zero_after_tampering():
    """End to end through the console script, against the committed test database."""
    db = connection.settings_dict
    if connection.vendor == "postgresql":
        url = f"postgres://{db['USER']}:{db['PASSWORD']}@{db['HOST']}:{db['PORT']}/{db['NAME']}"
    else:
        url = f"sqlite:///{db['NAME']}"
    env = {**os.environ, "DATABASE_URL": url, "JUKI_KEY_DIR": str(settings.JUKI_KEY_DIR)}
    events = append_events(6)
    ok = subprocess.run([str(JUKI), "audit", "verify"], env=env, capture_output=True, text=True, timeout=120)
    assert ok.returncode == 0, ok.stderr
    try:
        triggers.remove(connection)
        AuditEvent.objects.filter(seq=3).update(staff_id="clerk99")
        bad = subprocess.run([str(JUKI), "audit", "verify"], env=env, capture_output=True, text=True, timeout=120)
    finally:
        triggers.install(connection)  # this test commits: put the guard back for the tests after it
    assert bad.returncode == 1
    assert f"連番 3（ID {events[2].pk}）" in bad.stdout


def test_verify_still_reports_when_the_damage_stops_it_recording_its_own_run(log, capsys):
    """A row planted after the chain head takes the next seq, so even appending the
    AUDIT_VERIFIED event fails; the command must still name the planted row and exit 1."""
    planted = AuditEvent.objects.create(**{f.name: getattr(log[9], f.name) for f in AuditEvent._meta.fields
                                           if f.name != "id"} | {"seq": 11})
    code, out, err = run(capsys, "verify")
    assert code == 1 and f"連番 11（ID {planted.pk}）" in out and "inserted" in out
    assert "could not record" in err


def test_verify_exits_3_when_the_chain_is_intact_but_the_append_only_triggers_are_gone(log, drop_triggers, capsys):
    """An intact chain without its guard is its own outcome (exit 3), distinct from tampering
    (1) and from a guarded intact log (0), so an auditor's script cannot miss it (HI D2.10)."""
    drop_triggers()
    code, out, err = run(capsys, "verify")
    assert code == 3 and "intact" in out  # the rows themselves are untouched
    assert "追記専用トリガーがありません" in err and "audit_auditevent" in err
    assert "unprotected" in err
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.event_type == EventType.AUDIT_VERIFIED and event.detail["intact"] is True
    assert event.detail["exit_code"] == 3


def test_triggers_shows_the_guard_and_install_puts_it_back_audited(log, drop_triggers, capsys):
    """HI D2.10: the append-only guard can be checked and restored from the CLI, and the
    restoration is itself recorded (who, and which triggers were missing)."""
    code, out, _ = run(capsys, "triggers")
    assert code == 0 and "MISSING" not in out and "audit_auditevent" in out
    drop_triggers()
    code, out, err = run(capsys, "triggers")
    assert code == 3 and out.count("MISSING") == len(triggers.trigger_names(connection.vendor))
    assert "--install" in err
    code, out, _ = run(capsys, "triggers", "--install")
    assert code == 0 and "reinstalled" in out and "MISSING" not in out
    assert triggers.missing(connection) == []
    event = AuditEvent.objects.order_by("-seq").first()
    assert event.event_type == EventType.AUDIT_TRIGGERS_REINSTALLED
    assert sorted(event.detail["missing_before"]) == sorted(triggers.trigger_names(connection.vendor))
    with pytest.raises(DatabaseError):  # guarded again
        with transaction.atomic():
            AuditEvent.objects.filter(seq=1).update(staff_id="x")
    assert run(capsys, "verify")[0] == 0


def test_tampering_without_triggers_still_exits_1(log, drop_triggers, capsys):
    drop_triggers()
    AuditEvent.objects.filter(seq=4).update(staff_id="clerk99")
    code, _, _ = run(capsys, "verify")
    assert code == 1


def test_verify_help_lists_the_exit_codes(capsys):
    code, out, _ = run(capsys, "verify", "--help")
    assert code == 0
    flat = "".join(out.split())  # argparse wraps the epilog
    assert "3=記録は改ざんされていないが追記専用トリガーがない" in flat and "3intactbut" in flat
