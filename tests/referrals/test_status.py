"""The status page: only the stage, the same answer for a wrong code as for a wrong date of birth."""

import re
from datetime import date

import pytest
from django.urls import reverse

from referrals.models import Referral

pytestmark = pytest.mark.django_db
URL = "/status/"


def make_referral(status=Referral.Status.SUBMITTED, **fields):
    return Referral.objects.create(
        source=Referral.Source.SELF,
        status=status,
        first_name="Avery",
        last_name="Statuspatient",
        date_of_birth=date(1981, 4, 12),
        email="avery@example.com",
        **fields,
    )


def look_up(client, reference, dob="1981-04-12"):
    return client.post(reverse("referrals:check-status"), {"reference": reference, "date_of_birth": dob})


def result_text(response) -> str:
    match = re.search(
        r'<section class="callout[^"]*status-result".*?</section>', response.content.decode(), re.S
    )
    return match.group(0) if match else ""


class StatusPageTests:
    def test_page_renders(self, client):
        response = client.get(reverse("referrals:check-status"))
        assert response.status_code == 200
        assert reverse("referrals:check-status") == URL

    @pytest.mark.parametrize(
        ("status", "words"),
        [
            ("submitted", "Received"),
            ("awaiting_patient", "Waiting for your health questions"),
            ("in_review", "In review"),
            ("needs_info", "More information needed"),
            ("cleared", "Cleared: we will call you"),
            ("scheduled", "Scheduled"),
            ("not_eligible", "Not eligible at this time"),
            ("withdrawn", "Withdrawn"),
        ],
    )
    def test_each_status_in_plain_words(self, client, status, words):
        referral = make_referral(status=status)
        response = look_up(client, referral.reference)
        assert response.status_code == 200
        assert words in result_text(response)
        assert "Avery" not in response.content.decode()

    def test_not_eligible_is_kind_and_gives_the_phone_number(self, client):
        referral = make_referral(status="not_eligible")
        text = result_text(look_up(client, referral.reference))
        assert "call us" in text

    @pytest.mark.parametrize("typed", ["lower", "nodashes", "spaces"])
    def test_code_in_any_case_with_or_without_dashes(self, client, typed):
        referral = make_referral()
        code = referral.reference
        variants = {
            "lower": code.lower(),
            "nodashes": code.replace("-", ""),
            "spaces": " " + code.replace("-", " ").lower() + " ",
        }
        assert "Received" in result_text(look_up(client, variants[typed]))

    def test_wrong_code_and_wrong_birth_date_get_the_same_answer(self, client):
        referral = make_referral()
        other = "".join("A" if c != "A" else "B" for c in referral.reference.replace("-", ""))
        wrong_code = look_up(client, other)
        wrong_dob = look_up(client, referral.reference, "1981-04-13")
        assert wrong_code.status_code == wrong_dob.status_code == 200
        assert result_text(wrong_code) == result_text(wrong_dob)
        assert "We could not find a referral" in result_text(wrong_code)
        strip = lambda r: re.sub(r'name="csrfmiddlewaretoken" value="[^"]+"', "", r.content.decode())  # noqa: E731
        # Only what was typed differs between the two pages (it is shown back in the boxes).
        page_a = strip(wrong_code).replace(other, "CODE").replace("1981-04-12", "DOB")
        page_b = strip(wrong_dob).replace(referral.reference, "CODE").replace("1981-04-13", "DOB")
        assert page_a == page_b

    def test_malformed_code_gets_a_clear_message(self, client):
        response = look_up(client, "KX7")
        assert "Enter the 9 letters and numbers of your reference code" in response.content.decode()

    def test_missing_birth_date_gets_a_clear_message(self, client):
        response = look_up(client, "KX7-4PQ-M2D", "")
        assert "Enter your date of birth" in response.content.decode()

    def test_lookups_are_rate_limited(self, client, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "status": "3/900"}
        referral = make_referral()
        for _ in range(3):
            assert look_up(client, referral.reference, "1990-01-01").status_code == 200
        response = look_up(client, referral.reference)
        assert response.status_code == 429
        assert "Received" not in response.content.decode()
