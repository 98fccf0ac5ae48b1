"""本籍 and the 戸籍の附票 (domicile): whether the domicile municipality must be told.

The 戸籍の附票 is kept by the municipality of the 本籍 (住基法16条・17条); when a resident's 附票
items change, the municipality of the address tells it (附票記載事項通知, 住基法19条1項). Only
Japanese residents have a 本籍 (住基法7条5号; foreign residents have none, 30条の45).

One rule for every kind: the 本籍 is in another municipality unless its text begins with this
municipality's name — with its prefecture (「秋田県秋田市山王一丁目1番地」, the form the 戸籍 writes)
or without (「秋田市山王…」, as clerks often shorten it). Both texts are compared after NFKC
(full- and half-width forms alike) with every space removed, so 「秋田県　秋田市…」 and
「 秋田県秋田市…」 are this municipality's too.
"""

from __future__ import annotations

import unicodedata

from ...models import Municipality, ResidentKind


def fold(text: str | None) -> str:
    """Text as compared: NFKC, with every whitespace character (ASCII or full-width) removed."""
    return "".join(unicodedata.normalize("NFKC", text or "").split())


def domicile_elsewhere(domicile: str | None, municipality: Municipality, *, resident_kind: str | None) -> bool:
    """Whether the 附票 of a resident with this 本籍 is kept in another municipality (住基法19条1項)."""
    text = fold(domicile)
    if resident_kind != ResidentKind.JAPANESE or not text:
        return False
    name = fold(municipality.name)
    return not (text.startswith(fold(municipality.prefecture) + name) or text.startswith(name))
