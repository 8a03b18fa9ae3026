"""Staff roles as groups: intake coordinator, clinician, clinic admin (DESIGN.md, Roles)."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

COORDINATOR = "Intake coordinator"
CLINICIAN = "Clinician"
CLINIC_ADMIN = "Clinic admin"

DEFINITION_MODELS = ["screeningpolicy", "contraindicationrule", "clearancestepdefinition", "questionnairetext"]


def create_roles(apps, schema_editor):
    # Permissions are normally created after migrations; make sure they exist now.
    for label in ("auth", "referrals"):
        app_config = apps.get_app_config(label)
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(*codenames):
        return list(Permission.objects.filter(content_type__app_label="referrals", codename__in=codenames))

    review = ["review_referral", "view_referral", "change_referral"]
    coordinator, _ = Group.objects.get_or_create(name=COORDINATOR)
    coordinator.permissions.set(perms(*review))
    clinician, _ = Group.objects.get_or_create(name=CLINICIAN)
    clinician.permissions.set(perms(*review, "sign_clearance"))
    admin, _ = Group.objects.get_or_create(name=CLINIC_ADMIN)
    definition_perms = [f"{action}_{model}" for model in DEFINITION_MODELS for action in ("view", "add", "change")]
    admin.permissions.set(perms(*review, *definition_perms))
    auth_perms = Permission.objects.filter(
        content_type__app_label="auth", codename__in=["view_user", "add_user", "change_user", "view_group"]
    )
    admin.permissions.add(*auth_perms)


def remove_roles(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name__in=[COORDINATOR, CLINICIAN, CLINIC_ADMIN]).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("referrals", "0001_initial"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_roles, remove_roles)]
