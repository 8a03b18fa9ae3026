"""Pure screening of intake answers: findings, scores, urgent safety, required steps (screening-spec v1)."""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field, fields
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from referrals import scoring

# --- Severities, gates, step kinds (screening-spec v1 §2, §4, §6) ---------------------------------

ABSOLUTE = "absolute"
RELATIVE = "relative"
NOTE = "note"
SEVERITIES = (ABSOLUTE, RELATIVE, NOTE)
_SEVERITY_RANK = {ABSOLUTE: 0, RELATIVE: 1, NOTE: 2}

CLEARANCE = "clearance"
SCHEDULING = "scheduling"
GATES = (CLEARANCE, SCHEDULING)

ADMINISTRATIVE = "administrative"
CLINICAL = "clinical"

ALWAYS = "always"
SELF_REFERRAL = "self_referral"
REQUIRED_STEPS = "required_steps"

# --- Choices (screening-spec v1 §3, §7) -----------------------------------------------------------

PAIN_INDICATION_CHOICES: tuple[tuple[str, str], ...] = (
    ("crps", "Complex regional pain syndrome (CRPS)"),
    ("neuropathic", "Neuropathic pain"),
    ("fibromyalgia", "Fibromyalgia"),
    ("migraine_headache", "Migraine or chronic headache"),
    ("back_spine", "Chronic back or spine pain"),
    ("other_pain", "Other chronic pain"),
)
MENTAL_HEALTH_INDICATION_CHOICES: tuple[tuple[str, str], ...] = (
    ("trd", "Treatment-resistant depression"),
    ("bipolar_depression", "Bipolar depression"),
    ("depression_suicidal_ideation", "Depression with suicidal thoughts"),
    ("ptsd", "Post-traumatic stress disorder (PTSD)"),
    ("anxiety", "Anxiety"),
    ("ocd", "Obsessive-compulsive disorder (OCD)"),
)
OTHER_INDICATION = "other"
INDICATIONS: tuple[tuple[str, str], ...] = (
    *PAIN_INDICATION_CHOICES,
    *MENTAL_HEALTH_INDICATION_CHOICES,
    (OTHER_INDICATION, "Other"),
)
# Group membership; `other` belongs to both groups (spec §7).
PAIN_INDICATIONS: frozenset[str] = frozenset(code for code, _ in PAIN_INDICATION_CHOICES) | {OTHER_INDICATION}
MENTAL_HEALTH_INDICATIONS: frozenset[str] = frozenset(
    code for code, _ in MENTAL_HEALTH_INDICATION_CHOICES
) | {OTHER_INDICATION}
_INDICATION_CODES = frozenset(code for code, _ in INDICATIONS)

HEART_CONDITIONS: tuple[tuple[str, str], ...] = (
    ("coronary", "Coronary artery disease"),
    ("past_heart_attack", "Past heart attack"),
    ("heart_failure", "Heart failure"),
    ("arrhythmia", "Irregular heartbeat (arrhythmia)"),
    ("valve", "Heart valve disease"),
    ("device", "Pacemaker or defibrillator"),
)
MEDICATION_CLASSES: tuple[tuple[str, str], ...] = (
    ("benzodiazepine", "Benzodiazepine (e.g. lorazepam, clonazepam, alprazolam, diazepam)"),
    ("lamotrigine", "Lamotrigine"),
    ("maoi", "MAO inhibitor (e.g. phenelzine, tranylcypromine, selegiline)"),
    ("stimulant", "Stimulant (e.g. amphetamine, methylphenidate, modafinil)"),
    ("opioid_or_sedative", "Opioid, gabapentinoid, sleeping pill, muscle relaxant or other sedative"),
    ("theophylline", "Theophylline or aminophylline"),
    ("sympathomimetic", "Decongestant or other sympathomimetic (e.g. pseudoephedrine)"),
    ("glp1", "GLP-1 medicine (e.g. semaglutide, tirzepatide, liraglutide)"),
    ("antihypertensive", "Blood-pressure medicine"),
)
SEX_AT_BIRTH_CHOICES: tuple[tuple[str, str], ...] = (
    ("female", "Female"),
    ("male", "Male"),
    ("intersex", "Intersex"),
)
YES_NO_UNSURE_CHOICES: tuple[tuple[str, str], ...] = (("yes", "Yes"), ("no", "No"), ("unsure", "Not sure"))
LIVER_DISEASE_CHOICES: tuple[tuple[str, str], ...] = (
    ("none", "None"),
    ("severe", "Cirrhosis or liver failure"),
    ("other", "Other liver disease (hepatitis, fatty liver, other)"),
)
ESCORT_CHOICES: tuple[tuple[str, str], ...] = (("yes", "Yes"), ("no", "No"), ("not_yet", "Not arranged yet"))

# --- Finding codes (screening-spec v1 §4.2) -------------------------------------------------------

AGE_UNDER_18 = "age_under_18"
AGE_65_PLUS = "age_65_plus"
KETAMINE_HYPERSENSITIVITY = "ketamine_hypersensitivity"
PRIOR_ADVERSE_REACTION_KETAMINE = "prior_adverse_reaction_ketamine"
PREGNANCY_CURRENT = "pregnancy_current"
BREASTFEEDING = "breastfeeding"
ANEURYSM_OR_AVM = "aneurysm_or_avm"
INTRACEREBRAL_HEMORRHAGE_HISTORY = "intracerebral_hemorrhage_history"
CV_UNSTABLE = "cv_unstable"
BP_SEVERELY_ELEVATED = "bp_severely_elevated"
BP_ELEVATED = "bp_elevated"
CV_STABLE_DISEASE = "cv_stable_disease"
PSYCHOSIS_ACTIVE = "psychosis_active"
PSYCHOSIS_HISTORY = "psychosis_history"
MANIA_ACTIVE = "mania_active"
BIPOLAR_DISORDER = "bipolar_disorder"
HEPATIC_SEVERE = "hepatic_severe"
HEPATIC_MODERATE = "hepatic_moderate"
ICP_ELEVATED = "icp_elevated"
IOP_GLAUCOMA = "iop_glaucoma"
SUD_ACTIVE = "sud_active"
SUD_HISTORY = "sud_history"
KETAMINE_NONMEDICAL_USE = "ketamine_nonmedical_use"
KETAMINE_UROPATHY_HISTORY = "ketamine_uropathy_history"
BLADDER_SYMPTOMS = "bladder_symptoms"
HYPERTHYROID_UNCONTROLLED = "hyperthyroid_uncontrolled"
NEUROCOGNITIVE_DISORDER = "neurocognitive_disorder"
AIRWAY_SLEEP_APNEA = "airway_sleep_apnea"
CHRONIC_LUNG_DISEASE_O2 = "chronic_lung_disease_o2"
SEIZURE_RISK = "seizure_risk"
THEOPHYLLINE_AMINOPHYLLINE = "theophylline_aminophylline"
MED_BENZODIAZEPINE = "med_benzodiazepine"
MED_LAMOTRIGINE = "med_lamotrigine"
MED_MAOI = "med_maoi"
MED_PSYCHOSTIMULANT = "med_psychostimulant"
MED_OPIOID_CNS_DEPRESSANT = "med_opioid_cns_depressant"
MED_SYMPATHOMIMETIC = "med_sympathomimetic"
MED_GLP1_RA = "med_glp1_ra"
MED_ANTIHYPERTENSIVE = "med_antihypertensive"
NO_ESCORT = "no_escort"
INCOMPLETE_ANSWERS = "incomplete_answers"

# Medication class answered → finding code and severity (spec §4.2).
MEDICATION_FINDINGS: dict[str, tuple[str, str]] = {
    "benzodiazepine": (MED_BENZODIAZEPINE, NOTE),
    "lamotrigine": (MED_LAMOTRIGINE, NOTE),
    "maoi": (MED_MAOI, NOTE),
    "stimulant": (MED_PSYCHOSTIMULANT, NOTE),
    "opioid_or_sedative": (MED_OPIOID_CNS_DEPRESSANT, NOTE),
    "theophylline": (THEOPHYLLINE_AMINOPHYLLINE, ABSOLUTE),
    "sympathomimetic": (MED_SYMPATHOMIMETIC, NOTE),
    "glp1": (MED_GLP1_RA, NOTE),
    "antihypertensive": (MED_ANTIHYPERTENSIVE, NOTE),
}

# (code, title, default severity text, gate, staff help text with its source); seeds the rule table.
# fmt: off
RULES: tuple[tuple[str, str, str, str, str], ...] = (
    (AGE_UNDER_18, "Under the minimum age", "absolute", CLEARANCE,
     "Age below the clinic's minimum (default 18). Source: clinic policy [C]; Spravato is not approved"
     " under 18 (SpravatoPI)."),
    (AGE_65_PLUS, "Older adult", "relative", CLEARANCE,
     "Age at or above the older-adult age (default 65): blood-pressure surges are larger with age; "
     "plan extra BP monitoring. Source: Yale 2024 infusion cohort; 741-infusion cohort."),
    (KETAMINE_HYPERSENSITIVITY, "Ketamine or esketamine allergy", "absolute / relative (unsure)", CLEARANCE,
     "Reported allergy to ketamine or esketamine; an unsure answer needs review. Source: KetalarPI-US,"
     " SpravatoPI."),
    (PRIOR_ADVERSE_REACTION_KETAMINE, "Prior bad reaction to ketamine", "relative", CLEARANCE,
     "Severe agitation, prolonged hallucinations, very high BP or breathing problems with ketamine "
     "before. Source: KetalarPI-US (emergence reactions)."),
    (PREGNANCY_CURRENT, "Pregnancy", "absolute / relative (unsure)", CLEARANCE,
     "Pregnant, or unsure (test before clearance). Source: Cohen2018 (avoid in pregnancy); SpravatoPI "
     "(embryo-fetal toxicity)."),
    (BREASTFEEDING, "Breastfeeding", "relative", CLEARANCE,
     "Currently breastfeeding; most programs defer. Source: SpravatoPI (do not breastfeed)."),
    (ANEURYSM_OR_AVM, "Aneurysm or AVM", "absolute / relative (unsure)", CLEARANCE,
     "Aneurysmal vascular disease or arteriovenous malformation. Source: SpravatoPI contraindication; "
     "KetalarPI-US (BP rise a serious hazard)."),
    (INTRACEREBRAL_HEMORRHAGE_HISTORY, "History of bleeding in the brain", "absolute", CLEARANCE,
     "History of intracerebral hemorrhage. Source: SpravatoPI contraindication; KetalarPI-UK (CVA)."),
    (CV_UNSTABLE, "Recent cardiac event", "absolute", CLEARANCE,
     "Heart attack, unstable angina, heart-failure admission, stroke or TIA within the cardiac look-"
     "back (default 6 months). Source: Cohen2018 (poorly controlled CV disease: do not use); "
     "KetalarPI-UK."),
    (BP_SEVERELY_ELEVATED, "Blood pressure severely elevated", "absolute", CLEARANCE,
     "Reading at or above the severe limit (default 160/100) or told BP is not under control. Source: "
     "Cohen2018; KetalarPI-US; clinic choice between SpravatoPI 140/90 and the Swiss label's 180/100 "
     "(research §2.6)."),
    (BP_ELEVATED, "Blood pressure elevated", "relative", CLEARANCE,
     "Reading at or above the elevated limit (default 140/90) but not severely elevated. Source: "
     "SpravatoPI general guide >140/90; ACC/AHA 2017 stage 2."),
    (CV_STABLE_DISEASE, "Known heart condition", "relative", CLEARANCE,
     "Any heart condition: require an ECG and consider cardiology. Source: Cohen2018 (ECG when CV "
     "risk)."),
    (PSYCHOSIS_ACTIVE, "Active psychosis", "absolute", CLEARANCE,
     "Current hallucinations or fixed false beliefs. Source: Cohen2018 (avoid with active psychosis); "
     "SpravatoPI."),
    (PSYCHOSIS_HISTORY, "History of psychosis", "relative (a clinic may choose absolute)", CLEARANCE,
     "Past psychotic illness or psychotic depression. Sources disagree: Cohen2018 names only active "
     "psychosis; SpravatoPI says weigh benefit and risk; some programs exclude any history [P]."),
    (MANIA_ACTIVE, "Recent mania", "absolute", CLEARANCE,
     "Mania or hypomania in the past 2 weeks; ketamine can precipitate mania. Source: trial exclusions"
     " [P]; Diazgranados 2010."),
    (BIPOLAR_DISORDER, "Bipolar disorder", "relative", CLEARANCE,
     "Bipolar diagnosis (or a bipolar-depression referral): check mood-stabilizer status. Source: "
     "Diazgranados 2010."),
    (HEPATIC_SEVERE, "Severe liver disease", "absolute", CLEARANCE,
     "Cirrhosis or liver failure. Source: Cohen2018 (avoid in severe hepatic impairment)."),
    (HEPATIC_MODERATE, "Liver disease or heavy alcohol use", "relative", CLEARANCE,
     "Other liver disease or heavy drinking: require LFTs. Source: Cohen2018 (caution in moderate "
     "disease; LFTs)."),
    (ICP_ELEVATED, "Raised intracranial pressure", "absolute / relative (unsure)", CLEARANCE,
     "A condition raising pressure inside the skull. Source: Cohen2018 (grade C)."),
    (IOP_GLAUCOMA, "Glaucoma or raised eye pressure", "relative", CLEARANCE,
     "Glaucoma or high eye pressure; uncontrolled or angle-closure needs ophthalmology. Source: "
     "Cohen2018 (raised IOP); KetalarPI-US."),
    (SUD_ACTIVE, "Active substance-use problem", "absolute", CLEARANCE,
     "Substance-use problem within the substance look-back (default 3 months). Source: Cohen2018 (no "
     "serial infusions with active abuse); CRTCE [P]."),
    (SUD_HISTORY, "History of substance-use problem", "relative", CLEARANCE,
     "Past (not active) alcohol or drug problem. Source: Cohen2018 (universal precautions); "
     "SpravatoPI."),
    (KETAMINE_NONMEDICAL_USE, "Non-medical ketamine use", "relative", CLEARANCE,
     "Ketamine, PCP or similar drugs used outside medical care (high weight). Source: SpravatoPI "
     "abuse/misuse; DEA1999."),
    (KETAMINE_UROPATHY_HISTORY, "Ketamine-related bladder damage", "absolute", CLEARANCE,
     "Bladder damage linked to ketamine use. Source: KetalarPI-US (cystitis with chronic use); "
     "SpravatoPI 5.9."),
    (BLADDER_SYMPTOMS, "Bladder symptoms", "relative", CLEARANCE,
     "Interstitial cystitis or painful/urgent urination; consider baseline urinalysis. Source: "
     "SpravatoPI 5.9."),
    (HYPERTHYROID_UNCONTROLLED, "Uncontrolled overactive thyroid", "relative", CLEARANCE,
     "Uncontrolled hyperthyroidism. Sources disagree: contraindicated in KetalarPI-CH (Swiss label) "
     "only."),
    (NEUROCOGNITIVE_DISORDER, "Memory disorder or brain injury", "relative", CLEARANCE,
     "Dementia, memory disorder or symptomatic brain injury. Source: SpravatoPI (cognitive "
     "impairment); Toronto Ketamine Clinic [P]."),
    (AIRWAY_SLEEP_APNEA, "Sleep apnea or airway risk", "relative", CLEARANCE,
     "Sleep apnea, breathing problems with sedation, or BMI at or above the limit (default 35). "
     "Source: SpravatoPI (respiratory depression); Field Trip protocol BMI > 35 [P]."),
    (CHRONIC_LUNG_DISEASE_O2, "Home oxygen or severe lung disease", "relative", CLEARANCE,
     "Sedation and respiratory-depression risk. Source: KetalarPI-US, SpravatoPI."),
    (SEIZURE_RISK, "Seizures", "note", CLEARANCE,
     "Epilepsy or seizures; low weight. Source: KetalarPI-US (movements resembling seizures)."),
    (THEOPHYLLINE_AMINOPHYLLINE, "Takes theophylline or aminophylline", "absolute", CLEARANCE,
     "Do not co-administer (seizure threshold). Source: KetalarPI-US drug interactions."),
    (MED_BENZODIAZEPINE, "Takes a benzodiazepine", "note", CLEARANCE,
     "Additive sedation; may blunt antidepressant response; never stop chronic use abruptly. Source: "
     "KetalarPI-US; Andrade 2017; Front Psychiatry 2020."),
    (MED_LAMOTRIGINE, "Takes lamotrigine", "note", CLEARANCE,
     "May reduce some ketamine effects; some clinics hold 24 h. Source: Andrade 2017."),
    (MED_MAOI, "Takes an MAO inhibitor", "note", CLEARANCE,
     "Blood-pressure increase; monitor BP closely. Source: SpravatoPI."),
    (MED_PSYCHOSTIMULANT, "Takes a psychostimulant", "note", CLEARANCE,
     "Blood-pressure increase; clinics often hold the morning dose. Source: SpravatoPI."),
    (MED_OPIOID_CNS_DEPRESSANT, "Takes an opioid or other sedative", "note", CLEARANCE,
     "Profound sedation or respiratory depression; opioids prolong recovery. Source: KetalarPI-US."),
    (MED_SYMPATHOMIMETIC, "Takes a sympathomimetic", "note", CLEARANCE,
     "BP and heart-rate rise; monitor vitals. Source: KetalarPI-US."),
    (MED_GLP1_RA, "Takes a GLP-1 medicine", "note", CLEARANCE,
     "Delayed gastric emptying (aspiration under sedation); apply the October 2024 multi-society "
     "guidance. Source: ASA 2023; multi-society guidance 2024."),
    (MED_ANTIHYPERTENSIVE, "Takes blood-pressure medicine", "note", CLEARANCE,
     "Usually continued on infusion day. Source: J&J medical information (Spravato trials)."),
    (NO_ESCORT, "No escort home", "absolute (no) / note (not yet)", SCHEDULING,
     "An adult must take the patient home; resolved by completing escort_arranged. Source: SpravatoPI;"
     " KetalarPI-UK."),
    (INCOMPLETE_ANSWERS, "Incomplete answers", "note", CLEARANCE,
     "Some questions that apply were not answered; ask at consult. Source: screening-spec v1 §2."),
)
# fmt: on
RULE_CODES: frozenset[str] = frozenset(rule[0] for rule in RULES)
_RULE_GATES: dict[str, str] = {rule[0]: rule[3] for rule in RULES}

# --- Clearance steps (screening-spec v1 §6; help text from clinical-research §1.2) ----------------

STEP_ECG = "ecg"
STEP_LABS_LFT = "labs_lft"
STEP_PREGNANCY_TEST = "pregnancy_test"
STEP_URINE_DRUG_SCREEN = "urine_drug_screen"
STEP_SUICIDE_RISK_SCREEN = "suicide_risk_screen"
STEP_SPECIALIST_CLEARANCE = "specialist_clearance"

# (step_id, title, staff help text, gate, kind, condition)
# fmt: off
CLEARANCE_STEPS: tuple[tuple[str, str, str, str, str, str], ...] = (
    ("referral_received", "Referral received",
     "Referral or self-referral received; completeness triage.",
     CLEARANCE, ADMINISTRATIVE, ALWAYS),
    ("eligibility_age", "Age eligibility",
     "Confirm the patient meets the clinic's minimum age (default 18).",
     CLEARANCE, ADMINISTRATIVE, ALWAYS),
    ("roi_authorization", "Release-of-information authorization",
     "Patient-signed HIPAA authorization to obtain outside records and talk to the PCP and "
     "psychiatrist.",
     CLEARANCE, ADMINISTRATIVE, SELF_REFERRAL),
    ("records_received", "Outside records received",
     "Mood: psychiatric notes documenting diagnosis and medication trials. Pain: pain-specialist "
     "notes, diagnosis, prior procedures.",
     CLEARANCE, ADMINISTRATIVE, ALWAYS),
    ("initial_consult", "Initial consult",
     "Face-to-face consult with the prescribing clinician (H&P, goals, plan).",
     CLEARANCE, CLINICAL, ALWAYS),
    ("medical_history_review", "Medical history review",
     "Cardiac, vascular (aneurysm/AVM/ICH), hepatic, neuro (ICP), eye (IOP), thyroid, urologic, "
     "airway/OSA, allergies, prior anesthesia or ketamine reactions.",
     CLEARANCE, CLINICAL, ALWAYS),
    ("psychiatric_evaluation", "Psychiatric evaluation",
     "Full diagnostic assessment for mental-health referrals; a focused screen (psychosis, substance "
     "use, depression, suicidality) otherwise.",
     CLEARANCE, CLINICAL, ALWAYS),
    ("baseline_measures", "Baseline measures",
     "Baseline scales: PHQ-9, GAD-7, PTSD screen as relevant; pain NRS for pain.",
     CLEARANCE, CLINICAL, ALWAYS),
    ("vitals_baseline", "Baseline vitals",
     "BP (seated, repeated if high), HR, SpO2, weight and height (weight is needed for mg/kg dosing).",
     CLEARANCE, CLINICAL, ALWAYS),
    ("med_reconciliation", "Medication reconciliation",
     "Full medication list incl. OTC and supplements; flag interacting drugs; prescriber writes "
     "hold/adjust instructions.",
     CLEARANCE, CLINICAL, ALWAYS),
    ("contraindication_review", "Contraindication review",
     "Clinician reviews the screening findings and records a decision.",
     CLEARANCE, CLINICAL, ALWAYS),
    (STEP_ECG, "12-lead ECG",
     "Known or suspected cardiovascular disease, recent cardiac event, or age at or above the ECG age "
     "(default 50).",
     CLEARANCE, CLINICAL, REQUIRED_STEPS),
    (STEP_LABS_LFT, "Liver function tests",
     "Liver disease or heavy alcohol use; baseline and repeat during the series.",
     CLEARANCE, CLINICAL, REQUIRED_STEPS),
    (STEP_PREGNANCY_TEST, "Pregnancy test",
     "Urine hCG for a person who can or may be able to become pregnant, on the day of the first "
     "infusion.",
     SCHEDULING, CLINICAL, REQUIRED_STEPS),
    (STEP_URINE_DRUG_SCREEN, "Urine drug screen",
     "Urine toxicology when substance use is reported.",
     CLEARANCE, CLINICAL, REQUIRED_STEPS),
    (STEP_SUICIDE_RISK_SCREEN, "Suicide risk screen",
     "C-SSRS screener or ASQ: mental-health referrals always; others when PHQ-9 item 9 or the ASQ is "
     "positive.",
     CLEARANCE, CLINICAL, REQUIRED_STEPS),
    (STEP_SPECIALIST_CLEARANCE, "Specialist clearance",
     "Cardiology, ophthalmology, hepatology, endocrinology etc. for a heart, eye, liver or thyroid "
     "finding.",
     CLEARANCE, CLINICAL, REQUIRED_STEPS),
    ("informed_consent", "Informed consent",
     "Signed consent: off-label status, effects, risks, alternatives, schedule, driving restriction, "
     "right to stop.",
     SCHEDULING, CLINICAL, ALWAYS),
    ("treatment_plan", "Treatment plan",
     "Dose plan, response criteria, defined endpoint, follow-up and maintenance plan.",
     SCHEDULING, CLINICAL, ALWAYS),
    ("escort_arranged", "Escort arranged",
     "Named responsible adult takes the patient home; no driving until the next day after sleep.",
     SCHEDULING, ADMINISTRATIVE, ALWAYS),
    ("npo_instructions", "Fasting instructions",
     "Fasting instructions given and acknowledged.",
     SCHEDULING, ADMINISTRATIVE, ALWAYS),
    ("payment_clearance", "Payment clearance",
     "Insurance verification or prior authorization, or self-pay with a written Good Faith Estimate.",
     SCHEDULING, ADMINISTRATIVE, ALWAYS),
)
# fmt: on
_SPECIALIST_CODES = frozenset({CV_STABLE_DISEASE, IOP_GLAUCOMA, HEPATIC_MODERATE, HYPERTHYROID_UNCONTROLLED})

# --- Answer keys (screening-spec v1 §3), in the spec's order --------------------------------------

ANSWER_KEYS: tuple[str, ...] = (
    "date_of_birth", "sex_at_birth", "can_become_pregnant", "pregnant", "breastfeeding", "indication",
    "secondary_indications", "bp_systolic", "bp_diastolic", "bp_told_uncontrolled", "ketamine_allergy",
    "ketamine_bad_reaction", "aneurysm_or_avm", "brain_bleed_history", "recent_cardiac_event",
    "heart_conditions", "psychosis_current", "psychosis_history", "mania_recent", "bipolar_diagnosis",
    "liver_disease", "alcohol_heavy", "raised_icp", "glaucoma", "substance_problem_recent",
    "substance_history", "ketamine_nonmedical_use", "ketamine_bladder_damage", "bladder_symptoms",
    "hyperthyroid_uncontrolled", "memory_disorder", "sleep_apnea", "home_oxygen", "seizures", "height_cm",
    "weight_kg", "medications", "escort_available", "phq9", "gad7", "pc_ptsd5_exposed", "pc_ptsd5",
    "pain_current", "pain_average", "pain_worst", "asq",
)  # fmt: skip
_NULLABLE_KEYS = frozenset({"bp_systolic", "bp_diastolic", "height_cm", "weight_kg"})
_CHOICE_KEYS: dict[str, frozenset[str]] = {
    "sex_at_birth": frozenset(code for code, _ in SEX_AT_BIRTH_CHOICES),
    "can_become_pregnant": frozenset(code for code, _ in YES_NO_UNSURE_CHOICES),
    "pregnant": frozenset(code for code, _ in YES_NO_UNSURE_CHOICES),
    "indication": _INDICATION_CODES,
    "ketamine_allergy": frozenset(code for code, _ in YES_NO_UNSURE_CHOICES),
    "aneurysm_or_avm": frozenset(code for code, _ in YES_NO_UNSURE_CHOICES),
    "liver_disease": frozenset(code for code, _ in LIVER_DISEASE_CHOICES),
    "raised_icp": frozenset(code for code, _ in YES_NO_UNSURE_CHOICES),
    "escort_available": frozenset(code for code, _ in ESCORT_CHOICES),
}
_LIST_KEYS: dict[str, frozenset[str]] = {
    "secondary_indications": _INDICATION_CODES,
    "heart_conditions": frozenset(code for code, _ in HEART_CONDITIONS),
    "medications": frozenset(code for code, _ in MEDICATION_CLASSES),
}
_BOOL_KEYS = frozenset({
    "breastfeeding", "bp_told_uncontrolled", "ketamine_bad_reaction", "brain_bleed_history",
    "recent_cardiac_event", "psychosis_current", "psychosis_history", "mania_recent", "bipolar_diagnosis",
    "alcohol_heavy", "glaucoma", "substance_problem_recent", "substance_history", "ketamine_nonmedical_use",
    "ketamine_bladder_damage", "bladder_symptoms", "hyperthyroid_uncontrolled", "memory_disorder",
    "sleep_apnea", "home_oxygen", "seizures", "pc_ptsd5_exposed",
})  # fmt: skip
_INT_RANGES: dict[str, tuple[int, int]] = {
    "bp_systolic": (60, 260),
    "bp_diastolic": (30, 160),
    "pain_current": (0, 10),
    "pain_average": (0, 10),
    "pain_worst": (0, 10),
}
_NUMBER_RANGES: dict[str, tuple[int, int]] = {"height_cm": (50, 250), "weight_kg": (20, 350)}
_PAIN_KEYS = ("pain_current", "pain_average", "pain_worst")
_ASQ_KEYS = ("q1", "q2", "q3", "q4", "acuity")


# --- Policy, Finding, ScreeningResult -------------------------------------------------------------


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


@dataclass(frozen=True)
class Finding:
    code: str
    severity: str
    gate: str
    reason: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Finding:
        return cls(code=data["code"], severity=data["severity"], gate=data["gate"], reason=data["reason"])


@dataclass(frozen=True)
class ScreeningResult:
    findings: tuple[Finding, ...]
    scores: Mapping[str, scoring.Score]
    urgent_safety: bool
    required_steps: frozenset[str]

    def codes(self) -> tuple[str, ...]:
        return tuple(finding.code for finding in self.findings)

    def finding(self, code: str) -> Finding | None:
        return next((f for f in self.findings if f.code == code), None)

    def to_dict(self) -> dict[str, Any]:
        return {
            "findings": [finding.to_dict() for finding in self.findings],
            "scores": {name: score.to_dict() for name, score in self.scores.items()},
            "urgent_safety": self.urgent_safety,
            "required_steps": sorted(self.required_steps),
        }


# --- Applicability (spec §2, §3) ------------------------------------------------------------------


def _given(answers: Mapping[str, Any], key: str) -> bool:
    """A key is given when present and, unless §3 allows None, not None."""
    return key in answers and (answers[key] is not None or key in _NULLABLE_KEYS)


def _indication_codes(answers: Mapping[str, Any]) -> frozenset[str]:
    # Cautious reading: a missing (or unreadable) main or secondary indication counts as `other`.
    main = answers.get("indication")
    codes = {main if main in _INDICATION_CODES else OTHER_INDICATION}
    secondary = answers.get("secondary_indications")
    if isinstance(secondary, (list, tuple, set, frozenset)):
        codes.update(code for code in secondary if isinstance(code, str) and code in _INDICATION_CODES)
    else:
        codes.add(OTHER_INDICATION)
    return frozenset(codes)


def is_mental_health(answers: Mapping[str, Any]) -> bool:
    """True when the main or any secondary indication is mental-health (or `other`, or missing)."""
    return bool(_indication_codes(answers) & MENTAL_HEALTH_INDICATIONS)


def has_pain_indication(answers: Mapping[str, Any]) -> bool:
    """True when the main or any secondary indication is a pain one (or `other`, or missing)."""
    return bool(_indication_codes(answers) & PAIN_INDICATIONS)


def _is_male(answers: Mapping[str, Any]) -> bool:
    return answers.get("sex_at_birth") == "male"


def _phq9_item9_may_be_positive(answers: Mapping[str, Any]) -> bool:
    # Cautious reading: a missing or unreadable PHQ-9 counts as item 9 >= 1 for whether the ASQ applies.
    try:
        return scoring.phq9(answers["phq9"]).item9 >= 1
    except (KeyError, ValueError):
        return True


def applicable_keys(answers: Mapping[str, Any]) -> frozenset[str]:
    """The §3 keys whose "asked when" holds for these (possibly partial) answers, read cautiously."""
    keys = set(ANSWER_KEYS)
    mental_health = is_mental_health(answers)
    if _is_male(answers):
        keys -= {"can_become_pregnant", "pregnant", "breastfeeding"}
    elif answers.get("can_become_pregnant") == "no":
        keys.discard("pregnant")
    if not mental_health:
        keys.discard("gad7")
    if "ptsd" not in _indication_codes(answers):
        keys -= {"pc_ptsd5_exposed", "pc_ptsd5"}
    elif answers.get("pc_ptsd5_exposed") is False:
        keys.discard("pc_ptsd5")
    if not has_pain_indication(answers):
        keys -= set(_PAIN_KEYS)
    if not mental_health and not _phq9_item9_may_be_positive(answers):
        keys.discard("asq")
    return frozenset(keys)


# --- Validation -----------------------------------------------------------------------------------


def _validate(key: str, value: Any, today: datetime.date) -> Any:
    """Check one given answer against §3; raise ValueError naming the key."""
    if key == "date_of_birth":
        if isinstance(value, datetime.datetime) or not isinstance(value, datetime.date):
            raise ValueError(f"date_of_birth must be a date, got {value!r}.")
        if value > today:
            raise ValueError(f"date_of_birth {value.isoformat()} is after today ({today.isoformat()}).")
    elif key in _CHOICE_KEYS:
        if not isinstance(value, str) or value not in _CHOICE_KEYS[key]:
            raise ValueError(f"{key} has an unknown choice {value!r}.")
    elif key in _LIST_KEYS:
        if not isinstance(value, (list, tuple, set, frozenset)):
            raise ValueError(f"{key} must be a list, got {value!r}.")
        for code in value:
            if not isinstance(code, str) or code not in _LIST_KEYS[key]:
                raise ValueError(f"{key} has an unknown choice {code!r}.")
    elif key in _BOOL_KEYS:
        if not isinstance(value, bool):
            raise ValueError(f"{key} must be True or False, got {value!r}.")
    elif key in _INT_RANGES:
        if value is not None:
            low, high = _INT_RANGES[key]
            if isinstance(value, bool) or not isinstance(value, int):
                raise ValueError(f"{key} must be a whole number, got {value!r}.")
            if not low <= value <= high:
                raise ValueError(f"{key} must be between {low} and {high}, got {value}.")
    elif key in _NUMBER_RANGES:
        if value is not None:
            low, high = _NUMBER_RANGES[key]
            if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
                raise ValueError(f"{key} must be a number, got {value!r}.")
            if value != value or not low <= value <= high:  # NaN is never equal to itself
                raise ValueError(f"{key} must be between {low} and {high}, got {value}.")
    elif key == "phq9":
        return _named(key, scoring.phq9, value)
    elif key == "gad7":
        return _named(key, scoring.gad7, value)
    elif key == "pc_ptsd5":
        if isinstance(value, (str, bytes)) or not isinstance(value, (list, tuple)) or len(value) != 5:
            raise ValueError(f"pc_ptsd5 needs 5 answers, got {value!r}.")
        for item in value:
            if not isinstance(item, bool):
                raise ValueError(f"pc_ptsd5 answers must be True or False, got {item!r}.")
    elif key == "asq":
        if not isinstance(value, Mapping):
            raise ValueError(f"asq must be a mapping of q1-q4 and acuity, got {value!r}.")
        unknown = set(value) - set(_ASQ_KEYS)
        missing = {"q1", "q2", "q3", "q4"} - set(value)
        if unknown or missing:
            raise ValueError(f"asq needs q1-q4 (and acuity after a yes); got keys {sorted(map(str, value))}.")
        return _named(
            key, scoring.asq, value["q1"], value["q2"], value["q3"], value["q4"], value.get("acuity")
        )
    return value


def _named(key: str, scorer: Any, *args: Any) -> Any:
    try:
        return scorer(*args)
    except ValueError as error:
        raise ValueError(f"{key}: {error}") from error


def _age(born: datetime.date, today: datetime.date) -> int:
    # Tuple comparison makes a 29 February birthday count as reached on 1 March in common years.
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _as_decimal(value: int | float | Decimal) -> Decimal:
    # Floats go through str so 89.6 is 89.6, keeping the BMI boundary exact (heights/weights have 1 decimal).
    return value if isinstance(value, Decimal) else Decimal(str(value))


def _sentence(clauses: list[str]) -> str:
    text = clauses[0] if len(clauses) == 1 else ", ".join(clauses[:-1]) + " and " + clauses[-1]
    return text[0].upper() + text[1:] + "."


def _bp_clause(systolic: int | None, diastolic: int | None, limit_s: int, limit_d: int) -> str | None:
    high_s = systolic is not None and systolic >= limit_s
    high_d = diastolic is not None and diastolic >= limit_d
    if systolic is not None and diastolic is not None and (high_s or high_d):
        return f"reported blood pressure {systolic}/{diastolic} is at or above the {limit_s}/{limit_d} limit"
    if high_s:
        return f"reported systolic blood pressure {systolic} is at or above the {limit_s} limit"
    if high_d:
        return f"reported diastolic blood pressure {diastolic} is at or above the {limit_d} limit"
    return None


# --- Screening ------------------------------------------------------------------------------------


def screen(
    answers: Mapping[str, Any], *, today: datetime.date, policy: Policy | None = None
) -> ScreeningResult:
    """Apply screening-spec v1 to one referral's answers.

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

    # Deciding keys first, so applicability is read from valid values only.
    for key in ("sex_at_birth", "indication", "secondary_indications", "phq9"):
        if _given(answers, key):
            _validate(key, answers[key], today)
    for key in ("can_become_pregnant", "pc_ptsd5_exposed"):
        if key in applicable_keys(answers) and _given(answers, key):
            _validate(key, answers[key], today)
    applicable = applicable_keys(answers)
    indications = _indication_codes(answers)
    bipolar_indicated = "bipolar_depression" in indications

    values: dict[str, Any] = {}
    validated: dict[str, Any] = {}
    missing: list[str] = []
    for key in ANSWER_KEYS:
        if key == "bipolar_diagnosis" and bipolar_indicated:
            continue  # the indication decides it, whatever the answer (spec §3)
        safety_leftover = key == "asq" and key not in applicable and _given(answers, key)
        if key not in applicable and not safety_leftover:
            continue
        if not _given(answers, key):
            missing.append(key)
            continue
        values[key] = answers[key]
        validated[key] = _validate(key, answers[key], today)

    def answered(key: str) -> Any:
        return values.get(key)

    disabled = policy.disabled_rules
    hits: dict[str, list[tuple[str, str]]] = {}

    def fire(code: str, severity: str, clause: str) -> None:
        if code not in disabled:
            hits.setdefault(code, []).append((severity, clause))

    age = _age(values["date_of_birth"], today) if "date_of_birth" in values else None

    # Cohen2018 is silent on age; SpravatoPI not approved under 18; clinic policy [C]. screening-spec v1.
    if age is not None and age < policy.min_age:
        fire(AGE_UNDER_18, ABSOLUTE, f"age {age} is under the minimum age of {policy.min_age}")
    # Yale 2024 (BP surges rise with age). screening-spec v1.
    if age is not None and age >= policy.older_adult_age:
        fire(
            AGE_65_PLUS, RELATIVE, f"age {age} is at or above the older-adult age of {policy.older_adult_age}"
        )
    # KetalarPI-US; SpravatoPI. screening-spec v1.
    if answered("ketamine_allergy") == "yes":
        fire(KETAMINE_HYPERSENSITIVITY, ABSOLUTE, "the patient reports an allergy to ketamine or esketamine")
    elif answered("ketamine_allergy") == "unsure":
        fire(KETAMINE_HYPERSENSITIVITY, RELATIVE, "the patient is unsure about an allergy to ketamine")
    # KetalarPI-US emergence reactions. screening-spec v1.
    if answered("ketamine_bad_reaction") is True:
        fire(
            PRIOR_ADVERSE_REACTION_KETAMINE, RELATIVE, "the patient reports a bad reaction to ketamine before"
        )
    # Cohen2018; SpravatoPI embryo-fetal toxicity. screening-spec v1.
    if answered("pregnant") == "yes":
        fire(PREGNANCY_CURRENT, ABSOLUTE, "the patient reports being pregnant")
    elif answered("pregnant") == "unsure":
        fire(
            PREGNANCY_CURRENT,
            RELATIVE,
            "the patient is unsure whether they are pregnant, so a test is needed before clearance",
        )
    # SpravatoPI (do not breastfeed). screening-spec v1.
    if answered("breastfeeding") is True:
        fire(BREASTFEEDING, RELATIVE, "the patient is breastfeeding")
    # SpravatoPI contraindication; KetalarPI-US. screening-spec v1.
    if answered("aneurysm_or_avm") == "yes":
        fire(ANEURYSM_OR_AVM, ABSOLUTE, "the patient reports an aneurysm or arteriovenous malformation")
    elif answered("aneurysm_or_avm") == "unsure":
        fire(
            ANEURYSM_OR_AVM, RELATIVE, "the patient is unsure about an aneurysm or arteriovenous malformation"
        )
    # SpravatoPI contraindication; KetalarPI-UK. screening-spec v1.
    if answered("brain_bleed_history") is True:
        fire(INTRACEREBRAL_HEMORRHAGE_HISTORY, ABSOLUTE, "the patient reports past bleeding inside the brain")
    # Cohen2018 (poorly controlled CV disease); KetalarPI-UK. screening-spec v1.
    if answered("recent_cardiac_event") is True:
        fire(
            CV_UNSTABLE,
            ABSOLUTE,
            "the patient reports a heart attack, unstable angina, heart-failure admission, stroke or TIA "
            f"in the past {policy.cardiac_lookback_months} months",
        )

    # Cohen2018; KetalarPI-US; SpravatoPI 140/90; KetalarPI-CH 180/100 (research §2.6). screening-spec v1.
    systolic, diastolic = answered("bp_systolic"), answered("bp_diastolic")
    severe = _bp_clause(systolic, diastolic, policy.bp_severe_systolic, policy.bp_severe_diastolic)
    if severe:
        fire(BP_SEVERELY_ELEVATED, ABSOLUTE, severe)
    if answered("bp_told_uncontrolled") is True:
        fire(
            BP_SEVERELY_ELEVATED,
            ABSOLUTE,
            "the patient has been told their blood pressure is not under control",
        )
    elevated = _bp_clause(systolic, diastolic, policy.bp_elevated_systolic, policy.bp_elevated_diastolic)
    if elevated and BP_SEVERELY_ELEVATED not in hits:
        fire(BP_ELEVATED, RELATIVE, elevated)
    # Cohen2018 (ECG when CV risk). screening-spec v1.
    if answered("heart_conditions"):
        labels = dict(HEART_CONDITIONS)
        named = ", ".join(
            labels[code].lower() for code in _ordered(answered("heart_conditions"), HEART_CONDITIONS)
        )
        fire(CV_STABLE_DISEASE, RELATIVE, f"the patient reports a heart condition ({named})")

    # Cohen2018 (active psychosis); SpravatoPI. screening-spec v1.
    if answered("psychosis_current") is True:
        fire(PSYCHOSIS_ACTIVE, ABSOLUTE, "the patient reports current psychotic symptoms")
    # Cohen2018 vs SpravatoPI vs [P] programs disagree; the clinic chooses (research §2.6). screening-spec v1.
    if answered("psychosis_history") is True and answered("psychosis_current") is not True:
        fire(
            PSYCHOSIS_HISTORY,
            policy.psychosis_history_severity,
            "the patient reports a past psychotic illness",
        )
    # Trial exclusions [P]; Diazgranados 2010. screening-spec v1.
    if answered("mania_recent") is True:
        fire(MANIA_ACTIVE, ABSOLUTE, "the patient reports mania or hypomania in the past 2 weeks")
    # Diazgranados 2010. screening-spec v1.
    if bipolar_indicated:
        fire(BIPOLAR_DISORDER, RELATIVE, "bipolar depression is among the referral's indications")
    if answered("bipolar_diagnosis") is True or (
        bipolar_indicated and answers.get("bipolar_diagnosis") is True
    ):
        fire(BIPOLAR_DISORDER, RELATIVE, "the patient reports a bipolar disorder diagnosis")

    # Cohen2018 (avoid in severe hepatic impairment; caution and LFTs in moderate). screening-spec v1.
    liver = answered("liver_disease")
    if liver == "severe":
        fire(HEPATIC_SEVERE, ABSOLUTE, "the patient reports cirrhosis or liver failure")
    if HEPATIC_SEVERE not in hits:
        if liver == "severe":
            fire(HEPATIC_MODERATE, RELATIVE, "the patient reports cirrhosis or liver failure")
        elif liver == "other":
            fire(
                HEPATIC_MODERATE,
                RELATIVE,
                "the patient reports liver disease (hepatitis, fatty liver or other)",
            )
        if answered("alcohol_heavy") is True:
            fire(HEPATIC_MODERATE, RELATIVE, "the patient reports heavy alcohol use")
    # Cohen2018 (grade C). screening-spec v1.
    if answered("raised_icp") == "yes":
        fire(ICP_ELEVATED, ABSOLUTE, "the patient reports a condition raising pressure inside the skull")
    elif answered("raised_icp") == "unsure":
        fire(
            ICP_ELEVATED,
            RELATIVE,
            "the patient is unsure about a condition raising pressure inside the skull",
        )
    # Cohen2018 (raised IOP); KetalarPI-US. screening-spec v1.
    if answered("glaucoma") is True:
        fire(IOP_GLAUCOMA, RELATIVE, "the patient reports glaucoma or raised eye pressure")

    # Cohen2018 (no serial infusions with active abuse); CRTCE [P]. screening-spec v1.
    if answered("substance_problem_recent") is True:
        fire(
            SUD_ACTIVE,
            ABSOLUTE,
            "the patient reports a substance-use problem in the past "
            f"{policy.substance_lookback_months} months",
        )
    # Cohen2018; SpravatoPI (consider any history). screening-spec v1.
    if answered("substance_history") is True and answered("substance_problem_recent") is not True:
        fire(SUD_HISTORY, RELATIVE, "the patient reports a past substance-use problem")
    # SpravatoPI abuse/misuse; DEA1999. screening-spec v1.
    if answered("ketamine_nonmedical_use") is True:
        fire(
            KETAMINE_NONMEDICAL_USE,
            RELATIVE,
            "the patient reports using ketamine or similar drugs non-medically",
        )
    # KetalarPI-US (cystitis); SpravatoPI 5.9. screening-spec v1.
    if answered("ketamine_bladder_damage") is True:
        fire(KETAMINE_UROPATHY_HISTORY, ABSOLUTE, "the patient reports bladder damage linked to ketamine use")
    # SpravatoPI 5.9. screening-spec v1.
    if answered("bladder_symptoms") is True:
        fire(BLADDER_SYMPTOMS, RELATIVE, "the patient reports bladder pain or painful or urgent urination")
    # KetalarPI-CH (Swiss label) only. screening-spec v1.
    if answered("hyperthyroid_uncontrolled") is True:
        fire(
            HYPERTHYROID_UNCONTROLLED, RELATIVE, "the patient reports an overactive thyroid not under control"
        )
    # SpravatoPI cognitive impairment; Toronto [P]. screening-spec v1.
    if answered("memory_disorder") is True:
        fire(
            NEUROCOGNITIVE_DISORDER, RELATIVE, "the patient reports a memory disorder or lasting brain injury"
        )

    # SpravatoPI respiratory depression; Field Trip BMI > 35 [P]. screening-spec v1.
    if answered("sleep_apnea") is True:
        fire(
            AIRWAY_SLEEP_APNEA,
            RELATIVE,
            "the patient reports sleep apnea or breathing problems with sedation",
        )
    height, weight = answered("height_cm"), answered("weight_kg")
    if height is not None and weight is not None:
        bmi = _as_decimal(weight) * 10000 / (_as_decimal(height) ** 2)
        if bmi >= _as_decimal(policy.bmi_limit):
            fire(
                AIRWAY_SLEEP_APNEA,
                RELATIVE,
                f"BMI {bmi:.1f} (from {height} cm, {weight} kg) is at or above the {policy.bmi_limit} limit",
            )
    # KetalarPI-US; SpravatoPI (respiratory depression). screening-spec v1.
    if answered("home_oxygen") is True:
        fire(CHRONIC_LUNG_DISEASE_O2, RELATIVE, "the patient uses home oxygen or has severe lung disease")
    # KetalarPI-US (low weight). screening-spec v1.
    if answered("seizures") is True:
        fire(SEIZURE_RISK, NOTE, "the patient reports epilepsy or seizures")
    # KetalarPI-US; SpravatoPI; Andrade 2017; ASA 2023 / multi-society 2024 (GLP-1). screening-spec v1.
    labels = dict(MEDICATION_CLASSES)
    for medication in _ordered(answered("medications") or (), MEDICATION_CLASSES):
        code, severity = MEDICATION_FINDINGS[medication]
        fire(code, severity, f"the patient's medicines include: {labels[medication]}")
    # SpravatoPI; KetalarPI-UK (accompanied home). screening-spec v1.
    if answered("escort_available") == "no":
        fire(NO_ESCORT, ABSOLUTE, "the patient has no adult to take them home")
    elif answered("escort_available") == "not_yet":
        fire(NO_ESCORT, NOTE, "the patient has not yet arranged an adult to take them home")
    # screening-spec v1 §2.
    if missing:
        fire(INCOMPLETE_ANSWERS, NOTE, f"these applicable answers are missing: {', '.join(missing)}")

    findings = tuple(
        sorted(
            (
                Finding(
                    code=code,
                    severity=min((severity for severity, _ in fired), key=_SEVERITY_RANK.__getitem__),
                    gate=_RULE_GATES[code],
                    reason=_sentence([clause for _, clause in fired]),
                )
                for code, fired in hits.items()
            ),
            key=lambda finding: (_SEVERITY_RANK[finding.severity], finding.code),
        )
    )

    # Scores (spec §2): phq9 and asq whenever present; pc_ptsd5 whenever exposure is answered.
    scores: dict[str, scoring.Score] = {}
    if "phq9" in validated:
        scores["phq9"] = validated["phq9"]
    if "gad7" in validated:
        scores["gad7"] = validated["gad7"]
    if "pc_ptsd5_exposed" in values:
        if values["pc_ptsd5_exposed"]:
            if "pc_ptsd5" in values:
                scores["pc_ptsd5"] = scoring.pc_ptsd5(True, values["pc_ptsd5"], policy.pc_ptsd5_cutoff)
        else:
            scores["pc_ptsd5"] = scoring.pc_ptsd5(False, (), policy.pc_ptsd5_cutoff)
    if all(key in values for key in _PAIN_KEYS):
        scores["pain_nrs"] = scoring.pain_nrs(*(values[key] for key in _PAIN_KEYS))
    if "asq" in validated:
        scores["asq"] = validated["asq"]

    # Urgent safety (spec §5): Simon 2013 (PHQ-9 item 9); NIMH ASQ. Item 9 = 0 never means safe.
    urgent_safety = ("phq9" in scores and scores["phq9"].item9 >= 1) or (
        "asq" in scores and scores["asq"].positive
    )

    # Required steps (spec §6): Cohen2018 (ECG, LFTs); SpravatoPI (pregnancy); Sanacora2017 (urine tox).
    required: set[str] = set()
    if (
        answered("heart_conditions")
        or answered("recent_cardiac_event") is True
        or (age is not None and age >= policy.ecg_age)
    ):
        required.add(STEP_ECG)
    if liver in ("severe", "other") or answered("alcohol_heavy") is True:
        required.add(STEP_LABS_LFT)
    if "can_become_pregnant" in applicable and answered("can_become_pregnant") in ("yes", "unsure", None):
        required.add(STEP_PREGNANCY_TEST)
    if any(
        answered(key) is True
        for key in ("substance_problem_recent", "substance_history", "ketamine_nonmedical_use")
    ):
        required.add(STEP_URINE_DRUG_SCREEN)
    if is_mental_health(answers) or urgent_safety:
        required.add(STEP_SUICIDE_RISK_SCREEN)
    if any(f.code in _SPECIALIST_CODES and f.severity == RELATIVE for f in findings):
        required.add(STEP_SPECIALIST_CLEARANCE)

    return ScreeningResult(
        findings=findings,
        scores=MappingProxyType(scores),
        urgent_safety=urgent_safety,
        required_steps=frozenset(required),
    )


def _ordered(codes: Iterable[str], choices: tuple[tuple[str, str], ...]) -> list[str]:
    chosen = set(codes)
    return [code for code, _ in choices if code in chosen]
