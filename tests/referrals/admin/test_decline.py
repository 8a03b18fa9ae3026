"""Admin view: decline (in review → not eligible), clinicians only, a reason required."""

import pytest

from referrals.models import Referral, ReferralEvent
from tests.referrals.admin import matrix as m

ACTION = "decline"
DATA = {"reason": "Recent myocardial infarction; cardiology advises against."}


@pytest.mark.django_db
class DeclineTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        m.assert_anonymous_redirected(client, make_referral("in_review"), ACTION, DATA)

    def test_staff_without_permission_and_coordinators_get_403(
        self, staff_client, staff_without_permission, coordinator, make_referral
    ):
        referral = make_referral("in_review")
        m.assert_forbidden(staff_client(staff_without_permission), referral, ACTION, DATA)
        m.assert_forbidden(staff_client(coordinator), referral, ACTION, DATA)

    def test_get_shows_the_form(self, staff_client, clinician, make_referral):
        m.assert_confirmation_page(
            staff_client(clinician), make_referral("in_review"), ACTION, "Reason for declining"
        )

    def test_reason_is_required(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review")
        before = m.snapshot(referral)
        response = staff_client(clinician).post(m.action_url(referral, ACTION), {"reason": "  "})
        assert response.status_code == 200
        assert "Give the reason for declining." in response.content.decode()
        assert m.snapshot(referral) == before

    def test_post_declines_and_the_message_is_templated(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review", recent_cardiac_event=True)
        since = m.last_notification_id()
        _page, messages = m.post_action(staff_client(clinician), referral, ACTION, DATA)
        referral.refresh_from_db()
        assert referral.status == Referral.Status.NOT_ELIGIBLE
        assert referral.decision_reason == DATA["reason"]
        assert any("declined" in message for message in messages)
        assert ReferralEvent.objects.filter(referral=referral, kind="declined", actor=clinician).exists()
        assert m.new_notifications(referral, since) == ["patient_status_update"]
        sent = m.assert_sent_without_phi(referral, ["patient_status_update"])
        assert "myocardial" not in sent[0].body

    def test_illegal_move_is_refused(self, staff_client, clinician, make_referral):
        m.assert_illegal(staff_client(clinician), make_referral("cleared"), ACTION, DATA)

    def test_unknown_referral_is_404(self, staff_client, clinician):
        m.assert_unknown_404(staff_client(clinician), ACTION, DATA)
