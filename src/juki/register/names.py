"""Search keys for names (氏名の検索キー). Plain functions, no database.

- :func:`kana_search_key` folds kana the way identity searches compare it: katakana,
  full width, no spaces or separators, voiced and semi-voiced marks dropped and small kana
  enlarged (清音化, as Juki-net compares kana names).
- :func:`kanji_search_key` drops variation selectors (IVS) and spaces, so 辻 written with
  U+E0102 and with U+E0103 both match 辻. Folding across variant kanji (異体字, e.g. 髙/高)
  belongs to the search work of issue #3 and is not done here.

The registered name itself is never folded: certificates print it exactly, IVS included.
"""

from __future__ import annotations

import re
import unicodedata

import jaconv

_SMALL_TO_LARGE = str.maketrans("ァィゥェォッャュョヮヵヶヰヱ", "アイウエオツヤユヨワカケイエ")
_MARKS = re.compile("[\u3099\u309a\u309b\u309c\uff9e\uff9f]")
_SEPARATORS = re.compile(r"[\s\u3000・･=＝\-‐－.,，、]")
_VARIATION_SELECTORS = re.compile("[\ufe00-\ufe0f\U000e0100-\U000e01ef]")


def kana_search_key(text: str) -> str:
    """Fold a kana name for matching (清音化): ``"ワタナベ　ジュン"`` -> ``"ワタナヘシユン"``."""
    s = jaconv.h2z(text, kana=True, ascii=False, digit=False)
    s = jaconv.hira2kata(s)
    s = unicodedata.normalize("NFD", s)
    s = _MARKS.sub("", s)
    s = unicodedata.normalize("NFC", s)
    s = s.translate(_SMALL_TO_LARGE)
    return _SEPARATORS.sub("", s)


def strip_variation_selectors(text: str) -> str:
    """Remove IVS / standardized variation selectors, keeping the base characters."""
    return _VARIATION_SELECTORS.sub("", text)


def has_variation_selector(text: str) -> bool:
    return bool(_VARIATION_SELECTORS.search(text))


def kanji_search_key(text: str) -> str:
    """Fold a registered name for matching: no variation selectors, no spaces."""
    return _SEPARATORS.sub("", strip_variation_selectors(unicodedata.normalize("NFC", text)))
