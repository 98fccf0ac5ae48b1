"""Access to residents (access_resident, access_household, reveal_my_number).

STYLE §5 / DESIGN §6: residents are loaded only through access functions that check the role
and log the access; "not found" and "not allowed" look the same from outside. akita-000-digest
§5.2 item 34: My Numbers are shown only to the My Number business role — and every reveal is
logged with its purpose (番号法9条: use only for the listed 事務).
"""

from __future__ import annotations

import datetime as dt
import json

import pytest
from tests.register.factories import add_household

from juki.audit.events import EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core.errors import JukiError, PermissionDenied, ValidationFailed
from juki.register.access import (
    MASKED_MY_NUMBER,
    access_household,
    access_resident,
    reveal_my_number,
)
from juki.register.models import RecordStatus

from .conftest import new_version, person, valid_my_number

PURPOSE = "住民票の写し等の交付（個人番号の記載）"


def events(event_type: EventType) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(event_type=int(event_type)).order_by("seq"))


def no(rec) -> str:
    return f"{rec.person_id:010d}"


# --- access_resident --------------------------------------------------------------------------


def test_viewing_a_resident_is_logged_with_the_person_as_target(city, clerk, act, terminal):
    rec = person(city, my_number=valid_my_number(12345678901))
    view = access_resident(act(clerk), rec.person_id)
    assert view.record.pk == rec.pk and view.addressee_no == no(rec)
    assert view.my_number_masked == MASKED_MY_NUMBER
    (event,) = events(EventType.RESIDENT_VIEW)
    assert list(event.targets) == [no(rec)] and event.outcome == Outcome.OK
    assert event.staff_id == "clerk01" and event.terminal_id == terminal.terminal_id
    assert event.function == "resident.view"


def test_the_view_holds_household_members_and_history(city, clerk, act):
    head, child = add_household(city, [{}, {"given_name": "花子"}])
    other = person(city)
    v2 = new_version(child, valid_from=dt.date(2020, 4, 1), banchi="2番2号")
    view = access_resident(act(clerk), f"{child.person_id:010d}")
    assert [m.person_id for m in view.household_members] == [head.person_id, child.person_id]
    assert other.person_id not in {m.person_id for m in view.household_members}
    assert [v.version for v in view.history] == [1, 2] and view.record.pk == v2.pk
    assert view.my_number_masked == ""


def test_missing_and_malformed_numbers_look_alike_and_are_logged(city, clerk, act):
    for wrong in (999999, "abc", "12345678901234"):
        with pytest.raises(JukiError) as refused:
            access_resident(act(clerk), wrong)
        assert (refused.value.code, refused.value.status) == ("RESIDENT_NOT_FOUND", 404)
    logged = events(EventType.RESIDENT_VIEW)
    assert [e.outcome for e in logged] == ["invalid"] * 3  # a mistyped number, not a refusal of authority
    assert logged[0].detail["code"] == "RESIDENT_NOT_FOUND" and list(logged[0].targets) == ["0000999999"]


def test_staff_without_the_view_function_are_refused_before_any_lookup(city, auditor, admin, act):
    """Refused the same way whether or not the person exists (no existence oracle)."""
    rec = person(city)
    for staff in (auditor, admin):
        for target in (rec.person_id, 999999):
            with pytest.raises(PermissionDenied):
                access_resident(act(staff), target)
    assert {e.outcome for e in events(EventType.RESIDENT_VIEW)} == {"denied"}
    assert {e.detail["code"] for e in events(EventType.RESIDENT_VIEW)} == {"FORBIDDEN"}


def test_as_of_shows_the_version_in_force_on_that_date(city, clerk, act):
    rec = person(city, banchi="1番1号")
    v2 = new_version(rec, valid_from=dt.date(2020, 4, 1), banchi="2番2号")
    v3 = new_version(v2, valid_from=dt.date(2022, 10, 1), banchi="3番3号")
    assert access_resident(act(clerk), rec.person_id, as_of=dt.date(2020, 3, 31)).record.banchi == "1番1号"
    assert access_resident(act(clerk), rec.person_id, as_of=dt.date(2020, 4, 1)).record.banchi == "2番2号"
    assert access_resident(act(clerk), rec.person_id, as_of=dt.date(2030, 1, 1)).record.pk == v3.pk
    assert access_resident(act(clerk), rec.person_id).record.pk == v3.pk
    logged = events(EventType.RESIDENT_VIEW)[0]
    assert logged.detail["as_of"] == "2020-03-31" and logged.detail["version"] == 1


def test_as_of_ties_on_the_same_day_go_to_the_later_version(city, clerk, act):
    rec = person(city)
    v2 = new_version(rec, valid_from=dt.date(2021, 6, 1), banchi="2番")
    new_version(v2, valid_from=dt.date(2021, 6, 1), banchi="2番（修正）")
    assert access_resident(act(clerk), rec.person_id, as_of=dt.date(2021, 6, 1)).record.banchi == "2番（修正）"


def test_as_of_before_the_first_version_is_refused(city, clerk, act):
    rec = person(city)  # valid from 2015-04-01
    with pytest.raises(JukiError) as refused:
        access_resident(act(clerk), rec.person_id, as_of=dt.date(2000, 1, 1))
    assert (refused.value.code, refused.value.status) == ("RECORD_NOT_IN_FORCE", 404)


def test_as_of_household_members_are_those_of_that_date(city, clerk, act):
    head, child = add_household(city, [{}, {"given_name": "花子"}])
    elsewhere = person(city)
    new_version(child, valid_from=dt.date(2020, 4, 1), household_id=elsewhere.household_id, listing_order=2)
    before = access_resident(act(clerk), head.person_id, as_of=dt.date(2020, 3, 31))
    now = access_resident(act(clerk), head.person_id)
    assert [m.person_id for m in before.household_members] == [head.person_id, child.person_id]
    assert [m.person_id for m in now.household_members] == [head.person_id]


def test_a_removed_record_is_still_viewable(city, clerk, act):
    rec = person(city)
    new_version(rec, valid_from=dt.date(2024, 1, 10), status=RecordStatus.REMOVED, removal_reason="death")
    view = access_resident(act(clerk), rec.person_id)
    assert view.record.status == RecordStatus.REMOVED and view.record.retention_until.year == 2174


# --- access_household --------------------------------------------------------------------------


def test_household_view_lists_members_and_logs_each(city, approver, act):
    head, child = add_household(city, [{}, {"given_name": "花子"}])
    view = access_household(act(approver), head.household_id)
    assert [m.person_id for m in view.members] == [head.person_id, child.person_id]
    assert view.household_no == f"{head.household_id:010d}"
    (event,) = events(EventType.RESIDENT_VIEW)
    assert set(event.targets) == {no(head), no(child)}


def test_unknown_household_is_not_found(city, clerk, auditor, act):
    with pytest.raises(JukiError) as refused:
        access_household(act(clerk), 987654)
    assert (refused.value.code, refused.value.status) == ("HOUSEHOLD_NOT_FOUND", 404)
    with pytest.raises(PermissionDenied):
        access_household(act(auditor), 987654)


# --- reveal_my_number ---------------------------------------------------------------------------


def test_the_officer_reveals_a_my_number_for_a_listed_purpose_and_it_is_logged_without_it(city, officer, act):
    number = valid_my_number(12345678901)
    rec = person(city, my_number=number)
    assert reveal_my_number(act(officer), rec.person_id, purpose=PURPOSE) == number
    (event,) = events(EventType.MY_NUMBER_REVEALED)
    assert event.purpose == PURPOSE and list(event.targets) == [no(rec)] and event.outcome == Outcome.OK
    assert event.function == "mynumber.reveal" and event.staff_id == "officer01"
    every_row = json.dumps([[e.criteria, e.detail, e.purpose] for e in AuditEvent.objects.all()], ensure_ascii=False)
    assert number not in every_row


@pytest.mark.parametrize(("purpose", "code"), [("", "MY_NUMBER_PURPOSE_REQUIRED"), ("  ", "MY_NUMBER_PURPOSE_REQUIRED"),
                                               ("興味本位", "MY_NUMBER_PURPOSE_UNKNOWN")])
def test_a_reveal_needs_a_listed_purpose(city, officer, act, purpose, code):
    rec = person(city, my_number=valid_my_number(12345678901))
    with pytest.raises(ValidationFailed) as refused:
        reveal_my_number(act(officer), rec.person_id, purpose=purpose)
    assert (refused.value.code, refused.value.field) == (code, "purpose")
    (event,) = events(EventType.MY_NUMBER_REVEALED)
    assert event.outcome == Outcome.INVALID and event.detail["code"] == code


def test_only_the_my_number_officer_may_reveal(city, clerk, approver, auditor, act):
    """akita §5.2 item 34: display of My Numbers only for the My Number business role."""
    rec = person(city, my_number=valid_my_number(12345678901))
    for staff in (clerk, approver, auditor):
        with pytest.raises(PermissionDenied):
            reveal_my_number(act(staff), rec.person_id, purpose=PURPOSE)
    assert [e.outcome for e in events(EventType.MY_NUMBER_REVEALED)] == ["denied"] * 3


def test_revealing_when_no_number_is_held_or_the_person_is_missing(city, officer, act):
    rec = person(city)
    with pytest.raises(JukiError) as refused:
        reveal_my_number(act(officer), rec.person_id, purpose=PURPOSE)
    assert refused.value.code == "MY_NUMBER_NOT_HELD"
    with pytest.raises(JukiError) as refused:
        reveal_my_number(act(officer), 999999, purpose=PURPOSE)
    assert refused.value.code == "RESIDENT_NOT_FOUND"


def test_the_purpose_list_is_configurable(city, officer, act, settings):
    settings.JUKI_MY_NUMBER_PURPOSES = ["試験用の目的"]
    number = valid_my_number(12345678901)
    rec = person(city, my_number=number)
    assert reveal_my_number(act(officer), rec.person_id, purpose="試験用の目的") == number
    with pytest.raises(ValidationFailed):
        reveal_my_number(act(officer), rec.person_id, purpose=PURPOSE)
