"""The periods of the protection measures (支援措置): start, end, extension, state. No database.

Source: 住民基本台帳事務処理要領 第5-10. The support period is one year from the day support
starts (支援開始日), extendable by one year at a time on a new application (延長の申出); the
extension begins the day after the old period ends. A request is judged by who asks:

- the offender named in the application (加害者), whatever article they invoke → refused;
- a third party (住基法12条の3, 本人等以外の者) → refused;
- a public body (12条の2, 国又は地方公共団体の機関) → allowed after confirming it is not on the
  offender's behalf — the counter sees a warning, the attempt is reported;
- the person or a household member (12条) → allowed with strict identity checks and a warning.

Who asks is judged in :mod:`.checks`; the offender's name is matched by :mod:`.offender_names`.
"""

from __future__ import annotations

import datetime as dt

#: Days before the end of the period from which the measure shows as expiring (延長の案内).
EXPIRY_NOTICE_DAYS = 30


def add_one_year(day: dt.date) -> dt.date:
    """The same day next year (29 February → 28 February)."""
    try:
        return day.replace(year=day.year + 1)
    except ValueError:
        return day.replace(year=day.year + 1, day=28)


def period_end(start_on: dt.date) -> dt.date:
    """支援期間の終了日: start + 1 year − 1 day (2026-04-01 → 2027-03-31)."""
    return add_one_year(start_on) - dt.timedelta(days=1)


def renewal_start(old_end_on: dt.date, confirmed_on: dt.date) -> dt.date:
    """An extension starts the day after the old period ends; if it is confirmed only after that
    day (a gap), it starts on the day it is confirmed — support never starts retroactively."""
    return max(old_end_on + dt.timedelta(days=1), confirmed_on)


def in_force(*, confirmed: bool, start_on: dt.date, end_on: dt.date, ended_on: dt.date | None,
             on: dt.date) -> bool:
    """Whether a measure protects on ``on``: confirmed, within its period, not ended by then."""
    return confirmed and start_on <= on <= end_on and (ended_on is None or on < ended_on)


def display_state(*, state: str, end_on: dt.date, ended_on: dt.date | None, today: dt.date) -> str:
    """The state as listed: provisional / active / expiring / expired / ended / scheduled."""
    if state == "provisional":
        return "provisional"
    if state == "ended" or (ended_on is not None and ended_on <= today):
        return "ended"
    if end_on < today:
        return "expired"
    if (end_on - today).days < EXPIRY_NOTICE_DAYS:
        return "expiring"
    return "active"


DISPLAY_STATE_LABELS = {
    "provisional": "確認待ち",
    "active": "支援中",
    "expiring": "支援中（期限間近）",
    "expired": "期限切れ",
    "ended": "終了",
}
