"""The certificate font: IPAmj明朝, what it can print, and the fast "working font".

Certificates print names glyph for glyph (decision 0004). Names registered with MJ variant
characters are stored as Ideographic Variation Sequences (IVS): a base character followed by a
variation selector, e.g. 辻 U+8FBB U+E0102 (一点しんにょう) and 辻 U+8FBB U+E0103 (二点しんにょう).
IPAmj明朝 maps such sequences to their registered glyphs in its cmap format-14 subtable.

This module answers two questions without Django:

- :func:`unprintable_chars` / :func:`can_print` (from :mod:`juki.glyphs`, re-exported here):
  can the font print this text exactly? Entry screens refuse such text, so a certificate never
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
from collections.abc import Iterable
from pathlib import Path

from juki.glyphs import (
    MJ_FONT_PATH,
    Coverage,
    can_print,
    coverage,
    is_variation_selector,
    split_sequences,
    unprintable_chars,
)

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
    # fontTools' subsetter is heavy to import and needed once per machine (see _working_font_path).
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
