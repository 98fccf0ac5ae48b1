"""Search keys for names (氏名の検索キー). Plain functions, no database.

- :func:`kana_search_key` folds kana the way identity searches compare it: katakana,
  full width, no spaces or separators, voiced and semi-voiced marks dropped and small kana
  enlarged (清音化, as Juki-net compares kana names).
- :func:`kanji_search_key` drops variation selectors (IVS) and spaces, so 辻 written with
  U+E0102 and with U+E0103 both match 辻, and folds variant kanji (異体字) to their standard
  form with :func:`fold_kanji_variants` (髙→高, 邉・邊→辺, 﨑→崎, 澤→沢, 齋→斎).

``ResidentRecord.name_key`` and ``name_kana_key`` hold these keys; every writer (the change
workflow, the demo loader, test factories) computes them with these functions, so a change to
the folding here needs the stored keys recomputed (``rebuild``: rewrite ``name_key`` of every
version with :func:`kanji_search_key`).

The registered name itself is never folded: certificates print it exactly, IVS included.

Variant folding (異体字の同一視) uses the variant families of the ja-itaiji package. Its
families are loose (they join e.g. 浜 with 頻 through 濵, and many pairs of distinct everyday
characters), so juki does not merge whole families. Instead each character folds towards a
*more standard* variant, ranked: JIS X 0208 level 1 (第1水準) < level 2 (第2水準) < other
Japanese repertoires (JIS X 0213, IBM extensions such as 髙) < anything else. A character
folds only to a variant that lists it back (mutual), of strictly better rank — the last such
one of the best rank in its ja-itaiji family, which is where the package puts the standard
form (﨑 → 崎 rather than 埼) — and the step repeats until nothing better exists. Two level-1
characters are therefore never merged (島/嶋, 竜/龍, 斉/斎 stay apart), and the result of
folding is a fixed point (folding is idempotent). :data:`EXTRA_VARIANTS` adds the few name
variants missing from the package (𠮷 → 吉).
"""

from __future__ import annotations

import functools
import re
import unicodedata

import jaconv

_SMALL_TO_LARGE = str.maketrans(
    "ァィゥェォッャュョヮヵヶヰヱ" "ㇰㇱㇲㇳㇴㇵㇶㇷㇸㇹㇺㇻㇼㇽㇾㇿ",
    "アイウエオツヤユヨワカケイエ" "クシストヌハヒフヘホムラリルレロ",
)
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
    """Fold a registered name for matching: no variation selectors, no spaces, variant kanji
    folded (``"髙橋　太郎"`` -> ``"高橋太郎"``; ``"渡邉"`` and ``"渡邊"`` -> ``"渡辺"``)."""
    return fold_kanji_variants(_SEPARATORS.sub("", strip_variation_selectors(unicodedata.normalize("NFC", text))))


# --- variant kanji (異体字) ------------------------------------------------------------------

# Name variants the ja-itaiji families lack (character -> standard form).
EXTRA_VARIANTS: dict[str, str] = {"\U00020bb7": "吉"}  # 𠮷 (つちよし) -> 吉


def _rank(char: str) -> int:
    """How standard a character is: 0 JIS level 1, 1 JIS level 2, 2 other Japanese sets, 3 rest."""
    try:
        encoded = char.encode("euc_jp")
    except UnicodeEncodeError:
        encoded = b""
    if len(encoded) == 2 and 0xB0 <= encoded[0] <= 0xCF:
        return 0
    if len(encoded) == 2 and 0xD0 <= encoded[0] <= 0xF4:
        return 1
    for codec in ("euc_jis_2004", "cp932"):
        try:
            char.encode(codec)
        except UnicodeEncodeError:
            continue
        return 2
    return 3


@functools.cache
def _families() -> dict[str, list[str]]:
    """ja-itaiji's variant families, keys and members in NFC (compatibility ideographs merged)."""
    from ja_itaiji import Itaiji

    out: dict[str, list[str]] = {}
    for key, members in Itaiji.dictionary.items():
        k = unicodedata.normalize("NFC", key)
        merged = out.setdefault(k, [])
        for m in members:
            m = unicodedata.normalize("NFC", m)
            if len(m) == 1 and m not in merged:
                merged.append(m)
    return out


def _step(char: str) -> str:
    """One folding step: the better-ranked mutual variant, or ``char`` itself."""
    if char in EXTRA_VARIANTS:
        return EXTRA_VARIANTS[char]
    families = _families()
    own = _rank(char)
    candidates = [
        m for m in families.get(char, ()) if m != char and char in families.get(m, ()) and _rank(m) < own
    ]
    if not candidates:
        return char
    best = min(_rank(m) for m in candidates)
    return [m for m in candidates if _rank(m) == best][-1]


@functools.lru_cache(maxsize=65536)
def fold_kanji_char(char: str) -> str:
    """The standard form of one character (itself when it has none). Idempotent."""
    seen = {char}
    current = char
    while True:
        nxt = _step(current)
        if nxt == current or nxt in seen:  # ranks strictly improve, so this always ends
            return current
        seen.add(nxt)
        current = nxt


def fold_kanji_variants(text: str) -> str:
    """Fold every variant kanji of ``text`` to its standard form (no other change)."""
    return "".join(fold_kanji_char(c) if ord(c) >= 0x3400 else c for c in text)
