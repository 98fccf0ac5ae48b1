"""The 本人確認情報の更新 chain with the node apps' own handlers (juki.cs, juki.prefecture,
juki.national, juki.network.identity): 住基法30条の6 (市町村長 → 都道府県知事, via the CS),
30条の7 (都道府県知事 → 機構) and the result back down. One database plays every node; each
node applies against its own app's tables, rows named by node."""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from juki.cs.models import IdentityHistory as CsHistory
from juki.cs.models import IdentityRecord as CsRecord
from juki.national.models import IdentityHistory as NationalHistory
from juki.national.models import IdentityRecord as NationalRecord
from juki.network import inbox, relay, worker
from juki.network.models import InboxMessage, OutboxPublication, UpdateResult
from juki.network.schemas import IdentityUpdateResult
from juki.prefecture.models import IdentityHistory as PrefHistory
from juki.prefecture.models import IdentityRecord as PrefRecord

from .conftest import Net, identity_update

M1, M2, CS, PREF, NAT = "municipal-131016", "municipal-131024", "cs-131016", "pref-13", "national"
ORDER = [M1, M2, CS, PREF, NAT]


def outbox_row(update, person_id: int = 1):
    """A confirmed change's outbox row, as the register writes it."""
    from juki.register.events import to_payload
    from juki.register.models import Change, OutboxEvent

    now = timezone.now()
    change = Change.objects.create(kind="birth", reason="birth", effective_on=dt.date(2026, 4, 1),
                                   entered_by="clerk01", entered_at=now)
    return OutboxEvent.objects.create(kind=OutboxEvent.Kind.IDENTITY_UPDATE, schema_version=1, change=change,
                                      person_id=person_id, payload=to_payload(update), created_at=now)


def pump(country: Net, rounds: int = 12) -> None:
    """Run every node's worker step until a whole round moves nothing."""
    for _ in range(rounds):
        moved = 0
        for node in ORDER:
            report = worker.step(country.contexts[node], country.connection(node), timeout=0.3)
            moved += report.staged + report.published + report.received
        if not moved:
            return
    raise AssertionError("the network did not settle")


def test_an_update_is_stored_at_every_tier_and_accepted_back_down_to_the_outbox_row(country: Net) -> None:
    row = outbox_row(identity_update(resident_code="12345678901", my_number_enc="c2VhbGVk"))

    pump(country)

    for record_model, node, source in ((CsRecord, CS, M1), (PrefRecord, PREF, CS), (NationalRecord, NAT, PREF)):
        record = record_model.objects.get(node=node, resident_code="12345678901")
        assert (record.family_name, record.given_name, record.furigana) == ("山田", "花子", "ヤマダ ハナコ")
        assert (record.birth, record.sex, record.reason) == ([2026, 4, 1], 2, "birth")
        assert record.my_number_enc == "c2VhbGVk"  # the sealed ciphertext as received, never plaintext
        assert (record.update_no, record.source_node) == (1, source)
    for history_model, node in ((CsHistory, CS), (PrefHistory, PREF), (NationalHistory, NAT)):
        [history] = history_model.objects.filter(node=node)
        assert (history.update_no, history.result, history.code) == (1, "accepted", "")
    result = UpdateResult.objects.get(publication__outbox_event=row)
    assert (result.result, result.code) == ("accepted", "")
    assert set(InboxMessage.objects.values_list("outcome", flat=True)) == {"applied"}


def test_the_tiers_keep_only_the_identity_items() -> None:
    """本人確認情報 (住基法30条の6第1項, 施行令30条の5): no 番地 / 方書 apart, no 住民状態, no 世帯."""
    for model in (CsRecord, PrefRecord, NationalRecord):
        names = {f.name for f in model._meta.get_fields()}
        assert not names & {"banchi", "katagaki", "town_block_id", "status", "household", "alias_name"}, model


def test_a_code_the_national_file_holds_is_refused_and_the_refusal_reaches_the_municipality(country: Net) -> None:
    """住民票コードは重複しない (住基法30条の2・30条の3): a second birth under a code the national
    file already holds is refused there (不受理); the prefecture and the CS take their copies
    back to the last accepted update, and the sending municipality sees the refusal."""
    ctx1, ctx2 = country.contexts[M1], country.contexts[M2]
    relay.enqueue(ctx1, message_type="identity_update", recipient=CS, actor=ctx1.actor,
                  payload=identity_update(given_name="花子", resident_code="11111111111"))
    pump(country)
    second = relay.enqueue(ctx2, message_type="identity_update", recipient=CS, actor=ctx2.actor,
                           payload=identity_update(given_name="次郎", resident_code="11111111111"))
    pump(country)

    result = UpdateResult.objects.get(publication__message_id=second.message_id)
    assert (result.result, result.code) == ("rejected", "IDENTITY_RESIDENT_CODE_IN_USE")
    assert NationalHistory.objects.get(node=NAT, update_no=2).result == "rejected"
    assert NationalRecord.objects.get(node=NAT, resident_code="11111111111").given_name == "花子"
    for record_model, history_model, node in ((CsRecord, CsHistory, CS), (PrefRecord, PrefHistory, PREF)):
        assert record_model.objects.get(node=node, resident_code="11111111111").given_name == "花子", node
        refused = history_model.objects.get(node=node, update_no=2)
        assert (refused.result, refused.code, refused.given_name) == ("rejected", "IDENTITY_RESIDENT_CODE_IN_USE",
                                                                       "次郎")


def test_the_cs_refuses_a_malformed_code_and_does_not_forward_it(country: Net) -> None:
    """住民票コード is 11 digits (住民基本台帳法施行規則1条): the CS answers 不受理 itself."""
    ctx = country.contexts[M1]
    pub = relay.enqueue(ctx, message_type="identity_update", recipient=CS, actor=ctx.actor,
                        payload=identity_update(resident_code=""))
    pump(country)

    result = UpdateResult.objects.get(publication=pub)
    assert (result.result, result.code) == ("rejected", "IDENTITY_RESIDENT_CODE_INVALID")
    assert not CsRecord.objects.exists()
    assert not OutboxPublication.objects.filter(link=f"{CS}>{PREF}").exists()


def test_a_result_for_an_update_never_forwarded_is_refused(country: Net) -> None:
    """A tier accepts a result only for an update it sent up itself (the receiver's check)."""
    ctx = country.contexts[NAT]
    relay.enqueue(ctx, message_type="identity_update_result", recipient=PREF, actor=ctx.actor,
                  payload=IdentityUpdateResult(update_id="f" * 32, resident_code="12345678901", result="rejected",
                                               code="X"))
    relay.publish_pending(ctx, country.connection(NAT), actor=ctx.actor)
    results = inbox.consume(country.contexts[PREF], country.connection(PREF), actor="node:pref-13", timeout=0.5)

    assert [(r.outcome, r.code) for r in results] == [(inbox.REFUSED, "IDENTITY_RESULT_UNKNOWN_UPDATE")]
    assert not OutboxPublication.objects.filter(link=f"{PREF}>{CS}").exists()


def test_an_update_for_a_code_the_national_file_does_not_hold_is_refused(country: Net) -> None:
    """jlis-001a §6 B12: an update (here a 転居) for an unknown 住民票コード gets an error result."""
    from juki.register.models import ChangeReason

    ctx = country.contexts[M1]
    pub = relay.enqueue(ctx, message_type="identity_update", recipient=CS, actor=ctx.actor,
                        payload=identity_update(resident_code="22222222222").model_copy(
                            update={"reason": ChangeReason.MOVE_WITHIN}))
    pump(country)

    assert UpdateResult.objects.get(publication=pub).code == "IDENTITY_RESIDENT_CODE_UNKNOWN"
    assert not NationalRecord.objects.filter(resident_code="22222222222").exists()
    assert not CsRecord.objects.filter(resident_code="22222222222").exists()  # reverted: no accepted update


def test_every_update_is_kept_as_history_in_order(country: Net) -> None:
    """jlis-001a §6 B13・B14: k updates → k history rows, numbered by 更新順番号, the current
    record being the last; each carries its 異動事由 and 異動年月日."""
    from juki.register.models import ChangeReason

    ctx = country.contexts[M1]
    first = identity_update(resident_code="33333333333")
    moved = first.model_copy(update={"reason": ChangeReason.MOVE_WITHIN, "effective_on": dt.date(2026, 5, 1),
                                     "address": "東京都千代田区永田町一丁目7番1号"})
    renamed = moved.model_copy(update={"reason": ChangeReason.NAME_CHANGE, "effective_on": dt.date(2026, 6, 1),
                                       "family_name": "佐藤"})
    for update in (first, moved, renamed):
        relay.enqueue(ctx, message_type="identity_update", recipient=CS, actor=ctx.actor, payload=update)
    pump(country)

    rows = list(NationalHistory.objects.filter(node=NAT, resident_code="33333333333").order_by("update_no"))
    assert [(r.update_no, r.reason, r.effective_on.isoformat(), r.result) for r in rows] == [
        (1, "birth", "2026-04-01", "accepted"), (2, "move_within", "2026-05-01", "accepted"),
        (3, "name_change", "2026-06-01", "accepted")]
    current = NationalRecord.objects.get(node=NAT, resident_code="33333333333")
    assert (current.family_name, current.address, current.update_no) == ("佐藤", "東京都千代田区永田町一丁目7番1号", 3)
    assert CsHistory.objects.filter(node=CS).count() == 3 and PrefHistory.objects.filter(node=PREF).count() == 3
