"""``Idempotency-Key`` on ``POST /api/v1/changes``: a retry after a lost response does not enter
the change twice.

Source: DESIGN §3 (changes through the API are the same workflow as the screens, and a client
must be able to retry safely); IETF draft "The Idempotency-Key HTTP Header Field"
(draft-ietf-httpapi-idempotency-key-header §2: same key + same request → the first result;
same key + different request → an error).
"""

from __future__ import annotations

import datetime as dt
import threading

import pytest
from django.db import connections
from django.test import Client

from juki.core import clock
from juki.register.models import Change
from juki.security.models import ApiIdempotencyKey

from .conftest import api_client

pytestmark = pytest.mark.django_db

CHANGES = "/api/v1/changes"


def move_body(city, persons: list[int], banchi: str = "2番3号") -> dict:
    today = clock.today()
    return {
        "kind": "move_within",
        "items": {"persons": persons, "town_block": city.blocks[1].code, "banchi": banchi},
        "effective_on": (today - dt.timedelta(days=1)).isoformat(),
        "notified_on": today.isoformat(),
    }


def enter(client: Client, body: dict, key: str | None):
    headers = {"HTTP_IDEMPOTENCY_KEY": key} if key is not None else {}
    return client.post(CHANGES, body, content_type="application/json", **headers)


def test_a_retry_with_the_same_key_and_body_returns_the_first_change(city, household):
    client = api_client("madoguchi", "change.enter")
    body = move_body(city, [p.person_id for p in household])
    first = enter(client, body, "retry-0001")
    assert first.status_code == 201 and "Idempotent-Replayed" not in first
    again = enter(client, body, "retry-0001")
    assert again.status_code == 201 and again["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    assert Change.objects.count() == 1
    stored = ApiIdempotencyKey.objects.get()
    assert stored.change_id == first.json()["id"] and stored.client.client_id == "madoguchi"
    assert "2番3号" not in stored.fingerprint  # a keyed hash, never the request


def test_the_same_key_with_another_body_is_refused(city, household):
    client = api_client("madoguchi", "change.enter")
    persons = [p.person_id for p in household]
    assert enter(client, move_body(city, persons), "k-1").status_code == 201
    other = enter(client, move_body(city, persons, banchi="9番9号"), "k-1")
    assert other.status_code == 409 and other["Content-Type"] == "application/problem+json"
    assert other.json()["code"] == "IDEMPOTENCY_KEY_REUSED" and other.json()["field"] == "Idempotency-Key"
    assert Change.objects.count() == 1


def test_without_a_key_each_request_is_a_new_entry(city, household):
    """The header is optional; the workflow's own duplicate rules then decide."""
    client = api_client("madoguchi", "change.enter")
    persons = [p.person_id for p in household]
    assert enter(client, move_body(city, persons), None).status_code == 201
    assert not ApiIdempotencyKey.objects.exists()


def test_keys_belong_to_one_client(city, household):
    persons = [p.person_id for p in household]
    a, b = api_client("madoguchi", "change.enter"), api_client("madoguchi2", "change.enter")
    assert enter(a, move_body(city, persons), "same-key").status_code == 201
    second = enter(b, move_body(city, persons), "same-key")
    assert second.status_code == 201 and "Idempotent-Replayed" not in second
    assert Change.objects.count() == 2


def test_a_refused_entry_keeps_no_key(city, household):
    client = api_client("madoguchi", "change.enter")
    same_address = move_body(city, [p.person_id for p in household], banchi="1番1号")
    same_address["items"]["town_block"] = city.blocks[0].code
    refused = enter(client, same_address, "k-2")
    assert refused.status_code == 400 and refused.json()["code"] == "MOVE_SAME_ADDRESS"
    assert not ApiIdempotencyKey.objects.exists()
    # corrected and sent again under the same key: entered
    assert enter(client, move_body(city, [p.person_id for p in household]), "k-2").status_code == 201


def test_keys_expire_after_the_retention(city, household):
    from juki.api import idempotency

    client = api_client("madoguchi", "change.enter")
    body = move_body(city, [p.person_id for p in household])
    first = enter(client, body, "old-key").json()["id"]
    ApiIdempotencyKey.objects.update(created_at=clock.now() - idempotency.RETENTION - dt.timedelta(minutes=1))
    again = enter(client, body, "old-key")
    assert again.status_code == 201 and again.json()["id"] != first and "Idempotent-Replayed" not in again
    assert list(ApiIdempotencyKey.objects.values_list("change_id", flat=True)) == [again.json()["id"]]


@pytest.mark.parametrize("key", ["", "a" * 256, "キー", "two words"])
def test_a_malformed_key_is_an_input_error(city, household, key):
    response = enter(api_client("madoguchi", "change.enter"), move_body(city, [household[0].person_id]), key)
    assert response.status_code == 422 and response.json()["code"] == "API_INPUT_INVALID"
    assert not Change.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_concurrent_retries_with_one_key_enter_one_change(city, household):
    """Each thread has its own connection, as each request of a multi-threaded server does: the
    key's unique row, written in the change's transaction, lets only one of them enter."""
    threads_n = 4
    client = api_client("madoguchi", "change.enter")
    body = move_body(city, [p.person_id for p in household])
    start = threading.Barrier(threads_n)
    answers: list[tuple[int, int, bool]] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            start.wait(timeout=60)
            response = enter(client, body, "concurrent-1")
            answers.append((response.status_code, response.json().get("id"), response.has_header("Idempotent-Replayed")))
        except BaseException as exc:  # noqa: BLE001 — reported below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=work) for _ in range(threads_n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=300)
    assert errors == []
    assert Change.objects.count() == 1
    change_id = Change.objects.get().pk
    assert sorted(answers) == [(201, change_id, False)] + [(201, change_id, True)] * (threads_n - 1)
