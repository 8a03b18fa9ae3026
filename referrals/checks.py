"""Definitions that survive upgrades: the post_migrate sync and the system check that reports gaps."""

from django.core import checks
from django.db import DatabaseError, connections

from referrals import seeding


def sync_after_migrate(sender, *, apps=None, using="default", verbosity=1, stdout=None, **kwargs) -> None:
    """post_migrate: bring the steps and rules defined in code into the database just migrated."""
    if apps is None:
        from django.apps import apps
    try:
        step_model = apps.get_model("referrals", "ClearanceStepDefinition")
        apps.get_model("referrals", "ContraindicationRule")
    except LookupError:
        return  # migrated back before the referrals tables existed
    if not any(field.name == "seeded_hash" for field in step_model._meta.fields):
        return  # migrated to a state before the sync existed; the next full migrate syncs
    report = seeding.sync_definitions(apps, using=using)
    if verbosity >= 1 and stdout is not None:
        for table, done in report.items():
            for what in ("added", "updated"):
                if done[what]:
                    stdout.write(f"  Definitions: {table} {what} from code: {', '.join(done[what])}\n")


@checks.register(checks.Tags.database)
def definitions_in_database(app_configs=None, databases=None, **kwargs) -> list[checks.CheckMessage]:
    """Every step and rule defined in code exists in the database (spec §6).

    Tagged `database`, so it runs only with `check --database` (and before `migrate`), and a
    database without the tables yet (never migrated) is skipped rather than reported. A warning,
    not an error: an error would stop the very `migrate` that adds the missing rows.
    """
    from referrals.models import ClearanceStepDefinition, ContraindicationRule

    messages = []
    for alias in databases or []:
        try:
            tables = set(connections[alias].introspection.table_names())
            if not {ClearanceStepDefinition._meta.db_table, ContraindicationRule._meta.db_table} <= tables:
                continue
            missing = seeding.missing_definitions(using=alias)
        except DatabaseError:
            continue
        for kind, label, ident in (("steps", "Clearance step", "referrals.W001"),
                                   ("rules", "Contraindication rule", "referrals.W002")):  # fmt: skip
            if missing[kind]:
                messages.append(
                    checks.Warning(
                        f"{label}s defined in code are missing from database {alias!r}: "
                        f"{', '.join(missing[kind])}. New referrals would get no checklist item or "
                        "finding for them.",
                        hint="Run `manage.py migrate`: it adds every step and rule defined in code.",
                        id=ident,
                    )
                )
    return messages
