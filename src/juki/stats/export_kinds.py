"""Export kinds of the operational lists (業務リストの大量出力).

Registered into :mod:`juki.exports.kinds` when the app is ready (``StatsConfig.ready``): a list of
persons leaves the system only through the request → prior approval → encrypted production
of the bulk output (docs/privacy-exports.md). Columns are fixed here and carry no My Number.

- ``stats_late_notifications`` — 届出期間経過の異動 (住基法22〜25条・30条の46・47, 52条2項);
  parameters ``start``, ``end`` (異動日の範囲);
- ``stats_stay_expiring`` — 在留期間の満了が近い外国人住民 (住基法30条の45); parameter ``days``;
- ``stats_unconfirmed_move_outs`` — 転出予定日から30日を経過し転入通知のない転出者
  (住基法24条・9条1項); no parameters.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

from juki.core import clock
from juki.core.digits import is_ascii_digits
from juki.core.errors import ValidationFailed
from juki.exports.kinds import ExportKind, register
from juki.protection.checks import protected_person_ids
from juki.register import queries
from juki.register.changes.registry import handler_for
from juki.register.models.choices import ResidenceStatus
from juki.register.models.person import ADDRESSEE_NO_DIGITS

from . import lists

MAX_DAYS = 3660


def _protected() -> set[int]:
    """Persons under a protection measure (支援措置) in force today: the export builder drops their
    rows whatever the kind (事務処理要領 第5-10; docs/protection.md §6), so the counts the manager
    approves leave them out too."""
    return protected_person_ids()


def _no(pid: int) -> str:
    return f"{pid:0{ADDRESSEE_NO_DIGITS}d}"


def _date(raw: Any, field: str, default: dt.date) -> dt.date:
    if raw in (None, ""):
        return default
    try:
        return dt.date.fromisoformat(str(raw).strip())
    except ValueError:
        raise ValidationFailed("EXPORT_PARAMETER_INVALID", "日付の形式が正しくありません。", field=field) from None


# --- 届出期間経過 ---------------------------------------------------------------------------------

def _clean_late(raw: dict[str, Any]) -> dict[str, Any]:
    today = clock.today()
    start = _date(raw.get("start"), "start", today.replace(day=1))
    end = _date(raw.get("end"), "end", today)
    if start > end:
        raise ValidationFailed("EXPORT_PARAMETER_INVALID", "期間の始めが終わりより後です。", field="start")
    return {"start": start.isoformat(), "end": end.isoformat()}


def _late_range(params: dict[str, Any]) -> tuple[dt.date, dt.date]:
    return dt.date.fromisoformat(params["start"]), dt.date.fromisoformat(params["end"])


def _late_rows(params: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    protected = _protected()
    for change in lists.late_notifications(*_late_range(params)).order_by("effective_on", "pk"):
        try:
            label = handler_for(change.kind).label
        except Exception:  # noqa: BLE001 - an unknown kind is shown by its code
            label = change.kind
        full = {r.person_id: r.full_name
                for r in queries.current_records(change.persons)}
        late_days = (change.notified_on - change.effective_on).days if change.notified_on else ""
        for pid in change.persons:
            if pid in protected:
                continue
            yield _no(pid), [_no(pid), full.get(pid, ""), label, change.effective_on.isoformat(),
                             change.notified_on.isoformat() if change.notified_on else "", str(late_days), str(change.pk)]


def _late_count(params: dict[str, Any]) -> int:
    protected = _protected()
    return sum(len(set(p) - protected)
               for p in lists.late_notifications(*_late_range(params)).values_list("persons", flat=True))


LATE_NOTIFICATIONS = ExportKind(
    name="stats_late_notifications",
    label="届出期間経過（14日）の異動の対象者一覧",
    columns=(("addressee_no", "宛名番号"), ("name", "氏名"), ("kind", "異動の種類"), ("effective_on", "異動日"),
             ("notified_on", "届出日"), ("days", "異動日から届出日までの日数"), ("change", "異動番号")),
    clean=_clean_late,
    describe=lambda p: f"届出期間（14日）を経過した届出による異動の対象者（異動日 {p['start']}〜{p['end']}）",
    rows=_late_rows,
    count=_late_count,
)


# --- 在留期間満了 ---------------------------------------------------------------------------------

def _clean_days(raw: dict[str, Any]) -> dict[str, Any]:
    text = str(raw.get("days") or lists.DEFAULT_STAY_DAYS).strip()
    if not is_ascii_digits(text) or not 0 < int(text) <= MAX_DAYS:
        raise ValidationFailed("EXPORT_PARAMETER_INVALID", f"日数は1〜{MAX_DAYS}で指定してください。", field="days")
    return {"days": int(text), "today": clock.today().isoformat()}


def _stay_qs(params: dict[str, Any]) -> Any:
    return (lists.stay_expiring(int(params["days"]), today=dt.date.fromisoformat(params["today"]))
            .exclude(person_id__in=sorted(_protected())))


def _stay_rows(params: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    for r in _stay_qs(params).select_related("town_block").order_by("stay_expires_on", "person_id").iterator(chunk_size=500):
        status = ResidenceStatus(r.residence_status).label if r.residence_status else ""
        yield _no(r.person_id), [_no(r.person_id), r.full_name, r.nationality, status,
                                 r.stay_expires_on.isoformat(), f"{r.town_block.name}{r.banchi}"]


STAY_EXPIRING = ExportKind(
    name="stats_stay_expiring",
    label="在留期間の満了が近い外国人住民の一覧",
    columns=(("addressee_no", "宛名番号"), ("name", "氏名"), ("nationality", "国籍・地域"),
             ("residence_status", "在留資格"), ("stay_expires_on", "在留期間の満了の日"), ("address", "住所")),
    clean=_clean_days,
    describe=lambda p: f"在留期間の満了の日が{p['today']}から{p['days']}日以内の外国人住民",
    rows=_stay_rows,
    count=lambda p: _stay_qs(p).count(),
)


# --- 転入通知未着の転出 -----------------------------------------------------------------------------

def _clean_today(raw: dict[str, Any]) -> dict[str, Any]:
    return {"today": clock.today().isoformat()}


def _unconfirmed_qs(params: dict[str, Any]) -> Any:
    return (lists.unconfirmed_move_outs(today=dt.date.fromisoformat(params["today"]))
            .exclude(person_id__in=sorted(_protected())))


def _unconfirmed_rows(params: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    for r in _unconfirmed_qs(params).order_by("planned_move_out_on", "person_id").iterator(chunk_size=500):
        yield _no(r.person_id), [
            _no(r.person_id), r.full_name, r.planned_move_out_on.isoformat(),
            r.planned_move_out_notified_on.isoformat() if r.planned_move_out_notified_on else "",
            r.planned_move_out_address,
        ]


UNCONFIRMED_MOVE_OUTS = ExportKind(
    name="stats_unconfirmed_move_outs",
    label="転入通知未着の転出者の一覧（転出予定日から30日経過）",
    columns=(("addressee_no", "宛名番号"), ("name", "氏名"), ("planned_on", "転出予定日"),
             ("notified_on", "転出届出日"), ("destination", "転出予定先住所")),
    clean=_clean_today,
    describe=lambda p: f"転出予定日から30日を経過し転入通知のない転出者（{p['today']}現在）",
    rows=_unconfirmed_rows,
    count=lambda p: _unconfirmed_qs(p).count(),
)

KINDS = (LATE_NOTIFICATIONS, STAY_EXPIRING, UNCONFIRMED_MOVE_OUTS)


def register_all() -> None:
    for kind in KINDS:
        register(kind)
