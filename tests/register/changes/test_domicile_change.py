"""本籍・筆頭者の変更 (転籍・新戸籍編製 …): the record follows the family register ex officio
(住基法7条5号・施行令12条2項1号); the domicile municipality keeps the 附票 (住基法19条)."""

from __future__ import annotations

import pytest
from tests.register.factories import add_household, small_city

from .family_foreign_helpers import (
    OTHER_DOMICILE,
    OWN_DOMICILE,
    apply,
    current,
    enter,
    foreign,
    kinds_of,
    refused,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def city():
    return small_city()


def test_a_domicile_transfer_updates_domicile_and_head_and_notifies_the_new_domicile(city, clerk, approver):
    """住基法7条5号・施行令12条2項1号 (転籍届); 住基法19条: the new 本籍地 keeps the 附票. 本籍 is not an
    identity item (住基法30条の6), so no identity update is sent."""
    head, wife = add_household(city, [{"domicile": OWN_DOMICILE, "domicile_head": "試験\u3000太郎1"},
                                      {"domicile": OWN_DOMICILE, "domicile_head": "試験\u3000太郎1"}])
    change = apply(clerk, approver, "domicile_change", {"persons": [head.person_id, wife.person_id],
                                                        "cause": "transfer", "domicile": OTHER_DOMICILE})
    for p in (head, wife):
        rec = current(p.person_id)
        assert (rec.domicile, rec.domicile_head, rec.change_reason) == (OTHER_DOMICILE, "試験\u3000太郎1", "domicile_change")
    assert kinds_of(change) == ["fuhyo_notice", "fuhyo_notice", "intra_office", "intra_office"]


def test_a_domicile_change_is_refused_for_foreign_residents_and_when_nothing_changes(city, clerk):
    """住基法30条の45: a foreign resident has no 本籍; a change must change something."""
    (f,) = add_household(city, [foreign()])
    with refused("DOMICILE_JAPANESE_ONLY"):
        enter(clerk, "domicile_change", {"persons": [f.person_id], "cause": "transfer", "domicile": OTHER_DOMICILE})
    (p,) = add_household(city, [{"domicile": OWN_DOMICILE}])
    with refused("DOMICILE_UNCHANGED"):
        enter(clerk, "domicile_change", {"persons": [p.person_id], "cause": "transfer", "domicile": OWN_DOMICILE})
    with refused("DOMICILE_NOTHING"):
        enter(clerk, "domicile_change", {"persons": [p.person_id], "cause": "transfer"})
