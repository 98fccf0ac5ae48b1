"""Certificates (証明書): rendering foundation for docs/certificates.md.

Plain modules for now (no models, URLs or migrations):

- :mod:`~juki.certificates.fonts` — IPAmj明朝 coverage (``can_print``, ``unprintable_chars``,
  IVS via cmap format 14) and the pre-subset working font;
- :mod:`~juki.certificates.render` — ``render_pdf`` (WeasyPrint, tuned) and
  ``render_pdf_naive`` (baseline);
- :mod:`~juki.certificates.fastpdf` — the direct writer of certificate pages (production path
  of :func:`juki.certificates.documents.render`, WeasyPrint as its fallback);
- :mod:`~juki.certificates.sample` — a representative 世帯連記式 page;
- ``bench()`` for ``juki bench`` is :mod:`juki.tools.bench.certificates`.

See docs/decisions/0004-pdf-rendering.md.
"""
