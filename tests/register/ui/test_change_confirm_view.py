"""確認待ち一覧・異動の確認: before/after for approvers, confirm, reject, cancel — four-eyes.

Source: docs/register.md ("entered provisionally and effective only when a *different* authorised
user confirms it") and §7 (the provisional-change queue with before/after side by side);
DESIGN §6 (nobody confirms their own change); Koriyama/Akita digests §5 (a second person
confirms every input, correction and deletion).
"""

from __future__ import annotations

import re

import pytest
from django.test import Client
from tests.conftest import logged_in

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.register.models import Change, ChangeState, ResidentRecord

from .conftest import enter_move

pytestmark = pytest.mark.django_db

PENDING = "/register/changes/pending/"


def client_for(staff, terminal) -> Client:
    return logged_in(Client(), staff, terminal)


@pytest.fixture
def change(clerk, household, city) -> Change:
    head, child = household
    return enter_move(clerk, city, [head.person_id, child.person_id])


def test_the_queue_lists_provisional_changes_for_approvers(approver, terminal, change):
    page = client_for(approver, terminal).get(PENDING).content.decode()
    assert f'href="/register/changes/{change.pk}/"' in page
    assert "転居届" in page and "clerk01" in page


def test_the_detail_shows_before_and_after_side_by_side_with_japanese_labels(approver, terminal, change, household):
    head, _child = household
    page = client_for(approver, terminal).get(f"/register/changes/{change.pk}/").content.decode()
    row = re.search(r'<tr data-item="banchi">(.*?)</tr>', page, re.S).group(1)
    assert "番地" in row and "<td>1番1号</td>" in row and "2番3号" in row
    town = re.search(r'<tr data-item="town_block_id">(.*?)</tr>', page, re.S).group(1)
    assert "町丁字" in town and "山王一丁目" in town and "山王二丁目" in town
    assert head.full_name in page
    assert 'id="confirm-button"' in page and 'id="reject-button"' in page
    # showing personal data is itself recorded
    view = AuditEvent.objects.filter(event_type=int(EventType.PAGE_VIEW), staff_id="approver01").last()
    assert view is not None and f"{head.person_id:010d}" in view.targets


def test_a_late_notification_is_shown_as_a_warning(approver, terminal, clerk, household, city):
    """住基法22〜24条: a notification after 14 days is flagged for the approver, not refused."""
    import datetime as dt

    from juki.core import clock
    from juki.core.actor import Actor
    from juki.register.changes.workflow import do_enter_change

    head, child = household
    today = clock.today()
    late = do_enter_change(
        "move_within", {"persons": [head.person_id, child.person_id], "town_block": city.blocks[1].code, "banchi": "7番"},
        effective_on=today - dt.timedelta(days=30), notified_on=today, actor=Actor(clerk),
    )
    page = client_for(approver, terminal).get(f"/register/changes/{late.pk}/").content.decode()
    assert 'id="warnings"' in page and "届出期間（14日）を経過" in page


def test_an_approver_confirms_through_the_screen_and_the_record_changes(approver, terminal, change, household):
    head, _child = household
    client = client_for(approver, terminal)
    response = client.post(f"/register/changes/{change.pk}/confirm/", {"comment": "確認済"})
    assert response.status_code == 302 and response["Location"] == PENDING
    assert "確定しました" in client.get(PENDING).content.decode()
    change.refresh_from_db()
    assert change.state == ChangeState.CONFIRMED and change.decided_by == "approver01"
    assert ResidentRecord.objects.get(person_id=head.person_id, is_current=True).banchi == "2番3号"


def test_rejecting_needs_a_comment(approver, terminal, change):
    client = client_for(approver, terminal)
    response = client.post(f"/register/changes/{change.pk}/reject/", {"comment": "  "})
    page = client.get(response["Location"]).content.decode()
    assert "却下の理由を入力してください。" in page and "CHANGE_REJECT_REASON_REQUIRED" in page
    change.refresh_from_db()
    assert change.state == ChangeState.PROVISIONAL

    client.post(f"/register/changes/{change.pk}/reject/", {"comment": "番地の誤り"})
    change.refresh_from_db()
    assert change.state == ChangeState.REJECTED and change.decision_comment == "番地の誤り"


def test_the_clerk_sees_no_confirm_button_on_their_own_change_and_the_server_refuses_anyway(clerk, terminal, change):
    client = client_for(clerk, terminal)
    page = client.get(f"/register/changes/mine/{change.pk}/").content.decode()
    assert 'id="confirm-button"' not in page and 'id="reject-button"' not in page
    assert 'id="cancel-button"' in page
    assert client.post(f"/register/changes/{change.pk}/confirm/").status_code == 403
    assert client.get(PENDING).status_code == 403
    change.refresh_from_db()
    assert change.state == ChangeState.PROVISIONAL


def test_a_staff_member_holding_both_roles_cannot_confirm_their_own_change(clerk_approver, terminal, household, city):
    """Four-eyes holds per person, not per role: approver_is_not_enterer."""
    head, child = household
    own = enter_move(clerk_approver, city, [head.person_id, child.person_id])
    client = client_for(clerk_approver, terminal)
    page = client.get(f"/register/changes/{own.pk}/").content.decode()
    assert 'id="confirm-button"' not in page and 'id="own-change"' in page
    response = client.post(f"/register/changes/{own.pk}/confirm/")
    assert "CHANGE_SELF_CONFIRM" in client.get(response["Location"]).content.decode()
    own.refresh_from_db()
    assert own.state == ChangeState.PROVISIONAL
    assert ResidentRecord.objects.get(person_id=head.person_id, is_current=True).version == 1


def test_the_enterer_cancels_their_own_change(clerk, terminal, change):
    client = client_for(clerk, terminal)
    response = client.post(f"/register/changes/mine/{change.pk}/cancel/", {"comment": "入力誤り"})
    assert "取り消しました" in client.get(response["Location"]).content.decode()
    change.refresh_from_db()
    assert change.state == ChangeState.CANCELLED


def test_a_clerk_sees_only_their_own_changes_under_mine(make_staff, terminal, change):
    from juki.security.roles import Role

    other = make_staff("clerk02", Role.CLERK)
    client = client_for(other, terminal)
    assert client.get(f"/register/changes/mine/{change.pk}/").status_code == 404
    assert f"/register/changes/mine/{change.pk}/" not in client.get("/register/changes/mine/").content.decode()


def test_an_unknown_change_is_not_found(approver, terminal, city):
    assert client_for(approver, terminal).get("/register/changes/999999/").status_code == 404


@pytest.mark.parametrize("url", [PENDING, "/register/changes/1/"])
def test_staff_without_the_confirm_function_are_refused(clerk, auditor, terminal, city, url):
    assert client_for(clerk, terminal).get(url).status_code == 403
    assert client_for(auditor, terminal).get(url).status_code == 403


def test_a_followed_move_of_the_joined_household_is_shown_as_its_own_version(approver, terminal, clerk, household, city):
    """A birth reported after the household's 転居 (docs/decisions/0006): the approver sees the
    child's version of the birth and the later version following the move, with its 異動日."""
    import datetime as dt

    from juki.core import clock
    from juki.core.actor import Actor
    from juki.register.changes.workflow import do_confirm_change, do_enter_change

    head, child = household
    moved = enter_move(clerk, city, [head.person_id, child.person_id])
    do_confirm_change(moved.pk, actor=Actor(approver, "T-COUNTER-01"))
    born = moved.effective_on - dt.timedelta(days=2)
    birth = do_enter_change("birth", {
        "household_no": head.household_id, "family_name": "試験", "given_name": "一郎", "family_name_kana": "シケン",
        "given_name_kana": "イチロウ", "sex": 1, "domicile": "秋田県秋田市山王一丁目10番地", "domicile_head": "試験\u3000太郎1",
    }, effective_on=born, notified_on=clock.today(), actor=Actor(clerk, "T-COUNTER-01"))
    page = client_for(approver, terminal).get(f"/register/changes/{birth.pk}/").content.decode()
    assert page.count('class="person-diff"') == 2
    assert f"（{moved.effective_on.isoformat()}から・世帯の異動に伴う記載）" in page
    assert "住所が変わっています（転居）" in page
