"""PDF signatures on certificates (docs/certificates-verification.md: "Sign the PDF ... so that any alteration is
detectable"): the signature made by :func:`juki.certificates.signing.sign_pdf` validates with
pyHanko itself, and fails after any change."""

from __future__ import annotations

import io
import stat
from pathlib import Path

import pytest
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter
from pyhanko.pdf_utils.reader import PdfFileReader
from pyhanko.sign.validation import validate_pdf_signature
from pyhanko_certvalidator import ValidationContext

from juki.certificates import signing
from juki.certificates.render import render_pdf
from juki.core import keys

REPO = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def unsigned_pdf() -> bytes:
    return render_pdf("<html><body><h1>住民票の写し</h1><p>氏名 署名 試験</p></body></html>")


@pytest.fixture
def fresh_key_dir(tmp_path: Path, settings: object) -> Path:
    """A key directory of its own: the next signature creates the key and certificate there."""
    directory = tmp_path / "keys"
    settings.JUKI_KEY_DIR = directory  # type: ignore[attr-defined]
    keys.reset_provider_cache()
    signing.reset_signing_cache()
    return directory


def _pyhanko_status(pdf: bytes):
    sig = PdfFileReader(io.BytesIO(pdf), strict=False).embedded_signatures[0]
    context = ValidationContext(trust_roots=[signing.signing_identity().certificate], allow_fetching=False)
    return validate_pdf_signature(sig, context)


def _flip_byte_inside_signed_range(pdf: bytes) -> bytes:
    data = bytearray(pdf)
    i = data.index(b"stream") + 40  # inside the first content stream, well before the signature
    data[i] ^= 0x01
    return bytes(data)


def _append_incremental_update(pdf: bytes) -> bytes:
    """What a forger's tool does: add a revision after the signature (here, a new /Title)."""
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    writer.set_info(generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("改ざん")}))
    out = io.BytesIO()
    writer.write(out)
    return out.getvalue()


def test_signed_pdf_validates_with_pyhanko_as_intact_trusted_and_whole_file(unsigned_pdf: bytes) -> None:
    from pyhanko.sign.validation.status import SignatureCoverageLevel

    signed = signing.sign_pdf(unsigned_pdf)
    status = _pyhanko_status(signed)
    assert status.intact and status.valid and status.trusted
    assert status.coverage == SignatureCoverageLevel.ENTIRE_FILE
    assert status.bottom_line
    assert signing.verify_signature(signed).ok


def test_signature_is_an_incremental_update_keeping_the_rendered_bytes(unsigned_pdf: bytes) -> None:
    signed = signing.sign_pdf(unsigned_pdf)
    assert signed.startswith(unsigned_pdf)
    assert len(signed) > len(unsigned_pdf)


def test_signature_is_pades_certification_forbidding_changes(unsigned_pdf: bytes) -> None:
    from pyhanko.sign.fields import MDPPerm

    signed = signing.sign_pdf(unsigned_pdf)
    sig = PdfFileReader(io.BytesIO(signed), strict=False).embedded_signatures[0]
    assert sig.sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    assert sig.docmdp_level == MDPPerm.NO_CHANGES


def test_changed_byte_breaks_the_signature(unsigned_pdf: bytes) -> None:
    tampered = _flip_byte_inside_signed_range(signing.sign_pdf(unsigned_pdf))
    assert not _pyhanko_status(tampered).intact
    check = signing.verify_signature(tampered)
    assert not check.ok and not check.intact


def test_appended_incremental_update_is_detected(unsigned_pdf: bytes) -> None:
    tampered = _append_incremental_update(signing.sign_pdf(unsigned_pdf))
    check = signing.verify_signature(tampered)
    assert check.intact  # the signed revision itself is untouched ...
    assert not check.covers_whole_file  # ... but something was added after it
    assert not check.ok


def test_unsigned_pdf_does_not_verify(unsigned_pdf: bytes) -> None:
    check = signing.verify_signature(unsigned_pdf)
    assert not check.signed and not check.ok


def test_garbage_does_not_verify_and_does_not_raise() -> None:
    assert not signing.verify_signature(b"%PDF-1.7\nnot really a pdf").ok
    assert not signing.verify_signature(b"").ok


def test_signature_by_another_key_with_the_same_name_is_not_ours(
        unsigned_pdf: bytes, tmp_path: Path, settings: object) -> None:
    ours = signing.signing_identity()
    settings.JUKI_KEY_DIR = tmp_path / "impostor"  # type: ignore[attr-defined]
    keys.reset_provider_cache()
    forged = signing.sign_pdf(unsigned_pdf)  # a self-signed certificate with the same subject
    assert signing.signing_identity().subject == ours.subject
    settings.JUKI_KEY_DIR = ours.directory  # type: ignore[attr-defined]
    keys.reset_provider_cache()
    check = signing.verify_signature(forged)
    assert check.intact and not check.ours and not check.ok


def test_key_and_certificate_are_created_on_first_use_owner_only_outside_the_repo(
        fresh_key_dir: Path, unsigned_pdf: bytes, settings: object) -> None:
    settings.JUKI_MUNICIPALITY_NAME = "見本市"  # type: ignore[attr-defined]
    assert not fresh_key_dir.exists()
    signing.sign_pdf(unsigned_pdf)
    key_file = fresh_key_dir / signing.KEY_FILE
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert stat.S_IMODE(fresh_key_dir.stat().st_mode) == 0o700
    assert (fresh_key_dir / signing.CERT_FILE).exists()
    assert REPO not in key_file.resolve().parents
    identity = signing.signing_identity()
    assert "見本市" in identity.subject and identity.self_signed
    status = signing.signing_status()
    assert status["key_file_mode"] == "0o600" and status["fingerprint_sha256"] == identity.fingerprint
    assert "PRIVATE" not in "".join(status.values())


def test_existing_key_material_is_used_not_replaced(fresh_key_dir: Path, unsigned_pdf: bytes) -> None:
    signing.sign_pdf(unsigned_pdf)
    before = (fresh_key_dir / signing.KEY_FILE).read_bytes(), (fresh_key_dir / signing.CERT_FILE).read_bytes()
    signing.reset_signing_cache()
    signing.sign_pdf(unsigned_pdf)
    after = (fresh_key_dir / signing.KEY_FILE).read_bytes(), (fresh_key_dir / signing.CERT_FILE).read_bytes()
    assert before == after


def test_a_key_without_its_certificate_is_refused_not_overwritten(fresh_key_dir: Path, unsigned_pdf: bytes) -> None:
    from juki.core.errors import JukiError

    signing.sign_pdf(unsigned_pdf)
    (fresh_key_dir / signing.CERT_FILE).unlink()
    signing.reset_signing_cache()
    with pytest.raises(JukiError) as err:
        signing.sign_pdf(unsigned_pdf)
    assert err.value.code == "SIGNING_KEY_INCOMPLETE"
    assert (fresh_key_dir / signing.KEY_FILE).exists()


def test_fast_cms_template_is_byte_identical_to_pyhankos_own_cms() -> None:
    """The template path (what makes signing fast) writes exactly what pyHanko would."""
    import asyncio
    import datetime as dt
    import hashlib

    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric.padding import PKCS1v15

    identity = signing.signing_identity()
    signer = identity.signer
    assert signer.template is not None
    private = serialization.load_pem_private_key((identity.directory / signing.KEY_FILE).read_bytes(), None)
    digest = hashlib.sha256(b"certificate").digest()
    when = dt.datetime(2026, 11, 20, 9, 30, tzinfo=dt.UTC)
    generic_der = asyncio.run(signer.async_sign_generic(digest, when)).dump()
    fast_der = signer.template.fill(digest, when, lambda tbs: private.sign(tbs, PKCS1v15(), hashes.SHA256()))
    assert fast_der == generic_der


def test_non_rsa_key_signs_through_pyhankos_generic_path(fresh_key_dir: Path, unsigned_pdf: bytes) -> None:
    """A municipality key of another type (here ECDSA P-256) still signs and verifies."""
    import datetime as dt

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    fresh_key_dir.mkdir(mode=0o700)
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "見本市長")])
    now = dt.datetime.now(dt.UTC)
    cert = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
            .not_valid_after(now + dt.timedelta(days=30))
            .add_extension(x509.KeyUsage(True, True, False, False, False, False, False, False, False), critical=True)
            .sign(key, hashes.SHA256()))
    (fresh_key_dir / signing.KEY_FILE).write_bytes(key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    (fresh_key_dir / signing.CERT_FILE).write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    assert signing.signing_identity().signer.template is None
    signed = signing.sign_pdf(unsigned_pdf)
    assert signing.verify_signature(signed).ok
    assert not signing.verify_signature(_flip_byte_inside_signed_range(signed)).ok


def test_signing_status_command_reports_the_certificate_without_the_key(db: None) -> None:
    from django.core.management import call_command

    from juki.audit.events import EventType
    from juki.audit.models import AuditEvent

    out = io.StringIO()
    call_command("signing", "status", stdout=out)
    text = out.getvalue()
    identity = signing.signing_identity()
    assert identity.fingerprint in text and "0o600" in text and "自己署名" in text
    assert "PRIVATE KEY" not in text
    pem = io.StringIO()
    call_command("signing", "certificate", stdout=pem)
    assert pem.getvalue().startswith("-----BEGIN CERTIFICATE-----") and "PRIVATE" not in pem.getvalue()
    actions = list(AuditEvent.objects.filter(event_type=EventType.CLI_COMMAND).values_list("action", flat=True))
    assert actions == ["signing-status", "signing-certificate"]


def test_documents_signed_before_a_key_change_verify_once_the_old_certificate_is_retired(
        fresh_key_dir: Path, unsigned_pdf: bytes) -> None:
    old_pdf = signing.sign_pdf(unsigned_pdf)
    old_cert = (fresh_key_dir / signing.CERT_FILE).read_bytes()
    # Key change: the old key goes away, a new one signs from now on.
    (fresh_key_dir / signing.KEY_FILE).unlink()
    (fresh_key_dir / signing.CERT_FILE).unlink()
    signing.reset_signing_cache()
    new_pdf = signing.sign_pdf(unsigned_pdf)
    assert signing.verify_signature(new_pdf).ok
    assert not signing.verify_signature(old_pdf).ours  # unknown signer until its certificate is kept
    (fresh_key_dir / "pdf-signing.retired.2026-11-22.pem").write_bytes(old_cert)
    signing.reset_signing_cache()
    assert signing.verify_signature(old_pdf).ok
    assert signing.signing_status()["retired_certificates"] == "1"


def test_concurrent_first_signatures_create_one_key(fresh_key_dir: Path, unsigned_pdf: bytes) -> None:
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=4) as pool:
        signed = list(pool.map(lambda _: signing.sign_pdf(unsigned_pdf), range(4)))
    assert sorted(p.name for p in fresh_key_dir.glob("pdf-signing*.pem")) == [signing.CERT_FILE, signing.KEY_FILE]
    assert all(signing.verify_signature(pdf).ok for pdf in signed)
