"""PDF signatures on issued certificates (電子署名), with pyHanko.

:func:`sign_pdf` adds a PAdES signature (ETSI.CAdES.detached, baseline B-B) made with the
municipality's signing key, as a *certification* signature that allows no later change
(DocMDP level 1): any byte changed, and any page, annotation or incremental update added after
signing, is detected by :func:`verify_signature` and by any PDF reader.

Key material (署名鍵・署名用証明書): files in the key directory (``JUKI_KEY_DIR``, outside the
repository, directory mode 0700):

- ``pdf-signing.key.pem`` — the private key (PKCS#8 PEM, file mode 0600);
- ``pdf-signing.cert.pem`` — the signing certificate;
- ``pdf-signing.chain.pem`` — optional: the CA certificates above it (e.g. the LGPKI
  application CA and root), trusted for verification;
- ``pdf-signing.retired.*.pem`` — optional: certificates that signed earlier (after a key
  change), so documents issued before it still verify. Their keys are not kept.

If neither key nor certificate exists, the first signature creates an RSA-2048 key and a
self-signed certificate whose subject is the municipality (``JUKI_MUNICIPALITY_NAME``), valid
10 years. A real deployment replaces both with the municipality's LGPKI 職責証明書 key pair
before going live (see docs/certificates-verification.md); juki never writes over existing files.
``juki signing status`` reports which certificate signs.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import hashlib
import io
import logging
import os
import threading
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from django.conf import settings

from juki.core.errors import JukiError
from juki.core.keys import provider

__all__ = [
    "SignatureCheck",
    "SigningIdentity",
    "reset_signing_cache",
    "sign_pdf",
    "signing_identity",
    "signing_status",
    "verify_signature",
]

KEY_FILE = "pdf-signing.key.pem"
CERT_FILE = "pdf-signing.cert.pem"
CHAIN_FILE = "pdf-signing.chain.pem"
RETIRED_GLOB = "pdf-signing.retired.*.pem"
LOCK_FILE = "pdf-signing.lock"
FIELD_NAME = "JukiSignature"
SELF_SIGNED_YEARS = 10
DEFAULT_SUBJECT = "juki 住民基本台帳"

log = logging.getLogger(__name__)


def key_directory() -> Path:
    """The key provider's directory (``JUKI_KEY_DIR`` for the default provider)."""
    return Path(getattr(provider(), "directory", settings.JUKI_KEY_DIR))


def _municipality() -> str:
    return (getattr(settings, "JUKI_MUNICIPALITY_NAME", "") or DEFAULT_SUBJECT).strip()


def _write_private(path: Path, data: bytes) -> None:
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(data)


def _create_self_signed(directory: Path) -> None:
    """Create the key (mode 0600) and a self-signed certificate for the municipality."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([
        x509.NameAttribute(NameOID.COUNTRY_NAME, "JP"),
        x509.NameAttribute(NameOID.ORGANIZATION_NAME, _municipality()),
        x509.NameAttribute(NameOID.COMMON_NAME, f"{_municipality()} 証明書発行（juki自己署名）"),
    ])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - dt.timedelta(minutes=5))
        .not_valid_after(now + dt.timedelta(days=365 * SELF_SIGNED_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(digital_signature=True, content_commitment=True, key_encipherment=False,
                          data_encipherment=False, key_agreement=False, key_cert_sign=True,
                          crl_sign=False, encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.EMAIL_PROTECTION]), critical=False)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    pem_key = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                serialization.NoEncryption())
    _write_private(directory / KEY_FILE, pem_key)
    tmp = directory / (CERT_FILE + ".tmp")
    tmp.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    os.replace(tmp, directory / CERT_FILE)


def _ensure_key_material(directory: Path) -> None:
    if (directory / KEY_FILE).exists() and (directory / CERT_FILE).exists():
        return
    directory.mkdir(parents=True, exist_ok=True)
    os.chmod(directory, 0o700)
    # One creator at a time across processes (several workers may sign their first PDF at once).
    with open(directory / LOCK_FILE, "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            key_exists = (directory / KEY_FILE).exists()
            cert_exists = (directory / CERT_FILE).exists()
            if key_exists != cert_exists:
                raise JukiError("SIGNING_KEY_INCOMPLETE",
                                f"署名鍵と署名用証明書の一方しかありません（{directory}）。両方を配置してください。",
                                status=500)
            if not key_exists:
                _create_self_signed(directory)
                log.warning("PDF signing: created a self-signed key and certificate in %s; "
                            "replace them with the LGPKI certificate before going live "
                            "(docs/certificates-verification.md)", directory)
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


@dataclass(frozen=True)
class SigningIdentity:
    """The loaded signer and what verification trusts."""

    signer: Any  # pyhanko SimpleSigner
    certificate: Any  # asn1crypto x509.Certificate
    chain: tuple[Any, ...]
    fingerprint: str  # SHA-256 of the certificate (DER), hex
    subject: str
    not_after: dt.datetime
    self_signed: bool
    directory: Path
    #: Certificates that signed earlier documents (``pdf-signing.retired.*.pem``).
    retired: tuple[Any, ...] = ()

    @property
    def accepted_fingerprints(self) -> frozenset[str]:
        """Signers whose signatures count as ours: the current and the retired certificates."""
        return frozenset([self.fingerprint, *(hashlib.sha256(c.dump()).hexdigest() for c in self.retired)])


class _CmsTemplate:
    """The CMS SignedData of one signature, made once by pyHanko, with the parts that change per
    signature located by byte offset: the message digest (32 bytes) and the RSA signature (fixed
    length) — and the signing time (UTCTime) if the CMS carries one (PAdES does not: the time is
    the signature dictionary's /M). All other bytes — certificates, signer identifier,
    algorithms, the ESS signing-certificate-v2 attribute — are the same every time.

    Why: pyHanko assembles the CMS structure with asn1crypto object by object and re-encodes
    it, ~15 ms per signature, three times the rest of signing. Filling the template is a few
    byte copies plus the RSA operation. The result is exactly what pyHanko would have written
    for that digest and time (same attributes, same DER order: a SET OF is ordered by the
    attribute OIDs, which do not change), and the tests validate it with pyHanko's validator.
    """

    _DIGEST = bytes(range(101, 133))  # 32 recognisable bytes
    _TIME = dt.datetime(2001, 2, 3, 4, 5, 6, tzinfo=dt.UTC)
    _TIME_DER = b"\x17\x0d010203040506Z"

    def __init__(self, der: bytes, attrs_at: int, attrs_len: int, digest_at: int, time_at: int | None,
                 sig_at: int, sig_len: int) -> None:
        self.der, self.attrs_at, self.attrs_len = der, attrs_at, attrs_len
        self.digest_at, self.time_at, self.sig_at, self.sig_len = digest_at, time_at, sig_at, sig_len

    @classmethod
    def build(cls, signer: Any) -> _CmsTemplate | None:
        """The template for ``signer``, or ``None`` if the structure is not as expected."""
        import asyncio

        ci = asyncio.run(signer.async_sign_generic(cls._DIGEST, cls._TIME))
        der = ci.dump()
        info = ci["content"]["signer_infos"][0]
        attrs = info["signed_attrs"].dump()
        sig = info["signature"].native
        if not all(der.count(part) == 1 for part in (attrs, cls._DIGEST, sig)) or not attrs.startswith(b"\xa0"):
            return None
        # PAdES puts the signing time in the signature dictionary (/M), not in the CMS; a
        # CAdES-style signing-time attribute, if present, is filled in too.
        times = der.count(cls._TIME_DER)
        if times > 1:
            return None
        time_at = der.find(cls._TIME_DER) + 2 if times else None
        return cls(der, der.find(attrs), len(attrs), der.find(cls._DIGEST), time_at, der.find(sig), len(sig))

    def fill(self, digest: bytes, when: dt.datetime, sign: Any) -> bytes | None:
        stamp = when.astimezone(dt.UTC).strftime("%y%m%d%H%M%SZ").encode()
        if len(digest) != 32 or len(stamp) != 13 or when.year >= 2050:
            return None
        der = bytearray(self.der)
        der[self.digest_at : self.digest_at + 32] = digest
        if self.time_at is not None:
            der[self.time_at : self.time_at + 13] = stamp
        # What is signed is the attributes' DER with the SET OF tag, not the [0] IMPLICIT tag.
        signed = b"\x31" + bytes(der[self.attrs_at + 1 : self.attrs_at + self.attrs_len])
        signature = sign(signed)
        if len(signature) != self.sig_len:
            return None
        der[self.sig_at : self.sig_at + self.sig_len] = signature
        return bytes(der)


def _cached_key_signer(cert: Any, key: Any, registry: Any) -> Any:
    """A pyHanko ``SimpleSigner`` that parses its private key once, not once per signature, and
    (for RSA keys) fills a pre-built CMS template (:class:`_CmsTemplate`) instead of rebuilding
    the CMS structure.

    ``SimpleSigner.sign_raw`` reloads the key from DER for every signature; for RSA that costs
    ~50 ms (key consistency checks) — five times the whole signing budget.
    """
    from asn1crypto import cms
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.ec import ECDSA, EllipticCurvePrivateKey
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15
    from cryptography.hazmat.primitives.asymmetric.rsa import RSAPrivateKey
    from pyhanko.sign.general import get_pyca_cryptography_hash
    from pyhanko.sign.signers import SimpleSigner
    from pyhanko.sign.signers.pdf_cms import PdfCMSSignedAttributes

    private = serialization.load_der_private_key(key.dump(), password=None)

    class CachedKeySigner(SimpleSigner):
        template: _CmsTemplate | None = None

        def sign_raw(self, data: bytes, digest_algorithm: str) -> bytes:
            mechanism = self.get_signature_mechanism_for_digest(digest_algorithm).signature_algo
            hash_algo = get_pyca_cryptography_hash(digest_algorithm)
            if mechanism == "rsassa_pkcs1v15" and isinstance(private, RSAPrivateKey):
                return private.sign(data, PKCS1v15(), hash_algo)
            if mechanism == "ecdsa" and isinstance(private, EllipticCurvePrivateKey):
                return private.sign(data, ECDSA(hash_algo))
            return super().sign_raw(data, digest_algorithm)

        async def async_sign_generic(self, digest: bytes, when: dt.datetime) -> Any:
            """pyHanko's own CMS for a PAdES PDF signature over ``digest`` at ``when``."""
            return await super().async_sign(
                digest, "sha256", use_pades=True,
                signed_attr_settings=PdfCMSSignedAttributes(signing_time=when))

        async def async_sign(self, data_digest: bytes, digest_algorithm: str, dry_run: bool = False,
                             use_pades: bool = False, timestamper: Any = None,
                             signed_attr_settings: Any = None, is_pdf_sig: bool = True,
                             encap_content_info: Any = None) -> Any:
            settings_ = signed_attr_settings
            template = self.template  # set for RSA keys only (below)
            plain = (
                not dry_run and use_pades and timestamper is None
                and is_pdf_sig and encap_content_info is None and digest_algorithm == "sha256"
                and type(settings_) is PdfCMSSignedAttributes and settings_.signing_time is not None
                and settings_.adobe_revinfo_attr is None and settings_.cades_signed_attrs is None
            )
            if plain and template is not None and isinstance(private, RSAPrivateKey):
                rsa_key = private
                der = template.fill(
                    data_digest, settings_.signing_time,
                    lambda tbs: rsa_key.sign(tbs, PKCS1v15(), hashes.SHA256()))
                if der is not None:
                    return cms.ContentInfo.load(der)
            return await super().async_sign(
                data_digest, digest_algorithm, dry_run=dry_run, use_pades=use_pades,
                timestamper=timestamper, signed_attr_settings=signed_attr_settings,
                is_pdf_sig=is_pdf_sig, encap_content_info=encap_content_info)

    signer = CachedKeySigner(signing_cert=cert, signing_key=key, cert_registry=registry)
    if isinstance(private, RSAPrivateKey):
        signer.template = _CmsTemplate.build(signer)
    return signer


@lru_cache(maxsize=4)
def _load_identity(directory: Path) -> SigningIdentity:
    from pyhanko.keys import (
        load_cert_from_pemder,
        load_certs_from_pemder,
        load_private_key_from_pemder,
    )
    from pyhanko_certvalidator.registry import SimpleCertificateStore

    _ensure_key_material(directory)
    key = load_private_key_from_pemder(str(directory / KEY_FILE), passphrase=None)
    cert = load_cert_from_pemder(str(directory / CERT_FILE))
    chain_path = directory / CHAIN_FILE
    chain = tuple(load_certs_from_pemder([str(chain_path)])) if chain_path.exists() else ()
    retired = tuple(load_cert_from_pemder(str(p)) for p in sorted(directory.glob(RETIRED_GLOB)))
    signer = _cached_key_signer(cert, key, SimpleCertificateStore.from_certs([cert, *chain]))
    return SigningIdentity(
        signer=signer,
        certificate=cert,
        chain=chain,
        fingerprint=hashlib.sha256(cert.dump()).hexdigest(),
        subject=cert.subject.human_friendly,
        not_after=cert.not_valid_after,
        self_signed=cert.self_signed == "yes" or cert.self_signed == "maybe",
        directory=directory,
        retired=retired,
    )


def signing_identity() -> SigningIdentity:
    """The current signing identity (created on first use; cached per key directory)."""
    return _load_identity(key_directory())


def reset_signing_cache() -> None:
    """Forget loaded keys (after replacing the files, or in tests)."""
    _load_identity.cache_clear()


_sign_lock = threading.Lock()


def sign_pdf(pdf: bytes) -> bytes:
    """Return ``pdf`` with the municipality's PAdES certification signature appended.

    The signature is an incremental update: the original bytes are kept unchanged at the start
    of the result. The certification level forbids any later change (DocMDP 1).
    """
    from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
    from pyhanko.sign import fields, signers
    from pyhanko.sign.fields import MDPPerm

    identity = signing_identity()
    meta = signers.PdfSignatureMetadata(
        field_name=FIELD_NAME,
        md_algorithm="sha256",
        subfilter=fields.SigSeedSubFilter.PADES,
        certify=True,
        docmdp_permissions=MDPPerm.NO_CHANGES,
        reason="住民基本台帳法に基づく証明書の発行",
        location=_municipality(),
    )
    with _sign_lock:
        writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
        out = signers.sign_pdf(writer, meta, signer=identity.signer,
                               new_field_spec=fields.SigFieldSpec(FIELD_NAME),
                               bytes_reserved=8192)
    return out.getvalue()


@dataclass(frozen=True)
class SignatureCheck:
    """署名の検証結果."""

    signed: bool = False
    #: The signed bytes hash to the value in the signature, and the signature verifies.
    intact: bool = False
    #: Signed by the municipality's current (or a retired) signing certificate, trusted.
    ours: bool = False
    #: The signature covers the whole file: nothing was appended after signing.
    covers_whole_file: bool = False
    problem: str = ""

    @property
    def ok(self) -> bool:
        return self.signed and self.intact and self.ours and self.covers_whole_file


def verify_signature(pdf: bytes) -> SignatureCheck:
    """Check the PDF carries exactly one intact signature by us over the whole file.

    No network access: revocation is not fetched (a self-signed or LGPKI certificate is trusted
    through the files in the key directory).
    """
    from pyhanko.pdf_utils.misc import PdfError
    from pyhanko.pdf_utils.reader import PdfFileReader
    from pyhanko.sign.validation import validate_pdf_signature
    from pyhanko.sign.validation.status import SignatureCoverageLevel
    from pyhanko_certvalidator import ValidationContext

    identity = signing_identity()
    try:
        reader = PdfFileReader(io.BytesIO(pdf), strict=False)
        sigs = reader.embedded_signatures
    except (PdfError, ValueError, KeyError, TypeError, IndexError, OSError) as exc:
        return SignatureCheck(problem=f"unreadable: {type(exc).__name__}")
    if not sigs:
        return SignatureCheck(problem="unsigned")
    if len(sigs) != 1:
        return SignatureCheck(signed=True, problem="several signatures")
    sig = sigs[0]
    roots = [identity.certificate, *identity.chain] if identity.self_signed or not identity.chain \
        else list(identity.chain)
    roots += [c for c in identity.retired if c.self_signed != "no"]
    context = ValidationContext(trust_roots=roots, allow_fetching=False,
                                revocation_mode="soft-fail")
    try:
        status = validate_pdf_signature(sig, context)
    except Exception as exc:  # noqa: BLE001 — any malformed input is "not verified", not a 500
        return SignatureCheck(signed=True, problem=f"invalid: {type(exc).__name__}")
    fingerprint = hashlib.sha256(sig.signer_cert.dump()).hexdigest()
    intact = bool(status.intact and status.valid)
    ours = fingerprint in identity.accepted_fingerprints and bool(status.trusted)
    whole = status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    problem = "" if intact else "not intact"
    if intact and not ours:
        problem = "not our certificate"
    elif intact and not whole:
        problem = "modified after signing"
    return SignatureCheck(signed=True, intact=intact, ours=ours, covers_whole_file=whole,
                          problem=problem)


def signing_status() -> dict[str, str]:
    """What ``juki keys signing-status`` prints (no secrets)."""
    identity = signing_identity()
    mode = oct((identity.directory / KEY_FILE).stat().st_mode & 0o777)
    return {
        "subject": identity.subject,
        "fingerprint_sha256": identity.fingerprint,
        "not_after": identity.not_after.isoformat(),
        "self_signed": "yes" if identity.self_signed else "no",
        "chain_certificates": str(len(identity.chain)),
        "retired_certificates": str(len(identity.retired)),
        "key_file": str(identity.directory / KEY_FILE),
        "key_file_mode": mode,
    }
