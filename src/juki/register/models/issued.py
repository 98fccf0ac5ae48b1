"""Numbers ever issued (払出済み番号): the memory that keeps numbers from being issued twice."""

from __future__ import annotations

from django.db import models


class IssuedNumber(models.Model):
    """One resident code or My Number ever issued by this installation's local number source.

    Kept permanently and never deleted (J-LIS file (1) is kept permanently so that an
    identical number is never produced — jlis-001a digest §3.1). Only a keyed hash is stored,
    so the table reveals no number.
    """

    class Kind(models.TextChoices):
        RESIDENT_CODE = "resident_code", "住民票コード"
        MY_NUMBER = "my_number", "個人番号"

    kind = models.CharField("種別", max_length=16, choices=Kind.choices)
    digest = models.CharField("番号の鍵付きハッシュ", max_length=100)
    issued_at = models.DateTimeField("払出日時")

    class Meta:
        verbose_name = "払出済み番号"
        verbose_name_plural = "払出済み番号"
        constraints = [models.UniqueConstraint(fields=["kind", "digest"], name="issued_number_unique")]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"
