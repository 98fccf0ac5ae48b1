"""API authentication (外部システム認証): per-system bearer tokens bound to source addresses.

Token format: ``juki_<client_id>_<secret>``; only SHA-256 of the whole token is stored.
A call is accepted only if the token matches an active client, the caller's address lies in
one of the client's networks, and the operation's function is granted to the client.
Every call and every refusal is audited.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import ipaddress
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from juki.audit.events import EventType, Outcome
from juki.audit.log import client_ip, record
from juki.core.errors import AuthenticationFailed, PermissionDenied
from juki.security.models import ApiClient
from juki.security.roles import Function


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def ip_allowed(ip: str, networks: list[str]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    return any(addr in ipaddress.ip_network(n, strict=False) for n in networks)


def _audit_refusal(request: HttpRequest, code: str, client_id: str = "") -> None:
    record(
        EventType.API_AUTH_FAILED, action="api", function=request.path[:64], outcome=Outcome.DENIED,
        terminal_id=f"api:{client_id}" if client_id else "api", ip=client_ip(request), detail={"code": code},
    )


class ApiTokenAuth(HttpBearer):
    def __call__(self, request: HttpRequest) -> Any:
        result = super().__call__(request)
        if result is None and not getattr(request, "_juki_refused", False):
            _audit_refusal(request, "API_TOKEN_MISSING")
        return result

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient | None:
        request._juki_refused = True  # type: ignore[attr-defined]
        parts = token.split("_", 2)
        if len(parts) != 3 or parts[0] != "juki":
            _audit_refusal(request, "API_TOKEN_MALFORMED")
            return None
        client = ApiClient.objects.filter(client_id=parts[1], is_active=True).first()
        if client is None or not hmac.compare_digest(client.token_hash, hash_token(token)):
            _audit_refusal(request, "API_TOKEN_INVALID", parts[1] if client else "")
            return None
        if not ip_allowed(client_ip(request), client.allowed_networks):
            _audit_refusal(request, "API_ADDRESS_NOT_ALLOWED", client.client_id)
            return None
        request.api_client = client  # type: ignore[attr-defined]
        return client


def api_requires(function: Function) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and enforce the function of an API operation (deny by default)."""

    def decorate(op: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(op)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            client: ApiClient = request.auth  # type: ignore[attr-defined]
            if function.value not in client.functions:
                record(EventType.ACCESS_DENIED, action="deny", function=function.value, outcome=Outcome.DENIED,
                       terminal_id=f"api:{client.client_id}", ip=client_ip(request), detail={"path": request.path})
                raise PermissionDenied()
            result = op(request, *args, **kwargs)
            record(EventType.API_CALL, action="api", function=function.value,
                   terminal_id=f"api:{client.client_id}", ip=client_ip(request), detail={"path": request.path})
            return result

        wrapper.juki_function = function  # type: ignore[attr-defined]
        return wrapper

    return decorate


def authentication_error_body() -> dict[str, Any]:
    return AuthenticationFailed(code="API_AUTH_FAILED", message="APIの認証に失敗しました。").as_problem()
