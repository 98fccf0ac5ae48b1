"""Staff account actions: create, bootstrap, disable / enable, credential reset, terminals.

Sources: Hiroshima digest D1.1 (an account needs a user-ID application), D1.2 (transfer or
retirement disables the account; no login afterwards), D1.3 (every account-change log entry
carries the application number); docs/security.md (individual accounts, disabling ends sessions).
"""

from __future__ import annotations

import pytest
from django.contrib.auth.hashers import check_password
from django.contrib.sessions.models import Session
from tests.conftest import logged_in

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.security.actions import (
    do_bootstrap_admin,
    do_create_staff,
    do_disable_staff,
    do_enable_staff,
    do_reset_staff_credentials,
    do_set_staff_terminals,
)
from juki.security.actions.staff import generate_password
from juki.security.models import RoleGrant, Staff
from juki.security.roles import Role

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


# --- create -----------------------------------------------------------------------------


def test_admin_creates_individual_account_with_one_time_password(admin):
    created = do_create_staff("yamada.t", "山田 太郎", "市民課", "APP-2024-001", actor=Actor.for_staff(admin))

    staff = Staff.objects.get(staff_id="yamada.t")
    assert staff.name == "山田 太郎" and staff.office == "市民課"
    assert staff.application_no == "APP-2024-001"
    assert staff.must_change_password is True
    assert staff.roles() == frozenset()  # roles only through the two-administrator flow
    assert check_password(created.initial_password, staff.password)
    assert created.initial_password not in str(AuditEvent.objects.values_list("detail", flat=True))
    (event,) = events(EventType.STAFF_CREATED)
    assert event.outcome == Outcome.OK and event.staff_id == "admin01"
    assert event.detail["staff"] == "yamada.t" and event.detail["application_no"] == "APP-2024-001"


def test_generated_passwords_pass_the_password_policy_and_differ():
    from django.contrib.auth.password_validation import validate_password

    passwords = {generate_password() for _ in range(20)}
    assert len(passwords) == 20
    for pw in passwords:
        validate_password(pw)


def test_account_without_application_number_is_refused_and_audited(admin):
    """Hiroshima digest D1.1: no user ID without a user-ID application."""
    refused(do_create_staff, "APPLICATION_NO_REQUIRED", "sato", "佐藤 花子", "", "  ", actor=Actor.for_staff(admin))
    assert not Staff.objects.filter(staff_id="sato").exists()
    (event,) = events(EventType.STAFF_CREATED)
    assert event.outcome == Outcome.INVALID and event.detail["code"] == "APPLICATION_NO_REQUIRED"


@pytest.mark.parametrize(
    ("staff_id", "name", "code"),
    [
        ("x", "一文字", "STAFF_ID_INVALID"),
        ("has space", "空白", "STAFF_ID_INVALID"),
        ("-lead", "記号始まり", "STAFF_ID_INVALID"),
        ("new", "予約語", "STAFF_ID_INVALID"),
        ("guest", "共用", "STAFF_ID_SHARED"),
        ("Admin", "共用", "STAFF_ID_SHARED"),
        ("madoguchi", "窓口共用", "STAFF_ID_SHARED"),
        ("valid01", "  ", "STAFF_NAME_REQUIRED"),
    ],
)
def test_bad_staff_input_is_refused(admin, staff_id, name, code):
    refused(do_create_staff, code, staff_id, name, "", "APP-1", actor=Actor.for_staff(admin))
    assert Staff.objects.count() == 1  # only the admin


def test_staff_id_is_never_reused_even_after_disabling_or_in_other_case(admin, clerk):
    do_disable_staff(clerk, "退職", actor=Actor.for_staff(admin))
    refused(do_create_staff, "STAFF_ID_TAKEN", "clerk01", "別人", "", "APP-2", actor=Actor.for_staff(admin))
    refused(do_create_staff, "STAFF_ID_TAKEN", "CLERK01", "別人", "", "APP-2", actor=Actor.for_staff(admin))


@pytest.mark.parametrize("persona", ["clerk", "approver", "auditor"])
def test_non_administrators_cannot_create_staff(request, persona):
    acting = request.getfixturevalue(persona)
    refused(do_create_staff, "ADMIN_FORBIDDEN", "new01", "新人", "", "APP-3", actor=Actor.for_staff(acting))
    assert not Staff.objects.filter(staff_id="new01").exists()
    (event,) = events(EventType.STAFF_CREATED)
    assert event.outcome == Outcome.DENIED and event.staff_id == acting.staff_id


def test_disabled_administrator_cannot_act(admin, admin2):
    do_disable_staff(admin2, "異動", actor=Actor.for_staff(admin))
    refused(do_create_staff, "ADMIN_FORBIDDEN", "new02", "新人", "", "APP-4", actor=Actor.for_staff(admin2))


def test_cli_operator_is_recorded_as_cli_user(db):
    created = do_create_staff("kato", "加藤 一", "", "APP-5", actor=Actor.cli())
    (event,) = events(EventType.STAFF_CREATED)
    assert event.staff_id.startswith("cli:") and len(event.staff_id) > 4
    assert created.staff.must_change_password


# --- bootstrap --------------------------------------------------------------------------


def test_bootstrap_creates_up_to_two_administrators_from_the_cli(db):
    first = do_bootstrap_admin("boot1", "初期 管理一", "情報政策課", "APP-B1", actor=Actor.cli())
    second = do_bootstrap_admin("boot2", "初期 管理二", "", "APP-B2", actor=Actor.cli())
    for created in (first, second):
        assert created.staff.roles() == frozenset({Role.SYSADMIN})
        assert created.staff.must_change_password
    assert len(events(EventType.ADMIN_BOOTSTRAPPED)) == 2
    assert all(e.outcome == Outcome.OK for e in events(EventType.ADMIN_BOOTSTRAPPED))

    refused(do_bootstrap_admin, "BOOTSTRAP_CLOSED", "boot3", "三人目", "", "APP-B3", actor=Actor.cli())
    assert not Staff.objects.filter(staff_id="boot3").exists()
    assert events(EventType.ADMIN_BOOTSTRAPPED)[-1].outcome == Outcome.DENIED


def test_bootstrap_reopens_when_an_administrator_is_disabled(admin, admin2):
    refused(do_bootstrap_admin, "BOOTSTRAP_CLOSED", "boot3", "三人目", "", "APP-B3", actor=Actor.cli())
    do_disable_staff(admin2, "退職", actor=Actor.for_staff(admin))
    created = do_bootstrap_admin("boot3", "三人目", "", "APP-B3", actor=Actor.cli())
    assert created.staff.has_role(Role.SYSADMIN)


def test_bootstrap_is_refused_from_the_web(admin):
    """A logged-in administrator must use the two-administrator flow, not the bootstrap."""
    refused(do_bootstrap_admin, "CLI_ONLY", "boot4", "Web経由", "", "APP-B4", actor=Actor.for_staff(admin))
    assert not Staff.objects.filter(staff_id="boot4").exists()


def test_bootstrap_needs_the_application_number(db):
    refused(do_bootstrap_admin, "APPLICATION_NO_REQUIRED", "boot5", "申請なし", "", "", actor=Actor.cli())
    assert RoleGrant.objects.count() == 0


# --- disable / enable -------------------------------------------------------------------


def test_disabling_ends_sessions_at_once_and_keeps_roles(client, admin, clerk, terminal):
    """docs/security.md and Hiroshima digest D1.2: a transferred clerk's open session ends at once."""
    logged_in(client, clerk, terminal)
    assert client.get("/").status_code == 200
    assert Session.objects.count() == 1

    do_disable_staff(clerk, "人事異動（税務課へ）", actor=Actor.for_staff(admin), application_no="APP-6")

    clerk.refresh_from_db()
    assert clerk.is_active is False and clerk.disabled_at is not None
    assert clerk.disabled_reason == "人事異動（税務課へ）"
    assert Session.objects.count() == 0
    response = client.get("/")
    assert response.status_code == 302 and response["Location"].startswith("/login/")
    # nothing else is revoked: roles and terminals are kept for re-enabling
    assert clerk.roles() == frozenset({Role.CLERK})
    assert list(clerk.terminals.all()) == [terminal]
    (event,) = events(EventType.STAFF_DISABLED)
    assert event.detail["sessions_ended"] == 1 and event.detail["application_no"] == "APP-6"


def test_disable_needs_a_reason(admin, clerk):
    refused(do_disable_staff, "REASON_REQUIRED", clerk, " ", actor=Actor.for_staff(admin))
    clerk.refresh_from_db()
    assert clerk.is_active
    assert events(EventType.STAFF_DISABLED)[-1].outcome == Outcome.INVALID


def test_administrator_cannot_disable_themselves(admin):
    refused(do_disable_staff, "STAFF_SELF_CHANGE", admin, "自分", actor=Actor.for_staff(admin))


def test_disable_twice_and_enable_active_are_refused(admin, clerk):
    do_disable_staff(clerk, "退職", actor=Actor.for_staff(admin))
    refused(do_disable_staff, "STAFF_ALREADY_DISABLED", clerk, "退職", actor=Actor.for_staff(admin))
    do_enable_staff(clerk, actor=Actor.for_staff(admin))
    refused(do_enable_staff, "STAFF_ALREADY_ACTIVE", clerk, actor=Actor.for_staff(admin))


def test_enable_restores_the_account(admin, clerk):
    do_disable_staff(clerk, "休職", actor=Actor.for_staff(admin))
    do_enable_staff(clerk, actor=Actor.for_staff(admin), application_no="APP-7")
    clerk.refresh_from_db()
    assert clerk.is_active and clerk.disabled_at is None and clerk.disabled_reason == ""
    (event,) = events(EventType.STAFF_ENABLED)
    assert event.outcome == Outcome.OK and event.detail["staff"] == "clerk01"


@pytest.mark.parametrize("persona", ["clerk", "auditor"])
def test_non_administrators_cannot_disable_staff(request, persona, approver):
    refused(do_disable_staff, "ADMIN_FORBIDDEN", approver, "退職", actor=Actor.for_staff(request.getfixturevalue(persona)))
    approver.refresh_from_db()
    assert approver.is_active


# --- credential reset -------------------------------------------------------------------


def test_reset_gives_new_one_time_password_and_clears_second_factor(admin, clerk):
    from juki.core import clock

    clerk.totp_secret_enc = b"x"
    clerk.totp_enrolled_at = clock.now()
    clerk.save()
    result = do_reset_staff_credentials(clerk, actor=Actor.for_staff(admin), application_no="APP-8")
    clerk.refresh_from_db()
    assert check_password(result.initial_password, clerk.password)
    assert clerk.must_change_password and clerk.totp_enrolled_at is None and not clerk.totp_secret_enc
    (event,) = events(EventType.STAFF_PASSWORD_RESET)
    assert event.outcome == Outcome.OK and result.initial_password not in str(event.detail)


def test_reset_refused_for_self_and_non_admin(admin, clerk):
    refused(do_reset_staff_credentials, "STAFF_SELF_CHANGE", admin, actor=Actor.for_staff(admin))
    refused(do_reset_staff_credentials, "ADMIN_FORBIDDEN", admin, actor=Actor.for_staff(clerk))


# --- terminals ----------------------------------------------------------------------------


def test_set_staff_terminals_replaces_the_set(admin, clerk, make_terminal):
    t2 = make_terminal("T-BACK-01")
    t3 = make_terminal("T-BACK-02")
    do_set_staff_terminals(clerk, [t2, "T-BACK-02"], actor=Actor.for_staff(admin))
    assert set(clerk.terminals.values_list("terminal_id", flat=True)) == {"T-BACK-01", "T-BACK-02"}
    (event,) = events(EventType.STAFF_TERMINALS_CHANGED)
    assert event.detail == {"staff": "clerk01", "before": ["T-COUNTER-01"], "after": ["T-BACK-01", "T-BACK-02"]}
    assert t3 in clerk.terminals.all()


def test_set_staff_terminals_refuses_unknown_and_revoked_terminals(admin, clerk, make_terminal):
    from juki.security.actions import do_revoke_terminal

    gone = make_terminal("T-OLD")
    do_revoke_terminal(gone, actor=Actor.for_staff(admin))
    refused(do_set_staff_terminals, "TERMINAL_NOT_FOUND", clerk, ["NOPE"], actor=Actor.for_staff(admin))
    refused(do_set_staff_terminals, "TERMINAL_REVOKED", clerk, ["T-OLD"], actor=Actor.for_staff(admin))
    assert list(clerk.terminals.values_list("terminal_id", flat=True)) == ["T-COUNTER-01"]


def test_non_admin_cannot_set_terminals(clerk, approver):
    refused(do_set_staff_terminals, "ADMIN_FORBIDDEN", approver, [], actor=Actor.for_staff(clerk))
