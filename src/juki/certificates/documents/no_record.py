"""不在住証明書: no record of the register matches the name, birth date and address asked about.

The page repeats what was asked (照会内容) and certifies that the register holds no such
person. Whether a record matches is decided by :func:`juki.certificates.documents.validate`
(a matching current or removed record refuses the certificate).
"""

from __future__ import annotations

from typing import Any

from .data import Issuer
from .layout import assemble, row, table_block
from .options import Stamp

__all__ = ["no_record_pages", "statement_for"]


def statement_for(issuer: Issuer) -> str:
    """「当市」 (当区・当町・当村 after the municipality's kind)."""
    kind = issuer.short_name[-1:] if issuer.short_name[-1:] in ("市", "区", "町", "村") else "市"
    return f"上記の者は、当{kind}の住民基本台帳に記録されていないことを証明する。"


def no_record_pages(query: dict[str, Any], birth_text: str, stamp: Stamp, issuer: Issuer) -> list[str]:
    rows = [row(("氏名", query.get("name", "")), grid="two"),
            row(("生年月日", birth_text or "（照会なし）"), grid="two"),
            row(("住所", query.get("address", "") or "（照会なし）"), grid="two")]
    block = table_block(rows, cols='<colgroup><col class="l" style="width: 36mm"/><col/></colgroup>',
                        css_class="query block", extra_mm=6.0)
    return assemble(title="不在住証明書", kind="照会による証明", pages_blocks=[[block]], stamp=stamp,
                    issuer=issuer, statement=statement_for(issuer))
