"""The change-handler interface (異動処理の共通部分).

A handler knows one kind of change: the items its form may carry (a pydantic model with
``extra="forbid"``, so a kind accepts only its own items), the legal rules, and how to turn the
items and the current records into a :class:`Plan` — the new record versions and the outbox
events. The helpers the kinds share (households, relationships, domicile, events) are in
:mod:`.toolkit`. Handlers never write: :mod:`.workflow` applies the plan inside the confirming
transaction, after re-planning against the locked current records.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Any, ClassVar

from django.db.models import Q, Subquery
from pydantic import BaseModel, ConfigDict, field_validator

from juki.core.compiled import CompiledQuery
from juki.core.errors import ValidationFailed

from ..display import format_address
from ..events import OutboundEvent
from ..models import (
    ChangeReason,
    DatePrecision,
    Household,
    Municipality,
    RecordStatus,
    ResidentRecord,
    TownBlock,
)
from .item_types import plain_text_tree

#: 住基法22条〜24条: notifications of move-in, move within and move-out are due within 14 days.
NOTIFICATION_DAYS = 14

#: Fields that describe the version itself rather than the person; never copied between versions.
VERSION_META_FIELDS = frozenset({
    "id", "person", "version", "is_current", "valid_from", "notified_on", "recorded_at",
    "superseded_at", "change_reason", "recorded_by", "terminal_id",
    "valid_to",  # kept by the database (juki.register.validity), never copied
})


class ChangeItems(BaseModel):
    """Base of every kind's items: unknown items are refused, text is stripped, and no text
    item holds a control character or an unassigned code point (:func:`.item_types.plain_text`:
    PostgreSQL refuses NUL in jsonb and text, and no register item is written with one)."""

    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True, frozen=True)

    @field_validator("*", mode="after")
    @classmethod
    def _plain_text(cls, value: Any) -> Any:
        return plain_text_tree(value)


@dataclass
class NewVersion:
    """A new version of one person's record. ``person_id`` None means a new person (出生, 転入);
    ``ref`` names the person inside the change (``"p:<addressee_no>"`` or ``"new:<n>"``)."""

    ref: str
    person_id: int | None
    fields: dict[str, Any]
    my_number: str | None = None  # a clear number to seal at confirmation (validated already)
    #: A later version of the same person in the same change (:func:`.toolkit.households.join_versions`): its 異動日
    #: and 異動事由 when they are not the change's own. Only the last version of a ref is current.
    valid_from: dt.date | None = None
    reason: ChangeReason | None = None


@dataclass
class EventDraft:
    """An outbound event of the plan, for the person ``ref`` names: a typed, validated model
    built by the kind's builder in :mod:`juki.register.events`."""

    ref: str
    event: OutboundEvent

    @property
    def kind(self) -> str:
        return self.event.kind


@dataclass
class Plan:
    versions: list[NewVersion] = field(default_factory=list)
    events: list[EventDraft] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    late_notification: bool = False


def _current_with_household(lock: bool) -> CompiledQuery[ResidentRecord]:
    # One query (decision 0005): the person's current version and the current resident members of
    # their household, which nearly every kind asks for next. The town block (住所) and its
    # municipality come joined. Only record rows are locked — never the town blocks other
    # changes write addresses into — in addressee-number order, so that two changes locking
    # the same household lock in the same order.
    def build(person: int) -> Any:
        household = ResidentRecord.objects.filter(is_current=True, person_id=person).values("household_id")[:1]
        qs = (ResidentRecord.objects.filter(is_current=True)
              .filter(Q(person_id=person) | Q(household_id=Subquery(household), status=RecordStatus.RESIDENT))
              .select_related("town_block__municipality").order_by("person_id"))
        return qs.select_for_update(of=("self",)) if lock else qs
    return CompiledQuery(build, person=int)


def _household_members(lock: bool) -> CompiledQuery[ResidentRecord]:
    def build(household: int) -> Any:
        qs = (ResidentRecord.objects.filter(is_current=True, household_id=household, status=RecordStatus.RESIDENT)
              .select_related("town_block__municipality").order_by("listing_order", "person_id"))
        return qs.select_for_update(of=("self",)) if lock else qs
    return CompiledQuery(build, household=int)


def _listing(rec: ResidentRecord) -> tuple[int, int]:
    return (rec.listing_order, rec.person_id)


#: Compiled once per process (decision 0005: Django's compilation of these queries cost more than running them).
_CURRENT, _CURRENT_LOCKED = _current_with_household(False), _current_with_household(True)
_MEMBERS, _MEMBERS_LOCKED = _household_members(False), _household_members(True)
_TOWN_BLOCK = CompiledQuery(
    lambda code: TownBlock.objects.select_related("municipality").filter(code=code).order_by("pk")[:1], code=str)


class ChangeContext:
    """What a handler may read: current records (locked when confirming), town blocks, dates."""

    def __init__(self, *, effective_on: dt.date, notified_on: dt.date | None, today: dt.date, lock: bool):
        self.effective_on = effective_on
        self.notified_on = notified_on
        self.today = today
        self.lock = lock
        #: The records the plan has read: their versions are the change's base versions.
        self._records: dict[int, ResidentRecord] = {}
        #: Rows fetched but not (yet) read by the plan, and households' member lists.
        self._fetched: dict[int, ResidentRecord] = {}
        self._households: dict[int, list[ResidentRecord]] = {}
        # Looked up once per change (decision 0005): a plan asks for them more than once.
        self._town_blocks: dict[str, TownBlock] = {}
        self._municipality: Municipality | None = None

    def current(self, addressee_no: int) -> ResidentRecord:
        """The current version of a person's record, or CHANGE_PERSON_NOT_FOUND."""
        rec = self._records.get(addressee_no)
        if rec is None:
            rec = self._fetched.get(addressee_no)
            if rec is None:
                rec = self._fetch_with_household(addressee_no)
            if rec is None:
                raise ValidationFailed("CHANGE_PERSON_NOT_FOUND", f"宛名番号 {addressee_no} の住民票が見つかりません。",
                                       field="person")
            self._records[addressee_no] = rec
        return rec

    def _fetch_with_household(self, addressee_no: int) -> ResidentRecord | None:
        rows = (_CURRENT_LOCKED if self.lock else _CURRENT).fetch(person=addressee_no)
        rec = next((r for r in rows if r.person_id == addressee_no), None)
        for r in rows:
            self._remember_block(r.town_block)
            self._fetched.setdefault(r.person_id, r)
        if rec is not None:
            # The household's resident members as household_members() would list them. They
            # become part of the change's base versions only when a handler asks for them.
            members = sorted((self._fetched[r.person_id] for r in rows
                              if r.household_id == rec.household_id and r.status == RecordStatus.RESIDENT), key=_listing)
            self._households.setdefault(rec.household_id, members)
        return rec

    def household_members(self, household_no: int) -> list[ResidentRecord]:
        """Current resident members of a household in listing order."""
        members = self._households.get(household_no)
        if members is None:
            members = (_MEMBERS_LOCKED if self.lock else _MEMBERS).fetch(household=household_no)
            for m in members:
                self._remember_block(m.town_block)
                self._fetched.setdefault(m.person_id, m)
            self._households[household_no] = members = [self._fetched[m.person_id] for m in members]
        for m in members:
            self._records.setdefault(m.person_id, m)
        return [self._records[m.person_id] for m in members]

    def _remember_block(self, tb: TownBlock | None) -> None:
        # The town block comes with its municipality (one query); both serve later look-ups.
        if tb is not None:
            self._town_blocks.setdefault(tb.code, tb)
            if self._municipality is None:
                self._municipality = tb.municipality

    def household_exists(self, household_no: int) -> bool:
        return Household.objects.filter(pk=household_no).exists()

    def town_block(self, code: str) -> TownBlock:
        tb = self._town_blocks.get(code)
        if tb is None:
            tb = _TOWN_BLOCK.first(code=code)
            if tb is None:
                raise ValidationFailed("TOWN_BLOCK_UNKNOWN", f"町丁字コード {code} は町丁字マスタにありません。",
                                       field="town_block")
            self._remember_block(tb)
        return tb

    def municipality(self) -> Municipality:
        if self._municipality is None:
            m = Municipality.objects.first()
            if m is None:
                raise ValidationFailed("MUNICIPALITY_MISSING", "市区町村の設定がありません。")
            self._municipality = m
        return self._municipality

    @property
    def base_versions(self) -> dict[str, int]:
        return {str(k): v.version for k, v in self._records.items()}


class ChangeHandler:
    """One kind of change. Subclasses set the class attributes and implement :meth:`plan`."""

    kind: ClassVar[str]
    reason: ClassVar[ChangeReason]
    label: ClassVar[str]
    article: ClassVar[str]  # the legal basis, shown on the form and in docs/register.md
    items: ClassVar[type[ChangeItems]]
    ex_officio: ClassVar[bool] = False  # 職権: no notification date
    notification_period: ClassVar[int | None] = None  # days, where the law sets a period
    allows_future_effective: ClassVar[bool] = False  # e.g. a planned move-out
    allows_removed: ClassVar[bool] = False  # only 回復 and 修正 touch removed records
    #: :func:`check_dates` also applies :func:`not_before_current` to the records it is given.
    #: Off where the records are not versions being followed (move-ins of new persons, births)
    #: or the kind has its own rule on the date (転出取消: the date of the removal withdrawn).
    dates_not_before_current: ClassVar[bool] = True

    def plan(self, items: Any, ctx: ChangeContext) -> Plan:  # pragma: no cover - interface
        raise NotImplementedError


# --- shared rules (plain functions) ------------------------------------------------------

def copy_fields(record: ResidentRecord) -> dict[str, Any]:
    """The person's items of a version, ready to be changed into the next version."""
    out: dict[str, Any] = {}
    for f in ResidentRecord._meta.concrete_fields:
        if f.name in VERSION_META_FIELDS:
            continue
        out[f.attname] = getattr(record, f.attname)
    return out


def not_before_current(ctx: ChangeContext, records: list[ResidentRecord]) -> None:
    """A new version takes effect no earlier than the version it follows, so the current record
    stays the record in force today and the record as of any date stays the one the changes
    say (住民票の履歴の順序; :mod:`juki.register.history`)."""
    for rec in records:
        if ctx.effective_on < rec.valid_from:
            raise ValidationFailed(
                "CHANGE_BEFORE_CURRENT_VERSION",
                f"異動日が宛名番号 {rec.person_id} の現在の住民票の異動日（{rec.valid_from.isoformat()}）より前です。",
                field="effective_on",
            )


def birth_date_of(record: ResidentRecord) -> dt.date | None:
    """The earliest date the person can have been born, for date-order checks."""
    if record.birth_year is None:
        return None
    return dt.date(record.birth_year, record.birth_month or 1, record.birth_day or 1)


def require_resident(record: ResidentRecord, handler: ChangeHandler) -> None:
    """Removed persons change only through 回復 or 修正 (住基法施行令12条・13条)."""
    if record.status != RecordStatus.RESIDENT and not handler.allows_removed:
        raise ValidationFailed(
            "CHANGE_PERSON_REMOVED",
            f"宛名番号 {record.person_id} は消除された住民票（除票）です。回復または修正以外の異動はできません。",
            field="person",
        )


def current_residents(handler: ChangeHandler, ctx: ChangeContext, persons: Any) -> list[ResidentRecord]:
    """The current records of ``persons`` (each once, in the order given); removed records are
    refused unless the kind may touch them (:func:`require_resident`)."""
    records = [ctx.current(p) for p in dict.fromkeys(persons)]
    for rec in records:
        require_resident(rec, handler)
    return records


def check_dates(handler: ChangeHandler, ctx: ChangeContext, records: list[ResidentRecord]) -> Plan:
    """Date rules common to every kind; returns a plan carrying the late-notification flag.

    - the effective date is not in the future, except where the kind allows it (転出予定);
    - the effective date is not after the notification date, except a planned move-out;
    - the effective date is not before the person's birth;
    - a notification later than the legal period (住基法22〜24条: 14日) is flagged, not refused;
    - when the handler's ``dates_not_before_current`` is set (the default), the effective date is
      not before the current version of any of ``records`` (:func:`not_before_current`).
    """
    plan = Plan()
    if not handler.ex_officio and ctx.notified_on is None:
        raise ValidationFailed("CHANGE_NOTIFIED_ON_REQUIRED", "届出日を入力してください。", field="notified_on")
    if ctx.notified_on is not None and ctx.notified_on > ctx.today:
        raise ValidationFailed("CHANGE_NOTIFIED_IN_FUTURE", "届出日に未来の日付は入力できません。", field="notified_on")
    if ctx.effective_on > ctx.today and not handler.allows_future_effective:
        raise ValidationFailed("CHANGE_EFFECTIVE_IN_FUTURE", "異動日に未来の日付は入力できません。", field="effective_on")
    if (
        ctx.notified_on is not None
        and ctx.effective_on > ctx.notified_on
        and not handler.allows_future_effective
    ):
        raise ValidationFailed("CHANGE_EFFECTIVE_AFTER_NOTIFIED", "異動日が届出日より後になっています。", field="effective_on")
    for rec in records:
        born = birth_date_of(rec)
        if born is not None and rec.birth_date_precision == DatePrecision.FULL and ctx.effective_on < born:
            raise ValidationFailed("CHANGE_BEFORE_BIRTH", "異動日が生年月日より前になっています。", field="effective_on")
    if (
        handler.notification_period is not None
        and ctx.notified_on is not None
        and (ctx.notified_on - ctx.effective_on).days > handler.notification_period
    ):
        plan.late_notification = True
        plan.warnings.append(
            f"届出期間（{handler.notification_period}日）を経過した届出です（住基法22〜24条）。期間経過の処理を確認してください。"
        )
    if handler.dates_not_before_current:
        not_before_current(ctx, records)
    return plan




def address_of(record: ResidentRecord, ctx: ChangeContext) -> str:
    return format_address(ctx.municipality(), record.town_block, record.banchi, record.katagaki)

