"""The administration pages (/admin/): thin views over the actions, Japanese UI, POST + CSRF.

Sources: docs/security.md (two-administrator approval of role changes, administrators cannot view
resident data), §5 (terminal registration and enrolment).
"""

from __future__ import annotations

import re

import pytest
from django.contrib.sessions.models import Session
from django.test import Client
from tests.conftest import logged_in

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.security import terminals as binding
from juki.security.actions import do_request_role_change
from juki.security.models import RoleChangeRequest, Staff, Terminal
from juki.security.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Passwords are incidental here (Argon2 itself is covered by the login tests): hash fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def as_(staff: Staff, terminal: Terminal, *, csrf: bool = False) -> Client:
    return logged_in(Client(enforce_csrf_checks=csrf), staff, terminal)


def text(response) -> str:  # type: ignore[no-untyped-def]
    return response.content.decode()


# --- staff ------------------------------------------------------------------------------------


def test_staff_list_shows_accounts_roles_and_terminals(admin, clerk, terminal):
    page = text(as_(admin, terminal).get("/admin/staff/"))
    assert "職員管理" in page and "clerk01" in page and "窓口 花子" in page and "窓口" in page
    assert "T-COUNTER-01" in page


def test_create_staff_shows_initial_password_once_and_never_caches(admin, terminal):
    c = as_(admin, terminal)
    assert "ユーザID申請書番号" in text(c.get("/admin/staff/new/"))
    response = c.post("/admin/staff/new/", {"staff_id": "ito", "name": "伊藤 さくら", "office": "市民課",
                                            "application_no": "APP-30", "terminals": ["T-COUNTER-01"]})
    assert response.status_code == 200
    assert response["Cache-Control"] == "no-store"
    password = re.search(r'data-testid="initial-password">([^<]+)<', text(response)).group(1)
    staff = Staff.objects.get(staff_id="ito")
    assert staff.check_password(password) and staff.must_change_password
    assert list(staff.terminals.values_list("terminal_id", flat=True)) == ["T-COUNTER-01"]
    assert password not in text(c.get("/admin/staff/ito/"))  # shown once only


def test_create_staff_without_application_number_shows_the_refusal(admin, terminal):
    response = as_(admin, terminal).post("/admin/staff/new/", {"staff_id": "ito", "name": "伊藤", "application_no": ""})
    assert response.status_code == 400
    page = text(response)
    assert "ユーザID申請書番号を入力してください。" in page and "APPLICATION_NO_REQUIRED" in page
    assert 'value="ito"' in page  # the form keeps what was typed
    assert not Staff.objects.filter(staff_id="ito").exists()


def test_unknown_staff_is_404(admin, terminal):
    assert as_(admin, terminal).get("/admin/staff/nobody/").status_code == 404


def test_disable_from_the_detail_page_ends_the_staff_sessions(admin, clerk, terminal):
    as_(clerk, terminal)
    assert Session.objects.count() == 1
    c = as_(admin, terminal)
    response = c.post("/admin/staff/clerk01/disable/", {"reason": "退職", "application_no": "APP-31"})
    assert response.status_code == 302 and response["Location"] == "/admin/staff/clerk01/"
    clerk.refresh_from_db()
    assert not clerk.is_active
    assert Session.objects.count() == 1  # only the administrator's own
    page = text(c.get("/admin/staff/clerk01/"))
    assert "無効化しました" in page and "有効にする" in page
    c.post("/admin/staff/clerk01/enable/", {})
    clerk.refresh_from_db()
    assert clerk.is_active


def test_disable_without_reason_shows_the_refusal(admin, clerk, terminal):
    c = as_(admin, terminal)
    c.post("/admin/staff/clerk01/disable/", {"reason": ""})
    clerk.refresh_from_db()
    assert clerk.is_active
    assert "REASON_REQUIRED" in text(c.get("/admin/staff/clerk01/"))


def test_get_on_a_post_only_page_changes_nothing(admin, clerk, terminal):
    assert as_(admin, terminal).get("/admin/staff/clerk01/disable/").status_code == 405
    clerk.refresh_from_db()
    assert clerk.is_active


def test_post_without_csrf_token_is_refused(admin, clerk, terminal):
    c = as_(admin, terminal, csrf=True)
    assert c.post("/admin/staff/clerk01/disable/", {"reason": "退職"}).status_code == 403
    clerk.refresh_from_db()
    assert clerk.is_active
    assert 'name="csrfmiddlewaretoken"' in text(c.get("/admin/staff/clerk01/"))


def test_set_terminals_and_reset_from_the_detail_page(admin, clerk, terminal, make_terminal):
    make_terminal("T-BACK-01")
    c = as_(admin, terminal)
    c.post("/admin/staff/clerk01/terminals/", {"terminals": ["T-COUNTER-01", "T-BACK-01"]})
    assert set(clerk.terminals.values_list("terminal_id", flat=True)) == {"T-COUNTER-01", "T-BACK-01"}
    response = c.post("/admin/staff/clerk01/reset/", {"application_no": "APP-32"})
    assert response["Cache-Control"] == "no-store"
    password = re.search(r'data-testid="initial-password">([^<]+)<', text(response)).group(1)
    assert Staff.objects.get(pk=clerk.pk).check_password(password)


# --- the two-administrator flow ------------------------------------------------------------------


def test_two_administrators_grant_a_role_through_the_pages(admin, admin2, make_staff, terminal):
    make_staff("newcomer01", name="新人 一")
    first = as_(admin, terminal)
    response = first.post("/admin/staff/newcomer01/role-request/",
                          {"kind": "grant", "role": "clerk", "application_no": "APP-33", "reason": "配属"})
    assert response.status_code == 302
    req = RoleChangeRequest.objects.get()
    assert req.requested_by == admin and req.state == RoleChangeRequest.State.PENDING

    # the requester sees the request but gets no approve button, and a forged POST is refused
    queue = text(first.get("/admin/role-requests/"))
    assert f'data-request="{req.pk}"' in queue and "自分の申請です" in queue
    assert f"/admin/role-requests/{req.pk}/approve/" not in queue
    first.post(f"/admin/role-requests/{req.pk}/approve/", {})
    req.refresh_from_db()
    assert req.state == RoleChangeRequest.State.PENDING
    assert "APPROVER_IS_REQUESTER" in text(first.get("/admin/role-requests/"))
    refusal = AuditEvent.objects.filter(event_type=int(EventType.ROLE_CHANGE_REFUSED)).get()
    assert refusal.outcome == Outcome.DENIED and refusal.terminal_id == "T-COUNTER-01" and refusal.ip == "127.0.0.1"

    # the second administrator approves
    second = as_(admin2, terminal)
    assert f"/admin/role-requests/{req.pk}/approve/" in text(second.get("/admin/role-requests/"))
    second.post(f"/admin/role-requests/{req.pk}/approve/", {"comment": "申請書確認済"})
    req.refresh_from_db()
    assert req.state == RoleChangeRequest.State.APPROVED and req.decided_by == admin2
    assert Staff.objects.get(staff_id="newcomer01").roles() == frozenset({Role.CLERK})
    assert "承認済" in text(second.get("/admin/role-requests/"))


def test_reject_and_withdraw_through_the_pages(admin, admin2, make_staff, terminal):
    subject = make_staff("newcomer01")
    r1 = do_request_role_change(subject, "clerk", "grant", "A", actor=Actor.for_staff(admin))
    r2 = do_request_role_change(subject, "approver", "grant", "B", actor=Actor.for_staff(admin))
    as_(admin2, terminal).post(f"/admin/role-requests/{r1.pk}/reject/", {"comment": ""})
    as_(admin, terminal).post(f"/admin/role-requests/{r2.pk}/cancel/", {})
    r1.refresh_from_db()
    r2.refresh_from_db()
    assert r1.state == RoleChangeRequest.State.REJECTED and r2.state == RoleChangeRequest.State.CANCELLED


def test_administrator_sees_no_role_request_form_for_themselves(admin, terminal):
    page = text(as_(admin, terminal).get("/admin/staff/admin01/"))
    assert "自分自身の権限変更は申請できません" in page
    assert "/admin/staff/admin01/role-request/" not in page


def test_role_request_form_marks_forbidden_combinations(admin, clerk, terminal):
    page = text(as_(admin, terminal).get("/admin/staff/clerk01/"))
    assert "職務分離により不可" in page  # e.g. auditor or sysadmin for a clerk


# --- terminals ------------------------------------------------------------------------------------


def test_register_terminal_then_enrol_a_browser_with_the_code_shown_once(admin, terminal):
    c = as_(admin, terminal)
    assert "機能ごとの端末制限" in text(c.get("/admin/terminals/new/"))
    response = c.post("/admin/terminals/new/", {"terminal_id": "T-2F-01", "name": "2階窓口", "location": "2階",
                                                "functions": ["resident.search", "resident.view"]})
    assert response.status_code == 302 and response["Location"] == "/admin/terminals/T-2F-01/"
    assert Terminal.objects.get(terminal_id="T-2F-01").functions == ["resident.search", "resident.view"]

    response = c.post("/admin/terminals/T-2F-01/enrol/")
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    page = text(response)
    code = re.search(r'data-testid="enrolment-code">([^<]+)<', page).group(1)
    assert f"/terminal/enrol/?code={code}" in page
    assert code not in text(c.get("/admin/terminals/T-2F-01/"))
    assert binding.redeem_enrolment_code(code).terminal_id == "T-2F-01"


def test_register_terminal_with_bad_id_shows_the_refusal(admin, terminal):
    response = as_(admin, terminal).post("/admin/terminals/new/", {"terminal_id": "?", "name": "x", "functions": ["stats.view"]})
    assert response.status_code == 400 and "TERMINAL_ID_INVALID" in text(response)


def test_revoke_and_restrict_terminal_from_the_pages(admin, terminal, make_terminal):
    make_terminal("T-OLD")
    c = as_(admin, terminal)
    c.post("/admin/terminals/T-OLD/functions/", {"functions": ["stats.view"]})
    assert Terminal.objects.get(terminal_id="T-OLD").functions == ["stats.view"]
    c.post("/admin/terminals/T-OLD/revoke/", {"reason": "更新"})
    assert not Terminal.objects.get(terminal_id="T-OLD").is_active
    assert "取消済" in text(c.get("/admin/terminals/"))


def test_api_client_list_shows_no_token(admin, terminal):
    from juki.security.actions import do_create_api_client

    created = do_create_api_client("tax", "税務システム", ["10.0.0.0/8"], ["api.ping"], actor=Actor.for_staff(admin))
    page = text(as_(admin, terminal).get("/admin/api-clients/"))
    assert "税務システム" in page and "10.0.0.0/8" in page and created.token not in page


# --- who may see the pages ---------------------------------------------------------------------------


@pytest.mark.parametrize("persona", ["clerk", "approver", "auditor"])
def test_non_administrators_are_refused_every_admin_page(request, persona, terminal):
    c = as_(request.getfixturevalue(persona), terminal)
    for url in ("/admin/staff/", "/admin/role-requests/", "/admin/terminals/"):
        response = c.get(url)
        assert response.status_code == 403
        assert "この機能を利用する権限がありません。" in text(response)


def test_menu_shows_the_admin_entries_to_an_administrator(admin, terminal):
    page = text(as_(admin, terminal).get("/"))
    for label in ("職員管理", "権限変更の承認", "端末管理"):
        assert label in page
