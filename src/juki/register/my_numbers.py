"""Storing My Numbers (個人番号の保管): encrypted at rest, found by a keyed blind index.

A My Number never reaches the database in clear. :func:`seal` checks the check digit and
returns the AES-256-GCM ciphertext (bound to the person's addressee number as associated
data, so a ciphertext copied onto another person's row does not decrypt) and the HMAC-SHA256
blind index used for exact-match search by the My Number officer. Keys come from
:mod:`juki.core.keys` under their own purposes, so they can be rotated apart from other
field keys.
"""

from __future__ import annotations

from juki.core import keys
from juki.identifiers import my_number

ENCRYPTION_PURPOSE = "my-number"
INDEX_PURPOSE = "my-number-index"


def _aad(addressee_no: int) -> bytes:
    return f"my-number:{addressee_no}".encode()


def blind_index(number: str) -> str:
    """The keyed hash stored in ``ResidentRecord.my_number_index`` (after validation)."""
    return keys.keyed_hash(my_number.validate(number), purpose=INDEX_PURPOSE)


def seal(number: str, addressee_no: int) -> tuple[bytes, str]:
    """Validate ``number`` and return ``(ciphertext, blind_index)`` for the person's record."""
    digits = my_number.validate(number)
    return encrypt(digits, addressee_no), keys.keyed_hash(digits, purpose=INDEX_PURPOSE)


def encrypt(digits: str, addressee_no: int) -> bytes:
    """The ciphertext part of :func:`seal`, for a number already validated (the bulk loader
    computes the blind index in its worker processes and encrypts once numbers are allocated)."""
    return keys.encrypt(digits.encode(), purpose=ENCRYPTION_PURPOSE, aad=_aad(addressee_no))


def reveal(blob: bytes, addressee_no: int) -> str:
    """Decrypt a stored My Number. Callers must hold MY_NUMBER_REVEAL and log the reveal."""
    return keys.decrypt(blob, aad=_aad(addressee_no)).decode()
