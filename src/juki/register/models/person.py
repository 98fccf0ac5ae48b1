"""Persons, households and the number sequences they draw from (宛名番号・世帯番号).

Both numbers are internal, immutable and never reused: they are the primary keys, drawn from
:class:`NumberSequence` under a row lock (:func:`juki.register.numbering.allocate`), so a
number once given is never given again, even after its person or household is purged.
"""

from __future__ import annotations

from django.db import models

ADDRESSEE_NO_DIGITS = 10
HOUSEHOLD_NO_DIGITS = 10


class NumberSequence(models.Model):
    """採番管理: the last number handed out for each internal number series."""

    name = models.CharField("系列", max_length=32, primary_key=True)
    last_value = models.BigIntegerField("最終番号", default=0)

    class Meta:
        verbose_name = "採番管理"
        verbose_name_plural = "採番管理"

    def __str__(self) -> str:
        return f"{self.name}: {self.last_value}"


class Person(models.Model):
    """個人: the anchor of one person's record history, named by the addressee number (宛名番号).

    It holds nothing that can change: every registered item lives in the
    :class:`~juki.register.models.record.ResidentRecord` versions that point here.
    """

    addressee_no = models.BigIntegerField("宛名番号", primary_key=True, editable=False)
    created_at = models.DateTimeField("作成日時", editable=False)

    class Meta:
        verbose_name = "個人"
        verbose_name_plural = "個人"
        ordering = ["addressee_no"]

    def __str__(self) -> str:
        return self.display_no

    @property
    def display_no(self) -> str:
        """The addressee number as printed and as logged in audit targets (10 digits)."""
        return f"{self.addressee_no:0{ADDRESSEE_NO_DIGITS}d}"


class Household(models.Model):
    """世帯: a group living and keeping house together, named by the household number (世帯番号).

    Membership, the householder (世帯主) and listing order are items of each member's resident
    record, so they are versioned with it; the household row itself only says when the
    household came into being and when it ended (all members removed or moved to others).
    """

    household_no = models.BigIntegerField("世帯番号", primary_key=True, editable=False)
    created_at = models.DateTimeField("作成日時", editable=False)
    established_on = models.DateField("世帯成立日", null=True, blank=True)
    dissolved_on = models.DateField("世帯消滅日", null=True, blank=True)

    class Meta:
        verbose_name = "世帯"
        verbose_name_plural = "世帯"
        ordering = ["household_no"]

    def __str__(self) -> str:
        return self.display_no

    @property
    def display_no(self) -> str:
        return f"{self.household_no:0{HOUSEHOLD_NO_DIGITS}d}"
