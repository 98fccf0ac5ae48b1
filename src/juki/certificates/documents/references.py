"""Regenerate the layouts' reference images and the documentation images.

    python -m juki.certificates.documents.references            # both
    python -m juki.certificates.documents.references --check    # compare only, exit 1 on drift

Writes, for each sample document (:data:`.samples.SAMPLES`, fixed data and stamp):

- ``tests/certificates/reference/<name>.png`` — page 1 at 50 dpi, greyscale, compared by
  ``tests/certificates/test_documents_layout.py`` (mean absolute pixel difference);
- ``docs/images/certificates/<name>.png`` — page 1 at 100 dpi for docs/certificates.md.

Look at every regenerated image before committing it: it *is* the reviewed layout.
Needs poppler-utils (``pdftoppm``).
"""

from __future__ import annotations

import subprocess
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parents[4]
REFERENCE_DIR = REPO / "tests" / "certificates" / "reference"
DOCS_DIR = REPO / "docs" / "images" / "certificates"
REFERENCE_DPI = 50
DOCS_DPI = 100
#: Mean absolute difference (0–255 grey levels) below which a page matches its reference.
THRESHOLD = 1.5


def rasterise(pdf: bytes, dpi: int, *, gray: bool = True) -> bytes:
    """Page 1 of ``pdf`` as PNG bytes (pdftoppm)."""
    with tempfile.TemporaryDirectory() as tmp:
        src = Path(tmp) / "doc.pdf"
        src.write_bytes(pdf)
        args = ["pdftoppm", "-r", str(dpi), "-png", "-f", "1", "-l", "1", "-singlefile"]
        if gray:
            args.append("-gray")
        subprocess.run([*args, str(src), str(Path(tmp) / "page")], check=True)  # noqa: S603 - fixed argv
        return (Path(tmp) / "page.png").read_bytes()


def mean_abs_diff(png_a: bytes, png_b: bytes) -> float:
    """Mean absolute grey-level difference of two images (inf if their sizes differ)."""
    import io

    from PIL import Image, ImageChops, ImageStat

    a = Image.open(io.BytesIO(png_a)).convert("L")
    b = Image.open(io.BytesIO(png_b)).convert("L")
    if a.size != b.size:
        return float("inf")
    return float(ImageStat.Stat(ImageChops.difference(a, b)).mean[0])


def sample_pdf(name: str) -> bytes:
    from . import render_html_pages, samples

    return render_html_pages(samples.sample_pages(name))[0]


def main(argv: list[str]) -> int:
    import os

    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "juki.settings")
    django.setup()
    from .samples import SAMPLES

    check = "--check" in argv
    REFERENCE_DIR.mkdir(parents=True, exist_ok=True)
    DOCS_DIR.mkdir(parents=True, exist_ok=True)
    drift = 0
    for name in SAMPLES:
        pdf = sample_pdf(name)
        ref = rasterise(pdf, REFERENCE_DPI)
        target = REFERENCE_DIR / f"{name}.png"
        if check:
            diff = mean_abs_diff(ref, target.read_bytes()) if target.exists() else float("inf")
            print(f"{name}: mean abs diff {diff:.3f}")
            drift += diff >= THRESHOLD
            continue
        target.write_bytes(ref)
        (DOCS_DIR / f"{name}.png").write_bytes(rasterise(pdf, DOCS_DPI, gray=False))
        print(f"wrote {target.relative_to(REPO)} and docs/images/certificates/{name}.png")
    return 1 if drift else 0


if __name__ == "__main__":  # pragma: no cover - manual use
    sys.exit(main(sys.argv[1:]))
