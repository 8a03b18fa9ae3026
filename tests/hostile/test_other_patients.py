"""Attempts to reach another patient's status, documents or links: the same kind answer, nothing shown."""

import re

import pytest
from django.core.files.base import ContentFile
from django.test import Client
from django.urls import reverse
from hypothesis import given
from hypothesis import strategies as st

from referrals.models import Document
from tests.hostile.strategies import SUITE, assert_clear, reset_limits

pytestmark = pytest.mark.django_db

VALUES = re.compile(r'value="[^"]*"')


def page_text(response) -> str:
    # What the visitor typed is shown back in the form; everything else must be identical.
    return VALUES.sub("", response.content.decode())


class StatusTests:
    @SUITE
    @given(reference=st.one_of(st.text(max_size=15), st.from_regex(r"[A-Z2-9]{3}-[A-Z2-9]{3}-[A-Z2-9]{3}", fullmatch=True)),
           dob=st.dates().map(str))  # fmt: skip
    def test_wrong_codes_and_birth_dates_look_the_same(self, client, provider_referral, reference, dob):
        referral, _token = provider_referral
        reset_limits()
        url = reverse("referrals:check-status")
        wrong_dob = client.post(url, {"reference": referral.reference, "date_of_birth": "1975-06-16"})
        guess = client.post(url, {"reference": reference, "date_of_birth": dob})
        assert_clear(guess)
        if guess.status_code == 200 and "not_found" in (guess.context or {}):
            assert page_text(guess) == page_text(wrong_dob)
        for response in (wrong_dob, guess):
            assert b"Casey" not in response.content and b"Otherpatient" not in response.content

    def test_the_right_code_and_birth_date_show_the_stage_only(self, client, provider_referral):
        referral, _token = provider_referral
        response = client.post(
            reverse("referrals:check-status"),
            {"reference": referral.reference, "date_of_birth": "1975-06-15"},
        )
        assert response.status_code == 200
        assert b"Casey" not in response.content and b"casey@example.com" not in response.content

    def test_guessing_is_rate_limited(self, client, settings):
        url = reverse("referrals:check-status")
        limit = int(settings.RATE_LIMITS["status"].split("/")[0])
        codes = [client.post(url, {"reference": f"AAA-AAA-A{n:02d}", "date_of_birth": "1980-01-01"}).status_code
                 for n in range(limit + 2)]  # fmt: skip
        assert codes[-1] == 429 and 500 not in codes


class DocumentTests:
    def test_documents_are_not_reachable_without_permission(
        self, provider_referral, staff_without_permission
    ):
        referral, _token = provider_referral
        document = Document(referral=referral, original_name="letter.pdf", content_type="application/pdf",
                            size=8, sha256="0" * 64)  # fmt: skip
        document.file.save("x", ContentFile(b"%PDF-1.4"), save=False)
        document.save()
        url = reverse("referrals:document-download", args=[document.pk])
        anonymous = Client().get(url)
        assert anonymous.status_code in (302, 403)
        assert b"%PDF" not in anonymous.content
        staff = Client()
        staff.force_login(staff_without_permission)
        assert staff.get(url).status_code == 403
        for pk in (document.pk + 1, 0, 999999):
            assert Client().get(reverse("referrals:document-download", args=[pk])).status_code in (
                302,
                403,
                404,
            )
        # Never under a public URL: no route serves the storage.
        for public in (
            f"/{document.file.name}",
            f"/media/{document.file.name}",
            f"/static/{document.file.name}",
        ):
            assert Client().get(public).status_code == 404


class LinkTests:
    def test_another_patients_completion_link_asks_and_refuses(self, client, provider_referral):
        _referral, token = provider_referral
        url = reverse("referrals:complete", args=[token])
        first = client.get(url)
        assert first.status_code == 200 and b"Casey" not in first.content
        wrong = client.post(url, {"date_of_birth": "1980-01-01"})
        assert_clear(wrong)
        assert b"Casey" not in wrong.content and b"Providerpatient" not in wrong.content
        # Without a passed check, the wizard shows nothing of anyone.
        response = client.get(reverse("referrals:complete-intake"), follow=True)
        assert_clear(response)
        assert b"Casey" not in response.content

    def test_another_patients_info_link_asks_and_refuses(self, client, info_request):
        _info, token = info_request
        url = reverse("referrals:info-response", args=[token])
        assert b"Please send these" not in client.get(url).content
        response = client.post(url, {"date_of_birth": "1990-01-01"})
        assert_clear(response)
        assert b"Please send these" not in response.content
        response = client.post(url, {"stage": "answer", "medications": "x"})
        assert_clear(response)
        assert b"Please send these" not in response.content

    def test_a_confirmation_page_is_only_for_the_session_that_submitted(self):
        response = Client().get(reverse("referrals:intake-confirmation"))
        assert response.status_code == 302
