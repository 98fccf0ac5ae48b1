"""Login, step 1 (職員ID + パスワード at a registered terminal): refusals, lockout, throttling.

Sources: Akita digest §5.2 requirements 30 (ID + password + a second factor) and 32 (each
user restricted to designated terminals); docs/security.md (a clear refusal with a
stable code, no "user exists" oracle, and an audit event for every refusal).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.conf import settings as django_settings
from django.core import signing

from conftest import PASSWORD, at_terminal
from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.security import auth, terminals
from juki.security.models import Staff

GENERIC = "ログインできませんでした。職員ID・パスワードが正しくないか、この端末での利用が許可されていません。"


def post_login(client, staff_id, password, **extra):
    return client.post("/login/", {"staff_id": staff_id, "password": password}, **extra)


def error_code(response) -> str | None:
    m = re.search(r"エラーコード: <code>([A-Z_]+)</code>", response.content.decode())
    return m.group(1) if m else None


def without_csrf(response) -> str:
    return re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", response.content.decode())


def events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))


def move_clock(monkeypatch, seconds: float) -> None:
    real = clock.now
    monkeypatch.setattr(clock, "now", lambda: real() + dt.timedelta(seconds=seconds))


@pytest.fixture
def enrolled_clerk(clerk):
    auth.store_totp_secret(clerk, auth.new_totp_secret())
    return clerk


# --- the happy path of step 1 ---------------------------------------------------------------

def test_login_page_is_japanese_and_keyboard_first(client, terminal):
    at_terminal(client, terminal)
    page = client.get("/login/").content.decode()
    assert "職員ID" in page and "パスワード" in page and 'lang="ja"' in page
    assert re.search(r'<input[^>]+name="staff_id"[^>]+autofocus', page)
    assert f"端末: <strong>{terminal.terminal_id}</strong>" in page


def test_login_page_on_an_unregistered_browser_points_to_terminal_enrolment(client, db):
    page = client.get("/login/").content.decode()
    assert "この端末（ブラウザ）は登録されていません" in page
    assert 'href="/terminal/enrol/"' in page


def test_right_password_at_assigned_terminal_leads_to_the_second_factor_not_a_login(client, terminal, enrolled_clerk):
    at_terminal(client, terminal)
    response = post_login(client, "clerk01", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/login/totp/"
    pending = client.session[auth.PENDING_KEY]
    assert pending["staff_pk"] == enrolled_clerk.pk and pending["terminal_id"] == terminal.terminal_id
    # Not logged in yet: the menu still asks for a login, and no LOGIN_OK was written.
    assert client.get("/")["Location"].startswith("/login/")
    assert events(EventType.LOGIN_OK) == []


def test_first_login_without_a_second_factor_goes_to_enrolment(client, terminal, clerk):
    at_terminal(client, terminal)
    response = post_login(client, "clerk01", PASSWORD)
    assert response["Location"] == "/login/totp/enrol/"
    assert client.session[auth.PENDING_KEY]["needs_enrolment"] is True


def test_logged_in_staff_opening_the_login_page_go_to_the_menu(client, terminal, clerk):
    from conftest import logged_in

    logged_in(client, clerk, terminal)
    assert client.get("/login/")["Location"] == "/"


# --- refusals: one answer for every account reason ----------------------------------------------

def test_wrong_password_is_refused_with_the_generic_code_and_audited(client, terminal, enrolled_clerk):
    at_terminal(client, terminal)
    response = post_login(client, "clerk01", "Wrong-password-123")
    assert response.status_code == 401
    assert error_code(response) == "LOGIN_FAILED"
    assert GENERIC in response.content.decode()
    (event,) = events(EventType.LOGIN_FAILED)
    assert event.outcome == Outcome.DENIED
    assert event.staff_id == "clerk01" and event.terminal_id == terminal.terminal_id
    assert event.detail["reason"] == "wrong_password"
    assert Staff.objects.get(pk=enrolled_clerk.pk).failed_logins == 1
    assert auth.PENDING_KEY not in client.session


def test_unknown_id_gets_exactly_the_same_response_as_a_wrong_password(client, terminal, enrolled_clerk):
    at_terminal(client, terminal)
    wrong_password = post_login(client, "clerk01", "Wrong-password-123")
    # Same typed ID in both, so the re-filled form is identical too.
    Staff.objects.filter(pk=enrolled_clerk.pk).update(staff_id="clerk01-renamed")
    unknown = post_login(client, "clerk01", "Wrong-password-123")
    assert unknown.status_code == wrong_password.status_code == 401
    assert without_csrf(unknown) == without_csrf(wrong_password)
    first, second = events(EventType.LOGIN_FAILED)
    assert (first.detail["reason"], second.detail["reason"]) == ("wrong_password", "unknown_id")
    assert second.staff_id == "" and "attempted_id" not in second.detail
    assert second.detail["attempted_id_hash"] == auth.attempted_id_hash("clerk01")
    assert second.outcome == Outcome.DENIED


def test_a_password_typed_into_the_id_field_is_logged_only_as_a_keyed_hash_and_length(
    client, terminal, enrolled_clerk, settings
):
    """Session 1 review: an unknown ID may be a password typed in the wrong field, so the audit
    log keeps its keyed hash (juki.core.keys.keyed_hash) and length, never the text. The
    per-IP throttle still counts these attempts."""
    settings.JUKI_LOGIN_IP_LIMIT = 2
    at_terminal(client, terminal)
    typed = "Sakura-2024-secret"
    post_login(client, typed, "", REMOTE_ADDR="192.0.2.9")
    post_login(client, typed, "", REMOTE_ADDR="192.0.2.9")
    throttled = post_login(client, typed, "", REMOTE_ADDR="192.0.2.9")
    assert throttled.status_code == 429 and error_code(throttled) == "LOGIN_THROTTLED"

    failed = events(EventType.LOGIN_FAILED)
    assert [e.detail["reason"] for e in failed] == ["unknown_id", "unknown_id", "ip_throttled"]
    for event in failed:
        assert event.detail["attempted_id_hash"] == auth.attempted_id_hash(typed)
        assert event.detail["attempted_id_length"] == len(typed)
        assert "attempted_id" not in event.detail
    assert typed not in repr(list(AuditEvent.objects.values()))


def test_a_known_id_refused_before_the_password_is_checked_is_kept_in_clear(client, enrolled_clerk):
    """A typed ID that names an account says whose account was tried; it is no secret."""
    post_login(client, "clerk01", PASSWORD)  # no terminal cookie
    (event,) = events(EventType.TERMINAL_REFUSED)
    assert event.detail["attempted_id"] == "clerk01" and "attempted_id_hash" not in event.detail


@pytest.mark.parametrize("reason", ["account_disabled", "account_locked", "terminal_not_assigned"])
def test_right_password_is_refused_with_the_generic_answer_for_every_account_reason(
    client, terminal, make_terminal, enrolled_clerk, reason
):
    if reason == "account_disabled":
        Staff.objects.filter(pk=enrolled_clerk.pk).update(is_active=False, disabled_at=clock.now())
    elif reason == "account_locked":
        Staff.objects.filter(pk=enrolled_clerk.pk).update(locked_until=clock.now() + dt.timedelta(minutes=5))
    else:
        enrolled_clerk.terminals.set([make_terminal("T-OTHER-02")])
    at_terminal(client, terminal)
    baseline = post_login(client, "nobody", PASSWORD)
    response = post_login(client, "nobody", PASSWORD)  # same input → same page, to compare with below
    assert without_csrf(response) == without_csrf(baseline)
    response = post_login(client, "clerk01", PASSWORD)
    assert response.status_code == 401
    assert error_code(response) == "LOGIN_FAILED"
    assert GENERIC in response.content.decode()
    assert without_csrf(response).replace('value="clerk01"', 'value="nobody"') == without_csrf(baseline)
    event = events(EventType.LOGIN_FAILED)[-1]
    assert event.outcome == Outcome.DENIED and event.detail["reason"] == reason and event.staff_id == "clerk01"
    assert auth.PENDING_KEY not in client.session


@pytest.mark.parametrize(("staff_id", "password"), [("", ""), ("clerk01", ""), ("", PASSWORD)])
def test_an_empty_field_is_a_failed_attempt_like_any_other(client, terminal, enrolled_clerk, staff_id, password):
    at_terminal(client, terminal)
    response = post_login(client, staff_id, password)
    assert response.status_code == 401 and error_code(response) == "LOGIN_FAILED"
    event = events(EventType.LOGIN_FAILED)[-1]
    assert event.outcome == Outcome.DENIED
    assert event.detail["reason"] == ("wrong_password" if staff_id else "unknown_id")


def test_unregistered_terminal_is_refused_before_the_password_is_looked_at(client, enrolled_clerk):
    response = post_login(client, "clerk01", "Wrong-password-123")
    assert response.status_code == 403
    assert error_code(response) == "TERMINAL_NOT_REGISTERED"
    assert "この端末は登録されていません" in response.content.decode()
    (event,) = events(EventType.TERMINAL_REFUSED)
    assert event.outcome == Outcome.DENIED and event.detail["reason"] == "no_terminal_cookie"
    assert events(EventType.LOGIN_FAILED) == []
    assert Staff.objects.get(pk=enrolled_clerk.pk).failed_logins == 0


def test_terminal_cookie_with_a_bad_signature_is_refused(client, terminal, enrolled_clerk):
    forged = signing.dumps({"t": terminal.terminal_id, "n": terminal.binding_nonce}, salt="some-other-salt")
    client.cookies[django_settings.JUKI_TERMINAL_COOKIE] = forged
    response = post_login(client, "clerk01", PASSWORD)
    assert response.status_code == 403 and error_code(response) == "TERMINAL_NOT_REGISTERED"
    (event,) = events(EventType.TERMINAL_REFUSED)
    assert event.outcome == Outcome.DENIED and event.detail["reason"] == "terminal_cookie_bad_signature"


def test_cookie_of_a_revoked_terminal_is_refused(client, terminal, enrolled_clerk):
    at_terminal(client, terminal)
    terminal.is_active = False
    terminal.save()
    response = post_login(client, "clerk01", PASSWORD)
    assert response.status_code == 403 and error_code(response) == "TERMINAL_NOT_REGISTERED"
    assert events(EventType.TERMINAL_REFUSED)[0].detail["reason"] == "terminal_revoked"


def test_old_cookie_of_a_terminal_enrolled_again_is_refused(client, terminal, enrolled_clerk):
    at_terminal(client, terminal)  # cookie with the current nonce...
    code = terminals.issue_enrolment_code(terminal)
    terminals.redeem_enrolment_code(code)  # ...which a new enrolment replaces
    response = post_login(client, "clerk01", PASSWORD)
    assert response.status_code == 403 and error_code(response) == "TERMINAL_NOT_REGISTERED"
    assert events(EventType.TERMINAL_REFUSED)[0].detail["reason"] == "terminal_binding_stale"


def test_refusal_as_problem_json_for_api_style_callers(client, terminal, enrolled_clerk):
    at_terminal(client, terminal)
    response = post_login(client, "clerk01", "nope", HTTP_ACCEPT="application/json")
    assert response.status_code == 401
    assert response["Content-Type"] == "application/problem+json"
    assert response.json()["code"] == "LOGIN_FAILED" and response.json()["title"] == GENERIC


# --- lockout ------------------------------------------------------------------------------------

def test_account_locks_after_the_configured_consecutive_failures(client, terminal, enrolled_clerk, settings):
    settings.JUKI_LOGIN_MAX_FAILURES = 3
    at_terminal(client, terminal)
    for _ in range(3):
        post_login(client, "clerk01", "Wrong-password-123")
    staff = Staff.objects.get(pk=enrolled_clerk.pk)
    assert staff.locked_until is not None and staff.locked_until > clock.now()
    (locked,) = events(EventType.ACCOUNT_LOCKED)
    assert locked.staff_id == "clerk01" and locked.detail["max_failures"] == 3
    # The right password is refused now, with the same answer as any failure.
    response = post_login(client, "clerk01", PASSWORD)
    assert response.status_code == 401 and error_code(response) == "LOGIN_FAILED"
    assert events(EventType.LOGIN_FAILED)[-1].detail["reason"] == "account_locked"
    assert auth.PENDING_KEY not in client.session


def test_failures_while_locked_do_not_extend_the_lock(client, terminal, enrolled_clerk, settings):
    settings.JUKI_LOGIN_MAX_FAILURES = 2
    at_terminal(client, terminal)
    post_login(client, "clerk01", "bad-1")
    post_login(client, "clerk01", "bad-2")
    until = Staff.objects.get(pk=enrolled_clerk.pk).locked_until
    post_login(client, "clerk01", "bad-3")
    assert Staff.objects.get(pk=enrolled_clerk.pk).locked_until == until
    assert len(events(EventType.ACCOUNT_LOCKED)) == 1


def test_lockout_ends_after_the_lock_period(client, terminal, enrolled_clerk, settings, monkeypatch):
    settings.JUKI_LOGIN_MAX_FAILURES = 2
    settings.JUKI_LOGIN_LOCK_SECONDS = 900
    at_terminal(client, terminal)
    # Freeze the clock so a slow machine cannot stretch the gap between locking and retrying.
    base = clock.now()
    monkeypatch.setattr(clock, "now", lambda: base)
    post_login(client, "clerk01", "bad-1")
    post_login(client, "clerk01", "bad-2")
    move_clock(monkeypatch, 899)
    assert error_code(post_login(client, "clerk01", PASSWORD)) == "LOGIN_FAILED"
    move_clock(monkeypatch, 2)  # 901 s after locking
    response = post_login(client, "clerk01", PASSWORD)
    assert response.status_code == 302 and response["Location"] == "/login/totp/"


def test_assigned_terminal_failures_also_count_toward_the_lockout(client, terminal, make_terminal, enrolled_clerk, settings):
    settings.JUKI_LOGIN_MAX_FAILURES = 2
    enrolled_clerk.terminals.set([make_terminal("T-OTHER-02")])
    at_terminal(client, terminal)
    post_login(client, "clerk01", PASSWORD)
    post_login(client, "clerk01", PASSWORD)
    assert Staff.objects.get(pk=enrolled_clerk.pk).locked_until is not None


# --- per-IP throttle ------------------------------------------------------------------------------

def test_one_address_is_throttled_after_too_many_failures_whatever_the_account(
    client, terminal, enrolled_clerk, settings, monkeypatch
):
    settings.JUKI_LOGIN_IP_LIMIT = 3
    at_terminal(client, terminal)
    for i in range(3):
        post_login(client, f"guess{i}", "whatever", REMOTE_ADDR="192.0.2.7")
    response = post_login(client, "clerk01", PASSWORD, REMOTE_ADDR="192.0.2.7")
    assert response.status_code == 429 and error_code(response) == "LOGIN_THROTTLED"
    throttled = events(EventType.LOGIN_FAILED)[-1]
    assert throttled.outcome == Outcome.DENIED and throttled.detail["reason"] == "ip_throttled"
    assert throttled.ip == "192.0.2.7"
    assert Staff.objects.get(pk=enrolled_clerk.pk).failed_logins == 0  # the password was never tried
    # Another address is not affected.
    assert post_login(client, "clerk01", PASSWORD, REMOTE_ADDR="192.0.2.8")["Location"] == "/login/totp/"
    # Once the window has passed (throttled attempts do not prolong it), the address may try again.
    move_clock(monkeypatch, django_settings.JUKI_LOGIN_IP_WINDOW_SECONDS + 1)
    assert post_login(client, "clerk01", PASSWORD, REMOTE_ADDR="192.0.2.7")["Location"] == "/login/totp/"


# --- rules as plain functions ---------------------------------------------------------------------

@pytest.mark.parametrize(
    ("candidate", "expected"),
    [
        ("/audit/", "/audit/"),
        ("/admin/staff/?q=1", "/admin/staff/?q=1"),
        ("https://evil.example/", "/"),
        ("//evil.example/", "/"),
        ("/logout/", "/"),
        ("/lock/", "/"),
        ("", "/"),
        (None, "/"),
    ],
)
def test_only_local_pages_are_returned_to_after_login(rf, candidate, expected):
    assert auth.safe_next_url(rf.get("/"), candidate) == expected
