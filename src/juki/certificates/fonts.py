"""The certificate font: IPAmj明朝, what it can print, and the fast "working font".

Certificates print names glyph for glyph (decision 0004). Names registered with MJ variant
characters are stored as Ideographic Variation Sequences (IVS): a base character followed by a
variation selector, e.g. 辻 U+8FBB U+E0102 (一点しんにょう) and 辻 U+8FBB U+E0103 (二点しんにょう).
IPAmj明朝 maps such sequences to their registered glyphs in its cmap format-14 subtable.

This module answers two questions without Django:

- :func:`unprintable_chars` / :func:`can_print`: can the font print this text exactly?
  A base character must be in the font's Unicode cmap; a base + selector pair must be in the
  format-14 subtable (as a default or non-default variation). A selector standing alone and
  control characters are unprintable. Entry screens refuse such text, so a certificate never
  prints a box (tofu) or silently drops a selector.
- :func:`working_font_path`: a pre-subset copy of IPAmj明朝 used for rendering. The full font
  is 46 MB with 61,179 glyphs; WeasyPrint copies and subsets the embedded font for every PDF,
  which dominates render time. The working font holds the repertoire certificates need —
  ASCII, JIS X 0208 (kanji levels 1–2, kana, symbols) and every base character that has
  IVS variants in the font, each *with all of its variation sequences* — about 16,000
  glyphs, 6.4 MB. It is built once per machine (about 10 s, cached on disk) and loaded once
  per process.

Invariant: the working font is *closed under variation sequences*. If it contains a base
character it contains every variation sequence the full font defines for it, so HarfBuzz
never falls back to the base glyph for a selector the full font knows. Characters outside the
working font still print exactly: the renderer lists ``IPAmjMincho`` after the working font,
so Pango falls back to the full font (slower, same glyph). :func:`working_font_charset`
accepts extra characters (e.g. every character in the register) to keep them on the fast path.
"""

from __future__ import annotations

import functools
import hashlib
import os
import tempfile
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "MJ_FONT_PATH",
    "WORKING_FAMILY",
    "FULL_FAMILY",
    "FONT_STACK",
    "Coverage",
    "coverage",
    "split_sequences",
    "unprintable_chars",
    "can_print",
    "is_variation_selector",
    "jis_x_0208_chars",
    "working_font_charset",
    "working_font_path",
]

#: IPAmj明朝 as installed by Debian's fonts-ipamj-mincho.
MJ_FONT_PATH = Path(os.environ.get("JUKI_MJ_FONT", "/usr/share/fonts/truetype/ipamj/ipamjm.ttf"))

#: Family name of the full font (fontconfig knows it once the package is installed).
FULL_FAMILY = "IPAmjMincho"
#: Family name under which the renderer registers the working font (``@font-face``).
WORKING_FAMILY = "JukiMincho"
#: What certificate CSS writes in ``font-family``: the working font first, the full font as
#: the exact fallback. Without the working font registered (naive render) the first name is
#: unknown and fontconfig skips it.
FONT_STACK = f'"{WORKING_FAMILY}", "{FULL_FAMILY}"'

# Bump when the working-font recipe changes, so cached copies are rebuilt.
_WORKING_FONT_RECIPE = "2"


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


@functools.lru_cache(maxsize=1)
def jis_x_0208_chars() -> frozenset[int]:
    """The 6,879 characters of JIS X 0208 (kanji levels 1 and 2, kana, symbols)."""
    out: set[int] = set()
    for row in range(0x21, 0x7F):
        for cell in range(0x21, 0x7F):
            raw = b"\x1b$B" + bytes((row, cell)) + b"\x1b(B"
            try:
                decoded = raw.decode("iso2022_jp")
            except UnicodeDecodeError:
                continue
            if len(decoded) == 1:
                out.add(ord(decoded))
    return frozenset(out)


def working_font_charset(extra: Iterable[str] = ()) -> frozenset[int]:
    """Code points of the working font: ASCII, JIS X 0208, all IVS bases, ``extra``.

    Only characters the full font has are kept; the variation selectors are added so that
    the format-14 subtable survives subsetting (see the module docstring's invariant).
    """
    cov = coverage()
    wanted = set(range(0x20, 0x7F)) | set(jis_x_0208_chars())
    wanted |= {0x3000, 0x00A0}  # ideographic space, no-break space
    wanted |= {base for base, _ in cov.sequences}
    for text in extra:
        wanted |= {ord(c) for c in text if not is_variation_selector(ord(c))}
    chars = {cp for cp in wanted if cov.has_char(cp)}
    selectors = {sel for base, sel in cov.sequences if base in chars}
    return frozenset(chars | selectors)


def _cache_dir() -> Path:
    explicit = os.environ.get("JUKI_FONT_CACHE")
    if explicit:
        return Path(explicit)
    home = os.environ.get("JUKI_HOME")
    if home:
        return Path(home) / "cache" / "fonts"
    return Path(tempfile.gettempdir()) / "juki-font-cache"


def _build_working_font(source: Path, charset: frozenset[int], target: Path) -> None:
    from fontTools import subset
    from fontTools.ttLib import TTFont

    options = subset.Options()
    options.glyph_names = False  # 16,000 names cost HarfBuzz time in every per-PDF subset
    options.name_IDs = ["*"]
    options.name_languages = ["*"]
    options.notdef_outline = True
    options.hinting = False  # WeasyPrint embeds unhinted subsets anyway
    # Certificates are set horizontally: vertical metrics only slow the per-PDF subset.
    # GSUB/GPOS stay, so HarfBuzz shapes exactly as with the full font.
    options.drop_tables += ["vhea", "vmtx", "VORG"]
    font = TTFont(str(source))
    subsetter = subset.Subsetter(options)
    subsetter.populate(unicodes=charset)
    subsetter.subset(font)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, suffix=".ttf.part")
    os.close(fd)
    try:
        font.save(tmp)
        os.replace(tmp, target)  # atomic: concurrent builders never see a half-written file
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


@functools.lru_cache(maxsize=8)
def _working_font_path(charset: frozenset[int]) -> Path:
    from fontTools import version as fonttools_version

    stat = MJ_FONT_PATH.stat()
    key = hashlib.sha256()
    key.update(
        f"{_WORKING_FONT_RECIPE}|{fonttools_version}|{MJ_FONT_PATH}|{stat.st_size}|{stat.st_mtime_ns}|".encode()
    )
    key.update(",".join(map(str, sorted(charset))).encode())
    target = _cache_dir() / f"juki-mincho-{key.hexdigest()[:16]}.ttf"
    if not target.exists():
        _build_working_font(MJ_FONT_PATH, charset, target)
    return target


def working_font_path(extra: Iterable[str] = ()) -> Path:
    """Path of the working font for ``extra`` characters, built and cached on first use."""
    return _working_font_path(working_font_charset(tuple(extra)))
