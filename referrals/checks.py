"""Definitions that survive upgrades: the post_migrate sync and the system check that reports gaps."""

from django.core import checks
from django.db import DatabaseError, connections

from referrals import seeding


def sync_after_migrate(sender, *, apps=None, using="default", verbosity=1, stdout=None, **kwargs) -> None:
    """post_migrate: bring the roles, steps and rules defined in code into the database just migrated.

    It also runs after `flush` (a live-server test's teardown), so the roles' groups and
    permissions come back with the definitions and no later test depends on the order it runs in.
    """
    if apps is None:
        from django.apps import apps
    try:
        step_model = apps.get_model("referrals", "ClearanceStepDefinition")
        apps.get_model("referrals", "ContraindicationRule")
    except LookupError:
        return  # migrated back before the referrals tables existed
    if not any(field.name == "seeded_hash" for field in step_model._meta.fields):
        return  # migrated to a state before the sync existed; the next full migrate syncs
    seeding.seed_roles(apps)
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


_LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "0.0.0.0", ""})
_PER_PROCESS_CACHES = frozenset({
    "django.core.cache.backends.locmem.LocMemCache", "django.core.cache.backends.dummy.DummyCache",
})  # fmt: skip


@checks.register(checks.Tags.security, deploy=True)
def production_services(app_configs=None, **kwargs) -> list[checks.CheckMessage]:
    """`check --deploy` fails without a shared cache (REDIS_URL) or a public https SITE_URL."""
    from urllib.parse import urlsplit

    from django.conf import settings

    errors = []
    backend = settings.CACHES.get("default", {}).get("BACKEND", "")
    if not getattr(settings, "REDIS_URL", None) or backend in _PER_PROCESS_CACHES:
        errors.append(
            checks.Error(
                "REDIS_URL is not set, so the cache is local to each process: every worker would count "
                "rate limits (sign-in, status checks, submissions) on its own, multiplying them.",
                hint="Set REDIS_URL to the shared Redis, e.g. redis://redis.internal:6379/0.",
                id="referrals.E101",
            )
        )
    site = urlsplit(getattr(settings, "SITE_URL", "") or "")
    host = (site.hostname or "").lower()
    if site.scheme != "https" or host in _LOCAL_HOSTS or host.endswith(".localhost"):
        errors.append(
            checks.Error(
                f"SITE_URL is {settings.SITE_URL!r}: the links in every email (completion links, "
                "information requests, status pages) would point there instead of the public site.",
                hint="Set SITE_URL to the public https address, e.g. https://referrals.clinic.example.",
                id="referrals.E102",
            )
        )
    return errors
