"""Certificate documents (証明書の内容とレイアウト), docs/certificates.md.

The interface the issuance actions (:mod:`juki.certificates.actions`) code against:

- :class:`Options` — 記載事項の選択, stored as JSON in ``CertificateRequest.options``;
- :class:`Stamp` — what the ledger gives the page (交付番号, 証明日, 照合番号, URL);
- :func:`validate` — refuses a document that must not be produced, with a stable
  ``certificate.*`` code and a Japanese message (:class:`CertificateRefused`);
- :func:`render` — the PDF bytes and page count; :func:`build_pages` — its HTML pages.

Documents: 住民票の写し 世帯連記式 and 個人票 (:mod:`.resident_copy`), 住民票記載事項証明書
(:mod:`.entry`), 除票の写し (:mod:`.resident_copy`), 転出証明書 (:mod:`.move_out`), 不在住証明書
(:mod:`.no_record`). Each is A4 portrait, dated in 和暦, with the certification statement, the
mayor's title and name, and on every page the issuance number, the verification code, a QR
code of the verification URL and 「x／y」.

This package reads the register directly (models, :mod:`juki.register.history`); it neither
checks roles nor audits — the calling action does both — and it never decrypts a My Number:
the action passes ``my_numbers`` (revealed under its purpose), printed only with
``options.my_number``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any

from juki.certificates import fonts

from .data import Issuer, PersonEntry
from .errors import CertificateRefused
from .layout import CSS
from .options import ENTRY_ITEMS, Options, Stamp

__all__ = [
    "CSS",
    "ENTRY_ITEMS",
    "CertificateRefused",
    "DocumentType",
    "Options",
    "Stamp",
    "build_pages",
    "render",
    "validate",
]

# Imports of Django models and of the register stay inside the functions below: the page
# builders (bench, reference images) import this package without a configured Django.
if TYPE_CHECKING:
    from juki.certificates.models import DocumentType


def __getattr__(name: str) -> Any:
    # DocumentType is a Django model choice: imported on first use, so that the page builders
    # (bench, reference images) import without a configured Django.
    if name == "DocumentType":
        from juki.certificates.models import DocumentType

        return DocumentType
    raise AttributeError(name)


def _doc_type(document_type: DocumentType | str) -> DocumentType:
    from juki.certificates.models import DocumentType

    try:
        return DocumentType(document_type)
    except ValueError:
        raise CertificateRefused("certificate.document_unknown", f"証明書の種類が正しくありません（{document_type}）。",
                                 field="document_type") from None


def _options(options: Options | Mapping[str, Any] | None) -> Options:
    if isinstance(options, Options):
        return options
    return Options.from_dict(dict(options or {}))


def _check_printable(texts: Iterable[str], *, who: str) -> None:
    for text in texts:
        bad = fonts.unprintable_chars(text) if text else []
        if bad:
            shown = "、".join(f"U+{ord(u[0]):04X}" + (f" U+{ord(u[1]):04X}" if len(u) > 1 else "") for u in bad)
            raise CertificateRefused(
                "certificate.unprintable",
                f"{who}に証明書で印字できない文字があります（{shown}）。文字を確認してください。",
                field="person_ids",
            )


def _entry_texts(p: PersonEntry) -> list[str]:
    texts = [p.name, p.kana, p.furigana, p.householder, p.address, p.pre_move_in_address, p.previous_address,
             p.domicile, p.domicile_head, p.former_surname, p.alias]
    if p.foreign is not None:
        texts += [p.foreign.alphabet_name, p.foreign.nationality]
    if p.removal is not None:
        texts.append(p.removal.destination)
    texts += [h.summary for h in p.history]
    return texts


def _query(subject_query: Mapping[str, Any] | None) -> dict[str, str]:
    q = {k: str(v or "").strip() for k, v in dict(subject_query or {}).items()}
    unknown = sorted(set(q) - {"name", "birth_date", "address"})
    if unknown:
        raise CertificateRefused("certificate.query_invalid", f"不明な照会項目です: {', '.join(unknown)}",
                                 field="subject_query")
    if not q.get("name"):
        raise CertificateRefused("certificate.query_required", "不在住証明書には照会する氏名が必要です。",
                                 field="subject_query")
    if q.get("birth_date"):
        try:
            dt.date.fromisoformat(q["birth_date"])
        except ValueError:
            raise CertificateRefused("certificate.query_invalid", "照会する生年月日は YYYY-MM-DD で指定してください。",
                                     field="subject_query") from None
    return q


def _matching_records(q: Mapping[str, str]) -> list[Any]:
    """Records (current, resident or removed) whose name — and birth date, if asked — match.

    The name matches on the register's search keys (異体字 and IVS folded, spaces ignored), so
    a variant spelling cannot produce a false 不在住. The address is printed, not matched: a
    person with that name and birth date anywhere in the register refuses the certificate.
    """
    from django.db.models import Q

    from juki.register import queries
    from juki.register.search import name_kind

    name = q["name"]
    qs = queries.current_by_name(name_kind(name), name)
    if q.get("birth_date"):
        b = dt.date.fromisoformat(q["birth_date"])
        qs = qs.filter(Q(birth_year=b.year) | Q(birth_year__isnull=True))
        qs = qs.filter(Q(birth_month=b.month) | Q(birth_month__isnull=True))
        qs = qs.filter(Q(birth_day=b.day) | Q(birth_day__isnull=True))
    return list(qs[:5])


def validate(document_type: DocumentType | str, person_ids: Sequence[int], options: Options | Mapping[str, Any] | None,
             *, subject_query: Mapping[str, Any] | None = None, on: dt.date) -> None:
    """Refuse (:class:`CertificateRefused`) a document that must not be produced as asked.

    Checks, in order: the document type and options; the persons exist (宛名番号); a
    current-record form (住民票の写し・記載事項証明書) is not asked for a removed person (除票),
    a 除票の写し only for a removed one; a 世帯連記式 or 転出証明書 covers one household; a
    転出証明書 needs a recorded 転出; a 不在住証明書 needs a query no record matches; every
    text to print is printable by the certificate font (decision 0004: never a box).
    """
    from juki.certificates.models import DocumentType

    doc = _doc_type(document_type)
    opts = _options(options)
    current_forms = {DocumentType.RESIDENT_COPY_HOUSEHOLD, DocumentType.RESIDENT_COPY_PERSONAL,
                     DocumentType.ENTRY_CERTIFICATE}
    if doc == DocumentType.NO_RECORD:
        if person_ids:
            raise CertificateRefused("certificate.option_not_applicable",
                                     "不在住証明書は対象者（宛名番号）を指定せず、照会内容で請求します。", field="person_ids")
        if opts.my_number:
            raise CertificateRefused("certificate.option_not_applicable", "不在住証明書に個人番号は記載できません。",
                                     field="my_number")
        q = _query(subject_query)
        _check_printable([q.get("name", ""), q.get("address", "")], who="照会内容")
        found = _matching_records(q)
        if found:
            removed = all(r.status == "removed" for r in found)
            raise CertificateRefused(
                "certificate.record_exists",
                "照会の氏名・生年月日に該当する" + ("除票" if removed else "住民票")
                + "があるため、不在住証明書は交付できません。",
                field="subject_query",
            )
        return
    if not person_ids:
        raise CertificateRefused("certificate.persons_required", "対象者（宛名番号）を指定してください。",
                                 field="person_ids")
    if len(set(person_ids)) != len(person_ids):
        raise CertificateRefused("certificate.persons_duplicated", "同じ対象者が重複して指定されています。",
                                 field="person_ids")
    if doc == DocumentType.ENTRY_CERTIFICATE and not opts.items:
        raise CertificateRefused("certificate.items_required", "証明する記載事項を1つ以上選んでください。",
                                 field="items")
    from . import load

    records = load.current_records(list(person_ids))
    for pid in person_ids:
        rec = records.get(pid)
        if rec is None:
            raise CertificateRefused("certificate.person_unknown", f"宛名番号 {pid} の住民票が見つかりません。",
                                     field="person_ids")
        removed = rec.status == "removed"
        if doc in current_forms and removed:
            raise CertificateRefused(
                "certificate.removed_on_current_form",
                f"宛名番号 {pid} は消除された者（除票）です。住民票の写し等ではなく除票の写しを請求してください。",
                field="person_ids",
            )
        if doc == DocumentType.REMOVED_COPY and not removed:
            raise CertificateRefused("certificate.not_removed",
                                     f"宛名番号 {pid} は住民です。除票の写しは交付できません。", field="person_ids")
        if doc == DocumentType.MOVE_OUT_CERTIFICATE and not (removed and rec.removal_reason == "move_out"):
            raise CertificateRefused(
                "certificate.no_move_out",
                f"宛名番号 {pid} には転出の記録がないため、転出証明書は作成できません。", field="person_ids",
            )
    if doc in (DocumentType.RESIDENT_COPY_HOUSEHOLD, DocumentType.MOVE_OUT_CERTIFICATE):
        if len({records[pid].household_id for pid in person_ids}) > 1:
            raise CertificateRefused("certificate.not_same_household",
                                     "同じ世帯の者だけを1通の証明書にできます。世帯ごとに請求してください。",
                                     field="person_ids")
    load.issuer()  # certificate.municipality_missing if the municipality is not set up
    for pid in person_ids:
        entry = load.person_entry(records[pid], with_history=opts.history)
        _check_printable(_entry_texts(entry), who=f"宛名番号 {pid} の記載事項")


def _entries(person_ids: Sequence[int], opts: Options) -> list[PersonEntry]:
    from . import load

    records = load.current_records(list(person_ids))
    return [load.person_entry(records[pid], with_history=opts.history) for pid in person_ids]


def _whole_household(person_ids: Sequence[int]) -> bool:
    from juki.register import queries

    hh = queries.current_records([person_ids[0]]).values_list("household_id", flat=True)
    members = set(queries.current_residents().filter(household_id__in=list(hh)).values_list("person_id", flat=True))
    return members == set(person_ids)


def build_pages(document_type: DocumentType | str, person_ids: Sequence[int], options: Options | Mapping[str, Any] | None,
                stamp: Stamp, *, my_numbers: Mapping[int, str] | None = None,
                subject_query: Mapping[str, Any] | None = None) -> list[str]:
    """The document's pages as HTML (each a complete document; style: :data:`CSS`).

    Call :func:`validate` first; this assumes a valid request.
    """
    from juki.certificates.models import DocumentType

    from . import entry, load, move_out, no_record, resident_copy

    doc = _doc_type(document_type)
    opts = _options(options)
    if opts.my_number and my_numbers is None and doc != DocumentType.NO_RECORD:
        raise ValueError("options.my_number needs the revealed numbers (my_numbers)")
    issuer = load.issuer()
    if doc == DocumentType.NO_RECORD:
        q = _query(subject_query)
        birth = ""
        if q.get("birth_date"):
            from .data import date_text

            birth = date_text(dt.date.fromisoformat(q["birth_date"]))
        return no_record.no_record_pages(q, birth, stamp, issuer)
    if doc == DocumentType.MOVE_OUT_CERTIFICATE:
        from juki.register.models import ResidenceStatus
        from juki.register.move_out import move_out_certificate_data

        data = []
        for pid in person_ids:
            d = move_out_certificate_data(pid)
            if "foreign" in d:
                status = d["foreign"]["residence_status"]
                d["foreign"]["residence_status_label"] = ResidenceStatus(status).label if status else ""
            d["name"]["kana"] = d["name"].get("kana", "")
            data.append(d)
        return move_out.move_out_pages(data, opts, stamp, issuer, my_numbers=my_numbers)
    entries = _entries(person_ids, opts)
    if doc == DocumentType.RESIDENT_COPY_HOUSEHOLD:
        from juki.register import queries

        order = dict(queries.current_records(person_ids).values_list("person_id", "listing_order"))
        entries.sort(key=lambda p: (order.get(p.person_id, 0), p.person_id))
        return resident_copy.household_pages(entries, opts, stamp, issuer,
                                             whole_household=_whole_household(person_ids), my_numbers=my_numbers)
    if doc == DocumentType.RESIDENT_COPY_PERSONAL:
        return resident_copy.personal_pages(entries, opts, stamp, issuer, my_numbers=my_numbers)
    if doc == DocumentType.REMOVED_COPY:
        return resident_copy.removed_pages(entries, opts, stamp, issuer, my_numbers=my_numbers)
    return entry.entry_pages(entries, opts, stamp, issuer, my_numbers=my_numbers)


def render_html_pages(pages: Sequence[str]) -> tuple[bytes, int]:
    """Render built pages to one PDF. Each page must take exactly one PDF page: content that
    spilled over would misnumber 「x／y」, so it is refused, never printed."""
    from juki.certificates import fastpdf
    from juki.certificates.render import render_documents_pdf

    try:  # the direct writer: ≈10× faster than WeasyPrint (docs/decisions/0004-pdf-rendering.md)
        pdf, counts = fastpdf.write_pages(list(pages))
    except fastpdf.UnsupportedPage:  # HTML outside the page vocabulary: WeasyPrint lays it out
        pdf, counts = render_documents_pdf(list(pages), css=CSS)
    if any(c != 1 for c in counts):
        raise CertificateRefused("certificate.layout_overflow",
                                 "記載事項が多く、証明書の様式に収まりません。システム管理者に連絡してください。")
    return pdf, len(counts)


def render(document_type: DocumentType | str, person_ids: Sequence[int], options: Options | Mapping[str, Any] | None,
           stamp: Stamp, *, my_numbers: Mapping[int, str] | None = None,
           subject_query: Mapping[str, Any] | None = None) -> tuple[bytes, int]:
    """(PDF bytes, page count) of the document. Call :func:`validate` first."""
    pages = build_pages(document_type, person_ids, options, stamp, my_numbers=my_numbers,
                        subject_query=subject_query)
    return render_html_pages(pages)


# Re-exported for callers that build pages from plain data (bench, reference images).
__all__ += ["Issuer", "PersonEntry", "render_html_pages"]
