"""Glyph coverage (字形の収録): can the certificate font print this text exactly?

Plain Python over the font file, no Django: shared by the register, which refuses unprintable
text at entry (:func:`juki.register.entry_rules.unprintable_items`), and the certificates, which
print it (:mod:`juki.certificates.fonts` keeps the PDF-font specifics: the working font).

Names registered with MJ variant characters are stored as Ideographic Variation Sequences
(IVS): a base character followed by a variation selector, e.g. 辻 U+8FBB U+E0102 (一点しんにょう).
IPAmj明朝 maps such sequences to their registered glyphs in its cmap format-14 subtable.
:func:`unprintable_chars` / :func:`can_print`: a base character must be in the font's Unicode
cmap; a base + selector pair must be in the format-14 subtable (as a default or non-default
variation). A selector standing alone and control characters are unprintable.
"""

from __future__ import annotations

import functools
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MJ_FONT_PATH",
    "Coverage",
    "coverage",
    "split_sequences",
    "unprintable_chars",
    "can_print",
    "is_variation_selector",
]

#: IPAmj明朝 as installed by Debian's fonts-ipamj-mincho.
MJ_FONT_PATH = Path(os.environ.get("JUKI_MJ_FONT", "/usr/share/fonts/truetype/ipamj/ipamjm.ttf"))


def is_variation_selector(cp: int) -> bool:
    """VS1–VS16 (U+FE00–FE0F) or VS17–VS256 (U+E0100–E01EF, the IVS selectors)."""
    return 0xFE00 <= cp <= 0xFE0F or 0xE0100 <= cp <= 0xE01EF


@dataclass(frozen=True)
class Coverage:
    """What a font can print: its Unicode cmap and its variation sequences (cmap format 14).

    ``sequences`` maps (base, selector) to the glyph name, or ``None`` for a *default*
    variation sequence (the base's ordinary glyph).
    """

    chars: frozenset[int]
    sequences: dict[tuple[int, int], str | None]

    def has_char(self, cp: int) -> bool:
        return cp in self.chars

    def has_sequence(self, base: int, selector: int) -> bool:
        return (base, selector) in self.sequences


def _read_coverage(path: Path) -> Coverage:
    # fontTools takes ~0.1 s to import: only on the first read, not in every process that
    # imports the register.
    from fontTools.ttLib import TTFont

    font = TTFont(str(path), lazy=True)
    try:
        cmap = font["cmap"]
        chars = frozenset(cmap.getBestCmap())
        sequences: dict[tuple[int, int], str | None] = {}
        for table in cmap.tables:
            if table.format == 14:
                for selector, pairs in table.uvsDict.items():
                    for base, glyph in pairs:
                        sequences[(base, selector)] = glyph
        return Coverage(chars=chars, sequences=sequences)
    finally:
        font.close()


@functools.lru_cache(maxsize=4)
def coverage(path: Path | None = None) -> Coverage:
    """The coverage of ``path`` (default: IPAmj明朝), read once per process (~0.2 s)."""
    return _read_coverage(path or MJ_FONT_PATH)


def split_sequences(text: str) -> list[str]:
    """Split ``text`` into printable units: a character with its variation selector, if any.

    A selector that does not follow a base character stands alone (and is unprintable).
    """
    units: list[str] = []
    for ch in text:
        if (
            is_variation_selector(ord(ch))
            and units
            and len(units[-1]) == 1
            and not is_variation_selector(ord(units[-1]))
        ):
            units[-1] += ch
        else:
            units.append(ch)
    return units


def unprintable_chars(text: str, *, font: Path | None = None) -> list[str]:
    """Units of ``text`` (character, or character + selector) the font cannot print exactly.

    Each unit is reported once, in order of first appearance. Control characters (category
    Cc, e.g. a newline) are unprintable: certificate fields are single-line text.
    """
    cov = coverage(font)
    bad: list[str] = []
    seen: set[str] = set()
    for unit in split_sequences(text):
        if unit in seen:
            continue
        base = ord(unit[0])
        if len(unit) == 2:
            ok = cov.has_sequence(base, ord(unit[1])) and cov.has_char(base)
        elif is_variation_selector(base) or unicodedata.category(unit) == "Cc":
            ok = False
        else:
            ok = cov.has_char(base)
        if not ok:
            seen.add(unit)
            bad.append(unit)
    return bad


def can_print(text: str, *, font: Path | None = None) -> bool:
    """True when every character and variation sequence of ``text`` is in the font."""
    return not unprintable_chars(text, font=font)
