"""The answers the core reads (screening-spec v4 §3), and how it reads them (§2).

First the "asked when" conditions of §3, then one row per answer key with its type, its codes or
range and its condition. Then §2: which keys apply to a (possibly partial) set of answers, which are
given, whether a given value is valid, and `read`, which `screen` uses to take all of that in at once.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from referrals import scoring
from referrals.screening.codes import (
    ESCORT,
    HEART_CONDITIONS,
    INDICATIONS,
    LIVER_DISEASE,
    MEDICATION_CLASSES,
    MENTAL_HEALTH_INDICATIONS,
    OTHER_INDICATION,
    PAIN_INDICATIONS,
    SEX_AT_BIRTH,
    YES_NO_UNSURE,
)

# --- §3: the "asked when" conditions ----------------------------------------------------------------
# Each reads a (possibly partial) set of answers. Read cautiously (spec §2, the default), a missing
# answer that decides others lets them apply. Read as given (`cautious=False`), it decides nothing
# yet: the wizard's reading of which pages to show, so that no page appears before the answer that
# calls for it.

Condition = Callable[[Mapping[str, Any], bool], bool]
INDICATION_CODES: tuple[str, ...] = tuple(code for code, _ in INDICATIONS)


def indication_codes(answers: Mapping[str, Any], *, cautious: bool = True) -> frozenset[str]:
    """The main and secondary indications; read cautiously, a missing or unreadable one counts as `other`."""
    main = answers.get("indication")
    codes = set()
    if isinstance(main, str) and main in INDICATION_CODES:
        codes.add(main)
    elif cautious:
        codes.add(OTHER_INDICATION)
    secondary = answers.get("secondary_indications")
    if isinstance(secondary, (list, tuple, set, frozenset)):
        codes.update(code for code in secondary if isinstance(code, str) and code in INDICATION_CODES)
    elif cautious:
        codes.add(OTHER_INDICATION)
    return frozenset(codes)


def always(answers: Mapping[str, Any], cautious: bool = True) -> bool:
    return True


def not_male(answers: Mapping[str, Any], cautious: bool = True) -> bool:
    """sex_at_birth is not `male` (a missing one counts as not male)."""
    sex = answers.get("sex_at_birth")
    return sex != "male" and (cautious or sex is not None)


def may_be_pregnant(answers: Mapping[str, Any], cautious: bool = True) -> bool:
    """can_become_pregnant is `yes` or `unsure` (a missing one counts as `unsure`)."""
    could = answers.get("can_become_pregnant")
    return not_male(answers, cautious) and could != "no" and (cautious or could is not None)


def is_mental_health(answers: Mapping[str, Any], cautious: bool = True) -> bool:
    """A mental-health referral: the main or any secondary indication is mental-health (or `other`)."""
    return bool(indication_codes(answers, cautious=cautious) & MENTAL_HEALTH_INDICATIONS)


def has_pain_indication(answers: Mapping[str, Any], cautious: bool = True) -> bool:
    """A pain indication among the main and secondary ones (or `other`)."""
    return bool(indication_codes(answers, cautious=cautious) & PAIN_INDICATIONS)


def ptsd_indicated(answers: Mapping[str, Any], cautious: bool = True) -> bool:
    return "ptsd" in indication_codes(answers, cautious=cautious)


def ptsd_exposed(answers: Mapping[str, Any], cautious: bool = True) -> bool:
    """`ptsd` among the indications and pc_ptsd5_exposed is True (a missing answer counts as True)."""
    exposed = answers.get("pc_ptsd5_exposed")
    return ptsd_indicated(answers, cautious) and (exposed is not False if cautious else exposed is True)


def bipolar(answers: Mapping[str, Any], cautious: bool = True) -> bool:
    """bipolar_diagnosis is True, or implied by a bipolar indication (a missing answer counts as True)."""
    if "bipolar_depression" in indication_codes(answers, cautious=cautious):
        return True
    diagnosis = answers.get("bipolar_diagnosis")
    return diagnosis is True or (cautious and diagnosis is None)


def safety_questions_apply(answers: Mapping[str, Any], cautious: bool = True) -> bool:
    """A mental-health referral, or PHQ-9 item 9 >= 1 (a missing or unreadable PHQ-9 counts as >= 1)."""
    if is_mental_health(answers, cautious):
        return True
    try:
        return scoring.phq9(answers["phq9"]).item9 >= 1
    except (KeyError, ValueError):
        return cautious


# --- §3: the keys, in the spec's order ---------------------------------------------------------------

DATE = "date"
CHOICE = "choice"  # one of `codes`
CHOICES = "choices"  # a list of `codes` (may be empty)
BOOL = "bool"
WHOLE = "whole"  # an int within `range`
NUMBER = "number"  # an int, float or Decimal within `range`
PHQ9 = "phq9"  # 9 ints 0..3
GAD7 = "gad7"  # 7 ints 0..3
PC_PTSD5 = "pc_ptsd5"  # 5 bools
ASQ = "asq"  # q1..q4 and acuity


@dataclass(frozen=True)
class AnswerKey:
    name: str
    type: str
    codes: tuple[str, ...] = ()
    range: tuple[int, int] | None = None
    nullable: bool = False  # None is an answer ("not known"), not a missing one
    asked_when: Condition = always


def _codes(choices: tuple[tuple[str, str], ...]) -> tuple[str, ...]:
    return tuple(code for code, _ in choices)


# fmt: off
ANSWER_SPEC: tuple[AnswerKey, ...] = (
    AnswerKey("date_of_birth", DATE),
    AnswerKey("sex_at_birth", CHOICE, SEX_AT_BIRTH),
    AnswerKey("can_become_pregnant", CHOICE, YES_NO_UNSURE, asked_when=not_male),
    AnswerKey("pregnant", CHOICE, YES_NO_UNSURE, asked_when=may_be_pregnant),
    AnswerKey("breastfeeding", BOOL, asked_when=not_male),
    AnswerKey("indication", CHOICE, INDICATION_CODES),
    AnswerKey("secondary_indications", CHOICES, INDICATION_CODES),
    AnswerKey("bp_systolic", WHOLE, range=(60, 260), nullable=True),
    AnswerKey("bp_diastolic", WHOLE, range=(30, 160), nullable=True),
    AnswerKey("bp_told_uncontrolled", BOOL),
    AnswerKey("ketamine_allergy", CHOICE, YES_NO_UNSURE),
    AnswerKey("ketamine_bad_reaction", BOOL),
    AnswerKey("aneurysm_or_avm", CHOICE, YES_NO_UNSURE),
    AnswerKey("brain_bleed_history", BOOL),
    AnswerKey("recent_cardiac_event", BOOL),
    AnswerKey("heart_conditions", CHOICES, _codes(HEART_CONDITIONS)),
    AnswerKey("psychosis_current", BOOL),
    AnswerKey("psychosis_history", BOOL),
    AnswerKey("mania_recent", BOOL),
    AnswerKey("bipolar_diagnosis", BOOL),  # a bipolar_depression indication makes it True (see `read`)
    AnswerKey("liver_disease", CHOICE, LIVER_DISEASE),
    AnswerKey("alcohol_heavy", BOOL),
    AnswerKey("raised_icp", CHOICE, YES_NO_UNSURE),
    AnswerKey("glaucoma", BOOL),
    AnswerKey("substance_problem_recent", BOOL),
    AnswerKey("substance_history", BOOL),
    AnswerKey("ketamine_nonmedical_use", BOOL),
    AnswerKey("ketamine_bladder_damage", BOOL),
    AnswerKey("bladder_symptoms", BOOL),
    AnswerKey("hyperthyroid_uncontrolled", BOOL),
    AnswerKey("memory_disorder", BOOL),
    AnswerKey("sleep_apnea", BOOL),
    AnswerKey("home_oxygen", BOOL),
    AnswerKey("seizures", BOOL),
    AnswerKey("height_cm", NUMBER, range=(50, 250), nullable=True),
    AnswerKey("weight_kg", NUMBER, range=(20, 350), nullable=True),
    AnswerKey("medications", CHOICES, _codes(MEDICATION_CLASSES)),
    AnswerKey("mood_stabilizer_current", BOOL, asked_when=bipolar),  # v4
    AnswerKey("escort_available", CHOICE, ESCORT),
    AnswerKey("phq9", PHQ9),  # always: depression is common in chronic pain, and item 9 is the suicide screen
    AnswerKey("gad7", GAD7, asked_when=is_mental_health),
    AnswerKey("pc_ptsd5_exposed", BOOL, asked_when=ptsd_indicated),
    AnswerKey("pc_ptsd5", PC_PTSD5, asked_when=ptsd_exposed),
    AnswerKey("pain_current", WHOLE, range=(0, 10), asked_when=has_pain_indication),
    AnswerKey("pain_average", WHOLE, range=(0, 10), asked_when=has_pain_indication),
    AnswerKey("pain_worst", WHOLE, range=(0, 10), asked_when=has_pain_indication),
    AnswerKey("asq", ASQ, asked_when=safety_questions_apply),
)
# fmt: on
ANSWER_KEYS: tuple[str, ...] = tuple(key.name for key in ANSWER_SPEC)
NULLABLE_KEYS: frozenset[str] = frozenset(key.name for key in ANSWER_SPEC if key.nullable)
# The codes each choice (or list-of-choices) key takes; the forms' choices must match these.
CHOICE_CODES: dict[str, tuple[str, ...]] = {key.name: key.codes for key in ANSWER_SPEC if key.codes}
_SPEC = {key.name: key for key in ANSWER_SPEC}
_ASQ_KEYS = ("q1", "q2", "q3", "q4", "acuity")
# Answers that decide whether others apply, validated before applicability is read: first those
# always asked, then those asked only sometimes.
_DECIDING_ALWAYS = ("sex_at_birth", "indication", "secondary_indications", "phq9")
_DECIDING_SOMETIMES = ("can_become_pregnant", "pc_ptsd5_exposed")


# --- §2: which keys apply, which are given -----------------------------------------------------------


def applicable_keys(answers: Mapping[str, Any], *, cautious: bool = True) -> frozenset[str]:
    """The §3 keys whose "asked when" holds for these (possibly partial) answers.

    Read cautiously (the default, as `screen` reads), a missing answer that decides others lets
    them apply; with `cautious=False` it decides nothing until it is given.
    """
    return frozenset(key.name for key in ANSWER_SPEC if key.asked_when(answers, cautious))


def given(answers: Mapping[str, Any], key: str) -> bool:
    """A key is given when present and, unless §3 allows None, not None."""
    return key in answers and (answers[key] is not None or key in NULLABLE_KEYS)


# --- §2: validation -----------------------------------------------------------------------------------


def validate(key: str, value: Any, today: datetime.date | None = None) -> Any:
    """Check one given answer against §3; raise ValueError naming the key. Instruments return their score.

    `today` is the date a date of birth may not be after (`screen` always passes it).
    """
    spec = _SPEC[key]
    if spec.type == DATE:
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise ValueError(f"{key} must be a date, got {value!r}.")
        if today is not None and value > today:
            raise ValueError(f"{key} {value.isoformat()} is after today ({today.isoformat()}).")
    elif spec.type == CHOICE:
        if not isinstance(value, str) or value not in spec.codes:
            raise ValueError(f"{key} has an unknown choice {value!r}.")
    elif spec.type == CHOICES:
        if not isinstance(value, (list, tuple, set, frozenset)):
            raise ValueError(f"{key} must be a list, got {value!r}.")
        for code in value:
            if not isinstance(code, str) or code not in spec.codes:
                raise ValueError(f"{key} has an unknown choice {code!r}.")
    elif spec.type == BOOL:
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be True or False, got {value!r}.")
    elif spec.type in (WHOLE, NUMBER) and value is not None:
        low, high = spec.range
        if spec.type == WHOLE:
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{key} must be a whole number, got {value!r}.")
            if not low <= value <= high:
                raise ValueError(f"{key} must be between {low} and {high}, got {value}.")
        else:
            if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
                raise ValueError(f"{key} must be a number, got {value!r}.")
            if value != value or not low <= value <= high:  # NaN is never equal to itself
                raise ValueError(f"{key} must be between {low} and {high}, got {value}.")
    elif spec.type == PHQ9:
        return _scored(key, scoring.phq9, value)
    elif spec.type == GAD7:
        return _scored(key, scoring.gad7, value)
    elif spec.type == PC_PTSD5:
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or len(value) != 5:
            raise ValueError(f"{key} needs 5 answers, got {value!r}.")
        for item in value:
            if not isinstance(item, bool):
                raise ValueError(f"{key} answers must be True or False, got {item!r}.")
    elif spec.type == ASQ:
        if not isinstance(value, Mapping):
            raise ValueError(f"{key} must be a mapping of q1-q4 and acuity, got {value!r}.")
        unknown = set(value) - set(_ASQ_KEYS)
        missing = {"q1", "q2", "q3", "q4"} - set(value)
        if unknown or missing:
            raise ValueError(
                f"{key} needs q1-q4 (and acuity after a yes); got keys {sorted(map(str, value))}."
            )
        return _scored(
            key, scoring.asq, value["q1"], value["q2"], value["q3"], value["q4"], value.get("acuity")
        )
    return value


def _scored(key: str, scorer: Any, *args: Any) -> Any:
    try:
        return scorer(*args)
    except ValueError as error:
        raise ValueError(f"{key}: {error}") from error


def age_on(born: datetime.date, today: datetime.date) -> int:
    """Age in completed years; a 29 February birthday is reached on 1 March in common years."""
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# --- §2: the answers as `screen` reads them -----------------------------------------------------------


@dataclass(frozen=True)
class Given:
    """The applicable, given and valid answers, and what §2 derives from them."""

    values: Mapping[str, Any]
    scores: Mapping[str, scoring.Score]  # the instruments scored while validating: phq9, gad7, asq
    missing: tuple[str, ...]  # applicable but not given, in §3 order
    applicable: frozenset[str]
    indications: frozenset[str]  # read cautiously
    age: int | None

    def get(self, key: str) -> Any:
        return self.values.get(key)


def read(answers: Mapping[str, Any], *, today: datetime.date) -> Given:
    """Validate and take in the answers that apply (§2); raise ValueError on a value §3 does not allow.

    Keys that do not apply are ignored unchecked, except `asq`, which always counts when given (as
    `phq9` does, being always asked): they are the safety answers.
    """
    for key in _DECIDING_ALWAYS:
        if given(answers, key):
            validate(key, answers[key], today)
    for key in _DECIDING_SOMETIMES:
        if key in applicable_keys(answers) and given(answers, key):
            validate(key, answers[key], today)
    applicable = applicable_keys(answers)
    indications = indication_codes(answers)
    bipolar_indicated = "bipolar_depression" in indications

    values: dict[str, Any] = {}
    scores: dict[str, scoring.Score] = {}
    missing: list[str] = []
    for key in ANSWER_KEYS:
        if key == "bipolar_diagnosis" and bipolar_indicated:
            # The indication decides it, whatever the answer (spec §3); a yes given anyway is still said.
            if answers.get(key) is True:
                values[key] = True
            continue
        safety_leftover = key == "asq" and key not in applicable and given(answers, key)
        if key not in applicable and not safety_leftover:
            continue
        if not given(answers, key):
            missing.append(key)
            continue
        values[key] = answers[key]
        checked = validate(key, answers[key], today)
        if _SPEC[key].type in (PHQ9, GAD7, ASQ):
            scores[key] = checked
    born = values.get("date_of_birth")
    return Given(
        values=values,
        scores=scores,
        missing=tuple(missing),
        applicable=applicable,
        indications=indications,
        age=age_on(born, today) if born is not None else None,
    )
