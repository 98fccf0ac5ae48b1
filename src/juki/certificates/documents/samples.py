"""Obviously synthetic, fixed sample documents (no database): the bench page, the layouts'
reference images (:mod:`.references`) and the images in docs/certificates.md.

The household's names carry registered IVS variants: 辻 U+8FBB U+E0102 (一点しんにょう) for the
householder and 辻 U+8FBB U+E0103 (二点しんにょう) for his wife, 邉 U+9089 U+E0110 for a child.
"""

from __future__ import annotations

import datetime as dt

from .data import ForeignItems, HistoryLine, Issuer, PersonEntry, Removal
from .options import Options, Stamp

__all__ = ["ISSUER", "STAMP", "household", "foreign_person", "removed_person", "sample_pages"]

ISSUER = Issuer(municipality="秋田県秋田市", mayor_title="秋田市長", mayor_name="見本　太郎", short_name="秋田市")
STAMP = Stamp(
    issuance_number="R08-000123",
    issued_on=dt.date(2026, 11, 22),
    verification_code="7KQ2-M9XD-4HTA",
    verification_url="https://juki.example.jp/verify/7KQ2-M9XD-4HTA",
)
ADDRESS = "秋田県秋田市山王一丁目1番1号"
PRE_MOVE_IN = "大阪府大阪市北区中之島一丁目3番20号"
HEAD = "辻\U000e0102　太郎"


def _member(name: str, kana: str, birth: str, sex: str, relationship: str, code: str, **kw: object) -> PersonEntry:
    base: dict[str, object] = dict(
        name=name, kana=kana, birth=birth, sex=sex, relationship=relationship, householder=HEAD, address=ADDRESS,
        address_established_on="平成22年4月1日", address_established_notified_on="平成22年4月5日",
        became_resident_on="平成22年4月1日", pre_move_in_address=PRE_MOVE_IN,
        domicile="秋田県秋田市山王一丁目1番", domicile_head=HEAD, resident_code=code,
        latest_change="平成22年4月1日　転入",
    )
    base.update(kw)
    return PersonEntry(**base)  # type: ignore[arg-type]  # kw overrides any item


def household() -> list[PersonEntry]:
    """Four members; the two 辻 variants are different registered glyphs."""
    return [
        _member(HEAD, "ツジ　タロウ", "昭和55年5月1日", "男", "世帯主", "12345678903", person_id=1),
        _member("辻\U000e0103　花子", "ツジ　ハナコ", "昭和57年11月23日", "女", "妻", "23456789011", person_id=2),
        _member("辻\U000e0102　一郎", "ツジ　イチロウ", "平成24年2月29日", "男", "子", "34567890126",
                became_resident_on="平成24年2月29日", address_established_on="平成24年2月29日",
                address_established_notified_on="平成24年3月5日", pre_move_in_address="",
                latest_change="平成24年2月29日　出生", person_id=3),
        _member("渡邉\U000e0110　美咲", "ワタナベ　ミサキ", "平成27年8月15日", "女", "妻の子", "45678901231",
                became_resident_on="平成27年8月15日", address_established_on="平成27年8月15日",
                address_established_notified_on="平成27年8月20日", pre_move_in_address="",
                latest_change="平成27年8月15日　出生", person_id=4),
    ]


def foreign_person() -> PersonEntry:
    return PersonEntry(
        name="SMITH JOHN", kana="スミス　ジョン", birth="1990年3月14日", sex="男", relationship="世帯主",
        householder="SMITH JOHN", address="秋田県秋田市旭北栄町3番3号", address_established_on="2024年4月1日",
        address_established_notified_on="2024年4月3日", became_resident_on="2024年4月1日",
        pre_move_in_address="国外（アメリカ合衆国）", resident_code="56789012346", latest_change="2024年4月1日　国外からの転入",
        foreign=ForeignItems(alphabet_name="SMITH JOHN", nationality="アメリカ合衆国", category="中長期在留者",
                             residence_status="技術・人文知識・国際業務", stay_period="3年", stay_expires_on="2027年4月1日",
                             card_no="AB12345678CD", card_kind="在留カード", became_foreign_resident_on="2024年4月1日"),
        person_id=5,
    )


def removed_person() -> PersonEntry:
    return _member(
        "辻\U000e0102　次郎", "ツジ　ジロウ", "昭和30年1月10日", "男", "父", "67890123452",
        latest_change="令和7年3月31日　転出", person_id=6,
        removal=Removal(reason="転出", removed_on="令和7年3月31日", notified_on="令和7年3月20日",
                        destination="東京都千代田区霞が関一丁目2番3号"),
        history=(
            HistoryLine("平成22年4月1日", "平成22年4月5日", "転入", f"辻\U000e0102　次郎　{ADDRESS}"),
            HistoryLine("令和7年3月31日", "令和7年3月20日", "転出", f"辻\U000e0102　次郎　{ADDRESS}（消除: 転出）"),
        ),
    )


def sample_pages(name: str) -> list[str]:
    """The sample document ``name`` (one of :data:`SAMPLES`) as HTML pages."""
    from . import entry, no_record, resident_copy

    if name == "copy_household":
        return resident_copy.household_pages(household(), Options(), STAMP, ISSUER, whole_household=True)
    if name == "copy_personal":
        return resident_copy.personal_pages([household()[0]], Options(domicile=True, resident_code=True),
                                            STAMP, ISSUER)
    if name == "copy_foreign":
        return resident_copy.personal_pages([foreign_person()], Options(foreign_items=True), STAMP, ISSUER)
    if name == "entry_certificate":
        return entry.entry_pages([household()[0]], Options(items=("birth", "address", "address_established_on")),
                                 STAMP, ISSUER)
    if name == "removed_copy":
        return resident_copy.removed_pages([removed_person()], Options(history=True), STAMP, ISSUER)
    if name == "no_record":
        return no_record.no_record_pages(
            {"name": "見本　花子", "birth_date": "1985-06-01", "address": "秋田県秋田市山王一丁目9番9号"},
            "昭和60年6月1日", STAMP, ISSUER)
    if name == "move_out":
        return _move_out_sample()
    raise KeyError(name)


def _move_out_sample() -> list[str]:
    from . import move_out

    members = []
    for i, p in enumerate(household()[:2], start=1):
        members.append({
            "addressee_no": i, "resident_kind": "japanese", "address": ADDRESS, "householder": HEAD,
            "name": {"full_name": p.name, "kana": p.kana, "former_surname": ""},
            "birth": {"date": ["1980-05-01", "1982-11-23"][i - 1]},
            "sex": {"label": p.sex}, "relationship": {"label": p.relationship},
            "became_resident_on": "2010-04-01", "address_established_on": "2010-04-01",
            "move_out": {"destination": "東京都千代田区霞が関一丁目2番3号", "destination_householder": HEAD,
                         "planned_on": "2026-12-01", "notified_on": "2026-11-22"},
            "resident_code": p.resident_code, "domicile": {"domicile": p.domicile, "head": p.domicile_head},
        })
    return move_out.move_out_pages(members, Options(), STAMP, ISSUER)


SAMPLES = ("copy_household", "copy_personal", "copy_foreign", "entry_certificate", "removed_copy", "move_out",
           "no_record")
