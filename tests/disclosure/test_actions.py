"""Disclosure, correction and suspension-of-use requests tracked to completion (docs/privacy-disclosure.md).

Every transition is an action, audited with the person as target; invalid transitions and
missing reasons are refused and the refusal is audited (STYLE §2, §7).
"""

from __future__ import annotations

import pytest
from tests.register.factories import add_household

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.errors import JukiError
from juki.disclosure import actions
from juki.disclosure.models import DisclosureRequest, RequestKind, RequestState
from juki.register.changes.workflow import do_confirm_change, do_enter_change
from juki.register.requesters import Requester

pytestmark = pytest.mark.django_db


def receive(rec, clerk, act, kind=RequestKind.CORRECTION, **kw):
    return actions.do_receive_disclosure_request(
        rec.person_id, kind=kind, received_on=clock.today(),
        request_text=kw.pop("text", "名の漢字が誤っている（太朗→太郎）"),
        requester=Requester(identity_document=kw.pop("doc", "driving_licence")), actor=act(clerk), **kw)


def test_a_correction_request_is_tracked_to_completion_with_the_change_that_made_it(city, clerk, approver, act):
    (rec,) = add_household(city, [{"given_name": "太朗"}])
    req = receive(rec, clerk, act)
    assert req.state == RequestState.RECEIVED and req.received_by == "clerk01"
    actions.do_start_disclosure_request(req.pk, actor=act(clerk))
    change = do_enter_change("ex_officio_correction", {"person": rec.person_id, "reason": "本人からの訂正請求による",
                                                       "corrections": {"given_name": "太郎"}},
                             effective_on=clock.today(), notified_on=None, actor=act(clerk))
    do_confirm_change(change.pk, actor=act(approver))
    done = actions.do_complete_disclosure_request(req.pk, decision="職権修正により名を訂正した", change_id=change.pk,
                                                  actor=act(clerk))
    assert done.state == RequestState.COMPLETED and done.related_change_id == change.pk
    assert done.closed_at is not None and done.started_at is not None and done.handled_by == "clerk01"
    events = AuditEvent.objects.filter(event_type__in=[EventType.DISCLOSURE_RECEIVED, EventType.DISCLOSURE_STARTED,
                                                       EventType.DISCLOSURE_COMPLETED]).order_by("seq")
    assert [e.event_type for e in events] == [5001, 5002, 5003]
    assert all(e.targets == [f"{rec.person_id:010d}"] and e.function == "disclosure.manage" for e in events)
    assert events.last().detail["change"] == change.pk


def test_a_correction_cannot_name_a_change_about_someone_else(city, clerk, approver, act):
    (rec,) = add_household(city, [{}])
    (other,) = add_household(city, [{"given_name": "太朗"}], block=1)
    req = receive(rec, clerk, act)
    actions.do_start_disclosure_request(req.pk, actor=act(clerk))
    change = do_enter_change("ex_officio_correction", {"person": other.person_id, "reason": "誤記",
                                                       "corrections": {"given_name": "太郎"}},
                             effective_on=clock.today(), notified_on=None, actor=act(clerk))
    do_confirm_change(change.pk, actor=act(approver))
    with pytest.raises(JukiError) as exc:
        actions.do_complete_disclosure_request(req.pk, decision="訂正した", change_id=change.pk, actor=act(clerk))
    assert exc.value.code == "DISCLOSURE_CHANGE_INVALID"
    assert DisclosureRequest.objects.get(pk=req.pk).state == RequestState.IN_PROGRESS


def test_a_suspension_request_is_refused_with_a_reason(city, clerk, act):
    (rec,) = add_household(city, [{}])
    req = receive(rec, clerk, act, kind=RequestKind.SUSPENSION, text="住民票の写しの第三者交付を止めてほしい")
    with pytest.raises(JukiError) as exc:
        actions.do_refuse_disclosure_request(req.pk, reason=" ", actor=act(clerk))
    assert exc.value.code == "DISCLOSURE_REASON_REQUIRED"
    refused = AuditEvent.objects.latest("seq")
    assert refused.event_type == EventType.DISCLOSURE_ACTION_REFUSED and refused.detail["code"] == "DISCLOSURE_REASON_REQUIRED"
    done = actions.do_refuse_disclosure_request(req.pk, reason="法令上の利用であり停止の対象外", actor=act(clerk))
    assert done.state == RequestState.REFUSED and done.refusal_reason == "法令上の利用であり停止の対象外"
    assert AuditEvent.objects.latest("seq").event_type == EventType.DISCLOSURE_REFUSED


ALL = ["start", "complete", "refuse"]


@pytest.mark.parametrize("state", list(RequestState.values))
@pytest.mark.parametrize("transition", ALL)
def test_every_state_and_transition(city, clerk, act, state, transition):
    """Table of (state, transition): allowed ones move to the listed state, the rest are refused."""
    (rec,) = add_household(city, [{}])
    req = receive(rec, clerk, act)
    DisclosureRequest.objects.filter(pk=req.pk).update(
        state=state, refusal_reason="理由" if state == RequestState.REFUSED else "")
    call = {
        "start": lambda: actions.do_start_disclosure_request(req.pk, actor=act(clerk)),
        "complete": lambda: actions.do_complete_disclosure_request(req.pk, decision="対応済み", actor=act(clerk)),
        "refuse": lambda: actions.do_refuse_disclosure_request(req.pk, reason="対象外", actor=act(clerk)),
    }[transition]
    expected = actions.TRANSITIONS.get((state, transition))
    if expected is None:
        with pytest.raises(JukiError) as exc:
            call()
        assert exc.value.code == "DISCLOSURE_BAD_TRANSITION"
        assert DisclosureRequest.objects.get(pk=req.pk).state == state
    else:
        assert call().state == expected


@pytest.mark.parametrize("over,code", [
    ({"doc": ""}, "DISCLOSURE_IDENTITY_REQUIRED"),
    ({"doc": "other"}, "DISCLOSURE_IDENTITY_NOTE_REQUIRED"),
    ({"text": ""}, "DISCLOSURE_TEXT_REQUIRED"),
])
def test_receiving_needs_the_identity_check_and_what_is_asked(city, clerk, act, over, code):
    (rec,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        receive(rec, clerk, act, **over)
    assert exc.value.code == code
    assert not DisclosureRequest.objects.exists()
    assert AuditEvent.objects.latest("seq").event_type == EventType.DISCLOSURE_ACTION_REFUSED


def test_an_unknown_person_is_refused(city, clerk, act):
    with pytest.raises(JukiError) as exc:
        actions.do_receive_disclosure_request("9999999", kind=RequestKind.DISCLOSURE, received_on=clock.today(),
                                              requester=Requester(identity_document="passport"), actor=act(clerk))
    assert exc.value.code == "DISCLOSURE_PERSON_NOT_FOUND"


@pytest.mark.parametrize("persona", ["auditor", "approver", "statistician"])
def test_roles_without_disclosure_manage_are_refused_and_audited(city, clerk, act, request, persona):
    staff = request.getfixturevalue(persona)
    (rec,) = add_household(city, [{}])
    with pytest.raises(JukiError) as exc:
        receive(rec, staff, act)
    assert exc.value.code == "FORBIDDEN"
    req = receive(rec, clerk, act)
    with pytest.raises(JukiError):
        actions.do_start_disclosure_request(req.pk, actor=act(staff))
    assert DisclosureRequest.objects.get(pk=req.pk).state == RequestState.RECEIVED
    refused = AuditEvent.objects.latest("seq")
    assert refused.event_type == EventType.DISCLOSURE_ACTION_REFUSED and refused.staff_id == staff.staff_id


def test_every_disclosure_event_type_has_a_japanese_label():
    from juki.audit.events import EVENT_TYPE_LABELS

    for t in EventType:
        if 5000 <= t.value < 6000:
            assert EVENT_TYPE_LABELS[t]
