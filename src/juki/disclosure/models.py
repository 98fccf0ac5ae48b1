"""Disclosure requests (開示請求) and correction / suspension-of-use requests (訂正・利用停止請求).

State machine (transitions change state only; each is an action in :mod:`.actions`)::

    received ──start──▶ in_progress ──complete──▶ completed
        │                    │
        └──────refuse────────┴──────refuse──────▶ refused (with a reason)

Models hold no business logic: the guards and writes live in :mod:`.actions`.
"""

from __future__ import annotations

from django.db import models

from juki.register.models import Change, Person
from juki.register.requesters import IdentityDocument, RequesterCapacity


class RequestKind(models.TextChoices):
    DISCLOSURE = "disclosure", "開示"
    CORRECTION = "correction", "訂正"
    SUSPENSION = "suspension", "利用停止"


class RequestState(models.TextChoices):
    RECEIVED = "received", "受付"
    IN_PROGRESS = "in_progress", "処理中"
    COMPLETED = "completed", "完了"
    REFUSED = "refused", "不開示・不承認（理由付き）"


#: 開示請求等 are made by the person or their representative, so 職員証 is not among the
#: documents; "other" needs the note (備考), which the label says.
DISCLOSURE_IDENTITY_DOCUMENTS = [
    (d.value, "その他（備考に記載）" if d == IdentityDocument.OTHER else d.label) for d in IdentityDocument.personal()
]


class DisclosureRequest(models.Model):
    """開示請求等: one request by (or for) one person, from receipt to completion or refusal."""

    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="disclosure_requests",
                               verbose_name="対象者（宛名番号）")
    kind = models.CharField("請求の種類", max_length=16, choices=RequestKind.choices)
    received_on = models.DateField("受付日")
    requester = models.CharField("請求者", max_length=24, choices=RequesterCapacity.choices, default=RequesterCapacity.SELF)
    identity_document = models.CharField("本人確認書類", max_length=24, choices=DISCLOSURE_IDENTITY_DOCUMENTS)
    identity_note = models.CharField("本人確認の備考", max_length=200, blank=True)
    request_text = models.TextField("請求の内容", blank=True,
                                    help_text="訂正を求める項目と内容、利用停止を求める理由など")
    state = models.CharField("状態", max_length=12, choices=RequestState.choices, default=RequestState.RECEIVED)
    decision = models.TextField("決定・対応の内容", blank=True)
    refusal_reason = models.TextField("不開示・不承認の理由", blank=True)
    related_change = models.ForeignKey(Change, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                       verbose_name="訂正を行った異動")

    received_by = models.CharField("受付職員ID", max_length=64)
    handled_by = models.CharField("処理職員ID", max_length=64, blank=True)
    created_at = models.DateTimeField("受付処理日時")
    started_at = models.DateTimeField("処理開始日時", null=True, blank=True)
    closed_at = models.DateTimeField("完了・不承認日時", null=True, blank=True)
    updated_at = models.DateTimeField("更新日時")

    class Meta:
        verbose_name = "開示請求等"
        verbose_name_plural = "開示請求等"
        ordering = ["-received_on", "-id"]
        indexes = [models.Index(fields=["state", "received_on"], name="disclosure_state_received")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(state="refused") | ~models.Q(refusal_reason=""),
                name="disclosure_refused_has_reason",
            ),
        ]

    def __str__(self) -> str:
        return f"開示請求等 {self.pk} {self.kind} {self.state}"
