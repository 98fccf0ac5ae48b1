"""API authentication: per-system tokens, restricted to listed addresses and granted functions.

Sources: docs/security.md (other systems authenticate with per-system tokens restricted to
listed IP addresses) and "Bad input" (malformed or expired token: 401/403, stable code,
Japanese message, audited); Akita digest §5.4 requirement 42 (provision only to authorised
parties over the regular route; unauthorised requests refused).
"""

from __future__ import annotations

import pytest

from conftest import logged_in
from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.security.api_tokens import hash_token, issue_api_token, new_api_token, parse_token
from juki.security.models import ApiClient

ALLOWED_IP = "10.20.0.15"


def events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))


def make_client(client_id="tax-system", functions=("api.ping",), networks=("10.20.0.0/24",)) -> tuple[ApiClient, str]:
    token = new_api_token(client_id)
    api_client = ApiClient.objects.create(
        client_id=client_id, name="税務システム", token_hash=hash_token(token), allowed_networks=list(networks),
        functions=list(functions), created_at=clock.now(),
    )
    return api_client, token


def ping(client, token: str | None = None, ip: str = ALLOWED_IP, header: str | None = None):
    extra = {"REMOTE_ADDR": ip}
    if header is not None:
        extra["HTTP_AUTHORIZATION"] = header
    elif token is not None:
        extra["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client.get("/api/v1/ping", **extra)


def assert_problem(response, status: int, code: str, title: str) -> None:
    assert response.status_code == status
    assert response["Content-Type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["title"] == title and body["status"] == status
    assert body["type"] == f"urn:juki:error:{code}"


def test_a_granted_client_calls_from_an_allowed_address(client, db):
    api_client, token = make_client()
    response = ping(client, token)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "client_id": "tax-system"}
    (event,) = events(EventType.API_CALL)
    assert (event.terminal_id, event.ip, event.function, event.outcome) == (
        "api:tax-system", ALLOWED_IP, "api.ping", Outcome.OK)


def test_a_missing_token_is_refused_and_audited(client, db):
    make_client()
    assert_problem(ping(client), 401, "API_TOKEN_MISSING", "APIトークンが指定されていません。")
    (event,) = events(EventType.API_AUTH_FAILED)
    assert event.outcome == Outcome.DENIED and event.detail["code"] == "API_TOKEN_MISSING"
    assert event.ip == ALLOWED_IP


@pytest.mark.parametrize(
    "header",
    ["Basic dGF4OnNlY3JldA==", "Bearer", "Bearer not-a-juki-token", "Bearer juki_tax-system_short",
     "Bearer juki__" + "0" * 64, "Token juki_tax-system_" + "0" * 64],
)
def test_a_malformed_token_is_refused_and_audited(client, db, header):
    make_client()
    assert_problem(ping(client, header=header), 401, "API_TOKEN_MALFORMED", "APIトークンの形式が正しくありません。")
    (event,) = events(EventType.API_AUTH_FAILED)
    assert event.outcome == Outcome.DENIED and event.detail["code"] == "API_TOKEN_MALFORMED"


def test_a_wrong_secret_and_an_unknown_client_get_the_same_answer(client, db):
    _, token = make_client()
    wrong_secret = ping(client, token[:-4] + ("0000" if not token.endswith("0000") else "1111"))
    unknown_client = ping(client, new_api_token("no-such-system"))
    for response in (wrong_secret, unknown_client):
        assert_problem(response, 401, "API_TOKEN_INVALID", "APIトークンが無効です。")
    assert wrong_secret.content == unknown_client.content
    reasons = [e.detail["reason"] for e in events(EventType.API_AUTH_FAILED)]
    assert reasons == ["wrong_secret", "unknown_client"]


def test_a_revoked_client_is_refused_like_an_invalid_token(client, db):
    api_client, token = make_client()
    ApiClient.objects.filter(pk=api_client.pk).update(is_active=False, revoked_at=clock.now())
    assert_problem(ping(client, token), 401, "API_TOKEN_INVALID", "APIトークンが無効です。")
    (event,) = events(EventType.API_AUTH_FAILED)
    assert event.detail["reason"] == "client_revoked" and event.terminal_id == "api:tax-system"


@pytest.mark.parametrize("ip", ["10.20.1.15", "192.0.2.1", "::1", ""])
def test_a_valid_token_from_an_address_not_listed_is_refused(client, db, ip):
    _, token = make_client()
    assert_problem(ping(client, token, ip=ip), 403, "API_ADDRESS_NOT_ALLOWED", "この接続元アドレスからは利用できません。")
    (event,) = events(EventType.API_AUTH_FAILED)
    assert event.outcome == Outcome.DENIED and event.detail["reason"] == "address_not_allowed"
    assert events(EventType.API_CALL) == []


def test_a_function_not_granted_to_the_client_is_refused(client, db):
    _, token = make_client(functions=["resident.search"])
    assert_problem(ping(client, token), 403, "FORBIDDEN", "この機能を利用する権限がありません。")
    (event,) = events(EventType.ACCESS_DENIED)
    assert (event.function, event.outcome, event.terminal_id) == ("api.ping", Outcome.DENIED, "api:tax-system")
    assert events(EventType.API_CALL) == []


def test_a_logged_in_staff_session_is_no_api_credential(client, terminal, clerk):
    make_client()
    logged_in(client, clerk, terminal)
    assert_problem(ping(client), 401, "API_TOKEN_MISSING", "APIトークンが指定されていません。")


def test_the_openapi_document_is_public(client, db):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and "/api/v1/ping" in response.json()["paths"]


# --- issuing tokens -----------------------------------------------------------------------------

def test_issuing_a_token_stores_only_its_hash_and_retires_the_old_one(client, db):
    api_client, old_token = make_client()
    new_token = issue_api_token("tax-system")
    stored = ApiClient.objects.get(pk=api_client.pk).token_hash
    assert stored == hash_token(new_token) and new_token not in stored
    assert ping(client, new_token).status_code == 200
    assert ping(client, old_token).json()["code"] == "API_TOKEN_INVALID"


def test_a_token_for_a_client_being_created_is_just_returned(db):
    token = issue_api_token("new-system")
    assert parse_token(token) == ("new-system", token.rsplit("_", 1)[1])
    assert not ApiClient.objects.exists()


def test_tokens_are_unique_and_carry_256_bits(db):
    tokens = {new_api_token("x") for _ in range(50)}
    assert len(tokens) == 50
    assert all(len(t.rsplit("_", 1)[1]) == 64 for t in tokens)


def test_client_ids_with_underscores_still_parse():
    token = new_api_token("old_style_id")
    assert parse_token(token)[0] == "old_style_id"
