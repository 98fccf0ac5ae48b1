"""Password policy (パスワード規則) beyond Django's validators."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError

from juki.core.digits import is_ascii_digits


class CharacterClassValidator:
    """At least three of: upper case, lower case, digits, symbols."""

    def validate(self, password: str, user: Any = None) -> None:
        classes = sum([
            any(c.isupper() for c in password),
            any(c.islower() for c in password),
            any(is_ascii_digits(c) for c in password),
            any(not c.isalnum() for c in password),
        ])
        if classes < 3:
            raise ValidationError(
                "パスワードには英大文字・英小文字・数字・記号のうち3種類以上を含めてください。",
                code="password_character_classes",
            )

    def get_help_text(self) -> str:
        return "英大文字・英小文字・数字・記号のうち3種類以上を含めてください。"
