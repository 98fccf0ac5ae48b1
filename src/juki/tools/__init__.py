"""Tools (ツール): what runs beside the register, not part of it.

- :mod:`juki.tools.demo` — the demo municipality (デモ自治体) and ``juki demo``;
- :mod:`juki.tools.bench` — ``juki bench`` (性能測定), each figure beside its raw baseline.

Tools sit outside the domain layers: they may import the domain apps (register, security,
audit, certificates, stats, …) and act through their actions; nothing in the domain imports
them (tests/test_layers.py checks it).
"""
