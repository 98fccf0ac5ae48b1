"""Where new resident codes and My Numbers come from (番号の払出し).

In the real system the mayor takes 住民票コード from a range J-LIS allots to the municipality,
and J-LIS generates each My Number from the 住民票コード (番号法8条2項) in its national
generation system. Until juki's national node exists, :class:`LocalNumberSource` plays both
parts **locally** and says so: it is for the demo, tests and a stand-alone installation, not
a substitute for J-LIS. It follows the generation rules of jlis-001a digest §3.1:

- unique among every number it ever issued (the :class:`IssuedNumber` table is never purged,
  so a changed or expired number is never produced again);
- a My Number is obtained by converting the 住民票コード with a secret key (HMAC-SHA256,
  with a counter on collision), so the code cannot be recovered from the number without the key;
- check digits per 総務省令85号5条 (My Number) and the resident-code rule.

The national node will implement :class:`NumberSource` with messages to J-LIS; callers use
:func:`number_source` and never construct a source themselves.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from functools import lru_cache
from typing import Protocol

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.module_loading import import_string

from juki.core import clock, keys
from juki.identifiers import my_number, resident_code

from .models import IssuedNumber

#: Key purpose for the issued-number memory. Never rotated: the digests must stay comparable.
ISSUED_PURPOSE = "issued-numbers"
#: Key purpose for converting a resident code into a My Number (the secret conversion key).
GENERATION_PURPOSE = "my-number-generation"


class NumberSource(Protocol):
    def allocate_resident_code(self) -> str: ...

    def generate_my_number(self, resident_code_: str) -> str: ...


def _digest(value: str) -> str:
    return keys.keyed_hash(value, purpose=ISSUED_PURPOSE).split(":", 1)[1]


def _claim(kind: str, value: str) -> bool:
    """Record ``value`` as issued; False if it was issued before (ever)."""
    try:
        with transaction.atomic():
            IssuedNumber.objects.create(kind=kind, digest=_digest(value), issued_at=clock.now())
    except IntegrityError:
        return False
    return True


class LocalNumberSource:
    """Local stand-in for the J-LIS allotment and generation (see module docstring)."""

    def allocate_resident_code(self) -> str:
        while True:
            body = f"{secrets.randbelow(10**10):010d}"
            code = body + resident_code.check_digit(body)
            if _claim(IssuedNumber.Kind.RESIDENT_CODE, code):
                return code

    def generate_my_number(self, resident_code_: str) -> str:
        code = resident_code.validate(resident_code_)
        kid = keys.provider().current_kid(GENERATION_PURPOSE)
        secret = keys.provider().secret(kid)
        for counter in range(1000):
            mac = hmac.new(secret, f"{code}:{counter}".encode(), hashlib.sha256).digest()
            body = f"{int.from_bytes(mac, 'big') % 10**11:011d}"
            number = body + my_number.check_digit(body)
            if not my_number.is_valid(number):  # never issued (my_number.NEVER_ISSUED)
                continue
            if _claim(IssuedNumber.Kind.MY_NUMBER, number):
                return number
        raise RuntimeError("no unused My Number after 1000 conversions")  # pragma: no cover


@lru_cache(maxsize=1)
def number_source() -> NumberSource:
    path = getattr(settings, "JUKI_NUMBER_SOURCE", "")
    return import_string(path)() if path else LocalNumberSource()
