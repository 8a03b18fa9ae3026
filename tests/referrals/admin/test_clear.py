"""Admin view: clear (in review → cleared), clinicians only, refused with reasons until the gate holds."""

import pytest

from referrals import demo
from referrals.models import ClearanceItem, Finding, Referral, ReferralEvent
from tests.referrals.admin import matrix as m

ACTION = "clear"


def ready(referral, clinician):
    demo.satisfy_gate(referral, "clearance", clinician=clinician)
    return referral


@pytest.mark.django_db
class ClearTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        m.assert_anonymous_redirected(client, make_referral("in_review"), ACTION)

    def test_staff_without_permission_gets_403(self, staff_client, staff_without_permission, make_referral):
        m.assert_forbidden(staff_client(staff_without_permission), make_referral("in_review"), ACTION)

    def test_coordinator_gets_403(self, staff_client, coordinator, clinician, make_referral):
        referral = ready(make_referral("in_review"), clinician)
        m.assert_forbidden(staff_client(coordinator), referral, ACTION)

    def test_get_lists_what_is_missing(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review", sleep_apnea=True)
        m.assert_confirmation_page(
            staff_client(clinician),
            referral,
            ACTION,
            "This will be refused until these are done",
            "Checklist item not done: Initial consult.",
            "Finding not resolved: airway_sleep_apnea (relative).",
        )

    def test_refused_with_the_reasons_listed(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review", sleep_apnea=True)
        errors = m.assert_illegal(staff_client(clinician), referral, ACTION, expect="cannot be cleared yet")
        assert "<li>Finding not resolved: airway_sleep_apnea (relative).</li>" in errors[0]
        assert "<li>Checklist item not done: Medication reconciliation.</li>" in errors[0]

    def test_confirmed_absolute_finding_blocks(self, staff_client, clinician, make_referral):
        from referrals import workflow

        referral = ready(make_referral("in_review", ketamine_allergy="yes"), clinician)
        finding = Finding.objects.get(referral=referral, code="ketamine_hypersensitivity", run__current=True)
        workflow.resolve_finding(
            finding, actor=clinician, resolution="confirmed", note="Anaphylaxis in 2019."
        )
        errors = m.assert_illegal(staff_client(clinician), referral, ACTION)
        assert "Absolute finding confirmed as present: ketamine_hypersensitivity" in errors[0]

    def test_waived_and_not_applicable_items_count(self, staff_client, clinician, make_referral):
        from referrals import workflow

        referral = make_referral("in_review")
        items = list(referral.checklist.filter(gate="clearance"))
        workflow.update_checklist_item(items[0], actor=clinician, status="waived", reason="Known patient.")
        workflow.update_checklist_item(
            items[1], actor=clinician, status="not_applicable", reason="Not needed."
        )
        ready(referral, clinician)
        m.post_action(staff_client(clinician), referral, ACTION)
        assert Referral.objects.get(pk=referral.pk).status == Referral.Status.CLEARED

    def test_post_clears_with_a_snapshot(self, staff_client, clinician, make_referral):
        referral = ready(make_referral("in_review", sleep_apnea=True), clinician)
        since = m.last_notification_id()
        _page, messages = m.post_action(staff_client(clinician), referral, ACTION)
        referral.refresh_from_db()
        assert referral.status == Referral.Status.CLEARED
        assert any("cleared" in message for message in messages)
        snapshot = referral.clearance_snapshot
        assert snapshot["decided_by"] == clinician.username
        expected = {"code": "airway_sleep_apnea", "severity": "relative", "gate": "clearance",
                    "resolution": "overridden", "note": "Reviewed at consult; risk accepted.",
                    "resolved_by": clinician.username}  # fmt: skip
        assert any(expected.items() <= finding.items() for finding in snapshot["findings"])
        assert all(item["status"] != "pending" for item in snapshot["checklist"] if item["step_id"] != "informed_consent"
                   and item["step_id"] in set(referral.checklist.filter(gate="clearance").values_list("step_id", flat=True)))  # fmt: skip
        assert ReferralEvent.objects.filter(referral=referral, kind="cleared", actor=clinician).exists()
        assert m.new_notifications(referral, since) == ["patient_status_update"]
        m.assert_sent_without_phi(referral, ["patient_status_update"])

    def test_scheduling_gate_items_do_not_block_clearing(self, staff_client, clinician, make_referral):
        referral = ready(make_referral("in_review", escort_available="no"), clinician)
        assert referral.checklist.filter(gate="scheduling", status=ClearanceItem.ItemStatus.PENDING).exists()
        m.post_action(staff_client(clinician), referral, ACTION)
        assert Referral.objects.get(pk=referral.pk).status == Referral.Status.CLEARED

    def test_illegal_move_is_refused(self, staff_client, clinician, make_referral):
        m.assert_illegal(
            staff_client(clinician),
            make_referral("submitted"),
            ACTION,
            expect="only for a referral that is in review",
        )

    def test_unknown_referral_is_404(self, staff_client, clinician):
        m.assert_unknown_404(staff_client(clinician), ACTION)
