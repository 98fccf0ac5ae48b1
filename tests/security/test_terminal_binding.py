"""Registered terminals: enrolling a browser, and sessions bound to the terminal they logged in at.

Sources: Akita digest §5.2 requirement 32 (each user restricted to designated terminals);
Hiroshima digest A5.1 (機能ごとにアクセスできる端末の制限); docs/security.md (terminal ID bound
to the browser by a signed httpOnly cookie; login from an unregistered or unassigned terminal
refused and audited).
"""

from __future__ import annotations

import re

import pytest
from django.conf import settings as django_settings
from django.core import signing

from conftest import at_terminal, logged_in
from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.security import terminals
from juki.security.models import Terminal


def error_code(response) -> str | None:
    m = re.search(r"エラーコード: <code>([A-Z_]+)</code>", response.content.decode())
    return m.group(1) if m else None


def events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))


def is_logged_out(client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response["Location"].startswith("/login/")


def assert_session_ended(response, client, reason: str = "terminal_mismatch") -> None:
    assert response.status_code == 401 and error_code(response) == "TERMINAL_SESSION_MISMATCH"
    event = events(EventType.SESSION_ENDED)[-1]
    assert event.outcome == Outcome.DENIED and event.detail["reason"] == reason
    assert is_logged_out(client)


# --- a session stays on its terminal ------------------------------------------------------------

def test_a_session_moved_to_another_terminal_cookie_is_ended(client, terminal, make_terminal, clerk):
    other = make_terminal("T-OTHER-02")
    clerk.terminals.add(other)  # even a terminal the clerk may use: the session belongs to the first
    logged_in(client, clerk, terminal)
    assert client.get("/").status_code == 200
    at_terminal(client, other)
    response = client.get("/")
    assert_session_ended(response, client)
    assert events(EventType.SESSION_ENDED)[-1].detail["bound"] == terminal.terminal_id


def test_a_session_without_its_terminal_cookie_is_ended(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    del client.cookies[django_settings.JUKI_TERMINAL_COOKIE]
    assert_session_ended(client.get("/"), client)


def test_a_session_with_a_tampered_terminal_cookie_is_ended(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    value = client.cookies[django_settings.JUKI_TERMINAL_COOKIE].value
    client.cookies[django_settings.JUKI_TERMINAL_COOKIE] = value[:-2] + ("AA" if not value.endswith("AA") else "BB")
    assert_session_ended(client.get("/"), client)


def test_a_session_ends_when_its_terminal_is_revoked(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    Terminal.objects.filter(pk=terminal.pk).update(is_active=False)
    assert_session_ended(client.get("/"), client)


def test_a_session_ends_when_the_staff_member_is_taken_off_the_terminal(client, terminal, make_terminal, clerk):
    logged_in(client, clerk, terminal)
    clerk.terminals.set([make_terminal("T-OTHER-02")])
    assert_session_ended(client.get("/"), client)


def test_terminal_cookie_is_signed_http_only_and_same_site_strict(client, terminal):
    code = terminals.issue_enrolment_code(terminal)
    response = client.post("/terminal/enrol/", {"code": code})
    cookie = response.cookies[django_settings.JUKI_TERMINAL_COOKIE]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert signing.loads(cookie.value, salt=terminals.SALT)["t"] == terminal.terminal_id
    # Another terminal's payload under this cookie's signature does not pass.
    forged_payload = signing.dumps({"t": "T-FORGED-99", "n": terminal.binding_nonce}, salt=terminals.SALT)
    forged = forged_payload.rsplit(":", 1)[0] + ":" + cookie.value.rsplit(":", 1)[1]
    with pytest.raises(signing.BadSignature):
        signing.loads(forged, salt=terminals.SALT)


# --- enrolling a browser as a terminal ---------------------------------------------------------------

def test_enrolment_url_fills_the_form_but_only_the_button_redeems_the_code(client, terminal):
    code = terminals.issue_enrolment_code(terminal)
    page = client.get(f"/terminal/enrol/?code={code}")
    assert page.status_code == 200
    html = page.content.decode()
    assert f'value="{code}"' in html and "この端末を登録" in html
    assert re.search(r'<input[^>]+name="code"[^>]+autofocus', html)
    assert Terminal.objects.get(pk=terminal.pk).enrolment_code_hash  # not consumed by a GET
    assert django_settings.JUKI_TERMINAL_COOKIE not in page.cookies


def test_redeeming_a_code_sets_the_cookie_and_is_audited(client, terminal):
    old_cookie = terminals.cookie_value(terminal)
    code = terminals.issue_enrolment_code(terminal)
    response = client.post("/terminal/enrol/", {"code": code.lower()})  # read aloud, typed in lower case
    assert response.status_code == 200
    assert "端末を登録しました" in response.content.decode()
    (event,) = events(EventType.TERMINAL_ENROLLED)
    assert event.terminal_id == terminal.terminal_id and event.outcome == Outcome.OK
    # The browser is now that terminal, and the cookie from before the enrolment no longer is.
    page = client.get("/login/").content.decode()
    assert f"端末: <strong>{terminal.terminal_id}</strong>" in page
    client.cookies[django_settings.JUKI_TERMINAL_COOKIE] = old_cookie
    assert "この端末（ブラウザ）は登録されていません" in client.get("/login/").content.decode()


def test_a_code_works_only_once(client, terminal):
    code = terminals.issue_enrolment_code(terminal)
    client.post("/terminal/enrol/", {"code": code})
    response = client.post("/terminal/enrol/", {"code": code})
    assert response.status_code == 400 and error_code(response) == "TERMINAL_ENROLMENT_INVALID"


@pytest.mark.parametrize("kind", ["wrong", "expired", "empty", "revoked"])
def test_a_bad_enrolment_code_is_refused_and_audited(client, terminal, kind):
    import datetime as dt

    from juki.core import clock

    code = terminals.issue_enrolment_code(terminal)
    if kind == "wrong":
        code = "AAAA-BBBB-CCCC"
    elif kind == "expired":
        Terminal.objects.filter(pk=terminal.pk).update(enrolment_expires_at=clock.now() - dt.timedelta(seconds=1))
    elif kind == "empty":
        code = ""
    else:
        Terminal.objects.filter(pk=terminal.pk).update(is_active=False)
    response = client.post("/terminal/enrol/", {"code": code})
    assert response.status_code == 400 and error_code(response) == "TERMINAL_ENROLMENT_INVALID"
    assert "登録コードが正しくないか、有効期限が切れています。" in response.content.decode()
    (event,) = events(EventType.TERMINAL_ENROLMENT_FAILED)
    assert event.outcome == Outcome.DENIED and event.detail == {"reason": "invalid_or_expired_code"}
    assert django_settings.JUKI_TERMINAL_COOKIE not in response.cookies


def test_repeated_bad_codes_from_one_address_are_throttled(client, terminal, settings):
    settings.JUKI_LOGIN_IP_LIMIT = 2
    for _ in range(2):
        client.post("/terminal/enrol/", {"code": "AAAA-BBBB-CCCC"}, REMOTE_ADDR="192.0.2.9")
    code = terminals.issue_enrolment_code(terminal)
    response = client.post("/terminal/enrol/", {"code": code}, REMOTE_ADDR="192.0.2.9")
    assert response.status_code == 429 and error_code(response) == "TERMINAL_ENROLMENT_THROTTLED"
    assert events(EventType.LOGIN_FAILED)[-1].detail["reason"] == "enrolment_ip_throttled"
    assert Terminal.objects.get(pk=terminal.pk).enrolment_code_hash  # the good code is still unused
