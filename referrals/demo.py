"""Fictional referrals for development (`manage.py seed_demo`) and tests, made through workflow.py.

Every person here is invented: example.com addresses and 555-01xx phone numbers.
"""

import uuid
from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.utils import timezone

from referrals import questionnaires, workflow
from referrals.models import ClearanceItem, Finding, Referral

S = Referral.Status
DEMO_NAMESPACE = uuid.UUID("5b0e4a52-7f0e-4c61-9d1a-2f3c8e1d0a77")

HEALTHY_ANSWERS: dict[str, Any] = {
    "date_of_birth": date(1981, 4, 12),
    "sex_at_birth": "male",
    "indication": "crps",
    "secondary_indications": [],
    "bp_systolic": 122,
    "bp_diastolic": 78,
    "bp_told_uncontrolled": False,
    "ketamine_allergy": "no",
    "ketamine_bad_reaction": False,
    "aneurysm_or_avm": "no",
    "brain_bleed_history": False,
    "recent_cardiac_event": False,
    "heart_conditions": [],
    "psychosis_current": False,
    "psychosis_history": False,
    "mania_recent": False,
    "bipolar_diagnosis": False,
    "liver_disease": "none",
    "alcohol_heavy": False,
    "raised_icp": "no",
    "glaucoma": False,
    "substance_problem_recent": False,
    "substance_history": False,
    "ketamine_nonmedical_use": False,
    "ketamine_bladder_damage": False,
    "bladder_symptoms": False,
    "hyperthyroid_uncontrolled": False,
    "memory_disorder": False,
    "sleep_apnea": False,
    "home_oxygen": False,
    "seizures": False,
    "height_cm": 178.0,
    "weight_kg": 77.1,
    "medications": [],
    "escort_available": "yes",
    "phq9": [0, 0, 0, 0, 0, 0, 0, 0, 0],
    "pain_current": 6,
    "pain_average": 7,
    "pain_worst": 9,
}

SECTIONS = [
    (
        "about",
        "About you",
        ["date_of_birth", "sex_at_birth", "can_become_pregnant", "pregnant", "breastfeeding"],
    ),
    ("reason", "Why you are being referred", ["indication", "secondary_indications"]),
    (
        "health",
        "Your health",
        [
            "bp_systolic",
            "bp_diastolic",
            "bp_told_uncontrolled",
            "recent_cardiac_event",
            "heart_conditions",
            "aneurysm_or_avm",
            "brain_bleed_history",
            "raised_icp",
            "glaucoma",
            "sleep_apnea",
            "home_oxygen",
            "seizures",
            "hyperthyroid_uncontrolled",
            "liver_disease",
            "bladder_symptoms",
            "memory_disorder",
            "height_cm",
            "weight_kg",
        ],
    ),  # fmt: skip
    (
        "health_mind",
        "Mind, alcohol and drugs",
        [
            "psychosis_current",
            "psychosis_history",
            "mania_recent",
            "bipolar_diagnosis",
            "mood_stabilizer_current",
            "alcohol_heavy",
            "substance_problem_recent",
            "substance_history",
            "ketamine_nonmedical_use",
            "ketamine_bladder_damage",
            "ketamine_allergy",
            "ketamine_bad_reaction",
        ],
    ),  # fmt: skip
    ("medications", "Medicines", ["medications"]),
    ("mood", "Mood questions (PHQ-9)", ["phq9"]),
    ("safety", "Safety questions (ASQ)", ["asq"]),
    (
        "more",
        "More questionnaires",
        ["gad7", "pc_ptsd5_exposed", "pc_ptsd5", "pain_current", "pain_average", "pain_worst"],
    ),
    ("practical", "Getting to your appointments", ["escort_available"]),
]


def _display(value: Any) -> str:
    if value is True:
        return "Yes"
    if value is False:
        return "No"
    if value is None or value == [] or value == "":
        return "Not answered"
    if isinstance(value, date):
        return value.strftime("%m/%d/%Y")
    if isinstance(value, list):
        return "; ".join(_display(v) for v in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {_display(v)}" for k, v in value.items())
    return str(value).replace("_", " ")


def summary_for(answers: dict[str, Any]) -> list[dict]:
    """A summary shaped like the wizard's (sections of question and answer rows)."""
    sections = []
    for step, title, keys in SECTIONS:
        rows = [
            {"question": key.replace("_", " ").capitalize(), "answer": _display(answers[key])}
            for key in keys
            if key in answers
        ]
        if rows:
            sections.append({"step": step, "title": title, "rows": rows, "complete": True})
    return sections


def answers_with(**overrides: Any) -> dict[str, Any]:
    answers = {**HEALTHY_ANSWERS, **overrides}
    # None removes a key, except where spec §3 allows None ("not known").
    nullable = {"bp_systolic", "bp_diastolic", "height_cm", "weight_kg"}
    return {key: value for key, value in answers.items() if value is not None or key in nullable}


def staff_user(username: str, group: str):
    """A staff member in a role group (created when missing)."""
    user, created = get_user_model().objects.get_or_create(
        username=username, defaults={"is_staff": True, "email": f"{username}@clinic.example.com"}
    )
    if created:
        user.set_unusable_password()
        user.save()
    user.groups.add(Group.objects.get(name=group))
    return get_user_model().objects.get(pk=user.pk)  # a fresh object: no stale permission cache


def submit(
    *,
    first_name: str = "Avery",
    last_name: str = "Example",
    email: str = "avery@example.com",
    phone: str = "(555) 010-0123",
    key: str | None = None,
    today: date | None = None,
    language: str = "en",
    preferred_language: str = "",
    **answer_overrides: Any,
) -> Referral:
    """A submitted self-referral with the given answers (healthy unless overridden).

    `language` is the one the patient's forms were completed in ("es": staff see the "Completed in
    Spanish" badge); the summary staff read is in English either way, as the wizard stores it.
    """
    answers = answers_with(**answer_overrides)
    token = uuid.uuid5(DEMO_NAMESPACE, key) if key else uuid.uuid4()
    return workflow.submit_referral(
        submission_token=token,
        identity={
            "first_name": first_name,
            "last_name": last_name,
            "date_of_birth": answers["date_of_birth"],
            "email": email,
            "phone": phone,
        },
        answers=answers,
        details={"summary": summary_for(answers), "medication_list": "None", "allergies": "None"},
        today=today or timezone.localdate(),
        questionnaire_version=questionnaires.DEFAULT_VERSION,
        language=language,
        preferred_language=preferred_language,
    )


def provider_referral(
    *,
    first_name: str = "Jordan",
    last_name: str = "Example",
    email: str = "jordan@example.com",
    phone: str = "(555) 010-0131",
    date_of_birth: date = date(1975, 9, 3),
    indication: str = "trd",
    key: str | None = None,
) -> tuple[Referral, str]:
    token = uuid.uuid5(DEMO_NAMESPACE, key) if key else uuid.uuid4()
    return workflow.create_provider_referral(
        submission_token=token,
        referrer={
            "name": "Dr. Morgan Example",
            "credentials": "MD",
            "npi": "1234567893",
            "practice": "Example Family Practice",
            "phone": "(555) 010-0150",
            "fax": "(555) 010-0151",
            "email": "dr.morgan@example.com",
        },
        identity={
            "first_name": first_name,
            "last_name": last_name,
            "date_of_birth": date_of_birth,
            "email": email,
            "phone": phone,
        },
        provider_details={
            "indication": indication,
            "secondary_indications": [],
            "icd10_codes": ["F33.2"],
            "reason": "Two adequate antidepressant trials without remission.",
            "urgency": "routine",
        },
    )


def complete_provider_referral(
    referral: Referral, *, key: str | None = None, **answer_overrides: Any
) -> Referral:
    """The patient answers the health questions of a provider referral (differences flagged for staff)."""
    answers = answers_with(**{"indication": referral.indication or "trd", **answer_overrides})
    identity = {
        "first_name": referral.first_name,
        "last_name": referral.last_name,
        "date_of_birth": answers["date_of_birth"],
        "email": referral.email,
        "phone": referral.phone,
    }
    differences = []
    if answers["date_of_birth"] != referral.date_of_birth:
        differences.append(
            {
                "field": "date_of_birth",
                "label": "Date of birth",
                "provider": referral.date_of_birth.strftime("%m/%d/%Y"),
                "patient": answers["date_of_birth"].strftime("%m/%d/%Y"),
            }
        )
    if answers["indication"] != referral.indication:
        differences.append(
            {
                "field": "indication",
                "label": "Main reason for referral",
                "provider": referral.indication,
                "patient": answers["indication"],
            }
        )
    return workflow.submit_referral(
        submission_token=uuid.uuid5(DEMO_NAMESPACE, key) if key else uuid.uuid4(),
        identity=identity,
        answers=answers,
        details={"summary": summary_for(answers)},
        today=timezone.localdate(),
        questionnaire_version=questionnaires.DEFAULT_VERSION,
        referral=Referral.objects.get(pk=referral.pk),
        differences=differences,
    )


def satisfy_gate(referral: Referral, gate: str, *, clinician) -> None:
    """Complete every pending item of a gate and resolve its open findings (overridden, with a note)."""
    for item in referral.checklist.filter(gate=gate, status=ClearanceItem.ItemStatus.PENDING):
        workflow.update_checklist_item(
            item, actor=clinician, status=ClearanceItem.ItemStatus.DONE, note="Demo."
        )
    findings = Finding.objects.filter(referral=referral, run__current=True, gate=gate).exclude(
        severity=Finding.Severity.NOTE
    )
    for finding in findings.exclude(resolution=Finding.Resolution.OVERRIDDEN).exclude(
        resolution=Finding.Resolution.DISMISSED
    ):
        workflow.resolve_finding(
            finding,
            actor=clinician,
            resolution=Finding.Resolution.OVERRIDDEN,
            note="Reviewed at consult; risk accepted.",
        )


def advance(referral: Referral, status: str, *, coordinator, clinician) -> Referral:
    """Move a submitted referral to `status` through the workflow functions."""
    referral = Referral.objects.get(pk=referral.pk)
    if status == S.SUBMITTED:
        return referral
    if status == S.WITHDRAWN:
        return workflow.withdraw_referral(referral, actor=coordinator, reason="Patient chose another clinic.")
    workflow.start_review(referral, actor=coordinator)
    if status == S.IN_REVIEW:
        return referral
    if status == S.NEEDS_INFO:
        workflow.request_info(
            referral,
            actor=coordinator,
            items=["blood_pressure", "medications"],
            message="Please send a recent blood pressure reading and your current medicines.",
        )
        return referral
    if status == S.NOT_ELIGIBLE:
        return workflow.decline_referral(
            referral, actor=clinician, reason="Absolute contraindication confirmed at consult."
        )
    satisfy_gate(referral, "clearance", clinician=clinician)
    workflow.clear_referral(referral, actor=clinician)
    if status == S.CLEARED:
        return referral
    satisfy_gate(referral, "scheduling", clinician=clinician)
    return workflow.schedule_referral(referral, actor=coordinator)


def make_referral(status: str = S.SUBMITTED, *, coordinator=None, clinician=None, **kwargs: Any) -> Referral:
    """A self-referral in any status (awaiting_patient gives a provider referral)."""
    if status == S.AWAITING_PATIENT:
        return provider_referral(
            **{k: v for k, v in kwargs.items() if k in ("first_name", "last_name", "key")}
        )[0]
    coordinator = coordinator or staff_user("factory-coordinator", "Intake coordinator")
    clinician = clinician or staff_user("factory-clinician", "Clinician")
    referral = submit(**kwargs)
    return advance(referral, status, coordinator=coordinator, clinician=clinician)
