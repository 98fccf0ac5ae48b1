"""What a node keeps of its messages: publications (送信), the inbox (受信), link sequences
(更新順番号) and messages held behind a gap (保留).

In tests one database plays several nodes; every row names its link (``sender>recipient``),
and a sender writes only publications and ``last_sent``, a receiver only inbox and held rows
and ``last_applied``, so the nodes' rows never collide.
"""

from __future__ import annotations

from django.db import models


class LinkSequence(models.Model):
    """更新順番号 of one link (one direction between two nodes)."""

    link = models.CharField("回線", max_length=130, unique=True)
    #: The last sequence number this node gave a message it sends on the link.
    last_sent = models.PositiveBigIntegerField("最終送信番号", default=0)
    #: The last sequence number this node applied (or refused) from the link.
    last_applied = models.PositiveBigIntegerField("最終適用番号", default=0)

    class Meta:
        verbose_name = verbose_name_plural = "更新順番号"

    def __str__(self) -> str:
        return f"{self.link} sent={self.last_sent} applied={self.last_applied}"


class OutboxPublication(models.Model):
    """送信電文: one envelope to send, built (signed and sealed) once and stored, so that a
    retry publishes the same bytes under the same message id."""

    message_id = models.CharField("メッセージID", max_length=64, unique=True)
    link = models.CharField("回線", max_length=130)
    sequence = models.PositiveBigIntegerField("更新順番号")
    message_type = models.CharField("電文種別", max_length=64)
    recipient = models.CharField("宛先ノード", max_length=64)
    #: The register outbox row this message carries, if it came from one. Part of the same
    #: provision record (提供記録): purged with it after its retention period.
    #: No database constraint: a node of another role has no register tables (NodeRouter); the
    #: ORM still deletes the publication with its row.
    outbox_event = models.OneToOneField("register.OutboxEvent", null=True, blank=True, on_delete=models.CASCADE,
                                        related_name="publication", db_constraint=False)
    envelope = models.BinaryField("電文")
    created_at = models.DateTimeField("作成日時")
    published_at = models.DateTimeField("格納日時", null=True, blank=True)
    stream_sequence = models.PositiveBigIntegerField("ストリーム番号", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "送信電文"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["link", "sequence"], name="network_publication_link_seq")]
        indexes = [models.Index(fields=["published_at", "id"], name="network_unpublished")]

    def __str__(self) -> str:
        return f"{self.message_type} {self.link} #{self.sequence}"


class InboxMessage(models.Model):
    """受信電文: a verified message this node has dealt with — written in the transaction
    that applied it, so a message recorded here is never applied again."""

    class Outcome(models.TextChoices):
        APPLIED = "applied", "適用"
        REFUSED = "refused", "拒否"

    message_id = models.CharField("メッセージID", max_length=64, unique=True)
    link = models.CharField("回線", max_length=130)
    sequence = models.PositiveBigIntegerField("更新順番号")
    message_type = models.CharField("電文種別", max_length=64)
    sender = models.CharField("送信元ノード", max_length=64)
    outcome = models.CharField("結果", max_length=16, choices=Outcome.choices)
    code = models.CharField("拒否理由コード", max_length=64, blank=True, default="")
    received_at = models.DateTimeField("受信日時")
    applied_at = models.DateTimeField("適用日時", null=True, blank=True)

    class Meta:
        verbose_name = verbose_name_plural = "受信電文"
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["link", "sequence"], name="network_inbox_link_seq")]

    def __str__(self) -> str:
        return f"{self.message_type} {self.link} #{self.sequence} {self.outcome}"


class HeldMessage(models.Model):
    """保留電文: a verified message that arrived ahead of a gap in its link's sequence. It is
    kept (still sealed) and applied as soon as the missing ones arrive; never skipped."""

    message_id = models.CharField("メッセージID", max_length=64, unique=True)
    link = models.CharField("回線", max_length=130)
    sequence = models.PositiveBigIntegerField("更新順番号")
    expected = models.PositiveBigIntegerField("待っている番号")
    envelope = models.BinaryField("電文")
    held_at = models.DateTimeField("保留日時")

    class Meta:
        verbose_name = verbose_name_plural = "保留電文"
        ordering = ["link", "sequence"]
        constraints = [models.UniqueConstraint(fields=["link", "sequence"], name="network_held_link_seq")]

    def __str__(self) -> str:
        return f"{self.link} #{self.sequence} (waiting for #{self.expected})"


class UpdateResult(models.Model):
    """更新結果: the upper tiers' answer to an update this node sent (受理・不受理), kept with
    the publication — and so with the register outbox row it carried — for staff to see a
    refused update and its reason."""

    class Result(models.TextChoices):
        ACCEPTED = "accepted", "受理"
        REJECTED = "rejected", "不受理"

    publication = models.OneToOneField(OutboxPublication, on_delete=models.CASCADE, related_name="result",
                                       verbose_name="送信電文")
    result = models.CharField("処理結果", max_length=16, choices=Result.choices)
    code = models.CharField("不受理の理由コード", max_length=64, blank=True, default="")
    message = models.CharField("不受理の理由", max_length=500, blank=True, default="")
    received_at = models.DateTimeField("受信日時")

    class Meta:
        verbose_name = verbose_name_plural = "更新結果"
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.publication_id} {self.result} {self.code}"
