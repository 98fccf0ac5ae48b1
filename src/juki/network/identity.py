"""The 本人確認情報の更新 chain (住基法30条の6・30条の7; jlis-001a §4.2): what each tier keeps
and how it applies an update and its result. The node apps (juki.cs, juki.prefecture,
juki.national) declare their own concrete files from the abstract models here and register
these functions as their handlers; nodes share this schema, not each other's code.

- **CS** (本人確認情報ファイル of its municipality), **prefecture** (都道府県知事保存本人確認情報)
  and **national** (機構保存本人確認情報) each keep a *current* record per 住民票コード and a
  *history* row per update, numbered by the file's own 更新順番号.
- An update is checked by the tier (``check``); a refused one changes no current record and
  its result (不受理, reason code) goes straight back down. An accepted one updates the current
  record and goes up to the parent; the national server answers every update it applies.
- A result travels back down the way the update came: each tier finds its history row by the
  message id it forwarded, records the result and passes it to the node the update came from.
  A refusal above reverts the tier's current record to the last update not refused.
- The municipality records the result against the publication (and so the register outbox
  row) it sent: :class:`juki.network.models.UpdateResult`.

Only the items a CS may hold are kept (本人確認情報, 住基法30条の6第1項, 施行令30条の5): 住民票
コード, 氏名, 振り仮名, 生年月日, 性別, 住所, 個人番号 (the sealed ciphertext as received, never
plaintext), 異動事由, 異動年月日, 旧氏 — not 番地 / 方書 apart, 続柄, 世帯, 本籍.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable
from typing import Any

from django.db import models
from django.db.models import Max

from juki.core import clock
from juki.core.errors import JukiError
from juki.register.events import IdentityUpdate

from . import relay
from .handlers import InboundMessage, register
from .models import OutboxPublication, UpdateResult
from .node import NodeContext
from .schemas import IdentityUpdateResult

UPDATE, RESULT = "identity_update", "identity_update_result"
#: 住民票コード: 11 digits (住基法7条13号, 住民基本台帳法施行規則1条).
RESIDENT_CODE = re.compile(r"^[0-9]{11}$")


class IdentityItems(models.Model):
    """本人確認情報の項目: the items of one person's 本人確認情報 (see the module docstring)."""

    node = models.CharField("ノード", max_length=64)
    resident_code = models.CharField("住民票コード", max_length=11)
    family_name = models.CharField("氏", max_length=200)
    given_name = models.CharField("名", max_length=200)
    furigana = models.CharField("振り仮名", max_length=400, blank=True, default="")
    birth = models.JSONField("生年月日")
    sex = models.PositiveSmallIntegerField("性別")
    address = models.CharField("住所", max_length=500)
    my_number_enc = models.TextField("個人番号（暗号文）", null=True, blank=True)
    reason = models.CharField("異動事由", max_length=32)
    effective_on = models.DateField("異動年月日")
    former_surname = models.CharField("旧氏", max_length=200, blank=True, default="")
    former_surname_kana = models.CharField("旧氏の振り仮名", max_length=400, blank=True, default="")
    previous_resident_code = models.CharField("変更前の住民票コード", max_length=11, blank=True, default="")

    ITEMS = ("resident_code", "family_name", "given_name", "furigana", "birth", "sex", "address", "my_number_enc",
             "reason", "effective_on", "former_surname", "former_surname_kana", "previous_resident_code")

    class Meta:
        abstract = True


class IdentityRecordBase(IdentityItems):
    """現在の本人確認情報: the file's current record of one 住民票コード."""

    update_no = models.PositiveBigIntegerField("更新順番号")
    source_node = models.CharField("更新元ノード", max_length=64)
    updated_at = models.DateTimeField("更新日時")

    class Meta:
        abstract = True
        constraints = [models.UniqueConstraint(fields=["node", "resident_code"],
                                               name="%(app_label)s_identity_current_code")]


class IdentityHistoryBase(IdentityItems):
    """本人確認情報の履歴: one update as this tier received it, numbered by the file's
    更新順番号, with what became of it (処理結果)."""

    class Result(models.TextChoices):
        PENDING = "pending", "結果待ち"
        ACCEPTED = "accepted", "受理"
        REJECTED = "rejected", "不受理"

    update_no = models.PositiveBigIntegerField("更新順番号")
    message_id = models.CharField("受信電文ID", max_length=64, unique=True)
    source_node = models.CharField("更新元ノード", max_length=64)
    forwarded_id = models.CharField("送信電文ID（上位へ）", max_length=64, blank=True, default="", db_index=True)
    result = models.CharField("処理結果", max_length=16, choices=Result.choices, default=Result.PENDING)
    code = models.CharField("不受理の理由コード", max_length=64, blank=True, default="")
    result_message = models.CharField("不受理の理由", max_length=500, blank=True, default="")
    received_at = models.DateTimeField("受信日時")
    result_at = models.DateTimeField("結果日時", null=True, blank=True)

    class Meta:
        abstract = True
        ordering = ["node", "update_no"]
        constraints = [models.UniqueConstraint(fields=["node", "update_no"],
                                               name="%(app_label)s_identity_history_no")]


class Refused(JukiError):
    """An update this tier does not accept: answered down as 不受理 with this code."""

    def __init__(self, code: str, message: str):
        super().__init__(code=code, message=message, status=422)


#: A tier's own check of an update: raises :class:`Refused` (for the national server, e.g. a
#: 住民票コード already given to someone else).
Check = Callable[[type[IdentityRecordBase], NodeContext, IdentityUpdate], None]


def check_resident_code(current: type[IdentityRecordBase], context: NodeContext, update: IdentityUpdate) -> None:
    """Every tier: the update names one person by a well-formed 住民票コード."""
    if not RESIDENT_CODE.match(update.resident_code):
        raise Refused("IDENTITY_RESIDENT_CODE_INVALID", "住民票コードが11桁の数字ではありません。")


def _items(update: IdentityUpdate) -> dict[str, Any]:
    data = update.model_dump(mode="json")
    return {name: data[name] for name in IdentityItems.ITEMS}


def _answer(context: NodeContext, *, recipient: str, update_id: str, resident_code: str, result: str,
            code: str = "", message: str = "", actor: str) -> None:
    relay.enqueue(context, message_type=RESULT, recipient=recipient, actor=actor,
                  payload=IdentityUpdateResult(update_id=update_id, resident_code=resident_code, result=result,
                                               code=code, message=message))


def apply_update(message: InboundMessage, *, context: NodeContext, actor: str, current: type[IdentityRecordBase],
                 history: type[IdentityHistoryBase], check: Check = check_resident_code) -> IdentityHistoryBase:
    """Apply one 本人確認情報の更新 at this tier (runs in the inbox's applying transaction)."""
    update: IdentityUpdate = message.payload  # type: ignore[assignment]
    header, me, now = message.header, context.node_id, clock.now()
    last = history._default_manager.filter(node=me).aggregate(n=Max("update_no"))["n"] or 0
    row = history(node=me, update_no=last + 1, message_id=header.id, source_node=header.sender, received_at=now,
                  **_items(update))
    try:
        check(current, context, update)
    except Refused as exc:
        row.result, row.code, row.result_message, row.result_at = history.Result.REJECTED, exc.code, exc.message, now
        row.save()
        _answer(context, recipient=header.sender, update_id=header.id, resident_code=update.resident_code,
                result="rejected", code=exc.code, message=exc.message, actor=actor)
        return row
    current._default_manager.update_or_create(node=me, resident_code=update.resident_code, defaults={
        **_items(update), "update_no": row.update_no, "source_node": header.sender, "updated_at": now})
    parent = context.topology.nodes[me].parent
    if parent:
        row.forwarded_id = relay.enqueue(context, message_type=UPDATE, recipient=parent, payload=update,
                                         actor=actor).message_id
    else:  # the national server decides: 受理
        row.result, row.result_at = history.Result.ACCEPTED, now
        _answer(context, recipient=header.sender, update_id=header.id, resident_code=update.resident_code,
                result="accepted", actor=actor)
    row.save()
    return row


def apply_result(message: InboundMessage, *, context: NodeContext, actor: str, current: type[IdentityRecordBase],
                 history: type[IdentityHistoryBase]) -> IdentityHistoryBase:
    """Record the result of an update this tier forwarded, and pass it down the way it came."""
    result: IdentityUpdateResult = message.payload  # type: ignore[assignment]
    me = context.node_id
    row = history._default_manager.filter(node=me, forwarded_id=result.update_id).first()
    if row is None or row.resident_code != result.resident_code:
        raise JukiError(code="IDENTITY_RESULT_UNKNOWN_UPDATE", status=422,
                        message="このノードが送った更新に対応しない更新結果です。")
    row.result, row.code, row.result_message, row.result_at = result.result, result.code, result.message, clock.now()
    row.save(update_fields=["result", "code", "result_message", "result_at"])
    if result.result == "rejected":
        _revert(current, history, me, row.resident_code)
    _answer(context, recipient=row.source_node, update_id=row.message_id, resident_code=row.resident_code,
            result=result.result, code=result.code, message=result.message, actor=actor)
    return row


def _revert(current: type[IdentityRecordBase], history: type[IdentityHistoryBase], node: str, code: str) -> None:
    """The current record becomes the last update of ``code`` not refused (none: no record)."""
    last = (history._default_manager.filter(node=node, resident_code=code).exclude(result=history.Result.REJECTED)
            .order_by("-update_no").first())
    if last is None:
        current._default_manager.filter(node=node, resident_code=code).delete()
        return
    current._default_manager.filter(node=node, resident_code=code).update(
        **{name: getattr(last, name) for name in IdentityItems.ITEMS}, update_no=last.update_no,
        source_node=last.source_node, updated_at=clock.now())


def record_result(message: InboundMessage, *, context: NodeContext, actor: str) -> UpdateResult:
    """The municipality: keep the result with the publication that carried the update."""
    result: IdentityUpdateResult = message.payload  # type: ignore[assignment]
    publication = OutboxPublication.objects.filter(message_id=result.update_id, message_type=UPDATE,
                                                   link__startswith=f"{context.node_id}>").first()
    if publication is None:
        raise JukiError(code="IDENTITY_RESULT_UNKNOWN_UPDATE", status=422,
                        message="このノードが送った更新に対応しない更新結果です。")
    row, _ = UpdateResult.objects.update_or_create(publication=publication, defaults={
        "result": result.result, "code": result.code, "message": result.message, "received_at": clock.now()})
    return row


def register_tier(role: str, *, current: type[IdentityRecordBase], history: type[IdentityHistoryBase],
                  check: Check = check_resident_code,
                  results: bool = True) -> None:
    """Register how a node of ``role`` applies the chain: updates, checked by ``check`` and kept in
    its own ``current`` / ``history`` files, and (below the national server, ``results``) the
    results coming back down."""
    register(role, UPDATE)(functools.partial(apply_update, current=current, history=history, check=check))
    if results:
        register(role, RESULT)(functools.partial(apply_result, current=current, history=history))
