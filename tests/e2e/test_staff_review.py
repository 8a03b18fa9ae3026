"""A coordinator and then a clinician take a new referral from the queue to cleared, in a real browser."""

import pytest
from django.utils import timezone

from referrals import demo
from referrals.models import ClearanceItem, Finding, Referral
from tests.e2e.actions import go, sign_in_staff

pytestmark = [pytest.mark.browser]

PASSWORD = "correct-horse-battery-staple"


def make_staff(username, group):
    from django.contrib.auth import get_user_model
    from django.contrib.auth.models import Group
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.create_user(username, password=PASSWORD, is_staff=True)
    user.groups.add(Group.objects.get(name=group))
    TOTPDevice.objects.create(user=user, name="Browser test authenticator", confirmed=True)
    return user


def sign_in(page, site_url, user):
    sign_in_staff(page, site_url, user, PASSWORD)


def set_item(page, item, status="done"):
    row = page.locator(f"tr#item-{item.pk}")
    row.locator("select").select_option(status)
    go(page, page.get_by_role("button", name="Save changes"))
    assert page.locator(".messagelist .success").count() == 1, page.locator(".messagelist").inner_text()


def test_coordinator_then_clinician_clear_a_new_referral(site_url, open_page, save_screenshot):
    coordinator = make_staff("casey", "Intake coordinator")
    clinician = make_staff("dana", "Clinician")
    referral = demo.submit(first_name="Robin", last_name="Browsertest", sleep_apnea=True)
    demo.submit(first_name="Sam", last_name="Waiting", phq9=[0, 0, 0, 0, 0, 0, 0, 0, 1])

    # --- The coordinator picks the referral from the queue and does the administrative items.
    page = open_page(1280, 900)
    sign_in(page, site_url, coordinator)
    assert "Referral queue today" in page.content()
    save_screenshot(page, "staff-dashboard")
    go(page, page.get_by_role("link", name="Open the queue"))
    assert page.locator("#result_list tbody tr").count() == 2
    # Urgent safety first.
    assert "Urgent safety" in page.locator("#result_list tbody tr").first.inner_text()
    save_screenshot(page, "staff-queue-urgent-first")
    go(page, page.get_by_role("link", name=referral.reference))
    go(page, page.get_by_role("button", name="Start review"))  # acts at once: no confirmation page
    assert "Review of" in page.locator(".messagelist").inner_text()
    assert "Clear for treatment" not in page.content()  # coordinators do not clear

    administrative = referral.checklist.filter(gate="clearance", kind="administrative")
    for item in administrative:
        set_item(page, item)
    clinical = referral.checklist.filter(gate="clearance", kind="clinical").first()
    assert "Clinician only" in page.locator(f"tr#item-{clinical.pk}").inner_text()
    save_screenshot(page, "staff-review-coordinator")
    assert not page.watch.problems(), page.watch.problems()

    # --- The clinician completes the clinical items, resolves the finding and clears.
    page = open_page(1280, 900)
    sign_in(page, site_url, clinician)
    page.goto(f"{site_url}/staff/referrals/referral/{referral.pk}/change/")
    go(page, page.get_by_role("link", name="Clear for treatment"))
    assert "This will be refused until these are done" in page.content()
    # Posting anyway is refused: an error message whose reasons carry no green success tick.
    go(page, page.locator("input[type=submit][value='Clear for treatment']"))
    refusal = page.locator(".messagelist li.error")
    assert "cannot be cleared yet" in refusal.inner_text()
    reason = refusal.locator("ul.refusal-reasons li").first
    assert reason.evaluate("e => getComputedStyle(e).backgroundImage") == "none"
    assert "Clearance gate" in page.locator(".missing-panel .gate-blocked .gate-title").first.inner_text()

    for item in referral.checklist.filter(gate="clearance", kind="clinical"):
        set_item(page, item)
    finding = Finding.objects.get(referral=referral, code="airway_sleep_apnea", run__current=True)
    box = page.locator(f"#finding-{finding.pk}")
    box.locator("select").select_option("overridden")
    box.locator("input[type=text]").fill("CPAP nightly; anesthetist reviewed the airway.")
    go(page, box.get_by_role("button", name="Resolve"))
    assert "overridden" in page.locator(".messagelist").inner_text()
    save_screenshot(page, "staff-review-clinician")

    go(page, page.get_by_role("link", name="Clear for treatment"))
    assert "The gate holds" in page.content()
    save_screenshot(page, "staff-confirm-clear")
    go(page, page.locator("input[type=submit][value='Clear for treatment']"))
    assert "cleared" in page.locator(".messagelist").inner_text()
    record = page.locator("#decision")
    assert "Decision record: cleared" in record.inner_text()
    assert "CPAP nightly; anesthetist reviewed the airway." in record.inner_text()
    assert timezone.localtime().strftime("%m/%d/%Y") in record.inner_text()  # the clinic's day
    save_screenshot(page, "staff-review-cleared")
    assert not page.watch.problems(), page.watch.problems()

    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLEARED
    assert referral.clearance_snapshot["decided_by"] == "dana"
    assert not referral.checklist.filter(gate="clearance", status=ClearanceItem.ItemStatus.PENDING).exists()
