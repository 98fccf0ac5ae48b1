"""Access to residents (住民票の照会) — the only way a screen or the API gets a resident.

Each function checks the function (機能) the reader needs, loads what is asked, and writes the
audit event — for refusals too (DESIGN §6: every access is logged):

- :func:`access_resident` — ``Function.RESIDENT_VIEW``; the record (current, or as of a date),
  the household members, the history versions and the My Number masked. Event
  ``RESIDENT_VIEW`` with the person as target.
- :func:`access_household` — ``Function.RESIDENT_VIEW``; the members (current or as of a date).
- :func:`current_versions_for_page` / :func:`current_names_for_page` — the current versions
  (or names) of the persons a staff page lists (a change to approve, protection measures). The
  page checks its own function and records its page event with every one of these persons as
  target, so the read is in the log with the page that shows it.
- :func:`reveal_my_number` — ``Function.MY_NUMBER_REVEAL`` (the My Number officer) and a
  declared purpose from ``settings.JUKI_MY_NUMBER_PURPOSES``; event ``MY_NUMBER_REVEALED``
  with the purpose. The number itself is never written to the log.

"Not found" and "not allowed" look the same from outside (STYLE §5): a missing person, a
malformed number and a person the reader may not see all raise ``RESIDENT_NOT_FOUND`` (404).
A reader lacking the function gets ``FORBIDDEN`` (403) before anything is looked up, so the
answer never depends on whether the person exists.

As of a date (何年何月何日現在): the version in force is the one with the latest ``valid_from``
on or before that date, ties broken by the higher ``version`` —
:func:`juki.register.history.record_as_of` and :func:`~juki.register.history.household_as_of`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from django.conf import settings

from juki.audit.events import EventType, Outcome, refusal_outcome
from juki.audit.log import record as audit
from juki.core.actor import Actor
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError, ValidationFailed
from juki.security.roles import Function

from .history import household_as_of, record_as_of
from .models import Household, RecordStatus, ResidentRecord
from .models.person import ADDRESSEE_NO_DIGITS, HOUSEHOLD_NO_DIGITS
from .my_numbers import reveal
from .queries import current_records

MASKED_MY_NUMBER = "＊＊＊＊＊＊＊＊＊＊＊＊"


@dataclass(frozen=True)
class ResidentView:
    """What a resident screen shows: the record (current or as of), household, history."""

    addressee_no: str  # 10 digits
    record: ResidentRecord  # the current version, or the one in force on ``as_of``
    household_members: list[ResidentRecord] = field(default_factory=list)  # listing order
    history: list[ResidentRecord] = field(default_factory=list)  # every version, oldest first
    my_number_masked: str = ""  # MASKED_MY_NUMBER if a number is held, else ""
    as_of: dt.date | None = None


@dataclass(frozen=True)
class HouseholdView:
    """世帯照会: the members of one household in listing order."""

    household_no: str  # 10 digits
    members: list[ResidentRecord] = field(default_factory=list)
    as_of: dt.date | None = None
    established_on: dt.date | None = None
    dissolved_on: dt.date | None = None


def resident_not_found() -> JukiError:
    return JukiError(code="RESIDENT_NOT_FOUND", message="該当する住民が見つかりません。", status=404)


def household_not_found() -> JukiError:
    return JukiError(code="HOUSEHOLD_NOT_FOUND", message="該当する世帯が見つかりません。", status=404)


def not_in_force(as_of: dt.date) -> JukiError:
    return JukiError(code="RECORD_NOT_IN_FORCE", message=f"{as_of.isoformat()}現在の記録はありません。",
                     status=404, field="as_of")


def _number(value: int | str, digits: int) -> int | None:
    text = str(value).strip()
    if not is_ascii_digits(text) or len(text) > digits:
        return None
    return int(text)


def _target(value: int | str, digits: int) -> list[str]:
    n = _number(value, digits)
    return [f"{n:0{digits}d}"] if n is not None else []


# --- as of a date ---------------------------------------------------------------------------------


def household_members_as_of(household_no: int, as_of: dt.date | None) -> list[ResidentRecord]:
    """Residents of the household, current or as of a date, in listing order."""
    if as_of is None:
        return list(ResidentRecord.objects.filter(household_id=household_no, is_current=True,
                                                  status=RecordStatus.RESIDENT)
                    .select_related("town_block").order_by("listing_order", "person_id"))
    return household_as_of(household_no, as_of)


# --- the access functions ----------------------------------------------------------------------


def _log(event: EventType, actor: Actor, function: Function, *, outcome: str, targets: list[str],
         detail: dict[str, Any], purpose: str = "") -> None:
    audit(event, action="view" if event == EventType.RESIDENT_VIEW else "reveal", function=function.value,
          outcome=outcome, staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip,
          targets=targets, detail=detail, purpose=purpose)


def access_resident(actor: Actor, addressee_no: int | str, *, as_of: dt.date | None = None) -> ResidentView:
    """住民票照会: one person's record for a reader holding ``RESIDENT_VIEW``; audited."""
    detail: dict[str, Any] = {"as_of": as_of.isoformat()} if as_of else {}
    targets = _target(addressee_no, ADDRESSEE_NO_DIGITS)
    try:
        actor.require(Function.RESIDENT_VIEW)
        pid = _number(addressee_no, ADDRESSEE_NO_DIGITS)
        history = list(ResidentRecord.objects.filter(person_id=pid).select_related("town_block").order_by("version")
                       ) if pid is not None else []
        if pid is None or not history:
            raise resident_not_found()
        if as_of is None:
            shown = next((r for r in history if r.is_current), history[-1])
        else:
            found = record_as_of(pid, as_of)
            if found is None:
                raise not_in_force(as_of)
            shown = next(r for r in history if r.pk == found.pk)
        members = household_members_as_of(shown.household_id, as_of)
    except JukiError as exc:
        _log(EventType.RESIDENT_VIEW, actor, Function.RESIDENT_VIEW, outcome=refusal_outcome(exc), targets=targets,
             detail={**detail, "code": exc.code})
        raise
    _log(EventType.RESIDENT_VIEW, actor, Function.RESIDENT_VIEW, outcome=Outcome.OK, targets=targets,
         detail={**detail, "version": shown.version})
    return ResidentView(
        addressee_no=targets[0], record=shown, household_members=members, history=history,
        my_number_masked=MASKED_MY_NUMBER if shown.my_number_index else "", as_of=as_of,
    )


def access_household(actor: Actor, household_no: int | str, *, as_of: dt.date | None = None) -> HouseholdView:
    """世帯照会: the members of a household (current or as of a date); audited with every member."""
    detail: dict[str, Any] = {"household_no": str(household_no)[:20]}
    if as_of:
        detail["as_of"] = as_of.isoformat()
    members: list[ResidentRecord] = []
    try:
        actor.require(Function.RESIDENT_VIEW)
        hh_no = _number(household_no, HOUSEHOLD_NO_DIGITS)
        household = Household.objects.filter(pk=hh_no).first() if hh_no is not None else None
        if household is None:
            raise household_not_found()
        members = household_members_as_of(household.household_no, as_of)
    except JukiError as exc:
        _log(EventType.RESIDENT_VIEW, actor, Function.RESIDENT_VIEW, outcome=refusal_outcome(exc), targets=[],
             detail={**detail, "code": exc.code})
        raise
    _log(EventType.RESIDENT_VIEW, actor, Function.RESIDENT_VIEW, outcome=Outcome.OK,
         targets=[f"{m.person_id:0{ADDRESSEE_NO_DIGITS}d}" for m in members], detail=detail)
    return HouseholdView(household_no=f"{household.household_no:0{HOUSEHOLD_NO_DIGITS}d}", members=members,
                         as_of=as_of, established_on=household.established_on,
                         dissolved_on=household.dissolved_on)


def current_versions_for_page(person_ids: Iterable[int]) -> dict[int, ResidentRecord]:
    """The current version of each listed person, by addressee number, for a page that names
    them all as targets of its audit event (the approver's change page)."""
    return {r.person_id: r for r in current_records(person_ids)}


def current_names_for_page(person_ids: Iterable[int]) -> dict[int, str]:
    """氏名 of each listed person's current version, for a page that names them all as targets of
    its audit event (the protection officer's lists)."""
    return {r.person_id: r.full_name for r in current_records(person_ids)}


def my_number_purposes() -> list[str]:
    """The purposes a My Number may be revealed for (configured)."""
    return list(getattr(settings, "JUKI_MY_NUMBER_PURPOSES", []))


def reveal_my_number(actor: Actor, addressee_no: int | str, *, purpose: str) -> str:
    """個人番号の表示: the person's My Number in clear, for the My Number officer, with a purpose.

    Audited as ``MY_NUMBER_REVEALED`` with the purpose and the person; the number is not logged.
    """
    purpose = (purpose or "").strip()
    targets = _target(addressee_no, ADDRESSEE_NO_DIGITS)
    try:
        actor.require(Function.MY_NUMBER_REVEAL)
        if not purpose:
            raise ValidationFailed("MY_NUMBER_PURPOSE_REQUIRED", "個人番号を表示する目的を選んでください。",
                                   field="purpose")
        if purpose not in my_number_purposes():
            raise ValidationFailed("MY_NUMBER_PURPOSE_UNKNOWN", "個人番号を表示できる目的として登録されていません。",
                                   field="purpose")
        pid = _number(addressee_no, ADDRESSEE_NO_DIGITS)
        current = ResidentRecord.objects.filter(person_id=pid, is_current=True).first() if pid is not None else None
        if current is None:
            raise resident_not_found()
        if not current.my_number_enc:
            raise JukiError(code="MY_NUMBER_NOT_HELD", message="この住民には個人番号が記載されていません。", status=404)
        number = reveal(bytes(current.my_number_enc), current.person_id)
    except JukiError as exc:
        _log(EventType.MY_NUMBER_REVEALED, actor, Function.MY_NUMBER_REVEAL, outcome=refusal_outcome(exc),
             targets=targets, detail={"code": exc.code}, purpose=purpose[:200])
        raise
    _log(EventType.MY_NUMBER_REVEALED, actor, Function.MY_NUMBER_REVEAL, outcome=Outcome.OK, targets=targets,
         detail={"version": current.version}, purpose=purpose)
    return number
