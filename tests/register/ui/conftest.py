"""Fixtures for the register screens and the change API: a small synthetic city, personas
with both the clerk's and the approver's view, and a helper to enter a 転居 through the workflow."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from tests.register.factories import City, add_household, small_city

from juki.core import clock
from juki.core.actor import Actor
from juki.register.changes.workflow import do_enter_change
from juki.register.models import Change
from juki.security.roles import Role


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    """Passwords are incidental here (Argon2 is covered by the login tests): hash fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def city(db: None) -> City:
    return small_city()


@pytest.fixture
def household(city: City) -> list[Any]:
    """試験 太郎1 (householder) and 試験 太郎2 (child) at 山王一丁目1番1号."""
    return add_household(city, [{}, {"given_name": "花子", "given_name_kana": "ハナコ", "sex": 2}])


@pytest.fixture
def my_number_officer(make_staff: Callable[..., Any]) -> Any:
    return make_staff("mno01", Role.CLERK, Role.MY_NUMBER_OFFICER, name="番号 担当")


@pytest.fixture
def clerk_approver(make_staff: Callable[..., Any]) -> Any:
    """One person holding both roles (allowed by the matrix): four-eyes must still hold."""
    return make_staff("both01", Role.CLERK, Role.APPROVER, name="兼務 職員")


def enter_move(staff: Any, city: City, person_ids: list[int], **items: Any) -> Change:
    today = clock.today()
    return do_enter_change(
        "move_within",
        {"persons": person_ids, "town_block": city.blocks[1].code, "banchi": "2番3号", **items},
        effective_on=today - dt.timedelta(days=3), notified_on=today, actor=Actor(staff, "T-COUNTER-01"),
    )
