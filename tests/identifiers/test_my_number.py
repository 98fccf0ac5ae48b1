"""個人番号: check digit per 総務省令85号 第5条 (weights 2..7,2..6 from the lowest digit;
11 minus the remainder mod 11, 0 when the remainder is 0 or 1)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from juki.core.errors import JukiError
from juki.identifiers import my_number
from juki.identifiers.errors import IdentifierError

from ._properties import FULL_WIDTH, substitute, undetected_substitutions

ELEVEN = st.text(alphabet="0123456789", min_size=11, max_size=11)
#: First digits of numbers that may be issued (all zeros never is: MYNUMBER_NOT_ISSUED).
ISSUABLE = ELEVEN.filter(lambda s: s + my_number.check_digit(s) not in my_number.NEVER_ISSUED)
WEIGHTS = (2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6)  # from the lowest digit, as the ordinance states


def remainder(first11: str) -> int:
    return sum(int(c) * w for c, w in zip(reversed(first11), WEIGHTS, strict=True)) % 11


def test_known_valid_number_is_accepted():
    assert my_number.is_valid("123456789018")
    assert my_number.validate("123456789018") == "123456789018"


@given(ISSUABLE)
def test_check_digit_round_trips(first11):
    number = first11 + my_number.check_digit(first11)
    assert my_number.is_valid(number)
    assert my_number.validate(number) == number


@pytest.mark.parametrize("raw", ["000000000000", "0000 0000 0000", "０" * 12])
def test_the_all_zero_number_is_refused_though_its_check_digit_is_right(raw):
    """総務省令85号5条 gives 000000000000 the check digit 0, yet it is the blank written for a
    missing number and never issued (番号法8条2項: J-LIS generates numbers from 住民票コード)."""
    assert my_number.check_digit("0" * 11) == "0"
    assert not my_number.is_valid(raw)
    with pytest.raises(IdentifierError) as exc:
        my_number.validate(raw)
    assert exc.value.code == "MYNUMBER_NOT_ISSUED" and "000000000000" not in exc.value.message


@given(ELEVEN)
def test_check_digit_follows_the_ordinance_formula(first11):
    r = remainder(first11)
    assert my_number.check_digit(first11) == ("0" if r <= 1 else str(11 - r))


@given(ELEVEN, st.integers(0, 9))
def test_any_wrong_check_digit_is_refused(first11, wrong):
    right = my_number.check_digit(first11)
    if str(wrong) != right:
        with pytest.raises(IdentifierError) as exc:
            my_number.validate(first11 + str(wrong))
        assert exc.value.code == "MYNUMBER_CHECK_DIGIT"


@given(ELEVEN)
def test_single_digit_errors_are_caught_except_the_formulas_0_and_1_collision(first11):
    # Remainders 0 and 1 both give check digit 0 (the ordinance's rule), so a substitution
    # moving the remainder between them is the only kind that can go unnoticed.
    for position, digit in undetected_substitutions(first11, my_number.check_digit):
        assert {remainder(first11), remainder(substitute(first11, position, digit))} == {0, 1}


@given(ISSUABLE)
def test_full_width_digits_hyphens_and_spaces_are_accepted(first11):
    number = first11 + my_number.check_digit(first11)
    typed = f"{number[:4]}-{number[4:8]} {number[8:]}".translate(FULL_WIDTH)
    assert my_number.validate(typed) == number
    assert my_number.validate(f"{number[:4]}－{number[4:8]}　{number[8:]}") == number


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("12345678901", "MYNUMBER_LENGTH"),
        ("1234567890180", "MYNUMBER_LENGTH"),
        ("12345678901a", "MYNUMBER_NOT_DIGITS"),
        ("١٢٣٤٥٦٧٨٩٠١٨", "MYNUMBER_NOT_DIGITS"),  # Arabic-Indic digits are not accepted
        ("123456789010", "MYNUMBER_CHECK_DIGIT"),
    ],
)
def test_bad_input_raises_a_typed_error_naming_the_fault(raw, code):
    with pytest.raises(IdentifierError) as exc:
        my_number.validate(raw)
    err = exc.value
    assert err.code == code
    assert err.field == "my_number"
    assert isinstance(err, JukiError) and isinstance(err, ValueError)
    assert err.status == 400
    assert "個人番号" in err.message
    assert not my_number.is_valid(raw)


def test_check_digit_needs_eleven_ascii_digits():
    with pytest.raises(IdentifierError) as exc:
        my_number.check_digit("１２３４５６７８９０１")
    assert exc.value.code == "MYNUMBER_FORMAT"
