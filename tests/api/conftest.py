"""Fixtures for the API hardening tests: a small synthetic city, a household and API clients."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from tests.register.factories import City, add_household, small_city

from juki.core.actor import Actor
from juki.security.actions import do_create_api_client


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture
def city(db: None) -> City:
    return small_city()


@pytest.fixture
def household(city: City) -> list[Any]:
    """試験 太郎1 (householder) and 試験 花子 (child) at 山王一丁目1番1号."""
    return add_household(city, [{}, {"given_name": "花子", "given_name_kana": "ハナコ", "sex": 2}])


def api_client(client_id: str, *functions: str) -> Client:
    """A Django test client authenticated as a new API client granted ``functions``."""
    created = do_create_api_client(client_id, f"試験システム {client_id}", ["127.0.0.1/32"], list(functions),
                                   actor=Actor.cli())
    return Client(HTTP_AUTHORIZATION=f"Bearer {created.token}")
