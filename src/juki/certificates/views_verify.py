"""Public verification of issued certificates (証明書の真正性確認), mounted at ``/verify/``.

Anyone — a bank, an employer, the resident — may check a certificate without logging in
(``Function.PUBLIC``):

- ``GET /verify/`` — a form to type the verification code (照合番号) printed on the page;
- ``GET /verify/<code>`` — the document type, the date of issue (和暦 and western), whether it is
  valid (有効 / 無効) and the SHA-256 of the PDF as issued. Nothing else: no name, address,
  issuance number, requester or staff (the page must not become a way to learn about a person);
- ``POST /verify/<code>`` with a PDF — "genuine" only if the file's SHA-256 equals the stored one
  *and* the municipality's signature in it verifies over the whole file.

Every lookup is audited (6020 lookup, 6021 upload, 6022 refused by the rate limit) with the
client IP and the outcome; of the code only a fingerprint is stored
(:func:`juki.certificates.verification.code_fingerprint`). The rate limit
(``JUKI_VERIFY_RATE``, default 30 lookups per 600 s per client IP) is counted from those
audit events, like the login throttle, so it holds across processes and restarts.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.conf import settings
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.views.decorators.http import require_http_methods

from juki.audit.events import EventType, Outcome
from juki.audit.log import client_ip, record_request
from juki.audit.models import AuditEvent
from juki.core import clock
from juki.core.digits import is_ascii_digits
from juki.register.wareki import format_wareki
from juki.security.access import requires
from juki.security.roles import Function

from . import signing
from .models import Certificate, CertificateStatus, DocumentType
from .verification import code_fingerprint, content_digest, normalise_code

COUNTED_EVENTS = (EventType.CERTIFICATE_VERIFY_LOOKUP, EventType.CERTIFICATE_VERIFY_UPLOAD)
DEFAULT_RATE = "30/600"

MSG_NOT_FOUND = "この照合番号の証明書は見つかりません。照合番号をご確認ください。"
MSG_BAD_CODE = "照合番号の形式が正しくありません。証明書に印字された16文字（例: 7KQ2-M9XD-4HTV-0BWE）を入力してください。"
MSG_RATE = "確認の回数が上限に達しました。しばらく時間をおいてから、もう一度お試しください。"
MSG_NO_FILE = "照合するPDFファイルを選択してください。"
MSG_TOO_LARGE = "ファイルが大きすぎます（上限 {limit}）。交付された証明書のPDFを選択してください。"
MSG_GENUINE = "この文書は、当団体が交付した証明書の原本（電子文書）と一致します。"
MSG_MISMATCH = "一致しません（改ざん又は別の文書）"


def rate_limit() -> tuple[int, int]:
    """``(lookups, seconds)`` from ``JUKI_VERIFY_RATE`` (``"30/600"``)."""
    text = str(getattr(settings, "JUKI_VERIFY_RATE", DEFAULT_RATE) or DEFAULT_RATE)
    count, _, seconds = text.partition("/")
    return int(count), int(seconds or 600)


def max_upload_bytes() -> int:
    return int(getattr(settings, "JUKI_VERIFY_MAX_UPLOAD_BYTES", 5 * 1024 * 1024))


def throttled(ip: str) -> bool:
    """Whether ``ip`` has used up its lookups in the current window."""
    limit, seconds = rate_limit()
    since = clock.now() - dt.timedelta(seconds=seconds)
    used = AuditEvent.objects.filter(ip=ip, event_type__in=[int(e) for e in COUNTED_EVENTS],
                                     occurred_at__gte=since).count()
    return used >= limit


def _public(response: HttpResponse) -> HttpResponse:
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _refuse_rate(request: HttpRequest, code: str) -> HttpResponse:
    limit, seconds = rate_limit()
    record_request(request, EventType.CERTIFICATE_VERIFY_RATE_LIMITED, action="verify_rate_limited",
                   function=Function.PUBLIC, outcome=Outcome.DENIED,
                   detail={"code": code_fingerprint(code), "limit": limit, "window_seconds": seconds})
    response = render(request, "verify/message.html",
                      {"title": "回数制限", "message": MSG_RATE, "error_code": "VERIFY_RATE_LIMITED"},
                      status=429)
    response["Retry-After"] = str(seconds)
    return _public(response)


def _not_found(request: HttpRequest) -> HttpResponse:
    return _public(render(request, "verify/message.html",
                          {"title": "証明書が見つかりません", "message": MSG_NOT_FOUND,
                           "error_code": "VERIFY_NOT_FOUND"}, status=404))


def _facts(cert: Certificate) -> dict[str, Any]:
    """What the public page may show: nothing about the person."""
    day = cert.issued_on
    valid = cert.status == CertificateStatus.ISSUED
    return {
        "code": cert.verification_code,
        "document_type": DocumentType(cert.document_type).label,
        "issued_on_wareki": format_wareki(day),
        "issued_on_western": f"{day.year}年{day.month}月{day.day}日",
        "issued_on_iso": day.isoformat(),
        "valid": valid,
        "status_label": "有効" if valid else "無効",
        "content_sha256": cert.content_sha256,
    }


@requires(Function.PUBLIC)
@require_http_methods(["GET", "POST"])
def verify_form(request: HttpRequest) -> HttpResponse:
    """照合番号の入力: GET shows the form; POST goes to the code's page (a typo is caught here)."""
    error = ""
    typed = ""
    if request.method == "POST":
        typed = request.POST.get("code", "")[:64]
        code = normalise_code(typed)
        if code is not None:
            return HttpResponseRedirect(reverse("verify-certificate", args=[code]))
        error = MSG_BAD_CODE
    return _public(render(request, "verify/form.html", {"error": error, "typed": typed},
                          status=400 if error else 200))


@requires(Function.PUBLIC)
@require_http_methods(["GET", "POST"])
def verify_certificate(request: HttpRequest, code: str) -> HttpResponse:
    """証明書の確認 (GET) and PDF comparison (POST)."""
    code = code[:64]
    normal = normalise_code(code)
    if request.method == "GET" and normal is not None and normal != code:
        # One canonical address per certificate (typed in lower case, without hyphens, ...).
        return HttpResponseRedirect(reverse("verify-certificate", args=[normal]))
    if throttled(client_ip(request)):
        return _refuse_rate(request, code)
    cert = Certificate.objects.filter(verification_code=normal).first() if normal else None
    fingerprint = code_fingerprint(code)
    if request.method == "GET":
        record_request(request, EventType.CERTIFICATE_VERIFY_LOOKUP, action="verify_lookup",
                       function=Function.PUBLIC, outcome=Outcome.OK if cert else Outcome.DENIED,
                       detail={"code": fingerprint, "result": "found" if cert else "not_found",
                               **({"status": cert.status} if cert else {})})
        if cert is None:
            return _not_found(request)
        return _public(render(request, "verify/certificate.html", {"facts": _facts(cert)}))
    return _compare(request, cert, fingerprint)


def _compare(request: HttpRequest, cert: Certificate | None, fingerprint: str) -> HttpResponse:
    limit = max_upload_bytes()
    declared = request.META.get("CONTENT_LENGTH") or "0"
    too_large = is_ascii_digits(declared) and int(declared) > limit + 64 * 1024
    upload = None if too_large else request.FILES.get("pdf")
    if upload is not None and upload.size is not None and upload.size > limit:
        too_large = True
    detail: dict[str, Any] = {"code": fingerprint}
    if cert is None:
        record_request(request, EventType.CERTIFICATE_VERIFY_UPLOAD, action="verify_upload",
                       function=Function.PUBLIC, outcome=Outcome.DENIED,
                       detail={**detail, "result": "not_found"})
        return _not_found(request)
    facts = _facts(cert)
    if too_large or upload is None:
        reason = "too_large" if too_large else "no_file"
        record_request(request, EventType.CERTIFICATE_VERIFY_UPLOAD, action="verify_upload",
                       function=Function.PUBLIC, outcome=Outcome.DENIED, detail={**detail, "result": reason})
        message = MSG_TOO_LARGE.format(limit=f"{limit // (1024 * 1024)}MB") if too_large else MSG_NO_FILE
        return _public(render(request, "verify/certificate.html",
                              {"facts": facts, "upload_error": message}, status=413 if too_large else 400))
    data = upload.read(limit + 1)
    digest = content_digest(data)
    digest_match = digest == cert.content_sha256
    # The signature is checked only on a file whose bytes are the issued ones: an arbitrary
    # upload is never parsed (pyHanko never sees untrusted PDF structure).
    check = signing.verify_signature(data) if digest_match else None
    genuine = check is not None and check.ok
    signature = "not_checked" if check is None else ("ok" if check.ok else check.problem)
    record_request(request, EventType.CERTIFICATE_VERIFY_UPLOAD, action="verify_upload",
                   function=Function.PUBLIC, outcome=Outcome.OK,
                   detail={**detail, "result": "genuine" if genuine else "mismatch",
                           "digest_match": digest_match, "signature": signature,
                           "status": cert.status, "bytes": len(data)})
    return _public(render(request, "verify/certificate.html", {
        "facts": facts,
        "compared": True,
        "genuine": genuine,
        "uploaded_sha256": digest,
        "digest_match": digest_match,
        "message": MSG_GENUINE if genuine else MSG_MISMATCH,
    }))
