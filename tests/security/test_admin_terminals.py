"""Terminal and API client actions: register, restrict, enrol, revoke; per-system API tokens.

Sources: docs/security.md (registered terminals bound to the browser, API tokens restricted to
listed addresses); Hiroshima digest D1.5 (per-function terminal allow-list).
"""

from __future__ import annotations

import pytest
from django.conf import settings
from tests.conftest import logged_in

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.security import terminals as binding
from juki.security.actions import (
    do_create_api_client,
    do_issue_enrolment_code,
    do_register_terminal,
    do_revoke_api_client,
    do_revoke_terminal,
    do_set_terminal_functions,
)
from juki.security.models import ApiClient, Terminal
from juki.security.roles import TERMINAL_FUNCTIONS, Function

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Passwords are incidental here (Argon2 itself is covered by the login tests): hash fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))


def refused(fn, code: str, *args, **kwargs) -> JukiError:  # type: ignore[no-untyped-def]
    with pytest.raises(JukiError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


# --- terminals ------------------------------------------------------------------------------


def test_register_terminal_with_all_functions(admin):
    t = do_register_terminal("T-2F-05", "2階 窓口5", "市民課2階", "all", actor=Actor.for_staff(admin))
    assert t.functions == sorted(f.value for f in TERMINAL_FUNCTIONS)
    assert t.is_active and t.binding_nonce == "" and t.enrolled_at is None  # unusable until enrolled
    (event,) = events(EventType.TERMINAL_REGISTERED)
    assert event.staff_id == "admin01" and event.detail["terminal"] == "T-2F-05"


def test_register_terminal_restricted_to_some_functions(admin):
    t = do_register_terminal("T-STATS", "統計端末", "", ["stats.view", Function.RESIDENT_SEARCH], actor=Actor.for_staff(admin))
    assert t.functions == ["resident.search", "stats.view"]
    assert t.allows(Function.STATS_VIEW) and not t.allows(Function.CHANGE_ENTER)


@pytest.mark.parametrize(
    ("terminal_id", "name", "functions", "code"),
    [
        ("x", "短い", "all", "TERMINAL_ID_INVALID"),
        ("new", "予約語", "all", "TERMINAL_ID_INVALID"),
        ("T-OK", " ", "all", "TERMINAL_NAME_REQUIRED"),
        ("T-OK", "端末", "resident.search,launch.missiles", "UNKNOWN_FUNCTION"),
        ("T-OK", "端末", "api.ping", "UNKNOWN_FUNCTION"),  # API-only, never a terminal function
        ("T-OK", "端末", "public", "UNKNOWN_FUNCTION"),
        ("T-OK", "端末", "", "FUNCTIONS_REQUIRED"),
        ("T-COUNTER-01", "重複", "all", "TERMINAL_ID_TAKEN"),
    ],
)
def test_bad_terminal_input_is_refused_and_audited(admin, terminal_id, name, functions, code):
    refused(do_register_terminal, code, terminal_id, name, "", functions, actor=Actor.for_staff(admin))
    assert Terminal.objects.count() == 1  # the fixture terminal only
    (event,) = events(EventType.TERMINAL_REGISTERED)
    assert event.outcome == Outcome.INVALID and event.detail["code"] == code


@pytest.mark.parametrize("persona", ["clerk", "auditor"])
def test_non_administrators_cannot_manage_terminals(request, persona, terminal):
    acting = request.getfixturevalue(persona)
    refused(do_register_terminal, "ADMIN_FORBIDDEN", "T-X", "端末", "", "all", actor=Actor.for_staff(acting))
    refused(do_revoke_terminal, "ADMIN_FORBIDDEN", terminal, actor=Actor.for_staff(acting))
    refused(do_issue_enrolment_code, "ADMIN_FORBIDDEN", terminal, actor=Actor.for_staff(acting))
    refused(do_set_terminal_functions, "ADMIN_FORBIDDEN", terminal, "all", actor=Actor.for_staff(acting))
    terminal.refresh_from_db()
    assert terminal.is_active and terminal.enrolment_code_hash == ""


def test_enrolment_code_binds_a_browser_once_and_is_never_logged(admin, client):
    t = do_register_terminal("T-NEW", "新端末", "", "all", actor=Actor.for_staff(admin))
    code = do_issue_enrolment_code(t, actor=Actor.for_staff(admin))
    assert code not in str(list(AuditEvent.objects.values_list("detail", flat=True)))
    (event,) = events(EventType.TERMINAL_ENROLMENT_ISSUED)
    assert event.detail["terminal"] == "T-NEW" and event.detail["expires_at"]

    redeemed = binding.redeem_enrolment_code(code)
    assert redeemed is not None and redeemed.terminal_id == "T-NEW" and redeemed.binding_nonce
    assert binding.redeem_enrolment_code(code) is None  # one-time


def test_new_enrolment_code_replaces_the_previous_one(admin):
    t = do_register_terminal("T-NEW", "新端末", "", "all", actor=Actor.for_staff(admin))
    old = do_issue_enrolment_code(t, actor=Actor.for_staff(admin))
    new = do_issue_enrolment_code(t, actor=Actor.for_staff(admin))
    assert binding.redeem_enrolment_code(old) is None
    assert binding.redeem_enrolment_code(new) is not None


def test_revoked_terminal_ends_sessions_and_gets_no_code(client, admin, clerk, terminal):
    logged_in(client, clerk, terminal)
    assert client.get("/").status_code == 200
    do_revoke_terminal(terminal, actor=Actor.for_staff(admin), reason="故障")
    terminal.refresh_from_db()
    assert not terminal.is_active and terminal.revoked_at is not None and terminal.binding_nonce == ""
    assert client.get("/").status_code == 401  # TerminalMiddleware ends the bound session
    refused(do_issue_enrolment_code, "TERMINAL_REVOKED", terminal, actor=Actor.for_staff(admin))
    refused(do_revoke_terminal, "ALREADY_REVOKED", terminal, actor=Actor.for_staff(admin))
    refused(do_set_terminal_functions, "TERMINAL_REVOKED", terminal, "all", actor=Actor.for_staff(admin))
    assert events(EventType.TERMINAL_REVOKED)[0].detail["reason"] == "故障"


def test_changing_terminal_functions_applies_at_once(client, admin, clerk, terminal):
    """Hiroshima digest D1.5: a function removed from a terminal is refused there, even to a
    staff member whose role grants it."""
    logged_in(client, clerk, terminal)
    assert client.get("/").status_code == 200
    do_set_terminal_functions(terminal, ["resident.view"], actor=Actor.for_staff(admin))
    terminal.refresh_from_db()
    assert terminal.functions == ["resident.view"]
    assert not terminal.allows(Function.RESIDENT_SEARCH)
    (event,) = events(EventType.TERMINAL_FUNCTIONS_CHANGED)
    assert event.detail["after"] == ["resident.view"] and "resident.search" in event.detail["before"]


def test_cli_operator_registers_terminals(db):
    t = do_register_terminal("T-CLI", "CLI端末", "", "all", actor=Actor.cli())
    assert events(EventType.TERMINAL_REGISTERED)[0].staff_id.startswith("cli:")
    assert t.terminal_id == "T-CLI"


# --- API clients ----------------------------------------------------------------------------


def test_api_client_token_works_only_from_listed_networks(admin, client):
    created = do_create_api_client("tax-system", "税務システム", ["127.0.0.1/32", "10.1.0.0/16"], ["api.ping"],
                                   actor=Actor.for_staff(admin))
    c = created.client
    assert c.allowed_networks == ["127.0.0.1/32", "10.1.0.0/16"] and c.functions == ["api.ping"]
    assert created.token.startswith("juki_tax-system_")
    assert created.token not in c.token_hash
    (event,) = events(EventType.API_CLIENT_CREATED)
    assert created.token not in str(event.detail) and event.detail["networks"] == c.allowed_networks

    auth = {"HTTP_AUTHORIZATION": f"Bearer {created.token}"}
    assert client.get("/api/v1/ping", **auth).status_code == 200
    outside = client.get("/api/v1/ping", REMOTE_ADDR="192.0.2.7", **auth)
    assert outside.status_code == 403 and outside.json()["code"] == "API_ADDRESS_NOT_ALLOWED"


def test_revoked_api_client_token_stops_working(admin, client):
    created = do_create_api_client("welfare", "福祉システム", ["127.0.0.1/32"], ["api.ping"], actor=Actor.for_staff(admin))
    do_revoke_api_client(created.client, actor=Actor.for_staff(admin), reason="契約終了")
    created.client.refresh_from_db()
    assert not created.client.is_active and created.client.revoked_at is not None
    assert client.get("/api/v1/ping", HTTP_AUTHORIZATION=f"Bearer {created.token}").status_code == 401
    refused(do_revoke_api_client, "ALREADY_REVOKED", created.client, actor=Actor.for_staff(admin))
    assert events(EventType.API_CLIENT_REVOKED)[0].outcome == Outcome.OK


@pytest.mark.parametrize(
    ("client_id", "networks", "functions", "code"),
    [
        ("tax_system", ["10.0.0.0/8"], ["api.ping"], "API_CLIENT_ID_INVALID"),  # "_" splits the token
        ("t", ["10.0.0.0/8"], ["api.ping"], "API_CLIENT_ID_INVALID"),
        ("tax", ["10.0.0.1/8"], ["api.ping"], "NETWORK_INVALID"),  # host bits set
        ("tax", ["10.0.0.0/33"], ["api.ping"], "NETWORK_INVALID"),
        ("tax", ["city hall"], ["api.ping"], "NETWORK_INVALID"),
        ("tax", ["0.0.0.0/0"], ["api.ping"], "NETWORK_TOO_BROAD"),
        ("tax", ["::/0"], ["api.ping"], "NETWORK_TOO_BROAD"),
        ("tax", [], ["api.ping"], "NETWORKS_REQUIRED"),
        ("tax", ["10.0.0.0/8"], [], "FUNCTIONS_REQUIRED"),
        ("tax", ["10.0.0.0/8"], ["staff.manage"], "UNKNOWN_FUNCTION"),  # staff functions are not API functions
        ("tax", ["10.0.0.0/8"], ["no.such"], "UNKNOWN_FUNCTION"),
    ],
)
def test_bad_api_client_input_is_refused_and_audited(admin, client_id, networks, functions, code):
    refused(do_create_api_client, code, client_id, "税務", networks, functions, actor=Actor.for_staff(admin))
    assert not ApiClient.objects.exists()
    (event,) = events(EventType.API_CLIENT_CREATED)
    assert event.outcome == Outcome.INVALID and event.detail["code"] == code


def test_api_client_id_is_never_reused(admin):
    first = do_create_api_client("tax", "税務", ["10.0.0.0/8"], ["api.ping"], actor=Actor.for_staff(admin))
    do_revoke_api_client(first.client, actor=Actor.for_staff(admin))
    refused(do_create_api_client, "API_CLIENT_ID_TAKEN", "TAX", "税務", ["10.0.0.0/8"], ["api.ping"], actor=Actor.for_staff(admin))


@pytest.mark.parametrize("persona", ["clerk", "auditor"])
def test_non_administrators_cannot_manage_api_clients(request, persona, admin):
    acting = request.getfixturevalue(persona)
    refused(do_create_api_client, "ADMIN_FORBIDDEN", "tax", "税務", ["10.0.0.0/8"], ["api.ping"], actor=Actor.for_staff(acting))
    created = do_create_api_client("tax", "税務", ["10.0.0.0/8"], ["api.ping"], actor=Actor.for_staff(admin))
    refused(do_revoke_api_client, "ADMIN_FORBIDDEN", created.client, actor=Actor.for_staff(acting))


def test_ipv6_networks_are_accepted(admin):
    created = do_create_api_client("v6", "IPv6", ["2001:db8::/32"], ["api.ping"], actor=Actor.for_staff(admin))
    assert created.client.allowed_networks == ["2001:db8::/32"]


def test_terminal_cookie_setting_is_used(admin):
    """The enrolled cookie carries the terminal and its fresh nonce (sanity check of the binding)."""
    t = do_register_terminal("T-COOKIE", "端末", "", "all", actor=Actor.for_staff(admin))
    redeemed = binding.redeem_enrolment_code(do_issue_enrolment_code(t, actor=Actor.for_staff(admin)))
    assert redeemed is not None
    assert settings.JUKI_TERMINAL_COOKIE and binding.cookie_value(redeemed)
