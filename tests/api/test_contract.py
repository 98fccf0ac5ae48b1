"""The OpenAPI document declares what the API answers: every error response as problem+json
with its codes, and the closed sets (sex, kind, state, status…) as enums.

Source: DESIGN §3 (errors are RFC 9457 problem+json with a stable code); the OpenAPI
Specification 3.1 §4.8.16 (Responses: every status an operation can return is declared).
"""

from __future__ import annotations

import pytest
from django.test import Client

from juki.register.changes.registry import all_handlers
from juki.register.models.change import ChangeState
from juki.register.models.choices import RecordStatus

pytestmark = pytest.mark.django_db


@pytest.fixture
def document() -> dict:
    response = Client().get("/api/v1/openapi.json")
    assert response.status_code == 200
    return response.json()


def problem_codes(operation: dict, status: int) -> list[str] | None:
    content = operation["responses"][str(status)]["content"]
    assert list(content) == ["application/problem+json"]
    schema = content["application/problem+json"]["schema"]
    if "$ref" in schema:
        return None
    assert schema["allOf"][0] == {"$ref": "#/components/schemas/Problem"}
    return schema["allOf"][1]["properties"]["code"]["enum"]


def test_every_operation_declares_its_refusals_as_problem_json(document):
    problem = document["components"]["schemas"]["Problem"]
    assert set(problem["required"]) == {"type", "title", "status", "code"}
    for path, methods in document["paths"].items():
        for method, operation in methods.items():
            statuses = {int(s) for s in operation["responses"]}
            assert {401, 403} <= statuses, (method, path)
            assert problem_codes(operation, 401) == ["API_TOKEN_INVALID", "API_TOKEN_MALFORMED", "API_TOKEN_MISSING"]
            assert {"API_ADDRESS_NOT_ALLOWED", "FORBIDDEN"} <= set(problem_codes(operation, 403))


def test_change_not_found_is_declared_404_wherever_a_change_is_named(document):
    for path, methods in document["paths"].items():
        if "{change_id}" not in path:
            continue
        for operation in methods.values():
            assert problem_codes(operation, 404) == ["CHANGE_NOT_FOUND"]


def test_entering_declares_its_input_size_and_idempotency_refusals(document):
    enter = document["paths"]["/api/v1/changes"]["post"]
    assert {int(s) for s in enter["responses"]} == {201, 400, 401, 403, 409, 413, 422}
    assert problem_codes(enter, 409) == ["IDEMPOTENCY_KEY_REUSED"]
    assert problem_codes(enter, 413) == ["API_BODY_TOO_LARGE"]
    assert problem_codes(enter, 422) == ["API_INPUT_INVALID"]
    header = next(p for p in enter["parameters"] if p["in"] == "header")
    assert header["name"] == "Idempotency-Key" and header["required"] is False


def test_closed_sets_are_enums(document):
    schemas = document["components"]["schemas"]
    kinds = sorted(h.kind for h in all_handlers())
    assert schemas["ChangeIn"]["properties"]["kind"]["enum"] == kinds
    assert schemas["ChangeOut"]["properties"]["kind"]["enum"] == kinds
    assert schemas["ChangeOut"]["properties"]["state"]["enum"] == list(ChangeState.values)
    record = schemas["ResidentOut"]["properties"]
    assert record["sex"]["enum"] == [1, 2]
    assert record["status"]["enum"] == list(RecordStatus.values)
    assert record["resident_kind"]["enum"] == ["japanese", "foreign"]
    search = document["paths"]["/api/v1/residents"]["get"]
    assert next(p for p in search["parameters"] if p["name"] == "sex")["schema"]["enum"] == [1, 2]
