"""Admin view: resume review (needs information → in review)."""

import pytest

from referrals.models import Referral, ReferralEvent
from tests.referrals.admin import matrix as m

ACTION = "resume_review"


@pytest.mark.django_db
class ResumeReviewTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        m.assert_anonymous_redirected(client, make_referral("needs_info"), ACTION)

    def test_staff_without_permission_gets_403(self, staff_client, staff_without_permission, make_referral):
        m.assert_forbidden(staff_client(staff_without_permission), make_referral("needs_info"), ACTION)

    def test_acts_at_once_without_a_confirmation_page(self, staff_client, coordinator, make_referral):
        m.assert_no_confirmation_page(staff_client(coordinator), make_referral("needs_info"), ACTION)

    def test_post_resumes(self, staff_client, coordinator, make_referral):
        referral = make_referral("needs_info")
        since = m.last_notification_id()
        _page, messages = m.post_action(staff_client(coordinator), referral, ACTION)
        referral.refresh_from_db()
        assert referral.status == Referral.Status.IN_REVIEW
        assert any("resumed" in message for message in messages)
        assert ReferralEvent.objects.filter(
            referral=referral, kind="review_resumed", actor=coordinator
        ).exists()
        assert m.new_notifications(referral, since) == ["patient_status_update"]
        m.assert_sent_without_phi(referral, ["patient_status_update"])

    def test_illegal_move_is_refused(self, staff_client, coordinator, make_referral):
        m.assert_illegal(staff_client(coordinator), make_referral("in_review"), ACTION)

    def test_unknown_referral_is_404(self, staff_client, coordinator):
        m.assert_unknown_404(staff_client(coordinator), ACTION)
