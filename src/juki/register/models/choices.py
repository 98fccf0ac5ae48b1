"""Code lists of the resident register (コード表).

Values are stable ASCII codes stored in the database and sent to other systems; labels are
the standard Japanese wording shown on screens and certificates. Codes are never reused.
"""

from __future__ import annotations

from django.db import models


class Sex(models.IntegerChoices):
    """性別. Values follow ISO/IEC 5218 (JIS X 0303): 1 male, 2 female."""

    MALE = 1, "男"
    FEMALE = 2, "女"


class ResidentKind(models.TextChoices):
    """住民種別: Japanese national or foreign resident (住基法30条の45)."""

    JAPANESE = "japanese", "日本人住民"
    FOREIGN = "foreign", "外国人住民"


class RecordStatus(models.TextChoices):
    """住民状態: on the register, or removed (除票, kept 150 years — 住基法施行令34条)."""

    RESIDENT = "resident", "住民"
    REMOVED = "removed", "消除（除票）"


class DatePrecision(models.TextChoices):
    """How much of a date is known (生年月日不詳区分). Unknown parts are stored as NULL."""

    FULL = "full", "年月日"
    YEAR_MONTH = "year_month", "日不詳"
    YEAR = "year", "月日不詳"
    UNKNOWN = "unknown", "年月日不詳"


class ChangeReason(models.TextChoices):
    """異動事由: why a version of the record was written. One handler per kind (docs/register.md)."""

    INITIAL = "initial", "初期登録（移行）"
    BIRTH = "birth", "出生"
    MOVE_IN = "move_in", "転入"
    MOVE_IN_FROM_ABROAD = "move_in_abroad", "国外からの転入"
    MOVE_WITHIN = "move_within", "転居"
    MOVE_OUT = "move_out", "転出"
    MOVE_ABROAD = "move_abroad", "国外転出"
    DEATH = "death", "死亡"
    HOUSEHOLD_CHANGE = "household_change", "世帯変更"
    NAME_CHANGE = "name_change", "氏名の変更"
    DOMICILE_CHANGE = "domicile_change", "本籍・筆頭者の変更"
    FORMER_SURNAME = "former_surname", "旧氏の記載・削除"
    FURIGANA = "furigana", "振り仮名の記載・変更"
    FOREIGN_RESIDENT_ENTRY = "foreign_entry", "外国人住民の記載（法30条の46・47）"
    FOREIGN_STATUS_CHANGE = "foreign_status", "在留資格等の変更"
    NATIONALITY_CHANGE = "nationality", "国籍等の変更"
    ALIAS = "alias", "通称の記載・削除"
    MY_NUMBER_CHANGE = "my_number_change", "個人番号の変更"
    RESIDENT_CODE_CHANGE = "resident_code_change", "住民票コードの変更"
    EX_OFFICIO_ENTRY = "ex_officio_entry", "職権記載"
    EX_OFFICIO_CORRECTION = "ex_officio_correction", "職権修正"
    EX_OFFICIO_REMOVAL = "ex_officio_removal", "職権消除"
    RESTORATION = "restoration", "回復"
    LAW_ENFORCEMENT = "law_enforcement", "法施行"


class RemovalReason(models.TextChoices):
    """消除事由."""

    MOVE_OUT = "move_out", "転出"
    MOVE_ABROAD = "move_abroad", "国外転出"
    DEATH = "death", "死亡"
    EX_OFFICIO = "ex_officio", "職権消除"
    STAY_EXPIRED = "stay_expired", "在留期間満了等"
    NATURALISATION = "naturalisation", "日本国籍の取得"
    LOSS_OF_NATIONALITY = "loss_of_nationality", "日本国籍の喪失"
    DECLARED_MISSING = "declared_missing", "失踪宣告"


class Relationship(models.TextChoices):
    """続柄 (relationship to the householder), in the standard wording of 住民基本台帳事務処理要領.

    Children of either sex are 「子」 (not 長男・長女); a partner in a de facto marriage is
    「妻（未届）」/「夫（未届）」.
    """

    HOUSEHOLDER = "householder", "世帯主"
    WIFE = "wife", "妻"
    HUSBAND = "husband", "夫"
    WIFE_UNREGISTERED = "wife_unregistered", "妻（未届）"
    HUSBAND_UNREGISTERED = "husband_unregistered", "夫（未届）"
    CHILD = "child", "子"
    WIFE_CHILD = "wife_child", "妻の子"
    HUSBAND_CHILD = "husband_child", "夫の子"
    FATHER = "father", "父"
    MOTHER = "mother", "母"
    WIFE_FATHER = "wife_father", "妻の父"
    WIFE_MOTHER = "wife_mother", "妻の母"
    HUSBAND_FATHER = "husband_father", "夫の父"
    HUSBAND_MOTHER = "husband_mother", "夫の母"
    CHILD_WIFE = "child_wife", "子の妻"
    CHILD_HUSBAND = "child_husband", "子の夫"
    GRANDCHILD = "grandchild", "孫"
    GREAT_GRANDCHILD = "great_grandchild", "曾孫"
    GRANDFATHER = "grandfather", "祖父"
    GRANDMOTHER = "grandmother", "祖母"
    ELDER_BROTHER = "elder_brother", "兄"
    ELDER_SISTER = "elder_sister", "姉"
    YOUNGER_BROTHER = "younger_brother", "弟"
    YOUNGER_SISTER = "younger_sister", "妹"
    KIN = "kin", "縁故者"
    LODGER = "lodger", "同居人"


class FuriganaCertification(models.TextChoices):
    """氏名の振り仮名公証区分 (added with the 2025 furigana law change).

    The official code list was not available to us; these three states are what the record
    must distinguish: no furigana, furigana recorded but not (yet) certified through the
    family register, and certified furigana.
    """

    NONE = "none", "未記載"
    UNCERTIFIED = "uncertified", "未公証"
    CERTIFIED = "certified", "公証済"


class ForeignResidentCategory(models.TextChoices):
    """住基法30条の45の表の上欄の区分 (who among foreign nationals gets a resident record)."""

    MID_TO_LONG_TERM = "mid_long_term", "中長期在留者"
    SPECIAL_PERMANENT = "special_permanent", "特別永住者"
    TEMPORARY_REFUGE = "temporary_refuge", "一時庇護許可者"
    PROVISIONAL_STAY = "provisional_stay", "仮滞在許可者"
    TRANSITIONAL_BIRTH = "transitional_birth", "出生による経過滞在者"
    TRANSITIONAL_NATIONALITY_LOSS = "transitional_loss", "国籍喪失による経過滞在者"


class ResidenceCardKind(models.TextChoices):
    """在留カード等番号区分."""

    RESIDENCE_CARD = "residence_card", "在留カード"
    SPECIAL_PERMANENT_CERTIFICATE = "special_permanent_certificate", "特別永住者証明書"


class ResidenceStatus(models.TextChoices):
    """在留資格 (出入国管理及び難民認定法 別表第一・第二)."""

    DIPLOMAT = "diplomat", "外交"
    OFFICIAL = "official", "公用"
    PROFESSOR = "professor", "教授"
    ARTIST = "artist", "芸術"
    RELIGIOUS = "religious", "宗教"
    JOURNALIST = "journalist", "報道"
    HIGHLY_SKILLED = "highly_skilled", "高度専門職"
    BUSINESS_MANAGER = "business_manager", "経営・管理"
    LEGAL_ACCOUNTING = "legal_accounting", "法律・会計業務"
    MEDICAL = "medical", "医療"
    RESEARCHER = "researcher", "研究"
    INSTRUCTOR = "instructor", "教育"
    ENGINEER_HUMANITIES = "engineer_humanities", "技術・人文知識・国際業務"
    INTRA_COMPANY = "intra_company", "企業内転勤"
    NURSING_CARE = "nursing_care", "介護"
    ENTERTAINER = "entertainer", "興行"
    SKILLED_LABOR = "skilled_labor", "技能"
    SPECIFIED_SKILLED = "specified_skilled", "特定技能"
    TECHNICAL_INTERN = "technical_intern", "技能実習"
    CULTURAL_ACTIVITIES = "cultural_activities", "文化活動"
    STUDENT = "student", "留学"
    TRAINEE = "trainee", "研修"
    DEPENDENT = "dependent", "家族滞在"
    DESIGNATED_ACTIVITIES = "designated_activities", "特定活動"
    PERMANENT_RESIDENT = "permanent_resident", "永住者"
    SPOUSE_OF_JAPANESE = "spouse_of_japanese", "日本人の配偶者等"
    SPOUSE_OF_PERMANENT = "spouse_of_permanent", "永住者の配偶者等"
    LONG_TERM_RESIDENT = "long_term_resident", "定住者"


class DistrictKind(models.TextChoices):
    """Kinds of district a town block belongs to (学区・投票区)."""

    ELEMENTARY_SCHOOL = "elementary", "小学校区"
    JUNIOR_HIGH_SCHOOL = "junior_high", "中学校区"
    VOTING = "voting", "投票区"
