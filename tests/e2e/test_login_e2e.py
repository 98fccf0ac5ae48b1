"""End to end in Debian's Chromium: enrol the browser as a terminal, log in, enrol the second
factor from the QR page's secret, and land on the menu.

Source: docs/security.md (a demo staff member logs in with the second factor and
the browser is bound to a registered terminal by a signed cookie).
"""

from __future__ import annotations

import secrets

import pyotp
import pytest
from playwright.sync_api import expect
from tests.conftest import ARTIFACTS

from juki.core import clock
from juki.security import terminals
from juki.security.models import Staff, Terminal
from juki.security.roles import TERMINAL_FUNCTIONS

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "Correct-Horse-9-Battery"


@pytest.fixture
def browser_page(browser):
    context = browser.new_context(locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        yield page
    finally:
        context.close()


def test_a_new_staff_member_enrols_the_terminal_and_the_second_factor_and_reaches_the_menu(live_server, browser_page):
    terminal = Terminal.objects.create(
        terminal_id="T-E2E-01", name="窓口端末（E2E）", functions=sorted(f.value for f in TERMINAL_FUNCTIONS),
        registered_at=clock.now(), binding_nonce=secrets.token_urlsafe(24),
    )
    staff = Staff(staff_id="e2e01", name="試験 端末子", must_change_password=False)
    staff.set_password(PASSWORD)
    staff.save()
    staff.terminals.set([terminal])
    code = terminals.issue_enrolment_code(terminal)
    page = browser_page

    # 1. The one-time URL an administrator (or `make run`) prints: one click registers the browser.
    page.goto(f"{live_server.url}/terminal/enrol/?code={code}")
    page.get_by_role("button", name="この端末を登録").click()
    expect(page.locator("#enrolled-terminal")).to_have_text("T-E2E-01")

    # 2. Staff ID and password, typed as a clerk would (Enter submits).
    page.goto(f"{live_server.url}/login/")
    expect(page.get_by_text("端末: T-E2E-01")).to_be_visible()
    page.get_by_label("職員ID").fill("e2e01")
    page.get_by_label("パスワード").fill(PASSWORD)
    page.get_by_label("パスワード").press("Enter")

    # 3. First login: the QR code and the secret; the "authenticator app" is pyotp.
    expect(page.get_by_role("heading", name="二要素認証の登録")).to_be_visible()
    expect(page.locator(".qr svg")).to_be_visible()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "login-e2e-totp-enrol.png"), full_page=True)
    secret = page.locator("#totp-secret").get_attribute("data-secret")
    assert secret and len(secret) == 32
    page.get_by_label("確認コード").fill(pyotp.TOTP(secret).now())
    page.get_by_role("button", name="登録してログイン").click()

    # 4. The menu, with the staff member's name in the header.
    expect(page.get_by_role("heading", name="業務メニュー")).to_be_visible()
    expect(page.locator("header .who")).to_contain_text("試験 端末子")
    assert page.url == f"{live_server.url}/"
    page.screenshot(path=str(ARTIFACTS / "login-e2e-menu.png"), full_page=True)

    staff.refresh_from_db()
    assert staff.totp_enrolled_at is not None
