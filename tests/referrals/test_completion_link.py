"""The patient's completion link: date of birth first, the same intake, one referral made complete."""

from datetime import timedelta

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from referrals import workflow
from referrals.models import ClearanceItem, Document, Finding, Referral, ReferralEvent
from tests.intake_data import step_data
from tests.referrals.intake_driver import IntakeDriver
from tests.referrals.provider_data import completion_token, image_bytes, send_provider_referral, upload

pytestmark = pytest.mark.django_db
DOB = "1975-06-15"


class CompletionDriver(IntakeDriver):
    """The intake driver pointed at the completion wizard."""

    def start(self):
        self.response = self.client.get(reverse("referrals:complete-intake"), follow=True)
        assert self.response.status_code == 200
        return self.response

    def payload(self, step, values=None, **extra):
        post = super().payload(step, values, **extra)
        post["completion_wizard-current_step"] = post.pop("intake_wizard-current_step")
        return post

    def post(self, step=None, values=None, **extra):
        step = step or self.current_step
        url = reverse("referrals:complete-step", args=[step])
        self.response = self.client.post(url, self.payload(step, values, **extra), follow=True)
        return self.response


def patient_data(**overrides):
    """The patient's own answers: the provider's identity, confirmed."""
    values = {
        "about__first_name": "Casey",
        "about__last_name": "Providerpatient",
        "about__date_of_birth": DOB,
        "about__email": "casey@example.com",
        "about__phone": "(555) 010-0160",
        "reason__secondary_indications": ["anxiety"],
        "consent__signature": "Casey Providerpatient",
    }
    return step_data("trd", **{**values, **overrides})


@pytest.fixture
def provider_referral(client):
    send_provider_referral(Client())
    referral = Referral.objects.get()
    return referral, completion_token(referral)


def open_link(client, token, dob=DOB):
    return client.post(reverse("referrals:complete", args=[token]), {"date_of_birth": dob})


class CompletionLinkTests:
    def test_link_asks_for_the_date_of_birth_and_shows_nothing_else(self, client, provider_referral):
        referral, token = provider_referral
        response = client.get(reverse("referrals:complete", args=[token]))
        assert response.status_code == 200
        content = response.content.decode()
        assert "date of birth" in content
        assert "Casey" not in content and referral.reference not in content

    def test_right_date_of_birth_opens_the_questions_prefilled(self, client, provider_referral):
        _referral, token = provider_referral
        response = open_link(client, token)
        assert response.status_code == 302
        assert response["Location"] == reverse("referrals:complete-intake")
        page = client.get(response["Location"], follow=True)
        assert page.request["PATH_INFO"] == reverse("referrals:complete-step", args=["about"])
        content = page.content.decode()
        assert 'value="Casey"' in content and 'value="1975-06-15"' in content
        assert token not in page.request["PATH_INFO"]
        reason = client.get(reverse("referrals:complete-step", args=["reason"]))
        assert reason.status_code in (200, 302)

    @pytest.mark.parametrize("case", ["wrong_dob", "unknown", "expired", "used", "reissued"])
    def test_every_bad_link_gets_the_same_kind_page(self, client, provider_referral, coordinator, case):
        referral, token = provider_referral
        dob = DOB
        if case == "wrong_dob":
            dob = "1975-06-16"
        elif case == "unknown":
            token = "x" * 43
        elif case == "expired":
            Referral.objects.filter(pk=referral.pk).update(
                completion_expires_at=timezone.now() - timedelta(minutes=1)
            )
        elif case == "used":
            Referral.objects.filter(pk=referral.pk).update(completion_used_at=timezone.now())
        elif case == "reissued":
            workflow.reissue_completion_link(referral, actor=coordinator)
        response = open_link(client, token, dob)
        assert response.status_code == 200
        assert "We could not open your form" in response.content.decode()
        assert "(555) 010-0100" in response.content.decode()  # the clinic's phone number
        assert "completion_referral" not in client.session

    def test_the_wizard_is_closed_without_the_date_of_birth(self, client, provider_referral):
        response = client.get(reverse("referrals:complete-step", args=["about"]))
        assert "We could not open your form" in response.content.decode()

    def test_date_of_birth_checks_are_rate_limited(self, client, provider_referral, settings):
        _referral, token = provider_referral
        settings.RATE_LIMITS = {**settings.RATE_LIMITS, "link": "3/900"}
        for _ in range(3):
            assert open_link(client, token, "1975-06-16").status_code == 200
        assert open_link(client, token).status_code == 429

    def test_a_link_locks_after_many_wrong_dates_from_anywhere(self, provider_referral):
        _referral, token = provider_referral
        for n in range(10):
            Client(REMOTE_ADDR=f"10.0.0.{n}").post(
                reverse("referrals:complete", args=[token]), {"date_of_birth": "1975-06-16"}
            )
        response = open_link(Client(REMOTE_ADDR="10.0.1.1"), token)
        assert "We could not open your form" in response.content.decode()

    def test_completing_makes_the_same_referral_submitted_screened_and_checklisted(
        self, client, provider_referral
    ):
        referral, token = provider_referral
        open_link(client, token)
        driver = CompletionDriver(client, patient_data())
        driver.start()
        response = driver.complete()
        assert response.request["PATH_INFO"] == reverse("referrals:intake-confirmation")
        assert Referral.objects.count() == 1
        referral.refresh_from_db()
        assert referral.status == Referral.Status.SUBMITTED
        assert referral.source == Referral.Source.PROVIDER
        assert referral.completion_used_at is not None
        assert referral.answers["indication"] == "trd"
        assert referral.scores["phq9"]["total"] == 0
        assert referral.differences == []
        steps = set(referral.checklist.values_list("step_id", flat=True))
        assert {"referral_received", "records_received", "suicide_risk_screen"} <= steps
        assert "roi_authorization" not in steps  # the provider's letter counts as the records
        assert referral.screening_runs.filter(current=True).exists()
        assert ReferralEvent.objects.filter(referral=referral, kind="patient_completed").exists()
        assert referral.reference in response.content.decode()

    def test_findings_come_from_the_patients_answers(self, client, provider_referral):
        referral, token = provider_referral
        open_link(client, token)
        driver = CompletionDriver(client, patient_data(health_mind__psychosis_current="yes"))
        driver.start()
        driver.complete()
        codes = set(Finding.objects.filter(referral=referral).values_list("code", flat=True))
        assert "psychosis_active" in codes
        assert Referral.objects.get().has_absolute

    def test_differences_between_provider_and_patient_are_recorded(self, client, provider_referral):
        referral, token = provider_referral
        open_link(client, token)
        data = patient_data(
            about__date_of_birth="1975-07-15",
            about__phone="555 010 0199",
            reason__indication="ptsd",
            reason__secondary_indications=[],
        )
        driver = CompletionDriver(client, data)
        driver.start()
        driver.complete()
        referral.refresh_from_db()
        rows = {row["field"]: row for row in referral.differences}
        assert set(rows) == {"date_of_birth", "phone", "indication", "secondary_indications"}
        assert rows["date_of_birth"] == {
            "field": "date_of_birth",
            "label": "Date of birth",
            "provider": "1975-06-15",
            "patient": "1975-07-15",
        }
        assert rows["indication"]["provider"] == "trd" and rows["indication"]["patient"] == "ptsd"
        # The patient's confirmed answers are what was screened and stored.
        assert referral.date_of_birth.isoformat() == "1975-07-15"
        assert referral.answers["indication"] == "ptsd"

    def test_a_used_link_cannot_be_used_again(self, client, provider_referral):
        _referral, token = provider_referral
        open_link(client, token)
        driver = CompletionDriver(client, patient_data())
        driver.start()
        driver.complete()
        again = open_link(Client(), token)
        assert "We could not open your form" in again.content.decode()
        # The same browser going back to a step sees its confirmation, not the form.
        response = client.get(reverse("referrals:complete-step", args=["about"]))
        assert response.status_code == 302
        assert response["Location"] == reverse("referrals:intake-confirmation")

    def test_double_submit_keeps_one_referral(self, client, provider_referral):
        referral, token = provider_referral
        open_link(client, token)
        driver = CompletionDriver(client, patient_data())
        driver.run_to("review")
        payload = driver.payload("review")
        url = reverse("referrals:complete-step", args=["review"])
        client.post(url, payload)
        second = client.post(url, payload)
        assert second.status_code == 302
        assert Referral.objects.count() == 1
        assert ReferralEvent.objects.filter(referral=referral, kind="patient_completed").count() == 1

    def test_patient_documents_join_the_referral(self, client, provider_referral):
        referral, token = provider_referral
        open_link(client, token)
        driver = CompletionDriver(client, patient_data())
        driver.run_to("documents")
        driver.post("documents", {}, **{"documents-files": [upload("scan.png", image_bytes())]})
        assert driver.current_step == "practical"
        driver.complete()
        assert Document.objects.filter(referral=referral).count() == 2
        assert not Document.objects.filter(referral__isnull=True).exists()

    def test_status_items_come_from_the_checklist_definitions(self, client, provider_referral):
        referral, token = provider_referral
        open_link(client, token)
        driver = CompletionDriver(client, patient_data())
        driver.start()
        driver.complete()
        assert ClearanceItem.objects.filter(referral=referral).count() > 10


class CompletionReviewTests:
    def test_change_links_stay_in_the_completion_flow(self, client, provider_referral):
        _referral, token = provider_referral
        open_link(client, token)
        driver = CompletionDriver(client, patient_data())
        driver.run_to("review")
        page = driver.response.content.decode()
        assert f'href="{reverse("referrals:complete-step", args=["health"])}"' in page
        assert reverse("referrals:intake-step", args=["health"]) not in page
        assert "complete your referral" in page
