"""都道府県サーバ: the prefecture's 都道府県知事保存本人確認情報 (住基法30条の6・30条の7第1項),
kept from its CSs' updates and passed on to the national server (docs/network.md).
"""
