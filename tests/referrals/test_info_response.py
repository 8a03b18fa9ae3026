"""The public information-request reply page: date of birth first, only the ticked items, one reply."""

from datetime import date, timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from referrals import demo, workflow
from referrals.models import InfoRequest, Referral, ReferralEvent


@pytest.fixture
def asked(db, coordinator, clinician):
    """A referral in needs_info, with the token of its request (blood pressure and medicines)."""
    referral = demo.make_referral("in_review", coordinator=coordinator, clinician=clinician)
    info, token = workflow.request_info(
        referral,
        actor=coordinator,
        items=["blood_pressure", "medications"],
        message="Please send these <b>now</b>.",
    )
    return referral, info, token


def url(token):
    return reverse("referrals:info-response", args=[token])


def verify(client, token, born="1981-04-12"):
    return client.post(url(token), {"stage": "verify", "date_of_birth": born})


REPLY = {
    "stage": "answer",
    "bp_systolic": "132",
    "bp_diastolic": "84",
    "bp_taken_on": "2026-11-01",
    "medications": "Duloxetine 60 mg daily",
}


@pytest.mark.django_db
class InfoResponseTests:
    def test_asks_for_the_date_of_birth_first_and_shows_nothing_else(self, client, asked):
        _referral, _info, token = asked
        page = client.get(url(token)).content.decode()
        assert "date of birth" in page
        assert "Please send these" not in page

    def test_wrong_date_of_birth_gets_the_same_page_as_a_wrong_link(self, client, asked):
        _referral, _info, token = asked
        wrong_date = verify(client, token, "1990-01-01").content.decode()
        wrong_link = verify(client, "not-a-real-token", "1981-04-12").content.decode()
        assert "We could not open this request" in wrong_date
        assert wrong_date == wrong_link

    def test_asks_only_for_the_ticked_items(self, client, asked):
        _referral, _info, token = asked
        response = verify(client, token)
        assert response.status_code == 302
        page = client.get(url(token)).content.decode()
        assert "Top number (systolic)" in page and "Your current medicines" in page
        assert "Insurance company" not in page and "Who will take you home" not in page
        assert "Please send these &lt;b&gt;now&lt;/b&gt;." in page  # the staff message, escaped

    def test_reply_is_kept_apart_and_returns_the_referral_to_review(self, client, asked):
        referral, info, token = asked
        answers_before = Referral.objects.get(pk=referral.pk).answers
        verify(client, token)
        response = client.post(url(token), REPLY)
        assert response.status_code == 200
        assert "Thank you: we have your information" in response.content.decode()
        info.refresh_from_db()
        assert info.response == {
            "blood_pressure": {"bp_systolic": 132, "bp_diastolic": 84, "bp_taken_on": "2026-11-01"},
            "medications": "Duloxetine 60 mg daily",
        }
        referral.refresh_from_db()
        assert referral.status == Referral.Status.IN_REVIEW
        assert referral.answers == answers_before
        assert ReferralEvent.objects.filter(referral=referral, kind="info_received").exists()

    def test_the_link_works_once(self, client, asked):
        _referral, _info, token = asked
        verify(client, token)
        client.post(url(token), REPLY)
        assert "We could not open this request" in verify(client, token).content.decode()

    def test_validation_messages(self, client, asked):
        referral, _info, token = asked
        verify(client, token)
        future = (timezone.localdate() + timedelta(days=3)).isoformat()
        response = client.post(url(token), {"stage": "answer", "bp_systolic": "20", "bp_taken_on": future})
        page = response.content.decode()
        assert "The top number must be 60 or more" in page
        assert "Enter the bottom number" in page
        assert "The date cannot be in the future" in page
        assert "Enter your current medicines" in page
        assert Referral.objects.get(pk=referral.pk).status == Referral.Status.NEEDS_INFO

    def test_expired_link(self, client, asked):
        _referral, info, token = asked
        InfoRequest.objects.filter(pk=info.pk).update(expires_at=timezone.now() - timedelta(minutes=1))
        assert "We could not open this request" in verify(client, token).content.decode()

    def test_no_longer_needed_once_staff_resumed(self, client, asked, coordinator):
        referral, _info, token = asked
        workflow.resume_review(Referral.objects.get(pk=referral.pk), actor=coordinator)
        assert "We could not open this request" in verify(client, token).content.decode()

    def test_answering_without_verifying_is_refused(self, client, asked):
        referral, _info, token = asked
        assert "We could not open this request" in client.post(url(token), REPLY).content.decode()
        assert Referral.objects.get(pk=referral.pk).status == Referral.Status.NEEDS_INFO

    def test_guessing_is_capped_per_link(self, client, asked):
        _referral, _info, token = asked
        for _ in range(5):
            verify(client, token, "1990-01-01")
        assert "We could not open this request" in verify(client, token).content.decode()

    def test_rate_limited(self, client, asked, settings):
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "form": "2/900"}
        _referral, _info, token = asked
        verify(client, token, "1990-01-01")
        verify(client, token, "1990-01-01")
        assert verify(client, token).status_code == 429

    def test_insurance_needs_details_when_insured(self, client, coordinator, clinician, db):
        referral = demo.make_referral("in_review", coordinator=coordinator, clinician=clinician,
                                      date_of_birth=date(1970, 1, 2))  # fmt: skip
        _info, token = workflow.request_info(
            referral, actor=coordinator, items=["insurance"], message="Insurance?"
        )
        verify(client, token, "1970-01-02")
        page = client.post(url(token), {"stage": "answer", "payment": "insurance"}).content.decode()
        assert "Enter the insurance company" in page and "Enter the member ID" in page
