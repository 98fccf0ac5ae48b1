"""Verification codes and the public verification page (docs/certificates-verification.md: "The
verification endpoint confirms a genuine PDF and rejects a modified one"; the page confirms the
document type, issue date and a hash of the content "without revealing personal data")."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import re

import pytest
from django.test import Client
from django.urls import reverse
from pyhanko.pdf_utils import generic
from pyhanko.pdf_utils.incremental_writer import IncrementalPdfFileWriter

from juki.audit.events import EventType
from juki.audit.models import AuditEvent
from juki.certificates import signing, verification
from juki.certificates.models import (
    Certificate,
    CertificateRequest,
    CertificateStatus,
    DocumentType,
)
from juki.certificates.render import render_pdf
from juki.core import clock

NAME = "鈴木 花子"
ADDRESS = "見本市中央一丁目2番3号"
ISSUANCE_NUMBER = "R8-987654"
CODE_SHAPE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$")


def _html(name: str, code: str) -> str:
    return (f"<html><body><h1>住民票の写し</h1><p>氏名 {name}</p><p>住所 {ADDRESS}</p>"
            f"<p>交付番号 {ISSUANCE_NUMBER}</p><p>照合番号 {code}</p></body></html>")


@pytest.fixture(scope="module")
def code() -> str:
    return verification.new_code()


@pytest.fixture(scope="module")
def rendered(code: str) -> bytes:
    """The unsigned page, rendered once (signing happens per test, under the test's keys)."""
    return render_pdf(_html(NAME, code))


@pytest.fixture
def issued(db: None, code: str, rendered: bytes) -> tuple[Certificate, bytes]:
    """A certificate as the counter issues it: signed PDF, its SHA-256 and code in the ledger."""
    pdf = signing.sign_pdf(rendered)
    now = clock.now()
    req = CertificateRequest.objects.create(
        received_by="clerk01", received_at=now, requester_type="self", requester_name=NAME,
        requester_address=ADDRESS, identity_document="driving_licence",
        document_type=DocumentType.RESIDENT_COPY_PERSONAL, person_ids=[123])
    cert = Certificate.objects.create(
        request=req, issuance_number=ISSUANCE_NUMBER, document_type=DocumentType.RESIDENT_COPY_PERSONAL,
        person_ids=[123], issued_by="clerk01", issued_at=now, issued_on=dt.date(2026, 11, 20),
        verification_code=code, content_sha256=verification.content_digest(pdf))
    return cert, pdf


def _upload(client: Client, code: str, data: bytes, ip: str = "192.0.2.10"):
    f = io.BytesIO(data)
    f.name = "certificate.pdf"
    return client.post(reverse("verify-certificate", args=[code]), {"pdf": f}, REMOTE_ADDR=ip)


# --- codes ---------------------------------------------------------------------------------------

def test_new_code_is_16_crockford_symbols_in_groups_of_four() -> None:
    for _ in range(200):
        assert CODE_SHAPE.match(verification.new_code())
    assert verification.CODE_SYMBOLS * 5 >= 80  # ≥ 80 bits (32-symbol alphabet)
    assert len(set(verification.ALPHABET)) == 32 and not set("ILOU") & set(verification.ALPHABET)


def test_new_codes_do_not_repeat() -> None:
    codes = [verification.new_code() for _ in range(5000)]
    assert len(set(codes)) == len(codes)


@pytest.mark.parametrize("typed", [
    "7KQ2-M9XD-4HTV-0BWE",
    "7kq2-m9xd-4htv-0bwe",
    "7KQ2M9XD4HTV0BWE",
    " 7KQ2 M9XD 4HTV 0BWE ",
    "7KQ2-M9XD-4HTV-OBWE",  # O typed for 0
    "７ＫＱ２－Ｍ９ＸＤ－４ＨＴＶ－０ＢＷＥ",  # full width
    "7KQ2ーM9XDー4HTVー0BWE",  # long-vowel mark typed for a hyphen
])
def test_typed_codes_normalise_to_the_stored_form(typed: str) -> None:
    assert verification.normalise_code(typed) == "7KQ2-M9XD-4HTV-0BWE"


def test_i_and_l_read_as_one() -> None:
    assert verification.normalise_code("IL11-0000-0000-0000") == "1111-0000-0000-0000"


@pytest.mark.parametrize("typed", ["", "7KQ2-M9XD-4HTV", "7KQ2-M9XD-4HTV-0BWE-1", "UUUU-0000-0000-0000",
                                   "7KQ2-M9XD-4HTV-0BW!", "<script>"])
def test_text_that_cannot_be_a_code_is_rejected(typed: str) -> None:
    assert verification.normalise_code(typed) is None


def test_verification_url_uses_the_public_base_url(settings: object) -> None:
    settings.JUKI_PUBLIC_BASE_URL = "https://juki.example.lg.jp/"  # type: ignore[attr-defined]
    assert verification.verification_url("7KQ2-M9XD-4HTV-0BWE") == "https://juki.example.lg.jp/verify/7KQ2-M9XD-4HTV-0BWE"


def test_content_digest_is_sha256_hex() -> None:
    assert verification.content_digest(b"%PDF-x") == hashlib.sha256(b"%PDF-x").hexdigest()


def test_code_fingerprint_does_not_contain_the_whole_code() -> None:
    code = "7KQ2-M9XD-4HTV-0BWE"
    fp = verification.code_fingerprint(code)
    assert fp.startswith("7KQ2") and "M9XD" not in fp and "4HTV" not in fp


# --- the public page -----------------------------------------------------------------------------

def test_code_page_shows_type_dates_status_and_hash_without_logging_in(issued: tuple[Certificate, bytes],
                                                                        client: Client) -> None:
    cert, pdf = issued
    response = client.get(reverse("verify-certificate", args=[cert.verification_code]))
    assert response.status_code == 200
    text = response.content.decode()
    assert "住民票の写し（個人票）" in text
    assert "令和8年11月20日" in text and "2026年11月20日" in text
    assert "有効" in text and "無効" not in text.replace("無効とされ", "")
    assert hashlib.sha256(pdf).hexdigest() in text
    assert response["Cache-Control"] == "no-store"


def test_code_page_reveals_no_personal_data(issued: tuple[Certificate, bytes], client: Client) -> None:
    """docs/certificates-verification.md: confirms the document "without revealing personal data"."""
    cert, _ = issued
    text = client.get(reverse("verify-certificate", args=[cert.verification_code])).content.decode()
    for secret in (NAME, "鈴木", "花子", ADDRESS, "見本市", ISSUANCE_NUMBER, "987654", "clerk01",
                   "driving_licence", "運転免許証", "本人"):
        assert secret not in text


def test_voided_certificate_shows_invalid(issued: tuple[Certificate, bytes], client: Client) -> None:
    cert, _ = issued
    Certificate.objects.filter(pk=cert.pk).update(status=CertificateStatus.VOIDED, voided_by="clerk01",
                                                  voided_at=clock.now(), void_reason="記載誤り")
    response = client.get(reverse("verify-certificate", args=[cert.verification_code]))
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-status="void"' in text and "<strong>無効</strong>" in text
    assert "記載誤り" not in text


def test_unknown_code_is_404_with_a_japanese_message(db: None, client: Client) -> None:
    response = client.get(reverse("verify-certificate", args=["0000-0000-0000-0000"]))
    assert response.status_code == 404
    assert "この照合番号の証明書は見つかりません" in response.content.decode()


def test_malformed_code_is_404(db: None, client: Client) -> None:
    response = client.get("/verify/not-a-code")
    assert response.status_code == 404


def test_code_typed_loosely_redirects_to_the_canonical_page(issued: tuple[Certificate, bytes], client: Client) -> None:
    cert, _ = issued
    loose = cert.verification_code.lower().replace("-", "")
    response = client.get(f"/verify/{loose}")
    assert response.status_code == 302
    assert response["Location"] == f"/verify/{cert.verification_code}"


def test_form_page_sets_csrf_token_and_posting_a_code_goes_to_its_page(db: None) -> None:
    client = Client(enforce_csrf_checks=True)
    response = client.get("/verify/")
    assert response.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', response.content.decode()).group(1)
    response = client.post("/verify/", {"code": "7kq2 m9xd 4htv obwe", "csrfmiddlewaretoken": token})
    assert response.status_code == 302 and response["Location"] == "/verify/7KQ2-M9XD-4HTV-0BWE"


def test_form_rejects_a_malformed_code_with_a_message(db: None, client: Client) -> None:
    response = client.post("/verify/", {"code": "ABC"})
    assert response.status_code == 400
    assert "照合番号の形式が正しくありません" in response.content.decode()


def test_upload_without_csrf_token_is_refused(issued: tuple[Certificate, bytes]) -> None:
    cert, pdf = issued
    client = Client(enforce_csrf_checks=True)
    assert _upload(client, cert.verification_code, pdf).status_code == 403


# --- comparing an uploaded PDF --------------------------------------------------------------------

def test_genuine_signed_pdf_is_confirmed(issued: tuple[Certificate, bytes], client: Client) -> None:
    cert, pdf = issued
    response = _upload(client, cert.verification_code, pdf)
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-genuine="yes"' in text
    assert "交付した証明書の原本（電子文書）と一致します" in text
    assert "一致しません" not in text


def _assert_rejected(response) -> None:
    text = response.content.decode()
    assert response.status_code == 200
    assert 'data-genuine="no"' in text
    assert "一致しません（改ざん又は別の文書）" in text


def test_pdf_with_one_changed_byte_is_rejected(issued: tuple[Certificate, bytes], client: Client) -> None:
    cert, pdf = issued
    data = bytearray(pdf)
    data[data.index(b"stream") + 40] ^= 0x01
    _assert_rejected(_upload(client, cert.verification_code, bytes(data)))


def test_pdf_with_an_appended_incremental_update_is_rejected(issued: tuple[Certificate, bytes],
                                                             client: Client) -> None:
    cert, pdf = issued
    writer = IncrementalPdfFileWriter(io.BytesIO(pdf), strict=False)
    writer.set_info(generic.DictionaryObject({generic.NameObject("/Title"): generic.TextStringObject("改ざん")}))
    out = io.BytesIO()
    writer.write(out)
    assert out.getvalue().startswith(pdf)
    _assert_rejected(_upload(client, cert.verification_code, out.getvalue()))


def test_re_rendered_pdf_with_other_text_is_rejected_even_if_properly_signed(
        issued: tuple[Certificate, bytes], client: Client) -> None:
    """A different document signed with our own key (e.g. an insider's re-render) is still not
    the issued one: the stored SHA-256 binds the code to one exact file."""
    cert, _ = issued
    other = signing.sign_pdf(render_pdf(_html("別人 次郎", cert.verification_code)))
    assert signing.verify_signature(other).ok
    _assert_rejected(_upload(client, cert.verification_code, other))


def test_unsigned_copy_with_matching_hash_is_impossible_so_unsigned_is_rejected(
        issued: tuple[Certificate, bytes], rendered: bytes, client: Client) -> None:
    cert, _ = issued
    _assert_rejected(_upload(client, cert.verification_code, rendered))


def test_hash_planted_in_the_ledger_for_an_unsigned_forgery_is_still_rejected(
        issued: tuple[Certificate, bytes], rendered: bytes, client: Client) -> None:
    """Someone who could edit content_sha256 in the database still lacks the signing key."""
    cert, _ = issued
    forged = rendered  # the page as rendered, without our signature
    Certificate.objects.filter(pk=cert.pk).update(content_sha256=verification.content_digest(forged))
    response = _upload(client, cert.verification_code, forged)
    _assert_rejected(response)
    assert "ハッシュ値は一致しますが、電子署名を確認できません" in response.content.decode()
    event = AuditEvent.objects.filter(event_type=EventType.CERTIFICATE_VERIFY_UPLOAD).latest("seq")
    assert event.detail["digest_match"] is True and event.detail["signature"] == "unsigned"


def test_an_upload_that_differs_from_the_issued_file_is_never_parsed(
        issued: tuple[Certificate, bytes], client: Client, monkeypatch: pytest.MonkeyPatch) -> None:
    cert, _ = issued

    def must_not_parse(pdf: bytes) -> None:
        raise AssertionError("an arbitrary upload reached the PDF parser")

    monkeypatch.setattr(signing, "verify_signature", must_not_parse)
    _assert_rejected(_upload(client, cert.verification_code, b"%PDF-1.7\n" + b"0" * 1000))


def test_genuine_pdf_of_a_voided_certificate_is_identified_but_flagged_invalid(
        issued: tuple[Certificate, bytes], client: Client) -> None:
    cert, pdf = issued
    Certificate.objects.filter(pk=cert.pk).update(status=CertificateStatus.VOIDED, voided_by="clerk01",
                                                  voided_at=clock.now(), void_reason="再交付")
    text = _upload(client, cert.verification_code, pdf).content.decode()
    assert 'data-genuine="yes"' in text and "この証明書は無効とされています" in text


def test_upload_over_the_size_limit_is_refused(issued: tuple[Certificate, bytes], client: Client,
                                               settings: object) -> None:
    settings.JUKI_VERIFY_MAX_UPLOAD_BYTES = 1024  # type: ignore[attr-defined]
    cert, pdf = issued
    response = _upload(client, cert.verification_code, pdf)
    assert response.status_code == 413
    assert "ファイルが大きすぎます" in response.content.decode()


def test_post_without_a_file_asks_for_one(issued: tuple[Certificate, bytes], client: Client) -> None:
    cert, _ = issued
    response = client.post(reverse("verify-certificate", args=[cert.verification_code]))
    assert response.status_code == 400
    assert "PDFファイルを選択してください" in response.content.decode()


def test_upload_against_unknown_code_is_404(db: None, client: Client, rendered: bytes) -> None:
    assert _upload(client, "0000-0000-0000-0000", rendered).status_code == 404


# --- rate limit and audit -------------------------------------------------------------------------

def test_rate_limit_answers_429_per_client_ip(issued: tuple[Certificate, bytes], client: Client,
                                              settings: object) -> None:
    settings.JUKI_VERIFY_RATE = "3/600"  # type: ignore[attr-defined]
    cert, _ = issued
    url = reverse("verify-certificate", args=[cert.verification_code])
    for _ in range(3):
        assert client.get(url, REMOTE_ADDR="198.51.100.7").status_code == 200
    refused = client.get(url, REMOTE_ADDR="198.51.100.7")
    assert refused.status_code == 429
    assert "確認の回数が上限に達しました" in refused.content.decode()
    assert refused["Retry-After"] == "600"
    # Unknown codes count too (guessing is what the limit is for), and uploads are refused alike.
    assert client.get("/verify/0000-0000-0000-0000", REMOTE_ADDR="198.51.100.7").status_code == 429
    assert _upload(client, cert.verification_code, b"%PDF-", ip="198.51.100.7").status_code == 429
    # Another client is not affected.
    assert client.get(url, REMOTE_ADDR="198.51.100.8").status_code == 200
    assert AuditEvent.objects.filter(event_type=EventType.CERTIFICATE_VERIFY_RATE_LIMITED,
                                     ip="198.51.100.7").count() == 3


def test_rate_limit_window_passes(issued: tuple[Certificate, bytes], client: Client, settings: object,
                                  monkeypatch: pytest.MonkeyPatch) -> None:
    settings.JUKI_VERIFY_RATE = "1/60"  # type: ignore[attr-defined]
    cert, _ = issued
    url = reverse("verify-certificate", args=[cert.verification_code])
    assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 200
    assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 429
    later = clock.now() + dt.timedelta(seconds=61)
    monkeypatch.setattr(clock, "now", lambda: later)
    assert client.get(url, REMOTE_ADDR="203.0.113.9").status_code == 200


def test_every_lookup_is_audited_with_ip_and_outcome_but_no_personal_data(
        issued: tuple[Certificate, bytes], client: Client) -> None:
    cert, pdf = issued
    client.get(reverse("verify-certificate", args=[cert.verification_code]), REMOTE_ADDR="192.0.2.44")
    client.get("/verify/0000-0000-0000-0000", REMOTE_ADDR="192.0.2.44")
    _upload(client, cert.verification_code, pdf, ip="192.0.2.44")
    events = list(AuditEvent.objects.filter(ip="192.0.2.44").order_by("seq"))
    assert [e.event_type for e in events] == [EventType.CERTIFICATE_VERIFY_LOOKUP,
                                              EventType.CERTIFICATE_VERIFY_LOOKUP,
                                              EventType.CERTIFICATE_VERIFY_UPLOAD]
    assert [e.outcome for e in events] == ["ok", "denied", "ok"]
    assert events[0].detail["result"] == "found" and events[1].detail["result"] == "not_found"
    assert events[2].detail["result"] == "genuine"
    for event in events:
        blob = repr(event.detail) + event.purpose + repr(event.targets)
        assert cert.verification_code not in blob
        assert NAME not in blob and ISSUANCE_NUMBER not in blob
        assert event.targets == [] and event.staff_id == ""
    assert events[0].detail["code"] == verification.code_fingerprint(cert.verification_code)


# --- end to end with the counter's issuance -------------------------------------------------------

def test_certificate_issued_at_the_counter_is_confirmed_and_its_page_shows_no_resident_data(
        clerk, terminal, client: Client) -> None:
    """docs/certificates-verification.md: the endpoint confirms the genuine PDF the counter issued (signed, its
    code and QR URL printed on it) and rejects a modified one; no personal data on the page."""
    from tests.register.factories import add_household, small_city

    from juki.certificates.actions import IssueRequest, do_issue_certificate, open_pdf
    from juki.core.actor import Actor

    city = small_city()
    me = add_household(city, [{}])[0]
    cert = do_issue_certificate(IssueRequest.from_form(document_type="copy_personal",
        person_ids=[me.person_id], requester_type="self", requester_name=me.full_name,
        requester_person_id=me.person_id, identity_document="my_number_card"), actor=Actor(clerk, terminal.terminal_id, "127.0.0.1"))
    pdf = open_pdf(cert)
    assert CODE_SHAPE.match(cert.verification_code)
    assert signing.verify_signature(pdf).ok

    page = client.get(reverse("verify-certificate", args=[cert.verification_code])).content.decode()
    assert "住民票の写し（個人票）" in page and cert.content_sha256 in page and "有効" in page
    for secret in (me.full_name, me.full_name.split()[0], cert.issuance_number, "clerk01"):
        assert secret not in page

    assert 'data-genuine="yes"' in _upload(client, cert.verification_code, pdf).content.decode()
    data = bytearray(pdf)
    data[data.index(b"stream") + 40] ^= 0x01
    _assert_rejected(_upload(client, cert.verification_code, bytes(data)))
