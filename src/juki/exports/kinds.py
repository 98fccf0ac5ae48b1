"""Export kinds (出力の種類): the registry of what may be exported, one named kind each.

A request names a kind and its parameters; the manager approves exactly that. Each kind fixes
its columns, so what leaves the system is known before approval. No kind may have a My Number
column (個人番号は大量出力しない): :func:`register` refuses one, whatever it is called.

Kinds:

- ``residents_by_town_block`` — current residents (住民, not removed) of the chosen town blocks
  (町丁字): 宛名番号, 氏名, 氏名カナ, 生年月日, 性別, 住所, 世帯番号. Persons under a protection
  measure (支援措置) in force are left out.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings

from juki.core.digits import is_ascii_digits
from juki.core.errors import ValidationFailed
from juki.protection.checks import protected_person_ids
from juki.register import queries
from juki.register.models import Municipality, ResidentRecord, Sex, TownBlock
from juki.register.models.choices import DatePrecision
from juki.register.models.person import ADDRESSEE_NO_DIGITS, HOUSEHOLD_NO_DIGITS
from juki.security.roles import Function

#: Column keys no kind may carry (checked at registration).
FORBIDDEN_COLUMNS = frozenset({"my_number", "my_number_enc", "my_number_index", "個人番号"})


@dataclass(frozen=True)
class ExportKind:
    """One kind of export: its columns, how its parameters are checked, described, and read."""

    name: str
    label: str
    columns: tuple[tuple[str, str], ...]  # (key, Japanese header)
    clean: Callable[[dict[str, Any]], dict[str, Any]]  # raw parameters → stored parameters
    describe: Callable[[dict[str, Any]], str]  # what the manager reads
    rows: Callable[[dict[str, Any]], Iterator[tuple[str, list[str]]]]  # (addressee no, cells)
    count: Callable[[dict[str, Any]], int]
    #: The function the requester also needs to read what is exported.
    reader_function: Function = Function.RESIDENT_VIEW


_KINDS: dict[str, ExportKind] = {}


def register(kind: ExportKind) -> ExportKind:
    keys = {k for k, _ in kind.columns} | {h for _, h in kind.columns}
    if keys & FORBIDDEN_COLUMNS or any("個人番号" in h or "my_number" in k for k, h in kind.columns):
        raise ValueError(f"export kind {kind.name} may not carry a My Number column")
    _KINDS[kind.name] = kind
    return kind


def kind_for(name: str) -> ExportKind:
    kind = _KINDS.get(name)
    if kind is None:
        raise ValidationFailed("EXPORT_SCOPE_UNKNOWN", "出力の種類が登録されていません。", field="scope")
    return kind


def all_kinds() -> list[ExportKind]:
    return sorted(_KINDS.values(), key=lambda k: k.name)


def kind_label(name: str) -> str:
    kind = _KINDS.get(name)
    return kind.label if kind is not None else name


# --- residents_by_town_block ------------------------------------------------------------------

def _block_ids(params: dict[str, Any]) -> list[int]:
    return [int(b) for b in params.get("town_blocks", [])]


def _clean_blocks(raw: dict[str, Any]) -> dict[str, Any]:
    values = raw.get("town_blocks") or []
    if isinstance(values, str | int):
        values = [values]
    ids: set[int] = set()
    for v in values:
        text = str(v).strip()
        if not is_ascii_digits(text):
            raise ValidationFailed("EXPORT_PARAMETER_INVALID", "町丁字の指定が正しくありません。", field="town_blocks")
        ids.add(int(text))
    if not ids:
        raise ValidationFailed("EXPORT_PARAMETER_REQUIRED", "出力する町丁字を選んでください。", field="town_blocks")
    found = set(TownBlock.objects.filter(pk__in=ids).values_list("pk", flat=True))
    if found != ids:
        raise ValidationFailed("EXPORT_PARAMETER_INVALID", "登録されていない町丁字が含まれています。", field="town_blocks")
    return {"town_blocks": sorted(ids)}


def _describe_blocks(params: dict[str, Any]) -> str:
    blocks = TownBlock.objects.filter(pk__in=_block_ids(params)).order_by("code")
    return "現に住民である者（町丁字: " + "、".join(f"{b.name}（{b.code}）" for b in blocks) + "）"


def _current_residents(params: dict[str, Any]) -> Any:
    """Current residents of the blocks, leaving out persons under a protection measure (支援措置)
    in force today: their records leave the system only through the protection officer
    (事務処理要領 第5-10; docs/protection.md §6)."""
    return (queries.current_residents().filter(town_block_id__in=_block_ids(params))
            .exclude(person_id__in=sorted(protected_person_ids())))


def _birth(rec: ResidentRecord) -> str:
    """生年月日 in ISO form for machines (年のみ・年月のみも); 不詳 as recorded."""
    if rec.birth_date_precision == DatePrecision.UNKNOWN or rec.birth_year is None:
        return rec.birth_date_note or "不詳"
    text = f"{rec.birth_year:04d}"
    if rec.birth_month is not None and rec.birth_date_precision != DatePrecision.YEAR:
        text += f"-{rec.birth_month:02d}"
        if rec.birth_day is not None and rec.birth_date_precision == DatePrecision.FULL:
            text += f"-{rec.birth_day:02d}"
    return text


def _rows_blocks(params: dict[str, Any]) -> Iterator[tuple[str, list[str]]]:
    m = Municipality.objects.first()
    head = f"{m.prefecture}{m.name}" if m is not None else getattr(settings, "JUKI_MUNICIPALITY_NAME", "")
    qs = (_current_residents(params).select_related("town_block")
          .order_by("town_block__code", "household_id", "listing_order", "person_id"))
    for rec in qs.iterator(chunk_size=500):
        addressee = f"{rec.person_id:0{ADDRESSEE_NO_DIGITS}d}"
        address = f"{head}{rec.town_block.name}{rec.banchi}"
        if rec.katagaki and not rec.katagaki_hidden:
            address += f"\u3000{rec.katagaki}"
        yield addressee, [
            addressee, rec.full_name, rec.full_name_kana, _birth(rec), Sex(rec.sex).label, address,
            f"{rec.household_id:0{HOUSEHOLD_NO_DIGITS}d}",
        ]


RESIDENTS_BY_TOWN_BLOCK = register(ExportKind(
    name="residents_by_town_block",
    label="町丁字別の住民一覧",
    columns=(("addressee_no", "宛名番号"), ("name", "氏名"), ("name_kana", "氏名カナ"), ("birth", "生年月日"),
             ("sex", "性別"), ("address", "住所"), ("household_no", "世帯番号")),
    clean=_clean_blocks,
    describe=_describe_blocks,
    rows=_rows_blocks,
    count=lambda params: _current_residents(params).count(),
))
