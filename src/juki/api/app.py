"""The JSON API (/api/v1/), for other systems with per-system tokens.

Each operation declares its function with ``@api_requires``; :mod:`juki.api.auth` checks the
token, the caller's address and the function, and audits every call and refusal. Errors are
RFC 9457 problem+json with a stable code and a Japanese message.
"""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError

from juki.core.errors import JukiError
from juki.security.roles import Function

from .auth import ApiTokenAuth, api_requires, authentication_error_body

api = NinjaAPI(
    title="juki API",
    version="1",
    description="住民記録システム juki の外部システム向けAPI",
    auth=ApiTokenAuth(),
    urls_namespace="api",
    docs_url=None,  # the interactive docs load scripts from a CDN; the schema is at openapi.json
)


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError):  # type: ignore[no-untyped-def]
    return api.create_response(request, authentication_error_body(), status=401)


@api.exception_handler(JukiError)
def juki_error(request: HttpRequest, exc: JukiError):  # type: ignore[no-untyped-def]
    return api.create_response(request, exc.as_problem(), status=exc.status)


class PingOut(Schema):
    status: str
    client_id: str


@api.get("/ping", response=PingOut, summary="疎通確認", operation_id="ping")
@api_requires(Function.API_PING)
def ping(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok", "client_id": request.auth.client_id}  # type: ignore[attr-defined]


def urlpatterns() -> tuple[list, str, str]:
    """``api.urls`` with every pattern marked for the permission middleware.

    The OpenAPI document is public (it describes, it does not reveal); every operation is
    checked by :func:`juki.api.auth.api_requires`.
    """
    from juki.security.access import API_DISPATCH
    from juki.security.roles import Function

    patterns, app_name, namespace = api.urls
    for p in patterns:
        p.callback.juki_function = Function.PUBLIC if p.name == "openapi-json" else API_DISPATCH
    return patterns, app_name, namespace
