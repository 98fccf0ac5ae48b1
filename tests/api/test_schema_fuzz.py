"""The API against its own OpenAPI document, with generated requests (schemathesis).

Every operation is called as an authenticated API client holding every API function, with
requests generated from the document — valid ones and ones that break it — and every answer
must be a declared status with a body and content type that fit the document; none may be a
server error. Source: DESIGN §3 (bad input is a specific refusal, never a 500; errors are RFC
9457 problem+json); docs/architecture.md (django-ninja for an OpenAPI document schemathesis can
test). Bounded: a few dozen examples per operation, no deadline (a couple of minutes on two
cores in all).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from tests.register.factories import add_household, small_city

from juki.api.app import api
from juki.core.actor import Actor
from juki.security.actions import do_create_api_client
from juki.security.roles import API_FUNCTIONS

schema = schemathesis.openapi.from_dict(api.get_openapi_schema())
schema.app = get_wsgi_application()

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]


@pytest.fixture
def token(db: None, settings: Any) -> Iterator[str]:
    """A client holding every API function, in a small city with one household.

    The WSGI handler closes the database connection after each request (Django's test client
    does not, and neither may this: the test's transaction holds the data)."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    add_household(small_city(), [{}, {"given_name": "花子", "given_name_kana": "ハナコ", "sex": 2}])
    created = do_create_api_client("fuzz", "試験システム", ["127.0.0.1/32"], sorted(f.value for f in API_FUNCTIONS),
                                   actor=Actor.cli())
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    try:
        yield created.token
    finally:
        request_started.connect(close_old_connections)
        request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=25, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much, HealthCheck.function_scoped_fixture])
def test_every_operation_answers_as_documented(case: schemathesis.Case, token: str) -> None:
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"}, checks=CHECKS)
