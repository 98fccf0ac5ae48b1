"""Marking a flag reviewed (点検済みの記録): the auditor's comment on one flag, audited."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db import transaction

from juki.audit.events import EventType, refusal_outcome
from juki.audit.log import record
from juki.audit.models import ReviewMark
from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.core.fields import max_length
from juki.security.roles import Function

from .report import build_review

COMMENT_MAX = max_length(ReviewMark, "comment")


def flag_not_found() -> JukiError:
    return JukiError(code="REVIEW_FLAG_NOT_FOUND", message="指定された要確認事項は、この点検期間の報告にありません。",
                     status=404, field="flag_key")


def comment_required() -> JukiError:
    return JukiError(code="REVIEW_COMMENT_REQUIRED",
                     message=f"点検コメントを入力してください（{COMMENT_MAX}文字以内）。", field="comment")


def do_mark_flag_reviewed(period_start: dt.date, period_end: dt.date, flag_key: str, comment: str, *,
                          actor: Actor) -> ReviewMark:
    """確認済みにする: record that the auditor looked into ``flag_key`` of this period's report.

    The flag must be in the report for the period (recomputed now), the comment is required.
    A second mark on the same flag replaces the comment; the audit event
    (``AUDIT_REVIEW_MARKED``) keeps the previous one. Refusals are audited after the
    transaction. ``actor`` is the auditor (:class:`juki.core.actor.Actor`).
    """
    comment = (comment or "").strip()
    detail: dict[str, Any] = {"flag_key": flag_key[:200], "period": f"{period_start}..{period_end}"}
    try:
        actor.require(Function.AUDIT_REVIEW)
        if not comment or len(comment) > COMMENT_MAX:
            raise comment_required()
        review = build_review(period_start, period_end)
        flag = review.flag(flag_key)
        if flag is None:
            raise flag_not_found()
        with transaction.atomic():
            mark = ReviewMark.objects.select_for_update().filter(flag_key=flag.key).first()
            previous = mark.comment if mark else None
            if mark is None:
                mark = ReviewMark(flag_key=flag.key, rule=flag.rule, staff_id=flag.staff_id, scope=flag.scope)
            mark.comment = comment
            mark.reviewed_by = actor.staff_id
            mark.reviewed_at = clock.now()
            mark.save()
            record(EventType.AUDIT_REVIEW_MARKED, action="mark", function=Function.AUDIT_REVIEW.value,
                   staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip,
                   detail={**detail, "rule": flag.rule, "reviewed_staff_id": flag.staff_id, "scope": flag.scope,
                           "comment": comment, "previous_comment": previous})
        return mark
    except JukiError as exc:
        record(EventType.AUDIT_REVIEW_MARKED, action="mark", function=Function.AUDIT_REVIEW.value,
               outcome=refusal_outcome(exc), staff_id=actor.staff_id, terminal_id=actor.terminal_id,
               ip=actor.ip, detail={**detail, "code": exc.code})
        raise
