"""Small PDF readers for the certificate tests: streams, glyph IDs, the embedded font.

WeasyPrint writes text as ``[<hex glyph ids>] TJ`` with Identity-H encoding and keeps the
glyph IDs of the font it subsets (HarfBuzz ``RETAIN_GIDS``), so a glyph ID in the content
stream is the glyph ID in the working font. Poppler's command-line tools (poppler-utils,
installed by .ci/run) rasterise and extract text.
"""

from __future__ import annotations

import io
import re
import subprocess
import zlib
from pathlib import Path

from fontTools.ttLib import TTFont

_STREAM = re.compile(rb"<<(.*?)>>\s*stream\r?\n(.*?)\r?\nendstream", re.S)


def streams(pdf: bytes) -> list[tuple[bytes, bytes]]:
    """(dictionary, decoded data) of every stream object."""
    out = []
    for head, data in _STREAM.findall(pdf):
        if b"/FlateDecode" in head:
            data = zlib.decompress(data)
        out.append((head, data))
    return out


def glyph_ids(pdf: bytes) -> list[int]:
    """Glyph IDs shown by ``TJ``/``Tj`` operators, in drawing order."""
    gids: list[int] = []
    for _, data in streams(pdf):
        for hexes in re.findall(
            rb"<([0-9a-fA-F]+)>",
            b" ".join(re.findall(rb"\[[^\]]*\]\s*TJ|<[0-9a-fA-F]+>\s*Tj", data)),
        ):
            gids += [int(hexes[i : i + 4], 16) for i in range(0, len(hexes), 4)]
    return gids


def embedded_fonts(pdf: bytes) -> list[TTFont]:
    """Every embedded TrueType font program (FontFile2 streams carry ``/Length1``)."""
    return [TTFont(io.BytesIO(data)) for head, data in streams(pdf) if b"/Length1" in head]


def outline(font: TTFont, glyph: str | int) -> tuple:
    """A comparable outline: coordinates, contour ends and flags (composites flattened)."""
    glyf = font["glyf"]
    name = font.getGlyphName(glyph) if isinstance(glyph, int) else glyph
    coords, ends, flags = glyf[name].getCoordinates(glyf)
    return (tuple(coords), tuple(ends), bytes(flags))


def pdftotext(pdf: bytes, tmp: Path) -> str:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    return subprocess.run(
        ["pdftotext", "-layout", str(path), "-"], check=True, capture_output=True, text=True
    ).stdout


def pdffonts(pdf: bytes, tmp: Path) -> list[list[str]]:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    lines = subprocess.run(
        ["pdffonts", str(path)], check=True, capture_output=True, text=True
    ).stdout.splitlines()
    return [line.split() for line in lines[2:]]


def page_count(pdf: bytes, tmp: Path) -> int:
    path = tmp / "doc.pdf"
    path.write_bytes(pdf)
    info = subprocess.run(["pdfinfo", str(path)], check=True, capture_output=True, text=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", info, re.M).group(1))


def rasterise(pdf: bytes, tmp: Path, name: str, dpi: int = 100) -> bytes:
    """First page as a greyscale PGM image (bytes), via pdftoppm."""
    path = tmp / f"{name}.pdf"
    path.write_bytes(pdf)
    subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-gray", "-f", "1", "-l", "1", str(path), str(tmp / name)],
        check=True,
    )
    (image,) = sorted(tmp.glob(f"{name}-*.pgm"))
    return image.read_bytes()
