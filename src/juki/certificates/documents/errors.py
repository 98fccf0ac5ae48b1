"""Refusals of certificate documents: stable codes (``certificate.*``), Japanese messages."""

from __future__ import annotations

from typing import Any

from juki.core.errors import ValidationFailed

__all__ = ["CertificateRefused"]


class CertificateRefused(ValidationFailed):
    """A certificate that must not be produced as asked (nothing is issued).

    Codes: ``certificate.person_unknown``, ``certificate.persons_required``,
    ``certificate.removed_on_current_form``, ``certificate.not_removed``,
    ``certificate.not_same_household``, ``certificate.no_move_out``,
    ``certificate.record_exists``, ``certificate.query_required``, ``certificate.unprintable``,
    ``certificate.items_required``, ``certificate.option_unknown``, ``certificate.option_invalid``,
    ``certificate.option_not_applicable``, ``certificate.municipality_missing``.
    """

    def __init__(self, code: str, message: str, field: str | None = None, **kw: Any):
        super().__init__(code, message, field=field, **kw)
