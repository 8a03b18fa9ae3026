"""App configuration for referrals."""

from django.apps import AppConfig, apps
from django.db.models.signals import post_migrate

# The admin's sections for the sign-in apps, written as a clinic would say them (not "AXES",
# "OTP_TOTP"). Only the sections' names: no model option changes, so no migrations in those apps.
SECTION_NAMES = {
    "auth": "Staff sign-in and roles",
    "axes": "Sign-in lockouts",
    "otp_totp": "Authenticator apps",
    "otp_static": "Recovery codes",
    "auditlog": "Audit trail",
}


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        # The audit trail (auditlog registrations, workflow events) and the staff sign-in clock.
        from referrals import audit, staff_auth  # noqa: F401

        audit.register_models()

        for label, name in SECTION_NAMES.items():
            if label in apps.app_configs:
                apps.get_app_config(label).verbose_name = name

        # Steps and rules defined in code reach every database on `migrate` (spec §6).
        from referrals import checks

        post_migrate.connect(
            checks.sync_after_migrate, sender=self, dispatch_uid="referrals-sync-definitions"
        )
