"""Role changes (権限変更): requested by one administrator, effective only when a second approves.

State machine of a :class:`~juki.security.models.RoleChangeRequest`::

    pending ──approve──▶ approved   (grant created / revoked)
       │ ├────reject───▶ rejected
       │ └────cancel───▶ cancelled  (by its requester)

Guards, each with its own refusal code:

- ``requester_is_not_subject``: nobody requests a role change for themselves;
- ``approver_is_admin``: only an active system administrator decides;
- ``approver_is_not_requester`` and ``approver_is_not_subject``: four eyes;
- ``no_forbidden_combination``: separation of duties (:data:`juki.security.roles.INCOMPATIBLE_ROLES`),
  checked when the grant is requested and again when it is approved (other grants may have
  been approved in between).
"""

from __future__ import annotations

from django.db import transaction

from juki.audit.events import EventType
from juki.core import clock
from juki.core.actor import Actor

from ..models import RoleChangeRequest, RoleGrant, Staff
from ..roles import Function, Role, role_conflicts
from . import errors
from .common import (
    audit,
    fresh_roles,
    refusals_audited,
    require_function,
    serialise_admin_changes,
)

Kind = RoleChangeRequest.Kind
State = RoleChangeRequest.State


def parse_role(role: Role | str) -> Role:
    try:
        return Role(role)
    except ValueError:
        raise errors.UnknownRole(str(role)) from None


def parse_kind(kind: str) -> str:
    if kind not in Kind.values:
        raise errors.UnknownKind(str(kind))
    return str(kind)


def _check_change_possible(staff: Staff, role: Role, kind: str) -> None:
    """The change still makes sense for the subject's current roles (request and approval)."""
    held = fresh_roles(staff)
    if kind == Kind.GRANT:
        if not staff.is_active:
            raise errors.StaffInactive()
        if role in held:
            raise errors.RoleAlreadyHeld()
        conflicts = role_conflicts(set(held) | {role})
        if conflicts:
            raise errors.RoleConflict(conflicts)
    elif role not in held:
        raise errors.RoleNotHeld()


def _request_detail(req: RoleChangeRequest, **more: object) -> dict[str, object]:
    return {
        "request": req.pk, "staff": req.staff.staff_id, "role": req.role, "kind": req.kind,
        "application_no": req.application_no, **more,
    }


def do_request_role_change(staff: Staff, role: Role | str, kind: str, application_no: str, reason: str = "", *,
                           actor: Actor) -> RoleChangeRequest:
    """権限変更の申請: a pending request, effective only after another administrator approves."""
    detail = {"step": "request", "staff": staff.staff_id, "role": str(role)[:32], "kind": str(kind)[:8],
              "application_no": application_no.strip()[:64]}
    with refusals_audited(actor, EventType.ROLE_CHANGE_REFUSED, action="request", function=Function.ROLE_REQUEST,
                          detail=detail):
        with transaction.atomic():
            require_function(actor, Function.ROLE_REQUEST)
            role = parse_role(role)
            kind = parse_kind(kind)
            if not application_no.strip():
                raise errors.ApplicationNoRequired()
            if actor.staff is not None and actor.staff.pk == staff.pk:
                raise errors.RoleSelfRequest()
            staff = Staff.objects.select_for_update().get(pk=staff.pk)
            _check_change_possible(staff, role, kind)
            if RoleChangeRequest.objects.filter(staff=staff, role=role.value, kind=kind, state=State.PENDING).exists():
                raise errors.RoleRequestDuplicate()
            req = RoleChangeRequest.objects.create(
                staff=staff, role=role.value, kind=kind, application_no=application_no.strip(),
                reason=reason.strip()[:200], requested_by=actor.staff, requested_via=actor.via[:64],
                requested_at=clock.now(),
            )
            audit(actor, EventType.ROLE_CHANGE_REQUESTED, action="request", function=Function.ROLE_REQUEST,
                  detail=_request_detail(req, reason=req.reason))
    return req


def _check_decider(actor: Actor, req: RoleChangeRequest) -> Staff:
    """approver_is_admin, approver_is_not_requester, approver_is_not_subject."""
    if actor.staff is None:
        raise errors.ApproverNotAdmin()  # a decision needs a second, identified administrator
    decider = Staff.objects.filter(pk=actor.staff.pk).first()
    if decider is None or not decider.is_active or Role.SYSADMIN not in fresh_roles(decider):
        raise errors.ApproverNotAdmin()
    if req.staff_id == decider.pk:
        raise errors.ApproverIsSubject()
    if req.requested_by_id == decider.pk:
        raise errors.ApproverIsRequester()
    return decider


def _locked_pending(req: RoleChangeRequest) -> RoleChangeRequest:
    req = RoleChangeRequest.objects.select_for_update().select_related("staff").get(pk=req.pk)
    if req.state != State.PENDING:
        raise errors.RoleRequestNotPending()
    return req


def do_approve_role_change(req: RoleChangeRequest, *, actor: Actor, comment: str = "") -> RoleChangeRequest:
    """権限変更の承認: a second administrator approves; the grant is created or revoked now."""
    detail = {"step": "approve", "request": req.pk}
    with refusals_audited(actor, EventType.ROLE_CHANGE_REFUSED, action="approve", function=Function.ROLE_APPROVE,
                          detail=detail):
        with transaction.atomic():
            serialise_admin_changes()  # two approvals must not each pass the SoD check alone
            req = _locked_pending(req)
            decider = _check_decider(actor, req)
            staff = Staff.objects.select_for_update().get(pk=req.staff_id)
            role = Role(req.role)
            _check_change_possible(staff, role, req.kind)
            now = clock.now()
            req.state = State.APPROVED
            req.decided_by = decider
            req.decided_at = now
            req.decision_comment = comment.strip()[:200]
            req.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
            if req.kind == Kind.GRANT:
                RoleGrant.objects.create(staff=staff, role=role.value, granted_at=now, request=req)
                effect = EventType.ROLE_GRANTED
            else:
                grant = RoleGrant.objects.select_for_update().get(staff=staff, role=role.value, revoked_at__isnull=True)
                grant.revoked_at = now
                grant.revoke_request = req
                grant.save(update_fields=["revoked_at", "revoke_request"])
                effect = EventType.ROLE_REVOKED
            staff.__dict__.pop("_roles_cache", None)
            audit(actor, EventType.ROLE_CHANGE_APPROVED, action="approve", function=Function.ROLE_APPROVE,
                  detail=_request_detail(req, comment=req.decision_comment))
            audit(actor, effect, action=req.kind, function=Function.ROLE_APPROVE,
                  detail=_request_detail(req, requested_by=req.requested_by.staff_id if req.requested_by else req.requested_via))
    return req


def do_reject_role_change(req: RoleChangeRequest, *, actor: Actor, comment: str = "") -> RoleChangeRequest:
    """権限変更の却下: by another administrator (same guards as approval, except SoD)."""
    with refusals_audited(actor, EventType.ROLE_CHANGE_REFUSED, action="reject", function=Function.ROLE_APPROVE,
                          detail={"step": "reject", "request": req.pk}):
        with transaction.atomic():
            req = _locked_pending(req)
            decider = _check_decider(actor, req)
            req.state = State.REJECTED
            req.decided_by = decider
            req.decided_at = clock.now()
            req.decision_comment = comment.strip()[:200]
            req.save(update_fields=["state", "decided_by", "decided_at", "decision_comment"])
            audit(actor, EventType.ROLE_CHANGE_REJECTED, action="reject", function=Function.ROLE_APPROVE,
                  detail=_request_detail(req, comment=req.decision_comment))
    return req


def do_cancel_role_change(req: RoleChangeRequest, *, actor: Actor) -> RoleChangeRequest:
    """申請の取下げ: the requester withdraws their own pending request."""
    with refusals_audited(actor, EventType.ROLE_CHANGE_REFUSED, action="cancel", function=Function.ROLE_REQUEST,
                          detail={"step": "cancel", "request": req.pk}):
        with transaction.atomic():
            require_function(actor, Function.ROLE_REQUEST)
            req = _locked_pending(req)
            if actor.staff is not None:
                mine = req.requested_by_id == actor.staff.pk
            else:
                mine = req.requested_by_id is None and req.requested_via == actor.via
            if not mine:
                raise errors.NotRequester()
            req.state = State.CANCELLED
            req.decided_at = clock.now()
            req.save(update_fields=["state", "decided_at"])
            audit(actor, EventType.ROLE_CHANGE_CANCELLED, action="cancel", function=Function.ROLE_REQUEST,
                  detail=_request_detail(req))
    return req
