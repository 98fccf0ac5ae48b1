"""The files of the 都道府県サーバ node (its own tables; no register tables beside them)."""

from __future__ import annotations

from juki.network.identity import IdentityHistoryBase, IdentityRecordBase


class IdentityRecord(IdentityRecordBase):
    """都道府県知事保存本人確認情報: the current record per 住民票コード."""

    class Meta(IdentityRecordBase.Meta):
        verbose_name = verbose_name_plural = "都道府県知事保存本人確認情報"


class IdentityHistory(IdentityHistoryBase):
    """都道府県知事保存本人確認情報の履歴: every update received, by 更新順番号, with its result."""

    class Meta(IdentityHistoryBase.Meta):
        verbose_name = verbose_name_plural = "都道府県知事保存本人確認情報の履歴"
