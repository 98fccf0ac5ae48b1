"""Actions of bulk output (大量出力): request → prior approval by the 管理責任者 → production.

Hiroshima digest D2.14: "大量のデータ出力に際しては、事前に管理責任者の承認を得る". juki is
stricter than the digest's "above a threshold": *every* export of personal data needs the
approval (docs/privacy-exports.md), and no other screen produces a list of residents.

- :func:`do_request_export` (``EXPORT_REQUEST``): purpose (required), a registered kind and
  its parameters; the count at request time is what the manager approves.
- :func:`do_approve_export` / :func:`do_reject_export` (``EXPORT_APPROVE``): by a manager who
  is not the requester; approval is valid for ``JUKI_EXPORT_VALID_DAYS`` days (default 7).
- :func:`do_produce_export` (``EXPORT_REQUEST``): only the requester, only once, only after
  approval and before the deadline, and only while the rows do not exceed the approved count
  (plus ``JUKI_EXPORT_ROW_TOLERANCE_PERCENT``, default 0). Builds the CSV with a watermark
  header and trailer, encrypts it under a fresh key shown once (:mod:`juki.exports.crypto`),
  and audits the production with every addressee number as target.
- :func:`do_download_export` (``EXPORT_REQUEST``): the encrypted file, requester only, until the
  download deadline; audited.

Refusals raise :class:`~juki.core.errors.JukiError` and are audited (``EXPORT_REFUSED``) after
the transaction is left; successes are audited inside it.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from juki.audit.events import EventType
from juki.audit.log import person_target, record, refusals_audited
from juki.core import clock
from juki.core.actor import Actor
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError, PermissionDenied, ValidationFailed
from juki.identifiers import my_number
from juki.protection.checks import protected_person_ids
from juki.security.roles import Function

from . import crypto
from .kinds import ExportKind, kind_for
from .models import ExportRequest, ExportState

PURPOSE_MAX = 2000
_TWELVE_DIGITS = re.compile(r"(?<!\d)\d{12}(?!\d)")


@dataclass(frozen=True)
class ProducedExport:
    """What production hands the requester once: the request, the key (not kept) and a file name."""

    request: ExportRequest
    key_text: str
    file_name: str


def valid_days() -> int:
    return int(getattr(settings, "JUKI_EXPORT_VALID_DAYS", 7))


def row_ceiling(expected_rows: int) -> int:
    """The most rows an approval covers: the count the manager saw plus the configured tolerance."""
    pct = float(getattr(settings, "JUKI_EXPORT_ROW_TOLERANCE_PERCENT", 0))
    return expected_rows + math.ceil(expected_rows * pct / 100)


def file_name(req: ExportRequest) -> str:
    return f"juki-export-{req.pk}-{req.watermark_id}.csv.enc"


# --- errors --------------------------------------------------------------------------------------

def export_not_found() -> JukiError:
    return JukiError(code="EXPORT_NOT_FOUND", message="該当する大量出力の申請が見つかりません。", status=404)


def _refuse(code: str, message: str, status: int = 409) -> JukiError:
    return JukiError(code=code, message=message, status=status)


def _audited_refusal(actor: Actor, action: str, function: Function, detail: dict[str, Any]) -> Any:
    return refusals_audited(EventType.EXPORT_REFUSED, action=action, function=function.value,
                            staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip, detail=detail)


def _audit(actor: Actor, event: EventType, action: str, function: Function, req: ExportRequest, *,
           targets: list[str] | None = None, purpose: str = "", criteria: dict[str, Any] | None = None,
           **detail: Any) -> None:
    record(event, action=action, function=function.value, staff_id=actor.staff_id, terminal_id=actor.terminal_id,
           ip=actor.ip, targets=targets or [], purpose=purpose, criteria=criteria,
           detail={"request": req.pk, "scope": req.scope, **detail})


def _locked(request_id: int | str) -> ExportRequest:
    text = str(request_id).strip()
    if not is_ascii_digits(text):
        raise export_not_found()
    req = ExportRequest.objects.select_for_update().filter(pk=int(text)).first()
    if req is None:
        raise export_not_found()
    return req


# --- request, approve, reject ---------------------------------------------------------------------

def do_request_export(*, scope: str, purpose: str, parameters: dict[str, Any], actor: Actor) -> ExportRequest:
    """大量出力の申請: purpose and scope; the manager will see the count and decide."""
    purpose = (purpose or "").strip()
    with _audited_refusal(actor, "request", Function.EXPORT_REQUEST, {"scope": str(scope)[:64]}):
        actor.require(Function.EXPORT_REQUEST)
        kind = kind_for(scope)
        actor.require(kind.reader_function)
        if not purpose:
            raise ValidationFailed("EXPORT_PURPOSE_REQUIRED", "利用目的を入力してください。", field="purpose")
        if len(purpose) > PURPOSE_MAX:
            raise ValidationFailed("EXPORT_PURPOSE_TOO_LONG", f"利用目的は{PURPOSE_MAX}文字以内で入力してください。",
                                   field="purpose")
        params = kind.clean(dict(parameters or {}))
        with transaction.atomic():
            count = kind.count(params)
            if count == 0:
                raise ValidationFailed("EXPORT_EMPTY", "条件に該当する住民がいません。", field="town_blocks")
            req = ExportRequest.objects.create(requested_by=actor.staff_id, requested_at=clock.now(),
                                               purpose=purpose, scope=kind.name, parameters=params,
                                               expected_rows=count)
            _audit(actor, EventType.EXPORT_REQUESTED, "request", Function.EXPORT_REQUEST, req,
                   purpose=purpose, criteria=params, expected_rows=count)
    return req


def _decide(request_id: int | str, *, actor: Actor, approve: bool, comment: str) -> ExportRequest:
    action = "approve" if approve else "reject"
    comment = (comment or "").strip()
    with _audited_refusal(actor, action, Function.EXPORT_APPROVE, {"request": str(request_id)[:20]}):
        actor.require(Function.EXPORT_APPROVE)
        if not approve and not comment:
            raise ValidationFailed("EXPORT_REASON_REQUIRED", "却下の理由を入力してください。", field="comment")
        with transaction.atomic():
            req = _locked(request_id)
            if req.requested_by == actor.staff_id:
                raise PermissionDenied("EXPORT_SELF_APPROVAL", "自分が申請した大量出力は承認・却下できません。")
            if req.state != ExportState.REQUESTED:
                raise _refuse("EXPORT_NOT_PENDING", "この申請は承認待ちではありません。")
            now = clock.now()
            req.decided_by, req.decided_at, req.decision_comment = actor.staff_id, now, comment
            if approve:
                req.state = ExportState.APPROVED
                req.valid_until = valid_until = now + dt.timedelta(days=valid_days())
                extra: dict[str, Any] = {"valid_until": valid_until.isoformat()}
            else:
                extra = {}
                req.state = ExportState.REJECTED
            req.save()
            _audit(actor, EventType.EXPORT_APPROVED if approve else EventType.EXPORT_REJECTED, action,
                   Function.EXPORT_APPROVE, req, requester=req.requested_by, expected_rows=req.expected_rows,
                   comment=comment, **extra)
    return req


def do_approve_export(request_id: int | str, *, actor: Actor, comment: str = "") -> ExportRequest:
    """事前承認 by a 管理責任者 other than the requester (D2.14)."""
    return _decide(request_id, actor=actor, approve=True, comment=comment)


def do_reject_export(request_id: int | str, *, actor: Actor, comment: str) -> ExportRequest:
    """却下 with a reason."""
    return _decide(request_id, actor=actor, approve=False, comment=comment)


# --- production ---------------------------------------------------------------------------------

def _watermark_line(req: ExportRequest, at: dt.datetime, *, rows: int | None = None) -> str:
    stamp = timezone.localtime(at).isoformat(timespec="seconds")
    ident = f"申請番号={req.pk} 申請者={req.requested_by} 作成日時={stamp} 透かしID={req.watermark_id}"
    if rows is None:
        return f"# juki 大量出力 {ident} 承認者={req.decided_by} 申請目的以外の利用・複製・提供を禁ずる"
    return f"# 以上 {rows}件 {ident}"


def _contains_my_number(text: str) -> bool:
    return any(my_number.is_valid(m.group(0)) for m in _TWELVE_DIGITS.finditer(text))


def build_csv(req: ExportRequest, kind: ExportKind, at: dt.datetime) -> tuple[bytes, list[str]]:
    """The watermarked CSV (UTF-8 with BOM, CRLF) and the addressee numbers it holds.

    The first line and the last line are comments (``#``) naming the request, requester, time
    and watermark ID; the trailer is one line, whatever the columns, so it survives column edits.
    """
    buf = io.StringIO()
    buf.write(_watermark_line(req, at) + "\r\n")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([h for _, h in kind.columns])
    targets: list[str] = []
    # 支援措置: persons under a protection measure in force are left out of every kind
    # (事務処理要領 第5-10; docs/protection.md §6).
    protected = {person_target(p) for p in protected_person_ids()}
    for addressee, cells in kind.rows(req.parameters):
        if person_target(addressee) in protected:
            continue
        writer.writerow(cells)
        targets.append(addressee)
    buf.write(_watermark_line(req, at, rows=len(targets)) + "\r\n")
    text = buf.getvalue()
    if _contains_my_number(text):  # safety net: kinds have no such column, so this never fires
        raise JukiError(code="EXPORT_MY_NUMBER_DETECTED", message="出力に個人番号と思われる値が含まれるため中止しました。",
                        status=500)
    return ("\ufeff" + text).encode("utf-8"), targets


def do_produce_export(request_id: int | str, *, actor: Actor) -> ProducedExport:
    """作成: the approved export, once, by its requester; encrypted, watermarked, audited."""
    expired = False
    with _audited_refusal(actor, "produce", Function.EXPORT_REQUEST, {"request": str(request_id)[:20]}):
        actor.require(Function.EXPORT_REQUEST)
        with transaction.atomic():
            req = _locked(request_id)
            if req.requested_by != actor.staff_id:
                raise export_not_found()  # another's request: not found, as for a missing one
            if req.state == ExportState.REQUESTED:
                raise PermissionDenied("EXPORT_NOT_APPROVED", "管理責任者の承認前の大量出力は作成できません。")
            if req.state == ExportState.REJECTED:
                raise PermissionDenied("EXPORT_REJECTED", "却下された大量出力は作成できません。")
            if req.state == ExportState.PRODUCED:
                raise _refuse("EXPORT_ALREADY_PRODUCED", "この大量出力は作成済みです（作成は一回限りです）。")
            if req.state == ExportState.EXPIRED:
                raise _refuse("EXPORT_EXPIRED", "承認の有効期限を過ぎています。改めて申請してください。", 410)
            now = clock.now()
            if req.valid_until is None or now > req.valid_until:
                req.state = ExportState.EXPIRED
                req.save(update_fields=["state"])
                _audit(actor, EventType.EXPORT_EXPIRED, "expire", Function.EXPORT_REQUEST, req,
                       valid_until=req.valid_until.isoformat() if req.valid_until else "")
                expired = True
            else:
                kind = kind_for(req.scope)
                actor.require(kind.reader_function)
                req.watermark_id = f"WM-{secrets.token_hex(8).upper()}"
                plaintext, targets = build_csv(req, kind, now)
                ceiling = row_ceiling(req.expected_rows)
                if len(targets) > ceiling:
                    raise PermissionDenied(
                        "EXPORT_ROWS_EXCEED_APPROVAL",
                        f"出力件数（{len(targets)}件）が承認された件数（{ceiling}件まで）を超えています。改めて申請してください。",
                        extra={"rows": len(targets), "approved": ceiling})
                key = crypto.new_key()
                blob = crypto.seal_file(plaintext, key, req.watermark_id)
                req.state = ExportState.PRODUCED
                req.produced_at = now
                req.row_count = len(targets)
                req.file_enc = blob
                req.file_digest = hashlib.sha256(blob).hexdigest()
                req.valid_until = now + dt.timedelta(days=valid_days())  # now the download deadline
                req.save()
                _audit(actor, EventType.EXPORT_PRODUCED, "produce", Function.EXPORT_REQUEST, req, targets=targets,
                       purpose=req.purpose, criteria=req.parameters, rows=len(targets), approved_by=req.decided_by,
                       watermark_id=req.watermark_id, file_digest=req.file_digest)
        if expired:
            raise _refuse("EXPORT_EXPIRED", "承認の有効期限を過ぎています。改めて申請してください。", 410)
    return ProducedExport(request=req, key_text=crypto.key_text(key), file_name=file_name(req))


def do_download_export(request_id: int | str, *, actor: Actor) -> tuple[bytes, str]:
    """ダウンロード: the encrypted file, for its requester only, until the deadline; audited."""
    with _audited_refusal(actor, "download", Function.EXPORT_REQUEST, {"request": str(request_id)[:20]}):
        actor.require(Function.EXPORT_REQUEST)
        with transaction.atomic():
            req = _locked(request_id)
            if req.requested_by != actor.staff_id:
                raise export_not_found()
            if req.state != ExportState.PRODUCED or not req.file_enc:
                raise _refuse("EXPORT_NOT_PRODUCED", "この大量出力のファイルはまだ作成されていません。")
            if req.valid_until is not None and clock.now() > req.valid_until:
                raise _refuse("EXPORT_DOWNLOAD_EXPIRED", "ダウンロードの期限を過ぎています。", 410)
            blob = bytes(req.file_enc)
            _audit(actor, EventType.EXPORT_DOWNLOADED, "download", Function.EXPORT_REQUEST, req,
                   rows=req.row_count, watermark_id=req.watermark_id, file_digest=req.file_digest)
    return blob, file_name(req)
