"""Operational lists (業務リスト): counts on screen, persons only through the bulk-output approval.

Each list is a rule with its legal source; :func:`counts` gives the numbers the screen shows, and
the person-level rows leave the system only as an export kind (:mod:`juki.stats.export_kinds`)
under the prior approval of the 管理責任者 (docs/privacy-exports.md, Hiroshima digest D2.14).

- 届出期間経過（14日）: confirmed changes whose notification came more than 14 days after the
  異動日 — 転入 (住基法22条), 転居 (23条), 転出 (24条), 世帯変更 (25条), 外国人住民の届出
  (30条の46・47). The flag is set by the change handlers' rule (``check_dates``: 届出日 − 異動日
  > 14日) and kept on the change (``late_notification``); 住基法52条2項 (過料) makes these the
  cases the office reports to the summary court.
- 在留期間満了が近い外国人住民: current resident records of foreign residents whose 在留期間の
  満了の日 (住基法30条の45) falls within the next N days (today included). Records already past
  their date are counted apart: the 出入国在留管理庁 notice (住基法30条の50) is awaited.
- 転入通知未着の転出: persons removed by 転出 (住基法24条) whose 転出予定日 is more than 30 days
  past and for whom no 転入通知 (住基法9条1項) confirmed the move (転出確定 not recorded) — the
  cases to investigate (転出予定日から30日を経過しても転入届がない者).
- 確認待ちの異動: provisional changes (仮更新) not yet confirmed or rejected (DESIGN §5 四つの目).
- 証明書の交付件数: certificates issued per day and document type (交付簿,
  :class:`juki.certificates.models.Certificate`); voided ones are counted apart.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from typing import Any

from django.db.models import Count, Q, QuerySet

from juki.certificates.models import Certificate, CertificateStatus, DocumentType
from juki.core import clock
from juki.register import queries
from juki.register.models import (
    Change,
    ChangeState,
    RecordStatus,
    RemovalReason,
    ResidentKind,
    ResidentRecord,
)

from .population import aggregate_transaction

NOTIFICATION_DAYS = 14
MOVE_IN_NOTICE_WAIT_DAYS = 30
DEFAULT_STAY_DAYS = 90


def late_notifications(start: dt.date, end: dt.date) -> QuerySet[Change]:
    """Confirmed changes with 異動日 in [start, end] notified after the 14-day period."""
    return Change.objects.filter(state=ChangeState.CONFIRMED, late_notification=True,
                                 effective_on__gte=start, effective_on__lte=end)


def stay_expiring(days: int, *, today: dt.date | None = None) -> QuerySet[ResidentRecord]:
    """Current foreign residents whose period of stay ends within ``days`` days (today included)."""
    today = today or clock.today()
    return queries.current_residents().filter(
        resident_kind=ResidentKind.FOREIGN,
        stay_expires_on__gte=today, stay_expires_on__lte=today + dt.timedelta(days=days),
    )


def stay_expired(*, today: dt.date | None = None) -> QuerySet[ResidentRecord]:
    """Current foreign residents whose period of stay has already ended (notice awaited)."""
    today = today or clock.today()
    return queries.current_residents().filter(resident_kind=ResidentKind.FOREIGN, stay_expires_on__lt=today)


def unconfirmed_move_outs(*, today: dt.date | None = None) -> QuerySet[ResidentRecord]:
    """Removed by 転出, 転出予定日 more than 30 days ago, no 転出確定 (転入通知) recorded."""
    today = today or clock.today()
    return queries.current_versions().filter(
        status=RecordStatus.REMOVED, removal_reason=RemovalReason.MOVE_OUT,
        planned_move_out_on__lt=today - dt.timedelta(days=MOVE_IN_NOTICE_WAIT_DAYS),
        confirmed_move_out_on__isnull=True,
    )


def pending_changes() -> QuerySet[Change]:
    return Change.objects.filter(state=ChangeState.PROVISIONAL)


def certificates_per_day(start: dt.date, end: dt.date) -> list[dict[str, Any]]:
    """[{day, document_type label, issued, voided}] for certificates dated in [start, end]."""
    rows = (Certificate.objects.filter(issued_on__gte=start, issued_on__lte=end)
            .values("issued_on", "document_type")
            .annotate(issued=Count("id"), voided=Count("id", filter=Q(status=CertificateStatus.VOIDED)))
            .order_by("issued_on", "document_type"))
    labels = dict(DocumentType.choices)
    return [{"day": r["issued_on"], "document_type": labels.get(r["document_type"], r["document_type"]),
             "issued": r["issued"], "voided": r["voided"]} for r in rows]


def counts(*, start: dt.date, end: dt.date, days: int, today: dt.date | None = None) -> dict[str, Any]:
    """Everything the lists screen shows: numbers only, no person."""
    with aggregate_transaction():
        return _counts(start=start, end=end, days=days, today=today)


def _counts(*, start: dt.date, end: dt.date, days: int, today: dt.date | None) -> dict[str, Any]:
    today = today or clock.today()
    late_by_kind: dict[str, int] = defaultdict(int)
    for row in late_notifications(start, end).values("kind").annotate(n=Count("id")).order_by("kind"):
        late_by_kind[row["kind"]] = row["n"]
    late_persons = sum(len(c) for c in late_notifications(start, end).values_list("persons", flat=True))
    pending = pending_changes()
    stale_before = clock.now() - dt.timedelta(days=1)
    return {
        "late_changes": sum(late_by_kind.values()),
        "late_persons": late_persons,
        "late_by_kind": dict(late_by_kind),
        "stay_expiring": stay_expiring(days, today=today).count(),
        "stay_expired": stay_expired(today=today).count(),
        "unconfirmed_move_outs": unconfirmed_move_outs(today=today).count(),
        "pending_changes": pending.count(),
        "pending_older_than_a_day": pending.filter(entered_at__lt=stale_before).count(),
        "certificates": certificates_per_day(start, end),
    }
