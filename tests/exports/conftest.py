"""Fixtures for bulk output: personas (clerk, a second clerk, manager) and a small city."""

from __future__ import annotations

import pytest
from tests.register.factories import add_household, small_city

from juki.security.roles import Role

from .helpers import MY_NUMBERS


@pytest.fixture
def manager(make_staff):
    return make_staff("manager01", Role.MANAGER, name="管理責任 八郎")


@pytest.fixture
def clerk2(make_staff):
    return make_staff("clerk02", Role.CLERK, name="窓口 次子")


@pytest.fixture
def city(db):
    """Block 0: two households (3 persons, with My Numbers); block 1: one household; block 2: one."""
    c = small_city()
    add_household(c, [{"my_number": MY_NUMBERS[0]}, {"my_number": MY_NUMBERS[1]}], block=0)
    add_household(c, [{"family_name": "山田", "given_name": "花子", "family_name_kana": "ヤマダ",
                       "given_name_kana": "ハナコ", "sex": 2, "katagaki": "山王ハイツ101",
                       "my_number": MY_NUMBERS[2]}], block=0, banchi="2番3号")
    add_household(c, [{"family_name": "別町", "my_number": MY_NUMBERS[3]}], block=1)
    add_household(c, [{"family_name": "旭北"}], block=2)
    return c
