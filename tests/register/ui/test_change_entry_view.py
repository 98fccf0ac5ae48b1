"""異動入力の画面: the kind picker and one entry form per kind with only that kind's items.

Source: docs/register.md ("each change kind accepts only its own items", "one entry form per
change kind showing only that kind's items"); Koriyama/Akita digests §5 (only the items on the
form can be entered); "Bad input" (a stale form is refused — optimistic locking).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.register.changes.kinds.moves_within import MoveWithinItems
from juki.register.models import Change, ChangeState

from .conftest import enter_move

pytestmark = pytest.mark.django_db

NEW = "/register/changes/new/"
MOVE = "/register/changes/new/move_within/"


def input_names(html: str) -> set[str]:
    """Names of the inputs a clerk can fill (hidden bookkeeping inputs and the CSRF token left out)."""
    names = set(re.findall(r'<(?:input|select|textarea)[^>]*\bname="([^"]+)"', html))
    return {n for n in names if not n.startswith("_") and n not in {"csrfmiddlewaretoken", "expected_versions"}}


def test_the_kind_picker_lists_kinds_grouped_with_their_labels(as_staff, clerk, city):
    page = as_staff(clerk).get(NEW).content.decode()
    assert "住所・世帯の届出" in page
    assert '<option value="move_within">転居届</option>' in page
    assert 'id="kind" name="kind" autofocus' in page


def test_picking_a_kind_with_enter_opens_its_form(as_staff, clerk, city):
    response = as_staff(clerk).get(NEW, {"kind": "move_within"})
    assert response.status_code == 302 and response["Location"] == MOVE


def test_an_unknown_kind_is_refused_with_its_code(as_staff, clerk, city):
    response = as_staff(clerk).get(NEW, {"kind": "no_such_kind"})
    assert response.status_code == 400
    assert "CHANGE_KIND_UNKNOWN" in response.content.decode()
    assert as_staff(clerk).get(NEW + "no_such_kind/").status_code == 404


def test_the_move_within_form_shows_exactly_its_own_items_and_the_two_dates(as_staff, clerk, city):
    """住基法23条 転居届: address items only — no name, birth or domicile inputs."""
    html = as_staff(clerk).get(MOVE).content.decode()
    assert input_names(html) == set(MoveWithinItems.model_fields) | {"effective_on", "notified_on"}
    assert "family_name" not in html and "domicile" not in html
    # keyboard-first: the first input has the focus, each input has its label
    assert re.search(r'<input[^>]*name="effective_on"[^>]*autofocus', html)
    assert '<label for="id_persons">転居する者の宛名番号' in html
    # the town block is chosen from the master, the household choice by its Japanese wording
    assert f'<option value="{city.blocks[1].code}">山王二丁目（{city.blocks[1].code}）</option>' in html
    assert "世帯全員で転居" in html


def test_entering_a_move_stores_a_provisional_change_and_shows_it(as_staff, clerk, household, city):
    head, child = household
    today = clock.today()
    client = as_staff(clerk)
    response = client.post(MOVE, {
        "effective_on": (today - dt.timedelta(days=2)).isoformat(), "notified_on": today.isoformat(),
        "persons": f"{head.person_id}、{child.person_id}",  # a Japanese comma works too
        "town_block": city.blocks[1].code, "banchi": "2番3号", "household": "same",
    })
    change = Change.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"/register/changes/mine/{change.pk}/"
    assert change.state == ChangeState.PROVISIONAL and change.entered_by == "clerk01"
    assert sorted(change.persons) == sorted([head.person_id, child.person_id])
    page = client.get(response["Location"]).content.decode()
    assert "仮更新しました" in page
    assert "山王二丁目" in page and "2番3号" in page  # the after values, in words


def test_a_refused_entry_shows_the_message_code_and_field_and_writes_nothing(as_staff, clerk, household, city):
    head, child = household
    today = clock.today().isoformat()
    response = as_staff(clerk).post(MOVE, {
        "effective_on": today, "notified_on": today, "persons": f"{head.person_id},{child.person_id}",
        "town_block": city.blocks[0].code, "banchi": "1番1号",  # the same address
    })
    page = response.content.decode()
    assert response.status_code == 400
    assert '<code class="error-code">MOVE_SAME_ADDRESS</code>' in page
    assert "新住所が現住所と同じです。" in page
    assert '<span class="error-field">新住所の町丁字コード</span>' in page
    assert '<ul class="errorlist"><li>新住所が現住所と同じです。</li></ul>' in page  # at the field itself
    assert not Change.objects.exists()
    assert AuditEvent.objects.filter(event_type=int(EventType.CHANGE_REFUSED)).exists()


def test_a_missing_item_is_named_at_its_field(as_staff, clerk, city):
    today = clock.today().isoformat()
    response = as_staff(clerk).post(MOVE, {"effective_on": today, "notified_on": today, "town_block": city.blocks[1].code})
    page = response.content.decode()
    assert "CHANGE_ITEM_INVALID" in page
    assert "転居する者の宛名番号" in page.split('class="error-field"')[1][:80]


def test_dates_may_be_typed_in_the_japanese_era(as_staff, clerk, household, city):
    (head, child) = household
    today = clock.today()
    response = as_staff(clerk).post(MOVE, {
        "effective_on": f"{today.year}/{today.month}/{today.day}", "notified_on": today.strftime("%Y%m%d"),
        "persons": f"{head.person_id},{child.person_id}", "town_block": city.blocks[1].code, "banchi": "5番",
    })
    assert response.status_code == 302
    assert Change.objects.get().effective_on == today


def test_an_impossible_date_is_refused_naming_the_field(as_staff, clerk, household, city):
    (head, child) = household
    response = as_staff(clerk).post(MOVE, {
        "effective_on": "2024-02-30", "notified_on": clock.today().isoformat(),
        "persons": f"{head.person_id},{child.person_id}", "town_block": city.blocks[1].code,
    })
    page = response.content.decode()
    assert response.status_code == 400 and "CHANGE_DATE_INVALID" in page and "異動日" in page
    assert not Change.objects.exists()


def test_the_person_link_prefills_the_form_and_a_stale_form_is_refused(as_staff, clerk, approver, household, city):
    """Optimistic locking (docs/register.md): the form opened on version 1; the record was
    changed meanwhile, so the entry is refused with CHANGE_STALE_FORM."""
    from django.test import Client
    from tests.conftest import logged_in

    head, child = household
    expected = f"{head.person_id}:1"
    client = as_staff(clerk)
    form = client.get(MOVE, {"persons": head.person_id, "expected": expected}).content.decode()
    assert f'value="{head.person_id}"' in form and f'value="{expected}"' in form

    # meanwhile another change to the same person is confirmed
    from juki.core.actor import Actor
    from juki.register.changes.workflow import do_confirm_change

    other = enter_move(clerk, city, [head.person_id, child.person_id], banchi="9番9号")
    do_confirm_change(other.pk, actor=Actor(approver, "T-COUNTER-01"))

    today = clock.today().isoformat()
    response = logged_in(Client(), clerk, clerk.terminals.first()).post(MOVE, {
        "effective_on": today, "notified_on": today, "persons": f"{head.person_id},{child.person_id}",
        "town_block": city.blocks[2].code, "banchi": "1番", "expected_versions": expected,
    })
    assert response.status_code == 400
    assert "CHANGE_STALE_FORM" in response.content.decode()
    assert Change.objects.filter(state=ChangeState.PROVISIONAL).count() == 0


@pytest.mark.parametrize("url", [NEW, MOVE, "/register/changes/mine/"])
def test_staff_without_the_entry_function_are_refused(as_staff, approver, auditor, city, url):
    assert as_staff(approver).get(url).status_code == 403
    assert as_staff(auditor).get(url).status_code == 403
