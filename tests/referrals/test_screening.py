"""Table-driven tests of the screening core against screening-spec v4 (§2-§7); no database."""

import copy
import datetime
import json
from decimal import Decimal

import pytest

from referrals import scoring, screening
from referrals.demo import HEALTHY_ANSWERS
from referrals.screening import Finding, Policy, applicable_keys, screen

TODAY = datetime.date(2025, 6, 15)


def pain_patient(**overrides):
    """Complete all-clear answers: a healthy 40-year-old male with CRPS (the demo data's healthy answers)."""
    return {
        **copy.deepcopy(HEALTHY_ANSWERS),
        "date_of_birth": datetime.date(1985, 1, 10),
        "bp_systolic": 120,
        "bp_diastolic": 80,
        "height_cm": 180,
        "weight_kg": 80,
        "phq9": [1, 1, 0, 1, 0, 0, 0, 0, 0],
        "pain_current": 5,
        "pain_average": 6,
        "pain_worst": 8,
        **overrides,
    }


def depression_patient(**overrides):
    """Complete all-clear answers: a healthy 35-year-old female with treatment-resistant depression."""
    answers = pain_patient(
        date_of_birth=datetime.date(1990, 3, 1),
        sex_at_birth="female",
        can_become_pregnant="no",
        breastfeeding=False,
        indication="trd",
        phq9=[2, 2, 2, 2, 1, 1, 1, 1, 0],
        gad7=[1, 1, 1, 1, 1, 0, 0],
        asq={"q1": False, "q2": False, "q3": False, "q4": False},
    )
    for key in ("pain_current", "pain_average", "pain_worst"):
        del answers[key]
    answers.update(overrides)
    return answers


def without(answers, *keys):
    return {key: value for key, value in answers.items() if key not in keys}


def severities(result):
    return {finding.code: finding.severity for finding in result.findings}


def finding(result, code):
    matches = [f for f in result.findings if f.code == code]
    assert len(matches) == 1, f"expected one {code} finding, got {result.findings}"
    return matches[0]


def run(answers, policy=None, today=TODAY):
    return screen(answers, today=today, policy=policy)


class BaselineTests:
    def test_pain_patient_is_all_clear(self):
        result = run(pain_patient())
        assert result.findings == ()
        assert result.urgent_safety is False
        assert result.required_steps == frozenset()
        assert set(result.scores) == {"phq9", "pain_nrs"}
        assert result.scores["pain_nrs"] == scoring.PainScore(current=5, average=6, worst=8)
        assert result.scores["phq9"] == scoring.PHQ9Score(total=3, band="minimal", item9=0)

    def test_depression_patient_is_all_clear_but_needs_suicide_screen(self):
        result = run(depression_patient())
        assert result.findings == ()
        assert result.urgent_safety is False
        assert result.required_steps == frozenset({"suicide_risk_screen"})
        assert set(result.scores) == {"phq9", "gad7", "asq"}
        assert result.scores["phq9"].band == "moderate"
        assert result.scores["gad7"] == scoring.GAD7Score(total=5, band="mild")
        assert result.scores["asq"].result == "negative"

    def test_result_is_frozen(self):
        result = run(pain_patient())
        with pytest.raises(AttributeError):
            result.urgent_safety = True
        with pytest.raises(TypeError):
            result.scores["gad7"] = None

    def test_unknown_keys_are_ignored(self):
        result = run(pain_patient(phq9_difficulty=3, favourite_colour=object(), notes=None))
        assert result.findings == ()


# (id, base, overrides, expected {code: severity}) — each case must produce exactly these findings.
RULE_CASES = [
    ("allergy_yes", pain_patient, {"ketamine_allergy": "yes"}, {"ketamine_hypersensitivity": "absolute"}),
    ("allergy_unsure", pain_patient, {"ketamine_allergy": "unsure"}, {"ketamine_hypersensitivity": "relative"}),
    ("bad_reaction", pain_patient, {"ketamine_bad_reaction": True}, {"prior_adverse_reaction_ketamine": "relative"}),
    ("pregnant_yes", depression_patient, {"can_become_pregnant": "yes", "pregnant": "yes"},
     {"pregnancy_current": "absolute"}),
    ("pregnant_unsure", depression_patient, {"can_become_pregnant": "unsure", "pregnant": "unsure"},
     {"pregnancy_current": "relative"}),
    ("breastfeeding", depression_patient, {"breastfeeding": True}, {"breastfeeding": "relative"}),
    ("aneurysm_yes", pain_patient, {"aneurysm_or_avm": "yes"}, {"aneurysm_or_avm": "absolute"}),
    ("aneurysm_unsure", pain_patient, {"aneurysm_or_avm": "unsure"}, {"aneurysm_or_avm": "relative"}),
    ("brain_bleed", pain_patient, {"brain_bleed_history": True}, {"intracerebral_hemorrhage_history": "absolute"}),
    ("cardiac_event", pain_patient, {"recent_cardiac_event": True}, {"cv_unstable": "absolute"}),
    ("heart_condition", pain_patient, {"heart_conditions": ["arrhythmia"]}, {"cv_stable_disease": "relative"}),
    ("psychosis_current", pain_patient, {"psychosis_current": True}, {"psychosis_active": "absolute"}),
    ("psychosis_history", pain_patient, {"psychosis_history": True}, {"psychosis_history": "relative"}),
    ("psychosis_both", pain_patient, {"psychosis_current": True, "psychosis_history": True},
     {"psychosis_active": "absolute"}),
    ("mania", pain_patient, {"mania_recent": True}, {"mania_active": "absolute"}),
    ("bipolar_answer", pain_patient, {"bipolar_diagnosis": True, "mood_stabilizer_current": True},
     {"bipolar_disorder": "relative"}),
    ("bipolar_no_mood_stabilizer", pain_patient, {"bipolar_diagnosis": True, "mood_stabilizer_current": False},
     {"bipolar_disorder": "relative", "bipolar_no_mood_stabilizer": "relative"}),
    ("liver_severe", pain_patient, {"liver_disease": "severe"}, {"hepatic_severe": "absolute"}),
    ("liver_severe_and_alcohol", pain_patient, {"liver_disease": "severe", "alcohol_heavy": True},
     {"hepatic_severe": "absolute"}),
    ("liver_other", pain_patient, {"liver_disease": "other"}, {"hepatic_moderate": "relative"}),
    ("alcohol", pain_patient, {"alcohol_heavy": True}, {"hepatic_moderate": "relative"}),
    ("icp_yes", pain_patient, {"raised_icp": "yes"}, {"icp_elevated": "absolute"}),
    ("icp_unsure", pain_patient, {"raised_icp": "unsure"}, {"icp_elevated": "relative"}),
    ("glaucoma", pain_patient, {"glaucoma": True}, {"iop_glaucoma": "relative"}),
    ("sud_recent", pain_patient, {"substance_problem_recent": True}, {"sud_active": "absolute"}),
    ("sud_history", pain_patient, {"substance_history": True}, {"sud_history": "relative"}),
    ("sud_both", pain_patient, {"substance_problem_recent": True, "substance_history": True},
     {"sud_active": "absolute"}),
    ("ketamine_nonmedical", pain_patient, {"ketamine_nonmedical_use": True}, {"ketamine_nonmedical_use": "relative"}),
    ("ketamine_bladder", pain_patient, {"ketamine_bladder_damage": True}, {"ketamine_uropathy_history": "absolute"}),
    ("bladder_symptoms", pain_patient, {"bladder_symptoms": True}, {"bladder_symptoms": "relative"}),
    ("hyperthyroid", pain_patient, {"hyperthyroid_uncontrolled": True}, {"hyperthyroid_uncontrolled": "relative"}),
    ("memory", pain_patient, {"memory_disorder": True}, {"neurocognitive_disorder": "relative"}),
    ("sleep_apnea", pain_patient, {"sleep_apnea": True}, {"airway_sleep_apnea": "relative"}),
    ("home_oxygen", pain_patient, {"home_oxygen": True}, {"chronic_lung_disease_o2": "relative"}),
    ("seizures", pain_patient, {"seizures": True}, {"seizure_risk": "note"}),
    ("theophylline", pain_patient, {"medications": ["theophylline"]}, {"theophylline_aminophylline": "absolute"}),
    ("benzodiazepine", pain_patient, {"medications": ["benzodiazepine"]}, {"med_benzodiazepine": "note"}),
    ("lamotrigine", pain_patient, {"medications": ["lamotrigine"]}, {"med_lamotrigine": "note"}),
    ("maoi", pain_patient, {"medications": ["maoi"]}, {"med_maoi": "note"}),
    ("stimulant", pain_patient, {"medications": ["stimulant"]}, {"med_psychostimulant": "note"}),
    ("opioid", pain_patient, {"medications": ["opioid_or_sedative"]}, {"med_opioid_cns_depressant": "note"}),
    ("sympathomimetic", pain_patient, {"medications": ["sympathomimetic"]}, {"med_sympathomimetic": "note"}),
    ("glp1", pain_patient, {"medications": ["glp1"]}, {"med_glp1_ra": "note"}),
    ("antihypertensive", pain_patient, {"medications": ["antihypertensive"]}, {"med_antihypertensive": "note"}),
    ("addiction_medicine", pain_patient, {"medications": ["addiction_medicine"]}, {"med_addiction_treatment": "note"}),
    ("stroke_tia", pain_patient, {"heart_conditions": ["stroke_tia"]}, {"cv_stable_disease": "relative"}),
    ("peripheral_arterial", pain_patient, {"heart_conditions": ["peripheral_arterial"]},
     {"cv_stable_disease": "relative"}),
    ("no_escort", pain_patient, {"escort_available": "no"}, {"no_escort": "absolute"}),
    ("escort_not_yet", pain_patient, {"escort_available": "not_yet"}, {"no_escort": "note"}),
    ("all_medications", pain_patient, {"medications": [code for code, _ in screening.MEDICATION_CLASSES]},
     {"theophylline_aminophylline": "absolute", "med_benzodiazepine": "note", "med_lamotrigine": "note",
      "med_maoi": "note", "med_psychostimulant": "note", "med_opioid_cns_depressant": "note",
      "med_sympathomimetic": "note", "med_glp1_ra": "note", "med_antihypertensive": "note",
      "med_addiction_treatment": "note"}),
]  # fmt: skip

# Answers next to a rule's trigger that must not fire it.
QUIET_CASES = [
    ("allergy_no", pain_patient, {"ketamine_allergy": "no"}),
    ("aneurysm_no", pain_patient, {"aneurysm_or_avm": "no"}),
    ("icp_no", pain_patient, {"raised_icp": "no"}),
    ("liver_none", pain_patient, {"liver_disease": "none"}),
    ("pregnant_no", depression_patient, {"can_become_pregnant": "yes", "pregnant": "no"}),
    ("escort_yes", pain_patient, {"escort_available": "yes"}),
    ("no_heart_conditions", pain_patient, {"heart_conditions": []}),
    ("no_medications", pain_patient, {"medications": []}),
    ("bp_139_89", pain_patient, {"bp_systolic": 139, "bp_diastolic": 89}),
    ("bp_unknown", pain_patient, {"bp_systolic": None, "bp_diastolic": None}),
    ("bmi_unknown_height", pain_patient, {"height_cm": None, "weight_kg": 200}),
    ("bmi_unknown_weight", pain_patient, {"height_cm": 150, "weight_kg": None}),
    ("age_64", pain_patient, {"date_of_birth": datetime.date(1960, 6, 16)}),
    ("age_18", pain_patient, {"date_of_birth": datetime.date(2007, 6, 15)}),
]


class RuleTests:
    @pytest.mark.parametrize(
        ("base", "overrides", "expected"),
        [case[1:] for case in RULE_CASES],
        ids=[case[0] for case in RULE_CASES],
    )
    def test_rule_fires_with_its_severity(self, base, overrides, expected):
        assert severities(run(base(**overrides))) == expected

    @pytest.mark.parametrize(
        ("base", "overrides"), [case[1:] for case in QUIET_CASES], ids=[case[0] for case in QUIET_CASES]
    )
    def test_rule_stays_quiet(self, base, overrides):
        assert run(base(**overrides)).findings == ()

    @pytest.mark.parametrize("code", [code for code, *_ in screening.RULES if code != "no_escort"])
    def test_gate_is_clearance(self, code):
        assert dict((rule[0], rule[3]) for rule in screening.RULES)[code] == "clearance"

    @pytest.mark.parametrize("escort", ["no", "not_yet"])
    def test_no_escort_gate_is_scheduling(self, escort):
        assert finding(run(pain_patient(escort_available=escort)), "no_escort").gate == "scheduling"

    def test_fired_findings_carry_their_gate(self):
        result = run(pain_patient(glaucoma=True, seizures=True, ketamine_allergy="yes"))
        assert {f.gate for f in result.findings} == {"clearance"}

    def test_every_rule_case_code_is_a_known_rule(self):
        fired = {code for case in RULE_CASES for code in case[3]}
        assert fired <= screening.RULE_CODES

    def test_bipolar_depression_indication_forces_the_finding(self):
        for answers in (
            depression_patient(
                indication="bipolar_depression", bipolar_diagnosis=False, mood_stabilizer_current=True
            ),
            without(
                depression_patient(indication="bipolar_depression", mood_stabilizer_current=True),
                "bipolar_diagnosis",
            ),
            depression_patient(
                secondary_indications=["bipolar_depression"],
                bipolar_diagnosis=False,
                mood_stabilizer_current=True,
            ),
        ):
            result = run(answers)
            assert finding(result, "bipolar_disorder").severity == "relative"
            assert "incomplete_answers" not in severities(result)

    def test_bipolar_answer_is_not_checked_when_the_indication_decides(self):
        result = run(
            depression_patient(
                indication="bipolar_depression", bipolar_diagnosis="not sure", mood_stabilizer_current=True
            )
        )
        assert severities(result) == {"bipolar_disorder": "relative"}

    def test_bipolar_answer_still_required_otherwise(self):
        result = run(without(pain_patient(), "bipolar_diagnosis"))
        # A missing diagnosis is read cautiously (spec §2): the mood-stabilizer question applies too.
        assert finding(result, "incomplete_answers").reason.endswith(
            ": bipolar_diagnosis, mood_stabilizer_current."
        )

    def test_reason_is_one_plain_sentence(self):
        result = run(pain_patient(bp_systolic=172, bp_diastolic=96))
        assert finding(result, "bp_severely_elevated").reason == (
            "Reported blood pressure 172/96 is at or above the 160/100 limit."
        )

    @pytest.mark.parametrize(
        ("case_id", "base", "overrides", "expected"), RULE_CASES, ids=[c[0] for c in RULE_CASES]
    )
    def test_every_reason_is_a_sentence(self, case_id, base, overrides, expected):
        for f in run(base(**overrides)).findings:
            assert f.reason[0].isupper() and f.reason.endswith(".") and "\n" not in f.reason


class AgeTests:
    @pytest.mark.parametrize(
        ("born", "today", "expected"),
        [
            (datetime.date(2007, 6, 16), TODAY, {"age_under_18": "absolute"}),  # 17, a day short
            (datetime.date(2007, 6, 15), TODAY, {}),  # 18 today
            (datetime.date(2025, 6, 15), TODAY, {"age_under_18": "absolute"}),  # born today
            (datetime.date(1960, 6, 16), TODAY, {"ecg": None}),  # 64
            (datetime.date(1960, 6, 15), TODAY, {"age_65_plus": "relative", "ecg": None}),  # 65 today
            (datetime.date(1930, 1, 1), TODAY, {"age_65_plus": "relative", "ecg": None}),
            # 29 February birthdays are reached on 1 March in common years.
            (datetime.date(2004, 2, 29), datetime.date(2022, 2, 28), {"age_under_18": "absolute"}),
            (datetime.date(2004, 2, 29), datetime.date(2022, 3, 1), {}),
            (datetime.date(2004, 2, 29), datetime.date(2024, 2, 29), {}),
            (datetime.date(1960, 2, 29), datetime.date(2025, 2, 28), {"ecg": None}),
            (datetime.date(1960, 2, 29), datetime.date(2025, 3, 1), {"age_65_plus": "relative", "ecg": None}),
            (datetime.date(1975, 2, 28), datetime.date(2025, 2, 27), {}),  # 49: no ECG
            (datetime.date(1975, 2, 28), datetime.date(2025, 2, 28), {"ecg": None}),  # 50: ECG
        ],
    )
    def test_age_in_completed_years(self, born, today, expected):
        result = run(pain_patient(date_of_birth=born), today=today)
        expected = dict(expected)
        wants_ecg = expected.pop("ecg", "absent") is None
        assert severities(result) == expected
        assert ("ecg" in result.required_steps) is wants_ecg

    def test_reason_names_age_and_limit(self):
        result = run(pain_patient(date_of_birth=datetime.date(2008, 1, 1)))
        assert finding(result, "age_under_18").reason == "Age 17 is under the minimum age of 18."

    def test_date_of_birth_after_today_is_refused(self):
        with pytest.raises(ValueError):
            run(pain_patient(date_of_birth=datetime.date(2025, 6, 16)))

    @pytest.mark.parametrize(
        "born", [datetime.datetime(1985, 1, 10, 12, 0, tzinfo=datetime.UTC), "1985-01-10", 1985]
    )
    def test_date_of_birth_must_be_a_date(self, born):
        with pytest.raises(ValueError):
            run(pain_patient(date_of_birth=born))

    @pytest.mark.parametrize(
        "today", [datetime.datetime(2025, 6, 15, tzinfo=datetime.UTC), "2025-06-15", None]
    )
    def test_today_must_be_a_date(self, today):
        with pytest.raises(ValueError):
            screen(pain_patient(), today=today)


class BloodPressureTests:
    @pytest.mark.parametrize(
        ("systolic", "diastolic", "told", "expected"),
        [
            (120, 80, False, {}),
            (139, 89, False, {}),
            (140, 80, False, {"bp_elevated": "relative"}),
            (120, 90, False, {"bp_elevated": "relative"}),
            (159, 99, False, {"bp_elevated": "relative"}),
            (160, 80, False, {"bp_severely_elevated": "absolute"}),
            (120, 100, False, {"bp_severely_elevated": "absolute"}),
            (159, 100, False, {"bp_severely_elevated": "absolute"}),
            (160, 99, False, {"bp_severely_elevated": "absolute"}),
            (172, 96, False, {"bp_severely_elevated": "absolute"}),
            (120, 80, True, {"bp_severely_elevated": "absolute"}),
            (None, None, True, {"bp_severely_elevated": "absolute"}),
            (None, None, False, {}),
            (None, 100, False, {"bp_severely_elevated": "absolute"}),
            (None, 90, False, {"bp_elevated": "relative"}),
            (None, 89, False, {}),
            (160, None, False, {"bp_severely_elevated": "absolute"}),
            (140, None, False, {"bp_elevated": "relative"}),
            (139, None, False, {}),
            (60, 30, False, {}),
            (260, 160, False, {"bp_severely_elevated": "absolute"}),
        ],
    )
    def test_thresholds(self, systolic, diastolic, told, expected):
        answers = pain_patient(bp_systolic=systolic, bp_diastolic=diastolic, bp_told_uncontrolled=told)
        assert severities(run(answers)) == expected

    @pytest.mark.parametrize(
        ("systolic", "diastolic", "told", "reason"),
        [
            (172, 96, False, "Reported blood pressure 172/96 is at or above the 160/100 limit."),
            (150, 85, False, "Reported blood pressure 150/85 is at or above the 140/90 limit."),
            (None, 104, False, "Reported diastolic blood pressure 104 is at or above the 100 limit."),
            (165, None, False, "Reported systolic blood pressure 165 is at or above the 160 limit."),
            (120, 80, True, "The patient has been told their blood pressure is not under control."),
        ],
    )
    def test_reasons(self, systolic, diastolic, told, reason):
        answers = pain_patient(bp_systolic=systolic, bp_diastolic=diastolic, bp_told_uncontrolled=told)
        assert run(answers).findings[0].reason == reason

    def test_one_finding_names_every_trigger(self):
        answers = pain_patient(bp_systolic=172, bp_diastolic=104, bp_told_uncontrolled=True)
        result = run(answers)
        assert severities(result) == {"bp_severely_elevated": "absolute"}
        reason = result.findings[0].reason
        assert "172/104" in reason and "160/100" in reason and "not under control" in reason


class BMITests:
    @pytest.mark.parametrize(
        ("height", "weight", "fires"),
        [
            (160, 89.6, True),  # exactly 35.0
            (160, 89.5, False),  # 34.96: unrounded, so below the limit
            (Decimal("160.0"), Decimal("89.6"), True),
            (160.0, 89.6, True),
            (170, 101.1, False),  # 34.98
            (170, 101.2, True),  # 35.02
            (180, 80, False),
            (50, 20, True),
            (250, 20, False),
        ],
    )
    def test_bmi_limit(self, height, weight, fires):
        result = run(pain_patient(height_cm=height, weight_kg=weight))
        assert severities(result) == ({"airway_sleep_apnea": "relative"} if fires else {})

    def test_sleep_apnea_and_bmi_make_one_finding_naming_both(self):
        result = run(pain_patient(sleep_apnea=True, height_cm=160, weight_kg=100))
        assert severities(result) == {"airway_sleep_apnea": "relative"}
        reason = result.findings[0].reason
        assert "sleep apnea" in reason and "BMI 39.1" in reason


class PolicyTests:
    @pytest.mark.parametrize(
        ("policy", "overrides", "expected"),
        [
            (Policy(bp_severe_systolic=180), {"bp_systolic": 172, "bp_diastolic": 80}, {"bp_elevated": "relative"}),
            (Policy(bp_severe_diastolic=110), {"bp_systolic": 120, "bp_diastolic": 104}, {"bp_elevated": "relative"}),
            (Policy(bp_elevated_systolic=130), {"bp_systolic": 130}, {"bp_elevated": "relative"}),
            (Policy(bp_elevated_systolic=130), {"bp_systolic": 129}, {}),
            (Policy(bp_elevated_diastolic=85), {"bp_diastolic": 85}, {"bp_elevated": "relative"}),
            (Policy(bp_elevated_diastolic=85), {"bp_diastolic": 84}, {}),
            (Policy(min_age=21), {"date_of_birth": datetime.date(2005, 1, 1)}, {"age_under_18": "absolute"}),
            (Policy(min_age=21), {"date_of_birth": datetime.date(2004, 6, 15)}, {}),
            (Policy(older_adult_age=40), {}, {"age_65_plus": "relative"}),
            (Policy(older_adult_age=41), {}, {}),
            (Policy(bmi_limit=30), {"height_cm": 180, "weight_kg": 97.2}, {"airway_sleep_apnea": "relative"}),
            (Policy(bmi_limit=30), {"height_cm": 180, "weight_kg": 97.1}, {}),
            (Policy(bmi_limit=Decimal("32.5")), {"height_cm": 200, "weight_kg": 130}, {"airway_sleep_apnea": "relative"}),
            (Policy(bmi_limit=32.5), {"height_cm": 200, "weight_kg": 129.9}, {}),
            (Policy(psychosis_history_severity="absolute"), {"psychosis_history": True}, {"psychosis_history": "absolute"}),
            (Policy(psychosis_history_severity="relative"), {"psychosis_history": True}, {"psychosis_history": "relative"}),
            (Policy(disabled_rules={"bp_severely_elevated"}), {"bp_systolic": 172, "bp_diastolic": 96},
             {"bp_elevated": "relative"}),
            (Policy(disabled_rules={"bp_severely_elevated"}), {"bp_told_uncontrolled": True}, {}),
            (Policy(disabled_rules={"bp_elevated"}), {"bp_systolic": 150}, {}),
            (Policy(disabled_rules={"hepatic_severe"}), {"liver_disease": "severe"}, {"hepatic_moderate": "relative"}),
            (Policy(disabled_rules={"hepatic_severe", "hepatic_moderate"}), {"liver_disease": "severe"}, {}),
            (Policy(disabled_rules={"no_escort"}), {"escort_available": "no"}, {}),
            (Policy(disabled_rules={"med_glp1_ra"}), {"medications": ["glp1", "maoi"]}, {"med_maoi": "note"}),
            (Policy(disabled_rules={"incomplete_answers"}), {"glaucoma": None}, {}),
            (Policy(disabled_rules=frozenset()), {"glaucoma": True}, {"iop_glaucoma": "relative"}),
        ],
    )  # fmt: skip
    def test_policy_fields_change_the_rules(self, policy, overrides, expected):
        assert severities(run(pain_patient(**overrides), policy=policy)) == expected

    def test_defaults(self):
        assert Policy() == Policy(
            bp_severe_systolic=160,
            bp_severe_diastolic=100,
            bp_elevated_systolic=140,
            bp_elevated_diastolic=90,
            min_age=18,
            older_adult_age=65,
            ecg_age=50,
            bmi_limit=35,
            cardiac_lookback_months=6,
            substance_lookback_months=3,
            pc_ptsd5_cutoff=3,
            psychosis_history_severity="relative",
            disabled_rules=frozenset(),
        )
        assert run(pain_patient(), policy=None) == run(pain_patient(), policy=Policy())

    @pytest.mark.parametrize(("ecg_age", "wants_ecg"), [(40, True), (41, False)])
    def test_ecg_age(self, ecg_age, wants_ecg):
        result = run(pain_patient(), policy=Policy(ecg_age=ecg_age))
        assert ("ecg" in result.required_steps) is wants_ecg

    @pytest.mark.parametrize(("cutoff", "positive"), [(3, True), (4, False)])
    def test_pc_ptsd5_cutoff(self, cutoff, positive):
        answers = depression_patient(
            indication="ptsd", pc_ptsd5_exposed=True, pc_ptsd5=[True, True, True, False, False]
        )
        score = run(answers, policy=Policy(pc_ptsd5_cutoff=cutoff)).scores["pc_ptsd5"]
        assert score == scoring.PCPTSD5Score(total=3, positive=positive)

    def test_lookbacks_shape_the_wording(self):
        policy = Policy(cardiac_lookback_months=12, substance_lookback_months=6)
        result = run(pain_patient(recent_cardiac_event=True, substance_problem_recent=True), policy=policy)
        assert "12 months" in finding(result, "cv_unstable").reason
        assert "6 months" in finding(result, "sud_active").reason
        assert severities(result) == {"cv_unstable": "absolute", "sud_active": "absolute"}

    def test_disabled_rules_are_frozen_as_a_frozenset(self):
        policy = Policy(disabled_rules=["seizure_risk"])
        assert policy.disabled_rules == frozenset({"seizure_risk"})
        assert severities(run(pain_patient(seizures=True), policy=policy)) == {}

    def test_disabled_specialist_finding_drops_the_step(self):
        result = run(pain_patient(glaucoma=True), policy=Policy(disabled_rules={"iop_glaucoma"}))
        assert result.findings == ()
        assert "specialist_clearance" not in result.required_steps

    def test_disabled_rule_does_not_drop_its_test_step(self):
        result = run(pain_patient(alcohol_heavy=True), policy=Policy(disabled_rules={"hepatic_moderate"}))
        assert result.findings == ()
        assert result.required_steps == frozenset({"labs_lft"})

    def test_round_trips_through_json(self):
        policy = Policy(
            bmi_limit=Decimal("32.5"),
            min_age=21,
            psychosis_history_severity="absolute",
            disabled_rules={"seizure_risk", "bp_elevated"},
        )
        stored = json.loads(json.dumps(policy.to_dict()))
        assert stored["disabled_rules"] == ["bp_elevated", "seizure_risk"]
        assert stored["bmi_limit"] == 32.5
        rebuilt = Policy.from_dict(stored)
        assert rebuilt.to_dict() == stored
        assert rebuilt.disabled_rules == frozenset({"seizure_risk", "bp_elevated"})

    def test_from_dict_fills_defaults(self):
        assert Policy.from_dict({"min_age": 21}) == Policy(min_age=21)

    def test_from_dict_refuses_unknown_fields(self):
        with pytest.raises(ValueError):
            Policy.from_dict({"min_agee": 21})

    @pytest.mark.parametrize(
        "kwargs",
        [
            {"psychosis_history_severity": "note"},
            {"disabled_rules": {"no_such_rule"}},
            {"disabled_rules": "bp_elevated"},
            {"min_age": True},
            {"min_age": "18"},
            {"ecg_age": 50.5},
            {"bmi_limit": 0},
            {"bmi_limit": "35"},
            {"pc_ptsd5_cutoff": 0},
            {"pc_ptsd5_cutoff": 6},
        ],
    )
    def test_refuses_bad_values(self, kwargs):
        with pytest.raises(ValueError):
            Policy(**kwargs)

    def test_keyword_only(self):
        with pytest.raises(TypeError):
            Policy(160)

    def test_policy_must_be_a_policy(self):
        with pytest.raises(ValueError):
            run(pain_patient(), policy={"min_age": 21})


class ApplicabilityTests:
    def test_male_leftover_pregnancy_answers_are_ignored(self):
        answers = pain_patient(can_become_pregnant="yes", pregnant="yes", breastfeeding=True)
        result = run(answers)
        assert result.findings == ()
        assert "pregnancy_test" not in result.required_steps

    def test_male_leftovers_are_not_checked(self):
        answers = pain_patient(can_become_pregnant="maybe", pregnant=7, breastfeeding="yes")
        assert run(answers).findings == ()

    def test_pregnant_is_ignored_when_cannot_become_pregnant(self):
        result = run(depression_patient(can_become_pregnant="no", pregnant="yes"))
        assert result.findings == ()

    def test_pain_only_leftovers_are_ignored(self):
        answers = pain_patient(gad7=[9] * 7, pc_ptsd5_exposed="x", pc_ptsd5=[1], asq=None)
        result = run(answers)
        assert result.findings == ()
        assert set(result.scores) == {"phq9", "pain_nrs"}

    def test_mental_health_leftover_pain_answers_are_ignored(self):
        result = run(depression_patient(pain_current=99, pain_average="x"))
        assert result.findings == ()
        assert "pain_nrs" not in result.scores

    def test_pc_ptsd5_items_ignored_when_not_exposed(self):
        answers = depression_patient(indication="ptsd", pc_ptsd5_exposed=False, pc_ptsd5=["bad"])
        result = run(answers)
        assert result.findings == ()
        assert result.scores["pc_ptsd5"] == scoring.PCPTSD5Score(total=0, positive=False)

    def test_secondary_pain_indication_asks_pain_questions(self):
        answers = depression_patient(secondary_indications=["fibromyalgia"])
        assert finding(run(answers), "incomplete_answers").reason == (
            "These applicable answers are missing: pain_current, pain_average, pain_worst."
        )

    def test_secondary_mental_health_indication_asks_gad7_and_asq(self):
        answers = pain_patient(secondary_indications=["anxiety"])
        assert finding(run(answers), "incomplete_answers").reason == (
            "These applicable answers are missing: gad7, asq."
        )

    def test_other_indication_belongs_to_both_groups(self):
        answers = pain_patient(indication="other")
        assert finding(run(answers), "incomplete_answers").reason == (
            "These applicable answers are missing: gad7, asq."
        )
        answers = depression_patient(indication="other")
        assert finding(run(answers), "incomplete_answers").reason == (
            "These applicable answers are missing: pain_current, pain_average, pain_worst."
        )

    def test_positive_item9_asks_asq_of_a_pain_patient(self):
        answers = pain_patient(phq9=[0] * 8 + [1])
        result = run(answers)
        assert finding(result, "incomplete_answers").reason == "These applicable answers are missing: asq."
        assert result.urgent_safety is True

    @pytest.mark.parametrize(
        ("answers", "expected"),
        [
            (pain_patient(), set()),
            (depression_patient(), {"can_become_pregnant", "breastfeeding", "gad7", "asq"}),
            (depression_patient(can_become_pregnant="unsure"), {"can_become_pregnant", "pregnant", "breastfeeding",
                                                                 "gad7", "asq"}),
            (depression_patient(indication="ptsd"), {"can_become_pregnant", "breastfeeding", "gad7", "asq",
                                                     "pc_ptsd5_exposed", "pc_ptsd5"}),
            (depression_patient(indication="ptsd", pc_ptsd5_exposed=False), {"can_become_pregnant", "breastfeeding",
                                                                            "gad7", "asq", "pc_ptsd5_exposed"}),
            (pain_patient(phq9=[0] * 8 + [2]), {"asq"}),
            (pain_patient(secondary_indications=["trd"]), {"gad7", "asq"}),
        ],
    )  # fmt: skip
    def test_applicable_keys_beyond_the_always_keys(self, answers, expected):
        always = set(screening.ANSWER_KEYS) - {
            "can_become_pregnant", "pregnant", "breastfeeding", "gad7", "pc_ptsd5_exposed", "pc_ptsd5",
            "pain_current", "pain_average", "pain_worst", "asq", "mood_stabilizer_current",
        }  # fmt: skip
        pain = (
            {"pain_current", "pain_average", "pain_worst"}
            if screening.has_pain_indication(answers)
            else set()
        )
        assert applicable_keys(answers) == always | pain | expected

    def test_applicable_keys_for_nothing_answered_is_every_key_but_ptsd(self):
        # Cautious reading: missing sex is not male, missing indication is `other`, missing phq9 asks the ASQ.
        assert applicable_keys({}) == set(screening.ANSWER_KEYS) - {"pc_ptsd5_exposed", "pc_ptsd5"}

    @pytest.mark.parametrize(
        ("answers", "mental_health", "pain"),
        [
            ({}, True, True),
            ({"indication": "crps", "secondary_indications": []}, False, True),
            ({"indication": "trd", "secondary_indications": []}, True, False),
            ({"indication": "trd", "secondary_indications": ["back_spine"]}, True, True),
            ({"indication": "other", "secondary_indications": []}, True, True),
            ({"indication": "crps"}, True, True),  # missing secondary list read cautiously
        ],
    )
    def test_group_helpers(self, answers, mental_health, pain):
        assert screening.is_mental_health(answers) is mental_health
        assert screening.has_pain_indication(answers) is pain


class CautiousReadingTests:
    def test_missing_sex_asks_pregnancy_questions_and_test(self):
        answers = without(pain_patient(), "sex_at_birth")
        result = run(answers)
        assert finding(result, "incomplete_answers").reason == (
            "These applicable answers are missing: sex_at_birth, can_become_pregnant, pregnant, breastfeeding."
        )
        assert "pregnancy_test" in result.required_steps

    def test_missing_sex_counts_the_pregnancy_answers(self):
        answers = without(
            pain_patient(can_become_pregnant="yes", pregnant="yes", breastfeeding=False), "sex_at_birth"
        )
        assert severities(run(answers)) == {"pregnancy_current": "absolute", "incomplete_answers": "note"}

    def test_missing_can_become_pregnant_asks_pregnant_and_requires_test(self):
        answers = without(depression_patient(), "can_become_pregnant")
        result = run(answers)
        assert finding(result, "incomplete_answers").reason == (
            "These applicable answers are missing: can_become_pregnant, pregnant."
        )
        assert "pregnancy_test" in result.required_steps

    def test_missing_indication_counts_as_other(self):
        answers = without(pain_patient(), "indication")
        result = run(answers)
        assert finding(result, "incomplete_answers").reason == (
            "These applicable answers are missing: indication, gad7, asq."
        )
        assert "suicide_risk_screen" in result.required_steps

    def test_missing_exposure_asks_the_ptsd_items(self):
        answers = depression_patient(indication="ptsd")
        result = run(answers)
        assert finding(result, "incomplete_answers").reason == (
            "These applicable answers are missing: pc_ptsd5_exposed, pc_ptsd5."
        )
        assert "pc_ptsd5" not in result.scores

    def test_missing_phq9_asks_asq_of_a_pain_patient(self):
        answers = without(pain_patient(), "phq9")
        result = run(answers)
        assert (
            finding(result, "incomplete_answers").reason == "These applicable answers are missing: phq9, asq."
        )
        assert result.urgent_safety is False

    def test_none_counts_as_missing_where_none_is_not_allowed(self):
        result = run(pain_patient(sex_at_birth=None, glaucoma=None, phq9=None))
        assert finding(result, "incomplete_answers").reason == (
            "These applicable answers are missing: sex_at_birth, can_become_pregnant, pregnant, breastfeeding, "
            "glaucoma, phq9, asq."
        )


class IncompleteAnswersTests:
    def test_lists_every_missing_key_in_spec_order(self):
        answers = without(
            pain_patient(), "weight_kg", "bp_systolic", "glaucoma", "pain_worst", "date_of_birth"
        )
        result = run(answers)
        f = finding(result, "incomplete_answers")
        assert (f.severity, f.gate) == ("note", "clearance")
        assert f.reason == (
            "These applicable answers are missing: date_of_birth, bp_systolic, glaucoma, weight_kg, pain_worst."
        )
        assert severities(result) == {"incomplete_answers": "note"}

    def test_missing_answers_fire_nothing(self):
        result = run(without(pain_patient(), "date_of_birth", "medications", "escort_available"))
        assert severities(result) == {"incomplete_answers": "note"}
        assert result.required_steps == frozenset()

    def test_empty_answers_list_every_applicable_key(self):
        result = run({})
        keys = [key for key in screening.ANSWER_KEYS if key not in ("pc_ptsd5_exposed", "pc_ptsd5")]
        assert finding(result, "incomplete_answers").reason == (
            f"These applicable answers are missing: {', '.join(keys)}."
        )
        assert result.scores == {}
        # Cautious reading: a possible pregnancy and a possible mental-health referral.
        assert result.required_steps == frozenset({"pregnancy_test", "suicide_risk_screen"})

    @pytest.mark.parametrize("key", ["bp_systolic", "bp_diastolic", "height_cm", "weight_kg"])
    def test_none_is_an_answer_where_allowed(self, key):
        assert run(pain_patient(**{key: None})).findings == ()

    def test_missing_pain_item_drops_the_pain_score(self):
        result = run(without(pain_patient(), "pain_average"))
        assert "pain_nrs" not in result.scores


class SafetyTests:
    @pytest.mark.parametrize(("item9", "urgent"), [(0, False), (1, True), (2, True), (3, True)])
    def test_phq9_item9(self, item9, urgent):
        result = run(
            pain_patient(phq9=[0] * 8 + [item9], asq={"q1": False, "q2": False, "q3": False, "q4": False})
        )
        assert result.urgent_safety is urgent
        assert ("suicide_risk_screen" in result.required_steps) is urgent

    @pytest.mark.parametrize(
        ("asq", "urgent"),
        [
            ({"q1": False, "q2": False, "q3": False, "q4": False}, False),
            ({"q1": False, "q2": False, "q3": False, "q4": False, "acuity": None}, False),
            ({"q1": True, "q2": False, "q3": False, "q4": False, "acuity": False}, True),
            ({"q1": False, "q2": False, "q3": False, "q4": True, "acuity": True}, True),
        ],
    )
    def test_asq_on_a_mental_health_referral(self, asq, urgent):
        result = run(depression_patient(asq=asq))
        assert result.urgent_safety is urgent

    def test_asq_leftover_on_a_pain_only_referral_still_counts(self):
        asq = {"q1": True, "q2": False, "q3": False, "q4": False, "acuity": True}
        result = run(pain_patient(asq=asq))
        assert result.urgent_safety is True
        assert result.scores["asq"].result == "acute_positive"
        assert result.findings == ()
        assert result.required_steps == frozenset({"suicide_risk_screen"})

    def test_negative_asq_leftover_is_scored_but_not_urgent(self):
        result = run(pain_patient(asq={"q1": False, "q2": False, "q3": False, "q4": False}))
        assert result.urgent_safety is False
        assert result.scores["asq"].result == "negative"

    def test_bad_asq_leftover_is_refused(self):
        with pytest.raises(ValueError):
            run(pain_patient(asq={"q1": True, "q2": False, "q3": False, "q4": False}))

    def test_urgent_safety_is_not_a_finding(self):
        result = run(depression_patient(phq9=[3] * 9))
        assert result.urgent_safety is True
        assert result.findings == ()


class ScoresTests:
    def test_ptsd_exposed(self):
        answers = depression_patient(indication="ptsd", pc_ptsd5_exposed=True, pc_ptsd5=[True] * 4 + [False])
        result = run(answers)
        assert result.scores["pc_ptsd5"] == scoring.PCPTSD5Score(total=4, positive=True)
        assert result.findings == ()

    def test_ptsd_exposed_without_items_has_no_score(self):
        answers = depression_patient(secondary_indications=["ptsd"], pc_ptsd5_exposed=True)
        result = run(answers)
        assert "pc_ptsd5" not in result.scores
        assert (
            finding(result, "incomplete_answers").reason == "These applicable answers are missing: pc_ptsd5."
        )

    def test_ptsd_not_exposed_scores_zero(self):
        result = run(depression_patient(indication="ptsd", pc_ptsd5_exposed=False))
        assert result.scores["pc_ptsd5"] == scoring.PCPTSD5Score(total=0, positive=False)
        assert result.findings == ()

    def test_scores_serialise(self):
        result = run(depression_patient(indication="ptsd", pc_ptsd5_exposed=False))
        stored = json.loads(json.dumps(result.to_dict()))
        assert stored["scores"]["gad7"] == {"total": 5, "band": "mild"}
        rebuilt = {name: scoring.score_from_dict(name, data) for name, data in stored["scores"].items()}
        assert rebuilt == dict(result.scores)
        assert stored["required_steps"] == ["suicide_risk_screen"]
        assert stored["urgent_safety"] is False


BAD_INPUTS = [
    ("bool_for_int", {"bp_systolic": True}),
    ("float_for_int", {"bp_systolic": 120.0}),
    ("str_for_int", {"bp_diastolic": "80"}),
    ("systolic_low", {"bp_systolic": 59}),
    ("systolic_high", {"bp_systolic": 261}),
    ("diastolic_low", {"bp_diastolic": 29}),
    ("diastolic_high", {"bp_diastolic": 161}),
    ("int_for_bool", {"glaucoma": 1}),
    ("zero_for_bool", {"seizures": 0}),
    ("str_for_bool", {"bp_told_uncontrolled": "no"}),
    ("unknown_sex", {"sex_at_birth": "other"}),
    ("unknown_allergy", {"ketamine_allergy": "maybe"}),
    ("bool_for_choice", {"raised_icp": False}),
    ("unknown_liver", {"liver_disease": "mild"}),
    ("unknown_escort", {"escort_available": "later"}),
    ("unknown_indication", {"indication": "insomnia"}),
    ("unknown_secondary", {"secondary_indications": ["insomnia"]}),
    ("str_for_list", {"secondary_indications": "trd"}),
    ("unknown_heart", {"heart_conditions": ["murmur"]}),
    ("unknown_medication", {"medications": ["aspirin"]}),
    ("str_for_medications", {"medications": "glp1"}),
    ("height_low", {"height_cm": 49.9}),
    ("height_high", {"height_cm": 250.1}),
    ("weight_low", {"weight_kg": 19}),
    ("weight_high", {"weight_kg": 351}),
    ("weight_nan", {"weight_kg": float("nan")}),
    ("weight_decimal_nan", {"weight_kg": Decimal("NaN")}),
    ("height_bool", {"height_cm": True}),
    ("height_str", {"height_cm": "180"}),
    ("phq9_short", {"phq9": [0] * 8}),
    ("phq9_long", {"phq9": [0] * 10}),
    ("phq9_range", {"phq9": [0] * 8 + [4]}),
    ("phq9_bool", {"phq9": [False] * 9}),
    ("pain_range", {"pain_worst": 11}),
    ("pain_bool", {"pain_current": True}),
    ("pain_float", {"pain_average": 5.5}),
    ("dob_future", {"date_of_birth": datetime.date(2030, 1, 1)}),
    ("dob_str", {"date_of_birth": "1985-01-10"}),
]

BAD_MENTAL_HEALTH_INPUTS = [
    ("gad7_short", {"gad7": [0] * 6}),
    ("gad7_range", {"gad7": [0] * 6 + [4]}),
    ("gad7_bool", {"gad7": [True] * 7}),
    ("asq_not_mapping", {"asq": [False] * 4}),
    ("asq_missing_question", {"asq": {"q1": False, "q2": False, "q3": False}}),
    ("asq_unknown_key", {"asq": {"q1": False, "q2": False, "q3": False, "q4": False, "q5": False}}),
    ("asq_int", {"asq": {"q1": 0, "q2": False, "q3": False, "q4": False}}),
    ("asq_acuity_missing_after_yes", {"asq": {"q1": True, "q2": False, "q3": False, "q4": False}}),
    (
        "asq_acuity_without_yes",
        {"asq": {"q1": False, "q2": False, "q3": False, "q4": False, "acuity": False}},
    ),
    ("can_become_pregnant_unknown", {"can_become_pregnant": "perhaps"}),
    ("pregnant_unknown", {"can_become_pregnant": "yes", "pregnant": True}),
    ("breastfeeding_int", {"breastfeeding": 0}),
    ("exposed_int", {"indication": "ptsd", "pc_ptsd5_exposed": 1, "pc_ptsd5": [True] * 5}),
    ("ptsd_items_int", {"indication": "ptsd", "pc_ptsd5_exposed": True, "pc_ptsd5": [1, 1, 1, 0, 0]}),
    ("ptsd_items_short", {"indication": "ptsd", "pc_ptsd5_exposed": True, "pc_ptsd5": [True] * 4}),
]


class BadInputTests:
    @pytest.mark.parametrize(
        "overrides", [case[1] for case in BAD_INPUTS], ids=[case[0] for case in BAD_INPUTS]
    )
    def test_refuses_bad_pain_patient_answers(self, overrides):
        with pytest.raises(ValueError):
            run(pain_patient(**overrides))

    @pytest.mark.parametrize(
        "overrides",
        [case[1] for case in BAD_MENTAL_HEALTH_INPUTS],
        ids=[case[0] for case in BAD_MENTAL_HEALTH_INPUTS],
    )
    def test_refuses_bad_mental_health_answers(self, overrides):
        with pytest.raises(ValueError):
            run(depression_patient(**overrides))

    @pytest.mark.parametrize(
        "overrides",
        [
            {"bp_systolic": 60, "bp_diastolic": 30},
            {"bp_systolic": 260, "bp_diastolic": 160},
            {"height_cm": 50, "weight_kg": 20},
            {"height_cm": Decimal("250.0"), "weight_kg": 350.0},
            {"secondary_indications": ("back_spine",), "heart_conditions": ()},
            {"date_of_birth": TODAY},
        ],
    )
    def test_accepts_range_edges_and_tuples(self, overrides):
        run(pain_patient(**overrides))

    def test_error_names_the_key(self):
        with pytest.raises(ValueError, match="glaucoma"):
            run(pain_patient(glaucoma=1))


class OrderingTests:
    def test_absolute_then_relative_then_note_then_code(self):
        answers = pain_patient(
            seizures=True,
            glaucoma=True,
            brain_bleed_history=True,
            escort_available="not_yet",
            ketamine_allergy="yes",
            bladder_symptoms=True,
            medications=["maoi", "benzodiazepine"],
            sleep_apnea=True,
        )
        result = run(without(answers, "home_oxygen"))
        assert [(f.severity, f.code) for f in result.findings] == [
            ("absolute", "intracerebral_hemorrhage_history"),
            ("absolute", "ketamine_hypersensitivity"),
            ("relative", "airway_sleep_apnea"),
            ("relative", "bladder_symptoms"),
            ("relative", "iop_glaucoma"),
            ("note", "incomplete_answers"),
            ("note", "med_benzodiazepine"),
            ("note", "med_maoi"),
            ("note", "no_escort"),
            ("note", "seizure_risk"),
        ]

    def test_one_finding_per_code_naming_every_trigger(self):
        result = run(pain_patient(liver_disease="other", alcohol_heavy=True))
        assert severities(result) == {"hepatic_moderate": "relative"}
        reason = result.findings[0].reason
        assert "liver disease" in reason and "alcohol" in reason
        assert reason.count(".") == 1

    def test_most_severe_wins_and_lesser_rule_is_suppressed(self):
        result = run(pain_patient(bp_systolic=150, bp_diastolic=105))
        assert severities(result) == {"bp_severely_elevated": "absolute"}

    def test_bipolar_indication_and_answer_make_one_finding(self):
        result = run(depression_patient(indication="bipolar_depression", bipolar_diagnosis=True))
        f = finding(result, "bipolar_disorder")
        assert "bipolar depression" in f.reason.lower() and "diagnosis" in f.reason

    def test_findings_serialise(self):
        f = Finding(code="glaucoma", severity="relative", gate="clearance", reason="X.")
        assert f.to_dict() == {
            "code": "glaucoma",
            "severity": "relative",
            "gate": "clearance",
            "reason": "X.",
        }
        assert Finding.from_dict(f.to_dict()) == f


class RequiredStepsTests:
    @pytest.mark.parametrize(
        ("base", "overrides", "steps"),
        [
            (pain_patient, {"heart_conditions": ["device"]}, {"ecg", "specialist_clearance"}),
            (pain_patient, {"recent_cardiac_event": True}, {"ecg"}),
            (pain_patient, {"date_of_birth": datetime.date(1975, 6, 15)}, {"ecg"}),  # 50 today
            (pain_patient, {"date_of_birth": datetime.date(1975, 6, 16)}, set()),  # 49
            (pain_patient, {"liver_disease": "other"}, {"labs_lft", "specialist_clearance"}),
            (pain_patient, {"liver_disease": "severe"}, {"labs_lft"}),
            (pain_patient, {"alcohol_heavy": True}, {"labs_lft", "specialist_clearance"}),
            (depression_patient, {"can_become_pregnant": "yes", "pregnant": "no"}, {"pregnancy_test", "suicide_risk_screen"}),
            (depression_patient, {"can_become_pregnant": "unsure", "pregnant": "no"}, {"pregnancy_test", "suicide_risk_screen"}),
            (depression_patient, {"sex_at_birth": "intersex", "can_become_pregnant": "no"}, {"suicide_risk_screen"}),
            (pain_patient, {"can_become_pregnant": "yes"}, set()),  # male leftover
            (pain_patient, {"substance_problem_recent": True}, {"urine_drug_screen"}),
            (pain_patient, {"substance_history": True}, {"urine_drug_screen"}),
            (pain_patient, {"ketamine_nonmedical_use": True}, {"urine_drug_screen"}),
            (pain_patient, {"medications": ["addiction_medicine"]}, {"urine_drug_screen"}),  # v4
            (pain_patient, {"medications": ["opioid_or_sedative"]}, set()),
            (pain_patient, {"heart_conditions": ["stroke_tia"]}, {"ecg", "specialist_clearance"}),  # v4
            (pain_patient, {"heart_conditions": ["peripheral_arterial"]}, {"ecg", "specialist_clearance"}),
            (pain_patient, {"secondary_indications": ["ocd"], "gad7": [0] * 7,
                            "asq": {"q1": False, "q2": False, "q3": False, "q4": False}}, {"suicide_risk_screen"}),
            (pain_patient, {"glaucoma": True}, {"specialist_clearance"}),
            (pain_patient, {"hyperthyroid_uncontrolled": True}, {"specialist_clearance"}),
            (pain_patient, {"bladder_symptoms": True, "sleep_apnea": True, "breastfeeding": True}, set()),
            (pain_patient, {"bp_systolic": 150}, set()),
        ],
    )  # fmt: skip
    def test_steps(self, base, overrides, steps):
        assert run(base(**overrides)).required_steps == frozenset(steps)


class ConstantsTests:
    def test_indications_cover_spec_section_7(self):
        codes = [code for code, _ in screening.INDICATIONS]
        assert codes == [
            "crps", "neuropathic", "fibromyalgia", "migraine_headache", "back_spine", "other_pain",
            "trd", "bipolar_depression", "depression_suicidal_ideation", "ptsd", "anxiety", "ocd", "other",
        ]  # fmt: skip
        assert dict(screening.INDICATIONS)["trd"] == "Treatment-resistant depression"
        assert screening.PAIN_INDICATIONS & screening.MENTAL_HEALTH_INDICATIONS == {"other"}
        assert screening.PAIN_INDICATIONS | screening.MENTAL_HEALTH_INDICATIONS == set(codes)

    def test_choice_lists(self):
        assert [code for code, _ in screening.HEART_CONDITIONS] == [
            "coronary", "past_heart_attack", "heart_failure", "arrhythmia", "valve", "device", "stroke_tia",
            "peripheral_arterial",
        ]  # fmt: skip
        assert [code for code, _ in screening.MEDICATION_CLASSES] == [
            "benzodiazepine", "lamotrigine", "maoi", "stimulant", "opioid_or_sedative", "theophylline",
            "sympathomimetic", "glp1", "antihypertensive", "addiction_medicine",
        ]  # fmt: skip

    def test_rules_cover_every_code_once(self):
        codes = [rule[0] for rule in screening.RULES]
        assert len(codes) == len(set(codes)) == 43
        for code in codes:
            assert getattr(screening, code.upper()) == code
        for _code, title, severity_text, gate, help_text in screening.RULES:
            assert title and severity_text and help_text
            assert gate in (screening.CLEARANCE, screening.SCHEDULING)
            assert "Source" in help_text or "source" in help_text.lower()

    def test_rule_functions_follow_the_catalogue(self):
        # One function per rule, named by its code, in the catalogue's (the spec's) order; the
        # medication rows share one function.
        from referrals.screening.rules import MEDICATION_FINDINGS, RULE_CHECKS

        medication_codes = {code for code, _ in MEDICATION_FINDINGS.values()}
        expected = []
        for rule in screening.RULES:
            name = "medications" if rule.code in medication_codes else rule.code
            if name not in expected:
                expected.append(name)
        assert [check.__name__ for check in RULE_CHECKS] == expected

    def test_clearance_steps_match_spec_section_6(self):
        steps = {step[0]: step[3:] for step in screening.CLEARANCE_STEPS}
        assert [step[0] for step in screening.CLEARANCE_STEPS] == [
            "referral_received", "eligibility_age", "roi_authorization", "records_received", "initial_consult",
            "medical_history_review", "psychiatric_evaluation", "baseline_measures", "vitals_baseline",
            "med_reconciliation", "contraindication_review", "ecg", "labs_lft", "pregnancy_test",
            "urine_drug_screen", "suicide_risk_screen", "specialist_clearance", "informed_consent",
            "treatment_plan", "escort_arranged", "npo_instructions", "payment_clearance",
        ]  # fmt: skip
        assert steps["roi_authorization"] == ("clearance", "administrative", "self_referral")
        assert steps["pregnancy_test"] == ("scheduling", "clinical", "required_steps")
        assert steps["ecg"] == ("clearance", "clinical", "required_steps")
        assert steps["informed_consent"] == ("scheduling", "clinical", "always")
        assert steps["escort_arranged"] == ("scheduling", "administrative", "always")
        assert steps["contraindication_review"] == ("clearance", "clinical", "always")
        required = {step_id for step_id, (*_, condition) in steps.items() if condition == "required_steps"}
        assert required == {
            "ecg", "labs_lft", "pregnancy_test", "urine_drug_screen", "suicide_risk_screen", "specialist_clearance",
        }  # fmt: skip

    def test_core_is_pure(self):
        # Every module of the screening package, and scoring: no Django import, no clock.
        import ast
        import inspect
        import pkgutil
        from importlib import import_module

        modules = [scoring, screening] + [
            import_module(f"referrals.screening.{info.name}")
            for info in pkgutil.iter_modules(screening.__path__)
        ]
        assert len(modules) == 8
        for module in modules:
            source = inspect.getsource(module)
            imported = set()
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Import):
                    imported.update(alias.name for alias in node.names)
                elif isinstance(node, ast.ImportFrom):
                    imported.add(node.module or "")
            assert not any(name.split(".")[0] == "django" for name in imported), module.__name__
            assert "today()" not in source and ".now(" not in source, module.__name__


def bipolar_patient(**overrides):
    """A depression patient with bipolar disorder on lithium (the v4 mood-stabilizer answer given)."""
    return depression_patient(**{"bipolar_diagnosis": True, "mood_stabilizer_current": True, **overrides})


class SpecV4Tests:
    """What screening-spec v4 adds: vessel conditions, addiction medicine, the mood-stabilizer question."""

    # (id, answers, expected {code: severity}): exactly these findings.
    CASES = [
        ("on_mood_stabilizer", lambda: bipolar_patient(), {"bipolar_disorder": "relative"}),
        ("no_mood_stabilizer", lambda: bipolar_patient(mood_stabilizer_current=False),
         {"bipolar_disorder": "relative", "bipolar_no_mood_stabilizer": "relative"}),
        ("indication_implies_bipolar", lambda: depression_patient(
            indication="bipolar_depression", bipolar_diagnosis=False, mood_stabilizer_current=False),
         {"bipolar_disorder": "relative", "bipolar_no_mood_stabilizer": "relative"}),
        ("secondary_indication_implies_bipolar", lambda: without(depression_patient(
            secondary_indications=["bipolar_depression"], mood_stabilizer_current=False), "bipolar_diagnosis"),
         {"bipolar_disorder": "relative", "bipolar_no_mood_stabilizer": "relative"}),
        ("not_bipolar_leftover_ignored", lambda: depression_patient(mood_stabilizer_current=False), {}),
        ("not_bipolar_leftover_not_checked", lambda: depression_patient(mood_stabilizer_current="lithium"), {}),
        ("missing_answer_fires_nothing", lambda: without(bipolar_patient(), "mood_stabilizer_current"),
         {"bipolar_disorder": "relative", "incomplete_answers": "note"}),
        ("none_answer_fires_nothing", lambda: bipolar_patient(mood_stabilizer_current=None),
         {"bipolar_disorder": "relative", "incomplete_answers": "note"}),
        ("addiction_medicine_alone", lambda: pain_patient(medications=["addiction_medicine"]),
         {"med_addiction_treatment": "note"}),
        ("buprenorphine_is_not_active_sud", lambda: pain_patient(medications=["addiction_medicine", "opioid_or_sedative"]),
         {"med_addiction_treatment": "note", "med_opioid_cns_depressant": "note"}),
        ("older_stroke", lambda: pain_patient(heart_conditions=["stroke_tia"]), {"cv_stable_disease": "relative"}),
        ("pad_and_recent_event", lambda: pain_patient(heart_conditions=["peripheral_arterial"], recent_cardiac_event=True),
         {"cv_unstable": "absolute", "cv_stable_disease": "relative"}),
    ]  # fmt: skip

    @pytest.mark.parametrize(("answers", "expected"), [c[1:] for c in CASES], ids=[c[0] for c in CASES])
    def test_findings(self, answers, expected):
        assert severities(run(answers())) == expected

    @pytest.mark.parametrize(
        ("answers", "applies"),
        [
            ({"bipolar_diagnosis": True}, True),
            ({"bipolar_diagnosis": False, "indication": "trd", "secondary_indications": []}, False),
            ({"bipolar_diagnosis": False, "indication": "bipolar_depression", "secondary_indications": []}, True),
            ({"bipolar_diagnosis": False, "indication": "crps", "secondary_indications": ["bipolar_depression"]},
             True),
            ({"indication": "trd", "secondary_indications": []}, True),  # missing diagnosis: the cautious reading
        ],
    )  # fmt: skip
    def test_mood_stabilizer_asked_when(self, answers, applies):
        assert ("mood_stabilizer_current" in applicable_keys(answers)) is applies

    def test_wizard_reading_waits_for_the_diagnosis(self):
        answers = {"indication": "trd", "secondary_indications": []}
        assert "mood_stabilizer_current" not in applicable_keys(answers, cautious=False)
        assert "mood_stabilizer_current" in applicable_keys(
            {**answers, "bipolar_diagnosis": True}, cautious=False
        )

    def test_rules_are_independent_under_policy(self):
        answers = bipolar_patient(mood_stabilizer_current=False)
        assert severities(run(answers, policy=Policy(disabled_rules={"bipolar_disorder"}))) == {
            "bipolar_no_mood_stabilizer": "relative"
        }
        assert severities(run(answers, policy=Policy(disabled_rules={"bipolar_no_mood_stabilizer"}))) == {
            "bipolar_disorder": "relative"
        }

    def test_reasons_name_the_trigger(self):
        result = run(bipolar_patient(mood_stabilizer_current=False, medications=["addiction_medicine"]))
        assert "no mood stabilizer" in finding(result, "bipolar_no_mood_stabilizer").reason
        assert "Buprenorphine, methadone or naltrexone" in finding(result, "med_addiction_treatment").reason
        result = run(pain_patient(heart_conditions=["stroke_tia", "peripheral_arterial"]))
        reason = finding(result, "cv_stable_disease").reason
        assert reason == (
            "The patient reports a heart or blood vessel condition (stroke or TIA (longer ago than the cardiac "
            "look-back), peripheral arterial disease)."
        )

    def test_addiction_medicine_needs_the_drug_screen(self):
        assert "urine_drug_screen" in run(pain_patient(medications=["addiction_medicine"])).required_steps
        assert "urine_drug_screen" not in run(pain_patient(medications=["opioid_or_sedative"])).required_steps

    def test_pre_v4_referral_keeps_its_results_but_lists_the_new_question(self):
        # Answered before v4: bipolar, never asked about mood stabilizers. Re-screened, it does not
        # flag bipolar_no_mood_stabilizer; it lists the question under incomplete_answers.
        answers = without(bipolar_patient(), "mood_stabilizer_current")
        result = run(answers)
        assert "bipolar_no_mood_stabilizer" not in severities(result)
        assert finding(result, "incomplete_answers").reason == (
            "These applicable answers are missing: mood_stabilizer_current."
        )
        # A pre-v4 referral that was not bipolar is unchanged.
        assert run(depression_patient()).findings == ()

    def test_unknown_v4_values_are_refused(self):
        with pytest.raises(ValueError, match="mood_stabilizer_current"):
            run(bipolar_patient(mood_stabilizer_current="yes"))
        with pytest.raises(ValueError, match="heart_conditions"):
            run(pain_patient(heart_conditions=["stroke"]))

    def test_pregnancy_reason_gates_at_scheduling(self):
        result = run(depression_patient(can_become_pregnant="unsure", pregnant="unsure"))
        assert "before scheduling" in finding(result, "pregnancy_current").reason
        help_text = {rule.code: rule.help_text for rule in screening.RULES}["pregnancy_current"]
        assert "before scheduling" in help_text and "before clearance" not in help_text
