"""Forms of the register screens (住民検索・異動入力).

The change-entry form is built from the kind's items model (a pydantic ``ChangeItems``), so
every kind — including kinds added later — gets a form with exactly its own items and nothing
else. The form only turns what the clerk typed into the raw items (lists from comma-separated
numbers, mappings from ``宛名番号:値`` lines, dates from 和暦 or 西暦); the items are validated
once, by the workflow (:func:`juki.register.changes.workflow.parse_items`), exactly as for the
API, so a fault carries the same code and names the same field on both channels.

How annotations become inputs:

=====================================  ===============================================
item type                              input
=====================================  ===============================================
``str`` / ``int``                      text (a select where the register codes it: 続柄,
                                       性別, 在留資格…; 町丁字 from the town-block master)
``bool``                               checkbox
``date``                               text, 西暦 (2024-04-01) or 和暦 (令和6年4月1日)
``Literal`` / enum                     select
``list[int]`` / ``list[str]``          comma-separated text (宛名番号の一覧)
``dict[str, str]``                     textarea, one ``宛名番号:値`` per line
nested items model                     a fieldset
``list[`` nested items model ``]``     repeated fieldsets, with a button to add one
anything else                          a JSON textarea, labelled as such
=====================================  ===============================================
"""

from __future__ import annotations

import datetime as dt
import enum
import json
import re
import types
import unicodedata
from dataclasses import dataclass, field
from typing import Annotated, Any, Literal, Union, get_args, get_origin

from django import forms
from django.core.exceptions import FieldDoesNotExist
from pydantic import BaseModel
from pydantic.fields import FieldInfo

from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError, ValidationFailed

from .changes.item_types import COMMON_LABELS as _COMMON_LABELS
from .changes.item_types import path_label
from .models import ResidentRecord, Sex, TownBlock
from .wareki import parse_date

# --- dates -------------------------------------------------------------------------------

def parse_date_input(text: str) -> dt.date:
    """A date typed by staff: 西暦 (2024-04-01, 2024/4/1, 20240401) or 和暦 (令和6年4月1日, R6.4.1).
    Raises ValueError (:class:`~juki.register.wareki.DateParseError`) if it is not a date."""
    return parse_date(text)


def _date_field(label: str, *, required: bool, autofocus: bool = False) -> forms.CharField:
    attrs = {"placeholder": "例: 2024-04-01 または 令和6年4月1日", "autocomplete": "off"}
    if autofocus:
        attrs["autofocus"] = "autofocus"
    if required:
        attrs["required"] = "required"
    return forms.CharField(label=label, required=False, max_length=40, widget=forms.TextInput(attrs=attrs))


# --- search ------------------------------------------------------------------------------

def town_block_choices() -> list[tuple[str, str]]:
    """The town-block master as select options (master data, not personal data)."""
    return [(tb.code, f"{tb.name}（{tb.code}）") for tb in TownBlock.objects.filter(abolished_on__isnull=True).order_by("code")]


class SearchForm(forms.Form):
    """住民検索の条件. At least two criteria besides sex are required (checked by the search)."""

    name = forms.CharField(label="氏名（漢字・カナ・ひらがな・ローマ字・通称・旧氏）", required=False, max_length=100,
                           widget=forms.TextInput(attrs={"autofocus": "autofocus", "autocomplete": "off"}))
    birth = forms.CharField(label="生年月日（西暦または和暦。例: 1980-05-01、昭和55年5月1日、S55.5.1）", required=False,
                            max_length=40, widget=forms.TextInput(attrs={"autocomplete": "off"}))
    sex = forms.TypedChoiceField(label="性別", required=False, coerce=int, empty_value=None,
                                 choices=[("", "指定しない"), *Sex.choices])
    town_block = forms.ChoiceField(label="町丁字", required=False)
    address = forms.CharField(label="番地・方書", required=False, max_length=100,
                              widget=forms.TextInput(attrs={"autocomplete": "off"}))
    household_no = forms.CharField(label="世帯番号", required=False, max_length=20,
                                   widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    resident_code = forms.CharField(label="住民票コード", required=False, max_length=20,
                                    widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    my_number = forms.CharField(label="個人番号", required=False, max_length=20,
                                widget=forms.PasswordInput(attrs={"inputmode": "numeric", "autocomplete": "off"}))
    include_removed = forms.BooleanField(label="除票を含める", required=False)

    def __init__(self, *args: Any, my_number_allowed: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["town_block"].choices = [("", "指定しない"), *town_block_choices()]  # type: ignore[attr-defined]  # a ChoiceField
        if not my_number_allowed:
            # Only the My Number officer may search by My Number (docs/register-search.md): the field is not
            # rendered, and a value posted anyway is ignored.
            del self.fields["my_number"]

    def criteria(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "name": data.get("name", "").strip(),
            "birth": data.get("birth", "").strip(),
            "sex": data.get("sex"),
            "town_block": data.get("town_block", ""),
            "address": data.get("address", "").strip(),
            "household_no": unicodedata.normalize("NFKC", data.get("household_no", "")).strip(),
            "resident_code": unicodedata.normalize("NFKC", data.get("resident_code", "")).strip(),
            "my_number": data.get("my_number", "").strip(),
            "include_removed": bool(data.get("include_removed")),
        }


class AsOfForm(forms.Form):
    """照会基準日: show the record in force on this date."""

    as_of = forms.DateField(label="基準日", required=False, input_formats=["%Y-%m-%d"],
                            widget=forms.DateInput(attrs={"type": "date"}))


class DecisionForm(forms.Form):
    comment = forms.CharField(label="コメント", required=False, max_length=200)


# --- change entry: items model → specs ------------------------------------------------------

TEXT, INT, BOOL, DATE, CHOICE, LIST, MAPPING, FIELDSET, FIELDSET_LIST, JSON = (
    "text", "int", "bool", "date", "choice", "list", "mapping", "fieldset", "fieldset_list", "json",
)

#: Japanese labels for item names whose description is missing or is a list of choices
#: (shared with the refusals, :func:`juki.register.changes.item_types.path_label`).
COMMON_LABELS = _COMMON_LABELS

_CHOICE_DESCRIPTION = re.compile(r"(?:^|/)\s*([\w-]+)\s*[:：]\s*([^/]+)")
_LIST_SPLIT = re.compile(r"[,、，\s]+")
_LINE_SPLIT = re.compile(r"[:：=]")


@dataclass
class ItemSpec:
    """One input of the entry form, derived from one field of the items model."""

    name: str  # the input's name and the item path as the workflow reports it ("new_persons.0.sex")
    key: str  # the field name in its model
    label: str
    help: str
    kind: str
    required: bool
    default: Any = None
    choices: list[tuple[Any, str]] = field(default_factory=list)
    children: list[ItemSpec] = field(default_factory=list)
    model: type[BaseModel] | None = None
    rows: int = 1  # fieldset_list: how many fieldsets are shown
    item_type: Any = None  # list / mapping value type
    value_choices: list[tuple[Any, str]] = field(default_factory=list)  # mapping values (e.g. 続柄)

    @property
    def int_choices(self) -> bool:
        return bool(self.choices) and all(isinstance(v, int) and not isinstance(v, bool) for v, _ in self.choices)


def _unwrap(tp: Any) -> tuple[Any, bool]:
    """Strip ``Annotated`` and ``Optional``; return (type, optional)."""
    optional = False
    while True:
        origin = get_origin(tp)
        if origin is Annotated:
            tp = get_args(tp)[0]
            continue
        if origin in (Union, types.UnionType):
            args = [a for a in get_args(tp) if a is not type(None)]
            if len(args) < len(get_args(tp)):
                optional = True
            if len(args) == 1:
                tp = args[0]
                continue
        return tp, optional


def _is_model(tp: Any) -> bool:
    return isinstance(tp, type) and issubclass(tp, BaseModel)


def _record_field(key: str) -> Any:
    try:
        return ResidentRecord._meta.get_field(key)
    except FieldDoesNotExist:
        return None


def _enum_choices(tp: type[enum.Enum]) -> list[tuple[Any, str]]:
    return [(m.value, str(getattr(m, "label", m.value))) for m in tp]


def _described_choices(description: str, values: list[Any]) -> dict[str, str]:
    """Labels from a description written "same: 世帯全員で転居 / new: 新たな世帯を作る"."""
    found = {m.group(1): m.group(2).strip() for m in _CHOICE_DESCRIPTION.finditer(description or "")}
    return {str(v): found[str(v)] for v in values if str(v) in found}


def _register_choices(key: str) -> list[tuple[Any, str]]:
    """Choices the register codes for an item of the same name (続柄, 性別, 在留資格…)."""
    if key == "town_block" or key.endswith("_town_block"):
        return town_block_choices()
    f = _record_field(key)
    if f is not None and f.choices:
        return [(v, str(lbl)) for v, lbl in f.flatchoices]
    return []


def _label(key: str, info: FieldInfo, choice_labels: dict[str, str]) -> str:
    if info.title:
        return info.title
    if info.description and not choice_labels:
        return info.description
    if key in COMMON_LABELS:
        return COMMON_LABELS[key]
    f = _record_field(key) or _record_field(key.removesuffix("_id"))
    if f is not None:
        return str(f.verbose_name)
    return info.description or key


def ordered_fields(model: type[BaseModel]) -> list[tuple[str, FieldInfo]]:
    """The model's fields in reading order: a base's fields where the base is listed (left to
    right, depth first), then the class's own. (pydantic's order puts the *last* base first,
    which would open a 転入 person with the foreign-resident items.)"""
    names: list[str] = []

    def walk(cls: type) -> None:
        for base in cls.__bases__:
            if isinstance(base, type) and issubclass(base, BaseModel) and base is not BaseModel:
                walk(base)
        for name in cls.__dict__.get("__annotations__", {}):
            if name in model.model_fields and name not in names:
                names.append(name)

    walk(model)
    names += [n for n in model.model_fields if n not in names]
    return [(n, model.model_fields[n]) for n in names]


def spec_for(key: str, info: FieldInfo, prefix: str = "") -> ItemSpec:
    tp, optional = _unwrap(info.annotation)
    required = info.is_required()
    default = None if required else info.get_default(call_default_factory=True)
    name = f"{prefix}{key}"
    origin = get_origin(tp)
    description = info.description or ""
    choice_labels: dict[str, str] = {}
    spec = ItemSpec(name=name, key=key, label="", help="", kind=JSON, required=required, default=default)

    if tp is bool:
        spec.kind = BOOL
    elif tp is dt.date:
        spec.kind = DATE
    elif origin is Literal:
        values = list(get_args(tp))
        choice_labels = _described_choices(description, values)
        spec.kind, spec.choices = CHOICE, [(v, f"{choice_labels.get(str(v), v)}") for v in values]
    elif isinstance(tp, type) and issubclass(tp, enum.Enum):
        spec.kind, spec.choices = CHOICE, _enum_choices(tp)
    elif tp in (str, int):
        choices = _register_choices(key)
        if choices:
            spec.kind, spec.choices = CHOICE, choices
        else:
            spec.kind = INT if tp is int else TEXT
    elif _is_model(tp):
        spec.kind, spec.model = FIELDSET, tp
        spec.children = [spec_for(k, f, f"{name}.") for k, f in ordered_fields(tp)]
    elif origin in (list, tuple, set, frozenset) and get_args(tp):
        (inner, _opt) = _unwrap(get_args(tp)[0])
        if _is_model(inner):
            spec.kind, spec.model = FIELDSET_LIST, inner
        elif inner in (int, str):
            spec.kind, spec.item_type = LIST, inner
    elif origin is dict and len(get_args(tp)) == 2:
        k_tp, v_tp = (_unwrap(a)[0] for a in get_args(tp))
        if k_tp in (str, int) and v_tp in (str, int):
            spec.kind, spec.item_type = MAPPING, v_tp
            spec.value_choices = _register_choices(key.removesuffix("s"))
    if optional and spec.kind == CHOICE and not required:
        spec.required = False
    spec.label = _label(key, info, choice_labels)
    spec.help = _help(spec, description, choice_labels)
    return spec


def _help(spec: ItemSpec, description: str, choice_labels: dict[str, str]) -> str:
    if spec.kind == LIST:
        return "複数はカンマ区切りで入力（例: 1000000001, 1000000002）"
    if spec.kind == MAPPING:
        example = spec.value_choices[0][1] if spec.value_choices else "値"
        return f"1行に1件「宛名番号:値」で入力（例: 1000000001:{example}）" + ("。値は表示名またはコード" if spec.value_choices else "")
    if spec.kind == DATE:
        return "西暦（2024-04-01）または和暦（令和6年4月1日）"
    if spec.kind == JSON:
        return "JSON形式で入力してください。"
    if spec.label != description and description and not choice_labels:
        return description
    return ""


def person_item(model: type[BaseModel]) -> str | None:
    """The item naming existing persons by addressee number (``persons: list[int]`` or
    ``person: int``), if the kind has one — the person screen prefills it."""
    for key in ("persons", "person"):
        info = model.model_fields.get(key)
        if info is None:
            continue
        tp, _ = _unwrap(info.annotation)
        if tp is int or (get_origin(tp) is list and [_unwrap(a)[0] for a in get_args(tp)] == [int]):
            return key
    return None


def item_specs(model: type[BaseModel], *, rows: dict[str, int] | None = None) -> list[ItemSpec]:
    """The inputs of a kind's form, in the model's field order."""
    specs = [spec_for(k, f) for k, f in ordered_fields(model)]
    rows = rows or {}
    for s in specs:
        if s.kind == FIELDSET_LIST:
            s.rows = max(1, min(int(rows.get(s.name, 1)), 50))
    return specs


def _row_children(spec: ItemSpec, i: int) -> list[ItemSpec]:
    assert spec.model is not None
    return [spec_for(k, f, f"{spec.name}.{i}.") for k, f in ordered_fields(spec.model)]


# --- change entry: the Django form ----------------------------------------------------------

class ChangeEntryForm(forms.Form):
    """The entry form of one change kind: the dates, then exactly the kind's items."""

    expected_versions = forms.CharField(required=False, widget=forms.HiddenInput)

    def __init__(self, handler: Any, *args: Any, rows: dict[str, int] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.handler = handler
        self.ex_officio = bool(getattr(handler, "ex_officio", False))
        self.specs = item_specs(handler.items, rows=rows)
        self.fields["effective_on"] = _date_field("異動日", required=True, autofocus=True)
        if not self.ex_officio:
            # 職権 kinds have no notification: the input is not shown at all.
            self.fields["notified_on"] = _date_field("届出日", required=True)
        for spec in self.specs:
            self._add(spec, top=True)
        self.layout = self._layout(self.specs)
        self.error_field: str | None = None

    # fields ---------------------------------------------------------------------------------

    def _add(self, spec: ItemSpec, *, top: bool) -> None:
        if spec.kind == FIELDSET:
            for child in spec.children:
                self._add(child, top=False)
            return
        if spec.kind == FIELDSET_LIST:
            for i in range(spec.rows):
                for child in _row_children(spec, i):
                    self._add(child, top=False)
            return
        attrs: dict[str, str] = {"autocomplete": "off"}
        if spec.required:
            attrs["aria-required"] = "true"
            if top:
                attrs["required"] = "required"
        f: forms.Field
        if spec.kind == BOOL:
            f = forms.BooleanField(required=False, initial=bool(spec.default))
        elif spec.kind == CHOICE:
            has_default = spec.default not in (None, "")
            blank = [] if has_default else [("", "（選択してください）" if spec.required else "（指定しない）")]
            options = [(str(v), lbl) for v, lbl in spec.choices]
            f = forms.ChoiceField(required=False, choices=blank + options, widget=forms.Select(attrs=attrs),
                                  initial=None if spec.default in (None, "") else str(spec.default))
        elif spec.kind == DATE:
            f = _date_field(spec.label, required=spec.required and top)
        elif spec.kind in (MAPPING, JSON):
            if spec.kind == JSON:
                attrs["placeholder"] = "JSON（例: {\"項目名\": \"値\"}）"
            f = forms.CharField(required=False, widget=forms.Textarea(attrs={**attrs, "rows": "4"}),
                                initial=_initial_text(spec))
        else:
            if spec.kind in (INT, LIST):
                attrs["inputmode"] = "numeric" if spec.kind == INT or spec.item_type is int else "text"
            # A My Number typed in is never sent back in the page (a refused form must be re-typed).
            widget = (forms.PasswordInput(attrs={**attrs, "inputmode": "numeric"}) if spec.key == "my_number"
                      else forms.TextInput(attrs=attrs))
            f = forms.CharField(required=False, widget=widget, initial=_initial_text(spec))
        f.label = spec.label
        f.help_text = spec.help
        self.fields[spec.name] = f

    def _layout(self, specs: list[ItemSpec]) -> list[dict[str, Any]]:
        """What the template walks: fields and fieldsets in order."""
        out: list[dict[str, Any]] = []
        for spec in specs:
            if spec.kind == FIELDSET:
                out.append({"fieldset": spec.label, "name": spec.name, "items": self._layout(spec.children)})
            elif spec.kind == FIELDSET_LIST:
                out.append({
                    "fieldset_list": spec.label, "name": spec.name, "help": spec.help,
                    "rows": [{"index": i + 1, "items": self._layout(_row_children(spec, i))} for i in range(spec.rows)],
                    "count": spec.rows,
                })
            else:
                out.append({"field": self[spec.name], "spec": spec})
        return out

    # values ---------------------------------------------------------------------------------

    def dates(self) -> tuple[dt.date, dt.date | None]:
        """異動日 and 届出日 (None for 職権), or a refusal naming the field."""
        effective = self._date("effective_on", "異動日", required=True)
        notified = None if self.ex_officio else self._date("notified_on", "届出日", required=True)
        assert effective is not None
        return effective, notified

    def _date(self, name: str, label: str, *, required: bool) -> dt.date | None:
        text = (self.cleaned_data.get(name) or "").strip()
        if not text:
            if required:
                code = "CHANGE_EFFECTIVE_ON_REQUIRED" if name == "effective_on" else "CHANGE_NOTIFIED_ON_REQUIRED"
                raise ValidationFailed(code, f"{label}を入力してください。", field=name)
            return None
        try:
            return parse_date_input(text)
        except ValueError:
            raise ValidationFailed("CHANGE_DATE_INVALID", f"{label}の日付が正しくありません（{text}）。", field=name) from None

    def expected(self) -> dict[str, int] | None:
        """Versions of the records the form was opened against (宛名番号 → 版)."""
        return parse_expected(self.cleaned_data.get("expected_versions") or "")

    def items(self) -> dict[str, Any]:
        """The raw items for the workflow (validated there, like the API's)."""
        return self._values(self.specs)

    def _values(self, specs: list[ItemSpec]) -> dict[str, Any]:
        out: dict[str, Any] = {}
        for spec in specs:
            value = self._value(spec)
            if value is not _OMIT:
                out[spec.key] = value
        return out

    def _value(self, spec: ItemSpec) -> Any:
        if spec.kind == FIELDSET:
            sub = self._values(spec.children)
            if not spec.required and not _has_input(sub, spec.children):
                return _OMIT
            return sub
        if spec.kind == FIELDSET_LIST:
            rows = []
            for i in range(spec.rows):
                children = _row_children(spec, i)
                sub = self._values(children)
                if _has_input(sub, children):
                    rows.append(sub)
            return rows if rows or spec.required else _OMIT
        raw = self.cleaned_data.get(spec.name)
        if spec.kind == BOOL:
            return bool(raw)
        text: Any = raw.strip() if isinstance(raw, str) else raw
        if text in (None, ""):
            return _OMIT
        if spec.kind == CHOICE:
            return int(text) if spec.int_choices and is_ascii_digits(str(text).lstrip("-")) else text
        if spec.kind == INT:
            return unicodedata.normalize("NFKC", text)
        if spec.kind == DATE:
            try:
                return parse_date_input(text).isoformat()
            except ValueError:
                return text  # the workflow names the field and the fault
        if spec.kind == LIST:
            parts = [p for p in _LIST_SPLIT.split(unicodedata.normalize("NFKC", text)) if p]
            return [int(p) if spec.item_type is int and is_ascii_digits(p) else p for p in parts]
        if spec.kind == MAPPING:
            return _parse_mapping(spec, text)
        if spec.kind == JSON:
            try:
                return json.loads(text)
            except json.JSONDecodeError:
                raise ValidationFailed("CHANGE_ITEM_INVALID", f"{path_label(spec.name, self.handler.items)}: JSONの形式が正しくありません。",
                                       field=spec.name) from None
        return text

    def attach(self, exc: JukiError) -> None:
        """Show a refusal at the field it names (or above the form)."""
        name = exc.field or ""
        if name == "person" and "persons" in self.fields:
            name = "persons"
        target = name if name in self.fields else None
        if target is None and name:
            # "new_persons.0" or "relationships.123": the closest input that exists
            for candidate in sorted(self.fields, key=len, reverse=True):
                if name.startswith(candidate + ".") or candidate.startswith(name + "."):
                    target = candidate
                    break
        self.error_field = target
        if target is not None and self.is_bound:
            self.add_error(target, exc.message)


class _Omit:
    pass


_OMIT: Any = _Omit()


def _has_input(values: dict[str, Any], specs: list[ItemSpec]) -> bool:
    """Whether the clerk filled anything in a fieldset (unchecked boxes and defaults don't count)."""
    for spec in specs:
        if spec.key not in values:
            continue
        v = values[spec.key]
        if spec.kind == BOOL:
            if v != bool(spec.default):
                return True
        elif spec.kind == CHOICE:
            if spec.default is None or str(v) != str(spec.default):
                return True
        elif v not in (None, "", [], {}):
            return True
    return False


def _parse_mapping(spec: ItemSpec, text: str) -> dict[str, Any]:
    by_label = {lbl: v for v, lbl in spec.value_choices}
    out: dict[str, Any] = {}
    for line in text.splitlines():
        line = unicodedata.normalize("NFKC", line).strip() if spec.value_choices else line.strip()
        if not line:
            continue
        parts = _LINE_SPLIT.split(line, maxsplit=1)
        if len(parts) != 2 or not parts[0].strip():
            raise ValidationFailed("CHANGE_ITEM_INVALID", f"{spec.label}: 「宛名番号:値」の形で入力してください（{line}）。",
                                   field=spec.name)
        key, value = parts[0].strip(), parts[1].strip()
        value = by_label.get(value, value)
        key = unicodedata.normalize("NFKC", key)
        out[key] = int(value) if spec.item_type is int and is_ascii_digits(str(value)) else value
    return out


def _initial_text(spec: ItemSpec) -> str:
    d = spec.default
    if d in (None, "", [], {}):
        return ""
    if spec.kind == LIST:
        return ", ".join(str(x) for x in d)
    if spec.kind == MAPPING:
        return "\n".join(f"{k}:{v}" for k, v in d.items())
    if spec.kind == JSON:
        return json.dumps(d, ensure_ascii=False)
    return str(d)


def parse_expected(text: str) -> dict[str, int] | None:
    """``"1000000001:3,1000000002:1"`` → ``{"1000000001": 3, ...}`` (malformed parts ignored)."""
    out: dict[str, int] = {}
    for part in _LIST_SPLIT.split(text or ""):
        pid, sep, version = part.partition(":")
        if sep and is_ascii_digits(pid) and is_ascii_digits(version):
            out[str(int(pid))] = int(version)
    return out or None


def prefill(specs: list[ItemSpec], params: Any) -> dict[str, Any]:
    """Initial values from the query string (e.g. ``?persons=1000000001`` from the person page)."""
    names = {s.name for s in specs if s.kind not in (FIELDSET, FIELDSET_LIST)}
    initial = {k: params.get(k) for k in names if params.get(k)}
    if params.get("expected"):
        initial["expected_versions"] = params.get("expected")
    return initial
