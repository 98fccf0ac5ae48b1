"""End to end in Debian's Chromium: a clerk searches a resident, issues a 住民票の写し at the
counter and downloads the PDF, which carries the person's name.

Source: docs/certificates.md (a Playwright test issues a 住民票の写し at the counter and
downloads the PDF); 住基法12条 (the person's own request, identity document checked).

The browser is bound to the counter terminal by its signed cookie; the clerk then logs in for
real — staff ID, password, and the second factor (TOTP, enrolled at this first login, the
"authenticator app" being pyotp) — and works from the menu.
"""

from __future__ import annotations

import subprocess

import pyotp
import pytest
from django.conf import settings
from django.test import Client
from playwright.sync_api import Browser, BrowserContext, expect
from tests.conftest import ARTIFACTS, PASSWORD, at_terminal
from tests.register.factories import add_household, small_city

from juki.certificates.models import Certificate

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]




def at_counter(browser: Browser, live_server, terminal) -> BrowserContext:
    """A browser bound to the registered counter terminal (its signed cookie), nobody logged in."""
    client = at_terminal(Client(), terminal)
    context = browser.new_context(locale="ja-JP", accept_downloads=True)
    context.add_cookies([{"name": settings.JUKI_TERMINAL_COOKIE,
                          "value": client.cookies[settings.JUKI_TERMINAL_COOKIE].value, "url": live_server.url}])
    context.set_default_timeout(30_000)
    return context


def test_a_clerk_issues_a_resident_copy_at_the_counter_and_downloads_the_pdf(live_server, browser, clerk, terminal,
                                                                              tmp_path):
    city = small_city()
    me, _child = add_household(city, [
        {"family_name": "窓口", "given_name": "交付子", "family_name_kana": "マドグチ", "given_name_kana": "コウフコ",
         "birth_year": 1985, "birth_month": 4, "birth_day": 12, "sex": 2},
        {"family_name": "窓口", "given_name": "次郎", "family_name_kana": "マドグチ", "given_name_kana": "ジロウ"},
    ])
    no = f"{me.person_id:010d}"
    ARTIFACTS.mkdir(exist_ok=True)
    page = at_counter(browser, live_server, terminal).new_page()

    # 0. Log in at the counter terminal: staff ID, password, second factor (enrolled now).
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_text(f"端末: {terminal.terminal_id}")).to_be_visible()
    page.get_by_label("職員ID").fill(clerk.staff_id)
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_label("パスワード").press("Enter")
    expect(page.get_by_role("heading", name="二要素認証の登録")).to_be_visible()
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    page.get_by_label("確認コード").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="登録してログイン").click()
    expect(page.get_by_role("heading", name="業務メニュー")).to_be_visible()
    expect(page.get_by_role("link", name="証明書交付")).to_be_visible()

    # 1. Search the resident and open the record.
    page.get_by_role("link", name="住民検索").click()
    page.get_by_label("氏名（漢字・カナ・ひらがな・ローマ字・通称・旧氏）").fill("まどぐち こうふこ")
    page.get_by_label("生年月日", exact=False).fill("昭和60年4月12日")
    page.get_by_label("生年月日", exact=False).press("Enter")
    expect(page.locator("#results table")).to_contain_text("窓口\u3000交付子")
    page.get_by_role("link", name=no).first.click()
    expect(page.locator("#person-name")).to_have_text("窓口\u3000交付子")

    # 2. From the record to the counter form: the person is pre-selected, the household listed.
    page.get_by_role("link", name="証明書交付").click()
    expect(page.get_by_role("heading", name="証明書の交付")).to_be_visible()
    expect(page.locator(f"#person-{no}")).to_be_checked()
    page.get_by_label("証明書の種類").select_option("copy_personal")
    page.get_by_label("本人又は同一世帯の者（12条）").check()
    page.get_by_label("請求者氏名・名称").fill("窓口　交付子")
    page.get_by_label("請求者の宛名番号（本人・同一世帯の者）").fill(no)
    page.get_by_label("本人確認書類", exact=True).select_option("my_number_card")
    page.screenshot(path=str(ARTIFACTS / "certificate-e2e-form.png"), full_page=True)
    page.get_by_role("button", name="交付する").click()

    # 3. The detail page: issued, with the download button.
    expect(page.get_by_text("証明書を交付しました")).to_be_visible()
    cert = Certificate.objects.get()
    expect(page.locator("#issuance-number")).to_have_text(cert.issuance_number)
    page.screenshot(path=str(ARTIFACTS / "certificate-e2e-issued.png"), full_page=True)
    with page.expect_download() as info:
        page.get_by_role("link", name="PDFをダウンロード").click()
    download = info.value
    assert download.suggested_filename == f"certificate-{cert.issuance_number}.pdf"
    target = tmp_path / download.suggested_filename
    download.save_as(target)
    pdf = target.read_bytes()
    assert pdf.startswith(b"%PDF")
    text = subprocess.run(["pdftotext", "-layout", str(target), "-"], capture_output=True, check=True).stdout.decode()
    assert "窓口" in text and "交付子" in text and cert.issuance_number in text
    assert cert.request.requester_type == "self" and cert.fee_yen == 300
