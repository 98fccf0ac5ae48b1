"""``juki audit review --month YYYY-MM [--csv FILE]``: the monthly run (jlis-001b risk digest §5,
monthly log review by a separate person)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from juki.audit.events import EventType
from juki.audit.models import AuditEvent

from .conftest import Scenario


def test_monthly_review_prints_flags_and_writes_csv(scenario: Scenario, tmp_path: Path,
                                                    capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "review.csv"
    call_command("audit", "review", "--month", "2026-10", "--csv", str(out))
    printed = capsys.readouterr().out
    assert "heavy01: 検索 40" in printed
    assert "(off_hours) 2026-10-05" in printed
    assert "要確認事項 5 件（未点検 5 件）" in printed
    assert "山田" not in printed and "試験 太郎" not in printed
    rows = list(csv.DictReader(out.read_text(encoding="utf-8-sig").splitlines()))
    assert {r["職員ID"] for r in rows} >= {"heavy01", "night01", "denied01"}
    event = AuditEvent.objects.filter(event_type=EventType.AUDIT_REVIEW_EXPORTED).get()
    assert event.terminal_id == "cli" and event.criteria["period_start"] == "2026-10-01"


def test_bad_month_is_refused(db: None) -> None:
    with pytest.raises(CommandError):
        call_command("audit", "review", "--month", "2026-13")
