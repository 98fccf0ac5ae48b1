"""The files of the 市町村CS node (its own tables; no register tables beside them)."""

from __future__ import annotations

from juki.network.identity import IdentityHistoryBase, IdentityRecordBase


class IdentityRecord(IdentityRecordBase):
    """本人確認情報ファイル（市町村CS）: the current record per 住民票コード."""

    class Meta(IdentityRecordBase.Meta):
        verbose_name = verbose_name_plural = "本人確認情報ファイル（市町村CS）"


class IdentityHistory(IdentityHistoryBase):
    """本人確認情報ファイルの履歴（市町村CS）: every update received, by 更新順番号, with its result."""

    class Meta(IdentityHistoryBase.Meta):
        verbose_name = verbose_name_plural = "本人確認情報ファイルの履歴（市町村CS）"
