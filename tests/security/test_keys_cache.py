"""Key material is cached per process and the cache follows the key files (docs/performance.md: the key
files were read on every encrypt / hash). A key rotated by another process (``juki keys
rotate`` is a separate process from the server) must be used from the next call on, or new
values would be sealed under a key the rotation has already finished with (docs/privacy-keys.md)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from juki.core import keys
from juki.core.keys import LocalKeyProvider


@pytest.fixture
def key_dir(tmp_path: Path) -> Path:
    return tmp_path / "keys"


def _count_reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    reads: list[str] = []
    real_bytes, real_text = Path.read_bytes, Path.read_text

    def read_bytes(self: Path) -> bytes:
        reads.append(self.name)
        return real_bytes(self)

    def read_text(self: Path, *a: object, **kw: object) -> str:
        reads.append(self.name)
        return real_text(self, *a, **kw)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_bytes", read_bytes)
    monkeypatch.setattr(Path, "read_text", read_text)
    return reads


def test_key_files_are_read_once_per_process_not_on_every_hash(key_dir, monkeypatch):
    server = LocalKeyProvider(key_dir)
    kid = server.current_kid("blind-index")
    reads = _count_reads(monkeypatch)
    for _ in range(50):
        server.current_kid("blind-index")
        server.secret(kid)
    assert sorted(reads) == sorted(["blind-index.current", f"{kid}.key"])  # each file once, not 50 times


def test_a_rotation_by_another_process_is_used_from_the_next_call(key_dir):
    server = LocalKeyProvider(key_dir)
    old = server.current_kid("my-number")
    server.secret(old)
    rotating_process = LocalKeyProvider(key_dir)  # another process: its own cache
    new = rotating_process.new_key("my-number")
    assert new != old
    assert server.current_kid("my-number") == new
    assert server.secret(new) == rotating_process.secret(new)
    assert server.secret(old)  # old keys stay readable


def test_two_rotations_in_quick_succession_are_both_seen(key_dir):
    server = LocalKeyProvider(key_dir)
    other = LocalKeyProvider(key_dir)
    seen = [server.current_kid("field")]
    for _ in range(5):
        made = other.new_key("field")
        seen.append(server.current_kid("field"))
        assert seen[-1] == made
    assert len(set(seen)) == 6


def test_a_removed_key_file_is_not_served_from_the_cache(key_dir):
    server = LocalKeyProvider(key_dir)
    kid = server.current_kid("field")
    assert server.secret(kid)
    os.remove(key_dir / f"{kid}.key")
    with pytest.raises(FileNotFoundError):
        server.secret(kid)


def test_a_replaced_key_file_is_read_again(key_dir):
    server = LocalKeyProvider(key_dir)
    kid = server.current_kid("field")
    first = server.secret(kid)
    path = key_dir / f"{kid}.key"
    tmp = key_dir / "replacement.tmp"
    tmp.write_bytes(b"\x01" * 32)
    os.replace(tmp, path)
    assert server.secret(kid) == b"\x01" * 32 != first


def test_encryption_and_hashes_are_unchanged_by_the_cache(settings, key_dir):
    settings.JUKI_KEY_DIR = key_dir
    keys.reset_provider_cache()
    try:
        blob = keys.encrypt(b"123456789018", purpose="my-number", aad=b"a")
        assert keys.decrypt(blob, aad=b"a") == b"123456789018"
        h1 = keys.keyed_hash("x", purpose="blind-index")
        keys.reset_provider_cache()  # a fresh process reads the files: same key, same hash
        assert keys.keyed_hash("x", purpose="blind-index") == h1
        assert keys.decrypt(blob, aad=b"a") == b"123456789018"
        rotated = LocalKeyProvider(key_dir).new_key("my-number")  # by another process
        assert keys.encrypt(b"1", purpose="my-number")[1:].startswith(rotated.encode())
        assert keys.decrypt(blob, aad=b"a") == b"123456789018"
    finally:
        keys.reset_provider_cache()


def test_signing_keys_are_cached_and_follow_the_file(key_dir):
    server = LocalKeyProvider(key_dir)
    kid = server.current_kid("audit-signing")
    assert server.signing_key(kid) is server.signing_key(kid)
    assert server.verify_key(kid).public_bytes_raw() == server.signing_key(kid).public_key().public_bytes_raw()
