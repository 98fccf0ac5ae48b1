"""Operational lists (docs/statistics.md): counts on screen; the persons only through the bulk-output
approval (docs/privacy-exports.md; Hiroshima digest D2.14: 大量のデータ出力に際しては、事前に管理責任者の承認を得る).

Rules and sources:
- 届出期間経過: 届出日 more than 14 days after the 異動日 (住基法22条・23条・24条・25条・30条の46・47;
  52条2項 過料);
- 在留期間の満了: 住基法30条の45 (在留期間の満了の日 is a record item);
- 転入通知未着: 転出予定日 + 30 days passed, 転出確定 (転入通知, 住基法9条1項) not received (住基法24条).
"""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from tests.register.changes.moves_helpers import enter

from juki.core import clock
from juki.core.actor import Actor
from juki.core.errors import JukiError
from juki.exports import crypto
from juki.exports.actions import (
    do_approve_export,
    do_download_export,
    do_produce_export,
    do_request_export,
)
from juki.exports.kinds import kind_for
from juki.security.roles import Role
from juki.stats import lists

from .city import build

pytestmark = pytest.mark.django_db
D = dt.date


@pytest.fixture
def hist(clerk, approver):
    return build(clerk, approver)


@pytest.fixture
def manager(make_staff):
    return make_staff("manager01", Role.MANAGER, name="管理責任 八郎")


def act(staff):
    return Actor(staff, "T-COUNTER-01", "127.0.0.1")


def test_a_notification_more_than_14_days_after_the_change_is_late_and_one_within_is_not(hist):
    """住基法22条: 転入届 within 14 days. The 転入 of 2024-11-05 was notified on 11-30 (25 days)."""
    late = lists.late_notifications(D(2024, 1, 1), D(2024, 12, 31))
    assert list(late) == [hist.move_in]
    assert lists.late_notifications(D(2024, 12, 1), D(2024, 12, 31)).count() == 0  # the 転出 was on time
    c = lists.counts(start=D(2024, 1, 1), end=D(2024, 12, 31), days=90)
    assert (c["late_changes"], c["late_persons"], c["late_by_kind"]) == (1, 2, {"move_in": 1})


def test_foreign_residents_whose_stay_ends_within_n_days_are_counted(hist):
    """住基法30条の45: the foreign resident's stay ends in 30 days."""
    assert lists.stay_expiring(30).count() == 1
    assert lists.stay_expiring(29).count() == 0
    assert lists.stay_expired().count() == 0
    assert lists.stay_expired(today=clock.today() + dt.timedelta(days=31)).count() == 1


def test_a_move_out_30_days_past_without_a_move_in_notice_is_listed(hist, clerk, approver):
    """住基法24条・9条1項: 転出予定日 2024-12-20 + 30 days has passed and no 転入通知 arrived."""
    assert [r.person_id for r in lists.unconfirmed_move_outs()] == [hist.e_single.person_id]
    assert lists.unconfirmed_move_outs(today=D(2025, 1, 19)).count() == 0  # exactly 30 days: not yet
    assert lists.unconfirmed_move_outs(today=D(2025, 1, 20)).count() == 1
    from tests.register.changes.moves_helpers import apply

    apply(clerk, approver, "move_out_confirm", {"persons": [hist.e_single.person_id],
                                                "confirmed_address": "大阪府大阪市北区中之島一丁目3番20号",
                                                "confirmed_on": "2024-12-20", "notice_on": "2024-12-27"},
          effective_on=D(2024, 12, 27), notified_on=None)
    assert lists.unconfirmed_move_outs().count() == 0


def test_pending_provisional_changes_are_counted(hist, clerk):
    assert lists.counts(start=D(2024, 1, 1), end=D(2024, 12, 31), days=90)["pending_changes"] == 0
    enter(clerk, "move_within", {"persons": [hist.c_foreign.person_id], "town_block": hist.city.blocks[2].code,
                                 "banchi": "9番9号"})
    assert lists.counts(start=D(2024, 1, 1), end=D(2024, 12, 31), days=90)["pending_changes"] == 1


def test_certificates_are_counted_per_day_and_document_type(hist, clerk):
    from juki.certificates.models import Certificate, CertificateRequest

    now = clock.now()
    req = CertificateRequest.objects.create(received_by="clerk01", received_at=now, requester_type="self",
                                            requester_name="試験 太郎1", identity_document="my_number_card",
                                            document_type="copy_personal", person_ids=[hist.a_head.person_id])
    for i, (day, status) in enumerate([(D(2025, 3, 3), "issued"), (D(2025, 3, 3), "voided"), (D(2025, 3, 4), "issued")]):
        Certificate.objects.create(request=req, issuance_number=f"N{i}", document_type="copy_personal",
                                   person_ids=[hist.a_head.person_id], issued_by="clerk01", issued_at=now,
                                   issued_on=day, status=status, verification_code=f"V{i}", content_sha256="0" * 64,
                                   **({"voided_by": "clerk01", "voided_at": now, "void_reason": "記載誤り"}
                                      if status == "voided" else {}))
    rows = lists.certificates_per_day(D(2025, 3, 1), D(2025, 3, 31))
    assert [(r["day"], r["issued"], r["voided"]) for r in rows] == [(D(2025, 3, 3), 2, 1), (D(2025, 3, 4), 1, 0)]
    assert lists.certificates_per_day(D(2025, 3, 5), D(2025, 3, 31)) == []


def _produce_and_read(clerk, manager, scope, params):
    req = do_request_export(scope=scope, purpose="届出期間経過の通知事務", parameters=params, actor=act(clerk))
    do_approve_export(req.pk, actor=act(manager), comment="妥当")
    produced = do_produce_export(req.pk, actor=act(clerk))
    blob, _ = do_download_export(req.pk, actor=act(clerk))
    text = crypto.open_file(blob, crypto.key_from_text(produced.key_text)).decode("utf-8-sig")
    lines = [line for line in text.splitlines() if not line.startswith("#")]
    return req, list(csv.reader(io.StringIO("\n".join(lines))))


def test_the_late_notification_list_leaves_only_through_an_approved_export(hist, clerk, manager):
    req, rows = _produce_and_read(clerk, manager, "stats_late_notifications", {"start": "2024-11-01", "end": "2024-11-30"})
    assert req.expected_rows == 2
    assert rows[0] == [h for _, h in kind_for("stats_late_notifications").columns]
    assert sorted(r[2] for r in rows[1:]) == ["転入届", "転入届"]
    assert {r[3] for r in rows[1:]} == {"2024-11-05"} and {r[5] for r in rows[1:]} == {"25"}


def test_the_stay_and_move_out_lists_are_export_kinds_with_their_persons(hist, clerk, manager):
    _, stay = _produce_and_read(clerk, manager, "stats_stay_expiring", {"days": "60"})
    assert [r[0] for r in stay[1:]] == [f"{hist.c_foreign.person_id:010d}"]
    assert stay[1][2:4] == ["ベトナム", "技術・人文知識・国際業務"]
    _, outs = _produce_and_read(clerk, manager, "stats_unconfirmed_move_outs", {})
    assert [r[0] for r in outs[1:]] == [f"{hist.e_single.person_id:010d}"]
    assert outs[1][4] == "大阪府大阪市北区中之島一丁目3番20号"


def test_a_list_with_nobody_on_it_cannot_be_requested(hist, clerk):
    with pytest.raises(JukiError) as exc:
        do_request_export(scope="stats_stay_expiring", purpose="確認", parameters={"days": "5"}, actor=act(clerk))
    assert exc.value.code == "EXPORT_EMPTY"


def test_the_statistics_role_cannot_request_a_person_level_list(hist, make_staff):
    stats = make_staff("stats01", Role.STATISTICS)
    with pytest.raises(JukiError) as exc:
        do_request_export(scope="stats_stay_expiring", purpose="分析", parameters={"days": "60"}, actor=act(stats))
    assert exc.value.status == 403


def test_no_list_kind_carries_a_my_number_column():
    for name in ("stats_late_notifications", "stats_stay_expiring", "stats_unconfirmed_move_outs"):
        assert not any("個人番号" in h or "my_number" in k for k, h in kind_for(name).columns)


def test_a_person_under_a_protection_measure_is_left_out_of_the_exported_list_and_its_count(hist, clerk):
    """事務処理要領 第5-10 (docs/protection.md §6): the builder drops their rows, so the count the
    manager approves leaves them out too; the on-screen count (an aggregate) still includes them."""
    from juki.protection.models import ProtectionMeasure

    now = clock.now()
    measure = ProtectionMeasure.objects.create(
        person_id=hist.c_foreign.person_id, kind="dv", applied_on=clock.today(), opinion_source="police",
        start_on=clock.today() - dt.timedelta(days=1), end_on=clock.today() + dt.timedelta(days=365), state="active",
        registered_by="protect01", registered_at=now, confirmed_by="protect02", confirmed_at=now)
    measure.persons.set([hist.c_foreign.person_id])
    assert lists.stay_expiring(60).count() == 1
    with pytest.raises(JukiError) as exc:
        do_request_export(scope="stats_stay_expiring", purpose="確認", parameters={"days": "60"}, actor=act(clerk))
    assert exc.value.code == "EXPORT_EMPTY"
