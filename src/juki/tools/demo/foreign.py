"""Foreign residents (外国人住民): households of technical interns, students, engineers,
special permanent residents, permanent residents, and Japanese householders with a foreign
spouse; their residence status and period of stay (在留資格・在留期間), residence cards and
the date the amended 住民基本台帳法 gave them a record (法施行日, 2012-07-09)."""

from __future__ import annotations

import datetime as dt

from juki.register.entry_rules import add_years
from juki.register.models import (
    ChangeReason,
    DatePrecision,
    ForeignResidentCategory,
    FuriganaCertification,
    Relationship,
    ResidenceCardKind,
    ResidenceStatus,
    ResidentKind,
    Sex,
)

from . import data
from .households import Households
from .plans import ForeignPlan, HouseholdPlan, PersonPlan

R = Relationship


class ForeignResidents(Households):
    """Foreign households and persons."""

    foreign_register_start: dt.date

    def _foreign_person(self, nat: data.Nationality, rel: str, sex: int, age: int,
                        family: data.ForeignName | None = None) -> PersonPlan:
        rng = self.rng
        family = family or rng.choice(nat.families)
        given = rng.choice(nat.male if sex == Sex.MALE else nat.female)
        p = PersonPlan(relationship=rel, sex=sex, birth=self._birth(age),
                       resident_kind=ResidentKind.FOREIGN)
        p.alphabet_name = f"{family.alpha} {given.alpha}"
        if family.kanji and given.kanji:
            p.family_name, p.given_name = family.kanji, given.kanji
        else:
            p.family_name, p.given_name = family.alpha, given.alpha
        p.family_kana, p.given_kana = family.kana, given.kana
        r = rng.random()
        if r < 0.03:
            p.birth_precision, p.birth_note = DatePrecision.YEAR_MONTH, "日不詳"
        elif r < 0.04:
            p.birth_precision, p.birth_note = DatePrecision.YEAR, "月日不詳"
        p.foreign = ForeignPlan(ForeignResidentCategory.MID_TO_LONG_TERM, nat.code, nat.name,
                                card_no=self._card_no(), card_kind=ResidenceCardKind.RESIDENCE_CARD)
        return p

    def _stay(self, p: PersonPlan, status: str, stay: tuple[int, int, int] | None) -> None:
        assert p.foreign is not None
        p.foreign.residence_status = status
        p.foreign.stay = stay
        if stay:
            span = stay[0] * 365 + stay[1] * 30 + stay[2]
            p.foreign.stay_expires_on = self.today + dt.timedelta(days=self.rng.randint(20, max(21, span)))

    def _foreign_household(self) -> HouseholdPlan:
        rng = self.rng
        M, F = Sex.MALE, Sex.FEMALE
        kind = rng.choices(("intern", "student", "engineer", "special_permanent", "permanent", "mixed"),
                           (0.33, 0.15, 0.12, 0.12, 0.15, 0.13))[0]
        nats = data.NATIONALITIES

        def nat_of(codes: tuple[str, ...], weights: tuple[float, ...]) -> data.Nationality:
            return nats[rng.choices(codes, weights)[0]]

        if kind == "intern":
            nat = nat_of(("VN", "ID", "PH", "CN"), (0.5, 0.2, 0.15, 0.15))
            p = self._foreign_person(nat, R.HOUSEHOLDER, rng.choice((M, F)), self._age(19, 33, 24))
            if rng.random() < 0.6:
                self._stay(p, ResidenceStatus.TECHNICAL_INTERN, (1, 0, 0))
            else:
                self._stay(p, ResidenceStatus.SPECIFIED_SKILLED, (1, 0, 0))
            plan = HouseholdPlan(kind="foreign_" + kind, address=self._address(), members=[p])
            self._settle_foreign(plan, nat, years_back=3)
            return plan
        if kind == "student":
            nat = nat_of(("CN", "VN", "NP"), (0.4, 0.3, 0.3))
            p = self._foreign_person(nat, R.HOUSEHOLDER, rng.choice((M, F)), self._age(19, 29, 22))
            self._stay(p, ResidenceStatus.STUDENT, rng.choice(((1, 3, 0), (2, 0, 0), (2, 3, 0), (4, 3, 0))))
            plan = HouseholdPlan(kind="foreign_" + kind, address=self._address(), members=[p])
            self._settle_foreign(plan, nat, years_back=4)
            return plan
        if kind == "engineer":
            nat = nat_of(("CN", "US", "NP", "VN"), (0.4, 0.2, 0.2, 0.2))
            h_age = self._age(27, 48, 35)
            head = self._foreign_person(nat, R.HOUSEHOLDER, M, h_age)
            stay = rng.choice(((1, 0, 0), (3, 0, 0), (5, 0, 0)))
            self._stay(head, ResidenceStatus.ENGINEER_HUMANITIES, stay)
            members = [head]
            if rng.random() < 0.7:
                keep = nat.code in ("US",)
                wife = self._foreign_person(nat, R.WIFE, F, self._spouse_age(h_age),
                                            family=None if not keep else self._family_of(head, nat))
                self._stay(wife, ResidenceStatus.DEPENDENT, stay)
                assert wife.foreign and head.foreign
                wife.foreign.stay_expires_on = head.foreign.stay_expires_on
                members.append(wife)
                for _, sex, age in self._children(self._age_of(wife), rng.choice((0, 1, 2)), 12):
                    child = self._foreign_person(nat, R.CHILD, sex, age, family=self._family_of(head, nat))
                    self._stay(child, ResidenceStatus.DEPENDENT, stay)
                    child.foreign.stay_expires_on = head.foreign.stay_expires_on  # type: ignore[union-attr]  # set by _stay
                    members.append(child)
            plan = HouseholdPlan(kind="foreign_" + kind, address=self._address(), members=members)
            self._settle_foreign(plan, nat, years_back=10)
            return plan
        if kind == "special_permanent":
            nat = nats["KR"]
            h_age = self._age(60, 95, 75)
            head = self._foreign_person(nat, R.HOUSEHOLDER, rng.choice((M, F)), h_age)
            members = [head]
            if head.sex == M and rng.random() < 0.4:
                members.append(self._foreign_person(nat, R.WIFE, F, self._spouse_age(h_age)))
            alias_family = rng.choice(data.KOREAN_ALIAS_FAMILIES)
            for m in members:
                assert m.foreign is not None
                m.foreign.category = ForeignResidentCategory.SPECIAL_PERMANENT
                m.foreign.card_kind = ResidenceCardKind.SPECIAL_PERMANENT_CERTIFICATE
                given = rng.choice(data.KOREAN_ALIAS_MALE if m.sex == M else data.KOREAN_ALIAS_FEMALE)
                m.alias_name = f"{alias_family[0]}\u3000{given[0]}"
                m.alias_kana = f"{alias_family[1]}\u3000{given[1]}"
            plan = HouseholdPlan(kind="foreign_" + kind, address=self._address(), members=members)
            self._settle_foreign(plan, nat, years_back=45)
            return plan
        if kind == "permanent":
            nat = nat_of(("CN", "PH", "BR", "KR"), (0.45, 0.3, 0.15, 0.1))
            h_age = self._age(35, 70, 48)
            head = self._foreign_person(nat, R.HOUSEHOLDER, rng.choice((M, F)), h_age)
            self._stay(head, ResidenceStatus.PERMANENT_RESIDENT, None)
            members = [head]
            if rng.random() < 0.6:
                spouse_rel, spouse_sex = (R.WIFE, F) if head.sex == M else (R.HUSBAND, M)
                spouse = self._foreign_person(nat, spouse_rel, spouse_sex, self._spouse_age(h_age))
                self._stay(spouse, ResidenceStatus.SPOUSE_OF_PERMANENT, (3, 0, 0))
                members.append(spouse)
                for _, sex, age in self._children(min(h_age, self._age_of(spouse)), rng.choice((0, 1, 2)), 20):
                    child = self._foreign_person(nat, R.CHILD, sex, age, family=self._family_of(head, nat))
                    self._stay(child, ResidenceStatus.SPOUSE_OF_PERMANENT, (3, 0, 0))
                    members.append(child)
            plan = HouseholdPlan(kind="foreign_" + kind, address=self._address(), members=members)
            self._settle_foreign(plan, nat, years_back=25)
            return plan
        # mixed: a Japanese householder with a foreign spouse and Japanese children
        nat = nat_of(("PH", "CN", "KR", "VN", "ID"), (0.35, 0.3, 0.15, 0.1, 0.1))
        skeleton = [(R.HOUSEHOLDER, M, self._age(30, 60, 42))]
        plan = self._japanese_household("mixed", skeleton)
        head = plan.members[0]
        h_age = self._age_of(head)
        wife = self._foreign_person(nat, R.WIFE, F, max(20, h_age - rng.randint(0, 12)))
        self._stay(wife, ResidenceStatus.SPOUSE_OF_JAPANESE, rng.choice(((1, 0, 0), (3, 0, 0), (5, 0, 0))))
        if rng.random() < 0.5:
            wife.alias_name = f"{head.family_name}\u3000{wife.given_kana.replace(chr(0x3000), '')}"
            wife.alias_kana = f"{head.family_kana}\u3000{wife.given_kana.replace(chr(0x3000), '')}"
        wife.joined_on = self._between(max(add_years(wife.birth, 20), plan.established_on or wife.birth),
                                       self.today - dt.timedelta(days=30))
        wife.became_resident_reason = ChangeReason.MOVE_IN_FROM_ABROAD
        wife.pre_move_in_address = nat.name
        plan.members.append(wife)
        for _, sex, age in self._children(self._age_of(wife), rng.choice((0, 1, 2)), 18):
            birth = self._birth(age)
            given = self._given(sex, birth)
            child = PersonPlan(relationship=R.CHILD, sex=sex, birth=birth, family_name=head.family_name,
                               given_name=given[0], family_kana=head.family_kana, given_kana=given[1],
                               romaji=head.romaji, domicile=head.domicile, domicile_head=head.full_name,
                               furigana_certification=FuriganaCertification.CERTIFIED)
            child.joined_on, child.became_resident_reason = birth, ChangeReason.BIRTH
            if birth < wife.joined_on:  # born before the mother came: moved in with her
                child.joined_on, child.became_resident_reason = wife.joined_on, ChangeReason.MOVE_IN_FROM_ABROAD
                child.pre_move_in_address = nat.name
            plan.members.append(child)
        plan.kind = "foreign_mixed"
        return plan

    def _family_of(self, head: PersonPlan, nat: data.Nationality) -> data.ForeignName:
        for f in nat.families:
            if f.alpha == head.alphabet_name.split(" ")[0]:
                return f
        return nat.families[0]

    def _settle_foreign(self, plan: HouseholdPlan, nat: data.Nationality, *, years_back: int) -> None:
        """Foreign households arrive from abroad; those here before 2012-07-09 got their
        record when the amended 住基法 took effect (法施行)."""
        head = plan.members[0]
        earliest = max(add_years(head.birth, 18), add_years(self.today, -years_back))
        arrival = self._between(earliest, self.today - dt.timedelta(days=30))
        plan.established_on = arrival
        for m in plan.members:
            if m.birth >= arrival:
                m.joined_on, m.became_resident_reason = m.birth, ChangeReason.BIRTH
            elif arrival < self.foreign_register_start:
                m.joined_on, m.became_resident_reason = self.foreign_register_start, ChangeReason.LAW_ENFORCEMENT
            else:
                m.joined_on, m.became_resident_reason = arrival, ChangeReason.MOVE_IN_FROM_ABROAD
                m.pre_move_in_address = nat.name
            if m.joined_on < self.foreign_register_start:
                m.joined_on, m.became_resident_reason = self.foreign_register_start, ChangeReason.LAW_ENFORCEMENT
