"""Field validators: the identifiers' check digits, as Django model-field validators.

They run in ``full_clean()`` and in forms; actions validate with :mod:`juki.identifiers`
directly and raise its typed errors.
"""

from __future__ import annotations

from collections.abc import Callable

from django.core.exceptions import ValidationError

from juki.identifiers import lg_code, resident_code
from juki.identifiers.errors import IdentifierError


def _check(validate: Callable[[str], str], value: str) -> None:
    if not value:
        return
    try:
        normalised = validate(value)
    except IdentifierError as exc:
        raise ValidationError(exc.message, code=exc.code) from exc
    if normalised != value:
        raise ValidationError("半角数字のみで保存してください。", code="NOT_NORMALISED")


def validate_lg_code(value: str) -> None:
    """地方公共団体コード: 6 ASCII digits with a correct check digit."""
    _check(lg_code.validate, value)


def validate_resident_code(value: str) -> None:
    """住民票コード: 11 ASCII digits with a correct check digit."""
    _check(resident_code.validate, value)
