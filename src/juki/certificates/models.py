"""Certificate requests (交付請求) and the issuance ledger (交付簿).

One :class:`CertificateRequest` records who asked, under which article of the Basic Resident
Registers Act (住基法12条 / 12条の2 / 12条の3), with which identity document, for what purpose,
for which document and persons, and the fee. Each PDF produced for it — first issue or reprint —
is one :class:`Certificate` row in the ledger; a voided certificate stays in the ledger with who
voided it and why. Models hold no logic: rules and writes are in :mod:`juki.certificates.actions`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from juki.register.requesters import IdentityDocument


class DocumentType(models.TextChoices):
    """証明書の種類."""

    RESIDENT_COPY_HOUSEHOLD = "copy_household", "住民票の写し（世帯連記式）"
    RESIDENT_COPY_PERSONAL = "copy_personal", "住民票の写し（個人票）"
    ENTRY_CERTIFICATE = "entry_certificate", "住民票記載事項証明書"
    REMOVED_COPY = "removed_copy", "除票の写し"
    MOVE_OUT_CERTIFICATE = "move_out", "転出証明書"
    NO_RECORD = "no_record", "不在住証明書"


class RequesterType(models.TextChoices):
    """請求者の区分 (住民基本台帳法)."""

    SELF_OR_HOUSEHOLD = "self", "本人又は同一世帯の者（12条）"
    PUBLIC_BODY = "public_body", "国又は地方公共団体の機関（12条の2）"
    THIRD_PARTY = "third_party", "本人等以外の者（12条の3）"


class PurposeCategory(models.TextChoices):
    """12条の3第1項: the grounds on which a third party may ask (請求事由の区分)."""

    OWN_RIGHTS = "own_rights", "自己の権利を行使し、又は自己の義務を履行するために必要"
    SUBMISSION = "submission", "国又は地方公共団体の機関に提出する必要"
    OTHER_LEGITIMATE = "other_legitimate", "その他住民票の記載事項を利用する正当な理由"


class CertificateRequest(models.Model):
    """交付請求: one request at the counter (or from a public body / third party)."""

    received_by = models.CharField("受付職員ID", max_length=64)
    received_at = models.DateTimeField("受付日時")
    requester_type = models.CharField("請求者の区分", max_length=16, choices=RequesterType.choices)
    requester_name = models.CharField("請求者氏名・名称", max_length=200)
    requester_address = models.CharField("請求者住所・所在地", max_length=300, blank=True)
    requester_relation = models.CharField("対象者との関係", max_length=64, blank=True)
    requester_person = models.ForeignKey(
        "register.Person", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="請求者（住民の場合）")
    identity_document = models.CharField("本人確認書類", max_length=32, choices=IdentityDocument.choices)
    identity_document_note = models.CharField("本人確認の補足", max_length=200, blank=True)
    purpose = models.TextField("請求事由（利用目的）", blank=True)
    #: 12条の3 requests: which of the law's grounds the purpose falls under.
    purpose_category = models.CharField("請求事由の区分", max_length=32, choices=PurposeCategory.choices, blank=True)
    document_type = models.CharField("証明書の種類", max_length=32, choices=DocumentType.choices)
    #: Addressee numbers (宛名番号) of the persons the document is about, in print order.
    person_ids = models.JSONField("対象者の宛名番号", default=list)
    #: Items to include (世帯主・続柄, 本籍・筆頭者, 住民票コード, 個人番号, 履歴 ...); see documents.
    options = models.JSONField("記載事項の選択", default=dict)
    #: For 不在住証明: the name, birth date and address the requester asked about.
    subject_query = models.JSONField("不在住証明の照会内容", default=dict, blank=True)
    copies = models.PositiveSmallIntegerField("通数", default=1)
    fee_yen = models.PositiveIntegerField("手数料（円）", default=0)
    fee_exemption = models.CharField("手数料免除事由", max_length=64, blank=True)

    class Meta:
        verbose_name = "交付請求"
        verbose_name_plural = "交付請求"
        ordering = ["-received_at", "-pk"]
        constraints = [
            # 12条の3: a third party must state a purpose (defence in depth for the action's rule).
            models.CheckConstraint(condition=~Q(requester_type="third_party") | ~Q(purpose=""),
                                   name="cert_third_party_has_purpose"),
            # 12条の3第1項: and says on which of the law's grounds; 12条の2: a public body states its purpose.
            models.CheckConstraint(condition=~Q(requester_type="third_party") | ~Q(purpose_category=""),
                                   name="cert_third_party_has_ground"),
            models.CheckConstraint(condition=~Q(requester_type="public_body") | ~Q(purpose=""),
                                   name="cert_public_body_has_purpose"),
            models.CheckConstraint(condition=Q(copies__gte=1), name="cert_copies_positive"),
        ]

    def __str__(self) -> str:
        return f"交付請求 {self.pk} {self.document_type}"


class CertificateStatus(models.TextChoices):
    ISSUED = "issued", "交付済み"
    VOIDED = "voided", "無効"


class Certificate(models.Model):
    """交付簿の1行: one produced certificate (first issue or reprint)."""

    request = models.ForeignKey(CertificateRequest, on_delete=models.PROTECT, related_name="certificates",
                                verbose_name="交付請求")
    issuance_number = models.CharField("交付番号", max_length=32, unique=True)
    document_type = models.CharField("証明書の種類", max_length=32, choices=DocumentType.choices)
    person_ids = models.JSONField("対象者の宛名番号", default=list)
    issued_by = models.CharField("交付職員ID", max_length=64)
    issued_at = models.DateTimeField("交付日時")
    issued_on = models.DateField("証明日")
    reprint_of = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="reprints", verbose_name="再交付元")
    status = models.CharField("状態", max_length=16, choices=CertificateStatus.choices,
                              default=CertificateStatus.ISSUED)
    voided_by = models.CharField("無効にした職員ID", max_length=64, blank=True)
    voided_at = models.DateTimeField("無効日時", null=True, blank=True)
    void_reason = models.TextField("無効の理由", blank=True)
    #: Public verification: the code printed on the page (and in its QR code) and the SHA-256 of
    #: the signed PDF as issued. Neither reveals personal data.
    verification_code = models.CharField("照合番号", max_length=32, unique=True)
    content_sha256 = models.CharField("PDFのSHA-256", max_length=64)
    page_count = models.PositiveSmallIntegerField("枚数", default=1)
    fee_yen = models.PositiveIntegerField("手数料（円）", default=0)
    #: The signed PDF, encrypted (AES-GCM under the key provider), kept for reprints and disclosure.
    pdf_enc = models.BinaryField("PDF（暗号化）", null=True, blank=True, editable=False)

    class Meta:
        verbose_name = "交付簿"
        verbose_name_plural = "交付簿"
        ordering = ["-issued_at", "-pk"]
        constraints = [
            models.CheckConstraint(
                condition=Q(status="issued") | (~Q(voided_by="") & Q(voided_at__isnull=False)),
                name="cert_voided_has_who_and_when"),
        ]
        indexes = [models.Index(fields=["issued_on"], name="cert_issued_on")]

    def __str__(self) -> str:
        return f"交付番号 {self.issuance_number}"
