"""The review page: everything a reviewer needs, read-only answers, and who may see it."""

import pytest
from django.utils.html import escape

from referrals.models import Referral, ReferralEvent
from referrals.questionnaires import DEFAULT_VERSION
from tests.referrals.admin.conftest import change_url


@pytest.mark.django_db
class ChangeViewTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        referral = make_referral()
        response = client.get(change_url(referral))
        assert response.status_code == 302
        assert "/staff/login/" in response["Location"]

    def test_staff_without_permission_is_refused(self, staff_client, staff_without_permission, make_referral):
        referral = make_referral()
        response = staff_client(staff_without_permission).get(change_url(referral))
        assert response.status_code == 403

    def test_shows_the_whole_review(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review", sleep_apnea=True, phq9=[0, 0, 0, 0, 0, 0, 0, 0, 2])
        response = staff_client(clinician).get(change_url(referral))
        assert response.status_code == 200
        page = response.content.decode()
        for text in (
            referral.reference,
            "Answers, as the patient saw them",
            DEFAULT_VERSION,
            "PHQ-9 (depression)",
            "Item 9 (thoughts of death or self-harm) answered 2 of 3",
            "Sleep apnea or airway risk",
            "Field Trip protocol",  # the rule's help text
            "Clearance checklist",
            "Timeline",
            "Review started",
            "Request information",
            "Clear for treatment",
            "Decline",
        ):
            assert text in page, text

    def test_coordinator_sees_no_clinician_buttons_or_finding_forms(
        self, staff_client, coordinator, make_referral
    ):
        referral = make_referral("in_review", sleep_apnea=True)
        page = staff_client(coordinator).get(change_url(referral)).content.decode()
        assert "Request information" in page
        assert "Clear for treatment" not in page
        assert "finding-" in page and 'name="finding-' not in page
        assert "Clinician only" in page

    def test_answers_are_not_editable_and_only_notes_and_assignee_save(
        self, staff_client, coordinator, make_referral
    ):
        referral = make_referral("in_review")
        client = staff_client(coordinator)
        response = client.post(
            change_url(referral),
            {"assignee": coordinator.pk, "staff_notes": "Called the patient.", "status": "cleared",
             "first_name": "Changed", "answers": "{}"},
        )  # fmt: skip
        assert response.status_code == 302
        referral.refresh_from_db()
        assert referral.staff_notes == "Called the patient."
        assert referral.status == Referral.Status.IN_REVIEW
        assert referral.first_name == "Avery"
        assert referral.answers["sex_at_birth"] == "male"
        assert ReferralEvent.objects.filter(referral=referral, kind="staff_edit").exists()

    def test_saving_notes_never_overwrites_a_status_changed_meanwhile(
        self, staff_client, coordinator, make_referral
    ):
        referral = make_referral("in_review")
        stale = Referral.objects.get(pk=referral.pk)
        Referral.objects.filter(pk=referral.pk).update(status=Referral.Status.CLEARED)
        stale.staff_notes = "Note"
        stale.save(update_fields=["staff_notes"])
        assert Referral.objects.get(pk=referral.pk).status == Referral.Status.CLEARED

    def test_free_text_is_escaped(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review", first_name="<script>alert(1)</script>")
        Referral.objects.filter(pk=referral.pk).update(staff_notes="<b>bold</b>")
        page = staff_client(clinician).get(change_url(referral)).content.decode()
        assert "<script>alert(1)</script>" not in page
        assert escape("<script>alert(1)</script>") in page

    def test_no_delete(self, staff_client, superuser, make_referral):
        referral = make_referral()
        response = staff_client(superuser).post(
            change_url(referral).replace("change/", "delete/"), {"post": "yes"}
        )
        assert response.status_code == 403
        assert Referral.objects.filter(pk=referral.pk).exists()

    def test_unknown_referral(self, staff_client, clinician):
        response = staff_client(clinician).get("/staff/referrals/referral/999999/change/")
        assert response.status_code == 302  # the admin redirects a missing object to the index with a message
