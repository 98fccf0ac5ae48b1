"""Demo staff for ``make run``: one account per role at DEMO-01, idempotent, credentials 0600."""

from __future__ import annotations

import io
import re
import stat

import pytest
from django.test import Client

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.security import terminals as binding
from juki.security.demo import DEMO_ACCOUNTS, DEMO_TERMINAL_ID, credentials_path, ensure_demo_staff
from juki.security.models import Staff, Terminal
from juki.security.roles import TERMINAL_FUNCTIONS, Role, role_conflicts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Passwords are incidental here (Argon2 itself is covered by the login tests): hash fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(autouse=True)
def _own_home(settings, tmp_path):
    settings.JUKI_HOME = tmp_path


def test_demo_creates_one_account_per_role_at_the_demo_terminal(tmp_path):
    out = io.StringIO()
    passwords = ensure_demo_staff(out)

    terminal = Terminal.objects.get(terminal_id=DEMO_TERMINAL_ID)
    assert set(terminal.functions) == {f.value for f in TERMINAL_FUNCTIONS}
    roles_seen: set[Role] = set()
    for acc in DEMO_ACCOUNTS:
        staff = Staff.objects.get(staff_id=acc.staff_id)
        assert staff.check_password(passwords[acc.staff_id])
        assert staff.must_change_password is False
        assert staff.roles() == frozenset(acc.roles)
        assert role_conflicts(staff.roles()) == []  # the demo respects separation of duties
        assert list(staff.terminals.all()) == [terminal]
        roles_seen |= set(acc.roles)
    assert roles_seen == set(Role)
    assert sum(Role.SYSADMIN in a.roles for a in DEMO_ACCOUNTS) == 2  # two administrators approve each other
    # a 支援措置 entered by one protection officer is confirmed by another (four-eyes, docs/protection.md)
    assert sum(Role.PROTECTION_OFFICER in a.roles for a in DEMO_ACCOUNTS) == 2

    text = out.getvalue()
    for acc in DEMO_ACCOUNTS:
        assert acc.staff_id in text and passwords[acc.staff_id] in text
    assert "QRコード" in text
    code = re.search(r"http://127\.0\.0\.1:8000/terminal/enrol/\?code=([A-Z0-9-]+)", text).group(1)
    assert binding.redeem_enrolment_code(code).terminal_id == DEMO_TERMINAL_ID


def test_demo_passwords_are_strong_and_distinct():
    from django.contrib.auth.password_validation import validate_password

    passwords = ensure_demo_staff(io.StringIO())
    assert len(set(passwords.values())) == len(DEMO_ACCOUNTS)
    for pw in passwords.values():
        validate_password(pw)
        assert len(pw) >= 20


def test_credentials_file_is_owner_only():
    ensure_demo_staff(io.StringIO())
    path = credentials_path()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert "demo-admin2" in path.read_text(encoding="utf-8")


def test_second_call_changes_nothing_but_issues_a_fresh_enrolment_url():
    first_out, second_out = io.StringIO(), io.StringIO()
    first = ensure_demo_staff(first_out)
    created_events = AuditEvent.objects.filter(event_type=int(EventType.STAFF_CREATED)).count()
    file_before = credentials_path().read_text(encoding="utf-8")

    second = ensure_demo_staff(second_out)

    assert second == first  # same passwords, printed again
    assert Staff.objects.count() == len(DEMO_ACCOUNTS)
    assert AuditEvent.objects.filter(event_type=int(EventType.STAFF_CREATED)).count() == created_events
    assert credentials_path().read_text(encoding="utf-8") == file_before
    code1 = re.search(r"code=([A-Z0-9-]+)", first_out.getvalue()).group(1)
    code2 = re.search(r"code=([A-Z0-9-]+)", second_out.getvalue()).group(1)
    assert code1 != code2
    assert binding.redeem_enrolment_code(code1) is None  # superseded
    assert binding.redeem_enrolment_code(code2) is not None


def test_demo_loading_is_audited():
    ensure_demo_staff(io.StringIO())
    loaded = AuditEvent.objects.get(event_type=int(EventType.DEMO_LOADED))
    assert loaded.staff_id.startswith("cli:") and len(loaded.detail["created"]) == len(DEMO_ACCOUNTS)
    grants = AuditEvent.objects.filter(event_type=int(EventType.ROLE_GRANTED))
    assert grants.count() == sum(len(a.roles) for a in DEMO_ACCOUNTS)
    assert all(e.detail["demo"] is True for e in grants)
    assert AuditEvent.objects.filter(event_type=int(EventType.TERMINAL_ENROLMENT_ISSUED)).count() == 1


def test_a_lost_credentials_file_is_reported_not_invented():
    ensure_demo_staff(io.StringIO())
    credentials_path().unlink()
    out = io.StringIO()
    ensure_demo_staff(out)
    assert "不明" in out.getvalue() and "juki staff reset" in out.getvalue()


def test_demo_administrator_logs_in_at_the_enrolled_terminal_and_sees_admin_pages():
    """The demo really works: enrol the browser with the printed URL, then the admin pages load."""
    out = io.StringIO()
    ensure_demo_staff(out)
    url = re.search(r"(/terminal/enrol/\?code=[A-Z0-9-]+)", out.getvalue()).group(1)
    code = url.split("=", 1)[1]
    terminal = binding.redeem_enrolment_code(code)
    from tests.conftest import logged_in

    client = logged_in(Client(), Staff.objects.get(staff_id="demo-admin1"), terminal)
    assert client.get("/admin/staff/").status_code == 200
    assert client.get("/admin/role-requests/").status_code == 200
