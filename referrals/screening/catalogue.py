"""What staff read about each rule and clearance step (screening-spec v4 §4.2, §6): title, help, source.

These tables seed the clinic's editable rule and step rows; the logic that fires a rule lives in
`engine.py`, under the same code and in the same order.
"""

from typing import NamedTuple

from referrals.screening import codes as c


class Rule(NamedTuple):
    code: str
    title: str
    severity_text: str  # the default severity, in words, for the rule table
    gate: str
    help_text: str  # for staff, with its source


class ClearanceStep(NamedTuple):
    step_id: str
    title: str
    help_text: str  # for staff (clinical-research §1.2)
    gate: str
    kind: str
    condition: str  # always, self_referral (the app decides) or required_steps (`screen` decides)


# --- §4.2: the rules ---------------------------------------------------------------------------------

# fmt: off
RULES: tuple[Rule, ...] = (
    Rule(c.AGE_UNDER_18, "Under the minimum age", "absolute", c.CLEARANCE,
        "Age below the clinic's minimum (default 18). Source: clinic policy [C]; Spravato is not approved"
        " under 18 (SpravatoPI)."),
    Rule(c.AGE_65_PLUS, "Older adult", "relative", c.CLEARANCE,
        "Age at or above the older-adult age (default 65): blood-pressure surges are larger with age; "
        "plan extra BP monitoring. Source: Yale 2024 infusion cohort; 741-infusion cohort."),
    Rule(c.KETAMINE_HYPERSENSITIVITY, "Ketamine or esketamine allergy", "absolute / relative (unsure)",
        c.CLEARANCE,
        "Reported allergy to ketamine or esketamine; an unsure answer needs review. Source: KetalarPI-US,"
        " SpravatoPI."),
    Rule(c.PRIOR_ADVERSE_REACTION_KETAMINE, "Prior bad reaction to ketamine", "relative", c.CLEARANCE,
        "Severe agitation, prolonged hallucinations, very high BP or breathing problems with ketamine "
        "before. Source: KetalarPI-US (emergence reactions)."),
    Rule(c.PREGNANCY_CURRENT, "Pregnancy", "absolute / relative (unsure)", c.CLEARANCE,
        "Pregnant, or unsure (a pregnancy test is needed before scheduling). Source: Cohen2018 (avoid in pregnancy); SpravatoPI "
        "(embryo-fetal toxicity)."),
    Rule(c.BREASTFEEDING, "Breastfeeding", "relative", c.CLEARANCE,
        "Currently breastfeeding; most programs defer. Source: SpravatoPI (do not breastfeed)."),
    Rule(c.ANEURYSM_OR_AVM, "Aneurysm or AVM", "absolute / relative (unsure)", c.CLEARANCE,
        "Aneurysmal vascular disease or arteriovenous malformation. Source: SpravatoPI contraindication; "
        "KetalarPI-US (BP rise a serious hazard)."),
    Rule(c.INTRACEREBRAL_HEMORRHAGE_HISTORY, "History of bleeding in the brain", "absolute", c.CLEARANCE,
        "History of intracerebral hemorrhage. Source: SpravatoPI contraindication; KetalarPI-UK (CVA)."),
    Rule(c.CV_UNSTABLE, "Recent cardiac event", "absolute", c.CLEARANCE,
        "Heart attack, unstable angina, heart-failure admission, stroke or TIA within the cardiac look-"
        "back (default 6 months). Source: Cohen2018 (poorly controlled CV disease: do not use); "
        "KetalarPI-UK."),
    Rule(c.BP_SEVERELY_ELEVATED, "Blood pressure severely elevated", "absolute", c.CLEARANCE,
        "Reading at or above the severe limit (default 160/100) or told BP is not under control. Source: "
        "Cohen2018; KetalarPI-US; clinic choice between SpravatoPI 140/90 and the Swiss label's 180/100 "
        "(research §2.6)."),
    Rule(c.BP_ELEVATED, "Blood pressure elevated", "relative", c.CLEARANCE,
        "Reading at or above the elevated limit (default 140/90) but not severely elevated. Source: "
        "SpravatoPI general guide >140/90; ACC/AHA 2017 stage 2."),
    Rule(c.CV_STABLE_DISEASE, "Known heart or blood vessel condition", "relative", c.CLEARANCE,
        "Any heart condition, an older stroke or TIA, or peripheral arterial disease: require an ECG and "
        "consider cardiology. Source: Cohen2018 (ECG when CV risk); SpravatoPI (cerebrovascular and "
        "cardiovascular risk)."),
    Rule(c.PSYCHOSIS_ACTIVE, "Active psychosis", "absolute", c.CLEARANCE,
        "Current hallucinations or fixed false beliefs. Source: Cohen2018 (avoid with active psychosis); "
        "SpravatoPI."),
    Rule(c.PSYCHOSIS_HISTORY, "History of psychosis", "relative (a clinic may choose absolute)", c.CLEARANCE,
        "Past psychotic illness or psychotic depression. Sources disagree: Cohen2018 names only active "
        "psychosis; SpravatoPI says weigh benefit and risk; some programs exclude any history [P]."),
    Rule(c.MANIA_ACTIVE, "Recent mania", "absolute", c.CLEARANCE,
        "Mania or hypomania in the past 2 weeks; ketamine can precipitate mania. Source: trial exclusions"
        " [P]; Diazgranados 2010."),
    Rule(c.BIPOLAR_DISORDER, "Bipolar disorder", "relative", c.CLEARANCE,
        "Bipolar diagnosis (or a bipolar-depression referral): check mood-stabilizer status. Source: "
        "Diazgranados 2010."),
    Rule(c.BIPOLAR_NO_MOOD_STABILIZER, "Bipolar disorder without a mood stabilizer", "relative", c.CLEARANCE,
        "Bipolar disorder and no lithium, valproate, carbamazepine or antipsychotic for mood now "
        "(lamotrigine alone does not count): risk of a switch into mania. Source: Diazgranados 2010 "
        "(participants kept on lithium or valproate); research §2.3."),
    Rule(c.HEPATIC_SEVERE, "Severe liver disease", "absolute", c.CLEARANCE,
        "Cirrhosis or liver failure. Source: Cohen2018 (avoid in severe hepatic impairment)."),
    Rule(c.HEPATIC_MODERATE, "Liver disease or heavy alcohol use", "relative", c.CLEARANCE,
        "Other liver disease or heavy drinking: require LFTs. Source: Cohen2018 (caution in moderate "
        "disease; LFTs)."),
    Rule(c.ICP_ELEVATED, "Raised intracranial pressure", "absolute / relative (unsure)", c.CLEARANCE,
        "A condition raising pressure inside the skull. Source: Cohen2018 (grade C)."),
    Rule(c.IOP_GLAUCOMA, "Glaucoma or raised eye pressure", "relative", c.CLEARANCE,
        "Glaucoma or high eye pressure; uncontrolled or angle-closure needs ophthalmology. Source: "
        "Cohen2018 (raised IOP); KetalarPI-US."),
    Rule(c.SUD_ACTIVE, "Active substance-use problem", "absolute", c.CLEARANCE,
        "Substance-use problem within the substance look-back (default 3 months). Source: Cohen2018 (no "
        "serial infusions with active abuse); CRTCE [P]."),
    Rule(c.SUD_HISTORY, "History of substance-use problem", "relative", c.CLEARANCE,
        "Past (not active) alcohol or drug problem. Source: Cohen2018 (universal precautions); "
        "SpravatoPI."),
    Rule(c.KETAMINE_NONMEDICAL_USE, "Non-medical ketamine use", "relative", c.CLEARANCE,
        "Ketamine, PCP or similar drugs used outside medical care (high weight). Source: SpravatoPI "
        "abuse/misuse; DEA1999."),
    Rule(c.KETAMINE_UROPATHY_HISTORY, "Ketamine-related bladder damage", "absolute", c.CLEARANCE,
        "Bladder damage linked to ketamine use. Source: KetalarPI-US (cystitis with chronic use); "
        "SpravatoPI 5.9."),
    Rule(c.BLADDER_SYMPTOMS, "Bladder symptoms", "relative", c.CLEARANCE,
        "Interstitial cystitis or painful/urgent urination; consider baseline urinalysis. Source: "
        "SpravatoPI 5.9."),
    Rule(c.HYPERTHYROID_UNCONTROLLED, "Uncontrolled overactive thyroid", "relative", c.CLEARANCE,
        "Uncontrolled hyperthyroidism. Sources disagree: contraindicated in KetalarPI-CH (Swiss label) "
        "only."),
    Rule(c.NEUROCOGNITIVE_DISORDER, "Memory disorder or brain injury", "relative", c.CLEARANCE,
        "Dementia, memory disorder or symptomatic brain injury. Source: SpravatoPI (cognitive "
        "impairment); Toronto Ketamine Clinic [P]."),
    Rule(c.AIRWAY_SLEEP_APNEA, "Sleep apnea or airway risk", "relative", c.CLEARANCE,
        "Sleep apnea, breathing problems with sedation, or BMI at or above the limit (default 35). "
        "Source: SpravatoPI (respiratory depression); Field Trip protocol BMI > 35 [P]."),
    Rule(c.CHRONIC_LUNG_DISEASE_O2, "Home oxygen or severe lung disease", "relative", c.CLEARANCE,
        "Sedation and respiratory-depression risk. Source: KetalarPI-US, SpravatoPI."),
    Rule(c.SEIZURE_RISK, "Seizures", "note", c.CLEARANCE,
        "Epilepsy or seizures; low weight. Source: KetalarPI-US (movements resembling seizures)."),
    Rule(c.THEOPHYLLINE_AMINOPHYLLINE, "Takes theophylline or aminophylline", "absolute", c.CLEARANCE,
        "Do not co-administer (seizure threshold). Source: KetalarPI-US drug interactions."),
    Rule(c.MED_BENZODIAZEPINE, "Takes a benzodiazepine", "note", c.CLEARANCE,
        "Additive sedation; may blunt antidepressant response; never stop chronic use abruptly. Source: "
        "KetalarPI-US; Andrade 2017; Front Psychiatry 2020."),
    Rule(c.MED_LAMOTRIGINE, "Takes lamotrigine", "note", c.CLEARANCE,
        "May reduce some ketamine effects; some clinics hold 24 h. Source: Andrade 2017."),
    Rule(c.MED_MAOI, "Takes an MAO inhibitor", "note", c.CLEARANCE,
        "Blood-pressure increase; monitor BP closely. Source: SpravatoPI."),
    Rule(c.MED_PSYCHOSTIMULANT, "Takes a psychostimulant", "note", c.CLEARANCE,
        "Blood-pressure increase; clinics often hold the morning dose. Source: SpravatoPI."),
    Rule(c.MED_OPIOID_CNS_DEPRESSANT, "Takes an opioid or other sedative", "note", c.CLEARANCE,
        "Profound sedation or respiratory depression; opioids prolong recovery. Source: KetalarPI-US."),
    Rule(c.MED_SYMPATHOMIMETIC, "Takes a sympathomimetic", "note", c.CLEARANCE,
        "BP and heart-rate rise; monitor vitals. Source: KetalarPI-US."),
    Rule(c.MED_GLP1_RA, "Takes a GLP-1 medicine", "note", c.CLEARANCE,
        "Delayed gastric emptying (aspiration under sedation); apply the October 2024 multi-society "
        "guidance. Source: ASA 2023; multi-society guidance 2024."),
    Rule(c.MED_ANTIHYPERTENSIVE, "Takes blood-pressure medicine", "note", c.CLEARANCE,
        "Usually continued on infusion day. Source: J&J medical information (Spravato trials)."),
    Rule(c.MED_ADDICTION_TREATMENT, "Takes buprenorphine, methadone or naltrexone", "note", c.CLEARANCE,
        "Treatment for opioid or alcohol use disorder: stable treatment is not an active substance-use "
        "problem (DSM-5); plan a urine drug screen; naltrexone may blunt opioid pain relief. Source: "
        "screening-spec v4; KetalarPI-US (opioids)."),
    Rule(c.NO_ESCORT, "No escort home", "absolute (no) / note (not yet)", c.SCHEDULING,
        "An adult must take the patient home; resolved by completing escort_arranged. Source: SpravatoPI;"
        " KetalarPI-UK."),
    Rule(c.INCOMPLETE_ANSWERS, "Incomplete answers", "note", c.CLEARANCE,
        "Some questions that apply were not answered; ask at consult. Source: screening-spec v4 §2."),)
# fmt: on
RULE_CODES: frozenset[str] = frozenset(rule.code for rule in RULES)
RULE_GATES: dict[str, str] = {rule.code: rule.gate for rule in RULES}

# --- §6: the clearance steps ---------------------------------------------------------------------------

# fmt: off
CLEARANCE_STEPS: tuple[ClearanceStep, ...] = (
    ClearanceStep("referral_received", "Referral received",
        "Referral or self-referral received; completeness triage.",
        c.CLEARANCE, c.ADMINISTRATIVE, c.ALWAYS),
    ClearanceStep("eligibility_age", "Age eligibility",
        "Confirm the patient meets the clinic's minimum age (default 18).",
        c.CLEARANCE, c.ADMINISTRATIVE, c.ALWAYS),
    ClearanceStep("roi_authorization", "Release-of-information authorization",
        "Patient-signed HIPAA authorization to obtain outside records and talk to the PCP and "
        "psychiatrist.",
        c.CLEARANCE, c.ADMINISTRATIVE, c.SELF_REFERRAL),
    ClearanceStep("records_received", "Outside records received",
        "Mood: psychiatric notes documenting diagnosis and medication trials. Pain: pain-specialist "
        "notes, diagnosis, prior procedures.",
        c.CLEARANCE, c.ADMINISTRATIVE, c.ALWAYS),
    ClearanceStep("initial_consult", "Initial consult",
        "Face-to-face consult with the prescribing clinician (H&P, goals, plan).",
        c.CLEARANCE, c.CLINICAL, c.ALWAYS),
    ClearanceStep("medical_history_review", "Medical history review",
        "Cardiac, vascular (aneurysm/AVM/ICH), hepatic, neuro (ICP), eye (IOP), thyroid, urologic, "
        "airway/OSA, allergies, prior anesthesia or ketamine reactions.",
        c.CLEARANCE, c.CLINICAL, c.ALWAYS),
    ClearanceStep("psychiatric_evaluation", "Psychiatric evaluation",
        "Full diagnostic assessment for mental-health referrals; a focused screen (psychosis, substance "
        "use, depression, suicidality) otherwise.",
        c.CLEARANCE, c.CLINICAL, c.ALWAYS),
    ClearanceStep("baseline_measures", "Baseline measures",
        "Baseline scales: PHQ-9, GAD-7, PTSD screen as relevant; pain NRS for pain.",
        c.CLEARANCE, c.CLINICAL, c.ALWAYS),
    ClearanceStep("vitals_baseline", "Baseline vitals",
        "BP (seated, repeated if high), HR, SpO2, weight and height (weight is needed for mg/kg dosing).",
        c.CLEARANCE, c.CLINICAL, c.ALWAYS),
    ClearanceStep("med_reconciliation", "Medication reconciliation",
        "Full medication list incl. OTC and supplements; flag interacting drugs; prescriber writes "
        "hold/adjust instructions.",
        c.CLEARANCE, c.CLINICAL, c.ALWAYS),
    ClearanceStep("contraindication_review", "Contraindication review",
        "Clinician reviews the screening findings and records a decision.",
        c.CLEARANCE, c.CLINICAL, c.ALWAYS),
    ClearanceStep(c.STEP_ECG, "12-lead ECG",
        "Known or suspected cardiovascular disease, recent cardiac event, or age at or above the ECG age "
        "(default 50).",
        c.CLEARANCE, c.CLINICAL, c.REQUIRED_STEPS),
    ClearanceStep(c.STEP_LABS_LFT, "Liver function tests",
        "Liver disease or heavy alcohol use; baseline and repeat during the series.",
        c.CLEARANCE, c.CLINICAL, c.REQUIRED_STEPS),
    ClearanceStep(c.STEP_PREGNANCY_TEST, "Pregnancy test",
        "Urine hCG for a person who can or may be able to become pregnant, on the day of the first "
        "infusion.",
        c.SCHEDULING, c.CLINICAL, c.REQUIRED_STEPS),
    ClearanceStep(c.STEP_URINE_DRUG_SCREEN, "Urine drug screen",
        "Urine toxicology when substance use, or treatment with buprenorphine, methadone or naltrexone, "
        "is reported.",
        c.CLEARANCE, c.CLINICAL, c.REQUIRED_STEPS),
    ClearanceStep(c.STEP_SUICIDE_RISK_SCREEN, "Suicide risk screen",
        "C-SSRS screener or ASQ: mental-health referrals always; others when PHQ-9 item 9 or the ASQ is "
        "positive.",
        c.CLEARANCE, c.CLINICAL, c.REQUIRED_STEPS),
    ClearanceStep(c.STEP_SPECIALIST_CLEARANCE, "Specialist clearance",
        "Cardiology, ophthalmology, hepatology, endocrinology etc. for a heart, eye, liver or thyroid "
        "finding.",
        c.CLEARANCE, c.CLINICAL, c.REQUIRED_STEPS),
    ClearanceStep("informed_consent", "Informed consent",
        "Signed consent: off-label status, effects, risks, alternatives, schedule, driving restriction, "
        "right to stop.",
        c.SCHEDULING, c.CLINICAL, c.ALWAYS),
    ClearanceStep("treatment_plan", "Treatment plan",
        "Dose plan, response criteria, defined endpoint, follow-up and maintenance plan.",
        c.SCHEDULING, c.CLINICAL, c.ALWAYS),
    ClearanceStep("escort_arranged", "Escort arranged",
        "Named responsible adult takes the patient home; no driving until the next day after sleep.",
        c.SCHEDULING, c.ADMINISTRATIVE, c.ALWAYS),
    ClearanceStep("npo_instructions", "Fasting instructions",
        "Fasting instructions given and acknowledged.",
        c.SCHEDULING, c.ADMINISTRATIVE, c.ALWAYS),
    ClearanceStep("payment_clearance", "Payment clearance",
        "Insurance verification or prior authorization, or self-pay with a written Good Faith Estimate.",
        c.SCHEDULING, c.ADMINISTRATIVE, c.ALWAYS),)
# fmt: on
