"""End to end in Debian's Chromium: a clerk enters a 転入 for a new person, an approver
confirms it, and the clerk finds the person by kana (typed in hiragana) and date of birth.

Source: docs/register.md (a Playwright test has a clerk enter a 転入 and an approver confirm
it, then finds the person by kana + date of birth); 住基法22条 (転入届); DESIGN §5 (a change
takes effect only when a *different* authorised person confirms it).

The staff log in by a session made with Django's test client (tests/conftest.py ``logged_in``)
whose cookies are copied into the browser: the login and second-factor flow has its own
end-to-end test (test_login_e2e.py).
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, expect
from tests.conftest import ARTIFACTS, logged_in
from tests.register.factories import small_city

from juki.core import clock
from juki.register.models import Change, ChangeState, ResidentRecord

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]




def session_for(browser: Browser, live_server, staff, terminal) -> BrowserContext:
    """A browser context carrying a logged-in session of ``staff`` at ``terminal``."""
    client = logged_in(Client(), staff, terminal)
    context = browser.new_context(locale="ja-JP")
    context.add_cookies([
        {"name": name, "value": client.cookies[name].value, "url": live_server.url}
        for name in (settings.SESSION_COOKIE_NAME, settings.JUKI_TERMINAL_COOKIE)
    ])
    context.set_default_timeout(15_000)
    return context


def test_a_clerk_enters_a_move_in_an_approver_confirms_it_and_the_clerk_finds_the_person(
    live_server, browser, clerk, approver, terminal
):
    city = small_city()
    today = clock.today()
    moved_in = today - dt.timedelta(days=2)
    ARTIFACTS.mkdir(exist_ok=True)

    # 1. The clerk picks 転入届 from the kind list (keyboard: select, Tab, Enter) and fills the form.
    clerk_ctx = session_for(browser, live_server, clerk, terminal)
    page = clerk_ctx.new_page()
    page.goto(f"{live_server.url}/")
    page.get_by_role("link", name="異動入力").click()
    page.get_by_label("異動の種類").select_option("move_in")
    page.keyboard.press("Tab")  # to 「入力へ進む」
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", name="転入届")).to_be_visible()
    expect(page.get_by_label("異動日")).to_be_focused()

    page.get_by_label("異動日").fill(moved_in.isoformat())
    page.get_by_label("届出日").fill(f"令和{today.year - 2018}年{today.month}月{today.day}日")
    page.get_by_label("住所の町丁字コード").select_option(city.blocks[2].code)
    page.get_by_label("番地", exact=True).fill("3番4号")
    person = page.locator("fieldset", has_text="転入する者 1")
    person.get_by_label("氏（外国人住民は氏名）").fill("転入")
    person.get_by_label("名", exact=True).fill("一子")
    person.get_by_label("氏カナ", exact=True).fill("テンニュウ")
    person.get_by_label("名カナ", exact=True).fill("イチコ")
    person.get_by_label("生年（不詳は空欄）").fill("1990")
    person.get_by_label("生月（不詳は空欄）").fill("7")
    person.get_by_label("生日（不詳は空欄）").fill("15")
    person.get_by_label("性別（1: 男、2: 女）").select_option(label="女")
    person.get_by_label("世帯主との続柄").select_option(label="世帯主")
    person.get_by_label("転入前の住民票コード（転出証明書）").fill("12345678903")
    person.get_by_label("個人番号（転出証明書）").fill("987654321018")
    page.get_by_label("従前の住所（転出証明書）").fill("東京都千代田区千代田1番1号")
    page.get_by_label("転出元の地方公共団体コード").fill("131016")
    page.get_by_label("転出の予定年月日（転出証明書）").fill((today - dt.timedelta(days=5)).isoformat())
    page.get_by_label("転出の予定年月日（転出証明書）").press("Enter")  # Enter enters the change

    expect(page.get_by_text("仮更新しました")).to_be_visible()
    expect(page.locator("#change-state")).to_have_text("仮更新")
    expect(page.get_by_role("button", name="確定する")).to_have_count(0)  # not for the enterer
    page.screenshot(path=str(ARTIFACTS / "register-e2e-entered.png"), full_page=True)
    change = Change.objects.get()
    assert change.kind == "move_in" and change.entered_by == clerk.staff_id

    # 2. The approver opens the queue, reads before/after, and confirms.
    approver_ctx = session_for(browser, live_server, approver, terminal)
    review = approver_ctx.new_page()
    review.goto(f"{live_server.url}/")
    review.get_by_role("link", name="確認待ち一覧").click()
    review.get_by_role("link", name=str(change.pk), exact=True).click()
    diff = review.locator("section.person-diff")
    expect(diff).to_contain_text("（新規）")
    expect(diff.locator('tr[data-item="family_name"]')).to_contain_text("転入")
    expect(diff.locator('tr[data-item="town_block_id"]')).to_contain_text("旭北栄町")
    review.screenshot(path=str(ARTIFACTS / "register-e2e-review.png"), full_page=True)
    review.get_by_role("button", name="確定する").click()
    expect(review.get_by_text(f"異動 {change.pk} を確定しました。")).to_be_visible()
    change.refresh_from_db()
    assert change.state == ChangeState.CONFIRMED and change.decided_by == approver.staff_id

    # 3. The clerk searches by kana typed in hiragana and the date of birth in 和暦, and opens the person.
    page.goto(f"{live_server.url}/register/search/")
    expect(page.get_by_label("氏名（漢字・カナ・ひらがな・ローマ字・通称・旧氏）")).to_be_focused()
    page.get_by_label("氏名（漢字・カナ・ひらがな・ローマ字・通称・旧氏）").fill("てんにゅう いちこ")
    page.get_by_label("生年月日", exact=False).fill("平成2年7月15日")
    page.get_by_label("生年月日", exact=False).press("Enter")
    results = page.locator("#results table")
    expect(results).to_contain_text("転入\u3000一子")
    page.screenshot(path=str(ARTIFACTS / "register-e2e-search.png"), full_page=True)
    new_person = ResidentRecord.objects.get(is_current=True, family_name="転入")
    page.get_by_role("link", name=f"{new_person.person_id:010d}").first.click()
    expect(page.locator("#person-name")).to_have_text("転入\u3000一子")
    expect(page.locator('td[data-item="address"]')).to_have_text("秋田県秋田市旭北栄町3番4号")
    expect(page.locator('td[data-item="my_number"]')).to_have_text("＊＊＊＊＊＊＊＊＊＊＊＊")
    page.screenshot(path=str(ARTIFACTS / "register-e2e-person.png"), full_page=True)

    clerk_ctx.close()
    approver_ctx.close()
