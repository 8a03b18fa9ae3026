"""The codes of screening-spec v4, section by section: severities and gates (§2, §4), the answers' choices
(§3), the finding codes (§4.2), the clearance steps' kinds and conditions (§6) and the indications (§7).

Staff read the short label beside a choice code (in a finding's reason or on the review page); the
patient-facing wording of every choice lives in the forms.
"""

# --- §2, §4: how serious a finding is, and what it holds up ----------------------------------------

ABSOLUTE = "absolute"
RELATIVE = "relative"
NOTE = "note"

CLEARANCE = "clearance"
SCHEDULING = "scheduling"

# --- §3: the answers' choice codes ----------------------------------------------------------------------

SEX_AT_BIRTH: tuple[str, ...] = ("female", "male", "intersex")
YES_NO_UNSURE: tuple[str, ...] = ("yes", "no", "unsure")
LIVER_DISEASE: tuple[str, ...] = ("none", "severe", "other")
ESCORT: tuple[str, ...] = ("yes", "no", "not_yet")
HEART_CONDITIONS: tuple[tuple[str, str], ...] = (
    ("coronary", "Coronary artery disease"),
    ("past_heart_attack", "Past heart attack"),
    ("heart_failure", "Heart failure"),
    ("arrhythmia", "Irregular heartbeat (arrhythmia)"),
    ("valve", "Heart valve disease"),
    ("device", "Pacemaker or defibrillator"),
    ("stroke_tia", "Stroke or TIA (longer ago than the cardiac look-back)"),
    ("peripheral_arterial", "Peripheral arterial disease"),
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
    ("addiction_medicine", "Buprenorphine, methadone or naltrexone for opioid or alcohol use disorder"),
)

# --- §4.2: finding codes ---------------------------------------------------------------------------------

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
BIPOLAR_NO_MOOD_STABILIZER = "bipolar_no_mood_stabilizer"
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
MED_ADDICTION_TREATMENT = "med_addiction_treatment"
NO_ESCORT = "no_escort"
INCOMPLETE_ANSWERS = "incomplete_answers"

# --- §6: clearance steps: who completes them, when they apply, and the ones `screen` may require --------

ADMINISTRATIVE = "administrative"
CLINICAL = "clinical"

ALWAYS = "always"
SELF_REFERRAL = "self_referral"
REQUIRED_STEPS = "required_steps"

STEP_ECG = "ecg"
STEP_LABS_LFT = "labs_lft"
STEP_PREGNANCY_TEST = "pregnancy_test"
STEP_URINE_DRUG_SCREEN = "urine_drug_screen"
STEP_SUICIDE_RISK_SCREEN = "suicide_risk_screen"
STEP_SPECIALIST_CLEARANCE = "specialist_clearance"

# --- §7: indications, with the name staff read -----------------------------------------------------------

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
# Group membership; `other` belongs to both groups.
PAIN_INDICATIONS: frozenset[str] = frozenset(code for code, _ in PAIN_INDICATION_CHOICES) | {OTHER_INDICATION}
MENTAL_HEALTH_INDICATIONS: frozenset[str] = frozenset(
    code for code, _ in MENTAL_HEALTH_INDICATION_CHOICES
) | {OTHER_INDICATION}
