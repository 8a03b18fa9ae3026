"""Admin view: re-screen with the current policy (clinicians and clinic admins), differences shown."""

import pytest

from referrals import demo
from referrals.models import (
    ContraindicationRule,
    Finding,
    Referral,
    ReferralEvent,
    ScreeningPolicy,
    ScreeningRun,
)
from tests.referrals.admin import matrix as m

ACTION = "rescreen"


def stricter_policy():
    ScreeningPolicy.objects.create(
        bp_elevated_systolic=120, bp_elevated_diastolic=75, change_note="Stricter BP for the test."
    )


@pytest.mark.django_db
class RescreenTests:
    def test_anonymous_is_sent_to_sign_in(self, client, make_referral):
        m.assert_anonymous_redirected(client, make_referral("in_review"), ACTION)

    def test_staff_without_permission_and_coordinators_get_403(
        self, staff_client, staff_without_permission, coordinator, make_referral
    ):
        referral = make_referral("in_review")
        m.assert_forbidden(staff_client(staff_without_permission), referral, ACTION)
        m.assert_forbidden(staff_client(coordinator), referral, ACTION)

    def test_get_previews_the_differences(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review")
        stricter_policy()
        m.assert_confirmation_page(
            staff_client(clinician), referral, ACTION, "New findings: bp_elevated (relative)"
        )
        assert ScreeningRun.objects.filter(referral=referral).count() == 1

    def test_post_supersedes_findings_and_keeps_the_old_ones(self, staff_client, clinic_admin, make_referral):
        referral = make_referral("in_review", sleep_apnea=True)
        old_run = ScreeningRun.objects.get(referral=referral, current=True)
        stricter_policy()
        _page, messages = m.post_action(staff_client(clinic_admin), referral, ACTION)
        assert any("New findings: bp_elevated (relative)" in message for message in messages)
        new_run = ScreeningRun.objects.get(referral=referral, current=True)
        assert new_run.pk != old_run.pk and new_run.created_by == clinic_admin
        assert Finding.objects.filter(run=old_run).exists()  # the old set is kept
        event = ReferralEvent.objects.get(referral=referral, kind="rescreened")
        assert event.data["added"] == ["bp_elevated (relative)"]

    def test_a_resolution_carries_over_only_to_the_same_code_and_severity(
        self, staff_client, clinician, make_referral
    ):
        referral = make_referral("in_review", sleep_apnea=True, ketamine_allergy="unsure")
        demo.satisfy_gate(referral, "clearance", clinician=clinician)
        stricter_policy()
        m.post_action(staff_client(clinician), referral, ACTION)
        current = {f.code: f for f in Finding.objects.filter(referral=referral, run__current=True)}
        assert current["airway_sleep_apnea"].resolution == "overridden"
        assert current["bp_elevated"].resolution == ""

    def test_a_cleared_referral_with_new_findings_is_reopened(self, staff_client, clinician, make_referral):
        referral = make_referral("cleared")
        stricter_policy()
        since = m.last_notification_id()
        m.post_action(staff_client(clinician), referral, ACTION)
        referral.refresh_from_db()
        assert referral.status == Referral.Status.IN_REVIEW
        assert ReferralEvent.objects.filter(referral=referral, kind="review_reopened").exists()
        assert m.new_notifications(referral, since) == ["patient_status_update"]

    def test_newly_required_steps_are_added_never_removed(self, staff_client, clinician, make_referral):
        referral = make_referral("in_review", heart_conditions=["arrhythmia"])
        assert referral.checklist.filter(step_id="ecg").exists()
        ContraindicationRule.objects.filter(code="cv_stable_disease").update(active=False)
        m.post_action(staff_client(clinician), referral, ACTION)
        assert referral.checklist.filter(step_id="ecg").exists()

    def test_closed_referral_is_refused(self, staff_client, clinician, make_referral):
        m.assert_illegal(
            staff_client(clinician), make_referral("not_eligible"), ACTION, expect="only for an open referral"
        )

    def test_referral_without_answers_is_refused(self, staff_client, clinician, make_referral):
        m.assert_illegal(
            staff_client(clinician), make_referral("awaiting_patient"), ACTION, expect="no answers"
        )

    def test_unknown_referral_is_404(self, staff_client, clinician):
        m.assert_unknown_404(staff_client(clinician), ACTION)
