"""Who asks for information from the register (請求者), and the document they proved it with.

Shared by certificate issuance (住民基本台帳法12条・12条の2・12条の3, :mod:`juki.certificates`)
and requests about one's own record (開示請求等, :mod:`juki.disclosure`): both check an identity
document at the counter and describe the requester with one :class:`Requester`. It lives in the
register app because both apps build on it and neither may depend on the other for it.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class IdentityDocument(models.TextChoices):
    """本人確認書類 (the document the requester's identity was checked with)."""

    MY_NUMBER_CARD = "my_number_card", "個人番号カード"
    DRIVING_LICENCE = "driving_licence", "運転免許証"
    PASSPORT = "passport", "旅券"
    RESIDENCE_CARD = "residence_card", "在留カード・特別永住者証明書"
    HEALTH_INSURANCE = "health_insurance", "健康保険の資格確認書等（2点）"
    OFFICIAL_ID = "official_id", "職員証（公用請求）"
    OTHER = "other", "その他"

    @classmethod
    def personal(cls) -> list[IdentityDocument]:
        """The documents a person proves their own identity with (all but 職員証)."""
        return [d for d in cls if d != cls.OFFICIAL_ID]


class RequesterCapacity(models.TextChoices):
    """請求者の資格: the person themself or someone acting for them (開示請求等)."""

    SELF = "self", "本人"
    LEGAL_REPRESENTATIVE = "legal_representative", "法定代理人"
    AGENT = "agent", "任意代理人"


@dataclass(frozen=True)
class Requester:
    """請求者: who asks, as the counter checked them.

    ``requester_type`` is the certificate request's ground under the Act (12条 / 12条の2 /
    12条の3, ``juki.certificates.models.RequesterType``); ``capacity`` is the disclosure
    request's 本人・法定代理人・任意代理人 (:class:`RequesterCapacity`); ``purpose`` and
    ``purpose_category`` are the certificate request's 請求事由 (12条の3第1項).
    """

    identity_document: str
    identity_document_note: str = ""
    requester_type: str = ""
    capacity: str = RequesterCapacity.SELF
    name: str = ""
    address: str = ""
    relation: str = ""
    person_id: int | None = None
    purpose: str = ""
    purpose_category: str = ""
