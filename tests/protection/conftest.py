"""Fixtures for the protection tests (支援措置, 事務処理要領 第5-10): a small synthetic city, two
protection officers (four-eyes), a clerk, and a helper that puts a person under a measure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

import pytest
from tests.register.factories import City, add_household, small_city

from juki.core import clock
from juki.core.actor import Actor
from juki.protection import actions
from juki.protection.models import ProtectionMeasure
from juki.security.models import Staff
from juki.security.roles import Role


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def city(db: None) -> City:
    return small_city()


@pytest.fixture
def officer(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff("po01", Role.PROTECTION_OFFICER, name="支援 一子")


@pytest.fixture
def officer2(make_staff: Callable[..., Staff]) -> Staff:
    return make_staff("po02", Role.PROTECTION_OFFICER, name="支援 二子")


@pytest.fixture
def act(terminal: Any) -> Callable[[Staff], Actor]:
    return lambda staff: Actor(staff, terminal.terminal_id, "127.0.0.1")


@pytest.fixture
def victim_household(city: City) -> list[Any]:
    """被害者 試験 花子 and her child 試験 太郎2, at 山王二丁目."""
    return add_household(city, [
        {"given_name": "花子", "given_name_kana": "ハナコ", "sex": 2},
        {"given_name": "太郎2", "given_name_kana": "タロウ2"},
    ], block=1, banchi="2番2号")


OFFENDER = {"name": "髙橋　一郎", "name_kana": "タカハシ　イチロウ", "birth_date": dt.date(1975, 3, 3),
            "address": "東京都千代田区霞が関一丁目1番1号"}


@pytest.fixture
def protect(officer: Staff, officer2: Staff, act: Callable[[Staff], Actor]) -> Callable[..., ProtectionMeasure]:
    """``protect(person_id, members=[...], offenders=[...])``: registered by po01, confirmed by po02."""

    def make(person_id: int, *, members: list[int] | None = None, offenders: list[dict[str, Any]] | None = None,
             kind: str = "dv", confirm: bool = True) -> ProtectionMeasure:
        m = actions.do_register_measure(
            person_id, kind=kind, applied_on=clock.today(), opinion_source="police", opinion_note="試験警察署",
            members=members or [], offenders=offenders if offenders is not None else [dict(OFFENDER)],
            actor=act(officer),
        )
        if confirm:
            m = actions.do_confirm_measure(m.pk, actor=act(officer2))
        return m

    return make


@pytest.fixture
def on_day(monkeypatch: pytest.MonkeyPatch) -> Callable[[dt.date], Any]:
    """``with on_day(date):`` — clock.today() and clock.now() stand on that day (10:00 JST)."""

    @contextmanager
    def moment(day: dt.date) -> Iterator[None]:
        when = dt.datetime(day.year, day.month, day.day, 10, 0, tzinfo=dt.timezone(dt.timedelta(hours=9)))
        with monkeypatch.context() as m:
            m.setattr(clock, "now", lambda: when)
            m.setattr(clock, "today", lambda: day)
            yield

    return moment
