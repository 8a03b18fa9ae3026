"""The rules of screening-spec v4 §4.2, each a small function in the spec's order.

A rule reads the given answers (`answers.Given`) and the policy, and yields a Hit for each of its
triggers: the finding code, its severity and a clause of the staff sentence. It neither reads nor
changes what other rules found: the two that depend on another (§4.2 "not severely elevated", "not
hepatic_severe") say so in GIVES_WAY_TO, and `engine.findings` applies it after policy.

Adding a rule: its code (codes.py), its row for staff (catalogue.py), any answer key it reads with its
"asked when" (answers.py), and here a function added to RULE_CHECKS.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from decimal import Decimal
from typing import NamedTuple

from referrals.screening import codes as c
from referrals.screening.answers import Given
from referrals.screening.policy import Policy


class Hit(NamedTuple):
    """One trigger of a rule: its finding code, severity and a clause of the staff sentence."""

    code: str
    severity: str
    clause: str


RuleCheck = Callable[[Given, Policy], Iterable[Hit]]


def _if_true(a: Given, key: str, code: str, severity: str, clause: str) -> Iterator[Hit]:
    if a.get(key) is True:
        yield Hit(code, severity, clause)


def _yes_or_unsure(a: Given, key: str, code: str, yes: str, unsure: str) -> Iterator[Hit]:
    # A yes is absolute; an unsure answer is relative, for a clinician to settle.
    if a.get(key) == "yes":
        yield Hit(code, c.ABSOLUTE, yes)
    elif a.get(key) == "unsure":
        yield Hit(code, c.RELATIVE, unsure)


# --- §4.2: the rules, in the spec's order --------------------------------------------------------------


def age_under_18(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018 is silent on age; SpravatoPI not approved under 18; clinic policy [C]. screening-spec v4.
    if a.age is not None and a.age < policy.min_age:
        yield Hit(c.AGE_UNDER_18, c.ABSOLUTE, f"age {a.age} is under the minimum age of {policy.min_age}")


def age_65_plus(a: Given, policy: Policy) -> Iterator[Hit]:
    # Yale 2024 (BP surges rise with age). screening-spec v4.
    if a.age is not None and a.age >= policy.older_adult_age:
        yield Hit(
            c.AGE_65_PLUS,
            c.RELATIVE,
            f"age {a.age} is at or above the older-adult age of {policy.older_adult_age}",
        )


def ketamine_hypersensitivity(a: Given, policy: Policy) -> Iterator[Hit]:
    # KetalarPI-US; SpravatoPI. screening-spec v4.
    return _yes_or_unsure(
        a,
        "ketamine_allergy",
        c.KETAMINE_HYPERSENSITIVITY,
        "the patient reports an allergy to ketamine or esketamine",
        "the patient is unsure about an allergy to ketamine",
    )


def prior_adverse_reaction_ketamine(a: Given, policy: Policy) -> Iterator[Hit]:
    # KetalarPI-US emergence reactions. screening-spec v4.
    return _if_true(
        a,
        "ketamine_bad_reaction",
        c.PRIOR_ADVERSE_REACTION_KETAMINE,
        c.RELATIVE,
        "the patient reports a bad reaction to ketamine before",
    )


def pregnancy_current(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018; SpravatoPI embryo-fetal toxicity. screening-spec v4.
    return _yes_or_unsure(
        a,
        "pregnant",
        c.PREGNANCY_CURRENT,
        "the patient reports being pregnant",
        "the patient is unsure whether they are pregnant, so a test is needed before scheduling",
    )


def breastfeeding(a: Given, policy: Policy) -> Iterator[Hit]:
    # SpravatoPI (do not breastfeed). screening-spec v4.
    return _if_true(a, "breastfeeding", c.BREASTFEEDING, c.RELATIVE, "the patient is breastfeeding")


def aneurysm_or_avm(a: Given, policy: Policy) -> Iterator[Hit]:
    # SpravatoPI contraindication; KetalarPI-US. screening-spec v4.
    return _yes_or_unsure(
        a,
        "aneurysm_or_avm",
        c.ANEURYSM_OR_AVM,
        "the patient reports an aneurysm or arteriovenous malformation",
        "the patient is unsure about an aneurysm or arteriovenous malformation",
    )


def intracerebral_hemorrhage_history(a: Given, policy: Policy) -> Iterator[Hit]:
    # SpravatoPI contraindication; KetalarPI-UK. screening-spec v4.
    return _if_true(
        a,
        "brain_bleed_history",
        c.INTRACEREBRAL_HEMORRHAGE_HISTORY,
        c.ABSOLUTE,
        "the patient reports past bleeding inside the brain",
    )


def cv_unstable(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018 (poorly controlled CV disease); KetalarPI-UK. screening-spec v4.
    return _if_true(
        a,
        "recent_cardiac_event",
        c.CV_UNSTABLE,
        c.ABSOLUTE,
        "the patient reports a heart attack, unstable angina, heart-failure admission, stroke or TIA "
        f"in the past {policy.cardiac_lookback_months} months",
    )


def bp_severely_elevated(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018; KetalarPI-US; SpravatoPI 140/90; KetalarPI-CH 180/100 (research §2.6). screening-spec v4.
    severe = _bp_clause(a, policy.bp_severe_systolic, policy.bp_severe_diastolic)
    if severe:
        yield Hit(c.BP_SEVERELY_ELEVATED, c.ABSOLUTE, severe)
    yield from _if_true(
        a,
        "bp_told_uncontrolled",
        c.BP_SEVERELY_ELEVATED,
        c.ABSOLUTE,
        "the patient has been told their blood pressure is not under control",
    )


def bp_elevated(a: Given, policy: Policy) -> Iterator[Hit]:
    # SpravatoPI general guide > 140/90; ACC/AHA 2017 stage 2. Gives way to bp_severely_elevated. screening-spec v4.
    elevated = _bp_clause(a, policy.bp_elevated_systolic, policy.bp_elevated_diastolic)
    if elevated:
        yield Hit(c.BP_ELEVATED, c.RELATIVE, elevated)


def cv_stable_disease(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018 (ECG when CV risk). screening-spec v4.
    if a.get("heart_conditions"):
        # Only the first letter is lowered, so "TIA" stays as it is.
        labels = _labels(a.get("heart_conditions"), c.HEART_CONDITIONS)
        named = ", ".join(label[0].lower() + label[1:] for label in labels)
        yield Hit(
            c.CV_STABLE_DISEASE,
            c.RELATIVE,
            f"the patient reports a heart or blood vessel condition ({named})",
        )


def psychosis_active(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018 (active psychosis); SpravatoPI. screening-spec v4.
    return _if_true(
        a,
        "psychosis_current",
        c.PSYCHOSIS_ACTIVE,
        c.ABSOLUTE,
        "the patient reports current psychotic symptoms",
    )


def psychosis_history(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018 vs SpravatoPI vs [P] programs disagree; the clinic chooses (research §2.6). screening-spec v4.
    if a.get("psychosis_history") is True and a.get("psychosis_current") is not True:
        yield Hit(
            c.PSYCHOSIS_HISTORY,
            policy.psychosis_history_severity,
            "the patient reports a past psychotic illness",
        )


def mania_active(a: Given, policy: Policy) -> Iterator[Hit]:
    # Trial exclusions [P]; Diazgranados 2010. screening-spec v4.
    return _if_true(
        a,
        "mania_recent",
        c.MANIA_ACTIVE,
        c.ABSOLUTE,
        "the patient reports mania or hypomania in the past 2 weeks",
    )


def bipolar_disorder(a: Given, policy: Policy) -> Iterator[Hit]:
    # Diazgranados 2010. screening-spec v4.
    if "bipolar_depression" in a.indications:
        yield Hit(c.BIPOLAR_DISORDER, c.RELATIVE, "bipolar depression is among the referral's indications")
    yield from _if_true(
        a,
        "bipolar_diagnosis",
        c.BIPOLAR_DISORDER,
        c.RELATIVE,
        "the patient reports a bipolar disorder diagnosis",
    )


def bipolar_no_mood_stabilizer(a: Given, policy: Policy) -> Iterator[Hit]:
    # Diazgranados 2010 (participants kept on lithium or valproate): risk of a switch into mania. Research
    # §2.3. Independent of bipolar_disorder; a missing answer fires nothing (incomplete_answers). screening-spec v4.
    bipolar = "bipolar_depression" in a.indications or a.get("bipolar_diagnosis") is True
    if bipolar and a.get("mood_stabilizer_current") is False:
        yield Hit(
            c.BIPOLAR_NO_MOOD_STABILIZER,
            c.RELATIVE,
            "the patient has bipolar disorder and takes no mood stabilizer (lithium, valproate, "
            "carbamazepine or an antipsychotic)",
        )


def hepatic_severe(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018 (avoid in severe hepatic impairment). screening-spec v4.
    if a.get("liver_disease") == "severe":
        yield Hit(c.HEPATIC_SEVERE, c.ABSOLUTE, "the patient reports cirrhosis or liver failure")


def hepatic_moderate(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018 (caution and LFTs in moderate disease). Gives way to hepatic_severe. screening-spec v4.
    if a.get("liver_disease") == "severe":
        yield Hit(c.HEPATIC_MODERATE, c.RELATIVE, "the patient reports cirrhosis or liver failure")
    elif a.get("liver_disease") == "other":
        yield Hit(
            c.HEPATIC_MODERATE,
            c.RELATIVE,
            "the patient reports liver disease (hepatitis, fatty liver or other)",
        )
    yield from _if_true(
        a, "alcohol_heavy", c.HEPATIC_MODERATE, c.RELATIVE, "the patient reports heavy alcohol use"
    )


def icp_elevated(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018 (grade C). screening-spec v4.
    return _yes_or_unsure(
        a,
        "raised_icp",
        c.ICP_ELEVATED,
        "the patient reports a condition raising pressure inside the skull",
        "the patient is unsure about a condition raising pressure inside the skull",
    )


def iop_glaucoma(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018 (raised IOP); KetalarPI-US. screening-spec v4.
    return _if_true(
        a, "glaucoma", c.IOP_GLAUCOMA, c.RELATIVE, "the patient reports glaucoma or raised eye pressure"
    )


def sud_active(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018 (no serial infusions with active abuse); CRTCE [P]. screening-spec v4.
    return _if_true(
        a,
        "substance_problem_recent",
        c.SUD_ACTIVE,
        c.ABSOLUTE,
        f"the patient reports a substance-use problem in the past {policy.substance_lookback_months} months",
    )


def sud_history(a: Given, policy: Policy) -> Iterator[Hit]:
    # Cohen2018; SpravatoPI (consider any history). screening-spec v4.
    if a.get("substance_history") is True and a.get("substance_problem_recent") is not True:
        yield Hit(c.SUD_HISTORY, c.RELATIVE, "the patient reports a past substance-use problem")


def ketamine_nonmedical_use(a: Given, policy: Policy) -> Iterator[Hit]:
    # SpravatoPI abuse/misuse; DEA1999. screening-spec v4.
    return _if_true(
        a,
        "ketamine_nonmedical_use",
        c.KETAMINE_NONMEDICAL_USE,
        c.RELATIVE,
        "the patient reports using ketamine or similar drugs non-medically",
    )


def ketamine_uropathy_history(a: Given, policy: Policy) -> Iterator[Hit]:
    # KetalarPI-US (cystitis); SpravatoPI 5.9. screening-spec v4.
    return _if_true(
        a,
        "ketamine_bladder_damage",
        c.KETAMINE_UROPATHY_HISTORY,
        c.ABSOLUTE,
        "the patient reports bladder damage linked to ketamine use",
    )


def bladder_symptoms(a: Given, policy: Policy) -> Iterator[Hit]:
    # SpravatoPI 5.9. screening-spec v4.
    return _if_true(
        a,
        "bladder_symptoms",
        c.BLADDER_SYMPTOMS,
        c.RELATIVE,
        "the patient reports bladder pain or painful or urgent urination",
    )


def hyperthyroid_uncontrolled(a: Given, policy: Policy) -> Iterator[Hit]:
    # KetalarPI-CH (Swiss label) only. screening-spec v4.
    return _if_true(
        a,
        "hyperthyroid_uncontrolled",
        c.HYPERTHYROID_UNCONTROLLED,
        c.RELATIVE,
        "the patient reports an overactive thyroid not under control",
    )


def neurocognitive_disorder(a: Given, policy: Policy) -> Iterator[Hit]:
    # SpravatoPI cognitive impairment; Toronto [P]. screening-spec v4.
    return _if_true(
        a,
        "memory_disorder",
        c.NEUROCOGNITIVE_DISORDER,
        c.RELATIVE,
        "the patient reports a memory disorder or lasting brain injury",
    )


def airway_sleep_apnea(a: Given, policy: Policy) -> Iterator[Hit]:
    # SpravatoPI respiratory depression; Field Trip BMI > 35 [P]. screening-spec v4.
    yield from _if_true(
        a,
        "sleep_apnea",
        c.AIRWAY_SLEEP_APNEA,
        c.RELATIVE,
        "the patient reports sleep apnea or breathing problems with sedation",
    )
    height, weight = a.get("height_cm"), a.get("weight_kg")
    if height is not None and weight is not None:
        bmi = _as_decimal(weight) * 10000 / (_as_decimal(height) ** 2)
        if bmi >= _as_decimal(policy.bmi_limit):
            yield Hit(
                c.AIRWAY_SLEEP_APNEA,
                c.RELATIVE,
                f"BMI {bmi:.1f} (from {height} cm, {weight} kg) is at or above the {policy.bmi_limit} limit",
            )


def chronic_lung_disease_o2(a: Given, policy: Policy) -> Iterator[Hit]:
    # KetalarPI-US; SpravatoPI (respiratory depression). screening-spec v4.
    return _if_true(
        a,
        "home_oxygen",
        c.CHRONIC_LUNG_DISEASE_O2,
        c.RELATIVE,
        "the patient uses home oxygen or has severe lung disease",
    )


def seizure_risk(a: Given, policy: Policy) -> Iterator[Hit]:
    # KetalarPI-US (low weight). screening-spec v4.
    return _if_true(a, "seizures", c.SEIZURE_RISK, c.NOTE, "the patient reports epilepsy or seizures")


# The medication class answered → the finding it raises (theophylline_aminophylline and the med_ rows).
MEDICATION_FINDINGS: dict[str, tuple[str, str]] = {
    "benzodiazepine": (c.MED_BENZODIAZEPINE, c.NOTE),
    "lamotrigine": (c.MED_LAMOTRIGINE, c.NOTE),
    "maoi": (c.MED_MAOI, c.NOTE),
    "stimulant": (c.MED_PSYCHOSTIMULANT, c.NOTE),
    "opioid_or_sedative": (c.MED_OPIOID_CNS_DEPRESSANT, c.NOTE),
    "theophylline": (c.THEOPHYLLINE_AMINOPHYLLINE, c.ABSOLUTE),
    "sympathomimetic": (c.MED_SYMPATHOMIMETIC, c.NOTE),
    "glp1": (c.MED_GLP1_RA, c.NOTE),
    "antihypertensive": (c.MED_ANTIHYPERTENSIVE, c.NOTE),
    "addiction_medicine": (c.MED_ADDICTION_TREATMENT, c.NOTE),
}


def medications(a: Given, policy: Policy) -> Iterator[Hit]:
    # KetalarPI-US; SpravatoPI; Andrade 2017; ASA 2023 / multi-society 2024 (GLP-1). screening-spec v4.
    labels = dict(c.MEDICATION_CLASSES)
    for medication in _ordered(a.get("medications") or (), c.MEDICATION_CLASSES):
        code, severity = MEDICATION_FINDINGS[medication]
        yield Hit(code, severity, f"the patient's medicines include: {labels[medication]}")


def no_escort(a: Given, policy: Policy) -> Iterator[Hit]:
    # SpravatoPI; KetalarPI-UK (accompanied home). screening-spec v4.
    if a.get("escort_available") == "no":
        yield Hit(c.NO_ESCORT, c.ABSOLUTE, "the patient has no adult to take them home")
    elif a.get("escort_available") == "not_yet":
        yield Hit(c.NO_ESCORT, c.NOTE, "the patient has not yet arranged an adult to take them home")


def incomplete_answers(a: Given, policy: Policy) -> Iterator[Hit]:
    # screening-spec v4 §2.
    if a.missing:
        yield Hit(
            c.INCOMPLETE_ANSWERS, c.NOTE, f"these applicable answers are missing: {', '.join(a.missing)}"
        )


RULE_CHECKS: tuple[RuleCheck, ...] = (
    age_under_18,
    age_65_plus,
    ketamine_hypersensitivity,
    prior_adverse_reaction_ketamine,
    pregnancy_current,
    breastfeeding,
    aneurysm_or_avm,
    intracerebral_hemorrhage_history,
    cv_unstable,
    bp_severely_elevated,
    bp_elevated,
    cv_stable_disease,
    psychosis_active,
    psychosis_history,
    mania_active,
    bipolar_disorder,
    bipolar_no_mood_stabilizer,
    hepatic_severe,
    hepatic_moderate,
    icp_elevated,
    iop_glaucoma,
    sud_active,
    sud_history,
    ketamine_nonmedical_use,
    ketamine_uropathy_history,
    bladder_symptoms,
    hyperthyroid_uncontrolled,
    neurocognitive_disorder,
    airway_sleep_apnea,
    chronic_lung_disease_o2,
    seizure_risk,
    medications,
    no_escort,
    incomplete_answers,
)
# The rules that depend on another (§4.2 "not severely elevated", "not hepatic_severe"): a finding here
# gives way to the one named, when that one fired after policy (disabling it lets this one stand).
GIVES_WAY_TO: dict[str, str] = {
    c.BP_ELEVATED: c.BP_SEVERELY_ELEVATED,
    c.HEPATIC_MODERATE: c.HEPATIC_SEVERE,
}


# --- Wording helpers ---------------------------------------------------------------------------------------


def _ordered(codes: Iterable[str], choices: tuple[tuple[str, str], ...]) -> list[str]:
    chosen = set(codes)
    return [code for code, _ in choices if code in chosen]


def _labels(codes: Iterable[str], choices: tuple[tuple[str, str], ...]) -> list[str]:
    labels = dict(choices)
    return [labels[code] for code in _ordered(codes, choices)]


def _as_decimal(value: int | float | Decimal) -> Decimal:
    # Floats go through str so 89.6 is 89.6, keeping the BMI boundary exact (heights/weights have 1 decimal).
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _bp_clause(a: Given, limit_s: int, limit_d: int) -> str | None:
    systolic, diastolic = a.get("bp_systolic"), a.get("bp_diastolic")
    high_s = systolic is not None and systolic >= limit_s
    high_d = diastolic is not None and diastolic >= limit_d
    if systolic is not None and diastolic is not None and (high_s or high_d):
        return f"reported blood pressure {systolic}/{diastolic} is at or above the {limit_s}/{limit_d} limit"
    if high_s:
        return f"reported systolic blood pressure {systolic} is at or above the {limit_s} limit"
    if high_d:
        return f"reported diastolic blood pressure {diastolic} is at or above the {limit_d} limit"
    return None
