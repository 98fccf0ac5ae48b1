"""Protection measures (支援措置) for victims of DV, stalking and child abuse.

Source: 住民基本台帳事務処理要領 第5-10 (ドメスティック・バイオレンス、ストーカー行為等、児童虐待及び
これらに準ずる行為の被害者の保護のための措置). The victim applies (申出); the municipality confirms
the need with the opinion of the police or a consultation body (意見聴取); the measure lasts one
year and may be extended on a new application (延長の申出). While a measure is in force the
offender (加害者) named in the application is refused 住民票の写し等 and the 戸籍の附票の写し,
third parties are refused, and other requests are handled with strict identity checks.

:class:`ProtectionMeasure` is one application and its decision; it covers the applicant and the
household members named in it (``persons``). :class:`Offender` rows are the offenders named.
:class:`ProtectionAttempt` is every issuance request touching a protected person, refused or
allowed with a warning, reported to the protection officer (支援措置担当).

Models hold no logic: rules are in :mod:`juki.protection.periods`,
:mod:`juki.protection.offender_names` and :mod:`juki.protection.checks`, writes in :mod:`juki.protection.actions`. Only ``PROTECTION_MANAGE`` screens show measure details.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class MeasureKind(models.TextChoices):
    """支援措置の区分 (事務処理要領 第5-10)."""

    DV = "dv", "DV（配偶者からの暴力）"
    STALKER = "stalker", "ストーカー行為等"
    CHILD_ABUSE = "child_abuse", "児童虐待"
    OTHER = "other", "その他これらに準ずる行為"


class OpinionSource(models.TextChoices):
    """支援の必要性についての意見を求めた先 (意見聴取先)."""

    POLICE = "police", "警察"
    SPOUSAL_CENTER = "spousal_center", "配偶者暴力相談支援センター"
    CHILD_GUIDANCE = "child_guidance", "児童相談所"
    COURT_ORDER = "court_order", "保護命令決定書等の写しによる確認"
    OTHER = "other", "その他の相談機関"


class MeasureState(models.TextChoices):
    """支援措置の状態. 期限切れ (expired) is not stored: a confirmed measure past ``end_on`` is
    expired by date (:func:`juki.protection.periods.display_state`)."""

    PROVISIONAL = "provisional", "確認待ち"
    ACTIVE = "active", "支援中"
    ENDED = "ended", "終了"


class ProtectionMeasure(models.Model):
    """支援措置: one application (申出) and the municipality's decision on it."""

    person = models.ForeignKey("register.Person", on_delete=models.PROTECT, related_name="+",
                               verbose_name="申出者（支援対象者）")
    #: Everyone the measure protects: the applicant and the household members named (併せて支援を求める者).
    persons = models.ManyToManyField("register.Person", related_name="protection_measures",
                                     verbose_name="支援対象者")
    kind = models.CharField("区分", max_length=16, choices=MeasureKind.choices)
    applied_on = models.DateField("申出日")
    opinion_source = models.CharField("意見聴取先", max_length=24, choices=OpinionSource.choices)
    opinion_note = models.CharField("意見聴取の内容（機関名・回答日等）", max_length=300, blank=True)
    note = models.TextField("備考", blank=True)
    #: The support period (支援期間): one year, start_on + 1 year − 1 day. Fixed at confirmation.
    start_on = models.DateField("支援開始日")
    end_on = models.DateField("支援終了予定日")
    renewed_from = models.OneToOneField("self", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="renewal", verbose_name="延長元の支援措置")
    state = models.CharField("状態", max_length=16, choices=MeasureState.choices, default=MeasureState.PROVISIONAL)
    registered_by = models.CharField("登録職員ID", max_length=64)
    registered_at = models.DateTimeField("登録日時")
    confirmed_by = models.CharField("確認職員ID", max_length=64, blank=True)
    confirmed_at = models.DateTimeField("確認日時", null=True, blank=True)
    ended_by = models.CharField("終了処理職員ID", max_length=64, blank=True)
    ended_at = models.DateTimeField("終了処理日時", null=True, blank=True)
    #: The first day on which the measure is no longer in force (終了日).
    ended_on = models.DateField("終了日", null=True, blank=True)
    ended_reason = models.TextField("終了の理由", blank=True)

    class Meta:
        verbose_name = "支援措置"
        verbose_name_plural = "支援措置"
        ordering = ["-registered_at", "-pk"]
        constraints = [
            models.CheckConstraint(condition=Q(end_on__gte=models.F("start_on")), name="protection_period_order"),
            # Four-eyes (二者確認): a confirmed measure names a confirmer other than its registrant.
            models.CheckConstraint(
                condition=Q(confirmed_by="") | ~Q(confirmed_by=models.F("registered_by")),
                name="protection_confirmer_not_registrant"),
            models.CheckConstraint(
                condition=~Q(state="ended") | (~Q(ended_by="") & Q(ended_at__isnull=False)),
                name="protection_ended_has_who_and_when"),
        ]
        indexes = [models.Index(fields=["state", "end_on"], name="protection_state_end")]

    def __str__(self) -> str:
        return f"支援措置 {self.pk}"


class Offender(models.Model):
    """加害者: an offender named in the application. Personal data: PROTECTION_MANAGE only."""

    measure = models.ForeignKey(ProtectionMeasure, on_delete=models.CASCADE, related_name="offenders",
                                verbose_name="支援措置")
    name = models.CharField("氏名", max_length=200)
    name_kana = models.CharField("氏名カナ", max_length=200, blank=True)
    birth_date = models.DateField("生年月日", null=True, blank=True)
    address = models.CharField("住所", max_length=300, blank=True)
    person = models.ForeignKey("register.Person", on_delete=models.PROTECT, null=True, blank=True,
                               related_name="+", verbose_name="加害者（住民の場合）")
    #: Folded keys for matching requesters (NFKC, no spaces, variant kanji folded; kana 清音化).
    name_key = models.CharField("氏名検索キー", max_length=200, editable=False)
    kana_key = models.CharField("カナ検索キー", max_length=200, blank=True, editable=False)

    class Meta:
        verbose_name = "加害者"
        verbose_name_plural = "加害者"
        ordering = ["pk"]
        indexes = [models.Index(fields=["name_key"], name="protection_offender_key")]

    def __str__(self) -> str:
        return f"加害者 {self.pk}"


class AttemptOutcome(models.TextChoices):
    REFUSED = "refused", "交付拒否"
    WARNED = "warned", "警告の上で受付"


class AttemptReason(models.TextChoices):
    """Why the attempt was refused or allowed (判定理由)."""

    OFFENDER = "offender", "加害者からの請求"
    THIRD_PARTY = "third_party", "第三者からの請求（12条の3）"
    PUBLIC_BODY = "public_body", "国又は地方公共団体の機関からの請求（12条の2）"
    SELF = "self", "本人又は同一世帯の者からの請求（12条）"


class ProtectionAttempt(models.Model):
    """支援対象者に係る交付請求の記録: every issuance attempt touching a protected person."""

    occurred_at = models.DateTimeField("日時")
    staff_id = models.CharField("受付職員ID", max_length=64)
    terminal_id = models.CharField("端末ID", max_length=64, blank=True)
    requester_type = models.CharField("請求者の区分", max_length=16)
    requester_name = models.CharField("請求者氏名・名称", max_length=200, blank=True)
    requester_person = models.ForeignKey("register.Person", on_delete=models.PROTECT, null=True, blank=True,
                                         related_name="+", verbose_name="請求者（住民の場合）")
    document_type = models.CharField("証明書の種類", max_length=32)
    #: Addressee numbers of the protected persons in the request.
    person_ids = models.JSONField("支援対象者の宛名番号", default=list)
    measures = models.ManyToManyField(ProtectionMeasure, related_name="attempts", verbose_name="支援措置")
    outcome = models.CharField("結果", max_length=16, choices=AttemptOutcome.choices)
    reason = models.CharField("判定理由", max_length=16, choices=AttemptReason.choices)
    acknowledged_by = models.CharField("確認した支援措置担当", max_length=64, blank=True)
    acknowledged_at = models.DateTimeField("確認日時", null=True, blank=True)
    acknowledge_comment = models.TextField("確認のコメント", blank=True)

    class Meta:
        verbose_name = "支援対象者に係る交付請求"
        verbose_name_plural = "支援対象者に係る交付請求"
        ordering = ["-occurred_at", "-pk"]

    def __str__(self) -> str:
        return f"交付請求の記録 {self.pk}"
