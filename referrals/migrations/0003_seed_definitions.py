"""Seed the clearance steps (spec §6), contraindication rules (spec §4.2), the default screening
policy (spec §4.1) and the default questionnaire wording."""

from django.db import migrations

from referrals.seeding import seed_definitions


def seed(apps, schema_editor):
    seed_definitions(apps)


class Migration(migrations.Migration):
    dependencies = [("referrals", "0002_roles")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
