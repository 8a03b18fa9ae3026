"""Definitions that survive upgrades (screening spec §6): `migrate` brings code-defined steps and rules in."""

import pytest
from django.core import checks
from django.core.management import call_command

from referrals import demo, seeding, workflow
from referrals.checks import definitions_in_database
from referrals.exceptions import GateNotMetError
from referrals.models import ClearanceItem, ClearanceStepDefinition, ContraindicationRule, Referral
from referrals.screening import CLEARANCE, CLINICAL

NEW_STEP = (
    "allergy_review",
    "Allergy review",
    "Confirm drug allergies with the patient before clearing.",
    CLEARANCE,
    CLINICAL,
    "always",
)


def migrate():
    call_command("migrate", verbosity=0, interactive=False)


def reported(databases=("default",)) -> list[str]:
    return [message.id for message in definitions_in_database(databases=list(databases))]


@pytest.fixture
def new_step_in_code(monkeypatch):
    """A release that adds a required clearance step to the catalogue in code."""
    monkeypatch.setattr(seeding, "CLEARANCE_STEPS", (*seeding.CLEARANCE_STEPS, NEW_STEP))


@pytest.mark.django_db
class UpgradeTests:
    def test_a_step_added_in_code_reaches_an_old_database_and_gates_clearing(
        self, new_step_in_code, coordinator, clinician
    ):
        # The database as the older version left it: it has never heard of the new step.
        assert not ClearanceStepDefinition.objects.filter(step_id="allergy_review").exists()
        assert reported() == ["referrals.W001"]

        migrate()

        step = ClearanceStepDefinition.objects.get(step_id="allergy_review")
        assert (step.title, step.gate, step.kind) == ("Allergy review", "clearance", "clinical")
        assert step.seeded_hash and reported() == []

        referral = demo.make_referral("in_review", coordinator=coordinator, clinician=clinician)
        item = referral.checklist.get(step_id="allergy_review")
        assert item.status == ClearanceItem.ItemStatus.PENDING
        for other in referral.checklist.filter(gate="clearance").exclude(pk=item.pk):
            workflow.update_checklist_item(other, actor=clinician, status="done")
        with pytest.raises(GateNotMetError) as refused:
            workflow.clear_referral(referral, actor=clinician)
        assert refused.value.reasons == ["Checklist item not done: Allergy review."]
        assert Referral.objects.get(pk=referral.pk).status == Referral.Status.IN_REVIEW

        workflow.update_checklist_item(item, actor=clinician, status="done")
        assert workflow.clear_referral(referral, actor=clinician).status == Referral.Status.CLEARED

    def test_a_deleted_step_or_rule_comes_back_with_migrate(self):
        ClearanceStepDefinition.objects.filter(step_id="ecg").delete()
        ContraindicationRule.objects.filter(code="iop_glaucoma").delete()
        assert sorted(reported()) == ["referrals.W001", "referrals.W002"]
        migrate()
        assert ClearanceStepDefinition.objects.filter(step_id="ecg").exists()
        assert ContraindicationRule.objects.filter(code="iop_glaucoma").exists()
        assert reported() == []

    def test_new_wording_replaces_unedited_rows_and_never_an_edit(self, monkeypatch):
        ClearanceStepDefinition.objects.filter(step_id="records_received").update(title="Records in (edited)")
        rewritten = tuple(
            (step_id, f"{title} (v2)", help_text, gate, kind, condition)
            for step_id, title, help_text, gate, kind, condition in seeding.CLEARANCE_STEPS
        )
        monkeypatch.setattr(seeding, "CLEARANCE_STEPS", rewritten)
        migrate()
        titles = dict(ClearanceStepDefinition.objects.values_list("step_id", "title"))
        assert titles["ecg"] == "12-lead ECG (v2)"  # never edited: follows the code
        assert titles["records_received"] == "Records in (edited)"  # the clinic's edit stays
        # And again: a second run changes nothing more.
        assert seeding.sync_definitions()["steps"] == {
            "added": [],
            "updated": [],
            "kept_edited": ["records_received"],
        }

    def test_rows_seeded_before_hashes_were_kept_are_adopted_when_unedited(self, monkeypatch):
        # A database from before this release: rows without a stored hash.
        ContraindicationRule.objects.update(seeded_hash="")
        ContraindicationRule.objects.filter(code="bp_elevated").update(help_text="Our own note.")
        seeding.sync_definitions()
        rules = {rule.code: rule for rule in ContraindicationRule.objects.all()}
        assert rules["iop_glaucoma"].seeded_hash  # matches the code: adopted
        assert rules["bp_elevated"].seeded_hash == "" and rules["bp_elevated"].help_text == "Our own note."

    def test_active_and_order_stay_as_the_clinic_set_them(self):
        ClearanceStepDefinition.objects.filter(step_id="ecg").update(active=False, order=5)
        migrate()
        step = ClearanceStepDefinition.objects.get(step_id="ecg")
        assert (step.active, step.order) == (False, 5)


class CheckTests:
    def test_check_is_tagged_database_so_plain_check_skips_it(self):
        assert checks.Tags.database in definitions_in_database.tags
        assert definitions_in_database(databases=None) == []

    @pytest.mark.django_db
    def test_an_unmigrated_database_is_not_reported(self, monkeypatch):
        from django.db import connection

        real = connection.introspection.table_names
        monkeypatch.setattr(connection.introspection, "table_names", lambda *a, **k: [
            name for name in real(*a, **k) if not name.startswith("referrals_")
        ])  # fmt: skip
        assert reported() == []
