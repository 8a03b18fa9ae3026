"""Policy in the admin: clinic admins edit definitions with history kept; nothing is deleted."""

import pytest
from django.contrib.admin.models import LogEntry

from referrals.models import ClearanceStepDefinition, ContraindicationRule, QuestionnaireText, ScreeningPolicy


def policy_data(**overrides):
    current = ScreeningPolicy.current()
    data = {name: getattr(current, name) for name in (
        "bp_severe_systolic", "bp_severe_diastolic", "bp_elevated_systolic", "bp_elevated_diastolic", "min_age",
        "older_adult_age", "ecg_age", "bmi_limit", "cardiac_lookback_months", "substance_lookback_months",
        "pc_ptsd5_cutoff", "psychosis_history_severity")}  # fmt: skip
    return {**data, "change_note": "Medical director approved.", **overrides}


@pytest.mark.django_db
class DefinitionsTests:
    def test_coordinators_and_clinicians_cannot_edit_policy(self, staff_client, coordinator, clinician):
        for user in (coordinator, clinician):
            assert staff_client(user).get("/staff/referrals/screeningpolicy/").status_code == 403

    def test_policy_saves_a_new_version(self, staff_client, clinic_admin):
        client = staff_client(clinic_admin)
        before = ScreeningPolicy.objects.count()
        current = ScreeningPolicy.current()
        response = client.post(
            f"/staff/referrals/screeningpolicy/{current.pk}/change/", policy_data(bp_severe_systolic=170)
        )
        assert response.status_code == 302
        assert ScreeningPolicy.objects.count() == before + 1
        assert ScreeningPolicy.current().bp_severe_systolic == 170
        assert ScreeningPolicy.objects.get(pk=current.pk).bp_severe_systolic == 160
        assert ScreeningPolicy.current().created_by == clinic_admin

    def test_policy_needs_a_change_note_and_sane_values(self, staff_client, clinic_admin):
        client = staff_client(clinic_admin)
        current = ScreeningPolicy.current()
        url = f"/staff/referrals/screeningpolicy/{current.pk}/change/"
        assert client.post(url, policy_data(change_note="")).status_code == 200
        response = client.post(url, policy_data(bp_severe_systolic=130))
        assert response.status_code == 200  # the constraint: severe above elevated
        assert ScreeningPolicy.objects.count() == 1

    def test_rule_changes_keep_before_and_after_in_history(self, staff_client, clinic_admin):
        rule = ContraindicationRule.objects.get(code="iop_glaucoma")
        url = f"/staff/referrals/contraindicationrule/{rule.pk}/change/"
        response = staff_client(clinic_admin).post(
            url, {"title": rule.title, "help_text": "New help.", "active": ""}
        )
        assert response.status_code == 302
        rule.refresh_from_db()
        assert (rule.help_text, rule.active) == ("New help.", False)
        entry = LogEntry.objects.filter(object_id=str(rule.pk)).latest("action_time")
        assert "New help." in entry.change_message and "True" in entry.change_message

    def test_step_id_is_fixed_and_nothing_is_deleted(self, staff_client, clinic_admin):
        step = ClearanceStepDefinition.objects.get(step_id="ecg")
        client = staff_client(clinic_admin)
        page = client.get(f"/staff/referrals/clearancestepdefinition/{step.pk}/change/").content.decode()
        assert 'name="step_id"' not in page
        assert (
            client.post(
                f"/staff/referrals/clearancestepdefinition/{step.pk}/delete/", {"post": "yes"}
            ).status_code
            == 403
        )
        assert client.get("/staff/referrals/contraindicationrule/add/").status_code == 403

    def test_wording_needs_a_new_version_name_and_the_same_structure(self, staff_client, clinic_admin):
        current = QuestionnaireText.current()
        url = f"/staff/referrals/questionnairetext/{current.pk}/change/"
        client = staff_client(clinic_admin)
        import json

        same_name = client.post(url, {"version": current.version, "texts": json.dumps(current.texts)})
        assert "That version name is taken" in same_name.content.decode()
        broken = {
            **current.texts,
            "phq9": {**current.texts["phq9"], "items": current.texts["phq9"]["items"][:8]},
        }
        response = client.post(url, {"version": "official-2027.1", "texts": json.dumps(broken)})
        assert response.status_code == 200
        ok = client.post(
            url, {"version": "official-2027.1", "texts": json.dumps(current.texts), "change_note": "x"}
        )
        assert ok.status_code == 302
        assert QuestionnaireText.current().version == "official-2027.1"
        assert QuestionnaireText.objects.filter(pk=current.pk).exists()
