"""Payload schemas of network messages that are not register events.

The register's outbound events (:mod:`juki.register.events`) are the payloads of the updates;
the answers the upper tiers send back are declared here, as closed, versioned models.
"""

from __future__ import annotations

from typing import ClassVar, Literal

from pydantic import BaseModel, ConfigDict, Field


class IdentityUpdateResult(BaseModel):
    """本人確認情報の更新結果: the national server's answer to one 本人確認情報の更新,
    passed back down the chain to the municipality that sent it."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: ClassVar[str] = "identity_update_result"
    version: ClassVar[int] = 1

    update_id: str = Field(description="結果を返す更新通知のメッセージID")
    resident_code: str = Field(description="住民票コード")
    result: Literal["accepted", "rejected"] = Field(description="処理結果（受理・不受理）")
    code: str = Field(default="", description="不受理の理由コード")
    message: str = Field(default="", description="不受理の理由")
