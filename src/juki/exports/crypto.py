"""The export file's encryption (出力ファイルの暗号化): AES-256-GCM under a per-export random key.

Chosen design (docs/privacy-exports.md): the key is made at production, shown to the requester
once, and never stored or logged. The system keeps only the ciphertext, so neither a copy of
the media nor a dump of the database reveals the data without the key, which travels by a
separate channel.

File layout (all binary)::

    b"JUKIEXP1" | len(watermark_id) (1 byte) | watermark_id (ASCII) | nonce (12 bytes) | ciphertext+tag

The magic and the watermark ID are the AES-GCM associated data, so neither can be altered.
Decrypt with ``python -m juki.exports.crypto FILE KEY OUTPUT``.
"""

from __future__ import annotations

import base64
import os
import secrets
import sys
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"JUKIEXP1"


def new_key() -> bytes:
    return secrets.token_bytes(32)


def key_text(key: bytes) -> str:
    """The key as the requester copies it (URL-safe Base64, no padding: 43 characters)."""
    return base64.urlsafe_b64encode(key).decode().rstrip("=")


def key_from_text(text: str) -> bytes:
    text = "".join(text.split())
    key = base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    if len(key) != 32:
        raise ValueError("key must be 32 bytes")
    return key


def seal_file(plaintext: bytes, key: bytes, watermark_id: str) -> bytes:
    wm = watermark_id.encode("ascii")
    header = MAGIC + bytes([len(wm)]) + wm
    nonce = secrets.token_bytes(12)
    return header + nonce + AESGCM(key).encrypt(nonce, plaintext, header)


def watermark_of(blob: bytes) -> str:
    """The watermark ID in a file's clear header (to trace a found file without its key)."""
    if blob[: len(MAGIC)] != MAGIC:
        raise ValueError("not a juki export file")
    n = blob[len(MAGIC)]
    return blob[len(MAGIC) + 1 : len(MAGIC) + 1 + n].decode("ascii")


def open_file(blob: bytes, key: bytes) -> bytes:
    blob = bytes(blob)
    n = len(watermark_of(blob))
    header_len = len(MAGIC) + 1 + n
    header, nonce, ct = blob[:header_len], blob[header_len : header_len + 12], blob[header_len + 12 :]
    return AESGCM(key).decrypt(nonce, ct, header)


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if len(args) != 3:
        sys.stderr.write("使い方: python -m juki.exports.crypto 暗号化ファイル 鍵 出力先CSV\n")
        return 2
    src, key, out = args
    data = open_file(Path(src).read_bytes(), key_from_text(key))
    fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)  # personal data: owner only
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
