"""End to end in Debian's Chromium: the Content-Security-Policy is enforced on the key pages and
nothing on them breaks it — no console violation, htmx loaded and configured.

Source: docs/security.md "Response headers" (CSP without inline script or style).
"""

from __future__ import annotations

import pytest
from django.test import Client
from playwright.sync_api import expect
from tests.conftest import at_terminal
from tests.e2e.test_register_e2e import session_for
from tests.register.factories import add_household, small_city

from juki.security.roles import Role

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


#: Run before each page's own scripts (injected by the browser, not subject to the page's CSP):
#: keeps every ``securitypolicyviolation`` the page raises, for the test to read.
RECORD_VIOLATIONS = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) =>
  window.__cspViolations.push(`${e.effectiveDirective} blocked ${e.blockedURI} at ${e.sourceFile}:${e.lineNumber}`));
"""


def assert_no_violations(page) -> None:
    page.wait_for_load_state("load")
    page.wait_for_timeout(100)  # the violation events are queued tasks
    assert page.evaluate("() => window.__cspViolations") == [], page.url


def visit(page, url: str) -> None:
    response = page.goto(url)
    assert response is not None and response.ok, url
    csp = response.headers.get("content-security-policy", "")
    assert "script-src 'self'" in csp and "style-src 'self'" in csp, (url, csp)
    assert "no-store" in response.headers.get("cache-control", ""), url
    # htmx ran under the policy with its inline indicator style switched off.
    assert page.evaluate("() => !!window.htmx && htmx.config.includeIndicatorStyles === false"), url
    assert_no_violations(page)


def test_key_pages_run_under_the_policy_without_violations(live_server, browser, make_staff, terminal):
    city = small_city()
    head, _ = add_household(city, [{}, {"given_name": "花子", "given_name_kana": "ハナコ", "sex": 2}])

    # The login page, as a registered terminal's browser sees it before anyone logs in.
    anonymous = browser.new_context(locale="ja-JP")
    anonymous.add_cookies([{"name": name, "value": morsel.value, "url": live_server.url}
                           for name, morsel in at_terminal(Client(), terminal).cookies.items()])
    anonymous.add_init_script(RECORD_VIOLATIONS)
    page = anonymous.new_page()
    visit(page, f"{live_server.url}/login/")
    expect(page.get_by_label("職員ID")).to_be_visible()
    anonymous.close()

    staff = make_staff("csp01", Role.CLERK, Role.AUDITOR, Role.STATISTICS, name="試験 職員")
    context = session_for(browser, live_server, staff, terminal)
    context.add_init_script(RECORD_VIOLATIONS)
    page = context.new_page()
    visit(page, f"{live_server.url}/register/search/")
    page.locator("#id_name").fill("しけん")
    page.locator("#id_birth").fill("昭和55年5月1日")
    page.locator("#id_birth").press("Enter")
    expect(page.locator(f'a[href="/register/persons/{head.person_id:010d}/"]')).to_be_visible()
    assert_no_violations(page)
    for path in (f"/register/persons/{head.person_id:010d}/", "/register/changes/new/move_within/",
                 "/audit/", "/stats/"):
        visit(page, f"{live_server.url}{path}")
    # Styles from the static files still apply (the register screens' own stylesheet).
    visit(page, f"{live_server.url}/register/changes/new/move_within/")
    assert page.evaluate("() => [...document.styleSheets].some(s => (s.href || '').endsWith('/register.css'))")
    context.close()
