"""The access review report (アクセス記録の点検報告): who did what to residents in a period.

:func:`build_review` reads the audit log (``AuditEvent``) for a period and returns, per staff
member, the counts the reviewer needs — searches, views, prints, exports, My Number reveals,
denials, and the search key types used — plus the flags raised by the rules in
:mod:`juki.review.rules`. Sources: Hiroshima digest D2.13 ("the report lists each search
key type and count per user per period"); jlis-001b risk digest §5 (monthly log review by a
separate person); Akita digest requirement 57 (flag searches not tied to an application).

Counting (件数): searches are ``RESIDENT_SEARCH`` events, views ``RESIDENT_VIEW``, reveals
``MY_NUMBER_REVEALED`` — each with outcome "ok"; prints and exports are events of any type whose
action is ``"print"`` / ``"export"`` with outcome "ok", and bulk-output production
(``EXPORT_PRODUCED``, when the export module is installed); denials are events of any type with outcome "denied". Events without a staff ID
(system jobs) are not reviewed.

Days are calendar days in the municipality's time zone (Asia/Tokyo); the period is inclusive.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from django.utils import timezone

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent, ReviewMark
from juki.security.models import Staff
from juki.security.roles import ROLE_LABELS, Role

ACCESS_EVENT_TYPES = frozenset({EventType.RESIDENT_SEARCH, EventType.RESIDENT_VIEW, EventType.MY_NUMBER_REVEALED})
OUTPUT_ACTIONS = frozenset({"print", "export"})
#: Event types that are a print or an export whatever their action word (bulk output, docs/privacy-exports.md).
EXPORT_EVENT_TYPES = frozenset(t for t in (getattr(EventType, "EXPORT_PRODUCED", None),) if t is not None)

#: Search criteria keys as logged by juki.register.search, with their Japanese names.
SEARCH_KEY_LABELS: dict[str, str] = {
    "name": "氏名",
    "birth": "生年月日",
    "sex": "性別",
    "town_block": "町丁字",
    "address": "住所",
    "household_no": "世帯番号",
    "resident_code": "住民票コード",
    "my_number": "個人番号",
    "include_removed": "除票を含む",
}


def search_key_label(key: str) -> str:
    return SEARCH_KEY_LABELS.get(key, key)


@dataclass(frozen=True)
class Activity:
    """One audit event as the rules see it (no resident data beyond addressee numbers)."""

    seq: int
    staff_id: str
    at: dt.datetime  # local time (Asia/Tokyo)
    event_type: int
    action: str
    outcome: str
    targets: tuple[str, ...]  # addressee numbers as logged
    criteria_keys: tuple[str, ...]

    @property
    def day(self) -> dt.date:
        return self.at.date()

    @property
    def is_access(self) -> bool:
        """A look at residents (search, view, reveal, print, export), whatever the outcome."""
        return (self.event_type in ACCESS_EVENT_TYPES or self.action in OUTPUT_ACTIONS
                or self.event_type in EXPORT_EVENT_TYPES)

    @property
    def ok(self) -> bool:
        return self.outcome == Outcome.OK


@dataclass
class Flag:
    """One unusual-access flag (要確認事項) for one staff member on one day or the whole period.

    ``key`` identifies the flag across runs (rule, staff, scope), so a reviewer's mark
    (:class:`~juki.audit.models.ReviewMark`) finds its flag again in a later report.
    """

    rule: str
    staff_id: str
    scope: str  # "YYYY-MM-DD" (one day) or "YYYY-MM-DD..YYYY-MM-DD" (the period)
    title: str
    detail: str
    count: int = 0
    targets: tuple[str, ...] = ()  # addressee numbers, at most; never names
    mark: ReviewMark | None = None

    @property
    def key(self) -> str:
        return f"{self.rule}|{self.staff_id}|{self.scope}"

    @property
    def reviewed(self) -> bool:
        return self.mark is not None


@dataclass
class StaffReview:
    """One staff member's line in the report (職員別の集計)."""

    staff_id: str
    name: str = ""
    roles: tuple[str, ...] = ()
    searches: int = 0
    views: int = 0
    prints: int = 0
    exports: int = 0
    reveals: int = 0
    denials: int = 0
    search_keys: Counter[str] = field(default_factory=Counter)
    flags: list[Flag] = field(default_factory=list)
    activities: list[Activity] = field(default_factory=list, repr=False)

    @property
    def volume(self) -> int:
        """Accesses to residents that succeeded (compared with peers by the volume rule)."""
        return self.searches + self.views + self.prints + self.exports + self.reveals

    @property
    def search_key_rows(self) -> list[tuple[str, str, int]]:
        return [(k, search_key_label(k), n) for k, n in sorted(self.search_keys.items())]

    @property
    def search_keys_text(self) -> str:
        """検索条件の種類 as shown on the screen and the PDF: "氏名 2件、生年月日 2件", or "—"."""
        return "、".join(f"{label} {n}件" for _, label, n in self.search_key_rows) or "—"

    @property
    def roles_text(self) -> str:
        """役割 in Japanese, "、"-separated, or "—"; unknown values are shown as stored."""
        labels = []
        for value in self.roles:
            try:
                labels.append(ROLE_LABELS[Role(value)])
            except (KeyError, ValueError):
                labels.append(value)
        return "、".join(labels) or "—"

    @property
    def unreviewed(self) -> int:
        return sum(1 for f in self.flags if not f.reviewed)


@dataclass
class Review:
    """The report for one period (点検期間): staff lines in staff-ID order."""

    period_start: dt.date
    period_end: dt.date
    staff: list[StaffReview]

    @property
    def scope(self) -> str:
        return period_scope(self.period_start, self.period_end)

    @property
    def flags(self) -> list[Flag]:
        return [f for s in self.staff for f in s.flags]

    def flag(self, key: str) -> Flag | None:
        return next((f for f in self.flags if f.key == key), None)


def period_scope(start: dt.date, end: dt.date) -> str:
    return f"{start.isoformat()}..{end.isoformat()}"


def local_day_start(day: dt.date) -> dt.datetime:
    """Midnight of ``day`` in the municipality's time zone."""
    return timezone.make_aware(dt.datetime.combine(day, dt.time.min), timezone.get_default_timezone())


def month_period(year: int, month: int) -> tuple[dt.date, dt.date]:
    """The first and last day of a calendar month."""
    start = dt.date(year, month, 1)
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return start, nxt - dt.timedelta(days=1)


def _activity(event: Any) -> Activity:
    criteria = event.criteria if isinstance(event.criteria, dict) else {}
    return Activity(
        seq=event.seq, staff_id=event.staff_id, at=timezone.localtime(event.occurred_at),
        event_type=event.event_type, action=event.action, outcome=event.outcome,
        targets=tuple(str(t) for t in (event.targets or [])), criteria_keys=tuple(sorted(criteria)),
    )


def _count(line: StaffReview, a: Activity) -> None:
    if a.outcome == Outcome.DENIED:
        line.denials += 1
        return
    if not a.ok:
        return
    if a.event_type == EventType.RESIDENT_SEARCH:
        line.searches += 1
        line.search_keys.update(a.criteria_keys)
    elif a.event_type == EventType.RESIDENT_VIEW:
        line.views += 1
    elif a.event_type == EventType.MY_NUMBER_REVEALED:
        line.reveals += 1
    if a.action == "print":
        line.prints += 1
    elif a.action == "export" or a.event_type in EXPORT_EVENT_TYPES:
        line.exports += 1


def build_review(period_start: dt.date, period_end: dt.date) -> Review:
    """点検報告: counts and flags per staff member for ``period_start``–``period_end`` (inclusive)."""

    from . import rules  # rules builds this module's Flag objects: a real cycle, so it waits

    if period_end < period_start:
        raise ValueError("period_end before period_start")
    events = (AuditEvent.objects
              .filter(occurred_at__gte=local_day_start(period_start),
                      occurred_at__lt=local_day_start(period_end + dt.timedelta(days=1)))
              .exclude(staff_id="")
              .only("seq", "staff_id", "occurred_at", "event_type", "action", "outcome", "targets", "criteria")
              .order_by("seq"))
    lines: dict[str, StaffReview] = {}
    for event in events.iterator(chunk_size=2000):
        a = _activity(event)
        if not (a.is_access or a.outcome == Outcome.DENIED):
            continue
        line = lines.setdefault(a.staff_id, StaffReview(staff_id=a.staff_id))
        line.activities.append(a)
        _count(line, a)

    for staff in Staff.objects.filter(staff_id__in=list(lines)):
        line = lines[staff.staff_id]
        line.name = staff.name
        line.roles = tuple(sorted(r.value for r in staff.roles()))

    review = Review(period_start, period_end, [lines[k] for k in sorted(lines)])
    ctx = rules.RuleContext.for_review(review)
    for line in review.staff:
        for rule in rules.RULES:
            line.flags.extend(rule(ctx, line))
    marks = {m.flag_key: m for m in ReviewMark.objects.filter(flag_key__in=[f.key for f in review.flags])}
    for f in review.flags:
        f.mark = marks.get(f.key)
    return review
