"""Staff enter referrals that arrive by phone or fax, in a real browser."""

from urllib.parse import urlsplit

import pytest

from referrals.models import Notification, Referral
from tests.e2e.test_provider_flow import CLINICIAN, fill
from tests.e2e.test_staff_review import go, make_staff, sign_in
from tests.intake_data import step_data
from tests.referrals.provider_data import PDF, completion_token

pytestmark = [pytest.mark.browser]


def current_step(page) -> str:
    return urlsplit(page.url).path.rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_coordinator_takes_a_phone_referral_with_a_safety_answer(
    site_url, open_page, axe_check, save_screenshot
):
    coordinator = make_staff("casey", "Intake coordinator")
    page = open_page(1280, 900, bypass_csp=True)
    sign_in(page, site_url, coordinator)
    go(page, page.get_by_role("link", name="Open the queue"))
    go(page, page.get_by_role("link", name="Take a referral by phone"))
    assert current_step(page) == "about"
    assert "Read each question to the caller" in page.content()
    axe_check(page)

    data = step_data("trd", mood__phq9_9="2", safety__asq_q2="yes", safety__asq_acuity="no")
    data["consent"] = {
        "accurate": "on",
        "privacy": "on",
        "electronic": "on",
        "attest": "on",
        "attested_name": "casey",
    }
    guidance_seen_at = None
    for _ in range(20):
        step = current_step(page)
        if step == "review":
            break
        if guidance_seen_at is None and page.locator(".staff-guidance").count():
            guidance_seen_at = step
            guidance = page.locator(".staff-guidance").inner_text()
            assert "Stay on the line" in guidance
            assert "warm hand-off to 988" in guidance
            assert "call 911" in guidance
            axe_check(page)
            save_screenshot(page, "staff-phone-safety-guidance-1280")
        for name, value in data.get(step, {}).items():
            fill(page, f"{step}-{name}", value)
        go(page, page.get_by_role("button", name="Save and continue"))
        assert current_step(page) != step, page.locator("[data-error-summary]").inner_text()
    assert guidance_seen_at is not None, "the safety guidance never showed"
    assert current_step(page) == "review"
    save_screenshot(page, "staff-phone-review-1280")
    go(page, page.get_by_role("button", name="Send the referral"))

    referral = Referral.objects.get()
    assert referral.status == Referral.Status.SUBMITTED
    assert referral.urgent_safety and referral.entered_by == coordinator
    assert referral.intake_channel == Referral.Channel.PHONE
    assert referral.consent_method == Referral.ConsentMethod.VERBAL
    assert Notification.objects.filter(referral=referral, template="staff_urgent_safety").exists()
    done = page.locator("#content").inner_text()
    assert referral.reference in done
    assert "marked urgent and the clinicians have been alerted" in done
    assert "Stay on the line" in done
    axe_check(page)
    save_screenshot(page, "staff-phone-done-1280")

    go(page, page.get_by_role("link", name="Back to the queue"))
    row = page.locator("#result_list tbody tr").filter(has_text=referral.reference)
    assert row.count() == 1
    assert "Self (taken by phone)" in row.inner_text()
    assert "Urgent safety" in row.inner_text()
    assert "Submitted" in row.inner_text()
    assert not page.watch.problems()


@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_faxed_letter_entered_then_patient_completes_from_the_link(
    site_url, open_page, axe_check, save_screenshot
):
    coordinator = make_staff("casey", "Intake coordinator")
    page = open_page(1280, 900, bypass_csp=True)
    sign_in(page, site_url, coordinator)
    page.goto(f"{site_url}/staff/referrals/referral/")
    go(page, page.get_by_role("link", name="Enter a faxed or mailed letter"))
    axe_check(page)
    go(page, page.get_by_role("button", name="Enter the referral"))  # nothing filled in: errors show
    assert "Choose fax or mail" in page.locator("[data-error-summary]").inner_text()
    for name, value in {**CLINICIAN, "npi": "1234567890"}.items():
        fill(page, name, value)
    page.locator("[name='received_via'][value='fax']").check()
    page.locator("[name='indication'][value='trd']").check()
    page.locator("[name='urgency'][value='routine']").check()
    page.locator("[name='patient_aware']").check()
    page.set_input_files(
        "[name='referral_letter']",
        files=[{"name": "fax-0412.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    go(page, page.get_by_role("button", name="Enter the referral"))
    summary = page.locator("[data-error-summary]").inner_text()
    assert "not a valid NPI" in summary  # the NPI check, as on the clinicians' form
    assert "fax-0412.pdf" in page.content()  # the good letter is kept while the NPI is fixed
    axe_check(page)
    save_screenshot(page, "staff-fax-errors-1280")
    fill(page, "npi", "1234567893")
    go(page, page.get_by_role("button", name="Enter the referral"))
    assert "Provider referral (received by fax)" in page.locator("#content").inner_text()
    axe_check(page)
    save_screenshot(page, "staff-fax-entered-1280")

    referral = Referral.objects.get()
    assert referral.status == Referral.Status.AWAITING_PATIENT
    assert referral.entered_by == coordinator and referral.intake_channel == Referral.Channel.FAX
    assert referral.documents.get().kind == "referral_letter"
    assert referral.provider_details["icd10_codes"] == ["F33.2"]
    token = completion_token(referral)

    # The patient, on a phone, from the link in their email: the same completion as the web form's.
    phone = open_page(375, 800)
    phone.goto(f"{site_url}/complete/{token}/")
    phone.get_by_label("Date of birth").fill("1975-06-15")
    phone.get_by_role("button", name="Continue").click()
    assert current_step(phone) == "about"
    assert phone.locator("[name='about-first_name']").input_value() == "Casey"
    data = step_data("trd", consent__signature="Casey Browserpatient")
    for key in ("first_name", "last_name", "date_of_birth", "email", "phone"):
        data["about"].pop(key)
    data["reason"].pop("indication")
    for _ in range(20):
        step = current_step(phone)
        if step == "review":
            break
        for field, value in data.get(step, {}).items():
            fill(phone, f"{step}-{field}", value)
        phone.get_by_role("button", name="Save and continue").click()
        assert current_step(phone) != step, phone.locator("[data-error-summary]").inner_text()
    phone.get_by_role("button", name="Send my referral").click()
    assert "Your referral has been sent" in phone.content()
    assert not page.watch.problems() and not phone.watch.problems()

    referral.refresh_from_db()
    assert referral.status == Referral.Status.SUBMITTED
    assert referral.intake_channel == Referral.Channel.FAX and referral.entered_by == coordinator
    assert referral.consent_method == Referral.ConsentMethod.TYPED
    assert referral.scores["phq9"]["total"] == 0 and referral.checklist.count() > 10

    # In the queue, filtered to letters received by fax.
    page.goto(f"{site_url}/staff/referrals/referral/?channel=fax")
    row = page.locator("#result_list tbody tr").filter(has_text=referral.reference)
    assert "Provider (received by fax)" in row.inner_text()
    assert "Submitted" in row.inner_text()
