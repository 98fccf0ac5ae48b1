"""Residents through the JSON API: GET /api/v1/residents and /api/v1/residents/{addressee_no}.

The API calls the same search and access functions as the screens, so the same rules hold
(akita-000-digest §5.1 item 47: two criteria besides sex), and the reads are audited with the
client as actor (``api:<client_id>``).
"""

from __future__ import annotations

import pytest
from django.test import Client

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.security.actions import do_create_api_client

from .conftest import person, valid_my_number


@pytest.fixture
def api_client(db):
    def make(functions: list[str], client_id: str = "tax") -> Client:
        created = do_create_api_client(client_id, "税務システム", ["127.0.0.1/32"], functions, actor=Actor.cli())
        return Client(HTTP_AUTHORIZATION=f"Bearer {created.token}")

    return make


def test_search_through_the_api_follows_the_same_rules_and_is_audited(city, api_client):
    rec = person(city)
    client = api_client(["resident.search"])
    response = client.get("/api/v1/residents", {"name": "しけん", "birth": "昭和55年5月1日"})
    assert response.status_code == 200
    body = response.json()
    assert [r["addressee_no"] for r in body["rows"]] == [f"{rec.person_id:010d}"]
    assert body["truncated"] is False and body["rows"][0]["birth"] == "昭和55年5月1日"
    event = AuditEvent.objects.filter(event_type=int(EventType.RESIDENT_SEARCH)).get()
    assert event.staff_id == "api:tax" and event.terminal_id == "api:tax"
    assert list(event.targets) == [f"{rec.person_id:010d}"]


def test_a_truncated_api_search_reports_how_many_matched(city, api_client, settings):
    """The API tells a client how many matched (``total_capped``, counted up to 1,000) when the
    rows are capped; the staff screen only asks to narrow the search (docs/performance.md: the screen's
    search does not pay for the count)."""
    settings.JUKI_SEARCH_LIMIT = 2
    for i in range(4):
        person(city, given_name=f"次郎{i}", given_name_kana="ジロウ")
    body = api_client(["resident.search"]).get("/api/v1/residents", {"name": "しけん", "birth": "1980"}).json()
    assert body["truncated"] is True and len(body["rows"]) == 2 and body["total_capped"] == 4


def test_a_too_broad_api_search_is_a_problem_response(city, api_client):
    response = api_client(["resident.search"]).get("/api/v1/residents", {"name": "しけん", "sex": 1})
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "SEARCH_TOO_BROAD"


def test_the_record_through_the_api_masks_the_my_number(city, api_client):
    number = valid_my_number(12345678901)
    rec = person(city, my_number=number)
    client = api_client(["resident.view"])
    response = client.get(f"/api/v1/residents/{rec.person_id:010d}")
    assert response.status_code == 200
    body = response.json()
    assert body["my_number"] == "＊＊＊＊＊＊＊＊＊＊＊＊" and number not in response.content.decode()
    assert body["family_name"] == "試験" and body["household_members"][0]["relationship"] == "householder"
    assert [v["version"] for v in body["history"]] == [1]
    event = AuditEvent.objects.filter(event_type=int(EventType.RESIDENT_VIEW)).get()
    assert event.staff_id == "api:tax"


def test_a_missing_resident_is_404_through_the_api(city, api_client):
    response = api_client(["resident.view"]).get("/api/v1/residents/0000999999")
    assert response.status_code == 404 and response.json()["code"] == "RESIDENT_NOT_FOUND"


def test_as_of_through_the_api(city, api_client):
    rec = person(city)
    client = api_client(["resident.view"])
    assert client.get(f"/api/v1/residents/{rec.person_id}", {"as_of": "2016-01-01"}).json()["version"] == 1
    assert client.get(f"/api/v1/residents/{rec.person_id}", {"as_of": "2000-01-01"}).json()["code"] == (
        "RECORD_NOT_IN_FORCE")


def test_a_client_without_the_function_is_refused(city, api_client):
    rec = person(city)
    client = api_client(["api.ping"])
    assert client.get("/api/v1/residents", {"name": "試験", "birth": "1980"}).status_code == 403
    assert client.get(f"/api/v1/residents/{rec.person_id}").status_code == 403
