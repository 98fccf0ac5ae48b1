"""Envelopes (電文): typed, versioned, signed, and sealed when they carry personal data.

Wire form (UTF-8 JSON)::

    {"header": {...}, "body": "<base64>", "sig": "<base64 Ed25519 signature>"}

``header`` (:class:`Header`) says what the message is: id, type, schema version, sender and
recipient nodes, the link's sequence number (更新順番号), times, and — when sealed — the
encryption parameters. It never holds personal data: it is what the message logs record.

**Signature.** The sender signs ``b"juki-envelope-v1\\n" + canonical(header) + b"\\n" +
SHA-256(body)`` with its Ed25519 key; the recipient verifies it with the key in the sender's
certificate (:mod:`juki.network.pki`). ``canonical`` is JSON with sorted keys, no spaces,
UTF-8.

**Sealing** (an HPKE-style construction, RFC 9180 base mode in spirit, built from
``cryptography`` primitives): the sender makes an ephemeral X25519 key, agrees a secret with
the recipient's X25519 key, derives a 256-bit key with HKDF-SHA256 (info = label, ephemeral
public key, recipient public key), and encrypts the payload JSON with AES-256-GCM under a
random 96-bit nonce, with ``canonical(header)`` as associated data — so a header moved onto
another body, or a body onto another header, fails to open. The ephemeral public key and
nonce travel in the header. Only the recipient's private key opens the body; the messaging
server stores ciphertext only.
"""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
import uuid
from dataclasses import asdict, dataclass, field, replace
from typing import Any

from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ed25519, x25519
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from juki.core.errors import JukiError

#: Version of the envelope format itself (not of the payload schemas).
FORMAT = 1
SIGNATURE_LABEL = b"juki-envelope-v1\n"
SEAL_ALG = "X25519-HKDF-SHA256-AES256GCM"
SEAL_INFO = b"juki-net seal v1"
#: Longest header text item accepted: ids, types, node ids and times are short, and the
#: header of every received message goes to the message log.
MAX_HEADER_TEXT = 100


class EnvelopeError(JukiError):
    """An envelope that cannot be read, verified or opened."""

    def __init__(self, code: str, message: str):
        super().__init__(code=code, message=message, status=422)


def canonical(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


@dataclass(frozen=True)
class Header:
    """The envelope header (電文ヘッダ). No personal data."""

    id: str
    type: str
    version: int
    sender: str
    recipient: str
    seq: int
    created_at: str
    format: int = FORMAT
    #: ``{"alg", "epk", "nonce"}`` when the body is sealed; empty when it is plain JSON.
    seal: dict[str, str] = field(default_factory=dict)

    @property
    def link(self) -> str:
        return f"{self.sender}>{self.recipient}"

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def canonical(self) -> bytes:
        return canonical(self.as_dict())


@dataclass(frozen=True)
class Envelope:
    header: Header
    body: bytes
    signature: bytes

    def to_bytes(self) -> bytes:
        return canonical({"header": self.header.as_dict(), "body": base64.b64encode(self.body).decode(),
                          "sig": base64.b64encode(self.signature).decode()})

    @classmethod
    def from_bytes(cls, data: bytes) -> Envelope:
        """Parse the wire form; refuses (``NETWORK_ENVELOPE_MALFORMED``) anything else."""
        try:
            raw = json.loads(data)
            h = raw["header"]
            header = Header(id=str(h["id"]), type=str(h["type"]), version=int(h["version"]), sender=str(h["sender"]),
                            recipient=str(h["recipient"]), seq=int(h["seq"]), created_at=str(h["created_at"]),
                            format=int(h["format"]), seal={str(k): str(v) for k, v in dict(h.get("seal") or {}).items()})
            if set(h) - set(Header.__dataclass_fields__):
                raise ValueError("unknown header item")
            texts = [header.id, header.type, header.sender, header.recipient, header.created_at, *header.seal.values()]
            if any(len(t) > MAX_HEADER_TEXT for t in texts) or len(header.seal) > 3 or header.seq < 1:
                raise ValueError("header item out of range")
            return cls(header, base64.b64decode(raw["body"], validate=True), base64.b64decode(raw["sig"], validate=True))
        except (ValueError, KeyError, TypeError, AttributeError):
            raise EnvelopeError("NETWORK_ENVELOPE_MALFORMED", "電文の形式が正しくありません。") from None

    @property
    def signature_digest(self) -> str:
        """What the message log keeps of the signature: its SHA-256."""
        return hashlib.sha256(self.signature).hexdigest()

    def log_detail(self) -> dict[str, Any]:
        """Header and signature digest for the message log — never the body."""
        return {"header": self.header.as_dict(), "signature_sha256": self.signature_digest,
                "body_sha256": hashlib.sha256(self.body).hexdigest()}


def _signed_bytes(header: Header, body: bytes) -> bytes:
    return SIGNATURE_LABEL + header.canonical() + b"\n" + hashlib.sha256(body).digest()


def _seal_key(shared: bytes, epk: bytes, recipient_pk: bytes) -> bytes:
    return HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=SEAL_INFO + epk + recipient_pk).derive(shared)


def new_message_id() -> str:
    return uuid.uuid4().hex


def build(*, message_type: str, version: int, sender: str, recipient: str, seq: int, payload: dict[str, Any],
          sign_key: ed25519.Ed25519PrivateKey, seal_to: x25519.X25519PublicKey | None,
          message_id: str | None = None, created_at: dt.datetime | None = None) -> Envelope:
    """A signed envelope for ``payload``; sealed to ``seal_to`` (the recipient's key) if given."""
    header = Header(id=message_id or new_message_id(), type=message_type, version=version, sender=sender,
                    recipient=recipient, seq=seq, created_at=(created_at or dt.datetime.now(dt.UTC)).isoformat())
    plain = canonical(payload)
    if seal_to is None:
        body = plain
    else:
        ephemeral = x25519.X25519PrivateKey.generate()
        epk = ephemeral.public_key().public_bytes_raw()
        nonce = os.urandom(12)
        header = replace(header, seal={"alg": SEAL_ALG, "epk": base64.b64encode(epk).decode(),
                                       "nonce": base64.b64encode(nonce).decode()})
        key = _seal_key(ephemeral.exchange(seal_to), epk, seal_to.public_bytes_raw())
        body = AESGCM(key).encrypt(nonce, plain, header.canonical())
    return Envelope(header, body, sign_key.sign(_signed_bytes(header, body)))


def verify(envelope: Envelope, sender_key: ed25519.Ed25519PublicKey) -> None:
    """Refuses (``NETWORK_SIGNATURE_INVALID``) an envelope its sender's key did not sign."""
    try:
        sender_key.verify(envelope.signature, _signed_bytes(envelope.header, envelope.body))
    except InvalidSignature:
        raise EnvelopeError("NETWORK_SIGNATURE_INVALID", "電文の署名を検証できません。") from None


def open_body(envelope: Envelope, kex_key: x25519.X25519PrivateKey | None) -> dict[str, Any]:
    """The payload: decrypted with the recipient's key when sealed (``NETWORK_SEAL_INVALID``
    when it cannot be opened)."""
    seal = envelope.header.seal
    try:
        if not seal:
            plain = envelope.body
        else:
            if seal.get("alg") != SEAL_ALG or kex_key is None:
                raise ValueError("unsupported seal")
            epk = base64.b64decode(seal["epk"], validate=True)
            key = _seal_key(kex_key.exchange(x25519.X25519PublicKey.from_public_bytes(epk)), epk,
                            kex_key.public_key().public_bytes_raw())
            plain = AESGCM(key).decrypt(base64.b64decode(seal["nonce"], validate=True), envelope.body,
                                        envelope.header.canonical())
        payload = json.loads(plain)
        if not isinstance(payload, dict):
            raise ValueError("payload is not an object")
        return payload
    except (ValueError, KeyError, InvalidTag):
        raise EnvelopeError("NETWORK_SEAL_INVALID", "電文の本文を復号できません。") from None
