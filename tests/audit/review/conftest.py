"""A month of seeded activity for the access review (アクセス記録の点検): five anomalies and one
normal clerk. Everything goes through the product's own access functions and workflow, with
the clock moved to the moment each action happens.

October 2026 (Asia/Tokyo). Monday 5 October is the working day of the scenario.

- normal01 普通 一郎 (clerk): daytime searches, enters a 転居 for the 試験 household and views 太郎1 the
  same day — no flag.
- night01 夜間 二郎: one search at 22:30 — off-hours.
- heavy01 多数 三郎: 40 daytime searches, far above the other clerks — peer volume.
- surname01 試験 四郎: views 試験 太郎1 (tied to the change, daytime) — same surname only.
- nochange01 無関 五郎: views 山田 花子, who has no change that day — no-change view only.
- denied01 拒否 六郎: three My Number searches a clerk may not make — repeated denials only
  (authorisation refusals; input mistakes are not denials, test_review_report.py).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import PermissionDenied
from juki.register.access import access_resident
from juki.register.changes.workflow import do_enter_change
from juki.register.search import SearchCriteria, search_residents
from juki.security.roles import Role

JST = dt.timezone(dt.timedelta(hours=9))
DAY = dt.date(2026, 10, 5)  # Monday
MONTH = (dt.date(2026, 10, 1), dt.date(2026, 10, 31))


@dataclass
class Scenario:
    staff: dict[str, Any]
    shiken: list[Any]  # 試験 household records
    yamada: list[Any]  # 山田 household records
    change: Any

    def actor(self, staff_id: str) -> Actor:
        return Actor(self.staff[staff_id], "T-COUNTER-01", "192.0.2.10")


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def at(monkeypatch: pytest.MonkeyPatch) -> Callable[..., Any]:
    """``with at(hour, minute, day=DAY):`` — the clock stands still at that local time."""

    @contextmanager
    def moment(hour: int, minute: int = 0, day: dt.date = DAY) -> Iterator[None]:
        when = dt.datetime(day.year, day.month, day.day, hour, minute, tzinfo=JST)
        with monkeypatch.context() as m:
            m.setattr(clock, "now", lambda: when)
            yield

    return moment


def search(actor: Actor, name: str = "試験", birth: str = "1980-05-01") -> None:
    search_residents(actor, SearchCriteria(name=name, birth=birth))


@pytest.fixture
def scenario(db: None, make_staff: Callable[..., Any], at: Callable[..., Any]) -> Scenario:
    city = small_city()
    shiken = add_household(city, [{}, {"given_name": "花子", "given_name_kana": "ハナコ", "sex": 2}])
    yamada = add_household(city, [{"family_name": "山田", "family_name_kana": "ヤマダ", "given_name": "花子",
                                   "given_name_kana": "ハナコ", "sex": 2}], block=2, banchi="5番5号")
    names = {"normal01": "普通 一郎", "night01": "夜間 二郎", "heavy01": "多数 三郎",
             "surname01": "試験 四郎", "nochange01": "無関 五郎", "denied01": "拒否 六郎"}
    staff = {sid: make_staff(sid, Role.CLERK, name=name) for sid, name in names.items()}
    s = Scenario(staff=staff, shiken=shiken, yamada=yamada, change=None)
    taro = shiken[0].person_id

    # normal01: searches by day, enters a 転居 for 試験 太郎1 and looks at him — an application.
    with at(9, 30):
        search(s.actor("normal01"))
    with at(10, 5):
        s.change = do_enter_change(
            "move_within", {"persons": [taro, shiken[1].person_id], "town_block": city.blocks[1].code, "banchi": "2番3号"},
            effective_on=DAY - dt.timedelta(days=3), notified_on=DAY, actor=s.actor("normal01"),
        )
    with at(10, 10):
        access_resident(s.actor("normal01"), taro)
    with at(16, 0):
        search(s.actor("normal01"), name="シケン")

    # night01: a search at 22:30.
    with at(22, 30):
        search(s.actor("night01"))

    # heavy01: forty searches in working hours.
    for i in range(40):
        with at(9 + i // 6, (i % 6) * 10):
            search(s.actor("heavy01"))

    # surname01 (試験 四郎) views 試験 太郎1, tied to normal01's change, in working hours.
    with at(11, 0):
        access_resident(s.actor("surname01"), taro)

    # nochange01 views 山田 花子: no change touches her that day.
    with at(14, 0):
        access_resident(s.actor("nochange01"), yamada[0].person_id)

    # denied01: three searches by My Number, which only the My Number officer may make.
    for minute in (0, 5, 10):
        with at(15, minute):
            try:
                search_residents(s.actor("denied01"), SearchCriteria(my_number="123456789018"))
            except PermissionDenied:  # FORBIDDEN is the point
                pass
    return s
