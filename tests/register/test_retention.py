"""Retention of removed records (住基法施行令34条: 除票は消除から150年保存) and
``juki retention run``: purge what has expired, with its history, logging no personal data."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
from django.core.management import CommandError, call_command

from juki import cli
from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.actor import Actor
from juki.register import entry_rules, numbering
from juki.register.models import (
    Change,
    Household,
    OutboxEvent,
    Person,
    RecordStatus,
    ResidentRecord,
)
from juki.register.retention import do_purge_expired_records

from .changes.ex_officio_helpers import apply
from .factories import add_household, small_city

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def removed_person(city, removed_on: dt.date, **over):
    (rec,) = add_household(city, [{
        "family_name": "消去", "given_name": "予定", "family_name_kana": "ショウキョ", "given_name_kana": "ヨテイ",
        "birth_year": 1800, "status": RecordStatus.REMOVED, "removal_reason": "death", "removed_on": removed_on,
        "retention_until": entry_rules.retention_until(removed_on), "valid_from": removed_on, **over,
    }], since=removed_on)
    return rec


def years_ago(years: int, days: int = 0) -> dt.date:
    return entry_rules.add_years(clock.today(), -years) + dt.timedelta(days=days)


def test_a_record_removed_150_years_and_a_day_ago_is_purged_with_its_history(city):
    """住基法施行令34条: kept 150 years from removal; the day after, it is purged."""
    rec = removed_person(city, years_ago(150, -1))
    assert rec.retention_until < clock.today()
    result = do_purge_expired_records(today=clock.today(), actor=Actor.system("tests"))
    assert (result.persons, result.versions, result.households) == (1, 1, 1)
    assert not ResidentRecord.objects.filter(person_id=rec.person_id).exists()
    assert not Person.objects.filter(pk=rec.person_id).exists()
    assert not Household.objects.filter(pk=rec.household_id).exists()


def test_a_record_removed_a_day_less_than_150_years_ago_is_kept(city):
    kept = removed_person(city, years_ago(150, +1))
    exactly = removed_person(city, years_ago(150))  # retention_until == today: still within the period
    result = do_purge_expired_records(today=clock.today(), actor=Actor.system("tests"))
    assert result.persons == 0
    assert ResidentRecord.objects.filter(person_id__in=[kept.person_id, exactly.person_id]).count() == 2


def test_residents_are_never_purged(city, clerk, approver):
    """Only a current *removed* version counts: an old removed version of a person restored or
    entered again since is part of a living record."""
    (resident,) = add_household(city, [{"birth_year": 1800}], since=years_ago(200))
    old = removed_person(city, years_ago(160))
    apply(clerk, approver, "ex_officio_entry", {
        "reason": "再び居住", "person": old.person_id, "family_name": "消去", "family_name_kana": "ショウキョ",
        "birth_year": 1800, "sex": 1, "town_block": city.blocks[0].code, "banchi": "1番1号",
    })
    result = do_purge_expired_records(today=entry_rules.add_years(clock.today(), 500), actor=Actor.system("tests"))
    assert result.persons == 0
    assert ResidentRecord.objects.filter(person_id__in=[resident.person_id, old.person_id]).count() == 3


def test_a_dry_run_counts_and_changes_nothing(city):
    rec = removed_person(city, years_ago(151))
    before = (ResidentRecord.objects.count(), Person.objects.count(), Household.objects.count())
    result = do_purge_expired_records(today=clock.today(), dry_run=True, actor=Actor.system("tests"))
    assert (result.dry_run, result.persons, result.versions, result.households) == (True, 1, 1, 1)
    assert (ResidentRecord.objects.count(), Person.objects.count(), Household.objects.count()) == before
    assert ResidentRecord.objects.filter(person_id=rec.person_id).exists()
    assert not AuditEvent.objects.filter(event_type=EventType.RETENTION_PURGED).exists()


def test_one_audit_event_per_run_with_counts_and_no_personal_data(city):
    removed_person(city, years_ago(151), resident_code="")
    removed_person(city, years_ago(152), given_name="二郎")
    do_purge_expired_records(today=clock.today(), actor=Actor.cli())
    (event,) = AuditEvent.objects.filter(event_type=EventType.RETENTION_PURGED)
    assert event.detail["persons"] == 2 and event.detail["versions"] == 2 and event.detail["dry_run"] is False
    assert event.targets == [] and not event.target_rows.exists()  # not even the addressee numbers
    text = json.dumps(event.detail, ensure_ascii=False)
    for personal in ("消去", "予定", "二郎", "ショウキョ", "山王", "1800"):
        assert personal not in text


def test_purged_numbers_are_never_handed_out_again(city):
    rec = removed_person(city, years_ago(151))
    do_purge_expired_records(today=clock.today(), actor=Actor.system("tests"))
    (next_addressee,) = numbering.allocate(numbering.ADDRESSEE)
    (next_household,) = numbering.allocate(numbering.HOUSEHOLD)
    assert next_addressee > rec.person_id and next_household > rec.household_id


def test_changes_keep_who_did_what_but_lose_the_purged_persons_data(city, clerk, approver):
    """The change rows stay (kind, dates, staff, terminals, addressee numbers); the items and
    before/after of purged persons are emptied; their outbox events are deleted."""
    head, child = add_household(city, [{}, {}])
    move = apply(clerk, approver, "move_within", {"persons": [head.person_id, child.person_id],
                                                  "town_block": city.blocks[1].code}, notified_on=clock.today())
    removal = apply(clerk, approver, "ex_officio_removal", {
        "persons": [child.person_id], "grounds": "no_residence", "reason": "実態調査で居住なし（試験 太郎2）"})
    assert OutboxEvent.objects.filter(person_id=child.person_id).exists()
    far = entry_rules.add_years(clock.today(), 150) + dt.timedelta(days=1)

    result = do_purge_expired_records(today=far, actor=Actor.system("tests"))

    assert (result.persons, result.changes_scrubbed, result.changes_trimmed) == (1, 1, 1)
    removal.refresh_from_db()
    assert removal.persons == [child.person_id] and removal.entered_by == "clerk01" and removal.decided_by == "approver01"
    assert removal.kind == "ex_officio_removal" and removal.after == [] and removal.warnings == []
    assert removal.payload == {"purged_on": far.isoformat()}
    assert "試験" not in json.dumps(removal.payload, ensure_ascii=False)
    move.refresh_from_db()  # touched the head too, who is kept: only the child's entries go
    assert [e["person_id"] for e in move.after] == [head.person_id] and move.payload["persons"]
    assert not OutboxEvent.objects.filter(person_id=child.person_id).exists()
    assert OutboxEvent.objects.filter(person_id=head.person_id).exists()
    assert ResidentRecord.objects.filter(person_id=head.person_id).count() == 2
    assert Household.objects.filter(pk=head.household_id).exists()  # the head's versions still use it


# --- the command ---------------------------------------------------------------------------

def run(*args: str) -> tuple[int, str]:
    out = io.StringIO()
    try:
        call_command("retention", *args, stdout=out, stderr=io.StringIO())
    except CommandError as exc:
        return exc.returncode, str(exc)
    return 0, out.getvalue()


def test_the_command_purges_and_reports_counts(city):
    rec = removed_person(city, years_ago(151))
    code, out = run("run")
    assert code == 0 and "消去しました" in out and "persons 1" in out
    assert not Person.objects.filter(pk=rec.person_id).exists()
    assert AuditEvent.objects.filter(event_type=EventType.RETENTION_PURGED, terminal_id="cli").count() == 1


def test_the_command_dry_run_changes_nothing_and_says_so(city):
    rec = removed_person(city, years_ago(151))
    code, out = run("run", "--dry-run")
    assert code == 0 and "試行・変更なし" in out and "DRY RUN" in out and "persons 1" in out
    assert Person.objects.filter(pk=rec.person_id).exists()
    assert not AuditEvent.objects.filter(event_type=EventType.RETENTION_PURGED).exists()
    assert AuditEvent.objects.filter(event_type=EventType.CLI_COMMAND, action="retention-dry-run").exists()


def test_the_command_takes_a_past_reference_date_but_never_a_future_one(city):
    """Purging before the 150 years are over would break 施行令34条."""
    rec = removed_person(city, years_ago(151))
    code, _ = run("run", "--today", (rec.retention_until - dt.timedelta(days=1)).isoformat())
    assert code == 0 and Person.objects.filter(pk=rec.person_id).exists()
    code, message = run("run", "--today", (clock.today() + dt.timedelta(days=1)).isoformat())
    assert code == 2 and "未来" in message
    assert Person.objects.filter(pk=rec.person_id).exists()


def test_juki_help_lists_the_retention_and_outbox_commands():
    text = cli.usage()
    assert "retention" in text and "outbox" in text


def test_change_rows_are_not_deleted(city, clerk, approver):
    (head,) = add_household(city, [{}])
    apply(clerk, approver, "ex_officio_removal", {"persons": [head.person_id], "grounds": "other", "reason": "試験"})
    count = Change.objects.count()
    do_purge_expired_records(today=entry_rules.add_years(clock.today(), 151), actor=Actor.system("tests"))
    assert Change.objects.count() == count and not Person.objects.filter(pk=head.person_id).exists()
