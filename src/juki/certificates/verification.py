"""Verification codes (照合番号) printed on certificates, and the digest the public page shows.

Every issued PDF carries a code such as ``7KQ2-M9XD-4HTV-0BWE`` and a QR code of
:func:`verification_url`. Anyone holding the paper or the PDF can open ``/verify/<code>``
(:mod:`juki.certificates.views_verify`) and learn the document type, the date of issue, whether
it is still valid, and the SHA-256 of the PDF as issued — nothing about the person.

The code is 16 symbols of Crockford's base32 (80 random bits from :mod:`secrets`): no I, L, O
or U, so it is unambiguous when read aloud or typed from paper. :func:`normalise_code` accepts
what people type — lower case, spaces or full-width characters, missing or extra hyphens, ``O``
for ``0`` and ``I``/``L`` for ``1`` — and returns the stored, grouped form, or ``None`` if the
text cannot be a code (then no database lookup is needed).
"""

from __future__ import annotations

import hashlib
import secrets
import unicodedata

from juki.core.addresses import public_base_url

__all__ = [
    "ALPHABET",
    "CODE_SYMBOLS",
    "code_fingerprint",
    "content_digest",
    "new_code",
    "normalise_code",
    "verification_url",
]

#: Crockford's base32 alphabet (数字とI・L・O・Uを除く英大文字).
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
#: Symbols in a code: 16 × 5 bits = 80 bits.
CODE_SYMBOLS = 16
GROUP = 4

# Characters people type for another one (Crockford's decoding rules).
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})
_SEPARATORS = str.maketrans("", "", "- \t\r\n\u2010\u2011\u2012\u2013\u2014\u2212\u30fc")


def _group(symbols: str) -> str:
    return "-".join(symbols[i : i + GROUP] for i in range(0, len(symbols), GROUP))


def new_code() -> str:
    """A new, unguessable verification code in its printed (and stored) form ``XXXX-XXXX-XXXX-XXXX``.

    The caller stores it in ``Certificate.verification_code`` (unique): a collision of 80-bit
    random codes is practically impossible, and the unique constraint catches it if it happens.
    """
    return _group("".join(secrets.choice(ALPHABET) for _ in range(CODE_SYMBOLS)))


def normalise_code(text: str | None) -> str | None:
    """The stored form of a typed code, or ``None`` if ``text`` cannot be a verification code.

    NFKC folds full-width letters and digits (ＡＢ１２ → AB12); case, hyphens, dashes and
    spaces are ignored; O reads as 0, I and L as 1.
    """
    if not text:
        return None
    folded = unicodedata.normalize("NFKC", text).upper().translate(_SEPARATORS).translate(_READ_AS)
    if len(folded) != CODE_SYMBOLS or any(ch not in ALPHABET for ch in folded):
        return None
    return _group(folded)


def verification_url(code: str) -> str:
    """The public URL printed as the QR code: ``JUKI_PUBLIC_BASE_URL`` (or the served address) +
    ``/verify/<code>``."""
    return f"{public_base_url()}/verify/{code}"


def content_digest(pdf: bytes) -> str:
    """SHA-256 of the PDF bytes as issued (hex, lower case): ``Certificate.content_sha256``."""
    return hashlib.sha256(pdf).hexdigest()


def code_fingerprint(code: str) -> str:
    """What the audit log keeps of a looked-up code: its first group and a short hash of it.

    Enough to correlate lookups of one code; not enough to open the verification page.
    """
    normal = normalise_code(code)
    if normal is None:
        return "invalid"
    return f"{normal[:GROUP]}…#{hashlib.sha256(normal.encode()).hexdigest()[:12]}"
