"""The clock (時刻). One place to ask the time, so tests can move it."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone


def now() -> dt.datetime:
    """Aware current time."""
    return timezone.now()


def today() -> dt.date:
    """Today's date in the municipality's time zone (Asia/Tokyo)."""
    return timezone.localdate()
