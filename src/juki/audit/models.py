"""Audit tables. ``AuditEvent`` is append-only: database triggers refuse UPDATE and DELETE."""

from __future__ import annotations

from django.db import models


class AuditEvent(models.Model):
    """操作記録: one operation, by whom, from where, on whom, why, and how it ended.

    ``prev_hash`` is the previous event's ``hash`` (the first event's is 64 zeros), and
    ``hash`` is SHA-256 over this event's canonical content and ``prev_hash`` — see
    :func:`juki.audit.chain.event_hash`.
    """

    seq = models.BigIntegerField("連番", unique=True)
    occurred_at = models.DateTimeField("日時", db_index=True)
    event_type = models.PositiveIntegerField("種別")
    action = models.CharField("操作", max_length=32)
    function = models.CharField("機能・画面", max_length=64)
    staff_id = models.CharField("職員ID", max_length=64, blank=True, db_index=True)
    terminal_id = models.CharField("端末ID", max_length=64, blank=True)
    ip = models.CharField("IPアドレス", max_length=64, blank=True)
    targets = models.JSONField("対象者（宛名番号）", default=list)
    purpose = models.CharField("利用目的", max_length=200, blank=True)
    outcome = models.CharField("結果", max_length=8)
    criteria = models.JSONField("検索条件", null=True, blank=True)
    detail = models.JSONField("詳細", null=True, blank=True)
    prev_hash = models.CharField(max_length=64)
    hash = models.CharField(max_length=64)

    class Meta:
        verbose_name = "操作記録"
        ordering = ["seq"]
        indexes = [models.Index(fields=["ip", "event_type", "occurred_at"], name="audit_ip_type_time")]

    def __str__(self) -> str:
        return f"操作記録 {self.seq} ({self.event_type} {self.outcome})"


class AuditEventTarget(models.Model):
    """Index of events by person (for disclosure requests and access review). Append-only."""

    event = models.ForeignKey(AuditEvent, on_delete=models.PROTECT, related_name="target_rows")
    person_id = models.CharField(max_length=32, db_index=True)

    def __str__(self) -> str:
        return f"{self.person_id} ← 操作記録 {self.event_id}"


class AuditChainHead(models.Model):
    """The single row holding the chain head; locked while an event is appended, so
    concurrent writers queue instead of forking the chain."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1)
    seq = models.BigIntegerField(default=0)
    hash = models.CharField(max_length=64, default="0" * 64)

    def __str__(self) -> str:
        return f"チェーン先頭 {self.seq}"


class AuditCheckpoint(models.Model):
    """Ed25519-signed statement of the chain head at a moment (監査証跡チェックポイント)."""

    seq = models.BigIntegerField("連番")
    hash = models.CharField(max_length=64)
    created_at = models.DateTimeField()
    key_id = models.CharField(max_length=64)
    signature = models.CharField(max_length=128)

    def __str__(self) -> str:
        return f"チェックポイント {self.pk} (連番 {self.seq})"


class ReviewMark(models.Model):
    """点検済みの記録: an auditor's mark that one access-review flag was looked into, with a comment.

    One row per flag (``flag_key``, see :class:`juki.review.report.Flag`). Written only by
    :func:`juki.review.marks.do_mark_flag_reviewed`, which audits every mark
    (``AUDIT_REVIEW_MARKED``, with the previous comment when a mark is revised). Not covered by
    the append-only triggers: a later mark on the same flag replaces the comment, and the audit
    log keeps every version.
    """

    flag_key = models.CharField("フラグキー", max_length=200, unique=True)
    rule = models.CharField("点検ルール", max_length=32)
    staff_id = models.CharField("対象職員ID", max_length=64, db_index=True)
    scope = models.CharField("対象日・期間", max_length=32)
    comment = models.CharField("点検コメント", max_length=500)
    reviewed_by = models.CharField("点検者職員ID", max_length=64)
    reviewed_at = models.DateTimeField("点検日時")

    class Meta:
        verbose_name = "点検済みの記録"
        verbose_name_plural = "点検済みの記録"
        ordering = ["flag_key"]

    def __str__(self) -> str:
        return f"点検済み {self.flag_key}"
