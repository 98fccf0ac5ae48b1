"""全国サーバ（機構）: 機構保存本人確認情報 (住基法30条の7・30条の9), kept from the prefectures'
updates; it decides each update (受理・不受理) and answers down the chain (docs/network.md).
"""
