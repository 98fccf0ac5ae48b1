"""Foreign residents (外国人住民): 在留資格等の変更 and 国籍等の変更 from the Minister of Justice's
notices (住基法30条の50), 通称の記載・削除 (住基法施行令30条の26)."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.register.factories import add_household, small_city

from juki.core import clock
from juki.register.history import record_as_of
from juki.register.models import ResidentRecord

from .family_foreign_helpers import apply, current, enter, events, foreign, kinds_of, refused

pytestmark = pytest.mark.django_db

EXPIRES = clock.today() + dt.timedelta(days=3 * 365)


@pytest.fixture
def city():
    return small_city()


@pytest.fixture
def resident(city):
    (p,) = add_household(city, [foreign()])
    return p


# --- 在留資格等の変更 ----------------------------------------------------------------------------

def test_a_change_of_status_and_period_is_recorded_from_the_ministry_notice(resident, clerk, approver):
    """住基法30条の50: the Minister of Justice notifies the new 在留資格・在留期間・満了の日・在留カード等番号;
    they are recorded ex officio (no notification date needed). None is an identity item
    (住基法30条の6), so only intra-office linkage is sent."""
    change = apply(clerk, approver, "foreign_status", {
        "person": resident.person_id, "residence_status": "spouse_of_japanese", "stay_years": 3, "stay_months": 0,
        "stay_expires_on": EXPIRES.isoformat(), "residence_card_no": "cd98765432ef",
    }, notified_on=None)
    rec = current(resident.person_id)
    assert (rec.residence_status, rec.stay_years, rec.stay_expires_on, rec.residence_card_no) == (
        "spouse_of_japanese", 3, EXPIRES, "CD98765432EF")
    assert rec.change_reason == "foreign_status" and rec.notified_on is None
    assert ResidentRecord.objects.get(pk=resident.pk).residence_status == "engineer_humanities"
    assert kinds_of(change) == ["intra_office"]
    (intra,) = events(change)
    assert intra.payload["items"] == ["residence_card_no", "residence_status", "stay_expires_on", "stay_months"]


def test_permission_for_permanent_residence_clears_the_period_of_stay(resident, clerk, approver):
    """入管法22条: 永住者 has no period of stay, so 在留期間 and 満了の日 are cleared."""
    apply(clerk, approver, "foreign_status", {"person": resident.person_id, "residence_status": "permanent_resident"})
    rec = current(resident.person_id)
    assert (rec.residence_status, rec.stay_years, rec.stay_expires_on) == ("permanent_resident", None, None)
    with refused("FOREIGN_STAY_NOT_APPLICABLE"):
        enter(clerk, "foreign_status", {"person": resident.person_id, "stay_years": 5})


def test_a_special_permanent_resident_has_no_status_of_residence(city, clerk, approver):
    """入管特例法: 特別永住者 hold a 特別永住者証明書 and no 在留資格 (住基法30条の45区分)."""
    (p,) = add_household(city, [foreign(foreign_category="special_permanent", residence_status="", stay_years=None,
                                        stay_expires_on=None, residence_card_kind="special_permanent_certificate")])
    with refused("FOREIGN_STATUS_SPECIAL_PERMANENT"):
        enter(clerk, "foreign_status", {"person": p.person_id, "residence_status": "student"})
    apply(clerk, approver, "foreign_status", {"person": p.person_id, "residence_card_no": "XY11112222ZZ"})
    assert current(p.person_id).residence_card_no == "XY11112222ZZ"


def test_a_period_of_three_months_or_less_is_not_a_mid_to_long_term_stay(resident, clerk):
    """入管法19条の3第1号 / 住基法30条の45: 在留期間が3月以下の者 is not a 中長期在留者."""
    with refused("FOREIGN_STAY_TOO_SHORT"):
        enter(clerk, "foreign_status", {"person": resident.person_id, "stay_years": 0, "stay_months": 3,
                                        "stay_expires_on": EXPIRES.isoformat()})


def test_diplomatic_and_official_statuses_are_not_registrable(resident, clerk):
    """入管法19条の3第3号・4号: 外交・公用 are not 中長期在留者."""
    with refused("FOREIGN_STATUS_NOT_REGISTRABLE"):
        enter(clerk, "foreign_status", {"person": resident.person_id, "residence_status": "diplomat"})


def test_an_expiry_before_the_effective_date_is_refused(resident, clerk):
    """Dates are consistent (docs/register.md): a period of stay granted today does not end in the past."""
    with refused("FOREIGN_STAY_EXPIRY_PAST"):
        enter(clerk, "foreign_status", {"person": resident.person_id,
                                        "stay_expires_on": (clock.today() - dt.timedelta(days=30)).isoformat()})


def test_a_malformed_residence_card_number_is_refused(resident, clerk):
    """在留カード番号: 英字2桁＋数字8桁＋英字2桁 (入管法施行規則19条の6様式)."""
    with refused("CHANGE_ITEM_INVALID") as exc:
        enter(clerk, "foreign_status", {"person": resident.person_id, "residence_card_no": "AB1234CD"})
    assert exc.value.field == "residence_card_no"


def test_a_notice_that_changes_nothing_is_refused(resident, clerk):
    """A change must change its items."""
    with refused("FOREIGN_STATUS_UNCHANGED"):
        enter(clerk, "foreign_status", {"person": resident.person_id, "residence_status": "engineer_humanities"})


@pytest.mark.parametrize(("kind", "items"), [
    ("foreign_status", {"residence_status": "student"}),
    ("alias_entry", {"alias_name": "山田太郎", "alias_name_kana": "ヤマダタロウ"}),
    ("alias_removal", {}),
    ("nationality", {"nationality_code": "KR", "nationality": "韓国"}),
])
def test_foreign_resident_kinds_refuse_japanese_residents(city, clerk, kind, items):
    """住基法30条の45〜30条の51 (外国人住民に関する特例) apply to foreign residents only."""
    (p,) = add_household(city, [{}])
    with refused("FOREIGN_RESIDENT_ONLY"):
        enter(clerk, kind, {"person": p.person_id, **items})


# --- 通称の記載・削除 ----------------------------------------------------------------------------

def test_an_alias_is_recorded_on_application_and_sent_as_identity_info(resident, clerk, approver):
    """住基法施行令30条の26: the alias is recorded on the resident's application; for a foreign
    resident it is part of the 氏名 in the identity info (住基法30条の6)."""
    change = apply(clerk, approver, "alias_entry", {"person": resident.person_id, "alias_name": "山田\u3000太郎",
                                                    "alias_name_kana": "やまだ\u3000たろう"})
    rec = current(resident.person_id)
    assert (rec.alias_name, rec.alias_name_kana, rec.change_reason) == ("山田\u3000太郎", "ヤマダ\u3000タロウ", "alias")
    assert kinds_of(change) == ["identity_update", "intra_office"]
    (identity,) = events(change, "identity_update")
    assert identity.payload["alias_name"] == "山田\u3000太郎" and identity.payload["alphabet_name"] == "NGUYEN VAN AN"


def test_the_alias_history_is_the_versions(resident, clerk, approver):
    """住基法施行令30条の26以下 / 通称履歴 (Koriyama items 170–176): a removed or replaced alias stays
    in the earlier version, reproducible as of any date; nothing is copied into 備考."""
    day1, day2, day3 = (clock.today() - dt.timedelta(days=d) for d in (20, 10, 2))
    apply(clerk, approver, "alias_entry", {"person": resident.person_id, "alias_name": "山田太郎",
                                           "alias_name_kana": "ヤマダタロウ"}, effective_on=day1, notified_on=day1)
    apply(clerk, approver, "alias_removal", {"person": resident.person_id}, effective_on=day2, notified_on=day2)
    apply(clerk, approver, "alias_entry", {"person": resident.person_id, "alias_name": "川田太郎",
                                           "alias_name_kana": "カワダタロウ"}, effective_on=day3, notified_on=day3)
    aliases = list(ResidentRecord.objects.filter(person_id=resident.person_id).order_by("version")
                   .values_list("alias_name", flat=True))
    assert aliases == ["", "山田太郎", "", "川田太郎"]
    assert record_as_of(resident.person_id, day1).alias_name == "山田太郎"
    assert record_as_of(resident.person_id, day2).alias_name == ""
    assert current(resident.person_id).remarks == ""


def test_one_alias_at_a_time(resident, clerk, approver):
    """住基法施行令30条の26: a different alias is recorded only after the current one is removed."""
    apply(clerk, approver, "alias_entry", {"person": resident.person_id, "alias_name": "山田太郎",
                                           "alias_name_kana": "ヤマダタロウ"})
    with refused("ALIAS_ALREADY_RECORDED"):
        enter(clerk, "alias_entry", {"person": resident.person_id, "alias_name": "川田太郎",
                                     "alias_name_kana": "カワダタロウ"})


def test_the_registered_name_is_not_an_alias(resident, clerk):
    """住基法施行令30条の26: an alias is a name other than the registered one."""
    with refused("ALIAS_SAME_AS_NAME"):
        enter(clerk, "alias_entry", {"person": resident.person_id, "alias_name": "Nguyen Van An",
                                     "alias_name_kana": "グエンヴァンアン"})


def test_an_alias_entry_needs_the_application_date(resident, clerk):
    """住基法施行令30条の26: the alias is recorded on application (申出), so its date is required."""
    with refused("CHANGE_NOTIFIED_ON_REQUIRED"):
        enter(clerk, "alias_entry", {"person": resident.person_id, "alias_name": "山田太郎",
                                     "alias_name_kana": "ヤマダタロウ"}, notified_on=None)


def test_removing_an_alias_needs_an_alias_and_the_application_date(resident, clerk, approver):
    """住基法施行令30条の26以下: the alias is removed on the resident's application (申出), dated."""
    with refused("ALIAS_NONE"):
        enter(clerk, "alias_removal", {"person": resident.person_id})
    apply(clerk, approver, "alias_entry", {"person": resident.person_id, "alias_name": "山田太郎",
                                           "alias_name_kana": "ヤマダタロウ"})
    with refused("CHANGE_NOTIFIED_ON_REQUIRED"):
        enter(clerk, "alias_removal", {"person": resident.person_id}, notified_on=None)
    apply(clerk, approver, "alias_removal", {"person": resident.person_id})
    assert current(resident.person_id).alias_name == ""


# --- 国籍等の変更 ------------------------------------------------------------------------------

def test_a_nationality_change_is_recorded_from_the_ministry_notice(resident, clerk, approver):
    """住基法30条の50: 国籍・地域 changes on the Minister of Justice's notice; not an identity item."""
    change = apply(clerk, approver, "nationality", {"person": resident.person_id, "nationality_code": "us",
                                                    "nationality": "米国"}, notified_on=None)
    rec = current(resident.person_id)
    assert (rec.nationality_code, rec.nationality, rec.change_reason) == ("US", "米国", "nationality")
    assert kinds_of(change) == ["intra_office"]


def test_acquiring_japanese_nationality_is_not_a_nationality_change(resident, clerk):
    """国籍法3条・4条 (帰化・届出による国籍取得): the foreign record is removed and a Japanese one entered."""
    with refused("NATIONALITY_JAPAN_IS_NATURALISATION"):
        enter(clerk, "nationality", {"person": resident.person_id, "nationality_code": "JP", "nationality": "日本"})


def test_the_same_nationality_is_refused_and_codes_are_checked(resident, clerk):
    """A change must change its items; the code is ISO 3166-1."""
    with refused("NATIONALITY_UNCHANGED"):
        enter(clerk, "nationality", {"person": resident.person_id, "nationality_code": "VN", "nationality": "ベトナム"})
    with refused("CHANGE_ITEM_INVALID"):
        enter(clerk, "nationality", {"person": resident.person_id, "nationality_code": "1A", "nationality": "不明"})
