"""市町村CS（コミュニケーションサーバ）: its municipality's 本人確認情報ファイル (住基法30条の6), kept
from the municipality's updates and passed on to the prefecture (docs/network.md).
"""
