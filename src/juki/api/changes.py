"""Changes through the API (異動API): enter, confirm, reject, cancel, read.

The same workflow actions as the staff screens (:mod:`juki.register.changes.workflow`), so the
rules and refusals are identical. An API client acts as ``api:<client_id>``
(:meth:`juki.core.actor.Actor.api_client`); four-eyes holds for clients too — a client
cannot confirm or reject a change it entered (``CHANGE_SELF_CONFIRM``). Refusals are RFC 9457
problem+json with the stable code, the Japanese message and the field.

=========================================  ==================  ================================
operation                                  function            notes
=========================================  ==================  ================================
``POST /api/v1/changes``                   CHANGE_ENTER        仮更新; 201 with the change;
                                                               ``Idempotency-Key`` (retries)
``GET /api/v1/changes?state=provisional``  CHANGE_CONFIRM      the confirmation queue
``GET /api/v1/changes/{id}``               CHANGE_CONFIRM      before/after for the approver
``POST /api/v1/changes/{id}/confirm``      CHANGE_CONFIRM      確定 (not by the enterer)
``POST /api/v1/changes/{id}/reject``       CHANGE_CONFIRM      却下 (comment required)
``POST /api/v1/changes/{id}/cancel``       CHANGE_ENTER        取消 (by the enterer only)
=========================================  ==================  ================================
"""

# No ``from __future__ import annotations`` here: django-ninja reads the operations' annotations
# at import time through @api_requires's wrapper, whose globals are not this module's.
import datetime as dt
from typing import Any, Literal

from django.http import HttpRequest, HttpResponse
from ninja import Field, Header, Router, Schema, Status

from juki.core.actor import Actor
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError
from juki.register.changes.registry import all_handlers, handler_for
from juki.register.changes.workflow import (
    do_cancel_change,
    do_confirm_change,
    do_enter_change,
    do_reject_change,
)
from juki.register.models.change import Change, ChangeState
from juki.register.models.choices import ChangeReason
from juki.security.roles import Function

from . import idempotency
from .auth import api_requires
from .contract import AUTH, BODY, INPUT, closed, problem_responses

router = Router(tags=["異動"])

LIST_LIMIT = 200

#: The change kinds (異動の種類), a closed set declared in the schema; an unknown kind is still
#: refused by the workflow with its own code (CHANGE_KIND_UNKNOWN), as on the screens.
KINDS: dict[str, Any] = {"enum": sorted(h.kind for h in all_handlers())}

NOT_FOUND = {404: ("異動がない", ["CHANGE_NOT_FOUND"])}
REFUSED = {400: ("異動の規則による拒否（種類ごとのコード）", None)}
DECISION_REFUSED = {400: ("確定・却下・取消の拒否（CHANGE_NOT_PROVISIONAL、CHANGE_STALE など）", None)}
REUSED = {409: ("冪等キーの再利用", ["IDEMPOTENCY_KEY_REUSED"])}
SELF = {403: ("自分が入力した異動", ["CHANGE_SELF_CONFIRM"])}
NOT_ENTERER = {403: ("入力者以外の取消", ["CHANGE_CANCEL_NOT_ENTERER"])}


class ChangeIn(Schema):
    kind: str = Field(description="異動の種類（例: move_within）", json_schema_extra=KINDS)
    items: dict[str, Any] = Field(description="その種類の入力項目（種類ごとのスキーマ。他の項目は拒否されます）")
    effective_on: dt.date = Field(description="異動日")
    notified_on: dt.date | None = Field(default=None, description="届出日（職権の場合は省略）")
    expected_versions: dict[str, int] | None = Field(
        default=None, description="宛名番号 → 入力時に参照した住民票の版（更新されていれば CHANGE_STALE_FORM）"
    )


class DecisionIn(Schema):
    comment: str = Field(default="", max_length=200, description="コメント（却下の場合は理由が必須）")


class PersonChangeOut(Schema):
    ref: str
    person_id: int | None
    base_version: int | None
    changes: dict[str, Any] = Field(description="項目 → {before, after}")


class ChangeOut(Schema):
    id: int
    kind: str = Field(json_schema_extra=KINDS)
    label: str
    reason: str = Field(description="異動事由コード", json_schema_extra=closed(ChangeReason))
    state: str = Field(description="状態", json_schema_extra=closed(ChangeState))
    state_label: str
    effective_on: dt.date
    notified_on: dt.date | None
    late_notification: bool
    warnings: list[str]
    persons: list[int]
    after: list[PersonChangeOut]
    entered_by: str
    entered_at: dt.datetime
    decided_by: str
    decided_at: dt.datetime | None
    decision_comment: str


def _label(kind: str) -> str:
    try:
        return handler_for(kind).label
    except JukiError:
        return kind


def change_out(change: Change) -> dict[str, Any]:
    return {
        "id": change.pk,
        "kind": change.kind,
        "label": _label(change.kind),
        "reason": change.reason,
        "state": change.state,
        "state_label": ChangeState(change.state).label,
        "effective_on": change.effective_on,
        "notified_on": change.notified_on,
        "late_notification": change.late_notification,
        "warnings": list(change.warnings or []),
        "persons": [int(p) for p in change.persons or []],
        "after": [
            {"ref": e.get("ref", ""), "person_id": e.get("person_id"), "base_version": e.get("base_version"),
             "changes": e.get("changes", {})}
            for e in change.after or []
        ],
        "entered_by": change.entered_by,
        "entered_at": change.entered_at,
        "decided_by": change.decided_by,
        "decided_at": change.decided_at,
        "decision_comment": change.decision_comment,
    }


def _change_id(value: str) -> int:
    """The path's change number; anything else is "not found" (checked after the function)."""
    text = value.strip()
    if not is_ascii_digits(text) or len(text) > 18:
        raise _not_found(value)
    return int(text)


def _not_found(value: object) -> JukiError:
    return JukiError("CHANGE_NOT_FOUND", f"異動 {str(value)[:20]} が見つかりません。", status=404, field="change")


def _get(change_id: str) -> Change:
    change = Change.objects.filter(pk=_change_id(change_id)).first()
    if change is None:
        raise _not_found(change_id)
    return change


def _comment(request: HttpRequest) -> str:
    """The optional decision body ``{"comment": "..."}``, read after the function check (so a
    client without the function is refused for that, whatever it sent)."""
    if not request.body:
        return ""
    try:
        return DecisionIn.model_validate_json(request.body).comment
    except ValueError:
        raise JukiError("API_INPUT_INVALID", "入力の形式が正しくありません（comment: 200文字以内の文字列）。",
                        status=422, field="comment") from None


DECISION_BODY = {
    "requestBody": {
        "required": False,
        "content": {"application/json": {"schema": {
            "type": "object", "additionalProperties": False,
            "properties": {"comment": {"type": "string", "maxLength": 200,
                                       "description": "コメント（却下の場合は理由が必須）"}},
        }}},
    }
}


@router.post("", response={201: ChangeOut}, summary="異動の入力（仮更新）", operation_id="change_enter",
             openapi_extra=problem_responses(AUTH, BODY, REFUSED, REUSED, INPUT))
@api_requires(Function.CHANGE_ENTER)
def enter_change(
    request: HttpRequest,
    response: HttpResponse,
    payload: ChangeIn,
    idempotency_key: str | None = Header(
        default=None, alias=idempotency.HEADER, pattern=idempotency.KEY_PATTERN,
        description="再送しても二重に入力されないためのキー（クライアントごと、24時間保持）。"
                    "同じキー・同じ内容なら最初の異動を返し、別の内容なら IDEMPOTENCY_KEY_REUSED（409）",
    ),
) -> Status:
    def enter() -> Change:
        return do_enter_change(
            payload.kind, payload.items, effective_on=payload.effective_on, notified_on=payload.notified_on,
            actor=Actor.from_api_request(request), expected_versions=payload.expected_versions,
        )

    if idempotency_key is None:
        return Status(201, change_out(enter()))
    change, replayed = idempotency.enter_once(request.auth, idempotency_key,  # type: ignore[attr-defined]  # set by ApiTokenAuth
                                              payload.model_dump(mode="json"), enter)
    if replayed:
        response[idempotency.REPLAYED_HEADER] = "true"
    return Status(201, change_out(change))


@router.get("", response=list[ChangeOut], summary="異動の一覧（確認待ちなど）", operation_id="change_list",
            openapi_extra=problem_responses(AUTH, INPUT))
@api_requires(Function.CHANGE_CONFIRM)
def list_changes(
    request: HttpRequest, state: Literal["provisional", "confirmed", "rejected", "cancelled"] = "provisional"
) -> list[dict[str, Any]]:
    changes = Change.objects.filter(state=state).order_by("entered_at", "id")[:LIST_LIMIT]
    return [change_out(c) for c in changes]


@router.get("/{change_id}", response=ChangeOut, summary="異動の参照（異動前・異動後）", operation_id="change_get",
            openapi_extra=problem_responses(AUTH, NOT_FOUND))
@api_requires(Function.CHANGE_CONFIRM)
def get_change(request: HttpRequest, change_id: str) -> dict[str, Any]:
    return change_out(_get(change_id))


@router.post("/{change_id}/confirm", response=ChangeOut, summary="異動の確定", operation_id="change_confirm",
             openapi_extra={**DECISION_BODY, **problem_responses(AUTH, BODY, DECISION_REFUSED, NOT_FOUND, INPUT, SELF)})
@api_requires(Function.CHANGE_CONFIRM)
def confirm_change(request: HttpRequest, change_id: str) -> dict[str, Any]:
    number, comment = _change_id(change_id), _comment(request)
    return change_out(do_confirm_change(number, actor=Actor.from_api_request(request), comment=comment))


@router.post("/{change_id}/reject", response=ChangeOut, summary="異動の却下", operation_id="change_reject",
             openapi_extra={**DECISION_BODY, **problem_responses(AUTH, BODY, DECISION_REFUSED, NOT_FOUND, INPUT, SELF)})
@api_requires(Function.CHANGE_CONFIRM)
def reject_change(request: HttpRequest, change_id: str) -> dict[str, Any]:
    number, comment = _change_id(change_id), _comment(request)
    return change_out(do_reject_change(number, actor=Actor.from_api_request(request), comment=comment))


@router.post("/{change_id}/cancel", response=ChangeOut, summary="異動の取消", operation_id="change_cancel",
             openapi_extra={**DECISION_BODY,
                            **problem_responses(AUTH, BODY, DECISION_REFUSED, NOT_FOUND, INPUT, NOT_ENTERER)})
@api_requires(Function.CHANGE_ENTER)
def cancel_change(request: HttpRequest, change_id: str) -> dict[str, Any]:
    number, comment = _change_id(change_id), _comment(request)
    return change_out(do_cancel_change(number, actor=Actor.from_api_request(request), comment=comment))
