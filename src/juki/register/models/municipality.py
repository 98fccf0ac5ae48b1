"""The municipality and its town-block master (市区町村・町丁字マスタ)."""

from __future__ import annotations

from django.db import models

from .choices import DistrictKind
from .validators import validate_lg_code


class Municipality(models.Model):
    """市区町村: the local government keeping this register (one per register node)."""

    lg_code = models.CharField(
        "地方公共団体コード", max_length=6, unique=True, validators=[validate_lg_code],
        help_text="検査数字を含む6桁（例: 秋田市 052019）",
    )
    name = models.CharField("市区町村名", max_length=50)
    name_kana = models.CharField("市区町村名カナ", max_length=100, blank=True)
    prefecture = models.CharField("都道府県名", max_length=10)
    prefecture_kana = models.CharField("都道府県名カナ", max_length=20, blank=True)
    mayor_title = models.CharField("首長の職名", max_length=30, help_text="例: 秋田市長")
    mayor_name = models.CharField("首長の氏名", max_length=100)

    class Meta:
        verbose_name = "市区町村"
        verbose_name_plural = "市区町村"

    def __str__(self) -> str:
        return f"{self.prefecture}{self.name}（{self.lg_code}）"


class District(models.Model):
    """学区・投票区: a school district or voting district that town blocks belong to."""

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="districts")
    kind = models.CharField("区分", max_length=16, choices=DistrictKind.choices)
    code = models.CharField("コード", max_length=12)
    name = models.CharField("名称", max_length=100)

    class Meta:
        verbose_name = "学区・投票区"
        verbose_name_plural = "学区・投票区"
        constraints = [
            models.UniqueConstraint(fields=["municipality", "kind", "code"], name="district_unique_code"),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.code} {self.name}"


class TownBlock(models.Model):
    """町丁字: an area of the municipality (e.g. 山王一丁目), the unit addresses are built from.

    Districts are held per town block — a first cut: where a school or voting district
    boundary splits a town block by 番地, a finer table will be needed.
    """

    municipality = models.ForeignKey(Municipality, on_delete=models.PROTECT, related_name="town_blocks")
    code = models.CharField("町丁字コード", max_length=12, help_text="大字・町丁目コード＋小字コード")
    name = models.CharField("町丁字名", max_length=100)
    name_kana = models.CharField("町丁字名カナ", max_length=200)
    postcode = models.CharField("郵便番号", max_length=7, help_text="ハイフンなし7桁")
    uses_residence_indication = models.BooleanField(
        "住居表示実施", default=False, help_text="実施済みは「1番2号」、未実施は「123番地4」"
    )
    elementary_school_district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="小学校区",
    )
    junior_high_school_district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="中学校区",
    )
    voting_district = models.ForeignKey(
        District, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name="投票区",
    )
    established_on = models.DateField("設定日", null=True, blank=True)
    abolished_on = models.DateField("廃止日", null=True, blank=True, help_text="町名変更等で使われなくなった日")

    class Meta:
        verbose_name = "町丁字"
        verbose_name_plural = "町丁字"
        ordering = ["code"]
        constraints = [
            models.UniqueConstraint(fields=["municipality", "code"], name="townblock_unique_code"),
        ]
        indexes = [models.Index(fields=["name_kana"], name="townblock_kana")]

    def __str__(self) -> str:
        return f"{self.code} {self.name}"

    @property
    def postcode_display(self) -> str:
        return f"{self.postcode[:3]}-{self.postcode[3:]}" if len(self.postcode) == 7 else self.postcode
