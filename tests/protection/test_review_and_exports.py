"""Protection measures in the access review (docs/privacy-review.md, flag "access to protected (支援措置)
records") and in bulk output (exports leave protected persons out; 事務処理要領 第5-10)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from contextlib import contextmanager

import pytest

from juki.core import clock
from juki.exports.kinds import kind_for
from juki.register.access import access_resident
from juki.register.search import SearchCriteria, search_residents
from juki.review.report import build_review
from juki.review.rules import RULE_PROTECTED
from juki.security.roles import Role

pytestmark = pytest.mark.django_db

JST = dt.timezone(dt.timedelta(hours=9))
DAY = dt.date(2026, 10, 5)  # a Monday


@pytest.fixture
def at(monkeypatch):
    @contextmanager
    def moment(day: dt.date, hour: int = 10) -> Iterator[None]:
        when = dt.datetime(day.year, day.month, day.day, hour, 0, tzinfo=JST)
        with monkeypatch.context() as m:
            m.setattr(clock, "now", lambda: when)
            m.setattr(clock, "today", lambda: day)
            yield

    return moment


def _rules(review, staff_id):
    line = next((s for s in review.staff if s.staff_id == staff_id), None)
    return sorted(f.rule for f in line.flags) if line else []


def test_access_to_a_protected_record_by_non_protection_staff_is_flagged(
        victim_household, city, protect, make_staff, act, at):
    """Seeded: a clerk views and searches the protected person while the measure is in force
    (flagged, with the addressee number), views her the day before the measure started (not
    flagged); the protection officer views her (never flagged)."""
    victim = victim_household[0].person_id
    clerk = make_staff("viewer01", Role.CLERK, name="閲覧 一郎")
    with at(DAY - dt.timedelta(days=1)):
        access_resident(act(clerk), victim)  # before the measure: not flagged
    with at(DAY, 9):
        m = protect(victim)
    assert m.start_on == DAY
    with at(DAY, 11):
        access_resident(act(clerk), victim)
        search_residents(act(clerk), SearchCriteria(name="試験", birth="1980-05-01"))
    with at(DAY, 12):
        from juki.security.models import Staff

        access_resident(act(Staff.objects.get(staff_id="po01")), victim)
    review = build_review(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    flags = [f for f in review.flags if f.rule == RULE_PROTECTED]
    assert [(f.staff_id, f.scope) for f in flags] == [("viewer01", DAY.isoformat())]
    assert flags[0].targets == (f"{victim:010d}",) and flags[0].count == 1
    officer_line = next(s for s in review.staff if s.staff_id == "po01")
    assert RULE_PROTECTED not in {f.rule for f in officer_line.flags}
    september = build_review(dt.date(2026, 9, 1), dt.date(2026, 10, 4))
    assert RULE_PROTECTED not in {f.rule for f in september.flags}


def test_access_after_the_measure_ended_is_not_flagged(victim_household, protect, make_staff, act, at, officer):
    from juki.protection.actions import do_end_measure

    victim = victim_household[0].person_id
    clerk = make_staff("viewer02", Role.CLERK, name="閲覧 二郎")
    with at(DAY):
        m = protect(victim)
    with at(DAY + dt.timedelta(days=2)):
        do_end_measure(m.pk, reason="転出により終了", actor=act(officer))
        access_resident(act(clerk), victim)
    review = build_review(dt.date(2026, 10, 1), dt.date(2026, 10, 31))
    assert RULE_PROTECTED not in _rules(review, "viewer02")


def test_exports_leave_protected_persons_out(victim_household, city, protect):
    """Bulk output (大量出力) of residents leaves out persons under a measure in force: their
    records leave the system only through the protection officer (docs/protection.md §6)."""
    victim, child = (r.person_id for r in victim_household)
    kind = kind_for("residents_by_town_block")
    params = kind.clean({"town_blocks": [city.blocks[1].pk]})
    assert kind.count(params) == 2
    protect(victim)
    rows = [no for no, _ in kind.rows(params)]
    assert rows == [f"{child:010d}"] and kind.count(params) == 1


def test_every_export_kind_leaves_protected_persons_out_of_the_file(victim_household, protect):
    """The producer drops protected persons whatever the kind (stats lists included)."""
    from types import SimpleNamespace

    from juki.exports.actions import build_csv
    from juki.exports.kinds import ExportKind

    victim, child = (r.person_id for r in victim_household)
    protect(victim)
    kind = ExportKind(name="test_any", label="試験", columns=(("addressee_no", "宛名番号"),), clean=dict,
                      describe=str, count=lambda p: 2,
                      rows=lambda p: iter([(f"{victim:010d}", [f"{victim:010d}"]), (str(child), [str(child)])]))
    req = SimpleNamespace(pk=1, requested_by="clerk01", decided_by="manager01", watermark_id="WM-TEST",
                          parameters={})
    data, targets = build_csv(req, kind, clock.now())
    assert targets == [str(child)]
    assert f"{victim:010d}" not in data.decode("utf-8")
