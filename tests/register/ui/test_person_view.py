"""住民票照会・世帯照会 (docs/register.md): current record with every item grouped, household,
history with the three dates, the record as of a past date, and links to enter a change.

Source: 住基法7条 (the items of a resident record); DESIGN §5 (history: notified, effective and
recorded dates; a record "as of" any past date must be reproducible); DESIGN §6 (My Numbers
masked on screen).
"""

from __future__ import annotations

import datetime as dt
import re

import pytest

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.actor import Actor
from juki.register.changes.workflow import do_confirm_change

from .conftest import enter_move

pytestmark = pytest.mark.django_db

MY_NUMBER = "123456789018"  # check digit valid, obviously synthetic


def person_url(rec) -> str:
    return f"/register/persons/{rec.person_id}/"


def item(page: str, name: str) -> str:
    return re.search(rf'<td data-item="{name}">(.*?)</td>', page, re.S).group(1)


@pytest.fixture
def moved(household, city, clerk, approver):
    """The household moved three days ago (version 2); version 1 was in force before."""
    head, child = household
    change = enter_move(clerk, city, [head.person_id, child.person_id])
    do_confirm_change(change.pk, actor=Actor(approver, "T-COUNTER-01"))
    return household


def test_the_record_shows_every_group_and_masks_the_my_number(as_staff, clerk, city):
    from tests.register.factories import add_household

    (rec,) = add_household(city, [{"my_number": MY_NUMBER, "domicile": "秋田県秋田市山王一丁目1番",
                                   "domicile_head": "試験 一郎", "resident_code": "12345678903"}])
    page = as_staff(clerk).get(person_url(rec)).content.decode()
    for group in ("氏名", "生年月日・性別", "住所", "世帯・続柄", "本籍・筆頭者", "住民票コード・個人番号", "日付"):
        assert f"<h2>{group}</h2>" in page
    assert item(page, "family_name") == "試験"
    assert item(page, "birth") == "昭和55年5月1日"
    assert item(page, "address") == "秋田県秋田市山王一丁目1番1号"
    assert item(page, "relationship") == "世帯主"
    assert item(page, "domicile") == "秋田県秋田市山王一丁目1番"
    assert item(page, "my_number") == "＊＊＊＊＊＊＊＊＊＊＊＊" and MY_NUMBER not in page
    assert AuditEvent.objects.filter(event_type=int(EventType.RESIDENT_VIEW), staff_id="clerk01").exists()


def test_the_household_members_and_the_history_with_three_dates_are_shown(as_staff, clerk, moved):
    head, child = moved
    page = as_staff(clerk).get(person_url(head)).content.decode()
    household = page.split('id="household"')[1].split("</section>")[0]
    assert child.full_name in household and "子" in household
    history = page.split('id="history"')[1].split("</section>")[0]
    rows = re.findall(r"<tr[^>]*><td>(\d+)", history)
    assert rows == ["1", "2"]
    today = clock.today()
    moved_on = today - dt.timedelta(days=3)
    assert "転居" in history and "初期登録" in history
    assert f"{moved_on.year}年{moved_on.month}月{moved_on.day}日" in history  # 異動日
    assert f"{today.year}年{today.month}月{today.day}日" in history  # 届出日 (and 処理日時)
    assert item(page, "banchi") == "2番3号"


def test_the_as_of_date_shows_the_record_in_force_that_day(as_staff, clerk, moved):
    head, _child = moved
    before = (clock.today() - dt.timedelta(days=10)).isoformat()
    page = as_staff(clerk).get(person_url(head), {"as_of": before}).content.decode()
    assert item(page, "banchi") == "1番1号"
    assert 'class="asof"' in page
    assert 'aria-current="true" class="shown"><td>1' in page


def test_the_change_links_prefill_the_person_and_carry_the_version_shown(as_staff, clerk, moved):
    head, _child = moved
    page = as_staff(clerk).get(person_url(head)).content.decode()
    assert f'href="/register/changes/new/move_within/?persons={head.person_id}&amp;expected={head.person_id}%3A2"' in page


def test_an_approver_sees_the_record_but_no_change_links(as_staff, approver, household):
    head, _child = household
    page = as_staff(approver).get(person_url(head)).content.decode()
    assert item(page, "family_name") == "試験" and 'id="changes"' not in page


def test_an_unknown_person_is_not_found(as_staff, clerk, city):
    response = as_staff(clerk).get("/register/persons/987654321/")
    assert response.status_code == 404 and "RESIDENT_NOT_FOUND" in response.content.decode()


def test_the_household_screen_lists_members_in_listing_order(as_staff, clerk, household):
    head, child = household
    page = as_staff(clerk).get(f"/register/households/{head.household_id}/").content.decode()
    assert page.index(head.full_name) < page.index(child.full_name)
    assert "世帯主" in page and "秋田県秋田市山王一丁目1番1号" in page


@pytest.mark.parametrize("persona", ["auditor", "admin"])
def test_staff_without_the_view_function_are_refused(request, as_staff, household, persona):
    head, _child = household
    staff = request.getfixturevalue(persona)
    assert as_staff(staff).get(person_url(head)).status_code == 403
    assert as_staff(staff).get(f"/register/households/{head.household_id}/").status_code == 403
