"""Sessions: logout, idle screen lock and unlock, disabled accounts, forced password change, expiry.

Sources: Akita digest §5.2 requirement 37 (lock the screen after inactivity; unlocking needs
the password again); Koriyama digest §5.6 (access of retired and transferred staff is
revoked); Hiroshima digest A5.2 (login and logout are recorded); docs/security.md (sessions
expire; disabling an account ends its sessions at once; a password policy).
"""

from __future__ import annotations

import re
import time

import pyotp
import pytest
from django.conf import settings as django_settings
from django.contrib.sessions.models import Session
from django.test import Client

from conftest import PASSWORD, at_terminal, logged_in
from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.security import auth
from juki.security.models import Staff

NEW_PASSWORD = "Fresh-Autumn-Leaves-42"


def error_code(response) -> str | None:
    m = re.search(r"エラーコード: <code>([A-Z_]+)</code>", response.content.decode())
    return m.group(1) if m else None


def events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))


def go_idle(client: Client) -> None:
    session = client.session
    session["last_activity"] = time.time() - django_settings.JUKI_IDLE_LOCK_SECONDS - 5
    session.save()


def is_logged_out(client: Client) -> bool:
    response = client.get("/")
    return response.status_code == 302 and response["Location"].startswith("/login/")


# --- logout ----------------------------------------------------------------------------------

def test_logout_ends_the_session_and_is_audited(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    key = client.session.session_key
    response = client.post("/logout/")
    assert response.status_code == 302 and response["Location"] == "/login/"
    assert not Session.objects.filter(session_key=key).exists()
    (event,) = events(EventType.LOGOUT)
    assert (event.staff_id, event.terminal_id, event.outcome) == ("clerk01", terminal.terminal_id, Outcome.OK)
    assert is_logged_out(client)


def test_logout_needs_a_post(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    assert client.get("/logout/").status_code == 405
    assert client.get("/").status_code == 200


# --- idle screen lock ---------------------------------------------------------------------------

def test_an_idle_session_is_locked_and_audited(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    go_idle(client)
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/lock/")
    (event,) = events(EventType.SCREEN_LOCKED)
    assert event.staff_id == "clerk01" and event.detail["reason"] == "idle"
    page = client.get(response["Location"]).content.decode()
    assert "画面ロック中" in page and re.search(r'<input[^>]+name="password"[^>]+autofocus', page)


@pytest.mark.parametrize("path", ["/", "/password/", "/admin/staff/", "/audit/", "/terminal/enrol/"])
def test_a_locked_session_reaches_only_the_lock_page_and_logout(client, terminal, clerk, path):
    logged_in(client, clerk, terminal)
    go_idle(client)
    client.get("/")
    response = client.get(path)
    assert response.status_code == 302 and response["Location"].startswith("/lock/")


def test_a_locked_session_answers_scripts_with_a_stable_code(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    go_idle(client)
    response = client.get("/", HTTP_ACCEPT="application/json")
    assert response.status_code == 401 and response.json()["code"] == "SCREEN_LOCKED"


def test_a_locked_session_can_log_out(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    go_idle(client)
    client.get("/")
    assert client.post("/logout/")["Location"] == "/login/"
    assert len(events(EventType.LOGOUT)) == 1


def test_opening_the_lock_page_locks_the_session(client, terminal, clerk):
    """idle.js (and a 画面ロック button) simply open /lock/; the server must hold the lock."""
    logged_in(client, clerk, terminal)
    assert client.get("/lock/").status_code == 200
    assert client.get("/")["Location"].startswith("/lock/")
    assert events(EventType.SCREEN_LOCKED)[0].detail["reason"] == "requested"


def test_every_page_offers_the_screen_lock_and_logout(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    page = client.get("/").content.decode()
    assert 'href="/lock/"' in page and "画面ロック" in page
    assert 'action="/logout/"' in page


def test_unlock_with_the_password_returns_to_the_page(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    go_idle(client)
    client.get("/")
    response = client.post("/lock/", {"password": PASSWORD, "next": "/audit/"})
    assert response.status_code == 302 and response["Location"] == "/audit/"
    (event,) = events(EventType.SCREEN_UNLOCKED)
    assert event.staff_id == "clerk01" and event.outcome == Outcome.OK
    assert client.get("/").status_code == 200


def test_unlock_with_a_wrong_password_is_refused_audited_and_counted(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    client.get("/lock/")
    response = client.post("/lock/", {"password": "Wrong-password-123"})
    assert response.status_code == 401 and error_code(response) == "UNLOCK_FAILED"
    assert "パスワードが正しくありません。" in response.content.decode()
    (event,) = events(EventType.UNLOCK_FAILED)
    assert event.outcome == Outcome.DENIED and event.detail["reason"] == "wrong_password"
    assert Staff.objects.get(pk=clerk.pk).failed_logins == 1
    assert client.get("/")["Location"].startswith("/lock/")


def test_unlock_failures_lock_the_account_and_end_the_session(client, terminal, clerk, settings):
    settings.JUKI_LOGIN_MAX_FAILURES = 3
    logged_in(client, clerk, terminal)
    client.get("/lock/")
    client.post("/lock/", {"password": "bad-1"})
    client.post("/lock/", {"password": "bad-2"})
    response = client.post("/lock/", {"password": "bad-3"})
    assert response.status_code == 401 and error_code(response) == "ACCOUNT_LOCKED"
    assert len(events(EventType.ACCOUNT_LOCKED)) == 1
    assert events(EventType.SESSION_ENDED)[-1].detail["reason"] == "account_locked"
    assert is_logged_out(client)


def test_a_locked_account_cannot_unlock_even_with_the_right_password(client, terminal, clerk):
    import datetime as dt

    logged_in(client, clerk, terminal)
    client.get("/lock/")
    Staff.objects.filter(pk=clerk.pk).update(locked_until=clock.now() + dt.timedelta(minutes=10))
    response = client.post("/lock/", {"password": PASSWORD})
    assert error_code(response) == "ACCOUNT_LOCKED"
    assert events(EventType.UNLOCK_FAILED)[-1].detail["reason"] == "account_locked"
    assert is_logged_out(client)


def test_unlock_never_returns_to_another_site(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    client.get("/lock/")
    assert client.post("/lock/", {"password": PASSWORD, "next": "https://evil.example/"})["Location"] == "/"


# --- disabling an account ends its sessions at once ------------------------------------------------

def test_a_disabled_account_loses_its_open_session_on_the_next_request(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    assert client.get("/").status_code == 200
    Staff.objects.filter(pk=clerk.pk).update(is_active=False, disabled_at=clock.now())
    response = client.get("/")
    assert response.status_code == 401 and error_code(response) == "SESSION_ENDED"
    (event,) = events(EventType.SESSION_ENDED)
    assert (event.staff_id, event.outcome, event.detail["reason"]) == ("clerk01", Outcome.DENIED, "account_disabled")
    assert is_logged_out(client)


def test_end_sessions_of_deletes_every_session_of_that_staff_member_only(terminal, clerk, approver):
    a, b, other = Client(), Client(), Client()
    logged_in(a, clerk, terminal)
    logged_in(b, clerk, terminal)
    logged_in(other, approver, terminal)
    half_way = Client()  # password given, second factor not yet
    at_terminal(half_way, terminal)
    half_way.post("/login/", {"staff_id": "clerk01", "password": PASSWORD})
    assert auth.PENDING_KEY in half_way.session

    assert auth.end_sessions_of(clerk) == 3

    assert is_logged_out(a) and is_logged_out(b)
    assert other.get("/").status_code == 200
    assert auth.PENDING_KEY not in half_way.session


# --- forced password change -----------------------------------------------------------------------

@pytest.fixture
def new_clerk(clerk):
    Staff.objects.filter(pk=clerk.pk).update(must_change_password=True)
    clerk.refresh_from_db()
    return clerk


@pytest.mark.parametrize("path", ["/", "/admin/staff/", "/audit/"])
def test_a_staff_member_who_must_change_the_password_is_held_at_the_change_page(client, terminal, new_clerk, path):
    logged_in(client, new_clerk, terminal)
    response = client.get(path)
    assert response.status_code == 302 and response["Location"] == "/password/"
    page = client.get("/password/").content.decode()
    assert "パスワードの変更が必要です" in page
    assert re.search(r'<input[^>]+name="current"[^>]+autofocus', page)


def test_the_full_login_leads_to_the_forced_change_first(client, terminal, new_clerk):
    secret = auth.new_totp_secret()
    auth.store_totp_secret(new_clerk, secret)
    at_terminal(client, terminal)
    client.post("/login/", {"staff_id": "clerk01", "password": PASSWORD})
    response = client.post("/login/totp/", {"code": pyotp.TOTP(secret).now()})
    assert response["Location"] == "/password/"


def test_forced_change_to_a_valid_password_releases_the_session(client, terminal, new_clerk):
    logged_in(client, new_clerk, terminal)
    response = client.post("/password/", {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response.status_code == 302 and response["Location"] == "/"
    staff = Staff.objects.get(pk=new_clerk.pk)
    assert not staff.must_change_password and staff.password_changed_at is not None
    assert staff.check_password(NEW_PASSWORD)
    (event,) = events(EventType.PASSWORD_CHANGED)
    assert event.staff_id == "clerk01" and event.detail == {"forced": True}
    assert client.get("/").status_code == 200  # this session goes on


@pytest.mark.parametrize(
    ("current", "new", "confirm", "code", "reason"),
    [
        ("Wrong-password-123", NEW_PASSWORD, NEW_PASSWORD, "PASSWORD_CURRENT_WRONG", "wrong_current_password"),
        (PASSWORD, NEW_PASSWORD, NEW_PASSWORD + "x", "PASSWORD_MISMATCH", "confirmation_mismatch"),
        (PASSWORD, PASSWORD, PASSWORD, "PASSWORD_UNCHANGED", "unchanged"),
        (PASSWORD, "Ab1!x", "Ab1!x", "PASSWORD_POLICY", "policy"),
        (PASSWORD, "alllowercaseletters", "alllowercaseletters", "PASSWORD_POLICY", "policy"),
    ],
)
def test_a_bad_password_change_is_refused_with_a_code_and_audited(
    client, terminal, new_clerk, current, new, confirm, code, reason
):
    logged_in(client, new_clerk, terminal)
    response = client.post("/password/", {"current": current, "new": new, "confirm": confirm})
    assert response.status_code == 400 and error_code(response) == code
    (event,) = events(EventType.PASSWORD_CHANGE_FAILED)
    assert event.outcome == Outcome.DENIED and event.detail["reason"] == reason
    assert new not in str(event.detail)  # passwords never reach the log
    assert Staff.objects.get(pk=new_clerk.pk).must_change_password
    assert client.get("/")["Location"] == "/password/"


def test_policy_refusal_explains_the_rule_in_japanese(client, terminal, new_clerk):
    logged_in(client, new_clerk, terminal)
    page = client.post("/password/", {"current": PASSWORD, "new": "Ab1!x", "confirm": "Ab1!x"}).content.decode()
    assert "12" in page and "パスワード" in page and "文字" in page
    assert "英大文字・英小文字・数字・記号" in page  # juki's own character-class rule


def test_a_staff_member_may_change_the_password_by_choice(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    assert "パスワードの変更が必要です" not in client.get("/password/").content.decode()
    response = client.post("/password/", {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert response["Location"] == "/"
    assert Staff.objects.get(pk=clerk.pk).check_password(NEW_PASSWORD)
    assert events(EventType.PASSWORD_CHANGED)[0].detail == {"forced": False}


def test_changing_the_password_ends_the_other_sessions_of_that_staff_member(terminal, new_clerk):
    here, elsewhere = Client(), Client()
    logged_in(here, new_clerk, terminal)
    logged_in(elsewhere, new_clerk, terminal)
    here.post("/password/", {"current": PASSWORD, "new": NEW_PASSWORD, "confirm": NEW_PASSWORD})
    assert here.get("/").status_code == 200
    assert is_logged_out(elsewhere)


# --- expiry and cookies -------------------------------------------------------------------------------

def test_a_session_ends_after_its_maximum_age_since_login(client, terminal, clerk):
    logged_in(client, clerk, terminal)
    session = client.session
    session["login_at"] = time.time() - django_settings.SESSION_COOKIE_AGE - 1
    session.save()
    response = client.get("/")
    assert response.status_code == 401 and error_code(response) == "SESSION_EXPIRED"
    event = events(EventType.SESSION_ENDED)[-1]
    assert event.outcome == Outcome.DENIED and event.detail["reason"] == "expired"
    assert is_logged_out(client)


def test_session_cookie_is_http_only_and_same_site_strict(client, terminal, clerk):
    secret = auth.new_totp_secret()
    auth.store_totp_secret(clerk, secret)
    at_terminal(client, terminal)
    client.post("/login/", {"staff_id": "clerk01", "password": PASSWORD})
    response = client.post("/login/totp/", {"code": pyotp.TOTP(secret).now()})
    cookie = response.cookies[django_settings.SESSION_COOKIE_NAME]
    assert cookie["httponly"] and cookie["samesite"] == "Strict"
    assert cookie["max-age"] == ""  # ends with the browser (SESSION_EXPIRE_AT_BROWSER_CLOSE)
