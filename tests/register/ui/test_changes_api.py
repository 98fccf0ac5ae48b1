"""The change API (/api/v1/changes): the same workflow as the screens, four-eyes for systems too.

Source: docs/api.md ("a JSON API under /api/v1/ for the same operations, described by an
OpenAPI document") and "Bad input" (an approver confirming their own change is refused with a
specific code); DESIGN §3 (errors as RFC 9457 problem+json with a stable code and a Japanese
message); DESIGN §6 (nobody confirms their own change).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client

from juki.api.app import api
from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.actor import Actor
from juki.register.models import Change, ChangeState, ResidentRecord
from juki.security.actions import do_create_api_client
from juki.security.roles import Function

pytestmark = pytest.mark.django_db

BASE = "/api/v1/changes"


def api_client(client_id: str, *functions: Function) -> dict[str, str]:
    created = do_create_api_client(client_id, f"試験システム {client_id}", ["127.0.0.1/32"],
                                   [f.value for f in functions], actor=Actor.cli())
    return {"HTTP_AUTHORIZATION": f"Bearer {created.token}"}


def post(path: str, auth: dict[str, str], body: dict | None = None):
    return Client().post(path, data=body or {}, content_type="application/json", **auth)


def move_body(city, persons: list[int], **extra) -> dict:
    today = clock.today()
    return {
        "kind": "move_within",
        "items": {"persons": persons, "town_block": city.blocks[1].code, "banchi": "2番3号"},
        "effective_on": (today - dt.timedelta(days=1)).isoformat(),
        "notified_on": today.isoformat(),
        **extra,
    }


def test_one_system_enters_and_another_confirms(city, household):
    head, child = household
    enterer = api_client("madoguchi", Function.CHANGE_ENTER)
    confirmer = api_client("kakunin", Function.CHANGE_CONFIRM)

    response = post(BASE, enterer, move_body(city, [head.person_id, child.person_id]))
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["state"] == "provisional" and body["entered_by"] == "api:madoguchi" and body["label"] == "転居届"
    banchi = next(p for p in body["after"] if p["person_id"] == head.person_id)["changes"]["banchi"]
    assert banchi == {"before": "1番1号", "after": "2番3号"}

    queue = Client().get(BASE, {"state": "provisional"}, **confirmer).json()
    assert [c["id"] for c in queue] == [body["id"]]
    assert Client().get(f"{BASE}/{body['id']}", **confirmer).json()["persons"] == sorted([head.person_id, child.person_id])

    confirmed = post(f"{BASE}/{body['id']}/confirm", confirmer, {"comment": "自動確認"})
    assert confirmed.status_code == 200, confirmed.content
    assert confirmed.json()["state"] == "confirmed" and confirmed.json()["decided_by"] == "api:kakunin"
    assert ResidentRecord.objects.get(person_id=head.person_id, is_current=True).banchi == "2番3号"
    assert AuditEvent.objects.filter(event_type=int(EventType.CHANGE_CONFIRMED), staff_id="api:kakunin").exists()


def test_a_system_cannot_confirm_the_change_it_entered(city, household):
    head, child = household
    both = api_client("ryouhou", Function.CHANGE_ENTER, Function.CHANGE_CONFIRM)
    change_id = post(BASE, both, move_body(city, [head.person_id, child.person_id])).json()["id"]

    response = post(f"{BASE}/{change_id}/confirm", both)
    assert response.status_code == 403
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "CHANGE_SELF_CONFIRM" and "自分が入力した異動" in response.json()["title"]
    assert Change.objects.get(pk=change_id).state == ChangeState.PROVISIONAL
    assert ResidentRecord.objects.get(person_id=head.person_id, is_current=True).version == 1


def test_rejecting_needs_a_reason_and_cancelling_is_for_the_enterer(city, household):
    head, child = household
    enterer = api_client("madoguchi", Function.CHANGE_ENTER)
    other_enterer = api_client("madoguchi2", Function.CHANGE_ENTER)
    confirmer = api_client("kakunin", Function.CHANGE_CONFIRM)
    change_id = post(BASE, enterer, move_body(city, [head.person_id, child.person_id])).json()["id"]

    no_reason = post(f"{BASE}/{change_id}/reject", confirmer)
    assert no_reason.status_code == 400 and no_reason.json()["code"] == "CHANGE_REJECT_REASON_REQUIRED"
    assert no_reason.json()["field"] == "comment"

    not_mine = post(f"{BASE}/{change_id}/cancel", other_enterer)
    assert not_mine.status_code == 403 and not_mine.json()["code"] == "CHANGE_CANCEL_NOT_ENTERER"

    assert post(f"{BASE}/{change_id}/cancel", enterer, {"comment": "重複"}).json()["state"] == "cancelled"


def test_a_rule_violation_is_problem_json_naming_code_message_and_field(city, household):
    head, child = household
    enterer = api_client("madoguchi", Function.CHANGE_ENTER)
    body = move_body(city, [head.person_id, child.person_id])
    body["items"]["family_name"] = "別名"  # not an item of 転居
    response = post(BASE, enterer, body)
    assert response.status_code == 400 and response["Content-Type"] == "application/problem+json"
    problem = response.json()
    assert problem["code"] == "CHANGE_ITEM_NOT_ALLOWED" and problem["field"] == "family_name"
    assert problem["type"] == "urn:juki:error:CHANGE_ITEM_NOT_ALLOWED" and problem["title"]
    assert not Change.objects.exists()


def test_a_malformed_request_is_problem_json_too(city):
    enterer = api_client("madoguchi", Function.CHANGE_ENTER)
    response = post(BASE, enterer, {"kind": "move_within", "items": {}, "effective_on": "2024-02-30"})
    assert response.status_code == 422 and response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "API_INPUT_INVALID" and response.json()["field"] == "effective_on"


def test_each_operation_needs_its_function(city, household):
    head, child = household
    enterer = api_client("madoguchi", Function.CHANGE_ENTER)
    confirmer = api_client("kakunin", Function.CHANGE_CONFIRM)
    assert post(BASE, confirmer, move_body(city, [head.person_id])).status_code == 403
    change_id = post(BASE, enterer, move_body(city, [head.person_id, child.person_id])).json()["id"]
    for path in (f"{BASE}/{change_id}/confirm", f"{BASE}/{change_id}/reject"):
        response = post(path, enterer, {"comment": "x"})
        assert response.status_code == 403 and response.json()["code"] == "FORBIDDEN"
    assert Client().get(BASE, **enterer).status_code == 403
    assert Client().get(f"{BASE}/{change_id}", **enterer).status_code == 403
    assert Client().get(f"{BASE}/999999", **confirmer).json()["code"] == "CHANGE_NOT_FOUND"


def test_the_operations_are_in_the_openapi_document():
    paths = api.get_openapi_schema()["paths"]
    assert {"post", "get"} <= set(paths["/api/v1/changes"])
    for suffix in ("confirm", "reject", "cancel"):
        assert "post" in paths[f"/api/v1/changes/{{change_id}}/{suffix}"]


def test_a_body_that_is_not_json_and_a_bad_change_number_are_problem_json(city):
    confirmer = api_client("kakunin", Function.CHANGE_CONFIRM)
    enterer = api_client("madoguchi", Function.CHANGE_ENTER)
    unreadable = Client().post(BASE, data="kind=move_within", content_type="text/plain", **enterer)
    assert unreadable.status_code == 400 and unreadable["Content-Type"] == "application/problem+json"
    assert unreadable.json()["code"] == "API_BODY_UNREADABLE"
    for path in (f"{BASE}/abc", f"{BASE}/１２"):
        response = Client().get(path, **confirmer)
        assert response.status_code == 404 and response.json()["code"] == "CHANGE_NOT_FOUND"
    bad_comment = Client().post(f"{BASE}/1/reject", data='{"comment": 5}', content_type="application/json", **confirmer)
    assert bad_comment.status_code == 422 and bad_comment.json()["code"] == "API_INPUT_INVALID"
