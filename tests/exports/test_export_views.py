"""大量出力の画面: clerk requests, manager approves or rejects, requester produces and downloads.

Source: Hiroshima digest D2.14 (prior approval by the 管理責任者); docs/privacy-exports.md.
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from tests.conftest import logged_in

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.exports import crypto
from juki.exports.models import ExportRequest, ExportState
from juki.web.menu import menu_for

from .helpers import MY_NUMBERS

pytestmark = pytest.mark.django_db

MINE, PENDING = "/exports/", "/exports/pending/"


def _client(staff, terminal) -> Client:
    return logged_in(Client(), staff, terminal)


def _post_request(client, city, purpose="転入者への案内送付") -> ExportRequest:
    r = client.post(MINE, {"scope": "residents_by_town_block", "purpose": purpose,
                           "town_blocks": [str(city.blocks[0].pk)]})
    assert r.status_code == 302
    return ExportRequest.objects.latest("pk")


def test_a_clerk_requests_an_export_from_the_form(clerk, terminal, city):
    c = _client(clerk, terminal)
    page = c.get(MINE).content.decode()
    assert 'id="export-request-form"' in page and "山王一丁目" in page and "利用目的" in page
    req = _post_request(c, city)
    assert (req.requested_by, req.state, req.expected_rows) == ("clerk01", "requested", 3)
    page = c.get(MINE).content.decode()
    assert f'data-request="{req.pk}"' in page and "承認待ち" in page and "ファイルを作成" not in page


def test_the_form_shows_a_refusal_with_its_code(clerk, terminal, city):
    r = _client(clerk, terminal).post(MINE, {"scope": "residents_by_town_block", "purpose": "",
                                             "town_blocks": [str(city.blocks[0].pk)]})
    assert r.status_code == 400
    assert "EXPORT_PURPOSE_REQUIRED" in r.content.decode() and not ExportRequest.objects.exists()


def test_the_manager_sees_pending_requests_and_approves_with_a_comment(clerk, manager, terminal, city):
    req = _post_request(_client(clerk, terminal), city)
    m = _client(manager, terminal)
    page = m.get(PENDING).content.decode()
    assert f'data-request="{req.pk}"' in page and "転入者への案内送付" in page and "3件" in page
    assert m.post(f"/exports/{req.pk}/approve/", {"comment": "妥当"}).status_code == 302
    req.refresh_from_db()
    assert (req.state, req.decided_by, req.decision_comment) == ("approved", "manager01", "妥当")


def test_the_manager_rejects_with_a_reason(clerk, manager, terminal, city):
    req = _post_request(_client(clerk, terminal), city)
    m = _client(manager, terminal)
    m.post(f"/exports/{req.pk}/reject/", {"comment": ""})
    assert ExportRequest.objects.get(pk=req.pk).state == ExportState.REQUESTED
    m.post(f"/exports/{req.pk}/reject/", {"comment": "範囲が広すぎる"})
    assert ExportRequest.objects.get(pk=req.pk).state == ExportState.REJECTED


def test_the_requester_produces_once_sees_the_key_once_and_downloads_the_encrypted_file(
        clerk, manager, terminal, city):
    c = _client(clerk, terminal)
    req = _post_request(c, city)
    _client(manager, terminal).post(f"/exports/{req.pk}/approve/", {"comment": ""})

    r = c.post(f"/exports/{req.pk}/produce/")
    assert r.status_code == 200 and r["Cache-Control"] == "no-store"
    key = re.search(r'id="export-key">([^<]+)<', r.content.decode()).group(1)
    d = c.get(f"/exports/{req.pk}/download/")
    assert d.status_code == 200 and d["Content-Disposition"].startswith("attachment;")
    text = crypto.open_file(d.content, crypto.key_from_text(key)).decode("utf-8-sig")
    assert text.startswith(f"# juki 大量出力 申請番号={req.pk} 申請者=clerk01")
    assert not any(n in text for n in MY_NUMBERS)
    assert key not in c.get(MINE).content.decode()  # never shown again
    again = c.post(f"/exports/{req.pk}/produce/", follow=True)
    assert "EXPORT_ALREADY_PRODUCED" in again.content.decode()


def test_producing_before_approval_is_refused_on_screen(clerk, terminal, city):
    c = _client(clerk, terminal)
    req = _post_request(c, city)
    r = c.post(f"/exports/{req.pk}/produce/", follow=True)
    assert "EXPORT_NOT_APPROVED" in r.content.decode()
    assert ExportRequest.objects.get(pk=req.pk).file_enc is None


def test_another_clerk_cannot_produce_or_download_someone_elses_export(clerk, clerk2, manager, terminal, city):
    c = _client(clerk, terminal)
    req = _post_request(c, city)
    _client(manager, terminal).post(f"/exports/{req.pk}/approve/", {"comment": ""})
    other = _client(clerk2, terminal)
    assert other.post(f"/exports/{req.pk}/produce/").status_code == 404
    c.post(f"/exports/{req.pk}/produce/")
    assert other.get(f"/exports/{req.pk}/download/").status_code == 404
    assert f'data-request="{req.pk}"' not in other.get(MINE).content.decode()


def test_the_manager_cannot_approve_their_own_request_on_screen(make_staff, terminal, city):
    from juki.security.roles import Role

    both = make_staff("clerkmgr", Role.CLERK, Role.MANAGER)
    c = _client(both, terminal)
    req = _post_request(c, city)
    assert "自分の申請は判断できません" in c.get(PENDING).content.decode()
    c.post(f"/exports/{req.pk}/approve/", {"comment": ""})
    assert ExportRequest.objects.get(pk=req.pk).state == ExportState.REQUESTED
    assert AuditEvent.objects.filter(event_type=EventType.EXPORT_REFUSED, detail__code="EXPORT_SELF_APPROVAL").exists()


@pytest.mark.parametrize("persona", ["manager", "auditor", "approver", "admin"])
def test_personas_without_export_request_are_denied_the_request_screens(request, terminal, persona):
    c = _client(request.getfixturevalue(persona), terminal)
    assert c.get(MINE).status_code == 403
    assert c.post("/exports/1/produce/").status_code == 403
    assert c.get("/exports/1/download/").status_code == 403


@pytest.mark.parametrize("persona", ["clerk", "auditor", "approver", "admin"])
def test_personas_without_export_approve_are_denied_the_approval_screens(request, terminal, persona):
    c = _client(request.getfixturevalue(persona), terminal)
    assert c.get(PENDING).status_code == 403
    assert c.post("/exports/1/approve/").status_code == 403
    assert c.post("/exports/1/reject/").status_code == 403


def test_the_menu_offers_export_request_to_clerks_and_approval_to_managers(clerk, manager, auditor, terminal):
    def urls(staff):
        return {e.url for e in menu_for(staff, terminal)}

    assert "/exports/" in urls(clerk) and "/exports/pending/" not in urls(clerk)
    assert "/exports/pending/" in urls(manager) and "/exports/" not in urls(manager)
    assert not {"/exports/", "/exports/pending/"} & urls(auditor)
