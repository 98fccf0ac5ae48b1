"""A staff account linked to the staff member's own resident record (自身の宛名番号).

The access review uses the link to flag looks at one's own and same-address records (docs/privacy-review.md
Koriyama digest §5.8, use outside duties). Only administrators (STAFF_MANAGE) set it,
through the action, the staff detail screen or ``juki staff own-record``; the number must name
a person in the register and every change is audited (Hiroshima digest D1.3: account changes are
logged with their application number).
"""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from django.urls import reverse
from tests.conftest import logged_in
from tests.register.factories import add_household, small_city

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.security.actions import do_set_staff_own_record
from juki.security.models import Staff

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def residents():
    return add_household(small_city(), [{}, {"given_name": "花子", "sex": 2}])


def _events() -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(EventType.STAFF_OWN_RECORD_CHANGED)).order_by("seq"))


def _refused(code: str, *args, **kwargs) -> JukiError:  # type: ignore[no-untyped-def]
    with pytest.raises(JukiError) as info:
        do_set_staff_own_record(*args, **kwargs)
    assert info.value.code == code, info.value
    return info.value


def test_administrator_links_an_account_to_an_existing_record_and_it_is_audited(admin, clerk, residents):
    pid = residents[0].person_id
    do_set_staff_own_record(clerk, f"{pid:010d}", actor=Actor.for_staff(admin), application_no="APP-7")

    clerk.refresh_from_db()
    assert clerk.own_addressee_no == pid
    (event,) = _events()
    assert event.outcome == Outcome.OK and event.staff_id == "admin01"
    assert event.detail == {"staff": "clerk01", "application_no": "APP-7", "before": "", "after": f"{pid:010d}"}
    assert list(event.targets) == [f"{pid:010d}"]


def test_relinking_and_clearing_record_before_and_after(admin, clerk, residents):
    first, second = (r.person_id for r in residents)
    do_set_staff_own_record(clerk, first, actor=Actor.for_staff(admin))
    do_set_staff_own_record(clerk, str(second), actor=Actor.for_staff(admin))
    do_set_staff_own_record(clerk, "", actor=Actor.for_staff(admin))

    clerk.refresh_from_db()
    assert clerk.own_addressee_no is None
    relink, clear = _events()[1:]
    assert (relink.detail["before"], relink.detail["after"]) == (f"{first:010d}", f"{second:010d}")
    assert (clear.detail["before"], clear.detail["after"]) == (f"{second:010d}", "")


def test_a_number_not_in_the_register_is_refused_and_audited(admin, clerk, residents):
    _refused("OWN_ADDRESSEE_NO_NOT_FOUND", clerk, "9999999999", actor=Actor.for_staff(admin))
    _refused("OWN_ADDRESSEE_NO_INVALID", clerk, "12ab", actor=Actor.for_staff(admin))
    _refused("OWN_ADDRESSEE_NO_INVALID", clerk, "12345678901", actor=Actor.for_staff(admin))

    clerk.refresh_from_db()
    assert clerk.own_addressee_no is None
    codes = [e.detail["code"] for e in _events()]
    assert codes == ["OWN_ADDRESSEE_NO_NOT_FOUND", "OWN_ADDRESSEE_NO_INVALID", "OWN_ADDRESSEE_NO_INVALID"]
    assert all(e.outcome == Outcome.INVALID for e in _events())


def test_only_staff_managers_set_the_link_and_not_for_themselves(admin, clerk, residents):
    pid = residents[0].person_id
    _refused("ADMIN_FORBIDDEN", admin, pid, actor=Actor.for_staff(clerk))
    _refused("STAFF_SELF_CHANGE", admin, pid, actor=Actor.for_staff(admin))
    assert Staff.objects.filter(own_addressee_no__isnull=False).count() == 0


def test_one_record_is_linked_to_one_active_account(admin, clerk, approver, residents):
    pid = residents[0].person_id
    do_set_staff_own_record(clerk, pid, actor=Actor.for_staff(admin))
    _refused("OWN_ADDRESSEE_NO_TAKEN", approver, pid, actor=Actor.for_staff(admin))


def test_staff_detail_screen_sets_the_number_and_shows_only_the_number(client, admin, clerk, terminal, residents):
    pid = residents[0].person_id
    c = logged_in(client, admin, terminal)
    response = c.post(reverse("admin-staff-own-record", args=["clerk01"]),
                      {"own_addressee_no": str(pid), "application_no": "APP-8"})
    assert response.status_code == 302
    clerk.refresh_from_db()
    assert clerk.own_addressee_no == pid

    page = c.get(reverse("admin-staff-detail", args=["clerk01"])).content.decode()
    assert f"{pid:010d}" in page
    assert residents[0].given_name not in page  # administrators never see resident data

    response = c.post(reverse("admin-staff-own-record", args=["clerk01"]), {"own_addressee_no": "9999999999"},
                      follow=True)
    assert "OWN_ADDRESSEE_NO_NOT_FOUND" in response.content.decode()


def test_a_clerk_cannot_reach_the_screen_action(client, clerk, approver, terminal, residents):
    c = logged_in(client, clerk, terminal)
    response = c.post(reverse("admin-staff-own-record", args=["approver01"]),
                      {"own_addressee_no": str(residents[0].person_id)})
    assert response.status_code == 403
    approver.refresh_from_db()
    assert approver.own_addressee_no is None


def test_cli_sets_and_clears_the_link(clerk, residents):
    pid = residents[0].person_id
    out = io.StringIO()
    call_command("staff", "own-record", "clerk01", str(pid), "--application", "APP-9", stdout=out,
                 stderr=io.StringIO())
    clerk.refresh_from_db()
    assert clerk.own_addressee_no == pid and f"{pid:010d}" in out.getvalue()
    assert _events()[-1].staff_id.startswith("cli:")

    call_command("staff", "own-record", "clerk01", "--clear", stdout=io.StringIO(), stderr=io.StringIO())
    clerk.refresh_from_db()
    assert clerk.own_addressee_no is None
