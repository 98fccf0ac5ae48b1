"""Unusual-access rules (要確認アクセスの判定): each a plain function returning flags.

Every rule takes the :class:`RuleContext` (what the rules share: the period, changes, names,
peer volumes, settings) and one staff member's :class:`~juki.review.report.StaffReview`,
and returns :class:`~juki.review.report.Flag` objects. The rules flag for a human to look
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
import unicodedata
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from juki.audit.events import EventType, Outcome
from juki.certificates.models import CertificateRequest
from juki.core.digits import is_ascii_digits
from juki.protection.checks import in_force_periods
from juki.register import queries
from juki.register.models import Change, RecordStatus
from juki.register.names import kanji_search_key
from juki.security.models import RoleGrant, Staff
from juki.security.roles import ROLE_LABELS, Function, Role, functions_for

if TYPE_CHECKING:
    from .report import Flag, Review, StaffReview

RULE_NO_CHANGE_VIEW = "no_change_view"
RULE_OFF_HOURS = "off_hours"
RULE_PEER_VOLUME = "peer_volume"
RULE_SAME_SURNAME = "same_surname"
RULE_PROTECTED = "protected_record"
RULE_REPEATED_DENIALS = "repeated_denials"
RULE_OWN_RECORD = "own_record"
RULE_SAME_ADDRESS = "same_address"

RULE_LABELS: dict[str, str] = {
    RULE_NO_CHANGE_VIEW: "異動・請求のない住民の照会",
    RULE_OFF_HOURS: "執務時間外のアクセス",
    RULE_PEER_VOLUME: "同じ役割の職員と比べて多い件数",
    RULE_SAME_SURNAME: "職員と同じ氏の住民の照会",
    RULE_PROTECTED: "支援措置対象者の記録へのアクセス",
    RULE_REPEATED_DENIALS: "拒否の繰り返し",
    RULE_OWN_RECORD: "職員本人の住民記録へのアクセス",
    RULE_SAME_ADDRESS: "職員と同一住所の住民記録へのアクセス",
}

_SPACES = re.compile(r"[\s\u3000]+")


def rule_label(rule: str) -> str:
    return RULE_LABELS.get(rule, rule)


def _person_no(value: object) -> int | None:
    text = str(value).strip()
    return int(text) if is_ascii_digits(text) else None


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
    #: addressee number -> (first day, last day) periods in which a protection measure (支援措置)
    #: was in force, for measures overlapping the review period.
    protected_periods: dict[int, list[tuple[dt.date, dt.date]]] = field(default_factory=dict)
    #: staff ID -> their own addressee number (自身の宛名番号), for staff linked to the register.
    own_numbers: dict[str, int] = field(default_factory=dict)
    #: addressee number -> its versions as :class:`_Dwelling` rows, sorted by (valid_from, version),
    #: for linked staff and every person who ever shared a household or a town block with them.
    dwellings: dict[int, list[_Dwelling]] = field(default_factory=dict)

    @classmethod
    def for_review(cls, review: Review) -> RuleContext:
        ctx = cls(review)
        ctx._load_changes()
        ctx._load_names()
        ctx._load_peers()
        ctx._load_own_records()
        ctx._load_protected()
        return ctx

    def _load_protected(self) -> None:
        self.protected_periods = in_force_periods(self.review.period_start, self.review.period_end)

    def protected_on(self, person: int, day: dt.date) -> bool:
        return any(start <= day <= end for start, end in self.protected_periods.get(person, ()))

    def _load_changes(self) -> None:
        # report imports this module to run the rules: a real cycle, so this import waits.
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
        # A certificate request (交付請求) ties the views of the persons it is about, and of the
        requests = CertificateRequest.objects.filter(received_at__gte=start, received_at__lt=end)
        for persons, requester, received_at in requests.values_list("person_ids", "requester_person_id",
                                                                    "received_at"):
            day = timezone.localtime(received_at).date()
            for p in [*(persons or []), requester]:
                no = _person_no(p) if p is not None else None
                if no is not None:
                    self.change_days.add((no, day))

    def _load_names(self) -> None:
        viewed: set[int] = set()
        for line in self.review.staff:
            for a in line.activities:
                if a.ok and a.event_type in (EventType.RESIDENT_VIEW, EventType.MY_NUMBER_REVEALED):
                    viewed.update(n for n in map(_person_no, a.targets) if n is not None)
        for pid, family, former in (queries.versions_of(sorted(viewed))
                                    .values_list("person_id", "family_name", "former_surname")):
            names = self.family_names.setdefault(pid, set())
            names.update(kanji_search_key(n) for n in (family, former) if n)

    def _load_peers(self) -> None:
        volumes = {line.staff_id: line.volume for line in self.review.staff}
        grants = (RoleGrant.objects.filter(revoked_at__isnull=True, staff__is_active=True)
                  .values_list("role", "staff__staff_id", "staff__name"))
        for role, staff_id, name in grants:
            self.role_volumes.setdefault(role, {})[staff_id] = volumes.get(staff_id, 0)
            self.staff_names[staff_id] = name


    def _load_own_records(self) -> None:
        """Own addressee numbers of the staff in the report and the dwellings the address rule
        compares: every version of their own records and of every person who was ever in one of
        their households or town blocks (so the report reads a few blocks, not the register)."""
        self.own_numbers = {staff_id: no for staff_id, no in Staff.objects.filter(
            staff_id__in=[line.staff_id for line in self.review.staff], own_addressee_no__isnull=False,
        ).values_list("staff_id", "own_addressee_no") if no is not None}
        if not self.own_numbers:
            return
        own = set(self.own_numbers.values())
        mine = queries.versions_of(sorted(own)).filter(valid_from__lte=self.review.period_end)
        households = set(mine.values_list("household_id", flat=True))
        blocks = set(mine.values_list("town_block_id", flat=True))
        rows = (queries.versions_around(sorted(own), sorted(households), sorted(blocks),
                                        until=self.review.period_end)
                .values_list("person_id", "valid_from", "version", "household_id", "town_block_id", "banchi",
                             "katagaki", "status"))
        for pid, valid_from, version, household, block, banchi, katagaki, status in rows:
            self.dwellings.setdefault(pid, []).append(_Dwelling(
                valid_from, version, household, (block, _fold_address(banchi), _fold_address(katagaki)),
                status == RecordStatus.RESIDENT))
        for versions in self.dwellings.values():
            versions.sort(key=lambda d: (d.valid_from, d.version))

    def dwelling_on(self, person: int, day: dt.date) -> _Dwelling | None:
        """The person's version in force on ``day`` as the register now stands (cf.
        juki.register.history.record_as_of), among the loaded ones."""
        found = None
        for d in self.dwellings.get(person, ()):
            if d.valid_from > day:
                break
            found = d
        return found


@dataclass(frozen=True)
class _Dwelling:
    """Where one version of a record places its person: household and address (住所)."""

    valid_from: dt.date
    version: int
    household: int
    address: tuple[int, str, str]  # (town block, folded 番地, folded 方書)
    resident: bool


def _fold_address(text: str) -> str:
    """番地・方書 compared without width, case or spacing differences (１番２号 = 1番2号)."""
    return _SPACES.sub("", unicodedata.normalize("NFKC", text or "")).casefold()


def _flag(rule: str, line: StaffReview, scope: str, detail: str, *, count: int = 0,
          targets: tuple[str, ...] = ()) -> Flag:
    from .report import Flag  # report and rules import each other (see _load_changes)

    return Flag(rule=rule, staff_id=line.staff_id, scope=scope, title=rule_label(rule), detail=detail,
                count=count, targets=targets)


def flag_no_change_view(ctx: RuleContext, line: StaffReview) -> list[Flag]:
    """(1) 異動・請求のない住民の照会: views of persons with no change that day.

    Source: Akita digest requirement 57 (§5.2, §5.4) "flag suspicious searches (e.g. searches
    not tied to an application) for cross-checking against application documents"; jlis-001b
    risk digest §5 (monthly log vs application-form review); docs/privacy-review.md.

    A view (``RESIDENT_VIEW``, ok) is *tied* when any person it shows has a Change (異動) entered
    or decided that same day — by anyone — or a certificate request (交付請求) about them (or made by
    them) was received that day. One flag per staff member and day, with the addressee numbers
    of the untied persons.
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

    Source: docs/privacy-review.md ("access outside working hours"); Koriyama digest §5.8 (use outside
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

    Source: docs/privacy-review.md ("volumes far above peers"); Hiroshima digest D2.13 (review reports
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
            label = ROLE_LABELS.get(role, role)  # type: ignore[call-overload]  # role is a code string
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

    Source: docs/privacy-review.md ("access to one's own, same-surname or same-address records");
    Koriyama digest §5.8 (use outside duties).

    Limitation: staff accounts are not linked to the register, so one's *own* record and
    *same-address* records cannot be recognised. The rule matches the surname in the staff
    member's registered name (the part before the first space) against the family name — or
    former surname (旧氏) — of each person they viewed or whose My Number they revealed, in any
    version, after folding variant kanji (髙/高). Names without a space are not matched.
    """
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
    """(5) 支援措置対象者の記録へのアクセス: any look at a protected person by non-protection staff.

    Source: docs/privacy-review.md ("access to protected (支援措置) records"); 住民基本台帳事務処理要領
    第5-10 (the records of victims of DV, stalking and child abuse are guarded against misuse).
    Every successful search hit, view, My Number reveal, print or export whose targets include a
    person under a measure in force *that day* (confirmed, within its period, not yet ended —
    :mod:`juki.protection.checks`) is flagged, unless the staff member holds
    ``PROTECTION_MANAGE`` (支援措置担当). Legitimate counter work is flagged too: the reviewer
    checks it against the attempt report (/protection/attempts/). One flag per staff member
    and day, with the addressee numbers.
    """
    if not ctx.protected_periods:
        return []
    roles = {Role(r) for r in line.roles if r in Role._value2member_map_}
    if Function.PROTECTION_MANAGE in functions_for(roles):
        return []
    hits: dict[dt.date, set[int]] = defaultdict(set)
    for a in line.activities:
        if not (a.ok and a.is_access):
            continue
        for p in filter(None, map(_person_no, a.targets)):
            if ctx.protected_on(p, a.day):
                hits[a.day].add(p)
    return [
        _flag(RULE_PROTECTED, line, day.isoformat(),
              f"{day.isoformat()}：支援措置対象者{len(persons)}名の記録にアクセスしました。",
              count=len(persons), targets=tuple(_addressee(p) for p in sorted(persons)))
        for day, persons in sorted(hits.items())
    ]


def flag_repeated_denials(ctx: RuleContext, line: StaffReview) -> list[Flag]:
    """(6) 拒否の繰り返し: ``JUKI_REVIEW_DENIAL_THRESHOLD`` (3) or more denials in one day.

    Source: docs/privacy-review.md ("repeated denials"); Koriyama digest §5.7 (a record is kept also when
    processing was attempted but not permitted). Only authorisation refusals count (outcome
    "denied": a screen or function the role or terminal does not allow, a 支援措置 refusal, an ended
    session). Input mistakes refused by a rule — a bad date, a too-broad search, a number that
    finds nobody — are outcome "invalid" (:func:`juki.audit.events.refusal_outcome`) and do not
    make a clerk who mistypes look like one trying what they may not do.
    """
    threshold = int(getattr(settings, "JUKI_REVIEW_DENIAL_THRESHOLD", 3))
    per_day: dict[dt.date, int] = defaultdict(int)
    for a in line.activities:
        if a.outcome == Outcome.DENIED:
            per_day[a.day] += 1
    return [
        _flag(RULE_REPEATED_DENIALS, line, day.isoformat(), f"{day.isoformat()}：{n}件の操作が拒否されました。", count=n)
        for day, n in sorted(per_day.items()) if n >= threshold
    ]


#: What counts as looking at a record for the own-record and same-address rules: views, search
#: hits, My Number reveals and prints. Bulk exports are approved in advance and left out.
_LOOK_EVENT_TYPES = frozenset({EventType.RESIDENT_VIEW, EventType.RESIDENT_SEARCH, EventType.MY_NUMBER_REVEALED})


def _looked_at(line: StaffReview) -> dict[dt.date, set[int]]:
    looked: dict[dt.date, set[int]] = defaultdict(set)
    for a in line.activities:
        if a.ok and (a.event_type in _LOOK_EVENT_TYPES or a.action == "print"):
            looked[a.day].update(n for n in map(_person_no, a.targets) if n is not None)
    return looked


def flag_own_record(ctx: RuleContext, line: StaffReview) -> list[Flag]:
    """(7) 職員本人の住民記録へのアクセス: a staff member viewing, finding in a search, revealing the
    My Number of, or printing their own record.

    Source: docs/privacy-review.md ("access to one's own ... records"); Koriyama digest §5.8 (use outside
    duties, 事務外利用の禁止). Needs the staff account linked to the register (自身の宛名番号, set
    by administrators: ``juki staff own-record`` or the staff detail screen); unlinked staff
    are not checked. One flag per staff member and day.
    """
    own = ctx.own_numbers.get(line.staff_id)
    if own is None:
        return []
    return [
        _flag(RULE_OWN_RECORD, line, day.isoformat(), f"{day.isoformat()}：職員本人の住民記録にアクセスしました。",
              count=1, targets=(_addressee(own),))
        for day, persons in sorted(_looked_at(line).items()) if own in persons
    ]


def flag_same_address(ctx: RuleContext, line: StaffReview) -> list[Flag]:
    """(8) 職員と同一住所の住民記録へのアクセス: looks at records of the staff member's household or
    address (family, housemates).

    Source: docs/privacy-review.md ("access to ... same-address records"); Koriyama digest §5.8.
    For each day, the staff member's own record *in force that day* gives their household and
    address (town block, 番地 and 方書, compared without width or spacing differences); a looked-at
    person (as for rule 7) is flagged when their version in force that day is in the same
    household or at the same address — removed records (除票) included. No flag when the staff
    member was not a resident that day, or their account is not linked. Different 方書 (another
    flat in the same building) is not the same address. One flag per staff member and day.
    """
    own = ctx.own_numbers.get(line.staff_id)
    if own is None:
        return []
    flags = []
    for day, persons in sorted(_looked_at(line).items()):
        home = ctx.dwelling_on(own, day)
        if home is None or not home.resident:
            continue
        same = set()
        for p in persons - {own}:
            there = ctx.dwelling_on(p, day)
            if there is not None and (there.household == home.household or there.address == home.address):
                same.add(p)
        if same:
            flags.append(_flag(RULE_SAME_ADDRESS, line, day.isoformat(),
                               f"{day.isoformat()}：職員と同一住所・同一世帯の住民{len(same)}名の記録にアクセスしました。",
                               count=len(same), targets=tuple(_addressee(p) for p in sorted(same))))
    return flags


RULES: list[Callable[[RuleContext, StaffReview], list[Flag]]] = [
    flag_no_change_view,
    flag_off_hours,
    flag_peer_volume,
    flag_same_surname,
    flag_protected_records,
    flag_repeated_denials,
    flag_own_record,
    flag_same_address,
]
