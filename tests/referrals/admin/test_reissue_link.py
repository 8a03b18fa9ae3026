"""Admin view: reissue the patient's completion link (awaiting patient only)."""

import pytest

from referrals.models import Referral, ReferralEvent
from tests.referrals.admin import matrix as m

ACTION = "reissue_link"


@pytest.mark.django_db
class ReissueLinkTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        m.assert_anonymous_redirected(client, make_referral("awaiting_patient"), ACTION)

    def test_staff_without_permission_gets_403(self, staff_client, staff_without_permission, make_referral):
        m.assert_forbidden(staff_client(staff_without_permission), make_referral("awaiting_patient"), ACTION)

    def test_get_shows_a_confirmation(self, staff_client, coordinator, make_referral):
        m.assert_confirmation_page(
            staff_client(coordinator), make_referral("awaiting_patient"), ACTION, "the old link stops working"
        )

    def test_post_sends_a_fresh_link(self, staff_client, coordinator, make_referral):
        referral = make_referral("awaiting_patient")
        old_hash = referral.completion_token_hash
        since = m.last_notification_id()
        _page, messages = m.post_action(staff_client(coordinator), referral, ACTION)
        referral.refresh_from_db()
        assert referral.status == Referral.Status.AWAITING_PATIENT
        assert referral.completion_token_hash != old_hash
        assert any("new completion link" in message for message in messages)
        assert ReferralEvent.objects.filter(
            referral=referral, kind="link_reissued", actor=coordinator
        ).exists()
        assert m.new_notifications(referral, since) == ["patient_complete_health_questions"]
        m.assert_sent_without_phi(referral, ["patient_complete_health_questions"])

    def test_illegal_move_is_refused(self, staff_client, coordinator, make_referral):
        m.assert_illegal(
            staff_client(coordinator),
            make_referral("submitted"),
            ACTION,
            expect="only for a referral that is awaiting patient",
        )

    def test_unknown_referral_is_404(self, staff_client, coordinator):
        m.assert_unknown_404(staff_client(coordinator), ACTION)
