"""Reference rows the app needs: staff roles, clearance steps, rules, policy and wording.

Used by the data migrations (with the historical app registry) and by tests that flush the
database (with the live one). Idempotent: rows that exist are left as they are.
"""

from django.contrib.auth.management import create_permissions

from referrals.questionnaires import DEFAULT_TEXTS, DEFAULT_VERSION
from referrals.screening import CLEARANCE_STEPS, RULES

COORDINATOR = "Intake coordinator"
CLINICIAN = "Clinician"
CLINIC_ADMIN = "Clinic admin"
DEFINITION_MODELS = [
    "screeningpolicy",
    "contraindicationrule",
    "clearancestepdefinition",
    "questionnairetext",
]


def seed_roles(apps) -> None:
    # Permissions are normally created after migrations; make sure they exist now.
    for label in ("auth", "referrals"):
        app_config = apps.get_app_config(label)
        models_module = getattr(app_config, "models_module", None)
        app_config.models_module = models_module or True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = models_module

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")

    def perms(*codenames):
        return list(Permission.objects.filter(content_type__app_label="referrals", codename__in=codenames))

    review = ["review_referral", "view_referral", "change_referral"]
    coordinator, _ = Group.objects.get_or_create(name=COORDINATOR)
    # Entering a referral received by phone, fax or mail is queue work: not the clinic admin's.
    coordinator.permissions.add(*perms(*review, "enter_referral"))
    clinician, _ = Group.objects.get_or_create(name=CLINICIAN)
    clinician.permissions.add(*perms(*review, "enter_referral", "sign_clearance"))
    admin, _ = Group.objects.get_or_create(name=CLINIC_ADMIN)
    definition_perms = [
        f"{action}_{model}" for model in DEFINITION_MODELS for action in ("view", "add", "change")
    ]
    # Staff accounts only through the clinic's own staff pages (referrals/staff_accounts.py): no
    # permission on Django's user, group or authenticator-device models, so no way to set a flag,
    # a permission or a password, or to read someone else's authenticator key.
    admin.permissions.add(*perms(*review, *definition_perms, "manage_staff", "view_rolegrant"))
    clinician.permissions.add(*perms("view_rolegrant"))


def seed_definitions(apps) -> None:
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
        version=DEFAULT_VERSION,
        defaults={"texts": DEFAULT_TEXTS, "change_note": "Plain-language default wording."},
    )


def seed_all() -> None:
    """Seed with the live app registry (after a test flushed the database)."""
    from django.apps import apps

    seed_roles(apps)
    seed_definitions(apps)
