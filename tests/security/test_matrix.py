"""The role × function matrix, enforced on every URL and every API operation.

docs/security.md: "a test walks every URL and API endpoint for every role and asserts allow/deny
against the matrix, and fails when a new URL is not in the matrix." Hiroshima digest D1.4
(a role lacking function F gets "forbidden") and D1.5 (per-function terminal allow-list).

The tables below are written out by hand on purpose: adding a URL or an API operation makes
this test fail until its function is declared here, so every new page gets a reviewed
permission. Expected access for each role comes from ``ROLE_FUNCTIONS`` alone.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from tests.conftest import logged_in

from juki.api.app import api
from juki.audit.events import EventType
from juki.audit.log import record
from juki.core.actor import Actor
from juki.security.access import API_DISPATCH, declared_function
from juki.security.actions import do_create_api_client, do_request_role_change
from juki.security.models import Staff, Terminal
from juki.security.roles import (
    API_FUNCTIONS,
    OPEN_FUNCTIONS,
    ROLE_FUNCTIONS,
    TERMINAL_FUNCTIONS,
    Function,
    Role,
)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Passwords are incidental here (Argon2 itself is covered by the login tests): hash fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


F = Function

# --- the tables ------------------------------------------------------------------------------
#
# URL name (``namespace:name``; the route where a pattern has no name) → declared function.
# API_DISPATCH marks the django-ninja entry points: each operation behind them is listed in
# API_OPERATIONS with its own function.

URL_FUNCTIONS: dict[str, Function | str] = {
    # shell
    "home": F.SESSION,
    "healthz": F.PUBLIC,
    # login and session (juki.security.urls_auth)
    "login": F.PUBLIC,
    "login-totp": F.PUBLIC,
    "login-totp-enrol": F.PUBLIC,
    "logout": F.SESSION,
    "lock": F.SESSION,
    "password-change": F.SESSION,
    "terminal-enrol": F.PUBLIC,
    # administration (juki.security.urls_admin)
    "admin-staff": F.STAFF_MANAGE,
    "admin-staff-create": F.STAFF_MANAGE,
    "admin-staff-detail": F.STAFF_MANAGE,
    "admin-staff-own-record": F.STAFF_MANAGE,
    "admin-staff-disable": F.STAFF_MANAGE,
    "admin-staff-enable": F.STAFF_MANAGE,
    "admin-staff-terminals": F.STAFF_MANAGE,
    "admin-staff-reset": F.STAFF_MANAGE,
    "admin-staff-role-request": F.ROLE_REQUEST,
    "admin-role-requests": F.ROLE_APPROVE,
    "admin-role-request-approve": F.ROLE_APPROVE,
    "admin-role-request-reject": F.ROLE_APPROVE,
    "admin-role-request-cancel": F.ROLE_REQUEST,
    "admin-terminals": F.TERMINAL_MANAGE,
    "admin-terminal-create": F.TERMINAL_MANAGE,
    "admin-terminal-detail": F.TERMINAL_MANAGE,
    "admin-terminal-functions": F.TERMINAL_MANAGE,
    "admin-terminal-revoke": F.TERMINAL_MANAGE,
    "admin-terminal-enrol": F.TERMINAL_MANAGE,
    "admin-apiclients": F.TERMINAL_MANAGE,
    # audit log (juki.audit.urls)
    "audit-events": F.AUDIT_READ,
    "audit-event-detail": F.AUDIT_READ,
    # JSON API (juki.api.app)
    "api:openapi-json": F.PUBLIC,
    "api:api-root": API_DISPATCH,  # django-ninja's mount point: answers 404, no operation
    "api:ping": API_DISPATCH,
    "api:resident_search": API_DISPATCH,
    "api:resident_get": API_DISPATCH,
    "api:enter_change": API_DISPATCH,
    "api:list_changes": API_DISPATCH,
    "api:get_change": API_DISPATCH,
    "api:confirm_change": API_DISPATCH,
    "api:reject_change": API_DISPATCH,
    "api:cancel_change": API_DISPATCH,
    "audit-review": F.AUDIT_REVIEW,
    "audit-review-csv": F.AUDIT_REVIEW,
    "audit-review-pdf": F.AUDIT_REVIEW,
    "audit-review-mark": F.AUDIT_REVIEW,
    # bulk output (大量出力)
    "exports-mine": F.EXPORT_REQUEST,
    "exports-produce": F.EXPORT_REQUEST,
    "exports-download": F.EXPORT_REQUEST,
    "exports-pending": F.EXPORT_APPROVE,
    "exports-approve": F.EXPORT_APPROVE,
    "exports-reject": F.EXPORT_APPROVE,
    # disclosure (開示請求等)
    "disclosure-list": F.DISCLOSURE_MANAGE,
    "disclosure-detail": F.DISCLOSURE_MANAGE,
    "disclosure-start": F.DISCLOSURE_MANAGE,
    "disclosure-complete": F.DISCLOSURE_MANAGE,
    "disclosure-refuse": F.DISCLOSURE_MANAGE,
    "disclosure-document": F.DISCLOSURE_MANAGE,
    "disclosure-document-pdf": F.DISCLOSURE_MANAGE,
    # register (住民記録)
    "register-search": F.RESIDENT_SEARCH,
    "register-person": F.RESIDENT_VIEW,
    "register-household": F.RESIDENT_VIEW,
    "register-my-number-reveal": F.MY_NUMBER_REVEAL,
    "register-change-kinds": F.CHANGE_ENTER,
    "register-change-new": F.CHANGE_ENTER,
    "register-change-mine": F.CHANGE_ENTER,
    "register-change-mine-detail": F.CHANGE_ENTER,
    "register-change-cancel": F.CHANGE_ENTER,
    "register-change-pending": F.CHANGE_CONFIRM,
    "register-change-detail": F.CHANGE_CONFIRM,
    "register-change-confirm": F.CHANGE_CONFIRM,
    "register-change-reject": F.CHANGE_CONFIRM,
    # certificates (証明書交付)
    "certificates-index": F.CERTIFICATE_ISSUE,
    "certificates-new": F.CERTIFICATE_ISSUE,
    "certificates-detail": F.CERTIFICATE_ISSUE,
    "certificates-download": F.CERTIFICATE_ISSUE,
    "certificates-reprint": F.CERTIFICATE_ISSUE,
    "certificates-void": F.CERTIFICATE_ISSUE,
    "certificates-ledger": F.CERTIFICATE_ISSUE,
    "certificates-ledger-csv": F.CERTIFICATE_ISSUE,
    "certificates-ledger-pdf": F.CERTIFICATE_ISSUE,
    # statistics (統計)
    "stats-population": F.STATS_VIEW,
    "stats-movements": F.STATS_VIEW,
    "stats-export": F.STATS_VIEW,
    "stats-report": F.STATS_VIEW,
    "stats-lists": F.STATS_LISTS,
    "stats-list-export": F.EXPORT_REQUEST,
    # certificate verification (照合, public)
    "verify-form": F.PUBLIC,
    "verify-certificate": F.PUBLIC,
    # protection measures (支援措置)
    "protection-list": F.PROTECTION_MANAGE,
    "protection-new": F.PROTECTION_MANAGE,
    "protection-detail": F.PROTECTION_MANAGE,
    "protection-confirm": F.PROTECTION_MANAGE,
    "protection-renew": F.PROTECTION_MANAGE,
    "protection-end": F.PROTECTION_MANAGE,
    "protection-attempts": F.PROTECTION_MANAGE,
    "protection-attempt-acknowledge": F.PROTECTION_MANAGE,
}

# (method, path) → function of each django-ninja operation.
API_OPERATIONS: dict[tuple[str, str], Function] = {
    ("GET", "/api/v1/ping"): F.API_PING,
    ("GET", "/api/v1/residents"): F.RESIDENT_SEARCH,
    ("GET", "/api/v1/residents/{addressee_no}"): F.RESIDENT_VIEW,
    ("POST", "/api/v1/changes"): F.CHANGE_ENTER,
    ("GET", "/api/v1/changes"): F.CHANGE_CONFIRM,
    ("GET", "/api/v1/changes/{change_id}"): F.CHANGE_CONFIRM,
    ("POST", "/api/v1/changes/{change_id}/confirm"): F.CHANGE_CONFIRM,
    ("POST", "/api/v1/changes/{change_id}/reject"): F.CHANGE_CONFIRM,
    ("POST", "/api/v1/changes/{change_id}/cancel"): F.CHANGE_ENTER,
}

# Sample requests for API operations that need input (so that a client *without* the
# function is refused for the function, not for invalid input): (method, path) → kwargs
# for the test client (e.g. {"data": {...}, "content_type": "application/json"}).
API_SAMPLES: dict[tuple[str, str], dict[str, Any]] = {
    ("POST", "/api/v1/changes"): {
        "data": {"kind": "move_within", "items": {}, "effective_on": "2024-04-01"}, "content_type": "application/json",
    },
}

# URL names that are mount points rather than pages: 404 for everybody.
NO_CONTENT = {"api:api-root"}

API_PREFIX = "/api/v1"


# --- walking the URLconf and the API ---------------------------------------------------------


@dataclass(frozen=True)
class Route:
    key: str  # namespaced URL name, or the route
    route: str  # e.g. "admin/staff/<str:staff_id>/"
    view: Any

    @property
    def declared(self) -> Function | str | None:
        fn = declared_function(self.view)
        return Function(fn) if fn in {f.value for f in Function} else fn

    @property
    def is_api(self) -> bool:
        return self.declared == API_DISPATCH or self.key.startswith("api:")


def walk(resolver: URLResolver | None = None, prefix: str = "", namespace: str = "") -> Iterator[Route]:
    resolver = resolver or get_resolver()
    for p in resolver.url_patterns:
        if isinstance(p, URLResolver):
            ns = ":".join(x for x in (namespace, p.namespace) if x)
            yield from walk(p, prefix + str(p.pattern), ns)
        elif isinstance(p, URLPattern):
            route = prefix + str(p.pattern)
            key = f"{namespace}:{p.name}" if namespace and p.name else (p.name or route)
            yield Route(key=key, route=route, view=p.callback)


def routes() -> list[Route]:
    return list(walk())


def api_operations() -> dict[tuple[str, str], Any]:
    """Every django-ninja operation (hidden ones included): (method, path) → view function."""
    out: dict[tuple[str, str], Any] = {}
    for prefix, router in api._routers:
        for path, path_view in router.path_operations.items():
            full = "/".join(x.strip("/") for x in (API_PREFIX, prefix, path) if x.strip("/"))
            for op in path_view.operations:
                for method in op.methods:
                    out[(method.upper(), "/" + full)] = op.view_func
    return out


# --- 1. the tables cover everything and agree with the code ---------------------------------------


def test_every_url_is_in_the_table_and_nothing_else():
    found = [r.key for r in routes()]
    duplicates = sorted({k for k in found if found.count(k) > 1})
    assert not duplicates, f"URL names must be unique for the matrix: {duplicates}"
    missing = sorted(set(found) - set(URL_FUNCTIONS))
    stale = sorted(set(URL_FUNCTIONS) - set(found))
    assert not missing, f"URLs not in tests/security/test_matrix.py URL_FUNCTIONS (declare their function): {missing}"
    assert not stale, f"URL_FUNCTIONS lists URLs that no longer exist: {stale}"


def test_every_url_declares_the_function_in_the_table():
    wrong = {r.key: (r.declared, URL_FUNCTIONS[r.key]) for r in routes()
             if r.key in URL_FUNCTIONS and r.declared != URL_FUNCTIONS[r.key]}
    assert not wrong, f"declared vs table: {wrong}"


def test_every_api_operation_is_in_the_table_with_its_function():
    ops = api_operations()
    missing = sorted(set(ops) - set(API_OPERATIONS))
    stale = sorted(set(API_OPERATIONS) - set(ops))
    assert not missing, f"API operations not in API_OPERATIONS: {missing}"
    assert not stale, f"API_OPERATIONS lists operations that no longer exist: {stale}"
    wrong = {k: (getattr(v, "juki_function", None), API_OPERATIONS[k]) for k, v in ops.items()
             if getattr(v, "juki_function", None) != API_OPERATIONS[k]}
    assert not wrong, f"operation declared (via @api_requires) vs table: {wrong}"
    assert all(f in API_FUNCTIONS for f in API_OPERATIONS.values()), "API operations must use API functions"


def test_every_api_route_leads_to_listed_operations():
    """No API pattern escapes the operation table (each dispatch route has operations)."""
    op_paths = {path for _, path in API_OPERATIONS}
    for r in routes():
        if r.declared == API_DISPATCH and r.key not in NO_CONTENT:
            path = "/" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", r.route).rstrip("/")
            assert path in op_paths, f"{r.key} ({r.route}) dispatches to no listed operation"


def test_openapi_document_lists_exactly_the_table_operations():
    schema = api.get_openapi_schema()
    documented = {(m.upper(), API_PREFIX + p.removeprefix(API_PREFIX)) for p, item in schema["paths"].items()
                  for m in item}
    assert documented <= set(API_OPERATIONS)


# --- 2. every role, every URL -------------------------------------------------------------------------

PERSONAS: list[Role | None] = [None, *Role]


def persona_id(role: Role | None) -> str:
    return role.value if role else "anonymous"


@pytest.fixture
def world(make_staff, make_terminal, terminal) -> dict[str, Any]:
    """Objects that path parameters point at, so allowed requests reach real pages."""
    target = make_staff("matrix-target", name="対象 職員")
    req = do_request_role_change(target, Role.STATISTICS, "grant", "MATRIX-1", actor=Actor.cli())
    event = record(EventType.PAGE_VIEW, action="view", function="matrix")
    return {
        "staff_id": target.staff_id,
        "terminal_id": terminal.terminal_id,
        "pk": req.pk,
        "seq": event.seq,
    }


DUMMY_BY_CONVERTER = {"int": "1", "str": "x", "slug": "x", "path": "x", "uuid": "00000000-0000-0000-0000-000000000000"}


def concrete_path(route: str, params: dict[str, Any]) -> str:
    def fill(m: re.Match[str]) -> str:
        converter, name = m.group(1) or "str", m.group(2)
        return str(params.get(name, DUMMY_BY_CONVERTER.get(converter, "x")))

    assert "^" not in route and "(?P" not in route, f"regex routes need an explicit sample: {route}"
    return "/" + re.sub(r"<(?:(\w+):)?(\w+)>", fill, route)


def expected_allowed(role: Role | None, function: Function) -> bool:
    if function == F.PUBLIC:
        return True
    if role is None:
        return False
    return function in OPEN_FUNCTIONS or function in ROLE_FUNCTIONS[role]


def reached_view(response: Any) -> bool:
    """PermissionMiddleware marks a request it let through with the declared function."""
    return getattr(response.wsgi_request, "juki_function", None) is not None


def check(role: Role | None, function: Function, response: Any) -> str | None:
    """None if the response matches the matrix, else a description of the mismatch."""
    status, location = response.status_code, response.get("Location", "")
    if expected_allowed(role, function):
        if not reached_view(response) or status in (401, 403):
            return f"expected allow, got {status} {location}"
        if function != F.PUBLIC and status == 302 and location.startswith(settings.LOGIN_URL):
            return f"expected allow, got redirect to login {location}"
        return None
    if role is None:
        if not (status == 302 and location.startswith(f"{settings.LOGIN_URL}?next=")) or reached_view(response):
            return f"expected anonymous redirect to {settings.LOGIN_URL}, got {status} {location}"
        return None
    if status != 403 or reached_view(response):
        return f"expected 403, got {status} {location}"
    return None


def client_for(role: Role | None, staff: Staff | None, terminal: Terminal) -> Client:
    client = Client()
    return logged_in(client, staff, terminal) if role is not None and staff is not None else client


@pytest.mark.parametrize("role", PERSONAS, ids=persona_id)
def test_every_url_allows_or_denies_each_role_as_the_matrix_says(role, make_staff, terminal, world):
    staff = make_staff(f"matrix-{role.value}", role) if role else None
    mismatches = []
    for r in routes():
        if r.is_api:
            continue
        function = URL_FUNCTIONS[r.key]
        assert isinstance(function, Function)
        path = concrete_path(r.route, world)
        # a fresh client per URL: a page may end the session (logout) or lock the screen
        response = client_for(role, staff, terminal).get(path)
        problem = check(role, function, response)
        if problem:
            mismatches.append(f"{r.key} {path} [{function.value}]: {problem}")
    assert not mismatches, f"{persona_id(role)}:\n" + "\n".join(mismatches)


def test_denials_are_audited(clerk, terminal, world):
    from juki.audit.models import AuditEvent

    before = AuditEvent.objects.filter(event_type=int(EventType.ACCESS_DENIED)).count()
    response = logged_in(Client(), clerk, terminal).get("/admin/staff/")
    assert response.status_code == 403
    denied = AuditEvent.objects.filter(event_type=int(EventType.ACCESS_DENIED)).order_by("-seq")
    assert denied.count() == before + 1
    event = denied.first()
    assert event.staff_id == "clerk01" and event.function == F.STAFF_MANAGE.value
    assert event.terminal_id == terminal.terminal_id and event.outcome == "denied"


# --- 3. per-function terminal restriction (Hiroshima digest D1.5) ------------------------------


def _urls_by_function() -> dict[Function, list[Route]]:
    out: dict[Function, list[Route]] = {}
    for r in routes():
        fn = URL_FUNCTIONS.get(r.key)
        if isinstance(fn, Function) and fn in TERMINAL_FUNCTIONS and not r.is_api:
            out.setdefault(fn, []).append(r)
    return out


def test_terminal_without_a_function_denies_it_even_to_a_role_holding_it(make_staff, make_terminal, world):
    by_function = _urls_by_function()
    assert by_function, "no role-restricted URL to check"
    mismatches = []
    for function, url_routes in sorted(by_function.items()):
        role = next(r for r in Role if function in ROLE_FUNCTIONS[r])
        narrow = make_terminal(f"T-NO-{function.value}"[:32],
                               functions=sorted(f.value for f in TERMINAL_FUNCTIONS if f != function))
        staff = make_staff(f"mx-{function.value}"[:32], role, terminals_=[narrow])
        for r in url_routes:
            path = concrete_path(r.route, world)
            response = logged_in(Client(), staff, narrow).get(path)
            if response.status_code != 403 or reached_view(response):
                mismatches.append(f"{r.key} {path} at terminal without {function.value}: {response.status_code}")
        # the same staff member's other functions still work at that terminal
        others = [f for f in ROLE_FUNCTIONS[role] if f != function and f in by_function]
        for other in others:
            for r in by_function[other]:
                response = logged_in(Client(), staff, narrow).get(concrete_path(r.route, world))
                if check(role, other, response):
                    mismatches.append(f"{r.key} ({other.value}) wrongly refused at terminal without {function.value}")
    assert not mismatches, "\n".join(mismatches)


# --- 4. the API: per-client functions; staff sessions and anonymous callers get 401 ------------------


def _api_request(client: Client, method: str, path: str, **extra: Any) -> Any:
    kwargs = {**API_SAMPLES.get((method, path), {}), **extra}
    return getattr(client, method.lower())(path, **kwargs)


@pytest.mark.parametrize("granted", sorted(API_FUNCTIONS), ids=lambda f: f.value)
def test_api_client_reaches_exactly_the_operations_of_its_functions(db, granted):
    created = do_create_api_client(f"mx-{granted.value.replace('.', '-')}", "試験システム", ["127.0.0.1/32"],
                                   [granted.value], actor=Actor.cli())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {created.token}"}
    mismatches = []
    for (method, path), function in API_OPERATIONS.items():
        response = _api_request(Client(), method, path, **auth)
        if function == granted:
            if response.status_code in (401, 403):
                mismatches.append(f"{method} {path}: expected allow, got {response.status_code}")
        elif response.status_code != 403 or response.json().get("code") != "FORBIDDEN":
            hint = " (add a valid sample to API_SAMPLES)" if response.status_code == 422 else ""
            mismatches.append(f"{method} {path}: expected 403 FORBIDDEN, got {response.status_code}{hint}")
    assert not mismatches, "\n".join(mismatches)


@pytest.mark.parametrize("role", PERSONAS, ids=persona_id)
def test_api_refuses_staff_sessions_and_anonymous_callers(role, make_staff, terminal):
    """The API authenticates systems by token only: a staff browser session grants nothing."""
    staff = make_staff(f"matrix-{role.value}", role) if role else None
    for (method, path) in API_OPERATIONS:
        response = _api_request(client_for(role, staff, terminal), method, path)
        assert response.status_code == 401, (method, path, response.status_code)
        assert response.json()["code"] == "API_TOKEN_MISSING"
    for r in routes():
        if r.key in NO_CONTENT:
            assert client_for(role, staff, terminal).get("/" + r.route).status_code == 404
        elif URL_FUNCTIONS[r.key] == F.PUBLIC and r.is_api:
            assert client_for(role, staff, terminal).get("/" + r.route).status_code == 200
