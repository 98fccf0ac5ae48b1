"""Local number source: resident codes and My Numbers as J-LIS generation rules require
(jlis-001a digest §3.1: unique forever, derived from the resident code under a secret key,
check digits valid)."""

import pytest

from juki.identifiers import my_number, resident_code
from juki.register.issuance import LocalNumberSource
from juki.register.models import IssuedNumber

pytestmark = pytest.mark.django_db


def test_resident_codes_are_valid_and_never_issued_twice():
    source = LocalNumberSource()
    codes = {source.allocate_resident_code() for _ in range(200)}
    assert len(codes) == 200 and all(resident_code.is_valid(c) for c in codes)


def test_my_numbers_are_valid_unique_and_not_repeated_for_the_same_resident_code():
    """番号法8条2項: a number differs from every other My Number, former ones included."""
    source = LocalNumberSource()
    code = source.allocate_resident_code()
    first = source.generate_my_number(code)
    again = source.generate_my_number(code)  # e.g. a change of My Number (番号法7条2項)
    assert my_number.is_valid(first) and my_number.is_valid(again) and first != again


def test_the_issued_memory_holds_no_number_in_clear():
    source = LocalNumberSource()
    number = source.generate_my_number(source.allocate_resident_code())
    assert not IssuedNumber.objects.filter(digest__contains=number).exists()
    assert all(number not in d for d in IssuedNumber.objects.values_list("digest", flat=True))
