"""In a real browser: the queue still fits 1280 px with the "Completed in Spanish" badge and the
preferred language in its widest rows, and the review page shows them above the fold (issue 18)."""

import pytest

from referrals import demo
from tests.e2e.test_staff_clicks import Counter, assert_queue_fits_1280, coordinator_and_clinician

pytestmark = [pytest.mark.browser]


def test_queue_and_review_with_a_spanish_referral(site_url, open_page, axe_check, save_screenshot):
    coordinator, _clinician = coordinator_and_clinician()
    # The widest rows: long names, several indications, two info badges and the language lines.
    demo.submit(
        first_name="Maximiliana", last_name="Hernández-Villanueva", sleep_apnea=True,
        secondary_indications=["trd", "ptsd"], language="es",
    )  # fmt: skip
    duplicate = demo.submit(
        first_name="Maximiliana", last_name="Hernández-Villanueva", sleep_apnea=True,
        secondary_indications=["trd", "ptsd"], language="es", preferred_language="Spanish",
    )  # fmt: skip
    demo.submit(first_name="Avery", last_name="Sample", preferred_language="Haitian Creole")
    demo.submit(first_name="Blake", last_name="Sample")

    page = open_page(1280, 900, bypass_csp=True)
    hands = Counter(page)
    hands.sign_in(site_url, coordinator)
    hands.click(page.get_by_role("link", name="Open the queue"))
    assert_queue_fits_1280(page)
    row = page.locator("#result_list tbody tr", has_text=duplicate.reference)
    assert "Completed in Spanish" in row.inner_text() and "prefers Spanish" in row.inner_text()
    assert "prefers Haitian Creole" in page.locator("#result_list").inner_text()
    axe_check(page)
    save_screenshot(page, "staff-queue-spanish")

    hands.click(row.get_by_role("link", name=duplicate.reference))
    badge = page.locator(".flag-row .badge-language")
    assert badge.inner_text() == "Completed in Spanish"
    assert badge.bounding_box()["y"] < 900
    assert "preferred language: Spanish" in page.locator(".review-head").inner_text()
    for title in ("State", "What you can do now", "What is missing"):
        box = page.get_by_role("heading", name=title, exact=True).bounding_box()
        assert box["y"] + box["height"] < 900, (title, box)
    axe_check(page)
    save_screenshot(page, "staff-review-spanish")
