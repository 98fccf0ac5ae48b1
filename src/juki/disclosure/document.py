"""The disclosure document (開示文書): everything held on one person, and who accessed it.

:func:`disclosure_document` is the access function for it (like
:func:`juki.register.access.access_resident` for the resident screen): it checks
``Function.DISCLOSURE_MANAGE``, assembles the document for a 開示 request, and records a
``DISCLOSURE_DOCUMENT`` audit event with the person as target — so producing the document shows
up in the person's next disclosure. It contains:

- the current (or last) record, every item, the My Number masked (the resident knows it;
  showing it needs the My Number officer and a declared purpose);
- the removed-record status (除票: reason, date, retention period);
- the full history: every version with its three dates (異動日・届出日・処理日時) and the items
  that changed from the version before;
- the changes (異動) that touched the person — only the person's own items;
- the outbound events (送信待ち事象) for the person: kind and dates, never the payload;
- the disclosure / correction / suspension requests on the person;
- the access record (アクセス記録): every audit event whose targets include the person
  (``AuditEventTarget``) — when, what, for which function, the outcome, the declared purpose,
  and the staff member as ``settings.JUKI_DISCLOSURE_STAFF_POLICY`` says. Nothing of an event
  that concerns other persons (their numbers, search criteria, details) is shown.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.utils import timezone

from juki.audit.events import EventType, Outcome, event_type_label, outcome_label
from juki.audit.log import record
from juki.audit.models import AuditEvent, AuditEventTarget
from juki.certificates.models import Certificate, DocumentType, RequesterType
from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError, ValidationFailed
from juki.register import queries
from juki.register.access import MASKED_MY_NUMBER
from juki.register.changes.registry import handler_for
from juki.register.models import Change, ChangeState, OutboxEvent, RecordStatus, ResidentRecord
from juki.register.views.common import address_text, display_value, field_label, record_groups
from juki.security.models import RoleGrant, Staff
from juki.security.roles import FUNCTION_LABELS, ROLE_FUNCTIONS, Function, Role

from .actions import FUNCTION, _audited_refusal, person_target, request_not_found
from .models import DisclosureRequest, RequestKind, RequestState

POLICY_ROLE_AND_OFFICE = "role_and_office"
POLICY_STAFF_ID = "staff_id"
STAFF_POLICIES = (POLICY_ROLE_AND_OFFICE, POLICY_STAFF_ID)


#: Record items not shown in the history comparison (internal keys, version bookkeeping).
_NOT_COMPARED = {"id", "person_id", "version", "is_current", "valid_from", "valid_to", "notified_on", "recorded_at",
                 "superseded_at", "change_reason", "recorded_by", "terminal_id", "name_kana_key", "name_key",
                 "my_number_enc", "my_number_index"}


def function_label(value: str) -> str:
    return FUNCTION_LABELS.get(value, value)


def staff_policy() -> str:
    """How staff appear in the document (settings.JUKI_DISCLOSURE_STAFF_POLICY)."""
    policy = getattr(settings, "JUKI_DISCLOSURE_STAFF_POLICY", POLICY_ROLE_AND_OFFICE)
    if policy not in STAFF_POLICIES:
        raise ImproperlyConfigured(
            f"JUKI_DISCLOSURE_STAFF_POLICY must be one of {', '.join(STAFF_POLICIES)}, not {policy!r}"
        )
    return policy


class StaffDisplay:
    """Staff as the resident sees them: role (held at the time, for that function) and office,
    or the staff ID, per the configured policy. Loaded once per document."""

    def __init__(self, policy: str):
        self.policy = policy
        self._staff: dict[str, tuple[Staff | None, list[RoleGrant]]] = {}

    def _load(self, staff_id: str) -> tuple[Staff | None, list[RoleGrant]]:
        if staff_id not in self._staff:
            staff = Staff.objects.filter(staff_id=staff_id).first()
            grants = list(RoleGrant.objects.filter(staff=staff)) if staff is not None else []
            self._staff[staff_id] = (staff, grants)
        return self._staff[staff_id]

    def roles_at(self, staff_id: str, at: dt.datetime | None, function: str) -> list[Role]:
        held = [Role(g.role) for g in self._load(staff_id)[1]
                if at is None or (g.granted_at <= at and (g.revoked_at is None or g.revoked_at > at))]
        granting = [r for r in held if function in {f.value for f in ROLE_FUNCTIONS[r]}]
        return sorted(set(granting or held))

    def label(self, staff_id: str, at: dt.datetime | None = None, function: str = "") -> str:
        if not staff_id:
            return "システム（自動処理）"
        if staff_id.startswith("api:"):
            return "外部システム（庁内連携）"
        roles = "・".join(r.label for r in self.roles_at(staff_id, at, function)) or "職員"
        if self.policy == POLICY_STAFF_ID:
            return f"職員ID {staff_id}（{roles}）"
        staff = self._load(staff_id)[0]
        office = staff.office if staff is not None and staff.office else "所属未登録"
        return f"{roles}（{office}）"


@dataclass(frozen=True)
class AccessRow:
    seq: int
    occurred_at: dt.datetime
    what: str
    function: str
    outcome: str
    staff: str
    purpose: str


@dataclass(frozen=True)
class DisclosureDocument:
    """開示文書: every section the page prints."""

    request: DisclosureRequest
    addressee_no: str
    generated_at: dt.datetime
    staff_policy: str
    current: ResidentRecord
    current_groups: list[dict[str, Any]]
    removed: dict[str, str] | None
    history: list[dict[str, Any]] = field(default_factory=list)
    changes: list[dict[str, Any]] = field(default_factory=list)
    outbound: list[dict[str, Any]] = field(default_factory=list)
    requests: list[dict[str, Any]] = field(default_factory=list)
    access: list[AccessRow] = field(default_factory=list)
    #: Certificates issued about the person (証明書の交付, docs/certificates-issuance.md): date, type, requester type, number.
    certificates: list[dict[str, Any]] = field(default_factory=list)


def _local(ts: dt.datetime | None) -> str:
    return timezone.localtime(ts).strftime("%Y-%m-%d %H:%M:%S") if ts else "—"


def _history(versions: list[ResidentRecord], staff: StaffDisplay) -> list[dict[str, Any]]:
    out = []
    previous: ResidentRecord | None = None
    names = [f.attname for f in ResidentRecord._meta.concrete_fields if f.attname not in _NOT_COMPARED]
    for v in versions:
        changed = []
        for name in names:
            new = getattr(v, name)
            old = getattr(previous, name) if previous is not None else None
            if previous is None and (new is None or new == ""):
                continue
            if previous is None or old != new:
                changed.append({"label": field_label(name),
                                "before": display_value(name, old) if previous is not None else "",
                                "after": display_value(name, new)})
        if (previous is None and v.my_number_index) or (
                previous is not None and previous.my_number_index != v.my_number_index):
            changed.append({"label": "個人番号", "before": MASKED_MY_NUMBER if previous and previous.my_number_index else "",
                            "after": MASKED_MY_NUMBER if v.my_number_index else "—"})
        out.append({
            "version": v.version, "is_current": v.is_current,
            "reason": display_value("change_reason", v.change_reason),
            "valid_from": display_value("valid_from", v.valid_from),
            "notified_on": display_value("notified_on", v.notified_on),
            "recorded_at": _local(v.recorded_at),
            "recorded_by": staff.label(v.recorded_by, v.recorded_at, Function.CHANGE_CONFIRM.value),
            "status": display_value("status", v.status),
            "name": v.full_name, "address": address_text(v),
            "changed": changed,
        })
        previous = v
    return out


def _target_forms(person_id: int) -> list[str]:
    # The audit log stores every person target in the 10-digit form (audit.log.person_target).
    return [person_target(person_id)]


def _access(person_id: int, staff: StaffDisplay) -> list[AccessRow]:
    event_ids = AuditEventTarget.objects.filter(person_id__in=_target_forms(person_id)).values("event_id")
    events = AuditEvent.objects.filter(pk__in=event_ids).order_by("seq")
    return [AccessRow(seq=e.seq, occurred_at=e.occurred_at, what=event_type_label(e.event_type),
                      function=function_label(e.function), outcome=outcome_label(e.outcome),
                      staff=staff.label(e.staff_id, e.occurred_at, e.function), purpose=e.purpose)
            for e in events]


def _changes(person_id: int, staff: StaffDisplay) -> list[dict[str, Any]]:
    event_ids = AuditEventTarget.objects.filter(person_id__in=_target_forms(person_id)).values("event_id")
    change_ids = set()
    for detail in AuditEvent.objects.filter(
            pk__in=event_ids, event_type__in=[EventType.CHANGE_ENTERED, EventType.CHANGE_CONFIRMED,
                                              EventType.CHANGE_REJECTED, EventType.CHANGE_CANCELLED],
            outcome=Outcome.OK).values_list("detail", flat=True):
        if isinstance(detail, dict) and isinstance(detail.get("change"), int):
            change_ids.add(detail["change"])
    change_ids |= set(OutboxEvent.objects.filter(person_id=person_id).values_list("change_id", flat=True))
    out = []
    for c in Change.objects.filter(pk__in=change_ids).order_by("entered_at", "pk"):
        if person_id not in [int(p) for p in c.persons]:
            continue
        try:
            kind = handler_for(c.kind).label
        except JukiError:
            kind = c.kind
        items = []
        for entry in c.after or []:
            if entry.get("person_id") != person_id:
                continue  # other persons' items are not disclosed to this person
            for name, ba in (entry.get("changes") or {}).items():
                if name == "my_number":
                    items.append({"label": "個人番号", "before": ba.get("before") and MASKED_MY_NUMBER or "—",
                                  "after": "（変更あり）"})
                    continue
                items.append({"label": field_label(name), "before": display_value(name, ba.get("before")),
                              "after": display_value(name, ba.get("after"))})
        out.append({
            "no": c.pk, "kind": kind, "state": ChangeState(c.state).label,
            "notified_on": display_value("notified_on", c.notified_on),
            "effective_on": display_value("valid_from", c.effective_on),
            "entered_at": _local(c.entered_at),
            "entered_by": staff.label(c.entered_by, c.entered_at, Function.CHANGE_ENTER.value),
            "decided_at": _local(c.decided_at),
            "decided_by": staff.label(c.decided_by, c.decided_at, Function.CHANGE_CONFIRM.value) if c.decided_by else "—",
            "items": items,
        })
    return out


def _outbound(person_id: int) -> list[dict[str, Any]]:
    return [{"no": e.pk, "kind": OutboxEvent.Kind(e.kind).label if e.kind in OutboxEvent.Kind.values else e.kind,
             "created_at": _local(e.created_at), "sent_at": _local(e.sent_at) if e.sent_at else "未送信（保留中）",
             "change": e.change_id}
            for e in OutboxEvent.objects.filter(person_id=person_id).order_by("created_at", "pk")]


def _requests(person_id: int, staff: StaffDisplay) -> list[dict[str, Any]]:
    return [{"no": r.pk, "kind": r.get_kind_display(), "received_on": display_value("valid_from", r.received_on),
             "state": r.get_state_display(), "decision": r.decision,
             "handled_by": staff.label(r.handled_by or r.received_by, r.updated_at, FUNCTION.value)}
            for r in DisclosureRequest.objects.filter(person_id=person_id).order_by("received_on", "pk")]


def _certificates(person_id: int) -> list[dict[str, Any]]:
    """Certificates issued (or reprinted) about the person, found by the audit targets of their
    issuance events — the ledger's ``person_ids`` is JSON, not indexable on every database."""
    event_ids = AuditEventTarget.objects.filter(person_id__in=_target_forms(person_id)).values("event_id")
    cert_ids = set()
    for detail in AuditEvent.objects.filter(
            pk__in=event_ids, event_type__in=[EventType.CERTIFICATE_ISSUED, EventType.CERTIFICATE_REPRINTED],
            outcome=Outcome.OK).values_list("detail", flat=True):
        if isinstance(detail, dict) and isinstance(detail.get("certificate"), int):
            cert_ids.add(detail["certificate"])
    rows = Certificate.objects.filter(pk__in=cert_ids).select_related("request").defer("pdf_enc")
    return [{"issued_on": display_value("valid_from", c.issued_on),
             "document_type": DocumentType(c.document_type).label if c.document_type in DocumentType.values
             else c.document_type,
             "requester_type": RequesterType(c.request.requester_type).label
             if c.request.requester_type in RequesterType.values else c.request.requester_type,
             "number": c.issuance_number, "reprint": c.reprint_of_id is not None, "status": c.get_status_display()}
            for c in rows.order_by("issued_at", "pk")]


def build_document(req: DisclosureRequest) -> DisclosureDocument:
    """Assemble the document (no audit: callers go through :func:`disclosure_document`)."""
    policy = staff_policy()
    pid = req.person_id
    versions = list(queries.versions(pid))
    if not versions:
        raise JukiError(code="DISCLOSURE_NO_RECORD", message="この住民の住民票（除票を含む）は保存されていません。",
                        status=404)
    current = next((v for v in versions if v.is_current), versions[-1])
    staff = StaffDisplay(policy)
    removed = None
    if current.status == RecordStatus.REMOVED:
        removed = {"reason": display_value("removal_reason", current.removal_reason),
                   "removed_on": display_value("removed_on", current.removed_on),
                   "retention_until": display_value("retention_until", current.retention_until)}
    return DisclosureDocument(
        request=req, addressee_no=person_target(pid), generated_at=clock.now(), staff_policy=policy,
        current=current,
        # The record's 更新職員 as the staff policy says, like every other staff column here.
        current_groups=record_groups(current, my_number_masked=MASKED_MY_NUMBER if current.my_number_index else "",
                                     staff=lambda v: staff.label(v.recorded_by, v.recorded_at,
                                                                 Function.CHANGE_CONFIRM.value)),
        removed=removed, history=_history(versions, staff), changes=_changes(pid, staff),
        outbound=_outbound(pid), requests=_requests(pid, staff), access=_access(pid, staff),
        certificates=_certificates(pid),
    )


def disclosure_document(actor: Actor, request_id: int, *, output: str = "html") -> DisclosureDocument:
    """開示文書の作成: for a 開示 request in progress or completed; audited with the person as target.

    ``output`` ("html" or "pdf") is recorded in the event's detail as ``format``.
    """
    detail: dict[str, Any] = {"request": request_id, "format": output}
    with _audited_refusal(actor, "document", detail):
        actor.require(FUNCTION)
        req = DisclosureRequest.objects.select_related("person").filter(pk=request_id).first()
        if req is None:
            raise request_not_found(request_id)
        detail["person"] = req.person_id
        if req.kind != RequestKind.DISCLOSURE:
            raise ValidationFailed("DISCLOSURE_DOCUMENT_NOT_DISCLOSURE", "開示文書は開示請求についてのみ作成できます。",
                                   field="kind")
        if req.state not in (RequestState.IN_PROGRESS, RequestState.COMPLETED):
            raise ValidationFailed("DISCLOSURE_DOCUMENT_NOT_STARTED",
                                   "開示文書は処理中または完了した開示請求についてのみ作成できます。", field="state")
        doc = build_document(req)
    record(EventType.DISCLOSURE_DOCUMENT, action="print", function=FUNCTION.value, staff_id=actor.staff_id,
           terminal_id=actor.terminal_id, ip=actor.ip, targets=[person_target(req.person_id)],
           detail={"request": req.pk, "access_rows": len(doc.access), "staff_policy": doc.staff_policy,
                   "format": output})
    return doc
