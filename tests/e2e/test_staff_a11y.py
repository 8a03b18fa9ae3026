"""The staff pages meet WCAG 2.2 AA too: axe on the dashboard, queue, review and confirmation pages."""

import pytest

from referrals import demo
from tests.e2e.test_staff_review import go, make_staff, sign_in

pytestmark = [pytest.mark.browser]


def test_staff_pages_have_no_axe_violations(site_url, open_page, axe_check):
    clinician = make_staff("dana", "Clinician")
    referral = demo.submit(first_name="Robin", last_name="Axetest", sleep_apnea=True)
    page = open_page(1280, 900, bypass_csp=True)
    page.goto(f"{site_url}/staff/login/")
    axe_check(page)  # the sign-in page with its code field
    sign_in(page, site_url, clinician)
    axe_check(page)  # dashboard
    go(page, page.get_by_role("link", name="Open the queue"))
    axe_check(page)
    go(page, page.get_by_role("link", name=referral.reference))
    axe_check(page)
    go(page, page.get_by_role("button", name="Start review"))
    axe_check(page)  # the review page in review, with its checklist and finding forms
    go(page, page.get_by_role("link", name="Clear for treatment"))
    axe_check(page)  # a refused-until confirmation, listing what is missing
    # A cleared referral: the review page and the printable summary with the decision record.
    from referrals import workflow
    from referrals.models import Referral

    referral = Referral.objects.get(pk=referral.pk)
    demo.satisfy_gate(referral, "clearance", clinician=clinician)
    workflow.clear_referral(referral, actor=clinician)
    page.goto(f"{site_url}/staff/referrals/referral/{referral.pk}/change/")
    assert page.locator("#decision").is_visible()
    axe_check(page)
    page.goto(f"{site_url}/staff/referrals/referral/{referral.pk}/summary/")
    assert "Decision record: cleared" in page.content()
    axe_check(page)


def test_policy_form_and_admin_index_have_no_axe_violations(site_url, open_page, axe_check):
    """The plain labels of issue 14: the policy form and the renamed sections, for a clinic admin."""
    admin_user = make_staff("alex", "Clinic admin")
    page = open_page(1280, 900, bypass_csp=True)
    sign_in(page, site_url, admin_user)
    axe_check(page)
    page.goto(f"{site_url}/staff/referrals/screeningpolicy/add/")
    assert "Body mass index (BMI) limit" in page.content()
    axe_check(page)
