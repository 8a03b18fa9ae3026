"""Save and finish later on a phone: save, open the link in a new browser, give the date of birth, finish."""

import re
from datetime import date, timedelta

import pytest
from django.core import mail
from django.utils import timezone

from referrals import notifications, saved_intakes
from referrals.models import Referral, SavedIntake
from tests.e2e.test_intake_phone import current_step, fill_step
from tests.intake_data import step_data

pytestmark = [pytest.mark.browser]

PHONE = (375, 800)


def resume_path() -> str:
    """The link in the last email sent, as a path (the live server's address differs from SITE_URL)."""
    notifications.send_due()
    message = mail.outbox[-1]
    return re.search(r"https?://\S+?(/refer/resume/[^\s/]+/)", message.body).group(1)


def next_page(page):
    with page.expect_navigation():
        page.get_by_role("button", name="Save and continue").click()


def test_save_then_finish_on_another_device(site_url, open_page, axe_check, save_screenshot):
    data = step_data("crps")
    page = open_page(*PHONE, bypass_csp=True)
    page.goto(f"{site_url}/refer/")
    with page.expect_navigation():
        page.get_by_role("link", name="Start the form").click()
    assert page.get_by_role("button", name="Save and finish later").count() == 0  # no date of birth yet
    for step in ("about", "reason"):
        fill_step(page, step, data[step])
        next_page(page)
    assert current_step(page) == "health"
    fill_step(page, "health", {"height_feet": "5"})  # half a page: kept as it is
    with page.expect_navigation():
        page.get_by_role("button", name="Save and finish later").click()
    assert page.url.endswith("/refer/self/save/")
    assert page.get_by_label("Email address for your link").input_value() == "avery@example.com"
    axe_check(page)
    save_screenshot(page, "resume-save-375")
    with page.expect_navigation():
        page.get_by_role("button", name="Save and email my link").click()
    assert "Your answers are saved" in page.locator("h1").inner_text()
    axe_check(page)
    save_screenshot(page, "resume-saved-375")
    assert page.watch.problems() == []

    # The email carries a link and a date, nothing the patient typed.
    path = resume_path()
    body = mail.outbox[-1].body
    for typed in ("Avery", "Testpatient", "1981", "Physical therapy", "Jordan"):
        assert typed not in body

    # A new browser context: another device, no cookies.
    phone = open_page(*PHONE, bypass_csp=True)
    phone.goto(f"{site_url}{path}")
    assert "Finish your referral form" in phone.locator("h1").inner_text()
    axe_check(phone)
    phone.get_by_label("Date of birth").fill("1981-04-12")
    with phone.expect_navigation():
        phone.get_by_role("button", name="Continue").click()
    assert current_step(phone) == "health"
    assert phone.locator("[name='health-height_feet']").input_value() == "5"
    for _ in range(15):
        step = current_step(phone)
        if step == "review":
            break
        fill_step(phone, step, data.get(step, {}))
        next_page(phone)
        assert current_step(phone) != step, phone.locator("[data-error-summary]").inner_text()
    assert "Physical therapy and nerve blocks." in phone.content()  # answered on the first device
    with phone.expect_navigation():
        phone.get_by_role("button", name="Send my referral").click()
    assert "Your referral has been sent" in phone.content()
    referral = Referral.objects.get()
    assert referral.first_name == "Avery" and referral.answers["height_cm"]
    assert not SavedIntake.objects.exists()
    assert phone.watch.problems() == []


def saved_for_later() -> str:
    """A saved intake made through the service, as the save page would; returns its link's path."""
    saved_intakes.save(
        email="avery@example.com",
        date_of_birth=date(1981, 4, 12),
        state={"step_data": {}, "step_files": {}, "extra_data": {}},
        current_step="about",
        session_key="",
    )
    return resume_path()


def open_link(open_page, site_url, path, dob="1981-04-12"):
    page = open_page(*PHONE, bypass_csp=True)
    page.goto(f"{site_url}{path}")
    page.get_by_label("Date of birth").fill(dob)
    with page.expect_navigation():
        page.get_by_role("button", name="Continue").click()
    return page


def assert_way_forward(page, axe_check):
    assert "We could not open your saved form" in page.locator("h1").inner_text()
    assert page.get_by_role("link", name="start the form again").is_visible()
    assert page.locator("a[href^='tel:']").first.is_visible()
    axe_check(page)
    assert page.watch.problems() == []


@pytest.mark.parametrize("problem", ["wrong date of birth", "used", "expired"])
def test_a_link_that_cannot_open_gives_a_way_forward(
    site_url, open_page, axe_check, save_screenshot, problem
):
    path = saved_for_later()
    if problem == "used":
        first = open_link(open_page, site_url, path)
        assert current_step(first) == "about"
    if problem == "expired":
        SavedIntake.objects.update(expires_at=timezone.now() - timedelta(minutes=1))
    dob = "1990-01-01" if problem == "wrong date of birth" else "1981-04-12"
    page = open_link(open_page, site_url, path, dob)
    assert_way_forward(page, axe_check)
    save_screenshot(page, f"resume-problem-{problem.replace(' ', '-')}-375")
    page.get_by_role("link", name="start the form again").click()
    page.wait_for_url(re.compile(r"/refer/self/about/"))


def test_the_idle_warning_offers_save_and_finish_later(site_url, open_page, settings):
    # An 8-second session stands in for the 2 idle hours: the warning shows halfway.
    settings.SESSION_COOKIE_AGE = 8
    data = step_data("crps")
    page = open_page(*PHONE)
    page.goto(f"{site_url}/refer/self/")
    fill_step(page, "about", data["about"])
    next_page(page)
    warning = page.locator("#session-timeout")
    warning.wait_for(state="visible", timeout=8000)
    assert warning.get_by_role("button", name="Keep my answers").is_visible()
    with page.expect_navigation():
        warning.get_by_role("button", name="Save and finish later").click()
    assert page.url.endswith("/refer/self/save/")
    assert page.get_by_label("Email address for your link").input_value() == "avery@example.com"
    assert page.watch.problems() == []
