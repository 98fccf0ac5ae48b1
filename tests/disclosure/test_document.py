"""The disclosure document (開示文書) — docs/privacy-disclosure.md: a disclosure document for a demo
resident lists every access made to that resident, and nothing about other persons.

Source: the assessments promise residents can obtain all data held on them and the record of
who accessed it (DESIGN §6; the assessments' risk measures, 開示請求).
"""

from __future__ import annotations

import datetime as dt

import pytest
from tests.register.factories import add_household

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.errors import JukiError
from juki.disclosure import actions
from juki.disclosure.document import disclosure_document
from juki.disclosure.models import RequestKind
from juki.register.access import access_resident
from juki.register.changes.workflow import do_confirm_change, do_enter_change
from juki.register.requesters import Requester
from juki.register.search import SearchCriteria, search_residents

from .conftest import last_seq

pytestmark = pytest.mark.django_db

MY_NUMBER = "123456789018"


@pytest.fixture
def scene(city, clerk_with_office, approver, act):
    """A demo resident, a household member and a stranger; two clerks viewing, a search, a change."""
    from juki.identifiers import my_number

    number = MY_NUMBER[:11] + my_number.check_digit(MY_NUMBER[:11])
    target, member = add_household(city, [
        {"family_name": "開示", "given_name": "花子", "family_name_kana": "カイジ", "given_name_kana": "ハナコ",
         "my_number": number},
        {"family_name": "開示", "given_name": "同居人", "family_name_kana": "カイジ", "given_name_kana": "ドウキョニン",
         "alias_name": "別人通称"},
    ])
    (stranger,) = add_household(city, [{"family_name": "無関係", "given_name": "他人", "family_name_kana": "ムカンケイ",
                                         "given_name_kana": "タニン"}], block=2)
    c1 = clerk_with_office("clerk01", "市民課", "窓口 花子")
    c2 = clerk_with_office("clerk02", "北支所", "窓口 次郎")
    seqs = []
    access_resident(act(c1), target.person_id)
    seqs.append(last_seq())
    access_resident(act(c2), target.person_id)
    seqs.append(last_seq())
    access_resident(act(c2), stranger.person_id)  # not about the target: must not appear
    result = search_residents(act(c1), SearchCriteria(name="カイジ", town_block=city.blocks[0].code))
    assert {r.addressee_no for r in result.rows} == {f"{target.person_id:010d}", f"{member.person_id:010d}"}
    seqs.append(last_seq())
    change = do_enter_change("move_within", {"persons": [target.person_id, member.person_id],
                                             "town_block": city.blocks[1].code, "banchi": "9番9号"},
                             effective_on=clock.today() - dt.timedelta(days=2), notified_on=clock.today(),
                             actor=act(c1))
    seqs.append(last_seq())
    do_confirm_change(change.pk, actor=act(approver))
    seqs.append(last_seq())
    req = actions.do_receive_disclosure_request(target.person_id, kind=RequestKind.DISCLOSURE,
                                                received_on=clock.today(),
                                                requester=Requester(identity_document="my_number_card"),
                                                actor=act(c1))
    seqs.append(last_seq())
    actions.do_start_disclosure_request(req.pk, actor=act(c1))
    seqs.append(last_seq())
    return {"target": target, "member": member, "stranger": stranger, "clerks": (c1, c2), "req": req,
            "seqs": seqs, "change": change, "number": number}


def test_the_document_lists_every_access_to_the_resident_and_nothing_else(scene, act):
    c1, _ = scene["clerks"]
    doc = disclosure_document(act(c1), scene["req"].pk)
    # Exactly the operations of this test that touched the resident: two views by two clerks,
    # the search that returned them, the change entered and confirmed, the request steps.
    assert [a.seq for a in doc.access] == scene["seqs"]
    whats = [a.what for a in doc.access]
    assert whats == ["住民票照会", "住民票照会", "住民検索", "異動の入力（仮更新）", "異動の確定",
                     "開示請求等の受付", "開示請求等の処理開始"]
    assert [a.function for a in doc.access][:3] == ["住民票照会", "住民票照会", "住民検索"]


def test_the_document_holds_record_history_changes_and_outbound_events_of_the_person_only(scene, act):
    c1, _ = scene["clerks"]
    doc = disclosure_document(act(c1), scene["req"].pk)
    target, member = scene["target"], scene["member"]
    assert doc.current.person_id == target.person_id and doc.current.banchi == "9番9号"
    assert [h["version"] for h in doc.history] == [1, 2]
    v2 = doc.history[1]
    assert v2["valid_from"] and v2["notified_on"] and v2["recorded_at"]  # the three dates
    assert any(c["label"] == "番地" and c["before"] == "1番1号" and c["after"] == "9番9号" for c in v2["changed"])
    (change,) = doc.changes
    assert change["no"] == scene["change"].pk and change["state"] == "確定"
    assert all(i["label"] != "" for i in change["items"]) and change["items"]
    kinds = {e["kind"] for e in doc.outbound}
    assert "本人確認情報の更新" in kinds
    from juki.register.models import OutboxEvent
    assert len(doc.outbound) == OutboxEvent.objects.filter(person_id=target.person_id).count()
    assert not any(e["no"] in set(OutboxEvent.objects.filter(person_id=member.person_id).values_list("pk", flat=True))
                   for e in doc.outbound)
    assert doc.removed is None


def test_the_rendered_document_masks_the_my_number_and_names_nobody_else(scene, as_staff):
    c1, _ = scene["clerks"]
    html = as_staff(c1).get(f"/disclosure/{scene['req'].pk}/document/").content.decode()
    assert "開示\u3000花子" in html and "＊＊＊＊＊＊＊＊＊＊＊＊" in html
    assert scene["number"] not in html
    for other in ("同居人", "別人通称", "ドウキョニン", "無関係", "他人", "タニン"):
        assert other not in html
    assert "PDF" in html  # says PDF output comes later


def test_staff_are_shown_as_role_and_office_by_default(scene, act):
    c1, c2 = scene["clerks"]
    doc = disclosure_document(act(c1), scene["req"].pk)
    assert doc.staff_policy == "role_and_office"
    assert doc.access[0].staff == "窓口（市民課）" and doc.access[1].staff == "窓口（北支所）"
    assert doc.access[4].staff == "確認者（所属未登録）"
    for row in doc.access:
        assert "clerk0" not in row.staff and "花子" not in row.staff and "approver01" not in row.staff


def test_the_staff_id_policy_shows_the_staff_id(scene, act, settings):
    settings.JUKI_DISCLOSURE_STAFF_POLICY = "staff_id"
    c1, _ = scene["clerks"]
    doc = disclosure_document(act(c1), scene["req"].pk)
    assert doc.access[0].staff == "職員ID clerk01（窓口）" and doc.access[1].staff == "職員ID clerk02（窓口）"
    assert "窓口 花子" not in doc.access[0].staff  # never the name


def test_an_unknown_staff_policy_is_a_configuration_error(scene, act, settings):
    from django.core.exceptions import ImproperlyConfigured

    settings.JUKI_DISCLOSURE_STAFF_POLICY = "names"
    with pytest.raises(ImproperlyConfigured):
        disclosure_document(act(scene["clerks"][0]), scene["req"].pk)


def test_generating_the_document_is_audited_and_appears_in_the_next_one(scene, act):
    c1, _ = scene["clerks"]
    disclosure_document(act(c1), scene["req"].pk)
    event = AuditEvent.objects.latest("seq")
    assert event.event_type == EventType.DISCLOSURE_DOCUMENT and event.targets == [f"{scene['target'].person_id:010d}"]
    again = disclosure_document(act(c1), scene["req"].pk)
    assert again.access[-1].seq == event.seq and again.access[-1].what == "開示文書の作成"


def test_a_removed_resident_document_shows_the_removed_record(city, clerk, act):
    from juki.register import entry_rules
    from juki.register.models import RecordStatus

    (rec,) = add_household(city, [{"status": RecordStatus.REMOVED, "removal_reason": "death",
                                   "removed_on": dt.date(2020, 1, 10),
                                   "retention_until": entry_rules.retention_until(dt.date(2020, 1, 10))}])
    req = actions.do_receive_disclosure_request(rec.person_id, kind=RequestKind.DISCLOSURE, received_on=clock.today(),
                                                requester=Requester(identity_document="passport", capacity="legal_representative"),
                                                actor=act(clerk))
    actions.do_start_disclosure_request(req.pk, actor=act(clerk))
    doc = disclosure_document(act(clerk), req.pk)
    assert doc.removed is not None and "2170" in doc.removed["retention_until"]


@pytest.mark.parametrize("kind,start,code", [
    (RequestKind.CORRECTION, True, "DISCLOSURE_DOCUMENT_NOT_DISCLOSURE"),
    (RequestKind.DISCLOSURE, False, "DISCLOSURE_DOCUMENT_NOT_STARTED"),
])
def test_a_document_only_for_a_disclosure_request_in_progress(city, clerk, act, kind, start, code):
    (rec,) = add_household(city, [{}])
    req = actions.do_receive_disclosure_request(rec.person_id, kind=kind, received_on=clock.today(), request_text="氏名の誤り",
                                                requester=Requester(identity_document="passport"),
                                                actor=act(clerk))
    if start:
        actions.do_start_disclosure_request(req.pk, actor=act(clerk))
    with pytest.raises(JukiError) as exc:
        disclosure_document(act(clerk), req.pk)
    assert exc.value.code == code
    refused = AuditEvent.objects.latest("seq")
    assert refused.event_type == EventType.DISCLOSURE_ACTION_REFUSED and refused.outcome == "invalid"
