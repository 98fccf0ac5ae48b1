"""Outbox events of a plan (異動に伴う通知): one builder per event every kind sends.

- :func:`identity_event` 本人確認情報の更新, :func:`intra_office_event` 庁内連携 and
  :func:`fuhyo_event` 附票記載事項通知, for the version written;
- :func:`person_events`, which turns one changed person into the events the change of items
  calls for: 本人確認情報の更新 when an identity item changed (住基法30条の6), 庁内連携 always,
  送付先情報 for a newly numbered person, and 附票記載事項通知 when the 本籍 is in another
  municipality (住基法19条; :func:`.domicile.domicile_elsewhere`); :func:`append_version` adds
  the version with them.

My Numbers never appear here in clear: the workflow attaches the sealed ciphertext.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from ... import events as outbound
from ...models import ChangeReason, ResidentRecord, TownBlock
from ..base import ChangeContext, EventDraft, NewVersion, Plan, format_address
from .domicile import domicile_elsewhere


def identity_event(ref: str, fields: dict[str, Any], reason: ChangeReason, effective_on: dt.date, *,
                   address: str, **extra: Any) -> EventDraft:
    """本人確認情報の更新 (:func:`juki.register.events.identity_update`) for the version written.

    The My Number is attached as the sealed ciphertext at confirmation, never in clear.
    """
    return EventDraft(ref, outbound.identity_update(fields, reason, effective_on, address=address, **extra))


def intra_office_event(ref: str, fields: dict[str, Any], reason: ChangeReason, ctx: ChangeContext,
                       **details: Any) -> EventDraft:
    """庁内連携 (:func:`juki.register.events.intra_office`): other departments learn of the
    change to the version written (they read the record itself)."""
    return EventDraft(ref, outbound.intra_office(fields, reason, ctx.effective_on, **details))


def fuhyo_event(ref: str, fields: dict[str, Any], reason: ChangeReason, ctx: ChangeContext, address: str,
                **extra: Any) -> EventDraft:
    """附票記載事項通知 (住基法19条1項; :func:`juki.register.events.fuhyo_notice`): the 附票
    items of the version written, to the domicile municipality."""
    return EventDraft(ref, outbound.fuhyo_notice(fields, reason, ctx.effective_on, address=address, **extra))


#: Identity items held by the community server (本人確認情報, 住基法30条の6; akita digest §3.7):
#: 住民票コード, 氏名 (for foreign residents with 通称), 振り仮名, 生年月日, 性別, 住所, 旧氏 and
#: the record's status. A change touching none of them sends no identity update.
IDENTITY_FIELDS = frozenset({
    "resident_code", "family_name", "given_name", "family_name_furigana", "given_name_furigana",
    "alphabet_name", "alias_name", "birth_year", "birth_month", "birth_day", "sex",
    "town_block_id", "banchi", "katagaki", "former_surname", "former_surname_kana", "status",
})


#: Items of the family-register supplement (戸籍の附票, 住基法17条) the domicile municipality must
#: be told about (住基法19条): 戸籍の表示, 氏名 and its 振り仮名, 住所 and 住所を定めた年月日,
#: 出生の年月日, 男女の別, 旧氏, 住民票コード — and removal of the record.
FUHYO_FIELDS = frozenset({
    "domicile", "domicile_head", "family_name", "given_name", "family_name_furigana", "given_name_furigana",
    "town_block_id", "banchi", "katagaki", "address_established_on", "birth_year", "birth_month", "birth_day",
    "sex", "former_surname", "former_surname_kana", "resident_code", "status",
})


#: Never listed as changed items (secrets and derived search keys).
_HIDDEN = frozenset({"my_number_enc", "my_number_index", "name_kana_key", "name_key"})


def changed_items(old: ResidentRecord | None, fields: dict[str, Any]) -> list[str]:
    if old is None:
        return sorted(k for k, v in fields.items() if k not in _HIDDEN and v not in (None, ""))
    return sorted(k for k, v in fields.items() if k not in _HIDDEN and getattr(old, k) != v)


def append_version(plan: Plan, rec: ResidentRecord, fields: dict[str, Any], *, reason: ChangeReason,
                   ctx: ChangeContext) -> None:
    """The next version of ``rec``'s record with ``fields``, and the outbox events the change of
    items calls for (:func:`person_events`)."""
    ref = f"p:{rec.person_id}"
    plan.versions.append(NewVersion(ref=ref, person_id=rec.person_id, fields=fields))
    person_events(plan, ref=ref, old=rec, fields=fields, reason=reason, ctx=ctx)


def person_events(
    plan: Plan,
    *,
    ref: str,
    old: ResidentRecord | None,
    fields: dict[str, Any],
    reason: ChangeReason,
    ctx: ChangeContext,
    town_block: TownBlock | None = None,
    new_number: bool = False,
    extra_items: tuple[str, ...] = (),
    identity_extra: dict[str, Any] | None = None,
) -> None:
    """Append the outbox events for one changed person (docs/register.md).

    ``new_number``: a new My Number was designated (出生, 個人番号の変更) — the identity update
    is sent and 送付先情報 (for the 個人番号通知書) follows. My Numbers never appear here in
    clear: the workflow attaches the sealed ciphertext to identity and delivery events.
    """
    changed = sorted({*changed_items(old, fields), *extra_items})
    municipality = ctx.municipality()
    block = town_block if town_block is not None else old.town_block if old is not None else None
    address = format_address(municipality, block, fields.get("banchi", ""), fields.get("katagaki", "")) if block else ""

    if old is None or new_number or any(k in IDENTITY_FIELDS for k in changed):
        plan.events.append(identity_event(ref, fields, reason, ctx.effective_on, address=address,
                                          **(identity_extra or {})))
    if new_number:
        plan.events.append(EventDraft(ref, outbound.delivery_info(
            fields, reason, ctx.effective_on, address=address, postcode=block.postcode if block else "")))
    plan.events.append(intra_office_event(ref, fields, reason, ctx, items=changed))
    fuhyo_touched = old is None or any(k in FUHYO_FIELDS for k in changed)
    if fuhyo_touched and domicile_elsewhere(fields.get("domicile", ""), municipality,
                                            resident_kind=fields.get("resident_kind")):
        previous = old.domicile if old is not None and old.domicile != fields.get("domicile") else ""
        plan.events.append(fuhyo_event(ref, fields, reason, ctx, address,
                                       items=[k for k in changed if k in FUHYO_FIELDS], previous_domicile=previous))

