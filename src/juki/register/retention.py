"""Retention of removed records (除票の保存期間と消去).

A removed record (除票) is kept for 150 years from the day of removal (住基法施行令34条;
``retention_until`` is set by :func:`juki.register.entry_rules.retention_until` when the record is
removed). :func:`do_purge_expired_records` deletes the persons whose *current* version is
removed with ``retention_until`` before today — so a record restored (回復) or entered again
is never purged, and residents never are — together with their whole history:

1. their outbox events (``OutboxEvent.person_id``: identity data and sealed My Numbers);
2. the changes that named them (``Change.persons``): a change that touched only purged
   persons keeps its row — kind, reason, state, dates, who entered and confirmed it, from
   which terminal, and the addressee numbers — so the log of who did what stays whole, but
   its ``payload``, ``before``, ``after``, ``warnings`` and ``decision_comment`` (the items
   entered, names, addresses, free text) are emptied; a change that also touched persons
   still kept loses only the purged persons' before/after entries, because its items explain
   the kept persons' records;
3. every version of their record (``ResidentRecord``), then the ``Person`` row unless
   something else still references it (``PROTECT`` foreign keys from other apps: the person
   is then kept, with no record, and counted);
4. households left without any record version.

Nothing goes back: the number sequences (``NumberSequence``) are not touched, so a purged
addressee or household number is never handed out again, and the issued-number memory
(``IssuedNumber``, keyed hashes only) keeps resident codes and My Numbers from being issued
again. Audit events are not touched (they hold addressee numbers only and have their own
retention). One audit event (``RETENTION_PURGED``) records the run with counts only.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Iterator
from dataclasses import asdict, dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import ProtectedError, Q, RestrictedError

from juki.audit.events import EventType
from juki.audit.log import record
from juki.core.actor import Actor

from .models import Change, Household, OutboxEvent, Person, RecordStatus, ResidentRecord

CHUNK = 500
FUNCTION = "cli.retention"


@dataclass
class RetentionResult:
    """What a run purged (or, in a dry run, would purge). Counts only: no personal data."""

    today: dt.date
    dry_run: bool
    persons: int = 0  # persons whose records are purged
    versions: int = 0  # record versions deleted
    households: int = 0  # households deleted (no version left)
    changes_scrubbed: int = 0  # changes that touched only purged persons: items emptied
    changes_trimmed: int = 0  # changes that touched kept persons too: purged persons' entries removed
    outbox_events: int = 0  # outbox events deleted
    persons_kept: int = 0  # Person rows kept because something else references them

    def as_detail(self) -> dict[str, Any]:
        data = asdict(self)
        data["today"] = self.today.isoformat()
        return data


def _chunks(values: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(values), size):
        yield values[i:i + size]


def expired_persons(today: dt.date, *, lock: bool = False) -> list[int]:
    """Addressee numbers of removed records whose retention ended before ``today``."""
    qs = ResidentRecord.objects.filter(is_current=True, status=RecordStatus.REMOVED, retention_until__lt=today)
    if lock:
        qs = qs.select_for_update()
    return sorted(qs.values_list("person_id", flat=True))


def changes_naming(persons: set[int]) -> list[Change]:
    """Changes whose ``persons`` name any of ``persons``.

    PostgreSQL tests JSON containment in the database; SQLite (no JSON ``contains`` lookup in
    Django) scans the column in chunks — the retention job runs rarely and only when
    something has expired.
    """
    if not persons:
        return []
    found: dict[int, Change] = {}
    if connection.vendor == "postgresql":
        ordered = sorted(persons)
        for part in _chunks(ordered, 100):
            cond = Q()
            for pid in part:
                cond |= Q(persons__contains=[pid])
            for change in Change.objects.filter(cond):
                found[change.pk] = change
    else:
        ids = [pk for pk, named in Change.objects.values_list("pk", "persons").iterator(chunk_size=2000)
               if any(int(p) in persons for p in named or [])]
        for part in _chunks(ids):
            for change in Change.objects.filter(pk__in=part):
                found[change.pk] = change
    return [found[k] for k in sorted(found)]


def _delete_each(model: Any, keys: Iterable[int]) -> tuple[int, int]:
    """Delete rows by primary key; rows still referenced (PROTECT/RESTRICT) are kept.

    Returns (deleted, kept). Tries a whole chunk first, one by one only if that is refused.
    """
    deleted = kept = 0
    for part in _chunks(list(keys)):
        try:
            with transaction.atomic():
                deleted += model.objects.filter(pk__in=part).delete()[1].get(model._meta.label, 0)
            continue
        except (ProtectedError, RestrictedError):
            pass
        for pk in part:
            try:
                with transaction.atomic():
                    deleted += model.objects.filter(pk=pk).delete()[1].get(model._meta.label, 0)
            except (ProtectedError, RestrictedError):
                kept += 1
    return deleted, kept


def _scrub(change: Change, purged: set[int], today: dt.date) -> bool:
    """Empty a change's personal data; True if it touched only purged persons."""
    named = {int(p) for p in change.persons or []}
    if named <= purged:
        change.payload = {"purged_on": today.isoformat()}
        change.before = []
        change.after = []
        change.warnings = []
        change.decision_comment = ""
        change.save(update_fields=["payload", "before", "after", "warnings", "decision_comment"])
        return True
    change.before = [e for e in change.before or [] if not (isinstance(e, dict) and e.get("person_id") in purged)]
    change.after = [e for e in change.after or [] if not (isinstance(e, dict) and e.get("person_id") in purged)]
    change.save(update_fields=["before", "after"])
    return False


def do_purge_expired_records(*, today: dt.date, dry_run: bool = False, actor: Actor) -> RetentionResult:
    """消去: purge removed records whose 150-year retention ended before ``today``.

    One transaction: everything is purged and the run audited, or nothing is. A dry run
    counts what would be purged and changes nothing.
    """
    result = RetentionResult(today=today, dry_run=dry_run)
    with transaction.atomic():
        pids = expired_persons(today, lock=not dry_run)
        purged = set(pids)
        result.persons = len(pids)
        households: set[int] = set()
        for part in _chunks(pids):
            versions = ResidentRecord.objects.filter(person_id__in=part)
            result.versions += versions.count()
            households.update(versions.values_list("household_id", flat=True).distinct())
            events = OutboxEvent.objects.filter(person_id__in=part)
            if dry_run:
                result.outbox_events += events.count()
            else:
                result.outbox_events += events.delete()[0]
        for change in changes_naming(purged):
            only_purged = {int(p) for p in change.persons or []} <= purged
            if not dry_run:
                _scrub(change, purged, today)
            if only_purged:
                result.changes_scrubbed += 1
            else:
                result.changes_trimmed += 1
        left = set(ResidentRecord.objects.filter(household_id__in=list(households))
                   .exclude(person_id__in=pids).values_list("household_id", flat=True).distinct()) if households else set()
        empty = sorted(households - left)
        if dry_run:
            result.households = len(empty)
        else:
            for part in _chunks(pids):
                ResidentRecord.objects.filter(person_id__in=part).delete()
            _, result.persons_kept = _delete_each(Person, pids)
            result.households, _ = _delete_each(Household, empty)
            record(EventType.RETENTION_PURGED, action="purge", function=FUNCTION, terminal_id="cli",
                   detail={**result.as_detail(), **actor.operator_detail()})
    return result
