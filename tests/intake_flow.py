"""A small driver that completes the self-referral wizard, for the PHI, outage and hostile tests."""

import re
import uuid
from datetime import date

from django.urls import reverse
from django.utils import timezone

from tests.intake_data import step_data

MANAGEMENT = "intake_wizard-current_step"


def step_of(response) -> str:
    return response.request["PATH_INFO"].rstrip("/").rsplit("/", 1)[-1]


def submission_token(response) -> str:
    match = re.search(r'name="review-submission_token" value="([^"]+)"', response.content.decode())
    assert match, "the review page carries a submission token"
    return match.group(1)


def payload(step: str, values: dict, response=None) -> dict:
    post = {f"{step}-{key}": value for key, value in values.items()}
    post[MANAGEMENT] = step
    if step == "review" and response is not None:
        post["review-submission_token"] = submission_token(response)
    return post


def run_to(client, stop_at: str, data: dict | None = None, *, on_request=None):
    """Post every step's data from the start until the wizard shows `stop_at`; returns that response."""
    data = data or step_data()
    response = client.get(reverse("referrals:intake"), follow=True)
    for _ in range(20):
        step = step_of(response)
        if step == stop_at:
            return response
        url = reverse("referrals:intake-step", args=[step])
        post = payload(step, data.get(step, {}), response)
        if on_request:
            on_request(url, post)
        response = client.post(url, post, follow=True)
        assert step_of(response) != step, f"step {step} did not advance"
    raise AssertionError(f"never reached {stop_at}")


def complete(client, data: dict | None = None, *, on_request=None):
    """Complete a self-referral; returns the final (followed) response."""
    data = data or step_data()
    review = run_to(client, "review", data, on_request=on_request)
    url = reverse("referrals:intake-step", args=["review"])
    post = payload("review", {}, review)
    if on_request:
        on_request(url, post)
    return client.post(url, post, follow=True)


# Valid screening answers (spec §3 keys) of a depression referral, for tests below the wizard.
ANSWERS = {
    "date_of_birth": "1981-04-12", "sex_at_birth": "male", "indication": "trd", "secondary_indications": [],
    "bp_systolic": 122, "bp_diastolic": 78, "height_cm": 177.8, "weight_kg": 77.1, "medications": [],
    "escort_available": "yes", "phq9": [0, 1, 0, 0, 0, 0, 0, 0, 0], "bp_told_uncontrolled": False,
    "recent_cardiac_event": False, "aneurysm_or_avm": "no", "brain_bleed_history": False, "raised_icp": "no",
    "glaucoma": False, "sleep_apnea": False, "home_oxygen": False, "seizures": False,
    "hyperthyroid_uncontrolled": False, "liver_disease": "none", "bladder_symptoms": False,
    "memory_disorder": False, "heart_conditions": [], "psychosis_current": False, "psychosis_history": False,
    "mania_recent": False, "alcohol_heavy": True, "substance_problem_recent": False, "substance_history": False,
    "ketamine_nonmedical_use": False, "ketamine_bladder_damage": False, "ketamine_allergy": "no",
    "ketamine_bad_reaction": False, "bipolar_diagnosis": False,
    "asq": {"q1": False, "q2": False, "q3": False, "q4": False, "acuity": None}, "gad7": [1, 1, 1, 1, 1, 1, 1],
}  # fmt: skip


def submit_directly(*, first_name="Avery", last_name="Testpatient", marker="Avery"):
    """A complete self-referral stored through the workflow (no wizard), born 1981-04-12."""
    from referrals import workflow

    return workflow.submit_referral(
        submission_token=uuid.uuid4(),
        identity={
            "first_name": first_name,
            "last_name": last_name,
            "date_of_birth": date(1981, 4, 12),
            "email": "zqx@example.com",
            "phone": "(555) 010-0199",
        },
        answers=ANSWERS,
        details={"medication_list": f"{marker} pills", "consent": {"signature": f"{first_name} {last_name}"}},
        today=timezone.localdate(),
        questionnaire_version="test",
    )
