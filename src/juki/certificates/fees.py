"""The fee table (手数料) for certificates, and its exemptions (手数料の免除).

Fees are set by each municipality's fee ordinance (手数料条例), so they are configuration:

- ``JUKI_CERTIFICATE_FEES`` — a JSON object (in settings or the environment) of yen per copy by
  document type, merged over :data:`DEFAULT_FEES`, e.g. ``{"copy_household": 350}``;
- ``JUKI_CERTIFICATE_FEE_EXEMPTIONS`` — a JSON list of the exemption reasons the ordinance
  allows (replaces :data:`DEFAULT_EXEMPTIONS`).

A request by a public body (公用請求, 住基法12条の2) is always exempt. Otherwise the fee is
``per copy × copies``, or 0 with one of the configured exemption reasons, which is recorded on
the request. An unknown reason is refused, so the ledger only ever shows reasons the ordinance
knows.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

from juki.core.errors import ValidationFailed

from .models import DocumentType, RequesterType

#: Default yen per copy (a common amount; every municipality sets its own in its ordinance).
DEFAULT_FEES: dict[str, int] = {
    DocumentType.RESIDENT_COPY_HOUSEHOLD: 300,
    DocumentType.RESIDENT_COPY_PERSONAL: 300,
    DocumentType.ENTRY_CERTIFICATE: 300,
    DocumentType.REMOVED_COPY: 300,
    DocumentType.NO_RECORD: 300,
    DocumentType.MOVE_OUT_CERTIFICATE: 0,  # 転出証明書 is issued with the 転出届, free of charge
}

#: Public-body requests are exempt by law; this is how the ledger names that exemption.
PUBLIC_BODY_EXEMPTION = "公用請求"

DEFAULT_EXEMPTIONS: tuple[str, ...] = (
    "生活保護の申請・受給のため",
    "児童扶養手当・特別児童扶養手当の請求のため",
    "災害の被災者",
)


def _configured(name: str) -> Any:
    value = getattr(settings, name, None)
    if value is None:
        value = os.environ.get(name) or None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise ImproperlyConfigured(f"{name} must be JSON: {exc}") from None
    return value


def fee_table() -> dict[str, int]:
    """Yen per copy for every document type (defaults overridden by ``JUKI_CERTIFICATE_FEES``)."""
    table = {str(k): v for k, v in DEFAULT_FEES.items()}
    extra = _configured("JUKI_CERTIFICATE_FEES") or {}
    if not isinstance(extra, dict):
        raise ImproperlyConfigured("JUKI_CERTIFICATE_FEES must be a JSON object of document type → yen")
    for key, yen in extra.items():
        if key not in DocumentType.values:
            raise ImproperlyConfigured(f"JUKI_CERTIFICATE_FEES: unknown document type {key!r}")
        if not isinstance(yen, int) or isinstance(yen, bool) or yen < 0:
            raise ImproperlyConfigured(f"JUKI_CERTIFICATE_FEES: fee for {key} must be a whole number of yen ≥ 0")
        table[key] = yen
    return table


def exemption_reasons() -> list[str]:
    """The exemption reasons staff may choose (``JUKI_CERTIFICATE_FEE_EXEMPTIONS``)."""
    reasons = _configured("JUKI_CERTIFICATE_FEE_EXEMPTIONS")
    if reasons is None:
        return list(DEFAULT_EXEMPTIONS)
    if not isinstance(reasons, list) or not all(isinstance(r, str) and r.strip() for r in reasons):
        raise ImproperlyConfigured("JUKI_CERTIFICATE_FEE_EXEMPTIONS must be a JSON list of reasons")
    return [r.strip() for r in reasons]


@dataclass(frozen=True)
class Fee:
    per_copy: int
    copies: int
    total: int
    exemption: str  # "" when charged


def fee_for(document_type: str, copies: int, *, requester_type: str, exemption: str = "") -> Fee:
    """The fee for a request: per copy × copies, or 0 when exempt (公用 or a configured reason)."""
    per_copy = fee_table().get(str(document_type), 0)
    exemption = (exemption or "").strip()
    if requester_type == RequesterType.PUBLIC_BODY:
        return Fee(per_copy, copies, 0, PUBLIC_BODY_EXEMPTION)
    if exemption:
        if exemption not in exemption_reasons():
            raise ValidationFailed("CERTIFICATE_FEE_EXEMPTION_UNKNOWN",
                                   "手数料の免除事由が条例で定められたものではありません。", field="fee_exemption")
        return Fee(per_copy, copies, 0, exemption)
    return Fee(per_copy, copies, per_copy * copies, "")
