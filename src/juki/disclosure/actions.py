"""Actions on disclosure requests (開示請求等の受付・処理). Every write goes through here.

Each action checks ``Function.DISCLOSURE_MANAGE``, runs in one transaction, locks the request,
applies one transition of the state machine (:mod:`.models`), and writes its audit event with
the person as target — so every step appears in the person's own later disclosure. A refusal
is audited as ``DISCLOSURE_ACTION_REFUSED`` after the transaction rolled back.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from juki.audit.events import EventType
from juki.audit.log import person_target as audit_person_target
from juki.audit.log import record, refusals_audited
from juki.core import clock
from juki.core.actor import Actor
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError, ValidationFailed
from juki.register.models import Change, ChangeState, Person
from juki.register.models.person import ADDRESSEE_NO_DIGITS
from juki.register.requesters import IdentityDocument, Requester, RequesterCapacity
from juki.security.roles import Function

from .models import DisclosureRequest, RequestKind, RequestState

FUNCTION = Function.DISCLOSURE_MANAGE

#: (state, transition) → state after. Anything not listed is refused (DISCLOSURE_BAD_TRANSITION).
TRANSITIONS: dict[tuple[str, str], str] = {
    (RequestState.RECEIVED, "start"): RequestState.IN_PROGRESS,
    (RequestState.RECEIVED, "refuse"): RequestState.REFUSED,
    (RequestState.IN_PROGRESS, "complete"): RequestState.COMPLETED,
    (RequestState.IN_PROGRESS, "refuse"): RequestState.REFUSED,
}

TRANSITION_LABELS = {"start": "処理開始", "complete": "完了", "refuse": "不開示・不承認"}


def person_target(person_id: int) -> str:
    """The person as audit target: the 10-digit addressee number (juki.audit.log.person_target)."""
    return audit_person_target(person_id)


def request_not_found(request_id: Any) -> JukiError:
    return JukiError(code="DISCLOSURE_NOT_FOUND", message=f"開示請求等 {request_id} が見つかりません。", status=404)


def _audited_refusal(actor: Actor, action: str, detail: dict[str, Any]) -> Any:
    """A refusal is audited after the rolled-back transaction, then re-raised."""
    return refusals_audited(
        EventType.DISCLOSURE_ACTION_REFUSED, action=action, function=FUNCTION.value, staff_id=actor.staff_id,
        terminal_id=actor.terminal_id, ip=actor.ip,
        targets=[detail["person"]] if detail.get("person") is not None else [],
        detail={k: v for k, v in detail.items() if k != "person"},
    )


def _parse_person(addressee_no: int | str) -> int:
    text = str(addressee_no).strip()
    if not is_ascii_digits(text) or len(text) > ADDRESSEE_NO_DIGITS:
        raise ValidationFailed("DISCLOSURE_PERSON_INVALID", "宛名番号は10桁以内の数字で入力してください。",
                               field="addressee_no")
    pid = int(text)
    if not Person.objects.filter(pk=pid).exists():
        raise ValidationFailed("DISCLOSURE_PERSON_NOT_FOUND", "該当する宛名番号の住民が見つかりません。",
                               field="addressee_no")
    return pid


def do_receive_disclosure_request(
    addressee_no: int | str, *, kind: str, received_on: dt.date, requester: Requester, request_text: str = "",
    actor: Actor,
) -> DisclosureRequest:
    """受付: record a new request after the requester's identity was checked (document type noted).
    Of the :class:`~juki.register.requesters.Requester`, the capacity (本人・代理人), the identity
    document and its note are recorded."""
    identity_document, identity_note = requester.identity_document, requester.identity_document_note
    capacity = requester.capacity
    detail: dict[str, Any] = {"kind": kind}
    with _audited_refusal(actor, "create", detail):
        actor.require(FUNCTION)
        pid = _parse_person(addressee_no)
        detail["person"] = pid
        if kind not in RequestKind.values:
            raise ValidationFailed("DISCLOSURE_KIND_INVALID", "請求の種類を選んでください。", field="kind")
        if identity_document not in IdentityDocument.personal():
            raise ValidationFailed("DISCLOSURE_IDENTITY_REQUIRED", "本人確認書類を選んでください。",
                                   field="identity_document")
        if identity_document == IdentityDocument.OTHER and not identity_note.strip():
            raise ValidationFailed("DISCLOSURE_IDENTITY_NOTE_REQUIRED", "本人確認書類の内容を備考に記載してください。",
                                   field="identity_note")
        if capacity not in RequesterCapacity.values:
            raise ValidationFailed("DISCLOSURE_REQUESTER_INVALID", "請求者の区分を選んでください。", field="requester")
        if received_on > clock.today():
            raise ValidationFailed("DISCLOSURE_RECEIVED_IN_FUTURE", "受付日に未来の日付は入力できません。",
                                   field="received_on")
        if kind in (RequestKind.CORRECTION, RequestKind.SUSPENSION) and not request_text.strip():
            raise ValidationFailed("DISCLOSURE_TEXT_REQUIRED", "訂正・利用停止を求める内容を入力してください。",
                                   field="request_text")
        now = clock.now()
        with transaction.atomic():
            req = DisclosureRequest.objects.create(
                person_id=pid, kind=kind, received_on=received_on, requester=capacity,
                identity_document=identity_document, identity_note=identity_note.strip(),
                request_text=request_text.strip(), state=RequestState.RECEIVED, received_by=actor.staff_id,
                created_at=now, updated_at=now,
            )
            record(EventType.DISCLOSURE_RECEIVED, action="create", function=FUNCTION.value, staff_id=actor.staff_id,
                   terminal_id=actor.terminal_id, ip=actor.ip, targets=[person_target(pid)],
                   detail={"request": req.pk, "kind": kind, "identity_document": identity_document})
    return req


def _transition(request_id: int, transition: str, *, actor: Actor, event: EventType, apply: Any,
                detail: dict[str, Any]) -> DisclosureRequest:
    detail = {"request": request_id, "transition": transition, **detail}
    with _audited_refusal(actor, transition, detail):
        actor.require(FUNCTION)
        with transaction.atomic():
            req = DisclosureRequest.objects.select_for_update().filter(pk=request_id).first()
            if req is None:
                raise request_not_found(request_id)
            detail["person"] = req.person_id
            after = TRANSITIONS.get((req.state, transition))
            if after is None:
                raise ValidationFailed(
                    "DISCLOSURE_BAD_TRANSITION",
                    f"「{RequestState(req.state).label}」の請求に「{TRANSITION_LABELS.get(transition, transition)}」"
                    "はできません。",
                    field="state",
                )
            now = clock.now()
            apply(req, now)
            before = req.state
            req.state = after
            req.handled_by = actor.staff_id
            req.updated_at = now
            req.save()
            record(event, action=transition, function=FUNCTION.value, staff_id=actor.staff_id,
                   terminal_id=actor.terminal_id, ip=actor.ip, targets=[person_target(req.person_id)],
                   detail={"request": req.pk, "kind": req.kind, "from": before, "to": after,
                           **({"change": req.related_change_id} if req.related_change_id else {})})
    return req


def do_start_disclosure_request(request_id: int, *, actor: Actor) -> DisclosureRequest:
    """処理開始: received → in progress."""
    def apply(req: DisclosureRequest, now: dt.datetime) -> None:
        req.started_at = now

    return _transition(request_id, "start", actor=actor, event=EventType.DISCLOSURE_STARTED, apply=apply, detail={})


def _correction_change(req: DisclosureRequest, change_id: int) -> Change:
    """Guard: the change that carried out a correction is confirmed and touched this person."""
    if req.kind != RequestKind.CORRECTION:
        raise ValidationFailed("DISCLOSURE_CHANGE_NOT_CORRECTION", "異動を関連付けられるのは訂正請求のみです。",
                               field="change")
    change = Change.objects.filter(pk=change_id).first()
    if change is None or change.state != ChangeState.CONFIRMED or req.person_id not in [int(p) for p in change.persons]:
        raise ValidationFailed("DISCLOSURE_CHANGE_INVALID",
                               f"異動 {change_id} はこの住民に対する確定済みの異動ではありません。", field="change")
    return change


def do_complete_disclosure_request(request_id: int, *, decision: str, actor: Actor,
                                   change_id: int | None = None) -> DisclosureRequest:
    """完了: in progress → completed, with what was decided and done (required).

    For a correction (訂正) the confirmed change that made it (職権修正 through the four-eyes
    workflow) may be named; it must be confirmed and touch the person.
    """
    decision = (decision or "").strip()

    def apply(req: DisclosureRequest, now: dt.datetime) -> None:
        if not decision:
            raise ValidationFailed("DISCLOSURE_DECISION_REQUIRED", "決定・対応の内容を入力してください。",
                                   field="decision")
        if change_id is not None:
            req.related_change = _correction_change(req, change_id)
        req.decision = decision
        req.closed_at = now

    return _transition(request_id, "complete", actor=actor, event=EventType.DISCLOSURE_COMPLETED, apply=apply,
                       detail={})


def do_refuse_disclosure_request(request_id: int, *, reason: str, actor: Actor) -> DisclosureRequest:
    """不開示・不承認: received or in progress → refused, with the reason (required)."""
    reason = (reason or "").strip()

    def apply(req: DisclosureRequest, now: dt.datetime) -> None:
        if not reason:
            raise ValidationFailed("DISCLOSURE_REASON_REQUIRED", "不開示・不承認の理由を入力してください。",
                                   field="reason")
        req.refusal_reason = reason
        req.decision = reason
        req.closed_at = now

    return _transition(request_id, "refuse", actor=actor, event=EventType.DISCLOSURE_REFUSED, apply=apply, detail={})
