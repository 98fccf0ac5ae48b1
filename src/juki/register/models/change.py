"""Changes (異動) and the transactional outbox (送信待ち事象).

A :class:`Change` is entered provisionally (仮更新) by one staff member and takes effect only
when a *different* authorised staff member confirms it (確定). Its state machine:

    provisional ──confirm──▶ confirmed
        │  ├──────reject───▶ rejected
        │  └──────cancel───▶ cancelled

The validated items of the change (``payload``) are kept as entered; ``base_versions`` records
the version of each person's current record the change was planned against, so a confirmation
after someone else changed those records is refused as stale (optimistic locking).
"""

from __future__ import annotations

from django.db import models


class ChangeState(models.TextChoices):
    PROVISIONAL = "provisional", "仮更新"
    CONFIRMED = "confirmed", "確定"
    REJECTED = "rejected", "却下"
    CANCELLED = "cancelled", "取消"


class Change(models.Model):
    """異動: one notification or ex-officio action, from entry to confirmation."""

    kind = models.CharField("異動の種類", max_length=40)
    reason = models.CharField("異動事由", max_length=32)
    state = models.CharField("状態", max_length=12, choices=ChangeState.choices, default=ChangeState.PROVISIONAL)
    notified_on = models.DateField("届出日", null=True, blank=True, help_text="職権の場合は空欄")
    effective_on = models.DateField("異動日")
    late_notification = models.BooleanField("届出期間経過", default=False)
    payload = models.JSONField("入力内容", default=dict)
    persons = models.JSONField("対象者（宛名番号）", default=list)
    base_versions = models.JSONField("計画時の版", default=dict)
    before = models.JSONField("異動前", default=list)
    after = models.JSONField("異動後", default=list)
    warnings = models.JSONField("注意事項", default=list)

    entered_by = models.CharField("入力職員ID", max_length=64)
    entered_terminal = models.CharField("入力端末ID", max_length=64, blank=True)
    entered_at = models.DateTimeField("入力日時")
    decided_by = models.CharField("確定・却下職員ID", max_length=64, blank=True)
    decided_terminal = models.CharField("確定・却下端末ID", max_length=64, blank=True)
    decided_at = models.DateTimeField("確定・却下日時", null=True, blank=True)
    decision_comment = models.CharField("確定・却下コメント", max_length=200, blank=True)

    class Meta:
        verbose_name = "異動"
        verbose_name_plural = "異動"
        ordering = ["-entered_at"]
        indexes = [models.Index(fields=["state", "entered_at"], name="change_state_entered")]

    def __str__(self) -> str:
        return f"異動{self.pk} {self.kind} {self.state}"


class OutboxEvent(models.Model):
    """送信待ち事象: a typed event written in the same transaction as the confirmed change.

    ``payload`` is an event of :mod:`juki.register.events` (``kind`` and ``schema_version``
    name its schema); read it with :func:`juki.register.events.parse_event`.

    Consumers (the community server, intra-office linkage, 附票 and move-in notices) come with
    the national tiers; until then events are visible (``juki outbox list``) and replayable.
    A My Number inside ``payload`` is never in clear: it travels as the person's sealed
    ciphertext (``my_number_enc``, base64) and is decrypted only by the consumer.
    """

    class Kind(models.TextChoices):
        IDENTITY_UPDATE = "identity_update", "本人確認情報の更新"
        DELIVERY_INFO = "delivery_info", "送付先情報（個人番号通知）"
        INTRA_OFFICE = "intra_office", "庁内連携"
        FUHYO_NOTICE = "fuhyo_notice", "附票記載事項通知"
        MOVE_IN_NOTICE = "move_in_notice", "転入通知"

    kind = models.CharField("種別", max_length=32, choices=Kind.choices)
    #: The version of the kind's schema the payload was validated against
    #: (juki.register.events); 0 marks rows written before events were typed.
    schema_version = models.PositiveSmallIntegerField("様式の版", default=0)
    change = models.ForeignKey(Change, on_delete=models.PROTECT, related_name="events")
    person_id = models.BigIntegerField("宛名番号", null=True)
    payload = models.JSONField("内容", default=dict)
    created_at = models.DateTimeField("作成日時")
    sent_at = models.DateTimeField("送信日時", null=True, blank=True)

    class Meta:
        verbose_name = "送信待ち事象"
        verbose_name_plural = "送信待ち事象"
        ordering = ["id"]
        indexes = [models.Index(fields=["sent_at", "id"], name="outbox_unsent")]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"
