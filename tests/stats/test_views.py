"""Statistics screens (docs/statistics.md): the statistics role sees aggregates only, suppressed;
clerks without 統計 are denied; the lists show counts and send persons through the bulk-output
approval; every view is audited with its criteria and no personal data (7001–7005)."""

from __future__ import annotations

import csv
import io

import pytest
from openpyxl import load_workbook
from tests.conftest import ARTIFACTS

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.exports.models import ExportRequest
from juki.security.roles import Role

from .city import build

pytestmark = pytest.mark.django_db

#: Names of residents of the test city: none may appear on a statistics page.
RESIDENT_NAMES = ("春子", "NGUYEN", "トメ", "太郎1")  # (not 花子: the clerk persona is 窓口 花子)


@pytest.fixture
def hist(clerk, approver):
    return build(clerk, approver)


@pytest.fixture
def stats_staff(make_staff):
    return make_staff("stats01", Role.STATISTICS, name="統計 五郎")


@pytest.fixture
def manager(make_staff):
    return make_staff("manager01", Role.MANAGER, name="管理責任 八郎")


def last(event: EventType) -> AuditEvent:
    return AuditEvent.objects.filter(event_type=event).order_by("-seq").first()


def test_the_statistics_role_sees_the_population_as_of_a_date_with_charts_and_no_names(hist, as_staff, stats_staff):
    r = as_staff(stats_staff).get("/stats/?on=2025-01-01")
    assert r.status_code == 200
    html = r.content.decode()
    assert "2025年1月1日現在" in html and 'id="table-population_blocks"' in html
    assert html.count('<rect class="bar male"') == 22 and 'id="chart-blocks"' in html
    assert not any(name in html for name in RESIDENT_NAMES)
    event = last(EventType.STATS_POPULATION_VIEWED)
    assert event.criteria == {"on": "2025-01-01", "block": ""} and event.targets == [] and event.staff_id == "stats01"


def test_the_page_as_of_a_past_date_shows_that_days_counts(hist, as_staff, stats_staff, settings):
    settings.JUKI_STATS_MIN_CELL = 1
    c = as_staff(stats_staff)
    assert "人口 9人" in c.get("/stats/?on=2024-05-31").content.decode()
    assert "人口 11人" in c.get("/stats/?on=2024-11-05").content.decode()


def test_small_cells_are_shown_as_x_on_screen(hist, as_staff, stats_staff, settings):
    settings.JUKI_STATS_MIN_CELL = 3
    html = as_staff(stats_staff).get("/stats/?on=2025-01-01").content.decode()
    assert '<td class="num suppressed">X</td>' in html
    settings.JUKI_STATS_MIN_CELL = 1
    html = as_staff(stats_staff).get("/stats/?on=2025-01-01").content.decode()
    assert '<td class="num suppressed">X</td>' not in html


def test_the_movements_page_shows_the_month_origins_and_the_monthly_chart(hist, as_staff, stats_staff, settings):
    settings.JUKI_STATS_MIN_CELL = 1
    r = as_staff(stats_staff).get("/stats/movements/?month=2024-11")
    html = r.content.decode()
    assert r.status_code == 200 and "東京都" in html and "新宿区" in html
    assert html.count('<rect class="bar"') == 60  # 12 months × 5 series
    assert last(EventType.STATS_MOVEMENTS_VIEWED).criteria == {"month": "2024-11"}


@pytest.mark.parametrize("name", ["population_blocks", "population_ages", "population_detail", "movements",
                                  "origins", "destinations", "foreign"])
def test_every_table_exports_as_csv_and_xlsx_that_open(hist, as_staff, stats_staff, name):
    c = as_staff(stats_staff)
    r = c.get(f"/stats/export/{name}.csv?on=2025-01-01&month=2024-11")
    assert r.status_code == 200 and r["Content-Type"].startswith("text/csv")
    assert r["Cache-Control"] == "no-store"
    rows = list(csv.reader(io.StringIO(r.content.decode("utf-8-sig"))))
    assert len(rows) >= 3
    r = c.get(f"/stats/export/{name}.xlsx?on=2025-01-01&month=2024-11")
    ws = load_workbook(io.BytesIO(r.content)).active
    assert [list(x) for x in ws.iter_rows(values_only=True)][2] == rows[2]
    event = last(EventType.STATS_EXPORTED)
    assert event.criteria["table"] == name and event.criteria["format"] == "xlsx" and event.targets == []


def test_an_unknown_table_or_format_is_not_found(hist, as_staff, stats_staff):
    c = as_staff(stats_staff)
    assert c.get("/stats/export/residents.csv").status_code == 404
    assert c.get("/stats/export/movements.pdf").status_code == 404


def test_the_report_is_a_pdf_with_the_charts(hist, as_staff, stats_staff):
    r = as_staff(stats_staff).get("/stats/report.pdf?on=2025-01-01&month=2024-11")
    assert r.status_code == 200 and r["Content-Type"] == "application/pdf" and r.content.startswith(b"%PDF")
    ARTIFACTS.mkdir(exist_ok=True)
    (ARTIFACTS / "stats-report.pdf").write_bytes(r.content)
    assert last(EventType.STATS_REPORT_PRINTED).criteria == {"on": "2025-01-01", "month": "2024-11"}


def test_a_clerk_without_stats_view_is_denied_the_statistics(hist, as_staff, clerk):
    c = as_staff(clerk)
    for url in ("/stats/", "/stats/movements/", "/stats/export/movements.csv", "/stats/report.pdf"):
        assert c.get(url).status_code == 403, url


def test_the_statistics_role_sees_no_operational_list_and_cannot_request_persons(hist, as_staff, stats_staff):
    c = as_staff(stats_staff)
    assert c.get("/stats/lists/").status_code == 403
    assert c.post("/stats/lists/export/", {"scope": "stats_stay_expiring", "purpose": "x", "days": "60"}).status_code == 403
    assert ExportRequest.objects.count() == 0


def test_a_clerk_sees_the_list_counts_without_names(hist, as_staff, clerk):
    r = as_staff(clerk).get("/stats/lists/?start=2024-01-01&end=2024-12-31&days=60")
    html = r.content.decode()
    assert r.status_code == 200
    assert "1件（対象者 2人）" in html and "転入届" in html
    assert not any(name in html for name in RESIDENT_NAMES)
    assert last(EventType.STATS_LISTS_VIEWED).criteria == {"start": "2024-01-01", "end": "2024-12-31", "days": 60}


def test_the_manager_sees_the_counts_but_no_request_form(hist, as_staff, manager):
    html = as_staff(manager).get("/stats/lists/").content.decode()
    assert "業務リスト" in html and 'action="/stats/lists/export/"' not in html


def test_a_clerk_requests_a_person_list_and_it_waits_for_the_managers_approval(hist, as_staff, clerk):
    r = as_staff(clerk).post("/stats/lists/export/", {"scope": "stats_late_notifications", "purpose": "過料通知事務",
                                                      "start": "2024-11-01", "end": "2024-11-30"})
    assert r.status_code == 302 and r["Location"] == "/exports/"
    req = ExportRequest.objects.get()
    assert (req.scope, req.state, req.expected_rows) == ("stats_late_notifications", "requested", 2)
    assert req.parameters == {"start": "2024-11-01", "end": "2024-11-30"}


def test_the_menu_offers_statistics_to_the_statistics_role_and_lists_to_the_clerk(hist, as_staff, stats_staff, clerk):
    assert 'href="/stats/"' in as_staff(stats_staff).get("/").content.decode()
    html = as_staff(clerk).get("/").content.decode()
    assert 'href="/stats/lists/"' in html and 'href="/stats/"' not in html


def test_a_malformed_date_or_month_falls_back_to_today_with_a_message(hist, as_staff, stats_staff):
    c = as_staff(stats_staff)
    r = c.get("/stats/?on=2025-13-45")
    assert r.status_code == 200 and "基準日の形式が正しくありません" in r.content.decode()
    r = c.get("/stats/movements/?month=abc")
    assert r.status_code == 200 and "集計月の形式が正しくありません" in r.content.decode()
