"""Pure scoring of the intake questionnaires (PHQ-9, GAD-7, PC-PTSD-5, pain NRS, ASQ); screening-spec v4."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, fields
from typing import Any

# PHQ-9 bands: Kroenke 2001; screening-spec v4 §1.
PHQ9_BANDS: tuple[tuple[int, str], ...] = (
    (20, "severe"),
    (15, "moderately_severe"),
    (10, "moderate"),
    (5, "mild"),
    (0, "minimal"),
)
# GAD-7 bands: Spitzer 2006; screening-spec v4 §1.
GAD7_BANDS: tuple[tuple[int, str], ...] = (
    (15, "severe"),
    (10, "moderate"),
    (5, "mild"),
    (0, "minimal"),
)

ASQ_NEGATIVE = "negative"
ASQ_NON_ACUTE_POSITIVE = "non_acute_positive"
ASQ_ACUTE_POSITIVE = "acute_positive"
ASQ_RESULTS = (ASQ_NEGATIVE, ASQ_NON_ACUTE_POSITIVE, ASQ_ACUTE_POSITIVE)

PC_PTSD5_DEFAULT_CUTOFF = 3


def _check_int(value: Any, low: int, high: int, what: str) -> int:
    # bool is a subclass of int; a True must never count as a 1.
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} must be an integer, got {value!r}.")
    if not low <= value <= high:
        raise ValueError(f"{what} must be between {low} and {high}, got {value}.")
    return value


def _check_bool(value: Any, what: str) -> bool:
    if not isinstance(value, bool):
        raise ValueError(f"{what} must be True or False, got {value!r}.")
    return value


def _check_items(items: Any, count: int, what: str) -> tuple[Any, ...]:
    if isinstance(items, (str, bytes)) or not isinstance(items, Sequence):
        raise ValueError(f"{what} must be a list of {count} answers, got {items!r}.")
    if len(items) != count:
        raise ValueError(f"{what} needs {count} answers, got {len(items)}.")
    return tuple(items)


def _band(total: int, bands: tuple[tuple[int, str], ...]) -> str:
    for floor, name in bands:
        if total >= floor:
            return name
    raise ValueError(f"No band for total {total}.")  # unreachable: totals are validated


@dataclass(frozen=True)
class PHQ9Score:
    total: int
    band: str
    item9: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class GAD7Score:
    total: int
    band: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PCPTSD5Score:
    total: int
    positive: bool

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class PainScore:
    current: int
    average: int
    worst: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass(frozen=True)
class ASQScore:
    result: str

    @property
    def positive(self) -> bool:
        return self.result != ASQ_NEGATIVE

    @property
    def acute(self) -> bool:
        return self.result == ASQ_ACUTE_POSITIVE

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


Score = PHQ9Score | GAD7Score | PCPTSD5Score | PainScore | ASQScore

SCORE_TYPES: dict[str, type] = {
    "phq9": PHQ9Score,
    "gad7": GAD7Score,
    "pc_ptsd5": PCPTSD5Score,
    "pain_nrs": PainScore,
    "asq": ASQScore,
}


def phq9(items: Sequence[int]) -> PHQ9Score:
    """Score the 9 PHQ-9 items (each 0..3); the unscored difficulty question is not an item here."""
    values = _check_items(items, 9, "PHQ-9")
    for number, value in enumerate(values, start=1):
        _check_int(value, 0, 3, f"PHQ-9 item {number}")
    total = sum(values)
    return PHQ9Score(total=total, band=_band(total, PHQ9_BANDS), item9=values[8])


def gad7(items: Sequence[int]) -> GAD7Score:
    """Score the 7 GAD-7 items (each 0..3)."""
    values = _check_items(items, 7, "GAD-7")
    for number, value in enumerate(values, start=1):
        _check_int(value, 0, 3, f"GAD-7 item {number}")
    total = sum(values)
    return GAD7Score(total=total, band=_band(total, GAD7_BANDS))


def pc_ptsd5(exposed: bool, items: Sequence[bool], cutoff: int = PC_PTSD5_DEFAULT_CUTOFF) -> PCPTSD5Score:
    """Count the 5 PC-PTSD-5 yes answers (0 when not exposed); positive when the count reaches `cutoff`.

    When not exposed, `items` may be 5 bools or empty and is ignored (Prins 2016).
    """
    _check_bool(exposed, "PC-PTSD-5 trauma exposure")
    _check_int(cutoff, 1, 5, "PC-PTSD-5 cut-off")
    if not exposed and isinstance(items, Sequence) and not isinstance(items, (str, bytes)) and not items:
        return PCPTSD5Score(total=0, positive=False)
    values = _check_items(items, 5, "PC-PTSD-5")
    for number, value in enumerate(values, start=1):
        _check_bool(value, f"PC-PTSD-5 item {number}")
    total = sum(values) if exposed else 0
    return PCPTSD5Score(total=total, positive=total >= cutoff)


def pain_nrs(current: int, average: int, worst: int) -> PainScore:
    """Check the three 0..10 pain ratings (now, past-week average, past-week worst)."""
    return PainScore(
        current=_check_int(current, 0, 10, "Current pain"),
        average=_check_int(average, 0, 10, "Average pain"),
        worst=_check_int(worst, 0, 10, "Worst pain"),
    )


def asq(q1: bool, q2: bool, q3: bool, q4: bool, acuity: bool | None) -> ASQScore:
    """Classify the ASQ (NIMH): acuity must be None when q1-q4 are all no, and a bool otherwise."""
    answers = [_check_bool(value, f"ASQ question {n}") for n, value in enumerate((q1, q2, q3, q4), start=1)]
    if not any(answers):
        if acuity is not None:
            raise ValueError("ASQ acuity is asked only after a yes to questions 1-4; it must be None.")
        return ASQScore(result=ASQ_NEGATIVE)
    _check_bool(acuity, "ASQ acuity question")
    return ASQScore(result=ASQ_ACUTE_POSITIVE if acuity else ASQ_NON_ACUTE_POSITIVE)


def _rebuild_check(name: str, data: Any) -> Mapping[str, Any]:
    if not isinstance(data, Mapping):
        raise ValueError(f"Stored {name} score must be a mapping, got {data!r}.")
    expected = {f.name for f in fields(SCORE_TYPES[name])}
    if set(data) != expected:
        raise ValueError(f"Stored {name} score needs keys {sorted(expected)}, got {sorted(data)}.")
    return data


def score_from_dict(name: str, data: Mapping[str, Any]) -> Score:
    """Rebuild a score object from its `to_dict()` form, re-checking every value."""
    if name not in SCORE_TYPES:
        raise ValueError(f"Unknown score {name!r}.")
    data = _rebuild_check(name, data)
    if name == "phq9":
        total = _check_int(data["total"], 0, 27, "PHQ-9 total")
        item9 = _check_int(data["item9"], 0, 3, "PHQ-9 item 9")
        if data["band"] != _band(total, PHQ9_BANDS):
            raise ValueError(f"Stored PHQ-9 band {data['band']!r} does not match total {total}.")
        return PHQ9Score(total=total, band=data["band"], item9=item9)
    if name == "gad7":
        total = _check_int(data["total"], 0, 21, "GAD-7 total")
        if data["band"] != _band(total, GAD7_BANDS):
            raise ValueError(f"Stored GAD-7 band {data['band']!r} does not match total {total}.")
        return GAD7Score(total=total, band=data["band"])
    if name == "pc_ptsd5":
        return PCPTSD5Score(
            total=_check_int(data["total"], 0, 5, "PC-PTSD-5 total"),
            positive=_check_bool(data["positive"], "PC-PTSD-5 positive"),
        )
    if name == "pain_nrs":
        return pain_nrs(data["current"], data["average"], data["worst"])
    if data["result"] not in ASQ_RESULTS:
        raise ValueError(f"Unknown ASQ result {data['result']!r}.")
    return ASQScore(result=data["result"])
