"""workflow.py: guards, permissions, the clearance and scheduling gates (spec §4.2, §6), and races."""

import pytest

from referrals import demo, workflow
from referrals.exceptions import GateNotMetError, InvalidTransitionError, WorkflowPermissionError
from referrals.models import ClearanceItem, Finding, Notification, Referral, ReferralEvent

S = Referral.Status


@pytest.fixture
def make(db, coordinator, clinician):
    def _make(status="submitted", **kwargs):
        return demo.make_referral(status, coordinator=coordinator, clinician=clinician, **kwargs)

    return _make


def finding(referral, code):
    return Finding.objects.get(referral=referral, code=code, run__current=True)


def items(referral, gate):
    return referral.checklist.filter(gate=gate)


@pytest.mark.django_db
class TransitionGuardTests:
    @pytest.mark.parametrize(
        ("status", "move"),
        [
            ("submitted", "clear"),
            ("submitted", "decline"),
            ("submitted", "schedule"),
            ("submitted", "resume"),
            ("in_review", "start"),
            ("needs_info", "start"),
            ("cleared", "start"),  # would undo a clearance without a clinician
            ("submitted", "reopen"),
            ("needs_info", "reopen"),
            ("in_review", "schedule"),
            ("in_review", "reopen"),
            ("needs_info", "clear"),
            ("cleared", "decline"),
            ("scheduled", "withdraw"),
            ("not_eligible", "start"),
            ("withdrawn", "withdraw"),
        ],
    )
    def test_moves_the_map_does_not_allow_are_refused(self, make, clinician, status, move):
        referral = make(status)
        calls = {
            "clear": lambda: workflow.clear_referral(referral, actor=clinician),
            "decline": lambda: workflow.decline_referral(referral, actor=clinician, reason="x"),
            "schedule": lambda: workflow.schedule_referral(referral, actor=clinician),
            "resume": lambda: workflow.resume_review(referral, actor=clinician),
            "start": lambda: workflow.start_review(referral, actor=clinician),
            "reopen": lambda: workflow.reopen_review(referral, actor=clinician),
            "withdraw": lambda: workflow.withdraw_referral(referral, actor=clinician),
        }
        events = ReferralEvent.objects.filter(referral=referral).count()
        with pytest.raises(InvalidTransitionError):
            calls[move]()
        assert Referral.objects.get(pk=referral.pk).status == status
        assert ReferralEvent.objects.filter(referral=referral).count() == events

    def test_coordinators_cannot_sign(self, make, coordinator, clinician):
        referral = make("in_review")
        demo.satisfy_gate(referral, "clearance", clinician=clinician)
        for call in (
            lambda: workflow.clear_referral(referral, actor=coordinator),
            lambda: workflow.decline_referral(referral, actor=coordinator, reason="x"),
            lambda: workflow.resolve_finding(
                finding(make("in_review", glaucoma=True), "iop_glaucoma"),
                actor=coordinator,
                resolution="dismissed",
                note="x",
            ),  # fmt: skip
        ):
            with pytest.raises(WorkflowPermissionError):
                call()

    def test_staff_without_permission_can_do_nothing(self, make, staff_without_permission):
        referral = make()
        with pytest.raises(WorkflowPermissionError):
            workflow.start_review(referral, actor=staff_without_permission)
        with pytest.raises(WorkflowPermissionError):
            workflow.withdraw_referral(referral, actor=staff_without_permission)

    def test_coordinators_complete_administrative_items_only(self, make, coordinator):
        referral = make("in_review")
        admin_item = referral.checklist.get(step_id="records_received")
        clinical_item = referral.checklist.get(step_id="initial_consult")
        workflow.update_checklist_item(admin_item, actor=coordinator, status="done")
        with pytest.raises(WorkflowPermissionError):
            workflow.update_checklist_item(clinical_item, actor=coordinator, status="done")
        assert referral.checklist.get(step_id="initial_consult").status == "pending"

    def test_waiving_needs_a_reason(self, make, clinician):
        referral = make("in_review")
        item = referral.checklist.get(step_id="initial_consult")
        with pytest.raises(GateNotMetError):
            workflow.update_checklist_item(item, actor=clinician, status="waived", reason=" ")

    def test_closed_referrals_keep_their_checklist_and_findings(self, make, clinician):
        referral = make("not_eligible", glaucoma=True)
        with pytest.raises(InvalidTransitionError):
            workflow.update_checklist_item(referral.checklist.first(), actor=clinician, status="done")
        with pytest.raises(InvalidTransitionError):
            workflow.resolve_finding(finding(referral, "iop_glaucoma"), actor=clinician, resolution="dismissed",
                                     note="x")  # fmt: skip
        with pytest.raises(InvalidTransitionError):
            workflow.rescreen_referral(referral, actor=clinician, today=workflow.clinic_today())

    def test_clinic_admin_may_rescreen(self, make, clinic_admin):
        referral = make("in_review")
        diff = workflow.rescreen_referral(referral, actor=clinic_admin, today=workflow.clinic_today())
        assert diff == {"added": [], "removed": []}

    def test_decline_needs_a_reason(self, make, clinician):
        with pytest.raises(GateNotMetError):
            workflow.decline_referral(make("in_review"), actor=clinician, reason="  ")


@pytest.mark.django_db
class ClearanceGateTests:
    def test_every_clearance_item_must_be_satisfied(self, make, clinician):
        referral = make("in_review")
        demo.satisfy_gate(referral, "clearance", clinician=clinician)
        item = referral.checklist.get(step_id="vitals_baseline")
        workflow.update_checklist_item(item, actor=clinician, status="pending")
        with pytest.raises(GateNotMetError) as refused:
            workflow.clear_referral(referral, actor=clinician)
        assert refused.value.reasons == ["Checklist item not done: Baseline vitals."]

    @pytest.mark.parametrize("resolution", ["confirmed", "dismissed", "overridden"])
    def test_a_relative_finding_clears_with_any_resolution(self, make, clinician, resolution):
        referral = make("in_review", glaucoma=True)
        for item in items(referral, "clearance"):
            workflow.update_checklist_item(item, actor=clinician, status="done")
        with pytest.raises(GateNotMetError) as refused:
            workflow.clear_referral(referral, actor=clinician)
        assert refused.value.reasons == ["Finding not resolved: iop_glaucoma (relative)."]
        workflow.resolve_finding(finding(referral, "iop_glaucoma"), actor=clinician, resolution=resolution,
                                 note="Ophthalmology letter on file.")  # fmt: skip
        assert workflow.clear_referral(referral, actor=clinician).status == S.CLEARED

    @pytest.mark.parametrize(
        ("resolution", "clears"), [("confirmed", False), ("dismissed", True), ("overridden", True)]
    )
    def test_an_absolute_finding_clears_only_by_dismissal_or_override(
        self, make, clinician, resolution, clears
    ):
        referral = make("in_review", brain_bleed_history=True)
        for item in items(referral, "clearance"):
            workflow.update_checklist_item(item, actor=clinician, status="done")
        workflow.resolve_finding(finding(referral, "intracerebral_hemorrhage_history"), actor=clinician,
                                 resolution=resolution, note="Checked with neurology.")  # fmt: skip
        if clears:
            assert workflow.clear_referral(referral, actor=clinician).status == S.CLEARED
        else:
            with pytest.raises(GateNotMetError):
                workflow.clear_referral(referral, actor=clinician)

    def test_a_resolution_needs_a_note(self, make, clinician):
        referral = make("in_review", glaucoma=True)
        with pytest.raises(GateNotMetError):
            workflow.resolve_finding(finding(referral, "iop_glaucoma"), actor=clinician, resolution="dismissed",
                                     note="")  # fmt: skip

    def test_notes_need_no_resolution(self, make, clinician):
        referral = make("in_review", seizures=True, medications=["lamotrigine"])
        demo.satisfy_gate(referral, "clearance", clinician=clinician)
        assert finding(referral, "seizure_risk").resolution == ""
        assert workflow.clear_referral(referral, actor=clinician).status == S.CLEARED
        with pytest.raises(InvalidTransitionError):
            workflow.resolve_finding(finding(referral, "seizure_risk"), actor=clinician, resolution="dismissed",
                                     note="x")  # fmt: skip

    def test_scheduling_findings_do_not_block_clearing(self, make, clinician):
        referral = make("in_review", escort_available="no")
        demo.satisfy_gate(referral, "clearance", clinician=clinician)
        assert finding(referral, "no_escort").resolution == ""
        assert workflow.clear_referral(referral, actor=clinician).status == S.CLEARED

    def test_conditional_steps_join_the_gate(self, make, clinician):
        referral = make("in_review", heart_conditions=["valve"], alcohol_heavy=True)
        step_ids = set(referral.checklist.values_list("step_id", flat=True))
        assert {"ecg", "labs_lft", "specialist_clearance"} <= step_ids
        for item in items(referral, "clearance").exclude(step_id="ecg"):
            workflow.update_checklist_item(item, actor=clinician, status="done")
        for code in ("cv_stable_disease", "hepatic_moderate"):
            workflow.resolve_finding(
                finding(referral, code), actor=clinician, resolution="confirmed", note="Known."
            )
        with pytest.raises(GateNotMetError) as refused:
            workflow.clear_referral(referral, actor=clinician)
        assert refused.value.reasons == ["Checklist item not done: 12-lead ECG."]

    def test_the_snapshot_records_who_decided(self, make, clinician):
        referral = make("cleared")
        referral.refresh_from_db()
        assert referral.clearance_snapshot["decided_by"] == "clinician"
        assert referral.clearance_snapshot["checklist"]


@pytest.mark.django_db
class SchedulingGateTests:
    def test_scheduling_items_must_be_done(self, make, coordinator):
        referral = make("cleared")
        with pytest.raises(GateNotMetError) as refused:
            workflow.schedule_referral(referral, actor=coordinator)
        assert "Checklist item not done: Payment clearance." in refused.value.reasons

    def test_no_escort_is_resolved_by_completing_escort_arranged(self, make, coordinator, clinician):
        referral = make("cleared", escort_available="no")
        for item in items(referral, "scheduling"):
            workflow.update_checklist_item(item, actor=clinician, status="done")
        assert workflow.schedule_referral(referral, actor=coordinator).status == S.SCHEDULED

    def test_pregnancy_test_is_a_scheduling_item(self, make, coordinator, clinician):
        referral = make("cleared", sex_at_birth="female", can_become_pregnant="unsure", pregnant="no",
                        breastfeeding=False)  # fmt: skip
        pregnancy = referral.checklist.get(step_id="pregnancy_test")
        assert pregnancy.gate == "scheduling"
        for item in items(referral, "scheduling").exclude(step_id="pregnancy_test"):
            workflow.update_checklist_item(item, actor=clinician, status="done")
        with pytest.raises(GateNotMetError) as refused:
            workflow.schedule_referral(referral, actor=coordinator)
        assert refused.value.reasons == ["Checklist item not done: Pregnancy test."]

    def test_the_clearance_gate_must_still_hold(self, make, coordinator, clinician):
        referral = make("cleared")
        demo.satisfy_gate(referral, "scheduling", clinician=clinician)
        workflow.update_checklist_item(referral.checklist.get(step_id="referral_received"), actor=coordinator,
                                       status="pending")  # fmt: skip
        with pytest.raises(GateNotMetError):
            workflow.schedule_referral(referral, actor=coordinator)


@pytest.mark.django_db
class TwoReviewersTests:
    """Each reviewer holds the referral as loaded; the conditional update lets only one decide."""

    def test_clear_and_decline_at_once(self, make, clinician, django_user_model):
        from django.contrib.auth.models import Group

        other = django_user_model.objects.create_user("second", is_staff=True)
        other.groups.add(Group.objects.get(name="Clinician"))
        other = django_user_model.objects.get(pk=other.pk)
        referral = make("in_review")
        demo.satisfy_gate(referral, "clearance", clinician=clinician)
        first_view = Referral.objects.get(pk=referral.pk)
        second_view = Referral.objects.get(pk=referral.pk)  # stale once the first decides
        workflow.clear_referral(first_view, actor=clinician)
        notes = Notification.objects.count()
        with pytest.raises(InvalidTransitionError, match="Someone else changed this referral first"):
            workflow.decline_referral(second_view, actor=other, reason="Too late.")
        referral.refresh_from_db()
        assert referral.status == S.CLEARED and referral.decision_reason == ""
        assert ReferralEvent.objects.filter(referral=referral, kind__in=["cleared", "declined"]).count() == 1
        assert Notification.objects.count() == notes  # the loser's notification rolled back with it

    def test_two_start_reviews_at_once(self, make, coordinator, clinician):
        referral = make()
        first_view = Referral.objects.get(pk=referral.pk)
        second_view = Referral.objects.get(pk=referral.pk)
        workflow.start_review(first_view, actor=coordinator)
        with pytest.raises(InvalidTransitionError):
            workflow.start_review(second_view, actor=clinician)
        referral.refresh_from_db()
        assert referral.assignee == coordinator
        assert ReferralEvent.objects.filter(referral=referral, kind="review_started").count() == 1

    def test_schedule_after_another_reviewer_withdrew(self, make, coordinator, clinician):
        referral = make("cleared")
        demo.satisfy_gate(referral, "scheduling", clinician=clinician)
        stale = Referral.objects.get(pk=referral.pk)
        workflow.withdraw_referral(Referral.objects.get(pk=referral.pk), actor=coordinator)
        with pytest.raises(InvalidTransitionError):
            workflow.schedule_referral(stale, actor=clinician)
        assert Referral.objects.get(pk=referral.pk).status == S.WITHDRAWN


@pytest.mark.django_db
class EventsAndMessagesTests:
    def test_every_staff_transition_records_an_event_and_tells_the_patient(
        self, make, coordinator, clinician
    ):
        referral = make()
        steps = [
            ("review_started", lambda r: workflow.start_review(r, actor=coordinator)),
            (
                "info_requested",
                lambda r: workflow.request_info(r, actor=coordinator, items=["other"], message="Hi"),
            ),
            ("review_resumed", lambda r: workflow.resume_review(r, actor=coordinator)),
            (
                "cleared",
                lambda r: (
                    demo.satisfy_gate(r, "clearance", clinician=clinician),
                    workflow.clear_referral(r, actor=clinician),
                ),
            ),  # fmt: skip
            ("review_reopened", lambda r: workflow.reopen_review(r, actor=clinician)),
            ("declined", lambda r: workflow.decline_referral(r, actor=clinician, reason="Policy.")),
        ]
        for kind, step in steps:
            before = Notification.objects.filter(referral=referral, audience="patient").count()
            step(Referral.objects.get(pk=referral.pk))
            assert ReferralEvent.objects.filter(referral=referral, kind=kind).exists(), kind
            assert Notification.objects.filter(referral=referral, audience="patient").count() == before + 1, (
                kind
            )
        assert (
            not ClearanceItem.objects.filter(referral=referral)
            .exclude(status="done")
            .filter(gate="clearance")
        )


class StatusGraphTests:
    def test_transitions_are_read_off_the_moves(self):
        assert workflow.TRANSITIONS == {
            S.AWAITING_PATIENT: {S.SUBMITTED, S.WITHDRAWN},
            S.SUBMITTED: {S.IN_REVIEW, S.WITHDRAWN},
            S.IN_REVIEW: {S.NEEDS_INFO, S.CLEARED, S.NOT_ELIGIBLE, S.WITHDRAWN},
            S.NEEDS_INFO: {S.IN_REVIEW, S.WITHDRAWN},
            S.CLEARED: {S.SCHEDULED, S.IN_REVIEW, S.WITHDRAWN},
            S.SCHEDULED: set(),
            S.NOT_ELIGIBLE: set(),
            S.WITHDRAWN: set(),
        }

    def test_every_staff_action_has_its_function_page_and_test(self):
        from pathlib import Path

        from referrals import admin_views

        functions = {
            "start_review": workflow.start_review,
            "request_info": workflow.request_info,
            "resume_review": workflow.resume_review,
            "clear": workflow.clear_referral,
            "reopen_review": workflow.reopen_review,
            "decline": workflow.decline_referral,
            "schedule": workflow.schedule_referral,
            "withdraw": workflow.withdraw_referral,
            "reissue_link": workflow.reissue_completion_link,
            "rescreen": workflow.rescreen_referral,
        }
        assert set(workflow.ACTIONS) == set(functions) == set(admin_views.ACTIONS)
        tests = Path(__file__).parent / "admin"
        for name, move in workflow.ACTIONS.items():
            assert move.label and move.perms, name
            assert (tests / f"test_{name}.py").exists(), f"add tests/referrals/admin/test_{name}.py"
            assert admin_views.ACTIONS[name].title == move.label
        labels = [move.label for move in workflow.ACTIONS.values()]
        assert len(set(labels)) == len(labels)

    def test_every_move_records_a_labelled_event(self):
        kinds = dict(ReferralEvent.Kind.choices)
        for name, move in workflow.MOVES.items():
            assert move.event in kinds, name
        assert ReferralEvent.Kind.DOCUMENT_DOWNLOADED.label == "Document downloaded"
        assert ReferralEvent(kind="review_started").get_kind_display() == "Review started"

    @pytest.mark.parametrize(
        ("status", "persona", "expected"),
        [
            ("submitted", "coordinator", ["start_review", "withdraw"]),
            ("in_review", "coordinator", ["request_info", "withdraw"]),
            ("in_review", "clinician", ["request_info", "clear", "decline", "withdraw", "rescreen"]),
            ("needs_info", "coordinator", ["resume_review", "withdraw"]),
            ("cleared", "clinician", ["reopen_review", "schedule", "withdraw", "rescreen"]),
            ("awaiting_patient", "clinician", ["withdraw", "reissue_link"]),  # no answers to re-screen
            ("scheduled", "clinician", []),
            ("in_review", "staff_without_permission", []),
        ],
    )
    def test_allowed_actions_follow_the_table(self, make, request, status, persona, expected):
        user = request.getfixturevalue(persona)
        assert workflow.allowed_actions(make(status), user) == expected


@pytest.mark.django_db
class CurrentPolicyTests:
    def test_every_policy_field_comes_from_the_current_row(self):
        from dataclasses import fields

        from referrals.models import ContraindicationRule, ScreeningPolicy

        changed = {
            "bp_severe_systolic": 170, "bp_severe_diastolic": 105, "bp_elevated_systolic": 145,
            "bp_elevated_diastolic": 95, "min_age": 21, "older_adult_age": 70, "ecg_age": 45,
            "bmi_limit": 38.5, "cardiac_lookback_months": 12, "substance_lookback_months": 6,
            "pc_ptsd5_cutoff": 4, "psychosis_history_severity": "absolute",
        }  # fmt: skip
        ScreeningPolicy.objects.create(**changed)
        ContraindicationRule.objects.filter(code="age_65_plus").update(active=False)
        policy = workflow.current_policy()
        # Every field of the core's Policy is set here, none left at its default.
        assert {f.name for f in fields(policy)} == {*changed, "disabled_rules"}
        assert {name: getattr(policy, name) for name in changed} == changed
        assert policy.disabled_rules == {"age_65_plus"}
