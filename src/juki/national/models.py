"""The files of the 全国サーバ（機構） node (its own tables; no register tables beside them)."""

from __future__ import annotations

from juki.network.identity import IdentityHistoryBase, IdentityRecordBase


class IdentityRecord(IdentityRecordBase):
    """機構保存本人確認情報: the current record per 住民票コード."""

    class Meta(IdentityRecordBase.Meta):
        verbose_name = verbose_name_plural = "機構保存本人確認情報"


class IdentityHistory(IdentityHistoryBase):
    """機構保存本人確認情報の履歴: every update received, by 更新順番号, with its result."""

    class Meta(IdentityHistoryBase.Meta):
        verbose_name = verbose_name_plural = "機構保存本人確認情報の履歴"
