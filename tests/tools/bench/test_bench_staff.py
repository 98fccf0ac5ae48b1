"""The bench staff are created through the security actions, with their audit events: the
terminal, each account, and each role requested by the operator and approved by a second
administrator (the two-person rule of juki.security.actions.roles)."""

from __future__ import annotations

import io

import pytest

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.security.actions import do_bootstrap_admin
from juki.security.demo import ensure_demo_staff
from juki.security.models import RoleChangeRequest, RoleGrant, Staff, Terminal
from juki.security.roles import Role
from juki.tools.bench.staff import BENCH_TERMINAL, bench_actor

pytestmark = pytest.mark.django_db


def events(event_type: EventType, **detail: object) -> list[AuditEvent]:
    found = AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq")
    return [e for e in found if all((e.detail or {}).get(k) == v for k, v in detail.items())]


def test_a_new_bench_account_is_created_registered_and_granted_through_audited_actions():
    actor = bench_actor("bench-officer")

    staff = Staff.objects.get(staff_id="bench-officer")
    assert actor.staff == staff and actor.terminal_id == BENCH_TERMINAL
    assert set(staff.roles()) == {Role.CLERK, Role.MY_NUMBER_OFFICER}
    assert list(staff.terminals.values_list("terminal_id", flat=True)) == [BENCH_TERMINAL]
    # every grant went through an approved request: requested by the operator, decided by another
    grants = RoleGrant.objects.filter(staff=staff, revoked_at__isnull=True).select_related("request")
    assert all(g.request is not None and g.request.state == RoleChangeRequest.State.APPROVED for g in grants)
    assert {g.request.requested_by for g in grants} == {None}
    assert {g.request.decided_by.staff_id for g in grants} == {"bench-admin"}

    [terminal] = events(EventType.TERMINAL_REGISTERED, terminal=BENCH_TERMINAL)
    [created] = events(EventType.STAFF_CREATED, staff="bench-officer")
    assert terminal.staff_id.startswith("cli:") and created.staff_id.startswith("cli:")
    assert len(events(EventType.ADMIN_BOOTSTRAPPED, staff="bench-admin")) == 1
    assert len(events(EventType.STAFF_TERMINALS_CHANGED, staff="bench-officer")) == 1
    assert len(events(EventType.ROLE_CHANGE_REQUESTED, staff="bench-officer")) == 2
    assert len(events(EventType.ROLE_CHANGE_APPROVED, staff="bench-officer")) == 2
    granted = events(EventType.ROLE_GRANTED, staff="bench-officer")
    assert sorted(e.detail["role"] for e in granted) == sorted([Role.CLERK.value, Role.MY_NUMBER_OFFICER.value])
    assert {e.staff_id for e in granted} == {"bench-admin"}

    # a second run finds everything in place and changes nothing
    before = AuditEvent.objects.count()
    assert bench_actor("bench-officer").staff == staff
    assert AuditEvent.objects.count() == before


def test_on_a_demo_database_the_demo_approver_approves_the_bench_grants():
    ensure_demo_staff(io.StringIO())  # two demo administrators: the bootstrap is closed
    bench_actor("bench-approver")
    request = RoleChangeRequest.objects.get(staff__staff_id="bench-approver")
    assert request.state == RoleChangeRequest.State.APPROVED and request.decided_by.staff_id == "demo-admin2"
    assert not Staff.objects.filter(staff_id="bench-admin").exists()


def test_without_an_administrator_to_approve_the_bench_refuses_and_creates_nothing():
    operator = Actor.cli()
    do_bootstrap_admin("admin-one", "管理 一郎", application_no="A-1", actor=operator)
    do_bootstrap_admin("admin-two", "管理 二郎", application_no="A-2", actor=operator)
    with pytest.raises(JukiError) as refused:
        bench_actor("bench-clerk")
    assert refused.value.code == "BENCH_NO_APPROVER"
    assert not Staff.objects.filter(staff_id__startswith="bench-").exists()
    assert not Terminal.objects.filter(terminal_id=BENCH_TERMINAL).exists()
