"""A clinician sends a referral with a letter; the patient completes it from the link on a phone."""

import pytest

from referrals.models import Referral
from tests.e2e.actions import follow
from tests.intake_data import step_data
from tests.referrals.provider_data import PDF, completion_token

pytestmark = [pytest.mark.browser]

CLINICIAN = {
    "referrer_name": "Dr Robin Example",
    "referrer_credentials": "MD",
    "npi": "1234567893",
    "practice": "Example Family Practice",
    "referrer_phone": "(555) 010-0150",
    "referrer_email": "robin@practice.example.com",
    "first_name": "Casey",
    "last_name": "Browserpatient",
    "date_of_birth": "1975-06-15",
    "email": "casey@example.com",
    "phone": "(555) 010-0160",
    "icd10_other": "f33.2",
    "reason": "Recurrent severe depression; three antidepressant trials without remission.",
    "medications": "Sertraline 200 mg daily. No allergies.",
    "history": "No cardiac history. BP 124/80 last month.",
}


def fill(page, name: str, value) -> None:
    inputs = page.locator(f"[name='{name}']")
    if inputs.count() == 0:
        return  # a question that does not apply
    kind = inputs.first.get_attribute("type")
    if kind in ("radio", "checkbox"):
        for item in value if isinstance(value, list) else [value]:
            target = (
                page.locator(f"[name='{name}'][value='{item}']")
                if kind == "radio" or item != "on"
                else inputs
            )
            target.first.check()
    else:
        inputs.first.fill(str(value))


def current_step(page) -> str:
    return page.url.rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_provider_referral_then_patient_completes_on_a_phone(site_url, open_page, axe_check, save_screenshot):
    # The clinician, on a desktop screen.
    page = open_page(1280, 900, bypass_csp=True)
    page.goto(f"{site_url}/refer/clinician/")
    axe_check(page)
    follow(page, page.get_by_role("button", name="Send the referral"))  # nothing filled in: the summary shows
    assert page.locator("[data-error-summary]").is_visible()
    assert "Attach the referral letter" in page.locator("[data-error-summary]").inner_text()
    axe_check(page)
    save_screenshot(page, "provider-referral-errors-1280")
    for name, value in CLINICIAN.items():
        fill(page, name, value)
    page.get_by_label("Depression that has not improved with treatment").first.check()
    page.locator("[name='secondary_indications'][value='anxiety']").check()
    page.locator("[name='icd10_common'][value='F41.1']").check()
    page.locator("[name='urgency'][value='routine']").check()
    page.locator("[name='patient_aware']").check()
    page.set_input_files(
        "[name='referral_letter']",
        files=[{"name": "letter.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    save_screenshot(page, "provider-referral-filled-1280")
    follow(page, page.get_by_role("button", name="Send the referral"))
    assert "We have received your referral" in page.content(), page.locator("body").inner_text()[:2000]
    axe_check(page)
    save_screenshot(page, "provider-referral-confirmation-1280")

    referral = Referral.objects.get()
    assert referral.status == Referral.Status.AWAITING_PATIENT
    assert referral.reference in page.locator(".reference-code").inner_text()
    assert referral.documents.get().kind == "referral_letter"
    assert referral.provider_details["icd10_codes"] == ["F41.1", "F33.2"]
    token = completion_token(referral)

    # The patient, on a phone, from the link in their email.
    phone = open_page(375, 800, bypass_csp=True)
    phone.goto(f"{site_url}/complete/{token}/")
    assert "Casey" not in phone.content()
    axe_check(phone)
    save_screenshot(phone, "completion-birth-date-375")
    phone.get_by_label("Date of birth").fill("1975-06-15")
    follow(phone, phone.get_by_role("button", name="Continue"))
    assert current_step(phone) == "about"
    assert phone.locator("[name='about-first_name']").input_value() == "Casey"
    assert phone.locator("[name='about-date_of_birth']").input_value() == "1975-06-15"
    save_screenshot(phone, "completion-about-prefilled-375")

    data = step_data("trd", consent__signature="Casey Browserpatient")
    for key in ("first_name", "last_name", "date_of_birth", "email", "phone"):
        data["about"].pop(key)  # the provider's values are kept as they are
    data["reason"].pop("indication")
    seen = []
    for _ in range(20):
        step = current_step(phone)
        if step == "review":
            break
        seen.append(step)
        axe_check(phone)
        save_screenshot(phone, f"completion-{step}-375")
        for field, value in data.get(step, {}).items():
            fill(phone, f"{step}-{field}", value)
        follow(phone, phone.get_by_role("button", name="Save and continue"))
        assert current_step(phone) != step, phone.locator("[data-error-summary]").inner_text()
    assert "documents" in seen and "reason" in seen
    assert phone.evaluate("document.documentElement.scrollWidth") <= 375
    axe_check(phone)
    save_screenshot(phone, "completion-review-375")
    follow(phone, phone.get_by_role("button", name="Send my referral"))
    assert "Your referral has been sent" in phone.content()
    save_screenshot(phone, "completion-confirmation-375")
    assert not page.watch.problems() and not phone.watch.problems()

    assert Referral.objects.count() == 1
    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED
    assert referral.completion_used_at is not None
    assert referral.answers["indication"] == "trd"
    assert referral.differences == []
    assert referral.scores["phq9"]["total"] == 0
    assert referral.checklist.count() > 10
    assert not referral.checklist.filter(step_id="roi_authorization").exists()
    assert referral.documents.count() == 1
