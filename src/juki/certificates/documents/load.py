"""Reading the register for certificates: records → :class:`~.data.PersonEntry`.

Plain reads through the models and :mod:`juki.register.history`; no role checks and no
audit here — the calling action (issuance) checks the request and writes the audit event.
"""

from __future__ import annotations

from juki.register import history, queries
from juki.register.display import birth_display, format_address
from juki.register.models import (
    ChangeReason,
    ForeignResidentCategory,
    Municipality,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidenceCardKind,
    ResidenceStatus,
    ResidentKind,
    ResidentRecord,
    Sex,
)

from .data import ForeignItems, HistoryLine, Issuer, PersonEntry, Removal, date_text
from .errors import CertificateRefused

__all__ = ["current_records", "issuer", "person_entry", "householder_name", "address_text"]


def issuer() -> Issuer:
    m = Municipality.objects.first()
    if m is None:
        raise CertificateRefused("certificate.municipality_missing", "市区町村の設定がありません。")
    return Issuer(municipality=f"{m.prefecture}{m.name}", mayor_title=m.mayor_title, mayor_name=m.mayor_name,
                  short_name=m.name)


def current_records(person_ids: list[int]) -> dict[int, ResidentRecord]:
    """The current version of each person's record (found ones only), by addressee number."""
    qs = queries.current_records(person_ids).select_related("town_block")
    return {r.person_id: r for r in qs}


def address_text(rec: ResidentRecord, municipality: Municipality | None = None) -> str:
    """住所 as printed: prefecture, municipality, town block, 番地 and 方書 (unless hidden)."""
    m = municipality or Municipality.objects.first()
    assert m is not None
    return format_address(m, rec.town_block, rec.banchi, "" if rec.katagaki_hidden else rec.katagaki)


def householder_name(rec: ResidentRecord) -> str:
    """世帯主 of the person's household: among the household's members on the same status
    (a removed household is printed with its head at removal)."""
    if rec.relationship == Relationship.HOUSEHOLDER:
        return rec.full_name
    heads = queries.householders(rec.household_id)
    if rec.status == RecordStatus.REMOVED:
        head = heads.filter(status=RecordStatus.REMOVED, removed_on=rec.removed_on).first() or heads.first()
    else:
        head = heads.filter(status=RecordStatus.RESIDENT).first()
    return head.full_name if head is not None else ""


def _label(choices: type, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _stay_period(rec: ResidentRecord) -> str:
    parts = [(rec.stay_years, "年"), (rec.stay_months, "月"), (rec.stay_days, "日")]
    return "".join(f"{n}{unit}" for n, unit in parts if n)


def _history(rec: ResidentRecord, municipality: Municipality) -> tuple[HistoryLine, ...]:
    western = rec.resident_kind == ResidentKind.FOREIGN
    lines = []
    for version in history.history(rec.person_id):
        summary = f"{version.full_name}　{address_text(version, municipality)}"
        if version.status == RecordStatus.REMOVED:
            summary += f"（消除: {_label(RemovalReason, version.removal_reason)}）"
        lines.append(HistoryLine(
            valid_from=date_text(version.valid_from, western=western),
            notified_on=date_text(version.notified_on, western=western),
            reason=_label(ChangeReason, version.change_reason),
            summary=summary,
        ))
    return tuple(lines)


def person_entry(rec: ResidentRecord, *, with_history: bool = False,
                 municipality: Municipality | None = None) -> PersonEntry:
    """Everything a certificate may print about the person, formatted; options choose."""
    m = municipality or Municipality.objects.first()
    assert m is not None
    western = rec.resident_kind == ResidentKind.FOREIGN
    foreign = None
    if western:
        foreign = ForeignItems(
            alphabet_name=rec.alphabet_name,
            nationality=rec.nationality,
            category=_label(ForeignResidentCategory, rec.foreign_category) if rec.foreign_category else "",
            residence_status=_label(ResidenceStatus, rec.residence_status) if rec.residence_status else "",
            stay_period=_stay_period(rec),
            stay_expires_on=date_text(rec.stay_expires_on, western=True),
            card_no=rec.residence_card_no,
            card_kind=_label(ResidenceCardKind, rec.residence_card_kind) if rec.residence_card_kind else "",
            became_foreign_resident_on=date_text(rec.became_foreign_resident_on, western=True),
        )
    removal = None
    if rec.status == RecordStatus.REMOVED:
        destination = ""
        if rec.removal_reason in (RemovalReason.MOVE_OUT, RemovalReason.MOVE_ABROAD):
            destination = rec.confirmed_move_out_address or rec.planned_move_out_address
        removal = Removal(
            reason=_label(RemovalReason, rec.removal_reason),
            removed_on=date_text(rec.removed_on, western=western, note=rec.removal_date_note),
            notified_on=date_text(rec.removal_notified_on, western=western),
            destination=destination,
        )
    notified = date_text(rec.address_established_notified_on, western=western)
    return PersonEntry(
        person_id=rec.person_id,
        household_id=rec.household_id,
        name=rec.full_name,
        kana=rec.full_name_kana,
        furigana=f"{rec.family_name_furigana}\u3000{rec.given_name_furigana}".strip("\u3000"),
        birth=birth_display(rec),
        sex=Sex(rec.sex).label,
        relationship=_label(Relationship, rec.relationship),
        householder=householder_name(rec),
        address=address_text(rec, m),
        address_established_on=date_text(rec.address_established_on, western=western,
                                          note=rec.address_established_note),
        address_established_notified_on=notified,
        became_resident_on=date_text(rec.became_resident_on, western=western, note=rec.became_resident_note),
        became_resident_reason=_label(ChangeReason, rec.became_resident_reason) if rec.became_resident_reason else "",
        pre_move_in_address=rec.pre_move_in_address,
        previous_address=rec.previous_address,
        domicile=rec.domicile if not western else "",
        domicile_head=rec.domicile_head if not western else "",
        resident_code=rec.resident_code,
        former_surname=rec.former_surname,
        alias=rec.alias_name,
        latest_change=f"{date_text(rec.valid_from, western=western)}　{_label(ChangeReason, rec.change_reason)}",
        foreign=foreign,
        removal=removal,
        history=_history(rec, m) if with_history else (),
    )
