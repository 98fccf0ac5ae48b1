"""validate(): a document that must not be produced is refused with a stable code and a
Japanese message, before anything is rendered (docs/certificates-issuance.md: a removed person on a
current-record form, an unknown person — refused with a specific message, nothing issued)."""

from __future__ import annotations

import dataclasses

import pytest

from juki.certificates.documents import CertificateRefused, Options, validate
from juki.certificates.models import DocumentType
from juki.register.models import ResidentRecord

from ._documents import STAMP, removed_household, small_city, tsuji_household

pytestmark = pytest.mark.django_db

TODAY = STAMP.issued_on


@pytest.fixture
def city():
    return small_city()


DEFAULT = Options()


def refused(code, doc, ids, options=DEFAULT, **kw):
    with pytest.raises(CertificateRefused) as exc:
        validate(doc, ids, options, on=TODAY, **kw)
    assert exc.value.code == code, exc.value
    assert exc.value.message and not exc.value.message.isascii()  # a Japanese message
    return exc.value


def test_an_unknown_person_is_refused(city):
    refused("certificate.person_unknown", DocumentType.RESIDENT_COPY_PERSONAL, [9_999_999])


def test_a_document_without_persons_is_refused(city):
    refused("certificate.persons_required", DocumentType.RESIDENT_COPY_HOUSEHOLD, [])


def test_the_same_person_twice_is_refused(city):
    (p, *_) = tsuji_household(city)
    refused("certificate.persons_duplicated", DocumentType.RESIDENT_COPY_PERSONAL, [p.person_id, p.person_id])


@pytest.mark.parametrize("doc", [DocumentType.RESIDENT_COPY_HOUSEHOLD, DocumentType.RESIDENT_COPY_PERSONAL,
                                 DocumentType.ENTRY_CERTIFICATE])
def test_a_removed_person_on_a_current_record_form_is_refused(city, doc):
    """A 除票 person gets a 除票の写し, not a 住民票の写し (docs/certificates-issuance.md)."""
    (p, _) = removed_household(city)
    err = refused("certificate.removed_on_current_form", doc, [p.person_id], Options(items=("birth",)))
    assert "除票の写し" in err.message


def test_a_removed_copy_of_a_current_resident_is_refused(city):
    (p, *_) = tsuji_household(city)
    refused("certificate.not_removed", DocumentType.REMOVED_COPY, [p.person_id])


def test_a_household_copy_of_two_households_is_refused(city):
    (a, *_) = tsuji_household(city)
    (b, _) = removed_household(city)
    ResidentRecord.objects.filter(pk=b.pk).update(status="resident", removal_reason="", removed_on=None)
    refused("certificate.not_same_household", DocumentType.RESIDENT_COPY_HOUSEHOLD, [a.person_id, b.person_id])


def test_a_move_out_certificate_without_a_recorded_move_out_is_refused(city):
    (resident, *_) = tsuji_household(city)
    refused("certificate.no_move_out", DocumentType.MOVE_OUT_CERTIFICATE, [resident.person_id])
    (dead, _) = removed_household(city, reason="death")
    refused("certificate.no_move_out", DocumentType.MOVE_OUT_CERTIFICATE, [dead.person_id])


def test_no_record_certificate_for_someone_on_the_register_is_refused(city):
    tsuji_household(city)
    # The name matches on the search key: the variant 辻 and spacing do not hide the record.
    query = {"name": "辻 太郎", "birth_date": "1980-05-01", "address": ""}
    err = refused("certificate.record_exists", DocumentType.NO_RECORD, [], subject_query=query)
    assert "住民票" in err.message


def test_no_record_certificate_for_a_removed_person_is_refused_too(city):
    removed_household(city)
    query = {"name": "転出　一郎", "birth_date": "", "address": ""}
    err = refused("certificate.record_exists", DocumentType.NO_RECORD, [], subject_query=query)
    assert "除票" in err.message


def test_no_record_certificate_with_another_birth_date_is_allowed(city):
    tsuji_household(city)
    validate(DocumentType.NO_RECORD, [], Options(), on=TODAY,
             subject_query={"name": "辻　太郎", "birth_date": "1990-01-01", "address": ""})


def test_no_record_certificate_needs_a_name_and_no_persons(city):
    refused("certificate.query_required", DocumentType.NO_RECORD, [], subject_query={"name": ""})
    refused("certificate.query_invalid", DocumentType.NO_RECORD, [], subject_query={"name": "見本", "age": "3"})
    refused("certificate.query_invalid", DocumentType.NO_RECORD, [], subject_query={"name": "見本", "birth_date": "S60"})
    refused("certificate.option_not_applicable", DocumentType.NO_RECORD, [1], subject_query={"name": "見本"})
    refused("certificate.option_not_applicable", DocumentType.NO_RECORD, [], Options(my_number=True),
            subject_query={"name": "見本"})


def test_an_entry_certificate_without_items_is_refused(city):
    (p, *_) = tsuji_household(city)
    refused("certificate.items_required", DocumentType.ENTRY_CERTIFICATE, [p.person_id])


def test_an_unknown_document_type_is_refused(city):
    refused("certificate.document_unknown", "family_register", [1])


def test_a_record_the_font_cannot_print_is_refused_never_printed_as_a_box(city):
    """decision 0004: a private-use character (U+E000) is not in IPAmj明朝; a record migrated
    with one is refused rather than printed with a missing glyph."""
    (p, *_) = tsuji_household(city)
    ResidentRecord.objects.filter(pk=p.pk).update(given_name="太\ue000郎")
    err = refused("certificate.unprintable", DocumentType.RESIDENT_COPY_PERSONAL, [p.person_id])
    assert "U+E000" in err.message


def test_an_unprintable_query_is_refused(city):
    refused("certificate.unprintable", DocumentType.NO_RECORD, [], subject_query={"name": "見本\U000e0110"})


def test_options_from_stored_json_refuse_unknown_keys_and_wrong_types():
    assert Options.from_dict({}) == Options()
    assert Options().my_number is False  # never by default
    opts = Options(domicile=True, items=("birth", "address"))
    assert Options.from_dict(opts.to_dict()) == opts
    assert opts.to_dict()["items"] == ["birth", "address"]
    with pytest.raises(CertificateRefused) as exc:
        Options.from_dict({"mynumber": True})
    assert exc.value.code == "certificate.option_unknown"
    for bad in ({"domicile": "yes"}, {"items": ["birth", "shoe_size"]}, {"items": "birth"}, {"items": ["sex", "sex"]}):
        with pytest.raises(CertificateRefused) as exc:
            Options.from_dict(bad)
        assert exc.value.code == "certificate.option_invalid", bad
    with pytest.raises(dataclasses.FrozenInstanceError):
        opts.my_number = True  # type: ignore[misc]
