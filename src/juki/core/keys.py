"""Key provider (鍵管理): where juki's secret keys come from.

The default provider keeps keys as owner-only files in ``settings.JUKI_KEY_DIR`` (outside the
repository, created on first use). An external KMS (e.g. Vault transit) can replace it by
implementing the same three methods and naming it in ``JUKI_KEY_PROVIDER``.

Keys are named by purpose and carry a key ID, so ciphertexts and signatures say which key
made them and rotation can keep old keys for reading.

Key material is cached per process (docs/performance.md: reading the files on every encrypt / hash cost
more than the cryptography). Each cache entry remembers the file's identity (inode, size,
mtime, ctime) and is used only while one ``stat`` of the file still gives the same identity, so
a rotation by another process (``juki keys rotate`` replaces ``<purpose>.current``) or a key
file removed or replaced is seen on the next call; :meth:`LocalKeyProvider.new_key` and
:func:`reset_provider_cache` drop the cache in this process at once.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import secrets
from collections.abc import Callable
from functools import lru_cache
from pathlib import Path
from typing import Any, TypeVar, cast

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from django.conf import settings
from django.utils.module_loading import import_string

_T = TypeVar("_T")


class LocalKeyProvider:
    """Keys as files: ``<purpose>.<kid>.key`` (32 random bytes) and ``audit-signing.<kid>.pem``."""

    def __init__(self, directory: Path):
        self.directory = Path(directory)
        self._dir = os.fspath(self.directory)
        # file name -> (file identity when read, parsed value); see _cached().
        self._cache: dict[str, tuple[tuple[int, int, int, int], Any]] = {}

    def _cached(self, name: str, load: Callable[[Path], _T]) -> _T:
        """``load(path)`` of the file ``name`` in the key directory, reused while it is the same
        file, unchanged (one ``stat``).

        A missing file raises FileNotFoundError as reading it would; a file replaced (new inode,
        as ``os.replace`` makes) or rewritten (size, mtime, ctime) is read again.
        """
        st = os.stat(f"{self._dir}/{name}")
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
        hit = self._cache.get(name)
        if hit is not None and hit[0] == stamp:
            return cast(_T, hit[1])  # stored by this same load, for this same name
        value = load(self.directory / name)
        self._cache[name] = (stamp, value)
        return value

    def clear_cache(self) -> None:
        self._cache.clear()

    def _ensure_dir(self) -> None:
        self.directory.mkdir(parents=True, exist_ok=True)
        os.chmod(self.directory, 0o700)

    @staticmethod
    def _write_private(path: Path, data: bytes) -> None:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)

    def _current_kid(self, purpose: str) -> str | None:
        try:
            return self._cached(f"{purpose}.current", lambda p: p.read_text().strip())
        except FileNotFoundError:
            return None

    def new_key(self, purpose: str) -> str:
        """Create a new current key for ``purpose``; return its key ID."""
        self._ensure_dir()
        kid = f"{purpose}-{secrets.token_hex(4)}"
        if purpose == "audit-signing":
            key = Ed25519PrivateKey.generate()
            pem = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
            self._write_private(self.directory / f"{kid}.pem", pem)
        else:
            self._write_private(self.directory / f"{kid}.key", secrets.token_bytes(32))
        tmp = self.directory / f"{purpose}.current.tmp"
        tmp.write_text(kid)
        os.replace(tmp, self.directory / f"{purpose}.current")
        self.clear_cache()
        return kid

    def current_kid(self, purpose: str) -> str:
        kid = self._current_kid(purpose)
        return kid if kid else self.new_key(purpose)

    def secret(self, kid: str) -> bytes:
        return self._cached(f"{kid}.key", Path.read_bytes)

    def signing_key(self, kid: str) -> Ed25519PrivateKey:
        return self._cached(f"{kid}.pem", _load_signing_key)

    def verify_key(self, kid: str) -> Ed25519PublicKey:
        return self.signing_key(kid).public_key()


def _load_signing_key(path: Path) -> Ed25519PrivateKey:
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    assert isinstance(key, Ed25519PrivateKey)
    return key


@lru_cache(maxsize=1)
def provider() -> LocalKeyProvider:
    path = getattr(settings, "JUKI_KEY_PROVIDER", None)
    if path:
        configured: LocalKeyProvider = import_string(path)()
        return configured
    return LocalKeyProvider(settings.JUKI_KEY_DIR)


def reset_provider_cache() -> None:
    if provider.cache_info().currsize:
        clear = getattr(provider(), "clear_cache", None)
        if clear is not None:
            clear()
    provider.cache_clear()


# --- field encryption (AES-256-GCM, fresh 96-bit nonce per value) -----------------------

def encrypt(plaintext: bytes, *, purpose: str = "field", aad: bytes = b"") -> bytes:
    """Return ``kid|nonce|ciphertext`` (kid length-prefixed) for storage."""
    kid = provider().current_kid(purpose)
    nonce = secrets.token_bytes(12)
    ct = AESGCM(provider().secret(kid)).encrypt(nonce, plaintext, aad)
    kid_b = kid.encode()
    return bytes([len(kid_b)]) + kid_b + nonce + ct


def decrypt(blob: bytes, *, aad: bytes = b"") -> bytes:
    blob = bytes(blob)
    n = blob[0]
    kid = blob[1 : 1 + n].decode()
    nonce = blob[1 + n : 13 + n]
    return AESGCM(provider().secret(kid)).decrypt(nonce, blob[13 + n :], aad)


# --- keyed hashes (blind index; My Numbers in audit criteria) ----------------------------

def keyed_hash(value: str, *, purpose: str = "blind-index") -> str:
    """HMAC-SHA256 of ``value`` under the purpose's current key, as ``kid:hex``."""
    kid = provider().current_kid(purpose)
    mac = hmac.new(provider().secret(kid), value.encode(), hashlib.sha256).hexdigest()
    return f"{kid}:{mac}"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()
