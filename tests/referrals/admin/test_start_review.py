"""Admin view: start review (submitted → in review)."""

import pytest

from referrals import demo
from referrals.models import Referral, ReferralEvent
from tests.referrals.admin import matrix as m

ACTION = "start_review"


@pytest.mark.django_db
class StartReviewTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        m.assert_anonymous_redirected(client, make_referral(), ACTION)

    def test_staff_without_permission_gets_403(self, staff_client, staff_without_permission, make_referral):
        m.assert_forbidden(staff_client(staff_without_permission), make_referral(), ACTION)

    def test_acts_at_once_without_a_confirmation_page(self, staff_client, coordinator, make_referral):
        m.assert_no_confirmation_page(staff_client(coordinator), make_referral(), ACTION)

    def test_post_starts_review_assigns_and_tells_the_patient(self, staff_client, coordinator, make_referral):
        referral = make_referral()
        since = m.last_notification_id()
        page, messages = m.post_action(staff_client(coordinator), referral, ACTION)
        referral.refresh_from_db()
        assert referral.status == Referral.Status.IN_REVIEW
        assert referral.assignee == coordinator
        assert any("started" in message for message in messages)
        assert ReferralEvent.objects.filter(
            referral=referral, kind="review_started", actor=coordinator
        ).exists()
        assert m.new_notifications(referral, since) == ["patient_status_update"]
        m.assert_sent_without_phi(referral, ["patient_status_update"])

    def test_provider_referral_tells_the_referrer_too(self, staff_client, clinician, db):
        referral, _token = demo.provider_referral()
        referral = demo.complete_provider_referral(referral, indication="ptsd")
        since = m.last_notification_id()
        m.post_action(staff_client(clinician), referral, ACTION)
        assert m.new_notifications(referral, since) == ["patient_status_update", "referrer_status_update"]

    def test_illegal_move_is_refused(self, staff_client, coordinator, make_referral):
        m.assert_illegal(staff_client(coordinator), make_referral("in_review"), ACTION, expect="cannot")

    def test_a_cleared_referral_cannot_be_restarted(self, staff_client, coordinator, make_referral):
        m.assert_illegal(staff_client(coordinator), make_referral("cleared"), ACTION, expect="cannot")

    def test_get_of_an_illegal_move_explains(self, staff_client, coordinator, make_referral):
        referral = make_referral("cleared")
        response = staff_client(coordinator).get(m.action_url(referral, ACTION), follow=True)
        assert any("not possible now" in str(message) for message in response.context["messages"])

    def test_unknown_referral_is_404(self, staff_client, coordinator):
        m.assert_unknown_404(staff_client(coordinator), ACTION)
