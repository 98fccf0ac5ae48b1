"""Response headers on every page: Content-Security-Policy, ``Cache-Control: no-store``, HSTS.

Source: docs/security.md "Response headers"; OWASP Secure Headers (CSP without
'unsafe-inline', no-store for pages with personal data); 個人情報の保護に関する法律23条
(安全管理措置: a shared terminal's browser cache must not keep residents' data).
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver
from tests.register.factories import add_household, small_city

from juki.core.actor import Actor
from juki.security.actions import do_create_api_client
from juki.security.roles import Function, Role

pytestmark = pytest.mark.django_db

INLINE_SCRIPT = re.compile(r"<script(?![^>]*\bsrc=)[^>]*>", re.I)
INLINE_STYLE = re.compile(r"<style\b|\sstyle\s*=", re.I)
INLINE_HANDLER = re.compile(r"<[^>]*\son[a-z]+\s*=", re.I)


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings):
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def plain_paths(patterns=None, prefix: str = "") -> Iterator[str]:
    """Every path of the URLconf that takes no argument."""
    for p in get_resolver().url_patterns if patterns is None else patterns:
        route = str(p.pattern)
        if "<" in route or route.startswith("^"):
            continue
        if isinstance(p, URLResolver):
            yield from plain_paths(p.url_patterns, prefix + route)
        elif isinstance(p, URLPattern):
            yield "/" + prefix + route


def assert_protected(path: str, response) -> None:
    csp = response.get("Content-Security-Policy", "")
    assert "default-src 'self'" in csp and "script-src 'self'" in csp and "style-src 'self'" in csp, path
    assert "frame-ancestors 'none'" in csp and "object-src 'none'" in csp, path
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp, path
    assert "no-store" in response.get("Cache-Control", ""), (path, response.get("Cache-Control"))
    if response.get("Content-Type", "").startswith("text/html"):
        page = response.content.decode()
        assert not INLINE_SCRIPT.search(page), (path, INLINE_SCRIPT.search(page).group(0))
        assert not INLINE_STYLE.search(page), (path, page[INLINE_STYLE.search(page).start() - 80:][:200])
        assert not INLINE_HANDLER.search(page), (path, INLINE_HANDLER.search(page).group(0))


def test_every_page_of_the_urlconf_has_csp_and_no_store_and_no_inline_code(make_staff, as_staff, client):
    paths = sorted(set(plain_paths()))
    assert {"/login/", "/register/search/", "/audit/", "/api/v1/ping"} <= set(paths)
    for path in paths:  # anonymous: login page, redirects, public /verify/, API refusals
        assert_protected(path, Client().get(path))
    everyone = make_staff("all01", *Role, name="全権 試験")
    staff_client = as_staff(everyone)
    for path in sorted(paths, key=lambda p: p == "/lock/"):  # the screen lock last: it locks the session
        assert_protected(path, staff_client.get(path))


def test_resident_pages_search_results_and_api_json_are_never_stored(make_staff, as_staff):
    city = small_city()
    head, _child = add_household(city, [{}, {"given_name": "花子", "given_name_kana": "ハナコ", "sex": 2}])
    clerk = as_staff(make_staff("clerk01", Role.CLERK, Role.PROTECTION_OFFICER, name="窓口 花子"))
    person = f"/register/persons/{head.person_id:010d}/"
    results = clerk.post("/register/search/", {"name": "しけん", "birth": "昭和55年5月1日"})
    assert results.status_code == 200 and person in results.content.decode()
    for path, response in [("search results", results), (person, clerk.get(person)),
                           ("change form", clerk.get("/register/changes/new/move_within/"))]:
        assert response.status_code == 200, path
        assert_protected(path, response)

    created = do_create_api_client("headers", "試験システム", ["127.0.0.1/32"],
                                   [Function.RESIDENT_SEARCH.value, Function.RESIDENT_VIEW.value], actor=Actor.cli())
    auth = {"HTTP_AUTHORIZATION": f"Bearer {created.token}"}
    api = Client().get("/api/v1/residents", {"name": "しけん", "birth": "昭和55年5月1日"}, **auth)
    assert api.status_code == 200 and api.json()["rows"]
    assert_protected("api search", api)
    assert_protected("api view", Client().get(f"/api/v1/residents/{head.person_id:010d}", **auth))


def test_static_files_stay_cacheable(client):
    response = client.get("/static/juki/juki.css")
    assert response.status_code == 200
    assert "no-store" not in response.get("Cache-Control", "")


def test_hsts_is_sent_on_https_when_secure_cookies_are_on(client, settings):
    settings.SECURE_HSTS_SECONDS = 31536000
    assert client.get("/login/", secure=True)["Strict-Transport-Security"] == "max-age=31536000"
    assert "Strict-Transport-Security" not in client.get("/login/")  # never over plain HTTP


@pytest.mark.parametrize(("secure", "expected"), [("1", "31536000"), ("", "0")])
def test_hsts_follows_juki_secure_cookies(tmp_path: Path, secure: str, expected: str):
    env = {**os.environ, "JUKI_HOME": str(tmp_path), "JUKI_SECURE_COOKIES": secure}
    out = subprocess.run([sys.executable, "-c", "from juki import settings as s; print(s.SECURE_HSTS_SECONDS)"],
                         env=env, capture_output=True, text=True, check=True)
    assert out.stdout.strip() == expected
