"""What a certificate request asks to print (記載事項の選択) and what the ledger stamps on it.

Plain data, no Django: :class:`Options` is stored as JSON in
``CertificateRequest.options``; :class:`Stamp` is what the issuance ledger gives the page
(issuance number, date, verification code and URL).

住基法12条5項 lets a requester leave out items of the 住民票の写し; the defaults follow the
usual practice and the 住民記録システム標準仕様書: 世帯主・続柄 printed, 本籍・筆頭者, 住民票コード,
個人番号 and (for foreign residents) 国籍・地域 and the 30条の45 items left out unless asked
for. The 個人番号 is never a default (番号利用法, 住基法12条5項): it is printed only when the
person or a member of the same household asks for it.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import asdict, dataclass, fields
from typing import Any

from .errors import CertificateRefused

__all__ = ["ENTRY_ITEMS", "Options", "Stamp"]

#: Items a 住民票記載事項証明書 may certify (code → label), in print order. The name is always
#: printed, to say whose items they are.
ENTRY_ITEMS: dict[str, str] = {
    "birth": "生年月日",
    "sex": "性別",
    "address": "住所",
    "address_established_on": "住所を定めた年月日",
    "became_resident_on": "住民となった年月日",
    "householder": "世帯主の氏名",
    "relationship": "世帯主との続柄",
    "pre_move_in_address": "転入前住所",
    "domicile": "本籍・筆頭者",
    "resident_code": "住民票コード",
    "former_surname": "旧氏",
    "nationality": "国籍・地域",
    "residence_status": "在留資格・在留期間",
    "alias": "通称",
}


@dataclass(frozen=True)
class Options:
    """記載事項の選択. ``items`` is used by the 住民票記載事項証明書 only."""

    householder_and_relationship: bool = True  # 世帯主・続柄
    domicile: bool = False  # 本籍・筆頭者 (Japanese residents only)
    resident_code: bool = False  # 住民票コード
    my_number: bool = False  # 個人番号 — never default
    history: bool = False  # 異動履歴 (on request)
    items: tuple[str, ...] = ()  # 記載事項証明書: which items are certified
    foreign_items: bool = False  # 国籍・地域, 法30条の45の事項, 在留カード等番号 (foreign residents)

    def __post_init__(self) -> None:
        object.__setattr__(self, "items", tuple(self.items))
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "items":
                unknown = [i for i in value if i not in ENTRY_ITEMS]
                if unknown or len(set(value)) != len(value):
                    raise CertificateRefused(
                        "certificate.option_invalid",
                        f"記載事項証明書の項目が正しくありません（{', '.join(map(str, unknown)) or '重複'}）。",
                        field="items",
                    )
            elif not isinstance(value, bool):
                raise CertificateRefused(
                    "certificate.option_invalid", f"記載事項の選択「{f.name}」は真偽値で指定してください。",
                    field=f.name,
                )

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["items"] = list(self.items)
        return out

    @classmethod
    def from_dict(cls, data: dict[str, Any] | None) -> Options:
        """From the stored JSON. Unknown keys are refused (a typo must not drop a choice)."""
        data = dict(data or {})
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise CertificateRefused(
                "certificate.option_unknown", f"不明な記載事項の選択です: {', '.join(unknown)}", field=unknown[0]
            )
        if "items" in data:
            items = data["items"]
            if not isinstance(items, list | tuple) or not all(isinstance(i, str) for i in items):
                raise CertificateRefused("certificate.option_invalid", "記載事項証明書の項目が正しくありません。",
                                         field="items")
            data["items"] = tuple(items)
        return cls(**data)


@dataclass(frozen=True)
class Stamp:
    """What the issuance ledger gives the page: printed on every page (番号・日付・照合番号・QR)."""

    issuance_number: str
    issued_on: dt.date
    verification_code: str
    verification_url: str
