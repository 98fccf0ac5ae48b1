"""Residents through the API (住民検索・住民票照会API).

The same functions as the staff screens — :func:`juki.register.search.search_residents` and
:func:`juki.register.access.access_resident` — so the rules (two criteria besides sex, the
result cap, the audit event with the criteria and the persons found) are identical. An API
client acts as ``api:<client_id>`` with the functions granted to it
(:meth:`juki.core.actor.Actor.api_client`).

==========================================  ===============  ==================================
operation                                   function         notes
==========================================  ===============  ==================================
``GET /api/v1/residents?name=…&birth=…``    RESIDENT_SEARCH  SEARCH_TOO_BROAD below 2 criteria
``GET /api/v1/residents/{addressee_no}``    RESIDENT_VIEW    ``?as_of=YYYY-MM-DD``; 404
                                                             RESIDENT_NOT_FOUND
==========================================  ===============  ==================================

My Number search is not offered here: it belongs to the My Number officer (a staff role that
API clients cannot be granted), and a My Number must never travel in a URL. Records carry no
My Number either — only whether one is held, masked.
"""

# No ``from __future__ import annotations``: django-ninja reads the parameter annotations
# (``Query[SearchQuery]``) at import time.
import datetime as dt

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema

from juki.core.actor import Actor
from juki.register.access import access_resident
from juki.register.display import birth_display
from juki.register.models import ResidentRecord
from juki.register.models.choices import (
    ChangeReason,
    DatePrecision,
    RecordStatus,
    Relationship,
    RemovalReason,
    ResidentKind,
    Sex,
)
from juki.register.models.person import ADDRESSEE_NO_DIGITS, HOUSEHOLD_NO_DIGITS
from juki.register.search import SearchCriteria, SearchResult, search_residents
from juki.security.roles import Function

from .auth import api_requires
from .contract import AUTH, INPUT, closed, problem_responses

router = Router(tags=["住民"])


class SearchQuery(Schema):
    name: str = Field(default="", max_length=100, description="氏名（漢字・かな・カナ・アルファベット・通称・旧氏。前方一致）")
    birth: str = Field(default="", max_length=30,
                       description="生年月日（1980-05-01、19800501、昭和55年5月1日、S55.5.1。年月のみも可）")
    sex: int | None = Field(default=None, description="性別（1 男、2 女）。条件の数には含まれません",
                            json_schema_extra=closed(Sex))
    town_block: str = Field(default="", max_length=12, description="町丁字コード")
    address: str = Field(default="", max_length=100, description="番地（前方一致）")
    household_no: str = Field(default="", max_length=20, description="世帯番号")
    resident_code: str = Field(default="", max_length=20, description="住民票コード")
    include_removed: bool = Field(default=False, description="除票を含める")
    limit: int | None = Field(default=None, ge=1, description="最大件数（設定値を超えては指定できません）")


class SearchRowOut(Schema):
    addressee_no: str = Field(description="宛名番号")
    full_name: str = Field(description="氏名（登録どおり、異体字セレクタを含む）")
    kana: str = Field(description="氏名カナ")
    birth: str = Field(description="生年月日（表示用）")
    sex: str = Field(description="性別", json_schema_extra={"enum": list(Sex.labels)})
    address: str = Field(description="住所（町丁字・番地）")
    status: str = Field(description="住民状態")
    household_no: str = Field(description="世帯番号")


class SearchOut(Schema):
    rows: list[SearchRowOut]
    truncated: bool = Field(description="上限件数を超えた（検索条件を絞り込んでください）")
    total_capped: int = Field(description="該当件数（上限1000件まで数える）")
    message: str


class MemberOut(Schema):
    addressee_no: str
    full_name: str
    relationship: str = Field(description="続柄コード", json_schema_extra=closed(Relationship))
    listing_order: int


class VersionOut(Schema):
    version: int
    is_current: bool
    valid_from: dt.date = Field(description="異動日")
    notified_on: dt.date | None = Field(description="届出日")
    recorded_at: dt.datetime = Field(description="処理日時")
    change_reason: str = Field(description="異動事由コード", json_schema_extra=closed(ChangeReason))


class ResidentOut(Schema):
    addressee_no: str = Field(description="宛名番号")
    version: int = Field(description="表示している版")
    as_of: dt.date | None = Field(description="指定日（現在の記録なら null）")
    status: str = Field(description="住民状態コード（resident / removed）", json_schema_extra=closed(RecordStatus))
    resident_kind: str = Field(description="住民種別", json_schema_extra=closed(ResidentKind))
    family_name: str
    given_name: str
    family_name_kana: str
    given_name_kana: str
    family_name_furigana: str
    given_name_furigana: str
    alphabet_name: str
    alias_name: str
    former_surname: str
    birth_year: int | None
    birth_month: int | None
    birth_day: int | None
    birth_date_precision: str = Field(description="生年月日の精度", json_schema_extra=closed(DatePrecision))
    birth: str = Field(description="生年月日（表示用）")
    sex: int = Field(description="性別（1 男、2 女）", json_schema_extra=closed(Sex))
    town_block: str = Field(description="町丁字コード")
    town_block_name: str
    banchi: str
    katagaki: str = Field(description="方書（非表示指定があれば空）")
    household_no: str
    relationship: str = Field(description="続柄コード", json_schema_extra=closed(Relationship))
    listing_order: int
    resident_code: str
    my_number: str = Field(description="個人番号（マスク表示。記載がなければ空）")
    removed_on: dt.date | None
    removal_reason: str = Field(description="消除事由（除票でなければ空）", json_schema_extra=closed(RemovalReason, blank=True))
    household_members: list[MemberOut]
    history: list[VersionOut]


def _search_out(result: SearchResult) -> dict:
    return {"rows": [r.__dict__ for r in result.rows], "truncated": result.truncated,
            "total_capped": result.total_capped, "message": result.message}


SEARCH_REFUSED = {400: ("検索条件の誤り（SEARCH_TOO_BROAD、HOUSEHOLD_NO_INVALID など）", None)}
NOT_FOUND = {404: ("住民・指定日の記録がない", ["RESIDENT_NOT_FOUND", "RECORD_NOT_IN_FORCE"])}


@router.get("", response=SearchOut, summary="住民検索", operation_id="resident_search",
            openapi_extra=problem_responses(AUTH, INPUT, SEARCH_REFUSED))
@api_requires(Function.RESIDENT_SEARCH)
def resident_search(request: HttpRequest, q: Query[SearchQuery]) -> dict:
    criteria = SearchCriteria(
        name=q.name, birth=q.birth, sex=q.sex, town_block=q.town_block, address=q.address,
        household_no=q.household_no, resident_code=q.resident_code, include_removed=q.include_removed,
    )
    return _search_out(search_residents(Actor.from_api_request(request), criteria, limit=q.limit, count_matches=True))


def _member(r: ResidentRecord) -> dict:
    return {"addressee_no": f"{r.person_id:0{ADDRESSEE_NO_DIGITS}d}", "full_name": r.full_name,
            "relationship": r.relationship, "listing_order": r.listing_order}


@router.get("/{addressee_no}", response=ResidentOut, summary="住民票照会", operation_id="resident_get",
            openapi_extra=problem_responses(AUTH, INPUT, NOT_FOUND))
@api_requires(Function.RESIDENT_VIEW)
def resident_get(request: HttpRequest, addressee_no: str, as_of: dt.date | None = None) -> dict:
    view = access_resident(Actor.from_api_request(request), addressee_no, as_of=as_of)
    r = view.record
    return {
        "addressee_no": view.addressee_no, "version": r.version, "as_of": view.as_of,
        "status": r.status, "resident_kind": r.resident_kind,
        "family_name": r.family_name, "given_name": r.given_name,
        "family_name_kana": r.family_name_kana, "given_name_kana": r.given_name_kana,
        "family_name_furigana": r.family_name_furigana, "given_name_furigana": r.given_name_furigana,
        "alphabet_name": r.alphabet_name, "alias_name": r.alias_name, "former_surname": r.former_surname,
        "birth_year": r.birth_year, "birth_month": r.birth_month, "birth_day": r.birth_day,
        "birth_date_precision": r.birth_date_precision, "birth": birth_display(r), "sex": r.sex,
        "town_block": r.town_block.code, "town_block_name": r.town_block.name, "banchi": r.banchi,
        "katagaki": "" if r.katagaki_hidden else r.katagaki,
        "household_no": f"{r.household_id:0{HOUSEHOLD_NO_DIGITS}d}", "relationship": r.relationship,
        "listing_order": r.listing_order, "resident_code": r.resident_code, "my_number": view.my_number_masked,
        "removed_on": r.removed_on, "removal_reason": r.removal_reason,
        "household_members": [_member(m) for m in view.household_members],
        "history": [{"version": v.version, "is_current": v.is_current, "valid_from": v.valid_from,
                     "notified_on": v.notified_on, "recorded_at": v.recorded_at,
                     "change_reason": v.change_reason} for v in view.history],
    }
