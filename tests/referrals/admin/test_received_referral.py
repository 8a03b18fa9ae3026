"""A coordinator enters a referral letter received by fax or mail; the patient gets the usual link."""

import uuid

import pytest
from django.urls import reverse

from referrals import demo, workflow
from referrals.exceptions import InvalidTransitionError, WorkflowPermissionError
from referrals.models import Document, Finding, Notification, Referral, ReferralEvent
from tests.referrals.admin.conftest import messages_of
from tests.referrals.provider_data import completion_token, pdf_file, provider_post, upload

pytestmark = pytest.mark.django_db

URL = "admin:referrals_referral_received"


def received_post(**overrides):
    data = provider_post(**{"received_via": "fax", **overrides})
    data.setdefault("referral_letter", pdf_file())
    return data


def errors_for(response, field):
    return [str(e) for e in response.context["form"].errors.get(field, [])]


class ReceivedReferralTests:
    def test_form_is_the_clinicians_form_worded_for_staff(self, staff_client, coordinator):
        response = staff_client(coordinator).get(reverse(URL))
        assert response.status_code == 200
        page = response.content.decode()
        assert "How did the referral letter arrive?" in page
        assert "Their NPI" in page and 'name="icd10_common"' in page and 'name="referral_letter"' in page
        assert 'name="submission_token"' in page

    def test_faxed_letter_becomes_a_provider_referral_awaiting_the_patient(self, staff_client, coordinator):
        client = staff_client(coordinator)
        response = client.post(reverse(URL), received_post())
        referral = Referral.objects.get()
        assert response.status_code == 302
        assert response["Location"] == reverse("admin:referrals_referral_received_done", args=[referral.pk])
        assert referral.status == Referral.Status.AWAITING_PATIENT
        assert referral.source == Referral.Source.PROVIDER
        assert referral.intake_channel == Referral.Channel.FAX
        assert referral.source_label == "Provider referral (received by fax)"
        assert referral.entered_by == coordinator
        assert referral.referrer.npi == "1234567893"
        assert referral.provider_details["icd10_codes"] == ["F33.2", "F41.1"]
        assert referral.provider_details["received_via"] == "fax"
        letter = referral.documents.get()
        assert letter.kind == Document.Kind.REFERRAL_LETTER and letter.content_type == "application/pdf"
        event = ReferralEvent.objects.get(referral=referral, kind="provider_referral")
        assert event.actor == coordinator and event.data == {"channel": "fax"}
        # Exactly the emails the web form sends: the patient's link, the referrer's receipt, staff.
        templates = sorted(Notification.objects.filter(referral=referral).values_list("template", flat=True))
        assert templates == ["patient_complete_health_questions", "referrer_received", "staff_new_referral"]
        assert completion_token(referral)
        # No screening yet: findings, scores and checklist wait for the patient's own answers.
        assert referral.scores == {} and not referral.findings.exists() and not referral.checklist.exists()

        done = client.get(response["Location"])
        page = done.content.decode()
        assert referral.reference in page and "Provider referral (received by fax)" in page
        assert any("The patient has been emailed their link" in m for m in messages_of(done))

    def test_mailed_letter_reads_received_by_mail(self, staff_client, clinician):
        staff_client(clinician).post(reverse(URL), received_post(received_via="mail"))
        referral = Referral.objects.get()
        assert referral.source_label == "Provider referral (received by mail)"
        assert referral.entered_by == clinician

    def test_npi_and_icd10_checks_are_the_web_forms(self, staff_client, coordinator):
        client = staff_client(coordinator)
        response = client.post(
            reverse(URL), received_post(npi="1234567890", icd10_common=[], icd10_other="xyz")
        )
        assert response.status_code == 200
        assert errors_for(response, "npi") == [
            "This is not a valid NPI: its last digit does not match the others. Check it for a typo."
        ]
        assert errors_for(response, "icd10_other")
        assert not Referral.objects.exists()

    def test_letter_goes_through_the_same_content_checks(self, staff_client, coordinator):
        fake = upload("letter.pdf", b"MZ\x90\x00\x03\x00\x00\x00This program cannot be run in DOS mode")
        response = staff_client(coordinator).post(reverse(URL), received_post(referral_letter=fake))
        assert response.status_code == 200
        assert any("not a PDF, JPEG or PNG" in e for e in errors_for(response, "referral_letter"))
        assert not Referral.objects.exists() and not Document.objects.exists()

    def test_letter_is_required(self, staff_client, coordinator):
        data = received_post()
        data.pop("referral_letter")
        response = staff_client(coordinator).post(reverse(URL), data)
        assert errors_for(response, "referral_letter") == [
            "Attach the scanned referral letter as a PDF, JPEG or PNG file"
        ]

    def test_how_it_arrived_is_required(self, staff_client, coordinator):
        response = staff_client(coordinator).post(reverse(URL), received_post(received_via=None))
        assert errors_for(response, "received_via") == ["Choose fax or mail"]
        response = staff_client(coordinator).post(reverse(URL), received_post(received_via="online"))
        assert errors_for(response, "received_via") == ["Choose one of the answers shown"]
        assert not Referral.objects.exists()

    def test_double_submit_makes_one_referral(self, staff_client, coordinator):
        client = staff_client(coordinator)
        data = received_post()
        first = client.post(reverse(URL), data)
        data["referral_letter"] = pdf_file()
        second = client.post(reverse(URL), data)
        assert Referral.objects.count() == 1
        assert first["Location"] == second["Location"]

    def test_duplicate_of_an_open_referral_is_flagged_and_shown(self, staff_client, coordinator):
        earlier = demo.submit(first_name="Casey", last_name="Providerpatient", date_of_birth="1975-06-15")
        client = staff_client(coordinator)
        response = client.post(reverse(URL), received_post(first_name="casey"))
        referral = Referral.objects.exclude(pk=earlier.pk).get()
        assert referral.possible_duplicate
        page = client.get(response["Location"]).content.decode()
        assert "Possible duplicate" in page and earlier.reference in page

    def test_queue_filters_on_how_it_arrived(self, staff_client, coordinator):
        client = staff_client(coordinator)
        client.post(reverse(URL), received_post())
        faxed = Referral.objects.get()
        online = demo.submit(first_name="Olive", last_name="Online")
        changelist = reverse("admin:referrals_referral_changelist")
        page = client.get(changelist, {"channel": "fax"}).content.decode()
        assert faxed.reference in page and online.reference not in page
        assert "Provider (received by fax)" in page
        page = client.get(changelist, {"channel": "online"}).content.decode()
        assert online.reference in page and faxed.reference not in page
        page = client.get(changelist, {"channel": "staff", "source__exact": "provider"}).content.decode()
        assert faxed.reference in page and online.reference not in page
        response = client.get(reverse("admin:referrals_referral_export"), {"channel": "fax"})
        export = b"".join(response.streaming_content).decode()
        assert faxed.reference in export and "Provider referral (received by fax)" in export
        assert online.reference not in export
        review = client.get(reverse("admin:referrals_referral_change", args=[faxed.pk])).content.decode()
        assert "Provider referral (received by fax)" in review and "Entered by" in review
        assert "by coordinator" in review and "entered by staff: received by fax" in review  # the timeline


class ReceivedReferralPermissionTests:
    def test_anonymous_is_sent_to_sign_in(self, client, db):
        for response in (client.get(reverse(URL)), client.post(reverse(URL), received_post())):
            assert response.status_code == 302 and "/staff/login/" in response["Location"]
        assert not Referral.objects.exists()

    @pytest.mark.parametrize("persona", ["clinic_admin", "staff_without_permission"])
    def test_clinic_admin_and_staff_without_the_role_are_refused(self, staff_client, request, persona):
        client = staff_client(request.getfixturevalue(persona))
        assert client.get(reverse(URL)).status_code == 403
        assert client.post(reverse(URL), received_post()).status_code == 403
        assert not Referral.objects.exists() and not Document.objects.exists()

    def test_another_staff_members_done_page_is_not_shown(self, staff_client, coordinator, clinician):
        staff_client(coordinator).post(reverse(URL), received_post())
        referral = Referral.objects.get()
        done = reverse("admin:referrals_referral_received_done", args=[referral.pk])
        assert staff_client(clinician).get(done).status_code == 404

    def test_posted_findings_scores_checklist_and_status_are_ignored(self, staff_client, coordinator):
        smuggled = received_post(
            status="cleared",
            scores='{"phq9": {"total": 27}}',
            findings="bp_severe",
            checklist="done",
            urgent_safety="on",
            entered_by="999",
            intake_channel="online",
        )
        staff_client(coordinator).post(reverse(URL), smuggled)
        referral = Referral.objects.get()
        assert referral.status == Referral.Status.AWAITING_PATIENT
        assert referral.scores == {} and not referral.urgent_safety
        assert referral.entered_by == coordinator and referral.intake_channel == "fax"
        assert not Finding.objects.exists() and not referral.checklist.exists()


class WorkflowEntryGuardTests:
    """The workflow itself refuses staff entry without `enter_referral`, whatever view calls it."""

    def test_clinic_admin_cannot_enter_through_the_workflow(self, clinic_admin):
        answers = demo.answers_with()
        identity = {"first_name": "A", "last_name": "B", "date_of_birth": answers["date_of_birth"]}
        with pytest.raises(WorkflowPermissionError):
            workflow.submit_referral(
                submission_token=uuid.uuid4(),
                identity=identity,
                answers=answers,
                details={},
                today=workflow.clinic_today(),
                questionnaire_version="v",
                entered_by=clinic_admin,
            )
        with pytest.raises(WorkflowPermissionError):
            workflow.create_provider_referral(
                submission_token=uuid.uuid4(),
                referrer={},
                identity=identity,
                provider_details={},
                entered_by=clinic_admin,
                channel="fax",
            )
        assert not Referral.objects.exists()

    def test_a_staff_entered_provider_referral_arrived_by_fax_or_mail(self, coordinator):
        with pytest.raises(InvalidTransitionError):
            workflow.create_provider_referral(
                submission_token=uuid.uuid4(),
                referrer={},
                identity={},
                provider_details={},
                entered_by=coordinator,
                channel="online",
            )
