"""``check_dates`` applies the "not before the current version" rule itself (住民票の履歴の順序;
juki.register.history): the rule is a handler flag, on by default, off only for the kinds whose
records are not versions being followed. Behaviour per kind is covered by the kind tests
(CHANGE_BEFORE_CURRENT_VERSION in test_move_out.py, test_death.py, test_restoration.py, ...)."""

from __future__ import annotations

import datetime as dt

import pytest

from juki.core.errors import ValidationFailed
from juki.register.changes.base import ChangeContext, check_dates
from juki.register.changes.registry import all_handlers, handler_for
from juki.register.models import ResidentRecord

#: New persons (births, move-ins, entries from abroad) and 転出取消, whose date must equal the
#: withdrawn removal's own date (checked in its plan).
WITHOUT_RULE = {"birth", "move_in", "move_in_abroad", "foreign_entry", "move_out_cancel"}


def test_only_new_person_kinds_and_move_out_cancel_skip_the_rule() -> None:
    assert {h.kind for h in all_handlers() if not h.dates_not_before_current} == WITHOUT_RULE


@pytest.mark.parametrize(("effective_on", "refused"), [(dt.date(2024, 3, 31), True), (dt.date(2024, 4, 1), False)])
def test_check_dates_refuses_a_date_before_the_current_version(effective_on: dt.date, refused: bool) -> None:
    ctx = ChangeContext(effective_on=effective_on, notified_on=dt.date(2024, 4, 2), today=dt.date(2024, 4, 2),
                        lock=False)
    current = ResidentRecord(person_id=7, valid_from=dt.date(2024, 4, 1))
    if refused:
        with pytest.raises(ValidationFailed) as info:
            check_dates(handler_for("move_within"), ctx, [current])
        assert info.value.code == "CHANGE_BEFORE_CURRENT_VERSION"
    else:
        check_dates(handler_for("move_within"), ctx, [current])
