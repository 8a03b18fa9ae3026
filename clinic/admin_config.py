"""The admin app with the staff site that requires a second factor (referrals.staff_auth)."""

from django.contrib.admin.apps import AdminConfig


class StaffAdminConfig(AdminConfig):
    default_site = "referrals.staff_auth.StaffAdminSite"

    def ready(self):
        super().ready()  # autodiscovers every app's admin module
        # The audit trail's read-only admin replaces django-auditlog's own, so it must come after it.
        from referrals import audit_admin  # noqa: F401
