"""Matching a requester's name against the offender named in a protection measure (加害者の氏名の照合).

Source: 住民基本台帳事務処理要領 第5-10: a request by the offender is refused whatever article
they invoke, so the requester's name is compared with the offender's after folding. No database.
"""

from __future__ import annotations

import unicodedata

from juki.register.names import kana_search_key, kanji_search_key


def name_key(text: str) -> str:
    """A person's name folded for matching a requester against an offender: NFKC (full/half
    width), no spaces or separators, no variation selectors, variant kanji folded (髙→高, 邊→辺)."""
    return kanji_search_key(unicodedata.normalize("NFKC", text or ""))


def kana_key(text: str) -> str:
    return kana_search_key(unicodedata.normalize("NFKC", text or "")) if text else ""


def names_match(requester_name: str, offender_name_key: str, offender_kana_key: str) -> bool:
    """Whether the requester's name is the offender's, after folding (kanji or kana form)."""
    key = name_key(requester_name)
    if not key:
        return False
    if key == offender_name_key:
        return True
    return bool(offender_kana_key) and kana_key(requester_name) == offender_kana_key
