"""Login, step 2: the mandatory second factor (TOTP, RFC 6238) — enrolment, codes, replay.

Sources: Akita digest §5.2 requirement 30 (ID + password *and* a second factor — there a
security card; here a TOTP app, docs/security.md; wrong or replayed
TOTP code: clear refusal, stable code, audited).
"""

from __future__ import annotations

import datetime as dt
import re
import time

import pyotp
import pytest

from conftest import PASSWORD, at_terminal
from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.security import auth
from juki.security.models import Staff


def error_code(response) -> str | None:
    m = re.search(r"エラーコード: <code>([A-Z_]+)</code>", response.content.decode())
    return m.group(1) if m else None


def events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))


def code_at(secret: str, offset_steps: int = 0) -> str:
    return pyotp.TOTP(secret).at(clock.now() + dt.timedelta(seconds=30 * offset_steps))


def password_step(client, terminal, staff_id="clerk01"):
    at_terminal(client, terminal)
    response = client.post("/login/", {"staff_id": staff_id, "password": PASSWORD})
    assert response.status_code == 302, response.content.decode()[:500]
    return response


@pytest.fixture
def secret(clerk) -> str:
    value = auth.new_totp_secret()
    auth.store_totp_secret(clerk, value)
    return value


# --- enrolment on first login ----------------------------------------------------------------

def offered_secret(client) -> str:
    page = client.get("/login/totp/enrol/").content.decode()
    return re.search(r'data-secret="([A-Z2-7]+)"', page).group(1)


def test_enrolment_page_shows_a_qr_code_and_the_secret_but_stores_nothing_yet(client, terminal, clerk):
    password_step(client, terminal)
    page = client.get("/login/totp/enrol/").content.decode()
    assert "<svg" in page and "二要素認証の登録" in page
    offered = re.search(r'data-secret="([A-Z2-7]{32})"', page).group(1)
    assert re.search(r'<input[^>]+name="code"[^>]+autofocus', page)
    staff = Staff.objects.get(pk=clerk.pk)
    assert staff.totp_secret_enc is None and staff.totp_enrolled_at is None
    assert offered not in str(client.session.items())  # kept encrypted even in the session
    assert client.get("/login/totp/")["Location"] == "/login/totp/enrol/"


def test_enrolment_with_a_right_code_stores_the_secret_encrypted_and_logs_in(client, terminal, clerk):
    password_step(client, terminal)
    offered = offered_secret(client)
    before = client.session.session_key
    response = client.post("/login/totp/enrol/", {"code": code_at(offered)})
    assert response.status_code == 302 and response["Location"] == "/"
    staff = Staff.objects.get(pk=clerk.pk)
    assert staff.totp_enrolled_at is not None
    assert offered.encode() not in bytes(staff.totp_secret_enc)  # encrypted at rest
    assert auth.totp_secret_of(staff) == offered
    assert staff.totp_last_step == pyotp.TOTP(offered).timecode(clock.now())
    assert client.session.session_key != before
    (enrolled,) = events(EventType.TOTP_ENROLLED)
    assert enrolled.staff_id == "clerk01" and enrolled.outcome == Outcome.OK
    (ok,) = events(EventType.LOGIN_OK)
    assert ok.detail["second_factor"] == "totp-enrolment"
    assert "窓口 花子" in client.get("/").content.decode()


def test_enrolment_with_a_wrong_code_is_refused_and_counts_as_a_failure(client, terminal, clerk):
    password_step(client, terminal)
    offered = offered_secret(client)
    wrong = "000000" if code_at(offered) != "000000" else "111111"
    response = client.post("/login/totp/enrol/", {"code": wrong})
    assert response.status_code == 401 and error_code(response) == "TOTP_INVALID"
    assert "<svg" in response.content.decode()  # still on the enrolment page
    assert Staff.objects.get(pk=clerk.pk).totp_enrolled_at is None
    assert Staff.objects.get(pk=clerk.pk).failed_logins == 1
    event = events(EventType.LOGIN_FAILED)[-1]
    assert event.outcome == Outcome.DENIED and event.action == "totp-enrol" and event.detail["reason"] == "wrong_code"


def test_each_first_login_attempt_offers_a_fresh_secret(client, terminal, clerk):
    password_step(client, terminal)
    first = offered_secret(client)
    password_step(client, terminal)
    assert offered_secret(client) != first


# --- codes at later logins ---------------------------------------------------------------------

def test_right_code_completes_the_login_bound_to_the_terminal(client, terminal, clerk, secret):
    password_step(client, terminal)
    pre_login_key = client.session.session_key
    response = client.post("/login/totp/", {"code": code_at(secret)})
    assert response.status_code == 302 and response["Location"] == "/"
    session = client.session
    assert session.session_key != pre_login_key  # rotated at login
    assert session["terminal_id"] == terminal.terminal_id
    assert abs(session["last_activity"] - time.time()) < 60
    assert auth.PENDING_KEY not in session
    (ok,) = events(EventType.LOGIN_OK)
    assert (ok.staff_id, ok.terminal_id, ok.outcome) == ("clerk01", terminal.terminal_id, Outcome.OK)
    assert client.get("/").status_code == 200


def test_totp_page_is_keyboard_first_and_japanese(client, terminal, clerk, secret):
    password_step(client, terminal)
    page = client.get("/login/totp/").content.decode()
    assert "確認コード" in page
    assert re.search(r'<input[^>]+autocomplete="one-time-code"[^>]+inputmode="numeric"', page)


def test_wrong_code_is_refused_and_audited(client, terminal, clerk, secret):
    password_step(client, terminal)
    wrong = "000000" if code_at(secret) != "000000" else "111111"
    response = client.post("/login/totp/", {"code": wrong})
    assert response.status_code == 401 and error_code(response) == "TOTP_INVALID"
    assert "確認コードが正しくありません。" in response.content.decode()
    event = events(EventType.LOGIN_FAILED)[-1]
    assert (event.outcome, event.action, event.detail["reason"]) == (Outcome.DENIED, "totp", "wrong_code")
    assert client.get("/")["Location"].startswith("/login/")


def test_a_code_used_once_is_refused_the_second_time(client, terminal, clerk, secret):
    password_step(client, terminal)
    code = code_at(secret)
    assert client.post("/login/totp/", {"code": code})["Location"] == "/"
    client.post("/logout/")
    password_step(client, terminal)
    response = client.post("/login/totp/", {"code": code})
    assert response.status_code == 401 and error_code(response) == "TOTP_REPLAYED"
    event = events(EventType.LOGIN_FAILED)[-1]
    assert event.outcome == Outcome.DENIED and event.detail["reason"] == "replayed_code"
    assert client.get("/")["Location"].startswith("/login/")


def test_a_code_older_than_the_last_used_one_is_a_replay_too(client, terminal, clerk, secret):
    current = pyotp.TOTP(secret).timecode(clock.now())
    Staff.objects.filter(pk=clerk.pk).update(totp_last_step=current)
    password_step(client, terminal)
    response = client.post("/login/totp/", {"code": code_at(secret, -1)})
    assert error_code(response) == "TOTP_REPLAYED"


def test_one_step_of_clock_drift_is_accepted(client, terminal, clerk, secret):
    password_step(client, terminal)
    assert client.post("/login/totp/", {"code": code_at(secret, -1)})["Location"] == "/"


@pytest.mark.parametrize("offset", [-3, 3])
def test_codes_further_away_in_time_are_refused(client, terminal, clerk, monkeypatch, offset):
    fixed_secret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"
    fixed_now = dt.datetime(2026, 4, 1, 9, 0, 5, tzinfo=dt.UTC)
    monkeypatch.setattr(clock, "now", lambda: fixed_now)
    auth.store_totp_secret(clerk, fixed_secret)
    code = code_at(fixed_secret, offset)
    assert code not in {code_at(fixed_secret, s) for s in (-1, 0, 1)}  # fixed data: no collision
    password_step(client, terminal)
    assert error_code(client.post("/login/totp/", {"code": code})) == "TOTP_INVALID"


def test_wrong_codes_count_toward_the_lockout(client, terminal, clerk, secret, settings):
    settings.JUKI_LOGIN_MAX_FAILURES = 3
    password_step(client, terminal)
    wrong = "000000" if code_at(secret) != "000000" else "111111"
    assert error_code(client.post("/login/totp/", {"code": wrong})) == "TOTP_INVALID"
    assert error_code(client.post("/login/totp/", {"code": wrong})) == "TOTP_INVALID"
    third = client.post("/login/totp/", {"code": wrong})
    assert third.status_code == 401 and error_code(third) == "LOGIN_FAILED"  # locked: start again
    assert auth.PENDING_KEY not in client.session
    assert Staff.objects.get(pk=clerk.pk).locked_until is not None
    assert len(events(EventType.ACCOUNT_LOCKED)) == 1
    # Neither the password nor a right code gets in while the lock lasts.
    client.post("/login/", {"staff_id": "clerk01", "password": PASSWORD})
    assert auth.PENDING_KEY not in client.session


def test_the_failure_counter_is_consecutive_and_resets_at_a_full_login(client, terminal, clerk, secret, settings):
    settings.JUKI_LOGIN_MAX_FAILURES = 3
    at_terminal(client, terminal)
    client.post("/login/", {"staff_id": "clerk01", "password": "bad-1"})
    client.post("/login/", {"staff_id": "clerk01", "password": "bad-2"})
    password_step(client, terminal)
    client.post("/login/totp/", {"code": code_at(secret)})
    assert Staff.objects.get(pk=clerk.pk).failed_logins == 0
    client.post("/logout/")
    client.post("/login/", {"staff_id": "clerk01", "password": "bad-3"})
    assert Staff.objects.get(pk=clerk.pk).locked_until is None


def test_a_right_password_alone_does_not_reset_the_counter(client, terminal, clerk, secret, settings):
    """Otherwise someone knowing the password could try codes forever."""
    settings.JUKI_LOGIN_MAX_FAILURES = 3
    wrong = "000000" if code_at(secret) != "000000" else "111111"
    for _ in range(2):
        password_step(client, terminal)
        client.post("/login/totp/", {"code": wrong})
    password_step(client, terminal)
    client.post("/login/totp/", {"code": wrong})
    assert Staff.objects.get(pk=clerk.pk).locked_until is not None


# --- the pending login ----------------------------------------------------------------------------

def test_the_pending_login_expires_after_five_minutes(client, terminal, clerk, secret):
    password_step(client, terminal)
    session = client.session
    session[auth.PENDING_KEY] = {**session[auth.PENDING_KEY], "started": time.time() - 301}
    session.save()
    response = client.post("/login/totp/", {"code": code_at(secret)})
    assert response.status_code == 401 and error_code(response) == "LOGIN_EXPIRED"
    event = events(EventType.LOGIN_FAILED)[-1]
    assert event.outcome == Outcome.DENIED and event.detail["reason"] == "pending_login_expired"
    assert events(EventType.LOGIN_OK) == []


def test_a_code_without_a_password_step_is_refused(client, terminal, clerk, secret):
    at_terminal(client, terminal)
    assert client.get("/login/totp/")["Location"] == "/login/"
    response = client.post("/login/totp/", {"code": code_at(secret)})
    assert response["Location"] == "/login/"
    assert events(EventType.LOGIN_OK) == []


def test_pending_login_taken_to_another_terminal_is_refused(client, terminal, make_terminal, clerk, secret):
    other = make_terminal("T-OTHER-02")
    clerk.terminals.add(other)
    password_step(client, terminal)
    at_terminal(client, other)
    response = client.post("/login/totp/", {"code": code_at(secret)})
    assert response.status_code == 401 and error_code(response) == "LOGIN_FAILED"
    assert events(EventType.LOGIN_FAILED)[-1].detail["reason"] == "terminal_changed"
    assert events(EventType.LOGIN_OK) == []


def test_account_disabled_between_the_two_steps_is_refused(client, terminal, clerk, secret):
    password_step(client, terminal)
    Staff.objects.filter(pk=clerk.pk).update(is_active=False)
    response = client.post("/login/totp/", {"code": code_at(secret)})
    assert error_code(response) == "LOGIN_FAILED"
    assert events(EventType.LOGIN_FAILED)[-1].detail["reason"] == "account_disabled"
    assert events(EventType.LOGIN_OK) == []


# --- the rule itself --------------------------------------------------------------------------------

def test_matching_step_accepts_spaces_and_rejects_non_digits():
    s = auth.new_totp_secret()
    now = clock.now()
    step = pyotp.TOTP(s).timecode(now)
    code = pyotp.TOTP(s).at(now)
    assert auth.totp_matching_step(s, code, now) == step
    assert auth.totp_matching_step(s, f" {code[:3]} {code[3:]} ", now) == step
    assert auth.totp_matching_step(s, "12345a", now) is None
    assert auth.totp_matching_step(s, "", now) is None
    assert auth.totp_matching_step(s, code + "0", now) is None
