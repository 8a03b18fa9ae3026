"""Admin view: schedule (cleared → scheduled): the clearance gate must still hold, and the scheduling gate."""

import pytest

from referrals import demo, workflow
from referrals.models import ClearanceItem, Referral, ReferralEvent
from tests.referrals.admin import matrix as m

ACTION = "schedule"


@pytest.mark.django_db
class ScheduleTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        m.assert_anonymous_redirected(client, make_referral("cleared"), ACTION)

    def test_staff_without_permission_gets_403(self, staff_client, staff_without_permission, make_referral):
        m.assert_forbidden(staff_client(staff_without_permission), make_referral("cleared"), ACTION)

    def test_get_lists_the_scheduling_gate(self, staff_client, coordinator, make_referral):
        m.assert_confirmation_page(
            staff_client(coordinator),
            make_referral("cleared"),
            ACTION,
            "Checklist item not done: Informed consent.",
        )

    def test_refused_until_the_scheduling_gate_holds(self, staff_client, coordinator, make_referral):
        referral = make_referral("cleared", escort_available="no")
        errors = m.assert_illegal(
            staff_client(coordinator), referral, ACTION, expect="cannot be scheduled yet"
        )
        assert "Finding not resolved: no_escort (absolute)." in errors[0]

    def test_completing_escort_arranged_resolves_no_escort(
        self, staff_client, coordinator, clinician, make_referral
    ):
        referral = make_referral("cleared", escort_available="no")
        for item in referral.checklist.filter(gate="scheduling"):
            workflow.update_checklist_item(item, actor=clinician, status=ClearanceItem.ItemStatus.DONE)
        m.post_action(staff_client(coordinator), referral, ACTION)
        assert Referral.objects.get(pk=referral.pk).status == Referral.Status.SCHEDULED

    def test_refused_when_the_clearance_gate_no_longer_holds(
        self, staff_client, coordinator, clinician, make_referral
    ):
        referral = make_referral("cleared")
        demo.satisfy_gate(referral, "scheduling", clinician=clinician)
        item = referral.checklist.get(step_id="records_received")
        workflow.update_checklist_item(item, actor=coordinator, status=ClearanceItem.ItemStatus.PENDING)
        errors = m.assert_illegal(staff_client(coordinator), referral, ACTION)
        assert "Checklist item not done: Outside records received." in errors[0]

    def test_post_schedules(self, staff_client, coordinator, clinician, make_referral):
        referral = make_referral("cleared")
        demo.satisfy_gate(referral, "scheduling", clinician=clinician)
        since = m.last_notification_id()
        _page, messages = m.post_action(staff_client(coordinator), referral, ACTION)
        referral.refresh_from_db()
        assert referral.status == Referral.Status.SCHEDULED
        assert any("scheduled" in message for message in messages)
        assert ReferralEvent.objects.filter(referral=referral, kind="scheduled", actor=coordinator).exists()
        assert m.new_notifications(referral, since) == ["patient_status_update"]
        m.assert_sent_without_phi(referral, ["patient_status_update"])

    def test_illegal_move_is_refused(self, staff_client, coordinator, make_referral):
        m.assert_illegal(
            staff_client(coordinator),
            make_referral("in_review"),
            ACTION,
            expect="only for a referral that is cleared",
        )

    def test_unknown_referral_is_404(self, staff_client, coordinator):
        m.assert_unknown_404(staff_client(coordinator), ACTION)
