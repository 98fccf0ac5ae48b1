"""Certificate rendering speed (docs/performance.md): the function ``juki bench`` calls.

``bench(pages=40)`` renders a real 4-person 住民票の写し 世帯連記式 page with IVS names, built
by the certificate documents with its QR code (:func:`juki.certificates.sample.certificate_page`),
in each of these ways, in the same process and run:

===================  ==========================================================================
``naive_fonttools``  WeasyPrint defaults on the full 46 MB font, subsetting with fontTools
                     (what WeasyPrint does without libharfbuzz-subset, and what older
                     versions always did): the "over a second per page" of the issue.
                     Only ``min(3, pages)`` pages — it is slow.
``naive``            WeasyPrint 70 defaults on the full font (HarfBuzz subsetting), a fresh
                     font configuration per document, as a plain ``HTML(...).write_pdf()``.
``weasyprint``       :func:`juki.certificates.render.render_pdf`: WeasyPrint tuned (working font,
                     cached stylesheets, small UA stylesheet), one PDF per page — the
                     production path until session 2, still the fallback for unknown HTML.
``optimised``        the production path of certificate documents,
                     :func:`juki.certificates.documents.render_html_pages`: the direct writer
                     (:mod:`juki.certificates.fastpdf`), one PDF per page.
``optimised_batch``  the same with all pages in one PDF (one font subset for all).
===================  ==========================================================================

Each figure is pages per second of *CPU time of this process* (one core: WeasyPrint renders
on a single thread), best of ``rounds`` rounds, so that other load on the machine disturbs
it less; wall-clock figures are reported beside it. The one-off cost of building the working
font (cached on disk) and of the first render is reported as ``setup_seconds``.
"""

from __future__ import annotations

import datetime as dt
import logging
import os
import platform
import time
from collections.abc import Callable
from typing import Any

from juki.certificates import render, sample
from juki.certificates.documents import render_html_pages

__all__ = ["bench"]


def _measure(fn: Callable[[], Any], count: int, rounds: int) -> dict[str, float]:
    best_cpu = best_wall = float("inf")
    for _ in range(rounds):
        wall0, cpu0 = time.perf_counter(), time.process_time()
        fn()
        best_cpu = min(best_cpu, time.process_time() - cpu0)
        best_wall = min(best_wall, time.perf_counter() - wall0)
    return {
        "pages": count,
        "pages_per_second": round(count / best_cpu, 2),
        "ms_per_page": round(1000 * best_cpu / count, 1),
        "wall_pages_per_second": round(count / best_wall, 2),
    }


def _fonttools_pages(html: str, css: str, count: int) -> None:
    import weasyprint.pdf.fonts as weasy_fonts

    saved = weasy_fonts.harfbuzz_subset
    logger = logging.getLogger("weasyprint")
    level = logger.level
    weasy_fonts.harfbuzz_subset = None  # WeasyPrint then subsets with fontTools (and warns)
    logger.setLevel(logging.ERROR)
    try:
        for _ in range(count):
            render.render_pdf_naive(html, css=css)
    finally:
        weasy_fonts.harfbuzz_subset = saved
        logger.setLevel(level)


def bench(pages: int = 40, *, rounds: int = 3, include_fonttools: bool = True) -> dict[str, Any]:
    """Measure naive and optimised rendering of the sample page; return the figures.

    ``result["optimised"]["pages_per_second"]`` is the figure docs/performance.md sets a target for (target
    ≥ 20 on one core); ``result["ratio"]`` is optimised / naive.
    """
    if pages < 1:
        raise ValueError("pages must be at least 1")
    html, css = sample.certificate_page()

    setup0 = time.perf_counter()
    first, _ = render_html_pages([html])  # builds/loads the working font
    render.render_pdf(html, css=css)
    render.render_pdf_naive(html, css=css)  # warms Pango/fontconfig for the full font
    setup_seconds = time.perf_counter() - setup0

    result: dict[str, Any] = {
        "date": dt.date.today().isoformat(),
        "machine": f"{platform.machine()}, {os.cpu_count()} CPUs, Python {platform.python_version()}",
        "page": "住民票の写し 世帯連記式, A4, 4 members with IVS names",
        "pdf_bytes": len(first),
        "setup_seconds": round(setup_seconds, 2),
    }
    if include_fonttools:
        n = min(3, pages)
        result["naive_fonttools"] = _measure(lambda: _fonttools_pages(html, css, n), n, 1)
    result["naive"] = _measure(
        lambda: [render.render_pdf_naive(html, css=css) for _ in range(pages)], pages, rounds
    )
    result["weasyprint"] = _measure(
        lambda: [render.render_pdf(html, css=css) for _ in range(pages)], pages, rounds
    )
    result["optimised"] = _measure(
        lambda: [render_html_pages([html]) for _ in range(pages)], pages, rounds
    )
    result["optimised_batch"] = _measure(lambda: render_html_pages([html] * pages), pages, rounds)
    result["ratio"] = round(
        result["optimised"]["pages_per_second"] / result["naive"]["pages_per_second"], 1
    )
    return result


if __name__ == "__main__":  # pragma: no cover - manual use: python -m juki.tools.bench.certificates
    import json
    import sys

    print(
        json.dumps(
            bench(int(sys.argv[1]) if len(sys.argv) > 1 else 40), ensure_ascii=False, indent=2
        )
    )
