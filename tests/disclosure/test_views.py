"""Disclosure screens: a clerk receives, processes and prints; other personas get 403."""

from __future__ import annotations

import pytest
from tests.register.factories import add_household

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.disclosure.models import DisclosureRequest, RequestState
from juki.register.requesters import Requester

pytestmark = pytest.mark.django_db


def test_a_clerk_receives_starts_prints_and_completes_a_disclosure_request(city, clerk, as_staff):
    (rec,) = add_household(city, [{"family_name": "画面", "given_name": "試子"}])
    c = as_staff(clerk)
    assert "開示請求・訂正請求・利用停止請求" in c.get("/disclosure/").content.decode()
    resp = c.post("/disclosure/", {"addressee_no": str(rec.person_id), "kind": "disclosure",
                                   "received_on": clock.today().isoformat(), "requester": "self",
                                   "identity_document": "my_number_card"})
    req = DisclosureRequest.objects.get()
    assert resp.status_code == 302 and resp["Location"] == f"/disclosure/{req.pk}/"
    assert "受付" in c.get(f"/disclosure/{req.pk}/").content.decode()
    assert c.post(f"/disclosure/{req.pk}/start/").status_code == 302
    doc = c.get(f"/disclosure/{req.pk}/document/")
    assert doc.status_code == 200 and "アクセス記録" in doc.content.decode() and "画面\u3000試子" in doc.content.decode()
    assert AuditEvent.objects.filter(event_type=EventType.DISCLOSURE_DOCUMENT, staff_id="clerk01").count() == 1
    assert c.post(f"/disclosure/{req.pk}/complete/", {"decision": "開示文書を交付した"}).status_code == 302
    assert DisclosureRequest.objects.get(pk=req.pk).state == RequestState.COMPLETED


def test_a_refused_step_shows_its_code_and_changes_nothing(city, clerk, as_staff):
    (rec,) = add_household(city, [{}])
    c = as_staff(clerk)
    c.post("/disclosure/", {"addressee_no": str(rec.person_id), "kind": "disclosure",
                            "received_on": clock.today().isoformat(), "requester": "self",
                            "identity_document": "passport"})
    req = DisclosureRequest.objects.get()
    resp = c.post(f"/disclosure/{req.pk}/complete/", {"decision": "x"})
    assert resp.status_code == 400 and "DISCLOSURE_BAD_TRANSITION" in resp.content.decode()
    assert DisclosureRequest.objects.get(pk=req.pk).state == RequestState.RECEIVED
    bad = c.post("/disclosure/", {"addressee_no": "1234567", "kind": "disclosure",
                                  "received_on": clock.today().isoformat(), "requester": "self",
                                  "identity_document": "passport"})
    assert bad.status_code == 400 and "DISCLOSURE_PERSON_NOT_FOUND" in bad.content.decode()


@pytest.mark.parametrize("persona", ["auditor", "statistician", "approver", "admin"])
def test_personas_without_disclosure_manage_get_403_everywhere(city, clerk, as_staff, client, request, persona):
    """Only holders of DISCLOSURE_MANAGE (窓口) handle requests (security/roles.py)."""
    (rec,) = add_household(city, [{}])
    from juki.core.actor import Actor
    from juki.disclosure import actions

    req = actions.do_receive_disclosure_request(rec.person_id, kind="disclosure", received_on=clock.today(),
                                                requester=Requester(identity_document="passport"), actor=Actor(clerk, "T-COUNTER-01"))
    actions.do_start_disclosure_request(req.pk, actor=Actor(clerk, "T-COUNTER-01"))
    c = as_staff(request.getfixturevalue(persona))
    for url in ("/disclosure/", f"/disclosure/{req.pk}/", f"/disclosure/{req.pk}/document/"):
        assert c.get(url).status_code == 403, url
    for url in (f"/disclosure/{req.pk}/complete/", f"/disclosure/{req.pk}/refuse/", f"/disclosure/{req.pk}/start/"):
        assert c.post(url, {"decision": "x", "reason": "x"}).status_code == 403, url
    assert DisclosureRequest.objects.get(pk=req.pk).state == RequestState.IN_PROGRESS
    assert not AuditEvent.objects.filter(event_type=EventType.DISCLOSURE_DOCUMENT).exists()
