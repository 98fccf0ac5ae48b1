"""Bad input on the change screens: a specific refusal or a page, never a server error.

Source: DESIGN §3 ("bad input gets a clear specific error … never a 500"). Each case was a 500
in real use: a row count in superscript digits (``'²'.isdigit()`` is true, ``int('²')`` fails)
and change numbers beyond the database's 64-bit integers in the URL.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from tests.conftest import logged_in

from juki.core import clock
from juki.register.models import Change

pytestmark = pytest.mark.django_db

MOVE = "/register/changes/new/move_within/"


@pytest.mark.parametrize("value", ["²", "１", "99999999999999999999999"])
def test_a_row_count_that_is_not_ascii_digits_is_ignored(clerk, terminal, city, value):
    client = logged_in(Client(), clerk, terminal)
    response = client.post("/register/changes/new/move_in/", {"_rows.persons": value, "_add_row": "persons"})
    assert response.status_code == 200 and 'name="effective_on"' in response.content.decode()


@pytest.mark.parametrize("number", [2**63, 10**30])
def test_confirming_a_change_number_beyond_64_bits_is_not_found(approver, terminal, city, number):
    response = logged_in(Client(), approver, terminal).post(f"/register/changes/{number}/confirm/", {"comment": ""},
                                                          follow=True)
    assert response.status_code == 404
    assert "CHANGE_NOT_FOUND" in response.content.decode()


@pytest.mark.parametrize("number", [2**63, 10**30])
def test_cancelling_a_change_number_beyond_64_bits_is_not_found(clerk, terminal, city, number):
    response = logged_in(Client(), clerk, terminal).post(f"/register/changes/mine/{number}/cancel/", {"comment": ""},
                                                       follow=True)
    assert response.status_code == 404
    assert "CHANGE_NOT_FOUND" in response.content.decode()


@pytest.mark.parametrize("number", ["9223372036854775808", "1" * 30])
def test_a_person_number_beyond_64_bits_is_refused_at_its_field(clerk, terminal, household, city, number):
    today = clock.today()
    response = logged_in(Client(), clerk, terminal).post(MOVE, {
        "effective_on": (today - dt.timedelta(days=1)).isoformat(), "notified_on": today.isoformat(),
        "persons": f"{household[0].person_id}, {number}", "town_block": city.blocks[1].code, "banchi": "2番3号",
        "household": "same",
    })
    page = response.content.decode()
    assert response.status_code == 400 and "CHANGE_ITEM_INVALID" in page and "数値が範囲外です" in page
    assert not Change.objects.exists()
