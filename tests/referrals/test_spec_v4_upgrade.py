"""Screening spec v4 reaches an existing database on `migrate`, and older referrals keep their results."""

import pytest
from django.core.management import call_command

from referrals import demo, seeding, workflow
from referrals.models import ClearanceStepDefinition, ContraindicationRule

OLD_PREGNANCY_HELP = (
    "Pregnant, or unsure (test before clearance). Source: Cohen2018 (avoid in pregnancy); SpravatoPI "
    "(embryo-fetal toxicity)."
)


def as_seeded(model, key, ident, fields, **values):
    """Make a row look as an earlier release seeded it, never edited since."""
    row = model.objects.get(**{key: ident})
    for name, value in values.items():
        setattr(row, name, value)
    row.seeded_hash = seeding.wording_hash({name: getattr(row, name) for name in fields}, fields)
    row.save()


@pytest.mark.django_db
class UpgradeTests:
    def test_migrate_adds_the_v4_rules_and_refreshes_unedited_wording(self):
        ContraindicationRule.objects.filter(
            code__in=["bipolar_no_mood_stabilizer", "med_addiction_treatment"]
        ).delete()
        as_seeded(
            ContraindicationRule,
            "code",
            "pregnancy_current",
            seeding.RULE_FIELDS,
            help_text=OLD_PREGNANCY_HELP,
        )
        as_seeded(ClearanceStepDefinition, "step_id", "urine_drug_screen", seeding.STEP_FIELDS,
                  help_text="Urine toxicology when substance use is reported.")  # fmt: skip
        ContraindicationRule.objects.filter(code="cv_stable_disease").update(help_text="Our cardiology note.")

        call_command("migrate", verbosity=0, interactive=False)

        rules = {rule.code: rule for rule in ContraindicationRule.objects.all()}
        assert rules["bipolar_no_mood_stabilizer"].title == "Bipolar disorder without a mood stabilizer"
        assert rules["med_addiction_treatment"].severity_text == "note"
        assert "before scheduling" in rules["pregnancy_current"].help_text
        assert "before clearance" not in rules["pregnancy_current"].help_text
        assert rules["cv_stable_disease"].help_text == "Our cardiology note."  # the clinic's edit stays
        step = ClearanceStepDefinition.objects.get(step_id="urine_drug_screen")
        assert "buprenorphine, methadone or naltrexone" in step.help_text

    def test_the_admin_rule_list_shows_the_v4_rules(self, staff_client, clinic_admin):
        page = staff_client(clinic_admin).get("/staff/referrals/contraindicationrule/?all=").content.decode()
        for text in (
            "bipolar_no_mood_stabilizer",
            "med_addiction_treatment",
            "Known heart or blood vessel condition",
        ):
            assert text in page


@pytest.mark.django_db
class OlderReferralTests:
    def test_a_pre_v4_bipolar_referral_lists_the_new_question_and_is_not_flagged(self, clinic_admin):
        # Answered before v4: a bipolar diagnosis, and no mood-stabilizer question asked.
        referral = demo.make_referral("in_review", bipolar_diagnosis=True)
        assert "mood_stabilizer_current" not in referral.answers
        diff = workflow.rescreen_referral(referral, actor=clinic_admin, today=workflow.clinic_today())
        current = {f.code: f for f in referral.findings.filter(run__current=True)}
        assert "bipolar_no_mood_stabilizer" not in current
        assert current["incomplete_answers"].reason == (
            "These applicable answers are missing: mood_stabilizer_current."
        )
        assert current["bipolar_disorder"].severity == "relative"
        assert diff == {"added": [], "removed": []}

    def test_a_pre_v4_referral_on_buprenorphine_keeps_its_results_until_rescreened(self, clinic_admin):
        referral = demo.make_referral(
            "in_review", medications=["opioid_or_sedative"], substance_problem_recent=True
        )
        before = set(referral.findings.filter(run__current=True).values_list("code", flat=True))
        assert "sud_active" in before  # what the old question gave; v4 does not rewrite stored answers
        workflow.rescreen_referral(referral, actor=clinic_admin, today=workflow.clinic_today())
        after = set(referral.findings.filter(run__current=True).values_list("code", flat=True))
        assert after == before
