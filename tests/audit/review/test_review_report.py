"""The access review report flags each seeded anomaly and no normal activity (docs/privacy-review.md,
"In a test scenario seeded with anomalies, the review report flags each of them
and no normal activity"). Sources per rule are in juki.review.rules and
docs/privacy-review.md."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from juki.audit.events import Outcome
from juki.audit.models import AuditEvent
from juki.audit.verify import verify
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.register.access import access_resident
from juki.register.search import SearchCriteria, search_residents
from juki.review.report import build_review
from juki.review.rules import (
    RULE_NO_CHANGE_VIEW,
    RULE_OFF_HOURS,
    RULE_PEER_VOLUME,
    RULE_REPEATED_DENIALS,
    RULE_SAME_SURNAME,
    flag_protected_records,
    is_working_time,
    staff_surname,
)
from juki.security.roles import Role

from .conftest import DAY, JST, MONTH, Scenario


def _rules(review: Any, staff_id: str) -> list[str]:
    line = next((s for s in review.staff if s.staff_id == staff_id), None)
    assert line is not None, f"{staff_id} missing from the report"
    return sorted(f.rule for f in line.flags)


def test_each_anomaly_is_flagged_and_nothing_else(scenario: Scenario) -> None:
    review = build_review(*MONTH)
    assert _rules(review, "normal01") == []
    assert _rules(review, "night01") == [RULE_OFF_HOURS]
    assert _rules(review, "heavy01") == [RULE_PEER_VOLUME]
    assert _rules(review, "surname01") == [RULE_SAME_SURNAME]
    assert _rules(review, "nochange01") == [RULE_NO_CHANGE_VIEW]
    assert _rules(review, "denied01") == [RULE_REPEATED_DENIALS]
    assert len(review.flags) == 5


def test_input_mistakes_are_not_denials_and_raise_no_flag(scenario: Scenario, make_staff: Any, at: Any) -> None:
    """A clerk who mistypes is not one who tries what they may not: a bad date, a too-broad search
    and a number that finds nobody are recorded as 入力誤り (outcome "invalid"), not 拒否, and do
    not raise 「拒否の繰り返し」 (Koriyama digest §5.7 keeps the attempt; docs/privacy-review.md)."""
    typo = Actor(make_staff("typo01", Role.CLERK, name="誤入 七郎"), "T-COUNTER-01", "192.0.2.10")
    attempts = [
        lambda: search_residents(typo, SearchCriteria(name="シケン", birth="昭和55年13月40日")),  # no such date
        lambda: search_residents(typo, SearchCriteria(name="シケン", sex=1)),  # SEARCH_TOO_BROAD
        lambda: access_resident(typo, 9999999999),  # RESIDENT_NOT_FOUND
        lambda: search_residents(typo, SearchCriteria(town_block="99999")),  # too broad again
    ]
    for minute, attempt in enumerate(attempts):
        with at(13, minute), pytest.raises(JukiError):
            attempt()
    events = AuditEvent.objects.filter(staff_id="typo01")
    assert events.count() == 4 and {e.outcome for e in events} == {Outcome.INVALID}
    review = build_review(*MONTH)
    line = next(s for s in review.staff if s.staff_id == "typo01")
    assert line.denials == 0 and _rules(review, "typo01") == []
    assert _rules(review, "denied01") == [RULE_REPEATED_DENIALS]  # refusals of authority still do
    assert verify().ok  # the new outcome is hashed like any other


def test_counts_per_staff_member_with_search_key_types(scenario: Scenario) -> None:
    """Hiroshima digest D2.13: the report lists each search key type and count per user per period."""
    review = build_review(*MONTH)
    normal = next(s for s in review.staff if s.staff_id == "normal01")
    assert (normal.searches, normal.views, normal.prints, normal.exports, normal.reveals, normal.denials) == (2, 1, 0, 0, 0, 0)
    assert dict(normal.search_keys) == {"name": 2, "birth": 2}
    heavy = next(s for s in review.staff if s.staff_id == "heavy01")
    assert heavy.searches == 40 and heavy.volume == 40
    denied = next(s for s in review.staff if s.staff_id == "denied01")
    assert denied.denials == 3 and denied.volume == 0


def test_flags_carry_addressee_numbers_and_day(scenario: Scenario) -> None:
    review = build_review(*MONTH)
    (no_change,) = [f for f in review.flags if f.rule == RULE_NO_CHANGE_VIEW]
    assert no_change.scope == DAY.isoformat()
    assert no_change.targets == (f"{scenario.yamada[0].person_id:010d}",)
    (surname,) = [f for f in review.flags if f.rule == RULE_SAME_SURNAME]
    assert surname.targets == (f"{scenario.shiken[0].person_id:010d}",)
    (night,) = [f for f in review.flags if f.rule == RULE_OFF_HOURS]
    assert "22:30" in night.detail
    (peer,) = [f for f in review.flags if f.rule == RULE_PEER_VOLUME]
    assert peer.scope == "2026-10-01..2026-10-31"


def test_other_periods_see_nothing(scenario: Scenario) -> None:
    review = build_review(dt.date(2026, 9, 1), dt.date(2026, 9, 30))
    assert review.staff == [] and review.flags == []


def test_view_without_a_change_that_day_is_flagged_on_the_next_day(scenario: Scenario, at: Any) -> None:
    """Akita digest req. 57: a view is tied to an application only on the day of the change."""
    from juki.register.access import access_resident

    with at(10, 0, day=DAY + dt.timedelta(days=1)):
        access_resident(scenario.actor("normal01"), scenario.shiken[0].person_id)
    review = build_review(*MONTH)
    assert _rules(review, "normal01") == [RULE_NO_CHANGE_VIEW]


def test_view_on_the_day_of_a_certificate_request_for_the_person_is_not_flagged(scenario: Scenario, at: Any) -> None:
    """Akita digest req. 57: a certificate request (交付請求) received that day ties the view too."""
    from juki.certificates.models import CertificateRequest
    from juki.register.access import access_resident

    day = DAY + dt.timedelta(days=1)
    person = scenario.shiken[0].person_id
    CertificateRequest.objects.create(
        received_by="normal01", received_at=dt.datetime(day.year, day.month, day.day, 9, 30, tzinfo=JST),
        requester_type="self", requester_name="試験 太郎", requester_person_id=person,
        identity_document="my_number_card", document_type="copy_personal", person_ids=[person])
    with at(10, 0, day=day):
        access_resident(scenario.actor("normal01"), person)
    review = build_review(*MONTH)
    assert RULE_NO_CHANGE_VIEW not in _rules(review, "normal01")


@pytest.mark.parametrize(("when", "working"), [
    (dt.datetime(2026, 10, 5, 8, 0), True),     # Monday, opening
    (dt.datetime(2026, 10, 5, 18, 59), True),
    (dt.datetime(2026, 10, 5, 19, 0), False),   # end is exclusive
    (dt.datetime(2026, 10, 5, 7, 59), False),
    (dt.datetime(2026, 10, 3, 10, 0), False),   # Saturday
    (dt.datetime(2026, 10, 4, 10, 0), False),   # Sunday
])
def test_working_hours_default_weekdays_8_to_19(when: dt.datetime, working: bool) -> None:
    assert is_working_time(when.replace(tzinfo=JST)) is working


def test_working_hours_and_closed_days_are_configurable(settings: Any) -> None:
    settings.JUKI_WORKING_HOURS = ("09:00", "17:00")
    settings.JUKI_REVIEW_CLOSED_DAYS = ["2026-10-12"]  # スポーツの日
    assert not is_working_time(dt.datetime(2026, 10, 5, 8, 30, tzinfo=JST))
    assert is_working_time(dt.datetime(2026, 10, 5, 16, 59, tzinfo=JST))
    assert not is_working_time(dt.datetime(2026, 10, 12, 10, 0, tzinfo=JST))


def test_staff_surname_is_the_part_before_the_space() -> None:
    assert staff_surname("試験 四郎") == "試験"
    assert staff_surname("髙橋\u3000太郎") == "髙橋"
    assert staff_surname("ひとこと") == ""  # no space: not matched (documented limitation)


def test_same_surname_matches_variant_kanji(scenario: Scenario, make_staff: Any, at: Any) -> None:
    """髙 and 高 fold together (juki.register.names.kanji_search_key), so 髙橋 viewing 高橋 is flagged."""
    from tests.register.factories import City, add_household

    from juki.core.actor import Actor
    from juki.register.access import access_resident
    from juki.register.models import TownBlock
    from juki.security.roles import Role

    municipality = scenario.shiken[0].town_block.municipality
    city = City(municipality, list(TownBlock.objects.filter(municipality=municipality).order_by("code")))
    records = add_household(city, [{"family_name": "高橋", "family_name_kana": "タカハシ"}], block=1)
    staff = make_staff("takahashi01", Role.CLERK, name="髙橋 一")
    with at(10, 0):
        access_resident(Actor(staff, "T-COUNTER-01"), records[0].person_id)
    review = build_review(*MONTH)
    assert _rules(review, "takahashi01") == [RULE_NO_CHANGE_VIEW, RULE_SAME_SURNAME]


def test_no_protected_record_flag_when_no_protection_measure_is_in_force(scenario: Scenario) -> None:
    """The seeded month has no 支援措置, so the rule raises nothing (flags are in tests/protection)."""
    from juki.review.rules import RuleContext

    review = build_review(*MONTH)
    ctx = RuleContext.for_review(review)
    assert all(flag_protected_records(ctx, line) == [] for line in review.staff)


def test_peer_volume_needs_enough_peers(scenario: Scenario, settings: Any) -> None:
    """With fewer peers than JUKI_REVIEW_PEER_MIN there is no median worth comparing with."""
    settings.JUKI_REVIEW_PEER_MIN = 10
    review = build_review(*MONTH)
    assert RULE_PEER_VOLUME not in {f.rule for f in review.flags}


def test_prints_and_exports_are_counted_by_action(db: None, at: Any) -> None:
    """docs/privacy-review.md: prints and exports per staff member; certificate issue and bulk output
    write actions "print" / "export" (or EXPORT_PRODUCED)."""
    from juki.audit.events import EventType
    from juki.audit.log import record

    with at(10, 0):
        record(EventType.API_CALL, action="print", function="certificate.issue", staff_id="printer01",
               targets=["1"])
        record(EventType.API_CALL, action="export", function="export.request", staff_id="printer01")
        record(EventType.API_CALL, action="export", function="export.request", staff_id="printer01",
               outcome="denied")
    line = next(s for s in build_review(*MONTH).staff if s.staff_id == "printer01")
    assert (line.prints, line.exports, line.denials) == (1, 1, 1)
