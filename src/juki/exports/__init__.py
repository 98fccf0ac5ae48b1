"""Bulk output of personal data (大量出力) with prior approval by the 管理責任者.

Hiroshima digest D2.14: "大量のデータ出力に際しては、事前に管理責任者の承認を得る". See
docs/privacy-exports.md.
"""
