"""The statistics charts render in Chromium (docs/statistics.md: the charts render in the
browser, Playwright screenshot test). The screenshots are saved in test-artifacts/ to be looked at.

The statistics staff member logs in by a session made with Django's test client, as in
tests/e2e/test_register_e2e.py.
"""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect
from tests.conftest import ARTIFACTS, logged_in

from juki.security.roles import Role

from .city import build

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]




def test_the_pyramid_block_bars_and_monthly_chart_render_with_bars(live_server, browser, clerk, approver, make_staff,
                                                                   terminal, settings):
    settings.JUKI_STATS_MIN_CELL = 1  # the test city is tiny: show every count so there are bars to see
    build(clerk, approver)
    stats = make_staff("stats01", Role.STATISTICS, name="統計 五郎")
    client = logged_in(Client(), stats, terminal)
    context = browser.new_context(locale="ja-JP", viewport={"width": 1100, "height": 900})
    context.add_cookies([{"name": n, "value": client.cookies[n].value, "url": live_server.url}
                         for n in (settings.SESSION_COOKIE_NAME, settings.JUKI_TERMINAL_COOKIE)])
    context.set_default_timeout(15_000)
    page = context.new_page()
    ARTIFACTS.mkdir(exist_ok=True)

    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="統計").click()
    page.get_by_label("基準日").fill("2025-01-01")
    page.get_by_role("button", name="表示").click()
    expect(page.get_by_text("2025年1月1日現在　人口 10人")).to_be_visible()
    pyramid = page.locator("#chart-pyramid svg")
    expect(pyramid).to_be_visible()
    assert pyramid.locator("rect.bar.male").count() == 22 and pyramid.locator("rect.bar.female").count() == 22
    # Bars are drawn with a size in the browser: the 40–44 male bar (1 person) and the blocks' totals.
    box = pyramid.locator('rect.bar.male[data-value="1"]').first.bounding_box()
    assert box is not None and box["width"] > 10 and box["height"] > 5
    box = page.locator("#chart-blocks svg rect.bar").first.bounding_box()
    assert box is not None and box["width"] > 10
    pyramid.screenshot(path=str(ARTIFACTS / "stats-pyramid.png"))
    page.screenshot(path=str(ARTIFACTS / "stats-population.png"), full_page=True)

    page.get_by_role("link", name="人口動態統計").click()
    page.get_by_label("集計月").fill("2024-12")
    page.get_by_role("button", name="表示").click()
    monthly = page.locator("#chart-monthly svg")
    expect(monthly).to_be_visible()
    assert monthly.locator("rect.bar").count() == 60
    box = monthly.locator('rect.bar[data-series="転入"][data-value="2"]').bounding_box()
    assert box is not None and box["height"] > 10
    page.screenshot(path=str(ARTIFACTS / "stats-movements.png"), full_page=True)
    context.close()
