"""Unusual-access rules (要確認アクセスの判定): each a plain function returning flags.

Every rule takes the :class:`RuleContext` (what the rules share: the period, changes, names,
peer volumes, settings) and one staff member's :class:`~juki.audit.review.report.StaffReview`,
and returns :class:`~juki.audit.review.report.Flag` objects. The rules flag for a human to look
at; a flag is not a finding. See docs/privacy-review.md for each rule, its source and its limits.

Settings (all optional):

- ``JUKI_WORKING_HOURS`` — ``("08:00", "19:00")``: working hours, local time, end exclusive.
- ``JUKI_REVIEW_CLOSED_DAYS`` — ISO dates on which the office is closed (national holidays,
  年末年始). juki does not ship a holiday calendar (no extra dependency); list them here.
- ``JUKI_REVIEW_PEER_FACTOR`` (3), ``JUKI_REVIEW_PEER_MIN`` (3), ``JUKI_REVIEW_VOLUME_MIN`` (10).
- ``JUKI_REVIEW_DENIAL_THRESHOLD`` (3): denials in one day that raise a flag.
"""

from __future__ import annotations

import datetime as dt
import re
import statistics
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q

from juki.audit.events import EventType

if TYPE_CHECKING:
    from .report import Flag, Review, StaffReview

RULE_NO_CHANGE_VIEW = "no_change_view"
RULE_OFF_HOURS = "off_hours"
RULE_PEER_VOLUME = "peer_volume"
RULE_SAME_SURNAME = "same_surname"
RULE_PROTECTED = "protected_record"
RULE_REPEATED_DENIALS = "repeated_denials"

RULE_LABELS: dict[str, str] = {
    RULE_NO_CHANGE_VIEW: "異動・請求のない住民の照会",
    RULE_OFF_HOURS: "執務時間外のアクセス",
    RULE_PEER_VOLUME: "同じ役割の職員と比べて多い件数",
    RULE_SAME_SURNAME: "職員と同じ氏の住民の照会",
    RULE_PROTECTED: "支援措置対象者の記録へのアクセス",
    RULE_REPEATED_DENIALS: "拒否の繰り返し",
}

_SPACES = re.compile(r"[\s\u3000]+")


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule)


def _person_no(value: object) -> int | None:
    text = str(value).strip()
    return int(text) if text.isascii() and text.isdigit() else None


def _addressee(no: int) -> str:
    return f"{no:010d}"


def _parse_hhmm(text: str) -> dt.time:
    hh, mm = str(text).split(":")
    return dt.time(int(hh), int(mm))


@dataclass
class RuleContext:
    """What the rules share for one report."""

    review: Review
    #: (addressee number, local day) pairs with a change entered or decided that day.
    change_days: set[tuple[int, dt.date]] = field(default_factory=set)
    #: addressee number -> folded family names in any version (current or past).
    family_names: dict[int, set[str]] = field(default_factory=dict)
    #: role -> {staff ID: volume} for every active staff member holding the role.
    role_volumes: dict[str, dict[str, int]] = field(default_factory=dict)
    #: staff ID -> the staff member's registered name.
    staff_names: dict[str, str] = field(default_factory=dict)

    @classmethod
    def for_review(cls, review: Review) -> RuleContext:
        ctx = cls(review)
        ctx._load_changes()
        ctx._load_names()
        ctx._load_peers()
        return ctx

    def _load_changes(self) -> None:
        from django.utils import timezone

        from juki.register.models import Change

        from .report import local_day_start

        start = local_day_start(self.review.period_start)
        end = local_day_start(self.review.period_end + dt.timedelta(days=1))
        rows = Change.objects.filter(Q(entered_at__gte=start, entered_at__lt=end) |
                                     Q(decided_at__gte=start, decided_at__lt=end))
        for persons, entered_at, decided_at in rows.values_list("persons", "entered_at", "decided_at"):
            days = {timezone.localtime(t).date() for t in (entered_at, decided_at) if t is not None}
            for p in persons or []:
                no = _person_no(p)
                if no is not None:
                    self.change_days.update((no, d) for d in days)

    def _load_names(self) -> None:
        from juki.register.models import ResidentRecord
        from juki.register.names import kanji_search_key

        viewed: set[int] = set()
        for line in self.review.staff:
            for a in line.activities:
                if a.ok and a.event_type in (EventType.RESIDENT_VIEW, EventType.MY_NUMBER_REVEALED):
                    viewed.update(n for n in map(_person_no, a.targets) if n is not None)
        for pid, family, former in (ResidentRecord.objects.filter(person_id__in=sorted(viewed))
                                    .values_list("person_id", "family_name", "former_surname")):
            names = self.family_names.setdefault(pid, set())
            names.update(kanji_search_key(n) for n in (family, former) if n)

    def _load_peers(self) -> None:
        from juki.security.models import RoleGrant

        volumes = {line.staff_id: line.volume for line in self.review.staff}
        grants = (RoleGrant.objects.filter(revoked_at__isnull=True, staff__is_active=True)
                  .values_list("role", "staff__staff_id", "staff__name"))
        for role, staff_id, name in grants:
            self.role_volumes.setdefault(role, {})[staff_id] = volumes.get(staff_id, 0)
            self.staff_names[staff_id] = name


def _flag(rule: str, line: StaffReview, scope: str, detail: str, *, count: int = 0,
          targets: tuple[str, ...] = ()) -> Flag:
    from .report import Flag

    return Flag(rule=rule, staff_id=line.staff_id, scope=scope, title=rule_label(rule), detail=detail,
                count=count, targets=targets)


def flag_no_change_view(ctx: RuleContext, line: StaffReview) -> list[Flag]:
    """(1) 異動・請求のない住民の照会: views of persons with no change that day.

    Source: Akita digest requirement 57 (§5.2, §5.4) "flag suspicious searches (e.g. searches
    not tied to an application) for cross-checking against application documents"; jlis-001b
    risk digest §5 (monthly log vs application-form review); issue #5 §3.

    A view (``RESIDENT_VIEW``, ok) is *tied* when any person it shows has a Change (異動) entered
    or decided that same day — by anyone. Certificate requests do not exist yet, so "request"
    means a Change touching the person; once certificates are issued through juki, their
    requests should tie views too. One flag per staff member and day, with the addressee
    numbers of the untied persons.
    """
    untied: dict[dt.date, set[int]] = defaultdict(set)
    for a in line.activities:
        if not (a.ok and a.event_type == EventType.RESIDENT_VIEW):
            continue
        persons = [n for n in map(_person_no, a.targets) if n is not None]
        if persons and not any((p, a.day) in ctx.change_days for p in persons):
            untied[a.day].update(persons)
    return [
        _flag(RULE_NO_CHANGE_VIEW, line, day.isoformat(),
              f"{day.isoformat()}：その日に異動のない住民{len(persons)}名を照会しました。",
              count=len(persons), targets=tuple(_addressee(p) for p in sorted(persons)))
        for day, persons in sorted(untied.items())
    ]


def working_hours() -> tuple[dt.time, dt.time]:
    start, end = getattr(settings, "JUKI_WORKING_HOURS", ("08:00", "19:00"))
    return _parse_hhmm(start), _parse_hhmm(end)


def is_working_time(at: dt.datetime) -> bool:
    """Whether a local time falls in working hours on a working day (Mon–Fri, not a closed day)."""
    start, end = working_hours()
    closed = {str(d) for d in getattr(settings, "JUKI_REVIEW_CLOSED_DAYS", [])}
    if at.weekday() >= 5 or at.date().isoformat() in closed:
        return False
    return start <= at.time() < end


def flag_off_hours(ctx: RuleContext, line: StaffReview) -> list[Flag]:
    """(2) 執務時間外のアクセス: resident access outside working hours.

    Source: issue #5 §3 ("access outside working hours"); Koriyama digest §5.8 (use outside
    duties, 事務外利用の禁止). Working hours are ``JUKI_WORKING_HOURS`` (default 08:00–19:00
    Asia/Tokyo); Saturdays, Sundays and ``JUKI_REVIEW_CLOSED_DAYS`` count as outside. National
    holidays are not known unless listed in ``JUKI_REVIEW_CLOSED_DAYS`` (no holiday library is
    pinned). Any access attempt counts, refused or not. One flag per staff member and day.
    """
    by_day: dict[dt.date, list[dt.datetime]] = defaultdict(list)
    for a in line.activities:
        if a.is_access and not is_working_time(a.at):
            by_day[a.day].append(a.at)
    return [
        _flag(RULE_OFF_HOURS, line, day.isoformat(),
              f"{day.isoformat()}：執務時間外に{len(times)}件のアクセス"
              f"（{min(times):%H:%M}〜{max(times):%H:%M}）。",
              count=len(times))
        for day, times in sorted(by_day.items())
    ]


def flag_peer_volume(ctx: RuleContext, line: StaffReview) -> list[Flag]:
    """(3) 同じ役割の職員と比べて多い件数: volume far above peers.

    Source: issue #5 §3 ("volumes far above peers"); Hiroshima digest D2.13 (review reports
    per user support interviews about searches without business need).

    For each role the staff member holds, peers are the other active staff with that role.
    With at least ``JUKI_REVIEW_PEER_MIN`` (3) peers, the member is flagged when their volume
    (successful searches, views, prints, exports and reveals in the period) exceeds
    ``JUKI_REVIEW_PEER_FACTOR`` (3) × the peers' median and is at least
    ``JUKI_REVIEW_VOLUME_MIN`` (10). One flag per period, naming the first role that triggers.
    """
    factor = float(getattr(settings, "JUKI_REVIEW_PEER_FACTOR", 3))
    min_peers = int(getattr(settings, "JUKI_REVIEW_PEER_MIN", 3))
    min_volume = int(getattr(settings, "JUKI_REVIEW_VOLUME_MIN", 10))
    if line.volume < min_volume:
        return []
    for role in line.roles:
        peers = [v for sid, v in ctx.role_volumes.get(role, {}).items() if sid != line.staff_id]
        if len(peers) < min_peers:
            continue
        median = statistics.median(peers)
        if line.volume > factor * median:
            from juki.security.roles import ROLE_LABELS

            label = ROLE_LABELS.get(role, role)  # type: ignore[call-overload]
            return [_flag(RULE_PEER_VOLUME, line, ctx.review.scope,
                          f"期間中のアクセス{line.volume}件：同じ役割（{label}）の職員{len(peers)}名の"
                          f"中央値{median:g}件の{factor:g}倍を超えています。",
                          count=line.volume)]
    return []


def staff_surname(name: str) -> str:
    """The family name part of a staff member's registered name (氏名 "氏 名"), or "" when the
    name has no space separating family and given names."""
    parts = [p for p in _SPACES.split(name.strip()) if p]
    return parts[0] if len(parts) >= 2 else ""


def flag_same_surname(ctx: RuleContext, line: StaffReview) -> list[Flag]:
    """(4) 職員と同じ氏の住民の照会: access to one's own or relatives' records (名字一致).

    Source: issue #5 §3 ("access to one's own, same-surname or same-address records");
    Koriyama digest §5.8 (use outside duties).

    Limitation: staff accounts are not linked to the register, so one's *own* record and
    *same-address* records cannot be recognised. The rule matches the surname in the staff
    member's registered name (the part before the first space) against the family name — or
    former surname (旧氏) — of each person they viewed or whose My Number they revealed, in any
    version, after folding variant kanji (髙/高). Names without a space are not matched.
    """
    from juki.register.names import kanji_search_key

    surname = staff_surname(line.name)
    if not surname:
        return []
    key = kanji_search_key(surname)
    hits: dict[dt.date, set[int]] = defaultdict(set)
    for a in line.activities:
        if not (a.ok and a.event_type in (EventType.RESIDENT_VIEW, EventType.MY_NUMBER_REVEALED)):
            continue
        for p in filter(None, map(_person_no, a.targets)):
            if key in ctx.family_names.get(p, ()):
                hits[a.day].add(p)
    return [
        _flag(RULE_SAME_SURNAME, line, day.isoformat(),
              f"{day.isoformat()}：職員と同じ氏の住民{len(persons)}名を照会しました。",
              count=len(persons), targets=tuple(_addressee(p) for p in sorted(persons)))
        for day, persons in sorted(hits.items())
    ]


def flag_protected_records(ctx: RuleContext, line: StaffReview) -> list[Flag]:
    """(5) 支援措置対象者の記録へのアクセス: a hook, returning nothing for now.

    Source: issue #5 §3 ("access to protected (支援措置) records"). Protection measures
    (DV・ストーカー等支援措置) arrive with issue #4; until the register knows who is protected
    there is nothing to match. When they land, this rule should flag every access by staff
    without ``PROTECTION_MANAGE`` to a person under a measure in force that day.
    """
    return []


def flag_repeated_denials(ctx: RuleContext, line: StaffReview) -> list[Flag]:
    """(6) 拒否の繰り返し: ``JUKI_REVIEW_DENIAL_THRESHOLD`` (3) or more denials in one day.

    Source: issue #5 §3 ("repeated denials"); Koriyama digest §5.7 (a record is kept also when
    processing was attempted but not permitted). Any event with outcome "denied" counts:
    refused screens, refused searches and views, "not found" answers.
    """
    threshold = int(getattr(settings, "JUKI_REVIEW_DENIAL_THRESHOLD", 3))
    per_day: dict[dt.date, int] = defaultdict(int)
    for a in line.activities:
        if a.outcome == "denied":
            per_day[a.day] += 1
    return [
        _flag(RULE_REPEATED_DENIALS, line, day.isoformat(), f"{day.isoformat()}：{n}件の操作が拒否されました。", count=n)
        for day, n in sorted(per_day.items()) if n >= threshold
    ]


RULES: list[Callable[[RuleContext, StaffReview], list[Flag]]] = [
    flag_no_change_view,
    flag_off_hours,
    flag_peer_volume,
    flag_same_surname,
    flag_protected_records,
    flag_repeated_denials,
]
