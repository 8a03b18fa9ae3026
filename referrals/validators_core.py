"""Pure checks for referral identifiers: NPI check digit and ICD-10-CM code format (screening-spec v4 §8)."""

from __future__ import annotations

import re

# An NPI's check digit is the Luhn digit over the ISO card prefix 80840 plus the first nine digits (CMS).
_NPI_PREFIX = "80840"
_ICD10_RE = re.compile(r"([A-Z][0-9][0-9A-Z])(?:\.?([0-9A-Z]{1,4}))?")


def _luhn_check_digit(digits: str) -> int:
    total = 0
    # Double every second digit from the right, starting with the rightmost (the check digit is appended).
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2 == 0:
            value *= 2
            if value > 9:
                value -= 9
        total += value
    return (10 - total % 10) % 10


def npi_is_valid(value: str) -> bool:
    """True for a 10-digit National Provider Identifier whose last digit is its Luhn check digit."""
    if not isinstance(value, str) or len(value) != 10 or not value.isascii() or not value.isdigit():
        return False
    return _luhn_check_digit(_NPI_PREFIX + value[:9]) == int(value[9])


def normalise_icd10(value: str) -> str:
    """Upper-case and trim an ICD-10-CM code and store it with the dot after the third character.

    Raises ValueError when the code does not match ``^[A-Z][0-9][0-9A-Z](\\.?[0-9A-Z]{1,4})?$``.
    """
    if not isinstance(value, str):
        raise ValueError(f"An ICD-10 code must be text, got {value!r}.")
    code = value.strip().upper()
    match = _ICD10_RE.fullmatch(code) if code.isascii() else None
    if match is None:
        raise ValueError(f"{value.strip()!r} is not a valid ICD-10-CM code.")
    category, detail = match.groups()
    return f"{category}.{detail}" if detail else category
