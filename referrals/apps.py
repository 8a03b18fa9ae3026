"""App configuration for referrals."""

from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "referrals"
    verbose_name = "Referrals"

    def ready(self):
        # The audit trail (auditlog registrations, workflow events) and the staff sign-in clock.
        from referrals import audit, staff_auth  # noqa: F401

        audit.register_models()
