"""Item types and the text rules every change item obeys (入力項目の型・文字の検査).

A change's items are pydantic models (:class:`.base.ChangeItems`); every channel — the entry
form, the API and anything else calling the workflow — validates them through
:func:`.workflow.parse_items`, so a rule declared here holds on every path:

- :func:`plain_text`: every text item, printed or not, refuses C0/C1 control characters
  (NUL, tab, newline, DEL, U+0080–U+009F), lone surrogates and code points Unicode has not
  assigned (``TEXT_CHARACTER_NOT_ALLOWED``). Assigned characters pass unchanged — kanji of
  every extension, IVS variation selectors (U+E0100–U+E01EF, the register keeps the exact
  glyph), private-use external characters (外字). Python's Unicode database may be older than
  the newest CJK extensions, so unassigned code points in the ideographic planes 2 and 3
  (U+20000–U+3FFFD) are not refused.
- :data:`Kana`: the type of every kana item (氏カナ・名カナ・振り仮名・方書カナ・通称カナ…).
  Its validator, :func:`katakana`, converts hiragana and half-width kana to full-width
  katakana and then admits only katakana, the long vowel mark 「ー」, the middle dot 「・」 and
  the full-width space (an ASCII space becomes one).
- :func:`path_label`: the Japanese name of an item path (``persons.1.birth_year`` →
  「2人目の生年」), for refusals shown to clerks and API clients.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Annotated, Any

import jaconv
from pydantic import AfterValidator, BaseModel

from juki.core.digits import is_ascii_digits
from juki.core.errors import ValidationFailed
from juki.core.fields import model_field


class ItemInvalid(ValidationFailed, ValueError):
    """An item fails its format rule. A ValueError so pydantic reports it against the item;
    :func:`juki.register.changes.workflow.parse_items` keeps the code and Japanese message."""

    def __init__(self, message: str, code: str = "CHANGE_ITEM_INVALID"):
        super().__init__(code=code, message=message)


# --- plain text -------------------------------------------------------------------------------

#: Unicode general categories never allowed in an item: controls (Cc: C0, DEL, C1),
#: surrogates (Cs) and unassigned code points (Cn, which includes the noncharacters).
_REFUSED_CATEGORIES = frozenset({"Cc", "Cs", "Cn"})


def _refused(char: str) -> bool:
    category = unicodedata.category(char)
    if category not in _REFUSED_CATEGORIES:
        return False
    code = ord(char)
    # Planes 2–3 hold only CJK ideographs; newer extensions may be unknown to this Python.
    return not (category == "Cn" and 0x20000 <= code <= 0x3FFFD and code & 0xFFFE != 0xFFFE)


def plain_text(value: str) -> str:
    """Refuse control characters and unassigned code points (``TEXT_CHARACTER_NOT_ALLOWED``);
    return ``value`` unchanged otherwise."""
    for char in value:
        if _refused(char):
            raise ItemInvalid(
                f"使用できない文字（制御文字または未定義の文字 U+{ord(char):04X}）が含まれています。",
                code="TEXT_CHARACTER_NOT_ALLOWED",
            )
    return value


def plain_text_tree(value: Any) -> Any:
    """:func:`plain_text` on every string of an item value (lists, mappings and their keys).
    Nested item models check their own items."""
    if isinstance(value, str):
        plain_text(value)
    elif isinstance(value, dict):
        for k, v in value.items():
            plain_text_tree(k)
            plain_text_tree(v)
    elif isinstance(value, list | tuple | set | frozenset):
        for v in value:
            plain_text_tree(v)
    return value


# --- kana -------------------------------------------------------------------------------------

#: Full-width katakana (ァ–ヺ), the middle dot, the long vowel mark, the iteration marks ヽヾ and
#: the full-width space: what the register's kana items hold.
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fb\u30fc\u30fd\u30fe\u3000]*")

KANA_MESSAGE = "片仮名で入力してください（長音「ー」・中点「・」・空白は使えます）。"


def katakana(value: str) -> str:
    """The one rule of kana items: 「やまだ」 and 「ﾔﾏﾀﾞ」 become 「ヤマダ」; 「山田」, 「yamada」 and
    「山田荘」 are refused (``CHANGE_ITEM_INVALID``)."""
    plain_text(value)
    converted = jaconv.hira2kata(jaconv.h2z(unicodedata.normalize("NFC", value), kana=True, ascii=False, digit=False))
    converted = unicodedata.normalize("NFC", converted).replace(" ", "\u3000")
    if not _KATAKANA.fullmatch(converted):
        raise ItemInvalid(KANA_MESSAGE)
    return converted


class KanaRule:
    """Marks an item type as a kana item (see :data:`Kana`)."""

    def __repr__(self) -> str:
        return "KanaRule()"


KANA_RULE = KanaRule()

#: The type of every kana item. ``Kana | None`` for items that may be left out.
Kana = Annotated[str, AfterValidator(katakana), KANA_RULE]


def is_kana_item(info: Any) -> bool:
    """Whether a pydantic field is declared as :data:`Kana` (optional or not)."""
    return any(m is KANA_RULE for m in getattr(info, "metadata", ())) or _annotation_has_rule(info.annotation)


def _annotation_has_rule(tp: Any) -> bool:
    from typing import get_args

    if any(m is KANA_RULE for m in getattr(tp, "__metadata__", ())):
        return True
    return any(_annotation_has_rule(a) for a in get_args(tp))


# --- labels -----------------------------------------------------------------------------------

#: Names of items that are not record items (the record's own names serve the rest).
COMMON_LABELS = {
    "persons": "対象者（宛名番号）",
    "person": "対象者（宛名番号）",
    "household": "世帯の扱い",
    "relationships": "続柄（宛名番号ごと）",
    "town_block": "町丁字",
}

_NOTE = re.compile(r"（[^（）]*）$")


def item_label(key: str, info: Any = None) -> str:
    """The Japanese name of one item: its title, a common name, the register's name for the
    item of the same name, else its description (a trailing note in brackets dropped)."""
    if info is not None and info.title:
        return str(info.title)
    if key in COMMON_LABELS:
        return COMMON_LABELS[key]
    from django.core.exceptions import FieldDoesNotExist

    from ..models import ResidentRecord

    for name in (key, key.removesuffix("_id")):
        try:
            return str(model_field(ResidentRecord, name).verbose_name)
        except FieldDoesNotExist:
            continue
    description = (getattr(info, "description", None) or "").strip()
    if description and "/" not in description:
        return _NOTE.sub("", description) or description
    return key


def _row_model(info: Any) -> type[BaseModel] | None:
    """The items model of a nested item (``Model`` or ``list[Model]``), if it is one."""
    from typing import get_args

    stack = [info.annotation]
    while stack:
        tp = stack.pop()
        if isinstance(tp, type) and issubclass(tp, BaseModel):
            return tp
        stack.extend(get_args(tp))
    return None


def path_label(path: str | tuple[Any, ...], model: type[BaseModel] | None = None) -> str:
    """The Japanese name of an item path: ``persons.1.birth_year`` → 「2人目の生年」,
    ``relationships.1000000001`` → 「続柄（宛名番号 1000000001）」, ``corrections.family_name_kana``
    → 「修正後の値の氏カナ」. With ``model`` the items' own titles and descriptions are used."""
    parts = [str(p) for p in (path.split(".") if isinstance(path, str) else path) if str(p) != ""]
    if not parts:
        return "入力"
    out = ""
    current = model
    i = 0
    while i < len(parts):
        key = parts[i]
        info = current.model_fields.get(key) if current is not None else None
        if info is None and current is not None and i + 1 < len(parts):
            i += 1  # a pydantic union tag or similar: not an item
            continue
        label = item_label(key, info)
        nested = _row_model(info) if info is not None else None
        nxt = parts[i + 1] if i + 1 < len(parts) else None
        if nxt is not None and is_ascii_digits(nxt) and (nested is not None or model is None):
            out += f"{int(nxt) + 1}人目の" if key.endswith("persons") else f"{_NOTE.sub('', label)}の{int(nxt) + 1}件目の"
            current, i = nested, i + 2
            continue
        if nxt is not None and nested is not None:
            out += f"{_NOTE.sub('', label)}の"
            current, i = nested, i + 1
            continue
        if nxt is None:
            return out + label
        rest = ".".join(parts[i + 1:])
        return out + _NOTE.sub("", label) + (f"（宛名番号 {rest}）" if is_ascii_digits(rest) else f"（{rest}）")
    return out.removesuffix("の") or "入力"
