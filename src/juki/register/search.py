"""Resident search (住民検索), docs/register-search.md — the one search the staff UI and the API call.

Rules (DESIGN §6, docs/register-search.md; the assessments' promise that an identity search needs at
least two criteria besides sex and that results are capped):

- an identity search combines at least two of *name*, *date of birth* and *address*
  (town-block and/or 番地 count as one); sex narrows but never counts. Exact identifiers —
  resident code (住民票コード), household number (世帯番号), My Number (個人番号) — may stand
  alone. Anything less is refused: ``SEARCH_TOO_BROAD``;
- at most ``settings.JUKI_SEARCH_LIMIT`` rows are returned (default 50); beyond that the
  result says ``truncated`` and asks to narrow the search (「検索条件を絞り込んでください」);
- searching by My Number needs ``Function.MY_NUMBER_SEARCH`` (the My Number officer); every
  other search needs ``Function.RESIDENT_SEARCH``. The number is check-digit validated and
  matched through its keyed blind index; the audit event holds only a keyed hash;
- every search, answered or refused, writes a ``RESIDENT_SEARCH`` audit event with the
  criteria and the addressee numbers found (the targets).

Matching (all on indexed columns of current record versions, never on decrypted data):

- *name*, one free-text field, by what it is written in:
  kanji → prefix of ``name_key`` (IVS dropped, variant kanji folded: 髙橋 finds 高橋,
  渡邉/渡邊 find 渡辺 — :func:`juki.register.names.kanji_search_key`);
  kana (hiragana, katakana, half-width) → prefix of ``name_kana_key`` folded 清音化
  (:func:`juki.register.names.kana_search_key`), also the 振り仮名;
  Latin letters → the alphabet name (contains, case-insensitive).
  The alias (通称) and the former surname (旧氏, with the given name) are matched too, as
  written, on current records;
- *birth*: Western or 和暦, full or year-month (or year) — :mod:`juki.register.wareki`.
  A record whose day (or month) is unknown matches any day (month) of the given period;
- *address*: town-block code (exact) and 番地 (prefix);
- identifiers: exact match.

Prefix matching is a range on the key (``key >= p AND key < p'``) so that a b-tree index
serves it on SQLite and on PostgreSQL with a code-point collation (C, C.UTF-8 — juki's
default); with another collation it falls back to ``LIKE 'p%'`` (see ``_prefix``).
"""

from __future__ import annotations

import functools
import re
import unicodedata
from dataclasses import dataclass, field
from typing import Any, NamedTuple

import jaconv
from django.conf import settings
from django.db import connection
from django.db.models import F, Q, QuerySet, Value
from django.db.models.functions import Concat, Replace

from juki.audit.events import EventType, Outcome, refusal_outcome
from juki.audit.log import record as audit
from juki.core import keys
from juki.core.actor import Actor
from juki.core.digits import is_ascii_digits
from juki.core.errors import JukiError, ValidationFailed
from juki.identifiers import my_number as my_number_id
from juki.identifiers import resident_code as resident_code_id
from juki.identifiers.errors import normalise_digits
from juki.security.roles import Function

from .display import birth_display
from .models import RecordStatus, ResidentRecord, Sex, TownBlock
from .models.person import ADDRESSEE_NO_DIGITS, HOUSEHOLD_NO_DIGITS
from .models.record import join_kana, join_name
from .my_numbers import blind_index
from .names import kana_search_key, kanji_search_key
from .wareki import DateParseError, PartialDate, parse_partial_date

DEFAULT_LIMIT = 50
_ORDER = ("name_kana_key", "birth_year", "birth_month", "birth_day", "person_id")
COUNT_CAP = 1000  # matches are counted up to this many (SearchResult.total_capped)
AUDIT_TARGET_CAP = 200  # addressee numbers logged per search at most
NARROW_MESSAGE = "検索条件を絞り込んでください。"
TOO_BROAD_MESSAGE = (
    "検索条件が足りません。氏名・生年月日・住所のうち2つ以上を組み合わせるか、"
    "住民票コード・世帯番号・個人番号で検索してください（性別は条件の数に含みません）。"
)


@dataclass(frozen=True)
class SearchCriteria:
    """検索条件. Empty strings / None mean "not given"."""

    name: str = ""  # 氏名: 漢字・カナ・振り仮名・アルファベット・通称・旧氏（自由入力1欄）
    birth: str = ""  # 生年月日: 1980-05-01 / 19800501 / 昭和55年5月1日 / S55.5.1 / 年月のみも可
    sex: int | str | None = None  # 性別 (Sex: 1 男, 2 女; a form may send it as text)
    town_block: str = ""  # 町丁字コード
    address: str = ""  # 番地（前方一致）
    household_no: str = ""  # 世帯番号
    resident_code: str = ""  # 住民票コード
    my_number: str = ""  # 個人番号（個人番号事務担当のみ）
    include_removed: bool = False  # 除票を含む


@dataclass(frozen=True)
class SearchRow:
    """One result line (検索結果の1行)."""

    addressee_no: str  # 宛名番号 (10 digits)
    full_name: str  # 氏名 as registered (IVS kept)
    kana: str  # 氏名カナ
    birth: str  # 生年月日 as shown (和暦 for Japanese residents, 西暦 for foreign residents)
    sex: str  # 男 / 女
    address: str  # 町丁字 + 番地 (+ 方書 unless hidden)
    status: str  # 住民 / 消除（除票）
    household_no: str  # 世帯番号 (10 digits)


@dataclass(frozen=True)
class SearchResult:
    rows: list[SearchRow] = field(default_factory=list)
    truncated: bool = False  # more matches than the limit: narrow the search
    # matches counted, at most COUNT_CAP (== COUNT_CAP means "at least"); a truncated search
    # that was not asked to count (``count_matches=False``, the staff screen) says limit + 1
    total_capped: int = 0
    message: str = ""  # 「…検索条件を絞り込んでください。」 when truncated


# --- the search -----------------------------------------------------------------------------


def search_limit() -> int:
    return int(getattr(settings, "JUKI_SEARCH_LIMIT", DEFAULT_LIMIT))


def search_residents(actor: Actor, criteria: SearchCriteria, *, limit: int | None = None,
                     count_matches: bool = False) -> SearchResult:
    """Search the register; refuses a too-broad search (``SEARCH_TOO_BROAD``); always audited.

    ``actor`` is a :class:`juki.core.actor.Actor`: a staff member or an API client (audited as
    ``api:<client_id>``). ``limit``
    may lower the configured cap, never raise it. ``count_matches``: count the matches of a
    truncated search up to ``COUNT_CAP`` (``total_capped``, 「該当件数」) — the API shows it;
    the staff screen only asks to narrow the search, so it does not pay for a second statement.
    """
    function = Function.MY_NUMBER_SEARCH if criteria.my_number.strip() else Function.RESIDENT_SEARCH
    logged = _audit_criteria(criteria)
    cap = max(1, min(limit or search_limit(), search_limit()))
    try:
        actor.require(function)
        found, truncated, total = _matches(_build(criteria), cap, count=count_matches)
    except JukiError as exc:
        _log(actor, function, logged, outcome=refusal_outcome(exc), targets=[], detail={"code": exc.code})
        raise
    rows = [_row(r) for r in found]
    _log(actor, function, logged, outcome=Outcome.OK, targets=[r.addressee_no for r in rows],
         detail={"count": len(rows), "truncated": truncated, "limit": cap})
    message = f"該当者が{cap}件を超えました。{NARROW_MESSAGE}" if truncated else ""
    return SearchResult(rows=rows, truncated=truncated, total_capped=total, message=message)


# the columns a result line needs (SearchRow), in this order; the ordering columns are among them
_COLUMNS = ("id", "name_kana_key", "birth_year", "birth_month", "birth_day", "person_id", "family_name",
            "given_name", "family_name_kana", "given_name_kana", "birth_date_precision", "birth_date_note",
            "resident_kind", "sex", "banchi", "katagaki", "katagaki_hidden", "status", "household_id",
            "town_block__name")


class _Match(NamedTuple):
    """One matched record version, as fetched for its result line (no model instance)."""

    id: int
    name_kana_key: str
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    person_id: int
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    birth_date_precision: str
    birth_date_note: str
    resident_kind: str
    sex: int
    banchi: str
    katagaki: str
    katagaki_hidden: bool
    status: str
    household_id: int
    town_block_name: str


def _sql(query: QuerySet[Any]) -> tuple[str, tuple[Any, ...]]:
    return query.query.get_compiler(using=query.db).as_sql()


def _matches(queries: list[QuerySet[ResidentRecord]], cap: int, *, count: bool) -> tuple[list[_Match], bool, int]:
    """The first ``cap`` matches in display order, whether there are more, and how many (at most
    ``COUNT_CAP``; ``cap + 1`` for a truncated page not to be counted) — in ONE ordered, limited
    ``SELECT`` (:func:`_page_sql`), plus a count only when truncated and asked for."""
    sql, params = _page_sql(queries, cap + 1)
    with connection.cursor() as cur:
        cur.execute(sql, params)
        found = [_Match(*row) for row in cur.fetchall()]
    if len(found) <= cap:
        return found, False, len(found)
    return found[:cap], True, _count(queries) if count else len(found)


def _page_sql(queries: list[QuerySet[ResidentRecord]], limit: int) -> tuple[str, tuple[Any, ...]]:
    """The statement for the first ``limit`` matches in display order, columns as :class:`_Match`.

    With two queries (name key, other names) ``UNION`` (not ``UNION ALL``: a person found by
    both is one line) merges them before the outer ``ORDER BY … LIMIT``, and the town block's
    name is joined after the merge. The arms are wrapped as sub-selects because SQLite allows
    no ``ORDER BY``/``LIMIT`` on a compound's arm. On PostgreSQL each arm is also ordered and
    limited by itself, so that it stops early in its index; on SQLite an ordered arm does not
    stop any earlier (the other-names arm scans the current records either way) and is left
    unordered. Only Django-compiled SQL, quoted names and integers are joined here; every
    value is a parameter.
    """
    if len(queries) == 1:
        return _sql(queries[0].values_list(*_COLUMNS).order_by(*_ORDER)[:limit])
    qn = connection.ops.quote_name
    columns = _COLUMNS[:-1] + ("town_block_id",)
    ordered = connection.vendor == "postgresql"
    arms = [_sql(q.values_list(*columns).order_by(*_ORDER)[:limit] if ordered
                 else q.values_list(*columns).order_by()) for q in queries]
    union = " UNION ".join(f"SELECT * FROM ({arm}) AS m{i}" for i, (arm, _) in enumerate(arms))  # noqa: S608
    block = TownBlock._meta.db_table
    sql = (f"SELECT {', '.join('m.' + qn(c) for c in _COLUMNS[:-1])}, b.{qn('name')} "  # noqa: S608
           f"FROM ({union}) AS m INNER JOIN {qn(block)} b ON b.{qn('id')} = m.{qn('town_block_id')} "
           f"ORDER BY {', '.join('m.' + qn(c) for c in _ORDER)} LIMIT {limit:d}")
    return sql, tuple(p for _, arm_params in arms for p in arm_params)


def _count(queries: list[QuerySet[ResidentRecord]]) -> int:
    """How many records match, counted up to ``COUNT_CAP`` (shown as 「該当件数」 by the API)."""
    if len(queries) == 1:
        return queries[0].order_by()[:COUNT_CAP].count()
    arms = [_sql(q.order_by().values_list("pk")[:COUNT_CAP]) for q in queries]
    union = " UNION ".join(f"SELECT * FROM ({arm}) AS c{i}" for i, (arm, _) in enumerate(arms))  # noqa: S608
    sql = f"SELECT COUNT(*) FROM ({union}) AS u"  # noqa: S608
    with connection.cursor() as cur:
        cur.execute(sql, tuple(p for _, arm_params in arms for p in arm_params))
        (total,) = cur.fetchone()
    return min(total, COUNT_CAP)


def _log(actor: Actor, function: Function, criteria: dict[str, Any], *, outcome: str, targets: list[str],
         detail: dict[str, Any]) -> None:
    audit(
        EventType.RESIDENT_SEARCH, action="search", function=function.value, outcome=outcome,
        staff_id=actor.staff_id, terminal_id=actor.terminal_id, ip=actor.ip,
        targets=targets[:AUDIT_TARGET_CAP], criteria=criteria,
        detail={**detail, "targets_logged": min(len(targets), AUDIT_TARGET_CAP)} if targets else detail,
    )


def _audit_criteria(c: SearchCriteria) -> dict[str, Any]:
    """The criteria as logged: what was typed, except the My Number (a keyed hash only)."""
    out: dict[str, Any] = {}
    for name in ("name", "birth", "town_block", "address", "household_no", "resident_code"):
        value = str(getattr(c, name) or "").strip()
        if value:
            out[name] = value[:100]
    if c.sex not in (None, ""):
        out["sex"] = c.sex
    if c.include_removed:
        out["include_removed"] = True
    if c.my_number.strip():
        digits = normalise_digits(c.my_number.strip())
        if my_number_id.is_valid(digits):
            # the same keyed hash the audit log's safety net would write (purpose audit-index)
            out["my_number"] = "mynumber-hmac:" + keys.keyed_hash(digits, purpose="audit-index")
        else:
            out["my_number"] = "invalid-mynumber-hmac:" + keys.keyed_hash(digits[:64], purpose="audit-index")
    return out


# --- criteria → query -----------------------------------------------------------------------------

_KANA_CHARS = re.compile(r"^[\u3041-\u309f\u30a0-\u30ff\u31f0-\u31ff\uff66-\uff9f\s\u3000・･ー－\-]+$")
_IDEOGRAPH = re.compile(r"[\u3005-\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003ffff]")
_LATIN = re.compile(r"[A-Za-z]")
_SPACES = re.compile(r"\s+")


def name_kind(text: str) -> str:
    """``"kanji"``, ``"kana"`` or ``"alphabet"``: how a typed name is matched."""
    if _IDEOGRAPH.search(text):
        return "kanji"
    if _KANA_CHARS.match(text):
        return "kana"
    if _LATIN.search(unicodedata.normalize("NFKC", text)):
        return "alphabet"
    raise ValidationFailed("NAME_INVALID", "氏名は漢字・かな・カナ・アルファベットで入力してください。", field="name")


def _no_spaces(expr: Any) -> Any:
    return Replace(Replace(expr, Value(" "), Value("")), Value("\u3000"), Value(""))


@functools.cache
def _codepoint_collation() -> bool:
    """Whether the database orders text by code point (so a key range is a prefix match)."""
    if connection.vendor != "postgresql":
        return True  # SQLite compares with BINARY (UTF-8 byte order = code-point order)
    with connection.cursor() as cur:
        cur.execute("SELECT datcollate FROM pg_database WHERE datname = current_database()")
        (collate,) = cur.fetchone()
    return collate.split(".")[0] in {"C", "POSIX", "ucs_basic"}


def _prefix(field_name: str, prefix: str) -> Q:
    """``field LIKE 'prefix%'``, written as a key range where the index can serve it."""
    starts = Q(**{f"{field_name}__startswith": prefix})
    if not _codepoint_collation():
        return starts
    upper = prefix[:-1] + chr(ord(prefix[-1]) + 1)
    return Q(**{f"{field_name}__gte": prefix, f"{field_name}__lt": upper}) & starts


@dataclass(frozen=True)
class _NameMatch:
    """The name condition in two parts: ``key`` on an indexed search key (None for Latin
    input), ``other`` on the alias, former surname, furigana or alphabet name (scanned on
    current records), with the annotations ``other`` needs."""

    key: Q | None
    other: Q
    annotations: dict[str, Any]


def _name_match(text: str) -> _NameMatch:
    kind = name_kind(text)
    compact = _SPACES.sub("", text.replace("\u3000", " "))
    if kind == "kanji":
        return _NameMatch(
            key=_prefix("name_key", kanji_search_key(text)),
            other=((~Q(former_surname="") & Q(_former_full__startswith=compact))
                   | (~Q(alias_name="") & Q(_alias__startswith=compact))),
            annotations={"_former_full": _no_spaces(Concat(F("former_surname"), F("given_name"))),
                         "_alias": _no_spaces(F("alias_name"))},
        )
    if kind == "kana":
        key = kana_search_key(text)
        if not key:
            raise ValidationFailed("NAME_INVALID", "氏名のかな・カナを入力してください。", field="name")
        katakana = jaconv.hira2kata(jaconv.h2z(compact, kana=True, ascii=False, digit=False))
        hiragana = jaconv.kata2hira(katakana)
        return _NameMatch(
            key=_prefix("name_kana_key", key),
            other=((~Q(family_name_furigana="") & (Q(_furigana__startswith=hiragana)
                                                   | Q(_furigana__startswith=katakana)))
                   | (~Q(former_surname_kana="") & Q(_former_kana__startswith=katakana))
                   | (~Q(alias_name_kana="") & Q(_alias_kana__startswith=katakana))),
            annotations={"_furigana": _no_spaces(Concat(F("family_name_furigana"), F("given_name_furigana"))),
                         "_former_kana": _no_spaces(Concat(F("former_surname_kana"), F("given_name_kana"))),
                         "_alias_kana": _no_spaces(F("alias_name_kana"))},
        )
    latin = _SPACES.sub(" ", unicodedata.normalize("NFKC", text)).strip()
    return _NameMatch(key=None, other=(Q(alphabet_name__icontains=latin) | Q(former_surname_romaji__icontains=latin)
                                       | Q(alias_name__icontains=latin)), annotations={})


def _birth_q(birth: PartialDate) -> Q:
    q = Q(birth_year=birth.year)
    if birth.month is not None:
        q &= Q(birth_month=birth.month) | Q(birth_month__isnull=True)
    if birth.day is not None:
        q &= Q(birth_day=birth.day) | Q(birth_day__isnull=True)
    return q


def _build(c: SearchCriteria) -> list[QuerySet[ResidentRecord]]:
    """Validate the criteria, apply the breadth rule, and return the (unordered) queries whose
    union is the answer: one, or two when a name is given — the indexed name key, and the
    other names (alias, former surname, furigana) — kept apart so that the planner can serve
    the first from its index instead of scanning for the OR of both."""
    q = Q(is_current=True)
    if not c.include_removed:
        q &= Q(status=RecordStatus.RESIDENT)
    name_match: _NameMatch | None = None
    descriptive = 0  # name, birth, address
    identifiers = 0  # resident code, household number, My Number

    name = (c.name or "").strip()
    if name:
        name_match = _name_match(name)
        descriptive += 1
    birth_text = (c.birth or "").strip()
    if birth_text:
        try:
            q &= _birth_q(parse_partial_date(birth_text))
        except DateParseError as exc:
            raise ValidationFailed("BIRTH_INVALID", exc.message, field="birth") from exc
        descriptive += 1
    town_block = (c.town_block or "").strip()
    address = unicodedata.normalize("NFKC", c.address or "").strip()
    if town_block:
        block_id = TownBlock.objects.filter(code=town_block).values_list("pk", flat=True).first()
        if block_id is None:
            raise ValidationFailed("TOWN_BLOCK_UNKNOWN", f"町丁字コード「{town_block[:20]}」は登録されていません。",
                                   field="town_block")
        q &= Q(town_block_id=block_id)
    if address:
        q &= _prefix("banchi", address)
    if town_block or address:
        descriptive += 1
    if c.sex is not None and c.sex != "":
        try:
            sex = Sex(int(c.sex))
        except (TypeError, ValueError) as exc:
            raise ValidationFailed("SEX_INVALID", "性別の指定が正しくありません。", field="sex") from exc
        q &= Q(sex=sex)
    household = normalise_digits((c.household_no or "").strip())
    if household:
        if not is_ascii_digits(household) or len(household) > HOUSEHOLD_NO_DIGITS:
            raise ValidationFailed("HOUSEHOLD_NO_INVALID", f"世帯番号は{HOUSEHOLD_NO_DIGITS}桁以内の数字で入力してください。",
                                   field="household_no")
        q &= Q(household_id=int(household))
        identifiers += 1
    if (c.resident_code or "").strip():
        q &= Q(resident_code=resident_code_id.validate(c.resident_code.strip()))
        identifiers += 1
    if (c.my_number or "").strip():
        q &= Q(my_number_index=blind_index(my_number_id.validate(c.my_number.strip())))
        identifiers += 1

    if identifiers == 0 and descriptive < 2:
        raise ValidationFailed("SEARCH_TOO_BROAD", TOO_BROAD_MESSAGE)
    if name_match is None:
        return [ResidentRecord.objects.filter(q)]
    queries = [ResidentRecord.objects.annotate(**name_match.annotations).filter(q & name_match.other)]
    if name_match.key is not None:
        queries.insert(0, ResidentRecord.objects.filter(q & name_match.key))
    return queries


# --- display ----------------------------------------------------------------------------------


def _row(rec: _Match) -> SearchRow:
    address = f"{rec.town_block_name}{rec.banchi}"
    if rec.katagaki and not rec.katagaki_hidden:
        address += f"\u3000{rec.katagaki}"
    return SearchRow(
        addressee_no=f"{rec.person_id:0{ADDRESSEE_NO_DIGITS}d}",
        full_name=join_name(rec.family_name, rec.given_name),
        kana=join_kana(rec.family_name_kana, rec.given_name_kana),
        birth=birth_display(rec),
        sex=Sex(rec.sex).label,
        address=address,
        status=RecordStatus(rec.status).label,
        household_no=f"{rec.household_id:0{HOUSEHOLD_NO_DIGITS}d}",
    )
