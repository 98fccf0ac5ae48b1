"""The export request (大量出力の申請) and its life: requested → approved / rejected → produced / expired.

Models hold no logic: the rules and writes are in :mod:`juki.exports.actions`. The produced file
is kept only encrypted under a per-export key the system does not keep (see
:mod:`juki.exports.crypto`).
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q


class ExportState(models.TextChoices):
    REQUESTED = "requested", "承認待ち"
    APPROVED = "approved", "承認済み（未作成）"
    REJECTED = "rejected", "却下"
    PRODUCED = "produced", "作成済み"
    EXPIRED = "expired", "期限切れ"


class ExportRequest(models.Model):
    """大量出力の申請: who wants which personal data, for what, and who approved it."""

    requested_by = models.CharField("申請職員ID", max_length=64)
    requested_at = models.DateTimeField("申請日時")
    purpose = models.TextField("利用目的")
    scope = models.CharField("出力の種類", max_length=64)
    parameters = models.JSONField("出力条件", default=dict)
    expected_rows = models.PositiveIntegerField("申請時の件数", default=0)
    state = models.CharField("状態", max_length=16, choices=ExportState.choices, default=ExportState.REQUESTED)

    decided_by = models.CharField("承認・却下した管理責任者", max_length=64, blank=True)
    decided_at = models.DateTimeField("承認・却下日時", null=True, blank=True)
    decision_comment = models.TextField("承認・却下の意見", blank=True)
    valid_until = models.DateTimeField("作成の期限", null=True, blank=True)

    produced_at = models.DateTimeField("作成日時", null=True, blank=True)
    row_count = models.PositiveIntegerField("出力件数", null=True, blank=True)
    watermark_id = models.CharField("透かしID", max_length=32, blank=True)
    file_digest = models.CharField("ファイルのSHA-256（暗号化後）", max_length=64, blank=True)
    file_enc = models.BinaryField("出力ファイル（暗号化）", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "大量出力の申請"
        verbose_name_plural = "大量出力の申請"
        ordering = ["-requested_at", "-pk"]
        constraints = [
            # Defence in depth for the actions' rule: nobody approves their own export.
            models.CheckConstraint(condition=Q(decided_by="") | ~Q(decided_by=F("requested_by")),
                                   name="export_decider_is_not_requester"),
            models.CheckConstraint(
                condition=~Q(state="produced") | (Q(row_count__isnull=False) & ~Q(watermark_id="")),
                name="export_produced_has_watermark"),
        ]
        indexes = [models.Index(fields=["state", "requested_at"], name="export_state_requested")]

    def __str__(self) -> str:
        return f"大量出力 {self.pk} {self.scope} {self.state}"
