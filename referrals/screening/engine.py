"""`screen`: one referral's answers in, a frozen ScreeningResult out (screening-spec v4 §2, §5, §6).

The result (§2) first; then the findings: every rule of §4.2 (rules.py) after policy, one Finding
per code; then the scores (§2), urgent safety (§5) and the clearance steps `screen` may require
(§6); and last `screen` itself, which reads the answers (answers.py) and puts these together.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass
from types import MappingProxyType
from typing import Any

from referrals import scoring
from referrals.screening import codes as c
from referrals.screening.answers import Given, read, validate
from referrals.screening.catalogue import RULE_GATES
from referrals.screening.policy import Policy
from referrals.screening.rules import GIVES_WAY_TO, RULE_CHECKS, Hit

# --- §2: the result --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    gate: str
    reason: str  # one plain sentence for staff

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(code=data["code"], severity=data["severity"], gate=data["gate"], reason=data["reason"])


@dataclass(frozen=True)
class ScreeningResult:
    findings: tuple[Finding, ...]  # absolute, relative, note, then by code
    scores: Mapping[str, scoring.Score]
    urgent_safety: bool
    required_steps: frozenset[str]

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [finding.to_dict() for finding in self.findings],
            "scores": {name: score.to_dict() for name, score in self.scores.items()},
            "urgent_safety": self.urgent_safety,
            "required_steps": sorted(self.required_steps),
        }


_SEVERITY_RANK = {c.ABSOLUTE: 0, c.RELATIVE: 1, c.NOTE: 2}


# --- §2, §4.2: the findings ----------------------------------------------------------------------------


def findings(a: Given, policy: Policy) -> tuple[Finding, ...]:
    """Every rule's hits after policy, one Finding per code: the most severe wins, its reason names all."""
    hits = [hit for check in RULE_CHECKS for hit in check(a, policy) if hit.code not in policy.disabled_rules]
    fired = {hit.code for hit in hits}
    by_code: dict[str, list[Hit]] = {}
    for hit in hits:
        if GIVES_WAY_TO.get(hit.code) not in fired:
            by_code.setdefault(hit.code, []).append(hit)
    merged = (
        Finding(
            code=code,
            severity=min((hit.severity for hit in code_hits), key=_SEVERITY_RANK.__getitem__),
            gate=RULE_GATES[code],
            reason=_sentence([hit.clause for hit in code_hits]),
        )
        for code, code_hits in by_code.items()
    )
    return tuple(sorted(merged, key=lambda finding: (_SEVERITY_RANK[finding.severity], finding.code)))


# --- §2: scores; §5: urgent safety ---------------------------------------------------------------------

_PAIN_KEYS = ("pain_current", "pain_average", "pain_worst")


def scores(a: Given, policy: Policy) -> dict[str, scoring.Score]:
    """phq9 and asq whenever given (safety answers); pc_ptsd5 whenever exposure is answered; the rest when given."""
    result: dict[str, scoring.Score] = {}
    for key in ("phq9", "gad7"):
        if key in a.scores:
            result[key] = a.scores[key]
    if "pc_ptsd5_exposed" in a.values:
        if a.values["pc_ptsd5_exposed"]:
            if "pc_ptsd5" in a.values:
                result["pc_ptsd5"] = scoring.pc_ptsd5(True, a.values["pc_ptsd5"], policy.pc_ptsd5_cutoff)
        else:
            result["pc_ptsd5"] = scoring.pc_ptsd5(False, (), policy.pc_ptsd5_cutoff)
    if all(key in a.values for key in _PAIN_KEYS):
        result["pain_nrs"] = scoring.pain_nrs(*(a.values[key] for key in _PAIN_KEYS))
    if "asq" in a.scores:
        result["asq"] = a.scores["asq"]
    return result


def urgent_safety(scored: Mapping[str, scoring.Score]) -> bool:
    # Simon 2013 (PHQ-9 item 9); NIMH ASQ. Item 9 = 0 never means safe.
    return ("phq9" in scored and scored["phq9"].item9 >= 1) or ("asq" in scored and scored["asq"].positive)


def urgent_safety_in(answers: Mapping[str, Any]) -> bool:
    """§5 on answers given so far (the wizard's crisis resources): PHQ-9 item 9 >= 1 or a positive ASQ."""
    scored = {}
    for key in ("phq9", "asq"):
        if answers.get(key) is not None:
            try:
                scored[key] = validate(key, answers[key])
            except ValueError:
                continue  # not a complete answer yet
    return urgent_safety(scored)


# --- §6: the clearance steps `screen` may require --------------------------------------------------------
# Cohen2018 (ECG, LFTs); SpravatoPI (pregnancy); Sanacora2017 (urine tox).

_SPECIALIST_CODES = frozenset(
    {c.CV_STABLE_DISEASE, c.IOP_GLAUCOMA, c.HEPATIC_MODERATE, c.HYPERTHYROID_UNCONTROLLED}
)


@dataclass(frozen=True)
class Screened:
    """What a step's condition may read: the answers, the policy, and the findings and safety they gave."""

    answers: Given
    policy: Policy
    findings: tuple[Finding, ...]
    urgent_safety: bool


def needs_ecg(s: Screened) -> bool:
    a = s.answers
    return bool(
        a.get("heart_conditions")
        or a.get("recent_cardiac_event") is True
        or (a.age is not None and a.age >= s.policy.ecg_age)
    )


def needs_labs_lft(s: Screened) -> bool:
    return s.answers.get("liver_disease") in ("severe", "other") or s.answers.get("alcohol_heavy") is True


def needs_pregnancy_test(s: Screened) -> bool:
    # A missing can_become_pregnant, for a patient not male, counts as possible.
    a = s.answers
    return "can_become_pregnant" in a.applicable and a.get("can_become_pregnant") in ("yes", "unsure", None)


def needs_urine_drug_screen(s: Screened) -> bool:
    keys = ("substance_problem_recent", "substance_history", "ketamine_nonmedical_use")
    on_treatment = "addiction_medicine" in (s.answers.get("medications") or ())  # v4
    return on_treatment or any(s.answers.get(key) is True for key in keys)


def needs_suicide_risk_screen(s: Screened) -> bool:
    return bool(s.answers.indications & c.MENTAL_HEALTH_INDICATIONS) or s.urgent_safety


def needs_specialist_clearance(s: Screened) -> bool:
    return any(f.code in _SPECIALIST_CODES and f.severity == c.RELATIVE for f in s.findings)


STEP_CHECKS: dict[str, Callable[[Screened], bool]] = {
    c.STEP_ECG: needs_ecg,
    c.STEP_LABS_LFT: needs_labs_lft,
    c.STEP_PREGNANCY_TEST: needs_pregnancy_test,
    c.STEP_URINE_DRUG_SCREEN: needs_urine_drug_screen,
    c.STEP_SUICIDE_RISK_SCREEN: needs_suicide_risk_screen,
    c.STEP_SPECIALIST_CLEARANCE: needs_specialist_clearance,
}


# --- §2: screen ----------------------------------------------------------------------------------------


def screen(
    answers: Mapping[str, Any], *, today: datetime.date, policy: Policy | None = None
) -> ScreeningResult:
    """Apply screening-spec v4 to one referral's answers.

    `answers` holds the §3 keys (others are ignored); `today` is the clinic's local date; `policy`
    defaults to `Policy()`. Keys that do not apply are ignored unchecked, except the safety answers
    `phq9` and `asq`, which always count. Applicable keys that are missing produce one
    `incomplete_answers` note. Raises ValueError for a wrong type, an unknown choice, an
    out-of-range number or a date of birth after `today`.
    """
    if isinstance(today, datetime.datetime) or not isinstance(today, datetime.date):
        raise ValueError(f"today must be a date, got {today!r}.")
    policy = Policy() if policy is None else policy
    if not isinstance(policy, Policy):
        raise ValueError(f"policy must be a Policy, got {policy!r}.")
    given = read(answers, today=today)
    found = findings(given, policy)
    scored = scores(given, policy)
    urgent = urgent_safety(scored)
    screened = Screened(answers=given, policy=policy, findings=found, urgent_safety=urgent)
    return ScreeningResult(
        findings=found,
        scores=MappingProxyType(scored),
        urgent_safety=urgent,
        required_steps=frozenset(step for step, needed in STEP_CHECKS.items() if needed(screened)),
    )


def _sentence(clauses: list[str]) -> str:
    text = clauses[0] if len(clauses) == 1 else ", ".join(clauses[:-1]) + " and " + clauses[-1]
    return text[0].upper() + text[1:] + "."
