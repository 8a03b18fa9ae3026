"""A patient refers themself in Spanish on a phone, with a safety answer that shows the crisis resources.

The English model is tests/e2e/test_intake_phone.py: same data, same phone viewport, axe on every step.
"""

import pytest

from referrals.models import Referral
from tests.e2e.actions import follow
from tests.e2e.test_intake_phone import current_step, fill_step
from tests.intake_data import step_data

pytestmark = [pytest.mark.browser]

NEXT = "Guardar y continuar"


def assert_spanish(page):
    assert page.evaluate("document.documentElement.lang") == "es", page.url
    assert "/es/refer/self/" in page.url or "/es/refer/" in page.url, page.url


def test_self_referral_in_spanish_on_a_phone(site_url, open_page, axe_check, save_screenshot):
    data = step_data("trd")
    data["about"]["sex_at_birth"] = "female"
    data["about"]["preferred_language"] = "Spanish"
    data["health"]["can_become_pregnant"] = "no"
    # A yes to a safety question: the crisis resources must show, in Spanish.
    data["safety"] = {"asq_q1": "yes", "asq_q2": "no", "asq_q3": "no", "asq_q4": "no", "asq_acuity": "no"}

    page = open_page(375, 800, bypass_csp=True)
    page.goto(f"{site_url}/es/refer/self/")
    page.wait_for_load_state("load")
    assert current_step(page) == "about"
    assert_spanish(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Sobre usted"
    axe_check(page)

    # Nothing filled in: the error summary, in Spanish, focused, and accessible.
    follow(page, page.get_by_role("button", name=NEXT))
    summary = page.locator("[data-error-summary]")
    assert summary.is_visible()
    assert "problemas con sus respuestas" in summary.inner_text()
    assert "Escriba su fecha de nacimiento" in summary.inner_text()
    assert page.title().startswith("Error:")
    assert page.evaluate("document.activeElement.hasAttribute('data-error-summary')")
    axe_check(page)
    save_screenshot(page, "intake-es-errors-375")

    crisis_seen_on = []
    steps = []
    for _ in range(20):
        step = current_step(page)
        if step == "review":
            break
        steps.append(step)
        assert_spanish(page)
        assert page.get_by_role("button", name=NEXT).is_visible()
        axe_check(page)
        save_screenshot(page, f"intake-es-{step}-375")
        fill_step(page, step, data.get(step, {}))
        follow(page, page.get_by_role("button", name=NEXT))
        assert current_step(page) != step, page.locator("[data-error-summary]").inner_text()
        panel = page.locator(".crisis-panel")
        if panel.count():
            crisis_seen_on.append(current_step(page))
            text = panel.inner_text()
            assert "Hay ayuda para usted ahora mismo" in text
            assert "988" in text and "oprima 2 para español" in text
            assert "911" in text
    assert "safety" in steps and crisis_seen_on, "the safety answer showed no crisis resources"
    assert crisis_seen_on[0] == steps[steps.index("safety") + 1]  # shown on the very next page

    assert_spanish(page)
    assert page.get_by_role("heading", level=1).inner_text() == "Revise sus respuestas"
    axe_check(page)
    save_screenshot(page, "intake-es-review-375")
    follow(page, page.get_by_role("button", name="Enviar mi referido"))

    assert_spanish(page)
    assert "Su referido fue enviado" in page.content()
    panel = page.locator(".crisis-panel")
    assert panel.is_visible()
    assert "oprima 2 para español" in panel.inner_text() and "911" in panel.inner_text()
    axe_check(page)
    save_screenshot(page, "intake-es-confirmation-375")

    referral = Referral.objects.get()
    assert referral.reference in page.locator(".reference-code").inner_text()
    assert referral.language == "es"
    assert referral.preferred_language == "Spanish"
    assert referral.urgent_safety
    assert page.watch.problems() == []


def test_idle_warning_in_spanish(site_url, open_page):
    page = open_page(375, 800)
    page.clock.install()
    page.goto(f"{site_url}/es/refer/self/")
    warning = page.locator("#session-timeout")
    warn_ms = int(warning.get_attribute("data-warn-after")) * 1000
    expire_ms = int(warning.get_attribute("data-expire-after")) * 1000
    page.clock.fast_forward(warn_ms)
    warning.wait_for(state="visible")
    assert "pronto borrará sus respuestas" in warning.inner_text()
    page.clock.fast_forward(expire_ms - warn_ms)
    assert "borró sus respuestas después de 2 horas" in warning.inner_text()
    assert page.get_by_role("button", name="Conservar mis respuestas").is_hidden()
    assert page.watch.problems() == []
