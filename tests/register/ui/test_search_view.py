"""住民検索の画面 (docs/register.md): the criteria form, the results, the refusals.

Source: DESIGN §6 (identity searches need at least two criteria besides sex; results are
capped; My Numbers searched only by the My Number officer); Koriyama/Akita digests §5.
"""

from __future__ import annotations

import pytest

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.register.search import SearchResult, SearchRow

pytestmark = pytest.mark.django_db

URL = "/register/search/"


def test_the_search_form_renders_keyboard_first_without_the_my_number_field_for_a_clerk(as_staff, clerk, city):
    page = as_staff(clerk).get(URL).content.decode()
    assert '<label for="id_name">氏名' in page
    assert 'name="name"' in page and "autofocus" in page.split('name="name"')[0][-200:] + page.split('name="name"')[1][:200]
    for name in ("birth", "sex", "town_block", "address", "household_no", "resident_code"):
        assert f'name="{name}"' in page
    assert f'<option value="{city.blocks[0].code}">山王一丁目' in page
    assert 'name="my_number"' not in page


def test_the_my_number_field_is_shown_only_to_the_my_number_officer(as_staff, my_number_officer, city):
    assert 'name="my_number"' in as_staff(my_number_officer).get(URL).content.decode()


def test_a_name_and_birth_search_shows_the_person_with_a_link(as_staff, clerk, household):
    head, _child = household
    response = as_staff(clerk).post(URL, {"name": "しけん", "birth": "昭和55年5月1日"})
    page = response.content.decode()
    assert response.status_code == 200
    assert f'href="/register/persons/{head.person_id:010d}/"' in page
    assert "試験" in page and head.given_name in page
    assert AuditEvent.objects.filter(event_type=int(EventType.RESIDENT_SEARCH), staff_id="clerk01").exists()


def test_a_too_broad_search_is_refused_with_its_code(as_staff, clerk, household):
    """Two criteria besides sex are required (DESIGN §6)."""
    response = as_staff(clerk).post(URL, {"name": "シケン", "sex": "1"})
    page = response.content.decode()
    assert response.status_code == 400
    assert '<code class="error-code">SEARCH_TOO_BROAD</code>' in page
    assert 'id="results"' not in page


def test_a_truncated_result_asks_to_narrow_the_search(as_staff, clerk, city, monkeypatch):
    row = SearchRow("0000000001", "試験\u3000太郎", "シケン\u3000タロウ", "昭和55年5月1日", "男", "山王一丁目1番1号",
                    "住民", "0000000001")
    monkeypatch.setattr("juki.register.views.search.search_residents",
                        lambda actor, criteria: SearchResult(rows=[row], truncated=True, total_capped=60,
                                                             message="該当者が1件を超えました。検索条件を絞り込んでください。"))
    page = as_staff(clerk).post(URL, {"name": "シケン", "birth": "1980"}).content.decode()
    assert 'id="narrow"' in page and "検索条件を絞り込んでください" in page


def test_no_match_says_so(as_staff, clerk, household):
    page = as_staff(clerk).post(URL, {"name": "ヤマダ", "birth": "1999-01-01"}).content.decode()
    assert 'id="no-results"' in page


@pytest.mark.parametrize("persona", ["auditor", "admin"])
def test_staff_without_the_search_function_are_refused(request, as_staff, city, persona):
    staff = request.getfixturevalue(persona)
    assert as_staff(staff).get(URL).status_code == 403
    assert as_staff(staff).post(URL, {"name": "シケン", "birth": "1980"}).status_code == 403
