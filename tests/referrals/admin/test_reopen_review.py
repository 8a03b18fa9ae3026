"""Admin view: reopen review (cleared → in review), clinicians only."""

import pytest

from referrals.models import Referral, ReferralEvent
from tests.referrals.admin import matrix as m

ACTION = "reopen_review"


@pytest.mark.django_db
class ReopenReviewTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        m.assert_anonymous_redirected(client, make_referral("cleared"), ACTION)

    def test_staff_without_permission_and_coordinators_get_403(
        self, staff_client, staff_without_permission, coordinator, make_referral
    ):
        referral = make_referral("cleared")
        m.assert_forbidden(staff_client(staff_without_permission), referral, ACTION)
        m.assert_forbidden(staff_client(coordinator), referral, ACTION)

    def test_get_shows_a_confirmation(self, staff_client, clinician, make_referral):
        m.assert_confirmation_page(staff_client(clinician), make_referral("cleared"), ACTION, "Reopen review")

    def test_post_reopens(self, staff_client, clinician, make_referral):
        referral = make_referral("cleared")
        since = m.last_notification_id()
        data = {"reason": "New cardiology letter."}
        _page, messages = m.post_action(staff_client(clinician), referral, ACTION, data)
        referral.refresh_from_db()
        assert referral.status == Referral.Status.IN_REVIEW
        assert any("reopened" in message for message in messages)
        event = ReferralEvent.objects.get(referral=referral, kind="review_reopened")
        assert event.message == "New cardiology letter."
        assert m.new_notifications(referral, since) == ["patient_status_update"]
        m.assert_sent_without_phi(referral, ["patient_status_update"])

    def test_illegal_move_is_refused(self, staff_client, clinician, make_referral):
        m.assert_illegal(staff_client(clinician), make_referral("in_review"), ACTION)

    def test_unknown_referral_is_404(self, staff_client, clinician):
        m.assert_unknown_404(staff_client(clinician), ACTION)
