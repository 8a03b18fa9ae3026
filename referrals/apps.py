"""App configuration for referrals."""

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        # The audit trail (auditlog registrations, workflow events) and the staff sign-in clock.
        from referrals import audit, staff_auth  # noqa: F401

        audit.register_models()

        # Steps and rules defined in code reach every database on `migrate` (spec §6).
        from referrals import checks

        post_migrate.connect(
            checks.sync_after_migrate, sender=self, dispatch_uid="referrals-sync-definitions"
        )
