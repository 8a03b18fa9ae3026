"""Admin view: withdraw (any open status → withdrawn)."""

import pytest

from referrals.models import Referral, ReferralEvent
from tests.referrals.admin import matrix as m

ACTION = "withdraw"


@pytest.mark.django_db
class WithdrawTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        m.assert_anonymous_redirected(client, make_referral(), ACTION)

    def test_staff_without_permission_gets_403(self, staff_client, staff_without_permission, make_referral):
        m.assert_forbidden(staff_client(staff_without_permission), make_referral(), ACTION)

    def test_get_shows_a_confirmation(self, staff_client, coordinator, make_referral):
        m.assert_confirmation_page(staff_client(coordinator), make_referral("needs_info"), ACTION, "Withdraw")

    @pytest.mark.parametrize(
        "status", ["awaiting_patient", "submitted", "in_review", "needs_info", "cleared"]
    )
    def test_post_withdraws_any_open_referral(self, staff_client, coordinator, make_referral, status):
        referral = make_referral(status)
        since = m.last_notification_id()
        _page, messages = m.post_action(
            staff_client(coordinator), referral, ACTION, {"reason": "Moved away."}
        )
        referral.refresh_from_db()
        assert referral.status == Referral.Status.WITHDRAWN
        assert any("withdrawn" in message for message in messages)
        assert ReferralEvent.objects.get(referral=referral, kind="withdrawn").message == "Moved away."
        assert "patient_status_update" in m.new_notifications(referral, since)
        m.assert_sent_without_phi(referral, ["patient_status_update"])

    @pytest.mark.parametrize("status", ["scheduled", "not_eligible", "withdrawn"])
    def test_closed_referrals_cannot_be_withdrawn(self, staff_client, coordinator, make_referral, status):
        m.assert_illegal(staff_client(coordinator), make_referral(status), ACTION)

    def test_unknown_referral_is_404(self, staff_client, coordinator):
        m.assert_unknown_404(staff_client(coordinator), ACTION)
