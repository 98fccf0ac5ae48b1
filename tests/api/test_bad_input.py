"""Bad input to the API and the change screens: a specific refusal, never a server error.

Source: DESIGN §3 ("bad input gets a clear specific error: stable code + Japanese message,
changes nothing, never a 500"); RFC 9457 (problem+json). Each case was a 500 in real use:
Unicode digits that ``str.isdigit`` accepts but ``int`` refuses (``'²'``), integers beyond the
database's 64-bit range, and non-numeric keys of ``expected_versions``.
"""

from __future__ import annotations

import datetime as dt

import pytest

from juki.core import clock
from juki.register.models import Change

from .conftest import api_client

pytestmark = pytest.mark.django_db

CHANGES = "/api/v1/changes"
BEYOND_BIGINT = [2**63, 10**30, -(2**63) - 1]


def move_body(city, persons: list, **items) -> dict:
    today = clock.today()
    return {
        "kind": "move_within",
        "items": {"persons": persons, "town_block": city.blocks[1].code, "banchi": "2番3号", **items},
        "effective_on": (today - dt.timedelta(days=1)).isoformat(),
        "notified_on": today.isoformat(),
    }


def assert_problem(response, status: int, code: str) -> dict:
    assert response.status_code == status, response.content
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["status"] == status and body["title"]
    return body


def test_a_superscript_digit_household_number_is_refused_not_a_server_error(city):
    """``'²'.isdigit()`` is true and ``int('²')`` fails: digits mean ASCII 0-9."""
    client = api_client("tax", "resident.search")
    for household_no in ("²", "1²", "٣", "①"):
        response = client.get("/api/v1/residents", {"household_no": household_no, "name": "しけん"})
        assert assert_problem(response, 400, "HOUSEHOLD_NO_INVALID")["field"] == "household_no"
    # full-width digits are typed in on purpose and read as the number
    assert client.get("/api/v1/residents", {"household_no": "１２", "name": "しけん"}).status_code == 200


@pytest.mark.parametrize("value", BEYOND_BIGINT)
def test_a_person_number_beyond_64_bits_is_an_input_error(city, household, value):
    response = api_client("madoguchi", "change.enter").post(
        CHANGES, move_body(city, [household[0].person_id, value]), content_type="application/json")
    body = assert_problem(response, 400, "CHANGE_ITEM_INVALID")
    assert body["field"] == "persons.1"
    assert not Change.objects.exists()


def test_a_household_number_to_join_beyond_64_bits_is_an_input_error(city, household):
    body = move_body(city, [household[1].person_id], household="join", join_household_no=2**70,
                     relationships={str(household[1].person_id): "02"})
    response = api_client("madoguchi", "change.enter").post(CHANGES, body, content_type="application/json")
    assert assert_problem(response, 400, "CHANGE_ITEM_INVALID")["field"] == "join_household_no"


@pytest.mark.parametrize("key", ["abc", "9" * 25, "²", ""])
def test_an_expected_versions_key_that_is_not_an_addressee_number_is_refused(city, household, key):
    body = {**move_body(city, [household[0].person_id, household[1].person_id]), "expected_versions": {key: 1}}
    response = api_client("madoguchi", "change.enter").post(CHANGES, body, content_type="application/json")
    assert assert_problem(response, 400, "CHANGE_EXPECTED_VERSION_INVALID")["field"] == "expected_versions"
    assert not Change.objects.exists()


def test_an_expected_version_beyond_64_bits_is_an_input_error(city, household):
    pid = household[0].person_id
    body = {**move_body(city, [pid, household[1].person_id]), "expected_versions": {str(pid): 2**64}}
    response = api_client("madoguchi", "change.enter").post(CHANGES, body, content_type="application/json")
    assert assert_problem(response, 400, "CHANGE_EXPECTED_VERSION_INVALID")["field"] == "expected_versions"
    assert not Change.objects.exists()


@pytest.mark.parametrize("number", ["9223372036854775808", "99999999999999999999999", "²"])
@pytest.mark.parametrize("action", ["", "/confirm", "/reject", "/cancel"])
def test_a_change_number_beyond_64_bits_is_not_found_on_every_route(city, number, action):
    client = api_client("both", "change.enter", "change.confirm")
    response = (client.get(f"{CHANGES}/{number}") if not action
                else client.post(f"{CHANGES}/{number}{action}", {"comment": "x"}, content_type="application/json"))
    assert_problem(response, 404, "CHANGE_NOT_FOUND")


def test_a_missing_change_is_404_on_every_api_route(city):
    """CHANGE_NOT_FOUND has one status everywhere (it was 404 on GET and 400 on the actions)."""
    client = api_client("both", "change.enter", "change.confirm")
    assert_problem(client.get(f"{CHANGES}/999999"), 404, "CHANGE_NOT_FOUND")
    for action in ("confirm", "reject", "cancel"):
        response = client.post(f"{CHANGES}/999999/{action}", {"comment": "x"}, content_type="application/json")
        assert_problem(response, 404, "CHANGE_NOT_FOUND")


def test_a_body_over_the_size_limit_is_a_problem_response(city, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1024
    response = api_client("madoguchi", "change.enter").post(
        CHANGES, {"kind": "move_within", "items": {"banchi": "x" * 4096}}, content_type="application/json")
    assert_problem(response, 413, "API_BODY_TOO_LARGE")
