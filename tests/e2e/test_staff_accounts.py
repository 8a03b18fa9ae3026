"""Separation of duties in a real browser: the clinic admin proposes a clinician, the proposal alone
cannot clear, the new person enrols their own authenticator from the link, an existing clinician
confirms the role, and the new clinician reviews and clears a referral."""

import re
import time
from base64 import b32decode
from urllib.parse import urlsplit

import pytest
from django.core import mail

from referrals import demo, staff_accounts
from referrals.models import Notification, Referral, RoleGrant
from tests.e2e.actions import go, sign_in_staff

pytestmark = [pytest.mark.browser]

PASSWORD = "correct-horse-battery-staple"
NEW_PASSWORD = "plum-otter-gravel-lantern"


def set_password_path(recipient: str) -> str:
    """The set-password link emailed to a newcomer: from the outbox row while it is queued, from the
    email once sent (a sent row keeps no working link)."""
    link = Notification.objects.filter(template="staff_set_password", recipient=recipient).latest("pk")
    url = link.context.get("setup_url")
    if url is None:
        bodies = [message.body for message in mail.outbox if recipient in message.to]
        url = re.search(r"https?://\S+/staff/welcome/\S+", bodies[-1]).group(0)
    return urlsplit(url).path


def make_staff(username, role):
    from django.contrib.auth import get_user_model
    from django_otp.plugins.otp_totp.models import TOTPDevice

    user = get_user_model().objects.create_user(
        username, email=f"{username}@clinic.example.com", password=PASSWORD, is_staff=True
    )
    staff_accounts.grant_confirmed_role_on_server(user, role)
    TOTPDevice.objects.create(user=user, name="Browser test authenticator", confirmed=True)
    return user


def sign_in(page, site_url, user):
    sign_in_staff(page, site_url, user, PASSWORD)


def totp_code(secret: str) -> str:
    """What the newcomer's authenticator app shows for the key the page gave them."""
    from django_otp.oath import TOTP

    totp = TOTP(b32decode(secret))
    totp.time = time.time()
    return f"{totp.token():06d}"


def test_admin_proposes_clinician_confirms_newcomer_enrols_and_clears(site_url, open_page, save_screenshot):
    admin = make_staff("alex", "clinic_admin")
    dana = make_staff("dana", "clinician")
    casey = make_staff("casey", "coordinator")
    referral = demo.submit(first_name="Robin", last_name="Accounttest", sleep_apnea=True)
    demo.advance(referral, "in_review", coordinator=casey, clinician=dana)
    demo.satisfy_gate(Referral.objects.get(pk=referral.pk), "clearance", clinician=dana)
    review_url = f"{site_url}/staff/referrals/referral/{referral.pk}/change/"

    # --- The clinic admin creates the account and proposes the clinician role.
    page = open_page(1280, 900)
    sign_in(page, site_url, admin)
    go(page, page.get_by_role("link", name="Staff accounts").first)
    go(page, page.get_by_role("link", name="Add a staff account"))
    assert page.locator("input[type=password]").count() == 0
    page.fill("[name=username]", "morgan")
    page.fill("[name=first_name]", "Morgan")
    page.fill("[name=last_name]", "Newclinician")
    page.fill("[name=email]", "morgan@clinic.example.com")
    page.get_by_label("Clinician").check()
    save_screenshot(page, "staff-account-add")
    go(page, page.locator("input[type=submit]"))
    assert "Account morgan created" in page.locator(".messagelist").inner_text()
    assert "Waiting for a second person to confirm" in page.content()
    save_screenshot(page, "staff-account-proposed")
    grant = RoleGrant.objects.get(user__username="morgan", role="clinician")
    assert grant.state == RoleGrant.State.PENDING

    # The proposer cannot confirm its own proposal.
    page.goto(f"{site_url}/staff/referrals/rolegrant/{grant.pk}/confirm/")
    assert "You cannot confirm this role" in page.content()
    assert page.locator("input[type=submit][value='Confirm the role']").count() == 0
    assert not page.watch.problems(), page.watch.problems()

    # --- The newcomer opens the emailed link, chooses a password and enrols their own authenticator.
    newcomer = open_page(1280, 900)
    newcomer.goto(site_url + set_password_path("morgan@clinic.example.com"))
    assert newcomer.url == f"{site_url}/staff/welcome/password/"  # the token left the address bar
    newcomer.fill("[name=new_password1]", NEW_PASSWORD)
    newcomer.fill("[name=new_password2]", NEW_PASSWORD)
    go(newcomer, newcomer.locator("input[type=submit]"))
    assert "Set up your authenticator app" in newcomer.locator("h1").inner_text()
    assert newcomer.locator("img[alt^='QR code']").is_visible()
    secret = newcomer.locator("#totp-secret").get_attribute("data-secret")
    save_screenshot(newcomer, "staff-enrol-authenticator")
    newcomer.fill("[name=otp_token]", totp_code(secret))
    go(newcomer, newcomer.locator("input[type=submit]"))
    assert "Your sign-in is ready" in newcomer.locator("h1").inner_text()
    assert newcomer.locator("#recovery-codes li").count() == 10
    assert not newcomer.watch.problems(), newcomer.watch.problems()

    # The proposal alone gives no permission: the newcomer cannot open the review, let alone clear.
    from django.contrib.auth import get_user_model

    morgan = get_user_model().objects.get(username="morgan")
    assert not morgan.has_perm("referrals.sign_clearance")
    response = newcomer.goto(review_url)
    assert response.status == 403
    response = newcomer.goto(f"{site_url}/staff/referrals/referral/{referral.pk}/clear/")
    assert response.status == 403
    newcomer.watch.clear()  # the browser logs each 403 as a failed resource

    # --- An existing clinician confirms the role.
    clinician_page = open_page(1280, 900)
    sign_in(clinician_page, site_url, dana)
    go(clinician_page, clinician_page.get_by_role("link", name="Role proposals").first)
    go(clinician_page, clinician_page.get_by_role("link", name="Review and confirm"))
    assert "Clinician" in clinician_page.locator(".lead").inner_text()
    go(clinician_page, clinician_page.locator("input[type=submit][value='Confirm the role']"))
    assert "Confirmed: Clinician for morgan" in clinician_page.locator(".messagelist").inner_text()
    assert not clinician_page.watch.problems(), clinician_page.watch.problems()
    grant.refresh_from_db()
    assert grant.state == RoleGrant.State.ACTIVE and grant.confirmed_by == dana

    # --- The new clinician reviews and clears the referral.
    newcomer.goto(review_url)
    assert referral.reference in newcomer.content()
    go(newcomer, newcomer.get_by_role("link", name="Clear for treatment"))
    assert "The gate holds" in newcomer.content()
    go(newcomer, newcomer.locator("input[type=submit][value='Clear for treatment']"))
    assert "cleared" in newcomer.locator(".messagelist").inner_text()
    assert not newcomer.watch.problems(), newcomer.watch.problems()
    referral.refresh_from_db()
    assert referral.status == Referral.Status.CLEARED
    assert referral.clearance_snapshot["decided_by"] == "morgan"


def test_staff_account_and_setup_pages_have_no_axe_violations(site_url, open_page, axe_check):
    admin = make_staff("alex", "clinic_admin")
    make_staff("dana", "clinician")
    page = open_page(1280, 900, bypass_csp=True)
    sign_in(page, site_url, admin)
    page.goto(f"{site_url}/staff/referrals/staffaccount/")
    axe_check(page)
    page.goto(f"{site_url}/staff/referrals/staffaccount/add/")
    axe_check(page)
    page.fill("[name=username]", "bad name!")
    go(page, page.locator("input[type=submit]"))
    axe_check(page)  # with the error messages beside their fields
    page.fill("[name=username]", "morgan")
    page.fill("[name=first_name]", "Morgan")
    page.fill("[name=last_name]", "Axetest")
    page.fill("[name=email]", "morgan@clinic.example.com")
    page.get_by_label("Clinician").check()
    go(page, page.locator("input[type=submit]"))
    axe_check(page)  # the account page with a pending proposal
    go(page, page.get_by_role("link", name="Reset the authenticator (lost phone)"))
    axe_check(page)  # a confirmation page
    grant = RoleGrant.objects.get(user__username="morgan")
    page.goto(f"{site_url}/staff/referrals/rolegrant/")
    axe_check(page)
    page.goto(f"{site_url}/staff/referrals/rolegrant/{grant.pk}/confirm/")
    axe_check(page)

    newcomer = open_page(375, 800, bypass_csp=True)
    newcomer.goto(site_url + set_password_path("morgan@clinic.example.com"))
    axe_check(newcomer)
    newcomer.fill("[name=new_password1]", NEW_PASSWORD)
    newcomer.fill("[name=new_password2]", NEW_PASSWORD)
    go(newcomer, newcomer.locator("input[type=submit]"))
    axe_check(newcomer)  # the key and QR code, on a phone
    secret = newcomer.locator("#totp-secret").get_attribute("data-secret")
    newcomer.fill("[name=otp_token]", totp_code(secret))
    go(newcomer, newcomer.locator("input[type=submit]"))
    axe_check(newcomer)  # the recovery codes
