"""Resident record versions (住民票とその履歴).

Each confirmed change writes a new, immutable :class:`ResidentRecord` row for the person; the
previous version is kept and marked superseded. The current record is the row with
``is_current`` set (one per person, enforced by a partial unique constraint), so screens and
searches read one row per person without walking history.

Every version carries the three times of DESIGN §5: when the change was notified
(``notified_on``, 届出日), when it took effect (``valid_from``, 異動日) and when it was recorded
(``recorded_at``, 処理日時); ``superseded_at`` is the recorded time of the version that
replaced it. The record as of a past date is the version with the latest ``valid_from`` on or
before that date (ties broken by ``version``); as known at a past moment, restrict to versions
recorded by then.

Items follow the union of what the source cities hold (Koriyama 別添2 (1): 182 items, Akita
別添2 (1): 59 items; the record items of their 全項目評価書) that a register needs. Items of other
departments' businesses (insurance, pension, allowance eligibility) are not register items and
are left to them.

My Number is never stored in clear: ``my_number_enc`` holds the AES-GCM ciphertext and
``my_number_index`` a keyed HMAC for exact-match search (:mod:`juki.register.my_numbers`).

Models hold no business logic: rules and writes live in plain functions and actions.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from .choices import (
    ChangeReason,
    DatePrecision,
    ForeignResidentCategory,
    FuriganaCertification,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidenceCardKind,
    ResidenceStatus,
    ResidentKind,
    Sex,
)
from .municipality import TownBlock
from .person import Household, Person
from .validators import validate_resident_code

_CURRENT = Q(is_current=True)


def join_name(family: str, given: str) -> str:
    """A name written out: family name first, a full-width space before a given name (if any)."""
    return f"{family}\u3000{given}" if given else family


def join_kana(family_kana: str, given_kana: str) -> str:
    """氏名カナ written out: the two parts with a full-width space, none at either end."""
    return f"{family_kana}\u3000{given_kana}".strip("\u3000")


class ResidentRecord(models.Model):
    """住民票（版）: one version of one person's resident record."""

    # --- version (履歴) ------------------------------------------------------------------
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="records", verbose_name="個人")
    version = models.PositiveIntegerField("個人履歴番号")
    is_current = models.BooleanField("現在の版", default=True)
    valid_from = models.DateField("異動日", help_text="この版の内容が効力を持った日")
    valid_to = models.DateField(
        "効力の終わり", null=True, blank=True, editable=False,
        help_text="次の版の異動日（この日を含まない）。最後の版は空欄。データベースのトリガーが設定する"
                  "（juki.register.validity）",
    )
    notified_on = models.DateField("届出日", null=True, blank=True, help_text="職権による場合は空欄")
    recorded_at = models.DateTimeField("処理日時")
    superseded_at = models.DateTimeField("次の版の処理日時", null=True, blank=True)
    change_reason = models.CharField("異動事由", max_length=32, choices=ChangeReason.choices)
    recorded_by = models.CharField("更新職員ID", max_length=64, blank=True)
    terminal_id = models.CharField("端末ID", max_length=64, blank=True)

    # --- status (住民状態) -----------------------------------------------------------------
    resident_kind = models.CharField("住民種別", max_length=16, choices=ResidentKind.choices)
    status = models.CharField("住民状態", max_length=16, choices=RecordStatus.choices, default=RecordStatus.RESIDENT)
    removal_reason = models.CharField("消除事由", max_length=32, choices=RemovalReason.choices, blank=True)
    removed_on = models.DateField("消除日（住民でなくなった日）", null=True, blank=True)
    removal_notified_on = models.DateField("消除届出日", null=True, blank=True)
    removal_date_note = models.CharField("消除日不詳文字", max_length=50, blank=True)
    retention_until = models.DateField(
        "保存期限", null=True, blank=True, help_text="消除日から150年（住基法施行令34条）"
    )

    # --- names (氏名) ----------------------------------------------------------------------
    family_name = models.CharField("氏", max_length=100, help_text="異体字はIVS付きで登録どおりに保持")
    given_name = models.CharField("名", max_length=100, blank=True)
    family_name_kana = models.CharField("氏カナ", max_length=100, blank=True)
    given_name_kana = models.CharField("名カナ", max_length=100, blank=True)
    family_name_furigana = models.CharField("氏の振り仮名", max_length=100, blank=True)
    given_name_furigana = models.CharField("名の振り仮名", max_length=100, blank=True)
    furigana_certification = models.CharField(
        "氏名の振り仮名公証区分", max_length=16, choices=FuriganaCertification.choices,
        default=FuriganaCertification.NONE,
    )
    alphabet_name = models.CharField("アルファベット氏名", max_length=200, blank=True)
    concurrent_name = models.CharField("併記名", max_length=100, blank=True, help_text="外国人住民の漢字併記名")
    concurrent_name_kana = models.CharField("併記名カナ", max_length=200, blank=True)
    alias_name = models.CharField("通称", max_length=100, blank=True)
    alias_name_kana = models.CharField("通称カナ", max_length=200, blank=True)
    former_surname = models.CharField("旧氏", max_length=100, blank=True)
    former_surname_kana = models.CharField("旧氏カナ", max_length=100, blank=True)
    former_surname_romaji = models.CharField("旧氏ローマ字", max_length=100, blank=True)
    former_surname_furigana_certification = models.CharField(
        "旧氏の振り仮名公証区分", max_length=16, choices=FuriganaCertification.choices,
        default=FuriganaCertification.NONE,
    )
    # Search keys, written with the record by the writer (juki.register.names).
    name_kana_key = models.CharField("検索用カナ（清音化）", max_length=200, blank=True, editable=False)
    name_key = models.CharField("検索用氏名（異体字セレクタ除去）", max_length=200, blank=True, editable=False)

    # --- birth and sex (生年月日・性別) -----------------------------------------------------
    birth_year = models.PositiveSmallIntegerField("生年", null=True, blank=True)
    birth_month = models.PositiveSmallIntegerField("生月", null=True, blank=True)
    birth_day = models.PositiveSmallIntegerField("生日", null=True, blank=True)
    birth_date_precision = models.CharField(
        "生年月日不詳区分", max_length=16, choices=DatePrecision.choices, default=DatePrecision.FULL
    )
    birth_date_note = models.CharField("生年月日不詳文字", max_length=50, blank=True)
    sex = models.PositiveSmallIntegerField("性別", choices=Sex.choices)

    # --- address (住所) --------------------------------------------------------------------
    town_block = models.ForeignKey(
        TownBlock, on_delete=models.PROTECT, related_name="records", verbose_name="町丁字"
    )
    banchi = models.CharField("番地", max_length=100, blank=True, help_text="例: 1番2号、123番地4")
    katagaki = models.CharField("方書", max_length=200, blank=True)
    katagaki_kana = models.CharField("方書カナ", max_length=300, blank=True)
    katagaki_hidden = models.BooleanField("方書非表示", default=False)

    # --- household (世帯) ------------------------------------------------------------------
    household = models.ForeignKey(
        Household, on_delete=models.PROTECT, related_name="records", verbose_name="世帯"
    )
    relationship = models.CharField("続柄", max_length=32, choices=Relationship.choices)
    listing_order = models.PositiveSmallIntegerField("記載順位")

    # --- domicile (本籍・筆頭者), Japanese residents only -----------------------------------
    domicile = models.CharField("本籍", max_length=200, blank=True)
    domicile_head = models.CharField("筆頭者", max_length=100, blank=True)

    # --- numbers ------------------------------------------------------------------------
    resident_code = models.CharField(
        "住民票コード", max_length=11, blank=True, validators=[validate_resident_code]
    )
    my_number_enc = models.BinaryField("個人番号（暗号化）", null=True, blank=True, editable=False)
    my_number_index = models.CharField("個人番号検索キー", max_length=100, blank=True, editable=False)

    # --- foreign residents (外国人住民, 住基法30条の45) -------------------------------------
    foreign_category = models.CharField(
        "法30条の45規定区分", max_length=32, choices=ForeignResidentCategory.choices, blank=True
    )
    nationality_code = models.CharField("国籍コード", max_length=3, blank=True, help_text="ISO 3166-1 alpha-2")
    nationality = models.CharField("国籍・地域", max_length=50, blank=True)
    residence_status = models.CharField("在留資格", max_length=32, choices=ResidenceStatus.choices, blank=True)
    stay_years = models.PositiveSmallIntegerField("在留期間（年）", null=True, blank=True)
    stay_months = models.PositiveSmallIntegerField("在留期間（月）", null=True, blank=True)
    stay_days = models.PositiveSmallIntegerField("在留期間（日）", null=True, blank=True)
    stay_expires_on = models.DateField("在留期間の満了の日", null=True, blank=True)
    residence_card_no = models.CharField("在留カード等番号", max_length=12, blank=True)
    residence_card_kind = models.CharField(
        "在留カード等番号区分", max_length=32, choices=ResidenceCardKind.choices, blank=True
    )
    became_foreign_resident_on = models.DateField("外国人住民となった日", null=True, blank=True)

    # --- dates (住民となった日・住所を定めた日) ------------------------------------------------
    became_resident_on = models.DateField("住民となった日", null=True, blank=True)
    became_resident_reason = models.CharField(
        "住民となった事由", max_length=32, choices=ChangeReason.choices, blank=True
    )
    became_resident_note = models.CharField("住民日不詳文字", max_length=50, blank=True)
    address_established_on = models.DateField("住所を定めた日", null=True, blank=True)
    address_established_notified_on = models.DateField("住定届出日", null=True, blank=True)
    address_established_note = models.CharField("住定日不詳文字", max_length=50, blank=True)

    # --- previous and other addresses (前住所・転入前住所・転出先) ----------------------------
    previous_address = models.CharField("前住所", max_length=300, blank=True)
    previous_householder = models.CharField("前住所の世帯主", max_length=100, blank=True)
    pre_move_in_address = models.CharField("転入前住所", max_length=300, blank=True)
    pre_move_in_householder = models.CharField("転入前住所の世帯主", max_length=100, blank=True)
    planned_move_out_address = models.CharField("転出予定先住所", max_length=300, blank=True)
    planned_move_out_householder = models.CharField("転出予定先の世帯主", max_length=100, blank=True)
    planned_move_out_on = models.DateField("転出予定日", null=True, blank=True)
    planned_move_out_notified_on = models.DateField("転出届出日", null=True, blank=True)
    confirmed_move_out_address = models.CharField("転出確定住所", max_length=300, blank=True)
    confirmed_move_out_on = models.DateField("転出確定日（実定日）", null=True, blank=True)
    confirmed_move_out_notice_on = models.DateField("転出確定通知日", null=True, blank=True)

    remarks = models.TextField("備考", blank=True)

    class Meta:
        verbose_name = "住民票"
        verbose_name_plural = "住民票"
        ordering = ["person_id", "version"]
        constraints = [
            models.UniqueConstraint(fields=["person", "version"], name="record_unique_version"),
            models.UniqueConstraint(fields=["person"], condition=_CURRENT, name="record_one_current_per_person"),
            models.UniqueConstraint(
                fields=["resident_code"], condition=_CURRENT & ~Q(resident_code=""),
                name="record_current_resident_code_unique",
            ),
            models.UniqueConstraint(
                fields=["my_number_index"], condition=_CURRENT & ~Q(my_number_index=""),
                name="record_current_my_number_unique",
            ),
            models.CheckConstraint(
                condition=Q(status=RecordStatus.RESIDENT) | Q(retention_until__isnull=False),
                name="record_removed_has_retention",
            ),
            models.CheckConstraint(
                condition=(
                    Q(birth_date_precision=DatePrecision.FULL, birth_year__isnull=False,
                      birth_month__isnull=False, birth_day__isnull=False)
                    | Q(birth_date_precision=DatePrecision.YEAR_MONTH, birth_year__isnull=False,
                        birth_month__isnull=False, birth_day__isnull=True)
                    | Q(birth_date_precision=DatePrecision.YEAR, birth_year__isnull=False,
                        birth_month__isnull=True, birth_day__isnull=True)
                    | Q(birth_date_precision=DatePrecision.UNKNOWN, birth_year__isnull=True,
                        birth_month__isnull=True, birth_day__isnull=True)
                ),
                name="record_birth_date_precision",
            ),
            models.CheckConstraint(condition=Q(listing_order__gte=1), name="record_listing_order_positive"),
        ]
        indexes = [
            models.Index(
                fields=["name_kana_key", "birth_year", "birth_month", "birth_day"], condition=_CURRENT,
                name="record_cur_kana_birth",
            ),
            models.Index(fields=["name_key"], condition=_CURRENT, name="record_cur_name"),
            # a birth date (or year) with a Latin-letter name: without it the search walked the
            # whole name index for the year (838 ms at 3.8 M residents; 100 ms with it — docs/performance.md)
            models.Index(fields=["birth_year", "birth_month", "birth_day"], condition=_CURRENT, name="record_cur_birth"),
            models.Index(fields=["town_block", "banchi"], condition=_CURRENT, name="record_cur_address"),
            models.Index(fields=["household", "listing_order"], condition=_CURRENT, name="record_cur_household"),
            models.Index(fields=["person", "valid_from", "version"], name="record_person_asof"),
            # The population as of a day (juki.stats.population): the resident rows in force
            # (status, then the validity interval), read from this index alone — every column
            # the statistics need is a key column, so it covers on SQLite too (no INCLUDE there).
            models.Index(
                fields=["status", "valid_to", "valid_from", "town_block", "household", "sex", "resident_kind",
                        "birth_year", "birth_month", "birth_day"],
                name="record_resident_in_force",
            ),
            models.Index(fields=["resident_code"], name="record_resident_code"),
            models.Index(fields=["my_number_index"], name="record_my_number_index"),
            models.Index(
                fields=["retention_until"], condition=_CURRENT & Q(status=RecordStatus.REMOVED),
                name="record_cur_removed_retention",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person_id} v{self.version} {self.full_name}"

    @property
    def full_name(self) -> str:
        """氏名 as registered (IVS kept), family name first, separated by a full-width space."""
        return join_name(self.family_name, self.given_name)

    @property
    def full_name_kana(self) -> str:
        return join_kana(self.family_name_kana, self.given_name_kana)
