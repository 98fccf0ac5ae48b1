"""転出証明書 data (転出証明書の記載事項).

When a 転出 is recorded, the municipality gives the person a 転出証明書 to hand to the new
municipality with the 転入届 (住基法22条2項, 施行令23条), or sends its data through the
community server for a card-based move-in (特例転入, 住基法24条の2). This module gathers what
the certificate carries, from the removed record, as a plain dict; the certificate PDF and its
issuance ledger are the certificates app's (docs/certificates.md).

Items (住基法施行令23条 as we read it: the record's 氏名, 出生の年月日, 男女の別, 世帯主・続柄,
戸籍の表示, 住民票コード, 個人番号 and, for foreign residents, the 30条の45 items; plus 転出先
and 転出の予定年月日), and what the new municipality needs to carry over (住所, 住所を定めた
年月日, 旧氏, 振り仮名, 通称).

The My Number is never returned in clear: ``my_number`` holds the person's sealed ciphertext
(base64) with the addressee number it is bound to. Printing it is the certificate renderer's
job, under the My Number reveal function and its audit event (:func:`juki.register.my_numbers.reveal`).
"""

from __future__ import annotations

import base64
import datetime as dt
from typing import Any

from juki.core.errors import ValidationFailed

from .display import format_address
from .models import (
    DatePrecision,
    Municipality,
    Person,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidentKind,
    ResidentRecord,
    Sex,
)

ARTICLE = "住民基本台帳法施行令23条"


def _current(person: int | Person | ResidentRecord) -> ResidentRecord:
    pid = (person.person_id if isinstance(person, ResidentRecord)
           else person.addressee_no if isinstance(person, Person) else person)
    rec = ResidentRecord.objects.select_related("town_block").filter(person_id=pid, is_current=True).first()
    if rec is None:
        raise ValidationFailed("CHANGE_PERSON_NOT_FOUND", f"宛名番号 {pid} の住民票が見つかりません。", field="person")
    return rec


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value is not None else None


def _householder(rec: ResidentRecord) -> str:
    """世帯主 of the household the person left: among those removed on the same day first
    (a whole household moving together), otherwise the household's current head."""
    heads = ResidentRecord.objects.filter(is_current=True, household_id=rec.household_id,
                                          relationship=Relationship.HOUSEHOLDER)
    same_move = heads.filter(status=RecordStatus.REMOVED, removed_on=rec.removed_on).first()
    head = same_move or heads.filter(status=RecordStatus.RESIDENT).first()
    return head.full_name if head is not None else ""


def move_out_certificate_data(person: int | Person | ResidentRecord) -> dict[str, Any]:
    """The items of the person's 転出証明書, from their current (removed) record.

    Refused (``MOVE_OUT_CERTIFICATE_NOT_MOVED_OUT``) unless the record was removed by a
    転出 (a 国外転出 gets no certificate) — and once the move-out is confirmed by the new
    municipality the certificate has served its purpose, but it can still be reproduced.
    """
    rec = _current(person)
    if rec.status != RecordStatus.REMOVED or rec.removal_reason != RemovalReason.MOVE_OUT:
        raise ValidationFailed(
            "MOVE_OUT_CERTIFICATE_NOT_MOVED_OUT",
            f"宛名番号 {rec.person_id} は転出届により消除された者ではないため、転出証明書は作成できません。",
            field="person",
        )
    municipality = Municipality.objects.first()
    if municipality is None:
        raise ValidationFailed("MUNICIPALITY_MISSING", "市区町村の設定がありません。")
    data: dict[str, Any] = {
        "article": ARTICLE,
        "issuer": {
            "lg_code": municipality.lg_code,
            "name": f"{municipality.prefecture}{municipality.name}",
            "mayor": f"{municipality.mayor_title}\u3000{municipality.mayor_name}",
        },
        "addressee_no": rec.person_id,
        "household_no": rec.household_id,
        "resident_kind": rec.resident_kind,
        "name": {
            "family_name": rec.family_name,
            "given_name": rec.given_name,
            "full_name": rec.full_name,
            "kana": rec.full_name_kana,
            "family_name_furigana": rec.family_name_furigana,
            "given_name_furigana": rec.given_name_furigana,
            "furigana_certification": rec.furigana_certification,
            "former_surname": rec.former_surname,
            "former_surname_kana": rec.former_surname_kana,
            "former_surname_romaji": rec.former_surname_romaji,
        },
        "birth": {
            "year": rec.birth_year, "month": rec.birth_month, "day": rec.birth_day,
            "precision": rec.birth_date_precision, "note": rec.birth_date_note,
            "date": (dt.date(rec.birth_year, rec.birth_month, rec.birth_day).isoformat()  # type: ignore[arg-type]  # set when FULL
                     if rec.birth_date_precision == DatePrecision.FULL else None),
        },
        "sex": {"code": rec.sex, "label": Sex(rec.sex).label},
        "householder": _householder(rec),
        "relationship": {"code": rec.relationship, "label": Relationship(rec.relationship).label},
        "address": format_address(municipality, rec.town_block, rec.banchi, rec.katagaki),
        "katagaki_hidden": rec.katagaki_hidden,
        "address_established_on": _iso(rec.address_established_on),
        "became_resident_on": _iso(rec.became_resident_on),
        "move_out": {
            "destination": rec.planned_move_out_address,
            "destination_householder": rec.planned_move_out_householder,
            "planned_on": _iso(rec.planned_move_out_on),
            "notified_on": _iso(rec.planned_move_out_notified_on),
        },
        "resident_code": rec.resident_code,
        "my_number": (
            {"sealed": base64.b64encode(bytes(rec.my_number_enc)).decode(), "addressee_no": rec.person_id}
            if rec.my_number_enc else None
        ),
    }
    if rec.resident_kind == ResidentKind.JAPANESE:
        data["domicile"] = {"domicile": rec.domicile, "head": rec.domicile_head}
    else:
        data["foreign"] = {
            "alphabet_name": rec.alphabet_name,
            "concurrent_name": rec.concurrent_name,
            "alias_name": rec.alias_name,
            "alias_name_kana": rec.alias_name_kana,
            "nationality_code": rec.nationality_code,
            "nationality": rec.nationality,
            "category": rec.foreign_category,
            "residence_status": rec.residence_status,
            "stay": {"years": rec.stay_years, "months": rec.stay_months, "days": rec.stay_days},
            "stay_expires_on": _iso(rec.stay_expires_on),
            "residence_card_no": rec.residence_card_no,
            "residence_card_kind": rec.residence_card_kind,
            "became_foreign_resident_on": _iso(rec.became_foreign_resident_on),
        }
    return data
