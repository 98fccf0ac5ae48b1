"""Review flags for access to one's own record and to same-address records (docs/privacy-review.md:
"access to one's own, same-surname or same-address records"; Koriyama digest §5.8, use outside
duties). Seeded on top of the month in conftest.py: the anomalies added here are flagged, the
five there keep their flags, and normal activity — including a linked clerk's — raises none.

Added households (旭北栄町 7番7号):
- 住吉 household H1, flat 101号室: 住吉 一 (the staff member self01's own record) and 住吉 二;
- 別居 household H2, also flat 101号室 (same address, another household: 世帯分離);
- 隣室 household H3, flat 102号室 (same building, another flat: not the same address).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from tests.register.factories import City, add_household

from juki.core.actor import Actor
from juki.register.access import access_resident
from juki.register.changes.workflow import do_confirm_change, do_enter_change
from juki.register.models import TownBlock
from juki.review.report import build_review
from juki.review.rules import RULE_NO_CHANGE_VIEW, RULE_OWN_RECORD, RULE_SAME_ADDRESS
from juki.security.actions import do_set_staff_own_record
from juki.security.roles import Role

from .conftest import DAY, MONTH, Scenario, search


def _rules(review: Any, staff_id: str) -> list[str]:
    line = next(s for s in review.staff if s.staff_id == staff_id)
    return sorted(f.rule for f in line.flags)


def _flag(review: Any, rule: str, staff_id: str, day: dt.date = DAY) -> Any:
    (flag,) = [f for f in review.flags if f.rule == rule and f.staff_id == staff_id and f.scope == day.isoformat()]
    return flag


def _no(record: Any) -> str:
    return f"{record.person_id:010d}"


@pytest.fixture
def homes(scenario: Scenario, make_staff: Any) -> dict[str, Any]:
    municipality = scenario.shiken[0].town_block.municipality
    city = City(municipality, list(TownBlock.objects.filter(municipality=municipality).order_by("code")))
    sumiyoshi = [{"family_name": "住吉", "family_name_kana": "スミヨシ", "given_name": "一", "given_name_kana": "ハジメ",
                  "katagaki": "101号室"},
                 {"family_name": "住吉", "family_name_kana": "スミヨシ", "given_name": "二", "given_name_kana": "ススム",
                  "katagaki": "101号室"}]
    h1 = add_household(city, sumiyoshi, block=2, banchi="7番7号")
    h2 = add_household(city, [{"family_name": "別居", "family_name_kana": "ベッキョ", "katagaki": "１０１号室"}],
                       block=2, banchi="７番７号")  # full-width: the same address once folded
    h3 = add_household(city, [{"family_name": "隣室", "family_name_kana": "リンシツ", "katagaki": "102号室"}],
                       block=2, banchi="7番7号")
    admin = make_staff("admin09", Role.SYSADMIN, name="管理 九郎")
    self01 = scenario.staff["self01"] = make_staff("self01", Role.CLERK, name="本人 七郎")
    do_set_staff_own_record(self01, h1[0].person_id, actor=Actor.for_staff(admin))
    # normal01 is linked too (to 山田 花子, who lives elsewhere): linked staff at work raise nothing.
    do_set_staff_own_record(scenario.staff["normal01"], scenario.yamada[0].person_id, actor=Actor.for_staff(admin))
    return {"h1": h1, "h2": h2, "h3": h3, "self01": self01, "city": city}


def test_own_record_and_same_address_are_flagged_and_nothing_else(scenario: Scenario, homes: dict[str, Any],
                                                                   at: Any) -> None:
    actor = scenario.actor("self01")
    h1, h2, h3 = homes["h1"], homes["h2"], homes["h3"]
    with at(9, 0):
        search(actor, name="スミヨシ ハジメ", birth="1980-05-01")  # finds their own record
    with at(9, 10):
        access_resident(actor, h1[1].person_id)  # household member
    with at(9, 20):
        access_resident(actor, h2[0].person_id)  # same address, another household
    with at(9, 30):
        access_resident(actor, h3[0].person_id)  # the next flat: not the same address

    review = build_review(*MONTH)
    assert _rules(review, "self01") == [RULE_NO_CHANGE_VIEW, RULE_OWN_RECORD, RULE_SAME_ADDRESS]
    assert _flag(review, RULE_OWN_RECORD, "self01").targets == (_no(h1[0]),)
    assert _flag(review, RULE_SAME_ADDRESS, "self01").targets == tuple(sorted((_no(h1[1]), _no(h2[0]))))
    # The seeded month is unchanged: normal01 (linked, at work) has no flag, the others keep theirs.
    assert _rules(review, "normal01") == []
    assert len(review.flags) == 5 + 3


def test_a_printed_own_record_is_flagged(scenario: Scenario, homes: dict[str, Any], at: Any) -> None:
    """Prints are events with action "print" (certificates); the rule reads the audit log."""
    from juki.audit.events import EventType
    from juki.audit.log import record

    day = DAY + dt.timedelta(days=1)
    with at(11, 0, day=day):
        record(EventType.RESIDENT_VIEW, action="print", function="resident.view", staff_id="self01",
               terminal_id="T-COUNTER-01", targets=[homes["h1"][0].person_id])
    review = build_review(*MONTH)
    assert _flag(review, RULE_OWN_RECORD, "self01", day).targets == (_no(homes["h1"][0]),)


def test_unlinked_staff_are_not_checked(scenario: Scenario, homes: dict[str, Any], at: Any) -> None:
    with at(10, 0):
        search(scenario.actor("night01"), name="スミヨシ ハジメ", birth="1980-05-01")
    review = build_review(*MONTH)
    assert RULE_OWN_RECORD not in _rules(review, "night01")
    assert RULE_SAME_ADDRESS not in _rules(review, "night01")


def test_the_address_is_the_one_in_force_on_the_access_day(scenario: Scenario, homes: dict[str, Any],
                                                          at: Any, make_staff: Any) -> None:
    """住吉 household moves on 10-15 (entered and confirmed on 10-16). A look at 別居 on 10-05
    is flagged (same address then); on 10-20 it is not (the staff member lives elsewhere), while
    a look at the household member who moved with them still is."""
    h1, h2 = homes["h1"], homes["h2"]
    actor = scenario.actor("self01")
    with at(10, 0):
        access_resident(actor, h2[0].person_id)
    moved = DAY + dt.timedelta(days=10)
    with at(10, 0, day=moved + dt.timedelta(days=1)):
        change = do_enter_change(
            "move_within", {"persons": [h1[0].person_id, h1[1].person_id],
                            "town_block": homes["city"].blocks[0].code, "banchi": "9番9号"},
            effective_on=moved, notified_on=moved + dt.timedelta(days=1), actor=scenario.actor("normal01"),
        )
    scenario.staff["approver09"] = make_staff("approver09", Role.APPROVER, name="確認 九郎")
    with at(11, 0, day=moved + dt.timedelta(days=1)):
        do_confirm_change(change.pk, actor=scenario.actor("approver09"))
    later = DAY + dt.timedelta(days=15)
    with at(10, 0, day=later):
        access_resident(actor, h2[0].person_id)
    with at(10, 5, day=later):
        access_resident(actor, h1[1].person_id)

    review = build_review(*MONTH)
    assert _flag(review, RULE_SAME_ADDRESS, "self01").targets == (_no(h2[0]),)
    assert _flag(review, RULE_SAME_ADDRESS, "self01", later).targets == (_no(h1[1]),)
