"""住民票コード: 10 random digits and a modulus-11 check digit (住基法施行規則1条; formula of
平成14年総務省告示436号, unconfirmed — see juki.identifiers.resident_code)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from juki.core.errors import JukiError
from juki.identifiers import resident_code
from juki.identifiers.errors import IdentifierError

from ._properties import FULL_WIDTH, substitute, undetected_substitutions

TEN = st.text(alphabet="0123456789", min_size=10, max_size=10)
WEIGHTS = (2, 3, 4, 5, 6, 7, 2, 3, 4, 5)  # from the lowest digit


def remainder(first10: str) -> int:
    return sum(int(c) * w for c, w in zip(reversed(first10), WEIGHTS, strict=True)) % 11


def test_hand_computed_vector_matches_the_documented_formula():
    # 1234567890: 0·2+9·3+8·4+7·5+6·6+5·7+4·2+3·3+2·4+1·5 = 195; 195 mod 11 = 8; 11 - 8 = 3
    assert resident_code.check_digit("1234567890") == "3"
    assert resident_code.is_valid("12345678903")


@given(TEN)
def test_check_digit_round_trips(first10):
    code = first10 + resident_code.check_digit(first10)
    assert resident_code.validate(code) == code


@given(TEN)
def test_check_digit_follows_the_documented_formula(first10):
    r = remainder(first10)
    assert resident_code.check_digit(first10) == ("0" if r <= 1 else str(11 - r))


@given(TEN)
def test_single_digit_errors_are_caught_except_the_0_and_1_collision(first10):
    for position, digit in undetected_substitutions(first10, resident_code.check_digit):
        assert {remainder(first10), remainder(substitute(first10, position, digit))} == {0, 1}


@given(TEN, st.integers(0, 9))
def test_any_wrong_check_digit_is_refused(first10, wrong):
    if str(wrong) != resident_code.check_digit(first10):
        with pytest.raises(IdentifierError) as exc:
            resident_code.validate(first10 + str(wrong))
        assert exc.value.code == "RESIDENT_CODE_CHECK_DIGIT"


@given(TEN)
def test_full_width_digits_hyphens_and_spaces_are_accepted(first10):
    code = first10 + resident_code.check_digit(first10)
    assert resident_code.validate(f"{code[:5]}-{code[5:]}".translate(FULL_WIDTH)) == code
    assert resident_code.validate(f"{code[:5]}　{code[5:]}") == code


@pytest.mark.parametrize(
    ("raw", "code"),
    [("1234567890", "RESIDENT_CODE_LENGTH"), ("123456789031", "RESIDENT_CODE_LENGTH"),
     ("1234567890X", "RESIDENT_CODE_NOT_DIGITS"), ("12345678904", "RESIDENT_CODE_CHECK_DIGIT")],
)
def test_bad_input_raises_a_typed_error_naming_the_fault(raw, code):
    with pytest.raises(IdentifierError) as exc:
        resident_code.validate(raw)
    assert exc.value.code == code
    assert exc.value.field == "resident_code"
    assert isinstance(exc.value, JukiError) and isinstance(exc.value, ValueError)
    assert "住民票コード" in exc.value.message
    assert not resident_code.is_valid(raw)


def test_check_digit_needs_ten_ascii_digits():
    with pytest.raises(IdentifierError) as exc:
        resident_code.check_digit("123456789")
    assert exc.value.code == "RESIDENT_CODE_FORMAT"
