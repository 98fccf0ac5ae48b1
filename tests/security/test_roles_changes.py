"""Role changes need two administrators; separation of duties is enforced at request and approval.

Sources: docs/security.md ("granting or revoking a role is audited and needs a second
administrator's approval"; administrators cannot view resident data); DESIGN §6 (nobody
confirms their own change); Hiroshima digest D1.3 (the application number is logged with
every account change) and D1.4 (roles matched to duties).
"""

from __future__ import annotations

import pytest

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.security.actions import (
    do_approve_role_change,
    do_cancel_role_change,
    do_disable_staff,
    do_reject_role_change,
    do_request_role_change,
)
from juki.security.models import RoleChangeRequest, RoleGrant, Staff
from juki.security.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    """Passwords are incidental here (Argon2 itself is covered by the login tests): hash fast."""
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

State = RoleChangeRequest.State


def events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))


def refused(fn, code: str, *args, **kwargs) -> JukiError:  # type: ignore[no-untyped-def]
    with pytest.raises(JukiError) as info:
        fn(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


def roles_of(staff) -> frozenset[Role]:  # type: ignore[no-untyped-def]
    """Roles read from the database now (a Staff instance caches its roles per request)."""
    return Staff.objects.get(pk=staff.pk).roles()


@pytest.fixture
def newcomer(make_staff):
    return make_staff("newcomer01", name="新人 一")


# --- the happy path --------------------------------------------------------------------


def test_grant_takes_effect_only_after_a_second_administrator_approves(admin, admin2, newcomer):
    req = do_request_role_change(newcomer, Role.CLERK, "grant", "APP-10", "窓口配属", actor=Actor.for_staff(admin))
    assert req.state == State.PENDING and req.requested_by == admin and req.requested_via == "web"
    assert Role.CLERK not in roles_of(newcomer)
    assert not RoleGrant.objects.filter(staff=newcomer).exists()

    do_approve_role_change(req, actor=Actor.for_staff(admin2), comment="確認済")

    req.refresh_from_db()
    assert req.state == State.APPROVED and req.decided_by == admin2 and req.decided_at is not None
    grant = RoleGrant.objects.get(staff=newcomer, role=Role.CLERK.value)
    assert grant.request == req and grant.revoked_at is None
    assert roles_of(newcomer) == frozenset({Role.CLERK})

    (requested,) = events(EventType.ROLE_CHANGE_REQUESTED)
    assert requested.staff_id == "admin01" and requested.detail["application_no"] == "APP-10"
    (approved,) = events(EventType.ROLE_CHANGE_APPROVED)
    assert approved.staff_id == "admin02" and approved.detail["request"] == req.pk
    (granted,) = events(EventType.ROLE_GRANTED)
    assert granted.detail["role"] == "clerk" and granted.detail["requested_by"] == "admin01"
    assert granted.detail["application_no"] == "APP-10"  # Hiroshima digest D1.3


def test_revoke_takes_effect_after_approval_and_keeps_history(admin, admin2, clerk):
    req = do_request_role_change(clerk, "clerk", "revoke", "APP-11", "異動", actor=Actor.for_staff(admin))
    assert clerk.has_role(Role.CLERK)
    do_approve_role_change(req, actor=Actor.for_staff(admin2))
    grant = RoleGrant.objects.get(staff=clerk, role="clerk")
    assert grant.revoked_at is not None and grant.revoke_request == req
    assert roles_of(clerk) == frozenset()
    assert events(EventType.ROLE_REVOKED)[0].detail["staff"] == "clerk01"


def test_role_can_be_granted_again_after_revocation(admin, admin2, clerk):
    do_approve_role_change(do_request_role_change(clerk, "clerk", "revoke", "A1", actor=Actor.for_staff(admin)), actor=Actor.for_staff(admin2))
    do_approve_role_change(do_request_role_change(clerk, "clerk", "grant", "A2", actor=Actor.for_staff(admin)), actor=Actor.for_staff(admin2))
    assert Role.CLERK in roles_of(clerk)
    assert RoleGrant.objects.filter(staff=clerk, role="clerk").count() == 2


def test_cli_request_is_approved_by_any_other_administrator(admin, newcomer):
    req = do_request_role_change(newcomer, "approver", "grant", "APP-12", actor=Actor.cli())
    assert req.requested_by is None and req.requested_via.startswith("cli:")
    do_approve_role_change(req, actor=Actor.for_staff(admin))
    assert Role.APPROVER in roles_of(newcomer)


def test_rejection_changes_nothing(admin, admin2, newcomer):
    req = do_request_role_change(newcomer, "clerk", "grant", "APP-13", actor=Actor.for_staff(admin))
    do_reject_role_change(req, actor=Actor.for_staff(admin2), comment="申請書不備")
    req.refresh_from_db()
    assert req.state == State.REJECTED and req.decision_comment == "申請書不備"
    assert not RoleGrant.objects.filter(staff=newcomer).exists()
    assert events(EventType.ROLE_CHANGE_REJECTED)[0].staff_id == "admin02"


def test_requester_may_withdraw_their_own_request_only(admin, admin2, newcomer):
    req = do_request_role_change(newcomer, "clerk", "grant", "APP-14", actor=Actor.for_staff(admin))
    refused(do_cancel_role_change, "NOT_REQUESTER", req, actor=Actor.for_staff(admin2))
    do_cancel_role_change(req, actor=Actor.for_staff(admin))
    req.refresh_from_db()
    assert req.state == State.CANCELLED
    assert events(EventType.ROLE_CHANGE_CANCELLED)[0].outcome == Outcome.OK


# --- four eyes ----------------------------------------------------------------------------


def test_requester_cannot_approve_or_reject_their_own_request(admin, newcomer):
    req = do_request_role_change(newcomer, "clerk", "grant", "APP-15", actor=Actor.for_staff(admin))
    refused(do_approve_role_change, "APPROVER_IS_REQUESTER", req, actor=Actor.for_staff(admin))
    refused(do_reject_role_change, "APPROVER_IS_REQUESTER", req, actor=Actor.for_staff(admin))
    req.refresh_from_db()
    assert req.state == State.PENDING
    assert Role.CLERK not in roles_of(newcomer)
    denied = events(EventType.ROLE_CHANGE_REFUSED)
    assert [e.detail["code"] for e in denied] == ["APPROVER_IS_REQUESTER"] * 2
    assert all(e.outcome == Outcome.DENIED and e.staff_id == "admin01" for e in denied)


def test_nobody_requests_a_role_change_for_themselves(admin):
    refused(do_request_role_change, "ROLE_SELF_REQUEST", admin, "clerk", "grant", "APP-16", actor=Actor.for_staff(admin))
    refused(do_request_role_change, "ROLE_SELF_REQUEST", admin, "sysadmin", "revoke", "APP-16", actor=Actor.for_staff(admin))
    assert not RoleChangeRequest.objects.exists()
    assert events(EventType.ROLE_CHANGE_REFUSED)[0].detail["code"] == "ROLE_SELF_REQUEST"


def test_administrator_cannot_decide_a_change_to_themselves(admin, admin2, make_staff):
    """A third administrator asks to revoke admin02's role: admin02 may not decide it."""
    admin3 = make_staff("admin03", Role.SYSADMIN)
    req = do_request_role_change(admin2, "sysadmin", "revoke", "APP-17", actor=Actor.for_staff(admin3))
    refused(do_approve_role_change, "APPROVER_IS_SUBJECT", req, actor=Actor.for_staff(admin2))
    refused(do_reject_role_change, "APPROVER_IS_SUBJECT", req, actor=Actor.for_staff(admin2))
    do_approve_role_change(req, actor=Actor.for_staff(admin))
    assert Role.SYSADMIN not in roles_of(admin2)


def test_cli_request_for_an_administrator_cannot_be_approved_by_that_administrator(admin, admin2):
    req = do_request_role_change(admin, "sysadmin", "revoke", "APP-18", actor=Actor.cli())
    refused(do_approve_role_change, "APPROVER_IS_SUBJECT", req, actor=Actor.for_staff(admin))
    do_approve_role_change(req, actor=Actor.for_staff(admin2))


@pytest.mark.parametrize("persona", ["clerk", "approver", "auditor"])
def test_non_administrators_can_neither_request_nor_decide(request, persona, admin, newcomer):
    acting = request.getfixturevalue(persona)
    refused(do_request_role_change, "ADMIN_FORBIDDEN", newcomer, "clerk", "grant", "APP-19", actor=Actor.for_staff(acting))
    req = do_request_role_change(newcomer, "clerk", "grant", "APP-19", actor=Actor.for_staff(admin))
    refused(do_approve_role_change, "APPROVER_NOT_ADMIN", req, actor=Actor.for_staff(acting))
    refused(do_reject_role_change, "APPROVER_NOT_ADMIN", req, actor=Actor.for_staff(acting))
    req.refresh_from_db()
    assert req.state == State.PENDING


def test_disabled_administrator_cannot_approve(admin, admin2, make_staff, newcomer):
    admin3 = make_staff("admin03", Role.SYSADMIN)
    req = do_request_role_change(newcomer, "clerk", "grant", "APP-20", actor=Actor.for_staff(admin))
    do_disable_staff(admin2, "退職", actor=Actor.for_staff(admin3))
    refused(do_approve_role_change, "APPROVER_NOT_ADMIN", req, actor=Actor.for_staff(admin2))


def test_cli_cannot_approve(admin, newcomer):
    """Approval needs an identified second administrator in the web UI."""
    req = do_request_role_change(newcomer, "clerk", "grant", "APP-21", actor=Actor.for_staff(admin))
    refused(do_approve_role_change, "APPROVER_NOT_ADMIN", req, actor=Actor.cli())


def test_decided_request_cannot_be_decided_again(admin, admin2, make_staff, newcomer):
    admin3 = make_staff("admin03", Role.SYSADMIN)
    req = do_request_role_change(newcomer, "clerk", "grant", "APP-22", actor=Actor.for_staff(admin))
    do_approve_role_change(req, actor=Actor.for_staff(admin2))
    refused(do_approve_role_change, "ROLE_REQUEST_NOT_PENDING", req, actor=Actor.for_staff(admin3))
    refused(do_reject_role_change, "ROLE_REQUEST_NOT_PENDING", req, actor=Actor.for_staff(admin3))
    refused(do_cancel_role_change, "ROLE_REQUEST_NOT_PENDING", req, actor=Actor.for_staff(admin))
    assert RoleGrant.objects.filter(staff=newcomer).count() == 1


# --- separation of duties -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("held", "wanted"),
    [
        (Role.SYSADMIN, Role.CLERK),  # administrators never browse residents
        (Role.SYSADMIN, Role.MY_NUMBER_OFFICER),
        (Role.SYSADMIN, Role.AUDITOR),
        (Role.AUDITOR, Role.CLERK),  # auditors review others, they are not operators
        (Role.CLERK, Role.AUDITOR),
        (Role.APPROVER, Role.SYSADMIN),
    ],
)
def test_forbidden_combination_is_refused_at_request_time(admin, make_staff, held, wanted):
    subject = make_staff("subject01", held)
    err = refused(do_request_role_change, "ROLE_CONFLICT", subject, wanted, "grant", "APP-23", actor=Actor.for_staff(admin))
    assert held.label in err.message and wanted.label in err.message
    assert not RoleChangeRequest.objects.exists()
    assert events(EventType.ROLE_CHANGE_REFUSED)[0].detail["code"] == "ROLE_CONFLICT"


def test_forbidden_combination_is_refused_at_approval_time(admin, admin2, newcomer):
    """Two grants, each fine alone, requested before either is approved: the second approval fails."""
    first = do_request_role_change(newcomer, "clerk", "grant", "APP-24", actor=Actor.for_staff(admin))
    second = do_request_role_change(newcomer, "auditor", "grant", "APP-25", actor=Actor.for_staff(admin))
    do_approve_role_change(first, actor=Actor.for_staff(admin2))
    refused(do_approve_role_change, "ROLE_CONFLICT", second, actor=Actor.for_staff(admin2))
    second.refresh_from_db()
    assert second.state == State.PENDING
    assert roles_of(newcomer) == frozenset({Role.CLERK})
    do_reject_role_change(second, actor=Actor.for_staff(admin2), comment="職務分離")


def test_allowed_combination_is_granted(admin, admin2, clerk):
    """Clerk + My Number officer is allowed (no SoD rule forbids it)."""
    do_approve_role_change(do_request_role_change(clerk, "my_number_officer", "grant", "A", actor=Actor.for_staff(admin)), actor=Actor.for_staff(admin2))
    assert roles_of(clerk) == frozenset({Role.CLERK, Role.MY_NUMBER_OFFICER})


# --- bad input ------------------------------------------------------------------------------


def test_bad_request_input_is_refused(admin, clerk, newcomer):
    refused(do_request_role_change, "UNKNOWN_ROLE", newcomer, "superuser", "grant", "A", actor=Actor.for_staff(admin))
    refused(do_request_role_change, "UNKNOWN_ROLE_CHANGE_KIND", newcomer, "clerk", "upgrade", "A", actor=Actor.for_staff(admin))
    refused(do_request_role_change, "APPLICATION_NO_REQUIRED", newcomer, "clerk", "grant", " ", actor=Actor.for_staff(admin))
    refused(do_request_role_change, "ROLE_ALREADY_HELD", clerk, "clerk", "grant", "A", actor=Actor.for_staff(admin))
    refused(do_request_role_change, "ROLE_NOT_HELD", newcomer, "clerk", "revoke", "A", actor=Actor.for_staff(admin))
    do_request_role_change(newcomer, "clerk", "grant", "A", actor=Actor.for_staff(admin))
    refused(do_request_role_change, "ROLE_REQUEST_DUPLICATE", newcomer, "clerk", "grant", "B", actor=Actor.for_staff(admin))
    assert RoleChangeRequest.objects.count() == 1
    assert len(events(EventType.ROLE_CHANGE_REFUSED)) == 6


def test_disabled_staff_cannot_be_granted_a_role(admin, admin2, newcomer):
    req = do_request_role_change(newcomer, "clerk", "grant", "A", actor=Actor.for_staff(admin))
    do_disable_staff(newcomer, "退職", actor=Actor.for_staff(admin))
    refused(do_approve_role_change, "STAFF_INACTIVE", req, actor=Actor.for_staff(admin2))
    refused(do_request_role_change, "STAFF_INACTIVE", newcomer, "approver", "grant", "A", actor=Actor.for_staff(admin))


@pytest.mark.django_db(transaction=True)
def test_concurrent_approvals_cannot_together_break_separation_of_duties(admin, admin2, make_staff, newcomer):
    """Two administrators approve the two halves of a forbidden pair at the same moment:
    exactly one approval succeeds (approvals are serialised; SoD is checked under the lock)."""
    import threading

    from django.db import connection

    admin3 = make_staff("admin03", Role.SYSADMIN)
    first = do_request_role_change(newcomer, "clerk", "grant", "C1", actor=Actor.for_staff(admin))
    second = do_request_role_change(newcomer, "auditor", "grant", "C2", actor=Actor.for_staff(admin))
    barrier = threading.Barrier(2)
    outcomes: list[str] = []

    def approve(req: RoleChangeRequest, approver: Staff) -> None:
        try:
            barrier.wait()
            do_approve_role_change(req, actor=Actor.for_staff(approver))
            outcomes.append("ok")
        except JukiError as exc:
            outcomes.append(exc.code)
        finally:
            connection.close()

    threads = [threading.Thread(target=approve, args=(first, admin2)),
               threading.Thread(target=approve, args=(second, admin3))]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(outcomes) == ["ROLE_CONFLICT", "ok"]
    assert len(roles_of(newcomer)) == 1
