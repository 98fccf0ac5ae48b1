"""``juki bench`` (性能測定, docs/performance.md): what juki's paths cost beside the raw database work.

:func:`juki.tools.bench.runner.run` measures, against the configured database, each figure of
docs/performance.md together with a *baseline* measured in the same run — the minimal raw SQL (or raw
library call) doing the same data work — and the ratio between them. See docs/performance.md.
"""
