"""Japanese households and their members (世帯と世帯員): who lives together, names and
domiciles (本籍・筆頭者), when each member joined, and members no longer on the register."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from juki.register.entry_rules import add_years
from juki.register.models import (
    ChangeReason,
    FuriganaCertification,
    Relationship,
    RemovalReason,
    Sex,
)

from . import data
from .addresses import Addresses
from .plans import HouseholdPlan, PersonPlan

R = Relationship


class Households(Addresses):
    """Composition of a household, its members' details and its removed members."""

    def _spouse_age(self, age: int) -> int:
        return max(18, min(100, age - int(round(self.rng.gauss(2, 3)))))

    def _children(self, mother_age: int, n: int, max_age: int = 24) -> list[tuple[str, int, int]]:
        ages = []
        for _ in range(n):
            age = mother_age - self.rng.randint(22, 42)  # mothers give birth at 22..42
            if age < 0:
                age = self.rng.randint(0, max(0, mother_age - 18))
            if age > max_age:
                age = self.rng.randint(min(18, max_age), max_age)
            ages.append(age)
        return [(R.CHILD, self.rng.choice((Sex.MALE, Sex.FEMALE)), a) for a in sorted(ages, reverse=True)]

    def _japanese_skeleton(self, kind: str) -> list[tuple[str, int, int]]:
        """(relationship, sex, age) of each member, householder first."""
        rng = self.rng
        M, F = Sex.MALE, Sex.FEMALE
        if kind == "single":
            r = rng.random()
            if r < 0.25:
                return [(R.HOUSEHOLDER, M if rng.random() < 0.55 else F, self._age(18, 34, 25))]
            if r < 0.57:
                return [(R.HOUSEHOLDER, M if rng.random() < 0.55 else F, self._age(35, 69, 58))]
            return [(R.HOUSEHOLDER, F if rng.random() < 0.65 else M, self._age(65, 100, 78))]
        if kind == "couple":
            h = self._age(25, 40) if rng.random() < 0.12 else self._age(55, 92, 72)
            w = self._spouse_age(h)
            if rng.random() < 0.05:
                return [(R.HOUSEHOLDER, F, w), (R.HUSBAND, M, h)]
            partner = R.WIFE_UNREGISTERED if rng.random() < 0.03 else R.WIFE
            return [(R.HOUSEHOLDER, M, h), (partner, F, w)]
        if kind == "nuclear":
            h = self._age(28, 66, 50)
            w = self._spouse_age(h)
            n = rng.choices((1, 2, 3), (0.5, 0.4, 0.1))[0]
            return [(R.HOUSEHOLDER, M, h), (R.WIFE, F, w), *self._children(w, n, 30)]
        if kind == "single_parent":
            sex = F if rng.random() < 0.85 else M
            p = self._age(26, 64, 48)
            return [(R.HOUSEHOLDER, sex, p), *self._children(p, rng.choice((1, 1, 2)), 28)]
        if kind == "three_gen_up":
            h = self._age(40, 64, 54)
            w = self._spouse_age(h)
            members = [(R.HOUSEHOLDER, M, h), (R.WIFE, F, w), *self._children(w, rng.choice((0, 1, 2)), 30)]
            has_father = rng.random() < 0.7
            if has_father:
                members.append((R.FATHER, M, min(100, h + self._age(24, 36))))
            if rng.random() < 0.9 or not has_father:
                members.append((R.MOTHER, F, min(100, h + self._age(22, 33))))
            return members
        if kind == "three_gen_down":
            h = self._age(60, 85, 70)
            members = [(R.HOUSEHOLDER, M, h)]
            if rng.random() < 0.8:
                members.append((R.WIFE, F, self._spouse_age(h)))
            c = max(25, h - self._age(25, 35))
            members += [(R.CHILD, M, c), (R.CHILD_WIFE, F, self._spouse_age(c))]
            members += [(R.GRANDCHILD, s, a) for _, s, a in self._children(self._spouse_age(c), rng.choice((1, 2)), 15)]
            return members
        # other: siblings, kin or a lodger
        h = self._age(30, 85, 60)
        hs = rng.choice((M, F))
        other_sex = rng.choice((M, F))
        other_age = max(18, h + rng.randint(-8, 8))
        if rng.random() < 0.6:
            older = other_age > h
            rel = {(True, M): R.ELDER_BROTHER, (True, F): R.ELDER_SISTER,
                   (False, M): R.YOUNGER_BROTHER, (False, F): R.YOUNGER_SISTER}[(older, other_sex)]
        else:
            rel = rng.choice((R.KIN, R.LODGER))
        return [(R.HOUSEHOLDER, hs, h), (rel, other_sex, other_age)]

    _JAPANESE_KINDS = ("single", "couple", "nuclear", "single_parent", "three_gen_up", "three_gen_down", "other")
    _JAPANESE_WEIGHTS = (0.37, 0.24, 0.19, 0.09, 0.05, 0.03, 0.03)

    # -- filling in a Japanese household ------------------------------------------------

    def _japanese_household(self, kind: str, skeleton: Sequence[tuple[str, int, int]]) -> HouseholdPlan:
        rng = self.rng
        family = self._surname()
        members: list[PersonPlan] = []
        for rel, sex, age in skeleton:
            birth = self._birth(age)
            if rel in (R.LODGER, R.KIN, R.WIFE_UNREGISTERED, R.HUSBAND_UNREGISTERED):
                surname = self._surname()
            else:
                surname = family
            given = self._given(sex, birth)
            p = PersonPlan(relationship=rel, sex=sex, birth=birth,
                           family_name=surname[0], given_name=given[0],
                           family_kana=surname[1], given_kana=given[1], romaji=surname[2])
            p.furigana_certification = (FuriganaCertification.CERTIFIED if rng.random() < 0.75
                                        else FuriganaCertification.UNCERTIFIED)
            if rel in (R.WIFE, R.CHILD_WIFE) and rng.random() < 0.06:
                former = self._surname()
                if former[0] != surname[0]:
                    p.former_surname, p.former_surname_kana = former[0], former[1]
                    p.former_surname_romaji = former[2].upper()
            members.append(p)
        head = members[0]
        # 本籍・筆頭者: the couple's family register is headed by the husband (or the single
        # householder); ascendants are in the father's, a married child's family in the child's.
        base = self._domicile()
        father_name = next((m.full_name for m in members if m.relationship == R.FATHER),
                           f"{head.family_name}\u3000{self.rng.choice(data.OLD_MALE)[0]}")
        married_child = next((m for m in members if m.relationship == R.CHILD and kind == "three_gen_down"), None)
        husband = next((m for m in members if m.relationship == R.HUSBAND), None)
        couple_head = husband.full_name if husband else head.full_name
        for m in members:
            if m.relationship in (R.FATHER, R.MOTHER):
                m.domicile, m.domicile_head = base, father_name
            elif m.relationship in (R.CHILD_WIFE, R.GRANDCHILD) and married_child:
                m.domicile, m.domicile_head = base, married_child.full_name
            elif m.relationship == R.CHILD and married_child is m:
                m.domicile, m.domicile_head = base, m.full_name
            elif m.relationship in (R.LODGER, R.KIN, R.WIFE_UNREGISTERED, R.HUSBAND_UNREGISTERED):
                m.domicile = self._domicile()
                m.domicile_head = f"{m.family_name}\u3000{self.rng.choice(data.OLD_MALE)[0]}"
            elif kind == "single" and head.birth > add_years(self.today, -30):
                m.domicile, m.domicile_head = base, father_name
            else:
                m.domicile, m.domicile_head = base, couple_head
        plan = HouseholdPlan(kind=kind, address=self._address(), members=members)
        self._settle_dates(plan, native=rng.random() < (0.35 if kind == "single" else 0.5))
        return plan

    def _settle_dates(self, plan: HouseholdPlan, *, native: bool, from_abroad: str = "") -> None:
        """Decide when each member joined (birth, move-in) and where they came from."""
        head = plan.members[0]
        earliest = max(add_years(head.birth, 18), add_years(self.today, -45))
        arrival = self._between(earliest, self.today - dt.timedelta(days=30))
        origin = from_abroad or self._elsewhere()
        plan.established_on = arrival
        natives = {R.HOUSEHOLDER, R.FATHER, R.MOTHER, R.ELDER_BROTHER, R.ELDER_SISTER,
                   R.YOUNGER_BROTHER, R.YOUNGER_SISTER}
        for m in plan.members:
            joined = arrival
            if m.relationship in (R.CHILD_WIFE, R.CHILD_HUSBAND):
                joined = self._between(max(arrival, add_years(m.birth, 20)), self.today - dt.timedelta(days=30))
            if native and m.relationship in natives:
                m.joined_on, m.became_resident_reason = m.birth, ChangeReason.BIRTH
            elif m.birth >= joined:
                m.joined_on, m.became_resident_reason = m.birth, ChangeReason.BIRTH
            else:
                m.joined_on = joined
                m.became_resident_reason = (ChangeReason.MOVE_IN_FROM_ABROAD if from_abroad
                                            else ChangeReason.MOVE_IN)
                m.pre_move_in_address = origin
                m.pre_move_in_householder = "" if from_abroad else head.full_name
        if native:
            plan.established_on = min(m.joined_on for m in plan.members if m.joined_on)

    # -- removed members and removed households -------------------------------------------

    def _add_removed_members(self, plan: HouseholdPlan) -> None:
        """Members no longer on the register who stay listed in the household: a parent who
        died, a grown child who moved away."""
        rng = self.rng
        window_start = add_years(self.today, -5)
        last = self.today - dt.timedelta(days=14)
        head = plan.members[0]
        if plan.kind == "three_gen_up":
            rels = {m.relationship for m in plan.members}
            missing = {R.FATHER: Sex.MALE, R.MOTHER: Sex.FEMALE}
            for rel, sex in missing.items():
                if rel not in rels and rng.random() < 0.4:
                    age = min(102, self._age_of(head) + self._age(25, 36))
                    p = self._person_like(head, rel, sex, age)
                    father = next((m for m in plan.members if m.relationship == R.FATHER), None)
                    parents_base = next((m.domicile for m in plan.members if m.relationship in missing), head.domicile)
                    if rel == R.FATHER:  # the surviving mother's family register was headed by him
                        p.domicile, p.domicile_head = parents_base, p.full_name
                        for mother in (m for m in plan.members if m.relationship == R.MOTHER):
                            mother.domicile_head = p.full_name
                    else:
                        p.domicile = parents_base
                        p.domicile_head = father.full_name if father else p.full_name
                    p.joined_on, p.became_resident_reason = p.birth, ChangeReason.BIRTH
                    start = max(window_start, (plan.established_on or window_start) + dt.timedelta(days=30))
                    if start < last:
                        p.removal = (RemovalReason.DEATH, self._between(start, last))
                        plan.members.append(p)
        if plan.kind == "nuclear" and self._age_of(head) >= 45 and rng.random() < 0.12:
            p = self._person_like(head, R.CHILD, rng.choice((Sex.MALE, Sex.FEMALE)), self._age(19, 27))
            p.domicile, p.domicile_head = head.domicile, head.full_name
            if plan.established_on and plan.established_on < p.birth:
                p.joined_on, p.became_resident_reason = p.birth, ChangeReason.BIRTH
            else:
                p.joined_on, p.became_resident_reason = plan.established_on, ChangeReason.MOVE_IN
                p.pre_move_in_address = head.pre_move_in_address
                p.pre_move_in_householder = head.full_name
            start = max(window_start, add_years(p.birth, 18), (p.joined_on or p.birth) + dt.timedelta(days=30))
            if start < last:
                p.removal = (RemovalReason.MOVE_OUT, self._between(start, last))
                plan.members.append(p)

    def _person_like(self, head: PersonPlan, rel: str, sex: int, age: int) -> PersonPlan:
        birth = self._birth(age)
        given = self._given(sex, birth)
        return PersonPlan(relationship=rel, sex=sex, birth=birth, family_name=head.family_name,
                          given_name=given[0], family_kana=head.family_kana, given_kana=given[1],
                          romaji=head.romaji, furigana_certification=FuriganaCertification.CERTIFIED)

    def _remove_household(self, plan: HouseholdPlan, reason: str) -> None:
        start = max(add_years(self.today, -5), (plan.established_on or self.today) + dt.timedelta(days=60))
        day = self._between(start, self.today - dt.timedelta(days=14))
        plan.members = [m for m in plan.members if m.joined_on and m.joined_on < day]
        for m in plan.members:
            m.removal = (reason, day)
        plan.dissolved_on = day
        plan.counts = False
