"""Direct PDF writer for certificate pages (docs/performance.md; docs/decisions/0004-pdf-rendering.md).

WeasyPrint lays out a real 住民票の写し page (≈110 table cells) in ≈110–190 ms of CPU, half of
it in box building, table layout and drawing even with no text at all: it cannot reach the
20 pages/s the issue asks for. The certificate pages, however, are built by
:mod:`juki.certificates.documents.layout` from a small, fixed vocabulary — a header line, a
title, fixed-layout tables of label/value cells, the certification paragraphs and the
verification footer — styled by one stylesheet (:data:`~juki.certificates.documents.layout.CSS`).
This module lays out exactly that vocabulary with the geometry of that stylesheet and writes
the PDF itself (pydyf), in a few milliseconds per page.

Exact glyphs: text is set in the working font (:func:`juki.certificates.fonts.working_font_path`)
glyph by glyph from its cmap; a base character followed by a variation selector takes the
glyph of the font's format-14 subtable (the registered IVS glyph), exactly what HarfBuzz does
for this font — the working font has no default-on GSUB/GPOS features for horizontal text
(only ``frac``/``numr``/``vert`` and ``halt``/``palt``: the full font's ``ccmp``/``liga`` touch
none of its glyphs), so cmap lookup *is* its shaping (a test compares the glyph ids with
WeasyPrint's). A page with a unit the working font lacks is left to WeasyPrint
(:class:`UnsupportedPage`), which prints it from the full IPAmj明朝.
The embedded font is a per-PDF HarfBuzz subset of the glyphs used (``libharfbuzz-subset``,
the library WeasyPrint uses), with a ToUnicode map so the text can be extracted and searched.

Anything outside the vocabulary (an unknown element or class) raises :class:`UnsupportedPage`:
the caller then falls back to WeasyPrint, so a new template element can never be silently
dropped. The layout reference tests compare pages written here with the reviewed images
WeasyPrint produced.
"""

from __future__ import annotations

import functools
import re
import threading
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, field
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

from juki.certificates import fonts

__all__ = ["UnsupportedPage", "write_pages"]

MM = 72 / 25.4  # points per millimetre
PAGE_W, PAGE_H = 210 * MM, 297 * MM
MARGIN_TOP, MARGIN_SIDE = 12 * MM, 14 * MM
CONTENT_W = PAGE_W - 2 * MARGIN_SIDE
CONTENT_BOTTOM = PAGE_H - MARGIN_TOP
LINE_HEIGHT = 1.35
BORDER = 0.5  # pt
GREY = "0.933 0.933 0.933"  # #eee


class UnsupportedPage(Exception):
    """The page uses HTML this writer does not lay out (the caller falls back to WeasyPrint)."""


# --------------------------------------------------------------------------- fonts


class _HarfBuzz:
    """The few libharfbuzz(-subset) calls the subsetter needs (cffi, ABI mode)."""

    def __init__(self) -> None:
        import cffi

        ffi = cffi.FFI()
        ffi.cdef(
            """
            typedef struct hb_blob_t hb_blob_t; typedef struct hb_face_t hb_face_t;
            typedef struct hb_set_t hb_set_t; typedef struct hb_subset_input_t hb_subset_input_t;
            typedef uint32_t hb_codepoint_t;
            hb_blob_t *hb_blob_create(const char *data, unsigned int length, int mode, void *user_data,
                                      void *destroy);
            void hb_blob_destroy(hb_blob_t *blob);
            const char *hb_blob_get_data(hb_blob_t *blob, unsigned int *length);
            hb_face_t *hb_face_create(hb_blob_t *blob, unsigned int index);
            void hb_face_destroy(hb_face_t *face);
            hb_blob_t *hb_face_reference_blob(hb_face_t *face);
            void hb_set_add(hb_set_t *set, hb_codepoint_t codepoint);
            hb_subset_input_t *hb_subset_input_create_or_fail(void);
            void hb_subset_input_destroy(hb_subset_input_t *input);
            hb_set_t *hb_subset_input_glyph_set(hb_subset_input_t *input);
            hb_set_t *hb_subset_input_set(hb_subset_input_t *input, int set_type);
            void hb_subset_input_set_flags(hb_subset_input_t *input, unsigned value);
            hb_face_t *hb_subset_or_fail(hb_face_t *source, const hb_subset_input_t *input);
            uint32_t hb_tag_from_string(const char *str, int len);
            """
        )
        self.ffi = ffi
        self.hb = ffi.dlopen("libharfbuzz.so.0")
        self.sub = ffi.dlopen("libharfbuzz-subset.so.0")


@functools.lru_cache(maxsize=1)
def _harfbuzz() -> _HarfBuzz:
    return _HarfBuzz()


_RETAIN_GIDS, _NO_HINTING, _DESUBROUTINIZE, _NOTDEF_OUTLINE = 0x2, 0x1, 0x4, 0x40
_DROP_TABLE_SET = 3  # HB_SUBSET_SETS_DROP_TABLE_TAG
_DROP = (b"GSUB", b"GPOS", b"BASE", b"DSIG", b"JSTF", b"vhea", b"vmtx", b"VORG", b"gasp")


class Font:
    """A TrueType font read once per process: cmap, variation sequences, advances, a HarfBuzz face."""

    def __init__(self, path: Path) -> None:
        from fontTools.ttLib import TTFont

        self.path = path
        self.data = path.read_bytes()
        tt = TTFont(str(path), lazy=True)
        try:
            order = tt.getGlyphOrder()
            gid = {name: i for i, name in enumerate(order)}
            cmap = tt["cmap"]
            self.cmap = {cp: gid[name] for cp, name in cmap.getBestCmap().items()}
            self.uvs: dict[tuple[int, int], int] = {}
            for table in cmap.tables:
                if table.format == 14:
                    for selector, pairs in table.uvsDict.items():
                        for base, name in pairs:
                            glyph = self.cmap.get(base) if name is None else gid.get(name)
                            if glyph is not None:
                                self.uvs[(base, selector)] = glyph
            self.upem = tt["head"].unitsPerEm
            hmtx = tt["hmtx"].metrics
            self.advance = [hmtx[name][0] for name in order]
            self.ascent = tt["hhea"].ascent / self.upem
            self.descent = -tt["hhea"].descent / self.upem
            head = tt["head"]
            self.bbox = [round(v * 1000 / self.upem) for v in (head.xMin, head.yMin, head.xMax, head.yMax)]
        finally:
            tt.close()
        hb = _harfbuzz()
        self._buffer = hb.ffi.from_buffer(self.data)  # kept alive: HarfBuzz reads it in place
        self._blob = hb.hb.hb_blob_create(self._buffer, len(self.data), 1, hb.ffi.NULL, hb.ffi.NULL)  # READONLY
        self.face = hb.hb.hb_face_create(self._blob, 0)

    def glyph(self, unit: str) -> int | None:
        """Glyph id of a printable unit (a character, or a character + variation selector)."""
        if len(unit) == 2:
            return self.uvs.get((ord(unit[0]), ord(unit[1])))
        return self.cmap.get(ord(unit))

    def subset(self, gids: Sequence[int]) -> bytes:
        """The font reduced to ``gids`` (ids kept, so the content stream's codes stay valid)."""
        hb = _harfbuzz()
        ffi = hb.ffi
        inp = hb.sub.hb_subset_input_create_or_fail()
        try:
            glyphs = hb.sub.hb_subset_input_glyph_set(inp)
            for g in sorted(set(gids) | {0}):
                hb.hb.hb_set_add(glyphs, g)
            drop = hb.sub.hb_subset_input_set(inp, _DROP_TABLE_SET)
            for tag in _DROP:
                hb.hb.hb_set_add(drop, hb.hb.hb_tag_from_string(tag, 4))
            hb.sub.hb_subset_input_set_flags(inp, _RETAIN_GIDS | _NO_HINTING | _DESUBROUTINIZE | _NOTDEF_OUTLINE)
            face = hb.sub.hb_subset_or_fail(self.face, inp)
        finally:
            hb.sub.hb_subset_input_destroy(inp)
        if face == ffi.NULL:  # pragma: no cover - HarfBuzz refused: embed the whole font
            return self.data
        blob = hb.hb.hb_face_reference_blob(face)
        try:
            length = ffi.new("unsigned int *")
            data = hb.hb.hb_blob_get_data(blob, length)
            return bytes(ffi.buffer(data, length[0]))
        finally:
            hb.hb.hb_blob_destroy(blob)
            hb.hb.hb_face_destroy(face)


@functools.lru_cache(maxsize=4)
def _font(path: Path) -> Font:
    return Font(path)


@functools.lru_cache(maxsize=1)
def _working() -> Font:
    return _font(fonts.working_font_path())


def _font_at(index: int) -> Font:
    """The fonts a page may use (only the working font, index 0)."""
    if index != 0:
        raise ValueError(index)
    return _working()


# --------------------------------------------------------------------------- HTML


@dataclass
class Node:
    tag: str
    classes: tuple[str, ...] = ()
    attrs: dict[str, str] = field(default_factory=dict)
    children: list[Node | str] = field(default_factory=list)

    def has(self, cls: str) -> bool:
        return cls in self.classes

    def elements(self, tag: str | None = None) -> list[Node]:
        return [c for c in self.children if isinstance(c, Node) and (tag is None or c.tag == tag)]


_VOID = {"meta", "col", "br", "link"}
_SKIP = {"head", "title", "style", "script"}


class _Parser(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.root = Node("root")
        self.stack = [self.root]
        self.skip = 0
        self.svg: list[str] | None = None
        self.in_title = False
        self.title = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        if self.svg is not None:
            if tag == "path":
                self.svg.append(a.get("d", ""))
            return
        if tag in _SKIP:
            self.skip += 1
            self.in_title = tag == "title"
            return
        if self.skip:
            return
        if "style" in a and tag != "col":  # inline styles are not laid out here
            raise UnsupportedPage(f"style attribute on <{tag}>")
        node = Node(tag, tuple(a.get("class", "").split()), a)
        self.stack[-1].children.append(node)
        if tag == "svg":
            self.svg = []
            node.attrs["_paths"] = ""
            self.stack.append(node)
        elif tag not in _VOID:
            self.stack.append(node)

    def handle_startendtag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.handle_starttag(tag, attrs)
        if tag not in _VOID and self.svg is None and not self.skip and tag != "path":
            self.stack.pop()

    def handle_endtag(self, tag: str) -> None:
        if tag == "svg" and self.svg is not None:
            self.stack[-1].attrs["_paths"] = " ".join(self.svg)
            self.svg = None
            self.stack.pop()
            return
        if self.svg is not None or tag in _VOID:
            return
        if tag in _SKIP:
            self.skip -= 1
            self.in_title = False
            return
        if self.skip:
            return
        if len(self.stack) > 1 and self.stack[-1].tag == tag:
            self.stack.pop()

    def handle_data(self, data: str) -> None:
        if self.in_title:
            self.title += data
        if not self.skip and self.svg is None:
            self.stack[-1].children.append(data)


def parse(html: str) -> tuple[Node, str]:
    """(``<body>``, ``<title>`` text) of a page."""
    parser = _Parser()
    parser.feed(html)
    parser.close()
    (html_node,) = parser.root.elements("html") or [parser.root]
    body = html_node.elements("body")
    if not body:
        raise UnsupportedPage("no <body>")
    return body[0], parser.title.strip()


# --------------------------------------------------------------------------- text


@dataclass
class Style:
    size: float = 9.0  # pt
    spacing: float = 0.0  # letter-spacing, em
    align: str = "left"


@dataclass
class Glyph:
    font: int  # index for :func:`_font_at` (0: the working font)
    gid: int
    text: str
    width: float  # pt, letter-spacing included
    style: Style
    can_break_before: bool


_NO_START = set("、。，．・：；？！）」』】〕〉》｝〙〗ー々ゝゞヽヾぁぃぅぇぉっゃゅょゎァィゥェォッャュョヮヵヶ,.:;!?)]}%")
_NO_END = set("（「『【〔〈《｛〘〖([{")


def _units(text: str) -> list[str]:
    return fonts.split_sequences(text)


def _is_wide(ch: str) -> bool:
    return ord(ch) >= 0x2E80


def shape(text: str, style: Style) -> list[Glyph]:
    """Glyphs of ``text`` from the working font's cmap (and cmap format 14 for IVS), each with
    its advance and whether a line may break before it."""
    out: list[Glyph] = []
    working = _working()
    prev = ""
    for unit in _units(text):
        index, font = 0, working
        gid = font.glyph(unit)
        if gid is None:
            # Outside the working font: WeasyPrint prints it from the full IPAmj明朝, whose
            # default GSUB features (ccmp, liga) cmap lookup alone would not apply.
            raise UnsupportedPage(f"U+{ord(unit[0]):04X} is not in the working font")
        width = font.advance[gid] / font.upem * style.size + style.spacing * style.size
        ch = unit[0]
        if not prev:
            brk = False
        elif ch in _NO_START or prev in _NO_END:
            brk = False
        elif prev == " " or prev == "\u3000":
            brk = True
        else:
            brk = _is_wide(ch) or _is_wide(prev)
        out.append(Glyph(index, gid, unit, width, style, brk))
        prev = ch
    return out


@dataclass
class Line:
    glyphs: list[Glyph]
    width: float
    above: float  # baseline to line-box top, pt
    below: float  # baseline to line-box bottom, pt

    @property
    def height(self) -> float:
        return self.above + self.below


def _metrics(size: float) -> tuple[float, float]:
    font = _working()
    half = (LINE_HEIGHT - font.ascent - font.descent) / 2 * size
    return font.ascent * size + half, font.descent * size + half


def wrap(runs: Sequence[tuple[str, Style] | None], width: float, strut: float) -> list[Line]:
    """Break inline ``runs`` (``None`` is a ``<br>``) into lines ``width`` pt wide.

    Japanese text breaks between any two characters, except before closing punctuation and
    small kana and after opening brackets; Latin text at spaces; an unbreakable run longer
    than the line is broken where it overflows. The line box follows CSS: each size's
    ``line-height`` box around the baseline, and the container's strut.
    """
    lines: list[list[Glyph]] = [[]]
    for run in runs:
        if run is None:
            lines.append([])
            continue
        text, style = run
        for g in shape(text, style):
            current = lines[-1]
            used = sum(x.width for x in current)
            if current and used + g.width > width + 0.01 and not g.text.isspace():
                # break at the last opportunity in this line
                cut = next((i for i in range(len(current) - 1, 0, -1) if current[i].can_break_before), None)
                if g.can_break_before or cut is None:
                    lines.append([g])
                else:
                    lines[-1], rest = current[:cut], current[cut:]
                    lines.append(rest + [g])
                continue
            current.append(g)
    out = []
    a0, b0 = _metrics(strut)
    for glyphs in lines:
        while glyphs and glyphs[-1].text in (" ", "\u3000") and len(glyphs) > 1:
            glyphs = glyphs[:-1]
        above, below = a0, b0
        for g in glyphs:
            a, b = _metrics(g.style.size)
            above, below = max(above, a), max(below, b)
        out.append(Line(glyphs, sum(g.width for g in glyphs), above, below))
    return out


# --------------------------------------------------------------------------- layout


@dataclass
class Canvas:
    """One page's drawing operations, collected as PDF content-stream text."""

    ops: list[str] = field(default_factory=list)
    used: dict[int, dict[int, str]] = field(default_factory=dict)  # font index → gid → text
    title: str = ""

    def rect(self, x: float, y: float, w: float, h: float, *, fill: str | None = None, stroke: bool = False) -> None:
        r = f"{x:.2f} {PAGE_H - y - h:.2f} {w:.2f} {h:.2f} re"
        if fill:
            self.ops.append(f"q {fill} rg {r} f Q")
        if stroke:
            self.ops.append(f"{r} S")

    def hline(self, x0: float, x1: float, y: float) -> None:
        self.ops.append(f"{x0:.2f} {PAGE_H - y:.2f} m {x1:.2f} {PAGE_H - y:.2f} l S")

    def line(self, line: Line, x: float, top: float) -> None:
        """Draw ``line`` with its box's top-left at (x, top)."""
        baseline = PAGE_H - (top + line.above)
        pen = x
        run: list[Glyph] = []

        def flush() -> None:
            if not run:
                return
            g0 = run[0]
            size, spacing = g0.style.size, g0.style.spacing * g0.style.size
            codes = "".join(f"{g.gid:04x}" for g in run)
            self.ops.append(
                f"BT /F{g0.font} {size:g} Tf {spacing:.3f} Tc {pen_start:.2f} {baseline:.2f} Td <{codes}> Tj ET"
            )

        pen_start = pen
        for g in line.glyphs:
            self.used.setdefault(g.font, {})[g.gid] = g.text
            if run and (g.font != run[0].font or g.style is not run[0].style):
                flush()
                run = []
                pen_start = pen
            run.append(g)
            pen += g.width
        flush()


def _style_for(node: Node, parent: Style) -> Style:
    """The style of a ``<span>`` (layout.CSS: ``.kana`` 7 pt, ``.code`` 10 pt spaced 0.1 em)."""
    if node.has("kana"):
        return Style(7.0, parent.spacing, parent.align)
    if node.has("code"):
        return Style(10.0, 0.1, parent.align)
    if node.classes and not (node.has("kind") or node.has("no")):
        raise UnsupportedPage(f"span.{'.'.join(node.classes)}")
    return parent


def _inline_runs(node: Node, style: Style) -> list[tuple[str, Style] | None]:
    runs: list[tuple[str, Style] | None] = []
    for child in node.children:
        if isinstance(child, str):
            text = re.sub(r"[\t\n\r ]+", " ", child)
            if text:
                runs.append((text, style))
        elif child.tag == "br":
            runs.append(None)
        elif child.tag == "span":
            runs += _inline_runs(child, _style_for(child, style))
        else:
            raise UnsupportedPage(f"<{child.tag}> inside inline content")
    # collapse leading/trailing spaces like CSS white-space: normal
    while runs and runs[0] is not None and not runs[0][0].strip():
        runs.pop(0)
    if runs and runs[0] is not None:
        runs[0] = (runs[0][0].lstrip(" "), runs[0][1])
    if runs and runs[-1] is not None:
        runs[-1] = (runs[-1][0].rstrip(" "), runs[-1][1])
    return runs


def _draw_lines(canvas: Canvas, lines: list[Line], x: float, width: float, top: float, align: str) -> float:
    for ln in lines:
        dx = 0.0
        if align == "center":
            dx = (width - ln.width) / 2
        elif align == "right":
            dx = width - ln.width
        canvas.line(ln, x + dx, top)
        top += ln.height
    return top


def _col_widths(table: Node, ncols: int) -> list[float]:
    specs: list[float | None] = []
    for group in table.elements("colgroup"):
        for col in group.elements("col"):
            style = col.attrs.get("style", "")
            if (set(col.classes) - {"l", "d", "r"} or set(col.attrs) - {"class", "style"}
                    or (style and not re.fullmatch(r"\s*width:\s*[\d.]+mm;?\s*", style))):
                raise UnsupportedPage("unknown <col>")
            width = None
            m = re.search(r"width:\s*([\d.]+)mm", col.attrs.get("style", ""))
            if m:
                width = float(m.group(1)) * MM
            elif col.has("l"):
                width = 24 * MM
            elif col.has("d") and table.has("hist"):
                width = 26 * MM
            elif col.has("r") and table.has("hist"):
                width = 28 * MM
            specs.append(width)
    specs += [None] * (ncols - len(specs))
    fixed = sum(w for w in specs if w is not None)
    auto = [i for i, w in enumerate(specs) if w is None]
    # border-collapse: the table's outer borders lie half outside its columns
    share = (CONTENT_W - BORDER - fixed) / len(auto) if auto else 0.0
    return [w if w is not None else share for w in specs]


@dataclass
class _Cell:
    node: Node
    col: int
    span: int
    style: Style
    pad_x: float
    pad_y: float
    blocks: list[tuple[list[Line], str]]  # (lines, align)
    height: float = 0.0


def _cell(node: Node, col: int, table: Node, widths: list[float]) -> _Cell:
    span = int(node.attrs.get("colspan", "1") or 1)
    if node.tag == "th":
        if node.classes:
            raise UnsupportedPage(f"th.{'.'.join(node.classes)}")
        style = Style(8.0, 0.0, "center")
    else:
        style = Style(9.0, 0.0, "left")
        for cls in node.classes:
            if cls == "no":
                style = Style(10.0, 0.0, "center")
            elif cls == "name":
                style = Style(12.0, 0.0, "left")
            elif cls == "omit":
                style = Style(9.0, 0.3, "center")
            else:
                raise UnsupportedPage(f"td.{cls}")
    pad_x, pad_y = 1.5 * MM, 0.6 * MM
    if table.has("hist"):
        style = Style(7.5, style.spacing, style.align)
        pad_x, pad_y = 1.2 * MM, 0.4 * MM
    elif table.has("query") and node.tag == "td":
        style = Style(11.0, style.spacing, style.align)
        pad_x = pad_y = 2 * MM
    width = sum(widths[col : col + span]) - 2 * pad_x - BORDER
    blocks: list[tuple[list[Line], str]] = []
    inline: list[Node | str] = []

    def flush_inline() -> None:
        if inline:
            runs = _inline_runs(Node("p", children=list(inline)), style)
            if runs:
                blocks.append((wrap(runs, width, style.size), style.align))
            inline.clear()

    for child in node.children:
        if isinstance(child, Node) and child.tag == "span" and child.has("kana"):
            flush_inline()
            kana = _style_for(child, style)
            runs = _inline_runs(child, kana)
            # display: block — an empty block has no line box
            if runs:
                blocks.append((wrap(runs, width, kana.size), kana.align))
        else:
            inline.append(child)
    flush_inline()
    cell = _Cell(node, col, span, style, pad_x, pad_y, blocks)
    cell.height = sum(ln.height for lines, _ in blocks for ln in lines)
    return cell


def _table(canvas: Canvas | None, table: Node, top: float) -> float:
    """Lay out (and draw, with a canvas) a fixed-layout, border-collapsed table; return its bottom."""
    if set(table.classes) - {"hh", "block", "hist", "query"}:
        raise UnsupportedPage(f"table.{'.'.join(table.classes)}")
    rows: list[Node] = []
    for part in table.children:
        if isinstance(part, Node):
            if part.tag in ("thead", "tbody"):
                rows += part.elements("tr")
            elif part.tag == "tr":
                rows.append(part)
            elif part.tag != "colgroup":
                raise UnsupportedPage(f"<{part.tag}> in a table")
    ncols = max((sum(int(c.attrs.get("colspan", "1") or 1) for c in r.elements()) for r in rows), default=1)
    widths = _col_widths(table, ncols)
    xs = [MARGIN_SIDE + BORDER / 2]
    for w in widths:
        xs.append(xs[-1] + w)
    y = top + BORDER / 2
    for r in rows:
        cells, col = [], 0
        for node in r.elements():
            if node.tag not in ("th", "td"):
                raise UnsupportedPage(f"<{node.tag}> in a row")
            cell = _cell(node, col, table, widths)
            cells.append(cell)
            col += cell.span
        height = max(c.height + 2 * c.pad_y for c in cells) + BORDER
        if canvas is not None:
            for c in cells:
                x0, x1 = xs[c.col], xs[c.col + c.span]
                if c.node.tag == "th":
                    canvas.rect(x0, y, x1 - x0, height, fill=GREY)
                inner_top = y + (height - c.height) / 2
                for lines, align in c.blocks:
                    inner_top = _draw_lines(canvas, lines, x0 + BORDER / 2 + c.pad_x,
                                            x1 - x0 - 2 * c.pad_x - BORDER, inner_top, align)
            for c in cells:
                x0, x1 = xs[c.col], xs[c.col + c.span]
                canvas.rect(x0, y, x1 - x0, height, stroke=True)
        y += height
    return y + BORDER / 2


def _paragraph(canvas: Canvas, node: Node, style: Style, x: float, width: float, top: float) -> float:
    runs = _inline_runs(node, style)
    lines = wrap(runs, width, style.size) if runs else []
    return _draw_lines(canvas, lines, x, width, top, style.align)


def _qr(canvas: Canvas, svg: Node, x: float, top: float, size: float) -> None:
    """The QR code (segno's single stroked path: ``M``/``m``/``h`` of one-module-high lines) as
    filled rectangles."""
    view = [float(v) for v in svg.attrs.get("viewbox", svg.attrs.get("viewBox", "0 0 1 1")).split()]
    scale = size / view[2]
    px = py = 0.0
    rects = []
    for cmd, args in re.findall(r"([MmHhVvLlZz])([^MmHhVvLlZz]*)", svg.attrs.get("_paths", "")):
        nums = [float(v) for v in re.findall(r"-?[\d.]+", args)]
        if cmd == "M":
            px, py = nums[0], nums[1]
        elif cmd == "m":
            px, py = px + nums[0], py + nums[1]
        elif cmd == "h":
            rects.append(f"{x + px * scale:.2f} {PAGE_H - top - (py + 0.5) * scale:.2f} {nums[0] * scale:.2f} {scale:.2f} re")
            px += nums[0]
        else:
            raise UnsupportedPage(f"QR path command {cmd}")
    if rects:
        canvas.ops.append("0 g " + " ".join(rects) + " f")


def _footer(canvas: Canvas, foot: Node) -> None:
    style = Style(7.5)
    height = 22 * MM + 1.5 * MM + BORDER
    top = CONTENT_BOTTOM - height
    canvas.hline(MARGIN_SIDE, MARGIN_SIDE + CONTENT_W, top + BORDER / 2)
    inner = top + BORDER + 1.5 * MM
    x = MARGIN_SIDE
    for child in foot.elements():
        if child.has("qr"):
            svgs = child.elements("svg")
            if svgs:
                _qr(canvas, svgs[0], x, inner, 20 * MM)
            x += 23 * MM
        elif child.has("verify"):
            _paragraph(canvas, child, style, x, 120 * MM, inner)
            x += 120 * MM
        elif child.has("page"):
            _paragraph(canvas, child, Style(9.0, 0.0, "right"), MARGIN_SIDE, CONTENT_W, inner)
        else:
            raise UnsupportedPage(f"footer div.{'.'.join(child.classes)}")


def layout_page(html: str) -> tuple[Canvas, bool]:
    """Draw one page; the flag says whether its content overflowed the page (WeasyPrint would
    have started a second page)."""
    body, title = parse(html)
    canvas = Canvas(title=title)
    y = MARGIN_TOP
    margin = 0.0  # pending bottom margin (collapses with the next top margin)
    for node in body.elements():
        if node.tag == "div" and node.has("head"):
            y += margin
            margin = 0.0
            for span in node.elements("span"):
                align = "right" if span.has("no") else "left"
                _paragraph(canvas, span, Style(8.0, 0.0, align), MARGIN_SIDE, CONTENT_W, y)
            y += 5 * MM
        elif node.tag == "h1":
            y += max(margin, 2 * MM)
            y = _paragraph(canvas, node, Style(18.0, 0.4, "center"), MARGIN_SIDE, CONTENT_W, y)
            margin = 4 * MM
        elif node.tag == "table":
            y += margin
            y = _table(canvas, node, y)
            margin = 3 * MM if node.has("hh") else 2.5 * MM if node.has("block") else 0.0
        elif node.tag == "p" and node.has("cont"):
            y += margin
            y = _paragraph(canvas, node, Style(8.0), MARGIN_SIDE, CONTENT_W, y)
            margin = 1 * MM
        elif node.tag == "div" and node.has("cert"):
            y += max(margin, 6 * MM)
            margin = 0.0
            for p in node.elements("p"):
                if p.has("statement"):
                    y = _paragraph(canvas, p, Style(10.5), MARGIN_SIDE, CONTENT_W, y) + 3 * MM
                elif p.has("date"):
                    y = _paragraph(canvas, p, Style(10.5), MARGIN_SIDE + 8 * MM, CONTENT_W - 8 * MM, y) + 2 * MM
                elif p.has("mayor"):
                    y = _paragraph(canvas, p, Style(12.0, 0.1, "right"), MARGIN_SIDE, CONTENT_W - 14 * MM, y)
                else:
                    raise UnsupportedPage(f"p.{'.'.join(p.classes)} in the certification")
        elif node.tag == "div" and node.has("foot"):
            _footer(canvas, node)
        else:
            raise UnsupportedPage(f"<{node.tag} class={' '.join(node.classes)}>")
    for child in body.children:
        if isinstance(child, str) and child.strip():
            raise UnsupportedPage("text directly in <body>")
    return canvas, y > CONTENT_BOTTOM + 0.01


# --------------------------------------------------------------------------- PDF


def _to_unicode(used: dict[int, str]) -> bytes:
    entries = []
    for gid, text in sorted(used.items()):
        entries.append(f"<{gid:04x}> <{text.encode('utf-16-be').hex()}>")
    chunks = [entries[i : i + 100] for i in range(0, len(entries), 100)]
    body = "".join(f"{len(c)} beginbfchar\n" + "\n".join(c) + "\nendbfchar\n" for c in chunks)
    return (
        "/CIDInit /ProcSet findresource begin\n12 dict begin\nbegincmap\n"
        "/CIDSystemInfo << /Registry (Adobe) /Ordering (UCS) /Supplement 0 >> def\n"
        "/CMapName /Adobe-Identity-UCS def\n/CMapType 2 def\n"
        "1 begincodespacerange\n<0000> <ffff>\nendcodespacerange\n"
        f"{body}endcmap\nCMapName currentdict /CIDResource defineresource pop\nend\nend\n"
    ).encode()


def _tag(gids: Sequence[int]) -> str:
    digest = zlib.crc32(",".join(map(str, gids)).encode())
    return "".join(chr(ord("A") + (digest >> (5 * i)) % 26) for i in range(6))


# ``pdf`` is a pydyf.PDF; pydyf ships no types.
def _embed(pdf: Any, font: Font, used: dict[int, str], name: str) -> object:
    import pydyf

    gids = sorted(used)
    data = font.subset(gids)
    file = pydyf.Stream([data], {"Length1": len(data)}, compress=True)
    pdf.add_object(file)
    base = f"/{_tag(gids)}+{name}"
    descriptor = pydyf.Dictionary({
        "Type": "/FontDescriptor", "FontName": base, "Flags": 4,
        "FontBBox": pydyf.Array(font.bbox), "ItalicAngle": 0,
        "Ascent": round(font.ascent * 1000), "Descent": round(-font.descent * 1000),
        "CapHeight": round(font.ascent * 1000), "StemV": 80, "FontFile2": file.reference,
    })
    pdf.add_object(descriptor)
    widths = pydyf.Array()
    for gid in gids:
        widths += [gid, pydyf.Array([round(font.advance[gid] * 1000 / font.upem)])]
    cid = pydyf.Dictionary({
        "Type": "/Font", "Subtype": "/CIDFontType2", "BaseFont": base,
        "CIDSystemInfo": pydyf.Dictionary({"Registry": pydyf.String("Adobe"), "Ordering": pydyf.String("Identity"),
                                           "Supplement": 0}),
        "CIDToGIDMap": "/Identity", "W": widths, "FontDescriptor": descriptor.reference,
    })
    pdf.add_object(cid)
    cmap = pydyf.Stream([_to_unicode(used)], compress=True)
    pdf.add_object(cmap)
    type0 = pydyf.Dictionary({
        "Type": "/Font", "Subtype": "/Type0", "BaseFont": base, "Encoding": "/Identity-H",
        "DescendantFonts": pydyf.Array([cid.reference]), "ToUnicode": cmap.reference,
    })
    pdf.add_object(type0)
    return type0.reference


_lock = threading.Lock()


def write_pages(pages: Sequence[str]) -> tuple[bytes, list[int]]:
    """Write each HTML page as one PDF page; return the PDF and, per page, 1 or (content that
    overflowed the page) 2 — the page count WeasyPrint would have produced, which callers
    check. Raises :class:`UnsupportedPage` for HTML outside the certificate vocabulary."""
    import io

    import pydyf

    if not pages:
        raise ValueError("no pages to render")
    with _lock:
        canvases, counts = [], []
        for html in pages:
            canvas, overflow = layout_page(html)
            canvases.append(canvas)
            counts.append(2 if overflow else 1)
        pdf = pydyf.PDF()
        used: dict[int, dict[int, str]] = {}
        for canvas in canvases:
            for index, glyphs in canvas.used.items():
                used.setdefault(index, {}).update(glyphs)
        resources = pydyf.Dictionary({"Font": pydyf.Dictionary({
            f"F{index}": _embed(pdf, _font_at(index), glyphs, fonts.WORKING_FAMILY if index == 0 else fonts.FULL_FAMILY)
            for index, glyphs in sorted(used.items())
        })})
        pdf.add_object(resources)
        for canvas in canvases:
            content = (f"0 g 0 G {BORDER:.2f} w " + " ".join(canvas.ops)).encode()
            stream = pydyf.Stream([content], compress=True)
            pdf.add_object(stream)
            page = pydyf.Dictionary({
                "Type": "/Page", "Parent": pdf.pages.reference,
                "MediaBox": pydyf.Array([0, 0, round(PAGE_W, 3), round(PAGE_H, 3)]),
                "Resources": resources.reference, "Contents": stream.reference,
            })
            pdf.add_page(page)
        if canvases[0].title:  # as WeasyPrint does: the first document's <title>
            pdf.info["Title"] = pydyf.String(canvases[0].title)
        pdf.info["Producer"] = pydyf.String("juki certificates")
        out = io.BytesIO()
        pdf.write(out, version=b"1.7", compress=True)
        return out.getvalue(), counts
