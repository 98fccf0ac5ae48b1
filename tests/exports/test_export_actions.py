"""Bulk output (大量出力): request → prior approval by the 管理責任者 → one encrypted, watermarked file.

Source: Hiroshima digest (hiroshima-iwaki-003-004) A5.2 / D2.14 "大量のデータ出力に際しては、事前に
管理責任者の承認を得る"; docs/privacy-exports.md (purpose and scope, manager approval before it runs, file
encrypted and watermarked with requester and time, production audited).
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io

import pytest
from cryptography.exceptions import InvalidTag
from django.db import IntegrityError, transaction
from tests.register.factories import add_household

from juki.audit.events import EVENT_TYPE_LABELS, EventType, Outcome
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.errors import JukiError
from juki.exports import crypto
from juki.exports.actions import (
    do_approve_export,
    do_download_export,
    do_produce_export,
    do_reject_export,
    do_request_export,
)
from juki.exports.kinds import ExportKind, register
from juki.exports.models import ExportRequest, ExportState
from juki.register.models import ResidentRecord
from juki.security.models import Staff
from juki.security.roles import Function, Role

from .helpers import MY_NUMBERS, act

pytestmark = pytest.mark.django_db

PURPOSE = "令和8年度 防災訓練の案内送付（山王地区）"


def _request(staff, city, blocks=(0,), purpose=PURPOSE) -> ExportRequest:
    return do_request_export(scope="residents_by_town_block", purpose=purpose,
                             parameters={"town_blocks": [city.blocks[i].pk for i in blocks]}, actor=act(staff))


def _approved(clerk, manager, city, blocks=(0,)) -> ExportRequest:
    req = _request(clerk, city, blocks)
    return do_approve_export(req.pk, actor=act(manager), comment="目的・範囲とも妥当")


def _refusal(code: str, outcome: str = Outcome.INVALID) -> AuditEvent:
    return AuditEvent.objects.filter(event_type=EventType.EXPORT_REFUSED, outcome=outcome,
                                     detail__code=code).get()


def _decrypt(produced) -> str:
    blob = do_download_export(produced.request.pk, actor=act(Staff.objects.get(staff_id=produced.request.requested_by)))[0]
    return crypto.open_file(blob, crypto.key_from_text(produced.key_text)).decode("utf-8-sig")


# --- request --------------------------------------------------------------------------------------

def test_a_request_records_purpose_scope_and_the_count_the_manager_will_see(clerk, city):
    req = _request(clerk, city, blocks=(0, 1))

    assert (req.state, req.requested_by, req.purpose, req.scope) == ("requested", "clerk01", PURPOSE,
                                                                     "residents_by_town_block")
    assert req.parameters == {"town_blocks": sorted([city.blocks[0].pk, city.blocks[1].pk])}
    assert req.expected_rows == 4
    ev = AuditEvent.objects.get(event_type=EventType.EXPORT_REQUESTED)
    assert (ev.staff_id, ev.purpose, ev.detail["request"], ev.detail["expected_rows"]) == ("clerk01", PURPOSE, req.pk, 4)


@pytest.mark.parametrize("purpose", ["", "   "])
def test_a_request_without_a_purpose_is_refused_and_audited(clerk, city, purpose):
    with pytest.raises(JukiError) as exc:
        _request(clerk, city, purpose=purpose)
    assert exc.value.code == "EXPORT_PURPOSE_REQUIRED"
    assert not ExportRequest.objects.exists()
    assert _refusal("EXPORT_PURPOSE_REQUIRED").staff_id == "clerk01"


def test_a_request_for_an_unregistered_kind_is_refused(clerk, city):
    with pytest.raises(JukiError) as exc:
        do_request_export(scope="all_my_numbers", purpose=PURPOSE, parameters={}, actor=act(clerk))
    assert exc.value.code == "EXPORT_SCOPE_UNKNOWN"
    assert not ExportRequest.objects.exists()


@pytest.mark.parametrize("blocks", [[], ["x"], [999999]])
def test_a_request_needs_existing_town_blocks(clerk, city, blocks):
    with pytest.raises(JukiError) as exc:
        do_request_export(scope="residents_by_town_block", purpose=PURPOSE, parameters={"town_blocks": blocks},
                          actor=act(clerk))
    assert exc.value.code in {"EXPORT_PARAMETER_REQUIRED", "EXPORT_PARAMETER_INVALID"}
    assert exc.value.field == "town_blocks"


@pytest.mark.parametrize("persona", ["manager", "auditor", "approver", "admin"])
def test_personas_without_export_request_cannot_request(request, city, persona):
    staff = request.getfixturevalue(persona)
    with pytest.raises(JukiError) as exc:
        _request(staff, city)
    assert exc.value.code == "FORBIDDEN"
    assert _refusal("FORBIDDEN", Outcome.DENIED).staff_id == staff.staff_id


def test_a_requester_who_may_not_read_residents_cannot_request(clerk, city, monkeypatch):
    monkeypatch.setattr(Staff, "functions", lambda self: frozenset({Function.EXPORT_REQUEST}))
    with pytest.raises(JukiError) as exc:
        _request(clerk, city)
    assert exc.value.code == "FORBIDDEN"


# --- approval (D2.14) -----------------------------------------------------------------------------

def test_the_manager_approves_with_approver_time_and_deadline(clerk, manager, city, settings):
    settings.JUKI_EXPORT_VALID_DAYS = 3
    req = _approved(clerk, manager, city)

    assert (req.state, req.decided_by, req.decision_comment) == ("approved", "manager01", "目的・範囲とも妥当")
    assert req.valid_until - req.decided_at == dt.timedelta(days=3)
    ev = AuditEvent.objects.get(event_type=EventType.EXPORT_APPROVED)
    assert (ev.staff_id, ev.function, ev.detail["requester"]) == ("manager01", "export.approve", "clerk01")


@pytest.mark.parametrize("persona", ["clerk2", "approver", "auditor", "admin"])
def test_only_a_manager_may_approve_or_reject(request, clerk, city, persona):
    req = _request(clerk, city)
    staff = request.getfixturevalue(persona)
    for decide in (do_approve_export, do_reject_export):
        with pytest.raises(JukiError) as exc:
            decide(req.pk, actor=act(staff), comment="理由")
        assert exc.value.code == "FORBIDDEN"
    assert ExportRequest.objects.get(pk=req.pk).state == ExportState.REQUESTED


def test_a_manager_who_is_also_the_requester_cannot_approve_their_own_export(make_staff, city):
    both = make_staff("clerkmgr", Role.CLERK, Role.MANAGER)
    req = _request(both, city)
    with pytest.raises(JukiError) as exc:
        do_approve_export(req.pk, actor=act(both))
    assert exc.value.code == "EXPORT_SELF_APPROVAL"
    assert ExportRequest.objects.get(pk=req.pk).state == ExportState.REQUESTED
    assert _refusal("EXPORT_SELF_APPROVAL", Outcome.DENIED).staff_id == "clerkmgr"


def test_the_database_refuses_a_decider_equal_to_the_requester(clerk, city):
    req = _request(clerk, city)
    req.decided_by = req.requested_by
    with pytest.raises(IntegrityError), transaction.atomic():
        req.save()


def test_a_rejection_needs_a_reason_and_a_rejected_export_is_never_produced(clerk, manager, city):
    req = _request(clerk, city)
    with pytest.raises(JukiError) as exc:
        do_reject_export(req.pk, actor=act(manager), comment=" ")
    assert exc.value.code == "EXPORT_REASON_REQUIRED"

    do_reject_export(req.pk, actor=act(manager), comment="目的が不明確")
    assert AuditEvent.objects.filter(event_type=EventType.EXPORT_REJECTED, staff_id="manager01").exists()
    with pytest.raises(JukiError) as exc:
        do_produce_export(req.pk, actor=act(clerk))
    assert exc.value.code == "EXPORT_REJECTED"
    assert ExportRequest.objects.get(pk=req.pk).file_enc is None


def test_a_request_is_decided_only_once(clerk, manager, city):
    req = _approved(clerk, manager, city)
    with pytest.raises(JukiError) as exc:
        do_reject_export(req.pk, actor=act(manager), comment="やはり却下")
    assert exc.value.code == "EXPORT_NOT_PENDING"
    assert ExportRequest.objects.get(pk=req.pk).state == ExportState.APPROVED


# --- production -----------------------------------------------------------------------------------

def test_producing_before_approval_is_refused(clerk, city):
    """D2.14: no output without the 管理責任者's prior approval."""
    req = _request(clerk, city)
    with pytest.raises(JukiError) as exc:
        do_produce_export(req.pk, actor=act(clerk))
    assert (exc.value.code, exc.value.status) == ("EXPORT_NOT_APPROVED", 403)
    req.refresh_from_db()
    assert (req.state, req.file_enc, req.row_count) == ("requested", None, None)
    assert not AuditEvent.objects.filter(event_type=EventType.EXPORT_PRODUCED).exists()
    assert _refusal("EXPORT_NOT_APPROVED", Outcome.DENIED).staff_id == "clerk01"


def test_an_export_of_n_plus_one_records_with_no_approval_is_blocked(clerk, city):
    """D2.14 test: "an export of N+1 records with no approval is blocked" (juki's N is 0: every
    export of personal data needs approval, docs/privacy-exports.md)."""
    n = ResidentRecord.objects.filter(is_current=True, town_block=city.blocks[0]).count()
    add_household(city, [{"family_name": "追加"}], block=0)
    req = _request(clerk, city)
    assert req.expected_rows == n + 1
    with pytest.raises(JukiError) as exc:
        do_produce_export(req.pk, actor=act(clerk))
    assert exc.value.code == "EXPORT_NOT_APPROVED"
    assert ExportRequest.objects.get(pk=req.pk).row_count is None


def test_only_the_requester_produces_and_others_are_told_not_found(clerk, clerk2, manager, city):
    req = _approved(clerk, manager, city)
    for other in (clerk2, manager):
        with pytest.raises(JukiError) as exc:
            do_produce_export(req.pk, actor=act(other))
        assert exc.value.code in {"EXPORT_NOT_FOUND", "FORBIDDEN"}
    assert ExportRequest.objects.get(pk=req.pk).state == ExportState.APPROVED


def test_an_export_is_produced_only_once(clerk, manager, city):
    req = _approved(clerk, manager, city)
    do_produce_export(req.pk, actor=act(clerk))
    with pytest.raises(JukiError) as exc:
        do_produce_export(req.pk, actor=act(clerk))
    assert exc.value.code == "EXPORT_ALREADY_PRODUCED"
    assert AuditEvent.objects.filter(event_type=EventType.EXPORT_PRODUCED).count() == 1


def test_an_approval_not_used_within_n_days_expires(clerk, manager, city, settings, monkeypatch):
    settings.JUKI_EXPORT_VALID_DAYS = 2
    req = _approved(clerk, manager, city)
    later = clock.now() + dt.timedelta(days=2, minutes=1)
    monkeypatch.setattr(clock, "now", lambda: later)

    with pytest.raises(JukiError) as exc:
        do_produce_export(req.pk, actor=act(clerk))
    assert exc.value.code == "EXPORT_EXPIRED"
    req.refresh_from_db()
    assert (req.state, req.file_enc) == ("expired", None)
    assert AuditEvent.objects.filter(event_type=EventType.EXPORT_EXPIRED).count() == 1
    with pytest.raises(JukiError) as exc:  # and stays expired
        do_produce_export(req.pk, actor=act(clerk))
    assert exc.value.code == "EXPORT_EXPIRED"


def test_more_rows_than_approved_are_refused(clerk, manager, city, settings):
    """The manager approved a count; an export that grew beyond it needs a new approval."""
    settings.JUKI_EXPORT_ROW_TOLERANCE_PERCENT = 0
    req = _approved(clerk, manager, city)
    add_household(city, [{"family_name": "転入"}], block=0)
    with pytest.raises(JukiError) as exc:
        do_produce_export(req.pk, actor=act(clerk))
    assert exc.value.code == "EXPORT_ROWS_EXCEED_APPROVAL"
    assert ExportRequest.objects.get(pk=req.pk).state == ExportState.APPROVED


def test_the_produced_file_decrypts_to_a_watermarked_csv_without_my_numbers(clerk, manager, city):
    req = _approved(clerk, manager, city)
    produced = do_produce_export(req.pk, actor=act(clerk))
    req = produced.request
    blob = bytes(req.file_enc)

    for n in MY_NUMBERS:  # neither the stored ciphertext nor the clear text holds a My Number
        assert n.encode() not in blob
    text = _decrypt(produced)
    for n in MY_NUMBERS:
        assert n not in text and f"{n[:4]}-{n[4:8]}-{n[8:]}" not in text
    assert "個人番号" not in text

    lines = text.splitlines()
    head, trailer = lines[0], lines[-1]
    for line in (head, trailer):
        assert line.startswith("#")
        assert f"申請番号={req.pk}" in line and "申請者=clerk01" in line and f"透かしID={req.watermark_id}" in line
        assert "作成日時=" in line
    assert "3件" in trailer and "承認者=manager01" in head
    rows = list(csv.reader(io.StringIO("\n".join(lines[1:-1]))))
    assert rows[0] == ["宛名番号", "氏名", "氏名カナ", "生年月日", "性別", "住所", "世帯番号"]
    body = rows[1:]
    assert len(body) == req.row_count == 3
    hanako = next(r for r in body if r[1] == "山田\u3000花子")
    assert hanako[2:5] == ["ヤマダ\u3000ハナコ", "1980-05-01", "女"]
    assert hanako[5] == "秋田県秋田市山王一丁目2番3号\u3000山王ハイツ101"
    assert all(len(r[0]) == 10 and len(r[6]) == 10 for r in body)
    assert "別町" not in text and "旭北" not in text  # other blocks are not exported
    assert req.file_digest == hashlib.sha256(blob).hexdigest()
    assert crypto.watermark_of(blob) == req.watermark_id


def test_removed_residents_are_not_exported(clerk, manager, city):
    gone = ResidentRecord.objects.get(family_name="山田")
    ResidentRecord.objects.filter(pk=gone.pk).update(status="removed", retention_until=dt.date(2175, 1, 1))
    produced = do_produce_export(_approved(clerk, manager, city).pk, actor=act(clerk))
    assert produced.request.row_count == 2 and "山田" not in _decrypt(produced)


def test_each_file_has_its_own_key_and_watermark(clerk, manager, city):
    a = do_produce_export(_approved(clerk, manager, city).pk, actor=act(clerk))
    b = do_produce_export(_approved(clerk, manager, city).pk, actor=act(clerk))
    assert a.key_text != b.key_text and a.request.watermark_id != b.request.watermark_id
    with pytest.raises(InvalidTag):
        crypto.open_file(bytes(a.request.file_enc), crypto.key_from_text(b.key_text))


def test_the_key_is_not_kept_or_logged(clerk, manager, city):
    produced = do_produce_export(_approved(clerk, manager, city).pk, actor=act(clerk))
    key = produced.key_text
    req = ExportRequest.objects.get(pk=produced.request.pk)
    assert key not in str(req.__dict__)
    assert not any(key in str(e.detail) + str(e.criteria) + e.purpose for e in AuditEvent.objects.all())


def test_a_changed_watermark_header_makes_the_file_undecryptable(clerk, manager, city):
    produced = do_produce_export(_approved(clerk, manager, city).pk, actor=act(clerk))
    blob = bytearray(produced.request.file_enc)
    blob[len(crypto.MAGIC) + 4] ^= 0x01  # one character of the watermark ID
    with pytest.raises(InvalidTag):
        crypto.open_file(bytes(blob), crypto.key_from_text(produced.key_text))


def test_production_is_audited_with_every_addressee_number_and_the_count(clerk, manager, city):
    produced = do_produce_export(_approved(clerk, manager, city).pk, actor=act(clerk))
    ev = AuditEvent.objects.get(event_type=EventType.EXPORT_PRODUCED)
    expected = sorted(f"{r.person_id:010d}" for r in ResidentRecord.objects.filter(town_block=city.blocks[0]))
    assert sorted(ev.targets) == expected
    assert (ev.staff_id, ev.outcome, ev.purpose) == ("clerk01", "ok", PURPOSE)
    assert ev.detail["rows"] == 3 and ev.detail["approved_by"] == "manager01"
    assert ev.detail["watermark_id"] == produced.request.watermark_id
    assert ev.detail["file_digest"] == produced.request.file_digest


def test_only_the_requester_downloads_and_each_download_is_audited(clerk, clerk2, manager, city):
    produced = do_produce_export(_approved(clerk, manager, city).pk, actor=act(clerk))
    blob, name = do_download_export(produced.request.pk, actor=act(clerk))
    assert blob == bytes(produced.request.file_enc) and name.endswith(".csv.enc")
    assert AuditEvent.objects.filter(event_type=EventType.EXPORT_DOWNLOADED, staff_id="clerk01").count() == 1
    for other in (clerk2, manager):
        with pytest.raises(JukiError) as exc:
            do_download_export(produced.request.pk, actor=act(other))
        assert exc.value.code in {"EXPORT_NOT_FOUND", "FORBIDDEN"}


def test_a_file_is_not_downloadable_before_production_or_after_the_deadline(clerk, manager, city, monkeypatch):
    req = _approved(clerk, manager, city)
    with pytest.raises(JukiError) as exc:
        do_download_export(req.pk, actor=act(clerk))
    assert exc.value.code == "EXPORT_NOT_PRODUCED"
    do_produce_export(req.pk, actor=act(clerk))
    later = clock.now() + dt.timedelta(days=8)
    monkeypatch.setattr(clock, "now", lambda: later)
    with pytest.raises(JukiError) as exc:
        do_download_export(req.pk, actor=act(clerk))
    assert exc.value.code == "EXPORT_DOWNLOAD_EXPIRED"


def test_an_export_kind_with_a_my_number_column_cannot_be_registered():
    for cols in ((("my_number", "番号"),), (("number", "個人番号"),)):
        with pytest.raises(ValueError):
            register(ExportKind(name="bad", label="bad", columns=cols, clean=dict, describe=str,
                                rows=lambda p: iter(()), count=lambda p: 0))


def test_every_export_event_has_a_japanese_label():
    for ev in EventType:
        if 4000 <= ev < 5000:
            assert ev.name.startswith("EXPORT_") and EVENT_TYPE_LABELS[ev].startswith("大量出力")


def test_the_decrypt_command_writes_the_csv_owner_only(clerk, manager, city, tmp_path):
    produced = do_produce_export(_approved(clerk, manager, city).pk, actor=act(clerk))
    src, out = tmp_path / "f.csv.enc", tmp_path / "out.csv"
    src.write_bytes(bytes(produced.request.file_enc))
    assert crypto.main([str(src), produced.key_text, str(out)]) == 0
    assert out.read_text(encoding="utf-8-sig").startswith("# juki 大量出力")
    assert out.stat().st_mode & 0o077 == 0
