"""Purging provision records (提供記録の消去): the register's outbox events once sent.

Outbox rows are what the register sent to other systems; they are kept at least
``settings.JUKI_PROVISION_RETENTION_YEARS`` (default 7) years from the provision (Hiroshima
digest D2.9), with the cut-off checks of :mod:`juki.audit.retention`. ``juki outbox purge``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction

from juki.audit.events import EventType
from juki.audit.log import record
from juki.audit.retention import BATCH, check_cutoff, cutoff_instant, provision_retention_years
from juki.core.actor import Actor

from .models import OutboxEvent


@dataclass
class ProvisionPurgeResult:
    before: dt.date
    dry_run: bool
    purged: int = 0
    unsent_kept: int = 0
    first_id: int | None = None
    last_id: int | None = None

    def as_detail(self) -> dict[str, Any]:
        out = asdict(self)
        out["before"] = self.before.isoformat()
        out["retention_years"] = provision_retention_years()
        return out


def do_purge_provision_records(
    *, before: dt.date, dry_run: bool = False, actor: Actor, today: dt.date | None = None,
) -> ProvisionPurgeResult:
    """提供記録の消去: delete outbox events *sent* before ``before`` (the retention period runs
    from the provision). Unsent events are never purged here; they are counted. A cut-off
    less than ``JUKI_PROVISION_RETENTION_YEARS`` years ago is refused. Audited with counts
    and the id range only (``PROVISION_RECORDS_PURGED``)."""
    check_cutoff(before, years=provision_retention_years(), what="提供記録", today=today)
    cutoff = cutoff_instant(before)
    result = ProvisionPurgeResult(before=before, dry_run=dry_run)
    with transaction.atomic():
        qs = OutboxEvent.objects.filter(sent_at__isnull=False, sent_at__lt=cutoff)
        ids = list(qs.order_by("id").values_list("id", flat=True))
        result.purged = len(ids)
        result.unsent_kept = OutboxEvent.objects.filter(sent_at__isnull=True, created_at__lt=cutoff).count()
        if ids:
            result.first_id, result.last_id = ids[0], ids[-1]
        if dry_run:
            return result
        for i in range(0, len(ids), BATCH):
            OutboxEvent.objects.filter(pk__in=ids[i:i + BATCH]).delete()
        record(EventType.PROVISION_RECORDS_PURGED, action="purge", function="cli.outbox", terminal_id="cli",
               detail={**actor.operator_detail(), **result.as_detail()})
    return result
