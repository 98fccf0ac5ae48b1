"""Helpers shared by the register screens: who acts, how refusals and record items are shown."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import FieldDoesNotExist
from django.db.models import Field
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render

from juki.core.actor import Actor
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError
from juki.core.fields import model_field
from juki.security.access import staff_may

from ..display import birth_display
from ..models import Municipality, ResidentRecord, TownBlock
from ..models.person import ADDRESSEE_NO_DIGITS, HOUSEHOLD_NO_DIGITS
from ..wareki import format_wareki

EMPTY = "—"


def actor(request: HttpRequest) -> Actor:
    """The logged-in staff member at their terminal, as the actions and access functions take it."""
    return Actor.from_request(request)


def has_function(request: HttpRequest, function: Any) -> bool:
    return staff_may(request.user, getattr(request, "terminal", None), function)


@dataclass(frozen=True)
class Refusal:
    """A refusal as the screens show it: message, code and the item it is about."""

    code: str
    message: str
    field: str
    field_label: str

    @property
    def text(self) -> str:
        where = f"、項目: {self.field_label}" if self.field_label else ""
        return f"{self.message}（エラーコード: {self.code}{where}）"


def refusal(exc: JukiError, labels: dict[str, str] | None = None) -> Refusal:
    name = exc.field or ""
    label = (labels or {}).get(name) or field_label(name) if name else ""
    return Refusal(code=exc.code, message=exc.message, field=name, field_label=label)


def error_page(request: HttpRequest, exc: JukiError) -> HttpResponse:
    """A refusal with nothing else to show (not found, not allowed): the shared error page."""
    return render(request, "web/error.html", {"code": exc.code, "message": exc.message}, status=exc.status)


# --- record items and their display --------------------------------------------------------

def field_label(attname: str) -> str:
    """Japanese label of a record item (verbose name), for ``town_block_id`` as for ``banchi``."""
    if attname == "my_number":
        return "個人番号"
    for name in (attname, attname.removesuffix("_id")):
        try:
            return str(model_field(ResidentRecord, name).verbose_name)
        except FieldDoesNotExist:
            continue
    return attname


def jdate(value: Any) -> str:
    """A date as staff read it: 2024年4月1日 (和暦 added where the era module knows it)."""
    if isinstance(value, str):
        try:
            value = dt.date.fromisoformat(value[:10])
        except ValueError:
            return value
    if not isinstance(value, dt.date):
        return str(value)
    text = f"{value.year}年{value.month}月{value.day}日"
    era = wareki(value)
    return f"{text}（{era}）" if era else text


def wareki(value: dt.date) -> str:
    try:
        return format_wareki(value)
    except ValueError:  # before the first era the module knows
        return ""


def display_value(attname: str, value: Any) -> str:
    """A stored value (possibly from JSON: codes, ids, ISO dates) in the words a screen shows."""
    if value is None or value == "":
        return EMPTY
    name = attname.removesuffix("_id")
    if name == "town_block":
        tb = TownBlock.objects.filter(pk=value).first() if not isinstance(value, TownBlock) else value
        return f"{tb.name}（{tb.code}）" if tb is not None else str(value)
    if name == "household":
        if isinstance(value, str) and not is_ascii_digits(value):
            return "新しい世帯"
        return f"{int(value):0{HOUSEHOLD_NO_DIGITS}d}"
    if name == "person":
        return f"{int(value):0{ADDRESSEE_NO_DIGITS}d}"
    try:
        f: Field[Any, Any] | None = model_field(ResidentRecord, name)
    except FieldDoesNotExist:
        f = None
    if f is not None and f.choices:
        return str(dict(f.flatchoices).get(value, value))
    if isinstance(value, bool):
        return "はい" if value else "いいえ"
    if isinstance(value, dt.datetime):
        return value.astimezone().strftime("%Y-%m-%d %H:%M")
    if isinstance(value, dt.date) or (f is not None and f.get_internal_type() == "DateField"):
        return jdate(value)
    return str(value)


def birth_text(rec: ResidentRecord) -> str:
    """生年月日 as the search results show it, with the unknown-date forms (日不詳・月日不詳・不詳)."""
    return birth_display(rec)


def address_text(rec: ResidentRecord) -> str:
    m = Municipality.objects.first()
    head = f"{m.prefecture}{m.name}" if m is not None else getattr(settings, "JUKI_MUNICIPALITY_NAME", "")
    text = f"{head}{rec.town_block.name}{rec.banchi}"
    return f"{text}\u3000{rec.katagaki}" if rec.katagaki else text


#: How the person screen groups the items of a resident record (住民票の記載事項, 住基法7条).
RECORD_GROUPS: list[tuple[str, list[str]]] = [
    ("氏名", [
        "family_name", "given_name", "family_name_kana", "given_name_kana", "family_name_furigana",
        "given_name_furigana", "furigana_certification", "alphabet_name", "concurrent_name", "concurrent_name_kana",
        "alias_name", "alias_name_kana", "former_surname", "former_surname_kana", "former_surname_romaji",
        "former_surname_furigana_certification",
    ]),
    ("生年月日・性別", ["birth", "birth_date_note", "sex"]),
    ("住所", ["address", "town_block", "banchi", "katagaki", "katagaki_kana", "katagaki_hidden"]),
    ("世帯・続柄", ["household", "relationship", "listing_order"]),
    ("本籍・筆頭者", ["domicile", "domicile_head"]),
    ("住民票コード・個人番号", ["resident_code", "my_number"]),
    ("外国人住民事項", [
        "foreign_category", "nationality_code", "nationality", "residence_status", "stay_years", "stay_months",
        "stay_days", "stay_expires_on", "residence_card_no", "residence_card_kind", "became_foreign_resident_on",
    ]),
    ("日付", [
        "became_resident_on", "became_resident_reason", "became_resident_note", "address_established_on",
        "address_established_notified_on", "address_established_note",
    ]),
    ("前住所・転入前住所・転出", [
        "previous_address", "previous_householder", "pre_move_in_address", "pre_move_in_householder",
        "planned_move_out_address", "planned_move_out_householder", "planned_move_out_on",
        "planned_move_out_notified_on", "confirmed_move_out_address", "confirmed_move_out_on",
        "confirmed_move_out_notice_on",
    ]),
    ("住民状態", ["resident_kind", "status", "removal_reason", "removed_on", "removal_notified_on",
                 "removal_date_note", "retention_until"]),
    ("この版", ["version", "valid_from", "notified_on", "recorded_at", "change_reason", "recorded_by", "remarks"]),
]

#: Items shown even when empty (the core of every record).
ALWAYS_SHOWN = {"family_name", "given_name", "birth", "sex", "address", "household", "relationship",
                "resident_code", "my_number", "status", "valid_from", "notified_on", "recorded_at", "change_reason"}


def record_groups(rec: ResidentRecord, *, my_number_masked: str = "",
                  staff: Callable[[ResidentRecord], str] | None = None) -> list[dict[str, Any]]:
    """The items of one version, grouped, each as (label, text); empty optional items left out.

    ``staff``, when given, shows the version's 更新職員 in its words (the disclosure document's
    staff policy) instead of the raw staff ID, under the label 「処理職員」.
    """
    groups = []
    for title, names in RECORD_GROUPS:
        rows = []
        for name in names:
            if name == "recorded_by" and staff is not None:
                label, text = "処理職員", staff(rec)
            elif name == "birth":
                label, text = "生年月日", birth_text(rec)
            elif name == "address":
                label, text = "住所", address_text(rec)
            elif name == "my_number":
                label, text = "個人番号", my_number_masked or EMPTY
            elif name in ("town_block", "household"):
                label, text = field_label(name), display_value(name, getattr(rec, f"{name}_id"))
            else:
                label, text = field_label(name), display_value(name, getattr(rec, name))
            if text == EMPTY and name not in ALWAYS_SHOWN:
                continue
            rows.append({"name": name, "label": label, "text": text})
        if rows:
            groups.append({"title": title, "rows": rows})
    return groups
