"""Protection screens (/protection/, PROTECTION_MANAGE only) and the counter warning on the
resident page (事務処理要領 第5-10: the counter must notice a protected record)."""

from __future__ import annotations

import datetime as dt

import pytest

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.certificates.models import RequesterType
from juki.core import clock
from juki.protection.checks import ProtectionRefused, check_issuance
from juki.protection.models import MeasureState, ProtectionAttempt, ProtectionMeasure
from juki.web.menu import menu_for

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("persona", ["clerk", "approver", "auditor", "admin"])
@pytest.mark.parametrize("url", ["/protection/", "/protection/new/", "/protection/attempts/"])
def test_staff_without_protection_manage_cannot_open_protection_screens(city, as_staff, request, persona, url):
    """security/roles.py: only the protection officer (支援措置担当) holds PROTECTION_MANAGE."""
    resp = as_staff(request.getfixturevalue(persona)).get(url)
    assert resp.status_code == 403


def test_a_clerk_cannot_open_a_measure_or_post_to_it(victim_household, protect, clerk, as_staff):
    m = protect(victim_household[0].person_id, confirm=False)
    c = as_staff(clerk)
    assert c.get(f"/protection/{m.pk}/").status_code == 403
    assert c.post(f"/protection/{m.pk}/confirm/").status_code == 403
    assert ProtectionMeasure.objects.get(pk=m.pk).state == MeasureState.PROVISIONAL


def test_officers_register_and_confirm_a_measure_through_the_screens(victim_household, officer, officer2, client,
                                                                     terminal):
    from tests.conftest import logged_in

    victim, child = (r.person_id for r in victim_household)
    c = logged_in(client, officer, terminal)
    form = c.get(f"/protection/new/?person={victim}")
    assert form.status_code == 200 and f'value="{victim}"' in form.content.decode()
    resp = c.post("/protection/new/", {
        "addressee_no": str(victim), "members": str(child), "kind": "dv", "applied_on": clock.today().isoformat(),
        "opinion_source": "police", "opinion_note": "試験警察署 生活安全課", "offender_name": "加害　太郎",
        "offender_kana": "カガイ　タロウ",
    })
    m = ProtectionMeasure.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/protection/{m.pk}/"
    page = c.get(f"/protection/{m.pk}/").content.decode()
    assert "加害　太郎" in page and "確認待ち" in page and 'id="confirm-button"' not in page  # not their own
    assert AuditEvent.objects.filter(event_type=EventType.PROTECTION_MEASURE_VIEWED, staff_id="po01").exists()

    c2 = logged_in(client, officer2, terminal)
    assert 'id="confirm-button"' in c2.get(f"/protection/{m.pk}/").content.decode()
    assert c2.post(f"/protection/{m.pk}/confirm/").status_code == 302
    m.refresh_from_db()
    assert m.state == MeasureState.ACTIVE and m.confirmed_by == "po02"
    listing = c2.get("/protection/").content.decode()
    assert f'data-measure="{m.pk}" data-state="active"' in listing


def test_a_bad_registration_shows_its_code_and_changes_nothing(victim_household, officer, as_staff):
    resp = as_staff(officer).post("/protection/new/", {
        "addressee_no": str(victim_household[0].person_id), "kind": "dv", "applied_on": clock.today().isoformat(),
        "opinion_source": "police"})
    assert resp.status_code == 400 and "PROTECTION_OFFENDER_REQUIRED" in resp.content.decode()
    assert not ProtectionMeasure.objects.exists()


def test_the_list_shows_measures_expiring_within_30_days_and_expired_ones(victim_household, city, protect, officer,
                                                                          as_staff, on_day):
    from tests.register.factories import add_household

    (other,) = add_household(city, [{"family_name": "期限"}], block=2)
    with on_day(dt.date(2025, 3, 20)):
        expiring = protect(victim_household[0].person_id)
    with on_day(dt.date(2024, 1, 10)):
        expired = protect(other.person_id)
    with on_day(dt.date(2026, 3, 1)):
        page = as_staff(officer).get("/protection/").content.decode()
    assert f'data-measure="{expiring.pk}" data-state="expiring"' in page and "残り18日" in page
    assert f'data-measure="{expired.pk}" data-state="expired"' in page and "期限切れ" in page


def test_the_protected_persons_page_warns_the_counter_without_offender_details(victim_household, protect, clerk,
                                                                               as_staff):
    victim, child = (r.person_id for r in victim_household)
    protect(victim)
    c = as_staff(clerk)
    page = c.get(f"/register/persons/{victim}/").content.decode()
    assert 'role="alert" id="protection-warning"' in page and "支援措置（DV（配偶者からの暴力））の対象者" in page
    assert "髙橋" not in page and "霞が関" not in page
    # The child's page shows the household member's protection too (same household on screen).
    assert 'id="protection-warning"' in c.get(f"/register/persons/{child}/").content.decode()
    household = c.get(f"/register/households/{victim_household[0].household_id}/").content.decode()
    assert 'role="alert" id="protection-warning"' in household and "髙橋" not in household


def test_an_unprotected_persons_page_has_no_warning(victim_household, protect, clerk, as_staff):
    protect(victim_household[0].person_id, confirm=False)
    c = as_staff(clerk)
    page = c.get(f"/register/persons/{victim_household[0].person_id}/").content.decode()
    assert 'id="protection-warning"' not in page
    household = c.get(f"/register/households/{victim_household[0].household_id}/").content.decode()
    assert 'id="protection-warning"' not in household


def test_the_attempt_report_lists_unacknowledged_first_and_records_acknowledgement(
        victim_household, protect, clerk, officer, act, as_staff):
    """Every attempt is reported to the protection officer, who marks it seen with a comment."""
    victim = victim_household[0].person_id
    protect(victim)
    with pytest.raises(ProtectionRefused):
        check_issuance([victim], requester_type=RequesterType.THIRD_PARTY, requester_name="第三 者",
                       document_type="copy_household", actor=act(clerk))
    check_issuance([victim], requester_type=RequesterType.SELF_OR_HOUSEHOLD, requester_name="試験 花子",
                   requester_person_id=victim, document_type="copy_personal", actor=act(clerk))
    first, second = ProtectionAttempt.objects.order_by("pk")
    c = as_staff(officer)
    page = c.get("/protection/attempts/").content.decode()
    pending = page.split('id="pending"')[1].split('id="done"')[0]
    assert f'data-attempt="{first.pk}"' in pending and f'data-attempt="{second.pk}"' in pending
    assert "第三 者" in pending and "交付拒否" in pending and "本人等以外の者（12条の3）" in pending
    assert "住民票の写し（世帯連記式）" in pending
    resp = c.post(f"/protection/attempts/{first.pk}/acknowledge/", {"comment": "申出者に連絡済み"})
    assert resp.status_code == 302
    first.refresh_from_db()
    assert first.acknowledged_by == "po01" and first.acknowledge_comment == "申出者に連絡済み"
    page = c.get("/protection/attempts/").content.decode()
    assert f'data-attempt="{first.pk}"' in page.split('id="done"')[1]
    assert AuditEvent.objects.filter(event_type=EventType.PROTECTION_ATTEMPT_ACKNOWLEDGED).count() == 1


def test_the_menu_offers_protection_to_the_officer_only(officer, clerk, terminal):
    labels = [e.label for e in menu_for(officer, terminal)]
    assert "支援措置" in labels and "支援対象者に係る交付請求の報告" in labels
    assert "支援措置" not in [e.label for e in menu_for(clerk, terminal)]
