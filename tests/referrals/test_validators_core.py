"""Tests of the pure NPI and ICD-10-CM checks (screening-spec v4 §8); no database."""

import pytest

from referrals.validators_core import normalise_icd10, npi_is_valid


class NPITests:
    @pytest.mark.parametrize("value", ["1234567893", "1245319599", "1003000126"])
    def test_accepts_valid_check_digits(self, value):
        assert npi_is_valid(value) is True

    @pytest.mark.parametrize(
        "value",
        [
            "1234567890",
            "1234567891",
            "1234567894",
            "123456789",
            "12345678931",
            "",
            " 1234567893",
            "1234567893 ",
            "12345-7893",
            "abcdefghij",
            "١٢٣٤٥٦٧٨٩٣",  # Arabic-Indic digits are digits, but not an NPI
            1234567893,
            None,
        ],
    )
    def test_refuses_everything_else(self, value):
        assert npi_is_valid(value) is False

    def test_every_wrong_check_digit_is_refused(self):
        assert [digit for digit in "0123456789" if npi_is_valid("123456789" + digit)] == ["3"]


class ICD10Tests:
    @pytest.mark.parametrize(
        ("value", "stored"),
        [
            ("F33.2", "F33.2"),
            ("f332", "F33.2"),
            ("G90.50", "G90.50"),
            ("g9050", "G90.50"),
            ("M79.7", "M79.7"),
            ("F32.A", "F32.A"),
            ("f32a", "F32.A"),
            ("F33", "F33"),
            ("  m79.7 \n", "M79.7"),
            ("S72.0011", "S72.0011"),
            ("T1491XA", "T14.91XA"),
        ],
    )
    def test_normalises_valid_codes(self, value, stored):
        assert normalise_icd10(value) == stored

    @pytest.mark.parametrize(
        "value",
        [
            "FAB.1",
            "F3",
            "F33.23456",
            "F3323456",
            "F33.",
            "3F3.2",
            "F33..2",
            "F3 3.2",
            "F33-2",
            "",
            "   ",
            "ÉF3",
        ],
    )
    def test_refuses_invalid_codes(self, value):
        with pytest.raises(ValueError):
            normalise_icd10(value)

    def test_refuses_non_text(self):
        with pytest.raises(ValueError):
            normalise_icd10(332)
