"""Protection measures: registration, four-eyes confirmation, the one-year period, renewal,
end and expiry (住民基本台帳事務処理要領 第5-10: 申出 → 意見聴取による確認 → 1年の支援期間 →
延長の申出)."""

from __future__ import annotations

import datetime as dt

import pytest

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.errors import JukiError, PermissionDenied
from juki.protection import actions
from juki.protection.checks import measures_in_force, protected_person_ids
from juki.protection.models import MeasureState, ProtectionMeasure
from juki.protection.periods import display_state, period_end

pytestmark = pytest.mark.django_db

DAY = dt.date(2026, 4, 1)


def test_registered_measure_has_no_effect_until_another_officer_confirms_it(
        victim_household, protect, officer, officer2, act):
    """第5-10: support starts only when the municipality has confirmed the need (four-eyes)."""
    victim = victim_household[0].person_id
    m = protect(victim, confirm=False)
    assert m.state == MeasureState.PROVISIONAL
    assert measures_in_force([victim]) == [] and victim not in protected_person_ids()
    ev = AuditEvent.objects.filter(event_type=EventType.PROTECTION_MEASURE_REGISTERED).get()
    assert ev.targets == [f"{victim:010d}"] and "髙橋" not in str(ev.detail)

    with pytest.raises(JukiError) as exc:
        actions.do_confirm_measure(m.pk, actor=act(officer))
    assert exc.value.code == "PROTECTION_SELF_CONFIRM"
    refused = AuditEvent.objects.filter(event_type=EventType.PROTECTION_ACTION_REFUSED).get()
    assert refused.outcome == Outcome.DENIED and refused.targets == [f"{victim:010d}"]
    assert ProtectionMeasure.objects.get(pk=m.pk).state == MeasureState.PROVISIONAL

    m = actions.do_confirm_measure(m.pk, actor=act(officer2))
    assert (m.state, m.confirmed_by) == (MeasureState.ACTIVE, "po02")
    assert [x.pk for x in measures_in_force([victim])] == [m.pk]
    assert AuditEvent.objects.filter(event_type=EventType.PROTECTION_MEASURE_CONFIRMED, staff_id="po02").count() == 1


def test_the_period_is_one_year_from_confirmation(victim_household, protect, on_day):
    """第5-10: the support period is one year (start + 1 year − 1 day)."""
    with on_day(DAY):
        m = protect(victim_household[0].person_id)
    assert (m.start_on, m.end_on) == (DAY, dt.date(2027, 3, 31))
    assert period_end(dt.date(2028, 2, 29)) == dt.date(2029, 2, 27)


def test_household_members_named_in_the_application_are_protected_too(victim_household, protect):
    victim, child = (r.person_id for r in victim_household)
    m = protect(victim, members=[child])
    assert {victim, child} <= protected_person_ids()
    assert [x.pk for x in measures_in_force([child])] == [m.pk]


def test_a_measure_is_not_in_force_after_expiry(victim_household, protect, on_day):
    """Expiry is by date: a measure past its end is not in force and is listed as 期限切れ."""
    victim = victim_household[0].person_id
    with on_day(DAY):
        m = protect(victim)
    assert measures_in_force([victim], dt.date(2027, 3, 31)) != []
    assert measures_in_force([victim], dt.date(2027, 4, 1)) == []
    assert victim not in protected_person_ids(dt.date(2027, 4, 1))
    assert measures_in_force([victim], dt.date(2026, 3, 31)) == []  # before it started
    assert display_state(state=m.state, end_on=m.end_on, ended_on=None, today=dt.date(2027, 4, 1)) == "expired"
    assert display_state(state=m.state, end_on=m.end_on, ended_on=None, today=dt.date(2027, 3, 10)) == "expiring"
    assert display_state(state=m.state, end_on=m.end_on, ended_on=None, today=dt.date(2027, 2, 1)) == "active"


def test_renewal_starts_the_day_after_the_old_period_ends(victim_household, protect, officer, officer2, act, on_day):
    """第5-10: 延長の申出 — a new year beginning the day after the old one ends, confirmed by
    a second officer; the old measure stays in force until its end."""
    victim = victim_household[0].person_id
    with on_day(DAY):
        old = protect(victim)
    with on_day(dt.date(2027, 3, 10)):
        new = actions.do_renew_measure(old.pk, applied_on=clock.today(), opinion_source="spousal_center",
                                       actor=act(officer))
        assert new.state == MeasureState.PROVISIONAL and new.renewed_from_id == old.pk
        assert list(new.offenders.values_list("name", flat=True)) == ["髙橋　一郎"]
        with pytest.raises(JukiError) as exc:
            actions.do_renew_measure(old.pk, applied_on=clock.today(), opinion_source="police", actor=act(officer))
        assert exc.value.code == "PROTECTION_ALREADY_RENEWED"
        new = actions.do_confirm_measure(new.pk, actor=act(officer2))
    assert (new.start_on, new.end_on) == (dt.date(2027, 4, 1), dt.date(2028, 3, 31))
    assert [m.pk for m in measures_in_force([victim], dt.date(2027, 3, 31))] == [old.pk]
    assert [m.pk for m in measures_in_force([victim], dt.date(2027, 4, 1))] == [new.pk]


def test_a_late_renewal_starts_when_confirmed_not_retroactively(victim_household, protect, officer, officer2, act,
                                                                 on_day):
    victim = victim_household[0].person_id
    with on_day(DAY):
        old = protect(victim)
        new = actions.do_renew_measure(old.pk, applied_on=DAY, opinion_source="police", actor=act(officer))
    with on_day(dt.date(2027, 4, 10)):
        new = actions.do_confirm_measure(new.pk, actor=act(officer2))
    assert new.start_on == dt.date(2027, 4, 10)
    assert measures_in_force([victim], dt.date(2027, 4, 5)) == []


def test_an_ended_measure_is_no_longer_in_force(victim_household, protect, officer, act, on_day):
    victim = victim_household[0].person_id
    with on_day(DAY):
        m = protect(victim)
    with on_day(dt.date(2026, 6, 1)):
        with pytest.raises(JukiError) as exc:
            actions.do_end_measure(m.pk, reason="  ", actor=act(officer))
        assert exc.value.code == "PROTECTION_REASON_REQUIRED"
        m = actions.do_end_measure(m.pk, reason="申出者からの取下げ", actor=act(officer))
        assert measures_in_force([victim]) == []
    assert (m.state, m.ended_on, m.ended_by) == (MeasureState.ENDED, dt.date(2026, 6, 1), "po01")
    assert measures_in_force([victim], dt.date(2026, 5, 31)) != []  # history stays true
    assert AuditEvent.objects.filter(event_type=EventType.PROTECTION_MEASURE_ENDED).count() == 1


def test_a_clerk_cannot_register_a_measure_and_the_refusal_is_audited(victim_household, clerk, act):
    with pytest.raises(PermissionDenied):
        actions.do_register_measure(victim_household[0].person_id, kind="dv", applied_on=clock.today(),
                                    opinion_source="police", offenders=[{"name": "加害 太郎"}], actor=act(clerk))
    assert not ProtectionMeasure.objects.exists()
    ev = AuditEvent.objects.filter(event_type=EventType.PROTECTION_ACTION_REFUSED).get()
    assert (ev.staff_id, ev.outcome, ev.detail["code"]) == ("clerk01", Outcome.DENIED, "FORBIDDEN")


@pytest.mark.parametrize(("kwargs", "code"), [
    ({"offenders": []}, "PROTECTION_OFFENDER_REQUIRED"),
    ({"kind": "other_kind"}, "PROTECTION_KIND_INVALID"),
    ({"opinion_source": ""}, "PROTECTION_OPINION_REQUIRED"),
    ({"addressee_no": "9999999"}, "PROTECTION_PERSON_NOT_FOUND"),
])
def test_bad_applications_are_refused_with_a_specific_code(victim_household, officer, act, kwargs, code):
    args = {"addressee_no": victim_household[0].person_id, "kind": "dv", "applied_on": clock.today(),
            "opinion_source": "police", "offenders": [{"name": "加害 太郎"}], **kwargs}
    with pytest.raises(JukiError) as exc:
        actions.do_register_measure(args.pop("addressee_no"), actor=act(officer), **args)
    assert exc.value.code == code
    assert not ProtectionMeasure.objects.exists()


def test_an_attempt_is_acknowledged_once(victim_household, protect, clerk, officer, act):
    from juki.certificates.models import RequesterType
    from juki.protection.checks import check_issuance
    from juki.protection.models import ProtectionAttempt

    victim = victim_household[0].person_id
    protect(victim)
    check_issuance([victim], requester_type=RequesterType.PUBLIC_BODY, requester_name="試験市 税務課",
                   document_type="copy_personal", actor=act(clerk))
    attempt = ProtectionAttempt.objects.get()
    with pytest.raises(PermissionDenied):
        actions.do_acknowledge_attempt(attempt.pk, actor=act(clerk))
    actions.do_acknowledge_attempt(attempt.pk, comment="公用請求の確認済み", actor=act(officer))
    with pytest.raises(JukiError) as exc:
        actions.do_acknowledge_attempt(attempt.pk, actor=act(officer))
    assert exc.value.code == "PROTECTION_ATTEMPT_ALREADY_ACKNOWLEDGED"
    attempt.refresh_from_db()
    assert (attempt.acknowledged_by, attempt.acknowledge_comment) == ("po01", "公用請求の確認済み")
