"""The issuance check (juki.protection.checks.check_issuance) — 住民基本台帳事務処理要領 第5-10:
while a measure is in force, the named offender (加害者) and third parties (住基法12条の3) are
refused 住民票の写し等; the person (12条) and public bodies (12条の2) are served with a warning;
every attempt is recorded, audited and reported to the protection officer."""

from __future__ import annotations

import pytest
from django.db import transaction

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.certificates.models import DocumentType, RequesterType
from juki.protection.checks import REFUSAL_MESSAGE, ProtectionRefused, check_issuance, warnings_for
from juki.protection.models import AttemptOutcome, AttemptReason, ProtectionAttempt

pytestmark = pytest.mark.django_db

DOC = DocumentType.RESIDENT_COPY_HOUSEHOLD


def _check(person_ids, actor, *, requester_type=RequesterType.SELF_OR_HOUSEHOLD, requester_name="試験 花子",
           requester_person_id=None):
    return check_issuance(person_ids, requester_type=requester_type, requester_name=requester_name,
                          requester_person_id=requester_person_id, document_type=DOC, actor=actor)


@pytest.mark.parametrize("name", [
    "髙橋　一郎",  # as registered in the application
    "高橋一郎",  # standard form of 髙, no space (ja-itaiji folding)
    "高橋 一郎",
    "ﾀｶﾊｼ ｲﾁﾛｳ",  # half-width kana (NFKC)
    "たかはし　いちろう",
])
def test_the_named_offender_is_refused_also_with_variant_kanji(victim_household, protect, clerk, act, name):
    """第5-10: the offender named in the application is refused, whatever spelling they use."""
    victim = victim_household[0].person_id
    protect(victim)
    with pytest.raises(ProtectionRefused) as exc:
        _check([victim], act(clerk), requester_type=RequesterType.SELF_OR_HOUSEHOLD, requester_name=name)
    assert exc.value.code == "protection.refused" and exc.value.message == REFUSAL_MESSAGE
    attempt = ProtectionAttempt.objects.get()
    assert (attempt.outcome, attempt.reason) == (AttemptOutcome.REFUSED, AttemptReason.OFFENDER)


def test_the_refusal_reveals_neither_the_address_nor_the_offender(victim_household, protect, clerk, act):
    victim = victim_household[0].person_id
    protect(victim)
    with pytest.raises(ProtectionRefused) as exc:
        _check([victim], act(clerk), requester_type=RequesterType.PUBLIC_BODY, requester_name="髙橋 一郎")
    text = str(exc.value) + str(exc.value.as_problem())
    for secret in ("山王", "2番2号", "加害", "髙橋", "高橋", "DV"):
        assert secret not in text


def test_an_offender_linked_as_a_resident_is_refused_under_any_name(city, victim_household, protect, clerk, act):
    from tests.register.factories import add_household

    (offender_rec,) = add_household(city, [{"family_name": "別名", "given_name": "次郎"}], block=2)
    victim = victim_household[0].person_id
    protect(victim, offenders=[{"name": "加害 次郎", "person": offender_rec.person_id}])
    with pytest.raises(ProtectionRefused):
        _check([victim], act(clerk), requester_name="別名 次郎", requester_person_id=offender_rec.person_id)


def test_a_third_party_is_refused(victim_household, protect, clerk, act):
    """第5-10 / 住基法12条の3: requests by third parties for a protected record are refused."""
    victim = victim_household[0].person_id
    protect(victim)
    with pytest.raises(ProtectionRefused):
        _check([victim], act(clerk), requester_type=RequesterType.THIRD_PARTY, requester_name="債権 回収株式会社")
    attempt = ProtectionAttempt.objects.get()
    assert (attempt.outcome, attempt.reason) == (AttemptOutcome.REFUSED, AttemptReason.THIRD_PARTY)


def test_the_person_is_served_with_a_warning(victim_household, protect, clerk, act):
    """第5-10: the person themself may obtain the copy, after a strict identity check."""
    victim = victim_household[0].person_id
    protect(victim)
    warnings = _check([victim], act(clerk), requester_name="試験 花子", requester_person_id=victim)
    assert [w.person_id for w in warnings] == [victim]
    assert "支援措置" in warnings[0].message and "厳格" in warnings[0].message
    assert "髙橋" not in warnings[0].message  # no offender details for the counter
    attempt = ProtectionAttempt.objects.get()
    assert (attempt.outcome, attempt.reason) == (AttemptOutcome.WARNED, AttemptReason.SELF)
    ev = AuditEvent.objects.get(event_type=EventType.PROTECTION_ISSUANCE_WARNED)
    assert ev.outcome == Outcome.OK and ev.targets == [f"{victim:010d}"] and ev.detail["attempt"] == attempt.pk


def test_a_public_body_is_served_with_a_warning_to_confirm_it_is_not_for_the_offender(
        victim_household, protect, clerk, act):
    """第5-10 / 住基法12条の2: public bodies are served after confirming the request is not on
    the offender's behalf."""
    victim = victim_household[0].person_id
    protect(victim)
    warnings = _check([victim], act(clerk), requester_type=RequesterType.PUBLIC_BODY, requester_name="試験県税事務所")
    assert len(warnings) == 1 and "加害者の依頼によるものでない" in warnings[0].message
    assert ProtectionAttempt.objects.get().reason == AttemptReason.PUBLIC_BODY


def test_every_refused_attempt_is_recorded_and_audited_even_when_the_caller_rolls_back(
        victim_household, protect, clerk, act):
    """The attempt is written in its own transaction, before the caller's issuance transaction."""
    victim = victim_household[0].person_id
    protect(victim)

    def issue() -> None:
        _check([victim], act(clerk), requester_type=RequesterType.THIRD_PARTY, requester_name="第三 者")
        with transaction.atomic():  # never reached: the caller's issuance
            raise AssertionError("issued")

    for _ in range(2):
        with pytest.raises(ProtectionRefused):
            issue()
    assert ProtectionAttempt.objects.filter(outcome=AttemptOutcome.REFUSED).count() == 2
    events = AuditEvent.objects.filter(event_type=EventType.PROTECTION_ISSUANCE_REFUSED)
    assert events.count() == 2
    assert all(e.outcome == Outcome.DENIED and e.staff_id == "clerk01" and e.targets == [f"{victim:010d}"]
               and e.detail["code"] == "protection.refused" for e in events)


def test_calling_the_check_inside_the_issuance_transaction_is_a_programming_error(
        victim_household, protect, clerk, act):
    victim = victim_household[0].person_id
    protect(victim)
    with pytest.raises(RuntimeError), transaction.atomic():
        _check([victim], act(clerk))
    assert not ProtectionAttempt.objects.exists()


def test_unprotected_persons_pass_without_a_record(victim_household, city, protect, clerk, act):
    from tests.register.factories import add_household

    (other,) = add_household(city, [{"family_name": "無関"}], block=2)
    protect(victim_household[0].person_id, confirm=False)  # provisional: not in force
    assert _check([other.person_id, victim_household[0].person_id], act(clerk),
                  requester_type=RequesterType.THIRD_PARTY, requester_name="髙橋 一郎") == []
    assert not ProtectionAttempt.objects.exists()


def test_a_household_copy_with_a_protected_member_is_checked(victim_household, protect, clerk, act):
    victim, child = (r.person_id for r in victim_household)
    protect(victim, members=[child])
    with pytest.raises(ProtectionRefused):
        _check([child], act(clerk), requester_type=RequesterType.THIRD_PARTY, requester_name="第三 者")
    assert ProtectionAttempt.objects.get().person_ids == [child]
    assert [w.person_id for w in warnings_for([victim, child])] == [victim, child]


def test_offender_names_match_across_variant_kanji_and_widths():
    """Pure rule: 邊/邉/辺 and 髙/高 fold together; full-width spaces and ＡＢＣ widths are ignored;
    distinct level-1 kanji (島/嶋) stay apart."""
    from juki.protection.offender_names import kana_key, name_key, names_match

    assert names_match("渡辺 次郎", name_key("渡邊　次郎"), "")
    assert names_match("渡邉次郎", name_key("渡辺 次郎"), "")
    assert names_match("ＳＭＩＴＨ　ＪＯＨＮ", name_key("SMITH JOHN"), "")
    assert names_match("ワタナベ ジロウ", name_key("渡邊　次郎"), kana_key("ワタナベ　ジロウ"))
    assert not names_match("島田 一郎", name_key("嶋田 一郎"), "")
    assert not names_match("", name_key("渡辺 次郎"), "")
