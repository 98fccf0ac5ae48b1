"""``bench()`` (docs/performance.md): the figures ``juki bench`` will print. No timing assertions:
the figures themselves live in docs/performance.md."""

from __future__ import annotations

import weasyprint.pdf.fonts

from juki.tools.bench.certificates import bench


def test_bench_reports_naive_and_optimised_rates_from_one_run():
    before = weasyprint.pdf.fonts.harfbuzz_subset
    result = bench(pages=1, rounds=1)
    for key in ("naive_fonttools", "naive", "optimised", "optimised_batch"):
        assert result[key]["pages"] >= 1
        assert result[key]["pages_per_second"] > 0
        assert result[key]["ms_per_page"] > 0
    assert result["ratio"] > 0
    assert 0 < result["pdf_bytes"] < 100_000
    assert "CPUs" in result["machine"]
    # The fontTools baseline patches WeasyPrint for its duration only.
    assert weasyprint.pdf.fonts.harfbuzz_subset is before


def test_bench_refuses_zero_pages():
    import pytest

    with pytest.raises(ValueError):
        bench(pages=0)
