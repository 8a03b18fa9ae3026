"""Anti-abuse on the public forms: the honeypot, request-size limits and the CSRF failure page."""

import re

import pytest
from django.test import Client
from django.urls import reverse

from referrals.models import Referral
from tests.intake_data import step_data
from tests.intake_flow import payload, run_to

pytestmark = pytest.mark.django_db

HONEYPOT = re.compile(
    r'<div class="visually-hidden" aria-hidden="true">\s*<label for="id_hp_check">Leave this box empty[^<]*</label>\s*'
    r'<input type="text" name="hp_check" id="id_hp_check" value="" tabindex="-1" autocomplete="off">'
)


def about_url():
    return reverse("referrals:intake-step", args=["about"])


class HoneypotTests:
    def test_every_intake_step_carries_the_hidden_field(self, client, settings):
        assert settings.HONEYPOT_FIELD == "hp_check"
        data = step_data("trd")
        seen = []

        def check(url, post):
            page = client.get(url)
            assert HONEYPOT.search(page.content.decode()), f"no honeypot on {url}"
            seen.append(url)

        run_to(client, "review", data, on_request=check)
        assert HONEYPOT.search(client.get(reverse("referrals:intake-step", args=["review"])).content.decode())
        assert len(seen) >= 10

    def test_a_filled_honeypot_gets_a_calm_page_and_stores_nothing(self, client):
        client.get(reverse("referrals:intake"), follow=True)
        post = payload("about", step_data()["about"])
        response = client.post(about_url(), {**post, "hp_check": "http://spam.example.com"})
        assert response.status_code == 400
        body = response.content.decode()
        assert "We could not accept that form" in body
        assert "spam.example.com" not in body and "Avery" not in body
        # The step was not saved in the session.
        assert not client.session["wizard_intake_wizard"]["step_data"]

    def test_a_filled_honeypot_on_the_final_submit_stores_no_referral(self, client):
        review = run_to(client, "review")
        post = payload("review", {}, review)
        response = client.post(reverse("referrals:intake-step", args=["review"]), {**post, "hp_check": "x"})
        assert response.status_code == 400
        assert Referral.objects.count() == 0
        # A person who really did fill it can still submit.
        client.post(reverse("referrals:intake-step", args=["review"]), post)
        assert Referral.objects.count() == 1

    def test_an_empty_honeypot_is_fine(self, client):
        client.get(reverse("referrals:intake"), follow=True)
        post = payload("about", step_data()["about"])
        response = client.post(about_url(), {**post, "hp_check": ""})
        assert response.status_code == 302
        assert response.url == reverse("referrals:intake-step", args=["reason"])


class RequestSizeTests:
    def test_a_huge_field_gets_the_friendly_too_large_page(self, client, settings):
        client.get(reverse("referrals:intake"), follow=True)
        post = payload("about", step_data()["about"])
        post["about-first_name"] = "x" * (settings.DATA_UPLOAD_MAX_MEMORY_SIZE + 10)
        response = client.post(about_url(), post)
        assert response.status_code == 413
        assert "too much to send at once" in response.content.decode()

    def test_too_many_fields_gets_the_friendly_page(self, client, settings):
        client.get(reverse("referrals:intake"), follow=True)
        post = payload("about", step_data()["about"])
        post.update({f"extra{n}": "1" for n in range(settings.DATA_UPLOAD_MAX_NUMBER_FIELDS + 1)})
        response = client.post(about_url(), post)
        assert response.status_code == 413

    def test_a_body_over_the_upload_cap_is_refused_before_it_is_read(self, client, settings):
        settings.MAX_REQUEST_BYTES = 2000
        client.get(reverse("referrals:intake"), follow=True)
        post = payload("about", step_data()["about"])
        post["about-treatments"] = "y" * 3000
        response = client.post(about_url(), post)
        assert response.status_code == 413
        assert "Each file can be up to 10 MB" in response.content.decode()

    def test_the_upload_cap_fits_five_files_of_ten_megabytes(self, settings):
        assert settings.MAX_REQUEST_BYTES >= 5 * 10 * 1024 * 1024
        assert settings.MAX_REQUEST_BYTES <= 5 * 10 * 1024 * 1024 + 2 * 1024 * 1024


class CsrfFailureTests:
    def test_a_missing_token_gets_a_friendly_page(self):
        client = Client(enforce_csrf_checks=True)
        client.get(reverse("referrals:intake"), follow=True)
        response = client.post(about_url(), payload("about", step_data()["about"]))
        assert response.status_code == 403
        body = response.content.decode()
        assert "This form has expired" in body
        assert "Avery" not in body and "CSRF" not in body
