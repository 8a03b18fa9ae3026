"""Admin view: request more information (in review → needs information)."""

import pytest

from referrals import demo
from referrals.models import InfoRequest, Referral, ReferralEvent
from tests.referrals.admin import matrix as m

ACTION = "request_info"
DATA = {"audience": "patient", "items": ["blood_pressure", "medications"], "message": "Please send these."}


@pytest.mark.django_db
class RequestInfoTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        m.assert_anonymous_redirected(client, make_referral("in_review"), ACTION, DATA)

    def test_staff_without_permission_gets_403(self, staff_client, staff_without_permission, make_referral):
        m.assert_forbidden(staff_client(staff_without_permission), make_referral("in_review"), ACTION, DATA)

    def test_get_shows_the_form(self, staff_client, coordinator, make_referral):
        referral = make_referral("in_review")
        response = m.assert_confirmation_page(
            staff_client(coordinator), referral, ACTION, "A recent blood pressure reading", "Message"
        )
        # A self-referral has no referring clinician to ask.
        assert "The referring clinician" not in response.content.decode()

    def test_post_asks_the_patient(self, staff_client, coordinator, make_referral):
        referral = make_referral("in_review")
        since = m.last_notification_id()
        _page, messages = m.post_action(staff_client(coordinator), referral, ACTION, DATA)
        referral.refresh_from_db()
        assert referral.status == Referral.Status.NEEDS_INFO
        assert any("Information requested" in message for message in messages)
        info = InfoRequest.objects.get(referral=referral)
        assert info.requested_items == ["blood_pressure", "medications"]
        assert info.audience == "patient"
        assert ReferralEvent.objects.filter(referral=referral, kind="info_requested").exists()
        assert m.new_notifications(referral, since) == ["patient_info_request"]
        sent = m.assert_sent_without_phi(referral, ["patient_info_request"])
        assert "Please send these." not in sent[0].body  # the staff message is shown only behind the link

    def test_post_can_ask_the_referrer(self, staff_client, coordinator, db):
        referral, _token = demo.provider_referral()
        referral = demo.complete_provider_referral(referral)
        demo.advance(referral, "in_review", coordinator=coordinator, clinician=coordinator)
        since = m.last_notification_id()
        data = {"audience": "referrer", "items": ["diagnosis_history"], "message": "Please send the notes."}
        m.post_action(staff_client(coordinator), referral, ACTION, data)
        assert m.new_notifications(referral, since) == ["referrer_info_request"]

    def test_nothing_ticked_or_no_message_shows_errors_and_changes_nothing(
        self, staff_client, coordinator, make_referral
    ):
        referral = make_referral("in_review")
        before = m.snapshot(referral)
        response = staff_client(coordinator).post(m.action_url(referral, ACTION), {"audience": "patient"})
        assert response.status_code == 200
        page = response.content.decode()
        assert "Tick at least one thing you need." in page
        assert "Write a short message" in page
        assert m.snapshot(referral) == before

    def test_illegal_move_is_refused(self, staff_client, coordinator, make_referral):
        m.assert_illegal(staff_client(coordinator), make_referral("submitted"), ACTION, DATA)

    def test_unknown_referral_is_404(self, staff_client, coordinator):
        m.assert_unknown_404(staff_client(coordinator), ACTION, DATA)
