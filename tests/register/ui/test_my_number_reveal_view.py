"""個人番号の表示 on the person screen (docs/privacy-controls.md): purpose-bound, audited, shown once.

Source: 番号法 (特定個人情報は個人番号利用事務の目的の範囲内でのみ取り扱う); DESIGN §6 (My
Numbers masked on screen, revealed only by the My Number officer with a purpose, each reveal
logged); domain digest §5 (アクセス記録).
"""

from __future__ import annotations

import json

import pytest
from django.conf import settings

from juki.audit.events import EventType
from juki.audit.models import AuditEvent

pytestmark = pytest.mark.django_db

MY_NUMBER = "123456789018"  # check digit valid, obviously synthetic


@pytest.fixture
def holder(city):
    from tests.register.factories import add_household

    (rec,) = add_household(city, [{"my_number": MY_NUMBER}])
    return rec


def reveal_url(rec) -> str:
    return f"/register/persons/{rec.person_id}/my-number/"


def reveals() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(EventType.MY_NUMBER_REVEALED)).order_by("pk"))


def test_the_officer_sees_the_form_and_reveals_the_number_once_for_a_purpose(as_staff, my_number_officer, holder):
    client = as_staff(my_number_officer)
    page = client.get(f"/register/persons/{holder.person_id}/").content.decode()
    assert 'id="my-number-reveal-form"' in page and "個人番号を表示" in page
    purpose = settings.JUKI_MY_NUMBER_PURPOSES[0]
    assert f'<option value="{purpose}">' in page
    assert MY_NUMBER not in page  # masked until asked for

    resp = client.post(reveal_url(holder), {"purpose": purpose})
    assert resp.status_code == 200
    body = resp.content.decode()
    assert f'<td id="my-number" data-item="my_number">{MY_NUMBER}</td>' in body
    assert "no-store" in resp["Cache-Control"]
    assert MY_NUMBER not in json.dumps(dict(client.session.items()), default=str)
    (event,) = reveals()
    assert event.outcome == "ok" and event.purpose == purpose and event.staff_id == "mno01"
    assert event.targets == [f"{holder.person_id:010d}"]
    row = json.dumps({"detail": event.detail, "targets": event.targets, "purpose": event.purpose}, ensure_ascii=False)
    assert MY_NUMBER not in row


def test_the_reveal_is_post_only_so_the_number_never_travels_in_a_url(as_staff, my_number_officer, holder):
    resp = as_staff(my_number_officer).get(reveal_url(holder), {"purpose": settings.JUKI_MY_NUMBER_PURPOSES[0]})
    assert resp.status_code == 405
    assert reveals() == []


@pytest.mark.parametrize(("purpose", "code"), [("", "MY_NUMBER_PURPOSE_REQUIRED"),
                                               ("なんとなく", "MY_NUMBER_PURPOSE_UNKNOWN")])
def test_a_missing_or_unknown_purpose_is_refused_and_audited(as_staff, my_number_officer, holder, purpose, code):
    resp = as_staff(my_number_officer).post(reveal_url(holder), {"purpose": purpose})
    assert resp.status_code == 400
    body = resp.content.decode()
    assert code in body and MY_NUMBER not in body
    assert "no-store" in resp["Cache-Control"]
    (event,) = reveals()
    assert event.outcome == "invalid" and event.detail["code"] == code


def test_a_clerk_sees_no_form_and_is_refused_by_the_server(as_staff, clerk, holder):
    client = as_staff(clerk)
    page = client.get(f"/register/persons/{holder.person_id}/").content.decode()
    assert "my-number-reveal-form" not in page and "個人番号を表示" not in page
    resp = client.post(reveal_url(holder), {"purpose": settings.JUKI_MY_NUMBER_PURPOSES[0]})
    assert resp.status_code == 403
    assert MY_NUMBER not in resp.content.decode()
    assert not any(e.outcome == "ok" for e in reveals())


def test_no_form_when_the_person_holds_no_my_number(as_staff, my_number_officer, city):
    from tests.register.factories import add_household

    (rec,) = add_household(city, [{}])
    page = as_staff(my_number_officer).get(f"/register/persons/{rec.person_id}/").content.decode()
    assert "my-number-reveal-form" not in page
