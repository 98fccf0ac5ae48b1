"""``logged_in_staff``: the staff member of a request a staff view serves; an anonymous request is
refused (403) rather than failing on a missing attribute."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied
from django.test import RequestFactory

from juki.security.access import logged_in_staff


def test_the_logged_in_staff_member_is_returned(clerk):
    request = RequestFactory().get("/")
    request.user = clerk
    assert logged_in_staff(request) == clerk


def test_an_anonymous_request_is_refused():
    request = RequestFactory().get("/")
    request.user = AnonymousUser()
    with pytest.raises(PermissionDenied):
        logged_in_staff(request)
