"""API authentication (外部システム認証): per-system bearer tokens bound to source addresses.

Token format: ``juki_<client_id>_<secret>`` (secret: 64 hex digits); only SHA-256 of the
whole token is stored. A call is accepted only if the token matches an active client, the
caller's address lies in one of the client's networks, and the operation's function is
granted to the client. Every call and every refusal is audited; every refusal is RFC 9457
problem+json with a stable code and a Japanese message:

=========================  ======  ==================================================
code                       status  when
=========================  ======  ==================================================
API_TOKEN_MISSING          401     no ``Authorization: Bearer`` header
API_TOKEN_MALFORMED        401     not a juki token (wrong scheme or shape)
API_TOKEN_INVALID          401     unknown client, wrong secret, or revoked client
API_ADDRESS_NOT_ALLOWED    403     valid token from an address outside the client's networks
FORBIDDEN                  403     the operation's function is not granted to the client
=========================  ======  ==================================================

An unknown client and a revoked one get the same answer (no oracle of client IDs).
"""

from __future__ import annotations

import functools
import hmac
import ipaddress
from collections.abc import Callable
from typing import Any

from django.http import HttpRequest
from ninja.security import HttpBearer

from juki.audit.events import EventType, Outcome, refusal_outcome
from juki.audit.log import client_ip, record
from juki.core.errors import AuthenticationFailed, JukiError, PermissionDenied
from juki.security.api_tokens import hash_token, parse_token
from juki.security.models import ApiClient
from juki.security.roles import Function


def ip_allowed(ip: str, networks: list[str]) -> bool:
    try:
        addr = ipaddress.ip_address(ip)
    except ValueError:
        return False
    for net in networks:
        try:
            if addr in ipaddress.ip_network(net, strict=False):
                return True
        except ValueError:
            continue
    return False


# --- refusals ------------------------------------------------------------------------------

def token_missing() -> JukiError:
    return AuthenticationFailed(code="API_TOKEN_MISSING", message="APIトークンが指定されていません。")


def token_malformed() -> JukiError:
    return AuthenticationFailed(code="API_TOKEN_MALFORMED", message="APIトークンの形式が正しくありません。")


def token_invalid() -> JukiError:
    return AuthenticationFailed(code="API_TOKEN_INVALID", message="APIトークンが無効です。")


def address_not_allowed() -> JukiError:
    return PermissionDenied(code="API_ADDRESS_NOT_ALLOWED", message="この接続元アドレスからは利用できません。")


def _refuse(request: HttpRequest, error: JukiError, reason: str, client_id: str = "") -> JukiError:
    """Audit an authentication refusal (no transaction is open here) and return the error."""
    record(
        EventType.API_AUTH_FAILED, action="api", function=request.path[:64], outcome=Outcome.DENIED,
        terminal_id=f"api:{client_id}" if client_id else "api", ip=client_ip(request),
        detail={"code": error.code, "reason": reason, "path": request.path[:200]},
    )
    return error


class ApiTokenAuth(HttpBearer):
    """Bearer-token authentication; raises a :class:`JukiError` (audited) for every refusal."""

    def __call__(self, request: HttpRequest) -> Any:
        header = request.headers.get(self.header, "")
        if not header.strip():
            raise _refuse(request, token_missing(), "no_authorization_header")
        scheme, _, token = header.strip().partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise _refuse(request, token_malformed(), "not_bearer")
        return self.authenticate(request, token.strip())

    def authenticate(self, request: HttpRequest, token: str) -> ApiClient:
        digest = hash_token(token)
        parsed = parse_token(token)
        if parsed is None:
            raise _refuse(request, token_malformed(), "bad_shape")
        client = ApiClient.objects.filter(client_id=parsed[0]).first()
        if client is None:
            raise _refuse(request, token_invalid(), "unknown_client")
        if not hmac.compare_digest(client.token_hash, digest):
            raise _refuse(request, token_invalid(), "wrong_secret", client.client_id)
        if not client.is_active or client.revoked_at is not None:
            raise _refuse(request, token_invalid(), "client_revoked", client.client_id)
        if not ip_allowed(client_ip(request), list(client.allowed_networks or [])):
            raise _refuse(request, address_not_allowed(), "address_not_allowed", client.client_id)
        request.api_client = client  # type: ignore[attr-defined]  # read by the audit log
        return client


def api_requires(function: Function) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Declare and enforce the function of an API operation (deny by default).

    The call is audited as ``API_CALL`` (ok), or with outcome denied / error if the operation
    refuses or fails.
    """

    def decorate(op: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(op)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> Any:
            client: ApiClient = request.auth  # type: ignore[attr-defined]  # set by ApiTokenAuth
            terminal_id, ip = f"api:{client.client_id}", client_ip(request)
            if function.value not in (client.functions or []):
                record(EventType.ACCESS_DENIED, action="deny", function=function.value, outcome=Outcome.DENIED,
                       detail={"path": request.path[:200], "code": "FORBIDDEN"}, terminal_id=terminal_id, ip=ip)
                raise PermissionDenied()
            try:
                result = op(request, *args, **kwargs)
            except JukiError as err:
                record(EventType.API_CALL, action="api", function=function.value, outcome=refusal_outcome(err),
                       detail={"path": request.path[:200], "code": err.code}, terminal_id=terminal_id, ip=ip)
                raise
            except Exception:
                record(EventType.API_CALL, action="api", function=function.value, outcome=Outcome.ERROR,
                       detail={"path": request.path[:200]}, terminal_id=terminal_id, ip=ip)
                raise
            record(EventType.API_CALL, action="api", function=function.value,
                   detail={"path": request.path[:200]}, terminal_id=terminal_id, ip=ip)
            return result

        wrapper.juki_function = function  # type: ignore[attr-defined]  # read by declared_function
        return wrapper

    return decorate


def authentication_error_body() -> dict[str, Any]:
    """Body for ninja's own AuthenticationError (not reached: every refusal above raises)."""
    return AuthenticationFailed(code="API_AUTH_FAILED", message="APIの認証に失敗しました。").as_problem()
