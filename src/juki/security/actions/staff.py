"""Staff accounts (職員アカウント): create, disable on transfer or retirement, enable, bootstrap.

Accounts are individual (one person, one ID; no shared IDs) and are never deleted: the audit
log refers to them. Every account change carries the number of its paper application
(ユーザID申請書番号, Hiroshima digest D1.1 and D1.3).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction

from juki.audit.events import EventType
from juki.audit.log import person_target, record
from juki.core import clock
from juki.core.actor import Actor
from juki.core.digits import is_ascii_digits

from ..models import RoleGrant, Staff, Terminal
from ..roles import Function, Role
from . import errors
from .common import (
    audit,
    refusals_audited,
    require_function,
    serialise_admin_changes,
)

STAFF_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{1,31}$")

# IDs that name a post or a group rather than a person (共用ID). Accounts are individual.
GENERIC_STAFF_IDS = frozenset({
    "admin", "administrator", "root", "guest", "shared", "common", "user", "users", "test", "staff",
    "operator", "system", "sysadmin", "madoguchi", "kyoyo", "kyouyou", "kyotsu", "kyoutsuu", "demo",
})

# Path words of the administration pages (/admin/staff/new/).
RESERVED_IDS = frozenset({"new"})

_PASSWORD_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnpqrstuvwxyz23456789"


def generate_password(staff: Staff | None = None) -> str:
    """A random password that satisfies the password policy (4 groups of 5, about 115 bits)."""
    while True:
        candidate = "-".join("".join(secrets.choice(_PASSWORD_ALPHABET) for _ in range(5)) for _ in range(4))
        try:
            validate_password(candidate, staff)
        except ValidationError:
            continue
        return candidate


@dataclass(frozen=True)
class CreatedStaff:
    """The new account and its one-time initial password (shown once, never stored in clear)."""

    staff: Staff
    initial_password: str


def validate_new_staff(staff_id: str, name: str, application_no: str) -> tuple[str, str, str]:
    staff_id, name, application_no = staff_id.strip(), name.strip(), application_no.strip()
    if not STAFF_ID_RE.match(staff_id) or staff_id.lower() in RESERVED_IDS:
        raise errors.StaffIdInvalid()
    if staff_id.lower() in GENERIC_STAFF_IDS:
        raise errors.StaffIdShared()
    if not name:
        raise errors.StaffNameRequired()
    if not application_no:
        raise errors.ApplicationNoRequired()
    if Staff.objects.filter(staff_id__iexact=staff_id).exists():
        raise errors.StaffIdTaken()
    return staff_id, name, application_no


def _new_staff(staff_id: str, name: str, office: str, application_no: str) -> CreatedStaff:
    staff = Staff(staff_id=staff_id, name=name, office=office.strip(), application_no=application_no,
                  must_change_password=True)
    password = generate_password(staff)
    staff.set_password(password)
    staff.save()
    return CreatedStaff(staff=staff, initial_password=password)


def _staff_detail(staff: Staff, **more: object) -> dict[str, object]:
    return {"staff": staff.staff_id, "office": staff.office, "application_no": staff.application_no, **more}


def do_create_staff(staff_id: str, name: str, office: str, application_no: str, *,
                    actor: Actor) -> CreatedStaff:
    """職員アカウントの作成. Individual accounts only; the application number is required.

    The account starts with no roles and no terminals, and a one-time initial password that
    must be changed at first login (the second factor is enrolled then too).
    """
    with refusals_audited(actor, EventType.STAFF_CREATED, action="create", function=Function.STAFF_MANAGE,
                          detail={"staff": staff_id.strip()[:32], "application_no": application_no.strip()[:64]}):
        with transaction.atomic():
            require_function(actor, Function.STAFF_MANAGE)
            staff_id, name, application_no = validate_new_staff(staff_id, name, application_no)
            created = _new_staff(staff_id, name, office, application_no)
            audit(actor, EventType.STAFF_CREATED, action="create", function=Function.STAFF_MANAGE,
                  detail=_staff_detail(created.staff))
    return created


def active_sysadmin_count() -> int:
    return (
        Staff.objects.filter(is_active=True, role_grants__role=Role.SYSADMIN.value,
                             role_grants__revoked_at__isnull=True)
        .distinct()
        .count()
    )


BOOTSTRAP_ADMIN_LIMIT = 2


def do_bootstrap_admin(staff_id: str, name: str, office: str = "", application_no: str = "", *,
                       actor: Actor) -> CreatedStaff:
    """初期管理者の作成: a system administrator created directly, from the CLI only, while
    fewer than two active administrators exist — so that two administrators can then approve
    each other's requests and every later role change goes through two people."""
    with refusals_audited(actor, EventType.ADMIN_BOOTSTRAPPED, action="create", function=Function.STAFF_MANAGE,
                          detail={"staff": staff_id.strip()[:32], "application_no": application_no.strip()[:64]}):
        with transaction.atomic():
            if not actor.is_cli:
                raise errors.CliOnly()
            serialise_admin_changes()  # two concurrent bootstraps must not both see one admin
            if active_sysadmin_count() >= BOOTSTRAP_ADMIN_LIMIT:
                raise errors.BootstrapClosed()
            staff_id, name, application_no = validate_new_staff(staff_id, name, application_no)
            created = _new_staff(staff_id, name, office, application_no)
            RoleGrant.objects.create(staff=created.staff, role=Role.SYSADMIN.value, granted_at=clock.now())
            audit(actor, EventType.STAFF_CREATED, action="create", function=Function.STAFF_MANAGE,
                  detail=_staff_detail(created.staff, bootstrap=True))
            audit(actor, EventType.ADMIN_BOOTSTRAPPED, action="grant", function=Function.ROLE_APPROVE,
                  detail=_staff_detail(created.staff, role=Role.SYSADMIN.value))
    return created


def _end_sessions(staff: Staff) -> int:
    """End every session of ``staff`` at once (the login module owns the session format)."""
    from juki.security.auth import end_sessions_of

    return end_sessions_of(staff)


def do_disable_staff(staff: Staff, reason: str, *, actor: Actor, application_no: str = "") -> Staff:
    """職員の無効化 (異動・退職): the account can no longer log in and its sessions end at once.

    Roles and terminals are kept (and stay visible to administrators) so that re-enabling
    restores the account as it was; they grant nothing while the account is disabled.
    """
    detail = {"staff": staff.staff_id, "reason": reason.strip()[:200], "application_no": application_no.strip()[:64]}
    with refusals_audited(actor, EventType.STAFF_DISABLED, action="disable", function=Function.STAFF_MANAGE,
                          detail=detail):
        with transaction.atomic():
            require_function(actor, Function.STAFF_MANAGE)
            staff = Staff.objects.select_for_update().get(pk=staff.pk)
            if not reason.strip():
                raise errors.ReasonRequired()
            if actor.staff is not None and actor.staff.pk == staff.pk:
                raise errors.StaffSelfChange()
            if not staff.is_active:
                raise errors.StaffAlreadyDisabled()
            staff.is_active = False
            staff.disabled_at = clock.now()
            staff.disabled_reason = reason.strip()[:200]
            staff.save(update_fields=["is_active", "disabled_at", "disabled_reason"])
            ended = _end_sessions(staff)
            audit(actor, EventType.STAFF_DISABLED, action="disable", function=Function.STAFF_MANAGE,
                  detail={**detail, "sessions_ended": ended})
    return staff


def do_enable_staff(staff: Staff, *, actor: Actor, application_no: str = "") -> Staff:
    """職員の再有効化: undo a disablement (e.g. a transfer back)."""
    detail = {"staff": staff.staff_id, "application_no": application_no.strip()[:64]}
    with refusals_audited(actor, EventType.STAFF_ENABLED, action="enable", function=Function.STAFF_MANAGE,
                          detail=detail):
        with transaction.atomic():
            require_function(actor, Function.STAFF_MANAGE)
            staff = Staff.objects.select_for_update().get(pk=staff.pk)
            if actor.staff is not None and actor.staff.pk == staff.pk:
                raise errors.StaffSelfChange()
            if staff.is_active:
                raise errors.StaffAlreadyActive()
            staff.is_active = True
            staff.disabled_at = None
            staff.disabled_reason = ""
            staff.failed_logins = 0
            staff.locked_until = None
            staff.save(update_fields=["is_active", "disabled_at", "disabled_reason", "failed_logins", "locked_until"])
            audit(actor, EventType.STAFF_ENABLED, action="enable", function=Function.STAFF_MANAGE, detail=detail)
    return staff


def do_reset_staff_credentials(staff: Staff, *, actor: Actor, application_no: str = "") -> CreatedStaff:
    """パスワード・二要素の再設定 (forgotten password, lost phone): a new one-time password,
    the second factor is cleared so it is enrolled again at next login, sessions end."""
    detail = {"staff": staff.staff_id, "application_no": application_no.strip()[:64]}
    with refusals_audited(actor, EventType.STAFF_PASSWORD_RESET, action="reset", function=Function.STAFF_MANAGE,
                          detail=detail):
        with transaction.atomic():
            require_function(actor, Function.STAFF_MANAGE)
            staff = Staff.objects.select_for_update().get(pk=staff.pk)
            if actor.staff is not None and actor.staff.pk == staff.pk:
                raise errors.StaffSelfChange()
            password = generate_password(staff)
            staff.set_password(password)
            staff.must_change_password = True
            staff.totp_secret_enc = None
            staff.totp_enrolled_at = None
            staff.totp_last_step = 0
            staff.failed_logins = 0
            staff.locked_until = None
            staff.save()
            ended = _end_sessions(staff)
            audit(actor, EventType.STAFF_PASSWORD_RESET, action="reset", function=Function.STAFF_MANAGE,
                  detail={**detail, "sessions_ended": ended})
    return CreatedStaff(staff=staff, initial_password=password)


def resolve_terminals(terminals: Iterable[Terminal | str]) -> list[Terminal]:
    out: list[Terminal] = []
    for t in terminals:
        if isinstance(t, Terminal):
            terminal = Terminal.objects.filter(pk=t.pk).first()
            label = t.terminal_id
        else:
            label = str(t).strip()
            terminal = Terminal.objects.filter(terminal_id=label).first()
        if terminal is None:
            raise errors.TerminalNotFound(label)
        if not terminal.is_active:
            raise errors.TerminalRevoked(terminal.terminal_id)
        if terminal not in out:
            out.append(terminal)
    return out


def do_set_staff_terminals(staff: Staff, terminals: Iterable[Terminal | str], *, actor: Actor) -> list[Terminal]:
    """利用可能端末の設定: the terminals this staff member may log in from (replaces the set)."""
    wanted = list(terminals)
    labels = sorted(t.terminal_id if isinstance(t, Terminal) else str(t) for t in wanted)
    with refusals_audited(actor, EventType.STAFF_TERMINALS_CHANGED, action="update", function=Function.STAFF_MANAGE,
                          detail={"staff": staff.staff_id, "terminals": labels}):
        with transaction.atomic():
            require_function(actor, Function.STAFF_MANAGE)
            staff = Staff.objects.select_for_update().get(pk=staff.pk)
            resolved = resolve_terminals(wanted)
            before = sorted(staff.terminals.values_list("terminal_id", flat=True))
            staff.terminals.set(resolved)
            after = sorted(t.terminal_id for t in resolved)
            audit(actor, EventType.STAFF_TERMINALS_CHANGED, action="update", function=Function.STAFF_MANAGE,
                  detail={"staff": staff.staff_id, "before": before, "after": after})
    return resolved


def parse_addressee_no(value: str | int | None) -> int | None:
    """The addressee number (宛名番号) typed by an administrator, or None for "no link"."""
    text = str(value if value is not None else "").strip()
    if not text:
        return None
    if not (is_ascii_digits(text) and len(text) <= 10) or int(text) == 0:
        raise errors.OwnAddresseeNoInvalid()
    return int(text)


def do_set_staff_own_record(staff: Staff, addressee_no: str | int | None, *, actor: Actor,
                            application_no: str = "") -> Staff:
    """自身の宛名番号の設定: link a staff account to the staff member's own resident record.

    The access review (juki.review.rules) then flags looks at their own record and at
    records of the same address. The number must name a person in the register; an empty value
    removes the link. Administrators see only the number, never the record. An administrator
    cannot set their own link (they could point it elsewhere and escape the flag), and one
    person's number is linked to at most one active account.
    """
    typed = str(addressee_no if addressee_no is not None else "").strip()[:16]
    detail = {"staff": staff.staff_id, "application_no": application_no.strip()[:64]}
    with refusals_audited(actor, EventType.STAFF_OWN_RECORD_CHANGED, action="update", function=Function.STAFF_MANAGE,
                          detail={**detail, "typed_length": len(typed)}):
        with transaction.atomic():
            require_function(actor, Function.STAFF_MANAGE)
            staff = Staff.objects.select_for_update().get(pk=staff.pk)
            if actor.staff is not None and actor.staff.pk == staff.pk:
                raise errors.StaffSelfChange()
            number = parse_addressee_no(typed)
            if number is not None:
                # The register sits above security: this one look-up is declared in .importlinter.
                from juki.register.models import Person

                if not Person.objects.filter(addressee_no=number).exists():
                    raise errors.OwnAddresseeNoNotFound()
                if (Staff.objects.filter(own_addressee_no=number, is_active=True)
                        .exclude(pk=staff.pk).exists()):
                    raise errors.OwnAddresseeNoTaken()
            before = staff.own_addressee_no
            staff.own_addressee_no = number
            staff.save(update_fields=["own_addressee_no"])
            record(EventType.STAFF_OWN_RECORD_CHANGED, action="update", function=Function.STAFF_MANAGE.value,
                   staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip,
                   targets=[n for n in (before, number) if n is not None],
                   detail={**detail, "before": person_target(before) if before else "",
                           "after": person_target(number) if number else ""})
    return staff
