"""Valid posts for every intake step, for the wizard tests, the browser tests and the load bench."""

PHQ9_NONE = {f"phq9_{n}": "0" for n in range(1, 10)}


def step_data(indication: str = "crps", **overrides) -> dict[str, dict[str, object]]:
    """One complete, healthy self-referral, keyed by step; override with step__field=value."""
    steps: dict[str, dict[str, object]] = {
        "about": {
            "first_name": "Avery",
            "last_name": "Testpatient",
            "date_of_birth": "1981-04-12",
            "sex_at_birth": "male",
            "email": "avery@example.com",
            "phone": "(555) 010-0123",
            "preferred_contact": "phone",
            "voicemail_ok": "yes",
            "texts_ok": "yes",
            "emergency_name": "Jordan Testpatient",
            "emergency_relationship": "Sibling",
            "emergency_phone": "555-010-0124",
        },
        "reason": {
            "indication": indication,
            "duration": "1_to_5_years",
            "treatments_tried": "Physical therapy and nerve blocks.",
        },
        "depression": {
            "antidepressant_trials": "2",
            "augmentation": "yes",
            "ect": "no",
            "tms": "no",
            "prior_ketamine": "none",
            "therapy": "yes",
        },
        "health": {
            "can_become_pregnant": "no",
            "breastfeeding": "no",
            "height_feet": "5",
            "height_inches": "10",
            "weight_pounds": "170",
            "bp_systolic": "122",
            "bp_diastolic": "78",
            "bp_told_uncontrolled": "no",
            "cardiac_heart_attack": "no",
            "cardiac_chest_pain": "no",
            "cardiac_heart_failure": "no",
            "cardiac_stroke": "no",
            "aneurysm_or_avm": "no",
            "brain_bleed_history": "no",
            "raised_icp": "no",
            "glaucoma": "no",
            "sleep_apnea": "no",
            "home_oxygen": "no",
            "seizures": "no",
            "hyperthyroid_uncontrolled": "no",
            "liver_disease": "none",
            "bladder_symptoms": "no",
            "memory_disorder": "no",
        },
        "health_mind": {
            "psychosis_current": "no",
            "psychosis_history": "no",
            "mania_recent": "no",
            "bipolar_diagnosis": "no",
            "mood_stabilizer_current": "yes",  # asked of bipolar referrals only; dropped otherwise
            "alcohol_heavy": "no",
            "substance_problem_recent": "no",
            "substance_history": "no",
            "ketamine_nonmedical_use": "no",
            "ketamine_bladder_damage": "no",
            "ketamine_allergy": "no",
            "ketamine_bad_reaction": "no",
        },
        "medications": {"medication_list": "Ibuprofen 400 mg as needed", "allergies": "None"},
        "mood": {**PHQ9_NONE, "phq9_difficulty": "1"},
        "safety": {"asq_q1": "no", "asq_q2": "no", "asq_q3": "no", "asq_q4": "no"},
        "more": {
            **{f"gad7_{n}": "1" for n in range(1, 8)},
            "pc_ptsd5_exposed": "yes",
            **{f"pc_ptsd5_{n}": "yes" for n in range(1, 6)},
            "pain_current": "6",
            "pain_average": "7",
            "pain_worst": "9",
        },
        "practical": {"escort_available": "yes", "payment": "self_pay"},
        "consent": {"accurate": "on", "privacy": "on", "electronic": "on", "signature": "Avery Testpatient"},
    }
    for key, value in overrides.items():
        step, _, field = key.partition("__")
        if value is None:
            steps[step].pop(field, None)
        else:
            steps[step][field] = value
    return steps
