"""The history of each record (住民票の版): listing order, numbers, moves within the city and
the other changes of each member, and the removal (除票) as the last version."""

from __future__ import annotations

import datetime as dt

from juki.register.entry_rules import retention_until
from juki.register.models import (
    ChangeReason,
    FuriganaCertification,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidentKind,
)

from .foreign import ForeignResidents
from .plans import TOKYO, Address, HouseholdPlan, PersonPlan, VersionPlan

R = Relationship

# Listing order (記載順位): householder, spouse, ascendants, children, children's spouses,
# grandchildren, siblings, other kin, lodgers; within a rank the elder first.
_RANK = {
    R.HOUSEHOLDER: 0, R.WIFE: 1, R.HUSBAND: 1, R.WIFE_UNREGISTERED: 1, R.HUSBAND_UNREGISTERED: 1,
    R.FATHER: 2, R.MOTHER: 2, R.WIFE_FATHER: 2, R.WIFE_MOTHER: 2, R.HUSBAND_FATHER: 2,
    R.HUSBAND_MOTHER: 2, R.GRANDFATHER: 2, R.GRANDMOTHER: 2, R.CHILD: 3, R.WIFE_CHILD: 3,
    R.HUSBAND_CHILD: 3, R.CHILD_WIFE: 4, R.CHILD_HUSBAND: 4, R.GRANDCHILD: 5,
    R.GREAT_GRANDCHILD: 5, R.ELDER_BROTHER: 6, R.ELDER_SISTER: 6, R.YOUNGER_BROTHER: 6,
    R.YOUNGER_SISTER: 6, R.KIN: 7, R.LODGER: 8,
}


class History(ForeignResidents):
    """Numbers and record versions of a finished household."""

    migration_at: dt.datetime  # when the records were computerised (電算化)

    def _finish(self, plan: HouseholdPlan) -> HouseholdPlan:
        """Listing order, numbers, and the versions of each member's record."""
        plan.members.sort(key=lambda m: (_RANK[Relationship(m.relationship)], m.birth))
        for order, m in enumerate(plan.members, start=1):
            m.listing_order = order
            m.resident_code = self._resident_code()
            m.my_number = self._my_number()
        removals = [m.removal[1] for m in plan.members if m.removal]
        latest_end = min(removals) if removals else self.today
        # Moves within the city (転居) are history only when they happened after the records
        # were computerised (before that, the migrated record shows the address of the day).
        # Most households moved 0-2 times; each move is a version for every member then present.
        start = max((plan.established_on or self.today) + dt.timedelta(days=365),
                    self.migration_at.date() + dt.timedelta(days=1))
        moves: list[tuple[dt.date, Address]] = []  # (moved on, the address left), oldest first
        if start < latest_end - dt.timedelta(days=60):
            count = self.rng.choices((0, 1, 2, 3, 4), (0.40, 0.27, 0.18, 0.10, 0.05))[0]
            days = sorted({self._between(start, latest_end - dt.timedelta(days=60)) for _ in range(count)})
            moves = [(day, self._address()) for day in days]
        for m in plan.members:
            m.versions = self._versions(plan, m, moves)
        return plan

    def _later_events(self, m: PersonPlan, lo: dt.date, end: dt.date) -> list[tuple[dt.date, str]]:
        """Changes other than moves in ``[lo, end)``: 振り仮名の記載 (改正戸籍法, 2025-05-26),
        本籍の変更 (転籍), 職権修正, and for foreign residents 在留期間の更新."""
        rng = self.rng
        events: list[tuple[dt.date, str]] = []
        last = end - dt.timedelta(days=1)
        if lo > last:
            return events
        if m.resident_kind == ResidentKind.FOREIGN:
            if m.foreign and m.foreign.stay:
                lo_f = max(lo, self.foreign_register_start)
                if lo_f <= last:
                    for _ in range(rng.choice((0, 1, 1, 2, 3))):
                        events.append((self._between(lo_f, last), ChangeReason.FOREIGN_STATUS_CHANGE))
            return events
        furigana_start = dt.date(2025, 5, 26)
        if (m.furigana_certification != FuriganaCertification.NONE and max(lo, furigana_start) <= last
                and rng.random() < 0.8):
            events.append((self._between(max(lo, furigana_start), last), ChangeReason.FURIGANA))
        if rng.random() < 0.15:
            events.append((self._between(lo, last), ChangeReason.DOMICILE_CHANGE))
        if rng.random() < 0.08:
            events.append((self._between(lo, last), ChangeReason.EX_OFFICIO_CORRECTION))
        return events

    def _versions(self, plan: HouseholdPlan, m: PersonPlan,
                  moves: list[tuple[dt.date, Address]]) -> list[VersionPlan]:
        assert m.joined_on is not None
        joined = m.joined_on
        mine = [(day, old) for day, old in moves if joined < day]
        first_address = mine[0][1] if mine else plan.address
        reason: str
        if joined < self.migration_at.date():
            notified, recorded, reason = None, self.migration_at, ChangeReason.INITIAL
        elif m.became_resident_reason == ChangeReason.LAW_ENFORCEMENT:
            notified, recorded, reason = None, dt.datetime.combine(joined, dt.time(8, 30), TOKYO), ChangeReason.LAW_ENFORCEMENT
        else:
            notified = self._notify(joined)
            recorded, reason = self._at(notified), m.became_resident_reason
        established = joined
        if m.became_resident_reason == ChangeReason.LAW_ENFORCEMENT and plan.established_on:
            established = min(plan.established_on, joined)
        versions = [VersionPlan(
            valid_from=joined, notified_on=notified, recorded_at=recorded, change_reason=reason,
            address=first_address, previous_address=m.pre_move_in_address,
            previous_householder=m.pre_move_in_householder,
            address_established_on=established, address_established_notified_on=notified,
        )]
        end = m.removal[1] if m.removal else self.today
        lo = max(joined, self.migration_at.date()) + dt.timedelta(days=1)
        events: list[tuple[dt.date, str, int]] = [(day, ChangeReason.MOVE_WITHIN, i) for i, (day, _) in enumerate(mine)]
        events += [(day, why, -1) for day, why in self._later_events(m, lo, end)]
        events.sort(key=lambda e: (e[0], e[2]))
        furigana_at = domicile_at = None
        for day, why, i in events:
            prev = versions[-1]
            notified = self._notify(day)
            v = VersionPlan(
                valid_from=day, notified_on=notified,
                recorded_at=max(self._at(notified), prev.recorded_at + dt.timedelta(minutes=1)),
                change_reason=why, address=prev.address, previous_address=prev.previous_address,
                previous_householder=prev.previous_householder,
                address_established_on=prev.address_established_on,
                address_established_notified_on=prev.address_established_notified_on,
            )
            if why == ChangeReason.MOVE_WITHIN:
                v.address = mine[i + 1][1] if i + 1 < len(mine) else plan.address
                v.previous_address = self.address_text(mine[i][1])
                v.previous_householder = plan.members[0].full_name
                v.address_established_on, v.address_established_notified_on = day, notified
            elif why == ChangeReason.FURIGANA:
                furigana_at = len(versions)
            elif why == ChangeReason.DOMICILE_CHANGE and domicile_at is None:
                domicile_at = len(versions)
            versions.append(v)
        if furigana_at is not None:
            for v in versions[:furigana_at]:
                v.furigana = False
        if domicile_at is not None:
            old = self._domicile()
            for v in versions[:domicile_at]:
                v.domicile = old
        if m.removal:
            reason_code, day = m.removal
            prev = versions[-1]
            v = VersionPlan(
                valid_from=day, notified_on=None, recorded_at=prev.recorded_at, change_reason="",
                address=prev.address, previous_address=prev.previous_address,
                previous_householder=prev.previous_householder,
                address_established_on=prev.address_established_on,
                address_established_notified_on=prev.address_established_notified_on,
                status=RecordStatus.REMOVED, removal_reason=reason_code, removed_on=day,
                retention_until=retention_until(day),
            )
            if reason_code == RemovalReason.DEATH:
                v.change_reason = ChangeReason.DEATH
                v.notified_on = self._notify(day, 6)
            else:
                v.change_reason = (ChangeReason.MOVE_ABROAD if reason_code == RemovalReason.MOVE_ABROAD
                                   else ChangeReason.MOVE_OUT)
                destination = (m.foreign.nationality if m.foreign and reason_code == RemovalReason.MOVE_ABROAD
                               else self._elsewhere())
                v.notified_on = max(prev.valid_from + dt.timedelta(days=1),
                                    day - dt.timedelta(days=self.rng.randint(0, 14)))
                v.planned_move_out_address = destination
                v.planned_move_out_on = day
                v.planned_move_out_notified_on = v.notified_on
                notice = day + dt.timedelta(days=self.rng.randint(3, 30))
                if notice <= self.today and reason_code == RemovalReason.MOVE_OUT:
                    v.confirmed_move_out_address = destination
                    v.confirmed_move_out_on = day
                    v.confirmed_move_out_notice_on = notice
            v.removal_notified_on = v.notified_on
            v.recorded_at = max(self._at(v.notified_on), prev.recorded_at + dt.timedelta(minutes=1))
            versions.append(v)
        return versions
