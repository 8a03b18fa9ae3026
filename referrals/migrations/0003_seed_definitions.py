"""Seed the clearance steps (spec §6), contraindication rules (spec §4.2), the default screening
policy (spec §4.1) and the default questionnaire wording."""

from django.db import migrations

from referrals.questionnaires import DEFAULT_TEXTS, DEFAULT_VERSION
from referrals.screening import CLEARANCE_STEPS, RULES


def seed(apps, schema_editor):
    Step = apps.get_model("referrals", "ClearanceStepDefinition")
    Rule = apps.get_model("referrals", "ContraindicationRule")
    Policy = apps.get_model("referrals", "ScreeningPolicy")
    Wording = apps.get_model("referrals", "QuestionnaireText")
    for order, (step_id, title, help_text, gate, kind, condition) in enumerate(CLEARANCE_STEPS, start=1):
        Step.objects.get_or_create(
            step_id=step_id,
            defaults={
                "title": title,
                "help_text": help_text,
                "gate": gate,
                "kind": kind,
                "condition": condition,
                "order": order * 10,
            },
        )
    for code, title, severity_text, gate, help_text in RULES:
        Rule.objects.get_or_create(
            code=code,
            defaults={"title": title, "severity_text": severity_text, "gate": gate, "help_text": help_text},
        )
    if not Policy.objects.exists():
        Policy.objects.create(change_note="Clinic default policy (screening spec v1).")
    Wording.objects.get_or_create(
        version=DEFAULT_VERSION, defaults={"texts": DEFAULT_TEXTS, "change_note": "Plain-language default wording."}
    )


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_roles")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
