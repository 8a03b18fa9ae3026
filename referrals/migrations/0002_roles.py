"""Staff roles as groups: intake coordinator, clinician, clinic admin (DESIGN.md, Roles)."""

from django.db import migrations

from referrals.seeding import CLINIC_ADMIN, CLINICIAN, COORDINATOR, seed_roles


def create_roles(apps, schema_editor):
    seed_roles(apps)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[COORDINATOR, CLINICIAN, CLINIC_ADMIN]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
