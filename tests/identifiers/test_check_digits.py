"""The shared weighted modulus-11 mechanics of the identifiers' check digits (検査数字).

Each identifier keeps its own weights and remainder rule (個人番号: 番号法施行令8条・総務省令85号
5条; 住民票コード: 住基法施行規則1条; 地方公共団体コード: 総務省「全国地方公共団体コード」); the
tests here pin the mechanics they share and that each module's scheme is the one its source states.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from juki.identifiers import check_digits, lg_code, my_number, resident_code
from juki.identifiers.errors import IdentifierError


def test_the_weighted_remainder_reads_digits_and_weights_from_the_lowest():
    # payload "321" read from the lowest digit is 1, 2, 3
    assert check_digits.weighted_remainder("321", (2, 3, 4)) == (1 * 2 + 2 * 3 + 3 * 4) % 11


def test_each_identifier_keeps_the_weights_its_source_states():
    assert my_number.WEIGHTS == (2, 3, 4, 5, 6, 7, 2, 3, 4, 5, 6)  # 施行令8条: Q_n = n+1 (n<=6), n-5 (n>=7)
    assert resident_code.WEIGHTS == (2, 3, 4, 5, 6, 7, 2, 3, 4, 5)
    assert lg_code.SCHEME.weights == (2, 3, 4, 5, 6)  # 6,5,4,3,2 from the highest digit


def test_remainder_rules_differ_only_for_remainders_0_and_1():
    # 個人番号・住民票コード: 0 for remainders 0 and 1; 地方公共団体コード: last digit of 11 - r.
    assert [check_digits.eleven_minus_or_zero(r) for r in (0, 1, 2, 10)] == ["0", "0", "9", "1"]
    assert [lg_code.SCHEME.digit(r) for r in (0, 1, 2, 10)] == ["1", "0", "9", "1"]


def test_a_scheme_refuses_weights_that_do_not_cover_its_payload():
    with pytest.raises(ValueError):
        check_digits.CheckDigitScheme(label="x", code="X", field="x", length=4, weights=(2, 3),
                                      digit=check_digits.eleven_minus_or_zero)


@pytest.mark.parametrize(("module", "code"), [(my_number, "MYNUMBER"), (resident_code, "RESIDENT_CODE"),
                                              (lg_code, "LGCODE")])
def test_refusal_codes_keep_each_identifiers_prefix(module, code):
    for raw, suffix in (("12a", "NOT_DIGITS"), ("1", "LENGTH")):
        with pytest.raises(IdentifierError) as exc:
            module.validate(raw)
        assert exc.value.code == f"{code}_{suffix}"
    assert module.is_valid("1") is False


@given(st.text(alphabet="0123456789", min_size=10, max_size=10))
def test_the_shared_scheme_gives_the_resident_code_formula_of_the_module_docstring(payload):
    total = sum(int(c) * ((n - 1) % 6 + 2) for n, c in enumerate(reversed(payload), start=1))
    expected = "0" if total % 11 <= 1 else str(11 - total % 11)
    assert resident_code.check_digit(payload) == expected
