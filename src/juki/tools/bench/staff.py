"""The bench staff (測定用職員): the accounts ``juki bench`` acts as, and their terminal.

They are created through the security actions (:mod:`juki.security.actions`), so that every
step is audited like any other administration:

- the terminal ``BENCH`` — :func:`~juki.security.actions.do_register_terminal`, by the
  operator running ``juki bench`` (the CLI actor, ``cli:<user>``);
- each account — :func:`~juki.security.actions.do_create_staff` and
  :func:`~juki.security.actions.do_set_staff_terminals`, by the same operator;
- each role — requested by the operator
  (:func:`~juki.security.actions.do_request_role_change`) and approved by a second, identified
  system administrator (:func:`~juki.security.actions.do_approve_role_change`): the
  two-person rule holds for bench grants too. The approver is the bench's own administrator
  ``bench-admin``, created with :func:`~juki.security.actions.do_bootstrap_admin` while the
  database has fewer than two administrators (a new benchmark database). On a demo database
  the two demo administrators have closed the bootstrap; there the demo's approving
  administrator (:data:`juki.security.demo.DEMO_ACCOUNTS`, ``demo-admin2``) approves. On any
  other database the bench refuses (``BENCH_NO_APPROVER``).

What exists is kept: an account, role or terminal already there is not created again, so a
run interrupted half-way is completed by the next one. The initial passwords are discarded:
nobody logs in as a bench account.
"""

from __future__ import annotations

from juki.core.actor import Actor
from juki.security.actions import (
    do_approve_role_change,
    do_bootstrap_admin,
    do_create_staff,
    do_register_terminal,
    do_request_role_change,
    do_set_staff_terminals,
)
from juki.security.actions.staff import BOOTSTRAP_ADMIN_LIMIT, active_sysadmin_count
from juki.security.demo import DEMO_ACCOUNTS
from juki.security.models import RoleChangeRequest, Staff, Terminal
from juki.security.roles import Role

from .errors import BenchError

BENCH_TERMINAL = "BENCH"
BENCH_OFFICE = "性能測定"
#: The paper application number (申請書番号) the bench's account changes are filed under.
BENCH_APPLICATION = "BENCH"
BENCH_ADMIN = ("bench-admin", "性能測定 管理者")
BENCH_STAFF = {
    "bench-clerk": ("性能測定 窓口", (Role.CLERK,)),
    "bench-approver": ("性能測定 確認者", (Role.APPROVER,)),
    "bench-officer": ("性能測定 個人番号事務", (Role.CLERK, Role.MY_NUMBER_OFFICER)),
}


def bench_actor(staff_id: str) -> Actor:
    """One of the bench staff accounts (created on first use with its roles), at ``BENCH``."""
    staff = ensure_bench_staff(staff_id)
    return Actor(staff, terminal_id=BENCH_TERMINAL, ip="127.0.0.1")


def ensure_bench_staff(staff_id: str) -> Staff:
    """The bench account ``staff_id`` with its terminal and every role of :data:`BENCH_STAFF`."""
    name, roles = BENCH_STAFF[staff_id]
    operator = Actor.cli()
    staff = Staff.objects.filter(staff_id=staff_id).first()
    missing = [role for role in roles if staff is None or role not in staff.roles()]
    approver = _approver(operator) if missing else None  # refused before anything is created
    terminal = _ensure_terminal(operator)
    if staff is None:
        staff = do_create_staff(staff_id, name, BENCH_OFFICE, BENCH_APPLICATION, actor=operator).staff
    if not staff.terminals.filter(pk=terminal.pk).exists():
        do_set_staff_terminals(staff, [terminal, *staff.terminals.all()], actor=operator)
    for role in missing:
        assert approver is not None
        _grant(staff, role, operator, approver)
    staff.__dict__.pop("_roles_cache", None)
    return staff


def _ensure_terminal(operator: Actor) -> Terminal:
    terminal = Terminal.objects.filter(terminal_id=BENCH_TERMINAL).first()
    if terminal is None:
        terminal = do_register_terminal(BENCH_TERMINAL, "性能測定端末", BENCH_OFFICE, "all", actor=operator)
    return terminal


def _grant(staff: Staff, role: Role, operator: Actor, approver: Actor) -> None:
    """Request the grant as the operator (or take up a pending one) and approve it."""
    pending = RoleChangeRequest.objects.filter(staff=staff, role=role.value, kind=RoleChangeRequest.Kind.GRANT,
                                               state=RoleChangeRequest.State.PENDING).first()
    request = pending or do_request_role_change(staff, role, RoleChangeRequest.Kind.GRANT, BENCH_APPLICATION,
                                                "性能測定用", actor=operator)
    do_approve_role_change(request, actor=approver, comment="性能測定用")


def _is_admin(staff: Staff | None) -> bool:
    return staff is not None and staff.is_active and Role.SYSADMIN in staff.roles()


def _approver(operator: Actor) -> Actor:
    """The second administrator who approves the bench's role grants (see the module docstring)."""
    admin = Staff.objects.filter(staff_id=BENCH_ADMIN[0]).first()
    if admin is None and active_sysadmin_count() < BOOTSTRAP_ADMIN_LIMIT:
        admin = do_bootstrap_admin(*BENCH_ADMIN, BENCH_OFFICE, BENCH_APPLICATION, actor=operator).staff
    if not _is_admin(admin):
        demo_admins = [a.staff_id for a in DEMO_ACCOUNTS if Role.SYSADMIN in a.roles]
        admin = next((s for s in (Staff.objects.filter(staff_id=i).first() for i in reversed(demo_admins))
                      if _is_admin(s)), None)
    if admin is None:
        raise BenchError("BENCH_NO_APPROVER",
                         "測定用職員の権限を承認できるシステム管理者がいません。"
                         "デモ・測定用のデータベースで実行するか、juki staff で測定用職員を先に作成してください。")
    return Actor.for_staff(admin, terminal_id=BENCH_TERMINAL, ip="127.0.0.1")
