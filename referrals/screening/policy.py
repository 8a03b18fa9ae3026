"""The clinic's screening policy (screening-spec v4 §4.1): thresholds a clinic admin may change."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from decimal import Decimal
from typing import Any

from referrals.screening.catalogue import RULE_CODES
from referrals.screening.codes import ABSOLUTE, RELATIVE


@dataclass(frozen=True, kw_only=True)
class Policy:
    """The clinic's screening thresholds (spec §4.1); frozen onto each referral at screening."""

    bp_severe_systolic: int = 160
    bp_severe_diastolic: int = 100
    bp_elevated_systolic: int = 140
    bp_elevated_diastolic: int = 90
    min_age: int = 18
    older_adult_age: int = 65
    ecg_age: int = 50
    bmi_limit: int | float | Decimal = 35
    cardiac_lookback_months: int = 6
    substance_lookback_months: int = 3
    pc_ptsd5_cutoff: int = 3
    psychosis_history_severity: str = RELATIVE
    disabled_rules: frozenset[str] = field(default_factory=frozenset)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "bmi_limit":
                if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)) or not value > 0:
                    raise ValueError(f"Policy bmi_limit must be a positive number, got {value!r}.")
            elif f.name == "psychosis_history_severity":
                if value not in (RELATIVE, ABSOLUTE):
                    raise ValueError(
                        f"Policy psychosis_history_severity must be relative or absolute, got {value!r}."
                    )
            elif f.name == "disabled_rules":
                if isinstance(value, (str, bytes)) or not isinstance(value, Iterable):
                    raise ValueError(f"Policy disabled_rules must be a set of rule codes, got {value!r}.")
                codes = frozenset(value)
                unknown = codes - RULE_CODES
                if unknown:
                    raise ValueError(
                        f"Policy disabled_rules has unknown codes: {', '.join(sorted(unknown))}."
                    )
                object.__setattr__(self, "disabled_rules", codes)
            elif isinstance(value, bool) or not isinstance(value, int) or value < 0:
                raise ValueError(f"Policy {f.name} must be a whole number, got {value!r}.")
        if not 1 <= self.pc_ptsd5_cutoff <= 5:
            raise ValueError(f"Policy pc_ptsd5_cutoff must be 1-5, got {self.pc_ptsd5_cutoff}.")

    def to_dict(self) -> dict[str, Any]:
        data = {f.name: getattr(self, f.name) for f in fields(self)}
        data["disabled_rules"] = sorted(self.disabled_rules)
        if isinstance(self.bmi_limit, Decimal):
            data["bmi_limit"] = (
                int(self.bmi_limit) if self.bmi_limit == int(self.bmi_limit) else float(self.bmi_limit)
            )
        return data

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Policy:
        """Rebuild a policy from `to_dict()`; missing fields take the defaults, unknown ones are refused."""
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"Unknown policy fields: {', '.join(sorted(unknown))}.")
        return cls(**dict(data))
