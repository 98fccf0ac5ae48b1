"""個人番号の変更 (番号法7条2項) and 住民票コードの変更 (住基法30条の4): new numbers come from the
number source at confirmation, never typed in, and a My Number is never stored in clear."""

from __future__ import annotations

import datetime as dt

import pytest
from tests.register.factories import add_household, small_city

from juki.identifiers import my_number as my_number_id
from juki.identifiers import resident_code as resident_code_id
from juki.register.models import IssuedNumber, ResidentRecord
from juki.register.my_numbers import blind_index, reveal

from .family_foreign_helpers import (
    OTHER_DOMICILE,
    a_my_number,
    a_resident_code,
    apply,
    confirm,
    current,
    enter,
    events,
    everything_stored_as_text,
    kinds_of,
    refused,
)

pytestmark = pytest.mark.django_db

OLD_NUMBER = a_my_number("98765432109")
OLD_CODE = a_resident_code("5555566666")


@pytest.fixture
def city():
    return small_city()


@pytest.fixture
def numbered(city):
    (p,) = add_household(city, [{"my_number": OLD_NUMBER, "resident_code": OLD_CODE}])
    return p


def _clear_number(person_id: int) -> str:
    rec = current(person_id)
    return reveal(bytes(rec.my_number_enc), person_id)


# --- 個人番号の変更 ------------------------------------------------------------------------------

def test_a_leaked_my_number_is_replaced_by_a_generated_one_on_confirmation(numbered, clerk, approver):
    """番号法7条2項: when a My Number has leaked and may be misused, a new one replaces it; it is
    generated from the 住民票コード (番号法8条2項), check-digit valid, sealed, and the resident
    code stays."""
    issued = IssuedNumber.objects.count()
    change = enter(clerk, "my_number_change", {"person": numbered.person_id, "basis": "request",
                                               "leak_reason": "個人番号カードの紛失後の不正利用の届出"})
    assert IssuedNumber.objects.count() == issued  # nothing generated at entry
    assert _clear_number(numbered.person_id) == OLD_NUMBER
    confirm(change, approver)

    rec = current(numbered.person_id)
    new = _clear_number(numbered.person_id)
    assert new != OLD_NUMBER and my_number_id.is_valid(new)
    assert rec.my_number_index == blind_index(new) and rec.resident_code == OLD_CODE
    assert (rec.version, rec.change_reason) == (2, "my_number_change")
    assert reveal(bytes(ResidentRecord.objects.get(pk=numbered.pk).my_number_enc), numbered.person_id) == OLD_NUMBER
    assert IssuedNumber.objects.count() == issued + 1


def test_a_my_number_change_sends_identity_and_delivery_info_with_only_the_sealed_number(numbered, clerk, approver):
    """送付先情報 for the new 個人番号通知書 (koriyama digest flow 4) and the identity update
    (住基法30条の6); neither the old nor the new number is in clear anywhere we store."""
    change = apply(clerk, approver, "my_number_change", {"person": numbered.person_id, "basis": "ex_officio",
                                                         "leak_reason": "漏えい事案（職権）"}, notified_on=None)
    assert kinds_of(change) == ["delivery_info", "identity_update", "intra_office"]
    rec = current(numbered.person_id)
    for ev in events(change, "identity_update") + events(change, "delivery_info"):
        import base64

        assert base64.b64decode(ev.payload["my_number_enc"]) == bytes(rec.my_number_enc)
    (intra,) = events(change, "intra_office")
    assert intra.payload["items"] == ["my_number"]
    text = everything_stored_as_text()
    assert OLD_NUMBER not in text and _clear_number(numbered.person_id) not in text


def test_a_my_number_is_never_typed_in(numbered, clerk):
    """番号法7条2項・8条: the new number is generated; an entered number is not an item of this change."""
    with refused("CHANGE_ITEM_NOT_ALLOWED") as exc:
        enter(clerk, "my_number_change", {"person": numbered.person_id, "basis": "request", "leak_reason": "漏えい",
                                          "my_number": a_my_number()})
    assert exc.value.field == "my_number"


def test_a_my_number_change_needs_its_basis_and_the_reason_for_it(numbered, clerk):
    """番号法7条2項: on the person's request or ex officio, and only for a leak that may be misused."""
    with refused("CHANGE_ITEM_INVALID") as exc:
        enter(clerk, "my_number_change", {"person": numbered.person_id, "basis": "申請", "leak_reason": "漏えい"})
    assert exc.value.field == "basis"
    with refused("CHANGE_ITEM_INVALID") as exc:
        enter(clerk, "my_number_change", {"person": numbered.person_id, "basis": "request", "leak_reason": ""})
    assert exc.value.field == "leak_reason"


def test_a_person_without_a_my_number_or_resident_code_cannot_have_it_changed(city, clerk):
    """番号法7条2項 changes an existing number; generation needs the 住民票コード (番号法8条2項)."""
    (none,) = add_household(city, [{"resident_code": OLD_CODE}])
    with refused("MY_NUMBER_CHANGE_NONE_RECORDED"):
        enter(clerk, "my_number_change", {"person": none.person_id, "basis": "ex_officio", "leak_reason": "漏えい"})
    (no_code,) = add_household(city, [{"my_number": OLD_NUMBER}])
    with refused("MY_NUMBER_CHANGE_NO_RESIDENT_CODE"):
        enter(clerk, "my_number_change", {"person": no_code.person_id, "basis": "ex_officio", "leak_reason": "漏えい"})


def test_a_removed_persons_my_number_is_not_changed(city, clerk):
    """住基法施行令12条・13条: removed records change only through 回復 or 修正."""
    (gone,) = add_household(city, [{"my_number": OLD_NUMBER, "resident_code": OLD_CODE, "status": "removed",
                                     "removal_reason": "death", "removed_on": dt.date(2020, 1, 1),
                                     "retention_until": dt.date(2170, 1, 1)}])
    with refused("CHANGE_PERSON_REMOVED"):
        enter(clerk, "my_number_change", {"person": gone.person_id, "basis": "ex_officio", "leak_reason": "漏えい"})


# --- 住民票コードの変更 ----------------------------------------------------------------------------

def test_a_resident_code_is_changed_on_request_and_the_my_number_stays(numbered, clerk, approver):
    """住基法30条の4: on request a new 住民票コード (allocated, check digit valid) replaces the old;
    the My Number is unchanged; the identity update carries the previous code for re-linking."""
    issued = IssuedNumber.objects.count()
    change = enter(clerk, "resident_code_change", {"person": numbered.person_id})
    assert IssuedNumber.objects.count() == issued
    confirm(change, approver)
    rec = current(numbered.person_id)
    assert rec.resident_code != OLD_CODE and resident_code_id.is_valid(rec.resident_code)
    assert _clear_number(numbered.person_id) == OLD_NUMBER and rec.my_number_index == blind_index(OLD_NUMBER)
    assert IssuedNumber.objects.count() == issued + 1
    assert kinds_of(change) == ["identity_update", "intra_office"]
    (identity,) = events(change, "identity_update")
    assert identity.payload["resident_code"] == rec.resident_code
    assert identity.payload["previous_resident_code"] == OLD_CODE
    assert OLD_NUMBER not in everything_stored_as_text()


def test_a_resident_code_change_notifies_a_domicile_elsewhere(city, clerk, approver):
    """住基法19条: the 住民票コード is an item of the 附票 (附票本人確認情報, jlis-001a digest §2.5)."""
    (p,) = add_household(city, [{"resident_code": OLD_CODE, "domicile": OTHER_DOMICILE}])
    change = apply(clerk, approver, "resident_code_change", {"person": p.person_id})
    (fuhyo,) = events(change, "fuhyo_notice")
    assert fuhyo.payload["resident_code"] == current(p.person_id).resident_code


def test_a_resident_code_change_needs_the_request_date_and_an_existing_code(city, numbered, clerk):
    """住基法30条の4: the change is made on the person's request (請求)."""
    with refused("CHANGE_NOTIFIED_ON_REQUIRED"):
        enter(clerk, "resident_code_change", {"person": numbered.person_id}, notified_on=None)
    (none,) = add_household(city, [{}])
    with refused("RESIDENT_CODE_CHANGE_NONE_RECORDED"):
        enter(clerk, "resident_code_change", {"person": none.person_id})
    with refused("CHANGE_ITEM_NOT_ALLOWED"):
        enter(clerk, "resident_code_change", {"person": numbered.person_id, "resident_code": a_resident_code()})
