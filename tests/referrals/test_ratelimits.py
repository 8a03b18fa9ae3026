"""Every public form is rate-limited per client, and a limit gets a clear page (429), never a 500."""

import pytest
from django.test import Client
from django.urls import reverse

from referrals.models import Referral
from tests.referrals.intake_driver import IntakeDriver
from tests.referrals.provider_data import completion_token, provider_post, send_provider_referral

pytestmark = pytest.mark.django_db


@pytest.fixture
def tight(settings):
    settings.RATE_LIMITS = {
        **settings.RATE_LIMITS,
        "submit": "2/3600",
        "status": "2/900",
        "form": "3/900",
        "link": "2/900",
    }
    return settings.RATE_LIMITS


def assert_limited(response):
    assert response.status_code == 429
    assert "Please wait a little before trying again" in response.content.decode()
    assert int(response["Retry-After"]) > 0


class RateLimitTests:
    def test_status_page(self, client, tight):
        url = reverse("referrals:check-status")
        for _ in range(2):
            assert (
                client.post(url, {"reference": "KX7-4PQ-M2D", "date_of_birth": "1980-01-01"}).status_code
                == 200
            )
        assert_limited(client.post(url, {"reference": "KX7-4PQ-M2D", "date_of_birth": "1980-01-01"}))
        assert client.get(url).status_code == 200  # reading the page is never limited

    def test_self_check(self, client, tight):
        url = reverse("referrals:self-check")
        for _ in range(3):
            assert client.post(url, {}).status_code == 200
        assert_limited(client.post(url, {}))

    def test_provider_referral_posts(self, client, tight):
        url = reverse("referrals:provider-referral")
        for _ in range(3):
            assert client.post(url, provider_post(npi="1")).status_code == 200
        assert_limited(client.post(url, provider_post()))

    def test_provider_referral_submits_keep_the_form(self, client, tight, settings):
        settings.RATE_LIMITS = {**tight, "form": "30/900"}
        assert send_provider_referral(client).status_code == 302
        assert send_provider_referral(client).status_code == 302
        response = send_provider_referral(client)
        assert response.status_code == 429
        content = response.content.decode()
        assert "Your form is kept" in content and 'value="Dr Robin Example"' in content
        assert Referral.objects.count() == 2

    def test_completion_link_birth_date_checks(self, client, tight):
        send_provider_referral(Client())
        token = completion_token(Referral.objects.get())
        url = reverse("referrals:complete", args=[token])
        for _ in range(2):
            client.post(url, {"date_of_birth": "1900-01-01"})
        assert_limited(client.post(url, {"date_of_birth": "1975-06-15"}))

    def test_intake_submit(self, tight):
        for n in range(3):
            client = Client()
            driver = IntakeDriver(client)
            driver.run_to("review")
            response = client.post(
                reverse("referrals:intake-step", args=["review"]), driver.payload("review")
            )
            if n < 2:
                assert response.status_code == 302
            else:
                assert_limited(response)
        assert Referral.objects.count() == 2

    def test_limits_are_per_client(self, tight):
        url = reverse("referrals:check-status")
        first, second = Client(REMOTE_ADDR="10.0.0.1"), Client(REMOTE_ADDR="10.0.0.2")
        for _ in range(3):
            first.post(url, {})
        assert first.post(url, {}).status_code == 429
        assert second.post(url, {}).status_code == 200
