"""A patient completes a self-referral on a phone-sized screen, with axe on every step."""

import pytest

from referrals.models import Referral
from tests.e2e.actions import follow
from tests.intake_data import step_data

pytestmark = [pytest.mark.browser]


def fill_step(page, step: str, values: dict) -> int:
    """Answer one step the way a person would; returns the number of clicks and fields typed in."""
    actions = 0
    for field, value in values.items():
        name = f"{step}-{field}"
        inputs = page.locator(f"[name='{name}']")
        if inputs.count() == 0:
            continue  # a question that does not apply to this patient
        kind = inputs.first.get_attribute("type")
        if kind == "radio":
            page.locator(f"[name='{name}'][value='{value}']").check()
        elif kind == "checkbox":
            page.locator(f"[name='{name}']").check()
        else:
            inputs.first.fill(str(value))
        actions += 1
    return actions


def current_step(page) -> str:
    return page.url.rstrip("/").rsplit("/", 1)[-1]


@pytest.mark.parametrize("indication", ["crps", "ptsd"])
def test_self_referral_on_a_phone(site_url, open_page, axe_check, save_screenshot, indication):
    data = step_data(indication)
    if indication == "ptsd":
        data["about"]["sex_at_birth"] = "female"
        data["health"]["can_become_pregnant"] = "no"
    page = open_page(375, 800, bypass_csp=True)
    page.goto(f"{site_url}/")
    page.get_by_role("button", name="Menu").click()
    # Wait for the menu to be fully open before tapping, as a person would.
    page.locator("#main-nav.show").wait_for()
    follow(page, page.locator("#main-nav").get_by_role("link", name="Ask for a referral"))
    assert page.url.endswith("/refer/")
    follow(page, page.get_by_role("link", name="Start the form"))
    axe_check(page)

    # A first try with nothing filled in shows the error summary, focused, and stays accessible.
    follow(page, page.get_by_role("button", name="Save and continue"))
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    assert page.title().startswith("Error:")
    axe_check(page)
    save_screenshot(page, f"intake-{indication}-errors-375")

    steps = []
    clicks = 2  # the two links that led here
    for _ in range(20):
        step = current_step(page)
        if step == "review":
            break
        steps.append(step)
        axe_check(page)
        save_screenshot(page, f"intake-{indication}-{step}-375")
        clicks += fill_step(page, step, data.get(step, {}))
        follow(page, page.get_by_role("button", name="Save and continue"))
        clicks += 1
        assert current_step(page) != step, page.locator("[data-error-summary]").inner_text()
    axe_check(page)
    save_screenshot(page, f"intake-{indication}-review-375")
    follow(page, page.get_by_role("button", name="Send my referral"))
    clicks += 1

    assert "Your referral has been sent" in page.content()
    axe_check(page)
    save_screenshot(page, f"intake-{indication}-confirmation-375")
    referral = Referral.objects.get()
    assert referral.reference in page.locator(".reference-code").inner_text()
    assert referral.status == Referral.Status.SUBMITTED
    assert referral.checklist.exists()
    print(f"\n{indication}: {len(steps) + 1} pages, {clicks} clicks and entries")
    # No page sent anything off this machine or broke the CSP.
    assert page.watch.problems() == []


def test_back_button_keeps_answers_in_the_browser(site_url, open_page):
    data = step_data("crps")
    page = open_page(375, 800)
    page.goto(f"{site_url}/refer/self/")
    fill_step(page, "about", data["about"])
    follow(page, page.get_by_role("button", name="Save and continue"))
    page.get_by_label("Fibromyalgia").first.check()
    page.get_by_label("What treatments have you tried for it?").fill("Warm baths")
    follow(page, page.get_by_role("button", name="Back"))
    assert current_step(page) == "about"
    assert page.get_by_label("First name").input_value() == "Avery"
    follow(page, page.get_by_role("button", name="Save and continue"))
    assert page.get_by_label("What treatments have you tried for it?").input_value() == "Warm baths"
    assert page.watch.problems() == []


def test_warning_before_the_session_clears_the_answers(site_url, open_page, settings):
    # The page runs on Playwright's clock, so the real two idle hours pass only when the test moves
    # them on: no short session, no race between a slow page load and a timer.
    page = open_page(375, 800)
    page.clock.install()
    page.goto(f"{site_url}/refer/self/")
    warning = page.locator("#session-timeout")
    warn_ms = int(warning.get_attribute("data-warn-after")) * 1000
    expire_ms = int(warning.get_attribute("data-expire-after")) * 1000
    assert expire_ms == settings.SESSION_COOKIE_AGE * 1000 and warn_ms == expire_ms - 15 * 60 * 1000

    page.clock.fast_forward(warn_ms - 1000)
    assert warning.is_hidden()  # a second before the warning is due
    page.clock.fast_forward(1000)
    warning.wait_for(state="visible")
    assert "clear your answers soon" in warning.inner_text()
    assert page.evaluate("document.activeElement.hasAttribute('data-keepalive')")
    with page.expect_response(lambda r: r.url.endswith("/refer/keep-alive/") and r.status == 204):
        page.get_by_role("button", name="Keep my answers").click()
    warning.wait_for(state="hidden")

    # Keeping the answers starts the count again: no warning until a full interval has passed.
    page.clock.fast_forward(warn_ms - 1000)
    assert warning.is_hidden()
    page.clock.fast_forward(1000)
    warning.wait_for(state="visible")
    page.clock.fast_forward(expire_ms - warn_ms)
    assert "has cleared your answers" in warning.inner_text()
    assert page.get_by_role("button", name="Keep my answers").is_hidden()
    assert page.watch.problems() == []
