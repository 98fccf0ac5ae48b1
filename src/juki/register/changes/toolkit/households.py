"""Households and relationships (世帯・続柄): the helpers every kind that places persons uses.

- the household invariant (:func:`check_one_householder`: one 世帯主 per household) and the
  世帯主's name as 前住所の世帯主 (:func:`householder_name`);
- relationships as entered on a form, keyed by addressee number (:func:`parse_relationships`,
  and :func:`by_addressee_no` for the ex officio kinds, which give their own refusal codes);
- the town block of a new address (:func:`address_block`);
- joining an existing household (世帯への加入): :func:`household_stages` and
  :func:`join_versions` (docs/decisions/0006-joining-a-household-back-dated.md).

Plain functions: they read through the :class:`~..base.ChangeContext` and never write.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from juki.core.digits import is_ascii_digits
from juki.core.errors import ValidationFailed

from ...models import ChangeReason, RecordStatus, Relationship, ResidentRecord, TownBlock
from ..base import ChangeContext, NewVersion, Plan, _listing
from ..item_types import path_label

RELATIONSHIP_CODES = {r.value for r in Relationship}


def check_one_householder(relationships: Mapping[Any, str], *, household: str) -> None:
    """Household invariant: a household with members has exactly one 世帯主."""
    if not relationships:
        return
    heads = [p for p, rel in relationships.items() if rel == "householder"]
    if len(heads) != 1:
        raise ValidationFailed(
            "HOUSEHOLD_HOUSEHOLDER_COUNT",
            f"世帯（{household}）の世帯主は1人でなければなりません（{len(heads)}人になります）。",
            field="relationships",
        )


def householder_name(members: list[ResidentRecord]) -> str:
    for m in members:
        if m.relationship == Relationship.HOUSEHOLDER:
            return m.full_name
    return ""


def parse_relationships(raw: dict[str, str], field: str = "relationships") -> dict[int, str]:
    """宛名番号 → 続柄 as entered; keys must be addressee numbers and values standard codes."""
    out: dict[int, str] = {}
    for key, value in raw.items():
        try:
            pid = int(key)
        except ValueError:
            raise ValidationFailed("CHANGE_ITEM_INVALID", f"{path_label(field)}: 宛名番号「{key}」は数字ではありません。",
                                   field=field) from None
        if value not in RELATIONSHIP_CODES:
            raise ValidationFailed("HOUSEHOLD_RELATIONSHIP_UNKNOWN", f"{path_label(field)}: 続柄「{value}」は続柄コードにありません。",
                                   field=f"{field}.{key}")
        out[pid] = value
    return out


def by_addressee_no(relationships: dict[str, str]) -> dict[int, Relationship]:
    """The relationships item keyed by addressee number (JSON keys are text), codes checked."""
    out: dict[int, Relationship] = {}
    for key, rel in relationships.items():
        if not is_ascii_digits(key):
            raise ValidationFailed("RELATIONSHIPS_KEY", f"続柄の対象「{key}」は宛名番号ではありません。", field="relationships")
        try:
            out[int(key)] = Relationship(rel)
        except ValueError:
            raise ValidationFailed("RELATIONSHIP_UNKNOWN", f"続柄「{rel}」はありません。", field="relationships") from None
    return out


def address_block(ctx: ChangeContext, code: str) -> TownBlock:
    """The town block of a new address; an abolished block cannot take new addresses."""
    tb = ctx.town_block(code)
    if tb.abolished_on is not None and tb.abolished_on <= ctx.effective_on:
        raise ValidationFailed(
            "TOWN_BLOCK_ABOLISHED", f"町丁字「{tb.name}」は{tb.abolished_on.isoformat()}に廃止されています。",
            field="town_block",
        )
    return tb


# --- joining an existing household (世帯への加入) -------------------------------------------

#: The address items a person takes from the household they join (住基法7条7号; 方書 included).
ADDRESS_ITEMS = ("town_block_id", "banchi", "katagaki", "katagaki_kana", "katagaki_hidden")

#: The items of a move the joiner follows (前住所・住所を定めた日 and its notification), as the
#: household's own versions of that move record them.
MOVE_ITEMS = ("previous_address", "previous_householder", "address_established_on",
              "address_established_notified_on", "address_established_note")


@dataclass(frozen=True)
class HouseholdStage:
    """The joined household from ``valid_from`` on: its members' versions in force that day,
    in listing order, and its 世帯主 (whose version gives the address)."""

    valid_from: dt.date
    members: list[ResidentRecord]
    head: ResidentRecord

    @property
    def address(self) -> tuple[Any, ...]:
        return tuple(getattr(self.head, name) for name in ADDRESS_ITEMS)


def _household_versions(household_no: int) -> dict[int, list[ResidentRecord]]:
    """Every version of every person who was ever in the household, by person, oldest first."""
    persons = ResidentRecord.objects.filter(household_id=household_no).values_list("person_id", flat=True).distinct()
    out: dict[int, list[ResidentRecord]] = {}
    for rec in (ResidentRecord.objects.filter(person_id__in=list(persons))
                .select_related("town_block__municipality").order_by("person_id", "valid_from", "version")):
        out.setdefault(rec.person_id, []).append(rec)
    return out


def _members_on(versions: dict[int, list[ResidentRecord]], household_no: int, on: dt.date) -> list[ResidentRecord]:
    """The household's resident members on ``on``, by the rule of :func:`juki.register.history.household_as_of`."""
    members = []
    for person_versions in versions.values():
        in_force = [v for v in person_versions if v.valid_from <= on]
        if in_force:
            rec = in_force[-1]  # ordered by (valid_from, version): the latest wins the tie
            if rec.household_id == household_no and rec.status == RecordStatus.RESIDENT:
                members.append(rec)
    return sorted(members, key=_listing)


def household_stages(ctx: ChangeContext, household_no: int, *, field: str) -> list[HouseholdStage]:
    """The household a person joins on the change's effective date, and each later change of its
    address that the joiner follows (世帯への加入の基準).

    A person added to an existing household (出生・転入・職権記載・転居による加入・回復) is
    recorded as the household stood on the effective date — 住所 is the address of the
    household on that day (住基法7条7号; for a birth, 住所を定めた日 is the date of birth) —
    and then moves with the household at every later 転居 (or 職権修正 of its address)
    already on the register, each as its own version with that change's 異動日, 異動事由,
    前住所 and 住所を定めた日 (住基法施行令12条2項1号: the record follows the facts the
    notifications establish). So the person's record as of any day shows the household's
    address that day (docs/decisions/0006-joining-a-household-back-dated.md).

    Refused, changing nothing:

    - ``JOIN_HOUSEHOLD_NOT_ON_DATE`` — the household had no resident members on the effective
      date (e.g. it moved in or was formed later) or on a day since: the person cannot have
      lived in it then;
    - ``JOIN_BEFORE_HOUSEHOLDER_CHANGE`` — the 世帯主 changed after the effective date: the
      joiner's 続柄 (to the 世帯主) would have to be restated for the later 世帯主, which only a
      世帯変更届 or 職権修正 can say. Enter the addition on or after that date's change, or
      process it before the 世帯主変更 is confirmed.

    The current members are read through the context (so they are part of the change's base
    versions and locked when confirming); the history is read as the register now stands.
    """
    ctx.household_members(household_no)
    versions = _household_versions(household_no)

    def members_on(day: dt.date) -> list[ResidentRecord]:
        members = _members_on(versions, household_no, day)
        if not members:
            raise ValidationFailed(
                "JOIN_HOUSEHOLD_NOT_ON_DATE",
                f"世帯番号 {household_no} の世帯には {day.isoformat()} に住民がいません。"
                "その日に世帯がなかった期間を含む加入は記載できません。",
                field=field,
            )
        return members

    first = members_on(ctx.effective_on)
    stages = [HouseholdStage(ctx.effective_on, first, _head(first))]
    later = sorted({v.valid_from for vs in versions.values() for v in vs if v.valid_from > ctx.effective_on})
    for day in later:
        members = members_on(day)
        previous = stages[-1]
        head = _head(members)
        if head.person_id != previous.head.person_id:
            raise ValidationFailed(
                "JOIN_BEFORE_HOUSEHOLDER_CHANGE",
                f"世帯番号 {household_no} の世帯は異動日より後の {day.isoformat()} に世帯主が変わっています。"
                "世帯主との続柄が定まらないため、この日付では加入を記載できません（世帯変更届・職権修正によります）。",
                field=field,
            )
        stage = HouseholdStage(day, members, head)
        if stage.address != previous.address:
            stages.append(stage)
    return stages


def _head(members: list[ResidentRecord]) -> ResidentRecord:
    return next((m for m in members if m.relationship == "householder"), members[0])


def join_versions(plan: Plan, version: NewVersion, stages: list[HouseholdStage] | None) -> dict[str, Any]:
    """Add the joiner's version (on the effective date, at ``stages[0]``'s address as the caller
    built it) and one version for each later stage: the household's address and the move items
    of the 世帯主's version of that day, with its 異動日 and 異動事由. Returns the fields of the
    last version — the joiner's current record (events describe it)."""
    plan.versions.append(version)
    fields = version.fields
    for stage in (stages or [])[1:]:
        fields = dict(fields)
        fields.update({name: getattr(stage.head, name) for name in ADDRESS_ITEMS})
        if stage.head.address_established_on == stage.valid_from:  # the household moved that day
            fields.update({name: getattr(stage.head, name) for name in MOVE_ITEMS})
        reason = ChangeReason(stage.head.change_reason)
        plan.versions.append(NewVersion(ref=version.ref, person_id=version.person_id, fields=fields,
                                        my_number=version.my_number, valid_from=stage.valid_from, reason=reason))
        notice = (f"加入する世帯は異動日より後の {stage.valid_from.isoformat()} に住所が変わっています（{reason.label}）。"
                  "その日から世帯の住所に記載します。")
        if notice not in plan.warnings:
            plan.warnings.append(notice)
    return fields

