"""The JSON API (/api/v1/), for other systems with per-system tokens.

Each operation declares its function with ``@api_requires``; :mod:`juki.api.auth` checks the
token, the caller's address and the function, and audits every call and refusal. Errors are
RFC 9457 problem+json with a stable code and a Japanese message.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.exceptions import RequestDataTooBig
from django.http import HttpRequest, HttpResponse
from django.urls import URLPattern
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as NinjaValidationError

from juki.core.errors import JukiError
from juki.security.access import API_DISPATCH, requires
from juki.security.roles import Function

from .auth import ApiTokenAuth, api_requires, authentication_error_body
from .changes import router as changes_router
from .contract import AUTH, add_problem_schema, problem_responses
from .register import router as residents_router


class JukiAPI(NinjaAPI):
    """django-ninja's API with the ``Problem`` schema the declared error responses refer to."""

    def get_openapi_schema(self, **kwargs: Any) -> Any:
        return add_problem_schema(super().get_openapi_schema(**kwargs))


api = JukiAPI(
    title="juki API",
    version="1",
    description="住民記録システム juki の外部システム向けAPI",
    auth=ApiTokenAuth(),
    urls_namespace="api",
    docs_url=None,  # the interactive docs load scripts from a CDN; the schema is at openapi.json
)


def problem(request: HttpRequest, body: dict, status: int) -> HttpResponse:
    """An RFC 9457 problem+json response."""
    response = api.create_response(request, body, status=status)
    response["Content-Type"] = "application/problem+json"
    return response


@api.exception_handler(AuthenticationError)
def auth_error(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    return problem(request, authentication_error_body(), 401)


@api.exception_handler(JukiError)
def juki_error(request: HttpRequest, exc: JukiError) -> HttpResponse:
    return problem(request, exc.as_problem(), exc.status)


@api.exception_handler(HttpError)
def http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    """ninja's own refusals (e.g. a body that is not JSON): problem+json like every other."""
    code = "API_BODY_UNREADABLE" if exc.status_code == 400 else f"API_HTTP_{exc.status_code}"
    message = "リクエストの本文を読み取れません（JSON形式で送ってください）。" if exc.status_code == 400 else "リクエストを処理できません。"
    return problem(request, JukiError(code, message, status=exc.status_code).as_problem(), exc.status_code)


@api.exception_handler(RequestDataTooBig)
def body_too_large(request: HttpRequest, exc: RequestDataTooBig) -> HttpResponse:
    """A body over ``DATA_UPLOAD_MAX_MEMORY_SIZE``: problem+json, not Django's HTML 400 page."""
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = JukiError("API_BODY_TOO_LARGE", f"リクエストの本文が大きすぎます（上限 {limit} バイト）。",
                     status=413).as_problem()
    return problem(request, body, 413)


@api.exception_handler(NinjaValidationError)
def input_error(request: HttpRequest, exc: NinjaValidationError) -> HttpResponse:
    """A request body or parameter that does not fit the operation's schema: problem+json too."""
    first = exc.errors[0] if exc.errors else {}
    loc = ".".join(str(p) for p in first.get("loc", ()) if p not in ("body", "payload", "query", "path"))
    body = JukiError("API_INPUT_INVALID", f"入力の形式が正しくありません（{loc or '入力'}: {first.get('msg', '')}）。",
                     status=422, field=loc or None).as_problem()
    return problem(request, body, 422)


class PingOut(Schema):
    status: str
    client_id: str


@api.get("/ping", response=PingOut, summary="疎通確認", operation_id="ping", openapi_extra=problem_responses(AUTH))
@api_requires(Function.API_PING)
def ping(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok", "client_id": request.auth.client_id}  # type: ignore[attr-defined]  # set by ApiTokenAuth


api.add_router("/changes", changes_router)
api.add_router("/residents", residents_router)


def urlpatterns() -> tuple[list, str, str]:
    """``api.urls`` with every pattern marked for the permission middleware.

    The OpenAPI document is public (it describes, it does not reveal); every operation is
    checked by :func:`juki.api.auth.api_requires`.
    """
    patterns, app_name, namespace = api.urls
    for p in patterns:
        # django-ninja's patterns are flat; anything else stays unmarked and is refused.
        if isinstance(p, URLPattern):
            requires(Function.PUBLIC if p.name == "openapi-json" else API_DISPATCH)(p.callback)
    return patterns, app_name, namespace
