"""A decision comment (確定・却下・取消) is text under the same rule as every item: no control
characters, never a server error.

Source: DESIGN §3 ("bad input gets a clear specific error ... never a 500"). On PostgreSQL a NUL
in the ``decision_comment`` text column made the database refuse the row (a 500); on SQLite it was
stored.
"""

from __future__ import annotations

import pytest

from juki.register.models import Change, ChangeState

from .conftest import api_client
from .test_bad_input import CHANGES, assert_problem, move_body

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("action", ["confirm", "reject", "cancel"])
@pytest.mark.parametrize("comment", ["理由\u0000", "改行\u0085", "\u0007"])
def test_a_control_character_in_a_decision_comment_is_refused_and_changes_nothing(city, household, action, comment):
    clerk = api_client("clerk-sys", "change.enter")
    approver = api_client("approver-sys", "change.confirm")
    entered = clerk.post(CHANGES, move_body(city, [household[0].person_id, household[1].person_id]),
                         content_type="application/json")
    assert entered.status_code == 201, entered.content
    number = entered.json()["id"]

    decider = clerk if action == "cancel" else approver
    response = decider.post(f"{CHANGES}/{number}/{action}", {"comment": comment}, content_type="application/json")

    body = assert_problem(response, 400, "TEXT_CHARACTER_NOT_ALLOWED")
    assert body["field"] == "comment" and body["title"].startswith("コメント: ")
    change = Change.objects.get(pk=number)
    assert change.state == ChangeState.PROVISIONAL and change.decision_comment == ""
