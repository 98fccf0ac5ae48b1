"""Server-side SVG charts (グラフ): population pyramid, horizontal bars, monthly grouped bars.

Plain SVG markup written here (no chart library, no JavaScript): the same string goes into the
statistics page and into the PDF report (WeasyPrint renders inline SVG), and tests can read the
bars. Every bar is a ``<rect class="bar ...">`` with ``data-value``; suppressed values
(「X」) are drawn as no bar with the label 「X」, so a chart never shows a count the table hides.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from html import escape
from typing import Any

from django.utils.safestring import SafeString, mark_safe

#: Font stack on screen; the PDF report passes the certificates' FONT_STACK (same glyphs).
SCREEN_FONT = "'IPAmj明朝', IPAmjMincho, serif"
MALE = "#3b6ea8"
FEMALE = "#c0504d"
_FONT: ContextVar[str] = ContextVar("svg_font", default=SCREEN_FONT)


@contextmanager
def font(stack: str) -> Iterator[None]:
    """Draw the charts made inside the block with the font stack ``stack`` (the PDF report)."""
    token = _FONT.set(stack)
    try:
        yield
    finally:
        _FONT.reset(token)


PALETTE = ("#3b6ea8", "#c0504d", "#9bbb59", "#8064a2", "#4bacc6", "#f79646", "#7f7f7f")


def _num(v: Any) -> float:
    return float(v) if isinstance(v, int | float) and not isinstance(v, bool) else 0.0


def _svg(width: int, height: int, body: list[str], title: str) -> SafeString:
    head = (f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="{width}" height="{height}" '
            f'viewBox="0 0 {width} {height}" role="img" aria-label="{escape(title)}">'
            f'<title>{escape(title)}</title><rect x="0" y="0" width="{width}" height="{height}" fill="#ffffff"/>')
    return mark_safe(head + "".join(body) + "</svg>")


def _text(x: float, y: float, s: Any, *, anchor: str = "start", size: int = 11, fill: str = "#222",
          font: str | None = None) -> str:
    font = font or _FONT.get()
    return (f'<text x="{x:.1f}" y="{y:.1f}" font-size="{size}" text-anchor="{anchor}" fill="{fill}" '
            f'font-family="{escape(font)}">'
            f"{escape(str(s))}</text>")


def pyramid(rows: Sequence[tuple[str, Any, Any]], *, title: str = "人口ピラミッド") -> SafeString:
    """Rows (label, male, female), youngest first; drawn oldest at the top."""
    width, label_w, row_h, top = 640, 80, 16, 30
    height = top + row_h * len(rows) + 24
    half = (width - label_w) / 2 - 10
    peak = max([_num(m) for _, m, _ in rows] + [_num(f) for _, _, f in rows] + [1.0])
    mid_l, mid_r = half + 10, half + 10 + label_w
    body = [_text(mid_l - 4, 18, "男", anchor="end", size=13, fill=MALE), _text(mid_r + 4, 18, "女", size=13, fill=FEMALE)]
    for i, (label, male, female) in enumerate(reversed(list(rows))):
        y = top + i * row_h
        body.append(_text((mid_l + mid_r) / 2, y + row_h - 4, label, anchor="middle", size=10))
        for value, colour, side in ((male, MALE, "male"), (female, FEMALE, "female")):
            w = _num(value) / peak * (half - 40)
            x = mid_l - w if side == "male" else mid_r
            body.append(f'<rect class="bar {side}" data-value="{escape(str(value))}" x="{x:.1f}" y="{y + 1}" '
                        f'width="{w:.1f}" height="{row_h - 3}" fill="{colour}"/>')
            tx, anchor = (x - 3, "end") if side == "male" else (x + w + 3, "start")
            body.append(_text(tx, y + row_h - 4, value, anchor=anchor, size=9))
    return _svg(width, height, body, title)


def hbars(rows: Sequence[tuple[str, Any]], *, title: str) -> SafeString:
    """Horizontal bars, one per (label, value)."""
    width, label_w, row_h, top = 640, 150, 20, 10
    height = top + row_h * max(len(rows), 1) + 10
    peak = max([_num(v) for _, v in rows] + [1.0])
    body: list[str] = []
    for i, (label, value) in enumerate(rows):
        y = top + i * row_h
        w = _num(value) / peak * (width - label_w - 60)
        body.append(_text(label_w - 6, y + row_h - 6, label, anchor="end"))
        body.append(f'<rect class="bar" data-value="{escape(str(value))}" x="{label_w}" y="{y + 2}" '
                    f'width="{w:.1f}" height="{row_h - 5}" fill="{PALETTE[0]}"/>')
        body.append(_text(label_w + w + 4, y + row_h - 6, value, size=10))
    return _svg(width, height, body, title)


def grouped_bars(categories: Sequence[str], series: Sequence[tuple[str, Sequence[Any]]], *, title: str) -> SafeString:
    """Vertical grouped bars: one group per category (month), one bar per series, with a legend."""
    width, height, left, bottom, top = 720, 300, 40, 50, 30
    plot_w, plot_h = width - left - 10, height - top - bottom
    peak = max([_num(v) for _, values in series for v in values] + [1.0])
    group_w = plot_w / max(len(categories), 1)
    bar_w = max((group_w - 6) / max(len(series), 1), 1)
    body = [f'<line x1="{left}" y1="{top + plot_h}" x2="{width - 10}" y2="{top + plot_h}" stroke="#888"/>',
            _text(left - 4, top + 4, int(peak), anchor="end", size=9)]
    for s_i, (name, _values) in enumerate(series):
        lx = left + s_i * 110
        body.append(f'<rect x="{lx}" y="8" width="10" height="10" fill="{PALETTE[s_i % len(PALETTE)]}"/>')
        body.append(_text(lx + 14, 17, name, size=10))
    for c_i, cat in enumerate(categories):
        gx = left + c_i * group_w + 3
        for s_i, (name, values) in enumerate(series):
            v = values[c_i]
            h = _num(v) / peak * plot_h
            x = gx + s_i * bar_w
            body.append(f'<rect class="bar" data-series="{escape(name)}" data-value="{escape(str(v))}" x="{x:.1f}" '
                        f'y="{top + plot_h - h:.1f}" width="{bar_w - 1:.1f}" height="{h:.1f}" '
                        f'fill="{PALETTE[s_i % len(PALETTE)]}"/>')
        body.append(_text(gx + group_w / 2 - 3, top + plot_h + 14, cat, anchor="middle", size=9))
    return _svg(width, height, body, title)
